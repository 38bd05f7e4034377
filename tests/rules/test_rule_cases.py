"""One passing and one failing example per rule, from the regulations' own cases.

Each :class:`Case` builds a record the rule must accept and one it must report. The expected
outcome is written here from the circular's text, never computed by the library. The failing
example must fire *only* its rule among the record rules of the same family when the rest of
the record is consistent (checked with every rule running), so a case also shows that the
rule does not trigger others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pytest

from hocbaso import rules
from hocbaso.codes import (
    AssessmentForm,
    FinalEvaluation,
    PassLevel,
    QualityLevel,
    ResultLevel,
    Sex,
    SubjectLevel,
    Title,
)
from hocbaso.conformance._records import setp
from hocbaso.examples import generate_record
from hocbaso.models import (
    VIETNAM_TZ,
    LeaderSlot,
    PrimaryRecord,
    PrimarySignatures,
    Record,
    SecondaryRecord,
    TermResult,
    YearResult,
)
from hocbaso.report import Report, Severity


def ids(report: Report) -> set[str]:
    """The rule ids of a report's problems."""
    return {p.rule for p in report.problems}


def secondary(seed: int = 1, grade: int = 10) -> SecondaryRecord:
    """A consistent generated secondary record."""
    record = generate_record(seed, grade)
    assert isinstance(record, SecondaryRecord)
    return record


def primary(seed: int = 1, grade: int = 4) -> PrimaryRecord:
    """A consistent generated primary record."""
    record = generate_record(seed, grade)
    assert isinstance(record, PrimaryRecord)
    return record


def with_year_results(
    record: SecondaryRecord,
    scores: Sequence[str],
    comments: Sequence[PassLevel],
    level: ResultLevel,
) -> SecondaryRecord:
    """``record`` whose subjects carry exactly these year averages and comment results.

    Scored subjects get the scores in order: every assessment of both terms equals the score,
    so the term and year averages are that score and stay consistent; comment subjects get
    the results in both terms and the year; the learning results of both terms and the year
    are ``level`` — what the regulation says, written by the test, not computed by the library.
    """
    subjects = list(record.data.summary.subjects)
    scored = [i for i, s in enumerate(subjects) if s.form is AssessmentForm.SCORE]
    commented = [i for i, s in enumerate(subjects) if s.form is AssessmentForm.COMMENT]
    assert len(scored) >= len(scores) and len(commented) >= len(comments)
    keep = set(scored[: len(scores)]) | set(commented[: len(comments)])
    for i, value in zip(scored, scores, strict=False):
        v = Decimal(value)
        n = len(subjects[i].term1.regular_scores)
        term = TermResult(regular_scores=(v,) * n, midterm_score=v, final_score=v, average=v)
        subjects[i] = subjects[i].model_copy(
            update={"term1": term, "term2": term, "year": YearResult(average=v)}
        )
    for i, result in zip(commented, comments, strict=False):
        subjects[i] = subjects[i].model_copy(
            update={
                "term1": TermResult(result=result),
                "term2": TermResult(result=result),
                "year": YearResult(result=result),
            }
        )
    kept = tuple(s for i, s in enumerate(subjects) if i in keep)
    out = setp(record, ("data", "summary", "subjects"), kept)
    for name in ("learning_term1", "learning_term2", "learning_year"):
        out = setp(out, ("data", "summary", name), level)
    return out


T, K, DAT, CD = ResultLevel.GOOD, ResultLevel.FAIR, ResultLevel.PASS, ResultLevel.FAIL
OK, NO = PassLevel.PASS, PassLevel.FAIL
D = Decimal
SUM = ("data", "summary")
GEN = ("data", "general")


@dataclass(frozen=True)
class Case:
    """A rule's passing and failing example."""

    rule: str
    name: str
    passing: Callable[[], Record]
    failing: Callable[[], Record]
    alone: bool = True
    """The failing record breaks no other rule (False: other rules legitimately fire too)."""


def sec() -> SecondaryRecord:
    """Grade 10, 9 scored subjects (NV, TOAN, NN1, LS, GDQPAN, VL, HH, SH, TIN), 3 comment."""
    return secondary(2, 10)


TOAN = 1  # index of TOAN in sec()'s subjects
GDTC = 5  # a comment-only subject
VL = 8  # Vật lí, 70 periods: 3 regular scores


