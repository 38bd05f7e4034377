"""Extending XAdES slots: B-T → B-LT (validation data) and B-LT → B-LTA (archive time-stamps).

Internal; the public entry points :func:`add_validation_data` and :func:`add_archive_timestamp`
are re-exported by :mod:`hocbaso.signing`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from lxml import etree

from hocbaso import errors
from hocbaso.signing import _xades
from hocbaso.signing._algorithms import DigestAlgorithm
from hocbaso.signing._layout import Layout, read_layout
from hocbaso.signing._policy import SlotId
from hocbaso.signing._trust import TrustConfig
from hocbaso.signing._xml import EXC_C14N, ds, parse_document, serialize, xades


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


def _ocsp_concerns(response_der: bytes, path: list[x509.Certificate]) -> bool:
    """True when an OCSP response answers for a certificate of ``path`` (serial + issuer)."""
    try:
        resp = ocsp.load_der_ocsp_response(response_der)
        if resp.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            return False
        singles = list(resp.responses)
    except ValueError:
        return False
    for single in singles:
        for cert in path:
            if cert.serial_number != single.serial_number:
                continue
            h = hashes.Hash(single.hash_algorithm)
            h.update(cert.issuer.public_bytes())
            if h.finalize() == single.issuer_name_hash:
                return True
    return False


class _Material:
    """Certificates and revocation data a TrustConfig offers for embedding."""

    def __init__(self, trust: TrustConfig) -> None:
        self.pool = list(trust.intermediates) + list(trust.anchors)
        self.crls = [x509.load_der_x509_crl(c) for c in trust.crls]
        self.ocsps = list(trust.ocsp_responses)

    def for_path(
        self, start: x509.Certificate, extra: Iterable[x509.Certificate] = ()
    ) -> tuple[list[bytes], list[bytes], list[bytes]]:
        """DER certificates of ``start``'s path and the CRLs / OCSP responses about them."""
        path = _issuer_path(start, [*self.pool, *extra])
        subjects = {c.subject for c in path}
        crls = [
            c.public_bytes(serialization.Encoding.DER) for c in self.crls if c.issuer in subjects
        ]
        ocsps = [o for o in self.ocsps if _ocsp_concerns(o, path)]
        return [_der(c) for c in path], crls, ocsps

    def for_token(self, token_der: bytes) -> tuple[list[bytes], list[bytes], list[bytes]]:
        """Validation data of the TSA that signed ``token_der`` (its certificate path)."""
        carried = [x509.load_der_x509_certificate(d) for d in _xades.token_certificates(token_der)]
        tsa = next(
            (c for c in carried if not _is_ca(c)),
            carried[0] if carried else None,
        )
        if tsa is None:
            return [], [], []
        return self.for_path(tsa, carried)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _token(timestamp: etree._Element) -> bytes | None:
    tok = timestamp.find(xades("EncapsulatedTimeStamp"))
    if tok is None or not tok.text:
        return None
    return base64.b64decode("".join(tok.text.split()))


def _has_validation_data(timestamp: etree._Element) -> bool:
    """True when the property right after ``timestamp`` is its TimeStampValidationData."""
    nxt = timestamp.getnext()
    return (
        nxt is not None
        and nxt.tag == _xades.xades141("TimeStampValidationData")
        and nxt.get("URI") == f"#{timestamp.get('Id')}"
    )


def _selected(
    layout: Layout, slots: Iterable[str] | None
) -> Iterator[tuple[SlotId, etree._Element | None, bool]]:
    """(slot, its ds:Signature, explicitly asked for) for every slot to consider."""
    wanted = [SlotId.parse(s) for s in slots] if slots is not None else None
    if wanted is not None:
        for sid in wanted:
            element = layout.slots.get(sid)
            if element is None:
                raise errors.SigningError(
                    f"slot {sid} is not signed in this record",
                    message_vi=f"Học bạ chưa có chữ ký ở vị trí {sid}.",
                    code="SIG-SLOT",
                )
            yield sid, element.find(ds("Signature")), True
        return
    for sid, element in layout.slots.items():
        yield sid, element.find(ds("Signature")), False


