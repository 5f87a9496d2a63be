from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from tasklink.core import InputError, InputModel, parse_duration, status_code_name
from tasklink.core._jsonable import to_jsonable
from tasklink.core._models import select_input, validate_input


def _bind(model: type[BaseModel], data: Any, *, strict: bool = False) -> BaseModel:
    return validate_input(model, select_input(model, data, strict=strict))


class Basic(InputModel):
    type: Literal["basic"]
    username: str


class Bearer(InputModel):
    type: Literal["bearer"]
    token: str


class Item(InputModel):
    name: str


class Request(InputModel):
    url: str
    auth: Basic | Bearer = Field(discriminator="type")
    headers: list[dict[str, str]] = []
    items: list[Item] | None = None
    either: int | Item = 0


def test_errors_name_paths_inside_unions_and_lists() -> None:
    with pytest.raises(InputError) as caught:
        _bind(
            Request,
            {
                "url": 1,
                "auth": {"type": "basic"},
                "headers": [{"a": 1}],
                "items": [{"name": "ok"}, {"nam": "typo"}],
                "either": {"name": 5},
            },
            strict=True,
        )
    message = caught.value.message
    assert "items[1].name: Field required" in message
    assert "items[1].nam: unknown field" in message
    assert "either.name: Input should be a valid string" in message
    assert "url: Input should be a valid string" in message
    assert "auth.username: Field required" in message
    assert "headers[0].a" in message


def test_error_documents_are_bounded_however_many_problems() -> None:
    # A million unknown top-level fields are named (ten of them) before validation.
    flood = {"url": "u", "auth": {"type": "bearer", "token": "t"}}
    flood.update({f"x{i}": i for i in range(1_000_000)})
    with pytest.raises(InputError) as caught:
        _bind(Request, flood, strict=True)
    error = caught.value
    assert error.message == (
        "invalid input: "
        + "; ".join(f"x{i}: unknown field" for i in range(10))
        + "; and 999990 more"
    )
    assert error.variables == {"fields": [f"x{i}" for i in range(10)], "problemCount": 1_000_000}

    # Masses of unknown fields deeper down are found by walking the model.
    nested = {
        "url": "u",
        "auth": {"type": "basic", "username": "u", **{f"b{i}": 1 for i in range(20_000)}},
        "items": [{"name": "ok"}, {"name": "x", "typo": 1}],
    }
    with pytest.raises(InputError) as caught:
        _bind(Request, nested)
    error = caught.value
    assert error.variables["problemCount"] == 20_001
    assert error.variables["fields"] == [f"auth.b{i}" for i in range(10)]
    assert error.message.endswith("; and 19991 more") and len(error.message) < 400

    # A handful of problems are all named.
    with pytest.raises(InputError) as caught:
        _bind(Request, {"url": 1, "auth": {"type": "basic"}, "a": 1, "b": 2}, strict=True)
    assert caught.value.variables["problemCount"] == 4
    assert "more" not in caught.value.message


def test_unknown_auth_type_is_named() -> None:
    with pytest.raises(InputError, match="auth: Input tag 'oauth' found using 'type'"):
        _bind(Request, {"url": "u", "auth": {"type": "oauth"}}, strict=True)


def test_only_missing_fields_give_missing_input() -> None:
    with pytest.raises(InputError) as caught:
        _bind(Request, {}, strict=True)
    assert caught.value.code == "MISSING_INPUT"
    assert caught.value.variables["fields"] == ["url", "auth"]


def test_values_never_appear_in_validation_messages() -> None:
    with pytest.raises(InputError) as caught:
        _bind(Request, {"url": ["hunter2-secret"], "auth": {"type": "x"}}, strict=True)
    assert "hunter2-secret" not in caught.value.message


def test_input_must_be_an_object() -> None:
    with pytest.raises(InputError, match="must be a JSON object"):
        _bind(Request, [1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT30S", timedelta(seconds=30)),
        ("PT1.5S", timedelta(seconds=1.5)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P2W", timedelta(weeks=2)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["30s", "P", "PT", "P1M", "P1Y", "PT1H2", "", "-PT5M", "P999999999999D"]
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO-8601|negative|too long"):
        parse_duration(text)


def test_status_code_names() -> None:
    assert status_code_name(404) == "NOT_FOUND"
    assert status_code_name(503) == "SERVICE_UNAVAILABLE"
    assert status_code_name(599) == "HTTP_599"


def test_to_jsonable() -> None:
    class M(BaseModel):
        value: Decimal

    assert to_jsonable({"m": M(value=Decimal("1.5")), "d": Decimal("2"), "b": b"hi"}) == {
        "m": {"value": "1.5"},
        "d": 2,
        "b": "aGk=",
    }
    assert to_jsonable(timedelta(minutes=1, seconds=30)) == "P0DT0H1M30S"


def test_validation_aliases_survive_lenient_binding() -> None:
    from pydantic import AliasChoices

    class Keyed(InputModel):
        api_key: str = Field(validation_alias=AliasChoices("apiKey", "key"))

    assert _bind(Keyed, {"apiKey": "a", "other": 1}).api_key == "a"  # type: ignore[attr-defined]
    assert _bind(Keyed, {"key": "b"}).api_key == "b"  # type: ignore[attr-defined]


def test_camel_models_are_camel_case_on_the_wire() -> None:
    from tasklink.core import CamelInputModel, CamelOutputModel, field

    class Mail(CamelInputModel):
        reply_to: str = field(description="Reply address")
        cc_list: list[str] = field(default_factory=list, description="Copies")

    class Sent(CamelOutputModel):
        message_id: str

    camel = _bind(Mail, {"replyTo": "a@x", "ccList": ["b@x"], "processVariable": 1})
    snake = _bind(Mail, {"reply_to": "a@x"}, strict=True)
    assert (camel.reply_to, camel.cc_list, snake.reply_to) == ("a@x", ["b@x"], "a@x")  # type: ignore[attr-defined]
    with pytest.raises(
        InputError, match=r"^invalid input: replyTo: Input should be a valid string"
    ):
        _bind(Mail, {"replyTo": 5})
    with pytest.raises(InputError, match="colour: unknown field"):
        _bind(Mail, {"replyTo": "a@x", "colour": 1}, strict=True)
    assert to_jsonable(Sent(message_id="<1@x>")) == {"messageId": "<1@x>"}
