"""The Orchestration Cluster REST API job endpoints (``/v2/jobs/...``) over httpx."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from tasklink.client import parse_retry_after
from tasklink.core import ConnectorError, InputError

from ._gateway import AuthenticationError, GatewayError, MalformedResponseError
from ._model import ActivatedJob, ActivationRequest, MalformedJobError, parse_rest_job

__all__ = ["RestGateway", "normalize_rest_address", "rest_client"]

_log = logging.getLogger("tasklink.runtime.camunda.rest")

# The activation request stays open for the long poll; the client waits a little longer
# than the gateway so that an empty answer, not a client timeout, ends a quiet poll.
_LONG_POLL_MARGIN = 10.0


def normalize_rest_address(address: str) -> str:
    """``http://host:8080`` or ``http://host:8080/v2/`` -> ``http://host:8080/v2``."""
    text = address.strip().rstrip("/")
    if not text:
        raise ValueError("the REST address is empty")
    if "://" not in text:
        text = "http://" + text
    if not text.endswith("/v2"):
        text += "/v2"
    return text


def rest_client(
    address: str,
    *,
    auth: httpx.Auth | None = None,
    timeout: float = 30.0,
    transport: httpx.AsyncBaseTransport | None = None,
    verify: ssl.SSLContext | bool = True,
    user_agent: str = "tasklink-runtime",
    max_connections: int = 100,
) -> httpx.AsyncClient:
    """The httpx client of the Orchestration Cluster REST API at ``address`` (its base URL
    ends in ``/v2``): the jobs gateway's, and the document store's when jobs come over gRPC."""
    return httpx.AsyncClient(
        base_url=normalize_rest_address(address),
        auth=auth,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": user_agent, "Accept": "application/json"},
        transport=transport,
        verify=verify,
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
    )


