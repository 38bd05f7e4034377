"""The demo PKI: clearly test-only, shaped like the Vietnamese hierarchy, deterministic in time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hocbaso.pki import make_demo_pki
from tests.signing.signing_env import Env


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_marked_not_for_production(env: Env) -> None:
    text = (env.pki.directory / "README.txt").read_text("utf-8")
    assert text.startswith("TEST PKI — NOT FOR PRODUCTION")
    assert "TEST ONLY" in _cert(env.pki.root_cert).subject.rfc4514_string()


def test_identities(env: Env) -> None:
    org = _cert(env.pki["org"].cert_path)
    assert org.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == "MST:0401234567"
    assert (
        org.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Trường THCS Nguyễn Du"
    )
    for name in ("gvbm-toan", "gvbm-van", "gvcn", "cbql", "revoked", "expired", "future"):
        e = env.pki[name]
        uid = _cert(e.cert_path).subject.get_attributes_for_oid(NameOID.USER_ID)[0].value
        assert uid == f"CCCD:{e.cccd}"
        assert e.cccd is not None and len(e.cccd) == 12 and e.cccd.isdigit()
    tsa = _cert(env.pki["tsa"].cert_path)
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    rogue = _cert(env.pki["rogue-cbql"].cert_path)
    assert rogue.subject == _cert(env.pki["cbql"].cert_path).subject
    assert rogue.issuer != _cert(env.pki["cbql"].cert_path).issuer


def test_crl_revokes_the_revoked_certificate(env: Env) -> None:
    crl = x509.load_pem_x509_crl(env.pki.issuing_crl.read_bytes())
    revoked = _cert(env.pki["revoked"].cert_path)
    entry = crl.get_revoked_certificate_by_serial_number(revoked.serial_number)
    assert entry is not None
    assert entry.revocation_date_utc == env.pki.now - dt.timedelta(days=10)
    assert (
        crl.get_revoked_certificate_by_serial_number(_cert(env.pki["cbql"].cert_path).serial_number)
        is None
    )


def test_validity_follows_now(tmp_path: Path) -> None:
    now = dt.datetime(2031, 9, 5, 7, 30, tzinfo=dt.UTC)
    pki = make_demo_pki(tmp_path, now=now)
    expired = _cert(pki["expired"].cert_path)
    assert expired.not_valid_after_utc == now - dt.timedelta(days=35)
    future = _cert(pki["future"].cert_path)
    assert future.not_valid_before_utc == now + dt.timedelta(days=30)
    assert _cert(pki["gvcn"].cert_path).not_valid_before_utc == now - dt.timedelta(days=30)
    assert sorted(p.name for p in (pki.trust_dir).iterdir()) == [
        "README.txt",
        "anchors",
        "crls",
        "intermediates",
        "organisations",
    ]
