"""``hocbaso check``: XSD, model and business-rule checks of record files, with batch checks.

Thin shell over :mod:`hocbaso.rules` (public API only). Inputs are record files (``*.xml``)
and packet files (``*.b64``, the base64 ``content`` of a transaction), given by name or found
in directories. Records are examined in input order (optionally on several processes) and then
pass, one at a time, through the batch checks (shared personal ids, a student twice, two
schools in a year) in this process, so memory stays bounded whatever the number of records.

Exit codes: 0 no error; 1 errors found; 2 some input unusable (or none given, or a usage error).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TextIO

import hocbaso
from hocbaso import batch, rules
from hocbaso.errors import HocbasoError
from hocbaso.report import BatchSummary, Report

__all__ = ["register"]

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2
_CHUNK = 64
"""Record files per task when working on several processes."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check`` to the ``hocbaso`` parser."""
    p = sub.add_parser(
        "check",
        help="check records against the XSD, the models and the business rules (TT 22, TT 27, "
        "identities, duplicates across the batch)",
        description="Check record files (*.xml) and packet files (*.b64), or directories of "
        "them: XSD and model validation first, then the business rules of Thông tư 22/2021 "
        "and 27/2020, the identity checks, and the batch checks across all inputs (one "
        "personal id for two students, a student twice, two schools in one year). Exit 0 "
        "no error, 1 errors found, 2 some input unusable. Reports name students: they hold "
        "personal data (see --redact).",
    )
    p.add_argument("inputs", nargs="*", type=Path, metavar="PATH", help="files or directories")
    p.add_argument(
        "--rules",
        default=None,
        metavar="SPEC",
        help="rules to run: ids (TT22-AVG-001), prefixes (TT22-AVG, ID-*), sets (tt22, tt27, "
        "identity, batch) or all, comma-separated; '-' excludes, e.g. --rules=-ID-AGE-001 "
        "(default: all)",
    )
    p.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="SELECTOR=LEVEL",
        help="override a severity, e.g. ID-MON-002=error (repeatable)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "status"),
        default="text",
        help="text (default); json: a batch report document; status: the Ministry's status "
        "rows (ma_hoc_sinh, ..., trang_thai, error, error_field_title, error_description)",
    )
    p.add_argument(
        "--summary",
        action="store_true",
        help="counts per rule and per school (text: after the problems; json: the summary only)",
    )
    p.add_argument(
        "--redact",
        action="store_true",
        help="mask names and id numbers in the output (for logs)",
    )
    p.add_argument("-o", "--output", type=Path, help="write the report here (default: stdout)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: on a terminal, for 100 inputs or more)",
    )
    p.add_argument("--max-bytes", type=int, default=hocbaso.codec.DEFAULT_MAX_BYTES)
    p.add_argument(
        "--list-rules", action="store_true", help="print the rule catalogue and exit (no PATH)"
    )
    p.set_defaults(handler=_check)


# ------------------------------------------------------------------------------ inputs


def _files(inputs: Sequence[Path]) -> list[Path]:
    out: list[Path] = []
    for path in inputs:
        if path.is_dir():
            out.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".xml", ".b64"))
            )
        else:
            out.append(path)
    return out


