"""The standard suite itself: it passes a sound connector and catches a sloppy one."""

from __future__ import annotations

import pytest

# Loaded here, before any run: pytester's in-process runs unload the modules first imported
# inside them, which would leave the suite (cached by tasklink.testing) checking models
# against the classes of an unloaded pydantic.
from tasklink.testing import StandardConnectorSuite  # noqa: F401

CONNECTOR = """
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tasklink.core import Connector, Context, ConnectorError, InputModel, field
from tasklink.testing import SecretCase, StandardConnectorSuite

connector = Connector(
    id="io.test.sample", name="sample", title="Sample", job_type="test:sample:1",
    description="A sample", package="tasklink.core",
)


class Inner(InputModel):
    depth: int = field(description="Depth")
{inner_extra}

class Query(InputModel):
    url: str = field(description="Where")
    token: str = field(description="Token", secret=True)
    inner: Inner | None = field(None, description="Nested")
    anything: Any = field(None, description="Takes anything")


@connector.operation(name="Fetch", description="Fetches")
async def fetch(q: Query, ctx: Context) -> dict[str, Any]:
    ctx.logger.warning("calling %s with {leak}", q.url)
    if q.url == "fail":
        raise ConnectorError("refused " + {message})
    return {{"url": q.url}}

{operations_extra}

class TestSample(StandardConnectorSuite):
    connector = connector
    package_dir = Path(".")

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        return {{"fetch": {{"url": "u", "token": "t", "inner": {{"depth": 1}}}}}}

    @pytest.fixture
    def secret_cases(self) -> list[SecretCase]:
        secrets = {{"TOKEN": "tok-123456789"}}
        return [
            SecretCase("fetch", {{"url": url, "token": "{{{{secrets.TOKEN}}}}"}}, secrets)
            for url in ("ok", "fail")
        ]
"""

SELECTED = "described or targets or valid_inputs or missing_input or wrong_types or secret"


def write(pytester: pytest.Pytester, **parts: str) -> None:
    values = {"inner_extra": "", "operations_extra": "", "leak": "%s", "message": "q.token"}
    values |= parts
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_sample=CONNECTOR.format(**values))


def test_a_sound_connector_passes(pytester: pytest.Pytester) -> None:
    write(pytester, leak="a token", message="q.token")
    result = pytester.runpytest("-k", SELECTED)
    result.assert_outcomes(passed=6)


def test_the_suite_catches_a_missing_description(pytester: pytest.Pytester) -> None:
    write(pytester, inner_extra="    hidden: int = 0\n")
    result = pytester.runpytest("-k", "described")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*fields without a description: fetch: Inner.hidden*"])


def test_the_suite_catches_a_derived_credential_left_unregistered(
    pytester: pytest.Pytester,
) -> None:
    # A Basic header the connector derived but did not register with ctx.redactor.
    write(
        pytester,
        message="__import__('base64').b64encode(('user:' + q.token).encode()).decode()",
    )
    result = pytester.runpytest("-k", "secret")
    result.assert_outcomes(passed=0, failed=1)
    result.stdout.fnmatch_lines(["*a secret leaked from operation fetch (base64-encoded)*"])


def test_the_suite_catches_a_broken_operation_target(pytester: pytest.Pytester) -> None:
    declaration = (
        'connector.operation("gone", name="Gone", description="Its module is gone", '
        'target="tasklink_no_such_module:run", input_model=Query)'
    )
    write(pytester, operations_extra=declaration)
    result = pytester.runpytest("-k", "targets")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*operation 'gone': target 'tasklink_no_such_module:run': cannot import*"]
    )
