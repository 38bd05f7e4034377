"""TSA validation data: ``xades141:TimeStampValidationData`` written at B-LT/B-LTA and used offline.

The TSA here has a CA of its own (under the demo root), whose CRL concerns no signer: the only
place a verifier without CRLs can find it is the TimeStampValidationData after the time-stamp.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

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
from tests.signing.signing_env import Env, OpensslTsa, read
from tests.signing.signing_helpers import TsaHierarchy, make_tsa

NS = {
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xades": "http://uri.etsi.org/01903/v1.3.2#",
    "xades141": "http://uri.etsi.org/01903/v1.4.1#",
}
USP = (
    ".//CBQL/ds:Signature/ds:Object/xades:QualifyingProperties/xades:UnsignedProperties"
    "/xades:UnsignedSignatureProperties"
)
Y2060 = dt.datetime(2060, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def tsa2(env: Env, tmp_path_factory: pytest.TempPathFactory) -> tuple[TsaHierarchy, OpensslTsa]:
    directory = tmp_path_factory.mktemp("tsa2")
    h = make_tsa(env.pki, directory / "pki")
    return h, OpensslTsa(
        directory, env.pki, cert_path=h.cert_path, key_path=h.key_path, chain_pem=h.chain_pem
    )


def _b_t(env: Env, tsa: OpensslTsa) -> bytes:
    return sign(
        read("primary.xml"),
        slot="CBQL",
        signer=env.signers["cbql"],
        signing_time=env.t0,
        policy=SignaturePolicy(level=SignatureLevel.XADES_B_T),
        tsa=tsa,
    )


def _with_tsa_crl(env: Env, h: TsaHierarchy) -> TrustConfig:
    """The trust used when extending: the demo CRLs plus the TSA CA's."""
    return dataclasses.replace(env.trust, crls=(*env.trust.crls, h.crl))


def _offline(env: Env) -> TrustConfig:
    """An archive verifier: anchors and the registered seal only, no CRL, no intermediate."""
    return dataclasses.replace(env.trust, crls=(), intermediates=())


def _cbql(xml: bytes, trust: TrustConfig, when: dt.datetime | None = None) -> SlotResult:
    return verify(xml, trust=trust, validation_time=when, require_complete=False).slot("CBQL")


def _crls(el: etree._Element) -> list[bytes]:
    return [
        base64.b64decode(e.text or "")
        for e in el.iterfind(
            "xades:RevocationValues/xades:CRLValues/xades:EncapsulatedCRLValue", NS
        )
    ]


def _certs(el: etree._Element) -> list[bytes]:
    return [
        base64.b64decode(e.text or "")
        for e in el.iterfind("xades:CertificateValues/xades:EncapsulatedX509Certificate", NS)
    ]


def _drop(xml: bytes, uri: str) -> bytes:
    root = etree.fromstring(xml)
    usp = root.find(USP, NS)
    assert usp is not None
    vd = usp.find(f"xades141:TimeStampValidationData[@URI='{uri}']", NS)
    assert vd is not None
    usp.remove(vd)
    return etree.tostring(root)


def test_b_lt_writes_the_tsa_data_into_timestamp_validation_data(
    env: Env, tsa2: tuple[TsaHierarchy, OpensslTsa]
) -> None:
    h, tsa = tsa2
    lt = add_validation_data(_b_t(env, tsa), trust=_with_tsa_crl(env, h))
    usp = etree.fromstring(lt).find(USP, NS)
    assert usp is not None
    assert [etree.QName(c).localname for c in usp] == [
        "SignatureTimeStamp",
        "TimeStampValidationData",
        "CertificateValues",
        "RevocationValues",
    ]
    vd = usp[1]
    assert (vd.get("URI"), vd.get("Id")) == ("#ts-CBQL", "vd-ts-CBQL")
    assert usp[0].get("Id") == "ts-CBQL"
    tsa_cert = x509.load_pem_x509_certificate(h.cert_path.read_bytes())
    assert _certs(vd)[:2] == [
        tsa_cert.public_bytes(serialization.Encoding.DER),
        h.ca.public_bytes(serialization.Encoding.DER),
    ]
    assert h.crl in _crls(vd)
    # the signer's values are the signer's: the TSA CA's CRL is not mixed in
    assert h.crl not in _crls(usp)
    assert tsa_cert.public_bytes(serialization.Encoding.DER) not in _certs(usp)
    assert _crls(usp)  # the demo CRLs of the signer's path are there


