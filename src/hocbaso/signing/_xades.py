"""XAdES baseline (ETSI EN 319 132-1) properties: B-B, B-T, B-LT values, B-LTA (internal).

hocbaso builds the XAdES properties itself instead of using signxml's ``XAdESSigner``: the slot
profile needs a signing time given by the caller, unique Ids per slot and a two-phase
(hash-only) flow, none of which signxml's signer offers. Every Reference carries an explicit
Exclusive C14N Transform -- the work-around for signxml's exclusive-C14N XAdES defect
(signatures-notes §1.6 L1) applied by construction; ``tests/signing/test_xades.py`` fails if a
Reference ever loses it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from asn1crypto import algos, cms, core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from hocbaso import errors
from hocbaso.signing._algorithms import DigestAlgorithm
from hocbaso.signing._policy import SlotId
from hocbaso.signing._xml import (
    C14N_10,
    EXC_C14N,
    XADES_NS,
    canonicalize,
    ds,
    exc_c14n,
    xades,
)

XADES141_NS = "http://uri.etsi.org/01903/v1.4.1#"
"""Namespace of the XAdES 1.4.1 properties (TimeStampValidationData, ArchiveTimeStamp)."""

C14N_METHODS = (EXC_C14N, C14N_10)
"""Canonicalisation methods accepted in a time-stamp's ``ds:CanonicalizationMethod``."""


def xades141(tag: str) -> str:
    """Clark name of a XAdES 1.4.1 element."""
    return f"{{{XADES141_NS}}}{tag}"


@runtime_checkable
class TimestampAuthority(Protocol):
    """An RFC 3161 time-stamping authority (TSA) client.

    ``timestamp`` receives a DER ``TimeStampReq`` and returns the DER ``TimeStampResp``: one HTTP
    POST (``Content-Type: application/timestamp-query``) to the TSA's URL in production; tests
    use a local ``openssl ts -reply``.
    """

    def timestamp(self, request: bytes) -> bytes:
        """Send ``request`` (DER TimeStampReq) to the TSA; return the DER TimeStampResp."""
        ...


def b64(data: bytes) -> str:
    """Base64 without line breaks."""
    return base64.b64encode(data).decode("ascii")


def build_qualifying_properties(
    signature: etree._Element,
    sid: SlotId,
    cert: x509.Certificate,
    signing_time: str,
    digest: DigestAlgorithm,
) -> etree._Element:
    """Append ``Object/xades:QualifyingProperties`` (B-B); return the SignedProperties element."""
    obj = etree.SubElement(signature, ds("Object"))
    qp = etree.SubElement(
        obj,
        xades("QualifyingProperties"),
        nsmap={"xades": XADES_NS},
        Target=f"#{sid.signature_id}",
    )
    sp = etree.SubElement(qp, xades("SignedProperties"), Id=sid.signed_properties_id)
    ssp = etree.SubElement(sp, xades("SignedSignatureProperties"))
    etree.SubElement(ssp, xades("SigningTime")).text = signing_time
    scv2 = etree.SubElement(ssp, xades("SigningCertificateV2"))
    c = etree.SubElement(scv2, xades("Cert"))
    cd = etree.SubElement(c, xades("CertDigest"))
    etree.SubElement(cd, ds("DigestMethod"), Algorithm=digest.value)
    der = cert.public_bytes(serialization.Encoding.DER)
    etree.SubElement(cd, ds("DigestValue")).text = b64(digest.digest(der))
    sdop = etree.SubElement(sp, xades("SignedDataObjectProperties"))
    dof = etree.SubElement(
        sdop, xades("DataObjectFormat"), ObjectReference=f"#{sid.data_reference_id}"
    )
    etree.SubElement(dof, xades("MimeType")).text = "text/xml"
    return sp


def _unsigned_signature_properties(signature: etree._Element) -> etree._Element:
    qp = signature.find(f"{ds('Object')}/{xades('QualifyingProperties')}")
    if qp is None:
        raise errors.SigningError(
            "the signature has no XAdES QualifyingProperties (sign with level XAdES-B-B or above)",
            message_vi="Chữ ký chưa ở dạng XAdES nên không thể gắn dấu thời gian.",
            code="SIG-XADES",
        )
    up = qp.find(xades("UnsignedProperties"))
    if up is None:
        up = etree.SubElement(qp, xades("UnsignedProperties"))
    usp = up.find(xades("UnsignedSignatureProperties"))
    if usp is None:
        usp = etree.SubElement(up, xades("UnsignedSignatureProperties"))
    return usp


