"""Extracting and running the examples of a package README."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ReadmeExample", "readme_examples", "run_readme_example"]

SKIP_MARKER = "<!-- not-tested -->"
_FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True, slots=True)
class ReadmeExample:
    """One runnable fenced block: ``python``, or ``bash`` made of ``tasklink`` commands."""

    language: str
    code: str
    line: int

    def __str__(self) -> str:
        return f"{self.language} example at line {self.line}"


def _runnable_bash(code: str) -> bool:
    lines = [line.strip() for line in code.splitlines() if line.strip()]
    commands = [line for line in lines if not line.startswith("#")]
    return bool(commands) and commands[0].startswith("tasklink ")


def readme_examples(readme: Path) -> list[ReadmeExample]:
    """The tested examples of ``readme``, skipping blocks preceded by ``<!-- not-tested -->``."""
    text = readme.read_text("utf-8")
    found: list[ReadmeExample] = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip().splitlines()
        if before and before[-1].strip() == SKIP_MARKER:
            continue
        lang, code = match.group("lang").lower(), match.group("code")
        line = text.count("\n", 0, match.start()) + 1
        if lang in ("python", "py"):
            found.append(ReadmeExample("python", code, line))
        elif lang in ("bash", "sh", "shell", "console") and _runnable_bash(code):
            found.append(ReadmeExample("bash", code, line))
    return found


def run_readme_example(
    example: ReadmeExample, *, cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one example in a fresh process with the current interpreter's environment."""
    environment = {**os.environ, **env}
    bindir = str(Path(sys.executable).parent)
    environment["PATH"] = bindir + os.pathsep + environment.get("PATH", "")
    if example.language == "python":
        command = [sys.executable, "-c", example.code]
    else:
        command = ["bash", "-e", "-o", "pipefail", "-c", example.code]
    return subprocess.run(  # noqa: S603 - runs the package's own documented example
        command,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
