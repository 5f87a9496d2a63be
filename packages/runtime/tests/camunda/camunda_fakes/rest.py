"""An in-process Camunda REST gateway (aiohttp on 127.0.0.1) for contract tests.

Serves the job endpoints of the Orchestration Cluster API from a :class:`JobStore`.
Every request is checked against the official OpenAPI document (path, method, path
parameters, content type, body) and so is every answer it gives; problems are collected
in :attr:`FakeRestGateway.violations` and a test fails if there are any. It also plays an
OAuth2 identity provider (``POST /oauth/token``) and can inject faults: error statuses with
``Retry-After``, malformed bodies, revoked tokens.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import ssl
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tasklink.testing import OpenAPISpec

from .jobstore import FakeJob, JobStore

__all__ = ["OAUTH", "FakeRestGateway", "Fault", "OAuthClient"]


@dataclass
class Fault:
    """Answer the next ``times`` requests of ``operation`` with this instead."""

    operation: str  # operationId: activateJobs, completeJob, failJob, throwJobError, updateJob
    status: int
    times: int = 1
    retry_after: str | None = None
    raw_body: bytes | None = None  # a malformed answer, sent as it is
    content_type: str = "application/problem+json"


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    audience: str | None = None


_BODY = web.RequestKey("body", dict)
_ANY_PATH_STATUSES = (401, 403, 429)

_OPERATIONS = {
    ("POST", "activation"): "activateJobs",
    ("POST", "completion"): "completeJob",
    ("POST", "failure"): "failJob",
    ("POST", "error"): "throwJobError",
    ("PATCH", ""): "updateJob",
}


def _operation_id(request: web.Request) -> str:
    """The API's operationId of a job endpoint request (for fault injection)."""
    parts = request.path.removeprefix("/v2/jobs/").split("/")
    last = parts[-1] if len(parts) > 1 or parts[0] == "activation" else ""
    return _OPERATIONS.get((request.method, last), "")


OAUTH = OAuthClient("tasklink-worker", "a-very-secret-client-secret", audience="zeebe-api")


def _problem(status: int, title: str, detail: str, instance: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }


