"""Benchmark of hocbaso.batch: pack, unpack, decode and validate, beside their bare limits.

Usage::

    python benchmarks/bench_batch.py --records 10000          # one run, table on stdout
    python benchmarks/bench_batch.py --scaling 10000,100000    # peak RSS vs N, one process each
    python benchmarks/bench_batch.py --records 1000000 --sample 50 --json out.json

Records come from a deterministic generator: ``--pool`` distinct realistic records (every
grade 1-12, full subject lists, Vietnamese names, from :func:`hocbaso.examples.generate_record`),
cycled with a fresh ``MA_TRA_CUU_UUID`` per record. A pool of hundreds of records is far
larger than deflate's 32 KiB window, so the compression ratio is that of distinct records.

The pipeline streams, one packet at a time, exactly as a receiver would: pack → for each
packet: unpack (records checked by the hardened parser) → decode (``hocbaso.from_xml``) and
validate (``hocbaso.validate``, XSD + models) of every ``--sample``-th record. Each stage is
timed alone, and its bare limit is measured in the same run on the same bytes:

* pack: ``zlib.compress`` (level 6) of the packet's XML + base64;
* unpack: base64 + ``zlib.decompress`` + ``lxml.etree.fromstring`` of every record;
* decode: ``lxml.etree.fromstring`` of the record;
* validate: ``lxml.etree.fromstring`` + ``XMLSchema.validate`` with the profile's XSD;
* encode (pool only): ``lxml.etree.tostring`` of the parsed record.

Only one core is used; the numbers are what was measured, nothing is extrapolated.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import platform
import resource
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

import hocbaso
from hocbaso import batch, ledger


@dataclass
class Stage:
    """Accumulated time, records and bytes of one stage and of its bare limit."""

    name: str
    records: int = 0
    nbytes: int = 0
    seconds: float = 0.0
    bare_seconds: float = 0.0
    note: str = ""

    def row(self) -> dict[str, Any]:
        rps = self.records / self.seconds if self.seconds else 0.0
        mbps = self.nbytes / self.seconds / 1e6 if self.seconds else 0.0
        bare_rps = self.records / self.bare_seconds if self.bare_seconds else 0.0
        return {
            "stage": self.name,
            "records": self.records,
            "MB": round(self.nbytes / 1e6, 1),
            "seconds": round(self.seconds, 2),
            "records_per_s": round(rps),
            "MB_per_s": round(mbps, 1),
            "bare_records_per_s": round(bare_rps),
            "share_of_bare": round(self.bare_seconds / self.seconds, 2) if self.seconds else None,
            "note": self.note,
        }


@dataclass
class Run:
    """The whole measurement."""

    records: int
    pool: int
    sample: int
    max_packet_bytes: int
    stages: dict[str, Stage] = field(default_factory=dict)
    packets: int = 0
    content_chars: int = 0
    xml_bytes: int = 0
    wall_seconds: float = 0.0
    peak_rss_mib: float = 0.0

    def stage(self, name: str) -> Stage:
        return self.stages.setdefault(name, Stage(name))


def _pool(size: int, run: Run) -> list[bytes]:
    encode = run.stage("encode (to_xml, pool)")
    out: list[bytes] = []
    for i in range(size):
        record = hocbaso.examples.generate_record(i, 1 + i % 12)
        t0 = time.perf_counter()
        data = hocbaso.to_xml(record)
        t1 = time.perf_counter()
        tree = etree.fromstring(data)
        t2 = time.perf_counter()
        etree.tostring(tree)
        t3 = time.perf_counter()
        encode.seconds += t1 - t0
        encode.bare_seconds += t3 - t2
        encode.records += 1
        encode.nbytes += len(data)
        out.append(data)
    encode.note = "bare = lxml tostring"
    return out


def _stream(pool: list[bytes], n: int) -> Iterator[bytes]:
    olds = [_uuid_of(r) for r in pool]
    for i in range(n):
        k = i % len(pool)
        new = str(uuid.UUID(int=(i * 0x9E3779B97F4A7C15) % (1 << 128), version=4)).encode()
        yield pool[k].replace(olds[k], new, 1)


def _uuid_of(record: bytes) -> bytes:
    start = record.index(b"<MA_TRA_CUU_UUID>") + len(b"<MA_TRA_CUU_UUID>")
    return record[start : record.index(b"</MA_TRA_CUU_UUID>", start)]


class _Timed:
    """Wraps the record stream to subtract its own time from pack's."""

    def __init__(self, inner: Iterator[bytes]) -> None:
        self.inner = inner
        self.seconds = 0.0

    def __iter__(self) -> Iterator[bytes]:
        while True:
            t0 = time.perf_counter()
            try:
                item = next(self.inner)
            except StopIteration:
                self.seconds += time.perf_counter() - t0
                return
            self.seconds += time.perf_counter() - t0
            yield item


def _schemas() -> dict[str, etree.XMLSchema]:
    out = {}
    for profile in (hocbaso.PROFILE_PRIMARY, hocbaso.PROFILE_SECONDARY):
        out[profile] = etree.XMLSchema(etree.parse(str(hocbaso.schema_path(profile))))
    return out


