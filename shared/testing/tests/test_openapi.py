"""The OpenAPI checker: small specs written here, then the vendor specs of the kit."""

from __future__ import annotations

import gzip
import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tasklink.testing import (
    OpenAPISpec,
    OperationNotFoundError,
    assert_cassette_matches_spec,
    check_cassette,
    recording_vcr,
    shared_kit_dir,
)

# --------------------------------------------------------------------------- small specs

SWAGGER: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "pets", "version": "1"},
    "basePath": "/v1",
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "parameters": {
        "petId": {"name": "petId", "in": "path", "required": True, "type": "integer"},
    },
    "paths": {
        "/pets": {
            "post": {
                "operationId": "createPet",
                "parameters": [
                    {
                        "name": "pet",
                        "in": "body",
                        "required": True,
                        "schema": {"$ref": "#/definitions/Pet"},
                    }
                ],
                "responses": {
                    201: {"description": "created", "schema": {"$ref": "#/definitions/Pet"}},
                    "default": {"description": "error", "schema": {"$ref": "#/definitions/Error"}},
                },
            }
        },
        "/pets/search": {
            "get": {
                "operationId": "searchPets",
                "parameters": [
                    {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}},
                    {"name": "limit", "in": "query", "type": "integer", "maximum": 50},
                    {"name": "token", "in": "header", "required": True, "type": "string"},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "schema": {"type": "array", "items": {"$ref": "#/definitions/Pet"}},
                    }
                },
            }
        },
        "/pets/{petId}": {
            "parameters": [{"$ref": "#/parameters/petId"}],
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {"name": "verbose", "in": "query", "type": "boolean"},
                    {"name": "X-Request-Id", "in": "header", "required": True, "type": "string"},
                    {"name": "view", "in": "query", "type": "string", "enum": ["short", "full"]},
                ],
                "responses": {
                    "200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}},
                    "404": {"description": "missing"},
                },
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
        "/pets/{petId}/photo": {
            "post": {
                "operationId": "uploadPhoto",
                "consumes": ["multipart/form-data", "application/x-www-form-urlencoded"],
                "produces": ["application/json", "image/png"],
                "parameters": [
                    {"$ref": "#/parameters/petId"},
                    {"name": "caption", "in": "formData", "required": True, "type": "string"},
                    {"name": "width", "in": "formData", "type": "integer", "minimum": 1},
                    {
                        "name": "labels",
                        "in": "formData",
                        "type": "array",
                        "items": {"type": "string"},
                        "collectionFormat": "pipes",
                    },
                    {"name": "file", "in": "formData", "type": "file"},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "schema": {
                            "type": "object",
                            "required": ["ok"],
                            "properties": {"ok": {"type": "boolean"}},
                        },
                    }
                },
            }
        },
    },
    "definitions": {
        "Pet": {
            "type": "object",
            "required": ["id", "name"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "readOnly": True},
                "name": {"type": "string", "minLength": 1},
                "tag": {"type": "string", "x-nullable": True},
                "born": {"type": "string", "format": "date-time"},
                "kind": {"type": "string", "enum": ["cat", "dog"], "x-nullable": True},
                "chip": {"type": "string", "format": "vendor-chip-id"},
            },
            "discriminator": "kind",
            "xml": {"name": "pet"},
            "example": {"id": "not validated"},
        },
        "Error": {
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string"}},
        },
    },
}

OPENAPI3: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "store", "version": "1"},
    "servers": [
        {
            "url": "{scheme}://{host}/api/v3",
            "variables": {"scheme": {"default": "https"}, "host": {"default": "store.example"}},
        }
    ],
    "paths": {
        "/items": {
            "post": {
                "operationId": "createItem",
                "requestBody": {"$ref": "#/components/requestBodies/ItemCreate"},
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                        },
                    },
                    "4XX": {
                        "description": "client error",
                        "content": {
                            "application/problem+json": {
                                "schema": {"$ref": "#/components/schemas/Problem"}
                            }
                        },
                    },
                },
            },
            "get": {
                "parameters": [
                    {
                        "name": "ids",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    },
                    {
                        "name": "names",
                        "in": "query",
                        "explode": False,
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                    {
                        "name": "filter",
                        "in": "query",
                        "content": {
                            "application/json": {"schema": {"type": "object", "required": ["q"]}}
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Item"},
                                }
                            }
                        },
                    }
                },
            },
        },
        "/items/{itemKey}": {
            "get": {
                "parameters": [{"$ref": "#/components/parameters/ItemKey"}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                        },
                    },
                    "204": {"description": "nothing"},
                },
            }
        },
    },
    "components": {
        "parameters": {
            "ItemKey": {
                "name": "itemKey",
                "in": "path",
                "required": True,
                "schema": {"$ref": "#/components/schemas/Key"},
            },
        },
        "requestBodies": {
            "ItemCreate": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Item"}},
                    "application/x-www-form-urlencoded": {
                        "schema": {"$ref": "#/components/schemas/Item"}
                    },
                },
            }
        },
        "schemas": {
            "Key": {"type": "string", "pattern": "^-?[0-9]+$"},
            "Item": {
                "type": "object",
                "required": ["key", "name", "quantity"],
                "properties": {
                    "key": {"allOf": [{"$ref": "#/components/schemas/Key"}], "readOnly": True},
                    "name": {"type": "string", "pattern": "^[\\p{L}_][\\p{L}\\p{N}_\\-]*$"},
                    "quantity": {"type": "integer", "format": "int32"},
                    "parent": {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Key"}]},
                    "note": {"type": "string", "nullable": True},
                    "updated": {"type": "string", "format": "date-time"},
                    "secret": {"type": "string", "writeOnly": True},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "discriminator": {"propertyName": "name"},
            },
            "Problem": {
                "type": "object",
                "required": ["title", "status"],
                "properties": {"title": {"type": "string"}, "status": {"type": "integer"}},
            },
        },
    },
}


