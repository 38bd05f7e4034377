"""XAdES baseline B-B, B-T (local openssl TSA) and B-LT; the exclusive-C14N work-around."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.algorithms import CanonicalizationMethod
from signxml.exceptions import InvalidDigest
from signxml.verifier import SignatureConfiguration
from signxml.xades.xades import XAdESSigner, XAdESVerifier

from hocbaso import errors
from hocbaso.signing import (
    Indication,
    SignatureLevel,
    SignaturePolicy,
    SubIndication,
    add_validation_data,
    sign,
    verify,
)
from tests.signing.signing_env import OPENSSL, Env, OpensslTsa, read

DS = "http://www.w3.org/2000/09/xmldsig#"
XA = "http://uri.etsi.org/01903/v1.3.2#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
NS = {"ds": DS, "xades": XA}
B_B = SignaturePolicy(level=SignatureLevel.XADES_B_B)
B_T = SignaturePolicy(level=SignatureLevel.XADES_B_T)
Y2060 = dt.datetime(2060, 1, 1, tzinfo=dt.UTC)


def _cbql(env: Env, policy: SignaturePolicy, tsa: OpensslTsa | None = None) -> bytes:
    return sign(
        read("primary.xml"),
        slot="CBQL",
        signer=env.signers["cbql"],
        signing_time=env.t0,
        policy=policy,
        tsa=tsa,
    )


def test_b_b_structure_and_verification(env: Env) -> None:
    xml = _cbql(env, B_B)
    report = verify(xml, trust=env.trust, require_complete=False)
    assert report.passed, report.to_text()
    assert report.slot("CBQL").level == "XAdES-B-B"
    sig = etree.fromstring(xml).find(".//CBQL/ds:Signature", NS)
    assert sig is not None
    sp = sig.find("ds:Object/xades:QualifyingProperties/xades:SignedProperties", NS)
    assert sp is not None and sp.get("Id") == "xades-CBQL"
    assert sp.findtext("xades:SignedSignatureProperties/xades:SigningTime", namespaces=NS) == (
        env.t0.isoformat()
    )
    digest = sp.findtext(
        "xades:SignedSignatureProperties/xades:SigningCertificateV2/xades:Cert/xades:CertDigest/ds:DigestValue",
        namespaces=NS,
    )
    der = env.signers["cbql"].certificate.public_bytes(serialization.Encoding.DER)
    import hashlib

    assert digest == base64.b64encode(hashlib.sha256(der).digest()).decode()
    refs = sig.findall("ds:SignedInfo/ds:Reference", NS)
    assert [r.get("URI") for r in refs] == ["#data", "#time-CBQL", "#xades-CBQL"]
    assert refs[2].get("Type") == "http://uri.etsi.org/01903#SignedProperties"


def test_exclusive_c14n_workaround_every_reference_has_explicit_transform(env: Env) -> None:
    """The fix for signxml's XAdES exc-C14N defect (notes §1.6 L1): fails if it ever regresses."""
    xml = _cbql(env, B_B)
    for ref in etree.fromstring(xml).iterfind(".//ds:Reference", NS):
        transforms = [t.get("Algorithm") for t in ref.findall("ds:Transforms/ds:Transform", NS)]
        assert transforms == [EXC], ref.get("URI")
    # signxml's own XAdES verifier (with our slot pinned) accepts the result
    results = XAdESVerifier().verify(
        xml,
        ca_pem_file=str(env.pki.root_cert),
        expect_config=SignatureConfiguration(
            location="./DANH_SACH_THONG_TIN_KY/CBQL/", expect_references=3
        ),
    )
    assert isinstance(results, list)
    assert len(results) == 3


def test_the_transform_is_load_bearing(env: Env) -> None:
    """Without the explicit Transform a verifier applies inclusive C14N and the digest breaks."""
    xml = _cbql(env, B_B)
    root = etree.fromstring(xml)
    ref = root.find(".//ds:Reference[@URI='#xades-CBQL']", NS)
    assert ref is not None
    transforms = ref.find("ds:Transforms", NS)
    assert transforms is not None
    ref.remove(transforms)
    # re-sign SignedInfo so that only the reference digest can fail
    sig = root.find(".//CBQL/ds:Signature", NS)
    assert sig is not None
    si = sig.find("ds:SignedInfo", NS)
    signer = env.signers["cbql"]
    assert si is not None
    from hocbaso.signing import SignatureAlgorithm

    alg = SignatureAlgorithm.RSA_SHA256
    value = signer.sign_digest(
        alg.digest_algorithm.digest(etree.tostring(si, method="c14n", exclusive=True)), alg
    )
    sv = sig.find("ds:SignatureValue", NS)
    assert sv is not None
    sv.text = base64.b64encode(value).decode()
    broken = etree.tostring(root, encoding="utf-8")
    slot = verify(broken, trust=env.trust, require_complete=False).slot("CBQL")
    assert slot.sub_indication is SubIndication.HASH_FAILURE


