"""Assessment arithmetic of Thông tư 27/2020 (primary) and Thông tư 22/2021 (secondary).

Pure functions over :class:`~decimal.Decimal` and the code-list enums — no models, no XML.
They are what the business rules recompute and what the example generator uses to build
records that are consistent by construction. Rounding is half-up to one decimal on decimals,
never on binary floats (``round(8.25, 1)`` gives 8.2 in Python; the circular means 8.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal, NamedTuple, TypeAlias

from hocbaso.codes import FinalEvaluation, PassLevel, QualityLevel, ResultLevel, SubjectLevel, Title
from hocbaso.errors import InputError

__all__ = [
    "MAX_ABSENCES",
    "READING_ABOVE_RESULT",
    "READING_BELOW_TARGET",
    "LearningLevels",
    "Reading",
    "completion_text",
    "conduct_year",
    "learning_level",
    "learning_levels",
    "plain_learning_level",
    "primary_final_evaluation",
    "promoted",
    "round_score",
    "term_average",
    "title",
    "year_average",
]

Reading: TypeAlias = Literal["below-target", "above-result"]
"""How to read "điều chỉnh lên mức liền kề" in TT 22/2021 Điều 9.3 (see :func:`learning_level`)."""
READING_BELOW_TARGET: Final[Reading] = "below-target"
"""The library's reading (spec §6): the level just below the one the student would have had."""
READING_ABOVE_RESULT: Final[Reading] = "above-result"
"""The other reading (TT 58/2011 Điều 13.3 tradition): one level above the computed level."""

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
        raise InputError(
            "at least one regular score (ĐĐGtx) is needed",
            message_vi="Cần ít nhất một điểm đánh giá thường xuyên (ĐĐGtx) để tính ĐTBmhk.",
            code="ASSESSMENT-NO-REGULAR",
        )
    total = sum(regular, _ZERO) + _TWO * midterm + _THREE * final
    return _divide_half_up(total, len(regular) + 5)


def year_average(term1: Decimal, term2: Decimal) -> Decimal:
    """Year average ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, rounded (TT 22/2021 Điều 9.1.b)."""
    return _divide_half_up(term1 + _TWO * term2, 3)


_ZERO = Decimal(0)
_TWO = Decimal(2)
_THREE = Decimal(3)


