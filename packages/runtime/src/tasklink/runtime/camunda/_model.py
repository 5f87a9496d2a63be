"""The engine's job as both transports deliver it, and the commands sent back.

REST (``ActivatedJobResult``) and gRPC (``ActivatedJob``) name a few fields differently;
both are read into :class:`ActivatedJob` so the worker has one shape to handle. Parsing is
lenient about fields newer clusters add and strict about the few the worker needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tasklink.core import JobInfo

__all__ = ["ActivatedJob", "ActivationRequest", "MalformedJobError", "parse_rest_job"]


class MalformedJobError(ValueError):
    """A job in an activation response lacks a field the worker needs or has a bad type.

    ``job_key`` (and ``lease_token``) are set when the job's key could still be read, so
    the job can be failed instead of coming back after its timeout.
    """

    def __init__(
        self, message: str, *, job_key: str | None = None, lease_token: str | None = None
    ) -> None:
        super().__init__(message)
        self.job_key = job_key
        self.lease_token = lease_token


@dataclass(frozen=True, slots=True)
class ActivationRequest:
    """One activation (long poll) for a job type."""

    job_type: str
    worker: str
    timeout_ms: int
    max_jobs: int
    request_timeout_ms: int
    fetch_variables: tuple[str, ...] | None = None  # None: every visible variable
    tenant_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActivatedJob:
    """An activated job, transport-neutral. Keys are strings (int64 does not fit JSON)."""

    key: str
    type: str
    variables: dict[str, Any]
    headers: dict[str, str]
    retries: int
    deadline_ms: int | None = None
    process_instance_key: str | None = None
    process_definition_id: str | None = None
    process_definition_key: str | None = None
    process_definition_version: int | None = None
    element_id: str | None = None
    element_instance_key: str | None = None
    tenant_id: str | None = None
    lease_token: str | None = None

    def info(self) -> JobInfo:
        """The core's view of this job (what :class:`~tasklink.core.Context` exposes)."""
        deadline = (
            datetime.fromtimestamp(self.deadline_ms / 1000, tz=UTC)
            if self.deadline_ms is not None
            else None
        )
        return JobInfo(
            engine="camunda",
            job_key=self.key,
            job_type=self.type,
            process_instance_key=self.process_instance_key,
            process_definition_id=self.process_definition_id,
            process_definition_key=self.process_definition_key,
            process_definition_version=self.process_definition_version,
            element_id=self.element_id,
            element_instance_key=self.element_instance_key,
            tenant_id=self.tenant_id,
            retries=self.retries,
            deadline=deadline,
        )


def header_text(value: Any) -> str:
    """Task headers are strings in the model; a gateway may hand back JSON scalars."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"))


def _optional_str(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise MalformedJobError(f"{name} must be a string, got {type(value).__name__}")


def _optional_int(data: Mapping[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedJobError(f"{name} must be an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise MalformedJobError(f"{name} must be an integer, got {type(value).__name__}")


def parse_rest_job(data: Any) -> ActivatedJob:
    """Read one ``ActivatedJobResult`` of ``POST /v2/jobs/activation``.

    Raises :class:`MalformedJobError` naming the field when the job cannot be worked on.
    """
    if not isinstance(data, Mapping):
        raise MalformedJobError(f"a job must be a JSON object, got {type(data).__name__}")
    key = _optional_str(data, "jobKey")
    if not key:
        raise MalformedJobError("jobKey is missing")
    try:
        return _parse_job(key, data)
    except MalformedJobError as exc:
        token = data.get("leaseToken")
        raise MalformedJobError(
            f"job {key}: {exc}",
            job_key=key,
            lease_token=token if isinstance(token, str) and token else None,
        ) from None


def _parse_job(key: str, data: Mapping[str, Any]) -> ActivatedJob:
    job_type = data.get("type")
    if not isinstance(job_type, str) or not job_type:
        raise MalformedJobError("type is missing")
    variables = data.get("variables")
    if variables is None:
        variables = {}
    if not isinstance(variables, Mapping):
        raise MalformedJobError("variables must be a JSON object")
    raw_headers = data.get("customHeaders")
    if raw_headers is None:
        raw_headers = {}
    if not isinstance(raw_headers, Mapping):
        raise MalformedJobError("customHeaders must be a JSON object")
    retries = _optional_int(data, "retries")
    return ActivatedJob(
        key=key,
        type=job_type,
        variables=dict(variables),
        headers={str(k): header_text(v) for k, v in raw_headers.items()},
        retries=retries if retries is not None else 0,
        deadline_ms=_optional_int(data, "deadline"),
        process_instance_key=_optional_str(data, "processInstanceKey"),
        process_definition_id=_optional_str(data, "processDefinitionId"),
        process_definition_key=_optional_str(data, "processDefinitionKey"),
        process_definition_version=_optional_int(data, "processDefinitionVersion"),
        element_id=_optional_str(data, "elementId"),
        element_instance_key=_optional_str(data, "elementInstanceKey"),
        tenant_id=_optional_str(data, "tenantId"),
        lease_token=_optional_str(data, "leaseToken"),
    )
