"""Benchmark of hocbaso.rules: rule checking and batch checks against XSD validation.

Usage::

    python -m benchmarks.bench_rules --n 100000               # table on stdout
    python -m benchmarks.bench_rules --n 1000000 --phases batch
    python -m benchmarks.bench_rules --smoke                  # tiny, for CI

Records come from :func:`hocbaso.examples.generate_record`: ``--pool`` distinct realistic
records (grades 1-12, full subject lists) cycled up to ``--n``. Every phase works on the same
``--n`` records, each in its own forked process so that its peak RSS is its own:

* ``xsd``: hardened parse + XSD validation of the record bytes (lxml; what ``hocbaso.validate``
  does before the models) — the reference;
* ``rules``: :func:`hocbaso.rules.check_record` on the decoded record, every single-record
  rule (TT 22, TT 27, identity);
* ``batch``: :class:`hocbaso.rules.BatchChecker` over the records' batch keys, each record
  given a distinct personal id, UUID and student code (the SQLite index, one pass);
* ``check``: :func:`hocbaso.rules.examine` on the bytes — parse, XSD, model decoding and the
  rules, i.e. ``hocbaso check`` on one core without the batch index.

``xsd``, ``rules`` and ``check`` run in ``--slices`` alternating slices (xsd 1, rules 1,
check 1, xsd 2, ...), so load from other processes falls on all of them alike; a phase's time
is the sum over its slices and its peak RSS the largest. Throughput is given on wall-clock time
and on the process's CPU time; the ratios use CPU time, which other load on the machine
disturbs least. "RSS increase" is the peak minus the resident size inherited at fork (the record
pool). Only one core per phase; nothing is extrapolated.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

import hocbaso
from hocbaso import rules
from hocbaso._xml._parse import parse_bytes
from hocbaso.examples import generate_record
from hocbaso.models import Record
from hocbaso.report import Report
from hocbaso.rules import BatchKeys
from hocbaso.validation import xsd_problems

__all__ = ["main"]

PHASES = ("xsd", "rules", "check", "batch")


@dataclass
class Pool:
    """The distinct records, their bytes and profiles (cycled up to n)."""

    records: list[Record]
    data: list[bytes]
    profiles: list[str]


@dataclass
class Result:
    """One phase's totals."""

    phase: str
    records: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    peak_kib: int = 0
    base_kib: int = 0
    problems: int = 0


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _keys(record: Record, i: int) -> BatchKeys:
    keys = BatchKeys.of(record)
    return BatchKeys(
        str(uuid.UUID(int=i, version=4)),
        f"{keys.personal_id[:6]}{i % 1_000_000:06d}",
        f"{i:010d}",
        keys.full_name,
        keys.birth_date,
        keys.school_code,
        keys.school_year,
    )


def _run(pool: Pool, phase: str, start: int, stop: int) -> tuple[float, float, int]:
    p = len(pool.records)
    problems = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    if phase == "xsd":
        for i in range(start, stop):
            j = i % p
            problems += len(xsd_problems(parse_bytes(pool.data[j]), pool.profiles[j]))
    elif phase == "rules":
        check = rules.check_record
        for i in range(start, stop):
            problems += len(check(pool.records[i % p]).problems)
    elif phase == "check":
        examine = rules.examine
        for i in range(start, stop):
            problems += len(examine(pool.data[i % p]).report.problems)
    else:
        empty = Report()
        with rules.BatchChecker("batch") as checker:
            for i in range(start, stop):
                problems += len(checker.add(empty, _keys(pool.records[i % p], i)).problems)
    return time.perf_counter() - t0, time.process_time() - c0, problems


def _child(conn: Connection, pool: Pool, phase: str, start: int, stop: int) -> None:
    base = _rss_kib()
    seconds, cpu, problems = _run(pool, phase, start, stop)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn.send((seconds, cpu, problems, peak, base))
    conn.close()


def _in_child(pool: Pool, phase: str, start: int, stop: int) -> tuple[float, float, int, int, int]:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, pool, phase, start, stop))
    proc.start()
    child.close()
    result: tuple[float, float, int, int, int] = parent.recv()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"phase {phase} failed with exit code {proc.exitcode}")
    return result