def _term(regular: list[str], mid: str, fin: str, avg: str) -> TermResult:
    return TermResult(
        regular_scores=tuple(D(x) for x in regular),
        midterm_score=D(mid),
        final_score=D(fin),
        average=D(avg),
    )


def toan_term1(regular: list[str], mid: str, fin: str, avg: str) -> SecondaryRecord:
    return setp(sec(), (*SUM, "subjects", TOAN, "term1"), _term(regular, mid, fin, avg))


def toan_terms(avg1: str, avg2: str, year: str) -> SecondaryRecord:
    r = setp(sec(), (*SUM, "subjects", TOAN, "term1", "average"), D(avg1))
    r = setp(r, (*SUM, "subjects", TOAN, "term2", "average"), D(avg2))
    return setp(r, (*SUM, "subjects", TOAN, "year"), YearResult(average=D(year)))


NINE = ["9", "9", "9", "9", "9", "9", "9", "9"]


def year_case(scores: list[str], comments: list[PassLevel], level: ResultLevel) -> Record:
    return with_year_results(sec(), scores, comments, level)


def summary(record: Record, **values: object) -> Record:
    for name, value in values.items():
        record = setp(record, (*SUM, name), value)
    return record


def general(record: Record, **values: object) -> Record:
    for name, value in values.items():
        record = setp(record, (*GEN, name), value)
    return record


def good_sec(**values: object) -> Record:
    """sec() with conduct and learning Tốt everywhere (no title), then ``values``."""
    r = summary(
        sec(),
        learning_term1=T,
        learning_term2=T,
        learning_year=T,
        conduct_term1=T,
        conduct_term2=T,
        conduct_year=T,
        title=None,
    )
    return summary(r, **values)


def year_scores(record: Record, scores: list[str]) -> Record:
    for i, value in zip((0, 1, 2, 3, 4, 8, 9, 10, 11), scores, strict=True):
        record = setp(record, (*SUM, "subjects", i, "year", "average"), D(value))
    return record


def promo(absences: int, promoted: bool, conduct: ResultLevel = DAT) -> Record:
    r = summary(
        sec(), conduct_year=conduct, learning_year=DAT, promoted=promoted, completed_grade=promoted
    )
    return general(r, excused_absences=absences - 2, unexcused_absences=2)


def failed_learning(**subject_year: YearResult) -> Record:
    """sec() whose year learning result is Chưa đạt, TOAN at 3.0 (re-test candidate)."""
    base = with_year_results(sec(), ["6", "3.0", "4.0", "6", "6", "6", "6", "6", "6"], [OK] * 3, CD)
    r = summary(base, promoted=False, completed_grade=False)
    for index, year in subject_year.items():
        r = setp(r, (*SUM, "subjects", int(index[1:]), "year"), year)
    return r


def prim(grade: int = 4) -> PrimaryRecord:
    """A Hoàn thành xuất sắc primary record of ``grade`` (all Tốt, tests ≥ 9)."""
    r = primary(1, grade)
    subjects = tuple(
        s.model_copy(
            update={
                "level": SubjectLevel.EXCELLENT,
                "test_score": 9 if s.test_score is not None else None,
            }
        )
        for s in r.data.summary.subjects
    )
    block = r.data.summary.assessment.model_copy(
        update=dict.fromkeys(r.data.summary.assessment.levels(), QualityLevel.GOOD)
    )
    out = summary(r, subjects=subjects, assessment=block)
    text = (
        "Hoàn thành chương trình tiểu học."
        if grade == 5
        else (f"Hoàn thành chương trình lớp {grade}; Được lên lớp {grade + 1}.")
    )
    out = summary(
        out,
        final_evaluation=FinalEvaluation.OUTSTANDING,
        promoted=True,
        completed_grade=True,
        completed_primary=True if grade == 5 else None,
        completion_text=text,
        commendation="Học sinh Xuất sắc",
    )
    assert isinstance(out, PrimaryRecord)
    return out


def prim_subject(record: PrimaryRecord, code: str, **values: object) -> PrimaryRecord:
    subjects = record.data.summary.subjects
    i = next(i for i, s in enumerate(subjects) if s.subject_code == code)
    for name, value in values.items():
        record = setp(record, (*SUM, "subjects", i, name), value)
    return record


