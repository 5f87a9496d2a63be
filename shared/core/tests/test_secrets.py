from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasklink.core import (
    DEFAULT_SECRET_PREFIX,
    DotenvSecretProvider,
    EnvironmentSecretProvider,
    InputError,
    MappingSecretProvider,
    Redactor,
    SecretChain,
    SecretResolver,
    load_plugin_secret_providers,
)


def resolver(values: dict[str, str]) -> SecretResolver:
    return SecretResolver(MappingSecretProvider(values))


def test_placeholders_are_replaced_at_any_depth() -> None:
    data = {
        "url": "https://x.test/?key={{secrets.KEY}}",
        "nested": {"list": ["a", {"deep": "Bearer {{ secrets.TOKEN }}"}], "n": 3},
        "untouched": {"plain": "text"},
    }
    out = resolver({"KEY": "k-123456", "TOKEN": "t-abcdef"}).resolve(data)
    assert out["url"] == "https://x.test/?key=k-123456"
    assert out["nested"]["list"][1]["deep"] == "Bearer t-abcdef"
    assert out["untouched"] is data["untouched"], "unchanged branches are not copied"
    assert data["url"].endswith("{{secrets.KEY}}"), "the input is not mutated"


def test_tuples_and_mappings_are_resolved_and_left_alone_without_placeholders() -> None:
    from types import MappingProxyType

    r = resolver({"KEY": "k-123456"})
    assert r.resolve(("{{secrets.KEY}}", 1)) == ["k-123456", 1]
    assert r.resolve(MappingProxyType({"a": ["{{secrets.KEY}}"]})) == {"a": ["k-123456"]}
    untouched = MappingProxyType({"a": ("x",)})
    assert r.resolve(untouched) is untouched


def test_resolved_values_are_registered_with_the_redactor() -> None:
    r = resolver({"KEY": "k-123456"})
    r.resolve({"a": "{{secrets.KEY}}"})
    assert r.redactor.redact("got k-123456") == "got ***"


