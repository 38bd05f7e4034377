"""``hocbaso render``: formats, exit codes, --trust, --on-invalid."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import hocbaso
from hocbaso.cli import build_parser, main
from hocbaso.examples import example_record

from .render_helpers import SigningEnv
from .snapshot_cases import invalid_record_bytes


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_commands_are_registered() -> None:
    parser = build_parser()
    help_text = parser.format_help()
    assert "render" in help_text and "verify-copy" in help_text


def test_render_html_from_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = _write(tmp_path / "r.xml", hocbaso.to_xml(example_record(8)))
    out = tmp_path / "copy.html"
    assert (
        main(["render", str(record), "-o", str(out), "--printed-at", "2024-06-01T08:00:00+07:00"])
        == 0
    )
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "In lúc 01/06/2024 08:00:00 (UTC+07:00)" in html
    captured = capsys.readouterr()
    assert "KHÔNG HỢP LỆ / NOT VALID" in captured.err
    assert captured.out.startswith("HBS1:")


def test_render_pdf_with_trust_is_valid(
    signed_primary: bytes,
    signing_env: SigningEnv,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = _write(tmp_path / "signed.xml", signed_primary)
    out = tmp_path / "copy.out"
    args = ["render", str(record), "--format", "pdf", "-o", str(out), "--on-invalid", "refuse"]
    assert main([*args, "--trust", str(signing_env.pki.trust_dir)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert "HỢP LỆ / VALID" in capsys.readouterr().err
    # without --trust the signatures are not verified: refused
    assert main(args) == 1


def test_render_refusals_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unsigned = _write(tmp_path / "u.xml", hocbaso.to_xml(example_record(1)))
    invalid = _write(tmp_path / "i.xml", invalid_record_bytes())
    junk = _write(tmp_path / "j.xml", b"<HOC_BA>")
    out = tmp_path / "o.html"
    assert main(["render", str(unsigned), "-o", str(out), "--on-invalid", "refuse"]) == 1
    assert "RENDER-UNSIGNED" in capsys.readouterr().err
    assert main(["render", str(invalid), "-o", str(out), "--on-invalid", "refuse"]) == 2
    assert "RENDER-INVALID" in capsys.readouterr().err
    assert main(["render", str(junk), "-o", str(out)]) == 2
    assert main(["render", str(tmp_path / "missing.xml"), "-o", str(out)]) == 2
    assert not out.exists()


def test_python_m_hocbaso_render_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hocbaso", "verify-copy", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "--image" in result.stdout and "--ledger" in result.stdout
