"""Core commands: ``validate``, ``example``, ``schemas``, ``demo``."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import hocbaso
from hocbaso.errors import HocbasoError

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the core commands to the ``hocbaso`` parser."""
    p = sub.add_parser(
        "validate",
        help="check record files against the XSD and the models",
        description="Validate record XML files. Exit 0 all valid, 1 some invalid, "
        "2 some input unusable (malformed, unsafe, too large, wrong profile).",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument(
        "--engine",
        choices=("lxml", "xmlschema"),
        default="lxml",
        help="XSD engine (default lxml; xmlschema gives other error wording)",
    )
    p.add_argument("--max-bytes", type=int, default=hocbaso.codec.DEFAULT_MAX_BYTES)
    p.set_defaults(handler=_validate)

    p = sub.add_parser("example", help="write the example record of a grade (1-12)")
    p.add_argument("grade", type=int, choices=range(1, 13), metavar="GRADE")
    p.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    p.add_argument("--seed", type=int, help="generate a different realistic record")
    p.set_defaults(handler=_example)

    p = sub.add_parser("schemas", help="copy the XSD files of both profiles to a directory")
    p.add_argument("directory", type=Path)
    p.set_defaults(handler=_schemas)

    p = sub.add_parser(
        "demo",
        help="walk a small school's records through every capability",
        description="Build, validate, sign, issue, pack, verify and render a small school's "
        "records with a throwaway test PKI and an SQLite ledger (never for production).",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("hocbaso-demo"),
        help="working directory (default ./hocbaso-demo)",
    )
    p.add_argument("--students", type=int, default=2, help="students per grade shown (default 2)")
    p.set_defaults(handler=_demo)


def _validate(args: argparse.Namespace) -> int:
    results = []
    worst = EXIT_OK
    for path in args.files:
        try:
            report = hocbaso.validate(
                path.read_bytes(), source=str(path), max_bytes=args.max_bytes, engine=args.engine
            )
        except HocbasoError as exc:
            worst = EXIT_UNUSABLE
            results.append(
                {
                    "source": str(path),
                    "valid": False,
                    "unusable": True,
                    "code": exc.code,
                    "location": exc.location,
                    "line": exc.line,
                    "message_vi": exc.message_vi,
                    "message_en": exc.message_en,
                }
            )
            if args.format == "text":
                print(
                    f"{path}: KHÔNG ĐỌC ĐƯỢC / UNUSABLE [{exc.code}] {exc.message_vi} / "
                    f"{exc.message_en}"
                )
            continue
        if not report.valid and worst == EXIT_OK:
            worst = EXIT_INVALID
        results.append(report.to_dict())
        if args.format == "text":
            print(report.to_text())
    if args.format == "json":
        print(json.dumps(results if len(results) > 1 else results[0], ensure_ascii=False, indent=2))
    return worst


def _example(args: argparse.Namespace) -> int:
    if args.seed is None:
        record = hocbaso.examples.example_record(args.grade)
    else:
        record = hocbaso.examples.generate_record(args.seed, args.grade)
    data = hocbaso.to_xml(record)
    if args.output:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data + b"\n")
    return EXIT_OK


def _schemas(args: argparse.Namespace) -> int:
    args.directory.mkdir(parents=True, exist_ok=True)
    for profile in (hocbaso.PROFILE_PRIMARY, hocbaso.PROFILE_SECONDARY):
        src = hocbaso.schema_path(profile)
        for f in src.parent.glob("*.xsd"):
            shutil.copyfile(f, args.directory / f.name)
    print(f"schemas written to {args.directory}")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from hocbaso import demo  # the demo imports every subpackage: only when asked for

    return EXIT_OK if demo.run_demo(args.out, students=args.students) else EXIT_INVALID
