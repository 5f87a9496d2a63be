"""The connector's declaration: what discovery and the templates read.

It imports only pydantic, the core and the models; the operation is a lazy target,
imported when it first runs, and aio-pika with it.
"""

from __future__ import annotations

from tasklink.core import Connector

from ._errors import RABBITMQ_ERRORS
from ._models import Publish, Published

__all__ = ["connector"]

connector = Connector(
    id="io.tasklink.rabbitmq",
    name="rabbitmq",
    title="RabbitMQ",
    job_type="tasklink:rabbitmq:1",
    description="Publish messages to RabbitMQ exchanges and queues over AMQP 0-9-1, with "
    "publisher confirms",
    package=__package__,
    documentation_url="https://github.com/tasklink/tasklink/blob/main/docs/connectors/rabbitmq.md",
    # The Camunda template's version: bump it on every change of the form that is not
    # cosmetic, so diagrams made with the previous one keep it (docs/templates.md).
    template_version=1,
    keywords=("rabbitmq", "amqp", "message queue", "publish", "exchange", "message broker"),
    group_labels={
        "connection": "Connection",
        "tls": "TLS",
        "routing": "Routing",
        "message": "Message",
        "properties": "Properties",
        "options": "Delivery",
        "timeouts": "Timeouts",
    },
    errors=RABBITMQ_ERRORS,
)


@connector.on_shutdown
async def _close_connections() -> None:
    """The runtime's shutdown closes the pooled AMQP connections after the last job."""
    from ._amqp import close_connections

    await close_connections()


connector.operation(
    "publish",
    name="Publish message",
    description="Publish a message (JSON, text or a document) to an exchange and wait for "
    "the broker's confirm; outputs messageId, exchange, routingKey, bodySize",
    target="._publish:publish",
    input_model=Publish,
    output_model=Published,
)

from . import _contracts  # noqa: E402, F401 - declares the vendor contract
