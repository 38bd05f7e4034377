"""SQLite storage for the issuance ledger: one file, WAL, ``synchronous=FULL`` by default.

Internal module (unstable); :class:`SQLiteStore` is re-exported by :mod:`hocbaso.ledger`.

Durability: every write is one ``BEGIN IMMEDIATE … COMMIT`` transaction in WAL mode. With
``synchronous=FULL`` (the default) the WAL is fsync'ed at every commit, so once a write call
returns, the entries survive a process kill *and* a power cut. ``synchronous=NORMAL`` skips
that fsync: a killed process still loses nothing committed (the WAL is in the OS cache, which
survives the process), but a power cut may lose the last commits — never corrupt the file.
Batch appends (:meth:`hocbaso.ledger.Ledger.issue_many`) so that the fsync cost is shared.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from hocbaso.errors import ConfigurationError, LedgerError
from hocbaso.ledger._merkle import NodeKey
from hocbaso.ledger._store import (
    LOOKUP_CHUNK,
    SCHEMA_VERSION,
    TILE_WIDTH,
    LedgerStore,
    LogInfo,
    NewEntry,
    NodeRuns,
    StoredEntry,
    StoreWriter,
    keep_about,
    keep_student,
    lookup_key,
    node_from_tiles,
    pack_tiles,
    storage_error,
    unpack_tile,
    uuid_key,
)

__all__ = ["SQLiteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS logs (
    log_id INTEGER PRIMARY KEY,
    school_code TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS entries (
    log_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    leaf BLOB NOT NULL,
    uuid INTEGER NOT NULL,
    student INTEGER NOT NULL,
    replaces INTEGER,
    PRIMARY KEY (log_id, idx)
);
CREATE INDEX IF NOT EXISTS entries_uuid ON entries (uuid);
CREATE INDEX IF NOT EXISTS entries_student ON entries (student);
CREATE INDEX IF NOT EXISTS entries_replaces ON entries (replaces) WHERE replaces IS NOT NULL;
CREATE TABLE IF NOT EXISTS tiles (
    log_id INTEGER NOT NULL,
    level INTEGER NOT NULL,
    tile INTEGER NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (log_id, level, tile)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    log_id INTEGER NOT NULL,
    size INTEGER NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (log_id, size)
);
"""

_ENTRY_COLS = "log_id, idx, leaf, uuid, student, replaces"
_WAL_BYTES = 80 * 1024 * 1024  # default WAL size before a checkpoint


def _row_entry(row: Sequence[Any]) -> StoredEntry:
    return StoredEntry(row[0], row[1], bytes(row[2]), row[3], row[4], row[5])


