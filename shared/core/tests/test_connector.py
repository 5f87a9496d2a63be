from __future__ import annotations

import importlib
import re
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tasklink.core import Connector, DeclarationError, InputModel, Operation, field


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


# -- lazy targets -----------------------------------------------------------------------

MODELS = """
from pydantic import BaseModel

from tasklink.core import InputModel, field


class Name(InputModel):
    name: str = field(description="Who")


class Greeting(BaseModel):
    text: str


class Other(InputModel):
    count: int = field(0, description="How many")
"""

IMPLEMENTATION = """
import threading

from tasklink.core import Context

from .models import Greeting, Name, Other


async def greet(input: Name, ctx: Context) -> Greeting:
    return Greeting(text=f"hello {input.name} from {ctx.job.engine}")


def shout(input: Name) -> dict[str, str]:
    return {"text": input.name.upper(), "thread": threading.current_thread().name}


def three(a, b, c): ...


def takes_other(input: Other) -> Greeting: ...


def returns_other(input: Name) -> Other: ...


NOT_CALLABLE = 3
"""


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh package on sys.path: ``models``, ``impl`` (operation functions) and
    ``broken`` (fails on import). Yields its name."""
    name = f"lazy_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "models.py").write_text(MODELS)
    (folder / "impl.py").write_text(IMPLEMENTATION)
    (folder / "broken.py").write_text("raise RuntimeError('no licence for the client library')")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def lazy(package: str, target: str, **overrides: Any) -> Operation:
    models = importlib.import_module(f"{package}.models")
    options: dict[str, Any] = {
        "name": "Op",
        "description": "An operation",
        "target": target,
        "input_model": models.Name,
        "output_model": models.Greeting,
    }
    options.update(overrides)
    return make(package=package).operation("op", **options)


async def test_a_lazy_target_is_imported_when_the_operation_first_runs(package: str) -> None:
    from tasklink.core import Completed, Job, JobExecutor, JobInfo, MappingSecretProvider
    from tasklink.core.templates import activiti_definition, camunda_template

    models = importlib.import_module(f"{package}.models")
    c = make(package=package, icon=None)
    greet = c.operation(
        "greet",
        name="Greet",
        description="Greets",
        target=".impl:greet",
        input_model=models.Name,
        output_model=models.Greeting,
    )
    shout = c.operation(
        "shout",
        name="Shout",
        description="Shouts",
        target=f"{package}.impl:shout",
        input_model=models.Name,
        timeout=7,
    )
    assert c.operations == {"greet": greet, "shout": shout}
    assert (greet.action, greet.target, shout.timeout) == ("GREET", ".impl:greet", 7)
    assert camunda_template(c) and activiti_definition(c)  # they need the models only
    assert f"{package}.impl" not in sys.modules

    runs: list[str] = []

    async def runner(function: Any) -> Any:
        runs.append("thread pool")
        return function()

    executor = JobExecutor(MappingSecretProvider({}), run_sync=runner)
    job = Job({"name": "Ada"}, info=JobInfo(engine="test"))
    greeted = await executor.execute(greet, job)
    assert greeted == Completed({"text": "hello Ada from test"}, {})
    assert (greet.is_async, greet.takes_context) == (True, True)
    shouted = await executor.execute(shout, job)
    assert isinstance(shouted, Completed) and shouted.output["text"] == "ADA"
    assert (shout.is_async, shout.takes_context, runs) == (False, False, ["thread pool"])
    assert shout.function is importlib.import_module(f"{package}.impl").shout
    # Loaded, it is a plain Operation: reading its slots costs what a decorated one's do.
    assert type(greet) is Operation and type(shout) is Operation


@pytest.mark.parametrize(
    ("target", "overrides", "problem"),
    [
        ("._missing:greet", {}, "cannot import '._missing' (ModuleNotFoundError"),
        (".broken:greet", {}, "cannot import '.broken' (RuntimeError: no licence"),
        (".impl:nothing", {}, "has no 'nothing'"),
        (".impl:NOT_CALLABLE", {}, "int is not callable"),
        (".impl:three", {}, "takes (input) or (input, context)"),
        (".impl:takes_other", {}, "takes Other, not the declared input model Name"),
        (".impl:returns_other", {}, "returns Other, but the declared output model is Greeting"),
        (".impl:greet", {"output_model": None}, "returns Greeting, but the declared output"),
    ],
)
async def test_a_broken_target_fails_its_jobs_naming_connector_operation_and_target(
    package: str, target: str, overrides: dict[str, Any], problem: str
) -> None:
    from tasklink.core import Failed, Job, JobExecutor, JobInfo, MappingSecretProvider

    op = lazy(package, target, **overrides)
    where = f"connector 'io.t.c', operation 'op': target '{target}': "
    with pytest.raises(DeclarationError) as raised:
        op.load()
    assert str(raised.value).startswith(where) and problem in str(raised.value)
    with pytest.raises(DeclarationError, match=re.escape(problem)):
        op.load()  # checked once, reported every time
    assert callable(op.function)  # an adapter may name it in a stack trace
    executor = JobExecutor(MappingSecretProvider({}))
    outcome = await executor.execute(op, Job({"name": "x"}, info=JobInfo(retries=3)))
    assert isinstance(outcome, Failed) and outcome.code == "UNKNOWN_ERROR"
    assert outcome.message.startswith(f"DeclarationError: {where}") and problem in outcome.message


def test_load_is_free_for_decorated_and_loaded_operations(package: str) -> None:
    c = make()

    @c.operation(name="Send", description="Sends")
    def send(input: In) -> Out: ...

    c.get_operation().load()
    op = lazy(package, ".impl:greet")
    op.load()
    op.load()
    assert op.function is importlib.import_module(f"{package}.impl").greet


def test_concurrent_first_runs_load_a_target_once(
    package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasklink.core import _connector

    loads: list[str] = []
    load_target = _connector._load_target

    def slow_load(operation: Operation) -> None:
        loads.append(operation.id)
        time.sleep(0.05)  # every thread arrives while the first one loads
        load_target(operation)

    monkeypatch.setattr(_connector, "_load_target", slow_load)
    op = lazy(package, ".impl:greet")
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda _: (op.takes_context, op.is_async, op.function), range(8)))
    assert loads == ["op"]
    assert {s[:2] for s in seen} == {(True, True)} and len({id(s[2]) for s in seen}) == 1


@pytest.mark.parametrize(
    ("op_id", "options", "message"),
    [
        (None, {"target": "m:f", "input_model": In}, "needs an id"),
        ("op", {"target": "m.f", "input_model": In}, "must be 'module:function'"),
        ("op", {"target": "m:f.g", "input_model": In}, "must be 'module:function'"),
        ("op", {"target": "m:f", "input_model": dict}, "input_model must be a pydantic model"),
        ("op", {"target": "m:f", "input_model": In, "output_model": int}, "output_model must"),
        ("Op", {"target": "m:f", "input_model": In}, "id must match"),
        ("op", {"target": "m:f", "input_model": In, "name": ""}, "name and description"),
    ],
)
def test_bad_lazy_declarations_are_rejected_at_once(
    op_id: str | None, options: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"name": "n", "description": "d"} | options
    with pytest.raises(DeclarationError, match=message):
        make().operation(op_id, **arguments)  # type: ignore[call-overload]


def test_models_are_given_with_a_target_only() -> None:
    with pytest.raises(DeclarationError, match="input_model and output_model go with target"):
        make().operation("op", name="n", description="d", input_model=In)  # type: ignore[call-overload]
