"""What an operation knows about the job it runs for."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._errors import ConnectorError, ErrorCode
from ._redaction import Redactor
from ._secrets import SecretResolver

__all__ = ["CancellationToken", "Context", "JobInfo"]


@dataclass(frozen=True, slots=True)
class JobInfo:
    """Engine-neutral job metadata (Camunda job or Activiti integration context)."""

    engine: str = "local"
    job_key: str | None = None
    job_type: str | None = None
    process_instance_key: str | None = None
    process_definition_id: str | None = None
    process_definition_key: str | None = None
    process_definition_version: int | None = None
    element_id: str | None = None
    element_instance_key: str | None = None
    business_key: str | None = None
    tenant_id: str | None = None
    retries: int | None = None
    deadline: datetime | None = None


class CancellationToken:
    """Set by the runtime when a job times out or the process shuts down.

    Async operations are cancelled by asyncio itself; synchronous operations running in a
    worker thread should call :meth:`raise_if_cancelled` between slow steps.
    """

    __slots__ = ("_cancelled",)

    def __init__(self) -> None:
        # A plain flag: one writer, readers in any thread; a threading.Event per job
        # would cost more than the rest of the job's bookkeeping.
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        self._cancelled = True

    def raise_if_cancelled(self) -> None:
        if self._cancelled:
            raise ConnectorError("the job was cancelled", code=ErrorCode.TIMEOUT)


class _RedactingAdapter(logging.LoggerAdapter[logging.Logger]):
    """Masks secrets before the record is even created, and tags it with the job."""

    def __init__(self, logger: logging.Logger, redactor: Redactor, job: JobInfo) -> None:
        super().__init__(logger, {"job_key": job.job_key, "job_type": job.job_type})
        self._redactor = redactor

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        extra = dict(self.extra or {})
        extra.update(kwargs.get("extra") or {})
        kwargs["extra"] = extra
        return msg, kwargs

    def log(
        self,
        level: int,
        msg: object,
        *args: object,
        exc_info: Any = None,
        stacklevel: int = 1,
        **kwargs: Any,
    ) -> None:
        if not self.isEnabledFor(level):
            return
        # Format as logging does (a single mapping argument feeds "%(name)s" fields).
        values: Any = args[0] if len(args) == 1 and isinstance(args[0], Mapping) else args
        try:
            text = str(msg) % values if args else str(msg)
        except (TypeError, ValueError, KeyError):  # a logging mistake must not fail the job
            text = f"{msg} {args!r}"
        if exc_info:
            # The traceback is part of the output too: format and mask it here.
            info = sys.exc_info() if exc_info is True else exc_info
            if isinstance(info, BaseException):
                info = (type(info), info, info.__traceback__)
            if info[0] is not None:
                text += "\n" + "".join(traceback.format_exception(*info)).rstrip()
        msg, kwargs = self.process(self._redactor.redact(text), kwargs)
        # +2: this method and LoggerAdapter's level method stand between the caller and here.
        self.logger.log(level, msg, stacklevel=stacklevel + 2, **kwargs)


class Context:
    """Passed to every operation: job metadata, a redacting logger, secrets, cancellation."""

    __slots__ = ("_logger", "cancellation", "headers", "job", "redactor", "secrets")

    def __init__(
        self,
        job: JobInfo,
        secrets: SecretResolver,
        *,
        headers: Mapping[str, str] | None = None,
        logger: logging.Logger | None = None,
        cancellation: CancellationToken | None = None,
    ) -> None:
        self.job = job
        #: The task headers of the job (Camunda's ``customHeaders``; empty for Activiti).
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.secrets = secrets
        self.redactor = secrets.redactor
        self.cancellation = cancellation or CancellationToken()
        self._logger = logger

    @property
    def logger(self) -> logging.LoggerAdapter[logging.Logger]:
        """A logger whose messages have every known secret masked."""
        base = self._logger or logging.getLogger("tasklink.connector")
        return _RedactingAdapter(base, self.redactor, self.job)

    def secret(self, name: str) -> str:
        """Read a secret by name (registered for redaction like any placeholder)."""
        return self.secrets.get(name)
