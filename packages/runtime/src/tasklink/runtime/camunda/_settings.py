"""Settings of the Camunda engine: the ``[camunda]`` section, ``TASKLINK_CAMUNDA_*``
variables, ``-o KEY=VALUE`` flags, and Camunda's own client variables.

Precedence, highest first: flags, ``TASKLINK_CAMUNDA_<KEY>``, Camunda's variable names
(``CAMUNDA_REST_ADDRESS``, ``CAMUNDA_CLIENT_ID``, ... as the Camunda SDKs read them, so
the file a Camunda console hands out works as it is), the TOML file, defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from tasklink.core import parse_duration

from .._settings import RuntimeSettings, _settings_error
from ._tls import GatewayTls
from ._worker import WorkerOptions

__all__ = ["NATIVE_ENVIRONMENT", "SAAS_OAUTH_URL", "CamundaSettings"]

SAAS_OAUTH_URL = "https://login.cloud.camunda.io/oauth/token"
SAAS_AUDIENCE = "zeebe.camunda.io"

# Setting -> Camunda's environment variables for it, first found wins.
NATIVE_ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "rest_address": ("CAMUNDA_REST_ADDRESS", "ZEEBE_REST_ADDRESS"),
    "grpc_address": ("CAMUNDA_GRPC_ADDRESS", "ZEEBE_GRPC_ADDRESS", "ZEEBE_ADDRESS"),
    "auth": ("CAMUNDA_AUTH_STRATEGY",),
    "client_id": ("CAMUNDA_CLIENT_ID", "ZEEBE_CLIENT_ID"),
    "client_secret": ("CAMUNDA_CLIENT_SECRET", "ZEEBE_CLIENT_SECRET"),
    "oauth_url": ("CAMUNDA_OAUTH_URL", "ZEEBE_AUTHORIZATION_SERVER_URL"),
    "audience": ("CAMUNDA_TOKEN_AUDIENCE", "ZEEBE_TOKEN_AUDIENCE"),
    "scope": ("CAMUNDA_TOKEN_SCOPE",),
    "basic_username": ("CAMUNDA_BASIC_AUTH_USERNAME",),
    "basic_password": ("CAMUNDA_BASIC_AUTH_PASSWORD",),
    "tenant_ids": ("CAMUNDA_TENANT_ID",),
    "cluster_id": ("CAMUNDA_CLUSTER_ID",),
    "cluster_region": ("CAMUNDA_CLUSTER_REGION",),
    "mtls_ca": ("CAMUNDA_MTLS_CA",),
    "mtls_ca_path": ("CAMUNDA_MTLS_CA_PATH",),
    "mtls_cert": ("CAMUNDA_MTLS_CERT",),
    "mtls_cert_path": ("CAMUNDA_MTLS_CERT_PATH",),
    "mtls_key": ("CAMUNDA_MTLS_KEY",),
    "mtls_key_path": ("CAMUNDA_MTLS_KEY_PATH",),
    "mtls_key_passphrase": ("CAMUNDA_MTLS_KEY_PASSPHRASE",),
}


def _seconds(value: Any) -> Any:
    """Durations as seconds (number) or ISO-8601 text (``PT5M``)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            return parse_duration(text).total_seconds()
    return value


_PEM_PAIRS = (
    ("mtls_ca", "mtls_ca_path"),
    ("mtls_cert", "mtls_cert_path"),
    ("mtls_key", "mtls_key_path"),
)
_NATIVE_NAMES = frozenset(name for names in NATIVE_ENVIRONMENT.values() for name in names)


def _rank(source: str) -> int:
    """Precedence of a setting's source: flag, TASKLINK_CAMUNDA_*, Camunda's, the file."""
    if source.startswith("--"):
        return 3
    if source.startswith("TASKLINK_"):
        return 2
    return 1 if source in _NATIVE_NAMES else 0


def _pem(inline: str | SecretStr | None, path: str | None) -> bytes | None:
    if isinstance(inline, SecretStr):
        inline = inline.get_secret_value()
    if inline:
        # Environment variables often carry the PEM with literal "\n" sequences.
        return inline.replace("\\n", "\n").encode("utf-8")
    if path:
        with open(path, "rb") as file:
            return file.read()
    return None


