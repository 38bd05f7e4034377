"""Secondary results — Thông tư 22/2021/TT-BGDĐT (profile ``trung-hoc-1.0``).

Every rule checks one step of the computation against the values the record itself reports
for that step's inputs: a wrong score is reported at the term average it changes, and a wrong
term average at the year average and learning result computed from it. A mistake is thus
reported where it was made, once, and never "fixed": each message gives the reported value
and the recomputed one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from hocbaso import assessment
from hocbaso.codes import SUBJECTS, AssessmentForm, PassLevel, ResultLevel, Title
from hocbaso.models import SecondarySubjectResult, SecondarySummary, TermResult
from hocbaso.report import Severity
from hocbaso.rules._context import Context, fmt
from hocbaso.rules._registry import Finding, rule

__all__: list[str] = []

SECONDARY = ("trung-hoc-1.0",)
TT22 = "TT 22/2021/TT-BGDĐT"
ERROR, WARNING = Severity.ERROR, Severity.WARNING
_TERM_VI = {"term1": "học kỳ I", "term2": "học kỳ II", "year": "cả năm"}
_TERM_EN = {"term1": "term I", "term2": "term II", "year": "the year"}
_TERM_EL = {"term1": "HOC_KY_1", "term2": "HOC_KY_2", "year": "CA_NAM"}
_FIVE = Decimal(5)


def _subjects(ctx: Context) -> tuple[SecondarySubjectResult, ...]:
    return ctx.secondary.data.summary.subjects


def _summary(ctx: Context) -> SecondarySummary:
    return ctx.secondary.data.summary


def _name(s: SecondarySubjectResult) -> str:
    return f"{s.subject_name} ({s.subject_code})"


def _term(s: SecondarySubjectResult, term: str) -> TermResult:
    return s.term1 if term == "term1" else s.term2


def _dec(value: Decimal, places: int = 3) -> str:
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return text or "0"


# --------------------------------------------------------------------------- Điều 5, 6


@rule(
    "TT22-HT-001",
    severity=ERROR,
    clause=f"{TT22} Điều 5",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Hình thức đánh giá của môn học đúng Điều 5: Giáo dục thể chất, Nghệ thuật "
    "(Âm nhạc, Mĩ thuật), Hoạt động trải nghiệm hướng nghiệp và Nội dung giáo dục của địa "
    "phương chỉ đánh giá bằng nhận xét; các môn khác kết hợp nhận xét với điểm số.",
    title_en="The subject's form of assessment follows Điều 5: physical education, arts "
    "(music, fine arts), experiential activities and local education are assessed by comments "
    "only; every other subject by comments and scores.",
)
def assessment_form(ctx: Context) -> Iterator[Finding]:
    """HINH_THUC_DANH_GIA of each catalogue subject against TT 22/2021 Điều 5."""
    for i, s in enumerate(_subjects(ctx)):
        meta = SUBJECTS.get(s.subject_code)
        if meta is None or meta.form is None or s.form is meta.form:
            continue
        loc, title = ctx.at("data", "summary", "subjects", i, "form")
        yield Finding(
            loc,
            f"Môn {_name(s)}: hình thức đánh giá ghi {s.form.value}, nhưng theo Điều 5 môn này "
            f"đánh giá bằng {meta.form.value}.",
            f"{_name(s)}: HINH_THUC_DANH_GIA is {s.form.value}, but Điều 5 assesses this "
            f"subject by {meta.form.value}.",
            title,
            s.form.value,
            meta.form.value,
        )


@rule(
    "TT22-TX-001",
    severity=WARNING,
    clause=f"{TT22} Điều 6.2.b",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Số điểm đánh giá thường xuyên (ĐĐGtx) mỗi học kỳ đúng theo số tiết của môn: "
    "đến 35 tiết/năm: 2; trên 35 đến 70 tiết: 3; trên 70 tiết: 4.",
    title_en="Number of regular scores (ĐĐGtx) per term matches the subject's periods per "
    "year: up to 35: 2; over 35 to 70: 3; over 70: 4.",
)
def regular_score_count(ctx: Context) -> Iterator[Finding]:
    """Regular-score count per term against the catalogue's periods per year."""
    for i, s in enumerate(_subjects(ctx)):
        meta = SUBJECTS.get(s.subject_code)
        if s.form is not AssessmentForm.SCORE or meta is None or meta.form is not s.form:
            continue
        expected = meta.regular_assessments
        for term in ("term1", "term2"):
            count = len(_term(s, term).regular_scores)
            if count == expected:
                continue
            loc, _ = ctx.at("data", "summary", "subjects", i, term)
            yield Finding(
                loc,
                f"Môn {_name(s)}, {_TERM_VI[term]}: có {count} điểm ĐĐGtx, nhưng môn "
                f"{meta.periods_per_year} tiết/năm cần {expected} điểm (Điều 6.2.b).",
                f"{_name(s)}, {_TERM_EN[term]}: {count} regular scores (DIEM_DGTX), but a "
                f"subject of {meta.periods_per_year} periods a year needs {expected}.",
                "điểm đánh giá thường xuyên",
                str(count),
                str(expected),
            )


