"""XAdES B-LTA: archive time-stamps (local openssl TSA), their checks, tampering and POE."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from hocbaso import errors
from hocbaso.signing import (
    Indication,
    SignatureLevel,
    SignaturePolicy,
    SlotResult,
    SubIndication,
    TrustConfig,
    add_archive_timestamp,
    add_validation_data,
    sign,
    verify,
)
from tests.signing.signing_env import OPENSSL, XMLSEC1, Env, OpensslTsa, read
from tests.signing.signing_helpers import make_tsa, xmlsec1_verify

DS = "http://www.w3.org/2000/09/xmldsig#"
XA = "http://uri.etsi.org/01903/v1.3.2#"
XA141 = "http://uri.etsi.org/01903/v1.4.1#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
NS = {"ds": DS, "xades": XA, "xades141": XA141}
USP = (
    "ds:Object/xades:QualifyingProperties/xades:UnsignedProperties"
    "/xades:UnsignedSignatureProperties"
)
B_T = SignaturePolicy(level=SignatureLevel.XADES_B_T)
Y2060 = dt.datetime(2060, 1, 1, tzinfo=dt.UTC)


def _untrusted_tsa(env: Env, directory: Path) -> OpensslTsa:
    """A working TSA whose certificate chains to a root the verifier does not trust."""
    rogue = make_tsa(env.pki, directory / "rogue", trusted=False)
    return OpensslTsa(
        directory,
        env.pki,
        cert_path=rogue.cert_path,
        key_path=rogue.key_path,
        chain_pem=rogue.chain_pem,
    )


def _b_t(env: Env, tsa: OpensslTsa) -> bytes:
    return sign(
        read("primary.xml"),
        slot="CBQL",
        signer=env.signers["cbql"],
        signing_time=env.t0,
        policy=B_T,
        tsa=tsa,
    )


@pytest.fixture(scope="module")
def lt(env: Env, tsa: OpensslTsa) -> bytes:
    return add_validation_data(_b_t(env, tsa), trust=env.trust)


@pytest.fixture(scope="module")
def lta(env: Env, tsa: OpensslTsa, lt: bytes) -> bytes:
    return add_archive_timestamp(lt, tsa=tsa, trust=env.trust)


def _cbql(xml: bytes, trust: TrustConfig, when: dt.datetime | None = None) -> SlotResult:
    return verify(xml, trust=trust, validation_time=when, require_complete=False).slot("CBQL")


def _sig(root: etree._Element) -> etree._Element:
    sig = root.find(".//CBQL/ds:Signature", NS)
    assert sig is not None
    return sig


def _usp(root: etree._Element) -> etree._Element:
    usp = _sig(root).find(USP, NS)
    assert usp is not None
    return usp


def _names(usp: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in usp]


def test_b_lta_structure_and_verification(env: Env, lt: bytes, lta: bytes) -> None:
    slot = _cbql(lta, env.trust)
    assert slot.passed, slot.findings
    assert slot.level == "XAdES-B-LTA"
    root = etree.fromstring(lta)
    usp = _usp(root)
    assert _names(usp) == [
        "SignatureTimeStamp",
        "TimeStampValidationData",
        "CertificateValues",
        "RevocationValues",
        "ArchiveTimeStamp",
        "TimeStampValidationData",
    ]
    ats = usp[4]
    assert ats.tag == f"{{{XA141}}}ArchiveTimeStamp" and ats.get("Id") == "ats-CBQL-1"
    assert [(etree.QName(c).namespace, etree.QName(c).localname) for c in ats] == [
        (DS, "CanonicalizationMethod"),
        (XA, "EncapsulatedTimeStamp"),
    ]
    assert ats[0].get("Algorithm") == EXC
    assert usp[5].get("URI") == "#ats-CBQL-1"
    # the archive time-stamp is unsigned: the signature and its data are untouched
    before = etree.fromstring(lt)
    for path in ("ds:SignedInfo", "ds:SignatureValue", "ds:KeyInfo"):
        now, then = _sig(root).find(path, NS), _sig(before).find(path, NS)
        assert now is not None and then is not None
        assert etree.tostring(now) == etree.tostring(then)
    report = verify(lta, trust=env.trust, require_complete=False)
    assert report.signed_data == verify(lt, trust=env.trust, require_complete=False).signed_data


def _independent_input(root: etree._Element, ats: etree._Element) -> bytes:
    """EN 319 132-1 §5.5.2 written out again by hand (exclusive C14N everywhere)."""

    def c14n(el: etree._Element | None) -> bytes:
        assert el is not None
        return etree.tostring(el, method="c14n", exclusive=True)

    sig = _sig(root)
    by_id = {e.get("Id"): e for e in root.iter() if e.get("Id")}
    out = b""
    for ref in sig.findall("ds:SignedInfo/ds:Reference", NS):
        out += c14n(by_id[(ref.get("URI") or "")[1:]])  # #data, #time-CBQL, #xades-CBQL
    out += c14n(sig.find("ds:SignedInfo", NS)) + c14n(sig.find("ds:SignatureValue", NS))
    out += c14n(sig.find("ds:KeyInfo", NS))
    for prop in _usp(root):
        if prop is ats:
            break
        out += c14n(prop)
    return out + c14n(sig.find("ds:Object[@Id='time-CBQL']", NS))


def test_archive_time_stamp_checked_by_openssl_over_an_independent_input(
    env: Env, lta: bytes, tmp_path: Path
) -> None:
    root = etree.fromstring(lta)
    ats = _usp(root).find("xades141:ArchiveTimeStamp", NS)
    assert ats is not None
    token = base64.b64decode(ats.findtext("xades:EncapsulatedTimeStamp", namespaces=NS) or "")
    (tmp_path / "tok.der").write_bytes(token)
    (tmp_path / "input.bin").write_bytes(_independent_input(root, ats))
    assert OPENSSL is not None

    def openssl_verify(data: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                OPENSSL,
                "ts",
                "-verify",
                "-data",
                str(data),
                "-in",
                str(tmp_path / "tok.der"),
                "-token_in",
                "-CAfile",
                str(env.pki.root_cert),
                "-untrusted",
                str(env.pki.issuing_cert),
                "-untrusted",
                str(env.pki["tsa"].cert_path),
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    assert "Verification: OK" in openssl_verify(tmp_path / "input.bin").stdout
    # the same check fails when the input leaves out the SignatureTimeStamp's validation data
    usp = _usp(root)
    usp.remove(usp[1])
    (tmp_path / "short.bin").write_bytes(_independent_input(root, ats))
    assert "Verification: OK" not in openssl_verify(tmp_path / "short.bin").stdout


def test_archive_time_stamps_repeat_and_cover_the_earlier_ones(
    env: Env, tsa: OpensslTsa, lta: bytes
) -> None:
    lta2 = add_archive_timestamp(lta, tsa=tsa, trust=env.trust)
    slot = _cbql(lta2, env.trust)
    assert slot.passed, slot.findings
    assert slot.level == "XAdES-B-LTA"
    root = etree.fromstring(lta2)
    assert _names(_usp(root))[4:] == [
        "ArchiveTimeStamp",
        "TimeStampValidationData",
        "ArchiveTimeStamp",
        "TimeStampValidationData",
    ]
    assert [a.get("Id") for a in _usp(root).findall("xades141:ArchiveTimeStamp", NS)] == [
        "ats-CBQL-1",
        "ats-CBQL-2",
    ]
    # the first archive time-stamp's validation data is covered by the second one only
    vd = _usp(root)[5]
    assert vd.get("URI") == "#ats-CBQL-1"
    crl = vd.find("xades:RevocationValues/xades:CRLValues/xades:EncapsulatedCRLValue", NS)
    assert crl is not None and crl.text
    crl.text = crl.text[:40] + "\n" + crl.text[40:]  # same CRL, other bytes
    tampered = etree.tostring(root)
    slot = _cbql(tampered, env.trust)
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.HASH_FAILURE,
    )
    hashes = [f for f in slot.findings if f.code == "SIG-ARCHIVE-TIMESTAMP-HASH"]
    assert len(hashes) == 1 and "ats-CBQL-2" in hashes[0].message_en
    # the same edit after a single archive time-stamp is harmless (that data is not covered)
    root1 = etree.fromstring(lta)
    crl = _usp(root1)[5].find(
        "xades:RevocationValues/xades:CRLValues/xades:EncapsulatedCRLValue", NS
    )
    assert crl is not None and crl.text
    crl.text = crl.text[:40] + "\n" + crl.text[40:]
    assert _cbql(etree.tostring(root1), env.trust).passed


def _replace_signature_time_stamp(env: Env, tsa: OpensslTsa) -> Callable[[etree._Element], None]:
    def tamper(root: etree._Element) -> None:
        # a genuine, valid time-stamp over the same SignatureValue, made later: the signature
        # time-stamp alone still verifies, but it is not the one the archive time-stamp sealed
        from hocbaso.signing import _xades
        from hocbaso.signing._algorithms import DigestAlgorithm

        sig = _sig(root)
        imprint = _xades.timestamp_imprint(sig, DigestAlgorithm.SHA256)
        token = _xades.request_timestamp(tsa, imprint, DigestAlgorithm.SHA256)
        tok = _usp(root).find("xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp", NS)
        assert tok is not None
        tok.text = base64.b64encode(token).decode()

    return tamper


def _drop_certificate_value(root: etree._Element) -> None:
    cv = _usp(root).find("xades:CertificateValues", NS)
    assert cv is not None and len(cv) > 1
    cv.remove(cv[-1])


def _drop_chain_from_key_info(root: etree._Element) -> None:
    x509data = _sig(root).find("ds:KeyInfo/ds:X509Data", NS)
    assert x509data is not None
    certs = x509data.findall("ds:X509Certificate", NS)
    assert len(certs) == 2  # signer + issuing CA; the CA is also in CertificateValues
    x509data.remove(certs[1])


def _rewrap_crl(root: etree._Element) -> None:
    crl = _usp(root).find("xades:RevocationValues/xades:CRLValues/xades:EncapsulatedCRLValue", NS)
    assert crl is not None and crl.text
    crl.text = "\n".join(crl.text[i : i + 64] for i in range(0, len(crl.text), 64))


@pytest.mark.parametrize(
    "name", ["signature-time-stamp", "certificate-values", "key-info", "revocation-values"]
)
def test_changing_what_the_archive_time_stamp_sealed_is_hash_failure(
    env: Env, tsa: OpensslTsa, lt: bytes, lta: bytes, name: str
) -> None:
    tamper = {
        "signature-time-stamp": _replace_signature_time_stamp(env, tsa),
        "certificate-values": _drop_certificate_value,
        "key-info": _drop_chain_from_key_info,
        "revocation-values": _rewrap_crl,
    }[name]
    root = etree.fromstring(lta)
    tamper(root)
    slot = _cbql(etree.tostring(root), env.trust)
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.HASH_FAILURE,
    ), slot.findings
    assert "SIG-ARCHIVE-TIMESTAMP-HASH" in [f.code for f in slot.findings]
    # without an archive time-stamp the same change is invisible: only B-LTA seals it
    root = etree.fromstring(lt)
    tamper(root)
    assert _cbql(etree.tostring(root), env.trust).passed


def test_changing_the_data_after_the_archive_time_stamp_fails(env: Env, lta: bytes) -> None:
    tampered = lta.replace(
        b"<DIEM_KIEM_TRA_DINH_KY>9</DIEM_KIEM_TRA_DINH_KY>",
        b"<DIEM_KIEM_TRA_DINH_KY>10</DIEM_KIEM_TRA_DINH_KY>",
    )
    assert tampered != lta
    slot = _cbql(tampered, env.trust)
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.HASH_FAILURE,
    )


def test_broken_archive_time_stamp_token_is_sig_crypto_failure(env: Env, lta: bytes) -> None:
    root = etree.fromstring(lta)
    tok = _usp(root).find("xades141:ArchiveTimeStamp/xades:EncapsulatedTimeStamp", NS)
    assert tok is not None and tok.text
    raw = bytearray(base64.b64decode(tok.text))
    raw[-5] ^= 0xFF  # inside the TSA's signature
    tok.text = base64.b64encode(bytes(raw)).decode()
    slot = _cbql(etree.tostring(root), env.trust)
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.SIG_CRYPTO_FAILURE,
    )
    assert "SIG-ARCHIVE-TIMESTAMP" in [f.code for f in slot.findings]


def test_malformed_archive_time_stamp_is_format_failure(env: Env, lta: bytes) -> None:
    root = etree.fromstring(lta)
    ats = _usp(root).find("xades141:ArchiveTimeStamp", NS)
    assert ats is not None
    ats[0].set("Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116")
    slot = _cbql(etree.tostring(root), env.trust)
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.FORMAT_FAILURE,
    )


def test_archive_time_stamp_from_an_untrusted_tsa_is_indeterminate(
    env: Env, lt: bytes, tmp_path: Path
) -> None:
    rogue_tsa = _untrusted_tsa(env, tmp_path)
    xml = add_archive_timestamp(lt, tsa=rogue_tsa)
    slot = _cbql(xml, env.trust)
    assert (slot.indication, slot.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
    )
    assert "SIG-ARCHIVE-TIMESTAMP-TSA" in [f.code for f in slot.findings]
    assert slot.level == "XAdES-B-LT"


def test_archive_time_stamp_is_proof_of_existence(
    env: Env, tsa: OpensslTsa, tmp_path: Path
) -> None:
    """The signature time-stamp comes from a TSA nobody trusts; only the archive one proves."""
    rogue_tsa = _untrusted_tsa(env, tmp_path)
    lt = add_validation_data(_b_t(env, rogue_tsa), trust=env.trust)
    lta = add_archive_timestamp(lt, tsa=tsa, trust=env.trust)
    now = _cbql(lta, env.trust)
    assert now.passed, now.findings
    assert "SIG-TIMESTAMP" in [f.code for f in now.findings]  # the rogue token is ignored
    # 2060: the signer's certificate, every CA and CRL expired long ago; only the anchors and
    # the registered seal are configured
    archive = dataclasses.replace(env.trust, crls=(), intermediates=())
    later = _cbql(lta, archive, Y2060)
    assert later.passed, later.findings
    assert later.timestamp_time is not None
    assert abs(later.timestamp_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    # without the archive time-stamp nothing proves the signature existed while it was valid
    plain = _cbql(lt, archive, Y2060)
    assert (plain.indication, plain.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.OUT_OF_BOUNDS_NO_POE,
    )


def test_claimed_signing_time_after_the_archive_time_stamp(
    env: Env, tsa: OpensslTsa, tmp_path: Path
) -> None:
    """A claimed signing time later than the archive time-stamp is a lie about the time."""
    from hocbaso.signing._sign import prepare

    rogue_tsa = _untrusted_tsa(env, tmp_path)
    claimed = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=3)
    signer = env.signers["cbql"]
    p = prepare(
        read("primary.xml"),
        slot="CBQL",
        cert=signer.certificate,
        chain=signer.chain,
        signing_time=claimed,
        policy=B_T,
        _unsafe_skip_checks=True,
    )
    xml = p.complete(signer.sign_digest(p.digest, p.algorithm), tsa=rogue_tsa)
    xml = add_archive_timestamp(add_validation_data(xml, trust=env.trust), tsa=tsa)
    # an hour later the claimed time is in the past, but still after the archive time-stamp
    strict = dataclasses.replace(env.trust, clock_skew=dt.timedelta(seconds=30))
    slot = _cbql(xml, strict, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert (slot.indication, slot.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.TIMESTAMP_ORDER_FAILURE,
    ), slot.findings
    assert _cbql(xml, env.trust, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).passed


def test_extension_rules(env: Env, tsa: OpensslTsa, lt: bytes, lta: bytes) -> None:
    b_t = _b_t(env, tsa)
    # an archive time-stamp needs B-LT first
    with pytest.raises(errors.SigningError) as info:
        add_archive_timestamp(b_t, tsa=tsa, slots=["CBQL"])
    assert info.value.code == "SIG-XADES" and info.value.message_vi
    assert add_archive_timestamp(b_t, tsa=tsa) == b_t  # nothing eligible: unchanged
    with pytest.raises(errors.SigningError) as info:
        add_archive_timestamp(lt, tsa=tsa, slots=["GVCN"])
    assert info.value.code == "SIG-SLOT"
    # once sealed, the B-LT values cannot be rewritten
    with pytest.raises(errors.SigningError) as info:
        add_validation_data(lta, trust=env.trust, slots=["CBQL"])
    assert info.value.code == "SIG-XADES-FROZEN"
    assert add_validation_data(lta, trust=env.trust) == lta
    # the TSA failing is a typed error

    class DownTsa:
        def timestamp(self, request: bytes) -> bytes:
            raise TimeoutError("TSA unreachable")

    with pytest.raises(errors.SigningError) as info:
        add_archive_timestamp(lt, tsa=DownTsa())
    assert info.value.code == "SIG-TSA"


def test_without_trust_no_validation_data_follows_the_archive_time_stamp(
    env: Env, tsa: OpensslTsa, lt: bytes
) -> None:
    xml = add_archive_timestamp(lt, tsa=tsa)
    assert _names(_usp(etree.fromstring(xml)))[4:] == ["ArchiveTimeStamp"]
    assert _cbql(xml, env.trust).passed
    # the next one (with trust) first adds the missing data for the earlier archive time-stamp
    xml2 = add_archive_timestamp(xml, tsa=tsa, trust=env.trust)
    usp = _usp(etree.fromstring(xml2))
    assert _names(usp)[4:] == [
        "ArchiveTimeStamp",
        "TimeStampValidationData",
        "ArchiveTimeStamp",
        "TimeStampValidationData",
    ]
    assert [usp[5].get("URI"), usp[7].get("URI")] == ["#ats-CBQL-1", "#ats-CBQL-2"]
    assert _cbql(xml2, env.trust).passed


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 not installed (apt-get install xmlsec1)")
def test_xmlsec1_still_verifies_a_b_lta_slot(env: Env, lta: bytes, tmp_path: Path) -> None:
    """The archive time-stamp and validation data are unsigned: independent verifiers agree."""
    assert XMLSEC1 is not None
    path = tmp_path / "lta.xml"
    path.write_bytes(lta)
    res = xmlsec1_verify(XMLSEC1, env.pki, path, "CBQL")
    assert res.returncode == 0, res.stderr
