"""Typed models of the Học bạ số record (pure pydantic; no XML, no keys, no storage).

Field names are English; each field's alias is the official XML element name (Phụ lục 1.1 of
Công văn 2088/BGDĐT-GDTH, including its two misspellings), and its docstring metadata gives
the Vietnamese term. All models are frozen. A vendor builds a record with keyword arguments
and IDE completion::

    from hocbaso.models import GeneralInfo, PrimaryRecord, ...
    info = GeneralInfo(full_name="Trương Phương Anh", personal_id="048317002681", ...)

Two profiles exist: :class:`PrimaryRecord` (``tieu-hoc-1.0``, the official primary format) and
:class:`SecondaryRecord` (``trung-hoc-1.0``, the library's proposal for Thông tư 22/2021).

Text is Unicode NFC (TCVN 6909). Decomposed (NFD) text given to a model is normalised and a
:class:`hocbaso.errors.NormalizationWarning` is issued; text that looks typed in a legacy
Vietnamese encoding (TCVN3/ABC, VNI) is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Final, Literal, TypeAlias

from pydantic import (
    UUID4,
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from hocbaso.codes import (
    AssessmentForm,
    EthnicGroup,
    FinalEvaluation,
    LeaderPosition,
    PassLevel,
    QualityLevel,
    ResultLevel,
    SchoolLevel,
    Sex,
    SubjectLevel,
    Title,
)
from hocbaso.errors import NormalizationWarning

__all__ = [
    "PROFILE_PRIMARY",
    "PROFILE_SECONDARY",
    "GeneralInfo",
    "LeaderSlot",
    "PersonalSlot",
    "PrimaryData",
    "PrimaryRecord",
    "PrimarySignatures",
    "PrimarySubjectResult",
    "PrimarySummary",
    "QualitiesAndCompetencies",
    "Record",
    "SealSlot",
    "SecondaryData",
    "SecondaryRecord",
    "SecondarySignatures",
    "SecondarySubjectResult",
    "SecondarySummary",
    "StudyYear",
    "SubjectTeacher",
    "SubjectTeacherSlot",
    "TermResult",
    "YearResult",
]

PROFILE_PRIMARY: Final = "tieu-hoc-1.0"
"""Profile name of the official primary format (Công văn 2088/BGDĐT-GDTH, Phụ lục 1.1)."""
PROFILE_SECONDARY: Final = "trung-hoc-1.0"
"""Profile name of the library's secondary format (Thông tư 22/2021; a proposal)."""

TEXT_CHECKED: Final = "hocbaso.text_checked"
"""Validation-context key the XML decoder sets: strings are already NFC and checked."""

VIETNAM_TZ: Final = dt.timezone(dt.timedelta(hours=7), "+07:00")

# --------------------------------------------------------------------------------------------
# Scalar types. The ``xsd`` name in each field's metadata names the XSD simple type with the
# same constraint (schemas/ is generated from these models; tests keep both in agreement).
# --------------------------------------------------------------------------------------------


def _whole_seconds(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "Thời điểm phải có múi giờ (ví dụ +07:00) || timestamp must carry a UTC offset"
        )
    if value.microsecond:
        # Truncating would silently change a signed value: refuse instead.
        raise ValueError(
            "Thời điểm chỉ ghi đến giây || timestamp must have whole seconds "
            "(use .replace(microsecond=0))"
        )
    return value


def _year_range(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2100:
        raise ValueError("Năm phải từ 1900 đến 2100 || year must be between 1900 and 2100")
    return value


# XSD's \s is exactly [ \t\n\r]; Python's and Rust's are Unicode-wide. Spell it out so the
# models and the schema accept the same strings.
Text: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[^ \t\n\r](?:[^\n\r]*[^ \t\n\r])?$")]
"""Single-line text without leading/trailing whitespace."""
LongText: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[^ \t\n\r](?s:.*[^ \t\n\r])?$")]
"""Free text (comments) that may contain line breaks; no leading/trailing whitespace."""
Code: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")]
"""An opaque code of at most 20 characters (school, Sở, student codes)."""
SubjectCode: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,19}$")]
"""Subject code: upper-case letters, digits, underscore (used in ``Id="mon-<code>"``)."""
PersonalId: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
"""12-digit personal identification number — *số định danh cá nhân / CCCD*."""
SchoolYearName: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{4}$")]
"""School-year name ``YYYY-YYYY``."""
Year: TypeAlias = Annotated[int, Field(ge=1900, le=2100)]
Grade: TypeAlias = Annotated[int, Field(ge=1, le=12)]
Count: TypeAlias = Annotated[int, Field(ge=0, le=9999)]
Measure: TypeAlias = Annotated[Decimal, Field(gt=0, lt=1000, decimal_places=4)]
"""A positive measurement (kg, cm) with at most 4 decimals (spec: numbers ≤ 4 decimals)."""
TestScore: TypeAlias = Annotated[int, Field(ge=0, le=10)]
"""Primary periodic test score: integer 0–10 (TT 27/2020 Điều 7.1: no decimals)."""
Score: TypeAlias = Annotated[Decimal, Field(ge=0, le=10, decimal_places=1)]
"""Secondary score: 0–10 with at most one decimal (TT 22/2021 Điều 6)."""
Timestamp: TypeAlias = Annotated[dt.datetime, AfterValidator(_whole_seconds)]
"""Date-time with UTC offset, whole seconds; serialised ``YYYY-MM-DDThh:mm:ss+07:00``."""
VnDate: TypeAlias = Annotated[dt.date, AfterValidator(_year_range)]
"""Calendar date, serialised ``dd/MM/yyyy`` as in the official example (``17/05/2017``)."""


