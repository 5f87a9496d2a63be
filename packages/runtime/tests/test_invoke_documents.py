"""Documents in ``tasklink invoke``: ``"@path"`` in document fields reads local files, and
returned documents are written into a folder, never over an existing file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from document_fixtures import files

from tasklink.core import DOCUMENT_TYPE, Document, JobInfo, MappingSecretProvider
from tasklink.runtime import RuntimeSettings, invoke
from tasklink.runtime._local_documents import LocalDocumentStore, local_references

SUPPORT = Path(__file__).resolve().parent / "support"


async def _invoke(
    operation: str, variables: dict[str, Any], store: LocalDocumentStore
) -> tuple[int, Any]:
    result = await invoke(
        files.get_operation(operation),
        variables,
        secrets=MappingSecretProvider({}),
        settings=RuntimeSettings(concurrency=1, document_max_bytes=1000),
        documents=store,
    )
    return result.exit_code, result.document


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "input.bin"
    path.write_bytes(b"local content")
    return path


async def test_at_path_in_a_document_field_reads_the_file(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(source.parent)
    store = LocalDocumentStore(source.parent / "out", max_bytes=1000)
    code, output = await _invoke("digest", {"document": "@input.bin", "note": "@me"}, store)
    assert code == 0, output
    assert output == {
        "sha256": hashlib.sha256(b"local content").hexdigest(),
        "size": 13,
        "file_name": "input.bin",
        "content_type": "application/octet-stream",  # guessed from the name
        "note": "@me",  # a text field keeps its text
    }
    assert store.written == [] and store.folder == source.parent / "out"


def test_only_document_fields_take_paths() -> None:
    operation = files.get_operation("digest")
    assert local_references(operation.input_model, {"document": "@a.pdf", "note": "@b"}) == {
        "document": {DOCUMENT_TYPE: "local", "path": "a.pdf"},
        "note": "@b",
    }
    made = files.get_operation("make").input_model
    assert local_references(made, {"size": "@1"}) == {"size": "@1"}


async def test_returned_documents_are_written_never_over_a_file(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "copy-of-input.bin").write_bytes(b"already here")
    store = LocalDocumentStore(out, max_bytes=1000)
    code, output = await _invoke("copy", {"document": f"@{source}"}, store)
    assert code == 0, output
    written = out / "copy-of-input-1.bin"
    assert output["document"] == {
        DOCUMENT_TYPE: "local",
        "path": str(written),
        "metadata": {
            "contentType": "application/octet-stream",
            "fileName": "copy-of-input-1.bin",
            "size": 13,
            "customProperties": {"copiedBy": "files.copy"},
        },
    }
    assert written.read_bytes() == b"local content"
    assert (out / "copy-of-input.bin").read_bytes() == b"already here"
    assert store.written == [written]


async def test_written_names_are_safe_and_numbered_within_the_length_limit(
    tmp_path: Path,
) -> None:
    store = LocalDocumentStore(tmp_path)
    for _ in range(2):
        document = Document.from_bytes(b"x", file_name="../" + "é" * 200 + ".txt")
        await store.save(document, JobInfo())
    first, second = store.written
    assert first.parent == second.parent == tmp_path
    assert len(first.name.encode()) <= 255 and len(second.name.encode()) <= 255
    assert first.name.endswith("é.txt") and second.name.endswith("é-1.txt")


async def test_a_local_document_passed_on_keeps_its_path(source: Path, tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path / "out", max_bytes=1000)
    code, output = await _invoke("pass_on", {"document": f"@{source}"}, store)
    assert (code, output) == (0, {"document": {DOCUMENT_TYPE: "local", "path": str(source)}})
    assert store.written == [] and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("@missing.bin", "the file missing.bin does not exist"),
        ("@.", ". is not a file"),
        (
            "@big.bin",
            "the file big.bin is 1001 bytes, more than the 1000 a job may read "
            "(document_max_bytes)",
        ),
        (
            {DOCUMENT_TYPE: "camunda", "documentId": "d"},
            "a Camunda document reference can only be resolved by a job from Camunda 8",
        ),
        ({DOCUMENT_TYPE: "local"}, "a local document needs the path of its file"),
    ],
)
async def test_bad_local_documents_are_input_errors_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: Any, problem: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.bin").write_bytes(b"b" * 1001)
    store = LocalDocumentStore(tmp_path, max_bytes=1000)
    code, error = await _invoke("digest", {"document": value}, store)
    assert code == 2
    assert error["code"] == "INVALID_INPUT"
    assert error["message"] == f"invalid input: document: {problem}"


async def test_a_failed_run_leaves_no_files_behind(tmp_path: Path) -> None:
    store = LocalDocumentStore(None, max_bytes=1000)
    code, error = await _invoke("make", {"size": 500, "count": 2, "broken": True}, store)
    assert (code, error["code"]) == (1, "SOURCE_BROKE")
    assert store.written == []
    assert store.folder is not None and not store.folder.exists()


async def test_a_fresh_folder_is_made_for_returned_documents() -> None:
    store = LocalDocumentStore(None, max_bytes=1000)
    code, output = await _invoke("make", {"size": 700, "count": 2}, store)
    try:
        assert code == 0, output
        folder = store.folder
        assert folder is not None and folder.name.startswith("tasklink-documents-")
        assert [Path(d["path"]).name for d in output["documents"]] == ["made-0.bin", "made-1.bin"]
        assert [d["metadata"]["size"] for d in output["documents"]] == [700, 700]
    finally:
        if store.folder is not None:
            shutil.rmtree(store.folder)


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def files_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A subprocess environment in which discovery finds the ``files`` connector."""
    site = tmp_path_factory.mktemp("files-site")
    info = site / "tasklink_testfiles-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tasklink-testfiles\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[tasklink.connectors]\nfiles = document_fixtures:files\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(site), str(SUPPORT), *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


def _tasklink(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tasklink.runtime", "invoke", "files", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_tasklink_invoke_writes_documents_and_says_where(
    files_env: dict[str, str], source: Path
) -> None:
    cwd = source.parent
    done = _tasklink(
        files_env, cwd, "-p", "copy", "--input", '{"document": "@input.bin"}',
        "--documents-dir", "out",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = (cwd / "out" / "copy-of-input.bin").resolve()
    assert json.loads(done.stdout)["document"]["path"] == str(written)
    assert written.read_bytes() == b"local content"
    assert done.stderr == f"tasklink: wrote 1 document to {written.parent}\n"

    (cwd / "a-file").write_text("")
    refused = _tasklink(
        files_env, cwd, "-p", "copy", "--input", '{"document": "@input.bin"}',
        "--documents-dir", "a-file",
    )  # fmt: skip
    assert refused.returncode == 2
    assert json.loads(refused.stderr)["message"] == "--documents-dir: a-file is not a directory"

    missing = _tasklink(files_env, cwd, "-p", "digest", "--input", '{"document": "@nope.pdf"}')
    assert missing.returncode == 2
    assert json.loads(missing.stderr)["message"] == (
        "invalid input: document: the file nope.pdf does not exist"
    )
