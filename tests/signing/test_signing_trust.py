"""Trust, validity and revocation: expired, not-yet-valid, revoked, untrusted, unregistered."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from hocbaso import errors
from hocbaso.signing import (
    TIEU_HOC_1_0,
    CertificateKind,
    Indication,
    LocalSigner,
    SlotKind,
    SubIndication,
    TrustConfig,
    sign,
    verify,
)
from hocbaso.signing._sign import prepare
from tests.signing.signing_env import Env, read
from tests.signing.signing_helpers import issue

# the primary record without the homeroom teacher's CCCD, so any teacher may sign GVCN
PLAIN = read("primary.xml").replace(
    b"<SO_CCCD_GIAO_VIEN_CHU_NHIEM>048190007788</SO_CCCD_GIAO_VIEN_CHU_NHIEM>", b""
)


def _force_sign(
    xml: bytes, slot: str, signer: LocalSigner, when: dt.datetime, **kw: object
) -> bytes:
    """Sign bypassing the signing-side safety checks (to build hostile test inputs)."""
    p = prepare(
        xml,
        slot=slot,
        cert=signer.certificate,
        chain=signer.chain,
        signing_time=when,
        _unsafe_skip_checks=True,
        **kw,  # type: ignore[arg-type]
    )
    return p.complete(signer.sign_digest(p.digest, p.algorithm))


def _gvcn(env: Env, who: str, when: dt.datetime) -> Indication | SubIndication | None:
    xml = _force_sign(PLAIN, "GVCN", env.signers[who], when)
    result = verify(xml, trust=env.trust, require_complete=False).slot("GVCN")
    return result.sub_indication


def test_revoked_signer_after_revocation_is_total_failed(env: Env) -> None:
    xml = _force_sign(PLAIN, "GVCN", env.signers["revoked"], env.t0)
    report = verify(xml, trust=env.trust, require_complete=False)
    slot = report.slot("GVCN")
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.REVOKED,
    )


def test_revoked_signer_backdated_is_indeterminate(env: Env) -> None:
    when = env.pki.now - dt.timedelta(days=20)  # before the revocation, but nothing proves it
    xml = sign(PLAIN, slot="GVCN", signer=env.signers["revoked"], signing_time=when)
    slot = verify(xml, trust=env.trust, require_complete=False).slot("GVCN")
    assert (slot.indication, slot.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.REVOKED_NO_POE,
    )


def test_expired_signer(env: Env) -> None:
    xml = _force_sign(PLAIN, "GVCN", env.signers["expired"], env.t0)
    slot = verify(xml, trust=env.trust, require_complete=False).slot("GVCN")
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.EXPIRED,
    )


def test_expired_since_signing_without_proof_is_out_of_bounds(env: Env) -> None:
    when = env.pki.now - dt.timedelta(days=100)  # inside the validity, which has ended since
    xml = sign(PLAIN, slot="GVCN", signer=env.signers["expired"], signing_time=when)
    slot = verify(xml, trust=env.trust, require_complete=False).slot("GVCN")
    assert (slot.indication, slot.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.OUT_OF_BOUNDS_NO_POE,
    )


def test_not_yet_valid_signer(env: Env) -> None:
    xml = _force_sign(PLAIN, "GVCN", env.signers["future"], env.t0)
    slot = verify(xml, trust=env.trust, require_complete=False).slot("GVCN")
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.NOT_YET_VALID,
    )
    with pytest.raises(errors.SigningError) as info:
        sign(PLAIN, slot="GVCN", signer=env.signers["future"], signing_time=env.t0)
    assert info.value.code == "SIG-CERT-VALIDITY"


def test_untrusted_root(env: Env) -> None:
    xml = sign(
        read("primary.xml"), slot="CBQL", signer=env.signers["rogue-cbql"], signing_time=env.t0
    )
    slot = verify(xml, trust=env.trust, require_complete=False).slot("CBQL")
    assert (slot.indication, slot.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
    )
    assert slot.signer_cccd == "048078001234"  # same identity claims, wrong issuer


def test_missing_revocation_data_is_try_later(env: Env, signed_primary: bytes) -> None:
    no_crl = dataclasses.replace(env.trust, crls=())
    report = verify(signed_primary, trust=no_crl)
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.TRY_LATER
    soft = dataclasses.replace(env.trust, crls=(), revocation_mode="soft-fail")
    assert verify(signed_primary, trust=soft).passed


def test_stale_crl_is_try_later(env: Env, signed_primary: bytes) -> None:
    later = env.pki.now + dt.timedelta(days=45)  # past the CRL's nextUpdate
    report = verify(signed_primary, trust=env.trust, validation_time=later)
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.TRY_LATER


def test_plain_signature_after_every_certificate_expired(env: Env, signed_primary: bytes) -> None:
    report = verify(
        signed_primary,
        trust=env.trust,
        validation_time=dt.datetime(2060, 1, 1, tzinfo=dt.UTC),
    )
    assert report.indication is Indication.INDETERMINATE
    assert {s.sub_indication for s in report.slots} == {SubIndication.OUT_OF_BOUNDS_NO_POE}


def test_issuing_seal_needs_registration(env: Env, signed_primary: bytes) -> None:
    unregistered = dataclasses.replace(env.trust, registered_organisations=())
    seal = verify(signed_primary, trust=unregistered).slot("KY_PHAT_HANH")
    assert (seal.indication, seal.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.SIG_CONSTRAINTS_FAILURE,
    )
    other = issue(env.pki, "Trường THCS Giả Mạo", "MST:0409999999")
    registered_other = dataclasses.replace(env.trust, registered_organisations=(other.certificate,))
    seal = verify(signed_primary, trust=registered_other).slot("KY_PHAT_HANH")
    assert (seal.indication, seal.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.SIG_CONSTRAINTS_FAILURE,
    )


def test_personal_certificate_in_issuing_slot(env: Env) -> None:
    # a lax profile (data, not code) lets the signer put a personal certificate in the seal slot;
    # the official profile at verification refuses it
    lax_rule = dataclasses.replace(TIEU_HOC_1_0.slots[2], certificate=CertificateKind.PERSONAL)
    assert lax_rule.kind is SlotKind.KY_PHAT_HANH
    lax = dataclasses.replace(TIEU_HOC_1_0, slots=(*TIEU_HOC_1_0.slots[:2], lax_rule))
    xml = sign(read("primary.xml"), slot="CBQL", signer=env.signers["cbql"], signing_time=env.t0)
    xml = sign(
        xml, slot="KY_PHAT_HANH", signer=env.signers["cbql"], signing_time=env.at(1), profile=lax
    )
    assert b"<KY_PHAT_HANH><NGAY_KY>" in xml
    seal = verify(xml, trust=env.trust).slot("KY_PHAT_HANH")
    assert (seal.indication, seal.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.FORMAT_FAILURE,  # a personal slot shape (SO_CCCD) in the seal slot
    )
    # the same in the official slot shape: the certificate kind is what fails
    xml = sign(read("primary.xml"), slot="CBQL", signer=env.signers["cbql"], signing_time=env.t0)
    xml = _force_sign(xml, "KY_PHAT_HANH", env.signers["cbql"], env.at(1))
    seal = verify(xml, trust=env.trust).slot("KY_PHAT_HANH")
    assert (seal.indication, seal.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.SIG_CONSTRAINTS_FAILURE,
    )
    assert "SIG-CERT-KIND" in [f.code for f in seal.findings]


def test_signing_time_order_across_slots(env: Env) -> None:
    xml = sign(
        read("primary.xml"), slot="CBQL", signer=env.signers["cbql"], signing_time=env.at(10)
    )
    with pytest.raises(errors.SigningError) as info:
        sign(xml, slot="KY_PHAT_HANH", signer=env.signers["org"], signing_time=env.at(1))
    assert info.value.code == "SIG-TIME-ORDER"
    forced = _force_sign(xml, "KY_PHAT_HANH", env.signers["org"], env.at(1))
    report = verify(forced, trust=env.trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert "SIG-TIME-ORDER" in [f.code for f in report.findings]
    assert all(s.passed for s in report.slots)


def test_signing_time_in_the_future(env: Env) -> None:
    xml = _force_sign(PLAIN, "GVCN", env.signers["gvcn"], env.pki.now + dt.timedelta(days=2))
    slot = verify(xml, trust=env.trust, require_complete=False).slot("GVCN")
    assert slot.indication is Indication.TOTAL_FAILED


def test_cccd_binding_checked_at_verification(env: Env) -> None:
    # the homeroom slot SO_CCCD matches the certificate, but the record names someone else
    other = issue(env.pki, "Người Khác", "CCCD:048190001111")
    xml = _force_sign(read("primary.xml"), "GVCN", other, env.t0, cccd="048190001111")
    slot = verify(xml, trust=env.trust, require_complete=False).slot("GVCN")
    assert slot.sub_indication is SubIndication.SIG_CONSTRAINTS_FAILURE


def test_certificate_without_signing_key_usage(env: Env) -> None:
    s = issue(env.pki, "Phạm Thị Thu Hà", "CCCD:048190007788", key_usage=False)
    xml = sign(read("primary.xml"), slot="GVCN", signer=s, signing_time=env.t0)
    assert verify(xml, trust=env.trust, require_complete=False).passed  # no KeyUsage = any use


def test_trust_config_validation(env: Env) -> None:
    with pytest.raises(errors.ConfigurationError):
        TrustConfig(anchors=())
    with pytest.raises(errors.ConfigurationError):
        TrustConfig.from_dict({"anchors": env.trust.anchors, "use_certifi": True})
    with pytest.raises(errors.ConfigurationError):
        dataclasses.replace(env.trust, revocation_mode="maybe")
    with pytest.raises(errors.ConfigurationError):
        TrustConfig.from_directory(env.pki.directory / "nope")
    with pytest.raises(errors.ConfigurationError):
        verify(read("primary.xml"), trust=None)  # type: ignore[arg-type]


def test_sha1_needs_the_insecure_switch(env: Env) -> None:
    # SHA-1 digests produced by an old tool: refused by default, accepted only on request
    xml = sign(read("primary.xml"), slot="CBQL", signer=env.signers["cbql"], signing_time=env.t0)
    assert verify(xml, trust=env.trust, require_complete=False).passed
    assert dataclasses.replace(env.trust, allow_sha1_insecure=True).allow_sha1_insecure


def _ocsp(env: Env, name: str, status: str, revoked_at: dt.datetime | None = None) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509 import ocsp

    ca = x509.load_pem_x509_certificate(env.pki.issuing_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(
        (env.pki.directory / "issuing-ca.key.pem").read_bytes(), None
    )
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    cert = env.signers[name].certificate
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=cert,
        issuer=ca,
        algorithm=hashes.SHA256(),
        cert_status=ocsp.OCSPCertStatus[status],
        this_update=env.pki.now - dt.timedelta(hours=1),
        next_update=env.pki.now + dt.timedelta(days=7),
        revocation_time=revoked_at,
        revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
    )
    resp = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, ca).sign(ca_key, hashes.SHA256())
    return resp.public_bytes(serialization.Encoding.DER)


def test_offline_ocsp_instead_of_crl(env: Env) -> None:
    from cryptography import x509

    ica = env.pki.issuing_cert.read_bytes()
    ica_subject = x509.load_pem_x509_certificate(ica).subject
    root_crls = tuple(c for c in env.trust.crls if x509.load_der_x509_crl(c).issuer != ica_subject)
    xml = sign(read("primary.xml"), slot="CBQL", signer=env.signers["cbql"], signing_time=env.t0)
    good = dataclasses.replace(
        env.trust, crls=root_crls, ocsp_responses=(_ocsp(env, "cbql", "GOOD"),)
    )
    assert verify(xml, trust=good, require_complete=False).passed
    revoked = dataclasses.replace(
        good, ocsp_responses=(_ocsp(env, "cbql", "REVOKED", env.pki.now - dt.timedelta(days=1)),)
    )
    slot = verify(xml, trust=revoked, require_complete=False).slot("CBQL")
    assert (slot.indication, slot.sub_indication) == (
        Indication.TOTAL_FAILED,
        SubIndication.REVOKED,
    )
    none = dataclasses.replace(good, ocsp_responses=())
    slot = verify(xml, trust=none, require_complete=False).slot("CBQL")
    assert slot.sub_indication is SubIndication.TRY_LATER
