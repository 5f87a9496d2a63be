"""Settings: flags over TASKLINK_* variables over the TOML file; engine sections."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from tasklink.runtime import RuntimeSettings, SettingsError, load_settings, select_connectors
from tasklink.runtime._engines import EngineError, engine_names, load_engine
from tasklink.runtime.activiti import ActivitiSettings
from tasklink.testing.fixtures import echo

TOML = """
engine = "activiti"
concurrency = 4
grace_period = 12.5
log_format = "json"
connectors = ["echo"]

[activiti]
url = "amqp://user:pw@rabbit:5672/"
group = "billing"
retries = 5
"""


def test_precedence_flags_over_environment_over_file(tmp_path: Path) -> None:
    config = tmp_path / "tasklink.toml"
    config.write_text(TOML)
    environ = {
        "TASKLINK_CONCURRENCY": "8",
        "TASKLINK_METRICS_PORT": "9100",
        "TASKLINK_ACTIVITI_GROUP": "from-env",
        "TASKLINK_ACTIVITI_DESTINATION_PREFIX": "acme",
        "TASKLINK_SECRET_API_KEY": "ignored: not a setting",
    }
    settings = load_settings(
        {"concurrency": 32, "log_format": None},
        engine_flags={"activiti": {"destination_prefix": "cli", "url": None}},
        environ=environ,
        config_file=config,
    )
    assert settings.engine == "activiti"
    assert settings.concurrency == 32 and settings.source("concurrency") == "--concurrency"
    assert (
        settings.metrics_port == 9100 and settings.source("metrics_port") == "TASKLINK_METRICS_PORT"
    )
    assert settings.grace_period == 12.5 and settings.source("grace_period") == str(config)
    assert settings.log_format == "json" and settings.connectors == ("echo",)
    assert settings.config_file == config
    activiti = settings.section("activiti", ActivitiSettings)
    assert activiti.url == "amqp://user:pw@rabbit:5672/"
    assert activiti.group == "from-env"
    assert activiti.destination_prefix == "cli"
    assert activiti.retries == 5 and activiti.destination_separator == "_"


def test_secret_settings_from_the_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "t.toml"
    config.write_text(
        'secrets_environment = "all"\n\n[secrets_allowed]\nhttp = ["API_TOKEN", "GH_*"]\n'
        '"*" = []\n\n[activiti]\ngroup = "g"\n'
    )
    settings = load_settings(environ={}, config_file=config)
    assert settings.secrets_prefix == "TASKLINK_SECRET_"
    assert settings.secrets_environment == "all"
    assert settings.secrets_allowed == {"http": ("API_TOKEN", "GH_*"), "*": ()}
    assert settings.section("activiti", ActivitiSettings).group == "g"
    from_env = load_settings(environ={"TASKLINK_SECRETS_ALLOWED": '{"echo": "A,B"}'})
    assert from_env.secrets_allowed == {"echo": ("A", "B")}


def test_config_file_from_the_environment_and_lists_from_commas(tmp_path: Path) -> None:
    config = tmp_path / "t.toml"
    config.write_text('engine = "activiti"\n')
    settings = load_settings(
        environ={"TASKLINK_CONFIG": str(config), "TASKLINK_CONNECTORS": "echo, noop ,"},
    )
    assert settings.engine == "activiti" and settings.connectors == ("echo", "noop")
    assert settings.source("config_file") == "TASKLINK_CONFIG"
    assert load_settings(environ={}) == RuntimeSettings()


@pytest.mark.parametrize(
    ("toml", "environ", "flags", "expected"),
    [
        ("", {"TASKLINK_CONCURRENCY": "lots"}, {}, "concurrency (from TASKLINK_CONCURRENCY)"),
        ("concurrency = 0\n", {}, {}, "concurrency (from {config})"),
        ("", {}, {"log_level": "LOUD"}, "log_level (from --log-level): Value error, unknown log"),
        ("colour = 'blue'\n", {}, {}, "colour (from {config}): unknown setting"),
        ("[kafka]\nx = 1\n", {}, {}, "unknown section [kafka]"),
        ("", {"TASKLINK_ENGINE": "bpm9000"}, {}, "unknown engine 'bpm9000' (from TASKLINK_ENGINE)"),
        ("engine = [\n", {}, {}, "is not valid TOML"),
        ("secrets_prefix = ''\n", {}, {}, "secrets_environment to all"),
        ("", {"TASKLINK_SECRETS_PREFIX": "BAD-PREFIX"}, {}, "letters, digits and underscores"),
        ("", {"TASKLINK_SECRETS_ENVIRONMENT": "everything"}, {}, "'prefixed', 'all' or 'off'"),
        ("", {"TASKLINK_SECRETS_ALLOWED": "http=A"}, {}, "expected a JSON object"),
        ("", {"TASKLINK_JOB_TIMEOUT": "nan"}, {}, "job_timeout (from TASKLINK_JOB_TIMEOUT)"),
        ("expression_timeout = 0\n", {}, {}, "expression_timeout (from {config})"),
    ],
)
def test_errors_name_the_setting_and_its_source(
    tmp_path: Path, toml: str, environ: dict[str, str], flags: dict[str, str], expected: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    with pytest.raises(SettingsError) as caught:
        load_settings(flags, environ=environ, config_file=config)
    assert expected.format(config=config) in str(caught.value)


def test_document_limits_from_the_environment() -> None:
    settings = load_settings(
        environ={
            "TASKLINK_DOCUMENT_MAX_BYTES": "5000000",
            "TASKLINK_ACTIVITI_INLINE_DOCUMENT_MAX_BYTES": "2048",
        }
    )
    assert settings.document_max_bytes == 5_000_000
    assert settings.source("document_max_bytes") == "TASKLINK_DOCUMENT_MAX_BYTES"
    assert settings.section("activiti", ActivitiSettings).inline_document_max_bytes == 2048
    defaults = load_settings(environ={})
    assert defaults.document_max_bytes == 100 * 1024 * 1024
    assert defaults.section("activiti", ActivitiSettings).inline_document_max_bytes == 1024 * 1024
    with pytest.raises(SettingsError, match="document_max_bytes"):
        load_settings(environ={"TASKLINK_DOCUMENT_MAX_BYTES": "0"})


def test_engine_section_errors_name_key_and_source(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"TASKLINK_ACTIVITI_RETRIES": "0", "TASKLINK_ACTIVITI_COLOUR": "x"}
    )
    with pytest.raises(SettingsError) as caught:
        settings.section("activiti", ActivitiSettings)
    message = str(caught.value)
    assert "[activiti] retries (from TASKLINK_ACTIVITI_RETRIES)" in message
    assert "[activiti] colour (from TASKLINK_ACTIVITI_COLOUR): unknown setting" in message
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(environ={}, config_file=tmp_path / "missing.toml")


def test_engine_registry_imports_engines_lazily() -> None:
    assert {"activiti", "camunda"} <= set(engine_names())
    from tasklink.runtime import activiti

    assert load_engine("activiti") is activiti.run
    with pytest.raises(EngineError, match="unknown engine 'nope'"):
        load_engine("nope")


# A module naming a list of connectors, as --load accepts: the fixture and one more.
CONNECTOR_LIST = """
from tasklink.core import Connector
from tasklink.testing.fixtures import echo

