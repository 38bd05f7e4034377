"""``hocbaso conformance run`` passes on this library, through the API and the CLI."""

from __future__ import annotations

import json

import pytest

from hocbaso import conformance
from hocbaso.cli import main
from hocbaso.conformance import Manifest


def test_library_passes_every_vector() -> None:
    report = conformance.run()
    assert report.results, "no vector ran"
    assert report.passed, report.to_text()
    assert len(report.results) == len(conformance.load_manifest().cases)


def test_cli_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["conformance", "run", "--category", "parser,grades", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["passed"] is True
    assert set(out["categories"]) == {"grades", "parser"}
    assert out["counts"]["failed"] == 0
    assert (
        out["counts"]["total"]
        == out["categories"]["grades"]["total"] + (out["categories"]["parser"]["total"])
    )


def test_cli_text_table(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["conformance", "run", "--case", "grades/grade-01", "--case", "parser/xxe-file"])
    text = capsys.readouterr().out
    assert code == 0
    assert "grades" in text and "parser" in text
    assert text.rstrip().endswith("2 passed, 0 failed")


def test_cli_list(capsys: pytest.CaptureFixture[str], manifest: Manifest) -> None:
    assert main(["conformance", "list", "--category", "batch"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(manifest.select(["batch"]))


def test_unknown_category_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "run", "--category", "nope"]) == 2
    assert "CONFORMANCE-CATEGORY" in capsys.readouterr().err


def test_a_wrong_expectation_fails(manifest: Manifest) -> None:
    """The self-check can fail: judge the library's answer against a flipped expectation."""
    import dataclasses

    from hocbaso.conformance._runner import observe_library

    case = manifest.case("rules/TT22-AVG-001")
    obs = observe_library(case, manifest)
    assert conformance.judge(case, obs) == []
    flipped = dataclasses.replace(
        case, expect=dataclasses.replace(case.expect, outcome="valid", problems=())
    )
    assert conformance.judge(flipped, obs) == ["exit status 1, expected 0 (valid)"]
    moved = dataclasses.replace(
        case,
        expect=dataclasses.replace(
            case.expect,
            problems=(
                conformance.ProblemSpec(("TT22-AVG-001",), ("/HOC_BA/DU_LIEU_HOC_BA/TONG_KET",)),
            ),
        ),
    )
    assert len(conformance.judge(moved, obs)) == 1
