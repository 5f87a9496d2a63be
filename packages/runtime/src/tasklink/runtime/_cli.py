"""The ``tasklink`` command: list, invoke, templates export, run.

Exit codes: 0 success; 1 connector error, BPMN error or runtime failure; 2 bad input,
unknown connector / operation, or invalid settings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .__about__ import __version__

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _print_json(data: Any, *, stream: Any = None, compact: bool = False) -> None:
    out = stream if stream is not None else sys.stdout
    if compact:
        out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    out.flush()


def _say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _error(message: str) -> int:
    sys.stderr.write(f"tasklink: error: {message}\n")
    return EXIT_USAGE


def _input_error(message: str, code: str | None = None) -> int:
    """Report an input error of ``tasklink invoke``: its JSON error document on stderr."""
    from tasklink.core import ErrorCode

    from ._invoke import EXIT_INPUT, error_document

    document = error_document(code or ErrorCode.INVALID_INPUT, message)
    _print_json(document, stream=sys.stderr, compact=True)
    return EXIT_INPUT


# -- list ---------------------------------------------------------------------------------


def _cmd_list(args: argparse.Namespace) -> int:
    from tasklink.core import discover

    from ._logging import silence_logging

    silence_logging()  # broken plugins are reported below, once
    found = discover()
    rows: list[dict[str, Any]] = []
    for item in found.connectors:
        c = item.connector
        try:
            templates = [str(t) for t in item.template_files]
        except Exception as exc:  # a misdeclared package must not hide the others
            templates = []
            sys.stderr.write(
                f"tasklink: connector {c.name!r} from distribution {item.distribution}: "
                f"cannot list its templates: {type(exc).__name__}: {exc}\n"
            )
        rows.append(
            {
                "id": c.id,
                "name": c.name,
                "title": c.title,
                "job_type": c.job_type,
                "distribution": item.distribution,
                "version": item.version,
                "operations": [
                    {
                        "id": op.id,
                        "name": op.name,
                        "action": op.action,
                        "qualified_name": op.qualified_name,
                    }
                    for op in c.operations.values()
                ],
                "templates": templates,
                "contracts": [
                    {
                        "engine": contract.engine,
                        "key": contract.key,
                        "name": contract.name,
                        "title": contract.title,
                        "actions": [op.action for op in contract.operations.values()],
                    }
                    for contract in c.contracts
                ],
            }
        )
    for error in found.errors:
        sys.stderr.write(
            f"tasklink: plugin {error.entry_point!r} from distribution {error.distribution} "
            f"failed to load: {error.message}\n"
        )
    if args.json:
        _print_json(rows)
        return EXIT_OK
    if not rows:
        _say("no connectors installed (pip install tasklink-http, for example)")
        return EXIT_OK
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        package = f"{r['distribution']} {r['version']}"
        _say(f"{r['name']:<{width}}  {r['job_type']}  {r['id']}  ({package})")
        ops = ", ".join(f"{o['id']} ({o['qualified_name']})" for o in r["operations"])
        _say(f"{'':<{width}}  operations: {ops}")
        for contract in r["contracts"]:
            served = f"{contract['engine']} {contract['key']}"
            if contract["engine"] == "activiti":
                served += f" ({', '.join(contract['actions'])})"
            _say(f"{'':<{width}}  vendor contract: {served}: {contract['title']}")
        _say(f"{'':<{width}}  templates: {len(r['templates'])} files")
        for path in r["templates"]:
            _say(f"{'':<{width}}    {path}")
    return EXIT_OK


# -- invoke -------------------------------------------------------------------------------


def _cmd_invoke(args: argparse.Namespace) -> int:
    from tasklink.core import Redactor, discover

    from ._connectors import default_secrets, secret_allow_lists
    from ._invoke import CommandInputError, invoke, parse_timeout, read_input
    from ._local_documents import DOCUMENTS_DIR_OPTION, LocalDocumentStore
    from ._logging import configure_logging, silence_logging
    from ._settings import SettingsError, load_settings

    redactor = Redactor()
    if args.verbose:
        configure_logging(redactor, level="DEBUG" if args.verbose > 1 else "INFO")
    else:
        silence_logging()
    try:
        timeout = parse_timeout(args.timeout)
        variables = read_input(args.input)
        settings = load_settings({**secret_flags(args), "concurrency": 1})
        secrets = default_secrets(settings)
    except CommandInputError as exc:
        return _input_error(str(exc), exc.code)
    except (SettingsError, ValueError) as exc:
        return _input_error(str(exc))
    found = discover()
    try:
        connector = found.find(args.connector).connector
        operation = connector.get_operation(args.operation)
    except KeyError as exc:
        return _input_error(str(exc.args[0]))
    try:
        installed = [item.connector for item in found.connectors]
        allowed = secret_allow_lists(settings.secrets_allowed, installed)
    except SettingsError as exc:
        return _input_error(str(exc))
    folder: Path | None = args.documents_dir
    if folder is not None and folder.exists() and not folder.is_dir():
        return _input_error(f"{DOCUMENTS_DIR_OPTION}: {folder} is not a directory")
    documents = LocalDocumentStore(folder, max_bytes=settings.document_max_bytes)
    result = asyncio.run(
        invoke(
            operation,
            variables,
            secrets=secrets,
            settings=settings,
            timeout=timeout,
            redactor=redactor,
            allowed_secrets=allowed,
            documents=documents,
        )
    )
    if result.ok:
        _print_json(result.document)
        if documents.written:
            count = len(documents.written)
            sys.stderr.write(
                f"tasklink: wrote {count} document{'s' if count > 1 else ''} "
                f"to {documents.folder}\n"
            )
    else:
        _print_json(result.document, stream=sys.stderr, compact=True)
    return result.exit_code


def secret_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The settings :func:`secret_arguments` gave, for :func:`~tasklink.runtime.load_settings`
    (raises ``ValueError`` for a malformed ``--allow-secrets``)."""
    return {
        "secrets_file": args.secrets_file,
        "secrets_prefix": args.secrets_prefix,
        "secrets_environment": args.secrets_environment,
        "secrets_allowed": _allow_lists(args.allow_secrets),
    }


