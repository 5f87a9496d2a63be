"""The standard suite every tasklink connector package runs, against the fake ACS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tasklink.alfresco import connector
from tasklink.testing import SecretCase, StandardConnectorSuite

C = {
    "baseUrl": "https://acs.example.com/alfresco",
    "authentication": {"type": "basic", "username": "ada", "password": "pw"},
}
N = {"connection": C, "nodeId": "n1"}
T = {"targetFolderId": "f1"}


class TestStandard(StandardConnectorSuite):
    connector = connector
    package_dir = Path(__file__).resolve().parents[1]
    # Discovery must not load the HTTP stack: the client imports it with the first request.
    heavy_modules = ("httpx", "httpcore")

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        return {
            "create_file": {"connection": C, "fileName": "a.txt", **T, "sourceText": "x"},
            "create_folder": {"connection": C, "folderName": "A", **T},
            "select_file": {"connection": C, "searchQuery": "cm:name:a", "searchMaxItems": 5},
            "select_folder": {"connection": C, "path": "/Shared"},
            "select_metadata": {**N, "underscoreMetadata": True},
            "copy_file": {"connection": C, "sourceId": "n1", **T},
            "move_file": {"connection": C, "sourceFile": [{"id": "n1"}], **T},
            "copy_folder": {"connection": C, "sourcePath": "/A", **T},
            "move_folder": {"connection": C, "sourceFolder": [{"id": "n1"}], **T},
            "update_file_content": {"connection": C, "targetFileId": "n1", "sourceJson": {}},
            "update_metadata": {**N, "metadata": {"cm:title": "T"}},
            "set_permissions": {**N, "users": "ada, bob", "role": "Editor"},
            "lock_node": {**N, "lockType": "FULL", "timeToExpire": 60},
            "unlock_node": N,
            "add_aspect": {**N, "aspect": "cm:titled"},
            "remove_aspect": {**N, "aspect": "cm:titled"},
            "update_tag": {**N, "tags": ["a"]},
            "set_type": {**N, "nodeType": "cm:content"},
            "delete_file": {"connection": C, "fileId": "n1", "permanent": True},
            "delete_folder": {"connection": C, "folderId": "n1"},
            "declare_record": {"connection": C, "fileId": "n1", "hideRecord": True},
            "add_security_marks": {**N, "securityGroupName": "PII", "securityMarks": "a"},
            "get_security_marks": {**N, "securityGroupName": "PII"},
            "search": {"connection": C, "searchQuery": "x", "language": "cmis"},
            "list_children": {**N, "maxItems": 10},
            "download_content": {**N, "outputFormat": "text", "maxBytes": 100},
            "list_versions": N,
            "revert_version": {**N, "versionId": "1.0"},
            "create_shared_link": N,
        }

    @pytest.fixture
    def secret_cases(self, acs: Any) -> list[SecretCase]:
        acs.add_client("suite-client", "suite-client-secret-1")
        home = {"nodeId": acs.company_home_id}

        def case(auth: dict[str, Any], secrets: dict[str, str]) -> SecretCase:
            variables = {"connection": {"baseUrl": acs.base_url, "authentication": auth}, **home}
            return SecretCase("select_metadata", variables, secrets)

        password = "{{secrets.PASSWORD}}"
        oauth = {
            "type": "oauth2_client_credentials",
            "tokenUrl": acs.token_url,
            "clientId": "suite-client",
            "clientSecret": "{{secrets.CLIENT_SECRET}}",
        }
        return [
            case(
                {"type": "basic", "username": acs.username, "password": password},
                {"PASSWORD": acs.password},
            ),
            case(
                {"type": "ticket", "username": acs.username, "password": password},
                {"PASSWORD": acs.password},
            ),
            # A refused login: nothing of the password in the error either.
            case(
                {"type": "ticket", "username": acs.username, "password": password},
                {"PASSWORD": "wrong-password-123"},
            ),
            case(oauth, {"CLIENT_SECRET": "suite-client-secret-1"}),
            case(oauth, {"CLIENT_SECRET": "wrong-client-secret-1"}),
            SecretCase(
                "select_metadata",
                home,
                {
                    "CONTENT_SERVICE_CONNECTION": json.dumps(
                        {
                            "baseUrl": acs.base_url,
                            "authentication": {
                                "type": "basic",
                                "username": acs.username,
                                "password": acs.password,
                            },
                        }
                    )
                },
            ),
        ]

    @pytest.fixture
    def readme_environment(self, acs: Any) -> dict[str, str]:
        return {
            "ALFRESCO_URL": acs.base_url,
            "ALFRESCO_USER": acs.username,
            "ALFRESCO_PASSWORD": acs.password,
        }
