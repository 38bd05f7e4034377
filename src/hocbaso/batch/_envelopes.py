"""Typed envelopes of the six official transactions (spec §2.3) and their responses.

Internal module: import the names from :mod:`hocbaso.batch`. Pure pydantic: no lxml, no I/O.

Python field names are English; the official parameter names (Vietnamese abbreviations,
mixed case, and the official misspelling ``error_filed_title``) are the aliases used in JSON.
The JSON framing itself is not published (Phụ lục 3 is missing); every choice made here is
listed in ``docs/batch.md`` under "Decisions where the Ministry is silent".
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StrictInt,
    StringConstraints,
    ValidationError,
    field_validator,
)

from hocbaso.batch._limits import TRANSACTION_LIMIT_BYTES
from hocbaso.errors import InputError, InputTooLargeError

__all__ = [
    "ApprovalState",
    "CertificateIssuer",
    "CertificateQuery",
    "CertificateQueryResponse",
    "CertificateRegistration",
    "CertificateRegistrationResponse",
    "RecordStatus",
    "RevokeRequest",
    "RevokeResponse",
    "RevokeStatus",
    "RevokeStatusQuery",
    "RevokeStatusResponse",
    "SignatureKind",
    "StatusQuery",
    "StatusQueryResponse",
    "SubmitRequest",
    "SubmitResponse",
    "SubmitState",
    "TransactionKind",
    "hash_password",
]


class TransactionKind(enum.IntEnum):
    """The six official transactions (*giao dịch*), numbered as in spec §2.3."""

    SUBMIT = 1
    """Gửi yêu cầu nộp báo cáo dữ liệu học bạ số (submit, *nộp*)."""
    SUBMIT_STATUS = 2
    """Truy vấn kết quả phát hành/nộp (status query)."""
    REGISTER_CERTIFICATE = 3
    """Đăng ký chứng thư số (register the organisation certificate)."""
    CERTIFICATE_STATUS = 4
    """Truy vấn kết quả đăng ký chứng thư số."""
    REVOKE = 5
    """Gửi yêu cầu thu hồi dữ liệu học bạ số (revoke, *thu hồi*)."""
    REVOKE_STATUS = 6
    """Truy vấn kết quả thu hồi."""


class SubmitState(enum.IntEnum):
    """``trang_thai`` of one record in a status response: 1 phê duyệt, 0 từ chối."""

    REJECTED = 0
    """Từ chối: the record was refused; see ``error_*``."""
    APPROVED = 1
    """Phê duyệt: the record was accepted."""


class ApprovalState(enum.IntEnum):
    """``trang_thai_phe_duyet`` of a registered certificate: 1 approved, 0 not approved."""

    NOT_APPROVED = 0
    """Chưa/không phê duyệt."""
    APPROVED = 1
    """Đã phê duyệt: the certificate may sign issuance (*ký phát hành*)."""


class RevokeState(enum.IntEnum):
    """``trang_thai`` of a revocation request (spec §2.7)."""

    PENDING = 1
    """Chờ xử lý: waiting for the Sở/Bộ."""
    ACCEPTED = 2
    """Đồng ý thu hồi: revoked; re-issue with a new ``MA_TRA_CUU_UUID``."""
    REFUSED = 3
    """Từ chối thu hồi: the revocation was refused."""


class SignatureKind(enum.StrEnum):
    """Known ``ma_kieu_chu_ky`` values (*kiểu chữ ký số*). The list is open: the Bộ API
    returns the current one, and unknown codes are kept as plain strings."""

    REMOTE_SIGNING = "REMOTE_SIGNING"
    """Ký số từ xa (remote signing service)."""
    USB_TOKEN = "USB_TOKEN"
    """USB token."""


class CertificateIssuer(enum.StrEnum):
    """Known ``nha_phat_hanh`` values (*nhà phát hành chứng thư số*); the list is open."""

    VNPT = "VNPT"
    """VNPT (VNPT SmartCA)."""
    BKAV = "BKAV"
    """BKAV."""
    VIETTEL = "VIETTEL"
    """Viettel (Viettel CA-RS / MySign)."""
    BAN_CO_YEU = "BAN_CO_YEU"
    """Ban Cơ yếu Chính phủ (Government Cipher Committee)."""


def hash_password(password: str) -> str:
    """SHA-256 of the unit's password (UTF-8), as 64 lower-case hex digits.

    The ``password`` parameter of ``authenticationRequest`` is this hash (spec §2.3); the
    clear password is never stored in an envelope.

    Raises:
        InputError: the password is empty or not a ``str``.
    """
    if not isinstance(password, str) or not password:
        raise InputError(
            "the password must be a non-empty string",
            message_vi="Mật khẩu không được để trống.",
            code="ENVELOPE-PASSWORD",
            location="password",
        )
    try:
        raw = password.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "the password cannot be encoded as UTF-8",
            message_vi="Mật khẩu có ký tự không hợp lệ.",
            code="ENVELOPE-PASSWORD",
            location="password",
        ) from None
    return hashlib.sha256(raw).hexdigest()


# ------------------------------------------------------------------------------- field types

_Text = Annotated[str, StringConstraints(min_length=1)]
_Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")]
_Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{64}$")]
_Base64 = Annotated[str, StringConstraints(min_length=4, pattern=r"^[A-Za-z0-9+/]+={0,2}$")]


def _strict_enum(value: object) -> object:
    # The official tables give no JSON type for these states: accept 1 and "1", emit 1.
    if isinstance(value, bool | float):
        raise ValueError("must be an integer code")
    if isinstance(value, str):
        if not (len(value) == 1 and value.isascii() and value.isdigit()):
            raise ValueError("must be an integer code")
        return int(value)
    return value


_SubmitStateField = Annotated[SubmitState, BeforeValidator(_strict_enum)]
_ApprovalField = Annotated[ApprovalState, BeforeValidator(_strict_enum)]
_RevokeStateField = Annotated[RevokeState, BeforeValidator(_strict_enum)]


def _strict_date(value: object) -> object:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else value
        except ValueError:
            return value
    return value


_Date = Annotated[date, BeforeValidator(_strict_date), Field(strict=True)]


def _envelope_error(exc: ValidationError, model: str) -> InputError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    where = f"{model}.{field}" if field else model
    count = exc.error_count()
    more = f" (+{count - 1} more)" if count > 1 else ""
    more_vi = f" (và {count - 1} lỗi khác)" if count > 1 else ""
    return InputError(
        f"invalid {model}: {field or 'object'}: {first['msg']}{more}",
        message_vi=f"Dữ liệu giao dịch {model} không hợp lệ ở trường "
        f"'{field or '(toàn bộ)'}': {first['msg']}{more_vi}.",
        code="ENVELOPE-INVALID",
        location=where,
    )


class _Envelope(BaseModel):
    """Common behaviour: frozen, unknown keys refused, JSON by official names."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        str_strip_whitespace=False,
    )
    #: Name used in error locations (the official object name where there is one).
    wire_name: ClassVar[str] = "envelope"

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _envelope_error(exc, self.wire_name) from None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from a mapping keyed by the official parameter names only (the wire form).

        The Python constructor also takes the English field names; this method does not.

        Raises:
            InputError: ``ENVELOPE-INVALID`` with the offending field as ``location``.
        """
        if not isinstance(data, Mapping):
            raise InputError(
                f"{cls.wire_name} must be a JSON object",
                message_vi=f"Dữ liệu giao dịch {cls.wire_name} phải là một đối tượng JSON.",
                code="ENVELOPE-INVALID",
                location=cls.wire_name,
            )
        official = {f.alias or name for name, f in cls.model_fields.items()}
        for key in data:
            if key not in official:
                raise InputError(
                    f"invalid {cls.wire_name}: {key!r} is not an official parameter name",
                    message_vi=f"Dữ liệu giao dịch {cls.wire_name} có trường lạ '{key}' "
                    "(không có trong đặc tả).",
                    code="ENVELOPE-INVALID",
                    location=f"{cls.wire_name}.{key}",
                )
        return cls(**dict(data))

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Parse the JSON object of this transaction (official parameter names).

        Raises:
            InputError: ``ENVELOPE-JSON`` (not JSON) or ``ENVELOPE-INVALID`` (wrong fields).
        """
        return cls.from_dict(_load_json(text, cls.wire_name, dict))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict keyed by the official names; ``None`` fields are omitted."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_json(self) -> str:
        """Compact JSON text keyed by the official names (UTF-8 kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


def _load_json(text: str | bytes, name: str, expected: type) -> Any:
    if not isinstance(text, str | bytes):
        raise InputError(
            f"{name} JSON must be str or bytes, not {type(text).__name__}",
            message_vi=f"Dữ liệu {name} phải là văn bản JSON.",
            code="ENVELOPE-JSON",
            location=name,
        )
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{name} is not valid JSON: {exc}",
            message_vi=f"Dữ liệu {name} không phải JSON hợp lệ.",
            code="ENVELOPE-JSON",
            location=name,
        ) from None
    if not isinstance(data, expected):
        kind = "object" if expected is dict else "array"
        raise InputError(
            f"{name} must be a JSON {kind}",
            message_vi=f"Dữ liệu {name} phải là JSON dạng "
            f"{'đối tượng' if expected is dict else 'danh sách'}.",
            code="ENVELOPE-INVALID",
            location=name,
        )
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


# ------------------------------------------------------------------- 1 submit / 5 revoke


class _PacketRequest(_Envelope):
    """``authenticationRequest``: the envelope of submit (1) and revoke (5)."""

    wire_name: ClassVar[str] = "authenticationRequest"

    token: _Text = Field(alias="token", repr=False, description="Session token (*token*).")
    user_name: _Text = Field(alias="user_name", description="Account of the unit.")
    password_sha256: _Sha256Hex = Field(
        alias="password",
        repr=False,
        description="SHA-256 hex of the unit's password; see :func:`hash_password`.",
    )
    unit_code: _Text = Field(
        alias="ma_don_vi", description="Unit code (*mã đơn vị*, e.g. mã sở from CSDL ngành)."
    )
    school_year: StrictInt = Field(alias="nam_hoc", ge=1, description="School year (Number).")
    message_id: _Text = Field(alias="messageid", description="Packet id (*mã gói tin*).")
    message_type: _Text = Field(alias="type", description="Packet type (value set in PL3).")
    function: _Text = Field(alias="function", description="Function code (value set in PL3).")
    content: _Base64 = Field(
        alias="content",
        repr=False,
        description="A packet's base64 content (see :func:`hocbaso.batch.pack`).",
    )
    signature: _Text = Field(
        alias="Signature",
        repr=False,
        description="The sending organisation's signature over the transaction (opaque text).",
    )

    @field_validator("content")
    @classmethod
    def _content_length(cls, value: str) -> str:
        if len(value) % 4:
            raise ValueError("base64 content length must be a multiple of 4")
        return value

    def to_json(self, *, max_bytes: int | None = TRANSACTION_LIMIT_BYTES) -> str:
        """Compact JSON; refuses a transaction above ``max_bytes`` of UTF-8 (10 MB cap).

        Raises:
            InputTooLargeError: ``ENVELOPE-TOO-LARGE``; pass ``max_bytes=None`` to skip.
        """
        text = super().to_json()
        if max_bytes is not None:
            size = len(text.encode("utf-8"))
            if size > max_bytes:
                raise InputTooLargeError(
                    f"the transaction is {size} bytes, above the {max_bytes}-byte cap",
                    message_vi=f"Giao dịch có kích thước {size} byte, vượt mức tối đa "
                    f"{max_bytes} byte (10 MB); cần chia thành nhiều gói tin.",
                    code="ENVELOPE-TOO-LARGE",
                    location=self.wire_name,
                )
        return text


class SubmitRequest(_PacketRequest):
    """Transaction 1, submit (*nộp*) a packet of học bạ records: ``authenticationRequest``.

    ``content`` is a packet's ``content`` from :func:`hocbaso.batch.pack`.
    """

    kind: ClassVar[TransactionKind] = TransactionKind.SUBMIT


class RevokeRequest(_PacketRequest):
    """Transaction 5, revoke (*thu hồi*): same envelope; ``content`` is a revocation list.

    Build the content with ``pack(records, list_id=REVOCATION_LIST_ID)``.
    """

    kind: ClassVar[TransactionKind] = TransactionKind.REVOKE


class _TransactionResponse(_Envelope):
    wire_name: ClassVar[str] = "response"

    message_id: str | None = Field(default=None, alias="MessageId", description="Packet id.")
    error: str | None = Field(default=None, alias="Error", description="Error flag or code.")
    error_description: str | None = Field(
        default=None, alias="ErrorDescription", description="Error text."
    )
    response_code: str | None = Field(
        default=None, alias="ResponseCode", description="Result code."
    )
    response_description: str | None = Field(
        default=None, alias="ResponseDescription", description="Result text."
    )


class SubmitResponse(_TransactionResponse):
    """Response to transaction 1 (all fields are strings in the official table)."""

    kind: ClassVar[TransactionKind] = TransactionKind.SUBMIT


class RevokeResponse(_TransactionResponse):
    """Response to transaction 5 (assumed to be the submit response: same envelope)."""

    kind: ClassVar[TransactionKind] = TransactionKind.REVOKE


# ------------------------------------------------------------- 2 and 6: status queries


class _Query(_Envelope):
    message_id: _Text = Field(alias="messageid", description="Id of the packet asked about.")
    unit_code: _Text = Field(alias="ma_don_vi", description="Unit code (*mã đơn vị*).")
    school_year: StrictInt = Field(alias="nam_hoc", ge=1, description="School year.")


class StatusQuery(_Query):
    """Transaction 2, status query of a submitted packet (*truy vấn kết quả nộp*)."""

    wire_name: ClassVar[str] = "statusQuery"
    kind: ClassVar[TransactionKind] = TransactionKind.SUBMIT_STATUS


class RevokeStatusQuery(_Query):
    """Transaction 6, status query of a revocation request (*truy vấn kết quả thu hồi*)."""

    wire_name: ClassVar[str] = "revokeStatusQuery"
    kind: ClassVar[TransactionKind] = TransactionKind.REVOKE_STATUS


class _RecordRow(_Envelope):
    student_code: str | None = Field(
        default=None, alias="ma_hoc_sinh", description="Student code (*mã học sinh*)."
    )
    student_name: str | None = Field(
        default=None, alias="ten_hoc_sinh", description="Student name (*tên học sinh*)."
    )
    citizen_id: str | None = Field(
        default=None, alias="so_cccd", description="Personal id number (*số CCCD*)."
    )
    lookup_uuid: str | None = Field(
        default=None, alias="ma_tra_cuu_uuid", description="``MA_TRA_CUU_UUID`` of the record."
    )
    error: str | None = Field(default=None, alias="error", description="Error code.")
    error_field_title: str | None = Field(
        default=None, alias="error_field_title", description="Name of the faulty field."
    )
    error_description: str | None = Field(
        default=None, alias="error_description", description="Error text."
    )


_R = TypeVar("_R", bound=_RecordRow)


class RecordStatus(_RecordRow):
    """One row of a status response: the verdict on one submitted record."""

    wire_name: ClassVar[str] = "statusRow"
    state: _SubmitStateField = Field(alias="trang_thai", description="1 phê duyệt, 0 từ chối.")


class RevokeStatus(_RecordRow):
    """One row of a revocation status response (same row shape, revocation states)."""

    wire_name: ClassVar[str] = "revokeStatusRow"
    state: _RevokeStateField = Field(
        alias="trang_thai", description="1 chờ xử lý, 2 đồng ý thu hồi, 3 từ chối thu hồi."
    )


def _rows_from(data: list[Any], row: type[_R], wire_name: str) -> tuple[_R, ...]:
    rows: list[_R] = []
    for i, item in enumerate(data):
        try:
            rows.append(row.from_dict(item))
        except InputError as exc:
            field = f".{exc.location.split('.', 1)[-1]}" if exc.location else ""
            raise InputError(
                f"row {i}: {exc.message_en}",
                message_vi=f"Dòng {i + 1}: {exc.message_vi}",
                code=exc.code,
                location=f"{wire_name}[{i}]{field}",
            ) from None
    return tuple(rows)


class StatusQueryResponse(RootModel[tuple[RecordStatus, ...]]):
    """Response to transaction 2: a JSON array of :class:`RecordStatus` rows."""

    model_config = ConfigDict(frozen=True)
    wire_name: ClassVar[str] = "statusResponse"

    @property
    def rows(self) -> tuple[RecordStatus, ...]:
        """The rows, in the order received."""
        return self.root

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Parse the JSON array of rows.

        Raises:
            InputError: ``ENVELOPE-JSON`` or ``ENVELOPE-INVALID`` (with the row index).
        """
        data = _load_json(text, cls.wire_name, list)
        return cls(_rows_from(data, RecordStatus, cls.wire_name))

    def to_json(self) -> str:
        """Compact JSON array of rows keyed by the official names."""
        return json.dumps(
            [r.to_dict() for r in self.root], ensure_ascii=False, separators=(",", ":")
        )


