"""What the copy shows, read from the record's XML tree (internal).

The view is built from the element tree rather than from the decoded models so that a record
that fails validation can still be shown (with a "not valid" watermark): every value is read
leniently, missing values print as a blank line, unknown elements are ignored. Values are shown
as the record writes them, with Vietnamese number and date conventions (``8,5``, ``31/05/2024``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from lxml import etree

from hocbaso.render._summary import VIETNAM_TZ

PRIMARY_LEVEL = "02"
_LEVELS = {"02": "Tiểu học", "03": "Trung học cơ sở", "04": "Trung học phổ thông"}
_DECIMAL_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")

QUALITIES: tuple[tuple[str, str], ...] = (
    ("PHAM_CHAT_YEU_NUOC", "Yêu nước"),
    ("PHAM_CHAT_NHAN_AI", "Nhân ái"),
    ("PHAM_CHAT_CHAM_CHI", "Chăm chỉ"),
    ("PHAM_CHAT_TRUNG_THUC", "Trung thực"),
    ("PHAM_CHAT_TRACH_NHIEM", "Trách nhiệm"),
)
"""The five main qualities — *phẩm chất chủ yếu* (TT 27/2020 Điều 5)."""
GENERAL_COMPETENCIES: tuple[tuple[str, str], ...] = (
    ("NANG_LUC_TU_CHU_TU_HOC", "Tự chủ và tự học"),
    ("NANG_LUC_GIAO_TIEP_HOC_TAC", "Giao tiếp và hợp tác"),
    ("NANG_LUC_GIAI_QUYET_VAN_DE_SANG_TAO", "Giải quyết vấn đề và sáng tạo"),
)
"""General competencies — *năng lực chung*."""
SPECIFIC_COMPETENCIES: tuple[tuple[str, str], ...] = (
    ("NANG_LUC_NGON_NGU", "Ngôn ngữ"),
    ("NANG_LUC_TINH_TOAN", "Tính toán"),
    ("NANG_LUC_KHOA_HOC", "Khoa học"),
    ("NANG_LUC_CONG_NGHE", "Công nghệ"),
    ("NANG_LUC_TIN_HOC", "Tin học"),
    ("NANG_LUC_THAM_MI", "Thẩm mĩ"),
    ("NANG_LUC_THE_CHAT", "Thể chất"),
)
"""Specific competencies — *năng lực đặc thù*."""
_OPTIONAL_COMPETENCIES = frozenset({"NANG_LUC_CONG_NGHE", "NANG_LUC_TIN_HOC"})

SLOT_ROLES: dict[str, tuple[str, str]] = {
    "GVBM": ("Giáo viên bộ môn", "subject teacher"),
    "GVCN": ("Giáo viên chủ nhiệm", "homeroom teacher"),
    "CBQL": ("Cán bộ quản lý (Hiệu trưởng / Phó Hiệu trưởng)", "school leader"),
    "KY_PHAT_HANH": ("Ký phát hành (chữ ký số của nhà trường)", "issuing seal of the school"),
}


# -- lenient readers --------------------------------------------------------------------------


def clean(text: str | None) -> str | None:
    """NFC text with surrounding whitespace removed; ``None`` for nothing."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text).strip()
    return text or None


def _text(el: etree._Element | None, path: str | None = None) -> str | None:
    if el is None:
        return None
    node = el.find(path) if path else el
    if node is None:
        return None
    return clean("".join(node.itertext()))


def number(text: str | None) -> str | None:
    """A decimal as printed in Vietnam (``8.5`` → ``8,5``); other text unchanged."""
    if text is None:
        return None
    if _DECIMAL_RE.fullmatch(text):
        return text.replace(".", ",")
    return text


