"""The issuance ledger: issue, revoke, reissue, prove, checkpoint — over any :class:`LedgerStore`.

Internal module (unstable); :class:`Ledger` and :class:`IssueRequest` are re-exported by
:mod:`hocbaso.ledger`.
"""

from __future__ import annotations

import dataclasses
import struct
import uuid
from binascii import hexlify as _hexlify
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256 as _sha256

from hocbaso.errors import InputError, LedgerError, LedgerIntegrityError
from hocbaso.ledger._audit import AuditReport, audit_log
from hocbaso.ledger._checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    merge_signatures,
    parse_checkpoint,
    sign_checkpoint,
)
from hocbaso.ledger._entry import (
    ENTRY_FORMAT,
    Decision,
    EventType,
    LedgerEntry,
    check_school_code,
    check_uuid,
    encode_entry,
    format_time,
    parse_entry,
    record_digest,
)
from hocbaso.ledger._lineage import RecordState, apply_event, load_records
from hocbaso.ledger._merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    NodeKey,
    consistency_ranges,
    frontier_nodes,
    hashes_for_ranges,
    inclusion_ranges,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from hocbaso.ledger._proofs import ConsistencyProof, InclusionProof
from hocbaso.ledger._store import (
    LedgerStore,
    LogInfo,
    NewEntry,
    StoredEntry,
    StoreWriter,
    uuid_key,
)

__all__ = ["DEFAULT_ORIGIN_TEMPLATE", "IssueRequest", "Ledger"]

_ISSUE = EventType.ISSUE
_signed64 = struct.Struct(">q").unpack_from  # lookup_key: the first 8 bytes, signed big-endian
_new_entry = tuple.__new__  # NewEntry(*fields) without the NamedTuple's Python-level __new__
# bits 63-76 of a UUID's integer: variant (2 bits, 0b10 = RFC 4122) and version (4 bits) …
_UUID4_MASK = (0xF << 14) | 0b11
_UUID4_BITS = (4 << 14) | 0b10


def _slot_setters() -> tuple[Callable[[LedgerEntry, object], None], ...]:
    return tuple(getattr(LedgerEntry, f.name).__set__ for f in dataclasses.fields(LedgerEntry))


(_s_school, _s_index, _s_event, _s_time, _s_uuid, _s_digest, _s_student, *_s_optional) = (
    _slot_setters()
)
_new_object = object.__new__


def _issue_entry(
    school_code: str, index: int, moment: datetime, u: uuid.UUID, digest: bytes, student: bytes
) -> LedgerEntry:
    """``LedgerEntry(school_code, index, ISSUE, moment, u, digest, student)``, already checked.

    The frozen dataclass's ``__init__`` sets its eleven slots through ``object.__setattr__``;
    the slot descriptors directly take half the time, and this runs once per issued record.
    (tests/ledger checks the result equals the normal constructor's.)
    """
    e = _new_object(LedgerEntry)
    _s_school(e, school_code)
    _s_index(e, index)
    _s_event(e, _ISSUE)
    _s_time(e, moment)
    _s_uuid(e, u)
    _s_digest(e, digest)
    _s_student(e, student)
    for setter in _s_optional:
        setter(e, None)
    return e


DEFAULT_ORIGIN_TEMPLATE = "hocbaso-ledger/{school_code}"
"""Checkpoint origin of a new log; ``{school_code}`` is replaced by the issuer's code."""


@dataclass(frozen=True, slots=True)
class IssueRequest:
    """One record to issue (*phát hành*) in a batch (:meth:`Ledger.issue_many`).

    Attributes:
        lookup_uuid: the record's MA_TRA_CUU_UUID (version 4).
        record_digest: SHA-256 of the exact signed record bytes (:func:`record_digest`).
        student_key: keyed hash of the student's personal id (:func:`student_key`).
        replaces: UUID of the revoked record this one replaces (a *reissue*), or ``None``.
    """

    lookup_uuid: uuid.UUID
    record_digest: bytes
    student_key: bytes
    replaces: uuid.UUID | None = None

    @classmethod
    def for_record(
        cls,
        signed_bytes: bytes,
        *,
        lookup_uuid: uuid.UUID | str,
        student_key: bytes,
        replaces: uuid.UUID | str | None = None,
    ) -> IssueRequest:
        """Request for the exact signed record bytes (their SHA-256 is what gets logged)."""
        return cls(
            lookup_uuid=check_uuid(lookup_uuid),
            record_digest=record_digest(signed_bytes),
            student_key=student_key,
            replaces=None if replaces is None else check_uuid(replaces),
        )


