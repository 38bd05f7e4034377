"""The registry: ids, metadata, selection by id/prefix/set, severity overrides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hocbaso import rules
from hocbaso.errors import ConfigurationError, InputError
from hocbaso.examples import example_record, generate_record
from hocbaso.report import Severity

ROOT = Path(__file__).resolve().parents[2]


def test_ids_metadata_and_sets() -> None:
    everything = rules.all_rules()
    assert len({r.id for r in everything}) == len(everything)
    for r in everything:
        assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)*-\d{3}", r.id), r.id
        assert r.clause and r.title_vi and r.title_en, r.id
        assert r.sets and r.sets <= set(rules.SETS), r.id
        assert r.profiles, r.id
        assert (r.check is None) == r.is_batch, r.id
    prefixes = {"tt22": "TT22-", "tt27": "TT27-", "identity": "ID-", "batch": "BATCH-"}
    for name, prefix in prefixes.items():
        assert all(r.id.startswith(prefix) for r in rules.select(name)), name


def test_every_rule_is_documented() -> None:
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for r in rules.all_rules():
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{r.id}`")), None)
        assert row is not None, f"{r.id} missing from docs/rules.md"
        assert f"| {r.severity.value} |" in row, r.id


def test_docs_rule_table_is_generated() -> None:
    from hocbaso.rules._docs import rule_table

    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert rule_table() in doc, "docs/rules.md is stale: python -m hocbaso.rules._docs"


def test_selection() -> None:
    everything = {r.id for r in rules.all_rules()}
    assert set(rules.select(None).ids) == everything
    assert set(rules.select("all").ids) == everything
    assert rules.select("TT22-AVG-001").ids == ("TT22-AVG-001",)
    assert rules.select("tt22-avg-001").ids == ("TT22-AVG-001",)
    assert rules.select("TT22-AVG").ids == ("TT22-AVG-001", "TT22-AVG-002")
    assert rules.select("TT22-AVG-*").ids == ("TT22-AVG-001", "TT22-AVG-002")
    assert "TT22-TX-001" not in rules.select("tt22,-TT22-TX-001")
    assert set(rules.select("-batch").ids) == everything - set(rules.select("batch").ids)
    both = rules.select(["tt27", "ID-CCCD"])
    assert all(i.startswith(("TT27-", "ID-CCCD-")) for i in both.ids)
    assert rules.select(rules.select("tt27")) == rules.select("tt27")


@pytest.mark.parametrize("bad", ["TT99", "nope", "-", "TT22-AVG-009", "*"])
def test_unknown_selector(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        rules.select(bad)
    assert info.value.code == "RULES-SELECTOR"
    assert info.value.message_vi != info.value.message_en


def test_severity_override() -> None:
    chosen = rules.select("identity", severities={"ID-MON": "error", "ID-CCCD-002": "warning"})
    by_id = {r.id: r for r in chosen}
    assert by_id["ID-MON-002"].severity is Severity.ERROR
    assert by_id["ID-CCCD-002"].severity is Severity.WARNING
    assert rules.get_rule("ID-MON-002").severity is Severity.WARNING  # registry unchanged
    with pytest.raises(ConfigurationError) as info:
        rules.select("tt22", severities={"TT22-AVG-001": "fatal"})
    assert info.value.code == "RULES-SEVERITY"


def test_override_reaches_the_report() -> None:
    record = example_record(1)
    record = record.model_copy(
        update={
            "data": record.data.model_copy(
                update={"general": record.data.general.model_copy(update={"student_code": "123"})}
            )
        }
    )
    assert rules.check_record(record, "ID-MHS-001").valid
    report = rules.check_record(record, "ID-MHS-001", severities={"ID-MHS-001": "error"})
    assert [p.severity for p in report.problems] == [Severity.ERROR]
    assert not rules.is_consistent(record, "ID-MHS-001", severities={"identity": "error"})


def test_get_rule() -> None:
    assert rules.get_rule("tt22-avg-001").id == "TT22-AVG-001"
    with pytest.raises(ConfigurationError):
        rules.get_rule("TT22-AVG")


def test_entry_points_agree() -> None:
    good = generate_record(4, 8)
    assert rules.is_consistent(good)
    assert rules.ensure_consistent(good).valid
    assert list(rules.iter_problems(good)) == []
    bad = good.model_copy(
        update={
            "data": good.data.model_copy(
                update={"summary": good.data.summary.model_copy(update={"promoted": False})}
            )
        }
    )
    assert not rules.is_consistent(bad)
    from hocbaso.errors import DocumentInvalidError

    with pytest.raises(DocumentInvalidError) as info:
        rules.ensure_consistent(bad, source="x.xml")
    assert info.value.code == "TT22-LL-001"
    assert info.value.report.source == "x.xml"
    assert [p.rule for p in rules.iter_problems(bad)] == ["TT22-LL-001"]


def test_not_a_record() -> None:
    with pytest.raises(InputError) as info:
        rules.check_record("<HOC_BA/>")  # type: ignore[arg-type]
    assert info.value.code == "RULES-RECORD-TYPE"


def test_internal_error_in_a_rule_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from hocbaso.rules._context import Context
    from hocbaso.rules._registry import Finding, RuleSet

    def broken(ctx: Context) -> list[Finding]:
        raise KeyError("boom")

    rule = dataclasses.replace(rules.get_rule("TT22-AVG-001"), check=broken)
    report = rules.check_record(generate_record(1, 7), RuleSet((rule,)))
    (p,) = report.problems
    assert p.rule == "RULE-INTERNAL" and "TT22-AVG-001" in p.message_en
    assert not report.valid