def parse_time(text: str | None) -> dt.datetime | None:
    """An ISO-8601 timestamp with offset, or ``None`` when absent or unreadable."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def show_time(value: dt.datetime | None) -> str | None:
    """``31/05/2024 09:30:00 (UTC+07:00)`` in Vietnam time."""
    if value is None:
        return None
    return value.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M:%S") + " (UTC+07:00)"


def show_date(value: dt.datetime | None) -> str | None:
    """``31/05/2024`` in Vietnam time."""
    if value is None:
        return None
    return value.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")


def _flag(text: str | None) -> bool | None:
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    return None


# -- the view ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One school year of *quá trình học tập*."""

    school_year: str | None
    class_name: str | None
    school_name: str | None
    enrolled_on: str | None


@dataclass(frozen=True, slots=True)
class LevelRow:
    """A quality or competency and the level reached."""

    label: str
    level: str | None
    optional: bool = False


@dataclass(frozen=True, slots=True)
class PrimarySubjectRow:
    """One row of the primary results table."""

    code: str | None
    name: str | None
    level: str | None
    score: str | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class PrimaryResults:
    """The primary results of the year (TT 27/2020, paper sections 1–6)."""

    subjects: tuple[PrimarySubjectRow, ...]
    qualities: tuple[LevelRow, ...]
    qualities_comment: str | None
    general_competencies: tuple[LevelRow, ...]
    general_comment: str | None
    specific_competencies: tuple[LevelRow, ...]
    specific_comment: str | None
    final_evaluation: str | None
    commendation: str | None
    special_commendation: str | None
    completion_text: str | None
    completed_grade: bool | None
    completed_primary: bool | None
    promoted: bool | None
    homeroom_comment: str | None


@dataclass(frozen=True, slots=True)
class TermDetail:
    """Detailed scores of one term in one subject."""

    regular: tuple[str, ...]
    midterm: str | None
    final: str | None
    average: str | None
    result: str | None


@dataclass(frozen=True, slots=True)
class SecondarySubjectRow:
    """One row of the secondary results table (and its details)."""

    code: str | None
    name: str | None
    scored: bool
    term1: str | None
    term2: str | None
    year: str | None
    retest: str | None
    teacher: str | None
    comment: str | None
    detail1: TermDetail
    detail2: TermDetail


@dataclass(frozen=True, slots=True)
class SecondaryResults:
    """The secondary results of the year (TT 22/2021)."""

    subjects: tuple[SecondarySubjectRow, ...]
    learning: tuple[str | None, str | None, str | None]
    conduct: tuple[str | None, str | None, str | None]
    learning_after_retest: str | None
    conduct_after_summer: str | None
    title: str | None
    promoted: bool | None
    completed_grade: bool | None
    completed_lower_secondary: bool | None
    completed_upper_secondary: bool | None
    commendation: str | None
    special_commendation: str | None
    homeroom_comment: str | None


@dataclass(frozen=True, slots=True)
class SlotClaim:
    """A signature slot as the record states it (not verified)."""

    slot: str
    signed_at: dt.datetime | None
    personal_id: str | None


@dataclass(frozen=True, slots=True)
class RecordView:
    """Everything the copy prints about the record."""

    primary: bool
    level_code: str | None
    level_label: str | None
    general: dict[str, str | None]
    history: tuple[HistoryRow, ...]
    primary_results: PrimaryResults | None
    secondary_results: SecondaryResults | None
    issued_at: dt.datetime | None
    created_at: dt.datetime | None
    claims: tuple[SlotClaim, ...] = field(default=())

    def subject_name(self, code: str) -> str | None:
        """The name of the subject with code ``code`` in this record, if any."""
        rows: tuple[PrimarySubjectRow | SecondarySubjectRow, ...] = ()
        if self.primary_results is not None:
            rows = self.primary_results.subjects
        elif self.secondary_results is not None:
            rows = self.secondary_results.subjects
        return next((r.name for r in rows if r.code == code), None)

    def subject_teacher(self, code: str) -> str | None:
        """The subject teacher named in the record for subject ``code``."""
        if self.secondary_results is None:
            return None
        return next((r.teacher for r in self.secondary_results.subjects if r.code == code), None)


_GENERAL_NUMBERS = frozenset({"CAN_NANG", "CHIEU_CAO"})


