"""Checks across the records of a batch, in one pass, with bounded memory.

The pilot's worst data problem was *mã định danh trùng nhau*: one personal id number used for
two different children, the same child submitted twice, a child on the rolls of two schools
in the same year. :class:`BatchChecker` finds these over millions of records in one pass.

Memory stays bounded: nothing is kept per record in Python. An SQLite index in a temporary
file (page cache capped) holds, per record, only **keyed hashes** (BLAKE2b with a random key
made for the run, so the file cannot be searched for a known id number) of the personal id,
of name + birth date and of the student code, plus the school code, the school year, and a
reference (source, lookup UUID) to report the first record of each pair. The file is deleted
when the checker is closed.

A duplicate is reported on the later record of a pair, naming the earlier one in
``related``: one pass cannot know the future, and the first record is not wrong by itself.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import unicodedata
from pathlib import Path
from types import TracebackType

from hocbaso._xml._parse import DEFAULT_MAX_BYTES
from hocbaso.errors import ConfigurationError
from hocbaso.models import Record
from hocbaso.report import BatchSummary, Problem, Report, Severity, SummaryBuilder
from hocbaso.rules._context import ROOT
from hocbaso.rules._engine import BatchKeys, Engine, check_record, examine
from hocbaso.rules._registry import Finding, Rule, RuleSet, Selection, SeverityMap, rule

__all__ = ["BatchChecker"]

ERROR, WARNING = Severity.ERROR, Severity.WARNING
_GENERAL = f"{ROOT}/DU_LIEU_HOC_BA/THONG_TIN_CHUNG"
_CLAUSE = "CV 2088/BGDĐT-GDTH §II.1.4–1.5 (một học bạ cho một học sinh, một năm học)"


def _declared(id_: str, severity: Severity, clause: str, title_vi: str, title_en: str) -> None:
    @rule(
        id_,
        severity=severity,
        clause=clause,
        sets=("batch",),
        title_vi=title_vi,
        title_en=title_en,
    )
    def _never_called(ctx: object) -> list[Finding]:  # pragma: no cover - batch rule
        return []


_declared(
    "BATCH-ID-001",
    ERROR,
    "NĐ 137/2015/NĐ-CP Điều 13 (mỗi công dân một số định danh); spec §7.1",
    "Một số định danh cá nhân chỉ thuộc về một học sinh: không dùng cho hai học sinh khác họ tên "
    "hoặc ngày sinh (mã định danh trùng nhau).",
    "A personal id number belongs to one student: it is not used for two students with "
    "different names or dates of birth (shared id).",
)
_declared(
    "BATCH-DUP-001",
    ERROR,
    _CLAUSE,
    "Một học sinh chỉ có một học bạ cho một năm học ở một trường: không nộp hai lần trong cùng "
    "lô (cùng số định danh, năm học, mã trường).",
    "One record per student, school year and school: the same student is not submitted twice "
    "in a batch (same personal id, school year, school code).",
)
_declared(
    "BATCH-SCHOOL-001",
    ERROR,
    _CLAUSE,
    "Một học sinh không có học bạ ở hai trường trong cùng một năm học (chuyển trường: chỉ "
    "trường mới phát hành, quá trình học tập ghi cả hai).",
    "A student does not have records from two schools for the same school year (a transfer: "
    "only the new school issues; the study history lists both).",
)
_declared(
    "BATCH-UUID-001",
    ERROR,
    "CV 2088/BGDĐT-GDTH §II.1.4 (MA_TRA_CUU_UUID không dùng lại)",
    "Mỗi học bạ có mã tra cứu (UUID) riêng: hai học bạ trong lô không cùng MA_TRA_CUU_UUID.",
    "Each record has its own lookup UUID: no two records of a batch share MA_TRA_CUU_UUID.",
)
_declared(
    "BATCH-MHS-001",
    ERROR,
    "CSDL ngành GDĐT (mã học sinh duy nhất; spec §7.2)",
    "Một mã học sinh chỉ thuộc về một người: không dùng cho hai số định danh cá nhân khác nhau.",
    "A student code belongs to one person: it is not used with two different personal ids.",
)

_SCHEMA = """
CREATE TABLE ref(id INTEGER PRIMARY KEY, source TEXT, uuid TEXT);
CREATE TABLE person(pid BLOB PRIMARY KEY, who BLOB NOT NULL, ref INTEGER) WITHOUT ROWID;
CREATE TABLE enrol(pid BLOB, year INTEGER, school TEXT, ref INTEGER,
                   PRIMARY KEY(pid, year, school)) WITHOUT ROWID;
