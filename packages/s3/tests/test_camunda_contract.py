"""Camunda's ``io.camunda:aws-s3:1`` contract on its own, through the core job path against
the moto server (a real S3 API over HTTP, ``configuration.endpoint`` with path-style
addressing): Camunda's inputs, its result shapes for upload, download (new and legacy
paths) and delete, its input checks, and this connector's codes on S3's failures."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from moto_server import ACCESS_KEY, SECRET_KEY

from tasklink.core import Completed, Failed
from tasklink.s3._camunda import INLINE_MAX_BYTES, SAAS_VARIABLE
from tasklink.s3._contracts import camunda
from tasklink.testing import arun_job

SECRETS = {"S3_ACCESS_KEY": ACCESS_KEY, "S3_SECRET_KEY": SECRET_KEY}


def connection(endpoint: str) -> dict[str, Any]:
    return {
        "authentication": {
            "type": "credentials",
            "accessKey": "{{secrets.S3_ACCESS_KEY}}",
            "secretKey": "{{secrets.S3_SECRET_KEY}}",
        },
        "configuration": {"region": "us-east-1", "endpoint": endpoint},
    }


async def job(
    endpoint: str, discriminator: str | None = None, /, **variables: Any
) -> Completed | Failed:
    """The outcome of a job with the moto server's connection (secrets resolved)."""
    if discriminator is not None:
        variables["actionDiscriminator"] = discriminator
    outcome = await arun_job(camunda, {**connection(endpoint), **variables}, secrets=SECRETS)
    assert isinstance(outcome, Completed | Failed), outcome
    assert SECRET_KEY not in json.dumps(getattr(outcome, "output", None) or {}) + repr(outcome)
    return outcome


def inline(content: bytes, name: str | None, content_type: str | None) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(content).decode(),
        "encoding": "base64",
    }
    if name is not None:
        reference["name"] = name
    if content_type is not None:
        reference["contentType"] = content_type
    return reference


def body(s3_client: Any, bucket: str, key: str) -> tuple[bytes, str]:
    answer = s3_client.get_object(Bucket=bucket, Key=key)
    return answer["Body"].read(), answer["ContentType"]


async def inline_content(reference: dict[str, Any]) -> bytes:
    """The content of a document the core's inline store answered."""
    assert reference["camunda.document.type"] == "inline", reference
    content = reference["content"]
    if reference.get("encoding") == "base64":
        return base64.b64decode(content)
    return str(content).encode()


