"""The ``[activiti]`` settings section (``TASKLINK_ACTIVITI_*``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ActivitiSettings"]

_NAME = r"^[A-Za-z0-9_.:\-]*$"  # what RabbitMQ accepts in exchange and queue names


class ActivitiSettings(BaseModel):
    """How the runtime meets Activiti / Alfresco Process Automation over RabbitMQ."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/",
        description="RabbitMQ URL; its password is masked in every log line",
    )
    group: str = Field(
        "tasklink",
        min_length=1,
        pattern=_NAME,
        description="Consumer group: each destination is consumed from <destination>.<group>",
    )
    destination_prefix: str = Field(
        "", pattern=_NAME, description="Prefix of every destination (Activiti's destination-prefix)"
    )
    destination_separator: str = Field(
        "_", pattern=_NAME, description="Between the prefix and the destination name"
    )
    retries: int = Field(
        3,
        ge=1,
        le=100,
        description="Attempts for a retryable connector error before an integration error "
        "is sent (Camunda-style retries: 1 means no retry)",
    )
    retry_backoff: float = Field(
        1.0, ge=0, description="Seconds between attempts when the error sets no backoff"
    )
    dead_letter_suffix: str = Field(
        ".dlq", min_length=1, pattern=_NAME, description="Dead-letter queue: <queue><suffix>"
    )
    global_qos: bool = Field(
        True,
        description="Share the prefetch limit across all queues of the channel (set false "
        "for quorum queues, which refuse a global prefetch)",
    )
    connect_timeout: float = Field(
        60.0, gt=0, description="Seconds to keep trying the first connection"
    )
    reconnect_interval: float = Field(
        2.0, gt=0, description="Seconds between reconnection attempts after a lost connection"
    )
    publish_timeout: float = Field(
        30.0, gt=0, description="Seconds to keep trying to publish one result or error"
    )
    max_message_bytes: int = Field(
        134_217_728,
        ge=65_536,
        description="Largest reply the broker accepts (RabbitMQ's max_message_size, "
        "128 MiB unless configured); a larger one is answered with a REPLY_TOO_LARGE "
        "integration error instead",
    )
    inline_document_max_bytes: int = Field(
        1_048_576,
        ge=0,
        description="Largest document a job returns inline (base64 in the reply, 1 MiB "
        "unless set); a larger one fails the job with DOCUMENT_TOO_LARGE",
    )
    connection_name: str = Field(
        "tasklink-runtime", description="Shown in RabbitMQ's management tools"
    )
