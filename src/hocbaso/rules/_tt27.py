"""Primary results — Thông tư 27/2020/TT-BGDĐT (profile ``tieu-hoc-1.0``).

The year-end evaluation (*đánh giá kết quả giáo dục*) is checked against the subject levels,
the end-of-year periodic test scores and the quality/competency levels the record reports; the
completion and promotion flags and the completion wording against the evaluation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from hocbaso import assessment
from hocbaso.codes import SUBJECTS, FinalEvaluation, QualityLevel, SubjectLevel
from hocbaso.models import PrimarySummary
from hocbaso.report import Severity
from hocbaso.rules._context import Context, fmt
from hocbaso.rules._registry import Finding, rule

__all__: list[str] = []

PRIMARY = ("tieu-hoc-1.0",)
TT27 = "TT 27/2020/TT-BGDĐT"
ERROR, WARNING = Severity.ERROR, Severity.WARNING

_OPTIONAL_TEST_BELOW_GRADE3 = frozenset({"NN1"})
"""Ngoại ngữ 1 is an elective in grades 1–2: no periodic test is required there."""


def _summary(ctx: Context) -> PrimarySummary:
    return ctx.primary.data.summary


def _expected(ctx: Context) -> FinalEvaluation:
    cached = ctx.cache.get("tt27.final")
    if cached is None:
        summary = _summary(ctx)
        cached = ctx.cache["tt27.final"] = assessment.primary_final_evaluation(
            (s.level for s in summary.subjects),
            summary.assessment.levels().values(),
            (s.test_score for s in summary.subjects if s.test_score is not None),
        )
    assert isinstance(cached, FinalEvaluation)
    return cached


def _completed(ctx: Context) -> bool:
    """Completion of the grade as the reported evaluation gives it (Điều 11.1)."""
    return _summary(ctx).final_evaluation is not FinalEvaluation.NOT_COMPLETED


def _shortfall(ctx: Context, level: FinalEvaluation) -> tuple[str, str]:
    summary = _summary(ctx)
    if level is FinalEvaluation.COMPLETED:
        subject_ok: tuple[SubjectLevel, ...] = (SubjectLevel.EXCELLENT, SubjectLevel.COMPLETED)
        quality_ok: tuple[QualityLevel, ...] = (QualityLevel.GOOD, QualityLevel.PASS)
        minimum = 5
    else:
        subject_ok = (SubjectLevel.EXCELLENT,)
        quality_ok = (QualityLevel.GOOD,)
        minimum = 9 if level is FinalEvaluation.OUTSTANDING else 7
    vi: list[str] = []
    en: list[str] = []
    subjects = [
        f"{s.subject_name} {s.level.value}" for s in summary.subjects if s.level not in subject_ok
    ]
    if subjects:
        vi.append("môn học: " + ", ".join(subjects))
        en.append("subjects: " + ", ".join(subjects))
    qualities = []
    for name, value in summary.assessment.levels().items():
        if value not in quality_ok:
            _, title = ctx.at("data", "summary", "assessment", name)
            qualities.append(f"{title} {value.value}")
    if qualities:
        vi.append("phẩm chất, năng lực: " + ", ".join(qualities))
        en.append("qualities/competencies: " + ", ".join(qualities))
    tests = [
        f"{s.subject_name} {s.test_score}"
        for s in summary.subjects
        if s.test_score is not None and s.test_score < minimum
    ]
    if tests:
        vi.append(f"điểm kiểm tra định kỳ dưới {minimum}: " + ", ".join(tests))
        en.append(f"periodic tests below {minimum}: " + ", ".join(tests))
    return "; ".join(vi), "; ".join(en)


@rule(
    "TT27-KQ-001",
    severity=ERROR,
    clause=f"{TT27} Điều 9.2.a",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Kết quả xếp loại cuối năm (Hoàn thành xuất sắc / Hoàn thành tốt / Hoàn thành / "
    "Chưa hoàn thành) đúng với mức đạt được các môn, mức phẩm chất, năng lực và điểm kiểm tra "
    "định kỳ cuối năm (từ 9, 7, 5 điểm).",
    title_en="The year-end evaluation follows from the subject levels, the qualities and "
    "competencies and the end-of-year periodic tests (thresholds 9, 7, 5).",
)
def final_evaluation(ctx: Context) -> Iterator[Finding]:
    """KET_QUA_XEP_LOAI against TT 27/2020 Điều 9.2.a."""
    summary = _summary(ctx)
    expected = _expected(ctx)
    reported = summary.final_evaluation
    if reported is expected:
        return
    order = list(FinalEvaluation)
    if order.index(reported) < order.index(expected):  # reported is the better level
        why_vi, why_en = _shortfall(ctx, reported)
        why_vi, why_en = f"chưa đạt mức {reported.value}: {why_vi}", f"short of it: {why_en}"
    else:
        why_vi = f"các điều kiện của mức {expected.value} đều đạt"
        why_en = f"every condition of {expected.value} is met"
    loc, title = ctx.at("data", "summary", "final_evaluation")
    yield Finding(
        loc,
        f"Kết quả xếp loại ghi {reported.value}, nhưng theo mức các môn, phẩm chất, năng lực "
        f"và điểm kiểm tra định kỳ phải là {expected.value} ({why_vi}).",
        f"KET_QUA_XEP_LOAI is {reported.value}, but the subject levels, qualities, competencies "
        f"and periodic tests give {expected.value} ({why_en}).",
        title,
        reported.value,
        expected.value,
    )


def _test_required(code: str, grade: int) -> bool:
    meta = SUBJECTS.get(code)
    if meta is None or not meta.periodic_test:
        return False
    return not (code in _OPTIONAL_TEST_BELOW_GRADE3 and grade < 3)


@rule(
    "TT27-KTDK-001",
    severity=ERROR,
    clause=f"{TT27} Điều 7.1.b",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Có điểm kiểm tra định kỳ cuối năm cho các môn bắt buộc có bài kiểm tra: Tiếng "
    "Việt, Toán, Ngoại ngữ 1 (từ lớp 3), Lịch sử và Địa lí, Khoa học, Tin học và Công nghệ.",
    title_en="An end-of-year periodic test score exists for the compulsory tested subjects: "
    "Vietnamese, mathematics, foreign language 1 (from grade 3), history and geography, "
    "science, informatics and technology.",
)
def test_score_present(ctx: Context) -> Iterator[Finding]:
    """DIEM_KIEM_TRA_DINH_KY present where TT 27/2020 Điều 7.1.b requires a test."""
    grade = ctx.general.grade
    for i, s in enumerate(_summary(ctx).subjects):
        if s.test_score is not None or not _test_required(s.subject_code, grade):
            continue
        loc, _ = ctx.at("data", "summary", "subjects", i)
        yield Finding(
            loc,
            f"Môn {s.subject_name} ({s.subject_code}) lớp {grade} phải có điểm kiểm tra định kỳ "
            "cuối năm nhưng học bạ không ghi.",
            f"{s.subject_name} ({s.subject_code}) in grade {grade} needs an end-of-year periodic "
            "test score (DIEM_KIEM_TRA_DINH_KY); none is recorded.",
            "điểm kiểm tra định kỳ",
            None,
            None,
        )


@rule(
    "TT27-KTDK-002",
    severity=WARNING,
    clause=f"{TT27} Điều 7.1.b",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Môn không có bài kiểm tra định kỳ (Đạo đức, Tự nhiên và Xã hội, Giáo dục thể "
    "chất, Nghệ thuật, Hoạt động trải nghiệm, …) không ghi điểm kiểm tra định kỳ.",
    title_en="Subjects without periodic tests (ethics, nature and society, physical education, "
    "arts, experiential activities, …) carry no periodic test score.",
)
def test_score_unexpected(ctx: Context) -> Iterator[Finding]:
    """DIEM_KIEM_TRA_DINH_KY on a catalogue subject that has no periodic test."""
    for i, s in enumerate(_summary(ctx).subjects):
        meta = SUBJECTS.get(s.subject_code)
        if s.test_score is None or meta is None or meta.periodic_test:
            continue
        loc, title = ctx.at("data", "summary", "subjects", i, "test_score")
        yield Finding(
            loc,
            f"Môn {s.subject_name} ({s.subject_code}) không có bài kiểm tra định kỳ theo Điều "
            f"7.1.b nhưng học bạ ghi điểm {s.test_score}.",
            f"{s.subject_name} ({s.subject_code}) has no periodic test under Điều 7.1.b but the "
            f"record gives a score of {s.test_score}.",
            title,
            str(s.test_score),
            None,
        )


@rule(
    "TT27-NLPC-001",
    severity=WARNING,
    clause=f"{TT27} Điều 7.2; CT GDPT 2018",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Năng lực công nghệ và năng lực tin học được đánh giá từ lớp 3 (khi có môn Tin "
    "học và Công nghệ), không đánh giá ở lớp 1, 2.",
    title_en="The technology and informatics competencies are assessed from grade 3 (with the "
    "informatics and technology subject), not in grades 1–2.",
)
def tech_competencies(ctx: Context) -> Iterator[Finding]:
    """NANG_LUC_CONG_NGHE / NANG_LUC_TIN_HOC present exactly from grade 3."""
    grade = ctx.general.grade
    block = _summary(ctx).assessment
    for name in ("technology", "informatics"):
        value = getattr(block, name)
        if (grade >= 3) == (value is not None):
            continue
        loc, title = ctx.at("data", "summary", "assessment", name)
        if grade >= 3 and value is None:
            parent, _ = ctx.at("data", "summary", "assessment")
            yield Finding(
                parent,
                f"Học sinh lớp {grade}: thiếu đánh giá {title}.",
                f"Grade {grade}: the {name} competency is not assessed.",
                title,
                None,
                None,
            )
        elif grade < 3 and value is not None:
            yield Finding(
                loc,
                f"Học sinh lớp {grade} chưa học Tin học và Công nghệ nhưng có đánh giá {title} "
                f"({value.value}).",
                f"Grade {grade} has no informatics and technology subject but the {name} "
                f"competency is assessed ({value.value}).",
                title,
                value.value,
                None,
            )


@rule(
    "TT27-HT-001",
    severity=ERROR,
    clause=f"{TT27} Điều 11.1",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Đã hoàn thành chương trình lớp học khi và chỉ khi kết quả xếp loại là Hoàn thành "
    "xuất sắc, Hoàn thành tốt hoặc Hoàn thành.",
    title_en="Completed the grade if and only if the evaluation is Hoàn thành xuất sắc, Hoàn "
    "thành tốt or Hoàn thành.",
)
def completed_grade(ctx: Context) -> Iterator[Finding]:
    """DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC against KET_QUA_XEP_LOAI."""
    summary = _summary(ctx)
    expected = _completed(ctx)
    if summary.completed_grade is expected:
        return
    loc, title = ctx.at("data", "summary", "completed_grade")
    yield Finding(
        loc,
        f"Đã hoàn thành chương trình lớp học ghi {fmt(summary.completed_grade)}, nhưng kết quả "
        f"xếp loại {summary.final_evaluation.value} cho {fmt(expected)}.",
        f"DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC is {fmt(summary.completed_grade)}, but the "
        f"evaluation {summary.final_evaluation.value} gives {fmt(expected)}.",
        title,
        fmt(summary.completed_grade),
        fmt(expected),
    )


@rule(
    "TT27-LL-001",
    severity=ERROR,
    clause=f"{TT27} Điều 11.1",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Học sinh hoàn thành chương trình lớp học thì được lên lớp.",
    title_en="A pupil who completed the grade is promoted.",
)
def promoted_when_completed(ctx: Context) -> Iterator[Finding]:
    """DUOC_LEN_LOP = 1 when the evaluation is a completing level."""
    summary = _summary(ctx)
    if summary.promoted or not _completed(ctx):
        return
    loc, title = ctx.at("data", "summary", "promoted")
    yield Finding(
        loc,
        f"Kết quả xếp loại {summary.final_evaluation.value} (hoàn thành chương trình lớp học) "
        "nhưng được lên lớp ghi 0.",
        f"The evaluation {summary.final_evaluation.value} completes the grade, but DUOC_LEN_LOP "
        "is 0.",
        title,
        "0",
        "1",
    )


@rule(
    "TT27-LL-002",
    severity=WARNING,
    clause=f"{TT27} Điều 11.3",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Học sinh chưa hoàn thành chương trình lớp học mà được lên lớp: chỉ theo quyết "
    "định của hiệu trưởng sau kèm cặp và đánh giá bổ sung; cần kiểm tra.",
    title_en="A pupil promoted without completing the grade: only by the principal's decision "
    "after support and supplementary assessment; check it.",
)
def promoted_without_completing(ctx: Context) -> Iterator[Finding]:
    """DUOC_LEN_LOP = 1 with KET_QUA_XEP_LOAI Chưa hoàn thành."""
    summary = _summary(ctx)
    if not summary.promoted or _completed(ctx):
        return
    loc, title = ctx.at("data", "summary", "promoted")
    yield Finding(
        loc,
        "Kết quả xếp loại Chưa hoàn thành nhưng được lên lớp ghi 1: chỉ đúng khi hiệu trưởng "
        "quyết định cho lên lớp (Điều 11.3).",
        "The evaluation is Chưa hoàn thành but DUOC_LEN_LOP is 1: right only if the principal "
        "decided so (Điều 11.3).",
        title,
        "1",
        "0",
    )


@rule(
    "TT27-HT-002",
    severity=ERROR,
    clause=f"{TT27} Điều 11.4",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Lớp 5 ghi đã hoàn thành chương trình tiểu học đúng với kết quả xếp loại; lớp 1-4 "
    "không ghi đã hoàn thành chương trình tiểu học.",
    title_en="Grade 5 records completion of primary school as the evaluation gives it; grades "
    "1-4 do not record it as completed.",
)
def completed_primary(ctx: Context) -> Iterator[Finding]:
    """DA_HOAN_THANH_CHUONG_TRINH_TIEU_HOC by grade and evaluation."""
    summary = _summary(ctx)
    grade = ctx.general.grade
    value = summary.completed_primary
    if grade < 5:
        if value:
            loc, title = ctx.at("data", "summary", "completed_primary")
            yield Finding(
                loc,
                f"Học sinh lớp {grade} không thể đã hoàn thành chương trình tiểu học.",
                f"A grade {grade} pupil cannot have completed primary school.",
                title,
                "1",
                None,
            )
        return
    expected = _completed(ctx)
    if value is expected:
        return
    loc, title = ctx.at("data", "summary", "completed_primary")
    if value is None:
        loc, _ = ctx.at("data", "summary")
    yield Finding(
        loc,
        f"Lớp 5: đã hoàn thành chương trình tiểu học ghi {fmt(value)}, nhưng kết quả xếp loại "
        f"{summary.final_evaluation.value} cho {fmt(expected)}.",
        f"Grade 5: DA_HOAN_THANH_CHUONG_TRINH_TIEU_HOC is {fmt(value)}, but the evaluation "
        f"{summary.final_evaluation.value} gives {fmt(expected)}.",
        title,
        fmt(value),
        fmt(expected),
    )


_GRADE_TEXT = re.compile(
    r"^(hoàn thành|chưa hoàn thành) chương trình lớp (\d+)\s*[;,.]\s*"
    r"(được|chưa được) lên lớp (\d+)\.?$"
)
_PRIMARY_TEXT = re.compile(r"^(hoàn thành|chưa hoàn thành) chương trình tiểu học\.?$")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).lower()


def _wording(ctx: Context) -> tuple[str | None, str | None, str, str]:
    """(contradiction vi, contradiction en, expected wording, reported) or Nones if fine."""
    cached = ctx.cache.get("tt27.wording")
    if cached is None:
        cached = ctx.cache["tt27.wording"] = _read_wording(ctx)
    return cached


def _read_wording(ctx: Context) -> tuple[str | None, str | None, str, str]:
    summary = _summary(ctx)
    grade = ctx.general.grade
    completed = _completed(ctx)
    expected = assessment.completion_text(grade, completed, summary.promoted)
    text = summary.completion_text or ""
    if text == expected:
        return None, None, expected, text
    norm = _norm(text)
    done = "hoàn thành" if completed else "chưa hoàn thành"
    m = _GRADE_TEXT.match(norm)
    if m:
        problems_vi: list[str] = []
        problems_en: list[str] = []
        if m.group(1) != done:
            problems_vi.append(f"ghi '{m.group(1)}' nhưng kết quả xếp loại cho '{done}'")
            problems_en.append(f"says '{m.group(1)}' but the evaluation gives '{done}'")
        if int(m.group(2)) != grade or int(m.group(4)) != grade + 1:
            problems_vi.append(f"số lớp không khớp lớp {grade}")
            problems_en.append(f"grade numbers do not match grade {grade}")
        up = "được" if summary.promoted else "chưa được"
        if m.group(3) != up:
            problems_vi.append(
                f"ghi '{m.group(3)} lên lớp' nhưng DUOC_LEN_LOP là {fmt(summary.promoted)}"
            )
            problems_en.append(
                f"says '{m.group(3)} lên lớp' but DUOC_LEN_LOP is {fmt(summary.promoted)}"
            )
        if grade == 5 and not problems_vi:
            return None, None, expected, text  # legitimate content, non-standard form
        if problems_vi:
            return "; ".join(problems_vi), "; ".join(problems_en), expected, text
        return None, None, expected, text
    m = _PRIMARY_TEXT.match(norm)
    if m:
        if grade != 5:
            return (
                f"học sinh lớp {grade} chưa học hết tiểu học",
                f"a grade {grade} pupil has not finished primary school",
                expected,
                text,
            )
        if m.group(1) != done:
            return (
                f"ghi '{m.group(1)}' nhưng kết quả xếp loại cho '{done}'",
                f"says '{m.group(1)}' but the evaluation gives '{done}'",
                expected,
                text,
            )
    return None, None, expected, text


@rule(
    "TT27-HT-003",
    severity=ERROR,
    clause=f"{TT27} Phụ lục 1 (mục 6 học bạ)",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Nội dung hoàn thành chương trình không mâu thuẫn với kết quả xếp loại, lớp học "
    "và quyết định lên lớp.",
    title_en="The completion wording does not contradict the evaluation, the grade or the "
    "promotion decision.",
)
def completion_wording(ctx: Context) -> Iterator[Finding]:
    """NOI_DUNG_HOAN_THANH_CHUONG_TRINH read and compared with the flags."""
    summary = _summary(ctx)
    if summary.completion_text is None:
        return
    vi, en, expected, text = _wording(ctx)
    if vi is None or en is None:
        return
    loc, title = ctx.at("data", "summary", "completion_text")
    yield Finding(
        loc,
        f"Nội dung hoàn thành chương trình '{text}' sai: {vi}. Phải ghi: '{expected}'",
        f"NOI_DUNG_HOAN_THANH_CHUONG_TRINH '{text}' is wrong: {en}. Expected: '{expected}'",
        title,
        text,
        expected,
    )


@rule(
    "TT27-HT-004",
    severity=WARNING,
    clause=f"{TT27} Phụ lục 1 (mục 6 học bạ)",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Nội dung hoàn thành chương trình viết theo mẫu: 'Hoàn thành chương trình lớp 4; "
    "Được lên lớp 5.' hoặc (lớp 5) 'Hoàn thành chương trình tiểu học.'",
    title_en="The completion wording follows the model: 'Hoàn thành chương trình lớp 4; Được "
    "lên lớp 5.' or (grade 5) 'Hoàn thành chương trình tiểu học.'",
)
def completion_wording_form(ctx: Context) -> Iterator[Finding]:
    """NOI_DUNG_HOAN_THANH_CHUONG_TRINH in the wording of TT 27/2020 Phụ lục 1."""
    summary = _summary(ctx)
    text = summary.completion_text
    if text is None:
        return
    vi, _, expected, _ = _wording(ctx)
    if text == expected:
        return
    if vi is not None or _norm(text).rstrip(".") == _norm(expected).rstrip("."):
        return  # contradictions are TT27-HT-003's; the standard wording is fine
    loc, title = ctx.at("data", "summary", "completion_text")
    yield Finding(
        loc,
        f"Nội dung hoàn thành chương trình '{text}' không theo mẫu; nên ghi: '{expected}'",
        f"NOI_DUNG_HOAN_THANH_CHUONG_TRINH '{text}' is not in the model wording; expected: "
        f"'{expected}'",
        title,
        text,
        expected,
    )


def _mentions(text: str | None, phrase: str) -> bool:
    return text is not None and phrase in _norm(text)


@rule(
    "TT27-KT-001",
    severity=WARNING,
    clause=f"{TT27} Điều 13.1.a",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Khen thưởng 'Học sinh Xuất sắc' dành cho học sinh Hoàn thành xuất sắc, và học "
    "sinh Hoàn thành xuất sắc được khen thưởng danh hiệu này.",
    title_en="The 'Học sinh Xuất sắc' commendation goes with Hoàn thành xuất sắc, and a pupil "
    "with Hoàn thành xuất sắc receives it.",
)
def outstanding_commendation(ctx: Context) -> Iterator[Finding]:
    """NOI_DUNG_KHEN_THUONG and 'Học sinh Xuất sắc' against KET_QUA_XEP_LOAI."""
    summary = _summary(ctx)
    htxs = summary.final_evaluation is FinalEvaluation.OUTSTANDING
    named = _mentions(summary.commendation, "học sinh xuất sắc")
    if htxs == named:
        return
    if htxs:
        loc, _ = ctx.at("data", "summary")
        yield Finding(
            loc,
            "Học sinh Hoàn thành xuất sắc nhưng nội dung khen thưởng không ghi danh hiệu 'Học "
            "sinh Xuất sắc'.",
            "The pupil is Hoàn thành xuất sắc but NOI_DUNG_KHEN_THUONG does not give the "
            "'Học sinh Xuất sắc' commendation.",
            "nội dung khen thưởng",
            summary.commendation,
            "Học sinh Xuất sắc",
        )
        return
    loc, title = ctx.at("data", "summary", "commendation")
    yield Finding(
        loc,
        f"Khen thưởng 'Học sinh Xuất sắc' nhưng kết quả xếp loại là "
        f"{summary.final_evaluation.value}, không phải Hoàn thành xuất sắc.",
        f"'Học sinh Xuất sắc' commendation but the evaluation is "
        f"{summary.final_evaluation.value}, not Hoàn thành xuất sắc.",
        title,
        summary.commendation,
        None,
    )


@rule(
    "TT27-KT-002",
    severity=WARNING,
    clause=f"{TT27} Điều 13.1.b",
    sets=("tt27",),
    profiles=PRIMARY,
    title_vi="Khen thưởng 'Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện' chỉ "
    "dành cho học sinh Hoàn thành tốt.",
    title_en="The 'Học sinh Tiêu biểu hoàn thành tốt ...' commendation is for Hoàn thành tốt "
    "pupils only.",
)
def exemplary_commendation(ctx: Context) -> Iterator[Finding]:
    """'Học sinh Tiêu biểu' only with KET_QUA_XEP_LOAI Hoàn thành tốt."""
    summary = _summary(ctx)
    if not _mentions(summary.commendation, "tiêu biểu"):
        return
    if summary.final_evaluation is FinalEvaluation.EXCELLENT:
        return
    loc, title = ctx.at("data", "summary", "commendation")
    yield Finding(
        loc,
        f"Khen thưởng 'Học sinh Tiêu biểu' nhưng kết quả xếp loại là "
        f"{summary.final_evaluation.value}, không phải Hoàn thành tốt.",
        f"'Học sinh Tiêu biểu' commendation but the evaluation is "
        f"{summary.final_evaluation.value}, not Hoàn thành tốt.",
        title,
        summary.commendation,
        None,
    )