def test_tsa_validates_offline_from_timestamp_validation_data(
    env: Env, tsa2: tuple[TsaHierarchy, OpensslTsa]
) -> None:
    h, tsa = tsa2
    b_t = _b_t(env, tsa)
    # before the extension the TSA's revocation status is unknown without its CA's CRL
    slot = _cbql(b_t, env.trust)
    assert slot.passed and slot.level == "XAdES-B-B"
    assert "SIG-TIMESTAMP" in [f.code for f in slot.findings]
    lt = add_validation_data(b_t, trust=_with_tsa_crl(env, h))
    now = _cbql(lt, _offline(env))
    assert now.passed, now.findings
    assert now.level == "XAdES-B-LT" and now.timestamp_time is not None
    later = _cbql(lt, _offline(env), Y2060)
    assert later.passed, later.findings
    # the same record without the TimeStampValidationData: the time-stamp proves nothing
    bare = _drop(lt, "#ts-CBQL")
    now = _cbql(bare, _offline(env))
    assert now.passed and now.level == "XAdES-B-B"
    assert "SIG-TIMESTAMP" in [f.code for f in now.findings]
    later = _cbql(bare, _offline(env), Y2060)
    assert (later.indication, later.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.OUT_OF_BOUNDS_NO_POE,
    )


def test_archive_tsa_validates_offline_from_its_validation_data(
    env: Env, tsa: OpensslTsa, tsa2: tuple[TsaHierarchy, OpensslTsa]
) -> None:
    h, tsa_b = tsa2
    lt = add_validation_data(_b_t(env, tsa), trust=env.trust)  # the demo TSA signs B-T
    lta = add_archive_timestamp(lt, tsa=tsa_b, trust=_with_tsa_crl(env, h))
    vd = etree.fromstring(lta).find(
        f"{USP}/xades141:TimeStampValidationData[@URI='#ats-CBQL-1']", NS
    )
    assert vd is not None and h.crl in _crls(vd)
    for when in (None, Y2060):
        slot = _cbql(lta, _offline(env), when)
        assert slot.passed, slot.findings
        assert slot.level == "XAdES-B-LTA"
    bare = _drop(lta, "#ats-CBQL-1")
    slot = _cbql(bare, _offline(env))
    assert (slot.indication, slot.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.TRY_LATER,
    )
    assert "SIG-ARCHIVE-TIMESTAMP-TSA" in [f.code for f in slot.findings]
    # with the TSA CA's CRL configured the archive time-stamp validates again
    assert _cbql(bare, dataclasses.replace(_offline(env), crls=(h.crl,))).passed


def test_tsa_data_of_an_old_style_record_still_counts(
    env: Env, tsa2: tuple[TsaHierarchy, OpensslTsa]
) -> None:
    """Records extended before TimeStampValidationData existed mixed the TSA data into the
    signer's values; a verifier must still use it there."""
    h, tsa = tsa2
    lt = add_validation_data(_b_t(env, tsa), trust=_with_tsa_crl(env, h))
    root = etree.fromstring(lt)
    usp = root.find(USP, NS)
    assert usp is not None
    vd = usp.find("xades141:TimeStampValidationData", NS)
    assert vd is not None
    cv, rv = usp.find("xades:CertificateValues", NS), usp.find("xades:RevocationValues", NS)
    assert cv is not None and rv is not None
    for e in vd.iterfind("xades:CertificateValues/*", NS):
        cv.append(e)
    crl_values = rv.find("xades:CRLValues", NS)
    assert crl_values is not None
    for e in vd.iterfind("xades:RevocationValues/xades:CRLValues/*", NS):
        crl_values.append(e)
    usp.remove(vd)
    old_style = etree.tostring(root)
    later = _cbql(old_style, _offline(env), Y2060)
    assert later.passed, later.findings
    assert later.level == "XAdES-B-LT"


def test_ocsp_responses_go_to_the_path_they_answer_for(env: Env, tsa: OpensslTsa) -> None:
    from tests.signing.test_signing_trust import _ocsp

    signer, tsa_answer, other = (_ocsp(env, n, "GOOD") for n in ("cbql", "tsa", "gvcn"))
    trust = dataclasses.replace(env.trust, ocsp_responses=(other, tsa_answer, signer))
    lt = add_validation_data(_b_t(env, tsa), trust=trust)
    usp = etree.fromstring(lt).find(USP, NS)
    assert usp is not None
    vd = usp.find("xades141:TimeStampValidationData", NS)
    assert vd is not None

    def ocsps(el: etree._Element) -> list[bytes]:
        path = "xades:RevocationValues/xades:OCSPValues/xades:EncapsulatedOCSPValue"
        return [base64.b64decode(e.text or "") for e in el.iterfind(path, NS)]

    assert ocsps(usp) == [signer]  # the homeroom teacher's answer is not embedded anywhere
    assert ocsps(vd) == [tsa_answer]
    assert _cbql(lt, _offline(env)).passed
