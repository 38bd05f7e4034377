"""``hocbaso ledger …`` end to end, through :func:`hocbaso.cli.main` (JSON on stdout)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import hocbaso
from hocbaso.cli import main
from hocbaso.examples import example_record


@pytest.fixture
def work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    for grade in (3, 4):
        (tmp_path / f"r{grade}.xml").write_bytes(hocbaso.to_xml(example_record(grade)))
    (tmp_path / "r4b.xml").write_bytes(hocbaso.to_xml(example_record(4)) + b"\n")
    code = main(
        [
            "ledger", "keygen", "hocbaso-ledger/48491401",
            "--signer-key", str(tmp_path / "s.key"),
            "--verifier-key", str(tmp_path / "v.key"),
            "--student-secret", str(tmp_path / "secret.bin"),
        ]
    )  # fmt: skip
    assert code == 0
    capsys.readouterr()
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_keygen_writes_private_key_privately(work: Path) -> None:
    assert (work / "s.key").stat().st_mode & 0o077 == 0
    assert (work / "secret.bin").stat().st_size == 32
    assert (work / "v.key").read_text().startswith("hocbaso-ledger/48491401+")


def test_issue_prove_verify_revoke_reissue_audit(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(work / "db.sqlite")
    secret = ["--secret-file", str(work / "secret.bin")]
    identity = hocbaso.record_identity((work / "r4.xml").read_bytes())
    code, out = _run(capsys, "ledger", "issue", db, str(work / "r4.xml"), *secret,
                     "--at", "2024-05-30T15:00:00+07:00")  # fmt: skip
    assert code == 0
    entry = out["entry"]
    assert entry["lookup_uuid"] == str(identity.lookup_uuid)
    assert entry["school_code"] == identity.school_code == "48491401"
    assert entry["time"] == "2024-05-30T08:00:00Z"
    assert identity.personal_id not in json.dumps(out)  # only the keyed hash is logged
    assert _run(capsys, "ledger", "issue", db, str(work / "r3.xml"), *secret)[0] == 0

    # the same UUID with other bytes is refused (exit 2, message on stderr)
    assert main(["ledger", "issue", db, str(work / "r4b.xml"), *secret]) == 2
    assert "LEDGER-UUID-REUSED" in capsys.readouterr().err

    code, cp = _run(capsys, "ledger", "checkpoint", db, "--school", "48491401",
                    "--key", str(work / "s.key"))  # fmt: skip
    assert code == 0 and cp["size"] == 2
    assert cp["checkpoint"].startswith("hocbaso-ledger/48491401\n2\n")

    code, proof = _run(capsys, "ledger", "prove", db, "--uuid", str(identity.lookup_uuid))
    assert code == 0 and proof["tree_size"] == 2 and proof["checkpoint"] == cp["checkpoint"]
    proof_file = work / "proof.json"
    proof_file.write_text(json.dumps(proof))
    code, result = _run(capsys, "ledger", "verify-proof", str(proof_file),
                        "--key", str(work / "v.key"), "--record", str(work / "r4.xml"))  # fmt: skip
    assert code == 0
    assert result["valid"] and result["signature_verified"] and result["record_matches"]
    # the proof does not prove another file
    code, result = _run(capsys, "ledger", "verify-proof", str(proof_file),
                        "--record", str(work / "r4b.xml"))  # fmt: skip
    assert code == 1 and result["code"] == "LEDGER-RECORD-MISMATCH"
    # a tampered proof fails
    bad = dict(proof, leaf_index=1)
    proof_file.write_text(json.dumps(bad))
    code, result = _run(capsys, "ledger", "verify-proof", str(proof_file))
    assert code == 1 and not result["valid"]

    u = str(identity.lookup_uuid)
    assert _run(capsys, "ledger", "revoke", db, u)[1]["entry"]["event"] == "revoke-request"
    code, out = _run(capsys, "ledger", "revoke", db, u, "--approve")
    assert out["entry"]["decision"] == "approved"
    replacement = work / "r4-new.xml"
    new_uuid = "0b7a5f0e-8d7c-4e53-9a44-2d3c1b0a9f8e"
    replacement.write_bytes((work / "r4b.xml").read_bytes().replace(u.encode(), new_uuid.encode()))
    code, out = _run(capsys, "ledger", "issue", db, str(replacement), *secret, "--replaces", u)
    assert code == 0 and out["entry"]["event"] == "reissue"
    assert out["entry"]["lookup_uuid"] == new_uuid and out["entry"]["replaces"] == u

    code, cons = _run(capsys, "ledger", "prove", db, "--school", "48491401", "--from", "2")
    assert code == 0 and (cons["size1"], cons["size2"]) == (2, 5)
    proof_file.write_text(json.dumps(cons))
    code, result = _run(capsys, "ledger", "verify-proof", str(proof_file))
    assert code == 0 and result["kind"] == "consistency"

    code, report = _run(capsys, "ledger", "audit", db, "--key", str(work / "v.key"))
    assert code == 0 and report["ok"]

    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM entries WHERE idx = 1")
    conn.close()
    code, report = _run(capsys, "ledger", "audit", db)
    assert code == 1 and not report["ok"]
    first = report["logs"][0]["first"]
    assert (first["index"], first["kind"], first["code"]) == (1, "deleted", "LEDGER-ENTRY-DELETED")


def test_verify_proof_from_stdin(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(work / "db.sqlite")
    main(["ledger", "issue", db, str(work / "r3.xml"), "--secret-file", str(work / "secret.bin")])
    capsys.readouterr()
    _, proof = _run(capsys, "ledger", "prove", db, "--school", "48491401", "--index", "0")
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(proof)))
    code, result = _run(capsys, "ledger", "verify-proof", "-")
    assert code == 0 and result["valid"] and not result["signature_verified"]
    # asking for a signature the proof does not carry fails
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(proof)))
    code, result = _run(capsys, "ledger", "verify-proof", "-", "--key", str(work / "v.key"))
    assert code == 1


def test_explicit_identity_options_and_usage_errors(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(work / "db.sqlite")
    blob = work / "signed.bin"
    blob.write_bytes(b"opaque signed bytes, not parsed")
    code, out = _run(capsys, "ledger", "issue", db, str(blob),
                     "--secret-file", str(work / "secret.bin"),
                     "--uuid", "0b7a5f0e-8d7c-4e53-9a44-2d3c1b0a9f8e",
                     "--school", "79760101", "--personal-id", "079317000001")  # fmt: skip
    assert code == 0 and out["entry"]["school_code"] == "79760101"
    assert main(["ledger", "prove", db]) == 2  # neither --uuid nor --school/--index
    assert main(["ledger", "audit", str(work / "missing.sqlite")]) == 2
    assert "LEDGER-STORE-MISSING" in capsys.readouterr().err
    assert main(["ledger", "revoke", db, "not-a-uuid"]) == 2
    bad = work / "bad.json"
    bad.write_text("{not json")
    assert main(["ledger", "verify-proof", str(bad)]) == 2
    assert main(["ledger", "issue", db, str(blob), "--secret-file", str(work / "secret.bin"),
                 "--uuid", "0b7a5f0e-8d7c-4e53-9a44-2d3c1b0a9f8e", "--school", "79760101",
                 "--personal-id", "079317000001", "--at", "yesterday"]) == 2  # fmt: skip


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ledger", "--help"])
    text = capsys.readouterr().out
    for name in ("issue", "revoke", "prove", "checkpoint", "audit", "verify-proof", "keygen"):
        assert name in text
