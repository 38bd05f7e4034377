"""Running rules: on a decoded record, or on record bytes after XSD and model validation."""

from __future__ import annotations

import datetime as dt
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from hocbaso._xml._codec import decode_tree, detect_profile
from hocbaso._xml._parse import DEFAULT_MAX_BYTES, parse_bytes
from hocbaso.errors import DocumentInvalidError, HocbasoError, InputError, NormalizationWarning
from hocbaso.models import PrimaryRecord, Record, SecondaryRecord
from hocbaso.report import Problem, RecordRef, Report, Severity
from hocbaso.rules._context import Context
from hocbaso.rules._registry import RuleSet, Selection, SeverityMap
from hocbaso.validation import xsd_problems

__all__ = [
    "BatchKeys",
    "RecordCheck",
    "check_bytes",
    "check_record",
    "ensure_consistent",
    "examine",
    "is_consistent",
    "iter_problems",
    "record_ref",
]

Engine = Literal["lxml", "xmlschema"]


def _require_record(record: object) -> Record:
    if not isinstance(record, PrimaryRecord | SecondaryRecord):
        raise InputError(
            f"expected a PrimaryRecord or SecondaryRecord, got {type(record).__name__}",
            message_vi="Cần một học bạ (PrimaryRecord hoặc SecondaryRecord).",
            code="RULES-RECORD-TYPE",
        )
    return record


def record_ref(record: Record) -> RecordRef:
    """The :class:`~hocbaso.report.RecordRef` of a record (personal data: see report docs)."""
    g = record.data.general
    return RecordRef(
        lookup_uuid=str(g.lookup_uuid),
        student_code=g.student_code,
        full_name=g.full_name,
        personal_id=g.personal_id,
        school_code=g.school_code,
        school_year=g.school_year,
        grade=g.grade,
    )


def _run(record: Record, ruleset: RuleSet) -> Iterator[Problem]:
    ctx = Context(record)
    for r in ruleset.for_profile(record.profile):
        assert r.check is not None
        try:
            for f in r.check(ctx):
                yield Problem(
                    r.id,
                    r.severity,
                    f.location,
                    None,
                    f.message_vi,
                    f.message_en,
                    r.clause,
                    f.field_title,
                    f.reported,
                    f.expected,
                    f.related,
                )
        except Exception as exc:  # a faulty rule must not stop a million-record run
            yield Problem(
                "RULE-INTERNAL",
                Severity.ERROR,
                None,
                None,
                f"Lỗi nội bộ khi áp dụng quy tắc {r.id}; hãy báo cho nhà cung cấp phần mềm.",
                f"internal error in rule {r.id}: {type(exc).__name__}: {exc}",
                r.clause,
            )


def iter_problems(
    record: Record, rules: Selection = None, *, severities: SeverityMap = None
) -> Iterator[Problem]:
    """Yield every problem the selected rules find in ``record`` (batch rules excluded)."""
    ruleset = RuleSet.from_spec(rules, severities=severities)
    return _run(_require_record(record), ruleset)


def check_record(
    record: Record,
    rules: Selection = None,
    *,
    severities: SeverityMap = None,
    source: str | None = None,
) -> Report:
    """Check a decoded record against the business rules; every disagreement, at once.

    ``rules`` selects rules (``None`` = all; see :meth:`RuleSet.from_spec`), ``severities``
    overrides their severity. The record is never changed: each problem gives the reported and
    the recomputed value. The report's ``record`` is set (personal data). Batch rules need
    :class:`~hocbaso.rules.BatchChecker`.

    Raises:
        InputError: ``record`` is not a record (``RULES-RECORD-TYPE``).
        ConfigurationError: an unknown rule selector or severity.
    """
    ruleset = RuleSet.from_spec(rules, severities=severities)
    rec = _require_record(record)
    return Report(tuple(_run(rec, ruleset)), source, record_ref(rec))


def is_consistent(
    record: Record, rules: Selection = None, *, severities: SeverityMap = None
) -> bool:
    """True when the selected rules find no error in ``record`` (warnings allowed)."""
    return all(
        p.severity is not Severity.ERROR
        for p in iter_problems(record, rules, severities=severities)
    )


