"""Benchmark of the issuance ledger on SQLite (not a test): appends, proofs, verification.

Usage::

    python benchmarks/bench_ledger.py                 # 100,000 entries
    python benchmarks/bench_ledger.py --n 1000000     # the real run (see docs/ledger.md)
    python benchmarks/bench_ledger.py --smoke         # 2,000 entries, just checks it runs

What is measured (wall clock, ``time.perf_counter``):

* appends/s: ``Ledger.issue_many`` in batches (default 10,000 per transaction), SQLite WAL with
  ``synchronous=FULL`` (fsync at every commit). Each append builds the entry, hashes it, checks
  the lineage rules (one indexed UUID lookup per record) and writes the entry, its lookup
  columns and ~2 tree nodes. The record digests are made up front: hashing the record files
  themselves is not part of the ledger and not counted.
* proof generation: ``Ledger.inclusion_proof`` / ``Ledger.consistency_proof`` for random
  entries/sizes, each including its self-check; the number of node hashes read from the
  database per proof (``LedgerStore.node_reads``) is printed next to ⌈log₂ n⌉.
* proof verification: the pure RFC 9162 check, and the full check of a proof object including
  the Ed25519 signature of its checkpoint.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from hocbaso.ledger import (
    Ed25519NoteSigner,
    IssueRequest,
    Ledger,
    SQLiteStore,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

SCHOOL = "48491401"


def _requests(start: int, count: int) -> list[IssueRequest]:
    out = []
    for i in range(start, start + count):
        seed = hashlib.sha256(b"bench/%d" % i).digest()
        out.append(
            IssueRequest(
                lookup_uuid=uuid.UUID(bytes=seed[:16], version=4),
                record_digest=hashlib.sha256(seed).digest(),
                student_key=hashlib.sha256(b"student/%d" % (i // 12)).digest(),
            )
        )
    return out


def _stats_us(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    return statistics.mean(ordered) * 1e6, statistics.median(ordered) * 1e6, p99 * 1e6


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def run(
    n: int,
    batch: int,
    proofs: int,
    db: Path,
    synchronous: Literal["FULL", "NORMAL"],
    audit: bool,
    page_size: int = 65536,
) -> list[tuple[str, str]]:
    """Run the benchmark; return ``(measure, value)`` rows."""
    rows: list[tuple[str, str]] = []
    rng = random.Random(2024)
    store = SQLiteStore(db, synchronous=synchronous, page_size=page_size)
    ledger = Ledger(store)
    append_time = append_cpu = 0.0
    for start in range(0, n, batch):
        reqs = _requests(start, min(batch, n - start))
        t, cpu = time.perf_counter(), time.process_time()
        ledger.issue_many(SCHOOL, reqs)
        append_time += time.perf_counter() - t
        append_cpu += time.process_time() - cpu
        if start and start % (10 * batch) == 0:
            print(f"  … {start:,} entries, {start / append_time:,.0f}/s", file=sys.stderr)
    size = ledger.size(SCHOOL)
    assert size == n
    rows.append(
        (
            "entries",
            f"{n:,} (batches of {batch:,}, synchronous={synchronous}, page size {page_size:,})",
        )
    )
    rows.append(("appends/s (batched, wall clock)", f"{n / append_time:,.0f}"))
    rows.append(("  same, CPU time of this process only", f"{n / append_cpu:,.0f}"))
    wal = db.with_name(db.name + "-wal")
    on_disk = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    rows.append(("database size (file + WAL)", f"{on_disk / 1e6:,.0f} MB"))

    signer = Ed25519NoteSigner.generate(ledger.origin(SCHOOL))
    t = time.perf_counter()
    checkpoint = ledger.checkpoint(SCHOOL, signer)
    rows.append(("sign + store a checkpoint", f"{(time.perf_counter() - t) * 1e3:,.2f} ms"))
    log_n = math.ceil(math.log2(n)) if n > 1 else 0

    indices = [rng.randrange(n) for _ in range(proofs)]
    reads: list[int] = []
    times: list[float] = []
    sample = None
    for i in indices:
        before = store.node_reads
        t = time.perf_counter()
        sample = ledger.inclusion_proof(SCHOOL, i)
        times.append(time.perf_counter() - t)
        reads.append(store.node_reads - before)
    mean, p50, p99 = _stats_us(times)
    rows.append(
        ("inclusion proof generation", f"mean {mean:,.0f} µs, p50 {p50:,.0f} µs, p99 {p99:,.0f} µs")
    )
    rows.append(
        ("  node reads per inclusion proof", f"mean {statistics.mean(reads):.1f}, max {max(reads)}"
         f" (⌈log₂ n⌉ = {log_n})")
    )  # fmt: skip

    pairs = [(rng.randrange(1, n), n) for _ in range(proofs)] if n > 1 else []
    reads, times = [], []
    cons = None
    for size1, size2 in pairs:
        before = store.node_reads
        t = time.perf_counter()
        cons = ledger.consistency_proof(SCHOOL, size1, size2)
        times.append(time.perf_counter() - t)
        reads.append(store.node_reads - before)
    if cons is not None:
        mean, p50, p99 = _stats_us(times)
        rows.append(
            ("consistency proof generation",
             f"mean {mean:,.0f} µs, p50 {p50:,.0f} µs, p99 {p99:,.0f} µs")
        )  # fmt: skip
        rows.append(
            ("  node reads per consistency proof",
             f"mean {statistics.mean(reads):.1f}, max {max(reads)} (⌈log₂ n⌉ = {log_n})")
        )  # fmt: skip

    assert sample is not None
    lh = leaf_hash(sample.leaf)
    repeat = max(proofs, 1000)
    t_inc = _timed(
        lambda: verify_inclusion(
            lh, sample.leaf_index, sample.tree_size, sample.path, sample.root_hash
        ),
        repeat,
    )
    mean, p50, _ = _stats_us(t_inc)
    rows.append(
        ("verify inclusion (RFC 9162 path only)", f"mean {mean:,.1f} µs, p50 {p50:,.1f} µs")
    )
    verifier = signer.verifier()
    t_full = _timed(lambda: sample.verify(verifier), repeat)
    mean, p50, _ = _stats_us(t_full)
    rows.append(
        ("verify inclusion proof object (+ entry parse, checkpoint Ed25519)",
         f"mean {mean:,.1f} µs, p50 {p50:,.1f} µs")
    )  # fmt: skip
    if cons is not None:
        c = cons
        t_cons = _timed(
            lambda: verify_consistency(c.size1, c.size2, c.path, c.root1, c.root2), repeat
        )
        mean, p50, _ = _stats_us(t_cons)
        rows.append(("verify consistency (path only)", f"mean {mean:,.1f} µs, p50 {p50:,.1f} µs"))
    if audit:
        t = time.perf_counter()
        report = ledger.audit(SCHOOL, verifiers=[verifier])[0]
        rows.append(
            (
                "full audit (recompute everything)",
                f"{time.perf_counter() - t:,.1f} s, ok={report.ok}",
            )
        )
    assert checkpoint.size == n
    ledger.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print the figures as a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=100_000, help="entries to append")
    parser.add_argument("--batch", type=int, default=10_000, help="entries per transaction")
    parser.add_argument("--proofs", type=int, default=1_000, help="proofs to time")
    parser.add_argument("--db", type=Path, help="SQLite file (default: a temporary one)")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--audit", action="store_true", help="also time a full audit")
    parser.add_argument("--page-size", type=int, default=65536, help="SQLite page size")
    parser.add_argument("--smoke", action="store_true", help="tiny run (2,000 entries)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.batch, args.proofs = 2_000, 500, 100
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        db = args.db or Path(tmp) / "ledger.sqlite"
        if db.exists():
            parser.error(f"{db} exists; the benchmark needs a new file")
        load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        t = time.perf_counter()
        rows = run(
            args.n, args.batch, args.proofs, db, args.synchronous, args.audit, args.page_size
        )
        total = time.perf_counter() - t
    print(f"\n### Ledger benchmark (SQLite), n = {args.n:,}\n")
    print(
        f"`python benchmarks/bench_ledger.py {' '.join(argv or sys.argv[1:])}`".replace(" `", "`")
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nPython {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, load average before/after {load_before} / {load}, "
        f"total {total:,.0f} s\n"
    )
    print("| measure | value |")
    print("| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
