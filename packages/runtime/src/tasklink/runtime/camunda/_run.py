"""``tasklink run --engine camunda``: build the gateway, serve, shut down gracefully."""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from tasklink.client import FieldNames, HttpxAuth, OAuth2ClientCredentials, ssl_context
from tasklink.core import DEFAULT_DOCUMENT_MAX_BYTES, InputError, Redactor

from ..__about__ import __version__
from .._engines import EngineError
from .._settings import SettingsError
from ._documents import CamundaDocumentStore
from ._gateway import Gateway
from ._rest import RestGateway, rest_client
from ._settings import CamundaSettings
from ._tls import TLS_FIELDS, GatewayTls
from ._worker import CamundaWorker

if TYPE_CHECKING:
    from .._pipeline import Pipeline
    from .._settings import RuntimeSettings

__all__ = ["build_document_store", "build_gateway", "run"]

_log = logging.getLogger("tasklink.runtime.camunda")

_USER_AGENT = f"tasklink-runtime/{__version__}"

# Token failures name the operator's settings (oauth_url, mtls_ca), not the client's fields.
_TOKEN_FIELDS = FieldNames(token_url="oauth_url", tls=TLS_FIELDS)  # noqa: S106 - a field name


def _oauth(settings: CamundaSettings, redactor: Redactor, verify: ssl.SSLContext) -> HttpxAuth:
    """Client credentials from the process-wide token cache, fetched over ``verify`` (the
    gateway's TLS material: a token endpoint behind the same private CA or mTLS)."""
    assert settings.client_id is not None
    assert settings.client_secret is not None
    secret = settings.client_secret.get_secret_value()
    redactor.add(secret)  # now, not at the first token request: a start may fail before it
    scheme = OAuth2ClientCredentials(
        token_url=settings.effective_oauth_url,
        client_id=settings.client_id,
        client_secret=secret,
        audience=settings.effective_audience,
        scopes=settings.scope,
        # Camunda's identity and SDKs send the client id and secret in the form body.
        client_authentication="body",
    )
    return HttpxAuth(
        scheme,
        token_client=httpx.AsyncClient(verify=verify),
        redactor=redactor,
        fields=_TOKEN_FIELDS,
    )


def _https(tls: GatewayTls | None) -> ssl.SSLContext:
    """The HTTPS context of the REST gateway and the token endpoint: the shared trust
    policy plus the private CA and client identity. Material that does not load stops the
    start with the setting's name."""
    try:
        return tls.ssl_context() if tls is not None else ssl_context()
    except InputError as exc:
        raise EngineError(f"camunda {exc.message}") from None
    except OSError as exc:  # the temporary files for inline PEM
        raise EngineError(f"camunda mtls: {exc}") from None


def _tls(settings: CamundaSettings, redactor: Redactor) -> GatewayTls | None:
    try:
        tls = settings.gateway_tls()
    except OSError as exc:
        raise EngineError(f"camunda mtls files: {exc}") from None
    if tls is None:
        return None
    if tls.key is not None:
        redactor.add(tls.key.decode("utf-8", "replace"))
        if settings.mtls_key is not None:  # also as given, "\n" escapes and all
            redactor.add(settings.mtls_key.get_secret_value())
    if tls.key_passphrase:
        redactor.add(tls.key_passphrase)
    return tls


def build_gateway(
    settings: CamundaSettings,
    redactor: Redactor | None = None,
    *,
    on_malformed_job: Callable[[str], None] | None = None,
) -> Gateway:
    """The REST or gRPC gateway the settings describe, with its authentication.

    Raises :class:`~tasklink.runtime.EngineError` when gRPC is asked for without pyzeebe.
    """
    redactor = redactor if redactor is not None else Redactor()
    auth_kind = settings.effective_auth
    if settings.basic_password is not None:
        redactor.add(settings.basic_password.get_secret_value())
    tls = _tls(settings, redactor)
    grpc = settings.protocol == "grpc"
    if grpc and tls is not None and tls.key_encrypted:
        raise EngineError(
            "gRPC takes an unencrypted private key only; decrypt it "
            "(openssl pkey -in key.pem -out plain.pem) or use rest"
        )
    if grpc:
        if auth_kind == "basic":
            raise EngineError("basic auth is not available over gRPC; use oauth or rest")
        try:
            from ._grpc import GrpcGateway
        except ImportError as exc:
            raise EngineError(
                f"protocol grpc needs pyzeebe: pip install 'tasklink-runtime[zeebe]' ({exc})"
            ) from None
        oauth = _oauth(settings, redactor, _https(tls)) if auth_kind == "oauth" else None
        return GrpcGateway.connect(
            settings.effective_grpc_address,
            tls=settings.grpc_tls,
            auth=oauth,
            root_certificates=tls.ca if tls is not None else None,
            certificate_chain=tls.cert if tls is not None else None,
            private_key=tls.key if tls is not None else None,
        )
    if tls is not None and not settings.effective_rest_address.startswith("https:"):
        _log.warning(
            "the mtls settings apply to https only; %s is not", settings.effective_rest_address
        )
    verify = _https(tls)
    return RestGateway(
        settings.effective_rest_address,
        auth=_rest_auth(settings, redactor, verify),
        verify=verify,
        user_agent=_USER_AGENT,
        on_malformed_job=on_malformed_job,
    )