def el(
    alias: str,
    vi: str,
    en: str,
    *,
    xsd: str | None = None,
    item: str | None = None,
    repeat: bool = False,
    attribute: bool = False,
    raw: bool = False,
    default: Any = ...,
    min_items: int | None = None,
    xml_required: bool = False,
) -> Any:
    """Declare a model field that maps to an official element (private helper).

    ``alias`` is the element name; ``vi``/``en`` document it; ``xsd`` names its simple type;
    ``item`` makes the field a container element with repeated ``item`` children;
    ``repeat`` makes the element itself repeat; ``attribute`` maps it to an XML attribute;
    ``raw`` marks an opaque XML fragment (a ``ds:Signature``); ``xml_required`` makes an
    element required in XML although Python fills a default (``PHIEN_BAN``).
    """
    extra: dict[str, Any] = {"vi": vi, "xml": alias}
    if xsd:
        extra["xsd"] = xsd
    if item:
        extra["item"] = item
    if repeat:
        extra["repeat"] = True
    if attribute:
        extra["attribute"] = True
    if raw:
        extra["raw"] = True
    if xml_required:
        extra["xml_required"] = True
    return Field(
        default,
        alias=alias,
        description=f"{en} — {vi}",
        json_schema_extra=extra,
        min_length=min_items,
    )


