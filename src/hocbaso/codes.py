"""Code lists of the Học bạ số standard, as enums and data tables (pure Python, no XML).

Enum *values* are exactly what the XML carries (the official Vietnamese words, as the Ministry's
display sample writes them); member names are English. ``.label`` gives the official wording
and, where the paper forms use one, ``.code`` the short paper code (T/H/C, T/Đ/C, T/K/Đ/CĐ).

Where the Ministry has not published a code list (subject codes ``MA_MON_HOC``, grade codes
``MA_KHOI``), the values here are the library's proposal; see ``docs/decisions.md``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "ETHNIC_GROUP_CODES",
    "PROVINCES",
    "SUBJECTS",
    "AssessmentForm",
    "EthnicGroup",
    "FinalEvaluation",
    "LeaderPosition",
    "PassLevel",
    "QualityLevel",
    "ResultLevel",
    "SchoolLevel",
    "Sex",
    "Subject",
    "SubjectLevel",
    "Title",
    "subjects_for",
]


class _Labelled(str, enum.Enum):
    """A str enum whose value is the official Vietnamese wording."""

    @property
    def label(self) -> str:
        """The official Vietnamese wording (same as the value)."""
        return str(self.value)

    def __str__(self) -> str:
        return str(self.value)


# Paper / sharing-schema codes and ranks, looked up by value (module constants: the business
# rules read them millions of times).
_CODES: Final = MappingProxyType(
    {
        "Hoàn thành tốt": "T",
        "Hoàn thành": "H",
        "Chưa hoàn thành": "C",
        "Tốt": "T",
        "Khá": "K",
        "Đạt": "Đ",
        "Chưa đạt": "CĐ",
    }
)
_QUALITY_CODES: Final = MappingProxyType({"Tốt": "T", "Đạt": "Đ", "Cần cố gắng": "C"})
_RANKS: Final = MappingProxyType({"Tốt": 3, "Khá": 2, "Đạt": 1, "Chưa đạt": 0})


class SchoolLevel(_Labelled):
    """School level — *cấp học* (``MA_CAP_HOC``; national list "nhóm cấp học")."""

    PRIMARY = "02"
    LOWER_SECONDARY = "03"
    UPPER_SECONDARY = "04"

    @property
    def label(self) -> str:
        """Official Vietnamese name of the level."""
        return _LEVEL_LABELS[self]

    @property
    def grades(self) -> range:
        """The grades (``MA_KHOI``) that belong to this level."""
        return _LEVEL_GRADES[self]

    @classmethod
    def for_grade(cls, grade: int) -> SchoolLevel:
        """The level a grade 1–12 belongs to."""
        for level, grades in _LEVEL_GRADES.items():
            if grade in grades:
                return level
        raise ValueError(f"grade must be 1..12, got {grade}")


_LEVEL_LABELS: Final = MappingProxyType(
    {
        SchoolLevel.PRIMARY: "Tiểu học",
        SchoolLevel.LOWER_SECONDARY: "Trung học cơ sở",
        SchoolLevel.UPPER_SECONDARY: "Trung học phổ thông",
    }
)
_LEVEL_GRADES: Final = MappingProxyType(
    {
        SchoolLevel.PRIMARY: range(1, 6),
        SchoolLevel.LOWER_SECONDARY: range(6, 10),
        SchoolLevel.UPPER_SECONDARY: range(10, 13),
    }
)


class Sex(_Labelled):
    """Sex as recorded — *giới tính* (``GIOI_TINH``), written as in the official example."""

    MALE = "Nam"
    FEMALE = "Nữ"


class SubjectLevel(_Labelled):
    """Primary subject/activity level — *mức đạt được* (TT 27/2020 Điều 7.1.a)."""

    EXCELLENT = "Hoàn thành tốt"
    COMPLETED = "Hoàn thành"
    NOT_COMPLETED = "Chưa hoàn thành"

    @property
    def code(self) -> str:
        """Paper code T / H / C."""
        return _CODES[self.value]


class QualityLevel(_Labelled):
    """Primary quality/competency level — *mức phẩm chất, năng lực* (TT 27/2020 Điều 7.2)."""

    GOOD = "Tốt"
    PASS = "Đạt"
    NEEDS_EFFORT = "Cần cố gắng"

    @property
    def code(self) -> str:
        """Paper code T / Đ / C."""
        return _QUALITY_CODES[self.value]


class FinalEvaluation(_Labelled):
    """Primary year-end evaluation — *đánh giá kết quả giáo dục* (TT 27/2020 Điều 9.2)."""

    OUTSTANDING = "Hoàn thành xuất sắc"
    EXCELLENT = "Hoàn thành tốt"
    COMPLETED = "Hoàn thành"
    NOT_COMPLETED = "Chưa hoàn thành"


class ResultLevel(_Labelled):
    """Secondary learning/conduct result — *kết quả học tập / rèn luyện* (TT 22/2021 Điều 8–9)."""

    GOOD = "Tốt"
    FAIR = "Khá"
    PASS = "Đạt"
    FAIL = "Chưa đạt"

    @property
    def code(self) -> str:
        """Code of the national sharing schema: T / K / Đ / CĐ."""
        return _CODES[self.value]

    @property
    def rank(self) -> int:
        """3 for Tốt down to 0 for Chưa đạt (for comparisons)."""
        return _RANKS[self.value]


class PassLevel(_Labelled):
    """Result of a comment-only subject — *Đạt / Chưa đạt* (TT 22/2021 Điều 5, 9.1.a)."""

    PASS = "Đạt"
    FAIL = "Chưa đạt"


class AssessmentForm(_Labelled):
    """How a secondary subject is assessed — *hình thức đánh giá* (TT 22/2021 Điều 5)."""

    SCORE = "DIEM_SO"
    COMMENT = "NHAN_XET"


class Title(_Labelled):
    """Secondary year title — *danh hiệu* (TT 22/2021 Điều 15.1.a)."""

    OUTSTANDING = "Học sinh Xuất sắc"
    EXCELLENT = "Học sinh Giỏi"


class LeaderPosition(_Labelled):
    """Position of the school leader who signs — *chức vụ giám hiệu ký học bạ*."""

    PRINCIPAL = "Hiệu trưởng"
    VICE_PRINCIPAL = "Phó Hiệu trưởng"


class EthnicGroup(_Labelled):
    """The 54 ethnic groups of Viet Nam — *dân tộc* (``DAN_TOC``; GSO list, codes 01–54)."""

    KINH = "Kinh"
    TAY = "Tày"
    THAI = "Thái"
    HOA = "Hoa"
    KHMER = "Khơ-me"
    MUONG = "Mường"
    NUNG = "Nùng"
    HMONG = "HMông"
    DAO = "Dao"
    GIA_RAI = "Gia-rai"
    NGAI = "Ngái"
    E_DE = "Ê-đê"
    BA_NA = "Ba-na"
    XO_DANG = "Xơ-Đăng"
    SAN_CHAY = "Sán Chay"
    CO_HO = "Cơ-ho"
    CHAM = "Chăm"
    SAN_DIU = "Sán Dìu"
    HRE = "Hrê"
    MNONG = "Mnông"
    RA_GLAI = "Ra-glai"
    XTIENG = "Xtiêng"
    BRU_VAN_KIEU = "Bru-Vân Kiều"
    THO = "Thổ"
    GIAY = "Giáy"
    CO_TU = "Cơ-tu"
    GIE_TRIENG = "Gié-Triêng"
    MA = "Mạ"
    KHO_MU = "Khơ-mú"
    CO = "Co"
    TA_OI = "Tà-ôi"
    CHO_RO = "Chơ-ro"
    KHANG = "Kháng"
    XINH_MUN = "Xinh-mun"
    HA_NHI = "Hà Nhì"
    CHU_RU = "Chu-ru"
    LAO = "Lào"
    LA_CHI = "La Chí"
    LA_HA = "La Ha"
    PHU_LA = "Phù Lá"
    LA_HU = "La Hủ"
    LU = "Lự"
    LO_LO = "Lô Lô"
    CHUT = "Chứt"
    MANG = "Mảng"
    PA_THEN = "Pà Thẻn"
    CO_LAO = "Cơ Lao"
    CONG = "Cống"
    BO_Y = "Bố Y"
    SI_LA = "Si La"
    PU_PEO = "Pu Péo"
    BRAU = "Brâu"
    O_DU = "Ơ Đu"
    RO_MAM = "Rơ-măm"

    @property
    def code(self) -> str:
        """Two-digit GSO code (01 Kinh … 54 Rơ-măm)."""
        return ETHNIC_GROUP_CODES[self]


ETHNIC_GROUP_CODES: Final = MappingProxyType(
    {group: f"{i:02d}" for i, group in enumerate(EthnicGroup, start=1)}
)
"""Two-digit GSO code of each ethnic group."""

PROVINCES: Final[MappingProxyType[str, str]] = MappingProxyType(
    {
        "001": "Hà Nội",
        "002": "Hà Giang",
        "004": "Cao Bằng",
        "006": "Bắc Kạn",
        "008": "Tuyên Quang",
        "010": "Lào Cai",
        "011": "Điện Biên",
        "012": "Lai Châu",
        "014": "Sơn La",
        "015": "Yên Bái",
        "017": "Hòa Bình",
        "019": "Thái Nguyên",
        "020": "Lạng Sơn",
        "022": "Quảng Ninh",
        "024": "Bắc Giang",
        "025": "Phú Thọ",
        "026": "Vĩnh Phúc",
        "027": "Bắc Ninh",
        "030": "Hải Dương",
        "031": "Hải Phòng",
        "033": "Hưng Yên",
        "034": "Thái Bình",
        "035": "Hà Nam",
        "036": "Nam Định",
        "037": "Ninh Bình",
        "038": "Thanh Hóa",
        "040": "Nghệ An",
        "042": "Hà Tĩnh",
        "044": "Quảng Bình",
        "045": "Quảng Trị",
        "046": "Thừa Thiên Huế",
        "048": "Đà Nẵng",
        "049": "Quảng Nam",
        "051": "Quảng Ngãi",
        "052": "Bình Định",
        "054": "Phú Yên",
        "056": "Khánh Hòa",
        "058": "Ninh Thuận",
        "060": "Bình Thuận",
        "062": "Kon Tum",
        "064": "Gia Lai",
        "066": "Đắk Lắk",
        "067": "Đắk Nông",
        "068": "Lâm Đồng",
        "070": "Bình Phước",
        "072": "Tây Ninh",
        "074": "Bình Dương",
        "075": "Đồng Nai",
        "077": "Bà Rịa - Vũng Tàu",
        "079": "TP. Hồ Chí Minh",
        "080": "Long An",
        "082": "Tiền Giang",
        "083": "Bến Tre",
        "084": "Trà Vinh",
        "086": "Vĩnh Long",
        "087": "Đồng Tháp",
        "089": "An Giang",
        "091": "Kiên Giang",
        "092": "Cần Thơ",
        "093": "Hậu Giang",
        "094": "Sóc Trăng",
        "095": "Bạc Liêu",
        "096": "Cà Mau",
    }
)
"""Province-of-birth-registration codes (digits 1–3 of the 12-digit personal id) → name.

