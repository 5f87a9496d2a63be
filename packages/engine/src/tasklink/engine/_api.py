"""Running a process: :func:`run_process` and :func:`run_process_async`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from tasklink.core import MappingSecretProvider, Redactor, SecretProvider

from ._errors import ProcessDefinitionError
from ._instance import Clock
from ._jobs import ActivitiJobs, CamundaJobs, JobKind
from ._mocks import MockValue
from ._parser import ACTIVITI, CAMUNDA, Definition, load_definition
from ._result import Incident, ProcessResult
from ._run import connect_path, execute

__all__ = ["Engine", "run_process", "run_process_async"]

Engine = Literal["camunda", "activiti"]


def _extensions_document(extensions: str | Path | Mapping[str, Any] | None) -> Any:
    if extensions is None or isinstance(extensions, Mapping):
        return extensions
    path = Path(extensions)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProcessDefinitionError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ProcessDefinitionError(f"{path} is not JSON: {exc}") from None


def _read(
    process: str | Path,
    engine: Engine | None,
    extensions: str | Path | Mapping[str, Any] | None,
    process_id: str | None,
) -> tuple[Definition, Any]:
    """The parsed process and its extensions document (files are small: read at once)."""
    source: str | Path = process
    if isinstance(process, str) and not process.lstrip().startswith("<"):
        source = Path(process)
    document = _extensions_document(extensions)
    if engine is None and document is not None:
        engine = "activiti"
    dialect = {"camunda": CAMUNDA, "activiti": ACTIVITI}[engine] if engine else None
    return load_definition(source, dialect, process_id=process_id), document


async def run_process_async(
    process: str | Path,
    *,
    variables: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | SecretProvider | None = None,
    mock: Mapping[str, MockValue] | None = None,
    engine: Engine | None = None,
    extensions: str | Path | Mapping[str, Any] | None = None,
    process_id: str | None = None,
    clock: Literal["real", "virtual"] = "real",
    trace: Callable[[str], None] | None = None,
    settings: Any = None,
    redactor: Redactor | None = None,
) -> ProcessResult:
    """Run one instance of the BPMN process in ``process`` (a file path, or the XML
    itself) to its end, its service tasks served by the installed connectors.

    ``engine`` says whom the process was modelled for (default: Activiti when
    ``extensions`` is given or the service tasks name an ``implementation``, else
    Camunda 8). ``extensions`` is an APA process's extensions JSON (a path or the parsed
    document). ``mock`` replaces connector calls by element id or job type (Activiti:
    implementation): a value is the connector's output, an exception it raises, or a
    function of the job's variables returning either. ``secrets`` resolve
    ``{{secrets.NAME}}`` (default: the runtime's secret chain from ``settings``).
    ``clock="virtual"`` lets timers fire as soon as nothing else can happen.
    ``settings`` are the runtime's (:class:`~tasklink.runtime.RuntimeSettings`; default:
    every vendor contract served). Secret values are masked in the result.

    Raises :class:`ProcessDefinitionError` before anything runs when the process cannot
    be run as modelled; everything that happens while it runs ends in the result.
    """
    from tasklink.runtime import RuntimeSettings, build_pipeline, default_secrets

    definition, document = _read(process, engine, extensions, process_id)
    dialect = definition.dialect.name
    if settings is None:
        settings = RuntimeSettings(vendor_contracts=("all",))
    settings = settings.model_copy(update={"engine": dialect})
    provider: SecretProvider
    if secrets is None:
        provider = default_secrets(settings)
    elif isinstance(secrets, Mapping):
        provider = MappingSecretProvider(dict(secrets))
    else:
        provider = secrets
    pipeline = build_pipeline(settings, secrets=provider, redactor=redactor)
    try:
        jobs: JobKind
        if dialect == "activiti":
            from tasklink.runtime.activiti import ActivitiSettings

            from ._activiti_mapping import MappingError, load_extensions

            try:
                loaded = (
                    load_extensions(document, definition.process_id)
                    if document is not None
                    else None
                )
            except MappingError as exc:
                raise ProcessDefinitionError(str(exc)) from None
            activiti = settings.section("activiti", ActivitiSettings)
            jobs = ActivitiJobs(
                pipeline,
                definition.process_id,
                loaded,
                mock or {},
                retries=activiti.retries,
                backoff=activiti.retry_backoff,
            )
            start = dict(loaded.variables) if loaded is not None else {}
        else:
            jobs = CamundaJobs(pipeline, definition.process_id, mock or {})
            start = {}
        jobs.check(definition)
        connect_path(definition)
        start.update(variables or {})
        result = await execute(
            definition, jobs, start, clock=Clock(virtual=clock == "virtual"), trace=trace
        )
        return _redacted(result, pipeline.redactor)
    finally:
        await pipeline.aclose()


def _redacted(result: ProcessResult, redactor: Redactor) -> ProcessResult:
    """The result with every secret value the run resolved masked."""
    incident = result.incident
    if incident is not None:
        incident = Incident(
            incident.type,
            incident.element_id,
            redactor.redact(incident.message),
            incident.job_type,
            incident.code,
            redactor.redact_data(incident.variables),
        )
    return ProcessResult(
        result.state, redactor.redact_data(result.variables), result.path, incident
    )


def run_process(process: str | Path, **options: Any) -> ProcessResult:
    """:func:`run_process_async` in a fresh event loop (for scripts and sync tests)."""
    return asyncio.run(run_process_async(process, **options))
