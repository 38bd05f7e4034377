"""Audit: recompute a stored log from its entries and name the first entry that was tampered with.

Internal module (unstable); :class:`AuditReport` and :class:`AuditFinding` are re-exported by
:mod:`hocbaso.ledger`.

What is checked, for one log, reading everything back from the store:

1. Entries in index order: the stored index is the position; the leaf parses, states that index
   and the school; the lookup columns match the leaf; its leaf hash equals the stored level-0
   node; the lineage rules hold (:func:`apply_event`); no entry beyond the stored size.
2. Every stored complete-subtree node equals the one recomputed from the leaves.
3. The stored size equals the number of entries.
4. Every checkpoint (stored, and any the caller holds) parses, names this log, does not claim
   more entries than there are, states the recomputed root hash, and — with verifier keys — is
   signed by one of them.

The first bad position is then classified by looking at what is there and what follows:
*deleted* (the genuine entry is missing), *reordered* (it appears later), *inserted* (an extra
entry before the genuine one, or beyond the logged size) or *altered* (anything else).
"Genuine" means the leaf hash equals the stored level-0 node of the index the leaf states.

Limit: someone who can write the database can also recompute the whole tree after a change;
only checkpoints signed before the change (kept outside the database, e.g. by the Sở) catch
that. ``unsigned_entries`` says how many entries no stored checkpoint covers yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hocbaso.errors import LedgerError, LedgerIntegrityError
from hocbaso.ledger._checkpoint import Checkpoint, NoteVerifier, parse_checkpoint
from hocbaso.ledger._entry import LedgerEntry, parse_entry
from hocbaso.ledger._lineage import RecordState, apply_event
from hocbaso.ledger._merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    fold_range,
    leaf_hash,
    node_hash,
    range_nodes,
)
from hocbaso.ledger._store import LedgerStore, LogInfo, StoredEntry, lookup_key

__all__ = ["AuditFinding", "AuditReport", "audit_log"]

_KIND_VI = {
    "altered": "đã bị sửa",
    "deleted": "đã bị xóa",
    "inserted": "là mục bị chèn thêm",
    "reordered": "bị đổi thứ tự",
}


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """One problem found by an audit (*kết quả kiểm tra sổ*).

    Attributes:
        index: first entry concerned (``None`` for a problem with a checkpoint only).
        kind: ``altered``, ``deleted``, ``inserted`` or ``reordered``.
        code: stable id, ``LEDGER-ENTRY-<KIND>`` or ``LEDGER-CHECKPOINT-INVALID``.
        message_en: what was found, for the developer.
        message_vi: what was found, for the school clerk.
    """

    index: int | None
    kind: str
    code: str
    message_en: str
    message_vi: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "index": self.index,
            "kind": self.kind,
            "code": self.code,
            "message_en": self.message_en,
            "message_vi": self.message_vi,
        }


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Outcome of auditing one school's log; ``ok`` when nothing was found.

    Attributes:
        school_code: the log audited.
        origin: its checkpoint origin.
        stored_size: the size the store records.
        entries_read: entries found in the store.
        root_hash: root hash recomputed from the entries (of all of them when ``ok``).
        checkpoints_checked: checkpoints compared with the recomputed tree.
        signatures_checked: whether checkpoint signatures were verified (keys were given).
        unsigned_entries: entries after the largest checkpoint (protected only by the database).
        findings: every problem, first entry first.
    """

    school_code: str
    origin: str
    stored_size: int
    entries_read: int
    root_hash: bytes
    checkpoints_checked: int
    signatures_checked: bool
    unsigned_entries: int
    findings: tuple[AuditFinding, ...]

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.findings

    @property
    def first(self) -> AuditFinding | None:
        """The problem at the lowest entry index, if any."""
        return self.findings[0] if self.findings else None

    def raise_for_problems(self) -> None:
        """Raise :class:`LedgerIntegrityError` for the first finding (do nothing when ``ok``)."""
        first = self.first
        if first is None:
            return
        where = (
            self.school_code if first.index is None else f"{self.school_code} entry {first.index}"
        )
        raise LedgerIntegrityError(
            first.message_en, message_vi=first.message_vi, code=first.code, location=where
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (hashes in base64, as in checkpoints)."""
        import base64

        return {
            "school_code": self.school_code,
            "origin": self.origin,
            "ok": self.ok,
            "stored_size": self.stored_size,
            "entries_read": self.entries_read,
            "root_hash": base64.b64encode(self.root_hash).decode("ascii"),
            "checkpoints_checked": self.checkpoints_checked,
            "signatures_checked": self.signatures_checked,
            "unsigned_entries": self.unsigned_entries,
            "first": None if self.first is None else self.first.to_json(),
            "findings": [f.to_json() for f in self.findings],
        }


def _entry_finding(school: str, index: int, kind: str, why_en: str, why_vi: str) -> AuditFinding:
    return AuditFinding(
        index=index,
        kind=kind,
        code=f"LEDGER-ENTRY-{kind.upper()}",
        message_en=f"entry {index} of the log of school {school} was {kind}: {why_en}",
        message_vi=f"Mục {index} trong sổ phát hành trường {school} {_KIND_VI[kind]}: {why_vi}.",
    )


def _checkpoint_finding(index: int | None, size: int, why_en: str, why_vi: str) -> AuditFinding:
    return AuditFinding(
        index=index,
        kind="altered",
        code="LEDGER-CHECKPOINT-INVALID" if index is None else "LEDGER-ENTRY-ALTERED",
        message_en=f"checkpoint of size {size}: {why_en}",
        message_vi=f"Điểm kiểm tra (checkpoint) kích thước {size}: {why_vi}.",
    )


class _Level0:
    """Stored level-0 nodes (leaf hashes), streamed in index order alongside the entries."""

    def __init__(self, store: LedgerStore, log_id: int) -> None:
        self._it: Iterator[tuple[int, bytes]] = store.iter_level(log_id, 0)
        self._cur: tuple[int, bytes] | None = next(self._it, None)

    def at(self, index: int) -> bytes | None:
        while self._cur is not None and self._cur[0] < index:
            self._cur = next(self._it, None)
        if self._cur is not None and self._cur[0] == index:
            return self._cur[1]
        return None


@dataclass(slots=True)
class _FirstBad:
    pos: int
    why_en: str
    why_vi: str
    claimed: int | None = None  # index the leaf at pos states, if it parses for this school
    genuine: bool = False  # that leaf's hash equals the stored level-0 node of ``claimed``
    present: bool = True  # a row exists at pos
    next_is_genuine_p: bool = False  # the row at pos+1 is the genuine entry pos
    later_has_genuine_p: bool = False  # some later row is the genuine entry pos
    structural: bool = True  # False: in place and matching the stored tree, only a rule broken

    def kind(self, stored_size: int) -> str:
        if not self.present:
            return "deleted"
        if self.pos >= stored_size:
            return "inserted"
        if self.genuine and self.claimed is not None:
            if self.claimed > self.pos:
                return "reordered" if self.later_has_genuine_p else "deleted"
            if self.claimed < self.pos:
                return "inserted"
            return "altered"
        return "inserted" if self.next_is_genuine_p else "altered"


def _claim(leaf: bytes, school: str) -> int | None:
    try:
        entry = parse_entry(leaf)
    except LedgerIntegrityError:
        return None
    return entry.index if entry.school_code == school else None


def _check_row(
    row: StoredEntry,
    pos: int,
    h: bytes,
    *,
    stored_h: bytes | None,
    info: LogInfo,
    records: dict[uuid.UUID, RecordState],
) -> tuple[str, str, bool] | None:
    """Why the row at ``pos`` is wrong, as (English, Vietnamese, structural), or ``None``.

    ``structural`` is False when the row is in place and matches the stored tree but breaks a
    lineage rule (the tree was then recomputed after the change).
    """
    if pos >= info.size:
        return (
            f"beyond the logged size {info.size}",
            f"nằm ngoài kích thước sổ {info.size}",
            True,
        )
    if row.idx != pos:
        return (
            f"position {pos} holds stored index {row.idx}",
            f"vị trí {pos} lại mang số thứ tự {row.idx}",
            True,
        )
    try:
        entry: LedgerEntry = parse_entry(row.leaf)
    except LedgerIntegrityError as exc:
        return (exc.message_en, exc.message_vi, True)
    if entry.index != pos or entry.school_code != info.school_code:
        return (
            f"the entry states school {entry.school_code} index {entry.index}",
            f"nội dung ghi trường {entry.school_code}, mục số {entry.index}",
            True,
        )
    if (row.uuid_key, row.student_key, row.replaces_key) != (
        lookup_key(entry.lookup_uuid.bytes),
        lookup_key(entry.student_key),
        lookup_key(entry.replaces.bytes) if entry.replaces else None,
    ):
        return (
            "the lookup columns do not match the entry",
            "các cột tra cứu không khớp nội dung mục",
            True,
        )
    if stored_h != h:
        return (
            "its hash does not match the stored Merkle tree",
            "giá trị băm không khớp cây Merkle đã lưu",
            True,
        )
    try:
        apply_event(records, entry, h)
    except LedgerError as exc:
        return (exc.message_en, exc.message_vi, False)
    return None


def audit_log(
    store: LedgerStore,
    info: LogInfo,
    *,
    verifiers: Sequence[NoteVerifier] = (),
    trusted: Sequence[Checkpoint] = (),
) -> AuditReport:
    """Audit one log (see the module docstring); never raises for what it finds.

    Args:
        store: the store holding the log.
        info: the log (from :meth:`LedgerStore.log`).
        verifiers: keys that checkpoints must be signed by (none: signatures not checked).
        trusted: checkpoints the caller kept outside the store, checked like stored ones.
    """
    school = info.school_code
    level0 = _Level0(store, info.log_id)
    leaves = bytearray()
    records: dict[uuid.UUID, RecordState] = {}
    bad: _FirstBad | None = None
    genuine_bad_pos: bytes | None = None
    pos = 0
    for row in store.iter_entries(info.log_id):
        h = leaf_hash(row.leaf)
        leaves += h
        if bad is None:
            why = _check_row(row, pos, h, stored_h=level0.at(pos), info=info, records=records)
            if why is not None:
                bad = _FirstBad(pos, why[0], why[1], structural=why[2])
                bad.claimed = _claim(row.leaf, school)
                if bad.claimed is not None:
                    node = store.read_nodes(info.log_id, [(0, bad.claimed)])
                    bad.genuine = node.get((0, bad.claimed)) == h
                genuine_bad_pos = store.read_nodes(info.log_id, [(0, pos)]).get((0, pos))
        elif (
            genuine_bad_pos is not None
            and h == genuine_bad_pos
            and _claim(row.leaf, school) == bad.pos
        ):
            bad.later_has_genuine_p = True
            if pos == bad.pos + 1:
                bad.next_is_genuine_p = True
        pos += 1
    entries_read = pos
    if bad is None and entries_read < info.size:
        bad = _FirstBad(entries_read, "missing at the end of the log", "bị thiếu ở cuối sổ")
        bad.present = False

    findings: list[AuditFinding] = []
    # leading entries in place whose hashes match the stored tree (the tree is checked over them)
    matched = entries_read if bad is None or not bad.structural else bad.pos
    if bad is not None:
        findings.append(
            _entry_finding(school, bad.pos, bad.kind(info.size), bad.why_en, bad.why_vi)
        )

    levels = _recompute_levels(leaves)
    findings += _check_nodes(store, info, levels, matched)
    checked, cp_findings, largest = _check_checkpoints(
        store,
        info,
        levels,
        matched=matched,
        entries_read=entries_read,
        verifiers=verifiers,
        trusted=trusted,
    )
    findings += cp_findings
    unique = {(f.index, f.kind): f for f in reversed(findings)}  # first of each (index, kind)
    findings = sorted(unique.values(), key=lambda f: (f.index is None, f.index or 0))
    root = _root(levels, entries_read) if entries_read else EMPTY_ROOT
    return AuditReport(
        school_code=school,
        origin=info.origin,
        stored_size=info.size,
        entries_read=entries_read,
        root_hash=root,
        checkpoints_checked=checked,
        signatures_checked=bool(verifiers),
        unsigned_entries=max(info.size - largest, 0),
        findings=tuple(findings),
    )


def _recompute_levels(leaves: bytearray) -> list[bytearray]:
    """Level k holds the hashes of the n >> k complete subtrees of 2^k leaves, packed."""
    levels = [leaves]
    while len(levels[-1]) >= 2 * HASH_SIZE:
        below = levels[-1]
        above = bytearray()
        for j in range(len(below) // (2 * HASH_SIZE)):
            a = 2 * j * HASH_SIZE
            above += node_hash(
                bytes(below[a : a + HASH_SIZE]), bytes(below[a + HASH_SIZE : a + 2 * HASH_SIZE])
            )
        levels.append(above)
    return levels


def _node(levels: list[bytearray], level: int, idx: int) -> bytes:
    return bytes(levels[level][idx * HASH_SIZE : (idx + 1) * HASH_SIZE])


def _root(levels: list[bytearray], size: int) -> bytes:
    return fold_range([_node(levels, lv, i) for lv, i in range_nodes(0, size)])


def _check_nodes(
    store: LedgerStore, info: LogInfo, levels: list[bytearray], good: int
) -> list[AuditFinding]:
    """Stored nodes against the recomputed ones, over the leading ``good`` entries.

    Nodes over later entries are not compared: the first bad entry is already reported and
    every node above it is expected to differ. When all entries are good, a node beyond the
    logged size is reported as an insertion.
    """
    school = info.school_code
    findings: list[AuditFinding] = []
    for level in range(max(info.size, good).bit_length() + 1):
        want = good >> level  # nodes made only of good entries
        expect = 0
        for idx, h in store.iter_level(info.log_id, level):
            if idx >= want:
                if good == info.size and idx >= info.size >> level:
                    findings.append(
                        _entry_finding(
                            school,
                            info.size,
                            "inserted",
                            f"the tree has a node over entries {idx << level}.. beyond the log",
                            f"cây có nút cho các mục từ {idx << level}, vượt ngoài sổ",
                        )
                    )
                break
            if idx != expect or h != _node(levels, level, idx):
                break
            expect += 1
        if expect < want:
            first = expect << level
            last = first + (1 << level) - 1
            findings.append(
                _entry_finding(
                    school,
                    first,
                    "altered",
                    f"the stored tree node over entries {first}..{last} is missing or differs",
                    f"nút cây đã lưu cho các mục {first}..{last} bị thiếu hoặc không khớp",
                )
            )
    return findings


def _check_checkpoints(
    store: LedgerStore,
    info: LogInfo,
    levels: list[bytearray],
    *,
    matched: int,
    entries_read: int,
    verifiers: Sequence[NoteVerifier],
    trusted: Sequence[Checkpoint],
) -> tuple[int, list[AuditFinding], int]:
    notes = [(size, note, False) for size, note in store.checkpoints(info.log_id)]
    notes += [(cp.size, cp.note, True) for cp in trusted]
    notes.sort(key=lambda t: t[0])
    findings: list[AuditFinding] = []
    checked = 0
    largest = 0
    last_match = 0
    for stored_size, note, external in notes:
        try:
            cp = parse_checkpoint(note)
        except LedgerIntegrityError as exc:
            findings.append(_checkpoint_finding(None, stored_size, exc.message_en, exc.message_vi))
            continue
        if not external:
            largest = max(largest, cp.size)
        if cp.origin != info.origin or (not external and cp.size != stored_size):
            findings.append(
                _checkpoint_finding(
                    None,
                    cp.size,
                    f"names log {cp.origin!r} size {cp.size}",
                    f"ghi tên sổ {cp.origin!r}, kích thước {cp.size}",
                )
            )
            continue
        if verifiers:
            errors = []
            for verifier in verifiers:
                try:
                    cp.verify(verifier)
                    break
                except LedgerIntegrityError as exc:
                    errors.append(exc)
            else:
                findings.append(
                    _checkpoint_finding(
                        None,
                        cp.size,
                        "not signed by any of the given keys",
                        "không có chữ ký hợp lệ của khóa nào được cung cấp",
                    )
                )
                continue
        checked += 1
        if cp.size > matched:
            if matched == entries_read:
                findings.append(
                    _entry_finding(
                        info.school_code,
                        entries_read,
                        "deleted",
                        f"a checkpoint covers {cp.size} entries but only {entries_read} remain",
                        f"điểm kiểm tra ghi {cp.size} mục nhưng sổ chỉ còn {entries_read} mục",
                    )
                )
            continue
        root = _root(levels, cp.size) if cp.size else EMPTY_ROOT
        if root != cp.root_hash:
            findings.append(
                _checkpoint_finding(
                    last_match,
                    cp.size,
                    f"its root hash differs from the entries: an entry from {last_match} to "
                    f"{cp.size - 1} was changed and the tree recomputed",
                    f"giá trị băm gốc không khớp: một mục từ {last_match} đến {cp.size - 1} "
                    "đã bị sửa và cây được tính lại",
                )
            )
        else:
            last_match = cp.size
    return checked, findings, largest
