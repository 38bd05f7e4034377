"""Attacks and bad input from data/attacks/manifest.json: each a clear verdict or a typed error."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from hocbaso import errors
from hocbaso.signing import Indication, SubIndication, verify
from tests.signing.signing_env import DATA, Env

ATTACKS = DATA / "attacks"
MANIFEST: list[dict[str, Any]] = json.loads((ATTACKS / "manifest.json").read_text("utf-8"))["cases"]


def _apply(env: Env, original: bytes, ops: list[dict[str, Any]]) -> bytes:
    text = original.decode("utf-8")
    for op in ops:
        kind = op["op"]
        if kind == "replace":
            assert op["find"] in text, op
            text = text.replace(op["find"], op["replace"], op.get("count", -1))
        elif kind == "regex":
            new, n = re.subn(op["pattern"], op["repl"], text, count=1, flags=re.DOTALL)
            assert n == 1, op
            text = new
        elif kind == "swap_cert":
            der = env.signers[op["entity"]].certificate.public_bytes(
                __import__(
                    "cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]
                ).Encoding.DER
            )
            pattern = f"(<{op['slot']}>.*?<X509Certificate>)[^<]*"
            text, n = re.subn(
                pattern,
                rf"\g<1>{base64.b64encode(der).decode()}",
                text,
                count=1,
                flags=re.DOTALL,
            )
            assert n == 1
        elif kind == "copy_slot_signature":
            src = original.decode("utf-8")
            m = re.search(f"<{op['slot']}>.*?(<Signature .*?</Signature>)", src, re.DOTALL)
            assert m
            sig = m.group(1)
            old, new = op["rename"]
            for prefix in ("sig-", "time-"):
                sig = sig.replace(prefix + old, prefix + new)
            text = text.replace(op["marker"], sig)
        elif kind == "forge_data":
            src = original.decode("utf-8")
            m = re.search('<DU_LIEU_HOC_BA Id="data">.*?</DU_LIEU_HOC_BA>', src, re.DOTALL)
            assert m
            forged = m.group(0).replace(
                "<MUC_DAT_DUOC>H</MUC_DAT_DUOC>", "<MUC_DAT_DUOC>T</MUC_DAT_DUOC>"
            )
            forged = forged.replace("Nguyễn Ngọc Ánh", "Nguyễn Ngọc Anh")
            if not op["keep_id"]:
                forged = forged.replace(' Id="data"', "", 1)
            text = text.replace(op["marker"], forged)
        elif kind == "truncate":
            raw = text.encode("utf-8")
            return raw[: int(len(raw) * op["keep"])]
        else:  # pragma: no cover - manifest typo
            raise AssertionError(kind)
    return text.encode("utf-8")


@pytest.mark.parametrize("case", MANIFEST, ids=[c["id"] for c in MANIFEST])
def test_attack(
    env: Env, signed_primary: bytes, signed_secondary: bytes, case: dict[str, Any]
) -> None:
    if "file" in case:
        data = (ATTACKS / case["file"]).read_bytes()
    else:
        base = {"primary": signed_primary, "secondary": signed_secondary}[case["base"]]
        data = _apply(env, base, case["ops"])
        assert data != base
    expect = case["expect"]
    if "error" in expect:
        cls = getattr(errors, expect["error"])
        with pytest.raises(cls) as info:
            verify(data, trust=env.trust)
        assert info.value.message_vi and info.value.message_en
        return
    report = verify(data, trust=env.trust)
    assert report.indication is Indication(expect["indication"]), report.to_text()
    assert not report.passed
    if "sub_indication" in expect:
        assert report.sub_indication is SubIndication(expect["sub_indication"]), report.to_text()
    if "slot" in expect:
        slot = report.slot(expect["slot"])
        if "slot_indication" in expect:
            assert slot.indication is Indication(expect["slot_indication"]), report.to_text()
        else:
            assert not slot.passed, report.to_text()
        if "slot_sub_indication" in expect:
            assert slot.sub_indication is SubIndication(expect["slot_sub_indication"]), (
                report.to_text()
            )
    if "finding" in expect:
        assert expect["finding"] in [f.code for f in report.findings], report.to_text()
    # never hand out data from an attacked document unless a #data signature really covers it
    if report.signed_data is not None:
        forged = ("Kẻ Giả Mạo", "Nguyễn Ngọc Anh<", "Trần Quốc Bão", "9.7<")
        assert not any(f.encode() in report.signed_data for f in forged)
    with pytest.raises(errors.VerificationError):
        report.raise_for_status()


def test_manifest_files_exist() -> None:
    for case in MANIFEST:
        if "file" in case:
            assert (ATTACKS / case["file"]).is_file()
    assert Path(ATTACKS / "README.md").is_file()