def _write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return path


@pytest.fixture(scope="module")
def swagger(tmp_path_factory: pytest.TempPathFactory) -> OpenAPISpec:
    # Written as YAML (with an int status key) to exercise the YAML loader.
    return OpenAPISpec.load(_write_yaml(tmp_path_factory.mktemp("spec") / "pets.yaml", SWAGGER))


@pytest.fixture(scope="module")
def oas3(tmp_path_factory: pytest.TempPathFactory) -> OpenAPISpec:
    path = tmp_path_factory.mktemp("spec") / "store.json"
    path.write_text(json.dumps(OPENAPI3), "utf-8")
    return OpenAPISpec.load(path)


def _one(problems: list[str], *needles: str) -> str:
    """The single problem reported, checked to name every needle."""
    assert len(problems) == 1, problems
    for needle in needles:
        assert needle in problems[0], problems
    return problems[0]


PET = {"id": 7, "name": "Rex", "tag": None, "born": "2024-05-01T10:00:00Z", "kind": "dog"}
ID_HEADERS = {"X-Request-Id": "r-1"}


# --------------------------------------------------------------------------- loading


def test_load_caches_per_file_and_reads_both_formats(
    swagger: OpenAPISpec, oas3: OpenAPISpec, tmp_path: Path
) -> None:
    path = Path(swagger._doc.source)
    assert OpenAPISpec.load(path) is swagger
    assert swagger.version == "2.0"
    assert swagger.base_paths == ("/v1",)
    assert oas3.version == "3.0"
    assert oas3.base_paths == ("/api/v3",)
    lenient = OpenAPISpec.load(path, default_body_statuses=[200])
    assert lenient is not swagger
    assert lenient._doc is swagger._doc  # the parsed document is shared

    not_a_spec = tmp_path / "other.yaml"
    not_a_spec.write_text("title: nothing\n", "utf-8")
    with pytest.raises(ValueError, match=r"neither a Swagger 2\.0 nor an OpenAPI 3"):
        OpenAPISpec.load(not_a_spec)


# --------------------------------------------------------------------------- operations


def test_find_operation_honours_base_path_and_prefers_literal_segments(
    swagger: OpenAPISpec,
) -> None:
    found = swagger.find_operation("get", "https://pets.example/v1/pets/42?verbose=true")
    assert (found.method, found.path, found.operation_id) == ("GET", "/pets/{petId}", "getPet")
    assert found.path_params == {"petId": "42"}
    assert swagger.find_operation("GET", "/v1/pets/search").operation_id == "searchPets"
    # A bare path may leave the base path out; a full URL may not.
    assert swagger.find_operation("GET", "/pets/search").operation_id == "searchPets"
    with pytest.raises(OperationNotFoundError, match="does not start with the base path"):
        swagger.find_operation("GET", "https://pets.example/pets/search")
    assert swagger.find_operation("GET", "/v1/pets/a%2Fb").path_params == {"petId": "a/b"}


def test_find_operation_errors_name_closest_paths_and_allowed_methods(swagger: OpenAPISpec) -> None:
    with pytest.raises(OperationNotFoundError) as caught:
        swagger.find_operation("GET", "/v1/pets/3/photos")
    assert caught.value.candidates[0] == "/pets/{petId}/photo"
    assert "closest: /pets/{petId}/photo" in str(caught.value)

    with pytest.raises(
        OperationNotFoundError,
        match=r"method PATCH is not allowed on /pets/\{petId\} \(allowed: GET, DELETE\)",
    ):
        swagger.find_operation("PATCH", "/v1/pets/3")


# --------------------------------------------------------------------------- swagger 2 requests


def test_swagger_valid_requests_pass(swagger: OpenAPISpec) -> None:
    assert (
        swagger.validate_request("GET", "/v1/pets/42?verbose=true&view=full", headers=ID_HEADERS)
        == []
    )
    assert (
        swagger.validate_request(
            "GET", "/v1/pets/search?tags=a,b&limit=5", headers={"token": "***"}
        )
        == []
    )
    body = {"name": "Rex", "tag": None, "kind": None}  # readOnly id not required in a request
    assert (
        swagger.validate_request(
            "POST", "/v1/pets", body=json.dumps(body), content_type="application/json"
        )
        == []
    )
    assert swagger.validate_request("POST", "/v1/pets", body=body) == []  # already parsed JSON


