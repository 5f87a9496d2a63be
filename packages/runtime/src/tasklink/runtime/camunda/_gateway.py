"""What a worker needs from a Camunda gateway, whatever the transport (REST or gRPC)."""

from __future__ import annotations

from typing import Any, Protocol

from tasklink.core import ConnectorError, InputError

from ._model import ActivatedJob, ActivationRequest

__all__ = ["AuthenticationError", "Gateway", "GatewayError", "MalformedResponseError"]


class GatewayError(Exception):
    """The gateway refused or failed a request.

    ``status`` is the HTTP status (gRPC codes are mapped to the nearest one: UNAVAILABLE ->
    503, RESOURCE_EXHAUSTED -> 429, UNAUTHENTICATED -> 401, NOT_FOUND -> 404,
    FAILED_PRECONDITION -> 409, INVALID_ARGUMENT -> 400); ``retry_after`` is the delay in
    seconds the gateway asked for, if any. ``status`` is ``None`` when the gateway could not
    be reached at all.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Worth sending again after a backoff: unreachable, throttled or failing server.

        401 counts as retryable because credentials may be rotated without a restart.
        """
        return self.status is None or self.status in (401, 408, 429) or self.status >= 500

    @property
    def job_gone(self) -> bool:
        """The job no longer exists or is not active: there is nothing left to report."""
        return self.status in (404, 409)


class MalformedResponseError(GatewayError):
    """The gateway answered with a body that does not fit the API (logged and retried)."""

    @property
    def retryable(self) -> bool:
        return True


class AuthenticationError(GatewayError):
    """No token for the gateway: its identity provider refused the client credentials,
    answered without a usable token, or could not be reached.

    ``status`` follows the gateway's: 401 for a refusal (retried, since credentials may be
    rotated without a restart), the endpoint's own 408, 429 or 5xx, ``None`` when it could
    not be reached.
    """

    @classmethod
    def from_token_failure(
        cls, error: ConnectorError | InputError, action: str
    ) -> AuthenticationError:
        """The error for a failure of the shared client's token request during ``action``."""
        status = error.variables.get("tokenEndpointStatus")
        if isinstance(status, int) and not (status in (408, 429) or status >= 500):
            # Any other answer, a 2xx without a token included, means the credentials or
            # the token URL are wrong; a 404 must not read as "the job is gone".
            status = 401
        return cls(f"{action}: {error.message}", status=status if isinstance(status, int) else None)


class Gateway(Protocol):
    """Job commands of the Zeebe gateway. Implementations raise :class:`GatewayError`."""

    async def activate(self, request: ActivationRequest) -> list[ActivatedJob]:
        """Long-poll for jobs; an empty list when the request timed out without work."""
        ...

    async def complete(self, job: ActivatedJob, variables: dict[str, Any]) -> None: ...

    async def fail(
        self,
        job: ActivatedJob,
        *,
        retries: int,
        message: str,
        backoff_ms: int,
        variables: dict[str, Any],
    ) -> None: ...

    async def throw_error(
        self, job: ActivatedJob, *, code: str, message: str, variables: dict[str, Any]
    ) -> None: ...

    async def update_timeout(self, job: ActivatedJob, timeout_ms: int) -> None: ...

    async def aclose(self) -> None: ...