def test_signxml_xades_defect_still_present() -> None:
    """Sentinel: signxml 5.2's XAdESSigner + exclusive C14N cannot verify its own output.

    If this starts failing, signxml fixed the defect (notes §1.6 L1); hocbaso does not depend on
    it (it builds XAdES itself), but the notes and pyproject's pin comment can then be updated.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    doc = etree.fromstring(b'<r xmlns="urn:x" Id="r"><a>1</a></r>')
    signed = XAdESSigner(
        signature_algorithm="ecdsa-sha256",
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(doc, key=key, cert=cert.public_bytes(serialization.Encoding.PEM).decode())
    with pytest.raises(InvalidDigest):
        XAdESVerifier().verify(
            etree.tostring(signed),
            x509_cert=cert.public_bytes(serialization.Encoding.PEM).decode(),
            expect_references=3,
        )


def test_b_t_needs_a_tsa(env: Env) -> None:
    with pytest.raises(errors.SigningError) as info:
        _cbql(env, B_T)
    assert info.value.code == "SIG-TSA"

    class DownTsa:
        def timestamp(self, request: bytes) -> bytes:
            raise TimeoutError("TSA unreachable")

    with pytest.raises(errors.SigningError) as info:
        _cbql(env, B_T, DownTsa())  # type: ignore[arg-type]
    assert info.value.code == "SIG-TSA"


def test_b_t_with_local_openssl_tsa(env: Env, tsa: OpensslTsa, tmp_path: Path) -> None:
    xml = _cbql(env, B_T, tsa)
    report = verify(xml, trust=env.trust, require_complete=False)
    slot = report.slot("CBQL")
    assert slot.passed, report.to_text()
    assert slot.level == "XAdES-B-T"
    assert slot.timestamp_time is not None
    assert abs(slot.timestamp_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    # independent check of the token with openssl ts -verify
    sig = etree.fromstring(xml).find(".//CBQL/ds:Signature", NS)
    assert sig is not None
    token = base64.b64decode(sig.findtext(".//xades:EncapsulatedTimeStamp", namespaces=NS) or "")
    sv = sig.find("ds:SignatureValue", NS)
    assert sv is not None
    import hashlib

    imprint = hashlib.sha256(etree.tostring(sv, method="c14n", exclusive=True)).hexdigest()
    (tmp_path / "tok.der").write_bytes(token)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(env.pki.root_cert.read_bytes())
    assert OPENSSL is not None
    res = subprocess.run(
        [
            OPENSSL,
            "ts",
            "-verify",
            "-digest",
            imprint,
            "-in",
            str(tmp_path / "tok.der"),
            "-token_in",
            "-CAfile",
            str(ca),
            "-untrusted",
            str(env.pki.issuing_cert),
            "-untrusted",
            str(env.pki["tsa"].cert_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in res.stdout, res.stderr


def test_tampered_timestamp_is_ignored(env: Env, tsa: OpensslTsa) -> None:
    xml = _cbql(env, B_T, tsa)
    root = etree.fromstring(xml)
    tok = root.find(".//xades:EncapsulatedTimeStamp", NS)
    assert tok is not None and tok.text
    raw = bytearray(base64.b64decode(tok.text))
    raw[-5] ^= 0xFF  # inside the TSA's signature
    tok.text = base64.b64encode(bytes(raw)).decode()
    slot = verify(
        etree.tostring(root, encoding="utf-8"), trust=env.trust, require_complete=False
    ).slot("CBQL")
    assert slot.passed  # the signature itself is fine ...
    assert slot.level == "XAdES-B-B"  # ... but the broken time-stamp proves nothing
    assert "SIG-TIMESTAMP" in [f.code for f in slot.findings]


def test_b_lt_verifies_after_every_certificate_expired(env: Env, tsa: OpensslTsa) -> None:
    xml = read("primary.xml")
    for i, (slot, who) in enumerate([("GVCN", "gvcn"), ("CBQL", "cbql"), ("KY_PHAT_HANH", "org")]):
        xml = sign(
            xml, slot=slot, signer=env.signers[who], signing_time=env.at(i), policy=B_T, tsa=tsa
        )
    assert verify(xml, trust=env.trust).passed
    lt = add_validation_data(xml, trust=env.trust)
    report = verify(lt, trust=env.trust)
    assert report.passed, report.to_text()
    assert {s.level for s in report.slots} == {"XAdES-B-LT"}
    # 2060: every certificate has long expired, the CRLs are stale; only the anchors and the
    # registered seal are still configured
    archive = dataclasses.replace(env.trust, crls=(), intermediates=())
    later = verify(lt, trust=archive, validation_time=Y2060)
    assert later.passed, later.to_text()
    # without the embedded values the same record is indeterminate in 2060
    plain = verify(xml, trust=archive, validation_time=Y2060)
    assert plain.indication is Indication.INDETERMINATE
    # B-LT is unsigned: adding it changed no signature
    assert verify(lt, trust=env.trust).signed_data == verify(xml, trust=env.trust).signed_data


def test_b_lt_requires_b_t(env: Env) -> None:
    xml = _cbql(env, B_B)
    with pytest.raises(errors.SigningError):
        add_validation_data(xml, trust=env.trust, slots=["CBQL"])
