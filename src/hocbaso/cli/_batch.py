"""``hocbaso batch pack|unpack|check``: packets over directories, on every core.

Thin shell over :mod:`hocbaso.batch` and :func:`hocbaso.validate`. Work is spread over a
process pool that exchanges only paths, bytes and plain tuples (lxml trees are never pickled):
for ``pack`` the workers read and check record files; for ``unpack``/``check`` this process
decodes and splits each packet and the workers check its records;
results come back in input order with a bounded number of chunks in flight, so memory stays
bounded whatever the number of records. A record that fails never stops the batch: it is
reported with its position (file, or packet and index) and the rest goes on.

Exit codes: 0 everything valid; 1 some records invalid or refused; 2 some input unusable
(no input, an unreadable or undecodable packet, an error of the whole run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

import hocbaso
from hocbaso import batch
from hocbaso.errors import HocbasoError

__all__ = ["register"]

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2

# (code, location, line, message_vi, message_en)
Failure = batch.Failure
_T = TypeVar("_T")
_R = TypeVar("_R")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``batch pack|unpack|check`` to the ``hocbaso`` parser."""
    p = sub.add_parser(
        "batch",
        help="pack record files into official packets, unpack and check packets",
        description="Packets (gói tin) of the Ministry's format: <DANH_SACH_HOC_BA> lists "
        "compressed by the function of Phụ lục 1.2. Exit 0 all valid, 1 some records "
        "invalid, 2 some input unusable.",
    )
    verbs = p.add_subparsers(dest="batch_command", metavar="ACTION", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-j", "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes"
    )
    common.add_argument("--format", choices=("text", "json"), default="text")
    common.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: when stderr is a terminal)",
    )
    common.add_argument(
        "--max-errors", type=int, default=50, help="failures listed in the text summary"
    )

    q = verbs.add_parser(
        "pack",
        parents=[common],
        help="pack record XML files (or directories of *.xml) into packet files",
        description="Each input file holds one <HOC_BA> record. Valid records are packed, "
        "in input order, into packet files packet-NNNNNN.b64 (the base64 content string) "
        "with a packets.json index; invalid records are reported and left out.",
    )
    q.add_argument("inputs", nargs="+", type=Path, metavar="PATH")
    q.add_argument("-o", "--output", type=Path, required=True, help="output directory")
    q.add_argument(
        "--max-packet-bytes",
        type=int,
        default=batch.DEFAULT_MAX_PACKET_BYTES,
        help="cap on each packet's content string (default %(default)s)",
    )
    q.add_argument(
        "--revocation",
        action="store_true",
        help='write a revocation list: <DANH_SACH_HOC_BA id="dataDanhSach">',
    )
    q.add_argument(
        "--no-validate",
        dest="validate",
        action="store_false",
        help="only check that each record is well-formed (skip XSD and model checks)",
    )
    q.set_defaults(handler=_pack)

    q = verbs.add_parser(
        "unpack",
        parents=[common],
        help="unpack packet files into one XML file per record",
        description="Each input is a packet file: the base64 content string (*.b64 in "
        "directories), or an authenticationRequest JSON given by name. Records are written "
        "as OUTPUT/<packet>/NNNNNN.xml, exactly as found; a record "
        "that is not well-formed (or, with --validate, not valid) is written as "
        "NNNNNN.rejected.xml and reported.",
    )
    q.add_argument("inputs", nargs="+", type=Path, metavar="PATH")
    q.add_argument("-o", "--output", type=Path, required=True, help="output directory")
    q.add_argument("--validate", action="store_true", help="also run XSD and model checks")
    q.set_defaults(handler=_unpack)

    q = verbs.add_parser(
        "check",
        parents=[common],
        help="decode packet files and validate every record",
        description="Decode each packet (*.b64 in directories, or files given by name, "
        "content string or authenticationRequest JSON) and validate every record (XSD and "
        "models) without writing anything.",
    )
    q.add_argument("inputs", nargs="+", type=Path, metavar="PATH")
    q.set_defaults(handler=_check)


# ------------------------------------------------------------------------------ plumbing