async def test_upload_returns_camundas_shape(moto_server: str, s3_client: Any, bucket: str) -> None:
    document = inline(b"order,total\n42,99.50\n", "orders.csv", "text/csv")
    outcome = await job(
        moto_server,
        "uploadObject",
        action={"bucket": bucket, "key": "in/42.csv", "document": document},
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output == {
        "bucket": bucket,
        "key": "in/42.csv",
        "link": f"https://{bucket}.s3.amazonaws.com/in/42.csv",
    }
    assert body(s3_client, bucket, "in/42.csv") == (b"order,total\n42,99.50\n", "text/csv")


async def test_upload_without_a_key_stores_under_the_file_name(
    moto_server: str, s3_client: Any, bucket: str
) -> None:
    document = inline(b"%PDF-1.4", "invoice.pdf", "application/pdf")
    outcome = await job(
        moto_server, "uploadObject", action={"bucket": bucket, "key": " ", "document": document}
    )
    assert isinstance(outcome, Completed), outcome
    # Camunda returns the key it was given (none) and a link built from it.
    assert outcome.output == {
        "bucket": bucket,
        "key": None,
        "link": f"https://{bucket}.s3.amazonaws.com/null",
    }
    assert body(s3_client, bucket, "invoice.pdf") == (b"%PDF-1.4", "application/pdf")
    nameless = inline(b"x", None, None)
    outcome = await job(
        moto_server, "uploadObject", action={"bucket": bucket, "document": nameless}
    )
    assert isinstance(outcome, Failed) and outcome.code == "MISSING_INPUT", outcome
    assert outcome.message == "action.key: required, as the document has no file name"


async def test_download_new_path_document_text_and_json(
    moto_server: str, s3_client: Any, bucket: str
) -> None:
    s3_client.put_object(Bucket=bucket, Key="a/report.txt", Body=b"caf\xe9", ContentType="text/x")
    s3_client.put_object(Bucket=bucket, Key="data.json", Body=b'[1, {"a": true}]')
    action = {"bucket": bucket, "key": "a/report.txt"}

    as_document = await job(
        moto_server, "downloadObject", action=action, documentReturnFormat={"choice": "DOCUMENT"}
    )
    assert isinstance(as_document, Completed), as_document
    output = as_document.output
    assert (output["bucket"], output["key"], list(output["element"])) == (
        bucket,
        "a/report.txt",
        ["document"],
    )
    reference = output["element"]["document"]
    assert await inline_content(reference) == b"caf\xe9"
    assert (reference["name"], reference["contentType"]) == ("a/report.txt", "text/x")

    as_text = await job(
        moto_server,
        "downloadObject",
        action=action,
        documentReturnFormat={"choice": "TEXT", "encoding": "ISO-8859-1"},
    )
    assert isinstance(as_text, Completed), as_text
    assert as_text.output == {
        "bucket": bucket,
        "key": "a/report.txt",
        "element": {"content": "café"},
    }

    as_json = await job(
        moto_server,
        "downloadObject",
        action={"bucket": bucket, "key": "data.json"},
        documentReturnFormat={"choice": "json"},  # any case, as Camunda's mapper
    )
    assert isinstance(as_json, Completed), as_json
    assert as_json.output["element"] == {"content": [1, {"a": True}]}

    not_json = await job(
        moto_server, "downloadObject", action=action, documentReturnFormat={"choice": "JSON"}
    )
    assert isinstance(not_json, Failed) and not_json.code == "INVALID_RESULT_FORMAT"
    unknown = await job(
        moto_server,
        "downloadObject",
        action=action,
        documentReturnFormat={"choice": "TEXT", "encoding": "no-such-charset"},
    )
    assert isinstance(unknown, Failed) and unknown.input_error, unknown


@pytest.mark.parametrize(
    ("content_type", "stored", "content"),
    [
        ("text/plain", "plain text ✓".encode(), "plain text ✓"),
        ("application/json", b'{"total": 42}', {"total": 42}),
        ("image/png", b"\x89PNG\r\n", base64.b64encode(b"\x89PNG\r\n").decode()),
        # Camunda switches on the exact content type: with a charset it is "other".
        ("text/plain; charset=utf-8", b"hi", base64.b64encode(b"hi").decode()),
    ],
)
async def test_download_legacy_path_by_content_type(
    moto_server: str,
    s3_client: Any,
    bucket: str,
    content_type: str,
    stored: bytes,
    content: Any,
) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=stored, ContentType=content_type)
    outcome = await job(
        moto_server, "downloadObject", action={"bucket": bucket, "key": "k", "asFile": False}
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output == {"bucket": bucket, "key": "k", "element": {"content": content}}


async def test_download_legacy_as_file(moto_server: str, s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="k.bin", Body=b"\x00\x01", ContentType="x/y")
    outcome = await job(
        moto_server, "downloadObject", action={"bucket": bucket, "key": "k.bin", "asFile": "true"}
    )
    assert isinstance(outcome, Completed), outcome
    assert await inline_content(outcome.output["element"]["document"]) == b"\x00\x01"


async def test_delete_returns_bucket_and_key(moto_server: str, s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="gone.txt", Body=b"x")
    outcome = await job(moto_server, "deleteObject", action={"bucket": bucket, "key": "gone.txt"})
    assert isinstance(outcome, Completed), outcome
    assert outcome.output == {"bucket": bucket, "key": "gone.txt"}
    assert s3_client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


async def test_s3_failures_carry_the_connectors_codes(moto_server: str, bucket: str) -> None:
    missing = await job(
        moto_server,
        "downloadObject",
        action={"bucket": bucket, "key": "nope.txt"},
        documentReturnFormat={"choice": "TEXT"},
    )
    assert isinstance(missing, Failed), missing
    assert (missing.code, missing.incident) == ("NOT_FOUND", True)
    assert f"s3://{bucket}/nope.txt" in missing.message
    assert missing.variables["error"] == "NoSuchKey"
    no_bucket = await job(
        moto_server, "deleteObject", action={"bucket": "no-such-bucket-42", "key": "k"}
    )
    assert isinstance(no_bucket, Failed) and no_bucket.code == "NOT_FOUND", no_bucket
    assert no_bucket.variables["error"] == "NoSuchBucket"


async def test_missing_and_invalid_inputs_name_camundas_variables(
    moto_server: str, bucket: str
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"actionDiscriminator": "deleteObject", "action": {"key": "k"}}, "action.bucket"),
        ({"actionDiscriminator": "downloadObject", "action": {"bucket": bucket}}, "action.key"),
        # Template versions 3 to 6 build the document from helpers their expression cannot
        # see: the engine maps null, and Camunda's validation refuses it.
        ({"action": {"bucket": bucket, "key": "k", "document": None}}, "action.document"),
        (
            {"actionDiscriminator": "deleteObject", "action": {"bucket": "Bad_Bucket", "key": "k"}},
            "action.bucket",
        ),
    ]
    for variables, name in cases:
        outcome = await job(moto_server, **variables)
        assert isinstance(outcome, Failed) and outcome.input_error, (name, outcome)
        assert outcome.message.startswith(name) or f": {name}:" in outcome.message, outcome

    bad_endpoint = await job(
        moto_server,
        "deleteObject",
        action={"bucket": bucket, "key": "k"},
        configuration={"region": "us-east-1", "endpoint": "minio:9000"},
    )
    assert isinstance(bad_endpoint, Failed) and bad_endpoint.input_error, bad_endpoint
    assert "configuration.endpoint" in bad_endpoint.message

    without_region = await arun_job(
        camunda,
        {
            "authentication": {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY},
            "configuration": {"endpoint": moto_server},
            "actionDiscriminator": "deleteObject",
            "action": {"bucket": bucket, "key": "k"},
        },
    )
    assert isinstance(without_region, Failed) and without_region.code == "MISSING_INPUT"
    assert without_region.message == "configuration.region: required"
    # The type defaults to credentials, whose secret key is then required.
    no_secret = await arun_job(
        camunda,
        {
            "authentication": {"accessKey": ACCESS_KEY},
            "configuration": {"region": "us-east-1", "endpoint": moto_server},
            "actionDiscriminator": "deleteObject",
            "action": {"bucket": bucket, "key": "k"},
        },
    )
    assert isinstance(no_secret, Failed) and no_secret.code == "MISSING_INPUT"
    assert no_secret.message == "authentication.secretKey: required"


