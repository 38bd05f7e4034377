"""Extending XAdES-B-T slots to B-LT: embed certificate and revocation values (internal)."""

from __future__ import annotations

import base64
from collections.abc import Iterable

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hocbaso import errors
from hocbaso.signing import _xades
from hocbaso.signing._layout import read_layout
from hocbaso.signing._policy import SlotId
from hocbaso.signing._trust import TrustConfig
from hocbaso.signing._xml import ds, parse_document, serialize, xades


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _issuer_path(
    start: x509.Certificate, pool: Iterable[x509.Certificate]
) -> list[x509.Certificate]:
    certs = list(pool)
    path = [start]
    current = start
    for _ in range(10):
        if current.issuer == current.subject:
            break
        parent = next((c for c in certs if c.subject == current.issuer and c not in path), None)
        if parent is None:
            break
        path.append(parent)
        current = parent
    return path


def add_validation_data(
    xml_bytes: bytes,
    *,
    trust: TrustConfig,
    slots: Iterable[str] | None = None,
) -> bytes:
    """Extend XAdES-B-T slots to XAdES-B-LT (certificate and revocation values embedded).

    For each selected slot (default: every slot carrying a SignatureTimeStamp) the certificates
    of the signer's and the TSA's paths and the CRLs/OCSP responses from ``trust`` that concern
    them are written into ``xades:CertificateValues`` / ``xades:RevocationValues``. These are
    unsigned properties: no signature changes. Do it once revocation data newer than the signing
    time is available (e.g. the next CRL), so the record still verifies after the certificates
    expire.

    Raises:
        SigningError: a selected slot is not XAdES-B-T.
    """
    root = parse_document(xml_bytes)
    layout = read_layout(root)
    wanted = {SlotId.parse(s) for s in slots} if slots is not None else None
    pool = list(trust.intermediates) + list(trust.anchors)
    crls = [x509.load_der_x509_crl(c) for c in trust.crls]
    done = 0
    for sid, element in layout.slots.items():
        if wanted is not None and sid not in wanted:
            continue
        sig = element.find(ds("Signature"))
        sts = (
            sig.find(
                f"{ds('Object')}/{xades('QualifyingProperties')}/{xades('UnsignedProperties')}/"
                f"{xades('UnsignedSignatureProperties')}/{xades('SignatureTimeStamp')}"
            )
            if sig is not None
            else None
        )
        if sig is None or sts is None:
            if wanted is not None:
                raise errors.SigningError(
                    f"slot {sid} is not an XAdES-B-T signature",
                    message_vi=f"Chữ ký {sid} chưa có dấu thời gian (XAdES-B-T) nên không thể "
                    "bổ sung dữ liệu kiểm tra dài hạn.",
                    code="SIG-XADES",
                )
            continue
        key_certs = [
            x509.load_der_x509_certificate(base64.b64decode("".join((e.text or "").split())))
            for e in sig.iter(ds("X509Certificate"))
        ]
        signer = key_certs[0]
        local_pool = pool + key_certs[1:]
        path = _issuer_path(signer, local_pool)
        tok = sts.find(xades("EncapsulatedTimeStamp"))
        if tok is not None and tok.text:
            ci = cms.ContentInfo.load(base64.b64decode("".join(tok.text.split())))
            tsa_certs = [
                x509.load_der_x509_certificate(c.chosen.dump())
                for c in ci["content"]["certificates"] or []
                if c.name == "certificate"
            ]
            local_pool += tsa_certs
            for c in tsa_certs:
                if not c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
                    path += _issuer_path(c, local_pool)
        ders = [_der(c) for c in path]
        subjects = {c.subject for c in path}
        crl_ders = [
            c.public_bytes(serialization.Encoding.DER) for c in crls if c.issuer in subjects
        ]
        _xades.add_validation_values(sig, ders, crl_ders, trust.ocsp_responses)
        done += 1
    if wanted is not None and done == 0:
        raise errors.SigningError(
            "no selected slot found",
            message_vi="Không tìm thấy chữ ký cần bổ sung.",
            code="SIG-SLOT",
        )
    return serialize(root)