class RestGateway:
    """Job activation and job commands against ``POST /v2/jobs/...``.

    ``auth`` is any httpx auth (``None``, :class:`httpx.BasicAuth`, or an OAuth 2.0 scheme
    of :mod:`tasklink.client` through :class:`tasklink.client.HttpxAuth`, whose token
    failures become :class:`AuthenticationError`); ``verify`` is httpx's (an
    :class:`ssl.SSLContext` with a private CA or a client certificate). A job the gateway sends
    malformed is logged, skipped and reported to ``on_malformed_job``; when its key can be
    read it is failed with 0 retries and the reason (an incident), since it would be just
    as unreadable every time it is offered again.
    """

    def __init__(
        self,
        address: str,
        *,
        auth: httpx.Auth | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
        user_agent: str = "tasklink-runtime",
        max_connections: int = 100,
        on_malformed_job: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = normalize_rest_address(address)
        self._auth = auth
        self._timeout = timeout
        self._on_malformed_job = on_malformed_job
        self._client = rest_client(
            address,
            auth=auth,
            timeout=timeout,
            transport=transport,
            verify=verify,
            user_agent=user_agent,
            max_connections=max_connections,
        )

    @property
    def client(self) -> httpx.AsyncClient:
        """The client of the REST API, authenticated (the document store shares it)."""
        return self._client

    async def aclose(self) -> None:
        """Close the connections (and the token client of an OAuth auth)."""
        await self._client.aclose()
        close = getattr(self._auth, "aclose", None)
        if close is not None:
            await close()

    async def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        *,
        action: str,
        timeout: float | None = None,
    ) -> httpx.Response:
        try:
            response = await self._client.request(
                method,
                path,
                json=body,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise GatewayError(f"{action}: {type(exc).__name__}: {exc}") from None
        except (ConnectorError, InputError) as exc:  # the auth flow's token request failed
            raise AuthenticationError.from_token_failure(exc, action) from None
        if response.is_success:
            return response
        raise _gateway_error(response, action)

    async def activate(self, request: ActivationRequest) -> list[ActivatedJob]:
        body: dict[str, Any] = {
            "type": request.job_type,
            "worker": request.worker,
            "timeout": request.timeout_ms,
            "maxJobsToActivate": request.max_jobs,
            "requestTimeout": request.request_timeout_ms,
        }
        if request.fetch_variables is not None:
            body["fetchVariable"] = list(request.fetch_variables)
        if request.tenant_ids:
            body["tenantIds"] = list(request.tenant_ids)
        wait = max(request.request_timeout_ms, 0) / 1000 + _LONG_POLL_MARGIN
        action = f"activating {request.job_type} jobs"
        response = await self._send(
            "POST", "/jobs/activation", body, action=action, timeout=max(wait, self._timeout)
        )
        try:
            payload = response.json()
        except ValueError:
            raise MalformedResponseError(
                f"{action}: the gateway answered HTTP {response.status_code} with a body that "
                f"is not JSON: {response.text[:200]!r}",
                status=response.status_code,
            ) from None
        raw_jobs = payload.get("jobs") if isinstance(payload, dict) else None
        if not isinstance(raw_jobs, list):
            raise MalformedResponseError(
                f"{action}: the gateway's answer has no 'jobs' list: {response.text[:200]!r}",
                status=response.status_code,
            )
        jobs: list[ActivatedJob] = []
        for raw in raw_jobs:
            try:
                jobs.append(parse_rest_job(raw))
            except MalformedJobError as exc:
                _log.error("skipping a malformed job in the activation response: %s", exc)
                if self._on_malformed_job is not None:
                    self._on_malformed_job(str(exc))
                if exc.job_key is not None:
                    await self._reject(request, exc)
        return jobs

    async def _reject(self, request: ActivationRequest, error: MalformedJobError) -> None:
        """Fail an unreadable job with 0 retries: an incident naming the problem."""
        assert error.job_key is not None
        job = ActivatedJob(
            key=error.job_key,
            type=request.job_type,
            variables={},
            headers={},
            retries=0,
            lease_token=error.lease_token,
        )
        try:
            await self.fail(
                job,
                retries=0,
                message=f"the tasklink worker cannot read the job: {error}",
                backoff_ms=0,
                variables={},
            )
        except GatewayError as exc:
            # Then it comes back after its timeout and is failed again.
            _log.warning("could not fail the malformed job %s: %s", error.job_key, exc)

    async def complete(self, job: ActivatedJob, variables: dict[str, Any]) -> None:
        body: dict[str, Any] = {"variables": variables}
        _lease(body, job)
        await self._send(
            "POST", f"/jobs/{_key(job)}/completion", body, action=f"completing job {job.key}"
        )

    async def fail(
        self,
        job: ActivatedJob,
        *,
        retries: int,
        message: str,
        backoff_ms: int,
        variables: dict[str, Any],
    ) -> None:
        body: dict[str, Any] = {
            "retries": retries,
            "errorMessage": message,
            "retryBackOff": backoff_ms,
        }
        if variables:
            body["variables"] = variables
        _lease(body, job)
        await self._send(
            "POST", f"/jobs/{_key(job)}/failure", body, action=f"failing job {job.key}"
        )

    async def throw_error(
        self, job: ActivatedJob, *, code: str, message: str, variables: dict[str, Any]
    ) -> None:
        body: dict[str, Any] = {"errorCode": code, "errorMessage": message}
        if variables:
            body["variables"] = variables
        _lease(body, job)
        await self._send(
            "POST",
            f"/jobs/{_key(job)}/error",
            body,
            action=f"throwing BPMN error {code!r} for job {job.key}",
        )

    async def update_timeout(self, job: ActivatedJob, timeout_ms: int) -> None:
        body: dict[str, Any] = {"changeset": {"timeout": timeout_ms}}
        await self._send(
            "PATCH", f"/jobs/{_key(job)}", body, action=f"updating the timeout of job {job.key}"
        )


def _key(job: ActivatedJob) -> str:
    return quote(job.key, safe="")


def _lease(body: dict[str, Any], job: ActivatedJob) -> None:
    # Only leased activations (8.10+) carry a token; older gateways reject unknown fields.
    if job.lease_token:
        body["leaseToken"] = job.lease_token


def _gateway_error(response: httpx.Response, action: str) -> GatewayError:
    title: str | None = None
    detail = ""
    try:
        problem = response.json()
    except ValueError:
        detail = response.text[:200]
    else:
        if isinstance(problem, dict):
            title = problem.get("title") if isinstance(problem.get("title"), str) else None
            detail = str(problem.get("detail") or "")
        else:
            detail = response.text[:200]
    reason = " ".join(part for part in (title, detail) if part) or response.reason_phrase
    delay = parse_retry_after(response.headers.get("Retry-After"))
    return GatewayError(
        f"{action}: HTTP {response.status_code} {reason}",
        status=response.status_code,
        retry_after=delay.total_seconds() if delay is not None else None,
    )
