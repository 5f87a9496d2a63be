"""Documents: references in, documents to the operation, documents out as references."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from tasklink.core import (
    DOCUMENT_TYPE,
    Completed,
    Connector,
    ConnectorError,
    Document,
    DocumentMetadata,
    Failed,
    InlineDocumentStore,
    InputModel,
    Job,
    JobExecutor,
    JobInfo,
    MappingSecretProvider,
    OutputModel,
    field,
)
from tasklink.core._documents import DocumentError, contains_documents, store_documents
from tasklink.core.templates import activiti_definition, camunda_template


class Upload(InputModel):
    file: Document = field(description="The file to upload")
    note: str = field("", description="A note")


class Uploaded(BaseModel):
    duplicate: Document
    size: int


def make_connector() -> Connector:
    connector = Connector(
        id="io.tasklink.test.files",
        name="files",
        title="Files",
        job_type="tasklink-test:files:1",
        description="Takes and returns documents",
        package="tasklink.core",
        icon=None,
    )

    @connector.operation(name="Copy", description="Read a document and return a copy")
    async def copy(input: Upload) -> Uploaded:
        content = await input.file.read()
        name = f"copy-of-{input.file.metadata.file_name}"
        return Uploaded(
            duplicate=Document.from_bytes(content, file_name=name, content_type="text/plain"),
            size=len(content),
        )

    return connector


def inline(text: str, **extra: Any) -> dict[str, Any]:
    return {DOCUMENT_TYPE: "inline", "content": text, "name": "a.txt", **extra}


async def run(variables: Mapping[str, Any], **job: Any) -> Any:
    executor = JobExecutor(MappingSecretProvider({}))
    return await executor.execute(
        make_connector().get_operation(), Job(variables, info=JobInfo(retries=3), **job)
    )


async def test_an_inline_document_goes_in_and_a_stored_reference_comes_out() -> None:
    outcome = await run({"file": inline("hello")})
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["duplicate"] == {
        DOCUMENT_TYPE: "inline",
        "content": base64.b64encode(b"hello").decode(),
        "encoding": "base64",
        "size": 5,
        "name": "copy-of-a.txt",
        "contentType": "text/plain",
    }
    assert outcome.output["size"] == 5


async def test_base64_inline_content_and_bad_forms_are_named() -> None:
    encoded = base64.b64encode(b"\x00\x01binary").decode()
    outcome = await run({"file": inline(encoded, encoding="base64")})
    assert isinstance(outcome, Completed) and outcome.output["size"] == 8
    for value, problem in (
        ("just text", "must be a document reference"),
        ({"name": "x"}, "must be a document reference"),
        (inline("x", encoding="rot13"), "unknown encoding 'rot13'"),
        (inline("!!!", encoding="base64"), "not base64"),
        ({DOCUMENT_TYPE: "weird"}, "unknown document type 'weird'"),
        ({DOCUMENT_TYPE: "camunda", "documentId": "d"}, "only be resolved by a job from Camunda"),
        ({DOCUMENT_TYPE: "local", "path": "/etc/passwd"}, "tasklink invoke only"),
    ):
        outcome = await run({"file": value})
        assert isinstance(outcome, Failed) and outcome.input_error, value
        assert outcome.message.startswith("invalid input: file: "), outcome.message
        assert problem in outcome.message, outcome.message


class RecordingStore(InlineDocumentStore):
    """Remembers what it was asked to open and save."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: list[tuple[Document, JobInfo]] = []

    def open_camunda(self, reference: Mapping[str, Any], field: str) -> Document:
        document = Document.from_bytes(b"from the store", file_name="stored.txt")
        document.reference = dict(reference)
        return document

    async def save(self, document: Document, job: JobInfo) -> dict[str, Any]:
        self.saved.append((document, job))
        return {DOCUMENT_TYPE: "camunda", "documentId": f"doc-{len(self.saved)}"}


async def test_the_jobs_store_opens_and_saves() -> None:
    store = RecordingStore()
    outcome = await run({"file": {DOCUMENT_TYPE: "camunda", "documentId": "in"}}, documents=store)
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["duplicate"] == {DOCUMENT_TYPE: "camunda", "documentId": "doc-1"}
    [(saved, info)] = store.saved
    assert saved.metadata.file_name == "copy-of-stored.txt" and info.retries == 3


async def test_a_document_passed_on_keeps_its_reference() -> None:
    connector = make_connector()

    @connector.operation(name="Pass", description="Return the input document as it is")
    async def passing(input: Upload) -> dict[str, Any]:
        return {"same": input.file}

    outcome = await JobExecutor().execute(
        connector.get_operation("passing"), Job({"file": inline("x")})
    )
    assert isinstance(outcome, Completed)
    assert outcome.output["same"] == inline("x")


async def test_spooling_keeps_large_content_out_of_memory_and_limits_hold() -> None:
    async def chunks(count: int) -> AsyncIterator[bytes]:
        for _ in range(count):
            yield b"x" * 65536

    big = await Document.from_chunks(chunks(32), file_name="big.bin")  # 2 MiB
    assert big.metadata.size == 2 * 1024 * 1024
    assert big._spool is not None and big._spool._rolled  # type: ignore[attr-defined]
    assert len(await big.read()) == 2 * 1024 * 1024
    assert len(await big.read()) == 2 * 1024 * 1024, "readable again"
    with pytest.raises(ConnectorError) as caught:
        await Document.from_chunks(chunks(4), limit=100_000, field="attachment")
    assert caught.value.code == "DOCUMENT_TOO_LARGE" and "attachment" in caught.value.message
    limited = Document.from_bytes(b"y" * 10)
    limited.limit = 5
    with pytest.raises(ConnectorError, match="larger than 5 bytes"):
        await limited.read()


