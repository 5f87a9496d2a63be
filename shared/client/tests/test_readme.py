"""The README's example runs, against the local server, as a connector author copies it."""

from __future__ import annotations

from pathlib import Path

from tasklink.testing import httpbin, readme_examples, run_readme_example

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_example_runs(server: httpbin.TestServer, tmp_path: Path) -> None:
    examples = readme_examples(README)
    assert [example.language for example in examples] == ["python"]
    before = len(server.log)
    done = run_readme_example(examples[0], cwd=tmp_path, env={"EXAMPLE_URL": server.url})
    assert done.returncode == 0, f"{examples[0]} failed:\n{done.stdout}\n{done.stderr}"
    assert done.stdout == "200 {'authenticated': True, 'token': 'example-token-123'}\n"
    assert server.log[before:] and server.log[-1]["path"] == "/bearer"
    assert server.log[-1]["headers"]["Authorization"] == "Bearer example-token-123"