def ensure_consistent(
    record: Record,
    rules: Selection = None,
    *,
    severities: SeverityMap = None,
    source: str | None = None,
) -> Report:
    """Like :func:`check_record`, but raise :class:`DocumentInvalidError` on any error."""
    report = check_record(record, rules, severities=severities, source=source)
    if not report.valid:
        raise DocumentInvalidError(
            f"the record breaks {len(report.errors)} business rule(s)",
            message_vi=f"Học bạ vi phạm {len(report.errors)} quy tắc nghiệp vụ.",
            report=report,
        )
    return report


# ------------------------------------------------------------------------------ bytes


@dataclass(frozen=True, slots=True)
class BatchKeys:
    """The few fields the batch checks compare (personal data; kept in memory only).

    :class:`~hocbaso.rules.BatchChecker` stores only keyed hashes of them on disk.

    Attributes:
        lookup_uuid: ``MA_TRA_CUU_UUID``.
        personal_id: ``SO_CCCD`` of the student.
        student_code: ``MA_HOC_SINH``.
        full_name: ``HO_VA_TEN``.
        birth_date: ``NGAY_SINH``, ISO ``YYYY-MM-DD`` when readable, else as written.
        school_code: ``MA_TRUONG``.
        school_year: ``NAM_HOC``.
    """

    lookup_uuid: str
    personal_id: str
    student_code: str
    full_name: str
    birth_date: str
    school_code: str
    school_year: int

    @classmethod
    def of(cls, record: Record) -> BatchKeys:
        """The keys of a decoded record."""
        g = record.data.general
        return cls(
            str(g.lookup_uuid),
            g.personal_id,
            g.student_code,
            g.full_name,
            g.date_of_birth.isoformat(),
            g.school_code,
            g.school_year,
        )

    @classmethod
    def from_tree(cls, tree: etree._ElementTree) -> BatchKeys | None:
        """The keys read as text from a parsed record that did not decode (or ``None``)."""
        info = tree.getroot().find("DU_LIEU_HOC_BA/THONG_TIN_CHUNG")
        if info is None:
            return None

        def text(tag: str) -> str | None:
            value = info.findtext(tag)
            return value.strip() if value and value.strip() else None

        values = [
            text(t)
            for t in (
                "MA_TRA_CUU_UUID",
                "SO_CCCD",
                "MA_HOC_SINH",
                "HO_VA_TEN",
                "NGAY_SINH",
                "MA_TRUONG",
                "NAM_HOC",
            )
        ]
        uuid_, pid, code, name, dob, school, year = values
        if None in (pid, school, year) or not (year or "").isdigit():
            return None
        if dob is not None:
            try:
                day, month, yr = dob.split("/")
                dob = dt.date(int(yr), int(month), int(day)).isoformat()
            except ValueError:
                pass
        return cls(
            uuid_ or "",
            pid or "",
            code or "",
            unicodedata.normalize("NFC", name or ""),
            dob or "",
            school or "",
            int(year or 0),
        )


@dataclass(frozen=True, slots=True)
class RecordCheck:
    """The outcome of :func:`examine`: the report, and the keys for batch checks.

    Attributes:
        report: XSD, model and rule problems (``unusable`` for input that cannot be examined).
        keys: what :class:`~hocbaso.rules.BatchChecker` compares, or ``None`` when the
            identifying fields could not be read.
    """

    report: Report
    keys: BatchKeys | None


_GENERAL = "DU_LIEU_HOC_BA/THONG_TIN_CHUNG/"


def _ref_from_tree(tree: etree._ElementTree) -> RecordRef:
    root = tree.getroot()

    def text(tag: str) -> str | None:
        value = root.findtext(_GENERAL + tag)
        return value.strip() if value and value.strip() else None

    def number(tag: str) -> int | None:
        value = text(tag)
        return int(value) if value is not None and value.isdigit() else None

    return RecordRef(
        lookup_uuid=text("MA_TRA_CUU_UUID"),
        student_code=text("MA_HOC_SINH"),
        full_name=text("HO_VA_TEN"),
        personal_id=text("SO_CCCD"),
        school_code=text("MA_TRUONG"),
        school_year=number("NAM_HOC"),
        grade=number("MA_KHOI"),
    )


