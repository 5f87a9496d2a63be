"""The TLS fields a connector's input offers (``tls.verify``, ``tls.caCertificate``, ...):
one model for every connector, so the fields read, validate and behave the same in the
REST, GraphQL and RabbitMQ connectors, and lead to the one trust policy of :mod:`._tls`."""

from __future__ import annotations

from pydantic import ConfigDict, field_validator, model_validator

from tasklink.core import CamelInputModel, field, validation_error, validation_problem

from ._tls import DEFAULT_TLS, TlsConfig

__all__ = ["TlsOptions"]


def _pem(value: str | None, marker: str, what: str) -> str | None:
    if value is None or not value.strip():
        return None
    if "-----BEGIN" not in value or marker not in value:
        raise validation_problem(f"must be PEM text ('-----BEGIN {what}-----' ...)")
    return value.strip() + "\n"


class TlsOptions(CamelInputModel):
    """Certificate checks and client certificates, for a connection that uses TLS."""

    model_config = ConfigDict(frozen=True)

    verify: bool = field(
        True,
        title="Verify certificates",
        description="Verify the server's certificate (turn off only for testing)",
        group="tls",
    )
    ca_certificate: str | None = field(
        None,
        title="CA certificates (PEM)",
        description="Extra CA certificates to trust (PEM), in addition to the default store",
        group="tls",
        multiline=True,
    )
    client_certificate: str | None = field(
        None,
        title="Client certificate (PEM)",
        description="Client certificate for mutual TLS (PEM, may include the key)",
        group="tls",
        multiline=True,
    )
    client_key: str | None = field(
        None,
        title="Client key (PEM)",
        description="Private key of the client certificate (PEM)",
        group="tls",
        secret=True,
        multiline=True,
    )
    client_key_password: str | None = field(
        None, description="Password of an encrypted client key", group="tls", secret=True
    )

    @field_validator("ca_certificate", "client_certificate")
    @classmethod
    def _certificate(cls, value: str | None) -> str | None:
        return _pem(value, "CERTIFICATE-----", "CERTIFICATE")

    @field_validator("client_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        return _pem(value, "PRIVATE KEY-----", "PRIVATE KEY")

    @model_validator(mode="after")
    def _consistent(self) -> TlsOptions:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if not self.verify and self.ca_certificate:
            problems.append((("caCertificate",), "is set but verify is false; choose one"))
        if self.client_key and not self.client_certificate:
            problems.append((("clientKey",), "needs clientCertificate as well"))
        if problems:
            raise validation_error(type(self).__name__, problems)
        return self

    def config(self) -> TlsConfig:
        """The shared client's TLS configuration for these settings."""
        if self.verify and not (self.ca_certificate or self.client_certificate):
            return DEFAULT_TLS  # most connections: no object, no hashing of PEM text
        return TlsConfig(
            verify=self.verify,
            ca_pem=self.ca_certificate,
            client_cert_pem=self.client_certificate,
            client_key_pem=self.client_key,
            client_key_password=self.client_key_password,
        )