def _divide_half_up(total: Decimal, n: int) -> Decimal:
    """``round_score(total / n)``, exactly, with integers when ``total`` has one decimal.

    Scores carry at most one decimal, so ``10 × total`` is an integer ``t`` and the rounded
    tenths are ``(2t + n) // 2n`` (half-up for ``t ≥ 0``): no 28-digit division needed.
    """
    tenths = total.scaleb(1)
    t = int(tenths)
    if t == tenths and t >= 0:
        return Decimal((2 * t + n) // (2 * n)).scaleb(-1)
    return round_score(total / n)


_SIX_FIVE = Decimal("6.5")
_THREE_FIVE = Decimal("3.5")
_EIGHT = Decimal(8)
_FIVE = Decimal(5)


def _plain_level(scores: Sequence[Decimal], comments: Sequence[PassLevel]) -> ResultLevel:
    fails = 0
    for c in comments:
        if c is PassLevel.FAIL:
            fails += 1
    # One pass: how many scores reach 5.0, 6.5 and 8.0, and the lowest score.
    n5 = n65 = n8 = 0
    for v in scores:
        if v >= _FIVE:
            n5 += 1
            if v >= _SIX_FIVE:
                n65 += 1
                if v >= _EIGHT:
                    n8 += 1
    lowest = min(scores) if scores else _EIGHT
    if fails == 0:
        if lowest >= _SIX_FIVE and n8 >= 6:
            return ResultLevel.GOOD
        if lowest >= _FIVE and n65 >= 6:
            return ResultLevel.FAIR
    if fails <= 1 and n5 >= 6 and lowest >= _THREE_FIVE:
        return ResultLevel.PASS
    return ResultLevel.FAIL


def plain_learning_level(scores: Sequence[Decimal], comments: Sequence[PassLevel]) -> ResultLevel:
    """Learning result by TT 22/2021 Điều 9.2 alone, before the Điều 9.3 adjustment.

    ``scores`` are the averages of the scored subjects, ``comments`` the results of the
    comment-only subjects (see :func:`learning_level`).
    """
    return _plain_level(scores, comments)


_RANK = {level: level.rank for level in ResultLevel}
_BY_RANK = {rank: level for level, rank in _RANK.items()}


def _single_subject(scores: Sequence[Decimal], comments: Sequence[PassLevel]) -> int | None:
    """Index (scores first, then comments) of the one subject whose removal could reach Khá.

    Tốt and Khá both need every comment subject Đạt and every score ≥ 5.0. Removing one
    subject can therefore reach them only if it is the single comment subject Chưa đạt (and
    no score is below 5.0), or the single score below 5.0 (and no comment subject failed).
    When every score is ≥ 5.0 and none failed, the level is below Khá only for lack of
    subjects ≥ 6.5 (or ≥ 8.0), which no removal can add. So there is at most one candidate.
    """
    fails = [j for j, c in enumerate(comments) if c is PassLevel.FAIL]
    low = [i for i, s in enumerate(scores) if s < _FIVE]
    if not fails and len(low) == 1:
        return low[0]
    if len(fails) == 1 and not low:
        return len(scores) + fails[0]
    return None


class LearningLevels(NamedTuple):
    """The learning result of one term or year under each reading (see :func:`learning_level`).

    Attributes:
        plain: by Điều 9.2 alone.
        below_target: with the Điều 9.3 adjustment, the library's reading (the default).
        above_result: with the Điều 9.3 adjustment, the other reading.
    """

    plain: ResultLevel
    below_target: ResultLevel
    above_result: ResultLevel


def learning_levels(scores: Sequence[Decimal], comments: Sequence[PassLevel]) -> LearningLevels:
    """:func:`plain_learning_level` and :func:`learning_level` under both readings, at once."""
    base = _plain_level(scores, comments)
    base_rank = _RANK[base]
    if base_rank >= 2:
        return LearningLevels(base, base, base)
    target = _target_rank(scores, comments)
    if target is None or target < 2 or target - base_rank < 2:
        return LearningLevels(base, base, base)
    return LearningLevels(base, _BY_RANK[target - 1], _BY_RANK[base_rank + 1])


def _target_rank(scores: Sequence[Decimal], comments: Sequence[PassLevel]) -> int | None:
    """Rank of the level without the one subject that could matter (or ``None``)."""
    i = _single_subject(scores, comments)
    if i is None:
        return None
    n = len(scores)
    if i < n:
        return _RANK[_plain_level([*scores[:i], *scores[i + 1 :]], comments)]
    j = i - n
    return _RANK[_plain_level(scores, [*comments[:j], *comments[j + 1 :]])]


def learning_level(
    scores: Sequence[Decimal],
    comments: Sequence[PassLevel],
    *,
    reading: Reading = READING_BELOW_TARGET,
) -> ResultLevel:
    """Learning result (kết quả học tập) of a term or year — TT 22/2021 Điều 9.2 and 9.3.

    ``scores`` are the averages of the scored subjects (term averages for a term, year averages
    for the year); ``comments`` the results of the comment-only subjects.

    Điều 9.3: if the level is two or more levels below the Tốt or Khá that the rules of
    Điều 9.2.a–b would give **only because of one single subject** (the level without that
    subject), it is raised "to the adjacent level" (*lên mức liền kề*). The circular does not
    say adjacent to what; the two readings differ only when Tốt drops to Chưa đạt:

    * ``reading="below-target"`` (default, the library's reading, spec §6): the level just
      below the one the student would have had (Tốt → Chưa đạt becomes Khá);
    * ``reading="above-result"``: one level above the computed level, as TT 58/2011 Điều 13.3
      spelled it out for the former circular (Tốt → Chưa đạt becomes Đạt).

    Both give Khá for Tốt → Đạt and Đạt for Khá → Chưa đạt. See docs/rules.md.
    """
    levels = learning_levels(scores, comments)
    return levels.below_target if reading == READING_BELOW_TARGET else levels.above_result


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
    return _RANK[conduct] >= 1 and _RANK[learning] >= 1 and absences <= MAX_ABSENCES


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


def completion_text(grade: int, completed: bool, promoted: bool) -> str:
    """The completion wording of a primary record — TT 27/2020 Phụ lục 1 (học bạ, mục 6).

    ``"Hoàn thành chương trình lớp 4; Được lên lớp 5."``, ``"Chưa hoàn thành chương trình
    lớp 2; Chưa được lên lớp 3."``; grade 5: ``"Hoàn thành chương trình tiểu học."`` or
    ``"Chưa hoàn thành chương trình tiểu học."``.
    """
    if not 1 <= grade <= 5:
        raise InputError(
            f"completion wording exists for grades 1-5 only, got {grade}",
            message_vi=f"Nội dung hoàn thành chương trình chỉ có ở lớp 1-5 (nhận được {grade}).",
            code="ASSESSMENT-GRADE",
        )
    done = "Hoàn thành" if completed else "Chưa hoàn thành"
    if grade == 5:
        return f"{done} chương trình tiểu học."
    up = "Được lên lớp" if promoted else "Chưa được lên lớp"
    return f"{done} chương trình lớp {grade}; {up} {grade + 1}."
