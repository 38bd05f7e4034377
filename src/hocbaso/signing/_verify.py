"""Verifying every slot of a record (internal; the public entry points are re-exported)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from lxml import etree

from hocbaso import errors
from hocbaso.signing import _xades
from hocbaso.signing._algorithms import (
    SHA1_DIGEST_URI,
    SHA1_SIGNATURE_URIS,
    DigestAlgorithm,
    SignatureAlgorithm,
    check_public_key,
    hash_function,
)
from hocbaso.signing._identity import (
    CertificateIdentity,
    der_of,
    identity_of,
    load_certificate,
    parse_signing_time,
    usable_for_signing,
)
from hocbaso.signing._layout import Layout, find_first, read_layout
from hocbaso.signing._policy import CertificateKind, Profile, SlotId, SlotKind, SlotRule, Target
from hocbaso.signing._report import (
    Finding,
    Indication,
    SlotResult,
    SubIndication,
    VerificationReport,
)
from hocbaso.signing._trust import ChainOutcome, TrustConfig, validate_path
from hocbaso.signing._xml import (
    C14N_10,
    ENVELOPED,
    EXC_C14N,
    XADES_SIGNED_PROPERTIES_TYPE,
    canonicalize,
    ds,
    parse_document,
    xades,
    xpath_of,
)

_ALLOWED_TRANSFORMS = (
    (),
    (EXC_C14N,),
    (C14N_10,),
    (ENVELOPED,),
    (ENVELOPED, EXC_C14N),
    (ENVELOPED, C14N_10),
)
_SHA1_HASH = "sha1"
_P = Indication.TOTAL_PASSED
_F = Indication.TOTAL_FAILED
_I = Indication.INDETERMINATE
_S = SubIndication


class _StopError(Exception):
    """A definitive problem: stop checking this slot."""


@dataclass
class _Slot:
    """Mutable state while one slot is checked."""

    sid: SlotId
    rule: SlotRule
    element: etree._Element
    outcomes: list[tuple[Indication, SubIndication | None, Finding]] = field(default_factory=list)
    info: dict[str, object] = field(default_factory=dict)
    clean: bool = False  # the document has no comment or PI: every child is an element

    def kids(self, el: etree._Element) -> list[etree._Element]:
        """The element children of ``el`` (a slice of the children, in C, when the document
        holds no comments or PIs: ``read_layout`` found none)."""
        return el[:] if self.clean else _children(el)

    def add(
        self,
        indication: Indication,
        sub: SubIndication | None,
        code: str,
        en: str,
        vi: str,
        where: etree._Element | None = None,
        *,
        stop: bool = False,
    ) -> None:
        loc = xpath_of(where if where is not None else self.element)
        self.outcomes.append((indication, sub, Finding(code, loc, vi, en)))
        if stop:
            raise _StopError

    def fail_format(self, code: str, en: str, vi: str, where: etree._Element | None = None) -> None:
        self.add(_F, _S.FORMAT_FAILURE, code, en, vi, where, stop=True)


_SIGNATURE_URIS = frozenset(a.value for a in SignatureAlgorithm)


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _only_whitespace(el: etree._Element) -> bool:
    if el.text and el.text.strip():
        return False
    return all(not (c.tail and c.tail.strip()) for c in el)


def _b64(text: str | None) -> bytes:
    return base64.b64decode("".join((text or "").split()), validate=True)


_DIGEST_NAMES = {d.value: d.hash_name for d in DigestAlgorithm}


@functools.lru_cache(maxsize=256)
def _certificate_der(text: str | None) -> bytes:
    """:func:`_b64` of an ``X509Certificate``, remembered: the same few signer and CA
    certificates come with every record of a batch, and handing back the same ``bytes``
    object lets every later cache keyed by the DER reuse its hash."""
    return _b64(text)


def _digest_algorithm(uri: str | None, trust: TrustConfig) -> str | None:
    name = _DIGEST_NAMES.get(uri or "")
    if name is not None:
        return name
    if uri == SHA1_DIGEST_URI and trust.allow_sha1_insecure:
        return _SHA1_HASH
    return None


def _check_signature_value(
    public_key: object, uri: str, value: bytes, data: bytes, trust: TrustConfig
) -> bool | None:
    """True/False for valid/invalid; None when the algorithm is not acceptable."""
    h: hashes.HashAlgorithm
    try:
        alg = SignatureAlgorithm(uri)
    except ValueError:
        if not (trust.allow_sha1_insecure and uri in SHA1_SIGNATURE_URIS):
            return None
        h = hashes.SHA1()
        key_type = "ec" if "ecdsa" in uri else "rsa"
        pad: padding.AsymmetricPadding = padding.PKCS1v15()
    else:
        h = alg.digest_algorithm.hash_algorithm()
        key_type = alg.key_type
        pad = alg.rsa_padding() if key_type == "rsa" else padding.PKCS1v15()
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and key_type == "rsa":
            public_key.verify(value, data, pad, h)
            return True
        if isinstance(public_key, ec.EllipticCurvePublicKey) and key_type == "ec":
            size = (public_key.curve.key_size + 7) // 8
            if len(value) != 2 * size:
                return False
            sig = utils.encode_dss_signature(
                int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big")
            )
            public_key.verify(sig, data, ec.ECDSA(h))
            return True
    except InvalidSignature:
        return False
    return False


_VI_FORMAT = "Cấu trúc chữ ký không đúng quy định (có thể đã bị sửa hoặc giả mạo)."


def _check_slot_shape(st: _Slot) -> tuple[etree._Element, str | None, str | None]:
    """Slot element content; returns (Signature, NGAY_KY text, SO_CCCD text)."""
    el = st.element
    allowed_attrs = {"MA_MON_HOC"} if st.sid.kind is SlotKind.GVBM else set()
    if set(el.attrib) - allowed_attrs or not _only_whitespace(el):
        st.fail_format("SIG-SLOT-SHAPE", "unexpected attribute or text in the slot", _VI_FORMAT)
    kids = st.kids(el)
    personal = st.rule.certificate is CertificateKind.PERSONAL
    expected = ["NGAY_KY", "SO_CCCD", ds("Signature")] if personal else ["NGAY_KY", ds("Signature")]
    tags = [k.tag for k in kids]
    if tags != expected:
        sigs = tags.count(ds("Signature"))
        if sigs == 0:
            st.add(
                _F,
                _S.FORMAT_FAILURE,
                "SIG-MISSING",
                f"slot {st.sid} has no ds:Signature",
                f"Vị trí {st.sid} không có chữ ký số (đã bị xóa?).",
                stop=True,
            )
        st.fail_format(
            "SIG-SLOT-SHAPE",
            f"slot {st.sid} must contain exactly {', '.join(t.split('}')[-1] for t in expected)}"
            f" (found {', '.join(str(t).split('}')[-1] for t in tags)})",
            f"Vị trí {st.sid} phải gồm đúng NGAY_KY"
            + (", SO_CCCD" if personal else "")
            + " và một chữ ký số.",
        )
    if len(kids[0]) or (personal and len(kids[1])):
        st.fail_format(
            "SIG-SLOT-SHAPE",
            "NGAY_KY and SO_CCCD hold a value only, no child nodes",
            f"NGAY_KY và SO_CCCD của vị trí {st.sid} chỉ được chứa giá trị.",
        )
    ngay_ky = (kids[0].text or "").strip() or None
    so_cccd = (kids[1].text or "").strip() if personal else None
    return kids[-1], ngay_ky, so_cccd


def _resolve_target(layout: Layout, st: _Slot) -> tuple[str, etree._Element | None]:
    if st.rule.target is Target.SUBJECT:
        uri = f"#mon-{st.sid.subject}"
        wanted = layout.subjects.get(st.sid.subject or "")
    else:
        uri = "#data"
        wanted = layout.data
    return uri, (wanted if layout.has_unique_id(wanted, uri[1:]) else None)


def _verify_slot(
    layout: Layout,
    st: _Slot,
    trust: TrustConfig,
    validation_time: dt.datetime,
) -> None:
    sig, ngay_ky, so_cccd = _check_slot_shape(st)
    st.info["slot_cccd"] = so_cccd
    sid = st.sid
    if sig.get("Id") != sid.signature_id:
        st.fail_format(
            "SIG-WRONG-SLOT",
            f"the signature in slot {sid} has Id {sig.get('Id')!r}, expected {sid.signature_id!r}"
            " (moved from another slot?)",
            f"Chữ ký ở vị trí {sid} không thuộc vị trí này (bị chuyển từ vị trí khác?).",
            sig,
        )
    if set(sig.attrib) - {"Id"} or not _only_whitespace(sig):
        st.fail_format("SIG-SHAPE", "unexpected attribute or text on ds:Signature", _VI_FORMAT, sig)
    kids = st.kids(sig)
    tags = [k.tag for k in kids]
    if (
        len(kids) < 4
        or tags[:3] != [ds("SignedInfo"), ds("SignatureValue"), ds("KeyInfo")]
        or any(t != ds("Object") for t in tags[3:])
        or len(kids) > 5
    ):
        st.fail_format(
            "SIG-SHAPE",
            "ds:Signature must hold SignedInfo, SignatureValue, KeyInfo and one or two Objects",
            _VI_FORMAT,
            sig,
        )
    signed_info, sig_value_el, key_info = kids[0], kids[1], kids[2]
    objects = kids[3:]

    # --- SignedInfo shape and algorithms
    si_kids = st.kids(signed_info)
    if (
        len(si_kids) < 3
        or si_kids[0].tag != ds("CanonicalizationMethod")
        or si_kids[1].tag != ds("SignatureMethod")
        or any(k.tag != ds("Reference") for k in si_kids[2:])
        or set(signed_info.attrib) - {"Id"}
    ):
        st.fail_format("SIG-SHAPE", "malformed SignedInfo", _VI_FORMAT, signed_info)
    c14n_uri = si_kids[0].get("Algorithm")
    sig_method = si_kids[1].get("Algorithm") or ""
    st.info["signature_algorithm"] = sig_method
    if c14n_uri not in (EXC_C14N, C14N_10) or st.kids(si_kids[0]):
        st.fail_format(
            "SIG-C14N",
            f"canonicalisation {c14n_uri!r} is not accepted (exclusive C14N or C14N 1.0)",
            "Thuật toán chuẩn hóa (C14N) của chữ ký không được chấp nhận.",
            si_kids[0],
        )
    if st.kids(si_kids[1]):
        st.fail_format("SIG-SHAPE", "SignatureMethod must be empty", _VI_FORMAT, si_kids[1])
    if sig_method in SHA1_SIGNATURE_URIS and trust.allow_sha1_insecure:
        st.info["sha1"] = True
    elif sig_method not in _SIGNATURE_URIS:
        st.add(
            _F,
            _S.CRYPTO_CONSTRAINTS_FAILURE,
            "SIG-WEAK-ALG",
            f"signature method {sig_method!r} is weak or not accepted (SHA-256+ with RSA/ECDSA)",
            "Chữ ký dùng thuật toán yếu hoặc không được phép (SHA-1/MD5...). Học bạ số phải ký "
            "bằng SHA-256 trở lên.",
            si_kids[1],
            stop=True,
        )

    # --- the objects: SigningTime object, optional XAdES QualifyingProperties
    time_obj: etree._Element | None = None
    qp: etree._Element | None = None
    for obj in objects:
        if obj.get("Id") == sid.time_object_id:
            time_obj = obj
        elif [c.tag for c in st.kids(obj)] == [xades("QualifyingProperties")] and qp is None:
            qp = st.kids(obj)[0]
        else:
            st.fail_format("SIG-SHAPE", "unexpected ds:Object in the signature", _VI_FORMAT, obj)
    if time_obj is None:
        st.fail_format(
            "SIG-SIGNING-TIME",
            f"no Object Id={sid.time_object_id!r} with the SigningTime",
            "Chữ ký thiếu thời điểm ký (SigningTime) đúng quy định.",
            sig,
        )
    assert time_obj is not None
    signing_time = _read_signing_time(st, time_obj, sid)
    st.info["signing_time"] = signing_time
    if ngay_ky is None or parse_signing_time(ngay_ky) != signing_time:
        st.fail_format(
            "SIG-NGAY-KY",
            f"NGAY_KY {ngay_ky!r} differs from the signed SigningTime",
            "NGAY_KY ghi trong học bạ khác với thời điểm ký đã được ký số.",
        )
    signed_props: etree._Element | None = None
    if qp is not None:
        signed_props = _check_qualifying_properties(st, qp, sid)

    # --- references: exactly the expected ones
    target_uri, target = _resolve_target(layout, st)
    expected = {target_uri: "data", f"#{sid.time_object_id}": "time"}
    if signed_props is not None:
        expected[f"#{sid.signed_properties_id}"] = "xades"
    refs = si_kids[2:]
    uris = [r.get("URI") for r in refs]
    if sorted(u or "" for u in uris) != sorted(expected):
        st.fail_format(
            "SIG-REFERENCES",
            f"references {uris} are not the expected {sorted(expected)} "
            "(external, XPointer or foreign references are refused)",
            "Chữ ký tham chiếu sai vùng dữ liệu (tham chiếu ngoài hoặc bị thay đổi).",
            signed_info,
        )
    covers: list[str] = []
    data_bytes: bytes | None = None
    resolved: list[tuple[etree._Element, etree._Element]] = []
    for ref in refs:
        uri = ref.get("URI") or ""
        role = expected[uri]
        if role == "data":
            node = target
        elif role == "time":
            node = time_obj if layout.has_unique_id(time_obj, sid.time_object_id) else None
        else:
            node = (
                signed_props
                if layout.has_unique_id(signed_props, sid.signed_properties_id)
                else None
            )
        if node is None:
            st.add(
                _I if role == "data" else _F,
                _S.SIGNED_DATA_NOT_FOUND if role == "data" else _S.FORMAT_FAILURE,
                "SIG-SIGNED-DATA",
                f"reference {uri} does not resolve to exactly one element at its place",
                "Không tìm thấy (duy nhất) vùng dữ liệu đã ký "
                f"{uri} ở đúng vị trí (dữ liệu bị xóa, di chuyển hoặc trùng Id).",
                ref,
                stop=True,
            )
        assert node is not None
        resolved.append((ref, node))
        canonical = _check_reference(st, ref, node, trust, xades_ref=role == "xades")
        if role == "data":
            covers.append(xpath_of(node))
            data_bytes = canonical
    st.info["covers"] = tuple(covers)

    # --- signing certificate
    cert, chain_ders = _read_key_info(st, key_info)
    st.info["cert"] = cert
    ident = identity_of(cert)
    st.info["identity"] = ident
    reason = check_public_key(cert.public_key())
    if reason:
        st.add(
            _F,
            _S.CRYPTO_CONSTRAINTS_FAILURE,
            "SIG-WEAK-KEY",
            f"signer key refused: {reason}",
            "Khóa của người ký quá yếu (RSA < 2048 bit hoặc đường cong không được phép).",
            key_info,
            stop=True,
        )

    # --- the signature value
    if len(sig_value_el):
        st.fail_format("SIG-VALUE", "SignatureValue holds a value only", _VI_FORMAT, sig_value_el)
    try:
        value = _b64(sig_value_el.text)
    except (binascii.Error, ValueError):
        st.fail_format("SIG-VALUE", "SignatureValue is not base64", _VI_FORMAT, sig_value_el)
    assert c14n_uri is not None
    valid = _check_signature_value(
        cert.public_key(), sig_method, value, canonicalize(signed_info, c14n_uri), trust
    )
    if not valid:
        st.add(
            _F,
            _S.SIG_CRYPTO_FAILURE,
            "SIG-CRYPTO",
            "the signature value does not verify with the certificate's public key",
            "Chữ ký số không khớp với chứng thư số đi kèm (chứng thư bị tráo hoặc chữ ký bị sửa).",
            sig_value_el,
            stop=True,
        )
    if data_bytes is not None and st.rule.target is Target.DATA:
        st.info["signed_data"] = data_bytes
    if st.info.get("sha1"):
        st.add(
            _P,
            None,
            "SIG-SHA1",
            "SHA-1 accepted only because allow_sha1_insecure is set",
            "Chữ ký dùng SHA-1 (đã lỗi thời); chỉ chấp nhận do cấu hình cho phép.",
        )

    # --- XAdES signing certificate binding
    if signed_props is not None:
        _check_signing_certificate(st, signed_props, cert, trust)

    # --- profile constraints
    _check_constraints(layout, st, cert, so_cccd, trust)

    # --- time-stamps (B-T, B-LTA) and validation values (B-LT, TimeStampValidationData)
    poe: dt.datetime | None = None
    extra_certs = list(chain_ders)
    extra_crls: list[bytes] = []
    extra_ocsps: list[bytes] = []
    level = "XML-DSig" if qp is None else "XAdES-B-B"
    if qp is not None:
        usp = qp.find(f"{xades('UnsignedProperties')}/{xades('UnsignedSignatureProperties')}")
        if usp is not None:
            # CertificateValues, RevocationValues and every TimeStampValidationData: validation
            # data is signed by its issuers, so all of it may serve every path
            for e in usp.iter(xades("EncapsulatedX509Certificate")):
                extra_certs.append(_b64_or_empty(e.text))
            for e in usp.iter(xades("EncapsulatedCRLValue")):
                extra_crls.append(_b64_or_empty(e.text))
            for e in usp.iter(xades("EncapsulatedOCSPValue")):
                extra_ocsps.append(_b64_or_empty(e.text))
            extra_certs = [c for c in extra_certs if c]
            extra_crls = [c for c in extra_crls if c]
            extra_ocsps = [c for c in extra_ocsps if c]
            poe = _check_timestamps(
                st, sig, usp, trust, extra_certs, extra_crls, extra_ocsps, validation_time
            )
            if poe is not None:
                level = "XAdES-B-T"
                if usp.find(xades("CertificateValues")) is not None and (
                    usp.find(xades("RevocationValues")) is not None
                ):
                    level = "XAdES-B-LT"
            archive = _check_archive_timestamps(
                st, sig, usp, resolved, trust, extra_certs, extra_crls, extra_ocsps, poe
            )
            if archive is not None:
                if level == "XAdES-B-LT":
                    level = "XAdES-B-LTA"
                if poe is None:
                    poe = archive  # the earliest archive time-stamp proves existence then
    st.info["level"] = level
    st.info["poe"] = poe

    # --- certificate path, validity and revocation
    _check_chain(
        st, cert, signing_time, poe, trust, validation_time, extra_certs, extra_crls, extra_ocsps
    )


def _tsa_path(
    trust: TrustConfig,
    info: _xades.TimestampInfo,
    extra_certs: Sequence[bytes],
    extra_crls: Sequence[bytes],
    extra_ocsps: Sequence[bytes],
) -> ChainOutcome:
    """The TSA certificate's path at the token's own time (``timeStamping`` usage required)."""
    return validate_path(
        trust,
        info.tsa_certificate,
        moment=info.gen_time,
        extra_certs=[*extra_certs, *info.certificates],
        extra_crls=extra_crls,
        extra_ocsps=extra_ocsps,
        retroactive=True,
        extended_key_usage=("time_stamping",),
    )


def _b64_or_empty(text: str | None) -> bytes:
    try:
        return _b64(text)
    except (binascii.Error, ValueError):
        return b""


def _read_signing_time(st: _Slot, obj: etree._Element, sid: SlotId) -> dt.datetime:
    props = st.kids(obj)
    if set(obj.attrib) - {"Id"} or len(props) != 1 or props[0].tag != ds("SignatureProperties"):
        st.fail_format("SIG-SIGNING-TIME", "malformed SigningTime Object", _VI_FORMAT, obj)
    prop = st.kids(props[0])
    if len(prop) != 1 or prop[0].tag != ds("SignatureProperty"):
        st.fail_format("SIG-SIGNING-TIME", "malformed SignatureProperties", _VI_FORMAT, obj)
    if prop[0].get("Target") != f"#{sid.signature_id}":
        st.fail_format(
            "SIG-SIGNING-TIME",
            f"SignatureProperty Target {prop[0].get('Target')!r} is not #{sid.signature_id}",
            "Thời điểm ký thuộc về một chữ ký khác (bị chuyển vị trí).",
            prop[0],
        )
    content = st.kids(prop[0])
    if len(content) != 1 or etree.QName(content[0]).localname != "SigningTime":
        st.fail_format("SIG-SIGNING-TIME", "SignatureProperty must hold SigningTime", _VI_FORMAT)
    when = parse_signing_time((content[0].text or "").strip())
    if when is None:
        st.fail_format(
            "SIG-SIGNING-TIME",
            "SigningTime is not YYYY-MM-DDThh:mm:ss with a time-zone offset",
            "Thời điểm ký sai định dạng.",
            content[0],
        )
    assert when is not None
    return when


def _check_reference(
    st: _Slot, ref: etree._Element, node: etree._Element, trust: TrustConfig, *, xades_ref: bool
) -> bytes:
    """Check one Reference; return the canonical bytes its digest covers."""
    kids = st.kids(ref)
    transforms: tuple[str, ...] = ()
    if kids and kids[0].tag == ds("Transforms"):
        tr = st.kids(kids[0])
        if any(t.tag != ds("Transform") or st.kids(t) for t in tr):
            st.fail_format("SIG-TRANSFORMS", "unsupported transform", _VI_FORMAT, ref)
        transforms = tuple(t.get("Algorithm") or "" for t in tr)
        kids = kids[1:]
    if transforms not in _ALLOWED_TRANSFORMS:
        st.fail_format(
            "SIG-TRANSFORMS",
            f"transforms {list(transforms)} are not accepted (XPath/XSLT/... are refused)",
            "Chữ ký dùng phép biến đổi (transform) không được phép.",
            ref,
        )
    if [k.tag for k in kids] != [ds("DigestMethod"), ds("DigestValue")]:
        st.fail_format("SIG-SHAPE", "malformed Reference", _VI_FORMAT, ref)
    ref_type = ref.get("Type")
    if xades_ref and ref_type != XADES_SIGNED_PROPERTIES_TYPE:
        st.fail_format(
            "SIG-XADES", "the SignedProperties reference lacks its Type", _VI_FORMAT, ref
        )
    if not xades_ref and ref_type == XADES_SIGNED_PROPERTIES_TYPE:
        st.fail_format("SIG-XADES", "misplaced SignedProperties Type", _VI_FORMAT, ref)
    hash_name = _digest_algorithm(kids[0].get("Algorithm"), trust)
    if hash_name is None or st.kids(kids[0]):
        st.add(
            _F,
            _S.CRYPTO_CONSTRAINTS_FAILURE,
            "SIG-WEAK-ALG",
            f"digest method {kids[0].get('Algorithm')!r} is weak or not accepted",
            "Chữ ký dùng hàm băm yếu hoặc không được phép (SHA-1/MD5). Học bạ số phải dùng "
            "SHA-256 trở lên.",
            kids[0],
            stop=True,
        )
    assert hash_name is not None
    if hash_name == _SHA1_HASH:
        st.info["sha1"] = True
    c14n = EXC_C14N if EXC_C14N in transforms else C14N_10
    if len(kids[1]):
        st.fail_format("SIG-SHAPE", "DigestValue holds a value only", _VI_FORMAT, kids[1])
    try:
        expected = _b64(kids[1].text)
    except (binascii.Error, ValueError):
        st.fail_format("SIG-SHAPE", "DigestValue is not base64", _VI_FORMAT, kids[1])
    canonical = canonicalize(node, c14n)
    actual = hash_function(hash_name)(canonical).digest()
    if actual != expected:
        st.add(
            _F,
            _S.HASH_FAILURE,
            "SIG-HASH",
            f"the digest of {ref.get('URI')} does not match: the signed data was changed",
            f"Dữ liệu đã bị sửa sau khi ký (giá trị băm không khớp) tại {xpath_of(node)}.",
            node,
            stop=True,
        )
    return canonical


def _read_key_info(st: _Slot, key_info: etree._Element) -> tuple[x509.Certificate, list[bytes]]:
    kids = st.kids(key_info)
    if any(k.tag != ds("X509Data") for k in kids) or len(kids) > 1:
        st.fail_format(
            "SIG-KEYINFO",
            "KeyInfo must hold only one X509Data (no KeyValue, KeyName, RetrievalMethod...)",
            _VI_FORMAT,
            key_info,
        )
    if not kids:
        st.add(
            _I,
            _S.NO_SIGNING_CERTIFICATE_FOUND,
            "SIG-KEYINFO",
            "KeyInfo must hold exactly one X509Data (X509SubjectName + X509Certificate)",
            "Chữ ký không kèm chứng thư số theo quy định (X509Data).",
            key_info,
            stop=True,
        )
    items = st.kids(kids[0])
    ders: list[bytes] = []
    for it in items:
        if len(it):
            st.fail_format(
                "SIG-KEYINFO", "X509Data entries hold a value only, no child nodes", _VI_FORMAT, it
            )
        if it.tag == ds("X509Certificate"):
            try:
                ders.append(_certificate_der(it.text))
            except (binascii.Error, ValueError):
                st.fail_format("SIG-KEYINFO", "X509Certificate is not base64", _VI_FORMAT, it)
        elif it.tag != ds("X509SubjectName"):
            st.fail_format(
                "SIG-KEYINFO", f"unexpected {etree.QName(it).localname} in X509Data", _VI_FORMAT, it
            )
    if not ders:
        st.add(
            _I,
            _S.NO_SIGNING_CERTIFICATE_FOUND,
            "SIG-KEYINFO",
            "no X509Certificate in KeyInfo",
            "Chữ ký không kèm chứng thư số.",
            key_info,
            stop=True,
        )
    try:
        cert = load_certificate(ders[0])
    except ValueError:
        st.fail_format("SIG-KEYINFO", "the signer certificate cannot be read", _VI_FORMAT, key_info)
    if not any(it.tag == ds("X509SubjectName") for it in items):
        st.add(
            _P,
            None,
            "SIG-SUBJECT-NAME",
            "X509SubjectName is missing (the official profile asks for it)",
            "Thiếu X509SubjectName trong chữ ký (quy định yêu cầu có).",
            key_info,
        )
    return cert, ders[1:]


def _check_qualifying_properties(
    st: _Slot, qp: etree._Element, sid: SlotId
) -> etree._Element | None:
    if qp.get("Target") != f"#{sid.signature_id}":
        st.fail_format(
            "SIG-XADES", "QualifyingProperties Target does not name this signature", _VI_FORMAT, qp
        )
    sp = qp.find(xades("SignedProperties"))
    if sp is None or sp.get("Id") != sid.signed_properties_id:
        st.fail_format(
            "SIG-XADES", f"no SignedProperties Id={sid.signed_properties_id!r}", _VI_FORMAT, qp
        )
    assert sp is not None
    stime = sp.find(f"{xades('SignedSignatureProperties')}/{xades('SigningTime')}")
    if stime is None or parse_signing_time((stime.text or "").strip()) != st.info.get(
        "signing_time"
    ):
        st.fail_format(
            "SIG-XADES",
            "XAdES SigningTime is missing or differs from the SigningTime object",
            "Thời điểm ký trong XAdES khác thời điểm ký của chữ ký.",
            sp,
        )
    return sp


def _check_signing_certificate(
    st: _Slot, sp: etree._Element, cert: x509.Certificate, trust: TrustConfig
) -> None:
    path = f"{xades('SignedSignatureProperties')}/{xades('SigningCertificateV2')}"
    certs = sp.findall(f"{path}/{xades('Cert')}/{xades('CertDigest')}")
    der = der_of(cert)
    for cd in certs:
        dm = cd.find(ds("DigestMethod"))
        dv = cd.find(ds("DigestValue"))
        name = _digest_algorithm(dm.get("Algorithm") if dm is not None else None, trust)
        if name is None or dv is None:
            continue
        try:
            if hashlib.new(name, der).digest() == _b64(dv.text):
                return
        except (binascii.Error, ValueError):
            continue
    st.add(
        _I,
        _S.NO_SIGNING_CERTIFICATE_FOUND,
        "SIG-XADES-CERT",
        "SigningCertificateV2 does not identify the certificate in KeyInfo",
        "Chứng thư số đi kèm không phải chứng thư đã cam kết khi ký (SigningCertificateV2).",
        sp,
    )


def _check_constraints(
    layout: Layout,
    st: _Slot,
    cert: x509.Certificate,
    so_cccd: str | None,
    trust: TrustConfig,
) -> None:
    ident = identity_of(cert)
    rule = st.rule
    if not usable_for_signing(cert):
        st.add(
            _F,
            _S.SIG_CONSTRAINTS_FAILURE,
            "SIG-KEY-USAGE",
            "the certificate's key usage does not allow signatures",
            "Chứng thư số không được phép dùng để ký (Key Usage).",
        )
    if rule.certificate is CertificateKind.ORGANISATION:
        if not ident.is_organisation:
            st.add(
                _F,
                _S.SIG_CONSTRAINTS_FAILURE,
                "SIG-CERT-KIND",
                "the issuing seal is not made with an organisation certificate (no MST:)",
                "Chữ ký phát hành không dùng chứng thư số tổ chức của nhà trường (không có MST).",
            )
        elif not trust.registered_organisations:
            st.add(
                _I,
                _S.SIG_CONSTRAINTS_FAILURE,
                "SIG-ORG-UNREGISTERED",
                "no registered organisation-certificate list is configured; the seal's "
                "registration cannot be checked",
                "Chưa cấu hình danh sách chứng thư số tổ chức đã đăng ký nên chưa xác định được "
                "chữ ký phát hành.",
            )
        elif not trust.is_registered_organisation(cert):
            st.add(
                _F,
                _S.SIG_CONSTRAINTS_FAILURE,
                "SIG-ORG-UNREGISTERED",
                "the organisation certificate is not on the registered list",
                "Chứng thư số tổ chức này chưa được đăng ký/phê duyệt cho nhà trường.",
            )
        return
    if ident.is_organisation:
        st.add(
            _F,
            _S.SIG_CONSTRAINTS_FAILURE,
            "SIG-CERT-KIND",
            f"slot {st.sid} is signed with an organisation certificate",
            f"Vị trí {st.sid} phải ký bằng chứng thư số cá nhân.",
        )
    if so_cccd is None or len(so_cccd) != 12 or not so_cccd.isdigit():
        st.add(
            _F,
            _S.FORMAT_FAILURE,
            "SIG-CCCD",
            "SO_CCCD of the slot is not 12 digits",
            "SO_CCCD của người ký phải gồm 12 chữ số.",
        )
    elif ident.cccd is not None and ident.cccd != so_cccd:
        st.add(
            _F,
            _S.SIG_CONSTRAINTS_FAILURE,
            "SIG-CCCD",
            f"SO_CCCD {so_cccd} differs from the certificate's CCCD {ident.cccd}",
            f"Số CCCD {so_cccd} ghi ở vị trí ký khác CCCD trong chứng thư số ({ident.cccd}).",
        )
    if rule.expected_cccd and so_cccd:
        base = (
            layout.subjects.get(st.sid.subject or "")
            if rule.target is Target.SUBJECT
            else layout.data
        )
        el = find_first(base, rule.expected_cccd) if base is not None else None
        expected = (el.text or "").strip() if el is not None else ""
        if expected and expected != so_cccd:
            st.add(
                _F,
                _S.SIG_CONSTRAINTS_FAILURE,
                "SIG-CCCD",
                f"the record names {expected} for slot {st.sid}, but {so_cccd} signed",
                f"Học bạ ghi người ký {st.sid} có CCCD {expected}, nhưng người ký là {so_cccd}.",
            )


def _check_timestamps(
    st: _Slot,
    sig: etree._Element,
    usp: etree._Element,
    trust: TrustConfig,
    extra_certs: list[bytes],
    extra_crls: list[bytes],
    extra_ocsps: list[bytes],
    validation_time: dt.datetime,
) -> dt.datetime | None:
    best: dt.datetime | None = None
    for sts in usp.findall(xades("SignatureTimeStamp")):
        cm = sts.find(ds("CanonicalizationMethod"))
        tok = sts.find(xades("EncapsulatedTimeStamp"))
        if cm is None or cm.get("Algorithm") not in (EXC_C14N, C14N_10) or tok is None:
            continue
        sv = sig.find(ds("SignatureValue"))
        assert sv is not None
        try:
            token = _b64(tok.text)
            info = None
            for d in DigestAlgorithm:
                try:
                    info = _xades.verify_timestamp_token(
                        token, d.digest(canonicalize(sv, cm.get("Algorithm") or EXC_C14N))
                    )
                    break
                except _xades.TimestampImprintError:
                    continue
            if info is None:
                raise ValueError("the timestamp does not cover this signature value")
        except (ValueError, binascii.Error) as exc:
            st.add(
                _P,
                None,
                "SIG-TIMESTAMP",
                f"signature time-stamp ignored: {exc}",
                "Dấu thời gian của chữ ký không hợp lệ nên bị bỏ qua.",
                sts,
            )
            continue
        out = _tsa_path(trust, info, extra_certs, extra_crls, extra_ocsps)
        if out.error:
            st.add(
                _P,
                None,
                "SIG-TIMESTAMP",
                f"signature time-stamp ignored: TSA not trusted: {out.error}",
                "Dấu thời gian không đến từ đơn vị cấp dấu thời gian tin cậy nên bị bỏ qua.",
                sts,
            )
            continue
        if best is None or info.gen_time < best:
            best = info.gen_time
    signing_time = st.info.get("signing_time")
    if (
        best is not None
        and isinstance(signing_time, dt.datetime)
        and signing_time > best + trust.clock_skew
    ):
        st.add(
            _I,
            _S.TIMESTAMP_ORDER_FAILURE,
            "SIG-TIMESTAMP-ORDER",
            "the claimed signing time is after the signature time-stamp",
            "Thời điểm ký khai báo muộn hơn dấu thời gian — thời điểm ký không đáng tin.",
        )
    del validation_time
    return best


_TSA_SUB = {
    "no_path": _S.NO_CERTIFICATE_CHAIN_FOUND,
    "revinfo": _S.TRY_LATER,
    "revoked": _S.REVOKED_NO_POE,
    "expired": _S.OUT_OF_BOUNDS_NO_POE,
    "not_yet_valid": _S.OUT_OF_BOUNDS_NO_POE,
    "algorithm": _S.CRYPTO_CONSTRAINTS_FAILURE,
    "usage": _S.CHAIN_CONSTRAINTS_FAILURE,
}
_ATS = "ArchiveTimeStamp"
_VI_ATS_FORMAT = "Dấu thời gian lưu trữ (ArchiveTimeStamp) sai cấu trúc."


def _check_archive_timestamps(
    st: _Slot,
    sig: etree._Element,
    usp: etree._Element,
    resolved: list[tuple[etree._Element, etree._Element]],
    trust: TrustConfig,
    extra_certs: list[bytes],
    extra_crls: list[bytes],
    extra_ocsps: list[bytes],
    signature_timestamp: dt.datetime | None,
) -> dt.datetime | None:
    """Check every ``xades141:ArchiveTimeStamp`` (B-LTA); the earliest one's time if all hold.

    Each one must be a sound token over the input of EN 319 132-1 §5.5.2 recomputed from the
    record as it is (a change to anything it covers is HASH_FAILURE), from a TSA whose path
    validates at the token's time (otherwise INDETERMINATE), later than what it covers.
    """
    archives = [p for p in usp if p.tag == _xades.xades141(_ATS)]
    if not archives:
        return None
    times: list[dt.datetime] = []
    all_valid = True
    previous = signature_timestamp
    signing_time = st.info.get("signing_time")
    for ats in archives:
        kids = st.kids(ats)
        methods = [k for k in kids if k.tag == ds("CanonicalizationMethod")]
        tokens = [k for k in kids if k.tag == xades("EncapsulatedTimeStamp")]
        c14n = (methods[0].get("Algorithm") or "") if methods else C14N_10
        if (
            len(methods) > 1
            or c14n not in _xades.C14N_METHODS
            or len(tokens) != 1
            or len(kids) != len(methods) + len(tokens)
        ):
            st.add(
                _F,
                _S.FORMAT_FAILURE,
                "SIG-ARCHIVE-TIMESTAMP",
                "malformed ArchiveTimeStamp: one EncapsulatedTimeStamp and at most one "
                "CanonicalizationMethod (exclusive C14N or C14N 1.0) expected",
                _VI_ATS_FORMAT,
                ats,
            )
            all_valid = False
            continue
        try:
            token = _b64(tokens[0].text)
            digest = _xades.timestamp_digest(token)
        except ValueError as exc:  # binascii.Error included
            st.add(
                _F,
                _S.FORMAT_FAILURE,
                "SIG-ARCHIVE-TIMESTAMP",
                f"unreadable archive time-stamp token: {exc}",
                _VI_ATS_FORMAT,
                ats,
            )
            all_valid = False
            continue
        references = [
            _xades.reference_octets(
                node,
                [t.get("Algorithm") or "" for t in ref.iterfind(f"{ds('Transforms')}/*")],
                c14n,
            )
            for ref, node in resolved
        ]
        data = _xades.archive_timestamp_input(sig, references, c14n, upto=ats)
        try:
            info = _xades.verify_timestamp_token(token, digest.digest(data))
        except _xades.TimestampImprintError:
            st.add(
                _F,
                _S.HASH_FAILURE,
                "SIG-ARCHIVE-TIMESTAMP-HASH",
                f"the archive time-stamp {ats.get('Id')!r} does not cover the signature as it "
                "is now: the signed data, the signature, its certificates, its validation data "
                "or an earlier time-stamp was changed after it was time-stamped",
                "Chữ ký hoặc dữ liệu kèm theo (chứng thư, dữ liệu kiểm tra, dấu thời gian trước "
                "đó) đã bị sửa sau khi được gắn dấu thời gian lưu trữ.",
                ats,
            )
            all_valid = False
            continue
        except ValueError as exc:
            st.add(
                _F,
                _S.SIG_CRYPTO_FAILURE,
                "SIG-ARCHIVE-TIMESTAMP",
                f"the archive time-stamp {ats.get('Id')!r} is not a valid token: {exc}",
                "Dấu thời gian lưu trữ không hợp lệ (chữ ký của đơn vị cấp dấu thời gian sai).",
                ats,
            )
            all_valid = False
            continue
        out = _tsa_path(trust, info, extra_certs, extra_crls, extra_ocsps)
        if out.error:
            sub = _TSA_SUB.get(out.kind or "", _S.CERTIFICATE_CHAIN_GENERAL_FAILURE)
            if out.kind == "revoked" and not out.is_ee:
                sub = _S.REVOKED_CA_NO_POE
            st.add(
                _I,
                sub,
                "SIG-ARCHIVE-TIMESTAMP-TSA",
                f"the TSA of archive time-stamp {ats.get('Id')!r} cannot be trusted: {out.error}",
                "Không xác minh được đơn vị cấp dấu thời gian lưu trữ (chứng thư không tin cậy, "
                "thiếu dữ liệu thu hồi hoặc đã bị thu hồi).",
                ats,
            )
            all_valid = False
            continue
        if previous is not None and info.gen_time + trust.clock_skew < previous:
            st.add(
                _I,
                _S.TIMESTAMP_ORDER_FAILURE,
                "SIG-TIMESTAMP-ORDER",
                "an archive time-stamp is older than a time-stamp it covers",
                "Dấu thời gian lưu trữ sớm hơn dấu thời gian mà nó niêm phong — thứ tự sai.",
                ats,
            )
            all_valid = False
        if (
            isinstance(signing_time, dt.datetime)
            and signing_time > info.gen_time + trust.clock_skew
        ):
            st.add(
                _I,
                _S.TIMESTAMP_ORDER_FAILURE,
                "SIG-TIMESTAMP-ORDER",
                "the claimed signing time is after the archive time-stamp",
                "Thời điểm ký khai báo muộn hơn dấu thời gian lưu trữ — thời điểm ký không đáng "
                "tin.",
                ats,
            )
            all_valid = False
        previous = info.gen_time
        times.append(info.gen_time)
    return min(times) if all_valid and times else None


_NO_POE_VI = (
    "Chứng thư số đã hết hạn/bị thu hồi và chữ ký không có dấu thời gian chứng minh đã ký trước "
    "đó (cần chữ ký dạng XAdES-B-T/B-LT)."
)


def _check_chain(
    st: _Slot,
    cert: x509.Certificate,
    signing_time: dt.datetime,
    poe: dt.datetime | None,
    trust: TrustConfig,
    validation_time: dt.datetime,
    extra_certs: Iterable[bytes],
    extra_crls: Iterable[bytes],
    extra_ocsps: Iterable[bytes],
) -> None:
    if signing_time < cert.not_valid_before_utc:
        st.add(
            _F,
            _S.NOT_YET_VALID,
            "SIG-CERT-NOT-YET-VALID",
            f"signed at {signing_time.isoformat()}, before the certificate became valid "
            f"({cert.not_valid_before_utc.isoformat()})",
            "Chữ ký được tạo trước ngày chứng thư số có hiệu lực.",
            stop=True,
        )
    if signing_time > cert.not_valid_after_utc:
        st.add(
            _F,
            _S.EXPIRED,
            "SIG-CERT-EXPIRED",
            f"signed at {signing_time.isoformat()}, after the certificate expired "
            f"({cert.not_valid_after_utc.isoformat()})",
            "Chữ ký được tạo sau khi chứng thư số đã hết hạn.",
            stop=True,
        )
    if signing_time > validation_time + trust.clock_skew:
        st.add(
            _F,
            _S.SIG_CONSTRAINTS_FAILURE,
            "SIG-TIME-FUTURE",
            "the claimed signing time lies in the future",
            "Thời điểm ký nằm ở tương lai — không hợp lệ.",
            stop=True,
        )
    der = der_of(cert)
    certs, crls, ocsps = list(extra_certs), list(extra_crls), list(extra_ocsps)

    def at(moment: dt.datetime, retro: bool) -> ChainOutcome:
        return validate_path(
            trust,
            der,
            moment=moment,
            extra_certs=certs,
            extra_crls=crls,
            extra_ocsps=ocsps,
            retroactive=retro,
        )

    now = at(validation_time, False)
    if now.error is None:
        st.info["path"] = now.path
        return
    if poe is not None and now.kind in ("revoked", "expired", "revinfo", "not_yet_valid"):
        past = at(poe, True)
        if past.error is None and (
            now.kind != "revoked" or (now.revocation_time is not None and poe < now.revocation_time)
        ):
            st.info["path"] = past.path
            return
    msg = now.error or ""
    if now.kind == "revoked":
        when = now.revocation_time
        if now.is_ee and when is not None and signing_time >= when:
            st.add(
                _F,
                _S.REVOKED,
                "SIG-CERT-REVOKED",
                f"the signing certificate was revoked at {when.isoformat()}, before the "
                f"signing time: {msg}",
                f"Chứng thư số của người ký đã bị thu hồi ({when:%d/%m/%Y}) trước thời điểm ký.",
            )
        else:
            st.add(
                _I,
                _S.REVOKED_NO_POE if now.is_ee else _S.REVOKED_CA_NO_POE,
                "SIG-CERT-REVOKED",
                f"a certificate of the path is revoked and nothing proves the signature is "
                f"older: {msg}",
                "Chứng thư số (hoặc CA cấp) đã bị thu hồi; không có bằng chứng chữ ký được tạo "
                "trước khi thu hồi.",
            )
    elif now.kind == "expired":
        st.add(_I, _S.OUT_OF_BOUNDS_NO_POE, "SIG-CERT-EXPIRED-NOW", msg, _NO_POE_VI)
    elif now.kind == "not_yet_valid":
        st.add(
            _I,
            _S.OUT_OF_BOUNDS_NO_POE,
            "SIG-CERT-NOT-YET-VALID",
            msg,
            "Chứng thư số chưa có hiệu lực tại thời điểm kiểm tra.",
        )
    elif now.kind == "no_path":
        st.add(
            _I,
            _S.NO_CERTIFICATE_CHAIN_FOUND,
            "SIG-NO-CHAIN",
            msg,
            "Chứng thư số không do tổ chức cung cấp dịch vụ chứng thực tin cậy cấp (không "
            "dựng được chuỗi tới chứng thư gốc đã cấu hình).",
        )
    elif now.kind == "revinfo":
        st.add(
            _I,
            _S.TRY_LATER,
            "SIG-NO-REVOCATION-DATA",
            msg,
            "Chưa có thông tin thu hồi (CRL/OCSP) để kiểm tra chứng thư số; hãy cập nhật CRL và "
            "kiểm tra lại.",
        )
    elif now.kind == "algorithm":
        st.add(
            _I,
            _S.CRYPTO_CONSTRAINTS_FAILURE,
            "SIG-CHAIN-ALG",
            msg,
            "Chuỗi chứng thư dùng thuật toán yếu.",
        )
    else:
        st.add(
            _I,
            _S.CERTIFICATE_CHAIN_GENERAL_FAILURE,
            "SIG-CHAIN",
            msg,
            "Không kiểm tra được chuỗi chứng thư số.",
        )


@functools.lru_cache(maxsize=256)
def _sha256_hex(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def _slot_result(st: _Slot, layout: Layout) -> SlotResult:
    failed = [o for o in st.outcomes if o[0] is _F]
    indeterminate = [o for o in st.outcomes if o[0] is _I]
    if failed:
        ind, sub = _F, failed[0][1]
    elif indeterminate:
        ind, sub = _I, indeterminate[0][1]
    else:
        ind, sub = _P, None
    cert = st.info.get("cert")
    ident = st.info.get("identity")
    ident = ident if isinstance(ident, CertificateIdentity) else None
    sha = _sha256_hex(der_of(cert)) if isinstance(cert, x509.Certificate) else None

    def get_time(key: str) -> dt.datetime | None:
        v = st.info.get(key)
        return v if isinstance(v, dt.datetime) else None

    covers = st.info.get("covers")
    level = st.info.get("level")
    alg = st.info.get("signature_algorithm")
    slot_cccd = st.info.get("slot_cccd")
    return SlotResult(
        slot=str(st.sid),
        role_vi=st.rule.role_vi,
        role_en=st.rule.role_en,
        location=xpath_of(st.element),
        indication=ind,
        sub_indication=sub,
        level=level if isinstance(level, str) else None,
        signing_time=get_time("signing_time"),
        timestamp_time=get_time("poe"),
        signer_subject=ident.subject if ident else None,
        signer_name=ident.common_name if ident else None,
        signer_cccd=ident.cccd if ident else None,
        signer_mst=ident.mst if ident else None,
        slot_cccd=slot_cccd if isinstance(slot_cccd, str) else None,
        certificate_sha256=sha,
        signature_algorithm=alg if isinstance(alg, str) else None,
        covers=covers if isinstance(covers, tuple) else (),
        findings=tuple(o[2] for o in st.outcomes),
    )


def verify(
    xml_bytes: bytes,
    *,
    trust: TrustConfig,
    validation_time: dt.datetime | None = None,
    require_complete: bool = True,
    profile: str | Profile | None = None,
    source: str | None = None,
) -> VerificationReport:
    """Verify every signature slot of a *học bạ* record; return a frozen report.

    Args:
        xml_bytes: the signed record.
        trust: trust anchors, revocation data, registered organisation certificates.
        validation_time: the "now" of the verification (default: current time).
        require_complete: the profile's required slots (CBQL, KY_PHAT_HANH, GVBM per subject
            for secondary) must all be present; set False to check a record mid-workflow.
        profile: force a profile instead of detecting it from ``MA_CAP_HOC``.
        source: a name for the input, shown in the report.

    Returns:
        :class:`VerificationReport`; call :meth:`~VerificationReport.raise_for_status` (or use
        :func:`verify_or_raise`) to turn "not trustworthy" into an exception.

    Raises:
        InputError subclasses when the bytes are not a usable ``HOC_BA`` XML document (syntax,
        DTD/entities, encoding, wrong root, unknown level).
    """
    if not isinstance(trust, TrustConfig):
        raise errors.ConfigurationError(
            "trust must be a TrustConfig", message_vi="Thiếu cấu hình tin cậy (TrustConfig)."
        )
    when = validation_time or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        raise errors.InputError(
            "validation_time must be timezone-aware", message_vi="Thời điểm kiểm tra cần múi giờ."
        )
    root = parse_document(xml_bytes)
    layout = read_layout(root, profile)
    prof = layout.profile
    findings = [Finding(p.code, p.location, p.message_vi, p.message_en) for p in layout.problems]

    results: list[SlotResult] = []
    signed_data: bytes | None = None
    clean = not any(p.code == "SIG-COMMENT" for p in layout.problems)
    kinds: list[SlotKind] = []  # of each result, for the order check
    for sid, element in layout.slots.items():
        rule = prof.rule(sid.kind)
        if rule is None:  # pragma: no cover - read_layout reports it
            continue
        st = _Slot(sid, rule, element, clean=clean)
        try:
            _verify_slot(layout, st, trust, when)
        except _StopError:
            pass
        except Exception as exc:  # malformed material deep inside (certs, ASN.1): no traceback
            st.outcomes.append(
                (
                    _F,
                    _S.FORMAT_FAILURE,
                    Finding(
                        "SIG-MALFORMED",
                        xpath_of(element),
                        _VI_FORMAT,
                        f"malformed signature: {exc}",
                    ),
                )
            )
        res = _slot_result(st, layout)
        results.append(res)
        kinds.append(sid.kind)
        data = st.info.get("signed_data")
        if isinstance(data, bytes) and not any(
            o[1] in (_S.HASH_FAILURE, _S.SIG_CRYPTO_FAILURE) for o in st.outcomes
        ):
            signed_data = data

    # profile rules over the whole record
    if require_complete:
        for rule in prof.slots:
            if not rule.required:
                continue
            if rule.kind is SlotKind.GVBM:
                wanted = [SlotId(SlotKind.GVBM, c) for c in layout.subjects]
            else:
                wanted = [SlotId(rule.kind)]
            for sid in wanted:
                if sid not in layout.slots:
                    findings.append(
                        Finding(
                            "SIG-REQUIRED-MISSING",
                            "/HOC_BA/DANH_SACH_THONG_TIN_KY",
                            f"Thiếu chữ ký bắt buộc {sid} ({rule.role_vi}).",
                            f"required signature {sid} ({rule.role_en}) is missing",
                        )
                    )
    for sid in layout.slots:
        if sid.kind is SlotKind.GVBM and sid.subject not in layout.subjects:
            findings.append(
                Finding(
                    "SIG-NO-SUBJECT",
                    xpath_of(layout.slots[sid]),
                    f"Có chữ ký giáo viên bộ môn {sid.subject} nhưng học bạ không có môn này.",
                    f"slot {sid} signs a subject the record does not have",
                )
            )
    by_rank: dict[int, list[dt.datetime]] = {}
    for res, kind in zip(results, kinds, strict=True):
        if res.signing_time is not None:
            by_rank.setdefault(prof.rank(kind), []).append(res.signing_time)
    latest_before: dt.datetime | None = None
    for rank in sorted(by_rank):
        times = by_rank[rank]
        if latest_before is not None and min(times) < latest_before:
            findings.append(
                Finding(
                    "SIG-TIME-ORDER",
                    "/HOC_BA/DANH_SACH_THONG_TIN_KY",
                    f"Thứ tự ký sai: {prof.slots[rank].kind.value} ký trước người ký ở bước "
                    "trước (thứ tự GVBM → GVCN → CBQL → KY_PHAT_HANH).",
                    f"{prof.slots[rank].kind.value} was signed before an earlier slot",
                )
            )
        latest = max(times)
        latest_before = latest if latest_before is None else max(latest_before, latest)

    if findings:
        first = findings[0].code
        sub = (
            _S.FORMAT_FAILURE
            if first
            in (
                "SIG-LAYOUT",
                "SIG-DUPLICATE-ID",
                "SIG-COMMENT",
                "SIG-SLOT-DUPLICATE",
                "SIG-SLOT-ORDER",
            )
            else _S.SIG_CONSTRAINTS_FAILURE
        )
        ind: Indication = _F
        sub_ind: SubIndication | None = sub
    elif any(r.indication is _F for r in results):
        ind = _F
        sub_ind = next(r.sub_indication for r in results if r.indication is _F)
    elif any(r.indication is _I for r in results) or not results:
        ind = _I
        sub_ind = next((r.sub_indication for r in results if r.indication is _I), None)
        if not results:
            findings.append(
                Finding(
                    "SIG-UNSIGNED",
                    "/HOC_BA",
                    "Học bạ chưa có chữ ký số nào.",
                    "the record carries no signature",
                )
            )
    else:
        ind, sub_ind = _P, None
    if findings and any(
        f.code in ("SIG-DUPLICATE-ID", "SIG-LAYOUT", "SIG-COMMENT") for f in findings
    ):
        signed_data = None  # a structurally ambiguous document yields no data
    return VerificationReport(
        indication=ind,
        sub_indication=sub_ind,
        profile=prof.name,
        slots=tuple(results),
        findings=tuple(findings),
        validation_time=when,
        signed_data=signed_data,
        source=source,
    )


def verify_or_raise(
    xml_bytes: bytes,
    *,
    trust: TrustConfig,
    validation_time: dt.datetime | None = None,
    require_complete: bool = True,
    profile: str | Profile | None = None,
) -> VerificationReport:
    """Like :func:`verify`, but raise :class:`~hocbaso.errors.VerificationError` unless passed."""
    return verify(
        xml_bytes,
        trust=trust,
        validation_time=validation_time,
        require_complete=require_complete,
        profile=profile,
    ).raise_for_status()


def is_trustworthy(
    xml_bytes: bytes, *, trust: TrustConfig, validation_time: dt.datetime | None = None
) -> bool:
    """True only when the complete record verifies TOTAL_PASSED (unusable input: False)."""
    try:
        return verify(xml_bytes, trust=trust, validation_time=validation_time).passed
    except errors.InputError:
        return False
