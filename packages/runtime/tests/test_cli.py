"""The `tasklink` command as other tools call it: a subprocess with the fixture connector
registered through entry points (see the plugin_site fixture)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, unquote_plus, urlsplit

import pytest


def tasklink(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tasklink.runtime", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )


def error_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """Errors are exactly one JSON document on stderr."""
    document: dict[str, Any] = json.loads(result.stderr)
    assert set(document) == {"code", "message", "variables"}
    return document


def test_version(cli_env: dict[str, str]) -> None:
    result = tasklink(cli_env, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("tasklink 0.1.0 (tasklink-core ")


def test_list_reports_connectors_and_broken_plugins(cli_env: dict[str, str]) -> None:
    result = tasklink(cli_env, "list", "--json")
    assert result.returncode == 0, result.stderr
    listed = {entry["name"]: entry for entry in json.loads(result.stdout)}
    echo = listed["echo"]
    assert echo["id"] == "io.tasklink.test.echo"
    assert echo["job_type"] == "tasklink-test:echo:1"
    assert (echo["distribution"], echo["version"]) == ("tasklink-testconnectors", "0.3.0")
    assert {
        "id": "throw_bpmn",
        "name": "Throw BPMN error",
        "action": "THROW_BPMN",
        "qualified_name": "echo.THROW_BPMN",
    } in echo["operations"]
    assert echo["templates"] == []  # it bundles none (core's tests list bundled files)
    assert "cannot list its templates" not in result.stderr
    assert "tasklink-brokenplugin" in result.stderr and "'broken'" in result.stderr

    text = tasklink(cli_env, "list")
    assert text.returncode == 0
    assert re.search(r"^echo +tasklink-test:echo:1 ", text.stdout, re.MULTILINE)
    assert "noop (echo.NOOP)" in text.stdout


def test_list_shows_the_vendor_contracts_and_invoke_runs_them(cli_env: dict[str, str]) -> None:
    listed = {e["name"]: e for e in json.loads(tasklink(cli_env, "list", "--json").stdout)}
    contracts = {(c["engine"], c["key"]): c for c in listed["http"]["contracts"]}
    assert set(contracts) >= {("camunda", "io.camunda:http-json:1"), ("activiti", "rest")}
    assert contracts["activiti", "rest"]["actions"][:2] == ["GET", "HEAD"]
    text = tasklink(cli_env, "list").stdout
    assert "vendor contract: camunda io.camunda:http-json:1: Camunda REST connector" in text
    assert "vendor contract: activiti rest (GET, HEAD, POST," in text

    # By the vendor's job type or connector name, with the vendor's input names.
    camunda = tasklink(cli_env, "invoke", "io.camunda:http-json:1", "--input", "{}")
    assert camunda.returncode == 2, camunda.stderr
    assert "url" in error_of(camunda)["message"]
    apa = tasklink(cli_env, "invoke", "rest", "-p", "GET", "--input", "{}")
    assert apa.returncode == 2, apa.stderr
    assert "restUrl" in error_of(apa)["message"]


def test_list_imports_no_engine_or_client_library(cli_env: dict[str, str]) -> None:
    code = (
        "import io, sys, contextlib\n"
        "from tasklink.runtime._cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['list', '--json'])\n"
        "print(sorted(m for m in ('aio_pika', 'aiormq', 'prometheus_client', 'pyzeebe', 'httpx')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_invoke_prints_the_output(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = tasklink(
        cli_env,
        "invoke",
        "echo",
        "--operation",
        "echo_message",
        "--input",
        '{"message": "hi", "count": 2}',
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"message": "hi", "count": 2, "token": ""}
    assert result.stderr == ""

    # By job type and action name, input from a file, secrets from a file and the environment.
    (tmp_path / "input.json").write_text(
        json.dumps({"message": "{{secrets.GREETING}}", "token": "{{secrets.API_TOKEN}}"})
    )
    (tmp_path / "secrets.env").write_text("API_TOKEN=file-secret-token-value\n")
    env = {**cli_env, "TASKLINK_SECRET_GREETING": "hello from the environment"}
    result = tasklink(
        env,
        "invoke",
        "tasklink-test:echo:1",
        "-p",
        "ECHO_MESSAGE",
        "--input",
        "@input.json",
        "--secrets-file",
        "secrets.env",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"message": "***", "count": 1, "token": "***"}

    result = tasklink(cli_env, "invoke", "io.tasklink.test.echo", "-p", "noop", "--input", "{}")
    assert (result.returncode, json.loads(result.stdout)) == (0, {})


# The no-op operation: its jobs fail only for what the command line gets wrong.
NOOP = ["echo", "-p", "noop"]


@pytest.mark.parametrize(
    ("args", "exit_code", "code", "named"),
    [
        (["echo", "-p", "fail", "--input", "{}"], 1, "SERVICE_UNAVAILABLE", "upstream is down"),
        (
            ["echo", "-p", "throw_bpmn", "--input", '{"code": "REJECTED", "message": "no"}'],
            1,
            "REJECTED",
            "no",
        ),
        (
            ["echo", "-p", "sleep", "--input", '{"seconds": 30}', "--timeout", "0.2"],
            1,
            "TIMEOUT",
            "0.2 seconds",
        ),
        (["echo", "-p", "echo_message", "--input", "{}"], 2, "MISSING_INPUT", "message"),
        (
            ["echo", "-p", "echo_message", "--input", '{"message": "x", "count": "lots"}'],
            2,
            "INVALID_INPUT",
            "count",
        ),
        (
            ["echo", "-p", "echo_message", "--input", '{"message": "x", "colour": 1}'],
            2,
            "INVALID_INPUT",
            "colour: unknown field",
        ),
        (
            [
                "echo",
                "-p",
                "echo_message",
                "--input",
                '{"message": "{{secrets.NOT_SET_ANYWHERE}}"}',
            ],
            2,
            "MISSING_INPUT",
            "NOT_SET_ANYWHERE",
        ),
        (["echo", "--input", "{}"], 2, "INVALID_INPUT", "several operations"),
        (["echo", "-p", "nope", "--input", "{}"], 2, "INVALID_INPUT", "no operation 'nope'"),
        (["no-such-connector", "--input", "{}"], 2, "INVALID_INPUT", "no installed connector"),
        ([*NOOP, "--input", "{not json"], 2, "INVALID_INPUT", "not valid JSON"),
        ([*NOOP, "--input", "[1]"], 2, "INVALID_INPUT", "must be a JSON object"),
        ([*NOOP, "--input", "@missing.json"], 2, "INVALID_INPUT", "missing.json"),
        ([*NOOP, "--input", "{}", "--secrets-file", "nope.env"], 2, "INVALID_INPUT", "nope.env"),
        ([*NOOP, "--input", "{}", "--secrets-file", "."], 2, "INVALID_INPUT", "is a directory"),
        ([*NOOP, "--input", "[" * 1000 + "]" * 1000], 2, "INVALID_INPUT", "nested more than"),
        ([*NOOP, "--input", '{"a":' * 1000 + "1" + "}" * 1000], 2, "INVALID_INPUT", "nested"),
        ([*NOOP, "--input", '{"a":' * 101 + "1" + "}" * 101], 2, "INVALID_INPUT", "100 levels"),
        ([*NOOP, "--input", "{}", "--timeout", "-1"], 2, "INVALID_INPUT", "--timeout"),
        ([*NOOP, "--input", "{}", "--timeout", "0"], 2, "INVALID_INPUT", "at least 0.001"),
        ([*NOOP, "--input", "{}", "--timeout", "1e-320"], 2, "INVALID_INPUT", "'1e-320'"),
        ([*NOOP, "--input", "{}", "--timeout", "nan"], 2, "INVALID_INPUT", "'nan'"),
        ([*NOOP, "--input", "{}", "--timeout", "inf"], 2, "INVALID_INPUT", "'inf'"),
        ([*NOOP, "--input", "{}", "--timeout", "soon"], 2, "INVALID_INPUT", "'soon'"),
        # What the argument parser refuses is reported the same way.
        ([*NOOP, "--input", "{}", "--timeout", "-inf"], 2, "INVALID_INPUT", "--timeout"),
        ([*NOOP, "--input", "{}", "--timeout"], 2, "INVALID_INPUT", "expected one argument"),
        ([*NOOP, "--input", "{}", "--bogus"], 2, "INVALID_INPUT", "unrecognized arguments"),
        ([*NOOP, "--input", "{}", "extra"], 2, "INVALID_INPUT", "arguments: extra"),
        ([*NOOP], 2, "INVALID_INPUT", "required: --input"),
        ([], 2, "INVALID_INPUT", "required: connector"),
        (
            [*NOOP, "--input", "{}", "--secrets-environment", "most"],
            2,
            "INVALID_INPUT",
            "invalid choice: 'most'",
        ),
        ([*NOOP, "--input", "{}", "--secrets-prefix", ""], 2, "INVALID_INPUT", "all"),
        ([*NOOP, "--input", "{}", "--allow-secrets", "echo"], 2, "INVALID_INPUT", "CONNECTOR="),
        (
            [*NOOP, "--input", "{}", "--allow-secrets", "ecko=A"],
            2,
            "INVALID_INPUT",
            "secrets_allowed: no connector 'ecko'",
        ),
    ],
)
def test_invoke_errors(
    cli_env: dict[str, str], tmp_path: Path, args: list[str], exit_code: int, code: str, named: str
) -> None:
    result = tasklink(cli_env, "invoke", *args, cwd=tmp_path)
    assert result.returncode == exit_code, result.stderr
    assert result.stdout == ""
    error = error_of(result)
    assert error["code"] == code
    assert named in error["message"]


def test_invoke_help_and_other_commands_keep_argparse_output(cli_env: dict[str, str]) -> None:
    helped = tasklink(cli_env, "invoke", "--help")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: tasklink invoke")
    # The other commands report their own errors as text; argument errors stay alike.
    for command in (["run"], ["list"], ["templates", "export"]):
        result = tasklink(cli_env, *command, "--bogus")
        assert result.returncode == 2, command
        assert result.stderr.startswith("usage: tasklink")
        assert "error: unrecognized arguments: --bogus" in result.stderr


def test_invoke_verbose_logs_redacted_lines(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "TASKLINK_SECRET_API_TOKEN": "verbose-secret-value"}
    result = tasklink(
        env,
        "invoke",
        "echo",
        "-p",
        "echo_message",
        "-v",
        "--input",
        '{"message": "m", "token": "{{secrets.API_TOKEN}}"}',
    )
    assert result.returncode == 0
    assert "echoing 'm' with token ***" in result.stderr
    assert "verbose-secret-value" not in result.stderr + result.stdout


RUNTIME_ENVIRONMENT = {
    "TASKLINK_ACTIVITI_URL": "amqp://tasklink:broker-pass-123@rabbit/",
    "CAMUNDA_CLIENT_SECRET": "camunda-client-secret-123",
    "HOME_LIKE": "/home/runtime",
    "TASKLINK_SECRET_API_TOKEN": "prefixed-token-123",
}


def echo_secret(env: dict[str, str], name: str, *options: str) -> subprocess.CompletedProcess[str]:
    payload = json.dumps({"message": "m", "token": f"{{{{secrets.{name}}}}}"})
    return tasklink(env, "invoke", "echo", "-p", "echo_message", "--input", payload, *options)


def test_invoke_resolves_only_secrets_the_operator_set_up(cli_env: dict[str, str]) -> None:
    env = {**cli_env, **RUNTIME_ENVIRONMENT}
    assert echo_secret(env, "API_TOKEN").returncode == 0
    for name in ("TASKLINK_ACTIVITI_URL", "CAMUNDA_CLIENT_SECRET", "HOME_LIKE", "PATH"):
        result = echo_secret(env, name)
        assert result.returncode == 2, name
        assert error_of(result)["code"] == "MISSING_INPUT"
        assert "broker-pass" not in result.stderr

    # The bare environment only when asked for, and never the runtime's own settings.
    bare = echo_secret(env, "HOME_LIKE", "--secrets-environment", "all")
    assert bare.returncode == 0, bare.stderr
    for name in ("TASKLINK_ACTIVITI_URL", "CAMUNDA_CLIENT_SECRET"):
        result = echo_secret(env, name, "--secrets-environment", "all")
        assert error_of(result)["code"] == "MISSING_INPUT", name
    off = echo_secret(env, "API_TOKEN", "--secrets-environment", "off")
    assert error_of(off)["code"] == "MISSING_INPUT"

    # An allow list per connector, by name, id or job type; "*" for the rest.
    assert echo_secret(env, "API_TOKEN", "--allow-secrets", "echo=API_*").returncode == 0
    for allow in (
        ["echo=OTHER"],
        ["tasklink-test:echo:1=OTHER"],
        ["*="],
        ["http=API_TOKEN", "*=OTHER"],  # another installed connector's list
    ):
        options = [part for item in allow for part in ("--allow-secrets", item)]
        refused = echo_secret(env, "API_TOKEN", *options)
        assert refused.returncode == 2, allow
        assert "not on the allow list" in error_of(refused)["message"]
    allowed_env = {**env, "TASKLINK_SECRETS_ALLOWED": '{"echo": ["API_TOKEN"]}'}
    assert echo_secret(allowed_env, "API_TOKEN").returncode == 0
    refused = echo_secret({**env, "TASKLINK_SECRETS_ALLOWED": '{"echo": []}'}, "API_TOKEN")
    assert "not on the allow list of connector io.tasklink.test.echo" in refused.stderr


def test_run_refuses_bad_settings(cli_env: dict[str, str]) -> None:
    result = tasklink(cli_env, "run")
    assert result.returncode == 2 and "no engine chosen" in result.stderr
    result = tasklink({**cli_env, "TASKLINK_CONCURRENCY": "many"}, "run", "--engine", "activiti")
    assert result.returncode == 2 and "concurrency (from TASKLINK_CONCURRENCY)" in result.stderr
    result = tasklink(cli_env, "run", "--engine", "activiti", "-o", "retries")
    assert result.returncode == 2 and "expected KEY=VALUE" in result.stderr
    result = tasklink(cli_env, "run", "--engine", "activiti", "--no-discover")
    assert result.returncode == 2 and "no connectors to serve" in result.stderr


def test_run_reports_an_unreachable_broker(cli_env: dict[str, str]) -> None:
    result = tasklink(
        cli_env,
        "run",
        "--engine",
        "activiti",
        "--amqp-url",
        "amqp://guest:pw-1234@127.0.0.1:9/",
        "-o",
        "connect_timeout=0.3",
        "--log-format",
        "json",
    )
    assert result.returncode == 2
    assert "cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:9/" in result.stderr
    assert "pw-1234" not in result.stderr


def test_templates_export(cli_env: dict[str, str], tmp_path: Path) -> None:
    # Other installed connectors (the workspace's) may add templates: check ours.
    result = tasklink(cli_env, "templates", "export", "--engine", "activiti")
    assert result.returncode == 0, result.stderr
    definitions = json.loads(result.stdout)
    assert "echo" in {t["name"] for t in definitions}
    assert all("actions" in t for t in definitions)
    printed = tasklink(cli_env, "templates", "export", "--json")
    ids = {t.get("id") for t in json.loads(printed.stdout)}
    assert {"io.tasklink.test.echo", "io.tasklink.test.echo-hybrid"} <= ids

    out = tmp_path / "out"
    result = tasklink(cli_env, "templates", "export", str(out), "--engine", "all")
    assert result.returncode == 0, result.stderr
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json"))
    assert {
        "activiti/echo.json",
        "camunda/io.tasklink.test.echo-hybrid.json",
        "camunda/io.tasklink.test.echo.json",
    } <= set(written)
    assert f"exported {len(written)} template files to" in result.stderr
    assert sorted(result.stdout.split()) == sorted(str(p) for p in out.rglob("*.json"))


# A secret with characters every encoder treats differently: '/' (left as is by most),
# '"' '<' '>' '\' (escaped by httpx in a URL), a space, '+', and a non-ASCII letter.
AWKWARD_SECRET = 'k3y/with "quote" <tag> back\\slash +plus é-end'


class _Redirector(BaseHTTPRequestHandler):
    """/start?key=K redirects to /landing?token=K, percent-encoded the usual way (with '/'
    left as is); /landing answers 200."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/start":
            key = parse_qs(parts.query)["key"][0]
            self.send_response(302)
            self.send_header("Location", f"/landing?token={quote(key, safe='/')}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


class _PathEcho(BaseHTTPRequestHandler):
    """Answers 404 with a JSON body echoing the request path, as Spring's error pages do,
    labelled with the content type the path starts with (/text-plain/...)."""

    def do_GET(self) -> None:
        body = json.dumps({"status": 404, "error": "Not Found", "path": self.path}).encode()
        self.send_response(404)
        self.send_header("Content-Type", self.path.split("/")[1].replace("-", "/"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


# A JSON string escape: a surrogate pair, one "\uXXXX", or a two-character escape.
_JSON_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    r'|\\u[0-9a-fA-F]{4}|\\["\\/bfnrt]'
)


def _json_unescaped(text: str) -> str:
    return _JSON_ESCAPE.sub(lambda m: str(json.loads(f'"{m.group()}"')), text)


_DECODERS: dict[str, Callable[[str], str]] = {
    "percent-decoded": unquote,
    "form-decoded": unquote_plus,
    "JSON-unescaped": _json_unescaped,
}


def _leaks(text: str, secret: str) -> list[str]:
    """The forms of ``secret`` found in ``text``, undoing up to three layers of percent
    and JSON escapes in every order (a JSON error document holding a JSON body that echoes
    a percent-encoded URL has three)."""
    found = []
    decoded = {"raw": text}
    for _ in range(4):
        found += [name for name, value in decoded.items() if secret in value]
        decoded = {
            f"{name}, {step}": undone
            for name, value in decoded.items()
            for step, decode in _DECODERS.items()
            if (undone := decode(value)) != value
        }
    if repr(secret.encode())[2:-1] in text:
        found.append("bytes repr")
    return found


@pytest.mark.parametrize("follow", [False, True])
def test_encoded_forms_of_a_secret_never_leave(cli_env: dict[str, str], follow: bool) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        request = {
            "url": f"http://127.0.0.1:{server.server_port}/start",
            "queryParameters": {"key": "{{secrets.KEY}}"},
            "followRedirects": follow,
        }
        result = tasklink(
            {**cli_env, "TASKLINK_SECRET_KEY": AWKWARD_SECRET},
            "invoke",
            "http",
            "-vv",
            "--input",
            json.dumps(request),
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert _leaks(result.stdout, AWKWARD_SECRET) == []
    assert _leaks(result.stderr, AWKWARD_SECRET) == []
    assert "HTTP Request: GET" in result.stderr, "httpx's own log lines are there, masked"
    output = json.loads(result.stdout)
    if follow:
        assert output["url"].endswith("/landing?token=***")
    else:
        assert (output["status"], output["headers"]["location"]) == (302, "/landing?token=***")


# AWKWARD_SECRET without spaces, which a URL must not hold.
PATH_SECRET = 'k3y/with"quote"<tag>back\\slash+plus-é-end'


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_json_echo_of_a_secret_in_a_url_path_never_leaves(
    cli_env: dict[str, str], content_type: str
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PathEcho)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    folder = "/" + content_type.replace("/", "-")
    try:
        request = {"url": f"http://127.0.0.1:{server.server_port}{folder}/{{{{secrets.KEY}}}}"}
        result = tasklink(
            {**cli_env, "TASKLINK_SECRET_KEY": PATH_SECRET},
            "invoke",
            "http",
            "-vv",
            "--input",
            json.dumps(request),
        )
    finally:
        server.shutdown()
    assert result.returncode == 1, result.stderr
    assert _leaks(result.stdout + result.stderr, PATH_SECRET) == []
    error = json.loads(result.stderr.splitlines()[-1])
    assert error["code"] == "NOT_FOUND"
    assert f"{folder}/***" in json.dumps(error["variables"]["body"])  # parsed or as text


def test_invoke_refuses_the_cloud_metadata_service(cli_env: dict[str, str]) -> None:
    env = {k: v for k, v in cli_env.items() if not k.startswith("TASKLINK_HTTP_")}
    url = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    result = tasklink(env, "invoke", "http", "--input", json.dumps({"url": url}))
    assert result.returncode == 1, result.stderr
    assert error_of(result)["code"] == "BLOCKED_ADDRESS"
