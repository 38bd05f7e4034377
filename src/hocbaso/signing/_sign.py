"""Signing a slot: prepare SignedInfo, get a signature value, assemble (internal)."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import enum
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils
from lxml import etree

from hocbaso import errors
from hocbaso.signing import _xades
from hocbaso.signing._algorithms import (
    DigestAlgorithm,
    SignatureAlgorithm,
    check_public_key,
    default_algorithm,
)
from hocbaso.signing._identity import (
    der_of,
    format_signing_time,
    identity_of,
    load_certificate,
    parse_signing_time,
    usable_for_signing,
)
from hocbaso.signing._keys import LocalSigner, PrivateKey, Signer
from hocbaso.signing._layout import GVBM_LIST, SLOT_ORDER, SLOTS, Layout, find_first, read_layout
from hocbaso.signing._policy import (
    CertificateKind,
    Profile,
    SlotId,
    SlotKind,
    Target,
)
from hocbaso.signing._xml import (
    DS_NS,
    EXC_C14N,
    SIGNING_TIME_NS,
    XADES_SIGNED_PROPERTIES_TYPE,
    ds,
    exc_c14n,
    parse_document,
    serialize,
)


class SignatureLevel(str, enum.Enum):
    """How much a signature carries beyond the official XML-DSig profile."""

    XMLDSIG = "XML-DSig"
    """The official profile: data Reference + SigningTime Object (hocbaso-standard §4.1)."""
    XADES_B_B = "XAdES-B-B"
    """Adds XAdES SignedProperties (SigningTime, SigningCertificateV2) -- EN 319 132-1."""
    XADES_B_T = "XAdES-B-T"
    """B-B plus an RFC 3161 SignatureTimeStamp (needs a TSA)."""
    XADES_B_LT = "XAdES-B-LT"
    """B-T plus CertificateValues/RevocationValues (see :func:`add_validation_data`)."""


_LEVEL_ORDER = list(SignatureLevel)


@dataclass(frozen=True, slots=True)
class SignaturePolicy:
    """How to sign: algorithms and signature level (immutable; secure defaults).

    Attributes:
        digest: digest for References and for the signature (SHA-256 by default).
        signature_algorithm: ``None`` picks RSA PKCS#1 v1.5 or ECDSA from the key with
            ``digest``; set ``SignatureAlgorithm.RSA_PSS_SHA256`` for RSASSA-PSS (TT 15/2025).
        level: :class:`SignatureLevel` (the official XML-DSig profile by default).
        embed_chain: put the CA chain in ``KeyInfo`` after the signer certificate.
    """

    digest: DigestAlgorithm = DigestAlgorithm.SHA256
    signature_algorithm: SignatureAlgorithm | None = None
    level: SignatureLevel = SignatureLevel.XMLDSIG
    embed_chain: bool = True

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignaturePolicy:
        """Build from a dict (e.g. parsed TOML/JSON); unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise errors.ConfigurationError(
                f"unknown signature policy keys: {sorted(unknown)}",
                message_vi=f"Cấu hình ký có khóa không hợp lệ: {sorted(unknown)}.",
            )
        try:
            kw: dict[str, Any] = {}
            if "digest" in data:
                kw["digest"] = _digest(str(data["digest"]))
            if data.get("signature_algorithm") is not None:
                kw["signature_algorithm"] = SignatureAlgorithm.parse(
                    str(data["signature_algorithm"])
                )
            if "level" in data:
                kw["level"] = SignatureLevel(data["level"])
            if "embed_chain" in data:
                kw["embed_chain"] = bool(data["embed_chain"])
        except (ValueError, errors.SigningError) as exc:
            raise errors.ConfigurationError(
                f"invalid signature policy: {exc}", message_vi="Cấu hình ký không hợp lệ."
            ) from None
        return cls(**kw)


def _digest(value: str) -> DigestAlgorithm:
    for d in DigestAlgorithm:
        if value in (d.value, d.name, d.name.lower(), d.name.lower().replace("sha", "sha-")):
            return d
    raise errors.SigningError(
        f"digest {value!r} is refused (SHA-256, SHA-384 or SHA-512 only)",
        message_vi=f"Hàm băm {value!r} không được phép (chỉ SHA-256/384/512).",
        code="SIG-WEAK-ALG",
    )


def _refuse(code: str, en: str, vi: str, location: str | None = None) -> errors.SigningError:
    return errors.SigningError(en, message_vi=vi, code=code, location=location)


