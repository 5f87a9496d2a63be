"""The vendor contract the RabbitMQ connector also serves: Camunda's
``io.camunda:connector-rabbitmq:1`` (its inputs, its ``{"statusResult": "success"}``).

Its model is imported with the declaration (discovery reads it); the adapter
(:mod:`._camunda`) only when a job of the contract first runs. Alfresco Process
Automation has no RabbitMQ connector, so there is no APA contract.
"""

from __future__ import annotations

from ._camunda_models import CamundaRabbitMqRequest
from ._connector import connector
from ._errors import RABBITMQ_ERRORS

__all__ = ["CAMUNDA_ERRORS", "camunda"]

#: Camunda's RabbitMQ connector fails without codes (the Java client's exceptions, all
#: retried; its validation failures are input errors). The contract keeps the
#: connector's own stable codes, so that an ``errorExpression`` can tell failures apart
#: (``error.code = "NOT_FOUND"``), and the connector's judgement of what a retry can fix.
CAMUNDA_ERRORS = RABBITMQ_ERRORS

camunda = connector.vendor_contract(
    engine="camunda",
    name="camunda-rabbitmq",
    job_type="io.camunda:connector-rabbitmq:1",
    title="Camunda RabbitMQ connector",
    description="Camunda's RabbitMQ outbound connector (io.camunda:connector-rabbitmq:1): "
    "publish a message with its inputs and result, run by this connector",
    documentation_url="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/rabbitmq/?rabbitmq=outbound",
    errors=CAMUNDA_ERRORS,
)
camunda.operation(
    "publish",
    name="Publish message",
    description="Publish message.body with message.properties to routing.exchange with "
    "routing.routingKey",
    target="._camunda:run",
    input_model=CamundaRabbitMqRequest,
    output_model=None,
)
