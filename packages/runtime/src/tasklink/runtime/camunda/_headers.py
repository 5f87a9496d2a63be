"""Task headers and per-connector worker settings derived from the connector's models.

Headers Camunda's connector runtime reads (``resultVariable``, ``resultExpression``,
``errorExpression``, ``retryBackoff``) are applied by the core executor; this module
handles the ones that shape how the worker runs a job: ``operation`` and ``jobTimeout``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tasklink.core import (
    ERROR_EXPRESSION,
    RESULT_EXPRESSION,
    RESULT_VARIABLE,
    RETRY_BACKOFF,
    Connector,
    InputError,
    Operation,
    input_names,
    parse_duration,
)

__all__ = [
    "ELEMENT_TEMPLATE_ID",
    "ELEMENT_TEMPLATE_VERSION",
    "ERROR_EXPRESSION",
    "JOB_TIMEOUT",
    "OPERATION",
    "RESULT_EXPRESSION",
    "RESULT_VARIABLE",
    "RETRY_BACKOFF",
    "SUPPORTED_HEADERS",
    "fetch_variables",
    "job_timeout_ms",
    "select_operation",
]

JOB_TIMEOUT = "jobTimeout"
OPERATION = "operation"
ELEMENT_TEMPLATE_ID = "elementTemplateId"
ELEMENT_TEMPLATE_VERSION = "elementTemplateVersion"

SUPPORTED_HEADERS = (
    RESULT_VARIABLE,
    RESULT_EXPRESSION,
    ERROR_EXPRESSION,
    RETRY_BACKOFF,
    JOB_TIMEOUT,
    OPERATION,
    ELEMENT_TEMPLATE_ID,
    ELEMENT_TEMPLATE_VERSION,
)


def select_operation(
    connector: Connector, headers: Mapping[str, str], variables: Mapping[str, Any]
) -> Operation:
    """The operation a job asks for: the ``operation`` header, else the ``operation``
    variable (multi-operation connectors only: a process may well have an unrelated
    variable of that name). Raises :class:`InputError` naming ``operation``."""
    chosen: Any = headers.get(OPERATION) or None
    if chosen is None and len(connector.operations) > 1:
        chosen = variables.get(OPERATION)
    if chosen is not None and not isinstance(chosen, str):
        raise InputError(
            f"operation: must be a string naming one of {sorted(connector.operations)}, "
            f"got {type(chosen).__name__}",
            field=OPERATION,
        )
    try:
        return connector.get_operation(chosen.strip() if chosen else None)
    except KeyError as exc:
        raise InputError(f"operation: {exc.args[0]}", field=OPERATION) from None


def job_timeout_ms(headers: Mapping[str, str]) -> int | None:
    """The ``jobTimeout`` header in milliseconds: an ISO-8601 duration (``PT5M``) or a
    whole number of milliseconds. ``None`` when the header is absent or blank."""
    raw = headers.get(JOB_TIMEOUT)
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        millis = int(text) if text.isdigit() else round(parse_duration(text).total_seconds() * 1000)
    except ValueError as exc:
        raise InputError(
            f"{JOB_TIMEOUT}: {exc}; use an ISO-8601 duration such as PT5M or milliseconds",
            field=JOB_TIMEOUT,
        ) from None
    if millis <= 0:
        raise InputError(f"{JOB_TIMEOUT}: must be longer than zero, got {raw!r}", field=JOB_TIMEOUT)
    return millis


def fetch_variables(connector: Connector) -> tuple[str, ...] | None:
    """The process variables a connector's jobs need: every top-level input field name and
    alias of every operation (plus ``operation`` for multi-operation connectors).

    ``None`` (fetch all) when an input model accepts arbitrary fields (``extra="allow"``)
    or declares no fields at all, since an empty ``fetchVariable`` list means "all".
    """
    names: set[str] = set()
    for operation in connector.operations.values():
        model = operation.input_model
        if model.model_config.get("extra") == "allow":
            return None
        names |= input_names(model)
    if not names:
        return None
    if len(connector.operations) > 1:
        names.add(OPERATION)
    return tuple(sorted(names))