def not_completed(grade: int = 4, promoted: bool = False) -> Record:
    r = prim_subject(prim(grade), "TOAN", level=SubjectLevel.NOT_COMPLETED, test_score=4)
    word = "Được" if promoted else "Chưa được"
    return summary(
        r,
        final_evaluation=FinalEvaluation.NOT_COMPLETED,
        promoted=promoted,
        completed_grade=False,
        completed_primary=False if grade == 5 else None,
        commendation=None,
        completion_text=f"Chưa hoàn thành chương trình lớp {grade}; {word} lên lớp {grade + 1}.",
    )


def official() -> Record:
    """Grade 1 with the Ministry's example identity: 048317002681, Nữ, 17/05/2017."""
    from hocbaso.examples import example_record

    return example_record(1)


def signed(record: Record, leader_id: str) -> Record:
    """``record`` with a (dummy) CBQL signature slot carrying ``leader_id``."""
    slot = LeaderSlot(
        signed_at=dt.datetime(2024, 5, 31, 9, 0, tzinfo=VIETNAM_TZ),
        personal_id=leader_id,
        signature=b"<ds:Signature/>",
    )
    return setp(record, ("signatures",), PrimarySignatures(leader=slot))


def history(record: Record, index: int, **values: object) -> Record:
    for name, value in values.items():
        record = setp(record, ("data", "history", index, name), value)
    return record


