"""The exact bytes of one log entry (a Merkle leaf) and its parsed form.

Internal module (unstable); the public names are re-exported by :mod:`hocbaso.ledger`.

An entry is ASCII text, one ``key value`` pair per line (a single space between them, every line
ending in ``\\n``), keys in this fixed order, optional keys omitted, nothing else::

    hocbaso-ledger-entry/1
    school 48491401
    index 0
    event issue
    time 2024-05-30T08:15:00Z
    uuid 4ef748d9-2146-4a82-95a5-8534051475f0
    digest <64 lower-case hex: SHA-256 of the exact signed record bytes>
    student <64 lower-case hex: HMAC-SHA256(issuer secret, 12-digit personal id)>
    decision approved|rejected          (revoke-decision only)
    replaces <uuid>                     (reissue only)
    replaces-digest <64 hex>            (reissue only)
    prev <64 hex: leaf hash of the previous event of this record's lineage>   (all but issue)

Parsing is strict: the bytes must be exactly what :func:`encode_entry` produces for the parsed
values, so one entry has exactly one byte form (and one leaf hash).
"""

from __future__ import annotations

import enum
import functools
import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hocbaso.errors import InputError, LedgerIntegrityError
from hocbaso.ledger._merkle import leaf_hash

__all__ = [
    "ENTRY_FORMAT",
    "Decision",
    "EventType",
    "LedgerEntry",
    "check_school_code",
    "check_uuid",
    "encode_entry",
    "format_time",
    "record_digest",
]

ENTRY_FORMAT = "hocbaso-ledger-entry/1"
"""First line of every entry: names this byte format and its version."""

_SCHOOL_RE = re.compile(r"[0-9A-Za-z._-]{1,20}")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_INDEX_RE = re.compile(r"0|[1-9][0-9]{0,18}")


class EventType(enum.StrEnum):
    """What happened to a record; one log entry per event."""

    ISSUE = "issue"
    """First issue of a record (*phát hành*)."""
    REVOKE_REQUEST = "revoke-request"
    """The school asks to revoke an issued record (*yêu cầu thu hồi*)."""
    REVOKE_DECISION = "revoke-decision"
    """The Sở/Bộ answers a revocation request (*quyết định thu hồi*): approved or rejected."""
    REISSUE = "reissue"
    """A replacement record, with a new UUID, for a revoked one (*phát hành lại / thay thế*)."""


class Decision(enum.StrEnum):
    """Outcome of a revocation request (revocation status 2 and 3 of the standard, §2.3)."""

    APPROVED = "approved"
    """Đồng ý thu hồi: the record is revoked and may be replaced."""
    REJECTED = "rejected"
    """Từ chối thu hồi: the record stays valid."""


def record_digest(signed_bytes: bytes) -> bytes:
    """SHA-256 of the exact signed record bytes: what the log commits to for each record."""
    return hashlib.sha256(signed_bytes).digest()


def check_school_code(school_code: str) -> str:
    """Return ``school_code`` if it is a usable log name (1-20 of ``0-9 A-Z a-z . _ -``)."""
    if not isinstance(school_code, str) or not _SCHOOL_RE.fullmatch(school_code):
        raise InputError(
            f"school code {school_code!r} must be 1-20 letters, digits, '.', '_' or '-'",
            message_vi=(
                f"Mã trường {school_code!r} không hợp lệ: chỉ gồm 1-20 chữ cái, chữ số, "
                "'.', '_' hoặc '-' (ví dụ 48491401)."
            ),
            code="LEDGER-SCHOOL-CODE",
            location="MA_TRUONG",
        )
    return school_code


def check_uuid(value: uuid.UUID | str) -> uuid.UUID:
    """Return ``value`` as a UUID if it is a version-4 UUID (the standard's MA_TRA_CUU_UUID)."""
    try:
        u = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        u = None
    if u is None or u.version != 4 or u.variant != uuid.RFC_4122:
        raise InputError(
            f"{value!s} is not a version-4 UUID",
            message_vi=(
                f"Mã tra cứu {value!s} không phải UUID phiên bản 4 "
                "(36 ký tự, dạng xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx)."
            ),
            code="LEDGER-UUID-FORMAT",
            location="MA_TRA_CUU_UUID",
        )
    return u


