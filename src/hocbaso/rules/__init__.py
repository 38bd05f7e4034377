"""Business rules of the Ministry-side validator: results, identities, batches.

The XSD says a record is well formed; these rules say whether it is *right*. Each rule is a
small named check with a stable id (``TT22-AVG-001``), a default severity, the regulation
clause it applies and messages in Vietnamese and English. Rules never change a record: every
disagreement is reported with the value the record gives and the value recomputed from the
record's other values.

Rule sets (``tt22`` secondary results — *kết quả học tập, rèn luyện*; ``tt27`` primary
results — *đánh giá kết quả giáo dục*; ``identity`` identifiers, codes, age, enrolment,
subjects; ``batch`` checks across records) are chosen by name, id or id prefix::

    import hocbaso
    from hocbaso import rules

    report = rules.check_record(record)                          # every single-record rule
    report = rules.check_record(record, "tt22,-TT22-TX-001")     # a selection
    report = rules.check_bytes(xml, rules="identity",            # XSD + models + rules
                               severities={"ID-MON-002": "error"})

    with rules.BatchChecker() as checker:                        # duplicates across a batch
        for path in paths:
            report = checker.check_bytes(path.read_bytes(), source=str(path))
        print(checker.summary().to_text())

Three entry points, as for XSD validation: :func:`check_record` returns a
:class:`~hocbaso.report.Report`, :func:`is_consistent` a boolean, :func:`ensure_consistent`
raises :class:`~hocbaso.errors.DocumentInvalidError`; :func:`iter_problems` iterates.

Reports carry a :class:`~hocbaso.report.RecordRef` with personal data (name, personal id):
see :mod:`hocbaso.report`. The rule catalogue, the report schema and the decisions taken where
the regulations are ambiguous are in ``docs/rules.md``.
"""

from __future__ import annotations

from hocbaso.errors import ConfigurationError
from hocbaso.rules import _identity, _tt22, _tt27  # noqa: F401  (register the rules)
from hocbaso.rules._batch import BatchChecker
from hocbaso.rules._engine import (
    BatchKeys,
    RecordCheck,
    check_bytes,
    check_record,
    ensure_consistent,
    examine,
    is_consistent,
    iter_problems,
    record_ref,
)
from hocbaso.rules._identity import PersonalId, compulsory_subjects, parse_personal_id
from hocbaso.rules._registry import SETS, Rule, RuleSet, Selection, SeverityMap, registry, select

__all__ = [
    "SETS",
    "BatchChecker",
    "BatchKeys",
    "PersonalId",
    "RecordCheck",
    "Rule",
    "RuleSet",
    "Selection",
    "SeverityMap",
    "all_rules",
    "check_bytes",
    "check_record",
    "compulsory_subjects",
    "ensure_consistent",
    "examine",
    "get_rule",
    "is_consistent",
    "iter_problems",
    "parse_personal_id",
    "record_ref",
    "select",
]


def all_rules() -> tuple[Rule, ...]:
    """Every rule of the library (single-record and batch), ordered by id."""
    return registry()


def get_rule(rule_id: str) -> Rule:
    """The rule with id ``rule_id``.

    Raises:
        ConfigurationError: no such rule (``RULES-SELECTOR``).
    """
    for r in registry():
        if r.id == rule_id.upper():
            return r
    raise ConfigurationError(
        f"no rule has the id {rule_id!r}",
        message_vi=f"Không có quy tắc mã '{rule_id}'.",
        code="RULES-SELECTOR",
    )
