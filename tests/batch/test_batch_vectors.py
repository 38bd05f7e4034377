"""Manifest-driven vectors for the content codec and the packet splitter (see vectors/README.md)."""

from __future__ import annotations

import base64
import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from hocbaso import errors
from hocbaso.batch import compress_content, decompress_content, split_records

VECTORS = Path(__file__).parent / "vectors"
MANIFEST: dict[str, Any] = json.loads((VECTORS / "manifest.json").read_text("utf-8"))
CONTENT_OK = [c for c in MANIFEST["content"] if c["expect"] == "ok"]
CONTENT_ERR = [c for c in MANIFEST["content"] if c["expect"] == "error"]
PACKETS_OK = [c for c in MANIFEST["packets"] if c["expect"] == "ok"]
PACKETS_ERR = [c for c in MANIFEST["packets"] if c["expect"] == "error"]


def _crc32_bitwise(data: bytes) -> int:
    """CRC-32 (IEEE 802.3, reflected 0xEDB88320) written out bit by bit, independent of zlib."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_manifest_lists_every_vector_file() -> None:
    listed = {c["file"] for c in MANIFEST["content"]} | {c["file"] for c in MANIFEST["packets"]}
    listed |= {c["plain"] for c in CONTENT_OK}
    on_disk = {
        str(p.relative_to(VECTORS))
        for p in VECTORS.rglob("*")
        if p.is_file() and p.suffix in {".b64", ".xml", ".txt"}
    }
    assert on_disk == listed


@pytest.mark.parametrize("case", CONTENT_OK, ids=[c["id"] for c in CONTENT_OK])
def test_content_decodes(case: dict[str, Any]) -> None:
    content = (VECTORS / case["file"]).read_text("ascii")
    plain = (VECTORS / case["plain"]).read_bytes()
    assert decompress_content(content) == plain
    if case["deterministic"]:
        assert compress_content(plain) == content
        assert compress_content(plain.decode("utf-8")) == content


@pytest.mark.parametrize("case", CONTENT_ERR, ids=[c["id"] for c in CONTENT_ERR])
def test_content_refused(case: dict[str, Any]) -> None:
    content = (VECTORS / case["file"]).read_text("ascii")
    with pytest.raises(getattr(errors, case["error"])) as info:
        decompress_content(content)
    assert info.value.code == case["code"]
    assert info.value.message_vi != info.value.message_en


def test_hand_vector_crc_checked_independently() -> None:
    blob = base64.b64decode((VECTORS / "xin-chao-dotnet-stored.b64").read_text("ascii"))
    plain = "Xin chào".encode()
    assert blob[:4] == len(plain).to_bytes(4, "little")
    assert blob[4:14] == bytes.fromhex("1f8b0800000000000400")
    assert blob[14:19] == bytes.fromhex("010900f6ff")
    assert blob[19:28] == plain
    assert int.from_bytes(blob[28:32], "little") == _crc32_bitwise(plain) == 0xFCE14496
    assert blob[32:] == (9).to_bytes(4, "little")


def test_deterministic_vectors_decode_with_python_gzip_too() -> None:
    for case in CONTENT_OK:
        blob = base64.b64decode((VECTORS / case["file"]).read_text("ascii"))
        plain = (VECTORS / case["plain"]).read_bytes()
        assert gzip.decompress(blob[4:]) == plain
        assert int.from_bytes(blob[:4], "little", signed=True) == len(plain)


def test_generated_vectors_are_reproducible() -> None:
    spec = importlib.util.spec_from_file_location("batch_vectors_generate", VECTORS / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built: dict[str, bytes] = module.build()
    generated = {c["file"] for c in MANIFEST["content"] if c["source"] == "generate.py"}
    assert generated <= set(built)
    for name, data in built.items():
        assert (VECTORS / name).read_bytes() == data, f"{name} differs: run generate.py"


@pytest.mark.parametrize("case", PACKETS_OK, ids=[c["id"] for c in PACKETS_OK])
def test_packet_records(case: dict[str, Any]) -> None:
    xml = (VECTORS / case["file"]).read_bytes()
    found = list(split_records(xml))
    assert [r.error.code if r.error else None for r in found] == case["records"]
    assert [r.index for r in found] == list(range(len(found)))
    for r in found:
        assert xml[r.offset : r.offset + len(r.data)] == r.data  # exact bytes, nothing redone
        if r.error is not None:
            assert r.error.location == f"/DANH_SACH_HOC_BA/HOC_BA[{r.index + 1}]"
    if "lines" in case:
        assert [r.error.line if r.error else None for r in found] == case["lines"]


@pytest.mark.parametrize("case", PACKETS_ERR, ids=[c["id"] for c in PACKETS_ERR])
def test_packet_refused(case: dict[str, Any]) -> None:
    xml = (VECTORS / case["file"]).read_bytes()
    seen: list[object] = []
    with pytest.raises(getattr(errors, case["error"])) as info:
        seen.extend(split_records(xml))
    assert info.value.code == case["code"]
    assert len(seen) == case.get("records_before", 0)
