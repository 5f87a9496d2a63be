"""``tasklink invoke``: one operation, run locally through the runtime's pipeline."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasklink.core import (
    BpmnErrorThrown,
    Completed,
    ErrorCode,
    Failed,
    Job,
    JobInfo,
    Operation,
    Redactor,
    SecretProvider,
)

from ._local_documents import LocalDocumentStore, local_references
from ._pipeline import Pipeline
from ._settings import RuntimeSettings

__all__ = [
    "EXIT_ERROR",
    "EXIT_INPUT",
    "EXIT_OK",
    "MAX_INPUT_DEPTH",
    "MIN_TIMEOUT",
    "InvokeResult",
    "invoke",
    "parse_timeout",
    "read_input",
]

EXIT_OK = 0
EXIT_ERROR = 1  # connector error or BPMN error
EXIT_INPUT = 2  # invalid or missing input, unknown connector or operation
#: Deepest nesting of objects and arrays ``--input`` may have; far deeper than any real
#: connector input, far shallower than the interpreter's recursion limit.
MAX_INPUT_DEPTH = 100
#: Shortest ``--timeout`` in seconds. No one means a shorter limit (``1e-320`` is a slip):
#: it is reported as an input error instead of timing the job out at once.
MIN_TIMEOUT = 0.001


@dataclass(frozen=True, slots=True)
class InvokeResult:
    """Exit code plus the document for stdout (output) or stderr (error)."""

    exit_code: int
    document: Any

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK


def error_document(code: str, message: str, variables: Mapping[str, Any] | None = None) -> Any:
    return {"code": code, "message": message, "variables": dict(variables or {})}


class CommandInputError(Exception):
    """The command line input cannot be used (exit 2)."""

    def __init__(self, message: str, code: str = ErrorCode.INVALID_INPUT) -> None:
        super().__init__(message)
        self.code = code


def read_input(text: str, option: str = "--input") -> dict[str, Any]:
    """``--input`` (or ``option``): inline JSON, ``@FILE`` or ``@-`` (stdin). Must be a
    JSON object nested at most :data:`MAX_INPUT_DEPTH` levels."""
    source = option
    if text.startswith("@"):
        name = text[1:]
        source = "stdin" if name == "-" else f"input file {name}"
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandInputError(f"{source}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise CommandInputError(f"{source} is not UTF-8 text") from None
    too_deep = f"{source} is nested more than {MAX_INPUT_DEPTH} levels deep"
    try:
        data = json.loads(text)
    except RecursionError:  # the parser's own limit is far beyond ours
        raise CommandInputError(too_deep) from None
    except ValueError as exc:
        raise CommandInputError(f"{source} is not valid JSON: {exc}") from None
    if _deeper_than(data, MAX_INPUT_DEPTH):
        raise CommandInputError(too_deep)
    if not isinstance(data, dict):
        raise CommandInputError(f"{source} must be a JSON object, not {type(data).__name__}")
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether objects and arrays in ``data`` nest more than ``limit`` levels (level by
    level, without recursion: the check must not fail on what it checks)."""
    level: list[Any] = [data]
    depth = 0
    while level:
        containers = [item for item in level if isinstance(item, dict | list)]
        if not containers:
            return False
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for container in containers
            for child in (container.values() if isinstance(container, dict) else container)
        ]
    return False


def parse_timeout(text: str | None) -> float | None:
    """``--timeout``: a finite number of seconds, at least :data:`MIN_TIMEOUT`."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < MIN_TIMEOUT:
        raise CommandInputError(
            f"--timeout must be a number of seconds of at least {MIN_TIMEOUT}, not {text!r}"
        )
    return value


async def invoke(
    operation: Operation,
    variables: Mapping[str, Any],
    *,
    secrets: SecretProvider,
    settings: RuntimeSettings | None = None,
    timeout: float | None = None,
    redactor: Redactor | None = None,
    allowed_secrets: Mapping[str, Iterable[str]] | None = None,
    documents: LocalDocumentStore | None = None,
) -> InvokeResult:
    """Run ``operation`` once, strictly validated (unknown input fields are errors).

    With ``documents``, a ``"@path"`` string in a field that takes a document names a
    local file, and the documents the operation returns are written into the store's
    folder (removed again when the run fails).
    """
    if documents is not None:
        variables = local_references(operation.input_model, variables)
    pipeline = Pipeline(
        [operation.connector],
        settings or RuntimeSettings(concurrency=1),
        secrets=secrets,
        redactor=redactor,
        metrics=False,
        allowed_secrets=allowed_secrets,
    )
    job = Job(
        variables,
        info=JobInfo(engine="local", job_type=operation.connector.job_type, retries=1),
        strict=True,
        documents=documents,
    )
    try:
        outcome = await pipeline.run(operation, job, timeout=timeout)
    finally:
        await pipeline.aclose()
    if isinstance(outcome, Completed):
        return InvokeResult(EXIT_OK, outcome.output)
    if documents is not None:
        documents.discard()
    if isinstance(outcome, BpmnErrorThrown):
        return InvokeResult(
            EXIT_ERROR, error_document(outcome.code, outcome.message, outcome.variables)
        )
    assert isinstance(outcome, Failed)
    code = EXIT_INPUT if outcome.input_error else EXIT_ERROR
    return InvokeResult(code, error_document(outcome.code, outcome.message, outcome.variables))
