"""Rules over bytes: one report with the XSD/model problems of hocbaso.validate, then the rules."""

from __future__ import annotations

import unicodedata

import pytest

import hocbaso
from hocbaso import rules
from hocbaso.codes import ResultLevel
from hocbaso.errors import XmlSyntaxError
from hocbaso.examples import example_record, generate_record
from hocbaso.models import SecondaryRecord
from hocbaso.testing import _MUTATIONS


@pytest.mark.parametrize("grade", [1, 4, 7, 11])
def test_same_problems_as_validate(grade: int) -> None:
    xml = hocbaso.to_xml(example_record(grade))
    for name, mutate, _, _ in _MUTATIONS:
        bad = mutate(xml)
        expected = hocbaso.validate(bad, source="a.xml")
        got = rules.check_bytes(bad, source="a.xml", rules=[])
        assert got.problems == expected.problems, name
        assert got.record is not None  # named from the raw text for the status row


def test_nfc_warning_kept() -> None:
    xml = hocbaso.to_xml(example_record(1))
    nfd = xml.replace("Trương".encode(), unicodedata.normalize("NFD", "Trương").encode())
    report = rules.check_bytes(nfd)
    assert report.valid
    assert [p.rule for p in report.warnings] == ["TEXT-NFC"]
    assert report.problems == hocbaso.validate(nfd).problems


def test_rules_run_after_validation_with_lines() -> None:
    record = generate_record(3, 9)
    assert isinstance(record, SecondaryRecord)
    s = record.data.summary
    right = hocbaso.assessment.conduct_year(s.conduct_term1, s.conduct_term2)
    wrong = next(level for level in ResultLevel if level is not right)
    summary = s.model_copy(update={"conduct_year": wrong, "title": None})
    bad = record.model_copy(update={"data": record.data.model_copy(update={"summary": summary})})
    pretty = hocbaso.to_xml(bad).replace(b"><", b">\n<")
    report = rules.check_bytes(pretty, source="p.xml")
    rl = [p for p in report.problems if p.rule == "TT22-RL-001"]
    assert rl and rl[0].line is not None and rl[0].line > 10
    assert pretty.splitlines()[rl[0].line - 1].startswith(b"<KET_QUA_REN_LUYEN_CA_NAM>")
    assert report.record is not None and report.record.grade == 9


def test_no_rules_on_undecodable_records() -> None:
    xml = hocbaso.to_xml(example_record(6))
    bad = xml.replace(b"<MA_KHOI>6</MA_KHOI>", b"<MA_KHOI>66</MA_KHOI>")
    report = rules.check_bytes(bad)
    assert report.errors and all(not p.rule.startswith(("TT", "ID-")) for p in report.problems)
    ref = report.record
    assert ref is not None and ref.grade == 66 and ref.school_code == "48491502"


def test_unusable_input() -> None:
    with pytest.raises(XmlSyntaxError):
        rules.check_bytes(b"<HOC_BA><a></HOC_BA>")
    result = rules.examine(b"<HOC_BA><a></HOC_BA>", source="x.xml")
    assert result.report.unusable and result.keys is None
    assert result.report.problems[0].rule == "XML-SYNTAX"
    assert result.report.source == "x.xml"
    dtd = b'<!DOCTYPE x [<!ENTITY a "b">]><HOC_BA/>'
    assert rules.examine(dtd).report.problems[0].rule == "XML-UNSAFE"


def test_examine_gives_batch_keys() -> None:
    record = example_record(1)
    result = rules.examine(hocbaso.to_xml(record))
    assert result.report.valid
    assert result.keys == rules.BatchKeys.of(record)
    assert result.keys is not None and result.keys.birth_date == "2017-05-17"


def test_empty_selection_runs_no_rule() -> None:
    assert rules.select([]).ids == ()
    assert rules.select("").ids == ()