# --------------------------------------------------------------------------- Điều 9.1


@rule(
    "TT22-AVG-001",
    severity=ERROR,
    clause=f"{TT22} Điều 9.1.b",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Điểm trung bình môn học kỳ ĐTBmhk = (TĐĐGtx + 2 × ĐĐGgk + 3 × ĐĐGck) / (số "
    "ĐĐGtx + 5), làm tròn một chữ số thập phân (5 làm tròn lên).",
    title_en="Term average ĐTBmhk = (sum of regular scores + 2 × mid-term + 3 × end-of-term) / "
    "(number of regular scores + 5), rounded half-up to one decimal.",
)
def term_average(ctx: Context) -> Iterator[Finding]:
    """Each scored subject's term averages, recomputed from its scores."""
    for i, s in enumerate(_subjects(ctx)):
        if s.form is not AssessmentForm.SCORE:
            continue
        for term in ("term1", "term2"):
            t = _term(s, term)
            if not t.regular_scores or t.midterm_score is None or t.final_score is None:
                continue  # the model refuses this; nothing to recompute
            expected = assessment.term_average(t.regular_scores, t.midterm_score, t.final_score)
            if expected == t.average:
                continue
            total = sum(t.regular_scores, Decimal(0)) + 2 * t.midterm_score + 3 * t.final_score
            n = len(t.regular_scores) + 5
            regular = " + ".join(fmt(x) for x in t.regular_scores)
            sums = (
                f"({regular} + 2×{fmt(t.midterm_score)} + 3×{fmt(t.final_score)}) / {n} "
                f"= {_dec(total / n)} → {fmt(expected)}"
            )
            loc, title = ctx.at("data", "summary", "subjects", i, term, "average")
            yield Finding(
                loc,
                f"Môn {_name(s)}, {_TERM_VI[term]}: ĐTBmhk ghi {fmt(t.average)}, nhưng tính lại "
                f"từ các điểm đánh giá: {sums}.",
                f"{_name(s)}, {_TERM_EN[term]}: term average DTB_MON is {fmt(t.average)}, but "
                f"the scores give {sums}.",
                title,
                fmt(t.average),
                fmt(expected),
            )


@rule(
    "TT22-AVG-002",
    severity=ERROR,
    clause=f"{TT22} Điều 9.1.b",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Điểm trung bình môn cả năm ĐTBmcn = (ĐTBmhkI + 2 × ĐTBmhkII) / 3, làm tròn một "
    "chữ số thập phân (5 làm tròn lên), tính từ ĐTB hai học kỳ ghi trong học bạ.",
    title_en="Year average ĐTBmcn = (term I average + 2 × term II average) / 3, rounded half-up "
    "to one decimal, from the term averages the record reports.",
)
def year_average(ctx: Context) -> Iterator[Finding]:
    """Each scored subject's year average, recomputed from its reported term averages."""
    for i, s in enumerate(_subjects(ctx)):
        a1, a2 = s.term1.average, s.term2.average
        if s.form is not AssessmentForm.SCORE or a1 is None or a2 is None:
            continue
        expected = assessment.year_average(a1, a2)
        if expected == s.year.average:
            continue
        sums = f"({fmt(a1)} + 2×{fmt(a2)}) / 3 = {_dec((a1 + 2 * a2) / 3)} → {fmt(expected)}"
        loc, title = ctx.at("data", "summary", "subjects", i, "year", "average")
        yield Finding(
            loc,
            f"Môn {_name(s)}: ĐTBmcn ghi {fmt(s.year.average)}, nhưng tính lại từ ĐTB hai học "
            f"kỳ: {sums}.",
            f"{_name(s)}: year average DTB_MON is {fmt(s.year.average)}, but the term averages "
            f"give {sums}.",
            title,
            fmt(s.year.average),
            fmt(expected),
        )


@rule(
    "TT22-CMT-001",
    severity=ERROR,
    clause=f"{TT22} Điều 9.1.a",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Môn đánh giá bằng nhận xét: mức đánh giá cả năm là mức của học kỳ II.",
    title_en="Comment-only subject: the year result is the term II result.",
)
def comment_year(ctx: Context) -> Iterator[Finding]:
    """Comment-only subjects: CA_NAM/MUC_DANH_GIA equals HOC_KY_2/MUC_DANH_GIA."""
    for i, s in enumerate(_subjects(ctx)):
        if s.form is not AssessmentForm.COMMENT or s.term2.result is None:
            continue
        if s.year.result is s.term2.result:
            continue
        loc, title = ctx.at("data", "summary", "subjects", i, "year", "result")
        yield Finding(
            loc,
            f"Môn {_name(s)}: mức đánh giá cả năm ghi {fmt(s.year.result)}, nhưng học kỳ II "
            f"là {fmt(s.term2.result)} (cả năm lấy theo học kỳ II).",
            f"{_name(s)}: year result is {fmt(s.year.result)}, but term II is "
            f"{fmt(s.term2.result)} (the year takes term II's result).",
            title,
            fmt(s.year.result),
            fmt(s.term2.result),
        )


# --------------------------------------------------------------------------- Điều 9.2, 9.3

_LEVEL_FIELD = {"term1": "learning_term1", "term2": "learning_term2", "year": "learning_year"}
Named = list[tuple[str, Decimal]]
NamedC = list[tuple[str, PassLevel]]


def _values(ctx: Context) -> dict[str, tuple[list[Decimal], list[PassLevel]]]:
    """Scores and comment results of term I, term II and the year, in one pass."""
    cached = ctx.cache.get("tt22.values")
    if cached is None:
        t1s: list[Decimal] = []
        t2s: list[Decimal] = []
        ys: list[Decimal] = []
        t1c: list[PassLevel] = []
        t2c: list[PassLevel] = []
        yc: list[PassLevel] = []
        score = AssessmentForm.SCORE
        for s in _subjects(ctx):
            a, b, c = s.term1, s.term2, s.year
            if s.form is score:
                if a.average is not None:
                    t1s.append(a.average)
                if b.average is not None:
                    t2s.append(b.average)
                if c.average is not None:
                    ys.append(c.average)
            else:
                if a.result is not None:
                    t1c.append(a.result)
                if b.result is not None:
                    t2c.append(b.result)
                if c.result is not None:
                    yc.append(c.result)
        cached = ctx.cache["tt22.values"] = {
            "term1": (t1s, t1c),
            "term2": (t2s, t2c),
            "year": (ys, yc),
        }
    return cached


def _inputs(ctx: Context, period: str) -> tuple[Named, NamedC]:
    """The same values named by subject (for messages; only on a finding)."""
    scores: Named = []
    comments: NamedC = []
    for s in _subjects(ctx):
        part = s.year if period == "year" else _term(s, period)
        if s.form is AssessmentForm.SCORE:
            if part.average is not None:
                scores.append((s.subject_name, part.average))
        elif part.result is not None:
            comments.append((s.subject_name, part.result))
    return scores, comments


def _levels(
    scores: Sequence[Decimal], comments: Sequence[PassLevel]
) -> tuple[ResultLevel, ResultLevel, ResultLevel]:
    """(Điều 9.2 alone, library reading of 9.3, other reading of 9.3)."""
    return assessment.learning_levels(scores, comments)


def _period_levels(ctx: Context, period: str) -> tuple[ResultLevel, ResultLevel, ResultLevel]:
    key = f"tt22.levels.{period}"
    cached = ctx.cache.get(key)
    if cached is None:
        scores, comments = _values(ctx)[period]
        cached = ctx.cache[key] = _levels(scores, comments)
    return cached


def _shortfall(level: ResultLevel, scores: Named, comments: NamedC) -> tuple[str, str]:
    """Why the subjects do not reach ``level`` under Điều 9.2 (Vietnamese, English)."""
    vi: list[str] = []
    en: list[str] = []
    fails = [n for n, c in comments if c is PassLevel.FAIL]

    def below(limit: Decimal) -> None:
        low = [f"{n} {fmt(v)}" for n, v in scores if v < limit]
        if low:
            vi.append(f"môn dưới {fmt(limit)}: " + ", ".join(low))
            en.append(f"subjects below {fmt(limit)}: " + ", ".join(low))

    def at_least(limit: Decimal, need: int) -> None:
        have = sum(1 for _, v in scores if v >= limit)
        if have < need:
            vi.append(f"chỉ {have} môn từ {fmt(limit)} trở lên (cần {need})")
            en.append(f"only {have} subjects at {fmt(limit)} or more (needs {need})")

    if level is ResultLevel.PASS:
        if len(fails) > 1:
            vi.append(f"{len(fails)} môn nhận xét Chưa đạt (tối đa 1): " + ", ".join(fails))
            en.append(f"{len(fails)} comment subjects Chưa đạt (at most 1): " + ", ".join(fails))
        at_least(_FIVE, 6)
        below(Decimal("3.5"))
    else:
        if fails:
            vi.append("môn nhận xét Chưa đạt: " + ", ".join(fails))
            en.append("comment subjects Chưa đạt: " + ", ".join(fails))
        if level is ResultLevel.GOOD:
            below(Decimal("6.5"))
            at_least(Decimal(8), 6)
        else:
            below(_FIVE)
            at_least(Decimal("6.5"), 6)
    return "; ".join(vi), "; ".join(en)


def _explain(
    reported: ResultLevel,
    expected: ResultLevel,
    plain: ResultLevel,
    scores: Named,
    comments: NamedC,
) -> tuple[str, str]:
    if plain is not expected:
        return (
            f"Điều 9.2 cho {plain.value}, nhưng chỉ do một môn nên được điều chỉnh lên "
            f"{expected.value} (Điều 9.3)",
            f"Điều 9.2 gives {plain.value}, raised to {expected.value} by Điều 9.3 (a single "
            "subject pulls the level down two levels)",
        )
    if reported.rank > expected.rank:
        vi, en = _shortfall(reported, scores, comments)
        return f"chưa đạt mức {reported.value}: {vi}", f"short of {reported.value}: {en}"
    return (
        f"các điều kiện của mức {expected.value} đều đạt",
        f"every condition of {expected.value} is met",
    )


def _learning_findings(ctx: Context, *, ambiguous: bool) -> Iterator[Finding]:
    summary = _summary(ctx)
    for period in ("term1", "term2", "year"):
        reported: ResultLevel = getattr(summary, _LEVEL_FIELD[period])
        plain, spec, alt = _period_levels(ctx, period)
        if reported is spec:
            continue
        other_reading = reported is alt
        if ambiguous != other_reading:
            continue
        loc, title = ctx.at("data", "summary", _LEVEL_FIELD[period])
        if ambiguous:
            yield Finding(
                loc,
                f"Kết quả học tập {_TERM_VI[period]} ghi {reported.value}: đúng theo cách hiểu "
                f"'lên một mức so với mức tính được' của Điều 9.3; thư viện hiểu là "
                f"{spec.value} (liền dưới mức lẽ ra đạt). Hãy đối chiếu hướng dẫn của Sở.",
                f"Learning result for {_TERM_EN[period]} is {reported.value}: right under the "
                f"'one level above the computed level' reading of Điều 9.3; the library's "
                f"reading gives {spec.value} (just below the level otherwise reached).",
                title,
                reported.value,
                spec.value,
            )
            continue
        scores, comments = _inputs(ctx, period)
        why_vi, why_en = _explain(reported, spec, plain, scores, comments)
        source_vi = "ĐTB môn cả năm" if period == "year" else "ĐTB môn học kỳ"
        yield Finding(
            loc,
            f"Kết quả học tập {_TERM_VI[period]} ghi {reported.value}, nhưng tính lại từ "
            f"{source_vi} và mức đánh giá các môn nhận xét được {spec.value} ({why_vi}).",
            f"Learning result for {_TERM_EN[period]} is {reported.value}, but the subjects' "
            f"averages and comment results give {spec.value} ({why_en}).",
            title,
            reported.value,
            spec.value,
        )


@rule(
    "TT22-KQHT-001",
    severity=ERROR,
    clause=f"{TT22} Điều 9.2, 9.3",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Kết quả học tập học kỳ I, học kỳ II và cả năm (Tốt/Khá/Đạt/Chưa đạt) đúng với "
    "ĐTB các môn tính điểm và mức đánh giá các môn nhận xét, kể cả điều chỉnh của Điều 9.3.",
    title_en="The learning result of term I, term II and the year (Tốt/Khá/Đạt/Chưa đạt) "
    "follows from the subjects' averages and comment results, with the Điều 9.3 adjustment.",
)
def learning_result(ctx: Context) -> Iterator[Finding]:
    """KET_QUA_HOC_TAP_HK1/HK2/CA_NAM against Điều 9.2–9.3 (library reading)."""
    return _learning_findings(ctx, ambiguous=False)


@rule(
    "TT22-KQHT-002",
    severity=WARNING,
    clause=f"{TT22} Điều 9.3",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Kết quả học tập theo cách hiểu khác của Điều 9.3 ('lên một mức so với mức tính "
    "được'): Tốt bị kéo xuống Chưa đạt chỉ do một môn được ghi Đạt thay vì Khá.",
    title_en="Learning result under the other reading of Điều 9.3 ('one level above the "
    "computed level'): Tốt pulled down to Chưa đạt by one subject is written Đạt, not Khá.",
)
def learning_result_other_reading(ctx: Context) -> Iterator[Finding]:
    """Reported level equals the other reading of Điều 9.3 (ambiguous, not an error)."""
    return _learning_findings(ctx, ambiguous=True)


# --------------------------------------------------------------------------- Điều 8


@rule(
    "TT22-RL-001",
    severity=ERROR,
    clause=f"{TT22} Điều 8.3",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Kết quả rèn luyện cả năm đúng với kết quả rèn luyện hai học kỳ (bảng của Điều 8.3).",
    title_en="The year conduct result follows from the two terms' conduct results (table of "
    "Điều 8.3).",
)
def conduct_year(ctx: Context) -> Iterator[Finding]:
    """KET_QUA_REN_LUYEN_CA_NAM from KET_QUA_REN_LUYEN_HK1 and HK2."""
    summary = _summary(ctx)
    expected = assessment.conduct_year(summary.conduct_term1, summary.conduct_term2)
    if summary.conduct_year is expected:
        return
    loc, title = ctx.at("data", "summary", "conduct_year")
    yield Finding(
        loc,
        f"Kết quả rèn luyện cả năm ghi {summary.conduct_year.value}, nhưng học kỳ I "
        f"{summary.conduct_term1.value} và học kỳ II {summary.conduct_term2.value} cho "
        f"{expected.value}.",
        f"Year conduct result is {summary.conduct_year.value}, but term I "
        f"{summary.conduct_term1.value} and term II {summary.conduct_term2.value} give "
        f"{expected.value}.",
        title,
        summary.conduct_year.value,
        expected.value,
    )


# --------------------------------------------------------------------------- Điều 15


def _expected_title(ctx: Context) -> tuple[Title | None, list[Decimal]]:
    summary = _summary(ctx)
    year_scores = [
        s.year.average
        for s in summary.subjects
        if s.form is AssessmentForm.SCORE and s.year.average is not None
    ]
    return assessment.title(summary.conduct_year, summary.learning_year, year_scores), year_scores


@rule(
    "TT22-DH-001",
    severity=ERROR,
    clause=f"{TT22} Điều 15.1.a",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Danh hiệu ghi trong học bạ đúng điều kiện: Học sinh Xuất sắc = rèn luyện Tốt, học "
    "tập Tốt và ít nhất 6 môn có ĐTBmcn từ 9,0; Học sinh Giỏi = rèn luyện Tốt và học tập Tốt.",
    title_en="A title the record gives meets its conditions: Học sinh Xuất sắc = conduct Tốt, "
    "learning Tốt and at least 6 year averages of 9.0 or more; Học sinh Giỏi = conduct and "
    "learning Tốt.",
)
def title_given(ctx: Context) -> Iterator[Finding]:
    """DANH_HIEU, when present, against the year results."""
    summary = _summary(ctx)
    if summary.title is None:
        return
    expected, scores = _expected_title(ctx)
    if summary.title is expected:
        return
    loc, title = ctx.at("data", "summary", "title")
    nines = sum(1 for v in scores if v >= 9)
    facts_vi = (
        f"rèn luyện cả năm {summary.conduct_year.value}, học tập cả năm "
        f"{summary.learning_year.value}, {nines} môn có ĐTBmcn từ 9,0"
    )
    facts_en = (
        f"conduct {summary.conduct_year.value}, learning {summary.learning_year.value}, "
        f"{nines} year averages of 9.0 or more"
    )
    shown = expected.value if expected is not None else "không có danh hiệu"
    shown_en = expected.value if expected is not None else "no title"
    yield Finding(
        loc,
        f"Danh hiệu ghi '{summary.title.value}', nhưng kết quả ({facts_vi}) cho: {shown}.",
        f"DANH_HIEU is '{summary.title.value}', but the results ({facts_en}) give: {shown_en}.",
        title,
        summary.title.value,
        expected.value if expected is not None else None,
    )


@rule(
    "TT22-DH-002",
    severity=WARNING,
    clause=f"{TT22} Điều 15.1.a",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Kết quả đủ điều kiện một danh hiệu nhưng học bạ không ghi danh hiệu.",
    title_en="The results qualify for a title but the record gives none.",
)
def title_missing(ctx: Context) -> Iterator[Finding]:
    """No DANH_HIEU although the year results qualify."""
    summary = _summary(ctx)
    if summary.title is not None:
        return
    expected, _ = _expected_title(ctx)
    if expected is None:
        return
    loc, _ = ctx.at("data", "summary")
    name = expected.value
    yield Finding(
        loc,
        f"Kết quả cả năm đủ điều kiện danh hiệu '{name}' nhưng học bạ không ghi DANH_HIEU.",
        f"The year results qualify for '{name}' but the record has no DANH_HIEU.",
        "danh hiệu",
        None,
        name,
    )


# --------------------------------------------------------------------------- Điều 12–14


def _final_levels(summary: SecondarySummary) -> tuple[ResultLevel, ResultLevel]:
    conduct = summary.conduct_after_summer or summary.conduct_year
    learning = summary.learning_after_retest or summary.learning_year
    return conduct, learning


def _promotion(ctx: Context) -> tuple[bool, str, str]:
    cached = ctx.cache.get("tt22.promotion")
    if cached is None:
        cached = ctx.cache["tt22.promotion"] = _compute_promotion(ctx)
    return cached


def _compute_promotion(ctx: Context) -> tuple[bool, str, str]:
    summary = _summary(ctx)
    g = ctx.general
    conduct, learning = _final_levels(summary)
    absences = g.excused_absences + g.unexcused_absences
    expected = assessment.promoted(conduct, learning, absences)
    c_note = " (sau rèn luyện hè)" if summary.conduct_after_summer else ""
    l_note = " (sau kiểm tra lại)" if summary.learning_after_retest else ""
    vi = (
        f"rèn luyện {conduct.value}{c_note}, học tập {learning.value}{l_note}, nghỉ {absences} "
        f"buổi ({g.excused_absences} có phép + {g.unexcused_absences} không phép; tối đa "
        f"{assessment.MAX_ABSENCES})"
    )
    en = (
        f"conduct {conduct.value}, learning {learning.value}, {absences} sessions absent "
        f"({g.excused_absences} excused + {g.unexcused_absences} unexcused; at most "
        f"{assessment.MAX_ABSENCES})"
    )
    return expected, vi, en


@rule(
    "TT22-LL-001",
    severity=ERROR,
    clause=f"{TT22} Điều 12.1",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Được lên lớp khi và chỉ khi rèn luyện cả năm (kể cả sau rèn luyện hè) từ Đạt, học "
    "tập cả năm (kể cả sau kiểm tra lại) từ Đạt và nghỉ không quá 45 buổi (có phép và không "
    "phép).",
    title_en="Promoted if and only if year conduct (after summer training, if any) and year "
    "learning (after re-tests, if any) are at least Đạt and at most 45 sessions were missed "
    "(excused or not).",
)
def promotion(ctx: Context) -> Iterator[Finding]:
    """DUOC_LEN_LOP against Điều 12.1."""
    summary = _summary(ctx)
    expected, vi, en = _promotion(ctx)
    if summary.promoted is expected:
        return
    loc, title = ctx.at("data", "summary", "promoted")
    yield Finding(
        loc,
        f"Được lên lớp ghi {fmt(summary.promoted)}, nhưng theo Điều 12.1 ({vi}) phải là "
        f"{fmt(expected)}.",
        f"DUOC_LEN_LOP is {fmt(summary.promoted)}, but Điều 12.1 ({en}) gives {fmt(expected)}.",
        title,
        fmt(summary.promoted),
        fmt(expected),
    )


@rule(
    "TT22-LL-002",
    severity=ERROR,
    clause=f"{TT22} Điều 12.1",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Đã hoàn thành chương trình lớp học theo cùng điều kiện của Điều 12.1.",
    title_en="Completed the grade's programme under the same conditions as Điều 12.1.",
)
def completed_grade(ctx: Context) -> Iterator[Finding]:
    """DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC against Điều 12.1."""
    summary = _summary(ctx)
    expected, vi, en = _promotion(ctx)
    if summary.completed_grade is expected:
        return
    loc, title = ctx.at("data", "summary", "completed_grade")
    yield Finding(
        loc,
        f"Đã hoàn thành chương trình lớp học ghi {fmt(summary.completed_grade)}, nhưng kết quả "
        f"({vi}) cho {fmt(expected)}.",
        f"DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC is {fmt(summary.completed_grade)}, but the results "
        f"({en}) give {fmt(expected)}.",
        title,
        fmt(summary.completed_grade),
        fmt(expected),
    )


@rule(
    "TT22-LL-003",
    severity=ERROR,
    clause=f"{TT22} Điều 12.1 (hồ sơ trung-hoc-1.0)",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Lớp 9 ghi đã hoàn thành chương trình THCS, lớp 12 ghi đã hoàn thành chương "
    "trình THPT, đúng kết quả cả năm; các lớp khác không ghi hai trường này.",
    title_en="Grade 9 records completion of lower secondary and grade 12 of upper secondary, "
    "as the year results give; other grades carry neither flag.",
)
def completed_level(ctx: Context) -> Iterator[Finding]:
    """DA_HOAN_THANH_CHUONG_TRINH_TRUNG_HOC_CO_SO / _PHO_THONG by grade."""
    summary = _summary(ctx)
    grade = ctx.general.grade
    expected, vi, en = _promotion(ctx)
    for name, final_grade in (
        ("completed_lower_secondary", 9),
        ("completed_upper_secondary", 12),
    ):
        value: bool | None = getattr(summary, name)
        if grade != final_grade:
            if value is not None:
                loc, title = ctx.at("data", "summary", name)
                yield Finding(
                    loc,
                    f"Học bạ lớp {grade} không ghi '{title}' (chỉ lớp {final_grade}).",
                    f"A grade {grade} record does not carry this flag (grade {final_grade} only).",
                    title,
                    fmt(value),
                    None,
                )
            continue
        if value is expected:
            continue
        loc, title = ctx.at("data", "summary", name)
        if value is None:
            loc, _ = ctx.at("data", "summary")
        yield Finding(
            loc,
            f"Học bạ lớp {grade}: '{title}' ghi {fmt(value)}, nhưng kết quả ({vi}) cho "
            f"{fmt(expected)}.",
            f"Grade {grade} record: completion flag is {fmt(value)}, but the results ({en}) "
            f"give {fmt(expected)}.",
            title,
            fmt(value),
            fmt(expected),
        )


@rule(
    "TT22-KTL-001",
    severity=ERROR,
    clause=f"{TT22} Điều 13.1",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Chỉ kiểm tra lại khi kết quả học tập cả năm Chưa đạt, và chỉ các môn tính điểm có "
    "ĐTBmcn dưới 5,0 hoặc các môn nhận xét Chưa đạt.",
    title_en="Re-tests only when the year learning result is Chưa đạt, and only in scored "
    "subjects with a year average below 5.0 or comment subjects at Chưa đạt.",
)
def retest_allowed(ctx: Context) -> Iterator[Finding]:
    """DIEM_KIEM_TRA_LAI / MUC_DANH_GIA_LAI only where Điều 13.1 allows a re-test."""
    summary = _summary(ctx)
    failed = summary.learning_year is ResultLevel.FAIL
    for i, s in enumerate(summary.subjects):
        y = s.year
        if y.retest_score is not None:
            field, value = "retest_score", fmt(y.retest_score)
            eligible = y.average is not None and y.average < _FIVE
            why_vi, why_en = (
                f"ĐTBmcn {fmt(y.average)} không dưới 5,0",
                (f"year average {fmt(y.average)} is not below 5.0"),
            )
        elif y.retest_result is not None:
            field, value = "retest_result", fmt(y.retest_result)
            eligible = y.result is PassLevel.FAIL
            why_vi, why_en = (
                f"mức cả năm là {fmt(y.result)}",
                f"the year result is {fmt(y.result)}",
            )
        else:
            continue
        if failed and eligible:
            continue
        if not failed:
            why_vi = f"kết quả học tập cả năm là {summary.learning_year.value}, không Chưa đạt"
            why_en = f"the year learning result is {summary.learning_year.value}, not Chưa đạt"
        loc, title = ctx.at("data", "summary", "subjects", i, "year", field)
        yield Finding(
            loc,
            f"Môn {_name(s)}: có kết quả kiểm tra lại ({value}) nhưng không thuộc diện kiểm "
            f"tra lại: {why_vi}.",
            f"{_name(s)}: has a re-test result ({value}) but may not be re-tested: {why_en}.",
            title,
            value,
            None,
        )


@rule(
    "TT22-KTL-002",
    severity=ERROR,
    clause=f"{TT22} Điều 13.2",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Kết quả học tập sau kiểm tra lại được đánh giá lại như Điều 9.2–9.3, với kết quả "
    "kiểm tra lại thay cho ĐTBmcn hoặc mức cả năm của môn kiểm tra lại; chỉ có khi học tập cả "
    "năm Chưa đạt.",
    title_en="The learning result after re-tests is re-evaluated as in Điều 9.2–9.3 with the "
    "re-test results replacing the re-tested subjects' year values; present only when the year "
    "learning result is Chưa đạt.",
)
def retest_result(ctx: Context) -> Iterator[Finding]:
    """KET_QUA_HOC_TAP_SAU_KIEM_TRA_LAI against the re-evaluated level."""
    summary = _summary(ctx)
    after = summary.learning_after_retest
    retested = any(
        s.year.retest_score is not None or s.year.retest_result is not None
        for s in summary.subjects
    )
    failed = summary.learning_year is ResultLevel.FAIL
    if after is None and not (retested and failed):
        return
    loc, title = ctx.at("data", "summary", "learning_after_retest")
    if after is None:
        if retested and failed:
            parent, _ = ctx.at("data", "summary")
            yield Finding(
                parent,
                "Có điểm kiểm tra lại nhưng học bạ không ghi kết quả học tập sau kiểm tra lại.",
                "Re-test results are recorded but KET_QUA_HOC_TAP_SAU_KIEM_TRA_LAI is missing.",
                title,
                None,
                None,
            )
        return
    if not failed:
        yield Finding(
            loc,
            f"Có kết quả học tập sau kiểm tra lại ({after.value}) nhưng kết quả học tập cả năm "
            f"là {summary.learning_year.value}, không phải Chưa đạt.",
            f"KET_QUA_HOC_TAP_SAU_KIEM_TRA_LAI is {after.value} but the year learning result is "
            f"{summary.learning_year.value}, not Chưa đạt.",
            title,
            after.value,
            None,
        )
        return
    scores: list[Decimal] = []
    comments: list[PassLevel] = []
    for s in summary.subjects:
        y = s.year
        if s.form is AssessmentForm.SCORE:
            value = y.retest_score if y.retest_score is not None else y.average
            if value is not None:
                scores.append(value)
        else:
            result = y.retest_result if y.retest_result is not None else y.result
            if result is not None:
                comments.append(result)
    _, spec, alt = _levels(scores, comments)
    if after in (spec, alt):
        return
    yield Finding(
        loc,
        f"Kết quả học tập sau kiểm tra lại ghi {after.value}, nhưng đánh giá lại với điểm kiểm "
        f"tra lại được {spec.value}.",
        f"KET_QUA_HOC_TAP_SAU_KIEM_TRA_LAI is {after.value}, but re-evaluating with the re-test "
        f"results gives {spec.value}.",
        title,
        after.value,
        spec.value,
    )


@rule(
    "TT22-RLH-001",
    severity=ERROR,
    clause=f"{TT22} Điều 14",
    sets=("tt22",),
    profiles=SECONDARY,
    title_vi="Chỉ có kết quả rèn luyện sau rèn luyện hè khi rèn luyện cả năm Chưa đạt.",
    title_en="A conduct result after summer training exists only when the year conduct "
    "result is Chưa đạt.",
)
def summer_training(ctx: Context) -> Iterator[Finding]:
    """KET_QUA_REN_LUYEN_SAU_REN_LUYEN_HE only after a Chưa đạt year conduct."""
    summary = _summary(ctx)
    after = summary.conduct_after_summer
    if after is None or summary.conduct_year is ResultLevel.FAIL:
        return
    loc, title = ctx.at("data", "summary", "conduct_after_summer")
    yield Finding(
        loc,
        f"Có kết quả rèn luyện sau rèn luyện hè ({after.value}) nhưng rèn luyện cả năm là "
        f"{summary.conduct_year.value}, không phải Chưa đạt.",
        f"KET_QUA_REN_LUYEN_SAU_REN_LUYEN_HE is {after.value} but the year conduct result is "
        f"{summary.conduct_year.value}, not Chưa đạt.",
        title,
        after.value,
        None,
    )
