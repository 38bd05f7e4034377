"""Validation reports: every problem found in a document, at once.

A :class:`Report` is an immutable list of :class:`Problem` items about one document. The same
type is returned by XSD validation, model validation and the business rules
(:mod:`hocbaso.rules`), so a caller handles one shape. A :class:`BatchReport` groups the
reports of many records with a :class:`BatchSummary` (counts per rule and per school); for
batches too large to keep in memory, :class:`SummaryBuilder` counts as the reports stream by.
:meth:`Report.status_row` gives the Ministry's per-record status row (:class:`StatusRow`,
spec §2.3), so a Sở portal can answer a school's status query straight from a report.

**Personal data.** A report may carry a :class:`RecordRef` (lookup UUID, student code, full
name, personal id number, school code): this is personal data under Nghị định 13/2023/NĐ-CP.
Keep reports where you keep the records; use :meth:`Report.redacted` /
:meth:`BatchReport.redacted` before logging them or sending them to a vendor. Problem messages
themselves never quote a name or a full personal id number.

JSON form (stable; ``schema_version`` changes only with an incompatible change; readers must
ignore keys they do not know). ``schema_version`` 1; the keys marked *(0.2)* were added in
hocbaso 0.2 and are always present (``null`` when not known)::

    {
      "schema_version": 1,
      "source": "hoc-ba.xml",          // file name or null
      "valid": false,                   // no problem of severity "error"
      "unusable": false,                // (0.2) true: the input could not be examined at all
      "counts": {"error": 1, "warning": 0},
      "record": {                       // (0.2) which record, or null — PERSONAL DATA
        "lookup_uuid": "4ef748d9-...", "student_code": "4810000001",
        "full_name": "...", "personal_id": "048317002681",
        "school_code": "48491401", "school_year": 2023, "grade": 1
      },
      "problems": [
        {"rule": "TT22-AVG-001", "severity": "error",
         "location": "/HOC_BA/.../DIEM_TONG_KET[3]/HOC_KY_1/DTB_MON",
         "line": null,
         "message_vi": "...", "message_en": "...",
         "clause": "TT 22/2021/TT-BGDĐT Điều 9.1.b",       // (0.2) regulation clause or null
         "field_title": "điểm trung bình môn học kỳ",       // (0.2) Vietnamese field name or null
         "reported": "8.4", "expected": "8.3",              // (0.2) the values compared, or null
         "related": null}                                   // (0.2) the other record (batch)
      ]
    }

A batch document is ``{"schema_version": 1, "kind": "batch", "summary": {...},
"reports": [...]}``; the summary is described at :meth:`BatchSummary.to_dict`. Status rows
use the Ministry's own keys (:meth:`StatusRow.to_dict`).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "BatchReport",
    "BatchSummary",
    "Problem",
    "RecordRef",
    "Report",
    "RuleCount",
    "SchoolCount",
    "Severity",
    "StatusRow",
    "SummaryBuilder",
]

REPORT_SCHEMA_VERSION = 1
"""Version of the JSON form of reports, summaries and batch documents."""


class Severity(str, enum.Enum):
    """How bad a problem is: an ``error`` makes the document invalid, a ``warning`` does not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a document.

    Attributes:
        rule: stable rule id, e.g. ``XSD-VALUE``, ``MODEL-VALUE`` or ``TT22-AVG-001``.
        severity: error or warning.
        location: XPath of the element (``/HOC_BA/...``) or field path; ``None`` = whole input.
        line: 1-based line in the source document, when known.
        message_vi: message in Vietnamese, for the school clerk.
        message_en: message in English, for the developer.
        clause: the regulation clause the rule applies (``TT 22/2021/TT-BGDĐT Điều 9.1.b``).
        field_title: Vietnamese name of the field at fault (the status row's
            ``error_field_title``).
        reported: the value the record carries, as text, when the rule compares values.
        expected: the value the rule computed from the record's other values.
        related: for batch checks, the other record involved (its source and lookup UUID).
    """

    rule: str
    severity: Severity
    location: str | None
    line: int | None
    message_vi: str
    message_en: str
    clause: str | None = None
    field_title: str | None = None
    reported: str | None = None
    expected: str | None = None
    related: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready dict (keys as in the module docstring)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "location": self.location,
            "line": self.line,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "clause": self.clause,
            "field_title": self.field_title,
            "reported": self.reported,
            "expected": self.expected,
            "related": self.related,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Problem:
        """Rebuild a problem from :meth:`to_dict` output (keys added later are optional)."""
        return cls(
            rule=data["rule"],
            severity=Severity(data["severity"]),
            location=data.get("location"),
            line=data.get("line"),
            message_vi=data["message_vi"],
            message_en=data["message_en"],
            clause=data.get("clause"),
            field_title=data.get("field_title"),
            reported=data.get("reported"),
            expected=data.get("expected"),
            related=data.get("related"),
        )

    def to_text(self) -> str:
        """One human-readable line: ``error XSD-001 /HOC_BA/... (line 3): vi / en``."""
        where = self.location or "-"
        if self.line is not None:
            where += f" (line {self.line})"
        text = (
            f"{self.severity.value:7} {self.rule:14} {where}: {self.message_vi} / {self.message_en}"
        )
        if self.clause:
            text += f" [{self.clause}]"
        return text

    @property
    def title(self) -> str | None:
        """The field at fault: :attr:`field_title`, else the last element name of the location."""
        if self.field_title:
            return self.field_title
        if not self.location:
            return None
        return self.location.rsplit("/", 1)[-1].split("[", 1)[0].lstrip("@") or None


def _mask(value: str | None, keep_start: int, keep_end: int) -> str | None:
    if value is None:
        return None
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    tail = value[len(value) - keep_end :] if keep_end else ""
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + tail


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Which record a report is about — **personal data**, handle with care.

    Attributes:
        lookup_uuid: ``MA_TRA_CUU_UUID`` — *mã tra cứu học bạ* (as text).
        student_code: ``MA_HOC_SINH`` — *mã học sinh*.
        full_name: ``HO_VA_TEN`` of the student — personal data.
        personal_id: ``SO_CCCD`` of the student — personal data.
        school_code: ``MA_TRUONG`` — *mã trường*.
        school_year: ``NAM_HOC`` (first calendar year of the school year).
        grade: ``MA_KHOI`` (1–12).
    """

    lookup_uuid: str | None = None
    student_code: str | None = None
    full_name: str | None = None
    personal_id: str | None = None
    school_code: str | None = None
    school_year: int | None = None
    grade: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the keys of the module docstring."""
        return {
            "lookup_uuid": self.lookup_uuid,
            "student_code": self.student_code,
            "full_name": self.full_name,
            "personal_id": self.personal_id,
            "school_code": self.school_code,
            "school_year": self.school_year,
            "grade": self.grade,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordRef:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            lookup_uuid=data.get("lookup_uuid"),
            student_code=data.get("student_code"),
            full_name=data.get("full_name"),
            personal_id=data.get("personal_id"),
            school_code=data.get("school_code"),
            school_year=data.get("school_year"),
            grade=data.get("grade"),
        )

    def redacted(self) -> RecordRef:
        """A copy safe for logs: name reduced to initials, ids masked, UUID and school kept.

        ``048317002681`` becomes ``048*******81``; ``Trương Phương Anh`` becomes ``T. P. A.``.
        """
        name = None
        if self.full_name is not None:
            name = " ".join(f"{w[0]}." for w in self.full_name.split() if w)
        return dataclasses.replace(
            self,
            full_name=name,
            personal_id=_mask(self.personal_id, 3, 2),
            student_code=_mask(self.student_code, 2, 2),
        )


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One row of the Ministry's status response for a record (spec §2.3, transaction 2).

    Attributes (official keys in brackets):
        student_code: [``ma_hoc_sinh``] ``MA_HOC_SINH``.
        student_name: [``ten_hoc_sinh``] ``HO_VA_TEN`` — personal data.
        personal_id: [``so_cccd``] ``SO_CCCD`` — personal data.
        lookup_uuid: [``ma_tra_cuu_uuid``] ``MA_TRA_CUU_UUID``.
        state: [``trang_thai``] 1 *phê duyệt* (accepted: no error), 0 *từ chối* (refused).
        error: [``error``] the rule ids of the errors, ``;``-separated, or ``None``.
        error_field_title: [``error_field_title``] the Vietnamese names of the fields at fault,
            ``; ``-separated, or ``None``.
        error_description: [``error_description``] the Vietnamese messages, ``; ``-separated,
            or ``None``.
    """

    student_code: str | None
    student_name: str | None
    personal_id: str | None
    lookup_uuid: str | None
    state: int
    error: str | None = None
    error_field_title: str | None = None
    error_description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The row with the Ministry's keys (``ma_hoc_sinh`` … ``error_description``)."""
        return {
            "ma_hoc_sinh": self.student_code,
            "ten_hoc_sinh": self.student_name,
            "so_cccd": self.personal_id,
            "ma_tra_cuu_uuid": self.lookup_uuid,
            "trang_thai": self.state,
            "error": self.error,
            "error_field_title": self.error_field_title,
            "error_description": self.error_description,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatusRow:
        """Rebuild from a dict with the Ministry's keys."""
        return cls(
            student_code=data.get("ma_hoc_sinh"),
            student_name=data.get("ten_hoc_sinh"),
            personal_id=data.get("so_cccd"),
            lookup_uuid=data.get("ma_tra_cuu_uuid"),
            state=int(data["trang_thai"]),
            error=data.get("error"),
            error_field_title=data.get("error_field_title"),
            error_description=data.get("error_description"),
        )


def _unique(items: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


@dataclass(frozen=True, slots=True)
class Report:
    """All problems found in one document (immutable).

    Attributes:
        problems: the problems, in document order where known.
        source: where the document came from (file name), if known.
        record: which record the report is about, when it could be decoded — personal data.
        unusable: the input could not be examined at all (malformed XML, unsafe, too large,
            wrong profile); ``problems`` then holds the one reason.
    """

    problems: tuple[Problem, ...] = ()
    source: str | None = None
    record: RecordRef | None = None
    unusable: bool = False

    @property
    def valid(self) -> bool:
        """True when the input was usable and no problem has severity ``error``."""
        return not self.unusable and not self.errors

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems of severity ``error``."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems of severity ``warning``."""
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def extended(self, more: Iterable[Problem]) -> Report:
        """A new report with ``more`` appended (exact duplicates are dropped once)."""
        out = list(self.problems)
        seen = {(p.rule, p.location, p.message_en) for p in out}
        for p in more:
            key = (p.rule, p.location, p.message_en)
            if key not in seen:
                seen.add(key)
                out.append(p)
        return dataclasses.replace(self, problems=tuple(out))

    def with_record(self, record: RecordRef | None) -> Report:
        """A copy of the report about ``record``."""
        return dataclasses.replace(self, record=record)

    def redacted(self) -> Report:
        """A copy whose record reference is :meth:`RecordRef.redacted` (safe for logs)."""
        if self.record is None:
            return self
        return dataclasses.replace(self, record=self.record.redacted())

    @classmethod
    def unusable_input(
        cls,
        code: str,
        message_vi: str,
        message_en: str,
        *,
        source: str | None = None,
        location: str | None = None,
        line: int | None = None,
    ) -> Report:
        """The report of an input that could not be examined (e.g. from a ``HocbasoError``)."""
        problem = Problem(code, Severity.ERROR, location, line, message_vi, message_en)
        return cls((problem,), source, None, True)

    def status_row(self) -> StatusRow:
        """The Ministry's status row for this record (spec §2.3).

        ``trang_thai`` is 1 when the record is valid (warnings do not refuse it), else 0;
        the error fields list every error (rule ids, field names, Vietnamese messages).
        """
        ref = self.record or RecordRef()
        errors = self.errors
        if not errors:
            return StatusRow(ref.student_code, ref.full_name, ref.personal_id, ref.lookup_uuid, 1)
        return StatusRow(
            ref.student_code,
            ref.full_name,
            ref.personal_id,
            ref.lookup_uuid,
            0,
            ";".join(_unique(p.rule for p in errors)),
            "; ".join(_unique(p.title for p in errors)) or None,
            "; ".join(_unique(p.message_vi for p in errors)),
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (schema in the module docstring)."""
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "source": self.source,
            "valid": self.valid,
            "unusable": self.unusable,
            "counts": {"error": len(self.errors), "warning": len(self.warnings)},
            "record": self.record.to_dict() if self.record is not None else None,
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text (UTF-8 safe, Vietnamese kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        """A human-readable report, one line per problem, then a summary line."""
        head = self.source or "<input>"
        if self.record is not None and self.record.lookup_uuid:
            head += f" [{self.record.lookup_uuid}]"
        lines = [p.to_text() for p in self.problems]
        if self.unusable:
            verdict = "KHÔNG ĐỌC ĐƯỢC / UNUSABLE"
        else:
            verdict = "HỢP LỆ / VALID" if self.valid else "KHÔNG HỢP LỆ / INVALID"
        lines.append(
            f"{head}: {verdict} ({len(self.errors)} lỗi/errors, "
            f"{len(self.warnings)} cảnh báo/warnings)"
        )
        return "\n".join(lines)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict` output."""
        problems = tuple(Problem.from_dict(p) for p in data.get("problems", []))
        record = data.get("record")
        return cls(
            problems,
            data.get("source"),
            RecordRef.from_dict(record) if record is not None else None,
            bool(data.get("unusable", False)),
        )


# ------------------------------------------------------------------------------ batches


@dataclass(frozen=True, slots=True)
class RuleCount:
    """How often one rule fired in a batch.

    Attributes:
        rule: the rule id (or the error code of unusable inputs).
        severity: the severity it was reported with.
        problems: how many problems it reported.
        records: in how many records.
    """

    rule: str
    severity: Severity
    problems: int
    records: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "problems": self.problems,
            "records": self.records,
        }


@dataclass(frozen=True, slots=True)
class SchoolCount:
    """The outcome of one school's records in a batch.

    Attributes:
        school_code: ``MA_TRUONG``, or ``None`` for inputs that could not be decoded.
        records: records seen.
        valid: records without error.
        errors: problems of severity error.
        warnings: problems of severity warning.
    """

    school_code: str | None
    records: int
    valid: int
    errors: int
    warnings: int

    @property
    def invalid(self) -> int:
        """Records with at least one error (or unusable)."""
        return self.records - self.valid

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "school_code": self.school_code,
            "records": self.records,
            "valid": self.valid,
            "invalid": self.invalid,
            "errors": self.errors,
            "warnings": self.warnings,
        }


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """Counts over a batch of reports: totals, per rule and per school (no personal data).

    Attributes:
        records: reports counted.
        valid: valid records.
        unusable: inputs that could not be examined.
        errors: problems of severity error, all records.
        warnings: problems of severity warning, all records.
        by_rule: one :class:`RuleCount` per (rule, severity), most frequent first.
        by_school: one :class:`SchoolCount` per school, by school code.
    """

    records: int = 0
    valid: int = 0
    unusable: int = 0
    errors: int = 0
    warnings: int = 0
    by_rule: tuple[RuleCount, ...] = ()
    by_school: tuple[SchoolCount, ...] = ()

    @property
    def invalid(self) -> int:
        """Records with at least one error (unusable inputs included)."""
        return self.records - self.valid

    @classmethod
    def of(cls, reports: Iterable[Report]) -> BatchSummary:
        """Count ``reports`` (streams: memory grows with rules and schools, not records)."""
        builder = SummaryBuilder()
        for report in reports:
            builder.add(report)
        return builder.build()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict::

        {"schema_version": 1, "records": 3, "valid": 1, "invalid": 2, "unusable": 0,
         "counts": {"error": 4, "warning": 1},
         "by_rule": [{"rule": "TT22-AVG-001", "severity": "error", "problems": 3,
                      "records": 2}, ...],
         "by_school": [{"school_code": "48491502", "records": 3, "valid": 1, "invalid": 2,
                        "errors": 4, "warnings": 1}, ...]}
        """
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "records": self.records,
            "valid": self.valid,
            "invalid": self.invalid,
            "unusable": self.unusable,
            "counts": {"error": self.errors, "warning": self.warnings},
            "by_rule": [c.to_dict() for c in self.by_rule],
            "by_school": [c.to_dict() for c in self.by_school],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchSummary:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            records=data["records"],
            valid=data["valid"],
            unusable=data.get("unusable", 0),
            errors=data["counts"]["error"],
            warnings=data["counts"]["warning"],
            by_rule=tuple(
                RuleCount(r["rule"], Severity(r["severity"]), r["problems"], r["records"])
                for r in data.get("by_rule", [])
            ),
            by_school=tuple(
                SchoolCount(s["school_code"], s["records"], s["valid"], s["errors"], s["warnings"])
                for s in data.get("by_school", [])
            ),
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        """The summary as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        """Two plain-text tables (per rule, per school) and a totals line."""
        lines = [
            f"Tổng / total: {self.records} học bạ/records, {self.valid} hợp lệ/valid, "
            f"{self.invalid} không hợp lệ/invalid ({self.unusable} không đọc được/unusable); "
            f"{self.errors} lỗi/errors, {self.warnings} cảnh báo/warnings",
            "",
            f"{'Quy tắc / rule':22} {'mức/severity':12} {'lỗi/problems':>12} "
            f"{'học bạ/records':>14}",
        ]
        for c in self.by_rule:
            lines.append(f"{c.rule:22} {c.severity.value:12} {c.problems:>12} {c.records:>14}")
        lines += [
            "",
            f"{'Mã trường / school':22} {'học bạ':>8} {'hợp lệ':>8} {'không HL':>8} "
            f"{'lỗi':>8} {'cảnh báo':>8}",
        ]
        for s in self.by_school:
            code = s.school_code or "?"
            lines.append(
                f"{code:22} {s.records:>8} {s.valid:>8} {s.invalid:>8} {s.errors:>8} "
                f"{s.warnings:>8}"
            )
        return "\n".join(lines)


@dataclass(slots=True)
class _SchoolTally:
    records: int = 0
    valid: int = 0
    errors: int = 0
    warnings: int = 0


class SummaryBuilder:
    """Counts reports one at a time into a :class:`BatchSummary` (mutable, bounded memory).

    Memory grows with the number of distinct rules and schools, never with the records::

        builder = SummaryBuilder()
        for report in reports:            # e.g. streamed from hocbaso.rules.check_bytes
            builder.add(report)
        summary = builder.build()
    """

    __slots__ = ("_errors", "_records", "_rules", "_schools", "_unusable", "_valid", "_warnings")

    def __init__(self) -> None:
        self._records = 0
        self._valid = 0
        self._unusable = 0
        self._errors = 0
        self._warnings = 0
        self._rules: dict[tuple[str, Severity], list[int]] = {}
        self._schools: dict[str | None, _SchoolTally] = {}

    def add(self, report: Report) -> None:
        """Count one report."""
        self._records += 1
        valid = report.valid
        self._valid += valid
        self._unusable += report.unusable
        errors = warnings = 0
        fired: set[tuple[str, Severity]] = set()
        for p in report.problems:
            if p.severity is Severity.ERROR:
                errors += 1
            else:
                warnings += 1
            key = (p.rule, p.severity)
            tally = self._rules.get(key)
            if tally is None:
                tally = self._rules[key] = [0, 0]
            tally[0] += 1
            if key not in fired:
                fired.add(key)
                tally[1] += 1
        self._errors += errors
        self._warnings += warnings
        school = report.record.school_code if report.record is not None else None
        st = self._schools.get(school)
        if st is None:
            st = self._schools[school] = _SchoolTally()
        st.records += 1
        st.valid += valid
        st.errors += errors
        st.warnings += warnings

    def build(self) -> BatchSummary:
        """The summary of the reports added so far."""
        by_rule = sorted(
            (RuleCount(rule, sev, n, r) for (rule, sev), (n, r) in self._rules.items()),
            key=lambda c: (-c.problems, c.rule, c.severity.value),
        )
        by_school = sorted(
            (
                SchoolCount(code, t.records, t.valid, t.errors, t.warnings)
                for code, t in self._schools.items()
            ),
            key=lambda s: (s.school_code is None, s.school_code or ""),
        )
        return BatchSummary(
            self._records,
            self._valid,
            self._unusable,
            self._errors,
            self._warnings,
            tuple(by_rule),
            tuple(by_school),
        )


@dataclass(frozen=True, slots=True)
class BatchReport:
    """The reports of a batch of records, with their summary (immutable, in memory).

    For batches too large for memory, stream the reports and count them with
    :class:`SummaryBuilder` instead (the ``hocbaso check`` command does).

    Attributes:
        reports: one report per record, in input order.
    """

    reports: tuple[Report, ...] = ()

    @property
    def valid(self) -> bool:
        """True when every record is valid."""
        return all(r.valid for r in self.reports)

    @property
    def summary(self) -> BatchSummary:
        """Counts per rule and per school."""
        return BatchSummary.of(self.reports)

    def __iter__(self) -> Iterator[Report]:
        return iter(self.reports)

    def __len__(self) -> int:
        return len(self.reports)

    def status_rows(self) -> tuple[StatusRow, ...]:
        """The Ministry's status row of every record (spec §2.3), in input order."""
        return tuple(r.status_row() for r in self.reports)

    def redacted(self) -> BatchReport:
        """A copy with every record reference redacted (see :meth:`RecordRef.redacted`)."""
        return BatchReport(tuple(r.redacted() for r in self.reports))

    def to_dict(self) -> dict[str, Any]:
        """``{"schema_version": 1, "kind": "batch", "summary": {...}, "reports": [...]}``."""
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "kind": "batch",
            "summary": self.summary.to_dict(),
            "reports": [r.to_dict() for r in self.reports],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The batch as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        """Every report with a problem, then the summary tables."""
        parts = [r.to_text() for r in self.reports if r.problems or not r.valid]
        parts.append(self.summary.to_text())
        return "\n".join(parts)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchReport:
        """Rebuild from :meth:`to_dict` output (the summary is recomputed)."""
        return cls(tuple(Report.from_dict(r) for r in data.get("reports", [])))