These are the 63 pre-2025 provinces; the 2025 merger does not change issued numbers.
The Sở code ``MA_SO_GIAO_DUC`` is, by the library's decision, the same number without its
leading zero (two digits, e.g. ``48`` for Đà Nẵng).
"""


@dataclass(frozen=True, slots=True)
class Subject:
    """One subject or educational activity — *môn học / hoạt động giáo dục*.

    Attributes:
        code: ``MA_MON_HOC`` proposed by the library (the CSDL ngành codes are unpublished).
        name: official name (``TEN_MON_HOC``).
        levels: the school levels that teach it.
        form: secondary assessment form (score or comment); ``None`` for primary-only entries.
        periodic_test: primary only — has end-of-term periodic tests (TT 27/2020 Điều 7.1.b).
        periods_per_year: teaching periods per year (secondary; decides the number of regular
            scores, TT 22/2021 Điều 6.2.b), ``None`` when not fixed.
    """

    code: str
    name: str
    levels: frozenset[SchoolLevel]
    form: AssessmentForm | None = None
    periodic_test: bool = False
    periods_per_year: int | None = None

    @property
    def regular_assessments(self) -> int:
        """Number of regular assessments (ĐĐGtx) per term for a secondary subject."""
        periods = self.periods_per_year or 0
        if self.form is AssessmentForm.COMMENT or periods <= 35:
            return 2
        return 3 if periods <= 70 else 4


_P = frozenset({SchoolLevel.PRIMARY})
_L = frozenset({SchoolLevel.LOWER_SECONDARY})
_U = frozenset({SchoolLevel.UPPER_SECONDARY})
_LU = _L | _U
_S = AssessmentForm.SCORE
_C = AssessmentForm.COMMENT

SUBJECTS: Final[MappingProxyType[str, Subject]] = MappingProxyType(
    {
        s.code: s
        for s in (
            # Primary (CT GDPT 2018; TT 27/2020 Điều 7)
            Subject("TV", "Tiếng Việt", _P, periodic_test=True),
            Subject("TOAN", "Toán", _P | _LU, _S, periodic_test=True, periods_per_year=140),
            Subject("NN1", "Ngoại ngữ 1", _P | _LU, _S, periodic_test=True, periods_per_year=105),
            Subject(
                "LSDL", "Lịch sử và Địa lí", _P | _L, _S, periodic_test=True, periods_per_year=105
            ),
            Subject("KH", "Khoa học", _P, periodic_test=True),
            Subject("TIN", "Tin học", _P | _LU, _S, periodic_test=True, periods_per_year=35),
            Subject("CN", "Công nghệ", _P | _LU, _S, periodic_test=True, periods_per_year=52),
            Subject("DD", "Đạo đức", _P),
            Subject("TNXH", "Tự nhiên và Xã hội", _P),
            Subject("GDTC", "Giáo dục thể chất", _P | _LU, _C, periods_per_year=70),
            Subject("AN", "Âm nhạc", _P | _LU, _C, periods_per_year=35),
            Subject("MT", "Mĩ thuật", _P | _LU, _C, periods_per_year=35),
            Subject("HDTN", "Hoạt động trải nghiệm", _P),
            Subject("TDT", "Tiếng dân tộc thiểu số", _P | _LU, _S, periods_per_year=105),
            # Secondary (CT GDPT 2018; TT 22/2021 Điều 5)
            Subject("NV", "Ngữ văn", _LU, _S, periods_per_year=140),
            Subject("GDCD", "Giáo dục công dân", _L, _S, periods_per_year=35),
            Subject("KHTN", "Khoa học tự nhiên", _L, _S, periods_per_year=140),
            Subject("HDTNHN", "Hoạt động trải nghiệm, hướng nghiệp", _LU, _C, periods_per_year=105),
            Subject("GDDP", "Nội dung giáo dục của địa phương", _LU, _C, periods_per_year=35),
            Subject("LS", "Lịch sử", _U, _S, periods_per_year=52),
            Subject("DL", "Địa lí", _U, _S, periods_per_year=70),
            Subject("GDKTPL", "Giáo dục kinh tế và pháp luật", _U, _S, periods_per_year=70),
            Subject("VL", "Vật lí", _U, _S, periods_per_year=70),
            Subject("HH", "Hoá học", _U, _S, periods_per_year=70),
            Subject("SH", "Sinh học", _U, _S, periods_per_year=70),
            Subject("GDQPAN", "Giáo dục quốc phòng và an ninh", _U, _S, periods_per_year=35),
            Subject("NN2", "Ngoại ngữ 2", _LU, _S, periods_per_year=105),
        )
    }
)
"""The library's subject catalogue, keyed by ``MA_MON_HOC`` (a proposal; see docs/decisions.md)."""


def subjects_for(level: SchoolLevel) -> tuple[Subject, ...]:
    """The catalogue entries taught at ``level``, in catalogue order."""
    return tuple(s for s in SUBJECTS.values() if level in s.levels)