CREATE TABLE lookup(uuid BLOB PRIMARY KEY, ref INTEGER) WITHOUT ROWID;
CREATE TABLE code(code BLOB PRIMARY KEY, pid BLOB NOT NULL, ref INTEGER) WITHOUT ROWID;
"""

_COMMIT_EVERY = 20_000


def _norm_name(name: str) -> bytes:
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold().encode("utf-8")


class BatchChecker:
    """Business rules on every record plus the batch rules across records, in one pass.

    Use as a context manager; feed records (or bytes) in any order; each call returns that
    record's report, batch problems included::

        with BatchChecker() as checker:
            for path in paths:
                report = checker.check_bytes(path.read_bytes(), source=str(path))
            summary = checker.summary()

    Args:
        rules: rule selection (see :meth:`~hocbaso.rules.RuleSet.from_spec`); the batch rules
            run when selected (the default selects every rule).
        severities: severity overrides.
        directory: where to put the temporary index (default: the system temp directory).
        key: the 32-byte hashing key (default: random for this run). Give the same key to
            compare indexes of different runs; keep it secret like the records themselves.
        cache_kib: SQLite page-cache cap in KiB (memory bound of the index).
    """

    def __init__(
        self,
        rules: Selection = None,
        *,
        severities: SeverityMap = None,
        directory: str | Path | None = None,
        key: bytes | None = None,
        cache_kib: int = 16 * 1024,
    ) -> None:
        self.ruleset = RuleSet.from_spec(rules, severities=severities)
        self._batch: dict[str, Rule] = {r.id: r for r in self.ruleset.batch_rules}
        if key is not None and len(key) != 32:
            raise ConfigurationError(
                "the batch hashing key must be 32 bytes",
                message_vi="Khoá băm của lô phải dài 32 byte.",
                code="RULES-BATCH-KEY",
            )
        self._key = key if key is not None else os.urandom(32)
        self._tmp = tempfile.TemporaryDirectory(prefix="hocbaso-batch-", dir=directory)
        self._db: sqlite3.Connection | None = sqlite3.connect(
            str(Path(self._tmp.name) / "index.sqlite3"), isolation_level=None
        )
        db = self._db
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("PRAGMA temp_store=FILE")
        db.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        db.executescript(_SCHEMA)
        db.execute("BEGIN")
        self._pending = 0
        self._summary = SummaryBuilder()
        self.records = 0
        """Records seen so far."""

    # -------------------------------------------------------------- lifecycle

    def __enter__(self) -> BatchChecker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Drop the index and delete its temporary file (idempotent)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self._tmp.cleanup()

    # -------------------------------------------------------------- feeding

    def check_record(self, record: Record, *, source: str | None = None) -> Report:
        """Run the selected record rules and batch rules on a decoded record."""
        report = check_record(record, self.ruleset, source=source)
        return self.add(report, BatchKeys.of(record))

    def check_bytes(
        self,
        data: bytes,
        *,
        source: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        engine: Engine = "lxml",
    ) -> Report:
        """XSD, model, record and batch checks of record bytes (never raises for bad input).

        An input that cannot be examined gives a report with ``unusable=True``.
        """
        result = examine(
            data, source=source, rules=self.ruleset, max_bytes=max_bytes, engine=engine
        )
        return self.add(result.report, result.keys)

    def add(self, report: Report, keys: BatchKeys | None) -> Report:
        """Run the batch rules for one record whose own report is ``report``.

        For reports made elsewhere (e.g. by :func:`~hocbaso.rules.examine` in worker
        processes): returns ``report`` with the batch problems appended, and counts it in
        :meth:`summary`.
        """
        self.records += 1
        if keys is not None and self._batch:
            more = self._index(keys, report.source)
            if more:
                report = report.extended(more)
        self._summary.add(report)
        return report

    def summary(self) -> BatchSummary:
        """Counts per rule and per school of every report returned so far."""
        return self._summary.build()

    # -------------------------------------------------------------- the index

    def _h(self, label: bytes, value: bytes) -> bytes:
        return hashlib.blake2b(label + b"\0" + value, key=self._key, digest_size=16).digest()

    def _problem(
        self, rule_id: str, location: str, title: str, vi: str, en: str, related: str
    ) -> Problem | None:
        r = self._batch.get(rule_id)
        if r is None:
            return None
        return Problem(
            r.id, r.severity, location, None, vi, en, r.clause, title, None, None, related
        )

    def _index(self, keys: BatchKeys, source: str | None) -> list[Problem]:
        db = self._db
        if db is None:
            raise ConfigurationError(
                "the batch checker is closed",
                message_vi="Bộ kiểm tra lô đã đóng.",
                code="RULES-BATCH-CLOSED",
            )
        out: list[Problem | None] = []
        cur = db.execute("INSERT INTO ref(source, uuid) VALUES (?, ?)", (source, keys.lookup_uuid))
        ref = cur.lastrowid
        pid = self._h(b"pid", keys.personal_id.encode())
        who = self._h(b"who", _norm_name(keys.full_name) + b"\0" + keys.birth_date.encode())

        def related(other: int) -> str:
            row = db.execute("SELECT source, uuid FROM ref WHERE id = ?", (other,)).fetchone()
            src, uuid_ = row if row else (None, None)
            return f"{src or '?'} [{uuid_ or '?'}]"

        # 1. one personal id, two different people
        cur = db.execute("INSERT OR IGNORE INTO person VALUES (?, ?, ?)", (pid, who, ref))
        if cur.rowcount == 0:
            other_who, other_ref = db.execute(
                "SELECT who, ref FROM person WHERE pid = ?", (pid,)
            ).fetchone()
            if other_who != who:
                rel = related(other_ref)
                out.append(
                    self._problem(
                        "BATCH-ID-001",
                        f"{_GENERAL}/SO_CCCD",
                        "số định danh cá nhân",
                        "Số định danh cá nhân này đã được dùng cho một học sinh khác (khác họ "
                        f"tên hoặc ngày sinh) ở học bạ {rel}. Kiểm tra lại số định danh.",
                        "This personal id (SO_CCCD) is already used for another student "
                        f"(different name or date of birth) in record {rel}.",
                        rel,
                    )
                )
        # 2./3. same student twice, or in two schools in the same year
        rows = db.execute(
            "SELECT school, ref FROM enrol WHERE pid = ? AND year = ?", (pid, keys.school_year)
        ).fetchall()
        same = [r for s, r in rows if s == keys.school_code]
        others = [(s, r) for s, r in rows if s != keys.school_code]
        if same:
            rel = related(same[0])
            out.append(
                self._problem(
                    "BATCH-DUP-001",
                    f"{_GENERAL}/SO_CCCD",
                    "số định danh cá nhân",
                    f"Học sinh này đã có học bạ năm học {keys.school_year} của cùng trường trong "
                    f"lô ({rel}): chỉ nộp một học bạ.",
                    f"The same student already has a {keys.school_year} record from the same "
                    f"school in this batch ({rel}): submit one.",
                    rel,
                )
            )
        else:
            db.execute(
                "INSERT INTO enrol VALUES (?, ?, ?, ?)",
                (pid, keys.school_year, keys.school_code, ref),
            )
        if others:
            school, other_ref = others[0]
            rel = related(other_ref)
            out.append(
                self._problem(
                    "BATCH-SCHOOL-001",
                    f"{_GENERAL}/MA_TRUONG",
                    "mã trường",
                    f"Học sinh này đã có học bạ năm học {keys.school_year} ở trường {school} "
                    f"({rel}); một năm học chỉ một trường phát hành học bạ.",
                    f"The student already has a {keys.school_year} record from school {school} "
                    f"({rel}); one school issues the record of a year.",
                    rel,
                )
            )
        # 4. lookup UUID reused
        if keys.lookup_uuid:
            u = self._h(b"uuid", keys.lookup_uuid.lower().encode())
            cur = db.execute("INSERT OR IGNORE INTO lookup VALUES (?, ?)", (u, ref))
            if cur.rowcount == 0:
                (other_ref,) = db.execute("SELECT ref FROM lookup WHERE uuid = ?", (u,)).fetchone()
                rel = related(other_ref)
                out.append(
                    self._problem(
                        "BATCH-UUID-001",
                        f"{_GENERAL}/MA_TRA_CUU_UUID",
                        "mã tra cứu học bạ",
                        f"Mã tra cứu (UUID) này đã dùng cho học bạ {rel}; mỗi học bạ cần UUID mới.",
                        f"This MA_TRA_CUU_UUID is already used by record {rel}; every record "
                        "needs a new UUID.",
                        rel,
                    )
                )
        # 5. one student code, two personal ids
        if keys.student_code:
            c = self._h(b"code", keys.student_code.encode())
            cur = db.execute("INSERT OR IGNORE INTO code VALUES (?, ?, ?)", (c, pid, ref))
            if cur.rowcount == 0:
                other_pid, other_ref = db.execute(
                    "SELECT pid, ref FROM code WHERE code = ?", (c,)
                ).fetchone()
                if other_pid != pid:
                    rel = related(other_ref)
                    out.append(
                        self._problem(
                            "BATCH-MHS-001",
                            f"{_GENERAL}/MA_HOC_SINH",
                            "mã học sinh",
                            f"Mã học sinh này đã dùng cho một số định danh cá nhân khác ({rel}).",
                            f"This MA_HOC_SINH is already used with another personal id ({rel}).",
                            rel,
                        )
                    )
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            db.execute("COMMIT")
            db.execute("BEGIN")
            self._pending = 0
        return [p for p in out if p is not None]