def measure(n: int, pool_size: int, sample: int, cap: int) -> Run:
    """Run the pipeline over ``n`` records; return the measurements."""
    run = Run(n, pool_size, sample, cap)
    started = time.perf_counter()
    pool = _pool(pool_size, run)
    schemas = _schemas()
    pack_s, unpack_s = run.stage("pack"), run.stage("unpack (checked)")
    decode_s, valid_s = run.stage("decode (from_xml)"), run.stage("validate (XSD+models)")
    pack_s.note = "bare = zlib level 6 + base64"
    unpack_s.note = "bare = base64 + zlib + lxml parse"
    decode_s.note = "bare = lxml parse"
    valid_s.note = "bare = lxml parse + XMLSchema"
    hash_s = run.stage("hash (ledger record digest)")
    hash_s.note = "bare = hashlib.sha256"
    source = _Timed(_stream(pool, n))
    packets = batch.pack(source, max_packet_bytes=cap, check_records=False)
    index = 0
    while True:
        t0 = time.perf_counter()
        packet = next(packets, None)
        pack_s.seconds += time.perf_counter() - t0
        if packet is None:
            break
        run.packets += 1
        run.content_chars += len(packet.content)
        run.xml_bytes += packet.xml_bytes
        t0 = time.perf_counter()
        records = list(batch.unpack(packet.content))
        unpack_s.seconds += time.perf_counter() - t0
        joined = b"".join(records)
        t0 = time.perf_counter()
        base64.b64encode(zlib.compress(joined, 6))
        t1 = time.perf_counter()
        blob = base64.b64decode(packet.content)
        zlib.decompress(blob[4:], wbits=31)
        for r in records:
            etree.fromstring(r)
        t2 = time.perf_counter()
        pack_s.bare_seconds += t1 - t0
        unpack_s.bare_seconds += t2 - t1
        t0 = time.perf_counter()
        for r in records:
            ledger.record_digest(r)
        t1 = time.perf_counter()
        for r in records:
            hashlib.sha256(r).digest()
        t2 = time.perf_counter()
        hash_s.seconds += t1 - t0
        hash_s.bare_seconds += t2 - t1
        for s in (pack_s, unpack_s, hash_s):
            s.records += len(records)
            s.nbytes += len(joined)
        for r in records:
            if index % sample == 0:
                schema = schemas[hocbaso.detect_profile(r)]
                t0 = time.perf_counter()
                hocbaso.from_xml(r)
                t1 = time.perf_counter()
                report = hocbaso.validate(r)
                t2 = time.perf_counter()
                schema.validate(etree.fromstring(r))  # bare validate: parse + XSD
                t3 = time.perf_counter()
                etree.fromstring(r)  # bare decode: parse
                t4 = time.perf_counter()
                if not report.valid:
                    raise SystemExit(f"generated record {index} is invalid: {report.to_text()}")
                decode_s.seconds += t1 - t0
                valid_s.seconds += t2 - t1
                valid_s.bare_seconds += t3 - t2
                decode_s.bare_seconds += t4 - t3
                for s in (decode_s, valid_s):
                    s.records += 1
                    s.nbytes += len(r)
            index += 1
        del records, joined
    pack_s.seconds -= source.seconds
    run.wall_seconds = time.perf_counter() - started
    run.peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if sample > 1:
        decode_s.note += f"; 1 record in {sample}"
        valid_s.note += f"; 1 record in {sample}"
    return run


def _table(run: Run) -> str:
    head = (
        f"{run.records:,} records, pool {run.pool}, {run.packets} packets "
        f"(cap {run.max_packet_bytes:,} chars), XML {run.xml_bytes / 1e6:,.1f} MB → "
        f"content {run.content_chars / 1e6:,.1f} MB; wall {run.wall_seconds:,.1f} s; "
        f"peak RSS {run.peak_rss_mib:,.0f} MiB; Python {platform.python_version()}, "
        f"1 process\n\n"
    )
    cols = ["stage", "records", "MB", "seconds", "records_per_s", "MB_per_s"]
    cols += ["bare_records_per_s", "share_of_bare", "note"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for stage in run.stages.values():
        row = stage.row()
        lines.append("| " + " | ".join(str(row[c]) for c in cols) + " |")
    return head + "\n".join(lines) + "\n"


def _scaling(sizes: list[int], args: argparse.Namespace) -> int:
    print("| records | packets | wall s | pack rec/s | unpack rec/s | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        cmd = [sys.executable, __file__, "--records", str(n), "--pool", str(args.pool)]
        cmd += ["--sample", str(max(args.sample, n // 2000)), "--json", "-"]
        cmd += ["--max-packet-bytes", str(args.max_packet_bytes)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        data = json.loads(out)
        stages = {s["stage"]: s for s in data["stages"]}
        print(
            f"| {n:,} | {data['packets']} | {data['wall_seconds']:.1f} | "
            f"{stages['pack']['records_per_s']:,} | "
            f"{stages['unpack (checked)']['records_per_s']:,} | {data['peak_rss_mib']:.0f} |"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=400, help="distinct generated records")
    parser.add_argument("--sample", type=int, default=1, help="decode/validate 1 in N")
    parser.add_argument("--max-packet-bytes", type=int, default=batch.DEFAULT_MAX_PACKET_BYTES)
    parser.add_argument("--json", help="write the measurements as JSON to this file ('-')")
    parser.add_argument("--scaling", help="comma-separated record counts: RSS vs N")
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI): 500 records")
    args = parser.parse_args(argv)
    if args.smoke:
        args.records, args.pool = 500, 50
    if args.scaling:
        return _scaling([int(x) for x in args.scaling.split(",")], args)
    run = measure(args.records, args.pool, args.sample, args.max_packet_bytes)
    data = {
        **{k: v for k, v in vars(run).items() if k != "stages"},
        "stages": [s.row() for s in run.stages.values()],
    }
    if args.json == "-":
        print(json.dumps(data, indent=1))
        return 0
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
    print(_table(run), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