def _files(inputs: Sequence[Path], *suffixes: str) -> list[Path]:
    out: list[Path] = []
    for path in inputs:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in suffixes))
        else:
            out.append(path)
    return out


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ordered_map(
    fn: Callable[[list[_T]], list[_R]], items: Iterable[_T], *, jobs: int, chunk: int
) -> Iterator[_R]:
    """``fn`` over chunks of ``items`` on ``jobs`` processes; results in input order.

    At most ``4 * jobs`` chunks are in flight, so results never pile up in memory.
    """
    if jobs <= 1:
        for part in _chunks(items, chunk):
            yield from fn(part)
        return
    executor: Executor = ProcessPoolExecutor(max_workers=jobs)
    try:
        pending: deque[Future[list[_R]]] = deque()
        for part in _chunks(items, chunk):
            pending.append(executor.submit(fn, part))
            if len(pending) >= 4 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


class _Progress:
    def __init__(self, label: str, total: int, enabled: bool | None) -> None:
        self.label = label
        self.total = total
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.done = 0
        self.last = 0.0
        self.start = time.perf_counter()

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if self.enabled and (now - self.last > 0.2 or self.done == self.total):
            self.last = now
            rate = self.done / max(now - self.start, 1e-9)
            sys.stderr.write(f"\r{self.label}: {self.done}/{self.total} ({rate:,.0f}/s)")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


@dataclass
class _Summary:
    command: str
    inputs: int = 0
    records: int = 0
    valid: int = 0
    invalid: int = 0
    unusable: int = 0
    packets: int = 0
    seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, where: str, position: int | None, failures: Iterable[Failure]) -> None:
        for code, location, line, vi, en in failures:
            self.failures.append(
                {
                    "source": where,
                    "position": position,
                    "code": code,
                    "location": location,
                    "line": line,
                    "message_vi": vi,
                    "message_en": en,
                }
            )

    def exit_code(self) -> int:
        if self.unusable:
            return EXIT_UNUSABLE
        return EXIT_INVALID if self.invalid else EXIT_OK

    def write(self, out: TextIO, fmt: str, max_errors: int) -> None:
        if fmt == "json":
            data = dict(vars(self))
            data["exit_code"] = self.exit_code()
            out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            return
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        rows = [
            ("tệp vào / input files", f"{self.inputs}"),
            ("học bạ / records", f"{self.records}"),
            ("hợp lệ / valid", f"{self.valid}"),
            ("không hợp lệ / invalid", f"{self.invalid}"),
            ("không dùng được / unusable inputs", f"{self.unusable}"),
            ("gói tin / packets", f"{self.packets}"),
            ("thời gian / time", f"{self.seconds:.2f} s ({rate:,.0f} records/s)"),
        ]
        width = max(len(k) for k, _ in rows)
        out.write(f"hocbaso batch {self.command}\n")
        for key, value in rows:
            out.write(f"  {key:<{width}}  {value:>12}\n")
        if self.failures:
            out.write("Lỗi / failures:\n")
            for f in self.failures[:max_errors]:
                pos = "" if f["position"] is None else f" #{f['position']}"
                loc = f" {f['location']}" if f["location"] else ""
                line = f" (line {f['line']})" if f["line"] else ""
                out.write(
                    f"  {f['source']}{pos} [{f['code']}]{loc}{line}: "
                    f"{f['message_vi']} / {f['message_en']}\n"
                )
            if len(self.failures) > max_errors:
                out.write(f"  ... và {len(self.failures) - max_errors} lỗi khác / more\n")


# ---------------------------------------------------------------------------------- pack

# (position, path, validate, cap) -> (position, path, record or None, failures)
_PackItem = tuple[int, str, bool, int]
_PackResult = tuple[int, str, bytes | None, list[Failure]]


def _load_records(items: list[_PackItem]) -> list[_PackResult]:
    """Worker: read, delimit and validate record files (bytes in, bytes out)."""
    out: list[_PackResult] = []
    for position, path, validate, cap in items:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            record = batch.record_from_file(data)
            if validate:
                report = hocbaso.validate(record, source=path)
                if not report.valid:
                    out.append((position, path, None, batch.report_failures(report)))
                    continue
            else:  # well-formedness only, as the receiver will see it
                wrapped = b"<DANH_SACH_HOC_BA>" + record + b"</DANH_SACH_HOC_BA>"
                for found in batch.split_records(wrapped):
                    if found.error is not None:
                        raise found.error
            if len(record) * 4 // 3 + 1024 > cap:  # may not fit alone: measure it
                next(batch.pack([record], max_packet_bytes=cap, check_records=False))
            out.append((position, path, record, []))
        except HocbasoError as exc:
            out.append((position, path, None, [batch.failure_of(exc)]))
        except OSError as exc:
            out.append((position, path, None, [("FILE-READ", None, None, str(exc), str(exc))]))
    return out