def test_swagger_parameter_problems_name_the_parameter(swagger: OpenAPISpec) -> None:
    _one(
        swagger.validate_request("GET", "/v1/pets/abc", headers=ID_HEADERS),
        "path parameter 'petId'",
        "'abc' is not of type 'integer'",
    )
    _one(
        swagger.validate_request("GET", "/v1/pets/1"),
        "missing required header parameter 'X-Request-Id'",
    )
    _one(
        swagger.validate_request("GET", "/v1/pets/1?verbose=sometimes", headers=ID_HEADERS),
        "query parameter 'verbose'",
        "boolean",
    )
    _one(
        swagger.validate_request("GET", "/v1/pets/1?view=tiny", headers=ID_HEADERS),
        "query parameter 'view'",
        "'tiny' is not one of ['short', 'full']",
    )
    _one(
        swagger.validate_request("GET", "/v1/pets/search?limit=51", headers={"token": "t"}),
        "query parameter 'limit'",
        "51 is greater than the maximum of 50",
    )


def test_required_credential_parameter_may_travel_as_authorization(swagger: OpenAPISpec) -> None:
    # Cassettes are scrubbed: `token` may be sent as a bearer header or as a masked query value.
    assert (
        swagger.validate_request("GET", "/v1/pets/search", headers={"Authorization": "***"}) == []
    )
    assert swagger.validate_request("GET", "/v1/pets/search?token=***") == []
    _one(
        swagger.validate_request("GET", "/v1/pets/search"),
        "missing required header parameter 'token'",
    )


def test_swagger_body_problems(swagger: OpenAPISpec) -> None:
    _one(
        swagger.validate_request("POST", "/v1/pets", content_type="application/json"),
        "request body ('pet') is required",
    )
    _one(
        swagger.validate_request("POST", "/v1/pets", body="{}", content_type="application/json"),
        "request body",
        "'name' is a required property",
    )
    bad_date = json.dumps({"name": "Rex", "born": "yesterday"})
    _one(
        swagger.validate_request(
            "POST", "/v1/pets", body=bad_date, content_type="application/json"
        ),
        "at $.born",
        "is not a 'date-time'",
    )
    extra = json.dumps({"name": "Rex", "colour": "red"})
    _one(swagger.validate_request("POST", "/v1/pets", body=extra), "'colour' was unexpected")
    _one(
        swagger.validate_request("POST", "/v1/pets", body="{nope", content_type="application/json"),
        "request body is not valid JSON",
    )
    _one(
        swagger.validate_request("POST", "/v1/pets", body="name=Rex", content_type="text/plain"),
        "request content type 'text/plain' is not declared",
    )
    _one(
        swagger.validate_request(
            "DELETE", "/v1/pets/1", body="{}", content_type="application/json"
        ),
        "declares no request body",
    )
    # Unknown formats are not checked, known ones are.
    assert swagger.validate_request("POST", "/v1/pets", body={"name": "Rex", "chip": "??"}) == []


def test_swagger_form_data_urlencoded_and_multipart(swagger: OpenAPISpec) -> None:
    form = "application/x-www-form-urlencoded"
    assert (
        swagger.validate_request(
            "POST", "/v1/pets/1/photo", body="caption=hi&width=3&labels=a|b", content_type=form
        )
        == []
    )
    _one(
        swagger.validate_request("POST", "/v1/pets/1/photo", body="width=3", content_type=form),
        "missing required formData parameter 'caption'",
    )
    _one(
        swagger.validate_request(
            "POST", "/v1/pets/1/photo", body=b"caption=hi&width=wide", content_type=form
        ),
        "formData parameter 'width'",
        "'wide' is not of type 'integer'",
    )
    _one(
        swagger.validate_request(
            "POST", "/v1/pets/1/photo", body="caption=hi&width=0", content_type=form
        ),
        "formData parameter 'width'",
        "less than the minimum of 1",
    )

    boundary = "XyZ"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\nhello\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="width"\r\n\r\n{{width}}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        f"Content-Type: image/png\r\n\r\n\x89PNG\r\n--{boundary}--\r\n"
    )
    content_type = f"multipart/form-data; boundary={boundary}"
    good = multipart.replace("{width}", "640").encode("latin-1")
    assert (
        swagger.validate_request("POST", "/v1/pets/1/photo", body=good, content_type=content_type)
        == []
    )
    bad = multipart.replace("{width}", "big").encode("latin-1")
    _one(
        swagger.validate_request("POST", "/v1/pets/1/photo", body=bad, content_type=content_type),
        "formData parameter 'width'",
    )


def test_json_body_stands_for_form_data_fields(swagger: OpenAPISpec) -> None:
    # Slack-style: the same formData parameters sent as a JSON object.
    assert (
        swagger.validate_request("POST", "/v1/pets/1/photo", body={"caption": "hi", "width": 3})
        == []
    )
    _one(
        swagger.validate_request("POST", "/v1/pets/1/photo", body={"caption": "hi", "width": "x"}),
        "formData parameter 'width'",
    )


# --------------------------------------------------------------------------- swagger 2 responses


