"""Service tasks as jobs, the way each engine hands them to its connectors.

Camunda: the job type of ``zeebe:taskDefinition``, every visible variable (after the
task's input mappings), the task headers; the connector is chosen by job type and the
operation by the headers, as the Camunda worker does. Activiti: the ``implementation``
names the operation, the extensions JSON's mappings give its inputs and take its outputs,
and a failure whose code the connector definition declares is a BPMN error, as the
Activiti adapter does. Both run through the runtime's :class:`~tasklink.runtime.Pipeline`
(core's ``JobExecutor``), so secrets, validation, timeouts, result and error
expressions and retries behave as in production.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tasklink.core import (
    Completed,
    Failed,
    InputError,
    Job,
    JobInfo,
    Operation,
    Outcome,
)
from tasklink.runtime import Pipeline

from ._activiti_mapping import MappingError, ProcessExtensions, TaskMapping
from ._errors import ProcessDefinitionError
from ._expressions import ExpressionError
from ._instance import Instance, element_id
from ._mocks import MockValue, mock_operation, mocked_job
from ._parser import Definition
from ._specs import JobTask, extensions_of

__all__ = ["ActivitiJobs", "CamundaJobs", "JobKind", "PreparedJob"]

_keys = itertools.count(1)


@dataclass
class PreparedJob:
    """One job of a service task, ready to run (again, after a retry)."""

    element_id: str
    key: str  # the job type, or the Activiti implementation
    operation: Operation | None  # None: chosen from the headers when it runs
    job: Job
    connector: Any = None
    mapping: TaskMapping | None = None


class JobKind(Protocol):
    """What differs between the engines' jobs."""

    default_backoff: float  # seconds before a retry when the failure names none

    def check(self, definition: Definition) -> None: ...
    def prepare(self, instance: Instance, task: Any) -> PreparedJob: ...
    async def execute(self, prepared: PreparedJob) -> Outcome: ...
    def completed(
        self, instance: Instance, task: Any, prepared: PreparedJob, outcome: Completed
    ) -> None: ...
    def bpmn_error_code(self, prepared: PreparedJob, outcome: Failed) -> str | None: ...


def _job_tasks(definition: Definition) -> list[Any]:
    return [spec for spec in definition.task_specs() if isinstance(spec, JobTask)]


class _Jobs:
    """What both engines' jobs share: the pipeline, the mocks, the job metadata."""

    engine: str

    def __init__(self, pipeline: Pipeline, process_id: str, mocks: Mapping[str, MockValue]) -> None:
        self.pipeline = pipeline
        self.process_id = process_id
        self.instance_key = str(next(_keys))
        self._mocks = dict(mocks)
        self._mocked: dict[str, Operation] = {}

    def _mock(self, element: str, key: str, job_type: str | None = None) -> Operation | None:
        """The mock for the task ``element`` (by its id, else by ``key``), if any."""
        for name in (element, key):
            if name in self._mocks:
                if name not in self._mocked:
                    self._mocked[name] = mock_operation(name, self._mocks[name], job_type)
                return self._mocked[name]
        return None

    def _info(self, task: Any, key: str, retries: int) -> JobInfo:
        return JobInfo(
            engine=self.engine,
            job_key=f"{self.instance_key}-{next(_keys)}",
            job_type=key,
            process_instance_key=self.instance_key,
            process_definition_id=self.process_id,
            element_id=element_id(task),
            element_instance_key=str(task.id),
            retries=retries,
        )

    async def _run(self, operation: Operation, job: Job) -> Outcome:
        with mocked_job(job.variables):
            return await self.pipeline.run(operation, job)


