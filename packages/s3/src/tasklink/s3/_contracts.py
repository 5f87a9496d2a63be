"""The vendor contract the S3 connector also serves: Camunda's ``io.camunda:aws-s3:1``
(uploadObject, downloadObject, deleteObject with Camunda's inputs and result shapes).

Its model is imported with the declaration (discovery reads it); the adapter
(:mod:`._camunda`) only when a job of the contract first runs.
"""

from __future__ import annotations

from ._camunda_models import CamundaS3Request
from ._connector import connector
from ._errors import S3_ERRORS

__all__ = ["CAMUNDA_ERRORS", "camunda"]

#: Camunda's S3 connector fails without codes (the AWS SDK's exceptions, all retried; its
#: validation failures are input errors). The contract keeps the connector's own stable
#: codes, so that an ``errorExpression`` can tell failures apart
#: (``error.code = "NOT_FOUND"``), and the connector's judgement of what a retry can fix.
CAMUNDA_ERRORS = S3_ERRORS

camunda = connector.vendor_contract(
    engine="camunda",
    name="camunda-aws-s3",
    job_type="io.camunda:aws-s3:1",
    title="Camunda AWS S3 connector",
    description="Camunda's AWS S3 connector (io.camunda:aws-s3:1): uploadObject, "
    "downloadObject and deleteObject with its inputs and result shapes, run by this connector",
    documentation_url="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-s3/",
    errors=CAMUNDA_ERRORS,
)
camunda.operation(
    "aws_s3",
    name="AWS S3",
    description="Upload a document to, download an object from, or delete an object in a "
    "bucket, as actionDiscriminator says",
    target="._camunda:run",
    input_model=CamundaS3Request,
    output_model=None,
)
