"""The per-process caches of the signing path never change what is signed or verified."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from hocbaso.signing import SignatureLevel, SignaturePolicy, _identity, _sign, prepare, sign, verify
from hocbaso.signing._xml import DS_NS
from tests.signing.signing_env import Env, read

_DS = {"ds": DS_NS}


def _prepare(env: Env, xml: bytes, when: dt.datetime, level: SignatureLevel) -> tuple[bytes, bytes]:
    signer = env.signers["gvcn"]
    p = prepare(
        xml,
        slot="GVCN",
        cert=signer.certificate,
        chain=signer.chain,
        signing_time=when,
        policy=SignaturePolicy(level=level),
    )
    return p.document, p.signed_info


def test_cached_skeleton_gives_the_same_bytes_as_a_fresh_one(env: Env) -> None:
    xml = read("primary.xml")
    for level in (SignatureLevel.XMLDSIG, SignatureLevel.XADES_B_B):
        _sign._SKELETONS.clear()
        fresh = _prepare(env, xml, env.at(0), level)
        _prepare(env, xml, env.at(7), level)  # warm the cache with other values
        assert _prepare(env, xml, env.at(0), level) == fresh


def test_cached_skeleton_is_never_filled(env: Env) -> None:
    xml = read("primary.xml")
    first = sign(xml, slot="GVCN", signer=env.signers["gvcn"], signing_time=env.at(0))
    second = sign(xml, slot="GVCN", signer=env.signers["gvcn"], signing_time=env.at(5))
    assert first != second
    for out, when in ((first, env.at(0)), (second, env.at(5))):
        report = verify(out, trust=env.trust, require_complete=False)
        assert report.passed, report
        assert report.slots[0].signing_time == when
    assert _sign._SKELETONS
    for skeleton in _sign._SKELETONS.values():
        assert skeleton.getparent() is None
        for name in ("NGAY_KY", "SO_CCCD"):
            assert all(e.text is None for e in skeleton.iter(name))
        assert skeleton.xpath("//ds:SignatureValue/text()", namespaces=_DS) == []
        assert skeleton.xpath("//ds:DigestValue/text()", namespaces=_DS) == []
        timed = [e for e in skeleton.iter() if etree.QName(e).localname == "SigningTime"]
        assert len(timed) == 1 and timed[0].text is None


def test_certificate_caches(env: Env) -> None:
    cert = env.signers["cbql"].certificate
    der = cert.public_bytes(serialization.Encoding.DER)
    assert _identity.der_of(cert) == der
    assert _identity.der_of(cert) is _identity.der_of(cert)
    loaded = _identity.load_certificate(der)
    assert loaded == cert
    assert _identity.load_certificate(bytes(der)) is loaded
    other = x509.load_der_x509_certificate(der)  # a distinct object with the same DER
    assert _identity.der_of(other) == der