def _general(info: etree._Element | None) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    if info is None:
        return out
    for child in info:
        if not isinstance(child.tag, str) or child.tag in out:
            continue
        value = _text(child)
        if child.tag in _GENERAL_NUMBERS:
            value = number(value)
        elif child.tag in ("NGAY_TAO_HOC_BA", "NGAY_KY_PHAT_HANH_HOC_BA"):
            value = show_date(parse_time(value)) or value
        out[child.tag] = value
    return out


def _levels(
    block: etree._Element | None, table: tuple[tuple[str, str], ...]
) -> tuple[LevelRow, ...]:
    return tuple(
        LevelRow(label, _text(block, tag), tag in _OPTIONAL_COMPETENCIES) for tag, label in table
    )


def _primary(summary: etree._Element | None) -> PrimaryResults:
    subjects = tuple(
        PrimarySubjectRow(
            code=_text(s, "MA_MON_HOC"),
            name=_text(s, "TEN_MON_HOC"),
            level=_text(s, "MUC_DAT_DUOC"),
            score=number(_text(s, "DIEM_KIEM_TRA_DINH_KY")),
            comment=_text(s, "NHAN_XET"),
        )
        for s in (summary.findall("DS_BANG_DIEM/BANG_DIEM") if summary is not None else [])
    )
    block = summary.find("DANH_GIA_NANG_LUC_PHAM_CHAT") if summary is not None else None
    return PrimaryResults(
        subjects=subjects,
        qualities=_levels(block, QUALITIES),
        qualities_comment=_text(block, "NHAN_XET_PHAM_CHAT"),
        general_competencies=_levels(block, GENERAL_COMPETENCIES),
        general_comment=_text(block, "NHAN_XET_NANG_LUC_CHUNG"),
        specific_competencies=_levels(block, SPECIFIC_COMPETENCIES),
        specific_comment=_text(block, "NHAN_XET_NANG_LUC_DAC_THU"),
        final_evaluation=_text(summary, "KET_QUA_XEP_LOAI"),
        commendation=_text(summary, "NOI_DUNG_KHEN_THUONG"),
        special_commendation=_text(summary, "NOI_DUNG_KHEN_THUONG_DOT_XUAT"),
        completion_text=_text(summary, "NOI_DUNG_HOAN_THANH_CHUONG_TRINH"),
        completed_grade=_flag(_text(summary, "DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC")),
        completed_primary=_flag(_text(summary, "DA_HOAN_THANH_CHUONG_TRINH_TIEU_HOC")),
        promoted=_flag(_text(summary, "DUOC_LEN_LOP")),
        homeroom_comment=_text(summary, "NHAN_XET_GVCN"),
    )


def _term(term: etree._Element | None) -> TermDetail:
    regular = tuple(
        number(_text(r)) or "" for r in (term.findall("DIEM_DGTX") if term is not None else [])
    )
    return TermDetail(
        regular=regular,
        midterm=number(_text(term, "DIEM_DGGK")),
        final=number(_text(term, "DIEM_DGCK")),
        average=number(_text(term, "DTB_MON")),
        result=_text(term, "MUC_DANH_GIA"),
    )


