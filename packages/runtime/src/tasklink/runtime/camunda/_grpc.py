"""The Zeebe gRPC gateway through pyzeebe (``tasklink-runtime[zeebe]``), for 8.5 to 8.8.

pyzeebe's gateway adapter sends ActivateJobs, CompleteJob, FailJob, ThrowError and
UpdateJobTimeout; this module maps its jobs and errors to the transport-neutral ones the
worker uses. OAuth tokens come from the same scheme, token client and process-wide cache
as REST (:meth:`tasklink.client.HttpxAuth.applied`), attached by channel interceptors so
plaintext self-managed gateways work too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import grpc
from pyzeebe.errors import (
    ActivateJobsRequestInvalidError,
    JobAlreadyDeactivatedError,
    JobNotFoundError,
    PyZeebeError,
    ZeebeBackPressureError,
    ZeebeDeadlineExceeded,
    ZeebeError,
    ZeebeGatewayUnavailableError,
    ZeebeInternalError,
)
from pyzeebe.grpc_internals.zeebe_adapter import ZeebeAdapter

from tasklink.core import ConnectorError, InputError

from .._engines import EngineError
from ._gateway import AuthenticationError, GatewayError
from ._model import ActivatedJob, ActivationRequest, header_text
from ._tls import grpc_root_certificates

if TYPE_CHECKING:
    from pyzeebe import Job as ZeebeJob

    from tasklink.client import AppliedAuth, HttpxAuth

__all__ = ["BearerCredentials", "GrpcGateway", "grpc_target"]

_log = logging.getLogger("tasklink.runtime.camunda.grpc")

_STATUS = {
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.CANCELLED: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.INTERNAL: 500,
}


def grpc_target(address: str, tls: bool | None, *, oauth: bool) -> tuple[str, bool]:
    """``grpcs://host:443`` -> (``host:443``, TLS). A bare ``host:port`` uses TLS when
    ``tls`` says so, else when OAuth is on (SaaS), else plaintext."""
    text = address.strip()
    if "://" in text:
        parsed = urlparse(text)
        secure = parsed.scheme in ("grpcs", "https")
        if parsed.scheme not in ("grpcs", "https", "grpc", "http"):
            raise ValueError(f"unknown scheme in gRPC address {address!r}")
        port = parsed.port or (443 if secure else 26500)
        host = parsed.hostname or "localhost"
        return f"{host}:{port}", secure if tls is None else tls
    return text, (oauth if tls is None else tls)


class _ClientCallDetails(grpc.aio.ClientCallDetails):
    pass


class BearerCredentials:
    """The ``authorization`` metadata of every call, from an :class:`HttpxAuth`.

    An interceptor does not see how a streamed call ends, so the gateway reports a refused
    credential (UNAUTHENTICATED) through :meth:`renew`; as over REST, only a cached token
    is dropped, and the next call fetches a new one.
    """

    def __init__(self, auth: HttpxAuth) -> None:
        self.auth = auth
        self._sent: AppliedAuth | None = None

    async def metadata(self) -> list[tuple[str, str]]:
        """The credential's headers as metadata; a failed token request raises
        :class:`AuthenticationError` (the worker backs off and polls again)."""
        try:
            applied = await self.auth.applied()
        except (ConnectorError, InputError) as exc:
            raise AuthenticationError.from_token_failure(exc, "authenticating to Zeebe") from None
        self._sent = applied
        # gRPC metadata keys are lower case (HTTP/2 header names).
        return [(name.lower(), value) for name, value in applied.headers.items()]

    def renew(self) -> None:
        """Drop the token sent last if it is still the cached one. Calls share one token,
        so that is the refused one (or, rarely, one fetched since: one token request more)."""
        sent, self._sent = self._sent, None
        if sent is not None and sent.renew is not None:
            sent.renew()

    def interceptors(self) -> list[grpc.aio.ClientInterceptor]:
        """For unary calls (commands) and server streams (ActivateJobs): grpc.aio files an
        interceptor under its first matching kind only, hence two objects."""
        return [_UnaryBearer(self), _StreamBearer(self)]

    async def aclose(self) -> None:
        await self.auth.aclose()


class _Bearer:
    def __init__(self, credentials: BearerCredentials) -> None:
        self.credentials = credentials

    async def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata()
        for key, value in details.metadata or ():
            metadata.add(key, value)
        for key, value in await self.credentials.metadata():
            metadata.add(key, value)
        return _ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )


class _UnaryBearer(_Bearer, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(
        self, continuation: Callable[..., Awaitable[Any]], client_call_details: Any, request: Any
    ) -> Any:
        return await continuation(await self._details(client_call_details), request)


class _StreamBearer(_Bearer, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(
        self, continuation: Callable[..., Awaitable[Any]], client_call_details: Any, request: Any
    ) -> Any:
        return await continuation(await self._details(client_call_details), request)


def _status_of(error: BaseException) -> int:
    if isinstance(error, ZeebeBackPressureError):
        return 429
    if isinstance(error, ZeebeGatewayUnavailableError):
        return 503
    if isinstance(error, ZeebeInternalError):
        return 500
    if isinstance(error, ZeebeDeadlineExceeded):
        return 504
    if isinstance(error, JobNotFoundError):
        return 404
    if isinstance(error, JobAlreadyDeactivatedError):
        return 409
    if isinstance(error, ActivateJobsRequestInvalidError):
        return 400
    rpc = error.grpc_error if isinstance(error, ZeebeError) else error
    if isinstance(rpc, grpc.aio.AioRpcError):
        return _STATUS.get(rpc.code(), 500)
    return 500


def _describe(error: BaseException) -> str:
    rpc = error.grpc_error if isinstance(error, ZeebeError) else error
    if isinstance(rpc, grpc.aio.AioRpcError):
        return f"{rpc.code().name}: {rpc.details()}"
    return f"{type(error).__name__}: {error}"


def _gateway_error(error: BaseException, action: str) -> GatewayError:
    return GatewayError(f"{action}: {_describe(error)}", status=_status_of(error))


def _job(job: ZeebeJob) -> ActivatedJob:
    return ActivatedJob(
        key=str(job.key),
        type=job.type,
        variables=dict(job.variables),
        headers={str(k): header_text(v) for k, v in job.custom_headers.items()},
        retries=job.retries,
        deadline_ms=job.deadline or None,
        process_instance_key=str(job.process_instance_key),
        process_definition_id=job.bpmn_process_id or None,
        process_definition_key=str(job.process_definition_key),
        process_definition_version=job.process_definition_version,
        element_id=job.element_id or None,
        element_instance_key=str(job.element_instance_key),
        tenant_id=job.tenant_id or None,
    )


class GrpcGateway:
    """Job commands over gRPC through pyzeebe's gateway adapter."""

    def __init__(
        self, channel: grpc.aio.Channel, *, credentials: BearerCredentials | None = None
    ) -> None:
        """``credentials``: the ones whose interceptors the channel carries (see
        :meth:`connect`), renewed when the gateway refuses them."""
        self._channel = channel
        self._adapter = ZeebeAdapter(channel)
        self._credentials = credentials

    @classmethod
    def connect(
        cls,
        address: str,
        *,
        tls: bool | None = None,
        auth: HttpxAuth | None = None,
        root_certificates: bytes | None = None,
        certificate_chain: bytes | None = None,
        private_key: bytes | None = None,
    ) -> GrpcGateway:
        """Open a channel the way pyzeebe does (its keep-alive options) to ``address``.

        ``auth`` (an OAuth 2.0 scheme of :mod:`tasklink.client`) sends its token with every
        call. A TLS channel trusts the store every tasklink connection shares (certifi's
        list, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``) plus ``root_certificates`` (a private
        CA, PEM); ``certificate_chain`` and ``private_key`` (unencrypted PEM) identify the
        client (mTLS). Any of them turns TLS on for a bare ``host:port`` unless ``tls``
        says otherwise. An unreadable CA raises :class:`~tasklink.runtime.EngineError`.
        """
        from pyzeebe.channel.channel_options import get_channel_options

        pinned = root_certificates is not None or certificate_chain is not None
        if tls is None and pinned and "://" not in address:
            tls = True  # TLS material for a bare host:port means TLS (a scheme decides itself)
        target, secure = grpc_target(address, tls, oauth=auth is not None)
        bearer = BearerCredentials(auth) if auth is not None else None
        interceptors = bearer.interceptors() if bearer is not None else None
        options = get_channel_options()
        if secure:
            try:
                trusted = grpc_root_certificates(root_certificates)
            except InputError as exc:
                raise EngineError(f"camunda {exc.message}") from None
            credentials = grpc.ssl_channel_credentials(
                root_certificates=trusted,
                private_key=private_key,
                certificate_chain=certificate_chain,
            )
            channel = grpc.aio.secure_channel(
                target, credentials, options=options, interceptors=interceptors
            )
        else:
            channel = grpc.aio.insecure_channel(target, options=options, interceptors=interceptors)
        return cls(channel, credentials=bearer)

    def _refused(self, error: GatewayError) -> GatewayError:
        if error.status == 401 and self._credentials is not None:
            self._credentials.renew()
        return error

    async def _call(self, action: str, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except (PyZeebeError, grpc.aio.AioRpcError) as exc:
            raise self._refused(_gateway_error(exc, action)) from None

    async def activate(self, request: ActivationRequest) -> list[ActivatedJob]:
        action = f"activating {request.job_type} jobs"
        jobs: list[ActivatedJob] = []
        try:
            async for job in self._adapter.activate_jobs(
                task_type=request.job_type,
                worker=request.worker,
                timeout=request.timeout_ms,
                max_jobs_to_activate=request.max_jobs,
                variables_to_fetch=list(request.fetch_variables or ()),
                request_timeout=request.request_timeout_ms,
                tenant_ids=list(request.tenant_ids) or None,
            ):
                jobs.append(_job(job))
        except (PyZeebeError, grpc.aio.AioRpcError) as exc:
            error = self._refused(_gateway_error(exc, action))
            if jobs:
                # The jobs already received are activated for us: run them rather than
                # leave them locked until their timeout. The next poll meets the error.
                _log.warning("%s; running the %d jobs received before it", error, len(jobs))
                return jobs
            raise error from None
        except (json.JSONDecodeError, TypeError, AttributeError) as exc:
            error = GatewayError(f"{action}: malformed job from the gateway: {exc}")
            if jobs:
                _log.warning("%s; running the %d jobs received before it", error, len(jobs))
                return jobs
            raise error from None
        return jobs

    async def complete(self, job: ActivatedJob, variables: dict[str, Any]) -> None:
        await self._call(
            f"completing job {job.key}",
            self._adapter.complete_job(job_key=int(job.key), variables=variables),
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
        await self._call(
            f"failing job {job.key}",
            self._adapter.fail_job(
                job_key=int(job.key),
                retries=retries,
                message=message,
                retry_back_off_ms=backoff_ms,
                variables=variables,
            ),
        )

    async def throw_error(
        self, job: ActivatedJob, *, code: str, message: str, variables: dict[str, Any]
    ) -> None:
        await self._call(
            f"throwing BPMN error {code!r} for job {job.key}",
            self._adapter.throw_error(
                job_key=int(job.key), message=message, variables=variables, error_code=code
            ),
        )

    async def update_timeout(self, job: ActivatedJob, timeout_ms: int) -> None:
        await self._call(
            f"updating the timeout of job {job.key}",
            self._adapter.update_job_timeout(job_key=int(job.key), timeout=timeout_ms),
        )

    async def aclose(self) -> None:
        await self._channel.close()
        if self._credentials is not None:
            await self._credentials.aclose()
