"""Every request and answer of the fake Slack checked against Slack's Web API document
(``shared/specs/slack/slack_web_openapi_v2_without_examples.json``, Swagger 2.0) with
tasklink-testing's :class:`~tasklink.testing.OpenAPISpec`, as the Alfresco fake does.

Two things of Slack's own are handled here rather than in the kit:

* **Any method by GET or POST.** Slack accepts every method either way (slack-sdk's sync
  client posts all of them, ``base_client.py``: "Slack APIs accepts any API method requests
  with POST methods"), while the document declares one verb per method. A request sent
  with the other verb is checked as the declared one: form fields stand for query
  parameters and the other way round; a JSON body for a method the document declares
  form-only is reported, as Slack reads no parameters from it.
* **Corrections** (:data:`CORRECTIONS`). The document was generated in 2020 and lags the
  API in a few places the connector meets: the two ``files.*External`` upload methods are
  missing, the history methods page by cursor but their answers may not carry
  ``response_metadata``, and some error names Slack documents today are not in the error
  enums. Each correction names what it changes and the source; the fake's answers are
  checked against the corrected document, and ``test_fake_slack.py`` proves each
  correction still changes something (so none outlives the document's own fix).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from tasklink.testing import OpenAPISpec

__all__ = ["CORRECTIONS", "SPEC_FILE", "Contract", "Correction", "load_document"]

SPEC_FILE = "slack_web_openapi_v2_without_examples.json"
BASE_PATH = "/api"
_JSON = "application/json; charset=utf-8"

Document = dict[str, Any]


@dataclass(frozen=True)
class Correction:
    """One documented change to the vendor document; ``apply`` says whether it changed it."""

    name: str
    why: str
    apply: Callable[[Document], bool]


def _operation(doc: Document, method: str) -> dict[str, Any]:
    item: dict[str, Any] = doc["paths"]["/" + method]
    return next(iter(item.values()))


def _error_enum(doc: Document, method: str) -> list[str]:
    schema = _operation(doc, method)["responses"]["default"]["schema"]
    enum: list[str] = schema["properties"]["error"]["enum"]
    return enum


def _token_param() -> dict[str, Any]:
    return {
        "description": "Authentication token (header or form).",
        "in": "header",
        "name": "token",
        "required": True,
        "type": "string",
    }


def _form(name: str, kind: str = "string", *, required: bool = False) -> dict[str, Any]:
    return {"in": "formData", "name": name, "type": kind, "required": required}


def _error_response(errors: list[str]) -> dict[str, Any]:
    return {
        "description": "Typical error response",
        "schema": {
            "additionalProperties": False,
            "properties": {
                "callstack": {"type": "string"},
                "error": {"enum": errors, "type": "string"},
                "ok": {"$ref": "#/definitions/defs_ok_false"},
            },
            "required": ["ok", "error"],
            "type": "object",
        },
    }


_COMMON_ERRORS = [
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "invalid_arg_name",
    "invalid_array_arg",
    "invalid_charset",
    "invalid_form_data",
    "invalid_post_type",
    "missing_post_type",
    "invalid_json",
    "json_not_object",
    "request_timeout",
    "upgrade_required",
    "fatal_error",
    "ratelimited",
]


def _add_upload_methods(doc: Document) -> bool:
    """docs.slack.dev/reference/methods/files.getUploadURLExternal and
    .../files.completeUploadExternal, as of 2025 (arguments, content types, errors)."""
    paths = doc["paths"]
    if "/files.getUploadURLExternal" in paths and "/files.completeUploadExternal" in paths:
        return False
    paths["/files.getUploadURLExternal"] = {
        "post": {
            "operationId": "files_getUploadURLExternal",
            "description": "Gets a URL for an edge external file upload.",
            "consumes": ["application/x-www-form-urlencoded"],
            "produces": ["application/json"],
            "parameters": [
                _token_param(),
                _form("filename", required=True),
                _form("length", "integer", required=True),
                _form("alt_txt"),
                _form("snippet_type"),
            ],
            "responses": {
                "200": {
                    "description": "Typical success response",
                    "schema": {
                        "additionalProperties": False,
                        "properties": {
                            "ok": {"$ref": "#/definitions/defs_ok_true"},
                            "upload_url": {"format": "uri", "type": "string"},
                            "file_id": {"$ref": "#/definitions/defs_file_id"},
                        },
                        "required": ["ok", "upload_url", "file_id"],
                        "type": "object",
                    },
                },
                "default": _error_response(
                    ["invalid_arguments", "invalid_length", *_COMMON_ERRORS]
                ),
            },
        }
    }
    paths["/files.completeUploadExternal"] = {
        "post": {
            "operationId": "files_completeUploadExternal",
            "description": "Finishes an upload started with files.getUploadURLExternal.",
            "consumes": ["application/x-www-form-urlencoded", "application/json"],
            "produces": ["application/json"],
            "parameters": [
                _token_param(),
                _form("files", required=True),
                _form("channel_id"),
                _form("channels"),
                _form("thread_ts"),
                _form("initial_comment"),
                _form("blocks"),
            ],
            "responses": {
                "200": {
                    "description": "Typical success response",
                    "schema": {
                        "additionalProperties": False,
                        "properties": {
                            "ok": {"$ref": "#/definitions/defs_ok_true"},
                            "files": {
                                "items": {"$ref": "#/definitions/objs_file"},
                                "minItems": 1,
                                "type": "array",
                            },
                        },
                        "required": ["ok", "files"],
                        "type": "object",
                    },
                },
                "default": _error_response(
                    [
                        "invalid_arguments",
                        "file_not_found",
                        "file_upload_size_restricted",
                        "channel_not_found",
                        "not_in_channel",
                        "is_archived",
                        "invalid_thread_ts",
                        "access_denied",
                        *_COMMON_ERRORS,
                    ]
                ),
            },
        }
    }
    return True


def _page_history(doc: Document) -> bool:
    """conversations.history and conversations.replies page with ``cursor`` (their own
    parameters in the document) and answer ``response_metadata.next_cursor``
    (docs.slack.dev/apis/web-api/pagination); the 200 schemas forbid that key. An empty
    channel answers ``messages: []``, which the history schema's ``minItems: 1`` forbids."""
    changed = False
    for method in ("conversations.history", "conversations.replies"):
        schema = _operation(doc, method)["responses"]["200"]["schema"]
        properties = schema["properties"]
        if "response_metadata" not in properties:
            properties["response_metadata"] = {
                "additionalProperties": False,
                "properties": {"next_cursor": {"type": "string"}},
                "required": ["next_cursor"],
                "type": "object",
            }
            changed = True
        if properties["messages"].get("minItems"):
            properties["messages"].pop("minItems")
            changed = True
    return changed