def test_swagger_responses(swagger: OpenAPISpec) -> None:
    ok = json.dumps(PET)
    assert (
        swagger.validate_response(
            "GET", "/v1/pets/1", 200, body=ok, content_type="application/json; charset=utf-8"
        )
        == []
    )
    # readOnly id is required in a response.
    _one(
        swagger.validate_response("GET", "/v1/pets/1", 200, body=json.dumps({"name": "Rex"})),
        "response body (status 200)",
        "'id' is a required property",
    )
    _one(
        swagger.validate_response(
            "GET", "/v1/pets/1", 200, body=json.dumps({**PET, "kind": "fish"})
        ),
        "at $.kind",
        "'fish' is not one of",
    )
    _one(
        swagger.validate_response("GET", "/v1/pets/1", 500, body="{}"),
        "status 500 is not declared for GET /pets/{petId}",
        "declared: 200, 404",
    )
    # `default` covers any other status of createPet.
    assert (
        swagger.validate_response("POST", "/v1/pets", 503, body=json.dumps({"message": "down"}))
        == []
    )
    _one(
        swagger.validate_response("POST", "/v1/pets", 503, body=json.dumps({"msg": "down"})),
        "status 503",
        "'message' is a required property",
    )
    # Non-JSON bodies: only the content type is checked.
    assert (
        swagger.validate_response(
            "POST",
            "/v1/pets/1/photo",
            200,
            body=b"\x89PNG",
            headers={"Content-Type": ["image/png"]},
        )
        == []
    )
    _one(
        swagger.validate_response(
            "POST", "/v1/pets/1/photo", 200, body="<html/>", content_type="text/html"
        ),
        "response content type 'text/html' is not declared",
    )
    _one(
        swagger.validate_response(
            "GET", "/v1/pets/1", 200, body="<html>", content_type="application/json"
        ),
        "response body (status 200) is not valid JSON",
    )
    # A status without a schema (404 here) is not body-checked.
    assert (
        swagger.validate_response(
            "GET", "/v1/pets/1", 404, body="not found", content_type="application/json"
        )
        == []
    )


def test_default_body_statuses_let_an_error_body_answer_200(swagger: OpenAPISpec) -> None:
    error = json.dumps({"message": "no"})
    assert swagger.validate_response("POST", "/v1/pets", 201, body=error) != []
    lenient = OpenAPISpec.load(swagger._doc.source, default_body_statuses=[201])
    assert lenient.validate_response("POST", "/v1/pets", 201, body=error) == []
    assert lenient.validate_response("POST", "/v1/pets", 201, body=json.dumps({"neither": 1})) != []


# --------------------------------------------------------------------------- openapi 3


def test_openapi3_request_body_json_and_form(oas3: OpenAPISpec) -> None:
    url = "https://store.example/api/v3/items"
    item = {"name": "Ünïcode_1", "quantity": 2, "parent": None, "note": None, "tags": ["a"]}
    assert (
        oas3.validate_request(
            "POST", url, body=json.dumps(item), headers={"Content-Type": "application/json"}
        )
        == []
    )
    _one(
        oas3.validate_request(
            "POST", url, body={"name": "x", "quantity": "2"}, content_type="application/json"
        ),
        "at $.quantity",
        "'2' is not of type 'integer'",
    )
    _one(
        oas3.validate_request(
            "POST", url, body={"name": "x", "quantity": 2**40}, content_type="application/json"
        ),
        "is not a 'int32'",
    )
    _one(
        oas3.validate_request(
            "POST", url, body={"name": "1abc", "quantity": 1}, content_type="application/json"
        ),
        "at $.name",
        "does not match",
    )
    _one(
        oas3.validate_request(
            "POST",
            url,
            body={"name": "x", "quantity": 1, "parent": "p"},
            content_type="application/json",
        ),
        "at $.parent",
    )
    _one(
        oas3.validate_request("POST", url, content_type="application/json"),
        "request body is required",
    )
    _one(
        oas3.validate_request("POST", url, body="<x/>", content_type="application/xml"),
        "request content type 'application/xml' is not declared",
        "application/json",
    )

    form = "application/x-www-form-urlencoded"
    assert (
        oas3.validate_request(
            "POST", url, body="name=box&quantity=3&tags=a&tags=b", content_type=form
        )
        == []
    )
    _one(
        oas3.validate_request("POST", url, body="name=box&quantity=three", content_type=form),
        "at $.quantity",
        "'three' is not of type 'integer'",
    )
    _one(
        oas3.validate_request("POST", url, body="quantity=3", content_type=form),
        "'name' is a required property",
    )


def test_openapi3_parameters(oas3: OpenAPISpec) -> None:
    base = "https://store.example/api/v3"
    assert oas3.validate_request("GET", f"{base}/items?ids=1&ids=2&names=a,b") == []
    _one(
        oas3.validate_request("GET", f"{base}/items?ids=1&ids=x"),
        "query parameter 'ids'",
        "at $[1]",
        "'x' is not of type 'integer'",
    )
    assert oas3.validate_request("GET", f"{base}/items?filter=%7B%22q%22%3A1%7D") == []
    _one(
        oas3.validate_request("GET", f"{base}/items?filter=%7B%7D"),
        "query parameter 'filter'",
        "'q' is a required property",
    )
    assert oas3.validate_request("GET", f"{base}/items/-12") == []
    _one(
        oas3.validate_request("GET", f"{base}/items/twelve"),
        "path parameter 'itemKey'",
        "does not match",
    )
    _one(
        oas3.validate_request("GET", f"{base}/items", body="{}", content_type="application/json"),
        "declares no request body",
    )


