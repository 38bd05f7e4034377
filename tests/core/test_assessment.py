"""TT 22/2021 and TT 27/2020 arithmetic, with the regulation's own cases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hocbaso import assessment as a
from hocbaso.codes import FinalEvaluation, PassLevel, QualityLevel, ResultLevel, SubjectLevel, Title

T, K, Dat, CD = ResultLevel.GOOD, ResultLevel.FAIR, ResultLevel.PASS, ResultLevel.FAIL


def test_half_up_rounding_not_bankers() -> None:
    assert a.round_score(Decimal("8.25")) == Decimal("8.3")
    assert a.round_score(Decimal("8.35")) == Decimal("8.4")
    assert a.round_score(Decimal("6.449")) == Decimal("6.4")


def test_term_and_year_average() -> None:
    # (7 + 8 + 9 + 2*8 + 3*9) / (3 + 5) = 67/8 = 8.375 -> 8.4
    assert a.term_average([Decimal(7), Decimal(8), Decimal(9)], Decimal(8), Decimal(9)) == Decimal(
        "8.4"
    )
    # (6.5 + 2*8.0)/3 = 7.5
    assert a.year_average(Decimal("6.5"), Decimal("8.0")) == Decimal("7.5")
    with pytest.raises(ValueError, match="regular"):
        a.term_average([], Decimal(5), Decimal(5))


@pytest.mark.parametrize(
    ("t1", "t2", "year"),
    [
        (T, T, T),
        (K, T, T),
        (Dat, T, K),
        (CD, T, K),
        (T, K, K),
        (K, K, K),
        (Dat, K, K),
        (CD, K, Dat),
        (T, Dat, K),
        (K, Dat, Dat),
        (Dat, Dat, Dat),
        (CD, Dat, Dat),
        (T, CD, CD),
        (K, CD, CD),
        (Dat, CD, CD),
        (CD, CD, CD),
    ],
)
def test_conduct_year_table(t1: ResultLevel, t2: ResultLevel, year: ResultLevel) -> None:
    assert a.conduct_year(t1, t2) is year


def _s(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


OK = [PassLevel.PASS] * 4


def test_learning_levels() -> None:
    assert a.learning_level(_s("8", "8", "8", "8", "8", "8", "6.5", "7"), OK) is T
    assert a.learning_level(_s("8", "8", "8", "8", "8", "6.4", "7", "7"), OK) is K
    assert a.learning_level(_s("6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5", "5"), OK) is K
    assert a.learning_level(_s("5", "5", "5", "5", "5", "5", "3.5", "4"), OK) is Dat
    assert a.learning_level(_s("5", "5", "5", "5", "5", "4", "4", "4"), OK) is CD
    one_fail = [PassLevel.FAIL, PassLevel.PASS]
    assert a.learning_level(_s("9", "9", "9", "9", "9", "9", "9", "9"), one_fail) is K


def test_one_subject_adjustment_dieu_9_3() -> None:
    # Tốt everywhere but one subject at 3.0: plain rules give Chưa đạt (a subject < 3.5);
    # without that subject it would be Tốt -> adjusted to Khá (spec reading, docs/decisions.md).
    scores = _s("9", "9", "9", "9", "9", "9", "9", "3")
    assert a._plain_level(scores, OK) is CD
    assert a.learning_level(scores, OK) is K
    # Khá would drop to Đạt only (one level): no adjustment.
    assert a.learning_level(_s("7", "7", "7", "7", "7", "7", "7", "4.5"), OK) is Dat
    # Two weak subjects: not "only one subject", no adjustment.
    assert a.learning_level(_s("9", "9", "9", "9", "9", "9", "3", "3"), OK) is CD


def test_titles_and_promotion() -> None:
    nines = _s("9", "9", "9", "9", "9", "9", "8", "8")
    assert a.title(T, T, nines) is Title.OUTSTANDING
    assert a.title(T, T, _s("9", "8", "8")) is Title.EXCELLENT
    assert a.title(K, T, nines) is None
    assert a.promoted(Dat, Dat, 45) and not a.promoted(Dat, Dat, 46)
    assert not a.promoted(CD, T, 0)


def test_primary_final_evaluation() -> None:
    htt, ht, cht = SubjectLevel.EXCELLENT, SubjectLevel.COMPLETED, SubjectLevel.NOT_COMPLETED
    good, ok, weak = QualityLevel.GOOD, QualityLevel.PASS, QualityLevel.NEEDS_EFFORT
    f = a.primary_final_evaluation
    assert f([htt] * 5, [good] * 10, [9, 10]) is FinalEvaluation.OUTSTANDING
    assert f([htt] * 5, [good] * 10, [9, 8]) is FinalEvaluation.EXCELLENT
    assert f([htt, ht], [good] * 10, [9, 9]) is FinalEvaluation.COMPLETED
    assert f([htt] * 5, [good, ok], [10]) is FinalEvaluation.COMPLETED
    assert f([htt] * 5, [good] * 10, [6]) is FinalEvaluation.COMPLETED
    assert f([htt, cht], [good], [9]) is FinalEvaluation.NOT_COMPLETED
    assert f([htt], [weak], [9]) is FinalEvaluation.NOT_COMPLETED
    assert f([htt], [good], [4]) is FinalEvaluation.NOT_COMPLETED


def test_dieu_9_3_readings() -> None:
    # The two readings of "lên mức liền kề" differ only when Tốt drops to Chưa đạt.
    tot_to_cd = _s("9", "9", "9", "9", "9", "9", "9", "3")
    assert a.plain_learning_level(tot_to_cd, OK) is CD
    assert a.learning_level(tot_to_cd, OK) is K
    assert a.learning_level(tot_to_cd, OK, reading=a.READING_BELOW_TARGET) is K
    assert a.learning_level(tot_to_cd, OK, reading=a.READING_ABOVE_RESULT) is Dat
    tot_to_dat = _s("9", "9", "9", "9", "9", "9", "9", "4.5")
    for reading in (a.READING_BELOW_TARGET, a.READING_ABOVE_RESULT):
        assert a.learning_level(tot_to_dat, OK, reading=reading) is K
    kha_to_cd = _s("7", "7", "7", "7", "7", "7", "7", "3")
    for reading in (a.READING_BELOW_TARGET, a.READING_ABOVE_RESULT):
        assert a.learning_level(kha_to_cd, OK, reading=reading) is Dat
    # One comment subject Chưa đạt with Tốt scores: Đạt by 9.2, Khá by 9.3.
    nine = _s("9", "9", "9", "9", "9", "9", "9", "9")
    assert a.plain_learning_level(nine, [PassLevel.FAIL, *OK]) is Dat
    assert a.learning_level(nine, [PassLevel.FAIL, *OK]) is K


def test_term_average_needs_a_regular_score() -> None:
    from hocbaso.errors import InputError

    with pytest.raises(InputError) as info:
        a.term_average([], Decimal(5), Decimal(5))
    assert info.value.code == "ASSESSMENT-NO-REGULAR"


def test_completion_text() -> None:
    assert a.completion_text(4, True, True) == "Hoàn thành chương trình lớp 4; Được lên lớp 5."
    assert a.completion_text(2, True, True) == "Hoàn thành chương trình lớp 2; Được lên lớp 3."
    assert a.completion_text(5, True, True) == "Hoàn thành chương trình tiểu học."
    assert a.completion_text(5, False, False) == "Chưa hoàn thành chương trình tiểu học."
    assert (
        a.completion_text(1, False, False)
        == "Chưa hoàn thành chương trình lớp 1; Chưa được lên lớp 2."
    )
    from hocbaso.errors import InputError

    with pytest.raises(InputError):
        a.completion_text(6, True, True)


_TENTHS = st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 10)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TENTHS, min_size=1, max_size=6), _TENTHS, _TENTHS)
def test_term_average_is_the_decimal_formula(
    regular: list[Decimal], mid: Decimal, fin: Decimal
) -> None:
    total = sum(regular, Decimal(0)) + 2 * mid + 3 * fin
    assert a.term_average(regular, mid, fin) == a.round_score(total / (len(regular) + 5))


@settings(max_examples=300, deadline=None)
@given(_TENTHS, _TENTHS)
def test_year_average_is_the_decimal_formula(t1: Decimal, t2: Decimal) -> None:
    assert a.year_average(t1, t2) == a.round_score((t1 + 2 * t2) / 3)


def test_averages_beyond_one_decimal_still_exact() -> None:
    # Not a record's value (one decimal at most), but the function stays exact anyway.
    assert a.term_average([Decimal("8.25")], Decimal(8), Decimal(8)) == Decimal("8.0")
    assert a.year_average(Decimal("8.05"), Decimal("8.05")) == Decimal("8.1")
