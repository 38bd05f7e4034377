"""Audit: tamper with the database directly and check the first bad entry is named correctly."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from hocbaso.errors import LedgerIntegrityError
from hocbaso.ledger import (
    AuditReport,
    Ed25519NoteSigner,
    Ledger,
    LedgerStore,
    PostgresStore,
    SQLiteStore,
    leaf_hash,
    node_hash,
)

from .ledger_helpers import SCHOOL, T0, issue_n, record, skey, v4

N = 20
SIGNER = Ed25519NoteSigner.generate(f"hocbaso-ledger/{SCHOOL}")


def _build(store: LedgerStore, *, checkpoints: tuple[int, ...] = ()) -> None:
    """20 entries: 16 issues, then revoke request, decision and reissue of record 2, one issue."""
    ledger = Ledger(store)
    issue_n(ledger, 16)
    if 16 in checkpoints:
        ledger.checkpoint(SCHOOL, SIGNER)
    ledger.request_revocation(v4(2), at=T0 + timedelta(days=1))
    ledger.decide_revocation(v4(2), approved=True, at=T0 + timedelta(days=2))
    ledger.issue(record(2, "r"), lookup_uuid=v4(2, "r"), school_code=SCHOOL, student_key=skey(2),
                 replaces=v4(2), at=T0 + timedelta(days=3))  # fmt: skip
    ledger.issue(record(30), lookup_uuid=v4(30), school_code=SCHOOL, student_key=skey(30), at=T0)
    if N in checkpoints:
        ledger.checkpoint(SCHOOL, SIGNER)
    assert ledger.size(SCHOOL) == N


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    with SQLiteStore(path) as store:
        _build(store)
    return path


def _key(value: bytes) -> int:
    """The stores' integer lookup key (first 8 bytes, signed big-endian)."""
    return int.from_bytes(value[:8], "big", signed=True)


def _sql(path: Path, *statements: tuple[str, tuple[object, ...]]) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for sql, params in statements:
            conn.execute(sql, params)
    conn.close()


def _leaf(path: Path, idx: int) -> bytes:
    conn = sqlite3.connect(path)
    row = conn.execute("SELECT leaf FROM entries WHERE idx=?", (idx,)).fetchone()
    conn.close()
    return bytes(row[0])


def _audit(path: Path, **kw: object) -> AuditReport:
    with SQLiteStore(path, create=False) as store:
        return Ledger(store).audit_report(SCHOOL, **kw)[0]  # type: ignore[arg-type]


def _first(report: AuditReport) -> tuple[int | None, str]:
    assert not report.ok
    assert report.first is not None
    return report.first.index, report.first.kind


def test_untouched_log_audits_clean(db: Path) -> None:
    report = _audit(db)
    assert report.ok and report.entries_read == N and report.first is None


def test_altered_leaf(db: Path) -> None:
    changed = _leaf(db, 7).replace(b"time 2024", b"time 2023")
    _sql(db, ("UPDATE entries SET leaf=? WHERE idx=7", (changed,)))
    assert _first(_audit(db)) == (7, "altered")


def test_altered_leaf_still_well_formed(db: Path) -> None:
    leaf = _leaf(db, 11)
    digest = leaf.split(b"digest ")[1][:64]
    forged = leaf.replace(digest, b"0" * 64)
    _sql(db, ("UPDATE entries SET leaf=? WHERE idx=11", (forged,)))
    report = _audit(db)
    assert _first(report) == (11, "altered")
    assert report.first is not None and report.first.code == "LEDGER-ENTRY-ALTERED"
    assert "Mục 11" in report.first.message_vi


def test_garbage_leaf(db: Path) -> None:
    _sql(db, ("UPDATE entries SET leaf=? WHERE idx=0", (b"\xff\x00garbage",)))
    assert _first(_audit(db)) == (0, "altered")


def test_deleted_entry(db: Path) -> None:
    _sql(db, ("DELETE FROM entries WHERE idx=9", ()))
    report = _audit(db)
    assert _first(report) == (9, "deleted")
    assert report.first is not None and report.first.code == "LEDGER-ENTRY-DELETED"