def _pool(n: int, size: int) -> Pool:
    records = [generate_record(i, 1 + i % 12) for i in range(min(n, size))]
    data = [hocbaso.to_xml(r) for r in records]
    pool = Pool(records, data, [r.profile for r in records])
    # Warm every cache before forking (compiled XSDs, rule selection), so no phase pays for
    # one-off set-up inside its timing.
    for j in {pool.profiles.index(p): None for p in set(pool.profiles)}:
        xsd_problems(parse_bytes(data[j]), pool.profiles[j])
        rules.check_record(records[j])
        rules.examine(data[j])
    return pool


def measure(n: int, pool: Pool, phases: Sequence[str], slices: int) -> dict[str, Result]:
    """Run the phases over ``n`` records; return their totals."""
    results = {phase: Result(phase) for phase in phases}
    bounds = [(n * k // slices, n * (k + 1) // slices) for k in range(slices)]
    for start, stop in bounds:
        for phase in (p for p in ("xsd", "rules", "check") if p in results):
            seconds, cpu, problems, peak, base = _in_child(pool, phase, start, stop)
            r = results[phase]
            r.records += stop - start
            r.seconds += seconds
            r.cpu += cpu
            r.problems += problems
            r.peak_kib = max(r.peak_kib, peak)
            r.base_kib = max(r.base_kib, base)
    if "batch" in results:
        seconds, cpu, problems, peak, base = _in_child(pool, "batch", 0, n)
        results["batch"] = Result("batch", n, seconds, cpu, peak, base, problems)
    return results


_LABELS = {
    "xsd": "XSD validation (parse + lxml XMLSchema)",
    "rules": "business rules on decoded records (check_record)",
    "check": "bytes → XSD + models + rules (examine)",
    "batch": "batch index (BatchChecker, SQLite, distinct keys)",
}


def table(results: dict[str, Result]) -> str:
    """The markdown table; ratios are to the ``xsd`` phase, on CPU time, when it ran."""
    ref = results.get("xsd")
    out = [
        "| phase | records | records/s (wall) | records/CPU·s | µs CPU/record | peak RSS MiB | "
        "RSS increase MiB | throughput vs XSD | peak RSS vs XSD | problems |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for phase in PHASES:
        r = results.get(phase)
        if r is None:
            continue
        wall = r.records / r.seconds if r.seconds else float("inf")
        rate = r.records / r.cpu if r.cpu else float("inf")
        tput = mem = "—"
        if ref is not None and ref.cpu:
            tput = f"{rate / (ref.records / ref.cpu):.2f}×"
            mem = f"{r.peak_kib / ref.peak_kib:.2f}×"
        out.append(
            f"| {_LABELS[phase]} | {r.records:,} | {wall:,.0f} | {rate:,.0f} | "
            f"{r.cpu / r.records * 1e6:,.1f} | {r.peak_kib / 1024:,.1f} | "
            f"{(r.peak_kib - r.base_kib) / 1024:,.1f} | {tput} | {mem} | {r.problems:,} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a markdown table; return 0 (1 if a phase found problems)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="records per phase")
    parser.add_argument("--pool", type=int, default=2_000, help="distinct records cycled")
    parser.add_argument("--slices", type=int, default=None, help="alternating slices")
    parser.add_argument(
        "--phases", default=",".join(PHASES), help=f"comma-separated subset of {PHASES}"
    )
    parser.add_argument("--smoke", action="store_true", help="tiny size (CI)")
    args = parser.parse_args(argv)
    n = 120 if args.smoke else args.n
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(phases) - set(PHASES)
    if unknown or n <= 0:
        parser.error(f"unknown phase(s) {sorted(unknown)}" if unknown else "--n must be > 0")
    slices = args.slices or (1 if n < 20_000 else 4)
    t0 = time.perf_counter()
    pool = _pool(n, 60 if args.smoke else args.pool)
    build = time.perf_counter() - t0
    results = measure(n, pool, phases, slices)
    print(
        f"hocbaso {hocbaso.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs; n={n:,}, pool={len(pool.records):,} "
        f"distinct records, {slices} slice(s); pool built in {build:.1f} s; "
        f"{len([r for r in rules.all_rules() if not r.is_batch])} record rules, "
        f"{len([r for r in rules.all_rules() if r.is_batch])} batch rules\n"
    )
    print(table(results))
    # Consistent generated records: any problem means a rule (or the generator) is wrong.
    return 1 if any(r.problems for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