def add_validation_data(
    xml_bytes: bytes,
    *,
    trust: TrustConfig,
    slots: Iterable[str] | None = None,
) -> bytes:
    """Extend XAdES-B-T slots to XAdES-B-LT (certificate and revocation values embedded).

    For each selected slot (default: every slot carrying a SignatureTimeStamp and no archive
    time-stamp yet):

    * ``xades:CertificateValues`` / ``xades:RevocationValues`` receive the certificates of the
      signer's path and the CRLs / OCSP responses from ``trust`` that concern them;
    * each SignatureTimeStamp is followed by an ``xades141:TimeStampValidationData`` (ETSI EN
      319 132-1 §5.5.1, ``URI`` = ``#<time-stamp Id>``) holding the TSA's certificate path and
      the CRLs / OCSP responses about it, so the time-stamp validates offline too.

    These are unsigned properties: no signature changes. Do it once revocation data newer than
    the signing time is available (e.g. the next CRL), so the record still verifies after the
    certificates expire. Running it again replaces the values written before -- until an
    archive time-stamp (:func:`add_archive_timestamp`) covers them; from then on they are
    frozen and the slot is skipped.

    Raises:
        SigningError: a slot named in ``slots`` is not XAdES-B-T (``SIG-XADES``), already
            carries an archive time-stamp (``SIG-XADES-FROZEN``) or is not signed
            (``SIG-SLOT``).
    """
    root = parse_document(xml_bytes)
    layout = read_layout(root)
    material = _Material(trust)
    done = 0
    for sid, sig, explicit in _selected(layout, slots):
        usp = _xades.unsigned_signature_properties(sig) if sig is not None else None
        stamps = usp.findall(xades("SignatureTimeStamp")) if usp is not None else []
        if sig is None or usp is None or not stamps:
            if explicit:
                raise errors.SigningError(
                    f"slot {sid} is not an XAdES-B-T signature",
                    message_vi=f"Chữ ký {sid} chưa có dấu thời gian (XAdES-B-T) nên không thể "
                    "bổ sung dữ liệu kiểm tra dài hạn.",
                    code="SIG-XADES",
                )
            continue
        if usp.find(_xades.xades141("ArchiveTimeStamp")) is not None:
            if explicit:
                raise errors.SigningError(
                    f"slot {sid} already carries an archive time-stamp: its validation data "
                    "is covered by it and can no longer change (add_archive_timestamp adds "
                    "what later time-stamps need)",
                    message_vi=f"Chữ ký {sid} đã có dấu thời gian lưu trữ (XAdES-B-LTA); dữ "
                    "liệu kiểm tra đã được niêm phong, không thể thay đổi.",
                    code="SIG-XADES-FROZEN",
                )
            continue
        key_certs = [
            x509.load_der_x509_certificate(base64.b64decode("".join((e.text or "").split())))
            for e in sig.iter(ds("X509Certificate"))
        ]
        certs, crls, ocsps = material.for_path(key_certs[0], key_certs[1:])
        for old in usp.findall(_xades.xades141("TimeStampValidationData")):
            usp.remove(old)
        for sts in stamps:
            token = _token(sts)
            if token is not None:
                _xades.add_timestamp_validation_data(sts, *material.for_token(token))
        _xades.add_validation_values(sig, certs, crls, ocsps)
        done += 1
    if slots is not None and done == 0:
        raise errors.SigningError(
            "no selected slot found",
            message_vi="Không tìm thấy chữ ký cần bổ sung.",
            code="SIG-SLOT",
        )
    return serialize(root)