def _severities(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        selector, sep, level = item.partition("=")
        if not sep or not selector.strip():
            raise HocbasoError(
                f"--severity expects SELECTOR=LEVEL, got {item!r}",
                message_vi=f"--severity cần dạng MÃ=MỨC (ví dụ ID-MON-002=error), nhận '{item}'.",
                code="CLI-USAGE",
            )
        out[selector.strip()] = level.strip()
    return out


Options = tuple[str | None, tuple[tuple[str, str], ...], int]


def _unusable(exc: HocbasoError, source: str) -> rules.RecordCheck:
    return rules.RecordCheck(
        Report.unusable_input(
            exc.code,
            exc.message_vi,
            exc.message_en,
            source=source,
            location=exc.location,
            line=exc.line,
        ),
        None,
    )


def _examine_file(path: Path, options: Options) -> list[rules.RecordCheck]:
    spec, severities, max_bytes = options
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [
            rules.RecordCheck(
                Report.unusable_input(
                    "FILE-READ",
                    f"Không đọc được tệp: {exc.strerror or exc}.",
                    f"cannot read the file: {exc.strerror or exc}",
                    source=source,
                ),
                None,
            )
        ]
    if path.suffix != ".b64":
        return [
            rules.examine(
                data,
                source=source,
                rules=spec,
                severities=dict(severities),
                max_bytes=max_bytes,
            )
        ]
    out: list[rules.RecordCheck] = []
    try:
        for item in batch.iter_records(data.decode("ascii", errors="replace").strip()):
            where = f"{source}#{item.index + 1}"
            if item.error is not None:
                out.append(_unusable(item.error, where))
                continue
            out.append(
                rules.examine(
                    item.data,
                    source=where,
                    rules=spec,
                    severities=dict(severities),
                    max_bytes=max_bytes,
                )
            )
    except HocbasoError as exc:
        out.append(_unusable(exc, source))
    return out


def _examine_chunk(paths: list[Path], options: Options) -> list[rules.RecordCheck]:
    out: list[rules.RecordCheck] = []
    for path in paths:
        out.extend(_examine_file(path, options))
    return out


def _results(files: list[Path], options: Options, jobs: int) -> Iterator[rules.RecordCheck]:
    if jobs <= 1:
        for path in files:
            yield from _examine_file(path, options)
        return
    chunks = [files[i : i + _CHUNK] for i in range(0, len(files), _CHUNK)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: deque[Future[list[rules.RecordCheck]]] = deque()
        it = iter(chunks)
        for chunk in it:
            pending.append(pool.submit(_examine_chunk, chunk, options))
            if len(pending) >= jobs * 4:
                break
        while pending:
            yield from pending.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(_examine_chunk, nxt, options))


# ------------------------------------------------------------------------------ output


class _Progress:
    def __init__(self, total: int, enabled: bool, stream: TextIO) -> None:
        self.total = total
        self.enabled = enabled
        self.stream = stream
        self.tty = stream.isatty()
        self.done = 0
        self.errors = 0
        self.start = time.monotonic()
        self.last = 0.0

    def tick(self, report: Report) -> None:
        self.done += 1
        self.errors += not report.valid
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last >= (0.25 if self.tty else 5.0):
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.done / max(now - self.start, 1e-9)
        line = (
            f"hocbaso check: {self.done:,} học bạ/records ({self.total:,} tệp/files), "
            f"{self.errors:,} không hợp lệ/invalid, {rate:,.0f}/s"
        )
        if self.tty:
            self.stream.write("\r" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            if self.tty:
                self.stream.write("\n")
            self.stream.flush()


class _Writer:
    def __init__(self, fmt: str, summary_only: bool, out: TextIO) -> None:
        self.fmt = fmt
        self.summary_only = summary_only
        self.out = out
        self.count = 0
        if fmt == "json":
            out.write('{"schema_version": 1, "kind": "batch"')
            if not summary_only:
                out.write(', "reports": [\n')
        elif fmt == "status":
            out.write("[\n")

    def write(self, report: Report) -> None:
        sep = ",\n" if self.count else ""
        self.count += 1
        if self.fmt == "text":
            if report.problems or not report.valid:
                self.out.write(report.to_text() + "\n")
        elif self.fmt == "json":
            if not self.summary_only:
                self.out.write(sep + json.dumps(report.to_dict(), ensure_ascii=False))
        else:
            self.out.write(sep + json.dumps(report.status_row().to_dict(), ensure_ascii=False))

    def finish(self, summary: BatchSummary, with_tables: bool) -> None:
        if self.fmt == "json":
            if not self.summary_only:
                self.out.write("\n]")
            self.out.write(
                ', "summary": ' + json.dumps(summary.to_dict(), ensure_ascii=False) + "}\n"
            )
        elif self.fmt == "status":
            self.out.write("\n]\n")
        elif with_tables:
            self.out.write(summary.to_text() + "\n")
        else:
            self.out.write(
                f"Tổng / total: {summary.records} học bạ/records, {summary.valid} hợp lệ/valid, "
                f"{summary.invalid} không hợp lệ/invalid ({summary.unusable} không đọc "
                f"được/unusable); {summary.errors} lỗi/errors, {summary.warnings} cảnh "
                "báo/warnings\n"
            )


def _list_rules(fmt: str) -> int:
    catalogue = rules.all_rules()
    if fmt == "json":
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "severity": r.severity.value,
                        "sets": sorted(r.sets),
                        "clause": r.clause,
                        "title_vi": r.title_vi,
                        "title_en": r.title_en,
                    }
                    for r in catalogue
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    for r in catalogue:
        print(f"{r.id:17} {r.severity.value:8} {','.join(sorted(r.sets)):9} {r.clause}")
        print(f"{'':36}{r.title_en}")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    if args.list_rules:
        return _list_rules(args.format)
    if args.format == "status" and args.summary:
        print(
            "hocbaso check: --summary không dùng với --format status / --summary does not "
            "apply to --format status",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    severities = _severities(args.severity)
    ruleset = rules.select(args.rules, severities=severities)  # unknown selectors fail early
    files = _files(args.inputs)
    if not files:
        print("hocbaso check: không có tệp nào / no input files", file=sys.stderr)
        return EXIT_UNUSABLE
    options: Options = (args.rules, tuple(sorted(severities.items())), args.max_bytes)
    enabled = (
        args.progress if args.progress is not None else sys.stderr.isatty() and len(files) >= 100
    )
    progress = _Progress(len(files), enabled, sys.stderr)
    stream: TextIO = (
        args.output.open("w", encoding="utf-8") if args.output is not None else sys.stdout
    )
    try:
        writer = _Writer(args.format, args.summary, stream)
        with rules.BatchChecker(ruleset) as checker:
            for result in _results(files, options, max(1, int(args.jobs or 1))):
                report = checker.add(result.report, result.keys)
                writer.write(report.redacted() if args.redact else report)
                progress.tick(report)
            summary = checker.summary()
        writer.finish(summary, args.summary)
    finally:
        progress.close()
        if stream is not sys.stdout:
            stream.close()
    if summary.unusable:
        return EXIT_UNUSABLE
    return EXIT_INVALID if summary.invalid else EXIT_OK