def _allow_lists(pairs: Sequence[str] | None) -> dict[str, list[str]] | None:
    """``--allow-secrets http=API_TOKEN,GITHUB_*`` (repeatable) as ``secrets_allowed``."""
    if not pairs:
        return None
    lists: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, names = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--allow-secrets {pair!r}: expected CONNECTOR=NAME[,NAME...]")
        lists.setdefault(key.strip(), []).extend(n.strip() for n in names.split(",") if n.strip())
    return lists


# -- templates ----------------------------------------------------------------------------


def _cmd_templates_export(args: argparse.Namespace) -> int:
    try:
        from tasklink.core.templates import collect_templates, export_templates
    except ImportError as exc:
        sys.stderr.write(f"tasklink: template generation is not available: {exc}\n")
        return EXIT_ERROR
    from ._logging import silence_logging

    silence_logging()
    # Without --engine each function keeps its own default (export: camunda, print: all).
    options: dict[str, Any] = {} if args.engine is None else {"engine": args.engine}
    try:
        if args.directory is not None:
            directory = Path(args.directory)
            written = export_templates(directory, **options)
            if not args.json:
                if not args.quiet:
                    for path in written:
                        _say(str(path))
                    sys.stderr.write(f"exported {len(written)} template files to {directory}\n")
                return EXIT_OK
        templates = collect_templates(**options)
    except (ValueError, OSError) as exc:  # TemplateError is a ValueError
        sys.stderr.write(f"tasklink: error: {type(exc).__name__}: {exc}\n")
        return EXIT_ERROR
    _print_json(templates)
    return EXIT_OK


# -- run ----------------------------------------------------------------------------------


