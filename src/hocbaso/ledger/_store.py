"""The storage interface of the issuance ledger: a small abstract class, two implementations.

Internal module (unstable); :class:`LedgerStore` and friends are re-exported by
:mod:`hocbaso.ledger`.

A store keeps, per log (one per issuer / school code):

* ``entries``: the exact leaf bytes by index, plus three lookup columns copied from the leaf
  (record UUID, student key, replaced UUID) so a record's or a student's events are found with
  an index instead of a scan;
* ``tiles``: the hash of every *complete* subtree ``(level, index)`` (level 0 = leaf hashes),
  packed :data:`TILE_WIDTH` to a row: row ``(level, tile)`` holds the hashes of nodes
  ``tile·16 … tile·16+15`` of that level, concatenated (the right-most row of a level may be
  shorter and grows as the log grows). A node never changes once written, so any inclusion or
  consistency proof, for any past tree size, needs O(log n) point reads; packing 16 to a row
  makes appends cheaper (one row per 16 nodes instead of one per node);
* ``checkpoints``: the signed checkpoints issued so far.

The store holds no Merkle or lineage logic: :class:`hocbaso.ledger.Ledger` computes every leaf
and node and hands them over in one :meth:`StoreWriter.append` call, inside a transaction that
holds the log's write lock, so a store only has to be atomic and durable.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import NamedTuple, Self

from hocbaso.errors import LedgerError, LedgerIntegrityError
from hocbaso.ledger._merkle import HASH_SIZE, NodeKey

__all__ = [
    "LedgerStore",
    "LogInfo",
    "NewEntry",
    "NodeRuns",
    "StoreWriter",
    "StoredEntry",
    "keep_about",
    "keep_student",
    "lookup_key",
    "node_from_tiles",
    "pack_tiles",
    "storage_error",
    "unpack_tile",
    "uuid_key",
]

SCHEMA_VERSION = 1
"""Version of the table layout; stored in the database and checked on open."""

LOOKUP_CHUNK = 500
"""Most keys sent in one ``IN (...)`` lookup."""

TILE_WIDTH = 16
"""Node hashes per stored row of the ``tiles`` table."""


@dataclass(frozen=True, slots=True)
class LogInfo:
    """One issuer's log as stored.

    Attributes:
        log_id: the store's internal number for the log.
        school_code: the issuer (*mã trường*).
        origin: the checkpoint origin line, fixed when the log is created.
        size: number of entries the store says the log has.
    """

    log_id: int
    school_code: str
    origin: str
    size: int


def lookup_key(value: bytes) -> int:
    """Index key of a UUID (16 bytes) or student key (32 bytes): its first 8 bytes as a signed
    big-endian 64-bit integer.

    Integer keys keep the lookup indexes small and fast; the rare false match is removed by
    comparing the full value written in the leaf (:func:`keep_about`, :func:`keep_student`).
    """
    return int.from_bytes(value[:8], "big", signed=True)


def uuid_key(value: uuid.UUID) -> int:
    """:func:`lookup_key` of a UUID's 16 bytes (computed from its integer, which is faster)."""
    high = value.int >> 64
    return high - (1 << 64) if high >> 63 else high


class StoredEntry(NamedTuple):
    """One stored entry row: leaf bytes plus the lookup keys as stored (not re-derived)."""

    log_id: int
    idx: int
    leaf: bytes
    uuid_key: int
    student_key: int
    replaces_key: int | None


class NewEntry(NamedTuple):
    """An entry to append (built by the ledger, never by callers): index, leaf, lookup keys."""

    idx: int
    leaf: bytes
    uuid_key: int
    student_key: int
    replaces_key: int | None


NodeRuns = Mapping[int, tuple[int, Sequence[bytes]]]
"""New complete-subtree hashes per level: ``level -> (index of the first, hashes in order)``."""


