"""PostgreSQL storage for the issuance ledger (psycopg 3; the ``postgres`` extra).

Internal module (unstable); :class:`PostgresStore` is re-exported by :mod:`hocbaso.ledger`.

Same tables and behaviour as :class:`~hocbaso.ledger.SQLiteStore`, in one PostgreSQL schema
(default ``hocbaso_ledger``). A write is one transaction that first takes ``SELECT … FOR
UPDATE`` on the log's row, so writers of one log are serialised while other schools' logs are
written in parallel. Durability is PostgreSQL's: a committed transaction survives a crash with
the server defaults (``fsync=on``, ``synchronous_commit=on``). Bulk appends use ``COPY``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hocbaso.errors import ConfigurationError
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

if TYPE_CHECKING:  # pragma: no cover - typing only
    import psycopg

__all__ = ["PostgresStore"]

_SCHEMA_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")

_DDL = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.logs (
    log_id SERIAL PRIMARY KEY,
    school_code TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    size BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS {s}.entries (
    log_id INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    leaf BYTEA NOT NULL,
    uuid BIGINT NOT NULL,
    student BIGINT NOT NULL,
    replaces BIGINT,
    PRIMARY KEY (log_id, idx)
);
CREATE INDEX IF NOT EXISTS entries_uuid ON {s}.entries (uuid);
CREATE INDEX IF NOT EXISTS entries_student ON {s}.entries (student);
CREATE INDEX IF NOT EXISTS entries_replaces ON {s}.entries (replaces) WHERE replaces IS NOT NULL;
CREATE TABLE IF NOT EXISTS {s}.tiles (
    log_id INTEGER NOT NULL,
    level SMALLINT NOT NULL,
    tile BIGINT NOT NULL,
    hashes BYTEA NOT NULL,
    PRIMARY KEY (log_id, level, tile)
);
CREATE TABLE IF NOT EXISTS {s}.checkpoints (
    log_id INTEGER NOT NULL,
    size BIGINT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (log_id, size)
);
INSERT INTO {s}.meta (key, value) VALUES ('schema_version', '{v}') ON CONFLICT DO NOTHING
"""

_ENTRY_COLS = "log_id, idx, leaf, uuid, student, replaces"


def _row_entry(row: Sequence[Any]) -> StoredEntry:
    return StoredEntry(row[0], row[1], bytes(row[2]), row[3], row[4], row[5])


