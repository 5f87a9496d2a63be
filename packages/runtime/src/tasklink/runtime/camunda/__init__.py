"""Camunda 8 job workers: ``tasklink run --engine camunda``.

Every served connector becomes a job worker for its job type, over the Orchestration
Cluster REST API (default, httpx) or the Zeebe gRPC gateway (``protocol = "grpc"``,
through pyzeebe: ``pip install 'tasklink-runtime[zeebe]'``). Jobs run through the
runtime pipeline; outcomes are reported as Camunda's connector runtime does (complete,
fail with ``retries - 1`` and ``retryBackoff``, BPMN error, incident). See
``docs/camunda.md`` for settings and task headers. OAuth 2.0 tokens and TLS come from
:mod:`tasklink.client`, shared with every connector (``build_gateway`` wires them).
Documents live in the cluster's document store (:class:`CamundaDocumentStore`, built by
``build_document_store``).
"""

from .._backoff import Backoff
from ._documents import CamundaDocumentStore
from ._gateway import AuthenticationError, Gateway, GatewayError, MalformedResponseError
from ._headers import SUPPORTED_HEADERS, fetch_variables, job_timeout_ms, select_operation
from ._model import ActivatedJob, ActivationRequest, MalformedJobError, parse_rest_job
from ._rest import RestGateway, normalize_rest_address
from ._run import build_document_store, build_gateway, run
from ._settings import NATIVE_ENVIRONMENT, CamundaSettings
from ._worker import CamundaWorker, JobTypeWorker, WorkerOptions

__all__ = [
    "NATIVE_ENVIRONMENT",
    "SUPPORTED_HEADERS",
    "ActivatedJob",
    "ActivationRequest",
    "AuthenticationError",
    "Backoff",
    "CamundaDocumentStore",
    "CamundaSettings",
    "CamundaWorker",
    "Gateway",
    "GatewayError",
    "JobTypeWorker",
    "MalformedJobError",
    "MalformedResponseError",
    "RestGateway",
    "WorkerOptions",
    "build_document_store",
    "build_gateway",
    "fetch_variables",
    "job_timeout_ms",
    "normalize_rest_address",
    "parse_rest_job",
    "run",
    "select_operation",
]
