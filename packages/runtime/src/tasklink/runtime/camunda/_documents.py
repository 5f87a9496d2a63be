"""Camunda 8 documents, kept in the cluster's document store.

References a job brings (``"camunda.document.type": "camunda"``) are read with
``GET /v2/documents/{documentId}?storeId=...&contentHash=...``; documents an operation
returns are stored with ``POST /v2/documents`` (``multipart/form-data``: the ``file`` part
and a JSON ``metadata`` part), and the job's result holds the reference the API answers.
Both go through the REST client the worker uses, with its authentication and TLS, and
both are streamed: a document never sits in memory whole, whatever its size.

Camunda answers 404 for a document that does not exist or has expired, and 400 for a
content hash that does not match (its document services map ``DocumentHashMismatch`` to
``INVALID_ARGUMENT``, though the API document declares no 400 for the download): both end
the job with ``DOCUMENT_NOT_FOUND``, which no retry can fix.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from tasklink.client import (
    FieldNames,
    FormField,
    FormFile,
    StreamedContent,
    Timeouts,
    multipart,
    safe_url,
    status_error,
    transport_error,
)
from tasklink.core import (
    DEFAULT_DOCUMENT_MAX_BYTES,
    DOCUMENT_TYPE,
    ConnectorError,
    Document,
    DocumentCode,
    DocumentError,
    DocumentMetadata,
    ErrorCode,
    InlineDocumentStore,
    InputError,
)

if TYPE_CHECKING:
    from tasklink.core import JobInfo

__all__ = ["CamundaDocumentStore"]

# Of a refusal's body only this much is read, for the problem's detail.
_PROBLEM_BYTES = 64 * 1024
_DOWNLOAD_ACCEPT = "application/octet-stream, application/problem+json"


class CamundaDocumentStore(InlineDocumentStore):
    """The document store of Camunda jobs: Camunda references read from, and returned
    documents stored in, the cluster's document store through ``client`` (the REST API's
    authenticated client, base URL ending in ``/v2``); inline and external references as
    every store reads them.

    ``max_bytes`` bounds each document a job reads or stores. ``owns_client``: whether
    :meth:`aclose` closes ``client`` (and its authentication's token client); the REST
    gateway closes its own.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        max_bytes: int | None = DEFAULT_DOCUMENT_MAX_BYTES,
        owns_client: bool = False,
    ) -> None:
        super().__init__(max_bytes=max_bytes)
        self._client = client
        self._owns_client = owns_client
        timeout = client.timeout
        self._timeouts = Timeouts(connect=timeout.connect, read=timeout.read, total=None)

    async def aclose(self) -> None:
        """Close the client if this store owns it."""
        if self._owns_client:
            await self._client.aclose()
            close = getattr(self._client.auth, "aclose", None)
            if close is not None:
                await close()

    # -- reading --------------------------------------------------------------------------

    def open_camunda(self, reference: Mapping[str, Any], field: str) -> Document:
        document_id = reference.get("documentId")
        if not isinstance(document_id, str) or not document_id:
            raise DocumentError("a Camunda document reference needs its documentId")
        metadata = DocumentMetadata.from_json(reference.get("metadata"))
        limit = self.max_bytes
        if limit is not None and metadata.size is not None and metadata.size > limit:
            raise DocumentError(
                f"the Camunda document {document_id} is {metadata.size} bytes, more than "
                f"the {limit} a job may read (document_max_bytes)"
            )
        query = tuple(
            (name, value)
            for name in ("storeId", "contentHash")
            if isinstance(value := reference.get(name), str) and value
        )

        def opener() -> AsyncIterator[bytes]:
            # The field as it is when the content is read: a connector may name the
            # document more precisely after validation (``attachments[2]``).
            return self._download(document_id, query, document.field)

        document = Document(opener, metadata, reference=reference, limit=limit, field=field)
        return document

    async def _download(
        self, document_id: str, query: tuple[tuple[str, str], ...], field: str
    ) -> AsyncIterator[bytes]:
        request = self._client.build_request(
            "GET",
            f"/documents/{quote(document_id, safe='')}",
            params=query,
            headers={"Accept": _DOWNLOAD_ACCEPT},
        )
        response = await self._send(request, field, stream=True)
        try:
            if response.status_code >= 400:
                raise await self._refused_download(response, document_id, field)
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            except httpx.HTTPError as exc:
                raise self._unreachable(exc, request, field) from None
        finally:
            await response.aclose()

    async def _refused_download(
        self, response: httpx.Response, document_id: str, field: str
    ) -> ConnectorError:
        body = b""
        with contextlib.suppress(httpx.HTTPError):  # the status says enough without it
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > _PROBLEM_BYTES:
                    break
        status = response.status_code
        where = f"GET {safe_url(response.request.url)}: HTTP {status}"
        variables = {"status": status, "documentId": document_id}
        detail = _problem_detail(body)
        if status in (400, 404):
            what = "does not exist or has expired" if status == 404 else "cannot be read"
            return ConnectorError(
                f"{field}: the Camunda document {document_id} {what}"
                + (f": {detail}" if detail else "")
                + f" ({where})",
                code=DocumentCode.DOCUMENT_NOT_FOUND,
                variables=variables,
                retryable=False,
            )
        error = status_error(
            "GET",
            safe_url(response.request.url),
            status,
            response.reason_phrase,
            variables=variables,
            retry_after=response.headers.get("Retry-After"),
        )
        return _named(error, field, detail)

    # -- storing --------------------------------------------------------------------------

    async def save(self, document: Document, job: JobInfo) -> dict[str, Any]:
        reference = document.reference
        if reference is not None and reference.get(DOCUMENT_TYPE) == "camunda":
            return dict(reference)  # already in Camunda's store: passed on, not stored again
        meta = document.metadata
        name = f"the document {meta.file_name!r}" if meta.file_name else "a document"
        what = f"storing {name} in Camunda"
        limit = self.max_bytes
        if limit is not None and meta.size is not None and meta.size > limit:
            raise ConnectorError(
                f"{what}: it is {meta.size} bytes, more than the {limit} a job may store "
                "(document_max_bytes)",
                code=DocumentCode.DOCUMENT_TOO_LARGE,
                retryable=False,
            )
        # Read through this store's limit: content of unknown size that passes it ends the
        # upload half-way, and Camunda stores nothing of an unfinished request.
        bounded = Document(document.chunks, meta, limit=limit, field=what)
        data = json.dumps(_upload_metadata(meta, job), default=str)
        body, content_type = multipart(
            [
                FormFile("file", bounded),
                # The API wants the metadata as a JSON part (its encoding says so).
                FormField("metadata", data, content_type="application/json"),
            ]
        )
        assert isinstance(body, StreamedContent)  # a document part is never read into memory
        response = await self._upload(body, content_type, what)
        if response.status_code >= 400:
            error = status_error(
                "POST",
                safe_url(response.request.url),
                response.status_code,
                response.reason_phrase,
                variables={"status": response.status_code},
                retry_after=response.headers.get("Retry-After"),
            )
            raise _named(error, what, _problem_detail(response.content[:_PROBLEM_BYTES]))
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("documentId"), str):
            raise ConnectorError(
                f"{what}: POST {safe_url(response.request.url)} answered HTTP "
                f"{response.status_code} without a document reference",
                code=ErrorCode.UNKNOWN_ERROR,
            )
        answer.setdefault(DOCUMENT_TYPE, "camunda")  # clusters before 8.7 leave it out
        return answer

    async def _upload(self, body: StreamedContent, content_type: str, what: str) -> httpx.Response:
        for attempt in (1, 2):
            request = self._client.build_request(
                "POST",
                "/documents",
                content=_marked(body.open()),
                headers={"Content-Type": content_type},
            )
            try:
                return await self._send(request, what, stream=False)
            except _ContentError as exc:
                raise exc.error from None  # the document's own failure, as it is
            except httpx.StreamConsumed:
                # The auth flow renewed a token the API refused and sent the request again
                # with its body already read: send it once more, the body read afresh.
                if attempt == 2:
                    break
        raise ConnectorError(
            f"{what}: POST {safe_url(self._client.base_url)}/documents: the API refused "
            "the renewed credentials",
            code=ErrorCode.UNAUTHORIZED,
            retryable=False,
        )

    # -- both -----------------------------------------------------------------------------

    async def _send(self, request: httpx.Request, what: str, *, stream: bool) -> httpx.Response:
        try:
            return await self._client.send(request, stream=stream)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc, request, what) from None
        except (ConnectorError, InputError) as exc:  # the auth flow's token request failed
            raise _named(exc, what) from None

    def _unreachable(
        self, exc: httpx.HTTPError, request: httpx.Request, what: str
    ) -> ConnectorError:
        error = transport_error(
            exc, request.method, safe_url(request.url), self._timeouts, FieldNames()
        )
        return _named(error, what)