def test_openapi3_responses(oas3: OpenAPISpec) -> None:
    url = "https://store.example/api/v3/items"
    item = {
        "key": "5",
        "name": "box",
        "quantity": 1,
        "updated": "2025-01-02T03:04:05.123+01:00",
        "secret": "s",
    }
    assert (
        oas3.validate_response(
            "POST", url, 201, body=json.dumps(item), content_type="application/json"
        )
        == []
    )
    _one(
        oas3.validate_response(
            "POST",
            url,
            201,
            body=json.dumps({**item, "updated": "2025-13-02T03:04:05Z"}),
            content_type="application/json",
        ),
        "at $.updated",
        "date-time",
    )
    for stamp, valid in (("2025-01-02T03:04:05+0100", True), ("2025-01-02T03:04:05+25:00", False)):
        problems = oas3.validate_response("POST", url, 201, body={**item, "updated": stamp})
        assert (problems == []) is valid, (stamp, problems)
    no_key = {k: v for k, v in item.items() if k != "key"}
    _one(
        oas3.validate_response(
            "POST", url, 201, body=json.dumps(no_key), content_type="application/json"
        ),
        "'key' is a required property",
    )
    problem = json.dumps({"title": "Bad", "status": 400})
    assert (
        oas3.validate_response(
            "POST", url, 422, body=problem, content_type="application/problem+json"
        )
        == []
    )  # 4XX range
    _one(
        oas3.validate_response("POST", url, 422, body=problem, content_type="application/json"),
        "response content type 'application/json' is not declared for status 4XX",
    )
    _one(
        oas3.validate_response("POST", url, 500, body=problem),
        "status 500 is not declared",
        "declared: 201, 4XX",
    )
    assert oas3.validate_response("GET", f"{url}/1", 204) == []


def test_openapi31_uses_json_schema_2020_12(tmp_path: Path) -> None:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Pair"}
                                }
                            },
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Pair": {
                    "type": "array",
                    "prefixItems": [{"type": "string"}, {"type": ["integer", "null"]}],
                    "items": False,
                }
            }
        },
    }
    spec = OpenAPISpec.load(_write_yaml(tmp_path / "pair.yaml", document))
    assert spec.version == "3.1"
    assert spec.validate_response("GET", "/things", 200, body='["a", null]') == []
    assert spec.validate_response("GET", "/things", 200, body='["a", 1, 2]') != []
    _one(
        spec.validate_response("GET", "/things", 200, body="[1]"),
        "at $[0]",
        "is not of type 'string'",
    )


# --------------------------------------------------------------------------- cassettes


def _interaction(
    method: str,
    uri: str,
    status: int,
    response: Any,
    *,
    body: Any = None,
    request_headers: dict[str, list[str]] | None = None,
    content_type: str = "application/json",
) -> dict[str, Any]:
    return {
        "request": {"method": method, "uri": uri, "body": body, "headers": request_headers or {}},
        "response": {
            "status": {"code": status, "message": "x"},
            "headers": {"Content-Type": [content_type]},
            "body": {
                "string": response if isinstance(response, str | bytes) else json.dumps(response)
            },
        },
    }


def test_cassette_round_trip(swagger: OpenAPISpec, tmp_path: Path) -> None:
    compressed = _interaction(
        "GET",
        "https://pets.example/v1/pets/2",
        200,
        gzip.compress(json.dumps(PET).encode()),
        request_headers={"X-Request-Id": ["a"]},
    )
    compressed["response"]["headers"]["Content-Encoding"] = ["gzip"]
    cassette = {
        "version": 1,
        "interactions": [
            _interaction(
                "GET",
                "https://pets.example/v1/pets/1",
                200,
                PET,
                request_headers={"X-Request-Id": ["a"]},
            ),
            _interaction(
                "POST",
                "https://pets.example/v1/pets",
                201,
                {"id": 1, "name": "Rex"},
                body=b'{"name": "Rex", "age": 3}',
                request_headers={"Content-Type": ["application/json"]},
            ),
            _interaction("GET", "https://pets.example/v1/pets/1/toys", 200, []),
            _interaction("POST", "https://auth.example/oauth/token", 200, {"access_token": "***"}),
            compressed,
        ],
    }
    path = _write_yaml(tmp_path / "pets.yaml", cassette)
    assert "!!binary" in path.read_text("utf-8")  # bytes bodies as vcrpy writes them

    problems = check_cassette(path, swagger, ignore_hosts=["auth.example"])
    assert len(problems) == 2, problems
    assert problems[0].startswith("interaction 1 POST /v1/pets: request body")
    assert "'age' was unexpected" in problems[0]
    assert problems[1].startswith("interaction 2 GET /v1/pets/1/toys: no path of the spec matches")

    unignored = check_cassette(path, swagger)
    assert any(p.startswith("interaction 3 POST /oauth/token: ") for p in unignored)

    with pytest.raises(AssertionError) as caught:
        assert_cassette_matches_spec(path, swagger, ignore_hosts=["auth.example"])
    message = str(caught.value)
    assert "2 problem(s)" in message
    assert "interaction 1 POST /v1/pets" in message
    assert "interaction 2 GET /v1/pets/1/toys" in message

    clean = _write_yaml(
        tmp_path / "clean.yaml", {"version": 1, "interactions": cassette["interactions"][:1]}
    )
    assert_cassette_matches_spec(clean, swagger)
    not_cassette = _write_yaml(tmp_path / "nothing.yaml", {"hello": 1})
    _one(check_cassette(not_cassette, swagger), "is not a vcrpy cassette")


