"""The engine-neutral path from a job to an outcome.

resolve secrets -> bind and validate input -> run the operation (under a timeout) ->
map the output -> evaluate result and error expressions -> outcome. Engine adapters in
``tasklink-runtime`` only translate their wire formats to :class:`Job` and from
:class:`Outcome`; the test harness in ``tasklink-testing`` drives this same path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, TypeVar

from ._camunda_mapping import (
    BpmnErrorDecision,
    Decision,
    ExpressionCache,
    IgnoreErrorDecision,
    evaluate_error_expression,
    map_result,
)
from ._connector import Operation
from ._context import CancellationToken, Context, JobInfo
from ._documents import DocumentStore, InlineDocumentStore, contains_documents, store_documents
from ._durations import parse_duration
from ._errors import (
    BpmnError,
    ConnectorError,
    ErrorCode,
    InputError,
    RetryError,
    TasklinkError,
)
from ._expressions import ExpressionEvaluator, ExpressionTimeoutError, load_evaluator
from ._fields import raw_secret_values, secret_values
from ._jsonable import to_jsonable
from ._models import select_input, validate_input
from ._redaction import Redactor
from ._secrets import EnvironmentSecretProvider, SecretProvider, SecretResolver

__all__ = [
    "ERROR_EXPRESSION",
    "EXPRESSION_TIMEOUT",
    "RESULT_EXPRESSION",
    "RESULT_VARIABLE",
    "RETRY_BACKOFF",
    "BpmnErrorThrown",
    "Completed",
    "Failed",
    "Job",
    "JobExecutor",
    "Outcome",
    "SyncRunner",
]

T = TypeVar("T")
SyncRunner = Callable[[Callable[[], Any]], Awaitable[Any]]

_log = logging.getLogger("tasklink.core.execution")

# Task headers Camunda's connector runtime reads: the ``*_KEYWORD`` constants of
# ``io.camunda.connector.runtime.core.Keywords`` (camunda/connectors, connector-runtime-core).
RESULT_VARIABLE = "resultVariable"
RESULT_EXPRESSION = "resultExpression"
ERROR_EXPRESSION = "errorExpression"
RETRY_BACKOFF = "retryBackoff"

#: Seconds one result or error expression evaluation may take (within the job's timeout).
EXPRESSION_TIMEOUT = 5.0
# Seconds an evaluation may hold the event loop before it moves to a thread: cheap
# expressions (microseconds, nearly all of them) never pay for a thread.
INLINE_EVALUATION = 0.002


def _has_expressions(headers: Mapping[str, str]) -> bool:
    result = headers.get(RESULT_EXPRESSION)
    error = headers.get(ERROR_EXPRESSION)
    if result is None and error is None:  # most jobs: no string work at all
        return False
    return bool((result and result.strip()) or (error and error.strip()))


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: input variables, task headers and job metadata.

    ``strict`` rejects unknown top-level input fields (local invocations); engines hand
    jobs every variable in scope, so adapters leave it off. ``documents`` is the engine's
    document store (the executor's default when ``None``).
    """

    variables: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    info: JobInfo = field(default_factory=JobInfo)
    strict: bool = False
    documents: DocumentStore | None = None


@dataclass(frozen=True, slots=True)
class Completed:
    """The operation succeeded. ``output`` is its JSON result; ``variables`` what the
    result variable / expression set (empty when neither is configured)."""

    output: Any
    variables: dict[str, Any]
    kind: Literal["completed"] = "completed"


@dataclass(frozen=True, slots=True)
class Failed:
    """The job failed: retried while ``retries`` > 0, otherwise an incident."""

    code: str
    message: str
    retries: int
    backoff: timedelta | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    input_error: bool = False
    kind: Literal["failed"] = "failed"

    @property
    def incident(self) -> bool:
        return self.retries <= 0


@dataclass(frozen=True, slots=True)
class BpmnErrorThrown:
    """A BPMN error to throw into the process (caught by error boundary events)."""

    code: str
    message: str
    variables: dict[str, Any] = field(default_factory=dict)
    kind: Literal["bpmn_error"] = "bpmn_error"


Outcome = Completed | Failed | BpmnErrorThrown


# Long enough for every echo and log line of the failed job (its reply is immediate).
_INVALID_INPUT_SECRET_TTL = 3600.0