def add_archive_timestamp(
    xml_bytes: bytes,
    *,
    tsa: _xades.TimestampAuthority,
    trust: TrustConfig | None = None,
    slots: Iterable[str] | None = None,
    digest: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> bytes:
    """Extend XAdES-B-LT slots to XAdES-B-LTA: add an archive time-stamp to each.

    An ``xades141:ArchiveTimeStamp`` (ETSI EN 319 132-1 §5.5.2) is an RFC 3161 time-stamp over
    the signed data, SignedInfo, SignatureValue, KeyInfo, every unsigned property before it
    (SignatureTimeStamp, validation data, earlier archive time-stamps) and the SigningTime
    ``ds:Object``, canonicalised with exclusive C14N (named in its
    ``ds:CanonicalizationMethod``). It proves that all of that existed at its time, so the
    record keeps verifying after the signer's certificate, the first TSA's certificate or an
    algorithm stops being trustworthy. Repeat it before the last archive time-stamp's TSA
    certificate expires: each new one covers the earlier ones.

    With ``trust``, the validation data of the new time-stamp's TSA (its certificate path and the
    CRLs / OCSP responses of ``trust`` about it) follows it in an
    ``xades141:TimeStampValidationData``; an earlier archive time-stamp still without such
    data gets it first, so that the new time-stamp covers it.

    Args:
        xml_bytes: the signed record.
        tsa: the time-stamping authority.
        trust: where the TSAs' validation data comes from (optional, recommended).
        slots: the slots to time-stamp (default: every XAdES-B-LT slot).
        digest: hash of the time-stamp's message imprint.

    Returns:
        The record with the archive time-stamps added (no signature changes).

    Raises:
        SigningError: a slot named in ``slots`` is not XAdES-B-LT (``SIG-XADES``: run
            :func:`add_validation_data` first) or is not signed (``SIG-SLOT``); the TSA
            failed (``SIG-TSA``).
    """
    root = parse_document(xml_bytes)
    layout = read_layout(root)
    material = _Material(trust) if trust is not None else None
    done = 0
    for sid, sig, explicit in _selected(layout, slots):
        usp = _xades.unsigned_signature_properties(sig) if sig is not None else None
        if (
            sig is None
            or usp is None
            or usp.find(xades("SignatureTimeStamp")) is None
            or usp.find(xades("CertificateValues")) is None
            or usp.find(xades("RevocationValues")) is None
        ):
            if explicit:
                raise errors.SigningError(
                    f"slot {sid} is not an XAdES-B-LT signature (add_validation_data first)",
                    message_vi=f"Chữ ký {sid} chưa ở mức XAdES-B-LT (cần bổ sung dữ liệu kiểm "
                    "tra dài hạn trước khi gắn dấu thời gian lưu trữ).",
                    code="SIG-XADES",
                )
            continue
        archives = usp.findall(_xades.xades141("ArchiveTimeStamp"))
        if material is not None and archives and not _has_validation_data(archives[-1]):
            token = _token(archives[-1])
            if token is not None:
                _xades.add_timestamp_validation_data(archives[-1], *material.for_token(token))
        references = _reference_octets(layout, sig, sid)
        suffix = sid.signature_id.removeprefix("sig-")
        ats = _xades.add_archive_timestamp(
            sig, references, tsa, digest, f"ats-{suffix}-{len(archives) + 1}"
        )
        if material is not None:
            token = _token(ats)
            assert token is not None
            _xades.add_timestamp_validation_data(ats, *material.for_token(token))
        done += 1
    if slots is not None and done == 0:  # pragma: no cover - explicit slots raise above
        raise errors.SigningError(
            "no selected slot found",
            message_vi="Không tìm thấy chữ ký cần gắn dấu thời gian lưu trữ.",
            code="SIG-SLOT",
        )
    return serialize(root)


def _reference_octets(layout: Layout, sig: etree._Element, sid: SlotId) -> list[bytes]:
    """The octets of every Reference of ``sig``'s SignedInfo, in order."""
    out = []
    for ref in sig.iterfind(f"{ds('SignedInfo')}/{ds('Reference')}"):
        uri = ref.get("URI") or ""
        node = layout.unique_id(uri[1:]) if uri.startswith("#") else None
        if node is None:
            raise errors.SigningError(
                f"slot {sid}: reference {uri!r} does not resolve to exactly one element",
                message_vi=f"Chữ ký {sid} tham chiếu tới dữ liệu không tìm thấy (hoặc trùng Id); "
                "kiểm tra lại học bạ trước khi gắn dấu thời gian lưu trữ.",
                code="SIG-SIGNED-DATA",
            )
        transforms = [
            t.get("Algorithm") or "" for t in ref.iterfind(f"{ds('Transforms')}/{ds('Transform')}")
        ]
        out.append(_xades.reference_octets(node, transforms, EXC_C14N))
    return out