@dataclass(frozen=True, slots=True)
class PreparedSignature:
    """A slot ready to be signed: everything but the signature value (immutable).

    Send :attr:`digest` (or :attr:`signed_info`) to the signing service, then call
    :meth:`complete` with the returned value. Plain data: it can be stored while waiting for a
    remote signer that answers later.

    Attributes:
        document: the record with the slot inserted and an empty ``SignatureValue``.
        slot: the slot, e.g. ``CBQL`` or ``GVBM:TOAN``.
        signed_info: canonical (exc-C14N) bytes of ``SignedInfo`` -- what is signed.
        digest: hash of :attr:`signed_info` with ``algorithm.digest_algorithm``: what a
            hash-only signer signs.
        algorithm: the signature algorithm.
        certificate: the signer certificate (DER).
        level: the signature level to complete to.
    """

    document: bytes
    slot: str
    signed_info: bytes
    digest: bytes
    algorithm: SignatureAlgorithm
    certificate: bytes
    level: SignatureLevel

    def complete(
        self,
        signature_value: bytes,
        *,
        tsa: _xades.TimestampAuthority | None = None,
    ) -> bytes:
        """Insert ``signature_value`` (checked against the certificate) and return the record.

        Args:
            signature_value: RSA signature bytes, or ECDSA as DER or raw ``r||s``.
            tsa: time-stamping authority, required for XAdES-B-T and above.

        Raises:
            SigningError: the value does not verify with the certificate's key (wrong key,
                wrong algorithm, corrupted answer from the signing service), or no TSA.
        """
        cert = load_certificate(self.certificate)
        value = _normalise_value(signature_value, cert.public_key(), self.algorithm)
        if not _check_value(cert.public_key(), value, self.signed_info, self.algorithm):
            raise _refuse(
                "SIG-VALUE",
                "the signature value does not verify with the signer certificate",
                "Giá trị chữ ký trả về không khớp với chứng thư số (sai khóa hoặc dịch vụ ký "
                "trả kết quả sai). Hãy ký lại.",
            )
        root = parse_document(self.document)
        layout = read_layout(root)
        sid = SlotId.parse(self.slot)
        slot_el = layout.slots.get(sid)
        sig = slot_el.find(ds("Signature")) if slot_el is not None else None
        si = sig.find(ds("SignedInfo")) if sig is not None else None
        sv = sig.find(ds("SignatureValue")) if sig is not None else None
        if sig is None or si is None or sv is None or exc_c14n(si) != self.signed_info:
            raise _refuse(
                "SIG-PREPARED",
                "the prepared document was altered",
                "Dữ liệu chuẩn bị ký đã bị thay đổi; hãy chuẩn bị lại.",
            )
        return _finish(sig, root, value, self.level, self.algorithm, tsa)


def _normalise_value(value: bytes, public_key: object, algorithm: SignatureAlgorithm) -> bytes:
    """XML-DSig wants ECDSA as raw r||s (RFC 4050 / XML-DSig 1.1); accept DER too."""
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return value
    size = (public_key.curve.key_size + 7) // 8
    if len(value) == 2 * size and value[0] != 0x30:
        return value
    try:
        r, s = utils.decode_dss_signature(value)
    except ValueError:
        return value
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _check_value(
    public_key: object, value: bytes, data: bytes, algorithm: SignatureAlgorithm
) -> bool:
    h = algorithm.digest_algorithm.hash_algorithm()
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and algorithm.key_type == "rsa":
            public_key.verify(value, data, algorithm.rsa_padding(), h)
            return True
        if isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm.key_type == "ec":
            size = (public_key.curve.key_size + 7) // 8
            if len(value) != 2 * size:
                return False
            r = int.from_bytes(value[:size], "big")
            s = int.from_bytes(value[size:], "big")
            public_key.verify(utils.encode_dss_signature(r, s), data, ec.ECDSA(h))
            return True
    except InvalidSignature:
        return False
    return False


@functools.lru_cache(maxsize=256)
def _b64_text(der: bytes) -> str:
    """Base64 text of a certificate for ``X509Certificate`` (the same few certificates sign
    many records)."""
    return base64.b64encode(der).decode()


class _SkeletonKey(NamedTuple):
    sid: SlotId
    algorithm: str
    digest: str
    target_uri: str
    data_reference_id: str | None
    subject: str
    ders: tuple[bytes, ...]
    with_cccd: bool


_SKELETONS: dict[_SkeletonKey, etree._Element] = {}
_SKELETON_LIMIT = 256


