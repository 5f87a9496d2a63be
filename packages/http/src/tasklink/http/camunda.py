"""Camunda's REST base, for connectors that Camunda builds on it (its GraphQL connector,
served by tasklink-graphql): the request model of ``io.camunda:http-json:1``, the function
that runs one through this connector's path (shared client, guard, limits, documents) and
shapes the result and failures as Camunda's, and the error codes those failures carry."""

from ._camunda import request
from ._camunda_models import CamundaHttpRequest
from ._errors import CAMUNDA_ERRORS

__all__ = ["CAMUNDA_ERRORS", "CamundaHttpRequest", "request"]