class CamundaJobs(_Jobs):
    """Jobs of a process modelled for Camunda 8."""

    engine = "camunda"
    default_backoff = 0.0  # Camunda retries at once unless retryBackoff says otherwise

    def check(self, definition: Definition) -> None:
        for spec in _job_tasks(definition):
            extensions = extensions_of(spec)
            job_type = extensions.job_type
            if job_type is None or not job_type.is_static:
                continue  # a FEEL job type is known only when the task starts
            if spec.bpmn_id in self._mocks or job_type.text in self._mocks:
                continue
            try:
                self.pipeline.connector_for_job_type(job_type.text)
            except KeyError:
                served = ", ".join(sorted(c.job_type for c in self.pipeline.connectors))
                raise ProcessDefinitionError(
                    f"no installed connector serves job type {job_type.text!r} "
                    f"(installed: {served or 'none'}); install it or mock it",
                    element_id=spec.bpmn_id,
                    line=extensions.line,
                ) from None

    def prepare(self, instance: Instance, task: Any) -> PreparedJob:
        extensions = extensions_of(task.task_spec)
        element = element_id(task)
        local = instance.scopes.local(task.id)
        if local is None:  # the first attempt: the input mappings make the task's scope
            instance.scopes.open(task.id, instance.apply_inputs(task, extensions.inputs))
        variables = instance.visible(task)
        assert extensions.job_type is not None and extensions.retries is not None
        try:
            job_type = str(extensions.job_type.evaluate(variables))
            retries = int(
                task.internal_data.get("retries") or extensions.retries.evaluate(variables)
            )
        except (ExpressionError, ValueError) as exc:
            raise instance.incident(
                task, "EXTRACT_VALUE_ERROR", f"task definition: {exc}"
            ) from None
        task.internal_data["retries"] = retries
        operation = self._mock(element, job_type, job_type)
        connector = None
        if operation is None:
            try:
                connector = self.pipeline.connector_for_job_type(job_type)
            except KeyError:
                raise instance.incident(
                    task,
                    "JOB_NO_RETRIES",
                    f"no installed connector serves {job_type!r}",
                    job_type=job_type,
                ) from None
        info = self._info(task, job_type, retries)
        job = Job(variables, headers=dict(extensions.headers), info=info, strict=False)
        return PreparedJob(element, job_type, operation, job, connector=connector)

    async def execute(self, prepared: PreparedJob) -> Outcome:
        operation = prepared.operation
        if operation is None:
            from tasklink.runtime.camunda import select_operation

            try:
                operation = select_operation(
                    prepared.connector, prepared.job.headers, prepared.job.variables
                )
            except InputError as exc:
                message = self.pipeline.redactor.redact(exc.message)
                return Failed(exc.code, message, 0, input_error=True)
        return await self._run(operation, prepared.job)

    def completed(
        self, instance: Instance, task: Any, prepared: PreparedJob, outcome: Completed
    ) -> None:
        instance.finish(task, outcome.variables)

    def bpmn_error_code(self, prepared: PreparedJob, outcome: Failed) -> str | None:
        return None  # Camunda: only bpmnError(...) in the error expression throws


class ActivitiJobs(_Jobs):
    """Jobs of a process modelled for Activiti / APA."""

    engine = "activiti"

    def __init__(
        self,
        pipeline: Pipeline,
        process_id: str,
        extensions: ProcessExtensions | None,
        mocks: Mapping[str, MockValue],
        *,
        retries: int,
        backoff: float,
    ) -> None:
        super().__init__(pipeline, process_id, mocks)
        self.default_backoff = backoff
        self.extensions = extensions
        self.retries = retries

    def _operation(self, element: str, implementation: str) -> Operation:
        mocked = self._mock(element, implementation)
        return mocked if mocked is not None else self.pipeline.find_operation(implementation)

    def check(self, definition: Definition) -> None:
        for spec in _job_tasks(definition):
            extensions = extensions_of(spec)
            implementation = extensions.implementation or ""
            try:
                self._operation(spec.bpmn_id, implementation)
            except KeyError:
                served = ", ".join(sorted(op.qualified_name for op in self.pipeline.operations))
                raise ProcessDefinitionError(
                    f"no installed connector serves {implementation!r} "
                    f"(installed: {served or 'none'}); install it or mock it",
                    element_id=spec.bpmn_id,
                    line=extensions.line,
                ) from None
            if self.extensions is not None:
                self.extensions.mapping(spec.bpmn_id)

    def _mapping(self, element: str) -> TaskMapping | None:
        return self.extensions.mapping(element) if self.extensions is not None else None

    def prepare(self, instance: Instance, task: Any) -> PreparedJob:
        element = element_id(task)
        implementation = extensions_of(task.task_spec).implementation or ""
        variables = instance.visible(task)
        mapping = self._mapping(element)
        try:
            inputs = mapping.inputs(variables) if mapping is not None else variables
        except MappingError as exc:
            raise instance.incident(task, "IO_MAPPING_ERROR", str(exc)) from None
        retries = int(task.internal_data.get("retries") or self.retries)
        task.internal_data["retries"] = retries
        info = self._info(task, implementation, retries)
        operation = self._operation(element, implementation)
        job = Job(inputs, info=info, strict=False)
        return PreparedJob(element, implementation, operation, job, mapping=mapping)

    async def execute(self, prepared: PreparedJob) -> Outcome:
        assert prepared.operation is not None
        return await self._run(prepared.operation, prepared.job)

    def completed(
        self, instance: Instance, task: Any, prepared: PreparedJob, outcome: Completed
    ) -> None:
        from tasklink.runtime.activiti import outbound_variables

        outbound = outbound_variables(outcome.output)
        mapping = prepared.mapping
        try:
            values = (
                mapping.outputs(outbound, instance.visible(task))
                if mapping is not None
                else outbound
            )
        except MappingError as exc:
            raise instance.incident(task, "IO_MAPPING_ERROR", str(exc)) from None
        instance.finish(task, values)

    def bpmn_error_code(self, prepared: PreparedJob, outcome: Failed) -> str | None:
        from tasklink.runtime.activiti import declared_errors

        assert prepared.operation is not None
        if outcome.code in declared_errors(prepared.operation.connector):
            return outcome.code
        return None