def _parse_options(pairs: Sequence[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"-o {pair!r}: expected KEY=VALUE")
        options[key.strip().replace("-", "_")] = value
    return options


def _cmd_run(args: argparse.Namespace) -> int:
    import os

    from tasklink.core import Redactor

    from ._engines import EngineError
    from ._logging import configure_logging
    from ._serve import build_pipeline, guard_outbound_by_default, serve
    from ._settings import SettingsError, load_settings

    flags = {
        "engine": args.engine,
        "concurrency": args.concurrency,
        "processes": args.processes,
        "grace_period": args.grace_period,
        "job_timeout": args.job_timeout,
        "metrics_port": args.metrics_port,
        "metrics_host": args.metrics_host,
        "log_format": args.log_format,
        "log_level": args.log_level,
        "secrets_prefix": args.secrets_prefix,
        "secrets_environment": args.secrets_environment,
        "secrets_file": args.secrets_file,
        "connectors": args.connector or None,
        "load": args.load or None,
        "vendor_contracts": args.vendor_contract or None,
        "discover": False if args.no_discover else None,
    }
    activiti = {
        "url": args.amqp_url,
        "group": args.group,
        "destination_prefix": args.destination_prefix,
        "destination_separator": args.destination_separator,
    }
    try:
        flags["secrets_allowed"] = _allow_lists(args.allow_secrets)
        options = _parse_options(args.option or [])
        settings = load_settings(
            flags, engine_flags={"activiti": activiti}, config_file=args.config
        )
        if options:
            if settings.engine is None:
                return _error("-o needs an engine: pass --engine")
            sections: dict[str, dict[str, Any]] = {"activiti": dict(activiti)}
            sections.setdefault(settings.engine, {}).update(options)
            settings = load_settings(flags, engine_flags=sections, config_file=args.config)
        if settings.engine is None:
            return _error("no engine chosen: pass --engine activiti|camunda or set TASKLINK_ENGINE")
        redactor = Redactor()
        configure_logging(redactor, log_format=settings.log_format, level=settings.log_level)
        guard_outbound_by_default(os.environ)
        count = settings.process_count
        if count > 1:
            from ._supervisor import supervise

            # The workers start from these settings (through a pipe) and this environment.
            return supervise(settings, count)
        pipeline = build_pipeline(settings, redactor=redactor)
    except (SettingsError, ValueError) as exc:
        return _error(str(exc))
    import gc

    # Everything imported so far lives as long as the process: keep it out of the
    # collector's way (fewer, shorter collections while serving).
    gc.collect()
    gc.freeze()
    try:
        asyncio.run(serve(settings, pipeline=pipeline))
    except (EngineError, SettingsError) as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        return EXIT_ERROR
    return EXIT_OK


# -- parser -------------------------------------------------------------------------------


def _version() -> str:
    from tasklink.core import __version__ as core_version

    return f"tasklink {__version__} (tasklink-core {core_version}, Python {sys.version.split()[0]})"


class _Parser(argparse.ArgumentParser):
    """A parser reporting errors in its command's style: with ``error_document``, as
    ``tasklink invoke`` reports every input error (its JSON error document, exit 2);
    otherwise as usage text (exit 2), like the other commands' own errors."""

    def __init__(self, *args: Any, error_document: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_document = error_document

    def parse_known_args(
        self, args: Iterable[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and self.error_document:
            # Otherwise the top-level parser reports them, in its own style.
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        if not self.error_document:
            super().error(message)
        self.exit(_input_error(f"{message} (see {self.prog} --help)"))


class _VersionAction(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        _say(_version())
        parser.exit()


def secret_arguments(parser: argparse.ArgumentParser) -> None:
    """Where secrets come from, the same for every command that resolves them
    (``invoke``, ``run``, and commands of other distributions); read them back with
    :func:`secret_flags`."""
    parser.add_argument(
        "--secrets-prefix",
        help="prefix of secret environment variables (TASKLINK_SECRET_)",
    )
    parser.add_argument(
        "--secrets-environment",
        choices=("prefixed", "all", "off"),
        help="environment variables as secrets: only <prefix>NAME (prefixed, default), "
        "also the bare environment except the runtime's own settings (all), or none",
    )
    parser.add_argument("--secrets-file", type=Path, help="dotenv-style file with secrets")
    parser.add_argument(
        "--allow-secrets",
        action="append",
        metavar="CONNECTOR=NAME[,NAME...]",
        help="the only secrets CONNECTOR's jobs may use (NAME_* patterns; '*' for every "
        "connector not named); repeatable",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tasklink",
        description="Run tasklink connectors: list them, invoke one locally, export "
        "templates, or serve an engine (Activiti / Alfresco, Camunda 8).",
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    p = commands.add_parser("list", help="installed connectors and their operations")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.set_defaults(handler=_cmd_list)

    p = commands.add_parser(
        "invoke",
        help="run one operation locally",
        description="Run one operation locally through the runtime pipeline. Prints the "
        "output JSON and exits 0; on a connector or BPMN error prints "
        '{"code", "message", "variables"} to stderr and exits 1; on an input error '
        "(INVALID_INPUT, MISSING_INPUT), command line errors included, the same document "
        "with exit 2.",
        error_document=True,
    )
    p.add_argument("connector", help="connector id, short name (http) or job type")
    p.add_argument("--operation", "-p", help="operation id or action (multi-operation connectors)")
    p.add_argument(
        "--input",
        "-i",
        required=True,
        metavar="JSON|@FILE",
        help="input variables: a JSON object, @file.json, or @- for stdin",
    )
    secret_arguments(p)
    p.add_argument(
        "--documents-dir",
        type=Path,
        metavar="DIR",
        help="folder for the documents the operation returns (default: a fresh temporary "
        'folder); in --input, "@path" in a document field names a local file',
    )
    p.add_argument("--timeout", help="seconds before the job is cancelled (default 300)")
    p.add_argument("--verbose", "-v", action="count", default=0, help="log to stderr (-vv: debug)")
    p.set_defaults(handler=_cmd_invoke)

    templates = commands.add_parser("templates", help="element templates and connector definitions")
    sub = templates.add_subparsers(dest="templates_command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser(
        "export",
        help="write templates to DIR, or print them as one JSON array",
        description="Write the templates of every installed connector to DIR; without DIR "
        "(or with --json) print them as one JSON array.",
    )
    p.add_argument("directory", nargs="?", metavar="DIR")
    p.add_argument(
        "--engine",
        choices=("camunda", "activiti", "all"),
        help="which templates (default: camunda when writing, all when printing)",
    )
    p.add_argument("--json", action="store_true", help="print the templates as one JSON array")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing when writing files")
    p.set_defaults(handler=_cmd_templates_export)

    p = commands.add_parser(
        "run",
        help="serve an engine until SIGTERM / SIGINT",
        description="Serve the installed connectors to an engine. Settings: flags over "
        "TASKLINK_* environment variables over the TOML file (--config / TASKLINK_CONFIG).",
    )
    p.add_argument("--engine", "-e", help="activiti or camunda")
    p.add_argument("--config", "-c", type=Path, help="TOML settings file")
    p.add_argument(
        "--concurrency", type=int, help="jobs run at the same time (16; in each process)"
    )
    p.add_argument(
        "--processes",
        metavar="N|auto",
        help="worker processes under one supervisor, to use N cores (auto: one per CPU; "
        "default 1: serve in this process)",
    )
    p.add_argument("--grace-period", type=float, help="seconds to finish jobs on shutdown (30)")
    p.add_argument("--job-timeout", type=float, help="default operation timeout in seconds")
    p.add_argument("--metrics-port", type=int, help="serve /health and /metrics on this port")
    p.add_argument("--metrics-host", help="address of the metrics server (127.0.0.1)")
    p.add_argument("--log-format", choices=("text", "json"))
    p.add_argument("--log-level", help="DEBUG, INFO (default), WARNING, ERROR")
    secret_arguments(p)
    p.add_argument(
        "--connector",
        action="append",
        metavar="KEY",
        help="serve only this connector (id, name or job type); repeatable",
    )
    p.add_argument(
        "--load",
        action="append",
        metavar="MODULE:ATTR",
        help="also serve this Connector object (or list of them); repeatable",
    )
    p.add_argument("--no-discover", action="store_true", help="serve only --load connectors")
    p.add_argument(
        "--vendor-contract",
        action="append",
        metavar="KEY",
        help="also serve this vendor connector's contract (a Camunda job type such as "
        "io.camunda:http-json:1, an Activiti connector name such as rest, or all); repeatable",
    )
    p.add_argument(
        "--option",
        "-o",
        action="append",
        metavar="KEY=VALUE",
        help="a setting of the engine's section, e.g. -o group=billing; repeatable",
    )
    activiti = p.add_argument_group("activiti")
    activiti.add_argument("--amqp-url", help="RabbitMQ URL (amqp://guest:guest@127.0.0.1:5672/)")
    activiti.add_argument("--group", help="consumer group: queues are <destination>.<group>")
    activiti.add_argument("--destination-prefix", help="prefix of every destination")
    activiti.add_argument("--destination-separator", help="between prefix and destination (_)")
    p.set_defaults(handler=_cmd_run)
    _plugin_commands(commands)
    return parser


#: Entry point group of commands other distributions add (``tasklink process`` comes
#: from tasklink-engine): each names a function that adds its parser to the subparsers.
COMMANDS_GROUP = "tasklink.commands"


def _plugin_commands(commands: Any) -> None:
    from importlib.metadata import entry_points

    for entry in entry_points(group=COMMANDS_GROUP):
        if entry.name in commands.choices:
            continue
        try:
            entry.load()(commands)
        except Exception as exc:  # a broken plugin must not break the other commands
            sys.stderr.write(f"tasklink: command {entry.name!r} failed to load: {exc}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tasklink`` console script."""
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