async def test_a_stored_credential_wins_and_lends_its_region(
    moto_server: str, s3_client: Any, bucket: str
) -> None:
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"x")
    outcome = await arun_job(
        camunda,
        {
            "authentication": {"type": "credentials"},  # left empty beside the credential
            "awsCredential": {
                "authentication": {
                    "type": "credentials",
                    "accessKey": ACCESS_KEY,
                    "secretKey": "{{secrets.S3_SECRET_KEY}}",
                },
                "region": "us-east-1",
            },
            "configuration": {"endpoint": moto_server},
            "actionDiscriminator": "deleteObject",
            "action": {"bucket": bucket, "key": "k"},
        },
        secrets=SECRETS,
    )
    assert isinstance(outcome, Completed), outcome


async def test_default_credentials_chain(
    moto_server: str, s3_client: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    variables = {
        "authentication": {"type": "defaultCredentialsChain"},
        "configuration": {"region": "us-east-1", "endpoint": moto_server},
        "actionDiscriminator": "deleteObject",
        "action": {"bucket": bucket, "key": "k"},
    }
    outcome = await arun_job(camunda, variables)
    assert isinstance(outcome, Completed), outcome
    monkeypatch.setenv(SAAS_VARIABLE, "true")
    refused = await arun_job(camunda, variables)
    assert isinstance(refused, Failed) and refused.input_error, refused
    assert "not supported in SaaS" in refused.message


async def test_content_past_camundas_inline_limit_asks_for_a_document(
    moto_server: str, s3_client: Any, bucket: str
) -> None:
    s3_client.put_object(Bucket=bucket, Key="big.txt", Body=b"x" * (INLINE_MAX_BYTES + 1))
    outcome = await job(
        moto_server,
        "downloadObject",
        action={"bucket": bucket, "key": "big.txt"},
        documentReturnFormat={"choice": "TEXT"},
    )
    assert isinstance(outcome, Failed) and outcome.code == "OBJECT_TOO_LARGE", outcome
    assert outcome.incident and "set documentReturnFormat to DOCUMENT" in outcome.message