other = Connector(
    id="io.tasklink.test.other", name="other", title="Other", job_type="tasklink-test:other:1",
    description="Has no operations", package="tasklink_connector_list", icon=None,
)
connectors = [echo, other]
"""


def test_connector_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("tasklink_connector_list")
    exec(CONNECTOR_LIST, module.__dict__)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    other = module.other

    settings = RuntimeSettings(discover=False, load=("tasklink_connector_list:connectors",))
    assert select_connectors(settings) == ([echo, other], [])
    settings = RuntimeSettings(
        discover=False,
        load=("tasklink_connector_list:connectors", "tasklink.testing.fixtures:echo"),
        connectors=("tasklink-test:echo:1",),
    )
    assert select_connectors(settings)[0] == [echo]
    for ref, problem in [
        ("tasklink.testing.fixtures", "expected module:attribute"),
        ("tasklink_no_such_module:x", "ModuleNotFoundError"),
        ("tasklink.testing.fixtures:nothing_here", "AttributeError"),
        ("tasklink.testing.fixtures:flaky_failures", "is not a tasklink Connector"),
    ]:
        with pytest.raises(SettingsError, match=problem):
            select_connectors(RuntimeSettings(discover=False, load=(ref,)))
    with pytest.raises(SettingsError, match="slack not installed"):
        select_connectors(
            RuntimeSettings(
                discover=False, load=("tasklink.testing.fixtures:echo",), connectors=("slack",)
            )
        )