async def test_answering_inline_is_bounded() -> None:
    store = InlineDocumentStore(inline_max_bytes=4)
    with pytest.raises(ConnectorError) as caught:
        await store.save(Document.from_bytes(b"12345"), JobInfo())
    assert caught.value.code == "DOCUMENT_TOO_LARGE" and not caught.value.retryable


def test_metadata_round_trips_camundas_form() -> None:
    metadata = DocumentMetadata.from_json(
        {
            "fileName": "a.pdf",
            "contentType": "application/pdf",
            "size": 3,
            "customProperties": {"k": 1},
        }
    )
    assert metadata == DocumentMetadata("a.pdf", "application/pdf", 3, {"k": 1})
    assert metadata.to_json() == {
        "contentType": "application/pdf",
        "fileName": "a.pdf",
        "size": 3,
        "customProperties": {"k": 1},
    }
    assert DocumentMetadata.from_json("nonsense") == DocumentMetadata()


def test_documents_are_found_in_results_at_any_depth() -> None:
    class Nested(OutputModel):
        files: list[Document] = field(default_factory=list, description="Files")
        note: Any = field(None, description="Free JSON, never searched")

    class Outer(OutputModel):
        inner: Nested | None = field(None, description="Inner")

    document = Document.from_bytes(b"x")
    assert contains_documents(Outer(inner=Nested(files=[document])))
    assert not contains_documents(Outer(inner=Nested(note={"deep": [1, 2]})))
    assert contains_documents({"a": [1, {"b": document}]})
    looped: list[Any] = []
    looped.append(looped)
    assert not contains_documents(looped)


async def test_documents_are_stored_in_the_order_the_result_lists_them() -> None:
    class Listed(OutputModel):
        first: Document = field(description="First")
        rest: list[Document] = field(description="The others")

    named = [Document.from_bytes(b"x", file_name=name) for name in "abcd"]
    store = RecordingStore()
    await store_documents(
        {"one": Listed(first=named[0], rest=named[1:3]), "two": named[3]}, store, JobInfo()
    )
    assert [saved.metadata.file_name for saved, _ in store.saved] == ["a", "b", "c", "d"]
    assert [document.reference for document in named] == [
        {DOCUMENT_TYPE: "camunda", "documentId": f"doc-{n}"} for n in range(1, 5)
    ]


class JobInfoModel(InputModel):
    name: str = field(description="A name")


def test_templates_show_a_document_as_one_field() -> None:
    connector = make_connector()
    template = camunda_template(connector)
    [prop] = [p for p in template["properties"] if p.get("binding", {}).get("name") == "file"]
    assert (prop["type"], prop["feel"]) == ("String", "required")
    assert prop["constraints"] == {"notEmpty": True}
    definition = activiti_definition(connector)
    action = definition["actions"]["COPY"]
    [parameter] = [p for p in action["inputs"] if p["name"] == "file"]
    [output] = [p for p in action["outputs"] if p["name"] == "duplicate"]
    assert parameter["type"] == output["type"] == "file"


def test_document_errors_are_value_errors() -> None:
    assert issubclass(DocumentError, ValueError)


class Dated(OutputModel):
    file: Document = field(description="The file")
    at: datetime = field(description="When")
    took: timedelta = field(description="How long")


async def test_a_result_with_documents_keeps_the_json_form_of_its_other_values() -> None:
    when, took = datetime(2026, 12, 1, tzinfo=UTC), timedelta(seconds=90)
    connector = make_connector()

    @connector.operation(name="Dated", description="A document and dates")
    async def dated(input: Upload) -> Dated:
        return Dated(file=Document.from_bytes(b"x"), at=when, took=took)

    outcome = await JobExecutor().execute(
        connector.get_operation("dated"), Job({"file": inline("x")})
    )
    assert isinstance(outcome, Completed), outcome
    # As pydantic writes them in JSON, the form results without documents have.
    assert (outcome.output["at"], outcome.output["took"]) == ("2026-12-01T00:00:00Z", "PT1M30S")
    assert outcome.output["file"][DOCUMENT_TYPE] == "inline"


async def test_storing_is_part_of_the_job_and_never_raises() -> None:
    class Slow(InlineDocumentStore):
        async def save(self, document: Document, job: JobInfo) -> dict[str, Any]:
            await asyncio.sleep(5)
            return {}

    class Broken(InlineDocumentStore):
        async def save(self, document: Document, job: JobInfo) -> dict[str, Any]:
            raise OSError("disk full")

    operation = make_connector().get_operation()
    executor = JobExecutor()
    slow = await executor.execute(
        operation, Job({"file": inline("x")}, documents=Slow()), timeout=0.2
    )
    assert isinstance(slow, Failed) and slow.code == "TIMEOUT"
    broken = await executor.execute(operation, Job({"file": inline("x")}, documents=Broken()))
    assert isinstance(broken, Failed) and broken.code == "UNKNOWN_ERROR"
    assert "disk full" in broken.message


async def test_a_dict_result_of_a_typed_operation_is_stored_too() -> None:
    connector = make_connector()

    @connector.operation(name="Loose", description="A dict where a model is declared")
    async def loose(input: Upload) -> Uploaded:
        return {"duplicate": Document.from_bytes(b"abc"), "size": 3}  # type: ignore[return-value]

    outcome = await JobExecutor().execute(
        connector.get_operation("loose"), Job({"file": inline("x")})
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["duplicate"]["content"] == base64.b64encode(b"abc").decode()