class FakeRestGateway:
    """``/v2/jobs/...`` plus ``/oauth/token``; ``auth`` is ``none``, ``oauth`` or ``basic``."""

    def __init__(
        self,
        store: JobStore,
        spec: OpenAPISpec | None,
        *,
        auth: str = "none",
        oauth_client: OAuthClient | None = None,
        token_lifetime: int = 300,
        basic_user: tuple[str, str] | None = None,
        validate: bool = True,
    ) -> None:
        self.store = store
        self.spec = spec
        self.auth = auth
        self.oauth_client = oauth_client
        self.token_lifetime = token_lifetime
        self.basic_user = basic_user
        self.validate = validate and spec is not None
        self.violations: list[str] = []
        self.requests: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = []
        self.faults: deque[Fault] = deque()
        self.tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.token_requests: list[dict[str, str]] = []
        self._token_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self, port: int = 0, *, ssl_context: ssl.SSLContext | None = None) -> str:
        """Listen on 127.0.0.1 (``port`` 0: any free port), over TLS with ``ssl_context``;
        returns the base URL."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/v2/jobs/activation", self._activate)
        app.router.add_post("/v2/jobs/{jobKey}/completion", self._complete)
        app.router.add_post("/v2/jobs/{jobKey}/failure", self._fail)
        app.router.add_post("/v2/jobs/{jobKey}/error", self._error)
        app.router.add_patch("/v2/jobs/{jobKey}", self._update)
        app.router.add_post("/oauth/token", self._token)
        app.router.add_post("/_control/jobs", self._control_jobs)
        app.router.add_get("/_control/wait", self._control_wait)
        app.router.add_post("/_control/reset", self._control_reset)
        app.router.add_get("/_control/violations", self._control_violations)
        # Cancel a long poll whose client went away, as the real gateway stops waiting.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, ssl_context=ssl_context)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]
        scheme = "https" if ssl_context is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def rest_address(self) -> str:
        return self.url + "/v2"

    @property
    def token_url(self) -> str:
        return self.url + "/oauth/token"

    # -- faults and auth ---------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        self.faults.append(fault)

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def _fault_for(self, operation: str) -> Fault | None:
        for fault in self.faults:
            if fault.operation == operation and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def token_valid(self, token: str) -> bool:
        """``token`` was issued here, is not revoked and has not expired."""
        expiry = self.tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if self.auth == "none":
            return True
        if self.auth == "oauth":
            scheme, _, token = header.partition(" ")
            return scheme == "Bearer" and self.token_valid(token)
        if self.auth == "basic":
            scheme, _, encoded = header.partition(" ")
            if scheme != "Basic" or self.basic_user is None:
                return False
            expected = base64.b64encode(":".join(self.basic_user).encode()).decode()
            return encoded == expected
        return False

    # -- validation middleware ---------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith("/v2/"):
            return await handler(request)  # type: ignore[no-any-return]
        body = await request.read()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        self.requests.append((request.method, request.path, parsed, dict(request.headers)))
        if self.validate:
            assert self.spec is not None
            problems = self.spec.validate_request(
                request.method,
                str(request.rel_url),
                headers=dict(request.headers),
                body=body,
                content_type=request.headers.get("Content-Type"),
            )
            if problems:
                where = f"{request.method} {request.path}"
                self.violations.extend(f"{where}: {p}" for p in problems)
                return self._answer(
                    request,
                    400,
                    _problem(400, "Bad Request", "; ".join(problems), request.path),
                )
        operation_id = _operation_id(request)
        if not self._authorized(request):
            return self._answer(
                request,
                401,
                _problem(401, "Unauthorized", "missing or invalid credentials", request.path),
                headers={"WWW-Authenticate": "Bearer"},
            )
        fault = self._fault_for(operation_id)
        if fault is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            if fault.raw_body is not None:
                return web.Response(
                    status=fault.status,
                    body=fault.raw_body,
                    content_type=fault.content_type,
                    headers=headers,
                )
            title = "RESOURCE_EXHAUSTED" if fault.status in (429, 503) else "Injected"
            return self._answer(
                request,
                fault.status,
                _problem(fault.status, title, "injected by the test", request.path),
                headers=headers,
            )
        request[_BODY] = parsed or {}
        response: web.StreamResponse = await handler(request)
        return response

    def _answer(
        self,
        request: web.Request,
        status: int,
        payload: Any = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        """Build a response and check it against the API before it leaves."""
        if payload is None:
            response = web.Response(status=status, headers=headers)
            body, content_type = b"", None
        else:
            content_type = "application/json" if status < 400 else "application/problem+json"
            body = json.dumps(payload).encode()
            response = web.Response(
                status=status, body=body, content_type=content_type, headers=headers
            )
        if self.validate:
            assert self.spec is not None
            problems = self.spec.validate_response(
                request.method, request.path, status, body=body, content_type=content_type
            )
            if status in _ANY_PATH_STATUSES and any("not declared" in p for p in problems):
                # Authentication and rate limiting answer on every path, though the API
                # declares 401 for activation only and 429 nowhere (its backpressure
                # answer is 503): the body must still be the API's error body, so it is
                # checked as the operation's declared 400 answer.
                problems = self.spec.validate_response(
                    request.method, request.path, 400, body=body, content_type=content_type
                )
            if status == 204 and body:
                problems.append("a 204 answer must have no body")
            where = f"{request.method} {request.path} -> {status}"
            self.violations.extend(f"{where}: {p}" for p in problems)
        return response

    # -- job endpoints -----------------------------------------------------------------

    def _job_json(self, job: FakeJob, fetch: list[str] | None) -> dict[str, Any]:
        return {
            "type": job.type,
            "processDefinitionId": job.process_definition_id,
            "processDefinitionVersion": job.process_definition_version,
            "elementId": job.element_id,
            "customHeaders": job.headers,
            "worker": job.worker,
            "retries": job.retries,
            "deadline": job.deadline_ms,
            "variables": self.store.visible_variables(job, fetch),
            "tenantId": job.tenant_id,
            "physicalTenantId": "default",
            "jobKey": job.key,
            "processInstanceKey": job.process_instance_key,
            "processDefinitionKey": job.process_definition_key,
            "elementInstanceKey": job.element_instance_key,
            "kind": "BPMN_ELEMENT",
            "listenerEventType": "UNSPECIFIED",
            "userTask": None,
            "tags": [],
            "rootProcessInstanceKey": job.process_instance_key,
            "businessId": None,
            "priority": 0,
            "leaseToken": None,
        }

    async def _activate(self, request: web.Request) -> web.Response:
        data = request[_BODY]
        fetch = data.get("fetchVariable")
        jobs = await self.store.activate(
            job_type=data["type"],
            worker=data.get("worker", ""),
            timeout_ms=data["timeout"],
            max_jobs=data["maxJobsToActivate"],
            request_timeout_ms=data.get("requestTimeout", 0),
            fetch=fetch,
            tenants=data.get("tenantIds"),
            record=data,
        )
        return self._answer(request, 200, {"jobs": [self._job_json(j, fetch) for j in jobs]})

    def _command_answer(self, request: web.Request, result: str) -> web.Response:
        if result == "ok":
            return self._answer(request, 204)
        key = request.match_info["jobKey"]
        if result == "not_found":
            return self._answer(
                request, 404, _problem(404, "NOT_FOUND", f"job {key} not found", request.path)
            )
        return self._answer(
            request,
            409,
            _problem(409, "INVALID_STATE", f"job {key} is not activated", request.path),
        )

    async def _complete(self, request: web.Request) -> web.Response:
        result = self.store.complete(request.match_info["jobKey"], request[_BODY])
        return self._command_answer(request, result)

    async def _fail(self, request: web.Request) -> web.Response:
        result = self.store.fail(request.match_info["jobKey"], request[_BODY])
        return self._command_answer(request, result)

    async def _error(self, request: web.Request) -> web.Response:
        result = self.store.throw_error(request.match_info["jobKey"], request[_BODY])
        return self._command_answer(request, result)

    async def _update(self, request: web.Request) -> web.Response:
        result = self.store.update_timeout(request.match_info["jobKey"], request[_BODY])
        return self._command_answer(request, result)

    # -- control (for a gateway in another process: benchmarks) -----------------------

    async def _control_jobs(self, request: web.Request) -> web.Response:
        """``{"type", "count", "variables"}``: add ``count`` jobs of one type."""
        data = await request.json()
        jobs = [
            self.store.add(data["type"], {**data.get("variables", {}), "index": i})
            for i in range(int(data["count"]))
        ]
        return web.json_response({"keys": [job.key for job in jobs]})

    async def _control_reset(self, request: web.Request) -> web.Response:
        """Forget every job and command (between benchmark rounds)."""
        del request
        self.store.jobs.clear()
        self.store.outcomes.clear()
        self.store.activation_requests.clear()
        self.requests.clear()
        return web.json_response({})

    async def _control_violations(self, request: web.Request) -> web.Response:
        """The contract problems seen so far."""
        del request
        return web.json_response({"violations": self.violations})

    async def _control_wait(self, request: web.Request) -> web.Response:
        """Answer once no job of ``type`` is left unfinished (``timeout`` seconds at most)."""
        job_type = request.query["type"]
        timeout = float(request.query.get("timeout", "60"))

        def finished() -> bool:
            return not any(
                j.type == job_type and j.state in ("activatable", "activated")
                for j in self.store.jobs.values()
            )

        async with asyncio.timeout(timeout):
            # Polled on purpose: checking on every change would cost O(jobs) each time.
            while not finished():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        done = sum(1 for j in self.store.jobs.values() if j.type == job_type)
        return web.json_response({"finished": done})

    # -- identity provider -------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.token_requests.append(form)
        client = self.oauth_client
        if (
            client is None
            or form.get("grant_type") != "client_credentials"
            or form.get("client_id") != client.client_id
            or form.get("client_secret") != client.client_secret
            or (client.audience is not None and form.get("audience") != client.audience)
        ):
            return web.json_response(
                {"error": "invalid_client", "error_description": "Invalid client credentials"},
                status=401,
            )
        token = f"access-token-{next(self._token_ids)}-{time.monotonic_ns()}"
        self.tokens[token] = time.monotonic() + self.token_lifetime
        return web.json_response(
            {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime}
        )