def _rest_auth(
    settings: CamundaSettings, redactor: Redactor, verify: ssl.SSLContext
) -> httpx.Auth | None:
    """The authentication of the REST API's client."""
    auth_kind = settings.effective_auth
    if auth_kind == "oauth":
        return _oauth(settings, redactor, verify)
    if auth_kind == "basic":
        assert settings.basic_username is not None
        assert settings.basic_password is not None
        username = settings.basic_username
        password = settings.basic_password.get_secret_value()
        # The header carries the pair base64-encoded: a form of the password to mask too.
        redactor.add(base64.b64encode(f"{username}:{password}".encode()).decode("ascii"))
        return httpx.BasicAuth(username, password)
    return None


def build_document_store(
    settings: CamundaSettings,
    gateway: Gateway,
    redactor: Redactor | None = None,
    *,
    max_bytes: int | None = DEFAULT_DOCUMENT_MAX_BYTES,
) -> CamundaDocumentStore:
    """The store of the jobs' documents: the cluster's, through the REST gateway's own
    client; over gRPC, which has no document calls, through a REST client of its own to
    ``rest_address`` with the same credentials and TLS (:meth:`CamundaDocumentStore.aclose`
    closes it)."""
    if isinstance(gateway, RestGateway):
        return CamundaDocumentStore(gateway.client, max_bytes=max_bytes)
    redactor = redactor if redactor is not None else Redactor()
    verify = _https(_tls(settings, redactor))
    client = rest_client(
        settings.effective_rest_address,
        auth=_rest_auth(settings, redactor, verify),
        verify=verify,
        user_agent=_USER_AGENT,
    )
    return CamundaDocumentStore(client, max_bytes=max_bytes, owns_client=True)


async def run(settings: RuntimeSettings, pipeline: Pipeline) -> None:
    """Serve the pipeline's connectors as Camunda 8 job workers until the pipeline stops.

    The runtime's engine contract (see ``tasklink.runtime._engines``): poll, stop polling
    when asked, drain in-flight jobs within the grace period (jobs still running then are
    failed with their retries unchanged so another worker takes them), disconnect.
    """
    try:
        camunda = CamundaSettings.load(settings)
    except SettingsError as exc:
        raise EngineError(str(exc)) from None
    gateway = build_gateway(
        camunda,
        pipeline.redactor,
        on_malformed_job=lambda _: pipeline.metrics.rejected("camunda", "malformed_job"),
    )
    where = (
        camunda.effective_rest_address
        if camunda.protocol == "rest"
        else camunda.effective_grpc_address
    )
    _log.info(
        "connecting to Camunda at %s over %s (auth: %s)",
        where,
        camunda.protocol,
        camunda.effective_auth,
    )
    try:
        documents = build_document_store(
            camunda, gateway, pipeline.redactor, max_bytes=settings.document_max_bytes
        )
    except BaseException:
        await gateway.aclose()
        raise
    worker = CamundaWorker(pipeline, gateway, camunda.worker_options(), documents=documents)
    serving = asyncio.ensure_future(worker.serve())
    stopping = asyncio.ensure_future(pipeline.wait_stopping())
    try:
        await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
        worker.stop()
        await serving
    finally:
        stopping.cancel()
        if not serving.done():
            serving.cancel()
        # Even when serving failed: jobs in flight finish (or are handed back) through
        # the gateway before it closes.
        unfinished = await pipeline.drain()
        if unfinished:
            _log.warning("%d jobs were handed back to Camunda unfinished", unfinished)
        try:
            await gateway.aclose()
        finally:
            await documents.aclose()
