"""Command line: ``python -m tasklink.feel.tck DIR [--verbose] [--filter TEXT]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._runner import run_tck


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tasklink.feel.tck",
        description="Run DMN TCK test cases (.dmn models and *-test-*.xml files) found under DIR.",
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failing node")
    parser.add_argument("--filter", default="", help="only directories whose name contains this")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        print(f"not a directory: {args.directory}", file=sys.stderr)
        return 2
    result = run_tck(args.directory, name_filter=args.filter)
    for d in result.directories:
        print(f"{d.name}: {d.passed}/{d.total} passed")
        if args.verbose:
            for failure in d.failures:
                print(f"    FAIL {failure}")
    print(result.summary_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
