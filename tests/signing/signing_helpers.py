"""Helpers for the signing tests: on-the-fly certificates, slot extraction, xmlsec1 calls."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hocbaso.pki import DemoPki
from hocbaso.signing import LocalSigner

DS = "http://www.w3.org/2000/09/xmldsig#"


def issue(
    pki: DemoPki,
    cn: str,
    uid: str,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_usage: bool = True,
) -> LocalSigner:
    """A fresh P-256 end-entity certificate from the demo issuing CA (fast: EC key)."""
    ca_key = serialization.load_pem_private_key(
        (pki.directory / "issuing-ca.key.pem").read_bytes(), None
    )
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca = x509.load_pem_x509_certificate(pki.issuing_cert.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.USER_ID, uid),
                    x509.NameAttribute(NameOID.COMMON_NAME, cn),
                ]
            )
        )
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or pki.now - dt.timedelta(days=30))
        .not_valid_after(not_after or pki.now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [
                            x509.UniformResourceIdentifier(
                                "http://crl.hocbaso-demo.invalid/issuing-ca.crl"
                            )
                        ],
                        None,
                        None,
                        None,
                    )
                ]
            ),
            critical=False,
        )
    )
    if key_usage:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    cert = builder.sign(ca_key, hashes.SHA256())
    return LocalSigner(key, cert, [ca])


def slot_xpath(slot: str) -> str:
    """``--node-xpath`` for the ds:Signature of a slot (``CBQL``, ``GVBM:TOAN``)."""
    if slot.startswith("GVBM:"):
        code = slot.split(":", 1)[1]
        return f"//*[local-name()='GVBM'][@MA_MON_HOC='{code}']/*[local-name()='Signature']"
    return f"//*[local-name()='{slot}']/*[local-name()='Signature']"


ID_ATTRS = [
    "--id-attr:Id",
    "DU_LIEU_HOC_BA",
    "--id-attr:Id",
    "DIEM_TONG_KET",
    "--id-attr:Id",
    "BANG_DIEM",
    "--id-attr:Id",
    f"{DS}:Object",
    "--id-attr:Id",
    "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
]


def xmlsec1_verify(
    xmlsec1: str, pki: DemoPki, path: Path, slot: str
) -> subprocess.CompletedProcess[str]:
    """Run ``xmlsec1 --verify`` on one slot, trusting only the demo root."""
    return subprocess.run(
        [
            xmlsec1,
            "--verify",
            "--trusted-pem",
            str(pki.root_cert),
            "--untrusted-pem",
            str(pki.issuing_cert),
            *ID_ATTRS,
            "--node-xpath",
            slot_xpath(slot),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def slots_of(xml: bytes) -> list[str]:
    """The slots present in a signed record, in document order."""
    out = []
    for m in re.finditer(rb'<(GVBM MA_MON_HOC="([^"]+)"|GVCN|CBQL|KY_PHAT_HANH)>', xml):
        out.append(f"GVBM:{m.group(2).decode()}" if m.group(2) else m.group(1).decode())
    return out


@dataclass(frozen=True)
class TsaHierarchy:
    """A TSA under a CA of its own (not the demo issuing CA), with that CA's CRL."""

    ca: x509.Certificate
    cert_path: Path
    key_path: Path
    chain_pem: bytes  # the TSA CA certificate, carried in every token
    crl: bytes  # DER CRL of the TSA CA (revokes nothing)


def _cdp(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
    )


def make_tsa(pki: DemoPki, directory: Path, *, trusted: bool = True) -> TsaHierarchy:
    """A TSA CA (under the demo root, or a self-made untrusted root) and a TSA certificate.

    Both certificates name a CRL Distribution Point (an unresolvable host), so ``hard-fail``
    validation needs the CA CRLs: from the TrustConfig, or embedded in the record.
    """
    directory.mkdir(parents=True, exist_ok=True)
    now = pki.now
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(
                NameOID.COMMON_NAME, "Hocbaso Demo TSA CA" + ("" if trusted else " (rogue)")
            ),
        ]
    )
    if trusted:
        root_key = serialization.load_pem_private_key(
            (pki.directory / "root-ca.key.pem").read_bytes(), None
        )
        assert isinstance(root_key, ec.EllipticCurvePrivateKey)
        root = x509.load_pem_x509_certificate(pki.root_cert.read_bytes())
        issuer_name, issuer_key = root.subject, root_key
    else:
        issuer_name, issuer_key = ca_name, ca_key
    ca_builder = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(issuer_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=365))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
    )
    if trusted:
        ca_builder = ca_builder.add_extension(
            _cdp("http://crl.hocbaso-demo.invalid/root-ca.crl"), critical=False
        )
    ca = ca_builder.sign(issuer_key, hashes.SHA256())
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "Hocbaso Demo TSA 2"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=1095))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(_cdp("http://crl.hocbaso-demo.invalid/tsa-ca.crl"), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_name)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=30))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path = directory / "tsa2.pem"
    key_path = directory / "tsa2.key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return TsaHierarchy(
        ca=ca,
        cert_path=cert_path,
        key_path=key_path,
        chain_pem=ca.public_bytes(serialization.Encoding.PEM),
        crl=crl.public_bytes(serialization.Encoding.DER),
    )
