"""Shared helpers for the benchmarks: timing, peak memory, markdown tables."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Row", "peak_rss_mib", "table", "timed", "timed_pair"]


@dataclass(frozen=True)
class Row:
    """One measured operation: what, how many items, total bytes, seconds."""

    name: str
    items: int
    nbytes: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Items per second."""
        return self.items / self.seconds if self.seconds else float("inf")

    @property
    def mb_per_second(self) -> float:
        """Megabytes (10^6) per second."""
        return self.nbytes / 1e6 / self.seconds if self.seconds else float("inf")


def timed(name: str, items: int, nbytes: int, fn: Callable[[], object], repeat: int = 3) -> Row:
    """Run ``fn`` ``repeat`` times; keep the fastest run's CPU time of this process.

    CPU time rather than wall-clock time, because the development machines are shared: other
    processes slow the wall clock of a run but hardly its CPU time. Every operation of a table
    is measured the same way in the same run, so the ratios compare like with like.
    """
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return Row(name, items, nbytes, best)


def timed_pair(
    bare: tuple[str, Callable[[], object]],
    ours: tuple[str, Callable[[], object]],
    items: int,
    nbytes: int,
    repeat: int = 5,
) -> tuple[Row, Row]:
    """:func:`timed` for a bare limit and our operation, run alternately ``repeat`` times.

    Alternating (bare, ours, bare, ours, ...) and keeping each one's fastest run means both
    are measured under the same machine conditions: on a shared VM the speed drifts by tens
    of per cent within a minute, which skews a ratio of runs made one after the other.
    """
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for k, (_, fn) in enumerate((bare, ours)):
            start = time.process_time()
            fn()
            best[k] = min(best[k], time.process_time() - start)
    return Row(bare[0], items, nbytes, best[0]), Row(ours[0], items, nbytes, best[1])


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(rows: Sequence[Row], baseline: dict[str, str]) -> str:
    """A markdown table; ``baseline`` maps a row name to the bare-limit row it is compared with."""
    by_name = {r.name: r for r in rows}
    out = [
        "| operation | items | records/s | MB/s | µs/record | ratio to bare limit |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        ref = baseline.get(r.name)
        ratio = "—"
        if ref is not None:
            ratio = f"{r.per_second / by_name[ref].per_second:.2f}× {ref}"
        out.append(
            f"| {r.name} | {r.items:,} | {r.per_second:,.0f} | {r.mb_per_second:,.1f} | "
            f"{r.seconds / r.items * 1e6:,.1f} | {ratio} |"
        )
    return "\n".join(out)
