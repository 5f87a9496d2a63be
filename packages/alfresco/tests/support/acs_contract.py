"""Every exchange checked against the vendor's OpenAPI documents (core, search, auth and
Governance Services from ``shared/specs/alfresco``), with tasklink-testing's
:class:`~tasklink.testing.OpenAPISpec`, as the Camunda fakes do.

Two additions of our own, both named in the problems they report:

* an error answer's body is also checked against the document's ``Error`` definition, since
  most operations declare their 4xx statuses without a schema;
* the Governance Services classification API (security groups, marks, secured nodes) has no
  published definition we may use (``SOURCES.md``): :data:`CLASSIFICATION` describes the
  four operations the connector needs, as the Alfresco Java SDK's generated documentation
  (``alfresco-governance-classification-rest-api/docs``) gives them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

from tasklink.testing import OpenAPISpec
from tasklink.testing._openapi import OperationNotFoundError

__all__ = ["API_PREFIXES", "CLASSIFICATION", "Contract"]

API_PREFIXES = {
    "core": "/alfresco/api/-default-/public/alfresco/versions/1",
    "search": "/alfresco/api/-default-/public/search/versions/1",
    "auth": "/alfresco/api/-default-/public/authentication/versions/1",
    "gs": "/alfresco/api/-default-/public/gs/versions/1",
}
SPEC_FILES = {
    "core": "alfresco-core.yaml",
    "search": "alfresco-search.yaml",
    "auth": "alfresco-auth.yaml",
    "gs": "gs-core-api.yaml",
}

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["statusCode", "briefSummary", "stackTrace", "descriptionURL"],
            "properties": {
                "errorKey": {"type": "string"},
                "statusCode": {"type": "integer"},
                "briefSummary": {"type": "string"},
                "stackTrace": {"type": "string"},
                "descriptionURL": {"type": "string"},
                "logId": {"type": "string"},
            },
        }
    },
}
_PAGING = {
    "type": "object",
    "properties": {
        "count": {"type": "integer"},
        "hasMoreItems": {"type": "boolean"},
        "totalItems": {"type": "integer"},
        "skipCount": {"type": "integer"},
        "maxItems": {"type": "integer"},
    },
}


def _list_of(ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["list"],
        "properties": {
            "list": {
                "type": "object",
                "required": ["pagination", "entries"],
                "properties": {
                    "pagination": {"$ref": "#/definitions/Pagination"},
                    "entries": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["entry"],
                            "properties": {"entry": {"$ref": ref}},
                        },
                    },
                },
            }
        },
    }


def _get(summary: str, path_param: str | None, schema: str) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": "skipCount", "in": "query", "type": "integer", "minimum": 0},
        {"name": "maxItems", "in": "query", "type": "integer", "minimum": 1},
        {"name": "include", "in": "query", "type": "string"},
    ]
    if path_param:
        parameters.insert(0, {"name": path_param, "in": "path", "required": True, "type": "string"})
    return {
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": "ok", "schema": {"$ref": f"#/definitions/{schema}"}},
            "default": {"description": "error", "schema": {"$ref": "#/definitions/Error"}},
        },
    }


CLASSIFICATION: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "GS classification (our reading of the Java SDK's docs)", "version": "1"},
    "basePath": API_PREFIXES["gs"],
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "paths": {
        "/security-groups": {"get": _get("listSecurityGroups", None, "SecurityGroupPaging")},
        "/security-groups/{securityGroupId}/security-marks": {
            "get": _get("getSecurityGroupMarks", "securityGroupId", "SecurityMarkPaging")
        },
        "/secured-nodes/{nodeId}/securing-marks": {
            "get": _get("getSecuringMarks", "nodeId", "SecurityMarkPaging"),
            "post": {
                "summary": "updateSecuringMarks",
                "parameters": [
                    {"name": "nodeId", "in": "path", "required": True, "type": "string"},
                    {
                        "name": "securityMarksUpdates",
                        "in": "body",
                        "required": True,
                        "schema": {
                            "type": "array",
                            "items": {"$ref": "#/definitions/SecuringMarksUpdateEntry"},
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "schema": {"$ref": "#/definitions/SecurityMarkPaging"},
                    },
                    "default": {"description": "error", "schema": {"$ref": "#/definitions/Error"}},
                },
            },
        },
    },
    "definitions": {
        "Error": _ERROR,
        "Pagination": _PAGING,
        "SecurityGroup": {
            "type": "object",
            "required": ["id", "groupName"],
            "properties": {
                "id": {"type": "string"},
                "groupName": {"type": "string"},
                "groupType": {
                    "type": "string",
                    "enum": ["HIERARCHICAL", "USER_REQUIRES_ALL", "USER_REQUIRES_ANY"],
                },
                "inUse": {"type": "boolean"},
            },
        },
        "SecurityMark": {
            "type": "object",
            "required": ["id", "name", "groupId"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "groupId": {"type": "string"},
            },
        },
        "SecuringMarksUpdateEntry": {
            "type": "object",
            "required": ["id", "groupId", "operation"],
            "properties": {
                "id": {"type": "string"},
                "groupId": {"type": "string"},
                "operation": {"type": "string", "enum": ["ADD", "REMOVE"]},
            },
        },
        "SecurityGroupPaging": _list_of("#/definitions/SecurityGroup"),
        "SecurityMarkPaging": _list_of("#/definitions/SecurityMark"),
    },
}


class Contract:
    """The API documents, and the checks of one request or answer against them."""

    def __init__(self, spec_dir: Path) -> None:
        self.specs: dict[str, list[OpenAPISpec]] = {
            name: [OpenAPISpec.load(spec_dir / file)] for name, file in SPEC_FILES.items()
        }
        self.specs["gs"].append(OpenAPISpec.from_dict(CLASSIFICATION, name="gs-classification"))
        self._errors: dict[int, Draft4Validator] = {}

    def api_of(self, path: str) -> str | None:
        for name, prefix in API_PREFIXES.items():
            if path == prefix or path.startswith(prefix + "/"):
                return name
        return None

    def spec_for(self, method: str, url: str) -> OpenAPISpec | None:
        """The document declaring ``method url`` (None: no document knows the path)."""
        api = self.api_of(url.split("?", 1)[0])
        if api is None:
            return None
        for spec in self.specs[api]:
            try:
                spec.find_operation(method, url)
            except OperationNotFoundError:
                continue
            return spec
        return self.specs[api][0]

    def check_request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> list[str]:
        spec = self.spec_for(method, url)
        if spec is None:
            return [f"no Alfresco API serves {url.split('?', 1)[0]!r}"]
        return spec.validate_request(method, url, headers=dict(headers), body=body)

    def success_status(self, method: str, url: str, fallback: int) -> int:
        """The 2xx status the document declares for the operation (ACS answers 201 for
        most creations; the documents are what the tests hold the fake to)."""
        spec = self.spec_for(method, url)
        if spec is None:
            return fallback
        try:
            operation = spec.find_operation(method, url)
        except OperationNotFoundError:
            return fallback
        declared = [int(k) for k in operation.definition.get("responses", {}) if k.isdigit()]
        ok = sorted(s for s in declared if 200 <= s < 300)
        return fallback if fallback in ok or not ok else ok[0]

    def check_response(
        self,
        method: str,
        url: str,
        status: int,
        *,
        content_type: str | None,
        body: bytes | None,
    ) -> list[str]:
        spec = self.spec_for(method, url)
        if spec is None:
            return []
        problems = spec.validate_response(
            method, url, status, headers={}, body=body, content_type=content_type
        )
        if status >= 400 and body:
            try:
                parsed = json.loads(body)
            except ValueError:
                problems.append(f"error body (status {status}) is not JSON")
            else:
                problems.extend(
                    f"error body (status {status}) is not the API's Error: {error.message}"
                    for error in Draft4Validator(_ERROR).iter_errors(parsed)
                )
        return problems