def test_cassette_interactions_are_routed_to_the_spec_that_declares_them(
    swagger: OpenAPISpec, oas3: OpenAPISpec, tmp_path: Path
) -> None:
    cassette = {
        "interactions": [
            _interaction(
                "GET",
                "https://pets.example/v1/pets/1",
                200,
                PET,
                request_headers={"X-Request-Id": ["a"]},
            ),
            _interaction(
                "GET",
                "https://store.example/api/v3/items/5",
                200,
                {"key": "5", "name": "box", "quantity": "1"},
            ),
        ]
    }
    path = _write_yaml(tmp_path / "two.yaml", cassette)
    problems = check_cassette(path, [swagger, oas3])
    _one(problems, "interaction 1 GET /api/v3/items/5: response body (status 200) at $.quantity")


class _StoreHandler(BaseHTTPRequestHandler):
    """A tiny live server speaking the OPENAPI3 store API (one bug: quantity as text)."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        item = json.loads(self.rfile.read(length))
        reply = {"key": "17", **item}
        if item["name"] == "drift":
            reply["quantity"] = str(item["quantity"])
        payload = json.dumps(reply).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def store_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StoreHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v3"
    finally:
        server.shutdown()
        server.server_close()


def test_cassette_recorded_by_vcrpy_is_checked(
    oas3: OpenAPISpec, store_url: str, tmp_path: Path
) -> None:
    recorder = recording_vcr(tmp_path, record_mode="all", known_secrets=["s3cr3t-value"])
    with recorder.use_cassette("store.yaml"):
        for name in ("box", "drift"):
            request = urllib.request.Request(
                f"{store_url}/items",
                data=json.dumps({"name": name, "quantity": 2}).encode(),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": "Bearer s3cr3t-value",
                },
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=5) as reply:
                assert reply.status == 201
    cassette = tmp_path / "store.yaml"
    assert "s3cr3t-value" not in cassette.read_text("utf-8")
    problems = check_cassette(cassette, oas3)
    _one(
        problems,
        "interaction 1 POST /api/v3/items: response body (status 201) at $.quantity",
        "'2' is not of type 'integer'",
    )


# --------------------------------------------------------------------------- the kit's vendor specs


@pytest.fixture(scope="module")
def specs_dir() -> Path:
    kit = shared_kit_dir(Path(__file__).resolve().parent)
    if kit is None or not (kit / "specs").is_dir():
        pytest.skip("the tasklink kit with vendor specs is absent: set TASKLINK_SHARED_DIR")
    return kit / "specs"


@pytest.fixture(scope="module")
def slack(specs_dir: Path) -> OpenAPISpec:
    return OpenAPISpec.load(specs_dir / "slack" / "slack_web_openapi_v2_without_examples.json")


@pytest.fixture(scope="module")
def alfresco(specs_dir: Path) -> list[OpenAPISpec]:
    names = ("alfresco-core.yaml", "alfresco-auth.yaml", "alfresco-search.yaml")
    return [OpenAPISpec.load(specs_dir / "alfresco" / name) for name in names]


@pytest.fixture(scope="module")
def camunda(specs_dir: Path) -> OpenAPISpec:
    return OpenAPISpec.load(specs_dir / "camunda" / "rest-api.bundle.json")


SLACK_URL = "https://slack.com/api/chat.postMessage"
SLACK_FORM = {"Content-Type": ["application/x-www-form-urlencoded"], "Authorization": ["***"]}
SLACK_OK = {
    "ok": True,
    "channel": "C0123456789",
    "ts": "1503435956.000247",
    "message": {
        "text": "Here's a message for you",
        "type": "message",
        "subtype": "bot_message",
        "ts": "1503435956.000247",
        "username": "ecto1",
        "bot_id": "B123ABC456",
    },
}


def test_slack_post_message_cassette_passes(slack: OpenAPISpec, tmp_path: Path) -> None:
    cassette = {
        "version": 1,
        "interactions": [
            _interaction(
                "POST",
                SLACK_URL,
                200,
                SLACK_OK,
                body="channel=C0123456789&text=Hello&link_names=true",
                request_headers=SLACK_FORM,
            ),
            _interaction(
                "POST",
                SLACK_URL,
                200,
                SLACK_OK,
                body=json.dumps(
                    {
                        "channel": "C0123456789",
                        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
                        "unfurl_links": False,
                    }
                ),
                request_headers={
                    "Content-Type": ["application/json; charset=utf-8"],
                    "Authorization": ["***"],
                },
            ),
        ],
    }
    assert_cassette_matches_spec(_write_yaml(tmp_path / "slack.yaml", cassette), slack)


def test_slack_drift_is_reported(slack: OpenAPISpec) -> None:
    form = "application/x-www-form-urlencoded"
    problem = _one(
        slack.validate_request(
            "POST", "https://slack.com/api/chat.postMesage", headers=SLACK_FORM, body="channel=C1"
        ),
        "no path of the spec matches '/api/chat.postMesage'",
    )
    assert "closest: /chat.postMessage" in problem
    _one(
        slack.validate_request("POST", SLACK_URL, headers=SLACK_FORM, body="text=Hello"),
        "missing required formData parameter 'channel'",
    )
    _one(
        slack.validate_request(
            "POST", SLACK_URL, headers=SLACK_FORM, body="channel=C1&mrkdwn=maybe"
        ),
        "formData parameter 'mrkdwn'",
        "'maybe' is not of type 'boolean'",
    )
    _one(
        slack.validate_request("POST", SLACK_URL, body="channel=C1", content_type=form),
        "missing required header parameter 'token'",
    )
    plain = slack.validate_request(
        "POST", SLACK_URL, headers=SLACK_FORM, body="channel=C1", content_type="text/plain"
    )
    assert any("request content type 'text/plain' is not declared" in p for p in plain), plain
    _one(slack.validate_request("GET", SLACK_URL), "method GET is not allowed on /chat.postMessage")
    bad = {**SLACK_OK, "ts": "yesterday"}
    _one(
        slack.validate_response(
            "POST", SLACK_URL, 200, body=json.dumps(bad), content_type="application/json"
        ),
        "response body (status 200) at $.ts",
        "'yesterday' does not match",
    )
    missing = {k: v for k, v in SLACK_OK.items() if k != "message"}
    _one(
        slack.validate_response("POST", SLACK_URL, 200, body=json.dumps(missing)),
        "'message' is a required property",
    )
    _one(
        slack.validate_response("POST", SLACK_URL, 200, body="ok", content_type="text/plain"),
        "response content type 'text/plain' is not declared",
    )


def test_slack_errors_arrive_as_200_with_the_default_body(
    slack: OpenAPISpec, specs_dir: Path
) -> None:
    error = json.dumps({"ok": False, "error": "channel_not_found"})
    assert slack.validate_response("POST", SLACK_URL, 200, body=error) != []
    lenient = OpenAPISpec.load(
        specs_dir / "slack" / "slack_web_openapi_v2_without_examples.json",
        default_body_statuses=[200],
    )
    assert lenient.validate_response("POST", SLACK_URL, 200, body=error) == []
    unknown = json.dumps({"ok": False, "error": "no_such_error"})
    assert lenient.validate_response("POST", SLACK_URL, 200, body=unknown) != []
    # Slack declares `default` for every method, so any status is declared there.
    assert slack.validate_response("POST", SLACK_URL, 429, body=error) == []


ALFRESCO = "http://localhost:8080/alfresco/api/-default-/public"
NODE = {
    "id": "8e3e6f8e-2d9c-4c1c-9d1e-3b1f2f0b0c11",
    "name": "report.pdf",
    "nodeType": "cm:content",
    "isFolder": False,
    "isFile": True,
    "createdAt": "2024-03-22T12:22:19.535+0000",
    "modifiedAt": "2024-03-22T12:22:19.535+0000",
    "createdByUser": {"id": "admin", "displayName": "Administrator"},
    "modifiedByUser": {"id": "admin", "displayName": "Administrator"},
    "parentId": "b4cff62a-664d-4d45-9302-98723eac1319",
    "content": {
        "mimeType": "application/pdf",
        "mimeTypeName": "Adobe PDF Document",
        "sizeInBytes": 1024,
        "encoding": "UTF-8",
    },
}
CHILDREN = {
    "list": {
        "pagination": {
            "count": 1,
            "hasMoreItems": False,
            "totalItems": 1,
            "skipCount": 0,
            "maxItems": 10,
        },
        "entries": [{"entry": NODE}],
    }
}


def test_alfresco_children_with_base_path(alfresco: list[OpenAPISpec], tmp_path: Path) -> None:
    core = alfresco[0]
    children = f"{ALFRESCO}/alfresco/versions/1/nodes/-my-/children"
    url = f"{children}?maxItems=10&include=path,isLink&includeSource=false"
    found = core.find_operation("GET", url)
    assert (found.path, found.path_params) == ("/nodes/{nodeId}/children", {"nodeId": "-my-"})
    headers = {"Authorization": ["***"]}
    assert core.validate_request("GET", url, headers=headers) == []
    assert (
        core.validate_response(
            "GET",
            url,
            200,
            body=json.dumps(CHILDREN),
            content_type="application/json;charset=UTF-8",
        )
        == []
    )

    _one(
        core.validate_request(
            "GET", f"{ALFRESCO}/alfresco/versions/1/nodes/-my-/children?maxItems=ten"
        ),
        "query parameter 'maxItems'",
        "'ten' is not of type 'integer'",
    )
    _one(
        core.validate_request(
            "GET", f"{ALFRESCO}/alfresco/versions/1/nodes/-my-/children?maxItems=0"
        ),
        "query parameter 'maxItems'",
        "less than the minimum of 1",
    )
    _one(
        core.validate_request("GET", f"{ALFRESCO}/alfresco/versions/2/nodes/-my-/children"),
        "does not start with the base path",
    )
    broken = json.loads(json.dumps(CHILDREN))
    del broken["list"]["entries"][0]["entry"]["isFile"]
    broken["list"]["entries"][0]["entry"]["createdAt"] = "last week"
    problems = core.validate_response("GET", url, 200, body=json.dumps(broken))
    assert len(problems) == 2, problems
    assert any("$.list.entries[0].entry: 'isFile' is a required property" in p for p in problems)
    assert any(
        "$.list.entries[0].entry.createdAt: 'last week' is not a 'date-time'" in p for p in problems
    )

    # One cassette across the core, auth and search APIs.
    cassette = {
        "interactions": [
            _interaction(
                "POST",
                f"{ALFRESCO}/authentication/versions/1/tickets",
                201,
                {"entry": {"id": "***", "userId": "admin"}},
                body=json.dumps({"userId": "admin", "password": "***"}),
                request_headers={"Content-Type": ["application/json"]},
            ),
            _interaction("GET", url, 200, CHILDREN, request_headers=headers),
            _interaction(
                "POST",
                f"{ALFRESCO}/alfresco/versions/1/nodes/-my-/children",
                201,
                {"entry": NODE},
                body=json.dumps({"name": "new/folder", "nodeType": "cm:folder"}),
                request_headers={"Content-Type": ["application/json"]},
            ),
            # 500 is not listed for this operation: `default` (the Error schema) applies.
            _interaction(
                "GET",
                f"{ALFRESCO}/alfresco/versions/1/nodes/-my-/children",
                500,
                {
                    "error": {
                        "statusCode": 500,
                        "stackTrace": "",
                        "descriptionURL": "https://alfresco.example",
                    }
                },
            ),
        ]
    }
    problems = check_cassette(_write_yaml(tmp_path / "alfresco.yaml", cassette), alfresco)
    assert len(problems) == 2, problems
    assert problems[0].startswith(
        "interaction 2 POST /alfresco/api/-default-/public/alfresco/versions/1/nodes/-my-/"
        "children: request body at $.name"
    )
    assert (
        problems[1].startswith("interaction 3 GET ")
        and "'briefSummary' is a required property" in problems[1]
    )


JOB = {
    "type": "send-email",
    "processDefinitionId": "order-process",
    "processDefinitionVersion": 1,
    "elementId": "send_email",
    "customHeaders": {"resultVariable": "result"},
    "worker": "tasklink",
    "retries": 3,
    "deadline": 1757280974277,
    "variables": {"to": "a@example.org"},
    "tenantId": "<default>",
    "physicalTenantId": "default",
    "jobKey": "2251799813653498",
    "processInstanceKey": "2251799813653499",
    "processDefinitionKey": "2251799813653400",
    "elementInstanceKey": "2251799813653401",
    "kind": "BPMN_ELEMENT",
    "listenerEventType": "UNSPECIFIED",
    "userTask": None,
    "tags": [],
    "rootProcessInstanceKey": None,
    "businessId": None,
    "priority": 0,
    "leaseToken": None,
}
CAMUNDA = "http://127.0.0.1:8080/v2"


def test_camunda_job_activation(camunda: OpenAPISpec) -> None:
    assert camunda.base_paths == ("/v2",)
    url = f"{CAMUNDA}/jobs/activation"
    request = {
        "type": "send-email",
        "worker": "tasklink",
        "timeout": 30000,
        "maxJobsToActivate": 5,
        "requestTimeout": 0,
        "withLease": None,
    }
    assert (
        camunda.validate_request("POST", url, body=request, content_type="application/json") == []
    )
    no_type = {k: v for k, v in request.items() if k != "type"}
    _one(
        camunda.validate_request("POST", url, body=no_type, content_type="application/json"),
        "request body",
        "'type' is a required property",
    )
    _one(
        camunda.validate_request(
            "POST",
            url,
            body=json.dumps({**request, "maxJobsToActivate": "5"}),
            content_type="application/json",
        ),
        "request body at $.maxJobsToActivate",
        "'5' is not of type 'integer'",
    )
    _one(
        camunda.validate_request(
            "POST", url, body={**request, "tenantFilter": "ALL"}, content_type="application/json"
        ),
        "at $.tenantFilter",
    )

    assert (
        camunda.validate_response(
            "POST", url, 200, body=json.dumps({"jobs": [JOB]}), content_type="application/json"
        )
        == []
    )
    assert camunda.validate_response("POST", "/v2/jobs/activation", 200, body={"jobs": []}) == []
    problems = camunda.validate_response(
        "POST",
        url,
        200,
        body=json.dumps({"jobs": [{**JOB, "jobKey": 12, "processDefinitionId": "1-bad"}]}),
    )
    assert len(problems) == 2, problems
    assert any("$.jobs[0].jobKey: 12 is not of type 'string'" in p for p in problems)
    assert any("$.jobs[0].processDefinitionId: '1-bad' does not match" in p for p in problems)
    _one(
        camunda.validate_response("POST", url, 404, body=""),
        "status 404 is not declared for POST /jobs/activation",
    )
    problem = {
        "type": "about:blank",
        "title": "INVALID_ARGUMENT",
        "status": 400,
        "detail": "bad",
        "instance": "/v2/jobs/activation",
    }
    assert (
        camunda.validate_response(
            "POST", url, 400, body=json.dumps(problem), content_type="application/problem+json"
        )
        == []
    )
    _one(
        camunda.validate_response(
            "POST", url, 400, body=json.dumps(problem), content_type="application/json"
        ),
        "response content type 'application/json' is not declared",
    )


def test_camunda_literal_paths_win_over_templates(camunda: OpenAPISpec) -> None:
    assert (
        camunda.find_operation("POST", f"{CAMUNDA}/process-instances/search").path
        == "/process-instances/search"
    )
    templated = camunda.find_operation("GET", f"{CAMUNDA}/process-instances/2251799813685249")
    assert templated.path_params == {"processInstanceKey": "2251799813685249"}
