"""Canonical XML codec: records to bytes and back, and Exclusive XML Canonicalization.

``to_xml(record) -> bytes`` writes the canonical form; ``from_xml(bytes) -> record`` parses
(hardened: no DTD, no entities, no network, size-limited) and validates. For canonical input
``to_xml(from_xml(x)) == x``; for any record ``from_xml(to_xml(r)) == r`` and
``canonicalize(to_xml(r)) == to_xml(r)``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lxml import etree

from hocbaso._xml._codec import detect_profile as _detect_profile
from hocbaso._xml._codec import from_xml, to_xml
from hocbaso._xml._parse import DEFAULT_MAX_BYTES, parse_bytes
from hocbaso.models import PrimaryRecord, Record

__all__ = [
    "DEFAULT_MAX_BYTES",
    "RecordIdentity",
    "canonicalize",
    "detect_profile",
    "from_xml",
    "record_identity",
    "to_xml",
]

EXC_C14N_URI = "http://www.w3.org/2001/10/xml-exc-c14n#"
"""Exclusive XML Canonicalization 1.0 (W3C Recommendation 18 July 2002), without comments."""


def canonicalize(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Exclusive XML Canonicalization 1.0 (without comments) of a whole document.

    The input is parsed with the same hardening as :func:`from_xml`.
    """
    tree = parse_bytes(data, max_bytes=max_bytes)
    return etree.tostring(tree, method="c14n", exclusive=True, with_comments=False)


def detect_profile(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The profile name of record bytes: ``tieu-hoc-1.0`` or ``trung-hoc-1.0``."""
    return _detect_profile(parse_bytes(data, max_bytes=max_bytes).getroot())


@dataclass(frozen=True, slots=True)
class RecordIdentity:
    """The identifying fields of a record (what the ledger and batch reports need).

    Attributes:
        lookup_uuid: ``MA_TRA_CUU_UUID`` — *mã tra cứu học bạ*.
        school_code: ``MA_TRUONG`` — *mã trường*.
        school_year: ``NAM_HOC`` (first calendar year).
        personal_id: ``SO_CCCD`` of the student — personal data, handle with care.
        student_code: ``MA_HOC_SINH`` — *mã học sinh*.
        full_name: ``HO_VA_TEN`` — personal data, handle with care.
        level: ``MA_CAP_HOC`` value (02, 03, 04).
        grade: ``MA_KHOI`` (1–12).
        profile: profile name.
    """

    lookup_uuid: uuid.UUID
    school_code: str
    school_year: int
    personal_id: str
    student_code: str
    full_name: str
    level: str
    grade: int
    profile: str

    @classmethod
    def of(cls, record: Record) -> RecordIdentity:
        """The identity of a decoded record."""
        g = record.data.general
        return cls(
            lookup_uuid=g.lookup_uuid,
            school_code=g.school_code,
            school_year=g.school_year,
            personal_id=g.personal_id,
            student_code=g.student_code,
            full_name=g.full_name,
            level=g.level.value,
            grade=g.grade,
            profile=PrimaryRecord.profile if isinstance(record, PrimaryRecord) else record.profile,
        )


def record_identity(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RecordIdentity:
    """Decode (and validate) record bytes and return their identifying fields."""
    return RecordIdentity.of(from_xml(data, max_bytes=max_bytes))
