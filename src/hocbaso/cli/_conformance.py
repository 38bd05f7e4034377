"""``hocbaso conformance run|list``: a thin command over :mod:`hocbaso.conformance`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hocbaso import conformance

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``conformance run`` and ``conformance list``."""
    p = sub.add_parser(
        "conformance",
        help="run the conformance vectors against this library or another implementation",
        description="The conformance kit: versioned test vectors with expected outcomes, and a "
        "runner. See docs/conformance.md for the external-command protocol.",
    )
    actions = p.add_subparsers(dest="conformance_command", metavar="ACTION", required=True)
    r = actions.add_parser(
        "run",
        help="run the vectors and print a pass/fail table (or a JSON report)",
        description="Without --cmd, check this library (validation, business rules, batch "
        "rules, signature verification). With --cmd, run that command once per vector "
        "({file} is replaced by the vector's path; split like a shell would, never run "
        "through one) and judge it by its exit status (0 valid/TOTAL_PASSED, 1 "
        "invalid/TOTAL_FAILED, 2 unusable/INDETERMINATE) and, when it prints a JSON object, by "
        "the rule ids, locations, codes and indications in it. Exit 0 when every vector "
        "passed, 1 when some failed.",
    )
    r.add_argument("--cmd", metavar="COMMAND", help='e.g. "my-validator --json {file}"')
    r.add_argument(
        "--category",
        action="append",
        metavar="NAME",
        help="run only this category (repeatable, or comma-separated): grades, codes, schema, "
        "canonical, rules, batch, parser, signatures",
    )
    r.add_argument("--case", action="append", metavar="ID", help="run only this case id")
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.add_argument("--report", type=Path, metavar="FILE", help="also write the JSON report here")
    r.add_argument(
        "--vectors", type=Path, metavar="DIR", help="a vectors directory (default: the bundled)"
    )
    r.add_argument(
        "--timeout",
        type=float,
        default=conformance.DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="time limit per vector for --cmd (default %(default)s)",
    )
    r.add_argument("-v", "--verbose", action="store_true", help="list passed vectors too")
    r.set_defaults(handler=_run)

    ls = actions.add_parser(
        "list", help="list the vectors and their expected outcomes", description="List vectors."
    )
    ls.add_argument("--category", action="append", metavar="NAME")
    ls.add_argument("--vectors", type=Path, metavar="DIR")
    ls.set_defaults(handler=_list)


def _categories(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def _run(args: argparse.Namespace) -> int:
    report = conformance.run(
        args.cmd,
        categories=_categories(args.category),
        cases=args.case,
        vectors=args.vectors,
        timeout=args.timeout,
    )
    if args.report:
        args.report.write_text(report.to_json() + "\n", encoding="utf-8")
    if args.format == "json":
        sys.stdout.write(report.to_json() + "\n")
    else:
        print(report.to_text(verbose=args.verbose))
    return EXIT_OK if report.passed else EXIT_FAILED


def _list(args: argparse.Namespace) -> int:
    manifest = conformance.load_manifest(args.vectors)
    print(f"hocbaso conformance vectors {manifest.version} ({manifest.directory})")
    for case in manifest.select(_categories(args.category)):
        exp = case.expect
        detail = ""
        if exp.problems:
            detail = " " + ",".join(sorted({r for p in exp.problems for r in p.rules}))
        elif exp.codes:
            detail = " " + ",".join(exp.codes)
        elif exp.sub_indications:
            detail = " " + ",".join(exp.sub_indications)
        print(f"{case.id:<52} {exp.outcome}{detail}")
    return EXIT_OK
