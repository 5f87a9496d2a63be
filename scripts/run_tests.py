#!/usr/bin/env python3
"""The full test run: README's test command (`hatch run test`) and CI call this.

1. prerequisites: the set-up scripts, the root's, then those each workspace member
   declares in its pyproject.toml (`[tool.tasklink] setup-scripts`, see workspace.py),
   start the services the tests talk to when they are down (RabbitMQ, PostgreSQL,
   MariaDB) and install the npm tools and Debian packages the tests drive (template
   validator, Chromium, Dovecot);
2. static checks: ruff, ruff format, mypy (strict, every member's src: typecheck.py);
3. pytest over shared/, packages/ and tests/ (extra arguments go to pytest);
4. every benchmark in --quick mode, printing its METRIC lines.

Every step runs even when an earlier one failed, so one run reports everything; the exit
status is non-zero when any step failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import typecheck
import workspace

ROOT = workspace.ROOT

# Set-up scripts, each idempotent and quick when everything is already in place: the root's
# own here, a package's in its pyproject.toml (a new package needs no edit of this file).
ROOT_SETUP_SCRIPTS = ["scripts/setup_node_tools.sh"]


def banner(title: str) -> None:
    print(f"\n=== {title} ===", flush=True)


def run(command: list[str]) -> int:
    print("$ " + " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def prerequisites() -> int:
    banner("prerequisites")
    failures = 0
    for script in ROOT_SETUP_SCRIPTS:
        if (ROOT / script).is_file():
            failures += run(["bash", script]) != 0
    declared, problems = workspace.setup_scripts(ROOT)
    for problem in problems:
        print(problem, file=sys.stderr)
    failures += len(problems)
    for path in declared:
        failures += run(["bash", str(path.relative_to(ROOT))]) != 0
    return failures


def static_checks() -> int:
    banner("static checks")
    failures = int(run([sys.executable, "-m", "ruff", "check", "."]) != 0)
    failures += run([sys.executable, "-m", "ruff", "format", "--check", "."]) != 0
    failures += typecheck.main([]) != 0
    return failures


def tests(pytest_args: list[str]) -> int:
    banner("tests")
    code = run([sys.executable, "-m", "pytest", *pytest_args])
    return 1 if code != 0 else 0  # exit 5 (no tests collected) counts as a failure too


def benchmarks() -> int:
    banner("benchmarks (--quick)")
    failures = 0
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        if script.name.startswith("_"):
            continue
        failures += run([sys.executable, str(script), "--quick"]) != 0
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-setup", action="store_true", help="skip the prerequisites")
    parser.add_argument("--no-lint", action="store_true", help="skip ruff and mypy")
    parser.add_argument("--no-bench", action="store_true", help="skip the benchmarks")
    options, pytest_args = parser.parse_known_args()
    # Bytecode caches make every later import (each test subprocess, the benchmarks) fast;
    # some shells switch them off.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    results: dict[str, int] = {}
    if not options.no_setup:
        results["prerequisites"] = prerequisites()
    if not options.no_lint:
        results["static checks"] = static_checks()
    results["tests"] = tests(pytest_args)
    if not options.no_bench:
        results["benchmarks"] = benchmarks()
    banner("summary")
    for step, failures in results.items():
        print(f"{step}: {'ok' if not failures else 'FAILED'}")
    return 1 if any(results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