def test_secret_values_are_never_reinterpreted() -> None:
    r = resolver({"A": "{{secrets.B}}", "B": "should-not-appear"})
    assert r.resolve("x {{secrets.A}} y") == "x {{secrets.B}} y"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{secrets.}}", "has no secret name"),
        ("{{secrets.TOKEN", "not closed"),
        ("abc {{secrets.TOKEN} def", "not closed"),
        ("{{secrets.TO KEN}}", "malformed"),
    ],
)
def test_malformed_placeholders_name_the_field(text: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        resolver({"TOKEN": "value-1234"}).resolve({"auth": {"token": text}})
    assert caught.value.field == "auth.token"
    assert "auth.token" in caught.value.message
    assert problem in caught.value.message


def test_missing_secret_names_the_secret_not_a_value() -> None:
    with pytest.raises(InputError) as caught:
        resolver({}).resolve({"headers": [{"value": "{{secrets.API_KEY}}"}]})
    assert caught.value.code == "MISSING_INPUT"
    assert "API_KEY" in caught.value.message
    assert "headers[0].value" in caught.value.message


def test_secret_of_wrong_type_is_an_input_error() -> None:
    class Odd:
        def get_secret(self, name: str) -> Any:
            return 12345

    with pytest.raises(InputError, match="must be a string"):
        SecretResolver(Odd()).resolve({"x": "{{secrets.N}}"})


def test_failing_provider_does_not_leak_its_exception_text() -> None:
    class Broken:
        def get_secret(self, name: str) -> str | None:
            raise RuntimeError("vault said: password=hunter22")

    with pytest.raises(InputError) as caught:
        SecretResolver(Broken()).resolve({"x": "{{secrets.N}}"})
    assert "hunter22" not in caught.value.message
    assert "RuntimeError" in caught.value.message


def test_environment_provider_with_prefix() -> None:
    provider = EnvironmentSecretProvider("TL_", environ={"TL_KEY": "from-env", "KEY": "no"})
    assert provider.get_secret("KEY") == "from-env"
    assert provider.get_secret("OTHER") is None


def test_dotenv_provider_and_chain_order(tmp_path: Path) -> None:
    env_file = tmp_path / "secrets.env"
    env_file.write_text('A=from-file\nB="quoted value"\n# comment\nC=${A}\n')
    dotenv = DotenvSecretProvider(env_file)
    assert dotenv.get_secret("B") == "quoted value"
    assert dotenv.get_secret("C") == "${A}", "values are taken literally, never interpolated"
    chain = SecretChain([MappingSecretProvider({"A": "first"}), dotenv])
    assert chain.get_secret("A") == "first"
    assert chain.get_secret("B") == "quoted value"
    assert chain.get_secret("Z") is None


def test_missing_dotenv_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        DotenvSecretProvider(tmp_path / "nope.env").get_secret("A")


def test_a_directory_is_no_secrets_file(tmp_path: Path) -> None:
    provider = DotenvSecretProvider(tmp_path)
    assert provider.problem() == f"secrets file {tmp_path} is a directory, not a file"
    with pytest.raises(InputError, match="is a directory"):
        provider.get_secret("A")


def test_a_pipe_or_device_is_no_secrets_file(tmp_path: Path) -> None:
    # Every worker process reads the file anew: a pipe would answer the first one only.
    pipe = tmp_path / "secrets.pipe"
    os.mkfifo(pipe)
    for path in (pipe, Path("/dev/null")):
        assert DotenvSecretProvider(path).problem() == (
            f"secrets file {path} is not a regular file (a device, pipe or socket)"
        )


# -- where secrets may come from -----------------------------------------------------------

ENVIRONMENT = {
    "TASKLINK_SECRET_API_TOKEN": "from-the-prefix",
    "TASKLINK_ACTIVITI_URL": "amqp://tasklink:broker-pass@rabbit/",
    "tasklink_activiti_url": "amqp://tasklink:broker-pass@rabbit/",
    "CAMUNDA_CLIENT_SECRET": "camunda-client-secret",
    "HOME": "/home/runtime",
    "API_TOKEN": "bare",
}


def test_by_default_only_prefixed_variables_are_secrets() -> None:
    provider = EnvironmentSecretProvider(environ=ENVIRONMENT)
    assert provider.prefix == DEFAULT_SECRET_PREFIX == "TASKLINK_SECRET_"
    assert provider.get_secret("API_TOKEN") == "from-the-prefix"
    for name in ("HOME", "TASKLINK_ACTIVITI_URL", "CAMUNDA_CLIENT_SECRET"):
        assert provider.get_secret(name) is None, name


def test_process_data_cannot_read_the_runtime_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKLINK_ACTIVITI_URL", "amqp://tasklink:broker-pass@rabbit/")
    monkeypatch.setenv("HOME", "/home/runtime")
    r = SecretResolver(EnvironmentSecretProvider())
    for name in ("TASKLINK_ACTIVITI_URL", "HOME"):
        with pytest.raises(InputError, match="is not defined") as caught:
            r.resolve({"body": f"{{{{secrets.{name}}}}}"})
        assert "broker-pass" not in caught.value.message


def test_the_bare_environment_never_gives_out_reserved_names() -> None:
    bare = EnvironmentSecretProvider("", environ=ENVIRONMENT, reserved=("TASKLINK_", "CAMUNDA_"))
    assert bare.get_secret("API_TOKEN") == "bare"
    assert bare.get_secret("HOME") == "/home/runtime"
    for name in ("TASKLINK_ACTIVITI_URL", "tasklink_activiti_url", "CAMUNDA_CLIENT_SECRET"):
        assert bare.get_secret(name) is None, name
    assert (
        EnvironmentSecretProvider("", environ=ENVIRONMENT).get_secret("TASKLINK_SECRET_API_TOKEN")
        is None
    ), "tasklink's own namespace is reserved by default"


@pytest.mark.parametrize(
    ("prefix", "name", "variable"),
    [
        ("TASKLINK_", "ACTIVITI_URL", "TASKLINK_ACTIVITI_URL"),
        ("Z", "EEBE_CLIENT_SECRET", "ZEEBE_CLIENT_SECRET"),
        ("CAMUNDA", "_CLIENT_SECRET", "CAMUNDA_CLIENT_SECRET"),
    ],
)
def test_no_prefix_reaches_the_runtimes_own_variables(
    prefix: str, name: str, variable: str
) -> None:
    # The reserved names are checked on the whole variable name, not only for the bare
    # environment: an operator's short prefix must not open the runtime's settings.
    environ = {variable: "amqp://tasklink:broker-pass@rabbit/", "TASKLINK_SECRET_KEY": "k"}
    provider = EnvironmentSecretProvider(prefix, environ=environ)
    assert provider.get_secret(name) is None
    if "TASKLINK_SECRET_".startswith(prefix):  # the secrets namespace stays open
        assert provider.get_secret("TASKLINK_SECRET_KEY"[len(prefix) :]) == "k"


def test_an_allow_list_restricts_names_with_the_same_message_for_unknown_ones() -> None:
    base = resolver({"API_TOKEN": "token-123456", "GITHUB_KEY": "gh-123456", "DB": "db-pass"})
    allowed = base.restricted(["API_TOKEN", "GITHUB_*"], "connector http")
    assert allowed.resolve({"a": "{{secrets.API_TOKEN}}", "b": "x {{secrets.GITHUB_KEY}}"}) == {
        "a": "token-123456",
        "b": "x gh-123456",
    }
    messages = []
    for name in ("DB", "NOT_THERE"):
        with pytest.raises(InputError) as caught:
            allowed.resolve({"auth": {"password": f"{{{{secrets.{name}}}}}"}})
        assert caught.value.field == "auth.password"
        messages.append(caught.value.message.replace(name, "NAME"))
    assert (
        messages[0]
        == messages[1]
        == ("secret 'NAME' is not on the allow list of connector http (in field 'auth.password')")
    )
    with pytest.raises(InputError, match="allow list"):
        allowed.get("DB")
    assert allowed.redactor is base.redactor, "one redactor masks what every scope resolved"
    assert base.resolve("{{secrets.DB}}") == "db-pass", "the unrestricted resolver is unchanged"


def test_plugin_providers_load_and_broken_ones_are_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import importlib.metadata as md

    class Dist:
        name = "tasklink-vault"

    class EP:
        def __init__(self, name: str, factory: Any) -> None:
            self.name, self.dist, self._factory = name, Dist(), factory
            self.value = f"vault:{name}"

        def load(self) -> Any:
            if isinstance(self._factory, Exception):
                raise self._factory
            return self._factory

    eps = [
        EP("good", lambda: MappingSecretProvider({"X": "y"})),
        EP("broken", ImportError("no module named hvac")),
        EP("wrong", object),
    ]
    monkeypatch.setattr(md, "entry_points", lambda group: eps)
    providers = load_plugin_secret_providers()
    assert len(providers) == 1
    assert providers[0].get_secret("X") == "y"
    assert "tasklink-vault" in caplog.text
    assert "broken" in caplog.text


# -- property-based --------------------------------------------------------------------

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True)
values = st.text(min_size=1, max_size=40)
plain = st.text(alphabet=st.characters(blacklist_characters="{"), max_size=60)


@given(text=plain)
def test_text_without_placeholders_is_unchanged(text: str) -> None:
    assert resolver({}).resolve(text) is text


@given(prefix=plain, suffix=plain, name=names, value=values)
def test_any_value_is_inserted_verbatim(prefix: str, suffix: str, name: str, value: str) -> None:
    out = resolver({name: value}).resolve(f"{prefix}{{{{secrets.{name}}}}}{suffix}")
    assert out == f"{prefix}{value}{suffix}"


@given(
    data=st.recursive(
        st.one_of(plain, st.integers(), st.none()),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(string.ascii_letters, max_size=5), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_structures_without_placeholders_are_returned_as_is(data: Any) -> None:
    assert resolver({}).resolve(data) is data


@settings(max_examples=200)
@given(
    secret=st.text(min_size=4, max_size=30), before=st.text(max_size=30), after=st.text(max_size=30)
)
def test_redacted_text_never_contains_the_secret(secret: str, before: str, after: str) -> None:
    redactor = Redactor([secret])
    assert secret not in redactor.redact(before + secret + after)
    assert secret not in str(redactor.redact_data({"k": [before + secret + after]}))
