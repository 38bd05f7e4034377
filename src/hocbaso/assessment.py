"""Assessment arithmetic of Thông tư 27/2020 (primary) and Thông tư 22/2021 (secondary).

Pure functions over :class:`~decimal.Decimal` and the code-list enums — no models, no XML.
They are what the business rules recompute and what the example generator uses to build
records that are consistent by construction. Rounding is half-up to one decimal on decimals,
never on binary floats (``round(8.25, 1)`` gives 8.2 in Python; the circular means 8.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from hocbaso.codes import FinalEvaluation, PassLevel, QualityLevel, ResultLevel, SubjectLevel, Title

__all__ = [
    "MAX_ABSENCES",
    "conduct_year",
    "learning_level",
    "primary_final_evaluation",
    "promoted",
    "round_score",
    "term_average",
    "title",
    "year_average",
]

MAX_ABSENCES = 45
"""Most sessions a secondary student may miss in a year and still be promoted (Điều 12.1)."""

_TENTH = Decimal("0.1")


def round_score(value: Decimal) -> Decimal:
    """Round half-up to one decimal (``8.25`` → ``8.3``), as TT 22/2021 Điều 9 intends."""
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def term_average(regular: Sequence[Decimal], midterm: Decimal, final: Decimal) -> Decimal:
    """Term average ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (number of ĐĐGtx + 5), rounded.

    TT 22/2021 Điều 9.1.b.
    """
    if not regular:
        raise ValueError("at least one regular score (ĐĐGtx) is needed")
    total = sum(regular, Decimal(0)) + 2 * midterm + 3 * final
    return round_score(total / (len(regular) + 5))


def year_average(term1: Decimal, term2: Decimal) -> Decimal:
    """Year average ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, rounded (TT 22/2021 Điều 9.1.b)."""
    return round_score((term1 + 2 * term2) / 3)


def _plain_level(scores: Sequence[Decimal], comments: Sequence[PassLevel]) -> ResultLevel:
    fails = sum(1 for c in comments if c is PassLevel.FAIL)
    if fails == 0:
        if all(s >= Decimal("6.5") for s in scores) and sum(s >= 8 for s in scores) >= 6:
            return ResultLevel.GOOD
        if all(s >= 5 for s in scores) and sum(s >= Decimal("6.5") for s in scores) >= 6:
            return ResultLevel.FAIR
    if fails <= 1 and sum(s >= 5 for s in scores) >= 6 and all(s >= Decimal("3.5") for s in scores):
        return ResultLevel.PASS
    return ResultLevel.FAIL


_BY_RANK = {level.rank: level for level in ResultLevel}


def learning_level(scores: Sequence[Decimal], comments: Sequence[PassLevel]) -> ResultLevel:
    """Learning result (kết quả học tập) of a term or year — TT 22/2021 Điều 9.2 and 9.3.

    ``scores`` are the averages of the scored subjects (term averages for a term, year averages
    for the year); ``comments`` the results of the comment-only subjects.

    Điều 9.3: if one single subject pulls the level down two or more levels below what the
    Tốt/Khá rules would give without it, the level is raised to the level just below that one
    (the library's reading of "điều chỉnh lên mức liền kề"; see docs/decisions.md).
    """
    base = _plain_level(scores, comments)
    best = base
    candidates: list[ResultLevel] = []
    for i in range(len(scores)):
        candidates.append(_plain_level([*scores[:i], *scores[i + 1 :]], comments))
    for i in range(len(comments)):
        candidates.append(_plain_level(scores, [*comments[:i], *comments[i + 1 :]]))
    for without in candidates:
        if without in (ResultLevel.GOOD, ResultLevel.FAIR) and without.rank - base.rank >= 2:
            adjusted = _BY_RANK[without.rank - 1]
            if adjusted.rank > best.rank:
                best = adjusted
    return best


def conduct_year(term1: ResultLevel, term2: ResultLevel) -> ResultLevel:
    """Year conduct result (kết quả rèn luyện cả năm) from the two terms — TT 22/2021 Điều 8.3."""
    good, fair, ok, fail = ResultLevel.GOOD, ResultLevel.FAIR, ResultLevel.PASS, ResultLevel.FAIL
    if term2 is good:
        return good if term1 in (good, fair) else fair
    if term2 is fair:
        return fair if term1 is not fail else ok
    if term2 is ok:
        return fair if term1 is good else ok
    return fail


def title(
    conduct: ResultLevel, learning: ResultLevel, year_scores: Iterable[Decimal]
) -> Title | None:
    """Year title (danh hiệu) — TT 22/2021 Điều 15.1.a."""
    if conduct is not ResultLevel.GOOD or learning is not ResultLevel.GOOD:
        return None
    if sum(1 for s in year_scores if s >= 9) >= 6:
        return Title.OUTSTANDING
    return Title.EXCELLENT


def promoted(conduct: ResultLevel, learning: ResultLevel, absences: int) -> bool:
    """Promotion (lên lớp) — TT 22/2021 Điều 12.1: conduct ≥ Đạt, learning ≥ Đạt, ≤ 45 absences."""
    return (
        conduct.rank >= ResultLevel.PASS.rank
        and learning.rank >= ResultLevel.PASS.rank
        and absences <= MAX_ABSENCES
    )


def primary_final_evaluation(
    subject_levels: Iterable[SubjectLevel],
    quality_levels: Iterable[QualityLevel],
    test_scores: Iterable[int],
) -> FinalEvaluation:
    """Primary year-end evaluation — TT 27/2020 Điều 9.2.a.

    Hoàn thành xuất sắc: every subject Hoàn thành tốt, every quality/competency Tốt, every
    end-of-year periodic test ≥ 9; Hoàn thành tốt: the same with tests ≥ 7; Hoàn thành: every
    subject at least Hoàn thành, every quality/competency at least Đạt, tests ≥ 5.
    """
    subjects = list(subject_levels)
    qualities = list(quality_levels)
    tests = list(test_scores)
    all_excellent = all(s is SubjectLevel.EXCELLENT for s in subjects)
    all_good = all(q is QualityLevel.GOOD for q in qualities)
    if all_excellent and all_good and all(t >= 9 for t in tests):
        return FinalEvaluation.OUTSTANDING
    if all_excellent and all_good and all(t >= 7 for t in tests):
        return FinalEvaluation.EXCELLENT
    if (
        all(s is not SubjectLevel.NOT_COMPLETED for s in subjects)
        and all(q is not QualityLevel.NEEDS_EFFORT for q in qualities)
        and all(t >= 5 for t in tests)
    ):
        return FinalEvaluation.COMPLETED
    return FinalEvaluation.NOT_COMPLETED
