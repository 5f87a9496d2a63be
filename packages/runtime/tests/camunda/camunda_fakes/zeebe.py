"""An in-process Zeebe gRPC gateway (grpc.aio on 127.0.0.1) built from the protocol
stubs pyzeebe ships, serving the same :class:`JobStore` as the REST fake."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from typing import Any

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

from .jobstore import FakeJob, JobStore

__all__ = ["FakeZeebe"]


class _Servicer(pb_grpc.GatewayServicer):  # type: ignore[misc]
    def __init__(self, fake: FakeZeebe) -> None:
        self.fake = fake
        self.store = fake.store

    async def _check(self, context: Any, method: str) -> None:
        metadata = dict(context.invocation_metadata() or ())
        self.fake.metadata.append((method, metadata))
        header = metadata.get("authorization", "")
        token, accepts = self.fake.token, self.fake.accepts
        scheme, _, presented = header.partition(" ")
        if (token is not None and header != f"Bearer {token}") or (
            accepts is not None and not (scheme == "Bearer" and accepts(presented))
        ):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid token")
        for fault in list(self.fake.faults):
            if fault[0] == method:
                self.fake.faults.remove(fault)
                await context.abort(fault[1], f"injected {fault[1].name}")

    async def _answer(self, context: Any, result: str, key: int) -> None:
        if result == "not_found":
            await context.abort(grpc.StatusCode.NOT_FOUND, f"job {key} not found")
        if result == "conflict":
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"job {key} not activated")

    def _job(self, job: FakeJob, fetch: list[str]) -> Any:
        return pb.ActivatedJob(
            key=int(job.key),
            type=job.type,
            processInstanceKey=int(job.process_instance_key),
            bpmnProcessId=job.process_definition_id,
            processDefinitionVersion=job.process_definition_version,
            processDefinitionKey=int(job.process_definition_key),
            elementId=job.element_id,
            elementInstanceKey=int(job.element_instance_key),
            customHeaders=json.dumps(job.headers),
            worker=job.worker,
            retries=job.retries,
            deadline=job.deadline_ms,
            variables=json.dumps(self.store.visible_variables(job, fetch)),
            tenantId=job.tenant_id,
        )

    async def ActivateJobs(self, request: Any, context: Any) -> Any:
        await self._check(context, "ActivateJobs")
        fetch = list(request.fetchVariable)
        jobs = await self.store.activate(
            job_type=request.type,
            worker=request.worker,
            timeout_ms=request.timeout,
            max_jobs=request.maxJobsToActivate,
            request_timeout_ms=request.requestTimeout,
            fetch=fetch,
            tenants=list(request.tenantIds) or None,
            record={
                "type": request.type,
                "worker": request.worker,
                "timeout": request.timeout,
                "maxJobsToActivate": request.maxJobsToActivate,
                "fetchVariable": fetch,
                "requestTimeout": request.requestTimeout,
            },
        )
        if jobs:
            yield pb.ActivateJobsResponse(jobs=[self._job(job, fetch) for job in jobs])
            if self.fake.break_streams:
                # The stream breaks after the jobs went out (they stay activated).
                self.fake.break_streams -= 1
                await context.abort(grpc.StatusCode.UNAVAILABLE, "stream broken mid-way")

    async def CompleteJob(self, request: Any, context: Any) -> Any:
        await self._check(context, "CompleteJob")
        body = {"variables": json.loads(request.variables or "{}")}
        await self._answer(context, self.store.complete(str(request.jobKey), body), request.jobKey)
        return pb.CompleteJobResponse()

    async def FailJob(self, request: Any, context: Any) -> Any:
        await self._check(context, "FailJob")
        body = {
            "retries": request.retries,
            "errorMessage": request.errorMessage,
            "retryBackOff": request.retryBackOff,
            "variables": json.loads(request.variables or "{}"),
        }
        await self._answer(context, self.store.fail(str(request.jobKey), body), request.jobKey)
        return pb.FailJobResponse()

    async def ThrowError(self, request: Any, context: Any) -> Any:
        await self._check(context, "ThrowError")
        body = {
            "errorCode": request.errorCode,
            "errorMessage": request.errorMessage,
            "variables": json.loads(request.variables or "{}"),
        }
        result = self.store.throw_error(str(request.jobKey), body)
        await self._answer(context, result, request.jobKey)
        return pb.ThrowErrorResponse()

    async def UpdateJobTimeout(self, request: Any, context: Any) -> Any:
        await self._check(context, "UpdateJobTimeout")
        body = {"changeset": {"timeout": request.timeout}}
        result = self.store.update_timeout(str(request.jobKey), body)
        await self._answer(context, result, request.jobKey)
        return pb.UpdateJobTimeoutResponse()


class FakeZeebe:
    """The gRPC gateway; ``token`` set means calls need ``authorization: Bearer <token>``,
    ``accepts`` a bearer token it approves (an identity provider's ``token_valid``)."""

    def __init__(
        self,
        store: JobStore,
        *,
        token: str | None = None,
        accepts: Callable[[str], bool] | None = None,
    ) -> None:
        self.store = store
        self.token = token
        self.accepts = accepts
        self.faults: deque[tuple[str, grpc.StatusCode]] = deque()
        self.break_streams = 0  # ActivateJobs streams to break after sending jobs
        self.metadata: list[tuple[str, dict[str, str]]] = []
        self._server: grpc.aio.Server | None = None
        self.address = ""

    async def start(self, credentials: grpc.ServerCredentials | None = None) -> str:
        """Listen on 127.0.0.1 (over TLS with ``credentials``); returns ``host:port``."""
        server = grpc.aio.server()
        pb_grpc.add_GatewayServicer_to_server(_Servicer(self), server)
        if credentials is not None:
            port = server.add_secure_port("127.0.0.1:0", credentials)
        else:
            port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        self._server = server
        self.address = f"127.0.0.1:{port}"
        return self.address

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=None)
            self._server = None
