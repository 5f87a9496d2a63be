"""tasklink-rabbitmq: the RabbitMQ connector.

Publish messages (JSON, text or a document) to RabbitMQ exchanges and queues over AMQP
0-9-1, with publisher confirms, on aio-pika; also serves Camunda's
``io.camunda:connector-rabbitmq:1``. Importing this package is cheap: aio-pika is
imported when the first message is published.
"""

from .__about__ import __version__
from ._connector import connector
from ._models import (
    HostConnection,
    MessageProperties,
    Publish,
    Published,
    TlsOptions,
    UrlConnection,
)

__all__ = [
    "HostConnection",
    "MessageProperties",
    "Publish",
    "Published",
    "TlsOptions",
    "UrlConnection",
    "__version__",
    "connector",
]
