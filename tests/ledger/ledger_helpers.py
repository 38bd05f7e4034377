"""Deterministic inputs for the ledger tests (records, UUIDs, student keys)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from hocbaso.ledger import IssueRequest, Ledger, LedgerEntry, student_key

T0 = datetime(2024, 5, 30, 8, 0, 0, tzinfo=UTC)
SCHOOL = "48491401"
OTHER_SCHOOL = "79760101"
SECRET = bytes(range(32))


def v4(i: int, salt: str = "") -> uuid.UUID:
    """A deterministic version-4 UUID."""
    raw = hashlib.sha256(f"uuid/{salt}/{i}".encode()).digest()[:16]
    return uuid.UUID(bytes=raw, version=4)


def record(i: int, salt: str = "") -> bytes:
    """Stand-in signed record bytes (the ledger only hashes them)."""
    return f"<HOC_BA><MA_TRA_CUU_UUID>{v4(i, salt)}</MA_TRA_CUU_UUID><n>{i}</n></HOC_BA>".encode()


def personal_id(i: int) -> str:
    """A 12-digit personal id (Đà Nẵng, female, born 2017)."""
    return f"048317{i % 1_000_000:06d}"


def skey(i: int) -> bytes:
    """The student key of student ``i``."""
    return student_key(personal_id(i), SECRET)


def request(i: int, salt: str = "") -> IssueRequest:
    """Issue request for record ``i``."""
    return IssueRequest.for_record(record(i, salt), lookup_uuid=v4(i, salt), student_key=skey(i))


def issue_n(ledger: Ledger, n: int, school: str = SCHOOL, salt: str = "") -> list[LedgerEntry]:
    """Issue records 0..n-1 in one batch."""
    return ledger.issue_many(school, [request(i, salt) for i in range(n)], at=T0)