# Characters that never occur in Vietnamese written in Unicode but are what TCVN3 (ABC) and
# VNI-Windows text looks like once mis-decoded as Latin-1/Windows-1252 (e.g. "Vieät Nam",
# "Hµ Néi"). Refusing them catches legacy-encoded input before it is signed for ever.
_LEGACY = re.compile(
    "[\u0080-\u00bf\u00c4-\u00c7\u00cb\u00ce\u00cf\u00d1\u00d6-\u00d8\u00db\u00dc\u00de\u00df"
    "\u00e4-\u00e7\u00eb\u00ee\u00ef\u00f1\u00f6-\u00f8\u00fb\u00fc\u00fe\u00ff]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def check_text(value: str, location: str) -> str:
    """Normalise ``value`` to NFC (warning if it changed) and refuse legacy-encoded text.

    Returns the NFC text. Raises ``ValueError`` for TCVN3/VNI-looking text or control
    characters. Used by the models and by the XML decoder (which knows the XPath).
    """
    if not value.isascii():
        if not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
            warnings.warn(
                NormalizationWarning(
                    "văn bản không ở dạng Unicode dựng sẵn (NFC) đã được chuẩn hoá / "
                    "text was not NFC and has been normalised",
                    location,
                ),
                stacklevel=4,
            )
        bad = _LEGACY.search(value)
        if bad:
            raise ValueError(
                f"Ký tự {bad.group()!r} cho thấy văn bản được gõ bằng bảng mã cũ (TCVN3/VNI); "
                f"hãy gõ lại bằng Unicode || character {bad.group()!r} looks like text typed "
                "in a legacy encoding (TCVN3/VNI); retype it in Unicode"
            )
    if _CONTROL.search(value):
        raise ValueError(
            "Văn bản chứa ký tự điều khiển || control characters are not allowed in text"
        )
    return value


class _Model(BaseModel):
    """Base of every record model: frozen, no unknown fields, aliases accepted."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=False,
        use_enum_values=False,
        str_strip_whitespace=False,
    )

    xml_id: ClassVar[str | None] = None
    """Fixed ``Id`` attribute value the element carries (signature targets), if any."""
    xml_id_field: ClassVar[str | None] = None
    """Field whose value makes the element's ``Id`` as ``mon-<value>`` (subject entries)."""

    @model_validator(mode="before")
    @classmethod
    def _text_checks(cls, data: Any, info: ValidationInfo) -> Any:
        # The XML decoder has already checked every string (and knows their XPaths).
        if isinstance(data, dict) and not (info.context and info.context.get(TEXT_CHECKED)):
            changed: dict[str, str] = {}
            for key, value in data.items():
                if isinstance(value, str):
                    checked = check_text(value, f"{cls.__name__}.{key}")
                    if checked is not value:
                        changed[key] = checked
            if changed:
                # Never mutate the caller's dict.
                data = {**data, **changed}
        return data


# --------------------------------------------------------------------------------------------
# Common parts (both profiles)
# --------------------------------------------------------------------------------------------


class GeneralInfo(_Model):
    """General information — *thông tin chung* (``THONG_TIN_CHUNG``): student, school, lookup code.

    Element order and required/optional status are those of Phụ lục 1.1.
    """

    xml_id: ClassVar[str | None] = "thongtinhocba"

    format_version: Literal["1.0"] = el(
        "PHIEN_BAN",
        "phiên bản",
        "format version",
        xsd="VersionType",
        default="1.0",
        xml_required=True,
    )
    circular: Text = el(
        "THONG_TU", "thông tư", "governing circular, e.g. 27/2020/TT-BGDĐT", xsd="TextType"
    )
    lookup_uuid: UUID4 = el(
        "MA_TRA_CUU_UUID", "mã tra cứu học bạ", "lookup code (UUID v4)", xsd="UuidType"
    )
    school_year_name: SchoolYearName = el(
        "TEN_NAM_HOC", "tên năm học", "school-year name, e.g. 2023-2024", xsd="SchoolYearNameType"
    )
    department_code: Code = el(
        "MA_SO_GIAO_DUC", "mã sở giáo dục", "code of the Department of Education", xsd="CodeType"
    )
    department_name: Text = el(
        "TEN_SO_GD", "tên sở giáo dục", "name of the Department of Education", xsd="TextType"
    )
    school_code: Code = el("MA_TRUONG", "mã trường", "school code (CSDL ngành)", xsd="CodeType")
    school_name: Text = el("TEN_TRUONG", "tên trường", "school name", xsd="TextType")
    district_name: Text = el("TEN_QUAN_HUYEN", "tên quận/huyện", "district name", xsd="TextType")
    commune_name: Text = el("TEN_XA_PHUONG", "tên xã/phường", "commune name", xsd="TextType")
    province_name: Text = el(
        "TEN_TINH_THANH_PHO", "tên tỉnh/thành phố", "province name", xsd="TextType"
    )
    level: SchoolLevel = el("MA_CAP_HOC", "mã cấp học", "school level code (02, 03, 04)")
    register_number: Text = el(
        "SO_SO_DANG_BO", "số sổ đăng bộ", "enrolment-register number", xsd="TextType"
    )
    full_name: Text = el("HO_VA_TEN", "họ và tên", "student's full name", xsd="TextType")
    personal_id: PersonalId = el(
        "SO_CCCD", "số định danh cá nhân", "student's 12-digit personal id", xsd="PersonalIdType"
    )
    student_code: Code = el(
        "MA_HOC_SINH", "mã học sinh", "student code (CSDL ngành)", xsd="CodeType"
    )
    sex: Sex = el("GIOI_TINH", "giới tính", "sex (Nam / Nữ)")
    date_of_birth: VnDate = el("NGAY_SINH", "ngày sinh", "date of birth", xsd="DateVNType")
    weight_kg: Measure = el("CAN_NANG", "cân nặng", "weight in kg", xsd="MeasureType")
    height_cm: Measure = el("CHIEU_CAO", "chiều cao", "height in cm", xsd="MeasureType")
    excused_absences: Count = el(
        "TONG_SO_BUOI_NGHI_CO_PHEP",
        "tổng số buổi nghỉ có phép",
        "sessions absent with permission",
        xsd="CountType",
    )
    unexcused_absences: Count = el(
        "THONG_SO_BUOI_NGHI_KHONG_PHEP",  # sic: official spelling (THONG, not TONG)
        "tổng số buổi nghỉ không phép",
        "sessions absent without permission",
        xsd="CountType",
    )
    place_of_birth: Text = el("NOI_SINH", "nơi sinh", "place of birth", xsd="TextType")
    home_town: Text = el("QUE_QUAN", "quê quán", "home town", xsd="TextType")
    current_residence: Text = el(
        "CHO_O_HIEN_NAY", "chỗ ở hiện nay", "current residence", xsd="TextType"
    )
    ethnicity: EthnicGroup = el("DAN_TOC", "dân tộc", "ethnic group")
    nationality: Text = el("QUOC_TICH", "quốc tịch", "nationality", xsd="TextType")
    father_name: Text | None = el(
        "HO_VA_TEN_CHA", "họ và tên cha", "father's name", xsd="TextType", default=None
    )
    mother_name: Text = el("HO_VA_TEN_ME", "họ và tên mẹ", "mother's name", xsd="TextType")
    guardian_name: Text | None = el(
        "HO_VA_TEN_NGUOI_GIAM_HO",
        "họ và tên người giám hộ",
        "guardian's name",
        xsd="TextType",
        default=None,
    )
    signing_leader_name: Text = el(
        "TEN_GIAM_HIEU_KY_HOC_BA",
        "tên giám hiệu ký học bạ",
        "name of the school leader who signs",
        xsd="TextType",
    )
    signing_leader_personal_id: PersonalId = el(
        "SO_CCCD_GIAM_HIEU_KY_HOC_BA",
        "số CCCD giám hiệu ký học bạ",
        "personal id of the school leader who signs",
        xsd="PersonalIdType",
    )
    place_of_issue: Text = el(
        "DIA_DANH_PHAT_HANH_HOC_BA", "địa danh phát hành", "place of issue", xsd="TextType"
    )
    created_at: Timestamp = el(
        "NGAY_TAO_HOC_BA", "ngày tạo học bạ", "creation time", xsd="TimestampType"
    )
    issued_at: Timestamp = el(
        "NGAY_KY_PHAT_HANH_HOC_BA",
        "ngày ký phát hành học bạ",
        "issuance signing time",
        xsd="TimestampType",
    )
    signing_leader_position: LeaderPosition = el(
        "CHUC_VU_GIAM_HIEU_KY_HOC_BA",
        "chức vụ giám hiệu ký học bạ",
        "position of the school leader who signs",
    )
    homeroom_teacher_name: Text | None = el(
        "TEN_GIAO_VIEN_CHU_NHIEM",
        "tên giáo viên chủ nhiệm",
        "homeroom teacher's name",
        xsd="TextType",
        default=None,
    )
    homeroom_teacher_personal_id: PersonalId | None = el(
        "SO_CCCD_GIAO_VIEN_CHU_NHIEM",
        "số CCCD giáo viên chủ nhiệm",
        "homeroom teacher's personal id",
        xsd="PersonalIdType",
        default=None,
    )
    grade: Grade = el("MA_KHOI", "mã khối", "grade 1–12", xsd="GradeType")
    class_name: Text = el("TEN_LOP", "tên lớp", "class name", xsd="TextType")
    school_year: Year = el(
        "NAM_HOC", "năm học", "first calendar year of the school year", xsd="YearType"
    )

    @model_validator(mode="after")
    def _consistent(self) -> GeneralInfo:
        expected = f"{self.school_year}-{self.school_year + 1}"
        if self.school_year_name != expected:
            raise ValueError(
                f"Tên năm học {self.school_year_name} không khớp năm học {self.school_year} "
                f"(phải là {expected}) || TEN_NAM_HOC {self.school_year_name!r} does not match "
                f"NAM_HOC {self.school_year} (expected {expected!r})"
            )
        if self.grade not in self.level.grades:
            raise ValueError(
                f"Khối {self.grade} không thuộc cấp học {self.level.label} "
                f"|| MA_KHOI {self.grade} does not belong to MA_CAP_HOC {self.level.value}"
            )
        if (self.homeroom_teacher_name is None) != (self.homeroom_teacher_personal_id is None):
            raise ValueError(
                "Tên và số CCCD của giáo viên chủ nhiệm phải cùng có hoặc cùng không "
                "|| TEN_GIAO_VIEN_CHU_NHIEM and SO_CCCD_GIAO_VIEN_CHU_NHIEM go together"
            )
        return self


class StudyYear(_Model):
    """One school year of the student's path — *quá trình học tập* (``NAM_HOC_HOC_TAP``)."""

    school_year: Year = el("NAM_HOC", "năm học", "first calendar year", xsd="YearType")
    class_name: Text = el("TEN_LOP", "tên lớp", "class name", xsd="TextType")
    school_name: Text = el("TEN_TRUONG", "tên trường", "school name", xsd="TextType")
    enrolled_on: VnDate = el(
        "NGAY_TRANG_THAI_CHUYEN_DEN",
        "ngày trạng thái chuyển đến",
        "date the student joined the class",
        xsd="DateVNType",
    )


class PersonalSlot(_Model):
    """A personal signature slot, e.g. the homeroom teacher's — *giáo viên chủ nhiệm* (``GVCN``).

    A slot exists only once signed. ``signature`` is the ``ds:Signature`` element as opaque
    canonical bytes, produced and checked by :mod:`hocbaso.signing`.
    """

    signed_at: Timestamp = el("NGAY_KY", "ngày ký", "signing time", xsd="TimestampType")
    personal_id: PersonalId | None = el(
        "SO_CCCD", "số CCCD người ký", "signer's personal id", xsd="PersonalIdType", default=None
    )
    signature: bytes = el("Signature", "chữ ký số", "the XML-DSig signature element", raw=True)


class LeaderSlot(_Model):
    """The school leader's signature slot — *cán bộ quản lý* (``CBQL``)."""

    signed_at: Timestamp = el("NGAY_KY", "ngày ký", "signing time", xsd="TimestampType")
    personal_id: PersonalId = el(
        "SO_CCCD", "số CCCD người ký", "signer's personal id", xsd="PersonalIdType"
    )
    signature: bytes = el("Signature", "chữ ký số", "the XML-DSig signature element", raw=True)


class SealSlot(_Model):
    """The school's organisation signature (issuing seal) — *ký phát hành* (``KY_PHAT_HANH``)."""

    signed_at: Timestamp = el("NGAY_KY", "ngày ký", "signing time", xsd="TimestampType")
    signature: bytes = el("Signature", "chữ ký số", "the XML-DSig signature element", raw=True)


# --------------------------------------------------------------------------------------------
# Primary profile (tieu-hoc-1.0)
# --------------------------------------------------------------------------------------------


class PrimarySubjectResult(_Model):
    """Result in one subject/activity — *bảng điểm* (``BANG_DIEM``), TT 27/2020 Điều 7."""

    xml_id_field: ClassVar[str | None] = "subject_code"

    subject_code: SubjectCode = el(
        "MA_MON_HOC", "mã môn học", "subject code", xsd="SubjectCodeType"
    )
    subject_name: Text = el("TEN_MON_HOC", "tên môn học", "subject name", xsd="TextType")
    level: SubjectLevel = el("MUC_DAT_DUOC", "mức đạt được", "level reached")
    test_score: TestScore | None = el(
        "DIEM_KIEM_TRA_DINH_KY",
        "điểm kiểm tra định kỳ",
        "end-of-year periodic test score (0–10, integer)",
        xsd="TestScoreType",
        default=None,
    )
    comment: LongText | None = el(
        "NHAN_XET",
        "nhận xét",
        "teacher's comment (library extension)",
        xsd="LongTextType",
        default=None,
    )


class QualitiesAndCompetencies(_Model):
    """Qualities and competencies — *đánh giá năng lực, phẩm chất* (TT 27/2020 Điều 7.2)."""

    self_learning: QualityLevel = el(
        "NANG_LUC_TU_CHU_TU_HOC", "năng lực tự chủ và tự học", "self-reliance and self-learning"
    )
    communication: QualityLevel = el(
        "NANG_LUC_GIAO_TIEP_HOC_TAC",  # sic: official spelling (HOC_TAC, not HOP_TAC)
        "năng lực giao tiếp và hợp tác",
        "communication and cooperation",
    )
    problem_solving: QualityLevel = el(
        "NANG_LUC_GIAI_QUYET_VAN_DE_SANG_TAO",
        "năng lực giải quyết vấn đề và sáng tạo",
        "problem solving and creativity",
    )
    language: QualityLevel = el("NANG_LUC_NGON_NGU", "năng lực ngôn ngữ", "language")
    numeracy: QualityLevel = el("NANG_LUC_TINH_TOAN", "năng lực tính toán", "numeracy")
    science: QualityLevel = el("NANG_LUC_KHOA_HOC", "năng lực khoa học", "science")
    technology: QualityLevel | None = el(
        "NANG_LUC_CONG_NGHE", "năng lực công nghệ", "technology", default=None
    )
    informatics: QualityLevel | None = el(
        "NANG_LUC_TIN_HOC", "năng lực tin học", "informatics", default=None
    )
    aesthetics: QualityLevel = el("NANG_LUC_THAM_MI", "năng lực thẩm mĩ", "aesthetics")
    physical: QualityLevel = el("NANG_LUC_THE_CHAT", "năng lực thể chất", "physical")
    patriotism: QualityLevel = el("PHAM_CHAT_YEU_NUOC", "phẩm chất yêu nước", "patriotism")
    kindness: QualityLevel = el("PHAM_CHAT_NHAN_AI", "phẩm chất nhân ái", "kindness")
    diligence: QualityLevel = el("PHAM_CHAT_CHAM_CHI", "phẩm chất chăm chỉ", "diligence")
    honesty: QualityLevel = el("PHAM_CHAT_TRUNG_THUC", "phẩm chất trung thực", "honesty")
    responsibility: QualityLevel = el(
        "PHAM_CHAT_TRACH_NHIEM", "phẩm chất trách nhiệm", "responsibility"
    )
    qualities_comment: LongText = el(
        "NHAN_XET_PHAM_CHAT", "nhận xét phẩm chất", "comment on qualities", xsd="LongTextType"
    )
    general_competencies_comment: LongText = el(
        "NHAN_XET_NANG_LUC_CHUNG",
        "nhận xét năng lực chung",
        "comment on general competencies",
        xsd="LongTextType",
    )
    specific_competencies_comment: LongText = el(
        "NHAN_XET_NANG_LUC_DAC_THU",
        "nhận xét năng lực đặc thù",
        "comment on specific competencies",
        xsd="LongTextType",
    )

    def levels(self) -> dict[str, QualityLevel]:
        """Every quality/competency level present, keyed by field name."""
        return {
            name: value for name, value in self.__dict__.items() if isinstance(value, QualityLevel)
        }


def _unique_subjects(codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ValueError(
                f"Môn học mã {code} xuất hiện hai lần || subject code {code!r} appears twice"
            )
        seen.add(code)


class PrimarySummary(_Model):
    """Year-end summary — *tổng kết* (``TONG_KET``) of a primary school year."""

    final_evaluation: FinalEvaluation = el(
        "KET_QUA_XEP_LOAI", "kết quả xếp loại", "year-end evaluation"
    )
    promoted: bool = el("DUOC_LEN_LOP", "được lên lớp", "promoted", xsd="FlagType")
    completion_text: Text | None = el(
        "NOI_DUNG_HOAN_THANH_CHUONG_TRINH",
        "nội dung hoàn thành chương trình",
        "completion wording",
        xsd="TextType",
        default=None,
    )
    completed_grade: bool = el(
        "DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC",
        "đã hoàn thành chương trình lớp học",
        "completed the grade's programme",
        xsd="FlagType",
    )
    completed_primary: bool | None = el(
        "DA_HOAN_THANH_CHUONG_TRINH_TIEU_HOC",
        "đã hoàn thành chương trình tiểu học",
        "completed primary school (grade 5)",
        xsd="FlagType",
        default=None,
    )
    commendation: LongText | None = el(
        "NOI_DUNG_KHEN_THUONG",
        "nội dung khen thưởng",
        "year-end commendation",
        xsd="LongTextType",
        default=None,
    )
    special_commendation: LongText | None = el(
        "NOI_DUNG_KHEN_THUONG_DOT_XUAT",
        "nội dung khen thưởng đột xuất",
        "ad-hoc commendation",
        xsd="LongTextType",
        default=None,
    )
    homeroom_comment: LongText = el(
        "NHAN_XET_GVCN", "nhận xét của GVCN", "homeroom teacher's comment", xsd="LongTextType"
    )
    subjects: tuple[PrimarySubjectResult, ...] = el(
        "DS_BANG_DIEM", "danh sách bảng điểm", "subject results", item="BANG_DIEM", min_items=1
    )
    assessment: QualitiesAndCompetencies = el(
        "DANH_GIA_NANG_LUC_PHAM_CHAT",
        "đánh giá năng lực, phẩm chất",
        "qualities and competencies",
    )

    @model_validator(mode="after")
    def _unique(self) -> PrimarySummary:
        _unique_subjects([s.subject_code for s in self.subjects])
        return self


class PrimaryData(_Model):
    """All data the school creates — *dữ liệu học bạ* (``DU_LIEU_HOC_BA``), primary profile."""

    xml_id: ClassVar[str | None] = "data"

    general: GeneralInfo = el("THONG_TIN_CHUNG", "thông tin chung", "general information")
    history: tuple[StudyYear, ...] = el(
        "QUA_TRINH_HOC_TAP",
        "quá trình học tập",
        "school years so far",
        item="NAM_HOC_HOC_TAP",
        min_items=1,
    )
    summary: PrimarySummary = el("TONG_KET", "tổng kết", "year-end summary")


class PrimarySignatures(_Model):
    """Signature slots — *danh sách thông tin ký* (``DANH_SACH_THONG_TIN_KY``), primary."""

    homeroom: PersonalSlot | None = el(
        "GVCN", "giáo viên chủ nhiệm", "homeroom teacher's slot", default=None
    )
    leader: LeaderSlot | None = el("CBQL", "cán bộ quản lý", "school leader's slot", default=None)
    seal: SealSlot | None = el(
        "KY_PHAT_HANH", "ký phát hành", "issuing organisation's slot", default=None
    )


class PrimaryRecord(_Model):
    """One primary student's record for one school year — *học bạ số* (``HOC_BA``).

    Profile ``tieu-hoc-1.0``: the official format of Công văn 2088/BGDĐT-GDTH, Phụ lục 1.1.
    """

    profile: ClassVar[str] = PROFILE_PRIMARY

    data: PrimaryData = el("DU_LIEU_HOC_BA", "dữ liệu học bạ", "the record's data")
    signatures: PrimarySignatures | None = el(
        "DANH_SACH_THONG_TIN_KY", "danh sách thông tin ký", "signature slots", default=None
    )

    @model_validator(mode="after")
    def _profile(self) -> PrimaryRecord:
        if self.data.general.level is not SchoolLevel.PRIMARY:
            raise ValueError(
                "Học bạ tiểu học phải có mã cấp học 02 "
                "|| a primary record must have MA_CAP_HOC 02 (Tiểu học)"
            )
        return self


# --------------------------------------------------------------------------------------------
# Secondary profile (trung-hoc-1.0) — a proposal following TT 22/2021 and vendor practice
# --------------------------------------------------------------------------------------------


class TermResult(_Model):
    """One term's assessments in a subject — *kết quả học kỳ* (``HOC_KY_1`` / ``HOC_KY_2``).

    Scored subjects carry the regular, mid-term and end-of-term scores and the term average;
    comment-only subjects carry only ``MUC_DANH_GIA`` (Đạt / Chưa đạt).
    """

    regular_scores: tuple[Score, ...] = el(
        "DIEM_DGTX",
        "điểm đánh giá thường xuyên",
        "regular assessment scores (ĐĐGtx)",
        xsd="ScoreType",
        repeat=True,
        default=(),
    )
    midterm_score: Score | None = el(
        "DIEM_DGGK",
        "điểm đánh giá giữa kỳ",
        "mid-term score (ĐĐGgk)",
        xsd="ScoreType",
        default=None,
    )
    final_score: Score | None = el(
        "DIEM_DGCK",
        "điểm đánh giá cuối kỳ",
        "end-of-term score (ĐĐGck)",
        xsd="ScoreType",
        default=None,
    )
    average: Score | None = el(
        "DTB_MON",
        "điểm trung bình môn học kỳ",
        "term average (ĐTBmhk)",
        xsd="ScoreType",
        default=None,
    )
    result: PassLevel | None = el(
        "MUC_DANH_GIA", "mức đánh giá", "comment-only subject result", default=None
    )


class YearResult(_Model):
    """Whole-year result in a subject — *cả năm* (``CA_NAM``)."""

    average: Score | None = el(
        "DTB_MON",
        "điểm trung bình môn cả năm",
        "year average (ĐTBmcn)",
        xsd="ScoreType",
        default=None,
    )
    result: PassLevel | None = el(
        "MUC_DANH_GIA", "mức đánh giá", "comment-only subject year result", default=None
    )
    retest_score: Score | None = el(
        "DIEM_KIEM_TRA_LAI", "điểm kiểm tra lại", "re-test score", xsd="ScoreType", default=None
    )
    retest_result: PassLevel | None = el(
        "MUC_DANH_GIA_LAI", "mức đánh giá lại", "result after re-assessment", default=None
    )


class SubjectTeacher(_Model):
    """The subject teacher named in a result — *giáo viên bộ môn* (``GVBM``)."""

    name: Text = el("HO_VA_TEN", "họ và tên", "teacher's full name", xsd="TextType")
    personal_id: PersonalId = el(
        "SO_CCCD", "số CCCD", "teacher's personal id", xsd="PersonalIdType"
    )


class SecondarySubjectResult(_Model):
    """Results in one subject — *điểm tổng kết môn* (``DIEM_TONG_KET``), TT 22/2021 Điều 5–9."""

    xml_id_field: ClassVar[str | None] = "subject_code"

    subject_code: SubjectCode = el(
        "MA_MON_HOC", "mã môn học", "subject code", xsd="SubjectCodeType"
    )
    subject_name: Text = el("TEN_MON_HOC", "tên môn học", "subject name", xsd="TextType")
    form: AssessmentForm = el(
        "HINH_THUC_DANH_GIA", "hình thức đánh giá", "scores (DIEM_SO) or comments (NHAN_XET)"
    )
    term1: TermResult = el("HOC_KY_1", "học kỳ I", "term I")
    term2: TermResult = el("HOC_KY_2", "học kỳ II", "term II")
    year: YearResult = el("CA_NAM", "cả năm", "whole year")
    comment: LongText | None = el(
        "NHAN_XET", "nhận xét", "teacher's comment", xsd="LongTextType", default=None
    )
    teacher: SubjectTeacher | None = el("GVBM", "giáo viên bộ môn", "subject teacher", default=None)

    @model_validator(mode="after")
    def _form(self) -> SecondarySubjectResult:
        for name, term in (("HOC_KY_1", self.term1), ("HOC_KY_2", self.term2)):
            scored = (term.midterm_score, term.final_score, term.average)
            # `is None` tests: `None in scored` would compare Decimals with None (slow).
            if self.form is AssessmentForm.SCORE:
                if (
                    not term.regular_scores
                    or any(v is None for v in scored)
                    or term.result is not None
                ):
                    raise ValueError(
                        f"{name}: môn đánh giá bằng điểm số cần đủ điểm ĐĐGtx, ĐĐGgk, ĐĐGck và "
                        f"ĐTB môn, không có mức đánh giá || {name}: a scored subject needs "
                        "DIEM_DGTX, DIEM_DGGK, DIEM_DGCK and DTB_MON, and no MUC_DANH_GIA"
                    )
            elif term.regular_scores or any(v is not None for v in scored) or term.result is None:
                raise ValueError(
                    f"{name}: môn đánh giá bằng nhận xét chỉ có mức đánh giá (Đạt/Chưa đạt) "
                    f"|| {name}: a comment-only subject has only MUC_DANH_GIA (Đạt/Chưa đạt)"
                )
        year = self.year
        if self.form is AssessmentForm.SCORE:
            if year.average is None or year.result is not None or year.retest_result is not None:
                raise ValueError(
                    "Cả năm: môn tính điểm cần ĐTB môn cả năm, không có mức đánh giá "
                    "|| CA_NAM: a scored subject needs DTB_MON and no MUC_DANH_GIA/MUC_DANH_GIA_LAI"
                )
        elif year.result is None or year.average is not None or year.retest_score is not None:
            raise ValueError(
                "Cả năm: môn nhận xét cần mức đánh giá, không có điểm "
                "|| CA_NAM: a comment-only subject needs MUC_DANH_GIA and no "
                "DTB_MON/DIEM_KIEM_TRA_LAI"
            )
        return self


class SecondarySummary(_Model):
    """Year-end summary — *tổng kết* (``TONG_KET``) of a secondary school year (TT 22/2021)."""

    learning_term1: ResultLevel = el(
        "KET_QUA_HOC_TAP_HK1", "kết quả học tập học kỳ I", "learning result, term I"
    )
    learning_term2: ResultLevel = el(
        "KET_QUA_HOC_TAP_HK2", "kết quả học tập học kỳ II", "learning result, term II"
    )
    learning_year: ResultLevel = el(
        "KET_QUA_HOC_TAP_CA_NAM", "kết quả học tập cả năm", "learning result, year"
    )
    conduct_term1: ResultLevel = el(
        "KET_QUA_REN_LUYEN_HK1", "kết quả rèn luyện học kỳ I", "conduct result, term I"
    )
    conduct_term2: ResultLevel = el(
        "KET_QUA_REN_LUYEN_HK2", "kết quả rèn luyện học kỳ II", "conduct result, term II"
    )
    conduct_year: ResultLevel = el(
        "KET_QUA_REN_LUYEN_CA_NAM", "kết quả rèn luyện cả năm", "conduct result, year"
    )
    learning_after_retest: ResultLevel | None = el(
        "KET_QUA_HOC_TAP_SAU_KIEM_TRA_LAI",
        "kết quả học tập sau kiểm tra lại",
        "learning result after re-tests (Điều 13)",
        default=None,
    )
    conduct_after_summer: ResultLevel | None = el(
        "KET_QUA_REN_LUYEN_SAU_REN_LUYEN_HE",
        "kết quả rèn luyện sau rèn luyện hè",
        "conduct result after summer training (Điều 14)",
        default=None,
    )
    title: Title | None = el("DANH_HIEU", "danh hiệu", "year title (Điều 15)", default=None)
    promoted: bool = el("DUOC_LEN_LOP", "được lên lớp", "promoted", xsd="FlagType")
    completed_grade: bool = el(
        "DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC",
        "đã hoàn thành chương trình lớp học",
        "completed the grade's programme",
        xsd="FlagType",
    )
    completed_lower_secondary: bool | None = el(
        "DA_HOAN_THANH_CHUONG_TRINH_TRUNG_HOC_CO_SO",
        "đã hoàn thành chương trình THCS",
        "completed lower secondary (grade 9)",
        xsd="FlagType",
        default=None,
    )
    completed_upper_secondary: bool | None = el(
        "DA_HOAN_THANH_CHUONG_TRINH_TRUNG_HOC_PHO_THONG",
        "đã hoàn thành chương trình THPT",
        "completed upper secondary (grade 12)",
        xsd="FlagType",
        default=None,
    )
    commendation: LongText | None = el(
        "NOI_DUNG_KHEN_THUONG",
        "nội dung khen thưởng",
        "year-end commendation",
        xsd="LongTextType",
        default=None,
    )
    special_commendation: LongText | None = el(
        "NOI_DUNG_KHEN_THUONG_DOT_XUAT",
        "nội dung khen thưởng đột xuất",
        "ad-hoc commendation",
        xsd="LongTextType",
        default=None,
    )
    homeroom_comment: LongText = el(
        "NHAN_XET_GVCN", "nhận xét của GVCN", "homeroom teacher's comment", xsd="LongTextType"
    )
    subjects: tuple[SecondarySubjectResult, ...] = el(
        "DS_DIEM_TONG_KET",
        "danh sách điểm tổng kết",
        "subject results",
        item="DIEM_TONG_KET",
        min_items=1,
    )

    @model_validator(mode="after")
    def _unique(self) -> SecondarySummary:
        _unique_subjects([s.subject_code for s in self.subjects])
        return self


class SecondaryData(_Model):
    """All data the school creates — *dữ liệu học bạ* (``DU_LIEU_HOC_BA``), secondary profile."""

    xml_id: ClassVar[str | None] = "data"

    general: GeneralInfo = el("THONG_TIN_CHUNG", "thông tin chung", "general information")
    history: tuple[StudyYear, ...] = el(
        "QUA_TRINH_HOC_TAP",
        "quá trình học tập",
        "school years so far",
        item="NAM_HOC_HOC_TAP",
        min_items=1,
    )
    summary: SecondarySummary = el("TONG_KET", "tổng kết", "year-end summary")


class SubjectTeacherSlot(_Model):
    """A subject teacher's signature slot — *giáo viên bộ môn* (``GVBM``), one per subject."""

    subject_code: SubjectCode = el(
        "MA_MON_HOC", "mã môn học", "subject signed", xsd="SubjectCodeType", attribute=True
    )
    signed_at: Timestamp = el("NGAY_KY", "ngày ký", "signing time", xsd="TimestampType")
    personal_id: PersonalId = el(
        "SO_CCCD", "số CCCD người ký", "signer's personal id", xsd="PersonalIdType"
    )
    signature: bytes = el("Signature", "chữ ký số", "the XML-DSig signature element", raw=True)


class SecondarySignatures(_Model):
    """Signature slots — *danh sách thông tin ký* (``DANH_SACH_THONG_TIN_KY``), secondary."""

    subject_teachers: tuple[SubjectTeacherSlot, ...] = el(
        "DANH_SACH_GVBM",
        "danh sách giáo viên bộ môn",
        "subject teachers' slots",
        item="GVBM",
        default=(),
    )
    homeroom: PersonalSlot | None = el(
        "GVCN", "giáo viên chủ nhiệm", "homeroom teacher's slot", default=None
    )
    leader: LeaderSlot | None = el("CBQL", "cán bộ quản lý", "school leader's slot", default=None)
    seal: SealSlot | None = el(
        "KY_PHAT_HANH", "ký phát hành", "issuing organisation's slot", default=None
    )


class SecondaryRecord(_Model):
    """One secondary student's record for one school year — *học bạ số* (``HOC_BA``).

    Profile ``trung-hoc-1.0`` (lower and upper secondary): the library's proposal following
    Thông tư 22/2021 and the HCMC/vendor practice; see docs/decisions.md.
    """

    profile: ClassVar[str] = PROFILE_SECONDARY

    data: SecondaryData = el("DU_LIEU_HOC_BA", "dữ liệu học bạ", "the record's data")
    signatures: SecondarySignatures | None = el(
        "DANH_SACH_THONG_TIN_KY", "danh sách thông tin ký", "signature slots", default=None
    )

    @model_validator(mode="after")
    def _profile(self) -> SecondaryRecord:
        if self.data.general.level is SchoolLevel.PRIMARY:
            raise ValueError(
                "Học bạ trung học phải có mã cấp học 03 hoặc 04 "
                "|| a secondary record must have MA_CAP_HOC 03 or 04"
            )
        return self


Record: TypeAlias = PrimaryRecord | SecondaryRecord
"""Any record, of either profile."""