def timestamp_imprint(signature: etree._Element, digest: DigestAlgorithm) -> bytes:
    """Message imprint of a SignatureTimeStamp: hash of exc-C14N(``ds:SignatureValue``)."""
    sv = signature.find(ds("SignatureValue"))
    if sv is None:  # pragma: no cover - callers check the shape first
        raise ValueError("no SignatureValue")
    return digest.digest(exc_c14n(sv))


class _TimeStampResp(core.Sequence):  # type: ignore[misc]
    """RFC 3161 ``TimeStampResp`` with the token OPTIONAL, as the RFC has it: asn1crypto 1.5
    declares it mandatory and so cannot read a TSA's refusal (which has no token)."""

    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def request_timestamp(tsa: TimestampAuthority, imprint: bytes, digest: DigestAlgorithm) -> bytes:
    """Ask ``tsa`` for a token over ``imprint``; return the DER TimeStampToken (CMS)."""
    nonce = int.from_bytes(os.urandom(8), "big")
    req = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": digest.hash_name}),
                "hashed_message": imprint,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    try:
        raw = tsa.timestamp(req.dump())
        resp = _TimeStampResp.load(raw)
        status_info = resp["status"]
        status = status_info["status"].native
        token = resp["time_stamp_token"]
        if status not in ("granted", "granted_with_mods") or not token:
            fail = status_info["fail_info"].native if status_info["fail_info"] else None
            reasons = ", ".join(sorted(fail)) if fail else "no reason given"
            raise ValueError(f"the TSA answered {status} ({reasons})")
        tst = token["content"]["encap_content_info"]["content"].parsed
        if tst["message_imprint"]["hashed_message"].native != imprint:
            raise ValueError("the token does not cover the requested imprint")
        if tst["nonce"].native != nonce:
            raise ValueError("the token nonce does not match the request")
        return bytes(token.dump())
    except errors.HocbasoError:
        raise
    except Exception as exc:  # any TSA client failure becomes a typed error
        raise errors.SigningError(
            f"time-stamping failed: {exc}",
            message_vi="Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA). "
            "Kiểm tra kết nối hoặc thử lại sau.",
            code="SIG-TSA",
        ) from None


