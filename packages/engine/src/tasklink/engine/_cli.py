"""``tasklink process run``: the ``process`` command tasklink-engine adds to ``tasklink``.

Registered through the runtime's ``tasklink.commands`` entry points; this module imports
nothing heavy, so every other ``tasklink`` command stays quick.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["EXIT_BAD_INPUT", "EXIT_COMPLETED", "EXIT_INCIDENT", "register"]

EXIT_COMPLETED = 0
EXIT_INCIDENT = 1
EXIT_BAD_INPUT = 2


def register(commands: Any) -> None:
    """Add ``process run`` to the ``tasklink`` subcommands."""
    from tasklink.runtime import secret_arguments

    process = commands.add_parser("process", help="run BPMN processes on this machine")
    sub = process.add_subparsers(dest="process_command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser(
        "run",
        help="run one process instance to its end",
        description="Run a BPMN process modelled for Camunda 8 or Activiti / APA on the "
        "embedded engine, its service tasks served by the installed connectors. Prints "
        '{"state", "variables", "path", "incident"} and exits 0 when the process '
        "completed, 1 on an incident, 2 when the file cannot be run as modelled.",
    )
    p.add_argument("file", type=Path, metavar="FILE.bpmn")
    p.add_argument(
        "--variables",
        metavar="JSON|@FILE",
        help="the start variables: a JSON object, @file.json, or @- for stdin",
    )
    p.add_argument(
        "--extensions",
        type=Path,
        metavar="FILE.json",
        help="an APA process's extensions JSON (variable mappings); implies --engine activiti",
    )
    p.add_argument(
        "--engine",
        choices=("camunda", "activiti"),
        help="whom the process was modelled for (default: detected from the file)",
    )
    p.add_argument("--process-id", help="which process of the file (default: the executable one)")
    p.add_argument(
        "--clock",
        choices=("real", "virtual"),
        default="real",
        help="virtual: timers fire as soon as nothing else can happen (default: real)",
    )
    p.add_argument("--trace", action="store_true", help="print each step to stderr as it happens")
    secret_arguments(p)
    p.add_argument("--verbose", "-v", action="count", default=0, help="log to stderr (-vv: debug)")
    p.set_defaults(handler=_cmd_process_run)


def _bad_input(message: str, code: str = "INVALID_INPUT") -> int:
    sys.stderr.write(json.dumps({"code": code, "message": message}) + "\n")
    return EXIT_BAD_INPUT


def _trace(message: str) -> None:
    sys.stderr.write(f"tasklink: {message}\n")
    sys.stderr.flush()


def _cmd_process_run(args: argparse.Namespace) -> int:
    import asyncio

    from tasklink.core import Redactor
    from tasklink.runtime import (
        CommandInputError,
        SettingsError,
        configure_logging,
        load_settings,
        read_input,
        secret_flags,
        silence_logging,
    )

    from ._api import run_process_async
    from ._errors import ProcessDefinitionError

    redactor = Redactor()
    if args.verbose:
        configure_logging(redactor, level="DEBUG" if args.verbose > 1 else "INFO")
    else:
        silence_logging()
    try:
        variables = read_input(args.variables, "--variables") if args.variables else {}
        settings = load_settings({**secret_flags(args), "vendor_contracts": ["all"]})
    except CommandInputError as exc:
        return _bad_input(str(exc), exc.code)
    except (SettingsError, ValueError) as exc:
        return _bad_input(str(exc))
    try:
        result = asyncio.run(
            run_process_async(
                args.file,
                variables=variables,
                engine=args.engine,
                extensions=args.extensions,
                process_id=args.process_id,
                clock=args.clock,
                trace=_trace if args.trace else None,
                settings=settings,
                redactor=redactor,
            )
        )
    except ProcessDefinitionError as exc:
        return _bad_input(f"{args.file}: {exc}")
    sys.stdout.write(json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n")
    return EXIT_COMPLETED if result.completed else EXIT_INCIDENT
