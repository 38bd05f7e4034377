"""``hocbaso check``: exit codes, formats, summaries, status rows, packets, processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import hocbaso
from hocbaso import batch, rules
from hocbaso.cli import main
from hocbaso.examples import example_record, generate_record
from hocbaso.report import BatchReport


def _write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = hocbaso.to_xml(example_record(1))
    record = generate_record(4, 8)
    summary = record.data.summary.model_copy(update={"promoted": not record.data.summary.promoted})
    bad = record.model_copy(update={"data": record.data.model_copy(update={"summary": summary})})
    general = example_record(2).data.general.model_copy(update={"student_code": "12"})
    warn = example_record(2).model_copy(
        update={"data": example_record(2).data.model_copy(update={"general": general})}
    )
    return {
        "good": _write(tmp_path, "good.xml", good),
        "bad": _write(tmp_path, "bad.xml", hocbaso.to_xml(bad)),
        "warn": _write(tmp_path, "warn.xml", hocbaso.to_xml(warn)),
        "junk": _write(tmp_path, "junk.xml", b"<HOC_BA><x>"),
    }


def test_exit_codes(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(files["good"])]) == 0
    assert main(["check", str(files["warn"])]) == 0  # warnings do not fail
    assert main(["check", str(files["good"]), str(files["bad"])]) == 1
    assert main(["check", str(files["bad"]), str(files["junk"])]) == 2
    assert main(["check", str(files["good"].parent / "none")]) == 2
    out = capsys.readouterr().out
    assert "TT22-LL-001" in out and "ID-MHS-001" in out


def test_rule_selection_and_severity(files: dict[str, Path]) -> None:
    assert main(["check", "--rules", "tt27,identity", str(files["bad"])]) == 0
    assert main(["check", "--rules=-TT22-LL", str(files["bad"])]) == 0  # "=" before a "-"
    assert main(["check", "--severity", "ID-MHS-001=error", str(files["warn"])]) == 1
    assert main(["check", "--rules", "nope", str(files["good"])]) == 2
    assert main(["check", "--severity", "ID-MHS-001", str(files["good"])]) == 2


def test_json_is_a_batch_document(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(files[k]) for k in ("good", "bad", "junk")]
    assert main(["check", "--format", "json", *paths]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "batch" and data["schema_version"] == 1
    assert [r["source"] for r in data["reports"]] == paths
    assert data["reports"][2]["unusable"] is True
    assert data["summary"]["records"] == 3 and data["summary"]["unusable"] == 1
    assert BatchReport.from_dict(data).summary.to_dict() == data["summary"]
    assert main(["check", "--format", "json", "--summary", *paths]) == 2
    summary_only = json.loads(capsys.readouterr().out)
    assert "reports" not in summary_only and summary_only["summary"] == data["summary"]


def test_status_rows(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "status", str(files["good"]), str(files["bad"])]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["trang_thai"] for r in rows] == [1, 0]
    assert rows[0]["so_cccd"] == "048317002681"
    assert rows[1]["error"] == "TT22-LL-001"
    assert batch.StatusQueryResponse.from_json(json.dumps(rows)).rows[1].error == "TT22-LL-001"
    assert main(["check", "--format", "status", "--summary", str(files["good"])]) == 2


def test_text_summary_and_redaction(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--summary", str(files["good"]), str(files["bad"])]) == 1
    out = capsys.readouterr().out
    assert "TT22-LL-001" in out and "48491502" in out and "Mã trường" in out
    assert main(["check", "--format", "json", "--redact", str(files["good"])]) == 0
    assert "048317002681" not in capsys.readouterr().out


def test_directory_packets_and_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [hocbaso.to_xml(generate_record(i, 1 + i % 12)) for i in range(30)]
    (packet,) = batch.pack(records[:20])
    (tmp_path / "p.b64").write_text(packet.content, encoding="ascii")
    for i, data in enumerate(records[20:]):
        _write(tmp_path, f"r{i:02d}.xml", data)
    _write(tmp_path, "again.xml", records[3])  # also in the packet: a duplicate
    assert main(["check", "--format", "json", str(tmp_path)]) == 1
    one = json.loads(capsys.readouterr().out)
    assert main(["check", "--format", "json", "-j", "2", str(tmp_path)]) == 1
    two = json.loads(capsys.readouterr().out)
    assert one == two
    assert one["summary"]["records"] == 31
    sources = [r["source"] for r in one["reports"]]
    assert f"{tmp_path / 'p.b64'}#20" in sources
    dup = [r for r in one["reports"] if not r["valid"]]
    assert [r["source"] for r in dup] == [f"{tmp_path / 'p.b64'}#4"]  # again.xml sorts first
    assert {p["rule"] for p in dup[0]["problems"]} == {"BATCH-DUP-001", "BATCH-UUID-001"}
    assert dup[0]["problems"][0]["related"].startswith(str(tmp_path / "again.xml"))


def test_progress_and_output_file(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    assert (
        main(["check", "--progress", "--format", "json", "-o", str(out), str(files["good"])]) == 0
    )
    captured = capsys.readouterr()
    assert "hocbaso check: 1 học bạ/records" in captured.err
    assert captured.out == ""
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["valid"] == 1


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--list-rules"]) == 0
    assert "TT22-AVG-001" in capsys.readouterr().out
    assert main(["check", "--list-rules", "--format", "json"]) == 0
    catalogue = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in catalogue} == {r.id for r in rules.all_rules()}


def test_python_dash_m(files: dict[str, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hocbaso", "check", str(files["bad"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "TT22-LL-001" in proc.stdout