def _pack(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    files = _files(args.inputs, ".xml")
    summary = _Summary("pack", inputs=len(files))
    if not files:
        return _no_input(summary, args)
    out_dir: Path = args.output
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = _Progress("pack", len(files), args.progress)
    sources: deque[str] = deque()
    items = (
        (i, str(path), bool(args.validate), int(args.max_packet_bytes))
        for i, path in enumerate(files)
    )

    def good_records() -> Iterator[bytes]:
        for position, path, record, failures in _ordered_map(
            _load_records, items, jobs=args.jobs, chunk=64
        ):
            progress.step()
            summary.records += 1
            if record is None:
                summary.invalid += 1
                summary.fail(path, position, failures)
                continue
            summary.valid += 1
            sources.append(path)
            yield record

    index: list[dict[str, Any]] = []
    try:
        for packet in batch.pack(
            good_records(),
            max_packet_bytes=args.max_packet_bytes,
            list_id=batch.REVOCATION_LIST_ID if args.revocation else None,
            check_records=False,
        ):
            name = f"packet-{packet.index:06d}.b64"
            (out_dir / name).write_text(packet.content, encoding="ascii")
            index.append(
                {
                    "file": name,
                    "index": packet.index,
                    "first_record": packet.first_record,
                    "record_count": packet.record_count,
                    "xml_bytes": packet.xml_bytes,
                    "content_chars": len(packet.content),
                    "sources": [sources.popleft() for _ in range(packet.record_count)],
                }
            )
            summary.packets += 1
    except HocbasoError as exc:
        summary.unusable += 1
        summary.fail("<pack>", None, [batch.failure_of(exc)])
    progress.close()
    (out_dir / "packets.json").write_text(
        json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    summary.seconds = time.perf_counter() - started
    summary.write(sys.stdout, args.format, args.max_errors)
    return summary.exit_code()


def _no_input(summary: _Summary, args: argparse.Namespace) -> int:
    summary.unusable += 1
    summary.fail(
        "<inputs>",
        None,
        [
            (
                "NO-INPUT",
                None,
                None,
                "Không tìm thấy tệp đầu vào nào.",
                "no input file found",
            )
        ],
    )
    summary.write(sys.stdout, args.format, args.max_errors)
    return summary.exit_code()


# ------------------------------------------------------------------------- unpack, check

# (packet path, index in packet, record bytes, validate) -> failures of that record
_RecordItem = batch.RecordItem
_RecordResult = batch.RecordResult


def _run_packets(args: argparse.Namespace, command: str, out_dir: Path | None) -> int:
    """Decode packets in this process; check their records on the pool, in order."""
    started = time.perf_counter()
    files = _files(args.inputs, ".b64")
    summary = _Summary(command, inputs=len(files))
    if not files:
        return _no_input(summary, args)
    progress = _Progress(command, len(files), args.progress)
    validate = command == "check" or bool(getattr(args, "validate", False))

    def items() -> Iterator[_RecordItem]:
        for path in map(str, files):
            summary.packets += 1
            try:
                with open(path, encoding="ascii", errors="strict") as fh:
                    content = batch.packet_content(fh.read())
                for rec in batch.iter_records(content, check_records=False):
                    yield (path, rec.index, rec.data, validate)
            except HocbasoError as exc:
                summary.unusable += 1
                summary.fail(path, None, [batch.failure_of(exc)])
            except (OSError, UnicodeDecodeError) as exc:
                summary.unusable += 1
                summary.fail(path, None, [("FILE-READ", None, None, str(exc), str(exc))])
            progress.step()

    made: set[Path] = set()
    for path, index, data, failures in _ordered_map(
        batch.check_records, items(), jobs=args.jobs, chunk=64
    ):
        summary.records += 1
        if failures:
            summary.invalid += 1
            summary.fail(path, index, failures)
        else:
            summary.valid += 1
        if out_dir is not None:
            target = out_dir / Path(path).stem
            if target not in made:
                target.mkdir(parents=True, exist_ok=True)
                made.add(target)
            suffix = ".rejected.xml" if failures else ".xml"
            (target / f"{index:06d}{suffix}").write_bytes(data)
    progress.close()
    summary.seconds = time.perf_counter() - started
    summary.write(sys.stdout, args.format, args.max_errors)
    return summary.exit_code()


def _unpack(args: argparse.Namespace) -> int:
    out_dir: Path = args.output
    out_dir.mkdir(parents=True, exist_ok=True)
    return _run_packets(args, "unpack", out_dir)


def _check(args: argparse.Namespace) -> int:
    return _run_packets(args, "check", None)