def add_signature_timestamp(
    signature: etree._Element, tsa: TimestampAuthority, digest: DigestAlgorithm
) -> None:
    """Add ``xades:SignatureTimeStamp`` (B-T) to an XAdES signature."""
    usp = _unsigned_signature_properties(signature)
    token = request_timestamp(tsa, timestamp_imprint(signature, digest), digest)
    sid = signature.get("Id", "sig")
    sts = etree.SubElement(usp, xades("SignatureTimeStamp"), Id=f"ts-{sid[4:]}")
    etree.SubElement(sts, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(sts, xades("EncapsulatedTimeStamp")).text = b64(token)


def _values(
    parent: etree._Element,
    certificates: Iterable[bytes],
    crls: Iterable[bytes],
    ocsps: Iterable[bytes],
) -> None:
    """Append ``xades:CertificateValues`` and ``xades:RevocationValues`` to ``parent``."""
    cv = etree.SubElement(parent, xades("CertificateValues"))
    for der in dict.fromkeys(certificates):
        etree.SubElement(cv, xades("EncapsulatedX509Certificate")).text = b64(der)
    rv = etree.SubElement(parent, xades("RevocationValues"))
    crl_list = list(dict.fromkeys(crls))
    if crl_list:
        cl = etree.SubElement(rv, xades("CRLValues"))
        for der in crl_list:
            etree.SubElement(cl, xades("EncapsulatedCRLValue")).text = b64(der)
    ocsp_list = list(dict.fromkeys(ocsps))
    if ocsp_list:
        ol = etree.SubElement(rv, xades("OCSPValues"))
        for der in ocsp_list:
            etree.SubElement(ol, xades("EncapsulatedOCSPValue")).text = b64(der)


def unsigned_signature_properties(signature: etree._Element) -> etree._Element | None:
    """The signature's ``xades:UnsignedSignatureProperties``, if it has one."""
    return signature.find(
        f"{ds('Object')}/{xades('QualifyingProperties')}/{xades('UnsignedProperties')}/"
        f"{xades('UnsignedSignatureProperties')}"
    )


def add_validation_values(
    signature: etree._Element,
    certificates: Iterable[bytes],
    crls: Iterable[bytes],
    ocsps: Iterable[bytes],
) -> None:
    """Add ``xades:CertificateValues`` and ``xades:RevocationValues`` (B-LT), replacing old ones."""
    usp = _unsigned_signature_properties(signature)
    for old in usp.findall(xades("CertificateValues")) + usp.findall(xades("RevocationValues")):
        usp.remove(old)
    _values(usp, certificates, crls, ocsps)


def add_timestamp_validation_data(
    timestamp: etree._Element,
    certificates: Iterable[bytes],
    crls: Iterable[bytes],
    ocsps: Iterable[bytes],
) -> etree._Element:
    """Insert ``xades141:TimeStampValidationData`` right after the time-stamp it serves.

    ETSI EN 319 132-1 §5.5.1 (TS 101 903 v1.4.2 §8.1.1): the container holds the certificates
    and revocation data needed to validate the time-stamp's TSA, placed immediately after the
    time-stamp property; its ``URI`` names the time-stamp's ``Id``.
    """
    ts_id = timestamp.get("Id")
    attrs = {"Id": f"vd-{ts_id}", "URI": f"#{ts_id}"} if ts_id else {}
    tsvd = etree.Element(xades141("TimeStampValidationData"), nsmap={"xades141": XADES141_NS})
    for k, v in attrs.items():
        tsvd.set(k, v)
    _values(tsvd, certificates, crls, ocsps)
    timestamp.addnext(tsvd)
    return tsvd


def reference_octets(node: etree._Element, transforms: Sequence[str], c14n: str) -> bytes:
    """The octets a same-document Reference yields (XML-DSig reference processing).

    With a canonicalisation Transform the result is that Transform's output; otherwise the node
    set is canonicalised with ``c14n`` (the rule of EN 319 132-1 for time-stamp inputs). The
    enveloped-signature Transform is a no-op here: no signed node contains its signature.
    """
    explicit = [t for t in transforms if t in C14N_METHODS]
    return canonicalize(node, explicit[-1] if explicit else c14n)


def archive_timestamp_input(
    signature: etree._Element,
    references: Sequence[bytes],
    c14n: str,
    upto: etree._Element | None = None,
) -> bytes:
    """The input of an ``xades141:ArchiveTimeStamp`` message imprint (EN 319 132-1 §5.5.2).

    The concatenation of: the octets of every ``ds:Reference`` in SignedInfo order
    (``references``, from :func:`reference_octets`); the canonical ``ds:SignedInfo``,
    ``ds:SignatureValue`` and ``ds:KeyInfo``; every unsigned signature property before ``upto``
    (the archive time-stamp being computed or checked; ``None`` = all of them), in document
    order; every ``ds:Object`` except the one holding ``xades:QualifyingProperties``. Elements
    are canonicalised with ``c14n``, the ArchiveTimeStamp's ``ds:CanonicalizationMethod``.
    """
    parts = list(references)
    for name in ("SignedInfo", "SignatureValue", "KeyInfo"):
        el = signature.find(ds(name))
        if el is not None:
            parts.append(canonicalize(el, c14n))
    usp = unsigned_signature_properties(signature)
    if usp is not None:
        for prop in usp:
            if prop is upto:
                break
            if isinstance(prop.tag, str):
                parts.append(canonicalize(prop, c14n))
    for obj in signature.findall(ds("Object")):
        if obj.find(xades("QualifyingProperties")) is None:
            parts.append(canonicalize(obj, c14n))
    return b"".join(parts)


def add_archive_timestamp(
    signature: etree._Element,
    references: Sequence[bytes],
    tsa: TimestampAuthority,
    digest: DigestAlgorithm,
    ats_id: str,
) -> etree._Element:
    """Append an ``xades141:ArchiveTimeStamp`` (B-LTA) over the signature as it stands."""
    usp = _unsigned_signature_properties(signature)
    data = archive_timestamp_input(signature, references, EXC_C14N)
    token = request_timestamp(tsa, digest.digest(data), digest)
    ats = etree.SubElement(
        usp, xades141("ArchiveTimeStamp"), nsmap={"xades141": XADES141_NS}, Id=ats_id
    )
    etree.SubElement(ats, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(ats, xades("EncapsulatedTimeStamp")).text = b64(token)
    return ats


def token_certificates(token_der: bytes) -> list[bytes]:
    """DER certificates carried inside a TimeStampToken (the TSA's, usually with its chain)."""
    ci = cms.ContentInfo.load(token_der)
    return [c.chosen.dump() for c in ci["content"]["certificates"] or [] if c.name == "certificate"]


def timestamp_digest(token_der: bytes) -> DigestAlgorithm:
    """The hash of a TimeStampToken's message imprint.

    Raises:
        ValueError: not a token, or a hash below SHA-256.
    """
    ci = cms.ContentInfo.load(token_der)
    if ci["content_type"].native != "signed_data":
        raise ValueError("the time-stamp is not CMS SignedData")
    tst = ci["content"]["encap_content_info"]["content"].parsed
    name = tst["message_imprint"]["hash_algorithm"]["algorithm"].native
    try:
        return DigestAlgorithm[str(name).upper()]
    except KeyError:
        raise ValueError(f"the time-stamp's imprint uses weak or unknown hash {name}") from None


class TimestampImprintError(ValueError):
    """The time-stamp token is sound but covers other data than the data it is checked against."""


@dataclass(frozen=True, slots=True)
class TimestampInfo:
    """A verified RFC 3161 token: its time, TSA certificate and chain candidates."""

    gen_time: dt.datetime
    tsa_certificate: bytes
    certificates: tuple[bytes, ...]


def verify_timestamp_token(token_der: bytes, imprint: bytes) -> TimestampInfo:
    """Check a TimeStampToken's structure, imprint and CMS signature (not its TSA's trust).

    Raises:
        TimestampImprintError: the token is not over ``imprint``.
        ValueError: with an English reason, when anything else does not hold.
    """
    ci = cms.ContentInfo.load(token_der)
    if ci["content_type"].native != "signed_data":
        raise ValueError("the timestamp is not CMS SignedData")
    sd = ci["content"]
    eci = sd["encap_content_info"]
    if eci["content_type"].native != "tst_info":
        raise ValueError("the timestamp does not hold a TSTInfo")
    content = eci["content"]
    tst = content.parsed
    if tst["message_imprint"]["hashed_message"].native != imprint:
        raise TimestampImprintError("the timestamp does not cover the time-stamped data")
    certs = [c.chosen for c in sd["certificates"] or [] if c.name == "certificate"]
    if len(sd["signer_infos"]) != 1:
        raise ValueError("the timestamp must have exactly one signer")
    si = sd["signer_infos"][0]
    sid = si["sid"]
    tsa_cert = None
    for c in certs:
        if sid.name == "issuer_and_serial_number":
            if (
                c.issuer == sid.chosen["issuer"]
                and c.serial_number == sid.chosen["serial_number"].native
            ):
                tsa_cert = c
        elif c.key_identifier == sid.chosen.native:
            tsa_cert = c
    if tsa_cert is None:
        raise ValueError("the TSA certificate is not inside the timestamp")
    md_name = si["digest_algorithm"]["algorithm"].native
    if md_name not in ("sha256", "sha384", "sha512"):
        raise ValueError(f"the timestamp uses weak digest {md_name}")
    signed_attrs = si["signed_attrs"]
    message_digest = None
    for attr in signed_attrs:
        if attr["type"].native == "message_digest":
            message_digest = attr["values"][0].native
    if message_digest != hashlib.new(md_name, content.contents).digest():
        raise ValueError("the timestamp's message digest does not match its content")
    _check_cms_signature(
        tsa_cert.dump(),
        si["signature"].native,
        signed_attrs.untag().dump(),
        si["signature_algorithm"].signature_algo,
        md_name,
    )
    gen_time = tst["gen_time"].native
    return TimestampInfo(
        gen_time=gen_time,
        tsa_certificate=tsa_cert.dump(),
        certificates=tuple(c.dump() for c in certs),
    )


def _check_cms_signature(
    cert_der: bytes, signature: bytes, data: bytes, algo: str, md_name: str
) -> None:
    """Verify a CMS SignerInfo signature (RSA PKCS#1 v1.5 / PSS or ECDSA); ValueError if bad."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    h = DigestAlgorithm[md_name.upper()].hash_algorithm()
    key = x509.load_der_x509_certificate(cert_der).public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and algo == "rsassa_pkcs1v15":
            key.verify(signature, data, padding.PKCS1v15(), h)
        elif isinstance(key, rsa.RSAPublicKey) and algo == "rsassa_pss":
            key.verify(signature, data, padding.PSS(padding.MGF1(h), padding.PSS.AUTO), h)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algo == "ecdsa":
            key.verify(signature, data, ec.ECDSA(h))
        else:
            raise ValueError(f"unsupported timestamp signature algorithm {algo}")
    except InvalidSignature:
        raise ValueError("the timestamp signature is invalid") from None


class HttpTimestampAuthority:
    """An RFC 3161 TSA reached over HTTP(S) POST (``application/timestamp-query``).

    The only network client in :mod:`hocbaso.signing`; it is used only when given to
    :func:`~hocbaso.signing.sign` as ``tsa=``.
    """

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        """Remember the TSA ``url`` (http or https) and the request ``timeout`` in seconds."""
        if not url.startswith(("http://", "https://")):
            raise errors.ConfigurationError(
                f"TSA URL must be http(s): {url!r}", message_vi="Địa chỉ TSA phải là http(s)."
            )
        self.url = url
        self.timeout = timeout

    def timestamp(self, request: bytes) -> bytes:
        """POST ``request`` and return the TSA's DER response."""
        import urllib.request

        req = urllib.request.Request(
            self.url,
            data=request,
            headers={"Content-Type": "application/timestamp-query"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            return bytes(resp.read())
