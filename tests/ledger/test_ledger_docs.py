"""docs/ledger.md stays true: its worked example is what the library produces, and the
independent verifier printed there (standard library + cryptography) accepts our proofs and
rejects tampered ones — so the formats are specified precisely enough to re-implement."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hocbaso.ledger import Ed25519NoteSigner, Ledger, SQLiteStore, student_key

from .ledger_helpers import issue_n

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ledger.md").read_text(encoding="utf-8")
GO_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
U1 = uuid.UUID("4ef748d9-2146-4a82-95a5-8534051475f0")
U2 = uuid.UUID("0b7a5f0e-8d7c-4e53-9a44-2d3c1b0a9f8e")


def _worked_example() -> Ledger:
    ledger = Ledger(SQLiteStore(":memory:"))
    key = student_key("048317002681", bytes(range(32)))
    ledger.issue(
        b"<HOC_BA>...signed record bytes...</HOC_BA>",
        lookup_uuid=U1,
        school_code="48491401",
        student_key=key,
        at=datetime(2024, 5, 30, 8, 0, tzinfo=UTC),
    )
    ledger.request_revocation(U1, at=datetime(2024, 6, 10, 9, 30, tzinfo=UTC))
    ledger.decide_revocation(U1, approved=True, at=datetime(2024, 6, 12, 14, 0, tzinfo=UTC))
    ledger.issue(
        b"<HOC_BA>...corrected record...</HOC_BA>",
        lookup_uuid=U2,
        school_code="48491401",
        student_key=key,
        replaces=U1,
        at=datetime(2024, 6, 13, 8, 0, tzinfo=UTC),
    )
    ledger.checkpoint("48491401", Ed25519NoteSigner.from_key_string(GO_KEY))
    return ledger


def test_worked_example_matches_the_library() -> None:
    ledger = _worked_example()
    first, _, _, reissue = ledger.history(U2)
    assert f"```text\n{first.leaf.decode()}```" in DOC
    assert f"Its leaf hash is `{first.leaf_hash.hex()}`" in DOC
    assert f"```text\n{reissue.leaf.decode()}```" in DOC
    checkpoint = ledger.latest_checkpoint("48491401")
    assert checkpoint is not None and f"```text\n{checkpoint.note}```" in DOC
    proof = json.dumps(ledger.record_proof(U2).to_json(), indent=2)
    assert f"```json\n{proof}\n```" in DOC
    consistency = json.dumps(ledger.consistency_proof("48491401", 1, 4).to_json(), indent=2)
    assert f"```json\n{consistency}\n```" in DOC


def _independent_verifier() -> Callable[..., dict[str, Any]]:
    block = re.search(
        r"<!-- independent-verifier:begin -->\n```python\n(.+?)```\n<!-- independent-verifier:end",
        DOC,
        re.S,
    )
    assert block is not None
    namespace: dict[str, Any] = {"__name__": "doc_verifier"}
    exec(compile(block.group(1), "docs/ledger.md", "exec"), namespace)
    verify: Callable[..., dict[str, Any]] = namespace["verify"]
    return verify


def test_the_documented_verifier_accepts_the_worked_example() -> None:
    verify = _independent_verifier()
    ledger = _worked_example()
    fields = verify(ledger.record_proof(U2).to_json(), GO_VKEY)
    assert fields["uuid"] == str(U2) and fields["event"] == "reissue"
    verify(
        ledger.record_proof(U2).to_json(),
        GO_VKEY,
        b"<HOC_BA>...corrected record...</HOC_BA>",
    )
    with pytest.raises(ValueError, match="not this record"):
        verify(ledger.record_proof(U2).to_json(), GO_VKEY, b"<HOC_BA>other</HOC_BA>")


def test_the_documented_verifier_agrees_with_the_library() -> None:
    verify = _independent_verifier()
    signer = Ed25519NoteSigner.generate("hocbaso-ledger/48491401")
    vkey = signer.verifier().key_string()
    ledger = Ledger(SQLiteStore(":memory:"))
    sizes = []
    for batch in (1, 6, 9, 17, 31):
        issue_n(ledger, batch, salt=str(batch))
        ledger.checkpoint("48491401", signer)
        sizes.append(ledger.size("48491401"))
    for index in range(0, sizes[-1], 3):
        proof = ledger.inclusion_proof("48491401", index).to_json()
        assert int(verify(proof, vkey)["index"]) == index
        for key, bad in (
            ("leaf_index", (index + 1) % sizes[-1]),
            ("root_hash", proof["inclusion_path"][0] if proof["inclusion_path"] else "AA=="),
            ("inclusion_path", [*proof["inclusion_path"][::-1], "AAAA"]),
        ):
            with pytest.raises(ValueError):  # noqa: PT011 - the sketch raises plain ValueError
                verify({**proof, key: bad}, vkey)
    for size1 in sizes:
        for size2 in sizes:
            if size1 <= size2:
                assert verify(ledger.consistency_proof("48491401", size1, size2).to_json(), vkey)
    proof = ledger.consistency_proof("48491401", sizes[1], sizes[3]).to_json()
    with pytest.raises(ValueError):  # noqa: PT011
        verify({**proof, "root1": proof["root2"]}, vkey)
    other = Ed25519NoteSigner.generate("hocbaso-ledger/48491401").verifier().key_string()
    with pytest.raises(ValueError, match="no signature"):
        verify(proof, other)
