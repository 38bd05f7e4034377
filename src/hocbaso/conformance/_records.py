"""Record building blocks of the vector generator (internal; may change without notice).

Consistent records come from :func:`hocbaso.examples.generate_record`; the helpers here change
one value deep inside a frozen record (:func:`setp`) and recompute the derived year-end results
(:func:`recompute`) with :mod:`hocbaso.assessment`, so a vector differs from a consistent record
exactly where it is meant to.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

from hocbaso import assessment
from hocbaso.codes import AssessmentForm, FinalEvaluation, PassLevel, ResultLevel
from hocbaso.examples import generate_record
from hocbaso.models import (
    PrimaryRecord,
    PrimarySummary,
    Record,
    SecondaryRecord,
    SecondarySummary,
)

M = TypeVar("M")


def setp(model: M, steps: Sequence[str | int], value: Any) -> M:
    """A copy of ``model`` with the value at ``steps`` replaced (no re-validation)."""
    name = steps[0]
    assert isinstance(name, str)
    current = getattr(model, name)
    if len(steps) == 1:
        return model.model_copy(update={name: value})  # type: ignore[attr-defined,no-any-return]
    if isinstance(steps[1], int):
        idx = steps[1]
        items = list(current)
        items[idx] = value if len(steps) == 2 else setp(items[idx], steps[2:], value)
        return model.model_copy(update={name: tuple(items)})  # type: ignore[attr-defined,no-any-return]
    return model.model_copy(update={name: setp(current, steps[1:], value)})  # type: ignore[attr-defined,no-any-return]


def update(model: M, steps: Sequence[str | int], **values: Any) -> M:
    """A copy of ``model`` whose sub-model at ``steps`` has ``values`` replaced."""
    target: Any = model
    for step in steps:
        target = target[step] if isinstance(step, int) else getattr(target, step)
    changed = target.model_copy(update=values)
    return setp(model, steps, changed) if steps else changed


def primary(seed: int, grade: int) -> PrimaryRecord:
    """A consistent generated primary record."""
    record = generate_record(seed, grade)
    assert isinstance(record, PrimaryRecord)
    return record


def secondary(seed: int, grade: int) -> SecondaryRecord:
    """A consistent generated secondary record."""
    record = generate_record(seed, grade)
    assert isinstance(record, SecondaryRecord)
    return record


def _primary_summary(record: PrimaryRecord) -> PrimarySummary:
    s = record.data.summary
    grade = record.data.general.grade
    final = assessment.primary_final_evaluation(
        (x.level for x in s.subjects),
        s.assessment.levels().values(),
        (x.test_score for x in s.subjects if x.test_score is not None),
    )
    completed = final is not FinalEvaluation.NOT_COMPLETED
    return s.model_copy(
        update={
            "final_evaluation": final,
            "promoted": completed,
            "completed_grade": completed,
            "completed_primary": completed if grade == 5 else None,
            "completion_text": assessment.completion_text(grade, completed, completed),
            "commendation": "Học sinh Xuất sắc" if final is FinalEvaluation.OUTSTANDING else None,
        }
    )


def _secondary_summary(record: SecondaryRecord) -> SecondarySummary:
    s = record.data.summary
    g = record.data.general

    def level(part: str) -> ResultLevel:
        scores: list[Decimal] = []
        comments: list[PassLevel] = []
        for sub in s.subjects:
            p = getattr(sub, part)
            if sub.form is AssessmentForm.SCORE:
                scores.append(p.average)
            else:
                comments.append(p.result)
        return assessment.learning_level(scores, comments)

    year = level("year")
    conduct = assessment.conduct_year(s.conduct_term1, s.conduct_term2)
    averages = [x.year.average for x in s.subjects if x.year.average is not None]
    promoted = assessment.promoted(conduct, year, g.excused_absences + g.unexcused_absences)
    return s.model_copy(
        update={
            "learning_term1": level("term1"),
            "learning_term2": level("term2"),
            "learning_year": year,
            "conduct_year": conduct,
            "title": assessment.title(conduct, year, averages),
            "promoted": promoted,
            "completed_grade": promoted,
            "completed_lower_secondary": promoted if g.grade == 9 else None,
            "completed_upper_secondary": promoted if g.grade == 12 else None,
            "learning_after_retest": None,
            "conduct_after_summer": None,
        }
    )


def recompute(record: Record) -> Record:
    """``record`` with its year-end results recomputed from its subjects and conduct."""
    if isinstance(record, PrimaryRecord):
        return update(record, ("data",), summary=_primary_summary(record))
    return update(record, ("data",), summary=_secondary_summary(record))
