"""Report extensions: record reference, status rows, batch summaries, JSON schema stability."""

from __future__ import annotations

import json

from hocbaso import batch, rules
from hocbaso.examples import example_record, generate_record
from hocbaso.report import (
    REPORT_SCHEMA_VERSION,
    BatchReport,
    BatchSummary,
    Problem,
    RecordRef,
    Report,
    Severity,
    StatusRow,
    SummaryBuilder,
)

REPORT_KEYS = {
    "schema_version",
    "source",
    "valid",
    "unusable",
    "counts",
    "record",
    "problems",
}
PROBLEM_KEYS = {
    "rule",
    "severity",
    "location",
    "line",
    "message_vi",
    "message_en",
    "clause",
    "field_title",
    "reported",
    "expected",
    "related",
}
RECORD_KEYS = {
    "lookup_uuid",
    "student_code",
    "full_name",
    "personal_id",
    "school_code",
    "school_year",
    "grade",
}
STATUS_KEYS = {
    "ma_hoc_sinh",
    "ten_hoc_sinh",
    "so_cccd",
    "ma_tra_cuu_uuid",
    "trang_thai",
    "error",
    "error_field_title",
    "error_description",
}


def _bad() -> Report:
    record = generate_record(4, 8)
    summary = record.data.summary.model_copy(update={"promoted": not record.data.summary.promoted})
    bad = record.model_copy(update={"data": record.data.model_copy(update={"summary": summary})})
    return rules.check_record(bad, source="8.xml")


def test_json_schema_keys_are_stable() -> None:
    report = _bad()
    data = json.loads(report.to_json())
    assert set(data) == REPORT_KEYS
    assert data["schema_version"] == REPORT_SCHEMA_VERSION == 1
    assert set(data["record"]) == RECORD_KEYS
    for p in data["problems"]:
        assert set(p) == PROBLEM_KEYS
    assert Report.from_dict(data) == report


def test_old_json_still_reads() -> None:
    old = {
        "schema_version": 1,
        "source": "a.xml",
        "valid": False,
        "counts": {"error": 1, "warning": 0},
        "problems": [
            {
                "rule": "XSD-VALUE",
                "severity": "error",
                "location": "/HOC_BA",
                "line": 3,
                "message_vi": "vi",
                "message_en": "en",
            }
        ],
    }
    report = Report.from_dict(old)
    assert report.record is None and not report.unusable
    assert report.problems[0] == Problem("XSD-VALUE", Severity.ERROR, "/HOC_BA", 3, "vi", "en")


def test_record_reference_and_redaction() -> None:
    report = rules.check_record(example_record(1))
    ref = report.record
    assert ref is not None
    assert ref.personal_id == "048317002681" and ref.full_name == "Trương Phương Anh"
    assert ref.lookup_uuid == "4ef748d9-2146-4a82-95a5-8534051475f0"
    assert (ref.school_code, ref.school_year, ref.grade) == ("48491401", 2023, 1)
    red = report.redacted().record
    assert red is not None
    assert red.personal_id == "048*******81"
    assert red.full_name == "T. P. A."
    assert red.student_code is not None and red.student_code.startswith("48")
    assert "*" in red.student_code
    assert red.lookup_uuid == ref.lookup_uuid and red.school_code == ref.school_code
    assert "048317002681" not in report.redacted().to_json()


def test_messages_do_not_quote_personal_ids() -> None:
    record = example_record(1)
    general = record.data.general.model_copy(
        update={"date_of_birth": record.data.general.date_of_birth.replace(year=2016)}
    )
    bad = record.model_copy(update={"data": record.data.model_copy(update={"general": general})})
    report = rules.check_record(bad, "identity")
    assert report.problems
    text = " ".join(p.message_vi + p.message_en for p in report.problems)
    assert "048317002681" not in text and "Trương Phương Anh" not in text


def test_status_rows() -> None:
    good = rules.check_record(example_record(1))
    row = good.status_row()
    assert row.state == 1 and row.error is None
    assert row.to_dict()["so_cccd"] == "048317002681"
    bad = _bad().status_row()
    assert bad.state == 0
    assert bad.error == "TT22-LL-001"
    assert bad.error_field_title == "được lên lớp"
    assert bad.error_description and "Điều 12.1" in bad.error_description
    assert set(bad.to_dict()) == STATUS_KEYS
    assert StatusRow.from_dict(bad.to_dict()) == bad
    # The batch module's official row type reads it unchanged.
    official = batch.RecordStatus.from_dict(bad.to_dict())
    assert int(official.state) == 0 and official.error == "TT22-LL-001"


def test_warnings_do_not_refuse() -> None:
    record = example_record(1)
    general = record.data.general.model_copy(update={"student_code": "12"})
    report = rules.check_record(
        record.model_copy(update={"data": record.data.model_copy(update={"general": general})})
    )
    assert report.warnings and report.valid
    assert report.status_row().state == 1


def test_unusable_report() -> None:
    report = Report.unusable_input("XML-SYNTAX", "hỏng", "broken", source="x.xml", line=2)
    assert not report.valid and report.unusable
    row = report.status_row()
    assert row.state == 0 and row.error == "XML-SYNTAX" and row.personal_id is None
    assert Report.from_dict(report.to_dict()) == report
    assert "UNUSABLE" in report.to_text()


def test_batch_summary_counts_per_rule_and_school() -> None:
    reports = [
        _bad(),
        _bad(),
        rules.check_record(example_record(1)),
        Report.unusable_input("XML-SYNTAX", "hỏng", "broken"),
    ]
    summary = BatchSummary.of(reports)
    assert (summary.records, summary.valid, summary.invalid, summary.unusable) == (4, 1, 3, 1)
    by_rule = {(c.rule, c.severity): c for c in summary.by_rule}
    assert by_rule["TT22-LL-001", Severity.ERROR].problems == 2
    assert by_rule["TT22-LL-001", Severity.ERROR].records == 2
    assert by_rule["XML-SYNTAX", Severity.ERROR].records == 1
    by_school = {s.school_code: s for s in summary.by_school}
    assert by_school["48491502"].records == 2 and by_school["48491502"].invalid == 2
    assert by_school["48491401"].valid == 1
    assert by_school[None].records == 1
    assert BatchSummary.from_dict(json.loads(summary.to_json())) == summary
    text = summary.to_text()
    assert "TT22-LL-001" in text and "48491502" in text


def test_batch_report_round_trip_and_rows() -> None:
    batch_report = BatchReport((_bad(), rules.check_record(example_record(2))))
    assert not batch_report.valid
    data = json.loads(batch_report.to_json())
    assert data["kind"] == "batch" and data["summary"]["records"] == 2
    assert BatchReport.from_dict(data) == batch_report
    assert [r.state for r in batch_report.status_rows()] == [0, 1]
    assert "048317002681" not in batch_report.redacted().to_json()


def test_summary_builder_is_bounded_by_rules_and_schools() -> None:
    builder = SummaryBuilder()
    report = _bad()
    for _ in range(1000):
        builder.add(report)
    summary = builder.build()
    assert summary.records == 1000
    assert len(summary.by_rule) == 1 and len(summary.by_school) == 1


def test_record_ref_round_trip() -> None:
    ref = RecordRef("u", "c", "n", "p", "s", 2023, 4)
    assert RecordRef.from_dict(ref.to_dict()) == ref