CASES = [
    # ------------------------------------------------------------------ TT 22/2021
    Case(
        "TT22-HT-001",
        "Toán is scored (Điều 5); recorded as comment-only",
        sec,
        lambda: setp(sec(), (*SUM, "subjects", TOAN, "form"), AssessmentForm.COMMENT),
        alone=False,  # Toán then counts as a comment subject in the learning result
    ),
    Case(
        "TT22-TX-001",
        "Toán, 140 periods: 4 ĐĐGtx per term (Điều 6.2.b); 3 recorded",
        lambda: toan_term1(["7", "8", "9", "8"], "8", "9", "8.3"),
        lambda: toan_term1(["7", "8", "9"], "8", "9", "8.4"),
        alone=False,
    ),
    Case(
        "TT22-AVG-001",
        "Vật lí, 70 periods, 3 ĐĐGtx: (7+8+9 + 2×8 + 3×9)/8 = 8.375 → 8.4; recorded 8.3",
        lambda: setp(
            sec(), (*SUM, "subjects", VL, "term1"), _term(["7", "8", "9"], "8", "9", "8.4")
        ),
        lambda: setp(
            sec(), (*SUM, "subjects", VL, "term1"), _term(["7", "8", "9"], "8", "9", "8.3")
        ),
        alone=False,
    ),
    Case(
        "TT22-AVG-001",
        "half-up: (8+8+8+8 + 2×9 + 3×8)/9 = 8.222 → 8.2; and 8.25 → 8.3, never 8.2",
        lambda: toan_term1(["8", "8", "8", "8"], "9", "8", "8.2"),
        lambda: toan_term1(["8", "8", "8", "8"], "9", "8", "8.3"),
        alone=False,
    ),
    Case(
        "TT22-AVG-002",
        "(8.4 + 2×7.9)/3 = 8.067 → 8.1; recorded 8.0",
        lambda: toan_terms("8.4", "7.9", "8.1"),
        lambda: toan_terms("8.4", "7.9", "8.0"),
        alone=False,
    ),
    Case(
        "TT22-CMT-001",
        "comment subject: term II Chưa đạt → year Chưa đạt (Điều 9.1.a); recorded Đạt",
        lambda: setp(
            setp(sec(), (*SUM, "subjects", GDTC, "term2"), TermResult(result=NO)),
            (*SUM, "subjects", GDTC, "year"),
            YearResult(result=NO),
        ),
        lambda: setp(sec(), (*SUM, "subjects", GDTC, "term2"), TermResult(result=NO)),
        alone=False,
    ),
    Case(
        "TT22-KQHT-001",
        "Tốt: all ≥ 6.5 and 6 subjects ≥ 8.0 (Điều 9.2.a); recorded Khá",
        lambda: year_case(["8", "8", "8", "8", "8", "8", "6.5", "7", "7"], [OK] * 3, T),
        lambda: year_case(["8", "8", "8", "8", "8", "8", "6.5", "7", "7"], [OK] * 3, K),
    ),
    Case(
        "TT22-KQHT-001",
        "only 5 subjects ≥ 8.0: Khá, not Tốt (Điều 9.2.b); recorded Tốt",
        lambda: year_case(["8", "8", "8", "8", "8", "7.9", "7", "7", "7"], [OK] * 3, K),
        lambda: year_case(["8", "8", "8", "8", "8", "7.9", "7", "7", "7"], [OK] * 3, T),
    ),
    Case(
        "TT22-KQHT-001",
        "Đạt: a subject at 3.5 is allowed, 3.4 is not (Điều 9.2.c); 3.4 recorded Đạt",
        lambda: year_case(["5", "5", "5", "5", "5", "5", "3.5", "4", "4"], [OK] * 3, DAT),
        lambda: year_case(["5", "5", "5", "5", "5", "5", "3.4", "4", "4"], [OK] * 3, DAT),
    ),
    Case(
        "TT22-KQHT-001",
        "Điều 9.3: all 9.0 but Toán 4.5 → Đạt by 9.2, Tốt without Toán → Khá; recorded Đạt",
        lambda: year_case(["9", "4.5", *NINE[:7]], [OK] * 3, K),
        lambda: year_case(["9", "4.5", *NINE[:7]], [OK] * 3, DAT),
    ),
    Case(
        "TT22-KQHT-001",
        "Điều 9.3: one comment subject Chưa đạt, scores Tốt → Khá; recorded Đạt",
        lambda: year_case(["9", *NINE], [NO, OK, OK], K),
        lambda: year_case(["9", *NINE], [NO, OK, OK], DAT),
    ),
    Case(
        "TT22-KQHT-001",
        "Điều 9.3 not applicable: two weak subjects (4.0, 4.0) → Đạt stays; recorded Khá",
        lambda: year_case(["4", "4", *NINE[:7]], [OK] * 3, DAT),
        lambda: year_case(["4", "4", *NINE[:7]], [OK] * 3, K),
    ),
    Case(
        "TT22-KQHT-002",
        "Tốt pulled to Chưa đạt by Toán 3.0: library reading Khá; Đạt is the other reading",
        lambda: year_case(["9", "3", *NINE[:7]], [OK] * 3, K),
        lambda: year_case(["9", "3", *NINE[:7]], [OK] * 3, DAT),
    ),
    Case(
        "TT22-RL-001",
        "conduct: term I Đạt, term II Tốt → year Khá (Điều 8.3); recorded Tốt",
        lambda: summary(sec(), conduct_term1=DAT, conduct_term2=T, conduct_year=K, title=None),
        lambda: summary(sec(), conduct_term1=DAT, conduct_term2=T, conduct_year=T, title=None),
    ),
    Case(
        "TT22-DH-001",
        "Học sinh Xuất sắc needs 6 year averages ≥ 9.0 (Điều 15.1.a); 5 recorded",
        lambda: year_scores(
            good_sec(title=Title.OUTSTANDING), ["9", "9", "9", "9", "9", "9", "8", "8", "8"]
        ),
        lambda: year_scores(
            good_sec(title=Title.OUTSTANDING), ["9", "9", "9", "9", "9", "8.9", "8", "8", "8"]
        ),
        alone=False,
    ),
    Case(
        "TT22-DH-002",
        "conduct Tốt and learning Tốt: Học sinh Giỏi, but no title recorded",
        lambda: year_scores(
            good_sec(title=Title.EXCELLENT), ["9", "8", "8", "8", "8", "8", "8", "8", "8"]
        ),
        lambda: year_scores(good_sec(title=None), ["9", "8", "8", "8", "8", "8", "8", "8", "8"]),
        alone=False,
    ),
    Case(
        "TT22-LL-001",
        "45 sessions absent: promoted; 46: not (Điều 12.1); 46 recorded promoted",
        lambda: promo(45, True),
        lambda: summary(promo(46, True), completed_grade=False),
        alone=False,
    ),
    Case(
        "TT22-LL-002",
        "conduct Chưa đạt: grade not completed; recorded completed",
        lambda: promo(0, False, CD),
        lambda: summary(promo(0, False, CD), completed_grade=True),
        alone=False,
    ),
    Case(
        "TT22-LL-003",
        "grade 9 records completion of lower secondary; flag missing",
        lambda: secondary(3, 9),
        lambda: summary(secondary(3, 9), completed_lower_secondary=None),
    ),
    Case(
        "TT22-LL-003",
        "grade 7 carries no completion-of-level flag",
        lambda: secondary(3, 7),
        lambda: summary(secondary(3, 7), completed_lower_secondary=True),
    ),
    Case(
        "TT22-KTL-001",
        "re-test only for ĐTBmcn < 5.0 (Điều 13.1); a 6.0 subject re-tested",
        lambda: summary(
            failed_learning(s1=YearResult(average=D("3.0"), retest_score=D("5.5"))),
            learning_after_retest=DAT,
            promoted=True,
            completed_grade=True,
        ),
        lambda: summary(
            failed_learning(s0=YearResult(average=D(6), retest_score=D("7"))),
            learning_after_retest=CD,
        ),
    ),
    Case(
        "TT22-KTL-002",
        "re-test 5.5 replaces Toán 3.0 → Đạt (Điều 13); recorded Chưa đạt after re-test",
        lambda: summary(
            failed_learning(s1=YearResult(average=D("3.0"), retest_score=D("5.5"))),
            learning_after_retest=DAT,
            promoted=True,
            completed_grade=True,
        ),
        lambda: summary(
            failed_learning(s1=YearResult(average=D("3.0"), retest_score=D("5.5"))),
            learning_after_retest=CD,
        ),
    ),
    Case(
        "TT22-RLH-001",
        "summer training only after a Chưa đạt year conduct (Điều 14)",
        lambda: summary(
            promo(0, True, CD), conduct_after_summer=DAT, promoted=True, completed_grade=True
        ),
        lambda: summary(sec(), conduct_after_summer=T),
    ),
    # ------------------------------------------------------------------ TT 27/2020
    Case(
        "TT27-KQ-001",
        "HTXS needs every periodic test ≥ 9 (Điều 9.2.a); Toán 8 → Hoàn thành tốt",
        prim,
        lambda: prim_subject(prim(), "TOAN", test_score=8),
    ),
    Case(
        "TT27-KQ-001",
        "one subject Hoàn thành → Hoàn thành (not tốt); recorded Hoàn thành tốt",
        lambda: summary(
            prim_subject(prim(), "DD", level=SubjectLevel.COMPLETED),
            final_evaluation=FinalEvaluation.COMPLETED,
            commendation=None,
        ),
        lambda: summary(
            prim_subject(prim(), "DD", level=SubjectLevel.COMPLETED),
            final_evaluation=FinalEvaluation.EXCELLENT,
            commendation=None,
        ),
    ),
    Case(
        "TT27-KTDK-001",
        "Toán must have an end-of-year test score (Điều 7.1.b)",
        prim,
        lambda: prim_subject(prim(), "TOAN", test_score=None),
    ),
    Case(
        "TT27-KTDK-002",
        "Đạo đức has no periodic test; a score is recorded",
        prim,
        lambda: prim_subject(prim(), "DD", test_score=10),
    ),
    Case(
        "TT27-NLPC-001",
        "grade 4 assesses the technology competency; missing",
        prim,
        lambda: setp(prim(), (*SUM, "assessment", "technology"), None),
    ),
    Case(
        "TT27-HT-001",
        "Hoàn thành xuất sắc completes the grade (Điều 11.1); recorded not completed",
        prim,
        lambda: summary(prim(), completed_grade=False),
    ),
    Case(
        "TT27-LL-001",
        "completed the grade → promoted; recorded not promoted",
        prim,
        lambda: summary(
            prim(),
            promoted=False,
            completion_text="Hoàn thành chương trình lớp 4; Chưa được lên lớp 5.",
        ),
    ),
    Case(
        "TT27-LL-002",
        "Chưa hoàn thành and promoted: the principal's decision (Điều 11.3), a warning",
        not_completed,
        lambda: not_completed(promoted=True),
    ),
    Case(
        "TT27-HT-002",
        "grade 5 completing → completed primary; recorded 0",
        lambda: prim(5),
        lambda: summary(prim(5), completed_primary=False),
    ),
    Case(
        "TT27-HT-003",
        "wording says Chưa hoàn thành while the pupil completed",
        prim,
        lambda: summary(
            prim(), completion_text="Chưa hoàn thành chương trình lớp 4; Được lên lớp 5."
        ),
    ),
    Case(
        "TT27-HT-004",
        "wording not in the model form of Phụ lục 1",
        lambda: summary(prim(5), completion_text="Hoàn thành chương trình tiểu học."),
        lambda: summary(prim(5), completion_text="Đã học xong tiểu học"),
    ),
    Case(
        "TT27-KT-001",
        "Hoàn thành xuất sắc without the 'Học sinh Xuất sắc' commendation (Điều 13.1.a)",
        prim,
        lambda: summary(prim(), commendation=None),
    ),
    Case(
        "TT27-KT-002",
        "'Học sinh Tiêu biểu' is for Hoàn thành tốt (Điều 13.1.b); given with HTXS",
        prim,
        lambda: summary(
            prim(),
            commendation="Học sinh Xuất sắc; Học sinh Tiêu biểu hoàn thành tốt trong học tập và "
            "rèn luyện",
        ),
    ),
    # ------------------------------------------------------------------ identity
    Case(
        "ID-CCCD-001",
        "province code 003 does not exist",
        official,
        lambda: general(official(), personal_id="003317002681"),
    ),
    Case(
        "ID-CCCD-002",
        "048317002681: digit 4 = 3 → female; recorded Nam",
        official,
        lambda: general(official(), sex=Sex.MALE),
    ),
    Case(
        "ID-CCCD-003",
        "048317002681 encodes 2017; born 17/05/2016",
        official,
        lambda: general(official(), date_of_birth=dt.date(2016, 5, 17)),
    ),
    Case(
        "ID-CCCD-004",
        "leader's id encodes birth year 2015 (a child)",
        official,
        lambda: general(official(), signing_leader_personal_id="048215123456"),
    ),
    Case(
        "ID-CCCD-005",
        "the homeroom teacher's id is the student's",
        official,
        lambda: general(official(), homeroom_teacher_personal_id="048317002681"),
        alone=False,
    ),
    Case(
        "ID-SIGNER-001",
        "the CBQL slot is signed by someone else than SO_CCCD_GIAM_HIEU_KY_HOC_BA",
        lambda: signed(official(), official().data.general.signing_leader_personal_id),
        lambda: signed(official(), "048180000001"),
    ),
    Case(
        "ID-MHS-001",
        "student code of 9 digits",
        official,
        lambda: general(official(), student_code="481234567"),
    ),
    Case(
        "ID-SGD-001",
        "Sở code 99 is no province",
        official,
        lambda: general(official(), department_code="99"),
    ),
    Case(
        "ID-TT-001",
        "a primary record citing TT 22/2021",
        official,
        lambda: general(official(), circular="22/2021/TT-BGDĐT"),
    ),
    Case(
        "ID-AGE-001",
        "grade 1 at age 10 (normal 6, accepted 5–9)",
        official,
        lambda: general(official(), date_of_birth=dt.date(2013, 5, 17)),
        alone=False,
    ),
    Case(
        "ID-HIST-001",
        "history ends in 2022 for a 2023 record",
        official,
        lambda: history(official(), 0, school_year=2022, enrolled_on=dt.date(2022, 9, 5)),
    ),
    Case(
        "ID-HIST-002",
        "grade 4 history 2020, 2021, 2023, 2023: 2022 missing",
        lambda: primary(1, 4),
        lambda: history(primary(1, 4), 2, school_year=2023, enrolled_on=dt.date(2023, 9, 1)),
    ),
    Case(
        "ID-HIST-003",
        "arrival 05/09/2024 recorded for school year 2023-2024's first entry",
        official,
        lambda: history(official(), 0, enrolled_on=dt.date(2024, 9, 5)),
    ),
    Case(
        "ID-HIST-004",
        "last history entry names another school",
        official,
        lambda: history(official(), 0, school_name="Tiểu học Lê Lợi"),
    ),
    Case(
        "ID-MON-001",
        "subject code XYZ is not in the catalogue",
        prim,
        lambda: prim_subject(prim(), "HDTN", subject_code="XYZ"),
        alone=False,  # HDTN is then missing too
    ),
    Case(
        "ID-MON-002",
        "grade 4 without Khoa học",
        prim,
        lambda: summary(
            prim(),
            subjects=tuple(s for s in prim().data.summary.subjects if s.subject_code != "KH"),
        ),
    ),
]


