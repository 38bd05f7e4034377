"""A toy external implementation run through ``--cmd``: its known mistakes show up."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from hocbaso import conformance
from hocbaso.cli import main

TOY = Path(__file__).with_name("toy_impl.py")
CMD = f"{shlex.quote(sys.executable)} {shlex.quote(str(TOY))} {{file}}"

# what the toy gets right, and what it gets wrong (and why)
RIGHT = [
    "grades/grade-03",
    "grades/grade-11",
    "canonical/uuid-upper-case",
    "canonical/timestamp-no-offset",
    "parser/not-xml",
    "parser/truncated",
    "codes/out-of-list-DAN_TOC",
]
WRONG = {
    "parser/external-dtd": "exit status 0, expected 2 (unusable)",  # DTD not refused
    "parser/utf16-bom": "exit status 0, expected 2 (unusable)",  # UTF-16 accepted
    "parser/billion-laughs": "",  # DTD not refused: how it then fails depends on libxml2
    "schema/birth-date-impossible": "exit status 0, expected 1 (invalid)",  # 31/02: XSD only
    "canonical/number-comma": "no error XSD-VALUE/VALUE reported at",  # rule misclassified
    "canonical/nfd-name": "no warning TEXT-NFC reported at",  # no NFC check
    "rules/TT22-AVG-001": "exit status 0, expected 1 (invalid)",  # no business rules
}


@pytest.fixture(scope="module")
def toy_report() -> conformance.ConformanceReport:
    return conformance.run(CMD, cases=[*RIGHT, *WRONG], timeout=60)


def test_toy_passes_what_it_does_right(toy_report: conformance.ConformanceReport) -> None:
    results = {r.case.id: r for r in toy_report.results}
    for case_id in RIGHT:
        assert results[case_id].passed, (case_id, results[case_id].reasons)


def test_toy_fails_where_it_is_wrong(toy_report: conformance.ConformanceReport) -> None:
    results = {r.case.id: r for r in toy_report.results}
    for case_id, reason in WRONG.items():
        r = results[case_id]
        assert not r.passed, case_id
        assert any(x.startswith(reason) for x in r.reasons), (case_id, r.reasons)
    assert not toy_report.passed


def test_toy_through_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    code = main(
        [
            "conformance",
            "run",
            "--cmd",
            CMD,
            "--case",
            "parser/utf16-bom",
            "--case",
            "grades/grade-01",
            "--report",
            str(report_file),
        ]
    )
    text = capsys.readouterr().out
    assert code == 1
    assert "FAIL parser/utf16-bom (expected unusable, got exit 0)" in text
    assert text.rstrip().endswith("1 passed, 1 failed")
    data = json.loads(report_file.read_text(encoding="utf-8"))
    assert data["counts"] == {"total": 2, "passed": 1, "failed": 1}
