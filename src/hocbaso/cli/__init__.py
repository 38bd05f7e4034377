"""The ``hocbaso`` command line: a thin shell over the public API.

Each command group lives in its own private module with a ``register(subparsers)`` function;
this module only builds the parser and turns library exceptions into messages and exit codes
(one place, :func:`main`).

Exit codes: 0 success / valid; 1 invalid or failed; 2 unusable input, indeterminate, or usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from hocbaso import errors

__all__ = ["build_parser", "main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNUSABLE = 2


def _register_all(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Imported here so that `hocbaso --help` stays fast and a broken optional group
    # cannot stop the others from loading.
    from hocbaso.cli import _core

    registrars: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
        _core.register
    ]
    for name in ("_pki", "_sign", "_ledger", "_batch", "_rules", "_render", "_conformance"):
        try:
            module = __import__(f"hocbaso.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"hocbaso.cli.{name}":
                raise
            continue
        registrars.append(module.register)
    for register in registrars:
        register(sub)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (used by :func:`main` and by the docs/help sync test)."""
    parser = argparse.ArgumentParser(
        prog="hocbaso",
        description="Học bạ số: build, validate, sign, issue, pack, verify and render "
        "Vietnamese digital school records.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _register_all(sub)
    return parser


def _version() -> str:
    from hocbaso import __version__

    return f"hocbaso {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code (never raises for library errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except errors.HocbasoError as exc:
        where = f" [{exc.location}]" if exc.location else ""
        print(f"hocbaso: lỗi / error {exc.code}{where}", file=sys.stderr)
        print(f"  {exc.message_vi}", file=sys.stderr)
        print(f"  {exc.message_en}", file=sys.stderr)
        if isinstance(exc, errors.DocumentInvalidError):
            print(exc.report.to_text(), file=sys.stderr)
        return EXIT_INVALID if isinstance(exc, errors.VerificationError) else EXIT_UNUSABLE
    except FileNotFoundError as exc:
        print(f"hocbaso: không tìm thấy tệp / file not found: {exc.filename}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130
