"""End-to-end pipeline: pack N records, then unpack + decode + XSD-validate them on all cores.

    python -m benchmarks.bench_pipeline --n 1000000 [--workers 2] [--pool 400]

Stage 1 (one process) packs a stream of N records (cycled from a pool of distinct generated
records) into official packets written to a temporary directory — memory bounded by one packet.
Stage 2 checks the packets on a process pool, one packet per task: decompress, split, and for
every record ``hocbaso.validate`` (one hardened parse, the XSD on that tree, the models).
Issue 7's target: pack + unpack + decode + XSD-validate of 1,000,000 records in ≤ 10 minutes
wall time on this 2-core machine, peak RSS ≤ 1 GiB.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import resource
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import hocbaso
from hocbaso import batch
from hocbaso.examples import generate_record

__all__ = ["main"]


def _check_packet(path: str) -> tuple[int, int, int]:
    """Worker: (records, valid, invalid) of one packet file."""
    content = Path(path).read_text(encoding="ascii")
    records = valid = invalid = 0
    for record in batch.unpack(content, check_records=False):
        records += 1
        if hocbaso.validate(record).valid:
            valid += 1
        else:
            invalid += 1
    return records, valid, invalid


def _stream(pool: list[bytes], n: int) -> Iterator[bytes]:
    return itertools.islice(itertools.cycle(pool), n)


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=400, help="distinct generated records")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args(argv)
    n = 2_000 if args.smoke else args.n
    pool = [hocbaso.to_xml(generate_record(i, 1 + i % 12)) for i in range(args.pool)]
    with tempfile.TemporaryDirectory(prefix="hocbaso-pipeline-") as tmp:
        start = time.perf_counter()
        totals = [0, 0, 0]
        packets = raw = 0
        pack_seconds = 0.0
        pending: deque[Future[tuple[int, int, int]]] = deque()

        def collect(future: Future[tuple[int, int, int]]) -> None:
            nonlocal totals
            counts = future.result()
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            Path(paths.pop(future)).unlink()

        paths: dict[Future[tuple[int, int, int]], str] = {}
        # Packets are checked while the next ones are packed; at most 2 per worker wait, so
        # memory and disk stay bounded by a few packets whatever N is.
        with ProcessPoolExecutor(max_workers=args.workers) as ex:
            stream = batch.pack(_stream(pool, n))
            while True:
                t0 = time.perf_counter()
                packet = next(stream, None)
                pack_seconds += time.perf_counter() - t0
                if packet is None:
                    break
                packets += 1
                raw += packet.xml_bytes
                path = Path(tmp) / f"packet-{packets:05d}.b64"
                path.write_text(packet.content, encoding="ascii")
                future = ex.submit(_check_packet, str(path))
                paths[future] = str(path)
                pending.append(future)
                while len(pending) > 2 * args.workers:
                    collect(pending.popleft())
            while pending:
                collect(pending.popleft())
        done = time.perf_counter()
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    wall = done - start
    print(
        f"hocbaso {hocbaso.__version__}, Python {platform.python_version()}, {args.workers} "
        f"worker processes + the packing process, {n:,} records ({args.pool} distinct), "
        f"{packets} packets, {raw / 1e6:,.0f} MB of XML"
    )
    print()
    print("| stage | seconds | records/s | MB/s |")
    print("| --- | ---: | ---: | ---: |")
    for name, secs in (
        ("pack (time spent in the packer, overlapped with checking)", pack_seconds),
        ("whole pipeline: pack → unpack + decode + XSD-validate, wall", wall),
    ):
        print(f"| {name} | {secs:,.1f} | {n / secs:,.0f} | {raw / 1e6 / secs:,.1f} |")
    print()
    print(
        f"records checked {totals[0]:,} (valid {totals[1]:,}, invalid {totals[2]:,}); "
        f"peak RSS parent {parent:,.0f} MiB, largest worker {children:,.0f} MiB; "
        f"target ≤ 600 s for 1,000,000 records: "
        f"{'met' if n >= 1_000_000 and wall <= 600 else 'n/a' if n < 1_000_000 else 'NOT met'}"
    )
    return 0 if totals[0] == n and totals[2] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