def _case_id(case: Case) -> str:
    return f"{case.rule}: {case.name}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_passing_example(case: Case) -> None:
    report = rules.check_record(case.passing(), case.rule)
    assert not report.problems, report.to_text()


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_failing_example(case: Case) -> None:
    record = case.failing()
    report = rules.check_record(record, case.rule)
    assert ids(report) == {case.rule}, report.to_text()
    rule = rules.get_rule(case.rule)
    for p in report.problems:
        assert p.severity is rule.severity
        assert p.clause == rule.clause
        assert p.message_vi and p.message_en and p.location and p.location.startswith("/HOC_BA")
    everything = rules.check_record(record)
    assert case.rule in ids(everything)
    if case.alone:
        assert ids(everything) == {case.rule}, everything.to_text()


def test_every_record_rule_has_cases() -> None:
    covered = {c.rule for c in CASES}
    record_rules = {r.id for r in rules.all_rules() if not r.is_batch}
    assert record_rules - covered == set()
    assert covered - record_rules == set()


def test_messages_name_both_values() -> None:
    report = rules.check_record(toan_term1(["7", "8", "9", "8"], "8", "9", "8.5"), "TT22-AVG-001")
    (p,) = report.problems
    assert (p.reported, p.expected) == ("8.5", "8.3")
    assert "8.5" in p.message_vi and "8.3" in p.message_vi
    assert "(7 + 8 + 9 + 8 + 2×8 + 3×9) / 9 = 8.333 → 8.3" in p.message_en
    assert p.field_title == "điểm trung bình môn học kỳ"
    assert p.location == (
        "/HOC_BA/DU_LIEU_HOC_BA/TONG_KET/DS_DIEM_TONG_KET/DIEM_TONG_KET[2]/HOC_KY_1/DTB_MON"
    )


