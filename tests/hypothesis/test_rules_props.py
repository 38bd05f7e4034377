"""Properties of the business rules: consistent records pass; one change, the expected rules."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from hocbaso import assessment, rules
from hocbaso.codes import AssessmentForm, PassLevel, ResultLevel
from hocbaso.examples import generate_record
from hocbaso.models import PrimaryRecord, Record, SecondaryRecord
from hocbaso.testing import records

SETTINGS = settings(max_examples=40, deadline=None)
SEEDS = st.integers(min_value=0, max_value=2**32)
SCORES = st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 10)


def _ids(record: Record) -> set[str]:
    return {p.rule for p in rules.check_record(record).problems}


def _set_subject(record: SecondaryRecord, index: int, subject: object) -> SecondaryRecord:
    subjects = list(record.data.summary.subjects)
    subjects[index] = subject  # type: ignore[call-overload]
    summary = record.data.summary.model_copy(update={"subjects": tuple(subjects)})
    return record.model_copy(update={"data": record.data.model_copy(update={"summary": summary})})


@SETTINGS
@given(st.integers(0, 10_000), st.integers(1, 12), st.integers(2020, 2030))
def test_generated_records_pass_every_rule(seed: int, grade: int, year: int) -> None:
    assert _ids(generate_record(seed, grade, school_year=year)) == set()


@SETTINGS
@given(records())
def test_strategy_records_have_no_errors(record: Record) -> None:
    report = rules.check_record(record)
    assert report.valid, report.to_text()
    # records() rewrites TEN_TRUONG/TEN_LOP without the history's last year (ID-HIST-004).
    assert {p.rule for p in report.warnings} <= {"ID-HIST-004"}


@st.composite
def secondary_with_score_change(draw: st.DrawFn) -> tuple[SecondaryRecord, set[str]]:
    """A consistent secondary record with one assessment score changed, and the rules due."""
    record = generate_record(draw(SEEDS), draw(st.integers(6, 12)))
    assert isinstance(record, SecondaryRecord)
    subjects = record.data.summary.subjects
    scored = [i for i, s in enumerate(subjects) if s.form is AssessmentForm.SCORE]
    index = draw(st.sampled_from(scored))
    subject = subjects[index]
    term_name = draw(st.sampled_from(["term1", "term2"]))
    term = getattr(subject, term_name)
    slot = draw(st.integers(0, len(term.regular_scores) + 1))
    regular = list(term.regular_scores)
    mid, fin = term.midterm_score, term.final_score
    old = regular[slot] if slot < len(regular) else mid if slot == len(regular) else fin
    new = draw(SCORES.filter(lambda v: v != old))
    if slot < len(regular):
        regular[slot] = new
    elif slot == len(regular):
        mid = new
    else:
        fin = new
    changed = term.model_copy(
        update={"regular_scores": tuple(regular), "midterm_score": mid, "final_score": fin}
    )
    record = _set_subject(record, index, subject.model_copy(update={term_name: changed}))
    recomputed = assessment.term_average(regular, mid, fin)
    return record, ({"TT22-AVG-001"} if recomputed != term.average else set())


@SETTINGS
@given(secondary_with_score_change())
def test_one_changed_score_fails_only_the_term_average(
    case: tuple[SecondaryRecord, set[str]],
) -> None:
    record, expected = case
    assert _ids(record) == expected


def _reading_rule(
    reported: ResultLevel, scores: Sequence[Decimal], comments: Sequence[PassLevel]
) -> set[str]:
    spec = assessment.learning_level(scores, comments)
    alt = assessment.learning_level(scores, comments, reading=assessment.READING_ABOVE_RESULT)
    if reported is spec:
        return set()
    return {"TT22-KQHT-002"} if reported is alt else {"TT22-KQHT-001"}


@SETTINGS
@given(SEEDS, st.integers(6, 12), st.data())
def test_one_changed_term_average_fails_the_steps_that_use_it(
    seed: int, grade: int, data: st.DataObject
) -> None:
    record = generate_record(seed, grade)
    assert isinstance(record, SecondaryRecord)
    subjects = record.data.summary.subjects
    scored = [i for i, s in enumerate(subjects) if s.form is AssessmentForm.SCORE]
    index = data.draw(st.sampled_from(scored))
    subject = subjects[index]
    old = subject.term1.average
    assert old is not None and subject.term2.average is not None
    new = data.draw(SCORES.filter(lambda v: v != old))
    changed = _set_subject(
        record,
        index,
        subject.model_copy(update={"term1": subject.term1.model_copy(update={"average": new})}),
    )
    expected = {"TT22-AVG-001"}
    if assessment.year_average(new, subject.term2.average) != subject.year.average:
        expected.add("TT22-AVG-002")
    scores = [
        (new if i == index else s.term1.average)
        for i, s in enumerate(subjects)
        if s.form is AssessmentForm.SCORE
    ]
    comments = [s.term1.result for s in subjects if s.form is AssessmentForm.COMMENT]
    expected |= _reading_rule(
        record.data.summary.learning_term1,
        [s for s in scores if s is not None],
        [c for c in comments if c is not None],
    )
    assert _ids(changed) == expected


@SETTINGS
@given(SEEDS, st.integers(1, 5), st.data())
def test_one_changed_test_score_fails_only_the_evaluation(
    seed: int, grade: int, data: st.DataObject
) -> None:
    record = generate_record(seed, grade)
    assert isinstance(record, PrimaryRecord)
    subjects = list(record.data.summary.subjects)
    tested = [i for i, s in enumerate(subjects) if s.test_score is not None]
    index = data.draw(st.sampled_from(tested))
    new = data.draw(st.integers(0, 10).filter(lambda v: v != subjects[index].test_score))
    subjects[index] = subjects[index].model_copy(update={"test_score": new})
    summary = record.data.summary.model_copy(update={"subjects": tuple(subjects)})
    changed = record.model_copy(
        update={"data": record.data.model_copy(update={"summary": summary})}
    )
    recomputed = assessment.primary_final_evaluation(
        (s.level for s in subjects),
        summary.assessment.levels().values(),
        (s.test_score for s in subjects if s.test_score is not None),
    )
    expected = set() if recomputed is summary.final_evaluation else {"TT27-KQ-001"}
    assert _ids(changed) == expected


def _brute_force(
    scores: list[Decimal], comments: list[PassLevel], reading: assessment.Reading
) -> ResultLevel:
    """Điều 9.3 by removing every subject in turn (the definition, without shortcuts)."""
    base = assessment.plain_learning_level(scores, comments)
    best = base
    removals = [
        assessment.plain_learning_level(scores[:i] + scores[i + 1 :], comments)
        for i in range(len(scores))
    ] + [
        assessment.plain_learning_level(scores, comments[:j] + comments[j + 1 :])
        for j in range(len(comments))
    ]
    for without in removals:
        if without.rank >= 2 and without.rank - base.rank >= 2:
            rank = without.rank - 1 if reading == "below-target" else base.rank + 1
            adjusted = next(level for level in ResultLevel if level.rank == rank)
            if adjusted.rank > best.rank:
                best = adjusted
    return best


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        SCORES | st.sampled_from([Decimal(9), Decimal("8.5"), Decimal(7)]), min_size=6, max_size=11
    ),
    st.lists(st.sampled_from(list(PassLevel)), max_size=4),
    st.sampled_from([assessment.READING_BELOW_TARGET, assessment.READING_ABOVE_RESULT]),
)
def test_learning_level_equals_the_definition(
    scores: list[Decimal], comments: list[PassLevel], reading: assessment.Reading
) -> None:
    assert assessment.learning_level(scores, comments, reading=reading) is _brute_force(
        scores, comments, reading
    )


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=2, max_size=12, unique=True), st.data())
def test_a_record_twice_in_a_batch_is_a_duplicate(seeds: list[int], data: st.DataObject) -> None:
    batch = [generate_record(seed, 1 + seed % 12) for seed in seeds]
    twice = data.draw(st.sampled_from(batch))
    with rules.BatchChecker("batch") as checker:
        first = [checker.check_record(r).problems for r in batch]
        again = checker.check_record(twice)
    assert first == [()] * len(batch)
    assert {p.rule for p in again.problems} == {"BATCH-DUP-001", "BATCH-UUID-001"}