class StoreWriter(ABC):
    """Operations allowed inside one write transaction on one log (the log is locked)."""

    info: LogInfo
    """The log as it was when the lock was taken."""

    @abstractmethod
    def read_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Hashes of the given complete subtrees (missing keys are absent from the result)."""

    @abstractmethod
    def find_by_uuid(self, uuids: Sequence[uuid.UUID]) -> list[StoredEntry]:
        """Entries, in any log, about these records (as ``lookup_uuid`` or ``replaces``)."""

    @abstractmethod
    def append(self, entries: Sequence[NewEntry], runs: NodeRuns) -> None:
        """Add entries and the new complete-subtree nodes (:data:`NodeRuns`); grow size."""

    @abstractmethod
    def put_checkpoint(self, size: int, note: str) -> None:
        """Store (or replace, for the same size) the signed checkpoint note of ``size``."""

    @abstractmethod
    def checkpoint_at(self, size: int) -> str | None:
        """The stored checkpoint note for exactly ``size`` entries, if any."""


class LedgerStore(ABC):
    """Where the issuance logs live: SQLite (embedded default) or PostgreSQL, same behaviour.

    Implementations must make :meth:`writer` a transaction that serialises writers of the same
    log and is atomic and durable when it returns: a crash never loses an acknowledged append
    and never leaves half of one. Reads outside a writer may run concurrently with it.
    Every database error is raised as :class:`hocbaso.errors.LedgerError`.

    ``node_reads`` counts the database rows read by :meth:`read_nodes` (to show that proofs
    cost O(log n) reads).
    """

    node_reads: int = 0

    @abstractmethod
    def logs(self) -> list[LogInfo]:
        """Every log in the store, by school code."""

    @abstractmethod
    def log(self, school_code: str) -> LogInfo | None:
        """The log of ``school_code``, or ``None``."""

    @abstractmethod
    def writer(self, school_code: str, origin: str) -> AbstractContextManager[StoreWriter]:
        """Lock the log of ``school_code`` (created with ``origin`` if new) for one transaction.

        Leaving the ``with`` block normally commits; an exception rolls everything back.
        """

    @abstractmethod
    def read_nodes(self, log_id: int, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Hashes of the given complete subtrees (missing keys are absent from the result)."""

    @abstractmethod
    def read_entries(self, log_id: int, after: int, limit: int) -> list[StoredEntry]:
        """Up to ``limit`` entries with index > ``after``, by index (keyset pagination)."""

    @abstractmethod
    def read_level(
        self, log_id: int, level: int, after: int, limit: int
    ) -> list[tuple[int, bytes]]:
        """Up to ``limit`` ``(index, hash)`` nodes of ``level`` with index > ``after``, by index."""

    @abstractmethod
    def find_by_uuid(self, uuids: Sequence[uuid.UUID]) -> list[StoredEntry]:
        """Entries, in any log, about these records (as ``lookup_uuid`` or ``replaces``)."""

    @abstractmethod
    def find_by_student(self, student_key: bytes) -> list[StoredEntry]:
        """Entries, in any log, with this student key."""

    @abstractmethod
    def checkpoints(self, log_id: int) -> list[tuple[int, str]]:
        """Stored ``(size, note)`` checkpoints of the log, by size."""

    @abstractmethod
    def checkpoint_at(self, log_id: int, size: int) -> str | None:
        """The stored checkpoint note for exactly ``size`` entries, if any."""

    @abstractmethod
    def latest_checkpoint(self, log_id: int) -> tuple[int, str] | None:
        """The stored ``(size, note)`` checkpoint with the largest size, if any."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def iter_entries(self, log_id: int, *, page: int = 10_000) -> Iterator[StoredEntry]:
        """All stored entries of a log in index order, read page by page."""
        after = -1
        while True:
            rows = self.read_entries(log_id, after, page)
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].idx

    def iter_level(
        self, log_id: int, level: int, *, page: int = 50_000
    ) -> Iterator[tuple[int, bytes]]:
        """All stored nodes of one level in index order, read page by page."""
        after = -1
        while True:
            rows = self.read_level(log_id, level, after, page)
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1][0]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def pack_tiles(
    runs: NodeRuns, read_tile: Callable[[int, int], bytes | None]
) -> list[tuple[int, int, bytes]]:
    """Rows ``(level, tile, hashes)`` to write for new nodes given as :data:`NodeRuns`.

    When a level's first new node is not at the start of its tile, the stored (partial) row is
    read with ``read_tile(level, tile)`` and extended.
    """
    rows = []
    row_bytes = TILE_WIDTH * HASH_SIZE
    for level, (start, hashes) in runs.items():
        if not hashes:
            continue
        tile, offset = divmod(start, TILE_WIDTH)
        prefix = b""
        if offset:
            prefix = read_tile(level, tile) or b""
            if len(prefix) != offset * HASH_SIZE:
                raise LedgerIntegrityError(
                    f"stored tree row ({level}, {tile}) has {len(prefix)} bytes, "
                    f"expected {offset * HASH_SIZE}; run `hocbaso ledger audit`",
                    message_vi="Sổ phát hành bị hỏng (cây Merkle đã lưu không khớp). "
                    "Hãy chạy `hocbaso ledger audit` và báo cho quản trị.",
                    code="LEDGER-STORE-DAMAGED",
                )
        blob = prefix + b"".join(hashes)
        rows += [
            (level, tile + k, blob[at : at + row_bytes])
            for k, at in enumerate(range(0, len(blob), row_bytes))
        ]
    return rows


def unpack_tile(tile: int, blob: bytes) -> Iterator[tuple[int, bytes]]:
    """``(index, hash)`` of each whole hash in a stored row."""
    for j in range(len(blob) // HASH_SIZE):
        yield tile * TILE_WIDTH + j, blob[j * HASH_SIZE : (j + 1) * HASH_SIZE]


def node_from_tiles(
    tiles: Mapping[tuple[int, int], bytes | None], level: int, idx: int
) -> bytes | None:
    """The hash of node ``(level, idx)`` from fetched rows, or ``None``."""
    blob = tiles.get((level, idx // TILE_WIDTH))
    start = (idx % TILE_WIDTH) * HASH_SIZE
    if blob is None or len(blob) < start + HASH_SIZE:
        return None
    return blob[start : start + HASH_SIZE]


def keep_about(rows: Iterable[StoredEntry], uuids: Iterable[uuid.UUID]) -> list[StoredEntry]:
    """The rows whose leaf really names one of ``uuids`` as its record or replaced record."""
    rows = list(rows)
    if not rows:
        return []
    wanted: dict[int, list[bytes]] = {}
    for u in uuids:
        wanted.setdefault(lookup_key(u.bytes), []).append(str(u).encode("ascii"))
    out = []
    for row in rows:
        texts = [b"\nuuid %s\n" % t for t in wanted.get(row.uuid_key, ())]
        if row.replaces_key is not None:
            texts += [b"\nreplaces %s\n" % t for t in wanted.get(row.replaces_key, ())]
        if any(t in row.leaf for t in texts):
            out.append(row)
    return out


def keep_student(rows: Iterable[StoredEntry], student_key: bytes) -> list[StoredEntry]:
    """The rows whose leaf really holds this student key."""
    text = b"\nstudent %s\n" % student_key.hex().encode("ascii")
    return [row for row in rows if text in row.leaf]


def storage_error(exc: BaseException, what: str) -> LedgerError:
    """A :class:`LedgerError` for a database failure (the driver's exception is the cause)."""
    return LedgerError(
        f"ledger database error while {what}: {exc}",
        message_vi=(
            "Lỗi cơ sở dữ liệu của sổ phát hành (kiểm tra đường dẫn, quyền ghi, dung lượng "
            f"đĩa hoặc kết nối): {exc}"
        ),
        code="LEDGER-STORAGE",
    )
