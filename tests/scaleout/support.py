"""Helpers of the scale-out tests: the dask requirement and a corpus of packet files."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import hocbaso
from hocbaso import batch, scaleout
from hocbaso.examples import generate_record

RECORDS = 300
MAX_PACKET_BYTES = 60_000

#: Global index of a broken record -> what is wrong with it.
BROKEN = {
    37: "xsd",  # an element the XSD does not allow
    101: "syntax",  # not well-formed
    202: "entity",  # an undeclared entity reference
    299: "profile",  # a <HOC_BA> without the parts of any profile
}


def require_dask() -> None:
    """Skip when dask is missing, locally; fail in CI (``CI`` set), where it must be there."""
    try:
        import dask.bag  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        reason = (
            f"dask[bag,distributed] is not installed ({exc}); "
            "install it with pip install 'hocbaso[dask]'"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def compute(bag: object, **options: Any) -> list[scaleout.RecordResult]:
    """``bag.compute(**options)`` as a typed list (dask's Bag methods are not annotated)."""
    untyped: Any = bag
    rows: list[scaleout.RecordResult] = untyped.compute(**options)
    return rows


def _broken(kind: str, good: bytes) -> bytes:
    if kind == "xsd":
        return good.replace(b'<DU_LIEU_HOC_BA Id="data">', b'<DU_LIEU_HOC_BA Id="data"><LA/>', 1)
    if kind == "syntax":
        return b"<HOC_BA><A></B></HOC_BA>"
    if kind == "entity":
        return b"<HOC_BA>&x;</HOC_BA>"
    return b"<HOC_BA><DU_LIEU_HOC_BA/></HOC_BA>"


@dataclass(frozen=True)
class Corpus:
    """Packet files on disk, and what a correct check must find in them.

    Attributes:
        paths: every packet source, as path strings (the real packets first).
        records: the records packed into the real packets, in order.
        places: for each of those records, its (packet path, position in the packet).
        packet_count: how many real packets ``pack`` made.
        extra_records: records found in the other sources (truncated packet, envelope).
        unusable: paths of the sources that must get a packet-level failure, with its code.
    """

    paths: list[str]
    records: list[bytes]
    places: list[tuple[str, int]]
    packet_count: int
    extra_records: int
    unusable: dict[str, str]

    def expected_invalid(self) -> set[tuple[str, int]]:
        """(packet, position) of every broken record."""
        return {self.places[i] for i in BROKEN}

    def digests(self) -> list[str]:
        """SHA-256 of each packed record, in order."""
        return [hashlib.sha256(r).hexdigest() for r in self.records]


def build_corpus(root: Path) -> Corpus:
    """300 generated records (4 broken) in several packets, plus broken packet sources."""
    records = [hocbaso.to_xml(generate_record(i, 1 + i % 12)) for i in range(RECORDS)]
    for index, kind in BROKEN.items():
        records[index] = _broken(kind, records[index])
    packets = list(batch.pack(records, max_packet_bytes=MAX_PACKET_BYTES, check_records=False))
    paths: list[str] = []
    places: list[tuple[str, int]] = []
    for packet in packets:
        path = root / f"packet-{packet.index:06d}.b64"
        path.write_text(packet.content, encoding="ascii")
        paths.append(str(path))
        places.extend((str(path), i) for i in range(packet.record_count))

    unusable: dict[str, str] = {}

    bad = root / "bad-base64.b64"
    bad.write_text("this is not base64!", encoding="ascii")
    unusable[str(bad)] = "PACKET-BASE64"

    truncated = root / "truncated.b64"  # two records, then one that is never closed
    xml = b"<DANH_SACH_HOC_BA>" + records[1] + records[2] + b"<HOC_BA><THONG_TIN>"
    truncated.write_text(batch.compress_content(xml), encoding="ascii")
    unusable[str(truncated)] = "PACKET-UNTERMINATED"

    latin1 = root / "latin1.b64"  # not ASCII: the file cannot even be read as a packet
    latin1.write_bytes("gói tin".encode("latin-1"))
    unusable[str(latin1)] = "FILE-READ"

    missing = root / "missing.b64"  # never written
    unusable[str(missing)] = "FILE-READ"

    envelope = root / "request.json"  # an authenticationRequest carrying three records
    request = batch.SubmitRequest(
        token="t",
        user_name="sgd_danang",
        password_sha256=batch.hash_password("p"),
        unit_code="48",
        school_year=2023,
        message_id="48-1",
        message_type="T",
        function="F",
        content=batch.compress_content(
            b"<DANH_SACH_HOC_BA>" + b"".join(records[3:6]) + b"</DANH_SACH_HOC_BA>"
        ),
        signature="s",
    )
    envelope.write_text(request.to_json(), encoding="utf-8")

    others = [str(bad), str(truncated), str(latin1), str(missing), str(envelope)]
    return Corpus(paths + others, records, places, len(packets), 2 + 3, unusable)
