"""Fixtures for the ledger tests, including a real PostgreSQL server started for the session.

The server: ``initdb`` a throw-away cluster in a temporary directory, start it with ``pg_ctl``
on a free port listening on 127.0.0.1 only, create a database, hand out its DSN, then stop the
server and delete the directory. PostgreSQL refuses to run as root, so when the tests run as
root the directory is given to the ``postgres`` user and the binaries run through ``runuser``.

Only when no ``initdb`` binary exists are the PostgreSQL tests skipped (with the reason); when
the ``CI`` environment variable is set they fail instead, so CI cannot silently skip them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hocbaso.ledger import Ledger, LedgerStore, PostgresStore, SQLiteStore


def _find_initdb() -> str | None:
    found = shutil.which("initdb")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run(cmd: list[str], cwd: Path, *, check: bool = True) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """DSN of a database on a private PostgreSQL server running for this test session."""
    initdb = _find_initdb()
    if initdb is None:
        reason = (
            "no PostgreSQL server binary (initdb) on this machine; install the Debian package "
            "'postgresql' to run the PostgreSQL ledger tests"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so this may not be skipped: {reason}")
        pytest.skip(reason)
    bindir = Path(initdb).resolve().parent
    tmp = Path(tempfile.mkdtemp(prefix="hocbaso-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = tmp / "data"
    port = _free_port()
    pg_ctl = [*prefix, str(bindir / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        _run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            tmp,
        )
        options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1"
        _run(
            [*pg_ctl, "-l", str(tmp / "server.log"), "-w", "-t", "60", "-o", options, "start"], tmp
        )
        started = True
        admin = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE hocbaso_test")
        yield f"host=127.0.0.1 port={port} user=postgres dbname=hocbaso_test"
    finally:
        if started:
            _run([*pg_ctl, "-m", "fast", "-w", "stop"], tmp, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def pg_store(postgres_dsn: str) -> Iterator[PostgresStore]:
    """A PostgresStore in a fresh schema (dropped afterwards)."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    store = PostgresStore(postgres_dsn, schema=schema)
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE".encode())


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Path of a (not yet created) SQLite ledger file."""
    return tmp_path / "ledger.sqlite"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    """The same tests against both stores: a SQLite file and a real PostgreSQL server."""
    if request.param == "sqlite":
        with SQLiteStore(tmp_path / "ledger.sqlite") as s:
            yield s
    else:
        yield request.getfixturevalue("pg_store")


@pytest.fixture
def ledger(store: LedgerStore) -> Ledger:
    """A ledger over each store."""
    return Ledger(store)
