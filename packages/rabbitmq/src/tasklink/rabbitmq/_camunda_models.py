"""The job variables of Camunda's RabbitMQ connector (``io.camunda:connector-rabbitmq:1``),
as its element template (``io.camunda.connectors.RabbitMQ.v1``, versions 1 to 6) binds
them.

Three top-level variables (the connector's ``inputVariables``, ``connectors/rabbitmq``
``RabbitMqFunction``, ``outbound/model/*``, ``common/model/*``): ``authentication``
(``authType`` ``uri`` with ``uri``, or ``credentials`` with ``userName`` and
``password``), ``routing`` (``exchange``, ``routingKey``; with credentials also
``virtualHost``, ``hostName``, ``port``) and ``message`` (``body``, ``properties``).

Bound as Camunda's runtime binds them (Jackson with ``ConnectorsObjectMapperSupplier``):
unknown fields are ignored, a number or boolean given for a text field is its text (a
FEEL port ``=5672``), a blank text is no value. What a request must hold is checked
when it runs (:mod:`._camunda`), naming Camunda's variables, as Camunda's validation
does; ``body`` and ``properties`` stay as the job gives them, converted there the way
Camunda's ``MessageUtil`` converts them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict

from tasklink.core import CamelInputModel, field

__all__ = [
    "CamundaAuthentication",
    "CamundaMessage",
    "CamundaRabbitMqRequest",
    "CamundaRouting",
]


def _text(value: Any) -> Any:
    """Jackson binds a number or a boolean to a ``String`` field as its text; a blank
    text is treated as missing (``@NotBlank``)."""
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[str | None, BeforeValidator(_text)]


class _Vendor(CamelInputModel):
    # Camunda's mapper ignores fields its classes do not have (FAIL_ON_UNKNOWN_PROPERTIES off).
    model_config = ConfigDict(extra="ignore")


class CamundaAuthentication(_Vendor):
    """``authentication`` (``RabbitMqAuthentication``, by ``authType``)."""

    auth_type: Text = field(None, description="uri or credentials")
    uri: Text = field(
        None,
        description="uri: amqp(s)://user:password@host:port/vhost",
        secret=True,
    )
    user_name: Text = field(None, description="credentials: the user name")
    password: Text = field(None, description="credentials: the password", secret=True)


class CamundaRouting(_Vendor):
    """``routing`` (``RabbitMqOutboundRouting`` with ``FactoryRoutingData`` unwrapped)."""

    exchange: Text = field(None, description="The exchange to publish to")
    routing_key: Text = field(None, description="The routing key")
    virtual_host: Text = field(None, description="credentials: the virtual host")
    host_name: Text = field(None, description="credentials: the broker's host name")
    port: Text = field(None, description="credentials: the broker's port (text)")


class CamundaMessage(_Vendor):
    """``message`` (``RabbitMqMessage``)."""

    body: Any = field(
        None,
        description="The message: JSON text or a FEEL value is sent as compact JSON, other "
        "text as it is",
    )
    properties: Any = field(
        None,
        description="AMQP basic properties by their Java names: contentType, headers, "
        "deliveryMode...",
    )


class CamundaRabbitMqRequest(_Vendor):
    """The variables of an ``io.camunda:connector-rabbitmq:1`` job."""

    authentication: CamundaAuthentication | None = field(
        None, description="How the connector logs in: a URI, or user name and password"
    )
    routing: CamundaRouting | None = field(
        None, description="Exchange and routing key; with credentials the broker's address"
    )
    message: CamundaMessage | None = field(None, description="Body and properties")