class SQLiteStore(LedgerStore):
    """The embedded default store: one SQLite file (or ``":memory:"`` for tests).

    One object holds one connection: use one store per thread or process (several may open
    the same file; their writes are serialised by SQLite's write lock).

    Args:
        path: database file; ``":memory:"`` for a throw-away store.
        create: create the file and tables if missing; when ``False`` a missing file is a
            :class:`LedgerError` (``LEDGER-STORE-MISSING``) — use this for audits.
        synchronous: ``"FULL"`` (default; durable against power loss) or ``"NORMAL"``
            (durable against a killed process only; see the module docstring).
        timeout: seconds to wait for another writer's lock before failing.
        cache_mb: SQLite page cache of this connection, in MB. The lookup indexes take about
            50 MB per million entries; a cache that holds them keeps large batches fast.
        wal_autocheckpoint: WAL pages after which SQLite copies the WAL back into the
            database file; by default as many pages as make 80 MiB (1,280 of 64 KiB). Larger than
            SQLite's 1,000 pages so that index pages rewritten by consecutive batches are
            copied once (the WAL may grow to about that size).
        mmap_mb: how much of the database file SQLite reads through a memory map (address
            space, not memory), in MB; 0 turns it off. Reading index pages in place instead of
            copying them makes batched appends ~8 % faster at a million entries. The price,
            as SQLite documents it: a disk I/O error while reading the map stops the process
            with a signal instead of raising an error; committed data is safe either way.
        page_size: SQLite page size in bytes (a power of two, 512–65536) of a *new* database
            file; an existing file keeps the page size it was created with. Each batch rewrites
            the pages of the two random-key lookup indexes it touches; with large pages SQLite
            handles far fewer of them (the default, 65536, makes appends ~1.5× faster at a
            million entries than SQLite's own default of 4096; see docs/ledger.md).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        timeout: float = 30.0,
        cache_mb: int = 256,
        wal_autocheckpoint: int | None = None,
        mmap_mb: int = 1024,
        page_size: int = 65536,
    ) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ConfigurationError(
                f"synchronous must be 'FULL' or 'NORMAL', not {synchronous!r}",
                message_vi="Chế độ ghi đĩa (synchronous) chỉ được là FULL hoặc NORMAL.",
                code="LEDGER-SQLITE-SYNC",
            )
        if not isinstance(mmap_mb, int) or isinstance(mmap_mb, bool) or mmap_mb < 0:
            raise ConfigurationError(
                f"mmap_mb must be a whole number of megabytes >= 0, not {mmap_mb!r}",
                message_vi="Dung lượng ánh xạ bộ nhớ (mmap_mb) phải là số nguyên MB không âm.",
                code="LEDGER-SQLITE-MMAP",
            )
        if (
            not isinstance(page_size, int)
            or isinstance(page_size, bool)
            or not 512 <= page_size <= 65536
            or page_size & (page_size - 1)
        ):
            raise ConfigurationError(
                f"page_size must be a power of two from 512 to 65536, not {page_size!r}",
                message_vi="Kích thước trang (page_size) phải là lũy thừa của 2, từ 512 đến 65536.",
                code="LEDGER-SQLITE-PAGE",
            )
        self.path = str(path)
        self.node_reads = 0
        memory = self.path == ":memory:"
        if not memory and not create and not Path(self.path).is_file():
            raise LedgerError(
                f"ledger database {self.path} does not exist",
                message_vi=f"Không tìm thấy tệp sổ phát hành {self.path}.",
                code="LEDGER-STORE-MISSING",
                location=self.path,
            )
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise storage_error(exc, f"opening {self.path}") from exc
        with self._errors("opening the database"):
            # Only takes effect on a new, empty file (before WAL mode and the first table).
            self._conn.execute(f"PRAGMA page_size={page_size}")
            if not memory:
                mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":  # pragma: no cover - e.g. a read-only medium
                    raise LedgerError(
                        f"cannot switch {self.path} to WAL mode (got {mode})",
                        message_vi=f"Không bật được chế độ WAL cho tệp {self.path}.",
                        code="LEDGER-STORAGE",
                    )
            self._conn.execute(f"PRAGMA synchronous={synchronous}")
            self._conn.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
            if wal_autocheckpoint is None:
                page = int(self._conn.execute("PRAGMA page_size").fetchone()[0])
                wal_autocheckpoint = _WAL_BYTES // page
            self._conn.execute(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint)}")
            self._conn.execute(f"PRAGMA mmap_size={mmap_mb * 1024 * 1024}")
            self._init_schema(create)

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise storage_error(exc, what) from exc

    def _init_schema(self, create: bool) -> None:
        has_meta = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if not has_meta:
            if not create:
                raise LedgerError(
                    f"{self.path} is not a hocbaso ledger database",
                    message_vi=f"Tệp {self.path} không phải sổ phát hành học bạ số.",
                    code="LEDGER-STORE-FORMAT",
                    location=self.path,
                )
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        self._conn.execute(stmt)
                self._conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None or row[0] != str(SCHEMA_VERSION):
            raise LedgerError(
                f"{self.path} has ledger schema {row and row[0]}, expected {SCHEMA_VERSION}",
                message_vi=f"Tệp {self.path} dùng phiên bản cấu trúc sổ không được hỗ trợ.",
                code="LEDGER-STORE-FORMAT",
                location=self.path,
            )

    # -- reads ----------------------------------------------------------------------------------

    def logs(self) -> list[LogInfo]:
        """Every log in the store, by school code."""
        with self._errors("listing logs"):
            rows = self._conn.execute(
                "SELECT log_id, school_code, origin, size FROM logs ORDER BY school_code"
            ).fetchall()
        return [LogInfo(*row) for row in rows]

    def log(self, school_code: str) -> LogInfo | None:
        """The log of ``school_code``, or ``None``."""
        with self._errors("reading a log"):
            row = self._conn.execute(
                "SELECT log_id, school_code, origin, size FROM logs WHERE school_code=?",
                (school_code,),
            ).fetchone()
        return None if row is None else LogInfo(*row)

    def _read_tile(self, log_id: int, level: int, tile: int) -> bytes | None:
        row = self._conn.execute(
            "SELECT hashes FROM tiles WHERE log_id=? AND level=? AND tile=?", (log_id, level, tile)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def read_nodes(self, log_id: int, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Complete-subtree hashes: one indexed point read per distinct tile row."""
        with self._errors("reading tree nodes"):
            wanted = {(lv, i // TILE_WIDTH) for lv, i in keys}
            fetched = {key: self._read_tile(log_id, *key) for key in wanted}
        self.node_reads += len(fetched)
        out: dict[NodeKey, bytes] = {}
        for level, idx in keys:
            h = node_from_tiles(fetched, level, idx)
            if h is not None:
                out[(level, idx)] = h
        return out

    def read_entries(self, log_id: int, after: int, limit: int) -> list[StoredEntry]:
        """Up to ``limit`` entries with index > ``after``, by index."""
        with self._errors("reading entries"):
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLS} FROM entries WHERE log_id=? AND idx>? ORDER BY idx LIMIT ?",
                (log_id, after, limit),
            ).fetchall()
        return [_row_entry(r) for r in rows]

    def read_level(
        self, log_id: int, level: int, after: int, limit: int
    ) -> list[tuple[int, bytes]]:
        """Up to ``limit`` nodes of ``level`` with index > ``after``, by index."""
        with self._errors("reading tree nodes"):
            rows = self._conn.execute(
                "SELECT tile, hashes FROM tiles WHERE log_id=? AND level=? AND tile>=? "
                "ORDER BY tile LIMIT ?",
                (log_id, level, (after + 1) // TILE_WIDTH, limit // TILE_WIDTH + 2),
            ).fetchall()
        out = [n for t, blob in rows for n in unpack_tile(t, bytes(blob)) if n[0] > after]
        return out[:limit]

    def _where_in(self, column: str, keys: Iterable[int]) -> list[StoredEntry]:
        ordered = sorted(set(keys))
        rows: list[StoredEntry] = []
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            chunk = ordered[start : start + LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {_ENTRY_COLS} FROM entries WHERE {column} IN ({marks})"
            rows += [_row_entry(r) for r in self._conn.execute(sql, chunk)]
        return rows

    def find_by_uuid(self, uuids: Sequence[uuid.UUID]) -> list[StoredEntry]:
        """Entries, in any log, about these records (as ``lookup_uuid`` or ``replaces``)."""
        with self._errors("looking up records"):
            rows = keep_about(self._where_in("uuid", (uuid_key(u) for u in uuids)), uuids)
            # only a record that exists can have been replaced: look for those only
            if rows:
                replaced = self._where_in("replaces", {r.uuid_key for r in rows})
                rows += keep_about(replaced, uuids)
        unique = {(r.log_id, r.idx): r for r in rows}
        return [unique[k] for k in sorted(unique)]

    def find_by_student(self, student_key: bytes) -> list[StoredEntry]:
        """Entries, in any log, with this student key."""
        with self._errors("looking up a student"):
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLS} FROM entries WHERE student=? ORDER BY log_id, idx",
                (lookup_key(student_key),),
            ).fetchall()
        return keep_student([_row_entry(r) for r in rows], student_key)

    def checkpoints(self, log_id: int) -> list[tuple[int, str]]:
        """Stored ``(size, note)`` checkpoints of the log, by size."""
        with self._errors("reading checkpoints"):
            rows = self._conn.execute(
                "SELECT size, note FROM checkpoints WHERE log_id=? ORDER BY size", (log_id,)
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def checkpoint_at(self, log_id: int, size: int) -> str | None:
        """The stored checkpoint note for exactly ``size`` entries, if any."""
        with self._errors("reading a checkpoint"):
            row = self._conn.execute(
                "SELECT note FROM checkpoints WHERE log_id=? AND size=?", (log_id, size)
            ).fetchone()
        return None if row is None else str(row[0])

    def latest_checkpoint(self, log_id: int) -> tuple[int, str] | None:
        """The stored checkpoint with the largest size, if any."""
        with self._errors("reading a checkpoint"):
            row = self._conn.execute(
                "SELECT size, note FROM checkpoints WHERE log_id=? ORDER BY size DESC LIMIT 1",
                (log_id,),
            ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    # -- writes ---------------------------------------------------------------------------------

    @contextmanager
    def writer(self, school_code: str, origin: str) -> Iterator[StoreWriter]:
        """``BEGIN IMMEDIATE`` (the database write lock) … ``COMMIT``, or ``ROLLBACK``."""
        conn = self._conn
        with self._errors("starting a write"):
            conn.execute("BEGIN IMMEDIATE")
        try:
            with self._errors("locking the log"):
                row = conn.execute(
                    "SELECT log_id, school_code, origin, size FROM logs WHERE school_code=?",
                    (school_code,),
                ).fetchone()
                if row is None:
                    cur = conn.execute(
                        "INSERT INTO logs (school_code, origin, size) VALUES (?, ?, 0)",
                        (school_code, origin),
                    )
                    row = (cur.lastrowid, school_code, origin, 0)
            yield _SQLiteWriter(self, LogInfo(*row))
            with self._errors("committing"):
                conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the connection (a no-op when already closed)."""
        self._conn.close()


class _SQLiteWriter(StoreWriter):
    def __init__(self, store: SQLiteStore, info: LogInfo) -> None:
        self._store = store
        self._conn = store._conn
        self.info = info

    def read_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        return self._store.read_nodes(self.info.log_id, keys)

    def find_by_uuid(self, uuids: Sequence[uuid.UUID]) -> list[StoredEntry]:
        return self._store.find_by_uuid(uuids)

    def append(self, entries: Sequence[NewEntry], runs: NodeRuns) -> None:
        log_id = self.info.log_id
        with self._store._errors("appending entries"):
            # log_id is an int from the database, written as a literal to spare a tuple per row
            self._conn.executemany(
                "INSERT INTO entries (log_id, idx, leaf, uuid, student, replaces) "
                f"VALUES ({int(log_id)}, ?, ?, ?, ?, ?)",
                entries,
            )
            tiles = pack_tiles(runs, lambda lv, t: self._store._read_tile(log_id, lv, t))
            self._conn.executemany(
                "INSERT OR REPLACE INTO tiles (log_id, level, tile, hashes) "
                f"VALUES ({int(log_id)}, ?, ?, ?)",
                tiles,
            )
            size = self.info.size + len(entries)
            self._conn.execute("UPDATE logs SET size=? WHERE log_id=?", (size, log_id))
        self.info = LogInfo(log_id, self.info.school_code, self.info.origin, size)

    def put_checkpoint(self, size: int, note: str) -> None:
        with self._store._errors("storing a checkpoint"):
            self._conn.execute(
                "INSERT OR REPLACE INTO checkpoints (log_id, size, note) VALUES (?, ?, ?)",
                (self.info.log_id, size, note),
            )

    def checkpoint_at(self, size: int) -> str | None:
        return self._store.checkpoint_at(self.info.log_id, size)