class PostgresStore(LedgerStore):
    """Ledger store in a PostgreSQL database, for Sở or Ministry scale.

    Args:
        dsn: libpq connection string or URL (``postgresql://user@host:5432/db``).
        schema: PostgreSQL schema holding the tables (created if missing); lower-case
            letters, digits and ``_``.

    Needs the ``postgres`` extra (``pip install 'hocbaso[postgres]'``): psycopg 3.
    ``dsn`` and ``schema`` stay readable as attributes.
    """

    def __init__(self, dsn: str, *, schema: str = "hocbaso_ledger") -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is installed for the tests
            raise ConfigurationError(
                "PostgresStore needs psycopg 3: pip install 'hocbaso[postgres]'",
                message_vi="Cần cài gói psycopg 3: pip install 'hocbaso[postgres]'.",
                code="LEDGER-POSTGRES-MISSING",
            ) from exc
        if not _SCHEMA_NAME_RE.fullmatch(schema):
            raise ConfigurationError(
                f"schema name {schema!r} must be lower-case letters, digits and '_'",
                message_vi=f"Tên schema {schema!r} chỉ gồm chữ thường, chữ số và '_'.",
                code="LEDGER-POSTGRES-SCHEMA",
            )
        self._psycopg = psycopg
        self._s = schema  # validated above, so safe to put in SQL text
        self.dsn = dsn
        self.schema = schema
        self.node_reads = 0
        try:
            self._conn: psycopg.Connection[Any] = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            raise storage_error(exc, "connecting to PostgreSQL") from exc
        with self._errors("creating the tables"), self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('hocbaso_ledger_ddl'))")
            for stmt in _DDL.format(s=schema, v=SCHEMA_VERSION).split(";"):
                if stmt.strip():
                    self._conn.execute(stmt.encode())
            row = self._conn.execute(
                f"SELECT value FROM {schema}.meta WHERE key='schema_version'"
            ).fetchone()
        if row is None or row[0] != str(SCHEMA_VERSION):
            raise ConfigurationError(
                f"schema {schema} has ledger version {row and row[0]}, expected {SCHEMA_VERSION}",
                message_vi=f"Schema {schema} dùng phiên bản cấu trúc sổ không được hỗ trợ.",
                code="LEDGER-STORE-FORMAT",
            )

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except self._psycopg.Error as exc:
            raise storage_error(exc, what) from exc

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql.replace("{s}", self._s).encode(), params).fetchall()

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(sql.replace("{s}", self._s).encode(), params)

    # -- reads ----------------------------------------------------------------------------------

    def logs(self) -> list[LogInfo]:
        """Every log in the store, by school code."""
        with self._errors("listing logs"):
            rows = self._q("SELECT log_id, school_code, origin, size FROM {s}.logs ORDER BY 2")
        return [LogInfo(*row) for row in rows]

    def log(self, school_code: str) -> LogInfo | None:
        """The log of ``school_code``, or ``None``."""
        with self._errors("reading a log"):
            rows = self._q(
                "SELECT log_id, school_code, origin, size FROM {s}.logs WHERE school_code=%s",
                (school_code,),
            )
        return LogInfo(*rows[0]) if rows else None

    def read_nodes(self, log_id: int, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Hashes of the given complete subtrees: the distinct tile rows, in one query."""
        wanted = sorted({(lv, i // TILE_WIDTH) for lv, i in keys})
        if not wanted:
            return {}
        with self._errors("reading tree nodes"):
            rows = self._q(
                "SELECT t.level, t.tile, t.hashes FROM {s}.tiles t "
                "JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, tile) "
                "ON t.level = k.level AND t.tile = k.tile WHERE t.log_id = %s",
                ([k[0] for k in wanted], [k[1] for k in wanted], log_id),
            )
        self.node_reads += len(wanted)
        fetched = {(r[0], r[1]): bytes(r[2]) for r in rows}
        out: dict[NodeKey, bytes] = {}
        for level, idx in keys:
            h = node_from_tiles(fetched, level, idx)
            if h is not None:
                out[(level, idx)] = h
        return out

    def _read_tile(self, log_id: int, level: int, tile: int) -> bytes | None:
        rows = self._q(
            "SELECT hashes FROM {s}.tiles WHERE log_id=%s AND level=%s AND tile=%s",
            (log_id, level, tile),
        )
        return bytes(rows[0][0]) if rows else None

    def read_entries(self, log_id: int, after: int, limit: int) -> list[StoredEntry]:
        """Up to ``limit`` entries with index > ``after``, by index."""
        with self._errors("reading entries"):
            rows = self._q(
                f"SELECT {_ENTRY_COLS} FROM {{s}}.entries WHERE log_id=%s AND idx>%s "
                "ORDER BY idx LIMIT %s",
                (log_id, after, limit),
            )
        return [_row_entry(r) for r in rows]

    def read_level(
        self, log_id: int, level: int, after: int, limit: int
    ) -> list[tuple[int, bytes]]:
        """Up to ``limit`` nodes of ``level`` with index > ``after``, by index."""
        with self._errors("reading tree nodes"):
            rows = self._q(
                "SELECT tile, hashes FROM {s}.tiles WHERE log_id=%s AND level=%s AND tile>=%s "
                "ORDER BY tile LIMIT %s",
                (log_id, level, (after + 1) // TILE_WIDTH, limit // TILE_WIDTH + 2),
            )
        out = [n for t, blob in rows for n in unpack_tile(t, bytes(blob)) if n[0] > after]
        return out[:limit]

    def _where_in(self, column: str, keys: Iterable[int]) -> list[StoredEntry]:
        ordered = sorted(set(keys))
        rows: list[StoredEntry] = []
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            chunk = ordered[start : start + LOOKUP_CHUNK]
            sql = f"SELECT {_ENTRY_COLS} FROM {{s}}.entries WHERE {column} = ANY(%s::bigint[])"
            rows += [_row_entry(r) for r in self._q(sql, (chunk,))]
        return rows

    def find_by_uuid(self, uuids: Sequence[uuid.UUID]) -> list[StoredEntry]:
        """Entries, in any log, about these records (as ``lookup_uuid`` or ``replaces``)."""
        with self._errors("looking up records"):
            rows = keep_about(self._where_in("uuid", (uuid_key(u) for u in uuids)), uuids)
            if rows:  # only a record that exists can have been replaced
                replaced = self._where_in("replaces", {r.uuid_key for r in rows})
                rows += keep_about(replaced, uuids)
        unique = {(r.log_id, r.idx): r for r in rows}
        return [unique[k] for k in sorted(unique)]

    def find_by_student(self, student_key: bytes) -> list[StoredEntry]:
        """Entries, in any log, with this student key."""
        with self._errors("looking up a student"):
            rows = self._q(
                f"SELECT {_ENTRY_COLS} FROM {{s}}.entries WHERE student=%s ORDER BY log_id, idx",
                (lookup_key(student_key),),
            )
        return keep_student([_row_entry(r) for r in rows], student_key)

    def checkpoints(self, log_id: int) -> list[tuple[int, str]]:
        """Stored ``(size, note)`` checkpoints of the log, by size."""
        with self._errors("reading checkpoints"):
            rows = self._q(
                "SELECT size, note FROM {s}.checkpoints WHERE log_id=%s ORDER BY size", (log_id,)
            )
        return [(int(r[0]), str(r[1])) for r in rows]

    def checkpoint_at(self, log_id: int, size: int) -> str | None:
        """The stored checkpoint note for exactly ``size`` entries, if any."""
        with self._errors("reading a checkpoint"):
            rows = self._q(
                "SELECT note FROM {s}.checkpoints WHERE log_id=%s AND size=%s", (log_id, size)
            )
        return str(rows[0][0]) if rows else None

    def latest_checkpoint(self, log_id: int) -> tuple[int, str] | None:
        """The stored checkpoint with the largest size, if any."""
        with self._errors("reading a checkpoint"):
            rows = self._q(
                "SELECT size, note FROM {s}.checkpoints WHERE log_id=%s ORDER BY size DESC LIMIT 1",
                (log_id,),
            )
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    # -- writes ---------------------------------------------------------------------------------

    @contextmanager
    def writer(self, school_code: str, origin: str) -> Iterator[StoreWriter]:
        """One transaction holding ``SELECT … FOR UPDATE`` on the log's row."""
        with self._errors("writing"), self._conn.transaction():
            self._exec(
                "INSERT INTO {s}.logs (school_code, origin, size) VALUES (%s, %s, 0) "
                "ON CONFLICT (school_code) DO NOTHING",
                (school_code, origin),
            )
            rows = self._q(
                "SELECT log_id, school_code, origin, size FROM {s}.logs "
                "WHERE school_code=%s FOR UPDATE",
                (school_code,),
            )
            yield _PostgresWriter(self, LogInfo(*rows[0]))

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class _PostgresWriter(StoreWriter):
    def __init__(self, store: PostgresStore, info: LogInfo) -> None:
        self._store = store
        self.info = info

    def read_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        return self._store.read_nodes(self.info.log_id, keys)

    def find_by_uuid(self, uuids: Sequence[uuid.UUID]) -> list[StoredEntry]:
        return self._store.find_by_uuid(uuids)

    def append(self, entries: Sequence[NewEntry], runs: NodeRuns) -> None:
        store = self._store
        s = store._s
        log_id = self.info.log_id
        with store._errors("appending entries"), store._conn.cursor() as cur:
            copy_entries = f"COPY {s}.entries ({_ENTRY_COLS}) FROM STDIN"
            with cur.copy(copy_entries.encode()) as copy:
                for e in entries:
                    copy.write_row((log_id, *e))
            tiles = pack_tiles(runs, lambda lv, t: store._read_tile(log_id, lv, t))
            cur.executemany(
                f"INSERT INTO {s}.tiles (log_id, level, tile, hashes) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (log_id, level, tile) DO UPDATE SET hashes = EXCLUDED.hashes".encode(),
                [(log_id, *t) for t in tiles],
            )
            size = self.info.size + len(entries)
            store._exec("UPDATE {s}.logs SET size=%s WHERE log_id=%s", (size, log_id))
        self.info = LogInfo(log_id, self.info.school_code, self.info.origin, size)

    def put_checkpoint(self, size: int, note: str) -> None:
        with self._store._errors("storing a checkpoint"):
            self._store._exec(
                "INSERT INTO {s}.checkpoints (log_id, size, note) VALUES (%s, %s, %s) "
                "ON CONFLICT (log_id, size) DO UPDATE SET note = EXCLUDED.note",
                (self.info.log_id, size, note),
            )

    def checkpoint_at(self, size: int) -> str | None:
        return self._store.checkpoint_at(self.info.log_id, size)