def _with_line(problem: Problem, tree: etree._ElementTree) -> Problem:
    if problem.location is None or "/@" in problem.location:
        return problem
    try:
        found = tree.xpath(problem.location)
    except etree.XPathError:  # pragma: no cover - locations are built from the plan
        return problem
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        line = found[0].sourceline
        if line is not None:
            return Problem(
                problem.rule,
                problem.severity,
                problem.location,
                line,
                problem.message_vi,
                problem.message_en,
                problem.clause,
                problem.field_title,
                problem.reported,
                problem.expected,
                problem.related,
            )
    return problem


_NFC_VI = (
    "Văn bản không ở dạng Unicode dựng sẵn (NFC); khi đọc đã được chuẩn hoá. "
    "Hãy xuất lại tệp ở dạng NFC trước khi ký."
)
_NFC_EN = (
    "text is not in Unicode NFC; it was normalised on decode. Re-export NFC text before signing."
)


def _examine(
    data: bytes,
    source: str | None,
    ruleset: RuleSet,
    max_bytes: int,
    engine: Engine,
) -> RecordCheck:
    tree = parse_bytes(data, max_bytes=max_bytes)
    profile = detect_profile(tree.getroot())
    problems = list(xsd_problems(tree, profile, engine))
    seen = {p.location for p in problems}
    record: Record | None = None
    model: list[Problem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NormalizationWarning)
        try:
            record = decode_tree(tree, profile=profile, source=source)
        except DocumentInvalidError as exc:
            model.extend(exc.report.problems)
    for p in model:
        # As hocbaso.validate does: each location once, XSD first.
        if p.location in seen and p.severity is Severity.ERROR:
            continue
        problems.append(p)
    for w in caught:
        if isinstance(w.message, NormalizationWarning):
            problems.append(
                Problem("TEXT-NFC", Severity.WARNING, w.message.location, None, _NFC_VI, _NFC_EN)
            )
    if record is None:
        return RecordCheck(
            Report(tuple(problems), source, _ref_from_tree(tree)), BatchKeys.from_tree(tree)
        )
    problems.extend(_with_line(p, tree) for p in _run(record, ruleset))
    return RecordCheck(Report(tuple(problems), source, record_ref(record)), BatchKeys.of(record))


def examine(
    data: bytes,
    *,
    source: str | None = None,
    rules: Selection = None,
    severities: SeverityMap = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    engine: Engine = "lxml",
) -> RecordCheck:
    """XSD, model and business-rule checks of record bytes, for batch processing.

    Unlike :func:`check_bytes` this never raises for bad input: an input that cannot be
    examined (malformed, unsafe, too large, wrong profile) gives a report with
    ``unusable=True`` and the error's code, so a batch can go on. A record that breaks the XSD
    or the models is not checked against the rules (its values cannot be trusted), but its
    report still names the record when the identifying fields can be read.
    """
    ruleset = RuleSet.from_spec(rules, severities=severities)
    try:
        return _examine(data, source, ruleset, max_bytes, engine)
    except HocbasoError as exc:
        report = Report.unusable_input(
            exc.code,
            exc.message_vi,
            exc.message_en,
            source=source,
            location=exc.location,
            line=exc.line,
        )
        return RecordCheck(report, None)


def check_bytes(
    data: bytes,
    *,
    source: str | None = None,
    rules: Selection = None,
    severities: SeverityMap = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    engine: Engine = "lxml",
) -> Report:
    """Validate record bytes (XSD and models, as :func:`hocbaso.validate`) then run the rules.

    One report covers both. The rules run only when the record decodes (a record that breaks
    the XSD or the models has values that cannot be trusted).

    Raises:
        InputError: the input cannot be examined at all (malformed XML, DTD or entities, too
            large, not UTF-8, wrong root/profile/version) — as :func:`hocbaso.validate`.
        ConfigurationError: an unknown rule selector or severity.
    """
    ruleset = RuleSet.from_spec(rules, severities=severities)
    return _examine(data, source, ruleset, max_bytes, engine).report
