"""Structured, redacted logs: text for people, one JSON object per line for collectors."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from tasklink.core import RedactingFilter, Redactor

__all__ = ["JsonFormatter", "configure_logging", "silence_logging"]

# LogRecord attributes that are not "extra" fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...extra fields, "exception"}`` per line.

    Extra string values pass through the redactor too (the filter only sees the message).
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_") or value is None:
                continue
            if isinstance(value, int | float | bool):
                data[key] = value
            else:
                text = str(value)
                data[key] = self.redactor.redact(text) if self.redactor is not None else text
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return json.dumps(data, ensure_ascii=False, default=str)


class _WorkerTag(logging.Filter):
    """Adds the worker number to every record the handler writes."""

    def __init__(self, worker: int) -> None:
        super().__init__()
        self.worker = worker

    def filter(self, record: logging.LogRecord) -> bool:
        record.worker = self.worker
        return True


def configure_logging(
    redactor: Redactor,
    *,
    log_format: str = "text",
    level: str | int = "INFO",
    stream: IO[str] | None = None,
    worker: int | None = None,
) -> logging.Handler:
    """Log to ``stream`` (stderr) and mask secrets in every handler of the root logger.

    ``worker`` (the worker number under ``tasklink run --processes``) tags every line:
    a ``worker`` field in JSON, ``[worker N]`` in text, so the lines of N processes that
    share one stderr can be told apart."""
    root = logging.getLogger()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    tag = ""
    if worker is not None:
        handler.addFilter(_WorkerTag(worker))
        tag = "[worker %(worker)s] "
    if log_format == "json":
        handler.setFormatter(JsonFormatter(redactor))
    else:
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s %(levelname)-7s {tag}%(name)s: %(message)s")
        )
    root.addHandler(handler)
    root.setLevel(level)
    # aio-pika and aiormq narrate every frame at DEBUG, and httpcore (with h2 and hpack)
    # logs raw header bytes there, credentials included in forms no redactor can know
    # (b'\xc3\xa9' for "é"): keep them at INFO or above.
    quiet = max(logging.INFO, root.level)
    for name in ("aio_pika", "aiormq", "httpcore", "h2", "hpack"):
        logging.getLogger(name).setLevel(quiet)
    for existing in root.handlers:
        if not any(
            isinstance(f, RedactingFilter) and f.redactor is redactor for f in existing.filters
        ):
            existing.addFilter(RedactingFilter(redactor))
    return handler


def silence_logging() -> None:
    """No log output at all (``tasklink invoke`` keeps stderr for its error document)."""
    root = logging.getLogger()
    root.addHandler(logging.NullHandler())
    root.setLevel(logging.CRITICAL + 1)