def _update_blocks(doc: Document) -> bool:
    """chat.update answers the message's ``blocks`` as the array it was given
    (docs.slack.dev/reference/methods/chat.update, example response); the document types
    it ``object``."""
    message = _operation(doc, "chat.update")["responses"]["200"]["schema"]["properties"]["message"]
    if message["properties"]["blocks"] == {"$ref": "#/definitions/blocks"}:
        return False
    message["properties"]["blocks"] = {"$ref": "#/definitions/blocks"}
    return True


# Error names Slack's method pages list (docs.slack.dev/reference/methods/<method>,
# "Errors") that the document's enums lack. Every method: Slack's common errors about
# arguments and bodies, and "ratelimited", the body of an HTTP 429
# (docs.slack.dev/apis/web-api/rate-limits).
COMMON_EXTRA_ERRORS = ("invalid_arguments", "invalid_json", "json_not_object", "ratelimited")
EXTRA_ERRORS: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("invalid_blocks", "invalid_blocks_format"),
    "chat.update": ("invalid_blocks", "invalid_blocks_format", "is_archived"),
    "chat.delete": (),
    "chat.getPermalink": (),
    "conversations.create": (),
    "conversations.invite": (),
    "conversations.list": ("invalid_cursor", "invalid_limit", "invalid_types"),
    "conversations.history": ("not_in_channel", "invalid_cursor"),
    "conversations.replies": ("not_in_channel", "invalid_cursor"),
    "conversations.join": (),
    "conversations.open": (),
    "users.lookupByEmail": (),
    "users.list": (),
    "users.info": (),
    "reactions.add": ("channel_not_found", "is_archived"),
    "reactions.remove": ("channel_not_found",),
    "pins.add": ("is_archived",),
    "pins.remove": ("channel_not_found",),
    "auth.test": (),
}


def _extra_errors(doc: Document) -> bool:
    changed = False
    for method, names in EXTRA_ERRORS.items():
        enum = _error_enum(doc, method)
        for name in (*names, *COMMON_EXTRA_ERRORS):
            if name not in enum:
                enum.append(name)
                changed = True
    return changed


CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "files.getUploadURLExternal and files.completeUploadExternal",
        "the document predates Slack's external upload flow (2023)",
        _add_upload_methods,
    ),
    Correction(
        "cursor paging of conversations.history/replies",
        "answers carry response_metadata.next_cursor; an empty history is messages: []",
        _page_history,
    ),
    Correction("chat.update message.blocks", "the answer's blocks are an array", _update_blocks),
    Correction(
        "error names Slack documents",
        "error enums lack names the method pages list (and the 429 body)",
        _extra_errors,
    ),
)