def test_deleted_entry_and_renumbered(db: Path) -> None:
    _sql(
        db,
        ("DELETE FROM entries WHERE idx=9", ()),
        ("UPDATE entries SET idx = idx + 1000 WHERE idx > 9", ()),
        ("UPDATE entries SET idx = idx - 1001 WHERE idx > 1000", ()),
        ("UPDATE logs SET size = size - 1", ()),
    )
    assert _first(_audit(db)) == (9, "deleted")


def test_deleted_last_entry(db: Path) -> None:
    _sql(db, ("DELETE FROM entries WHERE idx=?", (N - 1,)))
    assert _first(_audit(db)) == (N - 1, "deleted")


def test_truncated_tail_is_caught_by_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with SQLiteStore(path) as store:
        _build(store, checkpoints=(N,))
    _sql(
        path,
        ("DELETE FROM entries WHERE idx >= 18", ()),
        ("UPDATE logs SET size = 18", ()),
    )
    _recompute_nodes(path)
    assert _first(_audit(path)) == (18, "deleted")


def test_truncation_without_any_checkpoint_needs_an_outside_one(tmp_path: Path) -> None:
    """The documented limit: a consistent truncation of an unsigned tail looks like a shorter log;
    a checkpoint kept outside the database (by the Sở, a witness) catches it."""
    path = tmp_path / "l.sqlite"
    with SQLiteStore(path) as store:
        _build(store, checkpoints=(N,))
        kept = Ledger(store).latest_checkpoint(SCHOOL)
    assert kept is not None
    _sql(
        path,
        ("DELETE FROM checkpoints", ()),
        ("DELETE FROM entries WHERE idx >= 18", ()),
        ("UPDATE logs SET size = 18", ()),
    )
    _recompute_nodes(path)
    assert _audit(path).ok
    assert _first(_audit(path, trusted=[kept])) == (18, "deleted")


def test_inserted_entry_in_the_middle(db: Path) -> None:
    leaf = _leaf(db, 5)
    fake = leaf.replace(leaf.split(b"digest ")[1][:64], b"f" * 64)  # well formed, claims index 5
    _sql(
        db,
        ("UPDATE entries SET idx = idx + 1000 WHERE idx >= 5", ()),
        ("UPDATE entries SET idx = idx - 999 WHERE idx >= 1000", ()),
        (
            "INSERT INTO entries (log_id, idx, leaf, uuid, student, replaces) "
            "SELECT log_id, 5, ?, uuid, student, replaces FROM entries WHERE idx = 6",
            (fake,),
        ),
        ("UPDATE logs SET size = size + 1", ()),
    )
    assert _first(_audit(db)) == (5, "inserted")


def test_inserted_copy_at_the_end(db: Path) -> None:
    _sql(
        db,
        (
            "INSERT INTO entries (log_id, idx, leaf, uuid, student, replaces) "
            "SELECT log_id, ?, leaf, uuid, student, replaces FROM entries WHERE idx = 2",
            (N,),
        ),
    )
    assert _first(_audit(db)) == (N, "inserted")


def test_inserted_well_formed_entry_at_the_end(db: Path) -> None:
    forged = (
        _leaf(db, 3)
        .replace(b"index 3\n", f"index {N}\n".encode())
        .replace(str(v4(3)).encode(), str(v4(99)).encode())
    )
    _sql(
        db,
        (
            "INSERT INTO entries (log_id, idx, leaf, uuid, student, replaces) "
            "SELECT log_id, ?, ?, ?, student, NULL FROM entries WHERE idx = 3",
            (N, forged, _key(v4(99).bytes)),
        ),
    )
    _set_node(db, 0, N, leaf_hash(forged))
    assert _first(_audit(db)) == (N, "inserted")


@pytest.mark.parametrize(("a", "b"), [(3, 9), (5, 6), (0, N - 1)])
def test_swapped_rows(db: Path, a: int, b: int) -> None:
    _sql(
        db,
        ("UPDATE entries SET idx = -1 WHERE idx = ?", (a,)),
        ("UPDATE entries SET idx = ? WHERE idx = ?", (a, b)),
        ("UPDATE entries SET idx = ? WHERE idx = -1", (b,)),
    )
    report = _audit(db)
    assert _first(report) == (a, "reordered")
    assert report.first is not None and report.first.code == "LEDGER-ENTRY-REORDERED"


