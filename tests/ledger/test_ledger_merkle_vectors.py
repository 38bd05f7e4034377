"""RFC 6962/9162 vectors from transparency-dev/merkle: every probe, the roots, and generation.

The data and its provenance are in ``tests/vectors/merkle/`` (PROVENANCE.md); the manifest
drives the parametrised tests and must list exactly the probe files present.
"""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from hocbaso.errors import LedgerIntegrityError
from hocbaso.ledger import (
    EMPTY_ROOT,
    consistency_path,
    inclusion_path,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "merkle"
MANIFEST = json.loads((VECTORS / "manifest.json").read_text(encoding="utf-8"))
ROOTS = json.loads((VECTORS / "roots.json").read_text(encoding="utf-8"))
LEAVES = [bytes.fromhex(x) for x in ROOTS["leaves_hex"]]
LEAF_HASHES = [leaf_hash(x) for x in LEAVES]


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _probe(case: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / case["file"]).read_text(encoding="utf-8"))
    return data


def _cases(kind: str) -> list[Any]:
    return [pytest.param(c, id=c["file"][9:]) for c in MANIFEST["cases"] if c["kind"] == kind]


def test_manifest_lists_every_probe_and_is_current() -> None:
    spec = importlib.util.spec_from_file_location("build_manifest", VECTORS / "build_manifest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (VECTORS / "manifest.json").read_text(encoding="utf-8") == module.render()
    assert MANIFEST["count"] == len(MANIFEST["cases"]) == 196
    assert {c["want_err"] for c in MANIFEST["cases"]} == {True, False}


def test_licence_and_attribution_travel_with_the_data() -> None:
    assert "Apache License" in (VECTORS / "LICENSE").read_text(encoding="utf-8")
    assert "transparency-dev/merkle" in (VECTORS / "README.md").read_text(encoding="utf-8")
    assert "417fb0c3" in (VECTORS / "PROVENANCE.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", _cases("inclusion"))
def test_inclusion_probe(case: dict[str, Any]) -> None:
    p = _probe(case)
    assert p["wantErr"] == case["want_err"]
    args = (
        _b64(p["leafHash"]),
        p["leafIdx"],
        p["treeSize"],
        [_b64(h) for h in p["proof"] or []],
        _b64(p["root"]),
    )
    if p["wantErr"]:
        with pytest.raises(LedgerIntegrityError) as info:
            verify_inclusion(*args)
        assert info.value.code == "LEDGER-PROOF-INVALID"
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("case", _cases("consistency"))
def test_consistency_probe(case: dict[str, Any]) -> None:
    p = _probe(case)
    assert p["wantErr"] == case["want_err"]
    args = (
        p["size1"],
        p["size2"],
        [_b64(h) for h in p["proof"] or []],
        _b64(p["root1"]),
        _b64(p["root2"]),
    )
    if p["wantErr"]:
        with pytest.raises(LedgerIntegrityError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


@pytest.mark.parametrize("size", range(9))
def test_reference_roots(size: int) -> None:
    assert merkle_root(LEAF_HASHES[:size]).hex() == ROOTS["roots_hex"][size]


def test_empty_root_and_hash_prefixes() -> None:
    assert merkle_root([]) == EMPTY_ROOT == _b64("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    # size 2 root is H(0x01 || H(0x00||d0) || H(0x00||d1)), the RFC's domain separation
    assert node_hash(LEAF_HASHES[0], LEAF_HASHES[1]).hex() == ROOTS["roots_hex"][2]


def _happy(kind: str) -> list[Any]:
    return [
        pytest.param(c, id=c["file"][9:])
        for c in MANIFEST["cases"]
        if c["kind"] == kind and not c["want_err"] and c["desc"] == "happy path"
    ]


@pytest.mark.parametrize("case", _happy("inclusion"))
def test_generated_inclusion_path_equals_reference(case: dict[str, Any]) -> None:
    p = _probe(case)
    size = p["treeSize"]
    if size > len(LEAVES) or _b64(p["leafHash"]) != LEAF_HASHES[p["leafIdx"]]:
        pytest.fail("a happy-path probe outside the reference tree")
    ours = inclusion_path(LEAF_HASHES, p["leafIdx"], size)
    assert ours == [_b64(h) for h in p["proof"] or []]


@pytest.mark.parametrize("case", _happy("consistency"))
def test_generated_consistency_path_equals_reference(case: dict[str, Any]) -> None:
    p = _probe(case)
    if p["size1"] == p["size2"]:
        assert p["proof"] in (None, [])
        return
    ours = consistency_path(LEAF_HASHES, p["size1"], p["size2"])
    assert ours == [_b64(h) for h in p["proof"] or []]
    assert _b64(p["root2"]) == merkle_root(LEAF_HASHES[: p["size2"]])
