"""An in-process Camunda REST gateway (aiohttp on 127.0.0.1) for contract tests.

Serves the job endpoints of the Orchestration Cluster API from a :class:`JobStore`, and its
document endpoints (upload, download, delete) from a :class:`DocumentVault`, streamed both
ways. Every request is checked against the official OpenAPI document (path, method, path
parameters, content type, body; for a multipart upload each part, the file streamed past
and the parts' content types checked against the spec's encoding) and so is every answer it
gives; problems are collected in :attr:`FakeRestGateway.violations` and a test fails if
there are any. It also plays an OAuth2 identity provider (``POST /oauth/token``) and can
inject faults: error statuses with ``Retry-After``, malformed bodies, revoked tokens,
expired documents; and outages: every API request answered with one status
(:meth:`FakeRestGateway.start_outage`), or the gateway gone, its connections cut and new
ones refused (:meth:`FakeRestGateway.go_offline`), until it comes back on the same port.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import socket
import ssl
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from tasklink.testing import OpenAPISpec

from .documents import CHUNK, DocumentVault, Upload, pattern
from .jobstore import FakeJob, JobStore

__all__ = ["OAUTH", "FakeRestGateway", "Fault", "OAuthClient"]


@dataclass
class Fault:
    """Answer the next ``times`` requests of ``operation`` with this instead; with
    ``lose_answer``, carry them out and cut the connection instead of answering (the
    client cannot tell whether they were applied; ``status`` is not used)."""

    # operationId: activateJobs, completeJob, failJob, throwJobError, updateJob,
    # createDocument, getDocument, deleteDocument
    operation: str
    status: int
    times: int = 1
    retry_after: str | None = None
    raw_body: bytes | None = None  # a malformed answer, sent as it is
    content_type: str = "application/problem+json"
    lose_answer: bool = False


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    audience: str | None = None


_BODY = web.RequestKey("body", dict)
_ANY_PATH_STATUSES = (401, 403, 429, 500, 503)

_OPERATIONS = {
    ("POST", "activation"): "activateJobs",
    ("POST", "completion"): "completeJob",
    ("POST", "failure"): "failJob",
    ("POST", "error"): "throwJobError",
    ("PATCH", ""): "updateJob",
}


_DOCUMENTS = "/v2/documents"
# The largest multipart part other than the file that an upload may hold (its metadata).
_SMALL_PART = 64 * 1024


def _operation_id(request: web.Request) -> str:
    """The API's operationId of a job or document request (for fault injection)."""
    if request.path.startswith(_DOCUMENTS):
        if request.path == _DOCUMENTS:
            return "createDocument" if request.method == "POST" else ""
        return {"GET": "getDocument", "DELETE": "deleteDocument"}.get(request.method, "")
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


@dataclass
class _Parts:
    """An upload's multipart body as read: the form fields as the spec's schema sees them
    (a binary part as a placeholder), each part's headers, the file part's name and
    content type, and what breaks the spec's encoding."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    heads: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    file_name: str | None = None
    file_type: str | None = None


def _is_upload(request: web.Request) -> bool:
    """An upload's body is streamed by its handler, never read whole."""
    return request.method == "POST" and request.path == _DOCUMENTS