def test_swapped_leaf_contents(db: Path) -> None:
    leaf4, leaf12 = _leaf(db, 4), _leaf(db, 12)
    _sql(
        db,
        ("UPDATE entries SET leaf=? WHERE idx=4", (leaf12,)),
        ("UPDATE entries SET leaf=? WHERE idx=12", (leaf4,)),
    )
    assert _first(_audit(db)) == (4, "reordered")


def test_moved_far_away(db: Path) -> None:
    _sql(db, ("UPDATE entries SET idx = 5000 WHERE idx = 8", ()))
    assert _first(_audit(db)) == (8, "reordered")


def test_altered_lookup_column(db: Path) -> None:
    _sql(db, ("UPDATE entries SET uuid=? WHERE idx=4", (_key(v4(77).bytes),)))
    assert _first(_audit(db)) == (4, "altered")


def test_altered_tree_node(db: Path) -> None:
    _set_node(db, 2, 1, b"\x00" * 32)
    report = _audit(db)
    assert _first(report) == (4, "altered")  # the node over entries 4..7
    assert report.first is not None and "4..7" in report.first.message_en


def test_missing_tree_nodes(db: Path) -> None:
    # level 1 has 10 nodes in tile 0; keep only the first 5: node (1, 5) over entries 10..11 is gone
    _sql(db, ("UPDATE tiles SET hashes = substr(hashes, 1, 160) WHERE level=1 AND tile=0", ()))
    assert _first(_audit(db)) == (10, "altered")
    _sql(db, ("DELETE FROM tiles WHERE level=2", ()))
    assert _first(_audit(db)) == (0, "altered")