def test_half_up_is_not_bankers() -> None:
    # (8 + 8 + 8 + 2×9 + 3×8) / 8 = 66 / 8 = 8.25 → 8.3 (round() on floats gives 8.2).
    sci = 11  # TIN: 35 periods, 3 regular scores is a TX warning only; AVG is what we test
    base = setp(sec(), (*SUM, "subjects", sci, "term1"), _term(["8", "8", "8"], "9", "8", "8.3"))
    assert not rules.check_record(base, "TT22-AVG-001").problems
    wrong = setp(base, (*SUM, "subjects", sci, "term1", "average"), D("8.2"))
    (p,) = rules.check_record(wrong, "TT22-AVG-001").problems
    assert p.expected == "8.3"


def test_learning_result_reported_per_term_and_year() -> None:
    record = year_case(["8", "8", "8", "8", "8", "7.9", "7", "7", "7"], [OK] * 3, T)
    problems = rules.check_record(record, "TT22-KQHT-001").problems
    assert [p.location.rsplit("/", 1)[-1] for p in problems if p.location] == [
        "KET_QUA_HOC_TAP_HK1",
        "KET_QUA_HOC_TAP_HK2",
        "KET_QUA_HOC_TAP_CA_NAM",
    ]
    assert "chỉ 5 môn từ 8 trở lên (cần 6)" in problems[-1].message_vi


def test_adjustment_explained() -> None:
    record = year_case(["9", "4.5", *NINE[:7]], [OK] * 3, DAT)
    p = rules.check_record(record, "TT22-KQHT-001").problems[-1]
    assert "Điều 9.3" in p.message_vi and p.expected == "Khá"


def test_ambiguous_reading_is_a_warning_not_an_error() -> None:
    record = year_case(["9", "3", *NINE[:7]], [OK] * 3, DAT)
    report = rules.check_record(record, "tt22")
    assert report.valid
    assert {p.rule for p in report.warnings} == {"TT22-KQHT-002"}


def test_primary_shortfall_names_the_test() -> None:
    record = prim_subject(prim(), "TOAN", test_score=8)
    (p,) = rules.check_record(record, "TT27-KQ-001").problems
    assert "Toán 8" in p.message_vi and p.expected == "Hoàn thành tốt"


def test_severity_of_warnings() -> None:
    warned = {r.id for r in rules.all_rules() if r.severity is Severity.WARNING}
    assert {"TT22-TX-001", "TT22-KQHT-002", "ID-CCCD-001", "ID-MHS-001"} <= warned
