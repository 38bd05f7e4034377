"""Batch checks with planted duplicates: shared ids, students twice, two schools a year."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

import hocbaso
from hocbaso import rules
from hocbaso.errors import ConfigurationError
from hocbaso.examples import generate_record
from hocbaso.models import Record
from hocbaso.report import Report, Severity
from hocbaso.rules import BatchChecker, BatchKeys


def _general(record: Record, **values: Any) -> Record:
    general = record.data.general.model_copy(update=values)
    return record.model_copy(update={"data": record.data.model_copy(update={"general": general})})


def _new_uuid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n, version=4)


def _batch_rules(report: Report) -> list[str]:
    return [p.rule for p in report.problems if p.rule.startswith("BATCH-")]


@pytest.fixture(scope="module")
def clean() -> list[Record]:
    """60 distinct consistent records of grades 1-12, school year 2023."""
    return [generate_record(1000 + i, 1 + i % 12) for i in range(60)]


def test_distinct_records_pass(clean: list[Record]) -> None:
    with BatchChecker() as checker:
        reports = [checker.check_record(r, source=f"r{i}.xml") for i, r in enumerate(clean)]
        summary = checker.summary()
    assert all(r.valid and not r.problems for r in reports), [r.to_text() for r in reports]
    assert summary.records == 60 and summary.valid == 60


def test_planted_duplicates(clean: list[Record]) -> None:
    first = clean[3]  # grade 4, school 48491401
    g = first.data.general
    other_school = clean[7]  # grade 8, another school
    planted = {
        # same personal id, another child (name and birth date differ), another year
        "shared-id": _general(
            generate_record(77, 4, school_year=2021),
            personal_id=g.personal_id,
            lookup_uuid=_new_uuid(1),
        ),
        # the same record twice: same student, year, school, and the same UUID
        "exact-copy": first,
        # re-issued with a new UUID but submitted with the old one
        "same-student-new-uuid": _general(first, lookup_uuid=_new_uuid(2)),
        # the same child on the rolls of another school the same year
        "two-schools": _general(
            first, lookup_uuid=_new_uuid(3), school_code=other_school.data.general.school_code
        ),
        # a UUID reused by a different child
        "uuid-reused": _general(
            generate_record(88, 5), lookup_uuid=clean[20].data.general.lookup_uuid
        ),
        # a student code reused for another personal id
        "code-reused": _general(
            generate_record(89, 6), student_code=clean[21].data.general.student_code
        ),
    }
    expected = {
        "shared-id": ["BATCH-ID-001"],
        "exact-copy": ["BATCH-DUP-001", "BATCH-UUID-001"],
        "same-student-new-uuid": ["BATCH-DUP-001"],
        "two-schools": ["BATCH-SCHOOL-001"],
        "uuid-reused": ["BATCH-UUID-001"],
        "code-reused": ["BATCH-MHS-001"],
    }
    with BatchChecker("batch") as checker:
        for i, record in enumerate(clean):
            assert not checker.check_record(record, source=f"r{i}.xml").problems
        for name, record in planted.items():
            report = checker.check_record(record, source=f"{name}.xml")
            assert sorted(_batch_rules(report)) == expected[name], (name, report.to_text())
        summary = checker.summary()
    by_rule = {c.rule: c.records for c in summary.by_rule}
    assert by_rule == {
        "BATCH-ID-001": 1,
        "BATCH-DUP-001": 2,
        "BATCH-UUID-001": 2,
        "BATCH-SCHOOL-001": 1,
        "BATCH-MHS-001": 1,
    }


def test_related_names_the_first_record(clean: list[Record]) -> None:
    with BatchChecker("batch") as checker:
        checker.check_record(clean[0], source="a.xml")
        report = checker.check_record(clean[0], source="b.xml")
    dup = next(p for p in report.problems if p.rule == "BATCH-DUP-001")
    assert dup.related == f"a.xml [{clean[0].data.general.lookup_uuid}]"
    assert dup.location == "/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/SO_CCCD"
    assert dup.clause and dup.field_title == "số định danh cá nhân"
    assert clean[0].data.general.personal_id not in dup.message_vi + dup.message_en


def test_name_comparison_ignores_case_spacing_and_nfc(clean: list[Record]) -> None:
    import unicodedata

    record = clean[5]
    name = record.data.general.full_name
    variant = "  " + unicodedata.normalize("NFD", name.upper()).replace(" ", "  ") + " "
    keys = BatchKeys.of(record)
    with BatchChecker("batch") as checker:
        checker.add(Report(), keys)
        again = BatchKeys(
            "x", keys.personal_id, "", variant, keys.birth_date, keys.school_code, 2020
        )
        assert not checker.add(Report(), again).problems


def test_selection_and_severity(clean: list[Record]) -> None:
    with BatchChecker("BATCH-UUID", severities={"BATCH-UUID-001": "warning"}) as checker:
        checker.check_record(clean[0])
        report = checker.check_record(clean[0])
    assert [(p.rule, p.severity) for p in report.problems] == [("BATCH-UUID-001", Severity.WARNING)]
    with BatchChecker("tt22") as checker:  # no batch rule selected: no index work
        checker.check_record(clean[6])
        assert not checker.check_record(clean[6]).problems


def test_bytes_unusable_and_invalid_inputs(clean: list[Record]) -> None:
    xml = hocbaso.to_xml(clean[2])
    broken = xml.replace(b"<MA_KHOI>3</MA_KHOI>", b"<MA_KHOI>x</MA_KHOI>")
    with BatchChecker() as checker:
        assert checker.check_bytes(xml, source="ok.xml").valid
        junk = checker.check_bytes(b"<HOC_BA><x>", source="junk.xml")
        assert junk.unusable and junk.problems[0].rule == "XML-SYNTAX"
        invalid = checker.check_bytes(broken, source="bad.xml")
        # XSD-invalid: no rules, but still named and still matched against the batch
        assert not invalid.valid and invalid.record is not None
        assert invalid.record.personal_id == clean[2].data.general.personal_id
        assert "BATCH-DUP-001" in _batch_rules(invalid)
        summary = checker.summary()
    assert (summary.records, summary.valid, summary.unusable) == (3, 1, 1)


def test_index_file_is_removed_and_key_checked(tmp_path: Path) -> None:
    checker = BatchChecker(directory=tmp_path)
    assert any(tmp_path.rglob("index.sqlite3"))
    checker.close()
    checker.close()
    assert not any(tmp_path.rglob("index.sqlite3"))
    with pytest.raises(ConfigurationError):
        checker.add(Report(), BatchKeys("u", "048317002681", "c", "n", "2017-01-01", "s", 2023))
    with pytest.raises(ConfigurationError):
        BatchChecker(key=b"short")


def test_index_holds_only_keyed_hashes(tmp_path: Path, clean: list[Record]) -> None:
    with BatchChecker(directory=tmp_path) as checker:
        for record in clean[:5]:
            checker.check_record(record, source="s.xml")
        db = checker._db
        assert db is not None
        db.execute("COMMIT")
        (path,) = tmp_path.rglob("index.sqlite3")
        raw = path.read_bytes()
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        db.execute("BEGIN")
    assert {"person", "enrol", "lookup", "code"} <= tables
    for record in clean[:5]:
        g = record.data.general
        assert g.personal_id.encode() not in raw
        assert g.full_name.encode() not in raw
        assert g.student_code.encode() not in raw


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_memory_stays_bounded() -> None:
    """60,000 distinct students through the index: resident memory grows by a few MB only."""
    with BatchChecker("batch", cache_kib=2048) as checker:
        empty = Report()
        for i in range(5000):  # warm up SQLite and the allocator
            checker.add(empty, BatchKeys(str(i), f"{i:012d}", str(i), "n", "d", "s", 2023))
        before = _rss_kib()
        for i in range(5000, 65_000):
            keys = BatchKeys(str(i), f"{i:012d}", str(i), f"n{i}", "d", f"s{i % 50}", 2023)
            assert not checker.add(empty, keys).problems
        grown = _rss_kib() - before
        assert checker.records == 65_000
    assert grown < 16 * 1024, f"resident memory grew by {grown} KiB"


def test_rules_package_exports() -> None:
    assert set(rules.__all__) <= set(dir(rules))
    assert all(getattr(rules, name).__doc__ for name in rules.__all__ if name[0].isupper())
