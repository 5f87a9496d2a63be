from __future__ import annotations

from pathlib import Path

from tasklink.testing import readme_examples, run_readme_example

README = """
# pkg

<!-- not-tested -->
```bash
pip install tasklink-x
```

```python
import os
print("hello", os.environ["WHO"])
```

```bash
# a comment first
tasklink --help >/dev/null 2>&1 || echo "cli missing"
```

```bash
ls -la
```

```json
{"not": "run"}
```
"""


def test_examples_are_found_and_skips_honoured(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README)
    examples = readme_examples(readme)
    assert [(e.language, e.line) for e in examples] == [("python", 9), ("bash", 14)]


def test_examples_run_with_the_given_environment(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README)
    python = readme_examples(readme)[0]
    done = run_readme_example(python, cwd=tmp_path, env={"WHO": "ada"})
    assert done.returncode == 0
    assert done.stdout.strip() == "hello ada"
    failing = run_readme_example(python, cwd=tmp_path, env={})
    assert failing.returncode != 0
    assert "KeyError" in failing.stderr
