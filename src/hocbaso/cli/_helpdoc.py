"""Generate ``docs/cli.md`` from the argument parser, so the docs and ``--help`` never drift.

``python -m hocbaso.cli._helpdoc docs/cli.md`` rewrites it; ``tests/test_docs.py`` fails when
it is stale.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hocbaso.cli import build_parser

__all__ = ["generate", "main"]


def _walk(parser: argparse.ArgumentParser, prog: str, out: list[str], depth: int) -> None:
    out.append(f"{'#' * depth} `{prog}`\n")
    out.append("```text")
    out.append(parser.format_help().rstrip())
    out.append("```\n")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                _walk(sub, f"{prog} {name}", out, min(depth + 1, 4))


def generate() -> str:
    """The whole markdown document (help texts wrapped at 100 columns)."""
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; fix it for stable output
    parser = build_parser()
    out = [
        "# Command line\n",
        "Generated from the parser by `python -m hocbaso.cli._helpdoc docs/cli.md`; do not edit.",
        "Exit status everywhere: `0` success/valid, `1` invalid or failed, `2` unusable input,",
        "indeterminate result or usage error.\n",
    ]
    _walk(parser, "hocbaso", out, 2)
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the document to the given path (default docs/cli.md)."""
    args = sys.argv[1:] if argv is None else argv
    Path(args[0] if args else "docs/cli.md").write_text(generate(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