class RevokeStatusResponse(RootModel[tuple[RevokeStatus, ...]]):
    """Response to transaction 6: a JSON array of :class:`RevokeStatus` rows."""

    model_config = ConfigDict(frozen=True)
    wire_name: ClassVar[str] = "revokeStatusResponse"

    @property
    def rows(self) -> tuple[RevokeStatus, ...]:
        """The rows, in the order received."""
        return self.root

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Parse the JSON array of rows.

        Raises:
            InputError: ``ENVELOPE-JSON`` or ``ENVELOPE-INVALID`` (with the row index).
        """
        data = _load_json(text, cls.wire_name, list)
        return cls(_rows_from(data, RevokeStatus, cls.wire_name))

    def to_json(self) -> str:
        """Compact JSON array of rows keyed by the official names."""
        return json.dumps(
            [r.to_dict() for r in self.root], ensure_ascii=False, separators=(",", ":")
        )


# ------------------------------------------------------- 3 and 4: organisation certificate


class CertificateRegistration(_Envelope):
    """Transaction 3, register the unit's organisation certificate (*đăng ký chứng thư số*)."""

    wire_name: ClassVar[str] = "certificateRegistration"
    kind: ClassVar[TransactionKind] = TransactionKind.REGISTER_CERTIFICATE

    message_id: _Text = Field(alias="messageid", description="Packet id.")
    message_type: _Text = Field(alias="type", description="Packet type (value set in PL3).")
    function: _Text = Field(alias="function", description="Function code (value set in PL3).")
    unit_code: _Text = Field(alias="ma_don_vi", description="Unit code (*mã đơn vị*).")
    serial_number: _Text = Field(alias="serial_number", description="Certificate serial.")
    valid_from: _Date = Field(
        alias="ngay_hieu_luc", description="Effective date (*ngày hiệu lực*), ``YYYY-MM-DD``."
    )
    signature_kind: SignatureKind | _Code = Field(
        alias="ma_kieu_chu_ky",
        union_mode="left_to_right",
        description="Kind of signature; unknown codes are kept as strings.",
    )
    issuer: CertificateIssuer | _Code = Field(
        alias="nha_phat_hanh",
        union_mode="left_to_right",
        description="Certificate issuer; unknown codes are kept as strings.",
    )
    content: _Text = Field(
        alias="content",
        repr=False,
        description="The certificate and a signature for matching (format set in PL3).",
    )


