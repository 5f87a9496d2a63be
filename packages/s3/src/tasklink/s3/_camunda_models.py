"""The job variables of Camunda's AWS S3 connector (``io.camunda:aws-s3:1``), as its element
template (``io.camunda.connectors.aws.s3.v1``, versions 1 to 8) binds them.

Six top-level variables (the connector's ``inputVariables``, ``connectors/aws/aws-s3``
``S3Request``, ``model/request/*``, ``aws-base`` ``AwsBaseRequest``): ``authentication``,
``awsCredential`` (a stored ``io.camunda:aws-credential:1`` credential, ``{authentication,
region}``, versions 6 on), ``configuration`` (``region``, the hidden ``endpoint``),
``actionDiscriminator`` (``uploadObject``, ``downloadObject``, ``deleteObject``), ``action``
(``bucket``, ``key``, ``document``, the legacy ``asFile``) and ``documentReturnFormat``
(``choice``, ``encoding``; versions 5 on).

Bound as Camunda's runtime binds them (Jackson with ``ConnectorsObjectMapperSupplier``):
unknown fields are ignored (the template's document helpers ``action.action_document_*``
arrive beside the ``document`` they feed), enum values match in any case, a blank text is
no value. Which inputs an action needs is checked when it runs, naming Camunda's variable
(``action.key``), as the template sends only the chosen action's inputs.
"""

from __future__ import annotations

import codecs
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BeforeValidator, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from tasklink.core import CamelInputModel, Document, field

__all__ = [
    "ACTIONS",
    "Action",
    "CamundaAwsCredential",
    "CamundaDocumentReturnFormat",
    "CamundaS3Action",
    "CamundaS3Authentication",
    "CamundaS3Configuration",
    "CamundaS3Request",
]

Action = Literal["uploadObject", "downloadObject", "deleteObject"]
#: Camunda's actions (the ``@JsonSubTypes`` of ``S3Request.action``).
ACTIONS: tuple[str, ...] = get_args(Action)
AuthType = Literal["credentials", "defaultCredentialsChain"]
ReturnChoice = Literal["DOCUMENT", "TEXT", "JSON"]


def _blank_is_none(value: Any) -> Any:
    """A blank string is no value: an emptied field of the modeler."""
    return None if isinstance(value, str) and not value.strip() else value


def _text(value: Any) -> Any:
    """Jackson binds a number or a boolean to a ``String`` field as its text (a FEEL key
    may be a number: ``=orderId``)."""
    value = _blank_is_none(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _enum(choices: tuple[str, ...]) -> BeforeValidator:
    """Camunda's mapper accepts enum values in any case (``ACCEPT_CASE_INSENSITIVE_ENUMS``)."""

    def canonical(value: Any) -> Any:
        value = _blank_is_none(value)
        if isinstance(value, str):
            for choice in choices:
                if value.strip().lower() == choice.lower():
                    return choice
        return value

    return BeforeValidator(canonical)


def _flag(value: Any) -> Any:
    """``asFile`` as Jackson reads a boolean: ``true``/``false`` also as text."""
    value = _blank_is_none(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


Text = Annotated[str | None, BeforeValidator(_text)]


class _Vendor(CamelInputModel):
    # Camunda's mapper ignores fields its classes do not have (FAIL_ON_UNKNOWN_PROPERTIES off).
    model_config = ConfigDict(extra="ignore")


class CamundaS3Authentication(_Vendor):
    """``authentication`` (``AwsAuthentication``): ``credentials`` (an access key pair; also
    when the type is missing) or ``defaultCredentialsChain`` (the SDK's chain)."""

    type: Annotated[AuthType | None, _enum(get_args(AuthType))] = field(
        None, description="credentials (default) or defaultCredentialsChain"
    )
    # Not marked secret, as the connector's own model: the key ID is an identifier (it
    # appears in every signed request). Given as {{secrets.NAME}} it is masked all the same.
    access_key: Text = field(None, description="AWS access key ID (credentials)")
    secret_key: Text = field(None, description="AWS secret access key (credentials)", secret=True)


class CamundaAwsCredential(_Vendor):
    """``awsCredential``: a stored credential (``io.camunda:aws-credential:1``) as the engine
    resolves it; its authentication replaces ``authentication``."""

    authentication: CamundaS3Authentication | None = field(
        None, description="The credential's authentication"
    )
    region: Text = field(None, description="The credential's default region")


class CamundaS3Configuration(_Vendor):
    """``configuration`` (``AwsBaseConfiguration``)."""

    region: Text = field(None, description="AWS region, e.g. eu-central-1")
    endpoint: Text = field(
        None, description="Endpoint override: an S3-compatible store (hidden in the form)"
    )

    @field_validator("endpoint")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value.strip())
            absolute = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:  # a malformed host or port
            absolute = False
        if not absolute:
            raise PydanticCustomError(
                "url", "must be an http or https URL, e.g. https://minio.example.com:9000"
            )
        return value.strip()


class CamundaS3Action(_Vendor):
    """``action``: the inputs of every action (the template sends the chosen action's)."""

    bucket: Text = field(None, description="The bucket's name")
    key: Text = field(
        None,
        description="The object's key (upload: optional, the document's file name if empty)",
    )
    document: Document | None = field(None, description="uploadObject: the document to store")
    as_file: Annotated[bool | None, BeforeValidator(_flag)] = field(
        None,
        description="downloadObject, versions 1 to 4: true returns a document, false the "
        "content (legacy, without documentReturnFormat)",
    )


class CamundaDocumentReturnFormat(_Vendor):
    """``documentReturnFormat`` (versions 5 on): how a download is returned."""

    choice: Annotated[ReturnChoice, _enum(get_args(ReturnChoice))] = field(
        "DOCUMENT", description="DOCUMENT, TEXT or JSON"
    )
    encoding: Text = field(None, description="Charset of TEXT (default UTF-8)")

    @field_validator("encoding")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise PydanticCustomError(
                    "charset", "is not a charset Python knows, e.g. UTF-8"
                ) from None
        return value


class CamundaS3Request(_Vendor):
    """The variables of an ``io.camunda:aws-s3:1`` job."""

    authentication: CamundaS3Authentication | None = field(
        None, description="How the connector authenticates (credentials when absent)"
    )
    aws_credential: CamundaAwsCredential | None = field(
        None, description="A stored AWS credential (versions 6 on); wins over authentication"
    )
    configuration: CamundaS3Configuration = field(
        default_factory=CamundaS3Configuration, description="Region and endpoint"
    )
    action_discriminator: Annotated[Action, _enum(ACTIONS)] = field(
        "uploadObject", description="uploadObject, downloadObject or deleteObject"
    )
    action: CamundaS3Action = field(
        default_factory=CamundaS3Action, description="The action's inputs"
    )
    document_return_format: CamundaDocumentReturnFormat | None = field(
        None,
        description="downloadObject: DOCUMENT, TEXT or JSON; absent, the legacy result "
        "(asFile, else by the object's content type)",
    )