def format_time(at: datetime) -> str:
    """``at`` in UTC as ``YYYY-MM-DDThh:mm:ssZ`` (whole seconds; fractions are dropped)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError(
            f"time {at.isoformat()} has no time zone",
            message_vi=f"Thời điểm {at.isoformat()} thiếu múi giờ (ví dụ +07:00).",
            code="LEDGER-TIME",
        )
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One event in an issuer's log, parsed from (and equal to) its exact leaf bytes.

    It holds no personal data: digests, UUIDs, the school code, a time, the event type and the
    keyed student hash (see :func:`hocbaso.ledger.student_key`).

    Attributes:
        school_code: the issuer (*mã trường*) whose log holds the entry.
        index: 0-based position in that log.
        event: what happened.
        time: when the issuer logged it (UTC, whole seconds).
        lookup_uuid: the record concerned (*mã tra cứu*, MA_TRA_CUU_UUID).
        record_digest: SHA-256 of that record's exact signed bytes.
        student_key: keyed hash of the student's personal id (32 bytes).
        decision: outcome, for ``revoke-decision`` only.
        replaces: UUID of the revoked record this one replaces, for ``reissue`` only.
        replaces_digest: record digest of the replaced record, for ``reissue`` only.
        prev_hash: leaf hash of the previous event in this record's lineage (not for ``issue``).
    """

    school_code: str
    index: int
    event: EventType
    time: datetime
    lookup_uuid: uuid.UUID
    record_digest: bytes
    student_key: bytes
    decision: Decision | None = None
    replaces: uuid.UUID | None = None
    replaces_digest: bytes | None = None
    prev_hash: bytes | None = None

    @property
    def leaf(self) -> bytes:
        """The exact entry bytes (the Merkle leaf input)."""
        return encode_entry(self)

    @property
    def leaf_hash(self) -> bytes:
        """RFC 9162 leaf hash ``SHA-256(0x00 ‖ leaf)``."""
        return leaf_hash(self.leaf)

    @classmethod
    def from_leaf(cls, data: bytes) -> LedgerEntry:
        """Parse entry bytes strictly; raise :class:`LedgerIntegrityError` if malformed."""
        return parse_entry(data)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict; digests and hashes in lower-case hex, times in RFC 3339 UTC."""
        return {
            "school_code": self.school_code,
            "index": self.index,
            "event": self.event.value,
            "time": format_time(self.time),
            "lookup_uuid": str(self.lookup_uuid),
            "record_digest": self.record_digest.hex(),
            "student_key": self.student_key.hex(),
            "decision": self.decision.value if self.decision else None,
            "replaces": str(self.replaces) if self.replaces else None,
            "replaces_digest": self.replaces_digest.hex() if self.replaces_digest else None,
            "prev_hash": self.prev_hash.hex() if self.prev_hash else None,
            "leaf_hash": self.leaf_hash.hex(),
        }


def encode_entry(entry: LedgerEntry) -> bytes:
    """The exact bytes of ``entry`` (see the module docstring for the format)."""
    text = (
        f"{ENTRY_FORMAT}\nschool {entry.school_code}\nindex {entry.index}\n"
        f"event {entry.event}\ntime {_time_text(entry.time)}\nuuid {entry.lookup_uuid}\n"
        f"digest {entry.record_digest.hex()}\nstudent {entry.student_key.hex()}\n"
    )
    if entry.decision is not None:
        text += f"decision {entry.decision}\n"
    if entry.replaces is not None:
        text += f"replaces {entry.replaces}\n"
    if entry.replaces_digest is not None:
        text += f"replaces-digest {entry.replaces_digest.hex()}\n"
    if entry.prev_hash is not None:
        text += f"prev {entry.prev_hash.hex()}\n"
    return text.encode("ascii")


@functools.lru_cache(maxsize=256)
def _time_text(at: datetime) -> str:
    return format_time(at)


def _malformed(why: str) -> LedgerIntegrityError:
    return LedgerIntegrityError(
        f"malformed ledger entry: {why}",
        message_vi=f"Mục trong sổ phát hành bị hỏng hoặc bị sửa (chi tiết kỹ thuật: {why}).",
        code="LEDGER-ENTRY-MALFORMED",
    )


_REQUIRED = ("school", "index", "event", "time", "uuid", "digest", "student")
_OPTIONAL = ("decision", "replaces", "replaces-digest", "prev")


def _fields(data: bytes) -> Mapping[str, str]:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise _malformed("not ASCII") from None
    if not text.endswith("\n"):
        raise _malformed("does not end with a newline")
    lines = text[:-1].split("\n")
    if lines[0] != ENTRY_FORMAT:
        raise _malformed(f"first line is not {ENTRY_FORMAT!r}")
    order = _REQUIRED + _OPTIONAL
    fields: dict[str, str] = {}
    pos = 0
    for line in lines[1:]:
        key, sep, value = line.partition(" ")
        if not sep or not value or " " in value:
            raise _malformed(f"bad line {line!r}")
        while pos < len(order) and order[pos] != key:
            if order[pos] in _REQUIRED:
                raise _malformed(f"missing {order[pos]!r}")
            pos += 1
        if pos == len(order):
            raise _malformed(f"unexpected or out-of-order key {key!r}")
        fields[key] = value
        pos += 1
    for key in _REQUIRED:
        if key not in fields:
            raise _malformed(f"missing {key!r}")
    return fields


def _hex32(value: str, key: str) -> bytes:
    if not _HEX64_RE.fullmatch(value):
        raise _malformed(f"{key} is not 64 lower-case hex digits")
    return bytes.fromhex(value)


def _uuid(value: str, key: str) -> uuid.UUID:
    if not _UUID_RE.fullmatch(value):
        raise _malformed(f"{key} is not a lower-case version-4 UUID")
    return uuid.UUID(value)


def parse_entry(data: bytes) -> LedgerEntry:
    """Parse entry bytes strictly (see :meth:`LedgerEntry.from_leaf`)."""
    f = _fields(data)
    if not _SCHOOL_RE.fullmatch(f["school"]):
        raise _malformed("bad school code")
    if not _INDEX_RE.fullmatch(f["index"]):
        raise _malformed("bad index")
    try:
        event = EventType(f["event"])
    except ValueError:
        raise _malformed(f"unknown event {f['event']!r}") from None
    if not _TIME_RE.fullmatch(f["time"]):
        raise _malformed("bad time")
    try:
        time = datetime.strptime(f["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise _malformed("bad time") from None
    decision = None
    if "decision" in f:
        try:
            decision = Decision(f["decision"])
        except ValueError:
            raise _malformed(f"unknown decision {f['decision']!r}") from None
    entry = LedgerEntry(
        school_code=f["school"],
        index=int(f["index"]),
        event=event,
        time=time,
        lookup_uuid=_uuid(f["uuid"], "uuid"),
        record_digest=_hex32(f["digest"], "digest"),
        student_key=_hex32(f["student"], "student"),
        decision=decision,
        replaces=_uuid(f["replaces"], "replaces") if "replaces" in f else None,
        replaces_digest=(
            _hex32(f["replaces-digest"], "replaces-digest") if "replaces-digest" in f else None
        ),
        prev_hash=_hex32(f["prev"], "prev") if "prev" in f else None,
    )
    _check_shape(entry)
    if encode_entry(entry) != data:  # pragma: no cover - the checks above make this unreachable
        raise _malformed("not in canonical form")
    return entry


def _check_shape(entry: LedgerEntry) -> None:
    """Which optional fields each event carries (shared by the parser and the writer)."""
    ev = entry.event
    if (entry.decision is not None) != (ev is EventType.REVOKE_DECISION):
        raise _malformed("'decision' belongs to revoke-decision events only")
    if (entry.replaces is not None) != (ev is EventType.REISSUE) or (
        entry.replaces_digest is not None
    ) != (ev is EventType.REISSUE):
        raise _malformed("'replaces' and 'replaces-digest' belong to reissue events only")
    if (entry.prev_hash is None) != (ev is EventType.ISSUE):
        raise _malformed("every event but issue names the previous event ('prev')")