class CertificateRegistrationResponse(_Envelope):
    """Response to transaction 3. ``error_filed_title`` is the official spelling (sic)."""

    wire_name: ClassVar[str] = "certificateRegistrationResponse"

    message_id: str | None = Field(default=None, alias="messageid", description="Packet id.")
    error: str | None = Field(default=None, alias="error", description="Error code.")
    error_field_title: str | None = Field(
        default=None,
        alias="error_filed_title",
        description="Name of the faulty field (official alias misspelt 'filed').",
    )
    error_description: str | None = Field(
        default=None, alias="error_description", description="Error text."
    )


class CertificateQuery(_Envelope):
    """Transaction 4, query the approval of a registered certificate."""

    wire_name: ClassVar[str] = "certificateQuery"
    kind: ClassVar[TransactionKind] = TransactionKind.CERTIFICATE_STATUS

    message_id: _Text = Field(alias="messageid", description="Id of the registration.")
    unit_code: _Text = Field(alias="ma_don_vi", description="Unit code (*mã đơn vị*).")
    school_year: StrictInt = Field(alias="ma_nam_hoc", ge=1, description="School year code.")


class CertificateQueryResponse(CertificateRegistrationResponse):
    """Response to transaction 4: the registration response plus serial and approval."""

    wire_name: ClassVar[str] = "certificateQueryResponse"

    serial_number: str | None = Field(
        default=None, alias="serial_number", description="Certificate serial."
    )
    approval: _ApprovalField | None = Field(
        default=None, alias="trang_thai_phe_duyet", description="1 approved, 0 not approved."
    )
