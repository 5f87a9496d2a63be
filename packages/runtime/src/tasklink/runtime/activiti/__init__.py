"""The Activiti / Alfresco Process Automation engine: integration requests over RabbitMQ.

``tasklink run --engine activiti`` calls :func:`run`. Embed it with an explicit list of
connectors::

    pipeline = Pipeline([connector], settings)
    await run(settings, pipeline)          # until pipeline.stop()
"""

from __future__ import annotations

from .._pipeline import Pipeline
from .._settings import RuntimeSettings
from ._adapter import ENGINE, ActivitiAdapter, display_url
from ._protocol import (
    CLOUD_BPMN_ERROR,
    CONNECTOR_ERROR_CLASS,
    INPUT_ERROR_CLASS,
    IntegrationRequest,
    UnusableMessageError,
    declared_errors,
    error_class,
    error_document,
    outbound_variables,
    parse_request,
    result_document,
)
from ._settings import ActivitiSettings

__all__ = [
    "CLOUD_BPMN_ERROR",
    "CONNECTOR_ERROR_CLASS",
    "ENGINE",
    "INPUT_ERROR_CLASS",
    "ActivitiAdapter",
    "ActivitiSettings",
    "IntegrationRequest",
    "UnusableMessageError",
    "declared_errors",
    "display_url",
    "error_class",
    "error_document",
    "outbound_variables",
    "parse_request",
    "result_document",
    "run",
]


async def run(settings: RuntimeSettings, pipeline: Pipeline) -> None:
    """Serve ``pipeline`` to Activiti until it stops (the engine registry's entry point)."""
    await ActivitiAdapter(settings.section("activiti", ActivitiSettings), pipeline).serve()
