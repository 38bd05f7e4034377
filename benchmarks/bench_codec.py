"""Codec benchmark: decode and encode of realistic records beside bare lxml in the same run.

    python -m benchmarks.bench_codec [--records 2000] [--smoke]

Decode = bytes → validated model (``hocbaso.from_xml``); its bare limit is ``lxml.etree.fromstring``
of the same bytes. Canonical bytes (what the encoder writes) are read without a tree; the
"parser path" row decodes the same records behind an XML declaration, which sends them
through the hardened parser and the tree decoders (as any non-canonical input goes), beside
the bare parse of those bytes. Encode = model → canonical bytes (``hocbaso.to_xml``); its
bare limit is ``lxml.etree.tostring`` of the same document's parsed tree. Targets (issue 3):
decode ≥ 0.35×, encode ≥ 0.5× the bare limit. Each operation is timed beside its bare limit,
alternately (best of 5 each). The "floor" row reads every element's tag and text once from
Python after the parse, doing nothing else: no decoder that builds Python values from lxml's
tree can be faster, whatever it skips (the canonical-bytes reader builds no tree, so it is not
bound by it).
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree

import hocbaso
from benchmarks._common import Row, peak_rss_mib, table, timed, timed_pair
from hocbaso.examples import generate_record
from hocbaso.validation import _lxml_schema

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000, help="distinct records")
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args(argv)
    n = 50 if args.smoke else args.records
    records = [generate_record(i, 1 + i % 12) for i in range(n)]
    blobs = [hocbaso.to_xml(r) for r in records]
    trees = [etree.fromstring(b) for b in blobs]
    total = sum(len(b) for b in blobs)
    schemas = {p: _lxml_schema(p) for p in (hocbaso.PROFILE_PRIMARY, hocbaso.PROFILE_SECONDARY)}
    profiles = [r.profile for r in records]
    for b in blobs[:20]:  # warm caches (layouts, encoders, compiled schemas)
        hocbaso.from_xml(b)

    def xsd() -> None:
        for tree, profile in zip(trees, profiles, strict=True):
            schemas[profile].validate(tree)

    def each(fn: Callable[[Any], object], items: Sequence[Any]) -> Callable[[], None]:
        # Results are dropped at once, as a streaming pipeline does: keeping thousands of
        # decoded records alive would time the garbage collector, not the codec.
        def run() -> None:
            for item in items:
                fn(item)

        return run

    def touch(blob: bytes) -> None:
        # One Python access to every element's tag and text: the least any decoder that
        # builds Python values from lxml's tree must do (no checks, no objects built).
        for e in etree.fromstring(blob).iter():
            e.tag, e.text  # noqa: B018

    parse = ("bare lxml parse", each(etree.fromstring, blobs))
    declared = [b'<?xml version="1.0" encoding="UTF-8"?>\n' + b for b in blobs]
    assert hocbaso.from_xml(declared[0]) == records[0]
    rows: list[Row] = [
        *timed_pair(parse, ("decode (from_xml)", each(hocbaso.from_xml, blobs)), n, total),
        *timed_pair(
            ("bare lxml parse, declared bytes", each(etree.fromstring, declared)),
            ("decode, parser path (declared bytes)", each(hocbaso.from_xml, declared)),
            n,
            sum(len(b) for b in declared),
        ),
        timed("floor: parse + read each element's tag and text once", n, total, each(touch, blobs)),
        *timed_pair(
            ("bare lxml serialise", each(etree.tostring, trees)),
            ("encode (to_xml)", each(hocbaso.to_xml, records)),
            n,
            total,
        ),
        timed("XSD validate (lxml, parsed tree)", n, total, xsd),
        timed("validate() = parse + XSD + models", n, total, each(hocbaso.validate, blobs)),
    ]
    print(
        f"hocbaso {hocbaso.__version__}, Python {platform.python_version()}, "
        f"lxml {etree.__version__}, {n} distinct records, mean {total / n / 1024:.1f} KiB"
    )
    print()
    print(
        table(
            rows,
            {
                "decode (from_xml)": "bare lxml parse",
                "decode, parser path (declared bytes)": "bare lxml parse, declared bytes",
                "floor: parse + read each element's tag and text once": "bare lxml parse",
                "encode (to_xml)": "bare lxml serialise",
                "validate() = parse + XSD + models": "bare lxml parse",
            },
        )
    )
    print()
    print(f"peak RSS {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
