"""Per-record lineage rules: issue → revoke request → revoke decision → reissue, hash-chained.

Internal module (unstable); :func:`verify_lineage` is re-exported by :mod:`hocbaso.ledger`.

One function, :func:`apply_event`, states every rule. The ledger calls it on each entry it is
about to write (so a refused operation never reaches the log) and the audit calls it on each
stored entry (so a log that breaks a rule is reported). Rules:

* ``issue``: the UUID has never been used (in any log of the store).
* ``revoke-request``: the record is issued and valid (no pending request, not revoked).
* ``revoke-decision``: a request is pending; ``approved`` revokes, ``rejected`` restores.
* ``reissue``: new UUID; the replaced record is revoked, not yet replaced, of the same school.
* Every event but ``issue`` carries ``prev`` = the leaf hash of the previous event of the
  lineage (the replaced record's approving decision, for a ``reissue``), and repeats the
  record's digest and student key; a ``reissue`` also repeats the replaced record's digest.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hocbaso.errors import LedgerError, LedgerIntegrityError
from hocbaso.ledger._entry import Decision, EventType, LedgerEntry, parse_entry
from hocbaso.ledger._merkle import leaf_hash
from hocbaso.ledger._store import StoredEntry

__all__ = ["RecordState", "Status", "apply_event", "load_records", "verify_lineage"]


class Status(enum.Enum):
    """Where a record stands."""

    VALID = "valid"
    REVOKE_PENDING = "revoke-pending"
    REVOKED = "revoked"


@dataclass(slots=True)
class RecordState:
    """What the log says about one record so far."""

    issued: LedgerEntry
    last_hash: bytes
    status: Status = Status.VALID
    replaced_by: uuid.UUID | None = None


def _refuse(code: str, en: str, vi: str, entry: LedgerEntry) -> LedgerError:
    return LedgerError(
        en, message_vi=vi, code=code, location=f"MA_TRA_CUU_UUID={entry.lookup_uuid}"
    )


_BROKEN_VI = {
    "prev": "trường 'prev' không phải giá trị băm của sự kiện trước",
    "digest": "giá trị băm học bạ khác với bản đã phát hành",
    "student": "khóa học sinh khác với bản đã phát hành",
    "approval": "trường 'prev' không phải giá trị băm của quyết định đồng ý thu hồi",
    "replaces-digest": "'replaces-digest' không phải giá trị băm của học bạ bị thay thế",
    "start": "lịch sử phải bắt đầu bằng sự kiện phát hành",
    "school": "lịch sử phải nằm trong sổ của một trường",
    "order": "các sự kiện phải theo thứ tự tăng dần",
}


def _broken(what: str, entry: LedgerEntry, reason: str) -> LedgerError:
    return LedgerError(
        f"entry {entry.index} breaks its record's hash chain: {what}",
        message_vi=f"Mục {entry.index} không khớp chuỗi băm của học bạ: {_BROKEN_VI[reason]}.",
        code="LEDGER-LINEAGE-BROKEN",
        location=f"entry {entry.index}",
    )


def _record(records: dict[uuid.UUID, RecordState], u: uuid.UUID, entry: LedgerEntry) -> RecordState:
    rec = records.get(u)
    if rec is None:
        raise _refuse(
            "LEDGER-UNKNOWN-RECORD",
            f"record {u} has not been issued in this store",
            f"Không tìm thấy học bạ có mã tra cứu {u} trong sổ phát hành.",
            entry,
        )
    if rec.issued.school_code != entry.school_code:
        raise _refuse(
            "LEDGER-SCHOOL-MISMATCH",
            f"record {u} was issued by school {rec.issued.school_code}, not {entry.school_code}",
            f"Học bạ {u} do trường {rec.issued.school_code} phát hành, "
            f"không phải trường {entry.school_code}.",
            entry,
        )
    return rec


def _check_chain(rec: RecordState, entry: LedgerEntry) -> None:
    if entry.prev_hash != rec.last_hash:
        raise _broken("'prev' is not the hash of the previous event", entry, "prev")
    if entry.record_digest != rec.issued.record_digest:
        raise _broken("the record digest differs from the issued one", entry, "digest")
    if entry.student_key != rec.issued.student_key:
        raise _broken("the student key differs from the issued one", entry, "student")


def apply_event(
    records: dict[uuid.UUID, RecordState], entry: LedgerEntry, entry_hash: bytes
) -> None:
    """Check ``entry`` against the records' states and, if allowed, update them.

    ``records`` must hold the state of ``entry.lookup_uuid`` and ``entry.replaces`` when the
    log has them. Nothing is changed when the entry is refused.

    Raises:
        LedgerError: the operation is not allowed (the code says why).
    """
    u = entry.lookup_uuid
    ev = entry.event
    if ev in (EventType.ISSUE, EventType.REISSUE):
        if u in records:
            raise _refuse(
                "LEDGER-UUID-REUSED",
                f"UUID {u} is already used by an issued record; a replacement needs a new UUID",
                f"Mã tra cứu {u} đã được dùng cho một học bạ đã phát hành. Bản thay thế phải "
                "có mã tra cứu (MA_TRA_CUU_UUID) mới.",
                entry,
            )
        old = None
        if ev is EventType.REISSUE:
            assert entry.replaces is not None  # guaranteed by the entry format
            old = _record(records, entry.replaces, entry)
            if old.replaced_by is not None:
                raise _refuse(
                    "LEDGER-ALREADY-REPLACED",
                    f"record {entry.replaces} was already replaced by {old.replaced_by}",
                    f"Học bạ {entry.replaces} đã có bản thay thế {old.replaced_by}.",
                    entry,
                )
            if old.status is not Status.REVOKED:
                raise _refuse(
                    "LEDGER-NOT-REVOKED",
                    f"record {entry.replaces} is not revoked, so it cannot be replaced",
                    f"Học bạ {entry.replaces} chưa được đồng ý thu hồi nên chưa thể phát hành "
                    "bản thay thế.",
                    entry,
                )
            if entry.prev_hash != old.last_hash:
                raise _broken(
                    "'prev' is not the hash of the approved revocation", entry, "approval"
                )
            if entry.replaces_digest != old.issued.record_digest:
                raise _broken(
                    "'replaces-digest' is not the replaced record's digest",
                    entry,
                    "replaces-digest",
                )
            old.replaced_by = u
        records[u] = RecordState(entry, entry_hash)
        return
    rec = _record(records, u, entry)
    if rec.status is Status.REVOKED:
        raise _refuse(
            "LEDGER-ALREADY-REVOKED",
            f"record {u} is already revoked",
            f"Học bạ {u} đã bị thu hồi.",
            entry,
        )
    if ev is EventType.REVOKE_REQUEST:
        if rec.status is Status.REVOKE_PENDING:
            raise _refuse(
                "LEDGER-REVOKE-PENDING",
                f"a revocation request for record {u} is already pending",
                f"Học bạ {u} đang có yêu cầu thu hồi chờ xử lý; hãy chờ quyết định của Sở/Bộ.",
                entry,
            )
        _check_chain(rec, entry)
        rec.status = Status.REVOKE_PENDING
    else:
        if rec.status is not Status.REVOKE_PENDING:
            raise _refuse(
                "LEDGER-NO-REVOKE-REQUEST",
                f"record {u} has no pending revocation request",
                f"Học bạ {u} không có yêu cầu thu hồi nào đang chờ xử lý.",
                entry,
            )
        _check_chain(rec, entry)
        rec.status = Status.REVOKED if entry.decision is Decision.APPROVED else Status.VALID
    rec.last_hash = entry_hash


def load_records(rows: Iterable[StoredEntry]) -> dict[uuid.UUID, RecordState]:
    """Rebuild record states from stored events (trusted: they were checked when written).

    ``rows`` must contain every event whose ``lookup_uuid`` or ``replaces`` is a record of
    interest (what :meth:`LedgerStore.find_by_uuid` returns).
    """
    records: dict[uuid.UUID, RecordState] = {}
    replaced: list[LedgerEntry] = []
    for row in sorted(rows, key=lambda r: (r.log_id, r.idx)):
        entry = parse_entry(row.leaf)
        h = leaf_hash(row.leaf)
        if entry.event in (EventType.ISSUE, EventType.REISSUE):
            records[entry.lookup_uuid] = RecordState(entry, h)
            if entry.replaces is not None:
                replaced.append(entry)
            continue
        rec = records.get(entry.lookup_uuid)
        if rec is None:
            continue  # only reachable through a damaged store; the audit reports it
        rec.last_hash = h
        if entry.event is EventType.REVOKE_REQUEST:
            rec.status = Status.REVOKE_PENDING
        else:
            rec.status = Status.REVOKED if entry.decision is Decision.APPROVED else Status.VALID
    for entry in replaced:
        assert entry.replaces is not None
        if entry.replaces in records:
            records[entry.replaces].replaced_by = entry.lookup_uuid
    return records


def verify_lineage(entries: Sequence[LedgerEntry]) -> None:
    """Check that ``entries`` form one valid hash-chained history, oldest first.

    Give every event of a lineage (as returned by :meth:`hocbaso.ledger.Ledger.history`, each
    of which can be proved by an inclusion proof): it must start with an ``issue``, stay in one
    school's log, go forward in index, and obey every rule of :func:`apply_event`.

    Raises:
        LedgerIntegrityError: the first entry that does not fit, with the reason.
    """
    if not entries:
        raise LedgerIntegrityError(
            "an empty lineage proves nothing",
            message_vi="Không có mục nào để kiểm tra lịch sử học bạ.",
            code="LEDGER-LINEAGE-BROKEN",
        )
    records: dict[uuid.UUID, RecordState] = {}
    first = entries[0]
    for i, entry in enumerate(entries):
        where = f"entry {entry.index}"
        try:
            if i == 0 and entry.event is not EventType.ISSUE:
                raise _broken("a lineage starts with an issue event", entry, "start")
            if entry.school_code != first.school_code:
                raise _broken("a lineage stays in one school's log", entry, "school")
            if i and entry.index <= entries[i - 1].index:
                raise _broken("events must be in increasing index order", entry, "order")
            apply_event(records, entry, entry.leaf_hash)
        except LedgerError as exc:
            raise LedgerIntegrityError(
                exc.message_en, message_vi=exc.message_vi, code=exc.code, location=where
            ) from exc
