"""The README's example runs as a user copies it, against the local HTTP test server."""

from __future__ import annotations

from pathlib import Path

from tasklink.testing import httpbin, readme_examples, run_readme_example

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_example_runs(httpbin_server: httpbin.TestServer, tmp_path: Path) -> None:
    examples = readme_examples(README)
    assert [example.language for example in examples] == ["python"]
    done = run_readme_example(examples[0], cwd=tmp_path, env={"EXAMPLE_URL": httpbin_server.url})
    assert done.returncode == 0, f"{examples[0]} failed:\n{done.stdout}\n{done.stderr}"
    assert done.stdout.splitlines() == [
        "completed ['start', 'fetch', 'found'] 200",
        "completed ['start', 'missing', 'not-found']",
    ]