class JobExecutor:
    """Runs jobs through the core path. One per runtime process; safe to share.

    ``secrets`` defaults to environment variables named ``TASKLINK_SECRET_<NAME>``.
    ``allowed_secrets`` maps connector ids (and ``"*"`` for every other connector) to the
    secret names their jobs may resolve; connectors without a list resolve any name.
    ``run_sync`` runs a synchronous operation (the runtime passes a thread-pool runner);
    without it synchronous operations run inline. ``evaluator`` is loaded from the
    ``tasklink.expression_evaluators`` entry points on first need unless given.

    Result and error expressions are bounded: each evaluation gets ``expression_max_steps``
    (``None``: the evaluator's default budget) and ``expression_timeout`` seconds, never
    more than the job's timeout leaves. One that needs more than a moment of the event
    loop is moved to ``run_sync``'s threads (or asyncio's) and evaluated there again, so
    it cannot hold up other jobs.
    """

    def __init__(
        self,
        secrets: SecretProvider | None = None,
        *,
        redactor: Redactor | None = None,
        evaluator: ExpressionEvaluator | None = None,
        run_sync: SyncRunner | None = None,
        logger: logging.Logger | None = None,
        allowed_secrets: Mapping[str, Iterable[str]] | None = None,
        expression_timeout: float = EXPRESSION_TIMEOUT,
        expression_max_steps: int | None = None,
        documents: DocumentStore | None = None,
    ) -> None:
        self.redactor = redactor if redactor is not None else Redactor()
        self.secrets = SecretResolver(secrets or EnvironmentSecretProvider(), self.redactor)
        # Allow lists by connector id; "*" is the list of every connector not named.
        self._secret_scopes = {
            key: self.secrets.restricted(
                names, "every connector" if key == "*" else f"connector {key}"
            )
            for key, names in (allowed_secrets or {}).items()
        }
        self._max_steps = expression_max_steps
        self._expressions = (
            ExpressionCache(evaluator, max_steps=expression_max_steps)
            if evaluator is not None
            else None
        )
        self.expression_timeout = expression_timeout
        self.documents: DocumentStore = documents or InlineDocumentStore()
        self._run_sync = run_sync
        self._logger = logger or _log

    def _expression_cache(self) -> ExpressionCache:
        if self._expressions is None:
            self._expressions = ExpressionCache(load_evaluator("feel"), max_steps=self._max_steps)
        return self._expressions

    def secrets_for(self, operation: Operation) -> SecretResolver:
        """The resolver for ``operation``'s jobs: restricted to its connector's allow list
        (or the ``"*"`` list) when ``allowed_secrets`` has one."""
        scopes = self._secret_scopes
        if not scopes:
            return self.secrets
        found = scopes.get(operation.connector.id) or scopes.get("*")
        return found if found is not None else self.secrets

    def bind(
        self,
        operation: Operation,
        variables: Mapping[str, Any],
        *,
        strict: bool,
        documents: DocumentStore | None = None,
    ) -> Any:
        """Resolve secrets in the variables the operation reads and validate its input;
        document references become documents of ``documents`` (or the default store).

        Variables the operation does not read are left alone: a placeholder in one of them
        is neither resolved nor an error.
        """
        selected = select_input(operation.input_model, variables, strict=strict)
        try:
            resolved = self.secrets_for(operation).resolve(
                selected, legacy=operation.connector.legacy_secrets
            )
            # Every model gets the store: a connector may find references in free-form
            # JSON (the REST connector's multipart body) as well as in Document fields.
            context = {"documents": documents or self.documents}
            model = validate_input(operation.input_model, resolved, context)
        except InputError:
            # Credentials typed into secret fields of an input that does not validate are
            # credentials all the same: what echoes the input (Activiti's reply) masks them.
            self.register_secrets(operation, selected)
            raise
        for value in secret_values(model):
            self.redactor.add(value)
        return model

    def register_secrets(self, operation: Operation, variables: Mapping[str, Any]) -> None:
        """Register the values at the operation's secret fields in raw ``variables`` (an
        input that may not validate) with the redactor, for an hour: anyone may send
        invalid requests, and what they type must not pile up in the redactor for good."""
        for value in raw_secret_values(operation.input_model, variables):
            self.redactor.add(value, ttl=_INVALID_INPUT_SECRET_TTL)

    async def call(self, operation: Operation, model: Any, context: Context | None) -> Any:
        """Call the operation function (async directly, sync through ``run_sync``).

        ``context`` is required when the operation takes one.
        """
        args = (model, context) if operation.takes_context else (model,)
        if operation.is_async:
            return await operation.function(*args)
        if self._run_sync is None:
            return operation.function(*args)
        return await self._run_sync(lambda: operation.function(*args))

    async def execute(
        self,
        operation: Operation,
        job: Job,
        *,
        timeout: float | None = None,
        cancellation: CancellationToken | None = None,
    ) -> Outcome:
        """Run one job to an outcome. Never raises for anything a job or connector does.

        ``timeout`` (else the operation's own) bounds the whole job: the operation and
        then its result and error expressions.
        """
        headers = job.headers
        retries = job.info.retries if job.info.retries is not None else 0
        backoff: timedelta | None = None
        limit = timeout if timeout is not None else operation.timeout
        evaluating = _has_expressions(headers)
        # Only jobs with expressions need the deadline after the operation (a clock read).
        deadline = time.monotonic() + limit if evaluating and limit is not None else None
        step: Callable[..., Outcome]
        outcome_of: Any  # the result, or the error, the outcome is made of
        try:
            # A broken task configuration fails before the operation has any side effect,
            # and before the error expression (Camunda's runtime reads the header first).
            backoff = self._header_backoff(headers)
        except InputError as error:
            return Failed(error.code, self.redactor.redact(error.message), 0, input_error=True)
        try:
            model = self.bind(operation, job.variables, strict=job.strict, documents=job.documents)
            # Only an operation that takes a context can read it: build it for those only.
            context = (
                Context(
                    job.info,
                    self.secrets_for(operation),
                    headers=headers,
                    logger=self._logger,
                    cancellation=cancellation,
                )
                if operation.takes_context
                else None
            )
            if limit is None:
                if operation.is_async or self._run_sync is not None:
                    result = await self.call(operation, model, context)
                else:  # inline: the hot path of cheap synchronous operations
                    args = (model, context) if operation.takes_context else (model,)
                    result = operation.function(*args)
                if contains_documents(result):
                    await self._store_documents(result, job)
            else:
                import asyncio  # deferred: importing tasklink.core stays cheap

                timer = asyncio.timeout(limit)
                try:
                    async with timer:
                        result = await self.call(operation, model, context)
                        # Storing what it returns is part of the job, within its time.
                        if contains_documents(result):
                            await self._store_documents(result, job)
                except TimeoutError:
                    if not timer.expired():
                        raise  # the operation's own timeout (a socket read, say)
                    token = context.cancellation if context is not None else cancellation
                    if token is not None:
                        token.cancel()
                    raise ConnectorError(
                        f"the operation did not finish within {limit:g} seconds",
                        code=ErrorCode.TIMEOUT,
                    ) from None
        except TasklinkError as error:
            step, outcome_of = self._on_error, error
        except Exception as exc:  # a connector bug must not crash the runtime
            self._logger.exception("operation %s raised unexpectedly", operation.qualified_name)
            step = self._on_error
            bug = f"{type(exc).__name__}: {exc}"
            outcome_of = ConnectorError(bug, code=ErrorCode.UNKNOWN_ERROR)
        else:
            step, outcome_of = self._on_success, result
        if evaluating:
            return await self._conclude_evaluating(
                step, operation, (outcome_of, headers, retries, backoff), limit, deadline
            )
        return self._conclude(step, operation, outcome_of, headers, retries, backoff, None)

    def _conclude(self, step: Callable[..., Outcome], operation: Operation, *args: Any) -> Outcome:
        """Build the outcome; a fault of ours doing so (a result that cannot be converted,
        say) becomes an incident: a retry would repeat it. :class:`ExpressionTimeoutError`
        passes through to :meth:`_conclude_evaluating`."""
        try:
            return step(*args)
        except ExpressionTimeoutError:
            raise
        except Exception as exc:
            if isinstance(exc, TasklinkError) and step == self._on_success:
                # A result or error expression failed: conclude as that error.
                return self._conclude(self._on_error, operation, exc, *args[1:])
            self._logger.exception("job of %s could not be concluded", operation.qualified_name)
            message = self.redactor.redact(f"{type(exc).__name__}: {exc}")
            return Failed(ErrorCode.UNKNOWN_ERROR, message, 0)

    async def _conclude_evaluating(
        self,
        step: Callable[..., Outcome],
        operation: Operation,
        args: tuple[Any, Mapping[str, str], int, timedelta | None],
        limit: float | None,
        deadline: float | None,
    ) -> Outcome:
        """:meth:`_conclude` for a job with result or error expressions: evaluated on the
        event loop for at most :data:`INLINE_EVALUATION` seconds, then, if that was not
        enough, again in a thread with the rest of the evaluation's time."""
        now = time.monotonic()
        until = now + self.expression_timeout
        if deadline is not None and deadline < until:
            until = deadline
        try:
            return self._conclude(step, operation, *args, min(until, now + INLINE_EVALUATION))
        except ExpressionTimeoutError as timeout:
            if time.monotonic() >= until:
                return self._overran(timeout, args, limit, until == deadline)
        # Expressions are pure functions of the job: evaluating again gives the same answer.
        try:
            return await self._in_thread(lambda: self._conclude(step, operation, *args, until))
        except ExpressionTimeoutError as timeout:
            return self._overran(timeout, args, limit, until == deadline)

    async def _store_documents(self, result: Any, job: Job) -> None:
        """Store every document the result holds; each then serializes as its reference."""
        await store_documents(result, job.documents or self.documents, job.info)

    async def _in_thread(self, function: Callable[[], T]) -> T:
        if self._run_sync is not None:
            result: T = await self._run_sync(function)
            return result
        import asyncio

        return await asyncio.to_thread(function)

    def _overran(
        self,
        timeout: ExpressionTimeoutError,
        args: tuple[Any, Mapping[str, str], int, timedelta | None],
        limit: float | None,
        job_deadline: bool,
    ) -> Failed:
        """The outcome of an expression that ran out of time: the job's timeout (retried
        like any timeout) or the expression's own limit (an incident: it would again)."""
        _, _, retries, backoff = args
        if job_deadline and limit is not None:
            message = f"the job did not finish within {limit:g} seconds ({timeout.header})"
            return Failed(ErrorCode.TIMEOUT, message, max(retries - 1, 0), backoff)
        message = (
            f"{timeout.header}: the evaluation took longer than {self.expression_timeout:g} "
            "seconds (the limit of one expression evaluation)"
        )
        return Failed(ErrorCode.INVALID_INPUT, message, 0, input_error=True)

    def _on_success(
        self,
        result: Any,
        headers: Mapping[str, str],
        retries: int,
        backoff: timedelta | None,
        deadline: float | None,
    ) -> Outcome:
        output = self.redactor.redact_data(to_jsonable(result))
        expression = headers.get(RESULT_EXPRESSION)
        variables = map_result(
            output,
            result_variable=headers.get(RESULT_VARIABLE),
            result_expression=expression,
            expressions=self._expression_cache() if expression and expression.strip() else None,
            deadline=deadline,
        )
        if headers.get(ERROR_EXPRESSION):
            # After the result mapping, as Camunda's runtime: a broken resultExpression is an
            # incident even when the error expression would have decided otherwise.
            decision = evaluate_error_expression(
                headers.get(ERROR_EXPRESSION),
                response=output,
                retries=retries,
                expressions=self._expression_cache(),
                deadline=deadline,
            )
            if decision is not None:
                return self._decided(decision, retries, backoff)
        # The variables derive from the redacted output (and expression text): no new secrets.
        return Completed(output, variables)

    def _on_error(
        self,
        error: TasklinkError,
        headers: Mapping[str, str],
        retries: int,
        backoff: timedelta | None,
        deadline: float | None,
    ) -> Outcome:
        redact = self.redactor.redact
        message = redact(error.message)
        variables = self.redactor.redact_data(to_jsonable(error.variables))
        if isinstance(error, BpmnError):
            return BpmnErrorThrown(error.code, message, variables)
        # Input errors too, as in Camunda's runtime: `if error != null then bpmnError(...)`
        # catches a task configured wrongly as well.
        if headers.get(ERROR_EXPRESSION):
            scope = {
                "code": error.code,
                "message": message,
                "type": type(error).__name__,
                "variables": variables,
            }
            try:
                decision = evaluate_error_expression(
                    headers.get(ERROR_EXPRESSION),
                    error=scope,
                    retries=retries,
                    expressions=self._expression_cache(),
                    deadline=deadline,
                )
            except InputError as exc:
                return Failed(exc.code, redact(str(exc)), 0, variables=variables, input_error=True)
            if decision is not None:
                return self._decided(decision, retries, backoff)
        if isinstance(error, InputError):
            return Failed(error.code, message, 0, variables=variables, input_error=True)
        left = max(retries - 1, 0)
        if isinstance(error, RetryError) and error.retries is not None:
            left = error.retries
        if isinstance(error, ConnectorError) and not error.retryable:
            left = 0
        own = error.backoff if isinstance(error, ConnectorError) else None
        return Failed(error.code, message, left, own if own is not None else backoff, variables)

    def _decided(
        self,
        decision: Decision,
        retries: int,
        backoff: timedelta | None,
    ) -> Outcome:
        redact = self.redactor.redact_data
        if isinstance(decision, IgnoreErrorDecision):
            return Completed({}, redact(decision.variables))
        if isinstance(decision, BpmnErrorDecision):
            return BpmnErrorThrown(
                decision.code, self.redactor.redact(decision.message), redact(decision.variables)
            )
        left = decision.retries if decision.retries is not None else max(retries - 1, 0)
        return Failed(
            "JOB_ERROR",
            self.redactor.redact(decision.message),
            max(left, 0),
            decision.backoff if decision.backoff is not None else backoff,
            redact(decision.variables),
        )

    @staticmethod
    def _header_backoff(headers: Mapping[str, str]) -> timedelta | None:
        raw = headers.get(RETRY_BACKOFF)
        if not raw or not raw.strip():
            return None
        try:
            return parse_duration(raw)
        except ValueError as exc:
            raise InputError(f"{RETRY_BACKOFF}: {exc}", field=RETRY_BACKOFF) from None
