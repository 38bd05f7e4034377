"""The external-command protocol: splitting, no shell, timeouts, exit codes, JSON answers."""

from __future__ import annotations

import dataclasses
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from hocbaso import conformance, errors
from hocbaso.conformance import Manifest, Observation, ReportedProblem
from hocbaso.conformance._runner import observe_command

PY = shlex.quote(sys.executable)


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "impl.py"
    path.write_text("import json, sys\n" + body, encoding="utf-8")
    return f"{PY} {shlex.quote(str(path))}"


def test_file_is_one_argument_and_no_shell_runs(tmp_path: Path, manifest: Manifest) -> None:
    base = tmp_path / "vectors"
    shutil.copytree(manifest.directory, base)
    weird = base / "grades" / "a b; touch PWNED $(id).xml"
    (base / "grades" / "grade-01.xml").rename(weird)
    text = (base / "manifest.json").read_text(encoding="utf-8")
    (base / "manifest.json").write_text(
        text.replace('"grades/grade-01.xml"', f'"grades/{weird.name}"'), encoding="utf-8"
    )
    cmd = _script(
        tmp_path,
        "print(json.dumps({'problems': [], 'argv': sys.argv[1:]}))\n"
        "sys.exit(0 if sys.argv[1].endswith('$(id).xml') and len(sys.argv) == 2 else 1)\n",
    )
    report = conformance.run(cmd, cases=["grades/grade-01"], vectors=base)
    assert report.passed, report.to_text()
    assert not list(tmp_path.rglob("PWNED"))


def test_placeholder_appended_when_missing(tmp_path: Path) -> None:
    cmd = _script(tmp_path, "sys.exit(0 if sys.argv[1].endswith('grade-02.xml') else 1)\n")
    assert conformance.run(cmd, cases=["grades/grade-02"]).passed


def test_timeout(tmp_path: Path, manifest: Manifest) -> None:
    cmd = _script(tmp_path, "import time\ntime.sleep(30)\n")
    obs = observe_command(cmd, manifest.case("grades/grade-01"), timeout=0.5)
    assert obs.error == "timed out after 0.5 s"
    assert conformance.judge(manifest.case("grades/grade-01"), obs) == ["timed out after 0.5 s"]


def test_crash_exit_status_is_a_failure(tmp_path: Path, manifest: Manifest) -> None:
    cmd = _script(tmp_path, "sys.exit(3)\n")
    obs = observe_command(cmd, manifest.case("parser/xxe-file"))
    assert obs.error is not None and "exit status 3" in obs.error


def test_missing_program(manifest: Manifest) -> None:
    obs = observe_command("/nonexistent/validator {file}", manifest.case("parser/xxe-file"))
    assert obs.error is not None and obs.error.startswith("cannot run")


def test_malformed_command_is_refused() -> None:
    with pytest.raises(errors.ConfigurationError) as info:
        conformance.run('validator "unclosed {file}')
    assert info.value.code == "CONFORMANCE-COMMAND"


def test_bad_problems_json(tmp_path: Path, manifest: Manifest) -> None:
    cmd = _script(tmp_path, "print(json.dumps({'problems': 'XSD-VALUE'}))\nsys.exit(1)\n")
    obs = observe_command(cmd, manifest.case("schema/cccd-letter"))
    assert obs.error == "JSON 'problems' is not a list of objects"


def test_text_output_is_judged_by_exit_status_only(tmp_path: Path, manifest: Manifest) -> None:
    cmd = _script(tmp_path, "print('looks wrong to me')\nsys.exit(1)\n")
    case = manifest.case("schema/cccd-letter")
    obs = observe_command(cmd, case)
    assert obs.problems is None
    assert conformance.judge(case, obs) == []


def test_judging_rules_locations_severity_and_codes(manifest: Manifest) -> None:
    case = manifest.case("schema/cccd-letter")
    loc = "/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/SO_CCCD"

    def j(*problems: ReportedProblem) -> list[str]:
        return conformance.judge(case, Observation(1, problems=problems))

    assert j(ReportedProblem("XSD-VALUE", loc)) == []
    assert j(ReportedProblem("VALUE", loc.replace("THONG_TIN_CHUNG", "THONG_TIN_CHUNG[1]"))) == []
    assert j(ReportedProblem(None, loc)) == []  # no rule id given: location only
    assert j(ReportedProblem("XSD-STRUCTURE", loc)) != []
    assert j(ReportedProblem("XSD-VALUE", loc + "X")) != []
    assert j(ReportedProblem("XSD-VALUE", loc, "warning")) != []
    assert j(ReportedProblem(None, None)) != []
    unusable = manifest.case("parser/billion-laughs")
    assert conformance.judge(unusable, Observation(2, code="XML-UNSAFE")) == []
    assert conformance.judge(unusable, Observation(2, code="XML-SYNTAX")) != []
    assert conformance.judge(unusable, Observation(2)) == []


def test_judging_signature_answers(manifest: Manifest) -> None:
    case = manifest.case("signatures/score-changed-other-subject")
    ok = Observation(1, indication="TOTAL_FAILED", sub_indication="HASH_FAILURE")
    assert conformance.judge(case, ok) == []
    assert conformance.judge(case, dataclasses.replace(ok, sub_indication="FORMAT_FAILURE"))
    assert conformance.judge(case, dataclasses.replace(ok, indication="TOTAL_PASSED"))
    slots = {"GVBM:TOAN": ("TOTAL_PASSED", None), "GVBM:NV": ("TOTAL_FAILED", "HASH_FAILURE")}
    assert conformance.judge(case, dataclasses.replace(ok, slots=slots)) == []
    wrong = {**slots, "GVBM:TOAN": ("TOTAL_FAILED", "HASH_FAILURE")}
    assert conformance.judge(case, dataclasses.replace(ok, slots=wrong)) == [
        "slot GVBM:TOAN: TOTAL_FAILED/HASH_FAILURE, expected TOTAL_PASSED"
    ]


def test_hocbaso_verify_speaks_the_protocol(manifest: Manifest) -> None:
    """``hocbaso verify --format json`` is itself a valid external command for signatures."""
    hocbaso = shutil.which("hocbaso", path=str(Path(sys.executable).parent))
    if hocbaso is None:
        pytest.skip("the hocbaso console script is not installed next to this Python")
    trust = shlex.quote(str(manifest.trust_dir))
    cmd = (
        f"{shlex.quote(hocbaso)} verify --format json --trust {trust}"
        f" --at {manifest.validation_time.isoformat()} {{file}}"
    )
    report = conformance.run(
        cmd,
        cases=[
            "signatures/primary-signed",
            "signatures/revoked-signer",
            "signatures/untrusted-root",
        ],
    )
    assert report.passed, report.to_text()