def _recompute_nodes(path: Path) -> None:
    """What an attacker with write access does: rebuild every node from the (changed) leaves."""
    conn = sqlite3.connect(path)
    leaves = [bytes(r[0]) for r in conn.execute("SELECT leaf FROM entries ORDER BY idx")]
    rows = []
    level_hashes = [leaf_hash(x) for x in leaves]
    level = 0
    while level_hashes:
        rows += [(1, level, i, h) for i, h in enumerate(level_hashes)]
        level_hashes = [
            node_hash(level_hashes[2 * i], level_hashes[2 * i + 1])
            for i in range(len(level_hashes) // 2)
        ]
        level += 1
    tiles: dict[tuple[int, int], bytes] = {}
    for _, level, i, h in rows:
        tiles[(level, i // 16)] = tiles.get((level, i // 16), b"") + h
    with conn:
        conn.execute("DELETE FROM tiles")
        conn.executemany(
            "INSERT INTO tiles VALUES (1, ?, ?, ?)", [(lv, t, b) for (lv, t), b in tiles.items()]
        )
    conn.close()


def _set_node(path: Path, level: int, idx: int, value: bytes) -> None:
    """Overwrite (or append) one node hash in its tile row (16 hashes per row)."""
    conn = sqlite3.connect(path)
    row = conn.execute(
        "SELECT hashes FROM tiles WHERE level=? AND tile=?", (level, idx // 16)
    ).fetchone()
    blob = bytearray(row[0] if row else b"")
    start = (idx % 16) * 32
    assert len(blob) >= start
    blob[start : start + 32] = value
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO tiles VALUES (1, ?, ?, ?)", (level, idx // 16, bytes(blob))
        )
    conn.close()


def test_rewrite_with_recomputed_tree_is_caught_by_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with SQLiteStore(path) as store:
        _build(store, checkpoints=(16, N))
    leaf = _leaf(path, 17)  # the approving decision
    _sql(
        path, ("UPDATE entries SET leaf=? WHERE idx=17", (leaf.replace(b"approved", b"rejected"),))
    )
    _recompute_nodes(path)
    report = _audit(path)
    # entries before 16 still match the first checkpoint: the change is in 16..19
    assert _first(report) == (16, "altered")
    assert report.first is not None and "16 to 19" in report.first.message_en
    # and the lineage no longer holds: entry 18 replaces a record that is not revoked
    assert [(f.index, f.kind) for f in report.findings] == [(16, "altered"), (18, "altered")]
    assert "not revoked" in report.findings[1].message_en


def test_lineage_break_with_consistent_tree(db: Path) -> None:
    leaf = _leaf(db, 16)  # the revocation request of record 2
    prev = leaf.split(b"prev ")[1][:64]
    _sql(db, ("UPDATE entries SET leaf=? WHERE idx=16", (leaf.replace(prev, b"0" * 64),)))
    _recompute_nodes(db)
    report = _audit(db)
    assert _first(report) == (16, "altered")
    assert report.first is not None and "hash chain" in report.first.message_en


def test_forged_checkpoint_signature(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with SQLiteStore(path) as store:
        _build(store, checkpoints=(N,))
    other = Ed25519NoteSigner.generate(SIGNER.name)
    assert _audit(path, verifiers=[SIGNER.verifier()]).ok
    report = _audit(path, verifiers=[other.verifier()])
    assert not report.ok and report.first is not None
    assert report.first.code == "LEDGER-CHECKPOINT-INVALID"
    assert not _audit(path).signatures_checked


def test_audit_raises_with_location(db: Path) -> None:
    _sql(db, ("DELETE FROM entries WHERE idx=3", ()))
    with SQLiteStore(db, create=False) as store, pytest.raises(LedgerIntegrityError) as info:
        Ledger(store).audit()
    assert info.value.code == "LEDGER-ENTRY-DELETED"
    assert info.value.location == f"{SCHOOL} entry 3"


def test_audit_refuses_a_missing_or_foreign_file(tmp_path: Path) -> None:
    from hocbaso.errors import LedgerError

    with pytest.raises(LedgerError) as info:
        SQLiteStore(tmp_path / "nope.sqlite", create=False)
    assert info.value.code == "LEDGER-STORE-MISSING"
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(LedgerError) as info:
        SQLiteStore(other, create=False)
    assert info.value.code == "LEDGER-STORE-FORMAT"
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LedgerError) as info:
        SQLiteStore(junk, create=False)
    assert info.value.code == "LEDGER-STORAGE"


# -- the same audit on PostgreSQL ----------------------------------------------------------------

PgTamper = Callable[[PostgresStore], None]


def _pg(store: PostgresStore, sql: str, params: tuple[object, ...] = ()) -> None:
    store._exec(sql, params)


def _swap_2_and_3(store: PostgresStore) -> None:
    _pg(store, "UPDATE {s}.entries SET idx = -1 WHERE idx = 2")
    _pg(store, "UPDATE {s}.entries SET idx = 2 WHERE idx = 3")
    _pg(store, "UPDATE {s}.entries SET idx = 3 WHERE idx = -1")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (lambda s: _pg(s, "UPDATE {s}.entries SET leaf = leaf || 'x'::bytea WHERE idx = 6"),
         (6, "altered")),
        (lambda s: _pg(s, "DELETE FROM {s}.entries WHERE idx = 13"), (13, "deleted")),
        (_swap_2_and_3, (2, "reordered")),
    ],
)  # fmt: skip
def test_postgres_tampering_is_caught(
    pg_store: PostgresStore, tamper: PgTamper, expected: tuple[int, str]
) -> None:
    _build(pg_store)
    assert Ledger(pg_store).audit_report()[0].ok
    tamper(pg_store)
    assert _first(Ledger(pg_store).audit_report()[0]) == expected


def test_a_damaged_tree_is_reported_not_crashed_on(db: Path) -> None:
    _sql(db, ("DELETE FROM tiles WHERE level=2", ()))
    with SQLiteStore(db, create=False) as store:
        ledger = Ledger(store)
        for action in (
            lambda: ledger.inclusion_proof(SCHOOL, 3),
            lambda: ledger.consistency_proof(SCHOOL, 5),
            lambda: ledger.root_hash(SCHOOL),
            lambda: ledger.checkpoint(SCHOOL, SIGNER),
            lambda: issue_n(ledger, 1, salt="after"),
        ):
            with pytest.raises(LedgerIntegrityError) as info:
                action()
            assert info.value.code == "LEDGER-STORE-DAMAGED"


def test_a_tampered_leaf_is_not_proved(db: Path) -> None:
    _sql(db, ("UPDATE entries SET leaf=? WHERE idx=7", (_leaf(db, 7).replace(b"2024", b"2025"),)))
    with SQLiteStore(db, create=False) as store, pytest.raises(LedgerIntegrityError) as info:
        Ledger(store).inclusion_proof(SCHOOL, 7)
    assert info.value.code == "LEDGER-STORE-DAMAGED"