def _secondary(summary: etree._Element | None) -> SecondaryResults:
    rows = []
    for s in summary.findall("DS_DIEM_TONG_KET/DIEM_TONG_KET") if summary is not None else []:
        t1, t2 = _term(s.find("HOC_KY_1")), _term(s.find("HOC_KY_2"))
        year = s.find("CA_NAM")
        scored = _text(s, "HINH_THUC_DANH_GIA") != "NHAN_XET"
        rows.append(
            SecondarySubjectRow(
                code=_text(s, "MA_MON_HOC"),
                name=_text(s, "TEN_MON_HOC"),
                scored=scored,
                term1=t1.average or t1.result,
                term2=t2.average or t2.result,
                year=number(_text(year, "DTB_MON")) or _text(year, "MUC_DANH_GIA"),
                retest=number(_text(year, "DIEM_KIEM_TRA_LAI")) or _text(year, "MUC_DANH_GIA_LAI"),
                teacher=_text(s, "GVBM/HO_VA_TEN"),
                comment=_text(s, "NHAN_XET"),
                detail1=t1,
                detail2=t2,
            )
        )

    def three(prefix: str) -> tuple[str | None, str | None, str | None]:
        return (
            _text(summary, f"{prefix}_HK1"),
            _text(summary, f"{prefix}_HK2"),
            _text(summary, f"{prefix}_CA_NAM"),
        )

    return SecondaryResults(
        subjects=tuple(rows),
        learning=three("KET_QUA_HOC_TAP"),
        conduct=three("KET_QUA_REN_LUYEN"),
        learning_after_retest=_text(summary, "KET_QUA_HOC_TAP_SAU_KIEM_TRA_LAI"),
        conduct_after_summer=_text(summary, "KET_QUA_REN_LUYEN_SAU_REN_LUYEN_HE"),
        title=_text(summary, "DANH_HIEU"),
        promoted=_flag(_text(summary, "DUOC_LEN_LOP")),
        completed_grade=_flag(_text(summary, "DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC")),
        completed_lower_secondary=_flag(
            _text(summary, "DA_HOAN_THANH_CHUONG_TRINH_TRUNG_HOC_CO_SO")
        ),
        completed_upper_secondary=_flag(
            _text(summary, "DA_HOAN_THANH_CHUONG_TRINH_TRUNG_HOC_PHO_THONG")
        ),
        commendation=_text(summary, "NOI_DUNG_KHEN_THUONG"),
        special_commendation=_text(summary, "NOI_DUNG_KHEN_THUONG_DOT_XUAT"),
        homeroom_comment=_text(summary, "NHAN_XET_GVCN"),
    )


def _claims(root: etree._Element) -> tuple[SlotClaim, ...]:
    slots = root.find("DANH_SACH_THONG_TIN_KY")
    if slots is None:
        return ()
    out = []
    for el in slots.findall("DANH_SACH_GVBM/GVBM"):
        out.append(
            SlotClaim(
                f"GVBM:{clean(el.get('MA_MON_HOC')) or '?'}",
                parse_time(_text(el, "NGAY_KY")),
                _text(el, "SO_CCCD"),
            )
        )
    for name in ("GVCN", "CBQL", "KY_PHAT_HANH"):
        slot = slots.find(name)
        if slot is not None:
            out.append(SlotClaim(name, parse_time(_text(slot, "NGAY_KY")), _text(slot, "SO_CCCD")))
    return tuple(out)


def build_view(root: etree._Element) -> RecordView:
    """Read everything the copy shows from a ``HOC_BA`` element (lenient)."""
    data = root.find("DU_LIEU_HOC_BA")
    info = data.find("THONG_TIN_CHUNG") if data is not None else None
    summary = data.find("TONG_KET") if data is not None else None
    level = _text(info, "MA_CAP_HOC")
    primary = level == PRIMARY_LEVEL
    history = tuple(
        HistoryRow(
            school_year=_school_year(_text(h, "NAM_HOC")),
            class_name=_text(h, "TEN_LOP"),
            school_name=_text(h, "TEN_TRUONG"),
            enrolled_on=_text(h, "NGAY_TRANG_THAI_CHUYEN_DEN"),
        )
        for h in (data.findall("QUA_TRINH_HOC_TAP/NAM_HOC_HOC_TAP") if data is not None else [])
    )
    return RecordView(
        primary=primary,
        level_code=level,
        level_label=_LEVELS.get(level or ""),
        general=_general(info),
        history=history,
        primary_results=_primary(summary) if primary else None,
        secondary_results=None if primary else _secondary(summary),
        issued_at=parse_time(_text(info, "NGAY_KY_PHAT_HANH_HOC_BA")),
        created_at=parse_time(_text(info, "NGAY_TAO_HOC_BA")),
        claims=_claims(root),
    )


def _school_year(text: str | None) -> str | None:
    if text and text.isdigit():
        return f"{text}-{int(text) + 1}"
    return text
