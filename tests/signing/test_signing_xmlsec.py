"""Independent verifiers: xmlsec1 checks every slot hocbaso signs; hocbaso checks xmlsec1's."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest
from signxml.verifier import SignatureConfiguration, XMLVerifier

from hocbaso.signing import Indication, SignatureLevel, SubIndication, prepare, verify
from tests.signing.signing_env import XMLSEC1, Env, read, sign_all
from tests.signing.signing_helpers import ID_ATTRS, slot_xpath, slots_of, xmlsec1_verify

needs_xmlsec1 = pytest.mark.skipif(
    XMLSEC1 is None, reason="xmlsec1 not installed (apt-get install xmlsec1)"
)

# xmlsec1 1.2.37 (Debian 12) has no RSASSA-PSS (added in xmlsec 1.3): those slots are checked by
# signxml below instead.
XMLSEC1_LACKS = {"http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"}


def _levels() -> list[SignatureLevel]:
    return [SignatureLevel.XMLDSIG, SignatureLevel.XADES_B_B]


@needs_xmlsec1
@pytest.mark.parametrize("record", ["primary.xml", "secondary.xml"])
@pytest.mark.parametrize("level", _levels(), ids=lambda level: level.value)
def test_xmlsec1_verifies_every_slot(
    env: Env, tmp_path: Path, record: str, level: SignatureLevel
) -> None:
    assert XMLSEC1 is not None
    xml = sign_all(env, read(record), level=level)
    path = tmp_path / "signed.xml"
    path.write_bytes(xml)
    report = verify(xml, trust=env.trust)
    assert report.passed, report.to_text()
    checked = 0
    for slot in slots_of(xml):
        if report.slot(slot).signature_algorithm in XMLSEC1_LACKS:
            continue
        res = xmlsec1_verify(XMLSEC1, env.pki, path, slot)
        assert res.returncode == 0, (slot, res.stderr[-2000:])
        assert "OK" in res.stdout + res.stderr
        checked += 1
    assert checked >= 2
    # the oracle is not vacuous: a changed name fails in xmlsec1 too
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        xml.replace("Nguyễn Ngọc Ánh".encode(), "Nguyễn Ngọc Anh".encode()).replace(
            "Trần Quốc Bảo".encode(), "Trần Quốc Bão".encode()
        )
    )
    res = xmlsec1_verify(XMLSEC1, env.pki, bad, "KY_PHAT_HANH")
    assert res.returncode != 0


@pytest.mark.parametrize("record", ["primary.xml", "secondary.xml"])
@pytest.mark.parametrize("level", _levels(), ids=lambda level: level.value)
def test_signxml_verifies_every_slot(env: Env, record: str, level: SignatureLevel) -> None:
    """signxml (with a pinned location) is a second, independent verifier -- PSS included."""
    xml = sign_all(env, read(record), level=level)
    for slot in slots_of(xml):
        if slot.startswith("GVBM:"):
            loc = f"./DANH_SACH_THONG_TIN_KY/DANH_SACH_GVBM/GVBM[@MA_MON_HOC='{slot[5:]}']/"
        else:
            loc = f"./DANH_SACH_THONG_TIN_KY/{slot}/"
        results = XMLVerifier().verify(
            xml,
            ca_pem_file=str(env.pki.root_cert),
            expect_config=SignatureConfiguration(location=loc, expect_references=True),
        )
        assert isinstance(results, list)
        assert len(results) == (3 if level is SignatureLevel.XADES_B_B else 2)


def test_signxml_verifies_pss(env: Env, signed_primary: bytes) -> None:
    results = XMLVerifier().verify(
        signed_primary,
        ca_pem_file=str(env.pki.root_cert),
        expect_config=SignatureConfiguration(
            location="./DANH_SACH_THONG_TIN_KY/CBQL/", expect_references=True
        ),
    )
    assert isinstance(results, list)
    assert len(results) == 2


def _template(env: Env, xml: bytes, slot: str, who: str, minute: int) -> bytes:
    s = env.signers[who]
    p = prepare(xml, slot=slot, cert=s.certificate, chain=s.chain, signing_time=env.at(minute))
    doc = p.document.decode()
    tag = "GVBM" if slot.startswith("GVBM:") else slot
    start = doc.index(f'<{tag} MA_MON_HOC="{slot[5:]}">' if tag == "GVBM" else f"<{tag}>")
    end = doc.index(f"</{tag}>", start)
    part = re.sub(
        r"<DigestValue>[^<]*</DigestValue>", "<DigestValue></DigestValue>", doc[start:end]
    )
    return (doc[:start] + part + doc[end:]).encode()


def _xmlsec1_sign(env: Env, tmp_path: Path, template: bytes, slot: str, who: str) -> bytes:
    assert XMLSEC1 is not None
    e = env.pki[who]
    tpl = tmp_path / "tmpl.xml"
    out = tmp_path / "out.xml"
    tpl.write_bytes(template)
    res = subprocess.run(
        [
            XMLSEC1,
            "--sign",
            "--privkey-pem",
            f"{e.key_path},{e.cert_path}",
            *ID_ATTRS,
            "--node-xpath",
            slot_xpath(slot),
            "--output",
            str(out),
            str(tpl),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return out.read_bytes()


@needs_xmlsec1
@pytest.mark.parametrize(
    ("record", "done", "slot", "who"),
    [
        ("primary.xml", [], "GVCN", "gvcn"),
        ("primary.xml", [("GVCN", "gvcn")], "CBQL", "cbql"),
        ("secondary.xml", [], "GVBM:TOAN", "gvbm-toan"),
        (
            "secondary.xml",
            [("GVBM:TOAN", "gvbm-toan"), ("GVBM:VAN", "gvbm-van"), ("CBQL", "cbql")],
            "KY_PHAT_HANH",
            "org",
        ),
    ],
)
def test_hocbaso_verifies_what_xmlsec1_signs(
    env: Env, tmp_path: Path, record: str, done: list[tuple[str, str]], slot: str, who: str
) -> None:
    from hocbaso.signing import sign

    xml = read(record)
    for i, (s, w) in enumerate(done):
        xml = sign(xml, slot=s, signer=env.signers[w], signing_time=env.at(i))
    signed = _xmlsec1_sign(env, tmp_path, _template(env, xml, slot, who, 10), slot, who)
    assert b"<DigestValue></DigestValue>" not in signed
    report = verify(signed, trust=env.trust, require_complete=False)
    assert report.passed, report.to_text()
    assert report.slot(slot).passed
    # and a tampered xmlsec1 signature is caught
    tampered = signed.replace(
        b"<MA_MON_HOC>TOAN</MA_MON_HOC><TEN_MON_HOC>",
        b"<MA_MON_HOC>TOAN</MA_MON_HOC><TEN_MON_HOC>x",
    )
    tampered = tampered.replace(
        b"<MUC_DAT_DUOC>T</MUC_DAT_DUOC>", b"<MUC_DAT_DUOC>H</MUC_DAT_DUOC>"
    )
    assert tampered != signed
    assert not verify(tampered, trust=env.trust, require_complete=False).passed


@needs_xmlsec1
def test_sha1_signature_made_by_xmlsec1_is_refused(env: Env, tmp_path: Path) -> None:
    tpl = _template(env, read("primary.xml"), "CBQL", "cbql", 0).decode()
    tpl = tpl.replace(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    )
    tpl = tpl.replace(
        "http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1"
    )
    signed = _xmlsec1_sign(env, tmp_path, tpl.encode(), "CBQL", "cbql")
    slot = verify(signed, trust=env.trust, require_complete=False).slot("CBQL")
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
    )
    lenient = dataclasses.replace(env.trust, allow_sha1_insecure=True)
    slot = verify(signed, trust=lenient, require_complete=False).slot("CBQL")
    assert slot.passed
    assert "SIG-SHA1" in [f.code for f in slot.findings]