class _ContentError(Exception):
    """What reading a document raised while it was being sent, kept apart from the
    request's own failures (the auth flow's token request raises the same types)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


async def _marked(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield chunk
    except Exception as exc:
        raise _ContentError(exc) from exc


def _named(error: ConnectorError | InputError, what: str, detail: str = "") -> ConnectorError:
    """``error`` as a connector error whose message starts with ``what`` (the field)."""
    message = f"{what}: {error.message}" + (f": {detail}" if detail else "")
    if isinstance(error, ConnectorError):
        return ConnectorError(
            message,
            code=error.code,
            variables=error.variables,
            retryable=error.retryable,
            backoff=error.backoff,
        )
    # The operator's settings (the token URL, say), not the job's input: no retry helps.
    return ConnectorError(message, code=error.code, variables=error.variables, retryable=False)


def _problem_detail(body: bytes) -> str:
    """The ``detail`` (else ``title``) of an RFC 9457 problem, else the start of the body."""
    with contextlib.suppress(ValueError):
        problem = json.loads(body)
        if isinstance(problem, dict):
            for key in ("detail", "title"):
                text = problem.get(key)
                if isinstance(text, str) and text.strip():
                    return text.strip()[:500]
    return body[:200].decode("utf-8", "replace").strip()


def _upload_metadata(meta: DocumentMetadata, job: JobInfo) -> dict[str, Any]:
    """The ``metadata`` part: what is known of the document, and the process it is for."""
    data = meta.to_json()
    if job.process_definition_id:
        data["processDefinitionId"] = job.process_definition_id
    if job.process_instance_key:
        data["processInstanceKey"] = job.process_instance_key
    return data
