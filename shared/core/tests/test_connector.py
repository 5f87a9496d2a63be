from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from tasklink.core import Connector, DeclarationError, InputModel, field


class In(InputModel):
    a: str = field(description="A")


class Out(BaseModel):
    b: int


def make(**overrides: Any) -> Connector:
    options: dict[str, Any] = {
        "id": "io.t.c",
        "name": "c",
        "title": "C",
        "job_type": "t:c:1",
        "description": "d",
        "package": "tasklink.core",
    }
    options.update(overrides)
    return Connector(**options)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "Bad_Name"}, "name 'Bad_Name' must match"),
        ({"name": "x" * 27}, "must match"),
        ({"job_type": "t:c"}, "must end with a major version"),
        ({"package": None}, "package is required"),
        ({"template_version": 0}, "template_version"),
    ],
)
def test_bad_declarations_name_the_connector(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(DeclarationError, match=message):
        make(**overrides)


def test_operation_metadata_from_type_hints() -> None:
    c = make()

    @c.operation("send_mail", name="Send", description="Sends")
    async def send(input: In) -> Out:
        return Out(b=1)

    op = c.get_operation()
    assert (op.action, op.qualified_name) == ("SEND_MAIL", "c.SEND_MAIL")
    assert op.input_model is In and op.output_model is Out
    assert op.is_async and not op.takes_context
    assert c.get_operation("SEND_MAIL") is op


@pytest.mark.parametrize(
    ("op_id", "function_source", "message"),
    [
        ("Bad", "def f(i: In): ...", "id must match"),
        ("ok", "def f(i: dict): ...", "pydantic model"),
        ("ok", "def f(): ...", "takes"),
        ("ok", "def f(i: 'Missing'): ...", "cannot resolve its type hints"),
    ],
)
def test_bad_operations_are_rejected(op_id: str, function_source: str, message: str) -> None:
    namespace: dict[str, Any] = {"In": In}
    exec(function_source, namespace)
    with pytest.raises(DeclarationError, match=message):
        make().operation(op_id, name="n", description="d")(namespace["f"])


def test_get_operation_needs_a_choice_when_there_are_several() -> None:
    c = make()

    @c.operation(name="A", description="a")
    def one(i: In) -> None: ...

    @c.operation(name="B", description="b")
    def two(i: In) -> None: ...

    with pytest.raises(KeyError, match="several operations"):
        c.get_operation()
    with pytest.raises(KeyError, match="known: \\['one', 'two'\\]"):
        c.get_operation("three")
    with pytest.raises(DeclarationError, match="declared twice"):
        c.operation("one", name="A", description="a")(one)


async def test_shutdown_hooks_all_run_and_the_first_failure_is_raised() -> None:
    c = make()
    calls: list[str] = []

    @c.on_shutdown
    async def close_pool() -> None:
        calls.append("pool")
        raise RuntimeError("pool already closed")

    @c.on_shutdown
    async def close_cache() -> None:
        calls.append("cache")

    with pytest.raises(RuntimeError, match="pool already closed"):
        await c.aclose()
    assert calls == ["pool", "cache"]