def _slot_skeleton(key: _SkeletonKey) -> etree._Element:
    """The slot element with its data and SigningTime References, values left empty.

    Built once per slot, algorithm, target and certificates and deep-copied per record
    (building ~30 elements one by one costs more than copying them); the caller fills
    ``NGAY_KY``, ``SO_CCCD``, ``SigningTime`` and the two ``DigestValue``. Never handed out
    itself: callers get a copy.
    """
    hit = _SKELETONS.get(key)
    if hit is not None:
        return hit
    sid = key.sid
    slot_el = etree.Element(sid.kind.value)
    if sid.kind is SlotKind.GVBM:
        slot_el.set("MA_MON_HOC", sid.subject or "")
    etree.SubElement(slot_el, "NGAY_KY")
    if key.with_cccd:
        etree.SubElement(slot_el, "SO_CCCD")
    sig = etree.SubElement(slot_el, ds("Signature"), nsmap={None: DS_NS}, Id=sid.signature_id)
    si = etree.SubElement(sig, ds("SignedInfo"))
    etree.SubElement(si, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(si, ds("SignatureMethod"), Algorithm=key.algorithm)
    etree.SubElement(sig, ds("SignatureValue"))
    ki = etree.SubElement(sig, ds("KeyInfo"))
    xd = etree.SubElement(ki, ds("X509Data"))
    etree.SubElement(xd, ds("X509SubjectName")).text = key.subject
    for der in key.ders:
        etree.SubElement(xd, ds("X509Certificate")).text = _b64_text(der)
    obj = etree.SubElement(sig, ds("Object"), Id=sid.time_object_id)
    props = etree.SubElement(obj, ds("SignatureProperties"))
    prop = etree.SubElement(props, ds("SignatureProperty"), Target=f"#{sid.signature_id}")
    etree.SubElement(prop, f"{{{SIGNING_TIME_NS}}}SigningTime", nsmap={None: SIGNING_TIME_NS})
    _reference_skeleton(si, key.target_uri, key.digest, ref_id=key.data_reference_id)
    _reference_skeleton(si, f"#{sid.time_object_id}", key.digest)
    if len(_SKELETONS) >= _SKELETON_LIMIT:
        _SKELETONS.clear()
    _SKELETONS[key] = slot_el
    return slot_el


@dataclass(frozen=True, slots=True)
class _Template:
    """Byte templates of one skeleton: the exclusive-C14N forms of its ``Object`` and
    ``SignedInfo`` and the serialised slot, cut where the per-record values go."""

    obj: tuple[bytes, bytes]  # around SigningTime
    signed_info: tuple[bytes, bytes, bytes]  # around the two DigestValues
    slot: tuple[bytes, ...]  # the serialised slot's literal parts ...
    slot_values: tuple[int, ...]  # ... and the index of the value between each two


# Letters and digits only: nothing in C14N or serialisation escapes or reorders them.
_MARKS = tuple(f"HBSMARK{i}Z7Q" for i in range(6))
_MARK_SPLIT = re.compile(rb"HBSMARK([0-5])Z7Q")
_TEMPLATES: dict[_SkeletonKey, _Template | None] = {}


def _slot_template(key: _SkeletonKey) -> _Template | None:
    """The byte templates of ``key``'s skeleton, or None if they cannot be cut exactly.

    Made by filling a copy of the skeleton with marker values and canonicalising /
    serialising it with lxml, so the templates are lxml's own output: the fast path of
    :func:`sign` then produces the same bytes as the tree path without building a tree
    (tests/signing/test_fast_path.py compares both).
    """
    if key in _TEMPLATES:
        return _TEMPLATES[key]
    slot_el = copy.deepcopy(_slot_skeleton(key))
    slot_el[0].text = _MARKS[0]
    if key.with_cccd:
        slot_el[1].text = _MARKS[1]
    sig = slot_el[-1]
    si, sv, obj = sig[0], sig[1], sig[3]
    si[2][2].text, si[3][2].text = _MARKS[2], _MARKS[3]
    sv.text = _MARKS[4]
    obj[0][0][0].text = _MARKS[5]
    obj_parts = _MARK_SPLIT.split(exc_c14n(obj))
    si_parts = _MARK_SPLIT.split(exc_c14n(si))
    slot_parts = _MARK_SPLIT.split(etree.tostring(slot_el, encoding="utf-8"))
    wanted = ["0", "1", "2", "3", "4", "5"] if key.with_cccd else ["0", "2", "3", "4", "5"]
    template = None
    if (
        obj_parts[1::2] == [b"5"]
        and si_parts[1::2] == [b"2", b"3"]
        and [m.decode() for m in slot_parts[1::2]] == wanted
    ):
        template = _Template(
            (obj_parts[0], obj_parts[2]),
            (si_parts[0], si_parts[2], si_parts[4]),
            tuple(slot_parts[0::2]),
            tuple(int(p) for p in slot_parts[1::2]),
        )
    if len(_TEMPLATES) >= _SKELETON_LIMIT:
        _TEMPLATES.clear()
    _TEMPLATES[key] = template
    return template


def _splice_point(
    xml_bytes: bytes, layout: Layout, sid: SlotId
) -> tuple[int, tuple[bytes, bytes]] | None:
    """Where serialising the tree with the new slot would put it, as an offset into the
    input bytes; None when that cannot be told exactly from the bytes alone.

    Exact because, in a document without comments, processing instructions (both refused by
    :func:`read_layout`) and CDATA sections (checked here), ``<`` only ever starts a tag, and
    the end tag used must be followed by nothing but ``</HOC_BA>`` (and whitespace): so it is
    the end tag of the root's last child -- the data, or the slot container. Anything else
    (``</DANH_SACH_THONG_TIN_KY >`` with a space, the same text nested deeper) takes the
    element path.
    """
    if sid.kind is SlotKind.GVBM or not xml_bytes.startswith(b"<HOC_BA>"):
        return None  # subject slots go in subject order; a declaration would be dropped
    if b"<![CDATA[" in xml_bytes:
        return None
    container = layout.container
    if container is None:
        end = xml_bytes.rfind(b"</DU_LIEU_HOC_BA>")
        if end < 0 or not _ROOT_END.fullmatch(xml_bytes, end + len(b"</DU_LIEU_HOC_BA>")):
            return None
        return end + len(b"</DU_LIEU_HOC_BA>"), (
            b"<DANH_SACH_THONG_TIN_KY>",
            b"</DANH_SACH_THONG_TIN_KY>",
        )
    rank = SLOT_ORDER.index(sid.kind.value)
    for child in container:
        tag = child.tag
        if isinstance(tag, str) and tag in SLOT_ORDER and SLOT_ORDER.index(tag) > rank:
            return None  # not appended last (the order check refuses this anyway)
    end = xml_bytes.rfind(b"</DANH_SACH_THONG_TIN_KY>")
    if end < 0 or not _ROOT_END.fullmatch(xml_bytes, end + len(b"</DANH_SACH_THONG_TIN_KY>")):
        return None
    return end, (b"", b"")


# What may follow the root's last child: the end tag found must be right before the root's.
_ROOT_END = re.compile(rb"[ \t\r\n]*</HOC_BA>[ \t\r\n]*")


def _text(el: etree._Element | None) -> str | None:
    return el.text.strip() if el is not None and el.text is not None else None


def _check_order(layout: Layout, sid: SlotId, profile: Profile) -> None:
    if sid in layout.slots:
        raise _refuse(
            "SIG-SLOT-TAKEN",
            f"slot {sid} is already signed",
            f"Vị trí {sid} đã được ký; không ký đè.",
        )
    rank = profile.rank(sid.kind)
    for other in layout.slots:
        if profile.rank(other.kind) > rank:
            raise _refuse(
                "SIG-ORDER",
                f"slot {sid} cannot be signed after {other} (order: "
                f"{' → '.join(r.kind.value for r in profile.slots)})",
                f"Không thể ký {sid} sau khi {other} đã ký (thứ tự: "
                f"{' → '.join(r.kind.value for r in profile.slots)}).",
            )
    for rule in profile.slots[:rank]:
        if not rule.required:
            continue
        if rule.kind is SlotKind.GVBM:
            missing = [c for c in layout.subjects if SlotId(SlotKind.GVBM, c) not in layout.slots]
            if missing:
                raise _refuse(
                    "SIG-ORDER",
                    f"slot {sid} needs every subject teacher's signature first; missing: "
                    f"{', '.join(missing)}",
                    f"Cần đủ chữ ký giáo viên bộ môn trước khi ký {sid}; còn thiếu: "
                    f"{', '.join(missing)}.",
                )
        elif SlotId(rule.kind) not in layout.slots:
            raise _refuse(
                "SIG-ORDER",
                f"slot {sid} needs {rule.kind.value} ({rule.role_en}) to sign first",
                f"Cần chữ ký {rule.kind.value} ({rule.role_vi}) trước khi ký {sid}.",
            )


def _insert_slot(layout: Layout, sid: SlotId, slot_el: etree._Element) -> None:
    container = layout.container
    if container is None:
        container = etree.Element(SLOTS)
        assert layout.data is not None
        layout.data.addnext(container)
        layout.container = container
    if sid.kind is SlotKind.GVBM:
        parent = container.find(GVBM_LIST)
        if parent is None:
            parent = etree.Element(GVBM_LIST)
            container.insert(0, parent)
        order = list(layout.subjects)
        pos = order.index(sid.subject or "")
        for i, g in enumerate(parent):
            code = g.get("MA_MON_HOC") or ""
            if code in order and order.index(code) > pos:
                parent.insert(i, slot_el)
                break
        else:
            parent.append(slot_el)
    else:
        rank = SLOT_ORDER.index(sid.kind.value)
        for i, child in enumerate(container):
            if (
                isinstance(child.tag, str)
                and child.tag in SLOT_ORDER
                and SLOT_ORDER.index(child.tag) > rank
            ):
                container.insert(i, slot_el)
                break
        else:
            container.append(slot_el)


def _reference_skeleton(
    signed_info: etree._Element,
    uri: str,
    digest_uri: str,
    *,
    ref_id: str | None = None,
    ref_type: str | None = None,
) -> etree._Element:
    """Append ``Reference`` (exc-C14N transform, ``DigestMethod``) with an empty DigestValue."""
    attrs = {"URI": uri}
    if ref_id:
        attrs["Id"] = ref_id
    if ref_type:
        attrs["Type"] = ref_type
    ref = etree.SubElement(signed_info, ds("Reference"), attrs)
    transforms = etree.SubElement(ref, ds("Transforms"))
    etree.SubElement(transforms, ds("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(ref, ds("DigestMethod"), Algorithm=digest_uri)
    etree.SubElement(ref, ds("DigestValue"))
    return ref


def _digest_text(digest: DigestAlgorithm, data: bytes) -> str:
    return base64.b64encode(digest.digest(data)).decode()


def _add_reference(
    signed_info: etree._Element,
    uri: str,
    data: bytes,
    digest: DigestAlgorithm,
    *,
    ref_id: str | None = None,
    ref_type: str | None = None,
) -> None:
    ref = _reference_skeleton(signed_info, uri, digest.value, ref_id=ref_id, ref_type=ref_type)
    ref[2].text = _digest_text(digest, data)


@dataclass(frozen=True, slots=True)
class _Splice:
    """Where and what to insert into the input bytes (the fast path of :func:`sign`)."""

    source: bytes
    at: int
    wrap: tuple[bytes, bytes]
    template: _Template
    values: list[bytes]  # NGAY_KY, SO_CCCD, DigestValue x2, SignatureValue (empty), SigningTime

    def render(self, signature_value: str) -> bytes:
        values = self.values
        values[4] = signature_value.encode("ascii")
        literals, indices = self.template.slot, self.template.slot_values
        out = [self.source[: self.at], self.wrap[0], literals[0]]
        for index, literal in zip(indices, literals[1:], strict=True):
            out += (values[index], literal)
        out += (self.wrap[1], self.source[self.at :])
        return b"".join(out)


@dataclass(frozen=True, slots=True)
class _Built:
    root: etree._Element
    signature: etree._Element | None
    slot: str
    signed_info: bytes
    algorithm: SignatureAlgorithm
    level: SignatureLevel
    splice: _Splice | None = None


def _build(
    xml_bytes: bytes,
    *,
    slot: str | SlotId,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    signing_time: dt.datetime | None = None,
    cccd: str | None = None,
    policy: SignaturePolicy | None = None,
    profile: str | Profile | None = None,
    _unsafe_skip_checks: bool = False,
    splice: bool = False,
) -> _Built:
    """Phase 1 on an lxml tree (see :func:`prepare`).

    ``splice=True`` (:func:`sign`) lets an XML-DSig slot appended to a canonical record be
    produced from byte templates and spliced into the input, instead of being built as
    elements, inserted and the whole document serialised again (same bytes, a third of
    the time of signing a record).
    """
    policy = policy or SignaturePolicy()
    sid = SlotId.parse(slot)
    root = parse_document(xml_bytes)
    layout = read_layout(root, profile)
    prof = layout.profile
    if layout.problems:
        p = layout.problems[0]
        raise errors.InputError(
            f"the record cannot be signed: {p.message_en}",
            message_vi=f"Không thể ký học bạ: {p.message_vi}",
            code=p.code,
            location=p.location,
        )
    rule = prof.rule(sid.kind)
    if rule is None:
        raise _refuse(
            "SIG-SLOT",
            f"profile {prof.name} has no {sid.kind.value} slot",
            f"Hồ sơ {prof.name} không có vị trí ký {sid.kind.value}.",
        )
    _check_order(layout, sid, prof)

    if rule.target is Target.SUBJECT:
        target = layout.subjects.get(sid.subject or "")
        if target is None:
            raise _refuse(
                "SIG-NO-SUBJECT",
                f"the record has no subject entry {sid.subject!r}",
                f"Học bạ không có môn {sid.subject!r} để giáo viên bộ môn ký.",
            )
        target_uri = f"#mon-{sid.subject}"
    else:
        assert layout.data is not None
        target = layout.data
        target_uri = "#data"

    # certificate checks
    public_key = cert.public_key()
    reason = check_public_key(public_key)
    if reason:
        raise _refuse(
            "SIG-WEAK-ALG", f"signer key refused: {reason}", f"Khóa ký không đạt: {reason}."
        )
    ident = identity_of(cert)
    when = signing_time or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        raise errors.InputError(
            "signing_time must be timezone-aware",
            message_vi="Thời điểm ký phải có múi giờ.",
            code="SIG-TIME",
        )
    if not _unsafe_skip_checks and not (
        cert.not_valid_before_utc <= when <= cert.not_valid_after_utc
    ):
        raise _refuse(
            "SIG-CERT-VALIDITY",
            f"the certificate is not valid at {when.isoformat()} (valid "
            f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d})",
            f"Chứng thư số không còn/chưa có hiệu lực tại thời điểm ký (hiệu lực từ "
            f"{cert.not_valid_before_utc:%d/%m/%Y} đến {cert.not_valid_after_utc:%d/%m/%Y}).",
        )
    if not usable_for_signing(cert):
        raise _refuse(
            "SIG-KEY-USAGE",
            "the certificate's key usage does not allow signing",
            "Chứng thư số không được phép dùng để ký (Key Usage).",
        )
    if rule.certificate is CertificateKind.ORGANISATION:
        if not ident.is_organisation and not _unsafe_skip_checks:
            raise _refuse(
                "SIG-CERT-KIND",
                "the issuing seal (KY_PHAT_HANH) needs the school's organisation certificate "
                "(MST: in the subject)",
                "Ký phát hành phải dùng chứng thư số tổ chức của nhà trường (có MST), không dùng "
                "chứng thư số cá nhân.",
            )
        slot_cccd = None
    else:
        if ident.is_organisation and not _unsafe_skip_checks:
            raise _refuse(
                "SIG-CERT-KIND",
                f"slot {sid} needs a personal certificate, not an organisation one",
                f"Vị trí {sid} phải dùng chứng thư số cá nhân, không dùng chứng thư tổ chức.",
            )
        slot_cccd = cccd or ident.cccd
        if slot_cccd is None or len(slot_cccd) != 12 or not slot_cccd.isdigit():
            raise _refuse(
                "SIG-CCCD",
                "a personal slot needs SO_CCCD (12 digits); pass cccd=",
                "Cần số CCCD 12 chữ số của người ký.",
            )
        if ident.cccd is not None and ident.cccd != slot_cccd and not _unsafe_skip_checks:
            raise _refuse(
                "SIG-CCCD",
                f"SO_CCCD {slot_cccd} differs from the certificate's CCCD {ident.cccd}",
                f"Số CCCD {slot_cccd} không khớp với CCCD trong chứng thư số ({ident.cccd}).",
            )
        if rule.expected_cccd and not _unsafe_skip_checks:
            base = target if rule.target is Target.SUBJECT else layout.data
            expected = _text(find_first(base, rule.expected_cccd)) if base is not None else None
            if expected and expected != slot_cccd:
                raise _refuse(
                    "SIG-CCCD",
                    f"the record names {expected} ({rule.expected_cccd}) for slot {sid}, "
                    f"not the signer {slot_cccd}",
                    f"Học bạ ghi người ký {sid} có CCCD {expected}, khác người đang ký "
                    f"({slot_cccd}).",
                )

    algorithm = policy.signature_algorithm or default_algorithm(public_key, policy.digest)
    if algorithm.key_type != ("ec" if isinstance(public_key, ec.EllipticCurvePublicKey) else "rsa"):
        raise _refuse(
            "SIG-WEAK-ALG",
            f"algorithm {algorithm.name} does not fit the certificate key",
            "Thuật toán ký không phù hợp với khóa của chứng thư số.",
        )
    digest = policy.digest
    time_text = format_signing_time(when)
    if not _unsafe_skip_checks:
        for other, el in layout.slots.items():
            earlier = parse_signing_time(_text(el.find("NGAY_KY")))
            if earlier is not None and earlier > when:
                raise _refuse(
                    "SIG-TIME-ORDER",
                    f"signing time {time_text} is before the signing time of {other}",
                    f"Thời điểm ký {time_text} sớm hơn thời điểm ký của {other}; "
                    "kiểm tra đồng hồ máy tính.",
                )

    # build the slot element (from a cached skeleton) and insert it where it belongs
    xades_level = policy.level is not SignatureLevel.XMLDSIG
    certs = (cert, *(chain if policy.embed_chain else ()))
    key = _SkeletonKey(
        sid,
        algorithm.value,
        digest.value,
        target_uri,
        sid.data_reference_id if xades_level else None,
        ident.subject,
        tuple(der_of(c) for c in certs),
        slot_cccd is not None,
    )
    point = _splice_point(xml_bytes, layout, sid) if splice and not xades_level else None
    template = _slot_template(key) if point is not None else None
    if point is not None and template is not None:
        time_b = time_text.encode("ascii")
        dv1 = _digest_text(digest, exc_c14n(target)).encode("ascii")
        dv2 = _digest_text(digest, template.obj[0] + time_b + template.obj[1]).encode("ascii")
        t_si = template.signed_info
        values = [time_b, (slot_cccd or "").encode("ascii"), dv1, dv2, b"", time_b]
        return _Built(
            root,
            None,
            str(sid),
            t_si[0] + dv1 + t_si[1] + dv2 + t_si[2],
            algorithm,
            policy.level,
            _Splice(xml_bytes, point[0], point[1], template, values),
        )
    slot_el = copy.deepcopy(_slot_skeleton(key))
    slot_el[0].text = time_text  # NGAY_KY
    if slot_cccd is not None:
        slot_el[1].text = slot_cccd  # SO_CCCD
    sig = slot_el[-1]
    si, obj = sig[0], sig[3]
    obj[0][0][0].text = time_text  # Object/SignatureProperties/SignatureProperty/SigningTime
    signed_props = (
        _xades.build_qualifying_properties(sig, sid, cert, time_text, digest)
        if xades_level
        else None
    )
    _insert_slot(layout, sid, slot_el)

    # SignedInfo/Reference[1] (data) and [2] (SigningTime Object): fill DigestValue
    si[2][2].text = _digest_text(digest, exc_c14n(target))
    si[3][2].text = _digest_text(digest, exc_c14n(obj))
    if signed_props is not None:
        _add_reference(
            si,
            f"#{sid.signed_properties_id}",
            exc_c14n(signed_props),
            digest,
            ref_type=XADES_SIGNED_PROPERTIES_TYPE,
        )
    signed_info = exc_c14n(si)
    return _Built(root, sig, str(sid), signed_info, algorithm, policy.level)


def prepare(
    xml_bytes: bytes,
    *,
    slot: str | SlotId,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    signing_time: dt.datetime | None = None,
    cccd: str | None = None,
    policy: SignaturePolicy | None = None,
    profile: str | Profile | None = None,
    _unsafe_skip_checks: bool = False,
) -> PreparedSignature:
    """Build the slot's signature up to ``SignedInfo`` -- phase 1 of hash-only signing.

    Args:
        xml_bytes: the record (UTF-8 ``HOC_BA``); earlier slots are kept byte for byte.
        slot: ``GVBM:<MA_MON_HOC>``, ``GVCN``, ``CBQL`` or ``KY_PHAT_HANH``.
        cert: the signer certificate.
        chain: CA certificates to embed after it.
        signing_time: the signing time (timezone-aware); default now. Written as ``NGAY_KY``
            and ``SigningTime`` in ``+07:00``.
        cccd: ``SO_CCCD`` for a personal slot; default: the ``CCCD:`` of the certificate.
        policy: algorithms and level (:class:`SignaturePolicy`).
        profile: ``tieu-hoc-1.0`` / ``trung-hoc-1.0``; default from ``MA_CAP_HOC``.

    Raises:
        SigningError: order, slot taken, wrong certificate kind, CCCD mismatch, expired
            certificate, weak algorithm. InputError subclasses for unusable XML.
    """
    built = _build(
        xml_bytes,
        slot=slot,
        cert=cert,
        chain=chain,
        signing_time=signing_time,
        cccd=cccd,
        policy=policy,
        profile=profile,
        _unsafe_skip_checks=_unsafe_skip_checks,
    )
    assert built.splice is None
    return PreparedSignature(
        document=serialize(built.root),
        slot=built.slot,
        signed_info=built.signed_info,
        digest=built.algorithm.digest_algorithm.digest(built.signed_info),
        algorithm=built.algorithm,
        certificate=der_of(cert),
        level=built.level,
    )


def sign(
    xml_bytes: bytes,
    *,
    slot: str | SlotId,
    key: PrivateKey | None = None,
    cert: x509.Certificate | None = None,
    chain: Sequence[x509.Certificate] = (),
    signer: Signer | None = None,
    signing_time: dt.datetime | None = None,
    cccd: str | None = None,
    policy: SignaturePolicy | None = None,
    profile: str | Profile | None = None,
    tsa: _xades.TimestampAuthority | None = None,
) -> bytes:
    """Sign one slot of a *học bạ* record and return the new record bytes.

    Give either ``key`` + ``cert`` (+ ``chain``) or a ``signer`` (:class:`Signer`, e.g. a remote
    signing service or a :class:`LocalSigner`). Signatures are parallel: earlier slots are not
    touched and stay valid.

    Raises:
        SigningError: the slot cannot be signed (order, certificate, algorithm, TSA...).
        InputError: the XML cannot be used (syntax, DTD, wrong root...).
    """
    if signer is None:
        if key is None or cert is None:
            raise _refuse(
                "SIG-KEY",
                "give key= and cert=, or signer=",
                "Cần khóa bí mật và chứng thư số (hoặc dịch vụ ký).",
            )
        signer = LocalSigner(key, cert, chain)
    elif key is not None:
        raise _refuse("SIG-KEY", "give either key= or signer=, not both", "Chỉ chọn một cách ký.")
    built = _build(
        xml_bytes,
        slot=slot,
        cert=signer.certificate,
        chain=signer.chain,
        signing_time=signing_time,
        cccd=cccd,
        policy=policy,
        profile=profile,
        splice=True,
    )
    algorithm = built.algorithm
    try:
        value = signer.sign_digest(algorithm.digest_algorithm.digest(built.signed_info), algorithm)
    except errors.HocbasoError:
        raise
    except Exception as exc:  # a signing service or token failed
        raise _refuse(
            "SIG-SIGNER",
            f"the signer failed: {type(exc).__name__}: {exc}",
            "Thiết bị/dịch vụ ký số báo lỗi; chưa ký được. Hãy thử lại.",
        ) from exc
    public_key = signer.certificate.public_key()
    value = _normalise_value(value, public_key, algorithm)
    # a LocalSigner's key was matched with its certificate when it was built; anything else
    # (remote service, token) is checked before its answer goes into the record
    if not isinstance(signer, LocalSigner) and not _check_value(
        public_key, value, built.signed_info, algorithm
    ):
        raise _refuse(
            "SIG-VALUE",
            "the signature value does not verify with the signer certificate",
            "Giá trị chữ ký trả về không khớp với chứng thư số (sai khóa hoặc dịch vụ ký "
            "trả kết quả sai). Hãy ký lại.",
        )
    if built.splice is not None:  # XML-DSig level: no time-stamp to add
        return built.splice.render(base64.b64encode(value).decode("ascii"))
    assert built.signature is not None
    return _finish(built.signature, built.root, value, built.level, algorithm, tsa)


def _finish(
    sig: etree._Element,
    root: etree._Element,
    value: bytes,
    level: SignatureLevel,
    algorithm: SignatureAlgorithm,
    tsa: _xades.TimestampAuthority | None,
) -> bytes:
    sv = sig.find(ds("SignatureValue"))
    assert sv is not None
    sv.text = base64.b64encode(value).decode("ascii")
    if _LEVEL_ORDER.index(level) >= _LEVEL_ORDER.index(SignatureLevel.XADES_B_T):
        if tsa is None:
            raise _refuse(
                "SIG-TSA",
                f"level {level.value} needs a time-stamping authority (tsa=)",
                "Mức chữ ký này cần máy chủ cấp dấu thời gian (TSA).",
            )
        _xades.add_signature_timestamp(sig, tsa, algorithm.digest_algorithm)
    return serialize(root)
