"""Assessing and rendering a printable copy (internal; see :mod:`hocbaso.render`)."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import io
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Literal

import qrcode
import qrcode.constants
import qrcode.image.svg
from jinja2 import Environment, PackageLoader, StrictUndefined
from lxml import etree
from markupsafe import Markup

from hocbaso import errors
from hocbaso._xml._parse import DEFAULT_MAX_BYTES, parse_bytes
from hocbaso.codec import to_xml
from hocbaso.models import PrimaryRecord, SecondaryRecord
from hocbaso.render._code import CopyCode
from hocbaso.render._summary import (
    VIETNAM_TZ,
    Outcome,
    SlotSummary,
    VerificationSummary,
)
from hocbaso.render._view import (
    SLOT_ROLES,
    RecordView,
    build_view,
    show_date,
    show_time,
)
from hocbaso.report import Problem, Report, Severity
from hocbaso.validation import validate

OnInvalid = Literal["watermark", "refuse"]
"""What to do with a copy that is not valid: stamp it (``watermark``) or raise (``refuse``)."""

REQUIRED_SLOTS = ("CBQL", "KY_PHAT_HANH")
"""Slots a record must carry before it is issued (principal, then the school's seal)."""
_MAX_REASONS = 8


class CopyStatus(str, enum.Enum):
    """Status of a printable copy, printed on it (and as a watermark when not valid)."""

    VALID = "valid"
    """Valid record, every signature verified: no status watermark."""
    NOT_VERIFIED = "not-verified"
    """Valid, signed record whose signatures were not verified or could not be decided."""
    NOT_VALID = "not-valid"
    """Invalid record, unsigned or incompletely signed record, or failed signatures."""

    @property
    def label_vi(self) -> str:
        """Vietnamese wording of the status."""
        return {
            CopyStatus.VALID: "HỢP LỆ",
            CopyStatus.NOT_VERIFIED: "CHƯA XÁC THỰC",
            CopyStatus.NOT_VALID: "KHÔNG HỢP LỆ",
        }[self]

    @property
    def label_en(self) -> str:
        """English wording of the status."""
        return {
            CopyStatus.VALID: "VALID",
            CopyStatus.NOT_VERIFIED: "NOT VERIFIED",
            CopyStatus.NOT_VALID: "NOT VALID",
        }[self]


@dataclass(frozen=True, slots=True)
class CopyAssessment:
    """What a copy of a record would show about its validity (frozen).

    Attributes:
        status: valid / not verified / not valid.
        reasons: why the status is not ``VALID`` (rule ids ``RENDER-*`` first, then the
            validation problems), most important first.
        code: the copy code printed as a QR code; ``None`` when the record has no readable
            ``MA_TRA_CUU_UUID``.
        verification: the verification summary printed on the copy (the one given, or what the
            record claims, marked "not checked").
        validation: the XSD + model validation report of the record bytes.
        record_sha256: SHA-256 of the exact record bytes.
    """

    status: CopyStatus
    reasons: tuple[Problem, ...]
    code: CopyCode | None
    verification: VerificationSummary
    validation: Report
    record_sha256: bytes

    def raise_for_status(self) -> CopyAssessment:
        """Return self when ``VALID``; else raise.

        Raises:
            DocumentInvalidError: ``RENDER-INVALID`` — the record breaks the XSD or the models.
            VerificationError: ``RENDER-UNSIGNED``, ``RENDER-INCOMPLETE``,
                ``RENDER-SIGNATURE-FAILED``, ``RENDER-DATA-NOT-SIGNED``,
                ``RENDER-SIGNATURE-INDETERMINATE`` or ``RENDER-NOT-VERIFIED``.
        """
        if self.status is CopyStatus.VALID:
            return self
        first = self.reasons[0]
        message_en = f"refused to print a copy that is {self.status.label_en}: {first.message_en}"
        message_vi = (
            f"Không in bản thể hiện vì học bạ {self.status.label_vi.lower()}: {first.message_vi}"
        )
        if first.rule == "RENDER-INVALID":
            raise errors.DocumentInvalidError(
                message_en, message_vi=message_vi, report=self.validation, code=first.rule
            )
        raise errors.VerificationError(
            message_en,
            message_vi=message_vi,
            code=first.rule,
            location=first.location,
            report=self,
        )


def _problem(
    rule: str, vi: str, en: str, *, warning: bool = False, where: str | None = None
) -> Problem:
    return Problem(rule, Severity.WARNING if warning else Severity.ERROR, where, None, vi, en)


def _record_bytes(record: bytes | PrimaryRecord | SecondaryRecord) -> bytes:
    if isinstance(record, PrimaryRecord | SecondaryRecord):
        return to_xml(record)
    if isinstance(record, bytes | bytearray | memoryview):
        return bytes(record)
    raise errors.InputError(
        f"cannot render a {type(record).__name__}; give record bytes or a record model",
        message_vi="Cần tệp học bạ số (XML) hoặc đối tượng học bạ để in bản thể hiện.",
        code="RENDER-INPUT",
    )


def _lookup_uuid(view: RecordView) -> uuid.UUID | None:
    text = view.general.get("MA_TRA_CUU_UUID")
    if not text:
        return None
    try:
        value = uuid.UUID(text)
    except ValueError:
        return None
    return value if str(value) == text else None


def _claims_summary(view: RecordView) -> VerificationSummary:
    g = view.general
    names = {
        "GVCN": g.get("TEN_GIAO_VIEN_CHU_NHIEM"),
        "CBQL": g.get("TEN_GIAM_HIEU_KY_HOC_BA"),
        "KY_PHAT_HANH": g.get("TEN_TRUONG"),
    }
    slots = []
    for claim in view.claims:
        kind, _, subject = claim.slot.partition(":")
        role_vi, role_en = SLOT_ROLES.get(kind, (kind, kind))
        if subject:
            subject_name = view.subject_name(subject) or subject
            role_vi, role_en = f"{role_vi} — {subject_name}", f"{role_en} — {subject}"
            name = view.subject_teacher(subject)
        else:
            name = names.get(kind)
        slots.append(
            SlotSummary(
                slot=claim.slot,
                role_vi=role_vi,
                role_en=role_en,
                signer_name=name,
                signer_id=f"CCCD {claim.personal_id}" if claim.personal_id else None,
                signed_at=claim.signed_at,
                outcome=Outcome.NOT_CHECKED,
            )
        )
    return VerificationSummary(outcome=Outcome.NOT_CHECKED, slots=tuple(slots))


def _data_digests(root: etree._Element) -> set[bytes]:
    """SHA-256 of ``DU_LIEU_HOC_BA`` in exclusive and inclusive C14N 1.0 (without comments):
    a ``#data`` reference may use either, and both give the verifier's ``signed_data``."""
    data = root.find("DU_LIEU_HOC_BA")
    if data is None:
        return set()
    return {
        hashlib.sha256(
            etree.tostring(data, method="c14n", exclusive=exclusive, with_comments=False)
        ).digest()
        for exclusive in (True, False)
    }


@dataclass(frozen=True, slots=True)
class _Prepared:
    assessment: CopyAssessment
    view: RecordView


def _prepare(
    record: bytes | PrimaryRecord | SecondaryRecord,
    verification: VerificationSummary | None,
    max_bytes: int,
) -> _Prepared:
    data = _record_bytes(record)
    report = validate(data, max_bytes=max_bytes)  # raises for unusable input
    root = parse_bytes(data, max_bytes=max_bytes).getroot()
    view = build_view(root)
    digest = hashlib.sha256(data).digest()
    if verification is not None and not isinstance(verification, VerificationSummary):
        raise errors.ConfigurationError(
            "verification must be a hocbaso.render.VerificationSummary "
            "(see summary_from_report / verify_for_copy)",
            message_vi="Thông tin xác thực chữ ký số không đúng kiểu (VerificationSummary).",
            code="RENDER-SUMMARY-TYPE",
        )
    if verification is not None and verification.record_sha256 not in (None, digest):
        raise errors.InputError(
            "the verification summary was made for other record bytes than those rendered",
            message_vi="Kết quả kiểm tra chữ ký số thuộc về một tệp học bạ khác với tệp đang in; "
            "hãy kiểm tra lại đúng tệp này.",
            code="RENDER-SUMMARY-MISMATCH",
        )

    reasons: list[Problem] = []
    status = CopyStatus.VALID
    if not report.valid:
        status = CopyStatus.NOT_VALID
        reasons.append(
            _problem(
                "RENDER-INVALID",
                f"Học bạ có {len(report.errors)} lỗi so với chuẩn "
                "(lược đồ XSD, ràng buộc dữ liệu).",
                f"the record has {len(report.errors)} error(s) against the XSD and the models",
            )
        )
        reasons.extend(report.errors[: _MAX_REASONS - 1])
    present = {c.slot for c in view.claims}
    if not present:
        status = CopyStatus.NOT_VALID
        reasons.append(
            _problem(
                "RENDER-UNSIGNED",
                "Học bạ chưa được ký số (không có chữ ký của Hiệu trưởng và của nhà trường).",
                "the record carries no digital signature",
                where="/HOC_BA/DANH_SACH_THONG_TIN_KY",
            )
        )
    else:
        missing = [s for s in REQUIRED_SLOTS if s not in present]
        if missing:
            status = CopyStatus.NOT_VALID
            reasons.append(
                _problem(
                    "RENDER-INCOMPLETE",
                    f"Học bạ chưa đủ chữ ký số để phát hành: thiếu {', '.join(missing)}.",
                    f"the record lacks the signature(s) needed for issue: {', '.join(missing)}",
                    where="/HOC_BA/DANH_SACH_THONG_TIN_KY",
                )
            )
    shown = verification or _claims_summary(view)
    if present:
        if verification is None:
            if status is CopyStatus.VALID:
                status = CopyStatus.NOT_VERIFIED
            reasons.append(
                _problem(
                    "RENDER-NOT-VERIFIED",
                    "Chữ ký số chưa được kiểm tra khi in bản này.",
                    "the signatures were not verified when this copy was made",
                    warning=True,
                )
            )
        else:
            signed = verification.signed_data_sha256
            if signed is not None and signed not in _data_digests(root):
                status = CopyStatus.NOT_VALID
                reasons.append(
                    _problem(
                        "RENDER-DATA-NOT-SIGNED",
                        "Dữ liệu in ra không phải dữ liệu đã được ký số.",
                        "the data printed is not the data the signatures cover",
                    )
                )
            if verification.outcome is Outcome.FAILED:
                status = CopyStatus.NOT_VALID
                reasons.append(
                    _problem(
                        "RENDER-SIGNATURE-FAILED",
                        verification.note_vi or "Chữ ký số không hợp lệ.",
                        verification.note_en or "a signature failed verification",
                    )
                )
            elif verification.outcome is not Outcome.PASSED:
                if status is CopyStatus.VALID:
                    status = CopyStatus.NOT_VERIFIED
                rule = (
                    "RENDER-SIGNATURE-INDETERMINATE"
                    if verification.outcome is Outcome.INDETERMINATE
                    else "RENDER-NOT-VERIFIED"
                )
                reasons.append(
                    _problem(
                        rule,
                        verification.note_vi or "Chưa xác định được tính hợp lệ của chữ ký số.",
                        verification.note_en or "the signatures could not be verified",
                        warning=True,
                    )
                )
    lookup = _lookup_uuid(view)
    code = CopyCode(lookup, digest) if lookup is not None else None
    assessment = CopyAssessment(
        status=status,
        reasons=tuple(reasons),
        code=code,
        verification=shown,
        validation=report,
        record_sha256=digest,
    )
    return _Prepared(assessment, view)


def assess_copy(
    record: bytes | PrimaryRecord | SecondaryRecord,
    *,
    verification: VerificationSummary | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> CopyAssessment:
    """Decide what a printable copy of ``record`` would say about its validity.

    ``record`` is best given as the exact bytes of the record file (the QR code carries their
    SHA-256); a model is serialised with :func:`hocbaso.to_xml` first.

    Raises:
        InputError: the bytes cannot be used at all (not XML, DTD, too large, wrong root...),
            or ``verification`` was made for other bytes (``RENDER-SUMMARY-MISMATCH``).
    """
    return _prepare(record, verification, max_bytes).assessment


# -- HTML ---------------------------------------------------------------------------------------


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hocbaso.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["blank"] = _blank
    env.filters["yesno"] = _yesno
    env.filters["when"] = show_time
    env.filters["day"] = show_date
    return env


def _blank(value: object) -> object:
    if value is None or value == "":
        return Markup('<span class="blank">…</span>')
    return value


def _yesno(value: bool | None, yes: str = "Có", no: str = "Không") -> object:
    if value is None:
        return _blank(None)
    return yes if value else no


def qr_svg(text: str) -> bytes:
    """The QR code of ``text`` as an SVG document (error correction level M, 4-module border)."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    qr.add_data(text)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer)
    return buffer.getvalue()


def _date_line(place: str | None, when: dt.datetime | None) -> str:
    if when is None:
        return f"{place or '…'}, ngày … tháng … năm …"
    local = when.astimezone(VIETNAM_TZ)
    return f"{place or '…'}, ngày {local.day:02d} tháng {local.month:02d} năm {local.year}"


def render_html(
    record: bytes | PrimaryRecord | SecondaryRecord,
    *,
    verification: VerificationSummary | None = None,
    on_invalid: OnInvalid = "watermark",
    watermark: str | None = None,
    printed_at: dt.datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> str:
    """The printable copy (*bản thể hiện học bạ số*) of one record as a standalone HTML page.

    Args:
        record: the exact record bytes (recommended: the QR code carries their SHA-256), or a
            record model (serialised with :func:`hocbaso.to_xml`).
        verification: the verification state to print (:func:`verify_for_copy` or
            :func:`summary_from_report`); without it the copy says "not verified".
        on_invalid: ``"watermark"`` prints a copy that is not valid with a "KHÔNG HỢP LỆ /
            NOT VALID" (or "CHƯA XÁC THỰC / NOT VERIFIED") watermark on every page;
            ``"refuse"`` raises instead (see :meth:`CopyAssessment.raise_for_status`).
        watermark: an extra text stamped across every page (e.g. ``"BẢN SAO"``), also on a
            valid copy.
        printed_at: the time printed as "In lúc" (default: now).
        max_bytes: size limit for the record.

    Raises:
        InputError: unusable input (always refused), or a summary made for other bytes.
        DocumentInvalidError / VerificationError: with ``on_invalid="refuse"``, for a copy
            that is not ``VALID``.
    """
    if on_invalid not in ("watermark", "refuse"):
        raise errors.ConfigurationError(
            f"on_invalid must be 'watermark' or 'refuse', not {on_invalid!r}",
            message_vi="Tuỳ chọn on_invalid chỉ nhận 'watermark' (đóng dấu) "
            "hoặc 'refuse' (từ chối).",
            code="RENDER-OPTION",
        )
    prepared = _prepare(record, verification, max_bytes)
    assessment = prepared.assessment
    if on_invalid == "refuse":
        assessment.raise_for_status()
    view = prepared.view
    moment = printed_at or dt.datetime.now(VIETNAM_TZ)
    if moment.tzinfo is None:
        raise errors.InputError(
            "printed_at must be timezone-aware",
            message_vi="Thời điểm in cần có múi giờ (ví dụ +07:00).",
            code="RENDER-TIME",
        )
    lines: list[str] = []
    if assessment.status is not CopyStatus.VALID:
        lines += [assessment.status.label_vi, assessment.status.label_en]
    if watermark and watermark.strip():
        lines.append(watermark.strip())
    code_text = assessment.code.to_text() if assessment.code is not None else None
    qr_uri = (
        "data:image/svg+xml;base64," + base64.b64encode(qr_svg(code_text)).decode("ascii")
        if code_text
        else None
    )
    summary = assessment.verification
    by_slot = {s.slot: s for s in summary.slots}
    return (
        _environment()
        .get_template("copy.html.j2")
        .render(
            v=view,
            g=view.general,
            a=assessment,
            status=assessment.status,
            summary=summary,
            by_slot=by_slot,
            main_slots=[s for s in summary.slots if not s.slot.startswith("GVBM:")],
            code_text=code_text,
            qr_uri=qr_uri,
            watermark_lines=lines,
            printed_at=show_time(moment),
            issue_line=_date_line(view.general.get("DIA_DANH_PHAT_HANH_HOC_BA"), view.issued_at),
            issued_date=show_date(view.issued_at),
            record_sha256=assessment.record_sha256.hex(),
            css=Markup(_css()),
            Outcome=Outcome,
            CopyStatus=CopyStatus,
        )
    )


@cache
def _css() -> str:
    from importlib.resources import files

    return (files("hocbaso.render") / "templates" / "copy.css").read_text(encoding="utf-8")
