"""Running processes: :class:`ProcessEngine` (many runs, one pipeline), and
:func:`run_process` / :func:`run_process_async` (one run)."""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from tasklink.core import MappingSecretProvider, Redactor, SecretProvider

from ._errors import ProcessDefinitionError
from ._instance import MAX_STEPS, Clock
from ._jobs import ActivitiJobs, CamundaJobs, JobKind
from ._mocks import MockValue
from ._parser import ACTIVITI, CAMUNDA, Definition, load_definition
from ._result import Incident, ProcessResult
from ._run import connect_path, execute

if TYPE_CHECKING:
    from tasklink.runtime import Pipeline, RuntimeSettings

__all__ = ["Engine", "ProcessEngine", "run_process", "run_process_async"]

Engine = Literal["camunda", "activiti"]
_DIALECTS = {"camunda": CAMUNDA, "activiti": ACTIVITI}
#: Parsed processes an engine keeps (a test suite runs a few processes many times).
_CACHED_DEFINITIONS = 64


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


def _source(process: str | Path) -> tuple[str | bytes | Path, Any]:
    """What to parse, and the key it is cached under (a file's path and modification)."""
    if isinstance(process, str) and process.lstrip().startswith("<"):
        return process, ("xml", process)
    path = Path(process)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ProcessDefinitionError(f"cannot read {path}: {exc.strerror or exc}") from None
    return path, ("file", str(path.resolve()), stat.st_mtime_ns, stat.st_size)


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


class ProcessEngine:
    """Runs process instances, all through one runtime pipeline: the connectors, secrets,
    pooled HTTP clients and compiled expressions are set up once, and parsed processes
    are kept, so a test suite or a script running many instances pays for them once::

        async with ProcessEngine(secrets={"API_TOKEN": "..."}) as engine:
            result = await engine.run("order.bpmn", variables={"orderId": "42"})

    ``settings`` are the runtime's (:class:`~tasklink.runtime.RuntimeSettings`; default:
    the installed connectors and every vendor contract, for both engines). ``secrets``
    resolve ``{{secrets.NAME}}`` (a mapping, or a provider; default: the runtime's secret
    chain from ``settings``). Secret values are masked in every result.
    """

    def __init__(
        self,
        *,
        settings: RuntimeSettings | None = None,
        secrets: Mapping[str, str] | SecretProvider | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        from tasklink.runtime import RuntimeSettings, build_pipeline, default_secrets

        if settings is None:
            settings = RuntimeSettings(vendor_contracts=("all",))
        # Both engines' contracts: one pipeline serves Camunda and APA processes alike
        # (job types keep them apart; APA names take over, as in the Activiti runtime).
        self.settings = settings.model_copy(update={"engine": None})
        provider: SecretProvider
        if secrets is None:
            provider = default_secrets(self.settings)
        elif isinstance(secrets, Mapping):
            provider = MappingSecretProvider(dict(secrets))
        else:
            provider = secrets
        self.pipeline: Pipeline = build_pipeline(self.settings, secrets=provider, redactor=redactor)
        self._definitions: OrderedDict[Any, Definition] = OrderedDict()

    async def __aenter__(self) -> ProcessEngine:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pipeline (and the connectors' pooled clients)."""
        await self.pipeline.aclose()

    def load(
        self, process: str | Path, *, engine: Engine | None = None, process_id: str | None = None
    ) -> Definition:
        """The parsed and checked process (cached); raises
        :class:`ProcessDefinitionError`."""
        source, key = _source(process)
        key = (key, engine, process_id)
        definition = self._definitions.get(key)
        if definition is not None:
            self._definitions.move_to_end(key)
            return definition
        dialect = _DIALECTS[engine] if engine else None
        definition = load_definition(source, dialect, process_id=process_id)
        connect_path(definition)
        self._definitions[key] = definition
        if len(self._definitions) > _CACHED_DEFINITIONS:
            self._definitions.popitem(last=False)
        return definition

    async def run(
        self,
        process: str | Path,
        *,
        variables: Mapping[str, Any] | None = None,
        mock: Mapping[str, MockValue] | None = None,
        engine: Engine | None = None,
        extensions: str | Path | Mapping[str, Any] | None = None,
        process_id: str | None = None,
        clock: Literal["real", "virtual"] = "real",
        trace: Callable[[str], None] | None = None,
        max_steps: int = MAX_STEPS,
    ) -> ProcessResult:
        """Run one instance of the process in ``process`` (a file path, or the XML
        itself) to its end.

        ``engine`` says whom the process was modelled for (default: Activiti when
        ``extensions`` is given or the service tasks name an ``implementation``, else
        Camunda 8). ``extensions`` is an APA process's extensions JSON (a path or the
        parsed document). ``mock`` replaces connector calls by element id or job type
        (Activiti: implementation): a value is the connector's output, an exception it
        raises, or a function of the job's variables returning either.
        ``clock="virtual"`` lets timers fire as soon as nothing else can happen.
        ``max_steps`` bounds the elements the run completes (a loop that never ends is a
        ``STEP_LIMIT`` incident).

        Raises :class:`ProcessDefinitionError` before anything runs when the process
        cannot be run as modelled; everything that happens while it runs ends in the
        result.
        """
        document = _extensions_document(extensions)
        if engine is None and document is not None:
            engine = "activiti"
        definition = self.load(process, engine=engine, process_id=process_id)
        jobs, start = self._jobs(definition, document, mock or {})
        jobs.check(definition)
        start.update(variables or {})
        result = await execute(
            definition,
            jobs,
            start,
            clock=Clock(virtual=clock == "virtual"),
            trace=trace,
            max_steps=max_steps,
        )
        return _redacted(result, self.pipeline.redactor)

    def _jobs(
        self, definition: Definition, document: Any, mock: Mapping[str, MockValue]
    ) -> tuple[JobKind, dict[str, Any]]:
        """How this process's service tasks run, and its initial variables."""
        if definition.dialect is CAMUNDA:
            return CamundaJobs(self.pipeline, definition.process_id, mock), {}
        from tasklink.runtime.activiti import ActivitiSettings

        from ._activiti_mapping import MappingError, load_extensions

        try:
            loaded = (
                load_extensions(document, definition.process_id) if document is not None else None
            )
        except MappingError as exc:
            raise ProcessDefinitionError(str(exc)) from None
        activiti = self.settings.section("activiti", ActivitiSettings)
        jobs = ActivitiJobs(
            self.pipeline,
            definition.process_id,
            loaded,
            mock,
            retries=activiti.retries,
            backoff=activiti.retry_backoff,
        )
        return jobs, dict(loaded.variables) if loaded is not None else {}


async def run_process_async(
    process: str | Path,
    *,
    settings: RuntimeSettings | None = None,
    secrets: Mapping[str, str] | SecretProvider | None = None,
    redactor: Redactor | None = None,
    **options: Any,
) -> ProcessResult:
    """Run one instance of ``process`` on a :class:`ProcessEngine` of its own (its
    ``settings``, ``secrets`` and ``redactor``); ``options`` are those of
    :meth:`ProcessEngine.run`. To run many instances, keep one engine instead."""
    async with ProcessEngine(settings=settings, secrets=secrets, redactor=redactor) as engine:
        return await engine.run(process, **options)


def run_process(process: str | Path, **options: Any) -> ProcessResult:
    """:func:`run_process_async` in a fresh event loop (for scripts and sync tests)."""
    return asyncio.run(run_process_async(process, **options))
