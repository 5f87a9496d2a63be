"""Settings (flags, TASKLINK_CAMUNDA_*, Camunda's own variables, TOML) and the engine
entry point ``run(settings, pipeline)``, in process and through ``tasklink run``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from camunda_fakes import JobStore
from camunda_fakes.rest import OAUTH, FakeRestGateway

from tasklink.runtime import EngineError, Pipeline, RuntimeSettings, SettingsError, load_settings
from tasklink.runtime.camunda import (
    CamundaSettings,
    GatewayError,
    RestGateway,
    build_gateway,
    run,
)
from tasklink.testing.fixtures import echo, sleeps_started, upper


def _load(
    tmp_path: Path,
    *,
    toml: str = "",
    environ: dict[str, str] | None = None,
    options: dict[str, str] | None = None,
) -> CamundaSettings:
    config = tmp_path / "tasklink.toml"
    config.write_text(toml)
    env = dict(environ or {})
    runtime = load_settings(
        {"engine": "camunda"},
        engine_flags={"camunda": options or {}},
        environ=env,
        config_file=config,
    )
    return CamundaSettings.load(runtime, env)


def test_defaults(tmp_path: Path) -> None:
    settings = _load(tmp_path)
    assert settings.protocol == "rest"
    assert settings.effective_rest_address == "http://localhost:8080"
    assert settings.effective_grpc_address == "localhost:26500"
    assert settings.effective_auth == "none"
    options = settings.worker_options()
    assert (options.job_timeout_ms, options.request_timeout_ms) == (300_000, 20_000)


def test_camunda_variables_configure_oauth_for_saas(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        environ={
            "CAMUNDA_CLIENT_ID": "id-1",
            "CAMUNDA_CLIENT_SECRET": "secret-1",
            "CAMUNDA_CLUSTER_ID": "abc-123",
            "CAMUNDA_CLUSTER_REGION": "bru-2",
        },
    )
    assert settings.effective_auth == "oauth"
    assert settings.effective_rest_address == "https://bru-2.zeebe.camunda.io/abc-123"
    assert settings.effective_grpc_address == "grpcs://abc-123.bru-2.zeebe.camunda.io:443"
    assert settings.effective_oauth_url == "https://login.cloud.camunda.io/oauth/token"
    assert settings.effective_audience == "zeebe.camunda.io"
    assert "secret-1" not in repr(settings)


def test_legacy_zeebe_variables_are_read(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        environ={
            "ZEEBE_ADDRESS": "zeebe:26500",
            "ZEEBE_REST_ADDRESS": "http://zeebe:8080/v2",
            "ZEEBE_CLIENT_ID": "legacy",
            "ZEEBE_CLIENT_SECRET": "legacy-secret",
            "ZEEBE_AUTHORIZATION_SERVER_URL": "http://keycloak/realms/camunda/token",
            "ZEEBE_TOKEN_AUDIENCE": "zeebe-api",
            "CAMUNDA_TENANT_ID": "tenant-a, tenant-b",
        },
    )
    assert settings.grpc_address == "zeebe:26500"
    assert settings.effective_rest_address == "http://zeebe:8080/v2"
    assert settings.client_id == "legacy"
    assert settings.effective_oauth_url == "http://keycloak/realms/camunda/token"
    assert settings.effective_audience == "zeebe-api"
    assert settings.tenant_ids == ("tenant-a", "tenant-b")


def test_precedence_flags_then_tasklink_then_camunda_then_file(tmp_path: Path) -> None:
    toml = '[camunda]\nrest_address = "http://from-file:8080"\nworker_name = "file"\n'
    toml += 'job_timeout = "PT2M"\nrequest_timeout = 5\n'
    assert _load(tmp_path, toml=toml).rest_address == "http://from-file:8080"
    native = {"CAMUNDA_REST_ADDRESS": "http://from-camunda:8080"}
    assert _load(tmp_path, toml=toml, environ=native).rest_address == "http://from-camunda:8080"
    ours = {**native, "TASKLINK_CAMUNDA_REST_ADDRESS": "http://from-tasklink:8080"}
    assert _load(tmp_path, toml=toml, environ=ours).rest_address == "http://from-tasklink:8080"
    flagged = _load(
        tmp_path, toml=toml, environ=ours, options={"rest_address": "http://from-flag:8080"}
    )
    assert flagged.rest_address == "http://from-flag:8080"
    assert flagged.worker_name == "file"
    assert flagged.job_timeout == 120.0
    assert flagged.request_timeout == 5.0


def test_auth_strategy_and_mappings(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        toml=(
            '[camunda]\njob_types = {upper = "legacy-upper:1"}\njob_timeouts = {echo = "PT1M"}\n'
        ),
        environ={
            "CAMUNDA_AUTH_STRATEGY": "BASIC",
            "CAMUNDA_BASIC_AUTH_USERNAME": "demo",
            "CAMUNDA_BASIC_AUTH_PASSWORD": "demo-password",
        },
    )
    assert settings.effective_auth == "basic"
    options = settings.worker_options()
    assert options.job_types == (("upper", "legacy-upper:1"),)
    assert options.job_timeouts == (("echo", 60_000),)


@pytest.mark.parametrize(
    ("toml", "environ", "message"),
    [
        ("[camunda]\nprotocol = 'soap'\n", {}, "[camunda] protocol (from "),
        ("[camunda]\nbogus = 1\n", {}, "bogus"),
        ("", {"TASKLINK_CAMUNDA_JOB_TIMEOUT": "soon"}, "TASKLINK_CAMUNDA_JOB_TIMEOUT"),
        ("", {"CAMUNDA_AUTH_STRATEGY": "OAUTH"}, "needs client_id and client_secret"),
        ("", {"CAMUNDA_AUTH_STRATEGY": "KERBEROS"}, "CAMUNDA_AUTH_STRATEGY"),
        ("", {"CAMUNDA_AUTH_STRATEGY": "basic"}, "basic_username"),
    ],
)
def test_bad_settings_name_the_key_and_source(
    tmp_path: Path, toml: str, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as info:
        _load(tmp_path, toml=toml, environ=environ)
    assert message in str(info.value)


async def test_build_gateway_registers_credentials_for_redaction(tmp_path: Path) -> None:
    from tasklink.core import Redactor

    settings = _load(
        tmp_path,
        environ={"CAMUNDA_CLIENT_ID": "id", "CAMUNDA_CLIENT_SECRET": "the-client-secret"},
    )
    redactor = Redactor()
    gateway = build_gateway(settings, redactor)
    assert isinstance(gateway, RestGateway)
    assert "the-client-secret" in redactor
    await gateway.aclose()
    basic = _load(
        tmp_path,
        environ={"CAMUNDA_BASIC_AUTH_USERNAME": "u", "CAMUNDA_BASIC_AUTH_PASSWORD": "basic-pass"},
    )
    gateway = build_gateway(basic, redactor)
    assert "basic-pass" in redactor
    assert "dTpiYXNpYy1wYXNz" in redactor, "the Authorization header's base64 form too"
    await gateway.aclose()


def test_grpc_with_basic_auth_is_refused(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        options={"protocol": "grpc", "basic_username": "u", "basic_password": "p"},
    )
    with pytest.raises(EngineError, match="basic auth"):
        build_gateway(settings)


# -- the engine entry point -----------------------------------------------------------------


async def test_run_serves_until_the_pipeline_stops(
    store: JobStore, oauth_gateway: FakeRestGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("CAMUNDA_", "ZEEBE_", "TASKLINK_CAMUNDA_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CAMUNDA_CLIENT_ID", OAUTH.client_id)
    monkeypatch.setenv("CAMUNDA_CLIENT_SECRET", OAUTH.client_secret)
    monkeypatch.setenv("CAMUNDA_OAUTH_URL", oauth_gateway.token_url)
    monkeypatch.setenv("CAMUNDA_TOKEN_AUDIENCE", "zeebe-api")
    settings = RuntimeSettings(
        engine="camunda",
        concurrency=3,
        grace_period=5,
        engines={
            "camunda": {
                "rest_address": oauth_gateway.url,
                "request_timeout": "PT1S",
                "worker_name": "tasklink-it",
            }
        },
    )
    pipeline = Pipeline([echo, upper], settings, metrics=False)
    task = asyncio.ensure_future(run(settings, pipeline))
    upper_job = store.add(upper.job_type, {"text": "run"}, headers={"resultVariable": "r"})
    echo_job = store.add(echo.job_type, {"operation": "echo_message", "message": "Run"})
    await store.wait_for(lambda: store.done(upper_job, echo_job))
    assert pipeline.ready
    pipeline.stop()
    await asyncio.wait_for(task, 10)
    assert store.outcomes_of(upper_job.key)[0].body == {"variables": {"r": {"text": "RUN"}}}
    workers = {r["worker"] for r in store.activation_requests}
    assert workers == {"tasklink-it"}
    assert {r["type"] for r in store.activation_requests} == {upper.job_type, echo.job_type}
    assert {r["maxJobsToActivate"] for r in store.activation_requests} <= {1, 2, 3}


async def test_run_drains_jobs_before_closing_the_gateway_when_serving_fails(
    store: JobStore, gateway: FakeRestGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasklink.runtime.camunda import _run

    key = uuid.uuid4().hex

    class Exploding(_run.CamundaWorker):
        async def serve(self) -> None:
            polling = asyncio.ensure_future(super().serve())
            await store.wait_for(lambda: sleeps_started[key] > 0)
            self.stop()
            await polling
            raise RuntimeError("the worker broke")

    monkeypatch.setattr(_run, "CamundaWorker", Exploding)
    for name in list(os.environ):
        if name.startswith(("CAMUNDA_", "ZEEBE_", "TASKLINK_CAMUNDA_")):
            monkeypatch.delenv(name)
    settings = RuntimeSettings(
        engine="camunda",
        grace_period=30,
        engines={"camunda": {"rest_address": gateway.url, "request_timeout": 1}},
    )
    job = store.add(echo.job_type, {"operation": "sleep", "seconds": 3, "key": key})
    pipeline = Pipeline([echo], settings, metrics=False)
    with pytest.raises(RuntimeError, match="the worker broke"):
        await asyncio.wait_for(run(settings, pipeline), 20)
    # The running job finished and reported through the still open gateway.
    assert [o.kind for o in store.outcomes_of(job.key)] == ["complete"]
    assert job.state == "completed"


async def test_run_reports_bad_settings_as_an_engine_error() -> None:
    settings = RuntimeSettings(engine="camunda", engines={"camunda": {"protocol": "smoke"}})
    pipeline = Pipeline([upper], settings, metrics=False)
    with pytest.raises(EngineError, match="protocol"):
        await run(settings, pipeline)


def test_gateway_errors_say_whether_to_retry() -> None:
    assert GatewayError("x").retryable  # unreachable
    assert GatewayError("x", status=503).retryable
    assert GatewayError("x", status=429).retryable
    assert GatewayError("x", status=401).retryable
    assert not GatewayError("x", status=400).retryable
    assert GatewayError("x", status=404).job_gone
    assert GatewayError("x", status=409).job_gone


# -- through the command line ---------------------------------------------------------------


async def test_tasklink_run_engine_camunda(
    store: JobStore, gateway: FakeRestGateway, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMUNDA_", "ZEEBE_"))}
    env["TASKLINK_CAMUNDA_REQUEST_TIMEOUT"] = "1"
    job = store.add(upper.job_type, {"text": "cli"}, headers={"resultVariable": "r"})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tasklink.runtime",
        "run",
        "--engine",
        "camunda",
        "--no-discover",
        "--load",
        "tasklink.testing.fixtures:upper",
        "-o",
        f"rest_address={gateway.url}",
        "-o",
        "worker_name=cli-worker",
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        await store.wait_for(lambda: store.done(job), timeout=30)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert store.outcomes_of(job.key)[0].body == {"variables": {"r": {"text": "CLI"}}}
    assert store.activation_requests[0]["worker"] == "cli-worker"