def _now(at: datetime | None) -> datetime:
    moment = datetime.now(UTC) if at is None else at
    format_time(moment)  # refuses naive times
    return moment.astimezone(UTC).replace(microsecond=0)


def _check_hash_arg(value: bytes, name: str, location: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise InputError(
            f"{name} must be {HASH_SIZE} bytes",
            message_vi=f"Giá trị {name} phải dài đúng {HASH_SIZE} byte.",
            code="LEDGER-HASH-ARG",
            location=location,
        )


def _unknown_log(school_code: str) -> LedgerError:
    return LedgerError(
        f"there is no issuance log for school {school_code}",
        message_vi=f"Chưa có sổ phát hành nào của trường {school_code}.",
        code="LEDGER-UNKNOWN-LOG",
        location=school_code,
    )


def _unknown_record(u: uuid.UUID) -> LedgerError:
    return LedgerError(
        f"record {u} has not been issued in this store",
        message_vi=f"Không tìm thấy học bạ có mã tra cứu {u} trong sổ phát hành.",
        code="LEDGER-UNKNOWN-RECORD",
        location=f"MA_TRA_CUU_UUID={u}",
    )


def _damaged(what: str) -> LedgerIntegrityError:
    return LedgerIntegrityError(
        f"the stored log is damaged: {what}; run `hocbaso ledger audit`",
        message_vi=(
            "Sổ phát hành bị hỏng. Hãy chạy `hocbaso ledger audit` và báo cho quản trị "
            f"(chi tiết kỹ thuật: {what})."
        ),
        code="LEDGER-STORE-DAMAGED",
    )


class _Appender:
    """Builds new leaves and complete-subtree nodes on top of a locked log's right frontier."""

    def __init__(self, writer: StoreWriter) -> None:
        self.writer = writer
        self.info = writer.info
        self.size = writer.info.size
        keys = frontier_nodes(self.size)
        got = writer.read_nodes(keys)
        if len(got) != len(keys):
            raise _damaged(f"tree nodes of size {self.size} are missing")
        self.stack: list[tuple[int, bytes]] = [(level, got[(level, idx)]) for level, idx in keys]
        self.entries: list[NewEntry] = []
        # New complete-subtree hashes per level, as the store writes them (one row per tile):
        # level -> (index of the first, hashes in index order). Level 0 (the leaves) always.
        self.leaves: list[bytes] = []
        self.runs: dict[int, tuple[int, list[bytes]]] = {0: (self.size, self.leaves)}
        self.fresh: list[tuple[LedgerEntry, bytes]] = []  # add_issue()s not yet in sync()
        self._issue: tuple[str, datetime, bytes, bytes] | None = None

    def add(self, entry: LedgerEntry, records: dict[uuid.UUID, RecordState]) -> LedgerEntry:
        # the hot path of every append: locals and no helper calls where it is cheap to avoid
        leaf = encode_entry(entry)
        h = leaf_hash(leaf)
        apply_event(records, entry, h)  # raises (and changes nothing) if not allowed
        i = self.size
        self._grow(i, h)
        replaces = entry.replaces
        self.entries.append(
            NewEntry(
                i,
                leaf,
                uuid_key(entry.lookup_uuid),
                int.from_bytes(entry.student_key[:8], "big", signed=True),  # lookup_key
                None if replaces is None else uuid_key(replaces),
            )
        )
        self.size = i + 1
        return entry

    def _grow(self, i: int, h: bytes) -> None:
        """Add leaf ``i`` (hash ``h``) and the complete subtrees it closes, right to left."""
        runs, stack = self.runs, self.stack
        self.leaves.append(h)
        level, acc = 0, h
        while stack and stack[-1][0] == level:
            acc = _sha256(b"\x01" + stack.pop()[1] + acc).digest()  # node_hash
            level += 1
            run = runs.get(level)
            if run is None:
                runs[level] = (i >> level, [acc])
            else:
                run[1].append(acc)
        stack.append((level, acc))

    def start_issues(self, school_code: str, moment: datetime) -> None:
        """Fix the school and time of the following :meth:`add_issue` calls."""
        self._issue = (
            school_code,
            moment,
            f"{ENTRY_FORMAT}\nschool {school_code}\nindex ".encode("ascii"),
            f"\nevent {_ISSUE.value}\ntime {format_time(moment)}\nuuid ".encode("ascii"),
        )

    def add_issue(self, r: IssueRequest) -> LedgerEntry:
        """:meth:`add` for a plain ``issue`` of a UUID the log does not know (the caller checked).

        The hot path of a batch (after :meth:`start_issues`): the leaf is written directly from
        the request (the same bytes as :func:`encode_entry`, which the tests check), and the
        issue rule needs no lookup. The record's state is kept in :attr:`fresh` until
        :meth:`sync` (hashing a ``UUID`` runs Python code: the common batch never needs it).
        """
        assert self._issue is not None, "start_issues() first"
        school_code, moment, head, mid = self._issue
        i = self.size
        u = r.lookup_uuid
        digest, student = r.record_digest, r.student_key
        x = u.int
        t = b"%032x" % x  # str(u), without the Python-level UUID.__str__
        leaf = b"%s%d%s%s-%s-%s-%s-%s\ndigest %s\nstudent %s\n" % (
            head,
            i,
            mid,
            t[:8],
            t[8:12],
            t[12:16],
            t[16:20],
            t[20:],
            _hexlify(digest),
            _hexlify(student),
        )
        h = _sha256(b"\x00" + leaf).digest()  # leaf_hash
        entry = _issue_entry(school_code, i, moment, u, digest, student)
        self.fresh.append((entry, h))
        self._grow(i, h)
        high = x >> 64  # uuid_key
        self.entries.append(
            _new_entry(
                NewEntry,
                (
                    i,
                    leaf,
                    high - (1 << 64) if high >> 63 else high,
                    _signed64(student)[0],  # lookup_key
                    None,
                ),
            )
        )
        self.size = i + 1
        return entry

    def sync(self, records: dict[uuid.UUID, RecordState]) -> None:
        """Enter the records issued by :meth:`add_issue` since the last call into ``records``."""
        for entry, h in self.fresh:
            records[entry.lookup_uuid] = RecordState(entry, h)
        self.fresh.clear()

    def flush(self) -> None:
        if self.entries:
            self.writer.append(self.entries, self.runs)


class Ledger:
    """Issuance ledger (*sổ phát hành học bạ số*): one append-only Merkle log per school.

    Every event — issue (*phát hành*), revocation request (*yêu cầu thu hồi*), revocation
    decision (*quyết định thu hồi*), reissue (*phát hành lại*) — is one entry of the school's
    log (an RFC 9162 Merkle tree) and is hash-chained to the previous event of the same record.
    The log holds no personal data (see :func:`student_key`).

    Args:
        store: where the logs live (:class:`SQLiteStore`, :class:`PostgresStore`, ...).
        origin_template: checkpoint origin for *new* logs; ``{school_code}`` is substituted.
            An existing log keeps the origin it was created with.

    Every method that records an event takes ``at`` (a timezone-aware time; default: now) so
    callers and tests control the clock. Times are logged in UTC, to the second.
    """

    def __init__(
        self, store: LedgerStore, *, origin_template: str = DEFAULT_ORIGIN_TEMPLATE
    ) -> None:
        self._store = store
        self._origin_template = origin_template

    @property
    def store(self) -> LedgerStore:
        """The underlying store."""
        return self._store

    def close(self) -> None:
        """Close the store."""
        self._store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- logs -----------------------------------------------------------------------------------

    def schools(self) -> list[str]:
        """School codes that have a log in the store."""
        return [info.school_code for info in self._store.logs()]

    def _log(self, school_code: str) -> LogInfo:
        info = self._store.log(check_school_code(school_code))
        if info is None:
            raise _unknown_log(school_code)
        return info

    def origin(self, school_code: str) -> str:
        """Checkpoint origin of the school's log (the template's value if it has no log yet)."""
        info = self._store.log(check_school_code(school_code))
        if info is not None:
            return info.origin
        return self._origin_template.format(school_code=school_code)

    def size(self, school_code: str) -> int:
        """Number of entries in the school's log (0 if it has none)."""
        info = self._store.log(check_school_code(school_code))
        return 0 if info is None else info.size

    def _read(self, log_id: int) -> NodeRead:
        store = self._store
        return _checked(lambda keys: store.read_nodes(log_id, keys))

    def root_hash(self, school_code: str, size: int | None = None) -> bytes:
        """RFC 9162 root hash of the first ``size`` entries (default: all) of the school's log."""
        info = self._log(school_code)
        size = info.size if size is None else size
        if not 0 <= size <= info.size:
            raise _size_error(size, info.size)
        if size == 0:
            return EMPTY_ROOT
        return hashes_for_ranges([(0, size)], self._read(info.log_id))[0]

    def entry(self, school_code: str, index: int) -> LedgerEntry:
        """The entry at ``index`` of the school's log."""
        info = self._log(school_code)
        rows = self._store.read_entries(info.log_id, index - 1, 1)
        if not 0 <= index < info.size or not rows or rows[0].idx != index:
            raise _size_error(index, info.size, what="index")
        return parse_entry(rows[0].leaf)

    # -- writing events -------------------------------------------------------------------------

    def issue(
        self,
        signed_bytes: bytes,
        *,
        lookup_uuid: uuid.UUID | str,
        school_code: str,
        student_key: bytes,
        replaces: uuid.UUID | str | None = None,
        at: datetime | None = None,
    ) -> LedgerEntry:
        """Log the issue (*phát hành*) of a signed record; a reissue when ``replaces`` is given.

        Logs SHA-256 of ``signed_bytes`` exactly as they are (sign first, then issue). Issuing
        the same bytes under the same UUID again returns the existing entry (idempotent).

        Raises:
            LedgerError: ``LEDGER-UUID-REUSED`` (different bytes, or a different school, student
                or replaced record, under an issued UUID), ``LEDGER-NOT-REVOKED``,
                ``LEDGER-ALREADY-REPLACED``, ``LEDGER-UNKNOWN-RECORD``,
                ``LEDGER-SCHOOL-MISMATCH`` (for a reissue).
            InputError: a malformed UUID, school code, key or time.
        """
        request = IssueRequest.for_record(
            signed_bytes, lookup_uuid=lookup_uuid, student_key=student_key, replaces=replaces
        )
        return self.issue_many(school_code, [request], at=at)[0]

    def issue_many(
        self, school_code: str, requests: Iterable[IssueRequest], *, at: datetime | None = None
    ) -> list[LedgerEntry]:
        """Issue a batch of records in ONE transaction: all are logged, or none.

        Returns one entry per request, in order (the existing entry for an idempotent repeat).
        A batch is much faster than single calls (one lock, one fsync). See :meth:`issue`.

        Raises:
            LedgerError: as :meth:`issue`; ``location`` names the failing request as
                ``requests[i]`` and nothing of the batch is logged.
        """
        school_code = check_school_code(school_code)
        moment = _now(at)
        reqs = list(requests)
        for i, r in enumerate(reqs):
            u, d, k = r.lookup_uuid, r.record_digest, r.student_key
            # the common case inline (a version-4 RFC 4122 UUID, two 32-byte values); anything
            # else goes through the full checks, which raise with the details
            if (
                type(u) is uuid.UUID
                and (u.int >> 62) & _UUID4_MASK == _UUID4_BITS
                and r.replaces is None
                and type(d) is bytes
                and len(d) == HASH_SIZE
                and type(k) is bytes
                and len(k) == HASH_SIZE
            ):
                continue
            where = f"requests[{i}]"
            check_uuid(u)
            if r.replaces is not None:
                check_uuid(r.replaces)
            _check_hash_arg(d, "record_digest", where)
            _check_hash_arg(k, "student_key", where)
        # Repeats are harmless here (the store looks up each key once) and a list spares
        # hashing every UUID in Python.
        wanted = [r.lookup_uuid for r in reqs] + [r.replaces for r in reqs if r.replaces]
        out: list[LedgerEntry] = []
        with self._store.writer(school_code, self.origin(school_code)) as w:
            ap = _Appender(w)
            ap.start_issues(school_code, moment)
            records = load_records(w.find_by_uuid(wanted))
            known = {u.int for u in records}  # the UUIDs in records and in ap.fresh
            for i, r in enumerate(reqs):
                x = r.lookup_uuid.int
                if r.replaces is None and x not in known:
                    known.add(x)
                    out.append(ap.add_issue(r))
                    continue
                ap.sync(records)
                try:
                    out.append(self._issue_one(ap, records, school_code, r, moment))
                    known.add(x)
                except LedgerError as exc:
                    where = f"requests[{i}] {exc.location or ''}".strip()
                    raise type(exc)(
                        exc.message_en, message_vi=exc.message_vi, code=exc.code, location=where
                    ) from exc
            ap.flush()
        return out

    @staticmethod
    def _issue_one(
        ap: _Appender,
        records: dict[uuid.UUID, RecordState],
        school_code: str,
        r: IssueRequest,
        moment: datetime,
    ) -> LedgerEntry:
        existing = records.get(r.lookup_uuid)
        if existing is not None:
            e = existing.issued
            if (e.school_code, e.record_digest, e.student_key, e.replaces) == (
                school_code,
                r.record_digest,
                r.student_key,
                r.replaces,
            ):
                return e  # the same record issued again: idempotent
            # otherwise apply_event refuses it (LEDGER-UUID-REUSED)
        prev = replaces_digest = None
        event = EventType.ISSUE
        if r.replaces is not None:
            old = records.get(r.replaces)
            if old is None:
                raise _unknown_record(r.replaces)
            event = EventType.REISSUE
            prev, replaces_digest = old.last_hash, old.issued.record_digest
        entry = LedgerEntry(
            school_code,
            ap.size,
            event,
            moment,
            r.lookup_uuid,
            r.record_digest,
            r.student_key,
            None,
            r.replaces,
            replaces_digest,
            prev,
        )
        return ap.add(entry, records)

    def _record_school(self, lookup_uuid: uuid.UUID) -> str:
        for row in self._store.find_by_uuid([lookup_uuid]):
            entry = parse_entry(row.leaf)
            if entry.lookup_uuid == lookup_uuid:
                return entry.school_code
        raise _unknown_record(lookup_uuid)

    def _revocation_event(
        self, lookup_uuid: uuid.UUID | str, decision: Decision | None, at: datetime | None
    ) -> LedgerEntry:
        u = check_uuid(lookup_uuid)
        moment = _now(at)
        school_code = self._record_school(u)
        with self._store.writer(school_code, self.origin(school_code)) as w:
            ap = _Appender(w)
            records = load_records(w.find_by_uuid([u]))
            rec = records.get(u)
            if rec is None:  # pragma: no cover - found just above, and entries are never deleted
                raise _unknown_record(u)
            entry = LedgerEntry(
                school_code=school_code,
                index=ap.size,
                event=EventType.REVOKE_REQUEST if decision is None else EventType.REVOKE_DECISION,
                time=moment,
                lookup_uuid=u,
                record_digest=rec.issued.record_digest,
                student_key=rec.issued.student_key,
                decision=decision,
                prev_hash=rec.last_hash,
            )
            ap.add(entry, records)
            ap.flush()
        return entry

    def request_revocation(
        self, lookup_uuid: uuid.UUID | str, *, at: datetime | None = None
    ) -> LedgerEntry:
        """Log a revocation request (*yêu cầu thu hồi*) for an issued, valid record.

        Raises:
            LedgerError: ``LEDGER-UNKNOWN-RECORD``, ``LEDGER-REVOKE-PENDING``,
                ``LEDGER-ALREADY-REVOKED``.
        """
        return self._revocation_event(lookup_uuid, None, at)

    def decide_revocation(
        self, lookup_uuid: uuid.UUID | str, *, approved: bool, at: datetime | None = None
    ) -> LedgerEntry:
        """Log the Sở/Bộ decision (*quyết định thu hồi*) on a pending revocation request.

        ``approved=True`` (đồng ý thu hồi) revokes the record, which may then be replaced by a
        reissue; ``approved=False`` (từ chối thu hồi) leaves it valid.

        Raises:
            LedgerError: ``LEDGER-UNKNOWN-RECORD``, ``LEDGER-NO-REVOKE-REQUEST``,
                ``LEDGER-ALREADY-REVOKED``.
        """
        decision = Decision.APPROVED if approved else Decision.REJECTED
        return self._revocation_event(lookup_uuid, decision, at)

    # -- finding entries ------------------------------------------------------------------------

    def history(self, lookup_uuid: uuid.UUID | str) -> list[LedgerEntry]:
        """Every event of the record's lineage — its predecessors and replacements — oldest first.

        The result passes :func:`verify_lineage` unless the store is damaged.
        """
        seen: set[uuid.UUID] = set()
        todo = {check_uuid(lookup_uuid)}
        rows: dict[tuple[int, int], StoredEntry] = {}
        while todo:
            seen |= todo
            found = self._store.find_by_uuid(sorted(todo))
            todo = set()
            for row in found:
                rows[(row.log_id, row.idx)] = row
                entry = parse_entry(row.leaf)
                for u in (entry.lookup_uuid, entry.replaces):
                    if u is not None and u not in seen:
                        todo.add(u)
        if not rows:
            raise _unknown_record(check_uuid(lookup_uuid))
        return [parse_entry(rows[k].leaf) for k in sorted(rows)]

    def find_student(self, student_key: bytes) -> list[LedgerEntry]:
        """Every entry, in every log of the store, for this student key (*tra cứu theo học sinh*).

        Compute the key with :func:`student_key` from the personal id and the issuer's secret.
        """
        _check_hash_arg(student_key, "student_key", "student_key")
        return [parse_entry(row.leaf) for row in self._store.find_by_student(student_key)]

    # -- checkpoints and proofs -----------------------------------------------------------------

    def checkpoint(
        self, school_code: str, signers: NoteSigner | Sequence[NoteSigner]
    ) -> Checkpoint:
        """Sign (*ký*) and store a checkpoint of the school's log at its current size.

        If a checkpoint of this size is already stored, the new signatures are added to it
        (a co-signature), so several keys can sign the same state.
        """
        signer_list = [signers] if isinstance(signers, NoteSigner) else list(signers)
        self._log(school_code)
        with self._store.writer(school_code, self.origin(school_code)) as w:
            size = w.info.size
            root = EMPTY_ROOT
            if size:
                root = hashes_for_ranges([(0, size)], _checked(w.read_nodes))[0]
            new = sign_checkpoint(w.info.origin, size, root, signer_list)
            old_note = w.checkpoint_at(size)
            if old_note is not None:
                try:
                    new = merge_signatures(parse_checkpoint(old_note), new)
                except LedgerIntegrityError:
                    raise _damaged(f"the stored checkpoint of size {size} is not valid") from None
            note = new.note
            w.put_checkpoint(size, note)
        return parse_checkpoint(note)

    def latest_checkpoint(self, school_code: str) -> Checkpoint | None:
        """The stored checkpoint of the largest size (not verified: call its ``verify``)."""
        got = self._store.latest_checkpoint(self._log(school_code).log_id)
        return None if got is None else parse_checkpoint(got[1])

    def inclusion_proof(
        self, school_code: str, index: int, *, tree_size: int | None = None
    ) -> InclusionProof:
        """Proof that entry ``index`` is in the school's log (*bằng chứng có trong sổ*).

        ``tree_size`` defaults to the latest stored checkpoint that covers the entry (and the
        proof then carries that signed checkpoint), else to the current size. Needs O(log n)
        node reads. The proof is verified before it is returned.
        """
        info = self._log(school_code)
        checkpoint = None
        if tree_size is None:
            latest = self._store.latest_checkpoint(info.log_id)
            if latest is not None and latest[0] > index:
                tree_size, checkpoint = latest
            else:
                tree_size = info.size
        else:
            if not 0 < tree_size <= info.size:
                raise _size_error(tree_size, info.size)
            checkpoint = self._store.checkpoint_at(info.log_id, tree_size)
        ranges = inclusion_ranges(index, tree_size)
        rows = self._store.read_entries(info.log_id, index - 1, 1)
        if not rows or rows[0].idx != index:
            raise _damaged(f"entry {index} is missing")
        *path, root = hashes_for_ranges([*ranges, (0, tree_size)], self._read(info.log_id))
        proof = InclusionProof(
            origin=info.origin,
            leaf_index=index,
            tree_size=tree_size,
            leaf=rows[0].leaf,
            path=tuple(path),
            root_hash=root,
            checkpoint=checkpoint,
        )
        try:
            verify_inclusion(leaf_hash(proof.leaf), index, tree_size, proof.path, root)
        except LedgerIntegrityError:
            raise _damaged(f"entry {index} does not match the stored tree") from None
        return proof

    def record_proof(
        self, lookup_uuid: uuid.UUID | str, *, tree_size: int | None = None
    ) -> InclusionProof:
        """Inclusion proof of the issue (or reissue) entry of a record, found by its UUID."""
        u = check_uuid(lookup_uuid)
        for row in self._store.find_by_uuid([u]):
            entry = parse_entry(row.leaf)
            if entry.lookup_uuid == u and entry.event in (EventType.ISSUE, EventType.REISSUE):
                return self.inclusion_proof(entry.school_code, entry.index, tree_size=tree_size)
        raise _unknown_record(u)

    def consistency_proof(
        self, school_code: str, size1: int, size2: int | None = None
    ) -> ConsistencyProof:
        """Proof that the log at ``size2`` (default: now) extends the log at ``size1``.

        Attaches the stored checkpoints of both sizes when they exist. O(log n) node reads.
        """
        info = self._log(school_code)
        size2 = info.size if size2 is None else size2
        if size2 > info.size:
            raise _size_error(size2, info.size)
        ranges = consistency_ranges(size1, size2)
        *path, root1, root2 = hashes_for_ranges(
            [*ranges, (0, size1), (0, size2)], self._read(info.log_id)
        )
        proof = ConsistencyProof(
            origin=info.origin,
            size1=size1,
            size2=size2,
            root1=root1,
            root2=root2,
            path=tuple(path),
            checkpoint1=self._store.checkpoint_at(info.log_id, size1),
            checkpoint2=self._store.checkpoint_at(info.log_id, size2),
        )
        try:
            verify_consistency(size1, size2, proof.path, root1, root2)
        except LedgerIntegrityError:
            raise _damaged("the stored tree is not consistent with itself") from None
        return proof

    # -- audit ----------------------------------------------------------------------------------

    def audit_report(
        self,
        school_code: str | None = None,
        *,
        verifiers: Sequence[NoteVerifier] = (),
        trusted: Sequence[Checkpoint] = (),
    ) -> list[AuditReport]:
        """Recompute every log (or one) from its entries and report every problem found.

        Args:
            school_code: audit only this school's log (default: every log in the store).
            verifiers: keys; every stored checkpoint must then be signed by one of them.
            trusted: checkpoints kept outside the database (e.g. by the Sở); each is checked
                against the log with its origin. They catch what a checkpoint stored in the
                same database cannot: a rewrite of the whole database.

        Raises:
            LedgerIntegrityError: a trusted checkpoint names a log that is not in the store
                (the whole log was removed). Problems inside logs are reported, not raised.
        """
        infos = self._store.logs() if school_code is None else [self._log(school_code)]
        origins = {info.origin for info in self._store.logs()}
        for cp in trusted:
            if cp.origin not in origins:
                raise LedgerIntegrityError(
                    f"a trusted checkpoint names log {cp.origin!r}, which is not in the store",
                    message_vi=f"Điểm kiểm tra được cung cấp thuộc sổ {cp.origin!r}, nhưng sổ "
                    "này không có trong cơ sở dữ liệu (cả sổ đã bị xóa?).",
                    code="LEDGER-LOG-MISSING",
                    location=cp.origin,
                )
        return [
            audit_log(
                self._store,
                info,
                verifiers=verifiers,
                trusted=[cp for cp in trusted if cp.origin == info.origin],
            )
            for info in infos
        ]

    def audit(
        self,
        school_code: str | None = None,
        *,
        verifiers: Sequence[NoteVerifier] = (),
        trusted: Sequence[Checkpoint] = (),
    ) -> list[AuditReport]:
        """Like :meth:`audit_report`, but raise on the first problem.

        Raises:
            LedgerIntegrityError: the first altered, deleted, inserted or reordered entry
                (``location`` = ``"<school code> entry <index>"``).
        """
        reports = self.audit_report(school_code, verifiers=verifiers, trusted=trusted)
        for report in reports:
            report.raise_for_problems()
        return reports


NodeRead = Callable[[Sequence[NodeKey]], Mapping[NodeKey, bytes]]


def _checked(read: NodeRead) -> NodeRead:
    """``read`` for :func:`hashes_for_ranges`, failing loudly when the store lacks a node."""

    def checked(keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        got = read(keys)
        if any(key not in got for key in keys):
            raise _damaged("tree nodes are missing")
        return got

    return checked


def _size_error(value: int, size: int, *, what: str = "tree size") -> InputError:
    return InputError(
        f"{what} {value} is out of range for a log of {size} entries",
        message_vi=f"Giá trị {value} vượt ngoài sổ hiện có {size} mục.",
        code="LEDGER-SIZE-RANGE",
    )