async def _drain(request: web.Request) -> None:
    """Read a request body that is refused, chunk by chunk, so its client gets the answer."""
    while await request.content.read(CHUNK):
        pass


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class FakeRestGateway:
    """``/v2/jobs/...``, ``/v2/documents...`` (kept in :attr:`documents`; each upload's
    parts recorded in :attr:`uploads`) plus ``/oauth/token``; ``auth`` is ``none``,
    ``oauth`` or ``basic``."""

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
        self.documents = DocumentVault()
        # Every upload received: its form fields (the file as a placeholder) and the
        # headers of its parts, by part name.
        self.uploads: list[dict[str, Any]] = []
        self.tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.token_requests: list[dict[str, str]] = []
        self._token_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._port = 0
        # Holds the port while the gateway is offline: bound, not listening, so connections
        # are refused and no other program takes the port meanwhile.
        self._holder: socket.socket | None = None
        # While set, every API request is answered with this status (an outage).
        self.outage: int | None = None
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
        app.router.add_post(_DOCUMENTS, self._create_document)
        app.router.add_get(_DOCUMENTS + "/{documentId}", self._get_document)
        app.router.add_delete(_DOCUMENTS + "/{documentId}", self._delete_document)
        app.router.add_post("/oauth/token", self._token)
        app.router.add_post("/_control/documents", self._control_documents)
        app.router.add_post("/_control/jobs", self._control_jobs)
        app.router.add_get("/_control/outcomes", self._control_outcomes)
        app.router.add_get("/_control/wait", self._control_wait)
        app.router.add_post("/_control/reset", self._control_reset)
        app.router.add_get("/_control/violations", self._control_violations)
        # Cancel a long poll whose client went away, as the real gateway stops waiting.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        self._ssl_context = ssl_context
        await self._listen(port)
        scheme = "https" if ssl_context is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self._port}"
        return self.url

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, "127.0.0.1", port, ssl_context=self._ssl_context)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self._site = site
        self._port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._release_port()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None
        self.documents.clear()

    # -- outages -----------------------------------------------------------------------

    def start_outage(self, status: int = 503) -> None:
        """Answer every API request with ``status`` (a problem body, no ``Retry-After``)
        until :meth:`end_outage`; activations already waiting go on."""
        self.outage = status

    def end_outage(self) -> None:
        self.outage = None

    @property
    def offline(self) -> bool:
        return self._holder is not None

    async def go_offline(self) -> None:
        """The gateway goes away, as when its process dies: the listening socket is
        closed, so new connections are refused, and the open ones (waiting activations,
        idle pooled connections) are cut. Jobs and documents stay for :meth:`go_online`."""
        assert self._runner is not None and self._site is not None, "not serving"
        await self._site.stop()  # closes the listening socket; connections stay open
        self._site = None
        server = self._runner.server
        for handler in list(server.connections if server is not None else ()):
            transport = handler.transport
            if transport is not None:
                transport.abort()  # a reset, not a graceful close
        await asyncio.sleep(0)  # the aborted sockets close in the next loop iteration
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.bind(("127.0.0.1", self._port))
        except OSError:
            holder.close()
            raise
        self._holder = holder

    async def go_online(self) -> None:
        """Listen again on the same port (after :meth:`go_offline`)."""
        assert self._runner is not None, "not started"
        self._release_port()
        await self._listen(self._port)

    def _release_port(self) -> None:
        if self._holder is not None:
            self._holder.close()
            self._holder = None

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
        upload = _is_upload(request)
        body = b"" if upload else await request.read()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        self.requests.append((request.method, request.path, parsed, dict(request.headers)))
        if self.validate and not upload:  # an upload is checked part by part as it streams
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
            if upload:
                await _drain(request)
            return self._answer(
                request,
                401,
                _problem(401, "Unauthorized", "missing or invalid credentials", request.path),
                headers={"WWW-Authenticate": "Bearer"},
            )
        if self.outage is not None:
            if upload:
                await _drain(request)
            return self._answer(
                request,
                self.outage,
                _problem(
                    self.outage,
                    "UNAVAILABLE",
                    "the gateway is down (a test's outage)",
                    request.path,
                ),
            )
        fault = self._fault_for(operation_id)
        if fault is not None and fault.lose_answer:
            request[_BODY] = parsed or {}
            await handler(request)
            assert request.transport is not None
            request.transport.abort()  # a reset: the answer never leaves
            # The lost connection cancels this handler (handler_cancellation).
            await asyncio.Event().wait()
        if fault is not None:
            if upload:
                await _drain(request)
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
        checked_as: int | None = None,
    ) -> web.Response:
        """Build a response and check it against the API before it leaves (``checked_as``:
        the declared status whose body it must match, for one the API leaves out)."""
        if payload is None:
            response = web.Response(status=status, headers=headers)
            body, content_type = b"", None
        else:
            content_type = "application/json" if status < 400 else "application/problem+json"
            body = json.dumps(payload).encode()
            response = web.Response(
                status=status, body=body, content_type=content_type, headers=headers
            )
        self._check_answer(request, status, body, content_type, checked_as)
        return response

    def _check_answer(
        self,
        request: web.Request,
        status: int,
        body: bytes,
        content_type: str | None,
        checked_as: int | None = None,
    ) -> None:
        if not self.validate:
            return
        assert self.spec is not None
        problems = self.spec.validate_response(
            request.method, request.path, checked_as or status, body=body, content_type=content_type
        )
        if status in _ANY_PATH_STATUSES and any("not declared" in p for p in problems):
            # Authentication, rate limiting and a failing server answer on every path,
            # though the API declares 401 for activation only, 429 nowhere (its
            # backpressure answer is 503) and 500 not for an upload: the body must still
            # be the API's error body, so it is checked as the operation's declared 400
            # answer (404 for a download, which declares no 400).
            declared = 404 if _operation_id(request) == "getDocument" else 400
            problems = self.spec.validate_response(
                request.method, request.path, declared, body=body, content_type=content_type
            )
        if status == 204 and body:
            problems.append("a 204 answer must have no body")
        where = f"{request.method} {request.path} -> {status}"
        self.violations.extend(f"{where}: {p}" for p in problems)

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

    # -- document endpoints ------------------------------------------------------------

    def _multipart_schema(self) -> tuple[set[str], dict[str, str]]:
        """The upload's binary parts and the content type the spec's encoding sets per part
        (from the API document; without one, Camunda's: the file, metadata as JSON)."""
        if self.spec is None:
            return {"file"}, {"metadata": "application/json"}
        operation = self.spec.find_operation("POST", _DOCUMENTS)
        media = operation.definition["requestBody"]["content"]["multipart/form-data"]
        binary = {
            name
            for name, schema in media["schema"]["properties"].items()
            if schema.get("format") == "binary"
        }
        encoding = {
            name: entry["contentType"]
            for name, entry in media.get("encoding", {}).items()
            if "contentType" in entry
        }
        return binary, encoding

    async def _read_parts(self, request: web.Request, upload: Upload) -> _Parts:
        """Stream an upload's parts: binary ones into ``upload``, the others (small) as
        text, each checked against the content type the spec's encoding sets for it."""
        binary, encoding = self._multipart_schema()
        parts = _Parts()
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                parts.problems.append("a part is itself multipart")
                await part.release()
                continue
            name = part.name or ""
            parts.heads[name] = dict(part.headers)
            wanted = encoding.get(name)
            given = _media(part.headers.get("Content-Type"))
            if wanted is not None and given not in {_media(t) for t in wanted.split(",")}:
                parts.problems.append(
                    f"part {name!r} has content type {given or '(none)'!r}; "
                    f"the API's encoding wants {wanted!r}"
                )
            if name in binary:
                while chunk := await part.read_chunk(CHUNK):
                    upload.write(chunk)
                parts.fields.setdefault(name, []).append("(binary content)")
                parts.file_name, parts.file_type = part.filename, given or None
                continue
            data = bytearray()
            while chunk := await part.read_chunk(CHUNK):
                data += chunk
                if len(data) > _SMALL_PART:
                    parts.problems.append(f"part {name!r} is larger than {_SMALL_PART} bytes")
                    await part.release()
                    break
            parts.fields.setdefault(name, []).append(data.decode("utf-8", "replace"))
        return parts

    async def _create_document(self, request: web.Request) -> web.Response:
        where = f"{request.method} {request.path}"
        content_type = request.headers.get("Content-Type")
        if _media(content_type) != "multipart/form-data":
            await _drain(request)
            problem = f"request content type {content_type!r} is not multipart/form-data"
            self.violations.append(f"{where}: {problem}")
            return self._answer(
                request, 415, _problem(415, "Unsupported Media Type", problem, request.path)
            )
        upload = self.documents.upload()
        try:
            parts = await self._read_parts(request, upload)
        except BaseException:
            upload.discard()
            raise
        self.uploads.append({"fields": parts.fields, "parts": parts.heads})
        problems = parts.problems
        if self.validate:
            assert self.spec is not None
            problems += self.spec.validate_request(
                request.method,
                str(request.rel_url),
                headers=dict(request.headers),
                body=parts.fields,
                content_type=content_type,
            )
        fields = parts.fields
        try:
            metadata = json.loads(fields["metadata"][-1]) if "metadata" in fields else {}
        except ValueError:
            metadata = None  # the spec check above has said why
        if problems or not isinstance(metadata, dict):
            upload.discard()
            self.violations.extend(f"{where}: {p}" for p in problems)
            detail = "; ".join(problems) or "the metadata part is not a JSON object"
            return self._answer(request, 400, _problem(400, "Bad Request", detail, request.path))
        stored = self.documents.store(
            upload, metadata, file_name=parts.file_name, content_type=parts.file_type
        )
        return self._answer(request, 201, stored.reference())

    async def _get_document(self, request: web.Request) -> web.StreamResponse:
        document_id = request.match_info["documentId"]
        stored = self.documents.get(document_id)
        if stored is None:
            detail = f"Document with id '{document_id}' not found"
            return self._answer(request, 404, _problem(404, "NOT_FOUND", detail, request.path))
        given = request.query.get("contentHash", "")
        if given != stored.content_hash:
            # Camunda's document services check the hash first and answer 400
            # (INVALID_ARGUMENT), which the API document does not declare for the
            # download: the body must still be its error body.
            detail = (
                f"Document hash for document {document_id} doesn't match the provided hash {given}"
                if given.strip()
                else f"No document hash provided for document {document_id}"
            )
            return self._answer(
                request,
                400,
                _problem(400, "INVALID_ARGUMENT", detail, request.path),
                checked_as=404,
            )
        content_type = "application/octet-stream"
        # The content is not JSON: only the status and content type are checked.
        self._check_answer(request, 200, b"(binary content)", content_type)
        response = web.StreamResponse(status=200, headers={"Content-Type": content_type})
        response.content_length = stored.size
        await response.prepare(request)
        for chunk in stored.chunks():
            await response.write(chunk)
        await response.write_eof()
        return response

    async def _delete_document(self, request: web.Request) -> web.Response:
        document_id = request.match_info["documentId"]
        if not self.documents.delete(document_id):
            detail = f"Document with id '{document_id}' not found"
            return self._answer(request, 404, _problem(404, "NOT_FOUND", detail, request.path))
        return self._answer(request, 204)

    # -- control (for a gateway in another process: benchmarks) -----------------------

    async def _control_documents(self, request: web.Request) -> web.Response:
        """``{"size", "fileName", "contentType"}``: store a document of ``size`` generated
        bytes (:func:`pattern`) and answer its reference."""
        data = await request.json()
        metadata = {k: v for k, v in data.items() if k in ("fileName", "contentType")}
        stored = self.documents.add(pattern(int(data["size"])), **metadata)
        return web.json_response(stored.reference())

    async def _control_jobs(self, request: web.Request) -> web.Response:
        """``{"type", "count", "variables", "headers"}``: add ``count`` jobs of one type."""
        data = await request.json()
        jobs = [
            self.store.add(
                data["type"],
                {**data.get("variables", {}), "index": i},
                headers=data.get("headers"),
            )
            for i in range(int(data["count"]))
        ]
        return web.json_response({"keys": [job.key for job in jobs]})

    async def _control_outcomes(self, request: web.Request) -> web.Response:
        """The commands received for the job ``key``: ``[{"kind", "body"}]``."""
        outcomes = self.store.outcomes_of(request.query["key"])
        return web.json_response([{"kind": o.kind, "body": o.body} for o in outcomes])

    async def _control_reset(self, request: web.Request) -> web.Response:
        """Forget every job, command and document (between benchmark rounds)."""
        del request
        self.store.jobs.clear()
        self.store.outcomes.clear()
        self.store.activation_requests.clear()
        self.store.polls.clear()
        self.store.activations.clear()
        self.requests.clear()
        self.documents.clear()
        self.uploads.clear()
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