def _names(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class CamundaSettings(BaseModel):
    """Everything ``tasklink run --engine camunda`` reads (the ``[camunda]`` section)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    protocol: Literal["rest", "grpc"] = Field(
        "rest", description="rest (Orchestration Cluster REST API, 8.6+) or grpc (pyzeebe)"
    )
    rest_address: str | None = Field(
        None, description="REST API address, e.g. http://localhost:8080 (/v2 is added)"
    )
    grpc_address: str | None = Field(
        None, description="gRPC gateway address, e.g. localhost:26500 or grpcs://host:443"
    )
    cluster_id: str | None = Field(None, description="Camunda SaaS cluster id")
    cluster_region: str | None = Field(None, description="Camunda SaaS cluster region")
    auth: Literal["none", "oauth", "basic"] | None = Field(
        None, description="none, oauth or basic; inferred from the credentials when unset"
    )
    client_id: str | None = Field(None, description="OAuth client id")
    client_secret: SecretStr | None = Field(None, description="OAuth client secret")
    oauth_url: str | None = Field(None, description="OAuth token endpoint")
    audience: str | None = Field(None, description="OAuth token audience")
    scope: str | None = Field(None, description="OAuth scope (Entra ID and similar)")
    basic_username: str | None = Field(None, description="Basic auth user")
    basic_password: SecretStr | None = Field(None, description="Basic auth password")
    grpc_tls: bool | None = Field(
        None, description="TLS for gRPC; default from the address scheme, on for OAuth"
    )
    mtls_ca: str | None = Field(
        None, description="PEM of a CA to trust (REST: beside the defaults; gRPC: instead)"
    )
    mtls_ca_path: str | None = Field(None, description="File with the PEM of a CA to trust")
    mtls_cert: str | None = Field(None, description="PEM of the client certificate (mTLS)")
    mtls_cert_path: str | None = Field(None, description="File with the client certificate")
    mtls_key: SecretStr | None = Field(None, description="PEM of the client's private key")
    mtls_key_path: str | None = Field(None, description="File with the client's private key")
    mtls_key_passphrase: SecretStr | None = Field(
        None, description="Passphrase of an encrypted private key"
    )
    tenant_ids: tuple[str, ...] = Field((), description="Tenants to fetch jobs for")
    worker_name: str = Field("tasklink", min_length=1, description="Worker name shown in Operate")
    job_timeout: float = Field(
        300.0, gt=0, description="Job lock in seconds (or PT5M) unless a connector needs longer"
    )
    request_timeout: float = Field(
        20.0, ge=0, description="Long-poll duration of one activation, seconds"
    )
    max_jobs_active: int | None = Field(
        None, ge=1, description="Jobs of one type active at once (default: concurrency)"
    )
    fetch_all_variables: bool = Field(
        False, description="Fetch every visible variable instead of the input fields"
    )
    backoff_initial: float = Field(0.1, gt=0, description="First backoff after a gateway error")
    backoff_max: float = Field(10.0, gt=0, description="Longest backoff after gateway errors")
    request_attempts: int = Field(
        5, ge=1, description="Attempts to send one complete / fail / error command"
    )
    job_types: dict[str, str] = Field(
        default_factory=dict, description="Connector (id, name or type) -> job type to poll"
    )
    job_timeouts: dict[str, float] = Field(
        default_factory=dict, description="Connector (id, name or type) -> job lock, seconds"
    )

    @field_validator("job_timeout", "request_timeout", mode="before")
    @classmethod
    def _durations(cls, value: Any) -> Any:
        return _seconds(value)

    @field_validator("tenant_ids", mode="before")
    @classmethod
    def _tenants(cls, value: Any) -> Any:
        return _names(value)

    @field_validator("job_timeouts", mode="before")
    @classmethod
    def _timeouts(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: _seconds(v) for k, v in value.items()}
        return value

    @field_validator("auth", mode="before")
    @classmethod
    def _auth_name(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("mtls_ca_path", "mtls_cert_path", "mtls_key_path")
    @classmethod
    def _readable_file(cls, value: str | None) -> str | None:
        if value is not None and not (os.path.isfile(value) and os.access(value, os.R_OK)):
            # Not the value itself: a PEM pasted here by mistake must not reach an error.
            raise ValueError("not a readable file (inline PEM goes into the setting without _path)")
        return value

    @model_validator(mode="after")
    def _check(self) -> CamundaSettings:
        auth = self.effective_auth
        if auth == "oauth" and not (self.client_id and self.client_secret):
            raise ValueError("auth oauth needs client_id and client_secret")
        if auth == "basic" and not (self.basic_username and self.basic_password):
            raise ValueError("auth basic needs basic_username and basic_password")
        if bool(self.mtls_cert or self.mtls_cert_path) != bool(self.mtls_key or self.mtls_key_path):
            raise ValueError("a client certificate (mtls_cert) needs its private key (mtls_key)")
        if self.mtls_key_passphrase and not (self.mtls_key or self.mtls_key_path):
            raise ValueError("mtls_key_passphrase needs the encrypted key (mtls_key)")
        if bool(self.cluster_id) != bool(self.cluster_region) and not (
            self.rest_address if self.protocol == "rest" else self.grpc_address
        ):
            raise ValueError("a SaaS address needs both cluster_id and cluster_region")
        return self

    # -- derived values -------------------------------------------------------------------

    @property
    def effective_auth(self) -> Literal["none", "oauth", "basic"]:
        if self.auth is not None:
            return self.auth
        if self.client_id and self.client_secret:
            return "oauth"
        if self.basic_username and self.basic_password:
            return "basic"
        return "none"

    @property
    def effective_rest_address(self) -> str:
        if self.rest_address:
            return self.rest_address
        if self.cluster_id and self.cluster_region:
            return f"https://{self.cluster_region}.zeebe.camunda.io/{self.cluster_id}"
        return "http://localhost:8080"

    @property
    def effective_grpc_address(self) -> str:
        if self.grpc_address:
            return self.grpc_address
        if self.cluster_id and self.cluster_region:
            return f"grpcs://{self.cluster_id}.{self.cluster_region}.zeebe.camunda.io:443"
        return "localhost:26500"

    @property
    def effective_oauth_url(self) -> str:
        return self.oauth_url or SAAS_OAUTH_URL

    @property
    def effective_audience(self) -> str | None:
        if self.audience:
            return self.audience
        host = urlparse(self.effective_oauth_url).hostname or ""
        return SAAS_AUDIENCE if host.endswith("cloud.camunda.io") else None

    def gateway_tls(self) -> GatewayTls | None:
        """The CA to trust and the client identity for the gateway (and its token endpoint),
        read now; ``None`` when none is configured. Inline PEM wins over a file."""
        ca = _pem(self.mtls_ca, self.mtls_ca_path)
        cert = _pem(self.mtls_cert, self.mtls_cert_path)
        key = _pem(self.mtls_key, self.mtls_key_path)
        if ca is None and cert is None:
            return None
        passphrase = self.mtls_key_passphrase
        return GatewayTls(
            ca=ca,
            cert=cert,
            key=key,
            key_passphrase=passphrase.get_secret_value() if passphrase is not None else None,
            cert_path=None if self.mtls_cert else self.mtls_cert_path,
            key_path=None if self.mtls_key else self.mtls_key_path,
        )

    def worker_options(self) -> WorkerOptions:
        """The worker's options (concurrency comes from the pipeline)."""
        return WorkerOptions(
            worker_name=self.worker_name,
            job_timeout_ms=round(self.job_timeout * 1000),
            request_timeout_ms=round(self.request_timeout * 1000),
            max_jobs_active=self.max_jobs_active,
            tenant_ids=self.tenant_ids,
            fetch_all_variables=self.fetch_all_variables,
            backoff_initial=self.backoff_initial,
            backoff_max=max(self.backoff_max, self.backoff_initial),
            report_attempts=self.request_attempts,
            job_types=tuple(self.job_types.items()),
            job_timeouts=tuple((k, round(v * 1000)) for k, v in self.job_timeouts.items()),
        )

    # -- loading --------------------------------------------------------------------------

    @classmethod
    def load(
        cls, runtime: RuntimeSettings, environ: Mapping[str, str] | None = None
    ) -> CamundaSettings:
        """The ``[camunda]`` section of ``runtime`` with Camunda's own variables filled in
        where no flag or ``TASKLINK_CAMUNDA_*`` variable set the key.

        Raises :class:`~tasklink.runtime.SettingsError` naming each bad key and its source.
        """
        env = os.environ if environ is None else environ
        data = dict(runtime.engines.get("camunda", {}))
        sources = {key: runtime.source(f"camunda.{key}") for key in data}
        for key, names in NATIVE_ENVIRONMENT.items():
            if key in data and _rank(sources.get(key, "default")) >= _rank("TASKLINK_"):
                continue  # a flag or TASKLINK_CAMUNDA_* variable beats Camunda's names
            for name in names:
                if env.get(name):
                    data[key] = env[name]
                    sources[key] = name
                    break
        for inline, path in _PEM_PAIRS:
            # Inline PEM and its file are one setting: the stronger source wins whole.
            if inline in data and path in data:
                weaker = path if _rank(sources[inline]) >= _rank(sources[path]) else inline
                del data[weaker]
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            where = {f"camunda.{key}": source for key, source in sources.items()}
            raise _settings_error(exc, where, prefix="camunda.") from None
