"""``kill -9`` of a real process in the middle of appends loses nothing acknowledged and never
leaves a broken log (SQLite store, WAL)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from hocbaso.errors import ConfigurationError
from hocbaso.ledger import IssueRequest, Ledger, SQLiteStore

from .ledger_helpers import SCHOOL, v4

HERE = Path(__file__).resolve().parent
BATCH = 500

CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    from ledger_helpers import SCHOOL, T0, request
    from hocbaso.ledger import Ledger, SQLiteStore

    ledger = Ledger(SQLiteStore(sys.argv[1], synchronous=sys.argv[2]))
    i = ledger.size(SCHOOL)
    while True:
        ledger.issue_many(SCHOOL, [request(k) for k in range(i, i + {batch})], at=T0)
        i += {batch}
        print(i, flush=True)  # acknowledged: the batch is committed
    """
).format(batch=BATCH)


def _run_and_kill(db: Path, synchronous: str, rng: random.Random) -> int:
    """Start a writer, wait for a few acknowledgements, SIGKILL it mid-write; last ack."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), synchronous, str(HERE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acked = 0
    try:
        for _ in range(rng.randint(2, 5)):
            line = proc.stdout.readline()
            if not line:
                assert proc.stderr is not None
                pytest.fail(f"writer died on its own: {proc.stderr.read()}")
            acked = int(line)
        time.sleep(rng.uniform(0, 0.03))  # land somewhere inside the next transaction
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return acked


@pytest.mark.parametrize("synchronous", ["FULL", "NORMAL"])
def test_kill_dash_nine_during_appends(tmp_path: Path, synchronous: str) -> None:
    db = tmp_path / "ledger.sqlite"
    rng = random.Random(f"kill-{synchronous}")
    acked = 0
    for _ in range(3):
        acked = _run_and_kill(db, synchronous, rng)
        with SQLiteStore(db, create=False) as store:
            ledger = Ledger(store)
            size = ledger.size(SCHOOL)
            assert size >= acked  # nothing acknowledged is lost
            assert size % BATCH == 0  # a batch is all or nothing
            report = ledger.audit(SCHOOL)[0]  # and the log verifies completely
            assert report.ok and report.entries_read == size
            for i in (0, acked - 1, size - 1):
                assert ledger.entry(SCHOOL, i).lookup_uuid == v4(i)
    assert acked >= 3 * 2 * BATCH - BATCH  # the three writers really appended


def test_store_is_wal_with_the_requested_sync(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    SQLiteStore(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    with SQLiteStore(db) as store:
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with SQLiteStore(db, synchronous="NORMAL") as store:
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1


def test_store_memory_map_is_configurable(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    with SQLiteStore(db) as store:  # on by default: 1 GiB of address space
        assert store._conn.execute("PRAGMA mmap_size").fetchone()[0] == 1024 * 1024 * 1024
    with SQLiteStore(db, mmap_mb=0) as store:
        assert store._conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
    for bad in (-1, 1.5, True, "64"):
        with pytest.raises(ConfigurationError) as info:
            SQLiteStore(db, mmap_mb=bad)  # type: ignore[arg-type]
        assert info.value.code == "LEDGER-SQLITE-MMAP"


def test_store_page_size_applies_to_new_files_only(tmp_path: Path) -> None:
    def page_size(store: SQLiteStore) -> int:
        return int(store._conn.execute("PRAGMA page_size").fetchone()[0])

    def wal_pages(store: SQLiteStore) -> int:
        return int(store._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])

    big, small = tmp_path / "big.sqlite", tmp_path / "small.sqlite"
    with SQLiteStore(big) as store:  # default: 64 KiB pages, an 80 MB WAL before a checkpoint
        assert page_size(store) == 65536
        assert wal_pages(store) == 80 * 1024 * 1024 // 65536
        Ledger(store).issue_many(
            "48491401", [IssueRequest(uuid.uuid4(), b"\x01" * 32, b"\x02" * 32)]
        )
    with SQLiteStore(small, page_size=4096) as store:
        assert page_size(store) == 4096
        assert wal_pages(store) == 80 * 1024 * 1024 // 4096
    # An existing file keeps its page size, whatever is asked; its entries stay readable.
    with SQLiteStore(big, page_size=4096) as store:
        assert page_size(store) == 65536
        assert Ledger(store).size("48491401") == 1
    with SQLiteStore(small, wal_autocheckpoint=1000) as store:
        assert page_size(store) == 4096
        assert wal_pages(store) == 1000
    for bad in (0, 256, 3000, 131072, True, 4096.0, "4096"):
        with pytest.raises(ConfigurationError) as info:
            SQLiteStore(tmp_path / "bad.sqlite", page_size=bad)  # type: ignore[arg-type]
        assert info.value.code == "LEDGER-SQLITE-PAGE"
    assert not (tmp_path / "bad.sqlite").exists()