_loaded: dict[Path, tuple[OpenAPISpec, tuple[str, ...]]] = {}
_load_lock = threading.Lock()


def load_document(spec_dir: Path) -> Document:
    """The vendor document as published (parsed, not corrected)."""
    loaded: Document = json.loads((spec_dir / SPEC_FILE).read_text("utf-8"))
    return loaded


def _corrected(spec_dir: Path) -> tuple[OpenAPISpec, tuple[str, ...]]:
    """The corrected spec (built once per process: the document is 1 MB) and the names
    of corrections that changed nothing."""
    key = spec_dir.resolve()
    with _load_lock:
        found = _loaded.get(key)
        if found is None:
            doc = copy.deepcopy(load_document(key))
            idle = tuple(c.name for c in CORRECTIONS if not c.apply(doc))
            # Slack answers method errors with HTTP 200 and the `default` response's body.
            spec = OpenAPISpec.from_dict(
                doc, name=f"{SPEC_FILE} (corrected)", default_body_statuses=(200,)
            )
            found = _loaded[key] = (spec, idle)
        return found


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class Contract:
    """The (corrected) document, and the checks of one request or answer against it."""

    def __init__(self, spec_dir: Path) -> None:
        self.spec, self.idle_corrections = _corrected(spec_dir)
        self._paths: Mapping[str, Any] = self.spec.document["paths"]

    def declared_verb(self, method: str) -> str | None:
        """``GET`` or ``POST`` as the document declares the API method; None if unknown."""
        item = self._paths.get("/" + method)
        if not isinstance(item, dict):
            return None
        for verb in ("post", "get"):
            if verb in item:
                return verb.upper()
        return None

    def reads_json(self, method: str) -> bool:
        """Whether Slack reads a JSON body for the method: the document's ``consumes``
        (the "Content types" of the method's page) lists ``application/json``."""
        verb = self.declared_verb(method)
        if verb is None:
            return True
        operation = self._paths["/" + method][verb.lower()]
        return "application/json" in (operation.get("consumes") or [])

    def knows(self, method: str) -> bool:
        return self.declared_verb(method) is not None

    def check_request(
        self,
        verb: str,
        method: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[str]:
        """Problems of one call of API ``method`` sent with HTTP ``verb``."""
        declared = self.declared_verb(method)
        path = f"{BASE_PATH}/{method}"
        url = path + (f"?{query}" if query else "")
        if declared is None:
            return [f"the Slack document has no method {method!r}"]
        if declared == verb:
            return self.spec.validate_request(verb, url, headers=dict(headers), body=body)
        content_type = headers.get("content-type")
        if declared == "GET":
            # A POST to a read method: its form fields are the query parameters.
            operation = self.spec.find_operation("GET", path)
            consumes = operation.definition.get("consumes") or []
            media = _media(content_type)
            problems: list[str] = []
            fields: dict[str, list[str]] = parse_qs(query, keep_blank_values=True)
            if body:
                if media not in consumes:
                    problems.append(
                        f"request content type {media or '(none)'!r} is not declared for "
                        f"{method} (declared: {', '.join(consumes)}): Slack reads no "
                        "parameters from it"
                    )
                elif media == "application/x-www-form-urlencoded":
                    for name, values in parse_qs(
                        body.decode("utf-8", "replace"), keep_blank_values=True
                    ).items():
                        fields.setdefault(name, []).extend(values)
            others = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            as_get = path + ("?" + urlencode(fields, doseq=True) if fields else "")
            return problems + self.spec.validate_request("GET", as_get, headers=others, body=None)
        # A GET of a write method: its query parameters are the form fields.
        form = dict(headers)
        form["content-type"] = "application/x-www-form-urlencoded"
        return self.spec.validate_request("POST", path, headers=form, body=query.encode())

    def check_response(self, method: str, status: int, body: bytes) -> list[str]:
        declared = self.declared_verb(method)
        if declared is None:
            return []
        path = f"{BASE_PATH}/{method}"
        problems = self.spec.validate_response(
            declared, path, status, body=body, content_type=_JSON
        )
        if problems and status == 200 and b'"ok": false' in body:
            # An error body fails the success schema too: say why it fails the error one
            # (status 400 is declared nowhere in the document, so it means `default`).
            problems = (
                self.spec.validate_response(declared, path, 400, body=body, content_type=_JSON)
                or problems
            )
        return problems
