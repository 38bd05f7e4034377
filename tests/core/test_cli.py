"""The CLI: exit codes, formats, python -m."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hocbaso
from hocbaso.cli import main
from hocbaso.examples import example_record


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "good.xml", hocbaso.to_xml(example_record(3)))
    bad = _write(tmp_path, "bad.xml", good.read_bytes().replace(b"<MA_KHOI>3", b"<MA_KHOI>x"))
    unusable = _write(tmp_path, "junk.xml", b"<HOC_BA><unclosed>")
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(good), str(bad)]) == 1
    assert main(["validate", str(good), str(bad), str(unusable)]) == 2
    capsys.readouterr()
    assert main(["validate", "--format", "json", str(bad)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False
    assert data["problems"][0]["location"].endswith("/MA_KHOI")


def test_missing_file_is_unusable(tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "nope.xml")]) == 2


def test_example_command(tmp_path: Path) -> None:
    out = tmp_path / "g9.xml"
    assert main(["example", "9", "-o", str(out)]) == 0
    assert hocbaso.from_xml(out.read_bytes()) == example_record(9)


def test_schemas_command(tmp_path: Path) -> None:
    assert main(["schemas", str(tmp_path)]) == 0
    assert (tmp_path / "hocbaso-tieu-hoc-1.0.xsd").is_file()


def test_python_dash_m(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.xml", hocbaso.to_xml(example_record(11)))
    proc = subprocess.run(
        [sys.executable, "-m", "hocbaso", "validate", str(good)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "HỢP LỆ" in proc.stdout


def test_demo_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path / "demo"), "--students", "1"]) == 0
    out = capsys.readouterr().out
    assert "Demo hoàn tất" in out
    # the long-term step: the seal extended B-T → B-LT → B-LTA, each level as verify reports it
    assert "5b. Chữ ký dài hạn / long-term seal" in out
    levels = [line.split("verify → ")[1] for line in out.splitlines() if "verify → " in line]
    assert levels == [
        "XAdES-B-T (TOTAL_PASSED)",
        "XAdES-B-LT (TOTAL_PASSED)",
        "XAdES-B-LTA (TOTAL_PASSED)",
    ]
    lta = (tmp_path / "demo" / "long-term" / "hocba-lop01-000-lta.xml").read_bytes()
    assert b"ArchiveTimeStamp" in lta
