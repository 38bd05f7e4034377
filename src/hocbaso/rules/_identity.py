"""Identity checks: personal id numbers, student and Sở codes, age, enrolment, subject lists.

Messages never quote a full personal id number or a name: they point at the digits that
disagree, so reports can be shown to a clerk without spreading personal data further.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from hocbaso.codes import PROVINCES, SUBJECTS, SchoolLevel, Sex
from hocbaso.models import SecondaryRecord
from hocbaso.report import Severity
from hocbaso.rules._context import Context
from hocbaso.rules._registry import Finding, rule

__all__ = ["PersonalId", "parse_personal_id"]

ERROR, WARNING = Severity.ERROR, Severity.WARNING
ID_CLAUSE = "NĐ 137/2015/NĐ-CP Điều 13; TT 07/2016/TT-BCA Điều 7 (spec §7.1)"

_DIGITS12 = re.compile(r"^[0-9]{12}$")


@dataclass(frozen=True, slots=True)
class PersonalId:
    """What the 12 digits of a personal id number (*số định danh cá nhân*) encode.

    Attributes:
        number: the 12 digits.
        province_code: digits 1–3, province (or country) of birth registration.
        province: the province name, or ``None`` when the code is not in
            :data:`hocbaso.codes.PROVINCES` (e.g. a birth registered abroad).
        sex: digit 4 even = male (*Nam*), odd = female (*Nữ*).
        birth_year: century from digit 4 (0/1 → 1900s, 2/3 → 2000s, …) plus digits 5–6.
    """

    number: str
    province_code: str
    province: str | None
    sex: Sex
    birth_year: int


def parse_personal_id(number: str) -> PersonalId | None:
    """Decode a 12-digit personal id number; ``None`` if it is not 12 digits.

    There is no check digit (spec §7.1): a well-formed number can still be wrong; the rules
    compare what it encodes with the record's sex and date of birth.
    """
    if not isinstance(number, str) or not _DIGITS12.match(number):
        return None
    d4 = int(number[3])
    return PersonalId(
        number,
        number[:3],
        PROVINCES.get(number[:3]),
        Sex.MALE if d4 % 2 == 0 else Sex.FEMALE,
        1900 + (d4 // 2) * 100 + int(number[4:6]),
    )


def _birth_year(number: str) -> int:
    return 1900 + (ord(number[3]) - 48) // 2 * 100 + int(number[4:6])


def _pid(ctx: Context) -> PersonalId | None:
    cached = ctx.cache.get("id.student")
    if cached is None:
        cached = ctx.cache["id.student"] = parse_personal_id(ctx.general.personal_id)
    return cached if isinstance(cached, PersonalId) else None


# --------------------------------------------------------------------------- student's id


@rule(
    "ID-CCCD-001",
    severity=WARNING,
    clause=ID_CLAUSE,
    sets=("identity",),
    title_vi="Ba chữ số đầu của số định danh cá nhân của học sinh là mã một tỉnh/thành phố nơi "
    "đăng ký khai sinh (cảnh báo: trẻ đăng ký khai sinh ở nước ngoài có mã quốc gia).",
    title_en="The first three digits of the student's personal id are a province code of birth "
    "registration (a warning: births registered abroad carry a country code).",
)
def student_province(ctx: Context) -> Iterator[Finding]:
    """SO_CCCD digits 1–3 in :data:`~hocbaso.codes.PROVINCES`."""
    pid = _pid(ctx)
    if pid is None or pid.province is not None:
        return
    loc, title = ctx.general_at("personal_id")
    yield Finding(
        loc,
        f"Ba chữ số đầu của số định danh cá nhân ({pid.province_code}) không phải mã tỉnh/thành "
        "phố nào; kiểm tra lại số (trừ khi học sinh đăng ký khai sinh ở nước ngoài).",
        f"The first three digits of SO_CCCD ({pid.province_code}) are not a province code; check "
        "the number (unless the birth was registered abroad).",
        title,
        pid.province_code,
        None,
    )


@rule(
    "ID-CCCD-002",
    severity=ERROR,
    clause=ID_CLAUSE,
    sets=("identity",),
    title_vi="Chữ số thứ 4 của số định danh cá nhân (mã thế kỷ và giới tính: chẵn Nam, lẻ Nữ) "
    "khớp giới tính của học sinh.",
    title_en="Digit 4 of the personal id (century and sex code: even male, odd female) matches "
    "the student's recorded sex.",
)
def student_sex(ctx: Context) -> Iterator[Finding]:
    """SO_CCCD digit 4 parity against GIOI_TINH."""
    pid = _pid(ctx)
    sex = ctx.general.sex
    if pid is None or pid.sex is sex:
        return
    loc, title = ctx.general_at("personal_id")
    digit = pid.number[3]
    yield Finding(
        loc,
        f"Chữ số thứ 4 của số định danh cá nhân là {digit}, mã giới tính {pid.sex.value}, nhưng "
        f"giới tính ghi {sex.value}.",
        f"Digit 4 of SO_CCCD is {digit} (sex code {pid.sex.value}), but GIOI_TINH is {sex.value}.",
        title,
        sex.value,
        pid.sex.value,
    )


@rule(
    "ID-CCCD-003",
    severity=ERROR,
    clause=ID_CLAUSE,
    sets=("identity",),
    title_vi="Mã thế kỷ (chữ số thứ 4) và hai chữ số năm sinh (chữ số 5–6) của số định danh cá "
    "nhân khớp năm sinh của học sinh.",
    title_en="The century code (digit 4) and birth-year digits (5–6) of the personal id match "
    "the student's year of birth.",
)
def student_birth_year(ctx: Context) -> Iterator[Finding]:
    """SO_CCCD digits 4–6 against NGAY_SINH."""
    pid = _pid(ctx)
    year = ctx.general.date_of_birth.year
    if pid is None or pid.birth_year == year:
        return
    loc, title = ctx.general_at("personal_id")
    digits = pid.number[3:6]
    yield Finding(
        loc,
        f"Chữ số 4–6 của số định danh cá nhân ({digits}) cho năm sinh {pid.birth_year}, nhưng "
        f"ngày sinh ghi năm {year}.",
        f"Digits 4–6 of SO_CCCD ({digits}) give birth year {pid.birth_year}, but NGAY_SINH is "
        f"in {year}.",
        title,
        str(year),
        str(pid.birth_year),
    )


# --------------------------------------------------------------------------- staff ids


StaffId = tuple[tuple[str | int, ...], str, str]


def _staff(ctx: Context) -> list[StaffId]:
    cached = ctx.cache.get("id.staff")
    if cached is None:
        cached = ctx.cache["id.staff"] = list(_staff_ids(ctx))
    return cached


def _staff_ids(ctx: Context) -> Iterator[StaffId]:
    """(steps, personal id, role) of every staff id in the record (role names the element)."""
    g = ctx.general
    yield ("data", "general", "signing_leader_personal_id"), g.signing_leader_personal_id, "GH"
    if g.homeroom_teacher_personal_id is not None:
        yield (
            ("data", "general", "homeroom_teacher_personal_id"),
            g.homeroom_teacher_personal_id,
            "GVCN",
        )
    record = ctx.record
    if isinstance(record, SecondaryRecord):
        for i, s in enumerate(record.data.summary.subjects):
            if s.teacher is not None:
                yield (
                    ("data", "summary", "subjects", i, "teacher", "personal_id"),
                    s.teacher.personal_id,
                    "GVBM",
                )
    sigs = record.signatures
    if sigs is None:
        return
    if sigs.homeroom is not None and sigs.homeroom.personal_id is not None:
        yield ("signatures", "homeroom", "personal_id"), sigs.homeroom.personal_id, "GVCN-KY"
    if sigs.leader is not None:
        yield ("signatures", "leader", "personal_id"), sigs.leader.personal_id, "CBQL-KY"
    if isinstance(record, SecondaryRecord) and record.signatures is not None:
        for i, slot in enumerate(record.signatures.subject_teachers):
            yield ("signatures", "subject_teachers", i, "personal_id"), slot.personal_id, "GVBM-KY"


_ROLES = {
    "GH": ("giám hiệu ký học bạ", "signing school leader"),
    "GVCN": ("giáo viên chủ nhiệm", "homeroom teacher"),
    "GVBM": ("giáo viên bộ môn", "subject teacher"),
    "GVCN-KY": ("người ký ô GVCN", "signer of the GVCN slot"),
    "CBQL-KY": ("người ký ô CBQL", "signer of the CBQL slot"),
    "GVBM-KY": ("người ký ô GVBM", "signer of a GVBM slot"),
}


def _role(ctx: Context, steps: tuple[str | int, ...], kind: str) -> tuple[str, str]:
    vi, en = _ROLES[kind]
    if kind == "GVBM" and isinstance(ctx.record, SecondaryRecord):
        subject = ctx.record.data.summary.subjects[int(steps[3])]
        return f"{vi} môn {subject.subject_name}", f"{en} of {subject.subject_code}"
    return vi, en


@rule(
    "ID-CCCD-004",
    severity=WARNING,
    clause=ID_CLAUSE,
    sets=("identity",),
    title_vi="Số định danh cá nhân của giáo viên, giám hiệu có cấu trúc hợp lệ: mã tỉnh có "
    "trong danh mục, năm sinh mã hoá là của người đã trưởng thành (18–80 tuổi).",
    title_en="Teachers' and leaders' personal ids are well structured: a known province code "
    "and an encoded birth year of an adult (18–80 years old).",
)
def staff_structure(ctx: Context) -> Iterator[Finding]:
    """Structure of SO_CCCD_GIAM_HIEU…, SO_CCCD_GIAO_VIEN…, GVBM and slot SO_CCCD."""
    year = ctx.general.school_year
    for steps, number, role in _staff(ctx):
        if number[:3] in PROVINCES and 18 <= year - _birth_year(number) <= 80:
            continue  # the common case, without decoding
        pid = parse_personal_id(number)
        if pid is None:
            continue
        bad_vi: list[str] = []
        bad_en: list[str] = []
        if pid.province is None:
            bad_vi.append(f"mã tỉnh {pid.province_code} không có trong danh mục")
            bad_en.append(f"province code {pid.province_code} is unknown")
        age = year - pid.birth_year
        if not 18 <= age <= 80:
            bad_vi.append(f"năm sinh mã hoá {pid.birth_year} ({age} tuổi) không hợp lý")
            bad_en.append(f"encoded birth year {pid.birth_year} ({age} years old) is implausible")
        if not bad_vi:
            continue
        loc, title = ctx.at(*steps)
        vi, en = _role(ctx, steps, role)
        yield Finding(
            loc,
            f"Số định danh cá nhân của {vi}: " + "; ".join(bad_vi) + ".",
            f"Personal id of the {en}: " + "; ".join(bad_en) + ".",
            title,
            None,
            None,
        )


@rule(
    "ID-CCCD-005",
    severity=ERROR,
    clause=ID_CLAUSE,
    sets=("identity",),
    title_vi="Số định danh cá nhân của giáo viên, giám hiệu không trùng số của học sinh.",
    title_en="No teacher's or leader's personal id equals the student's.",
)
def staff_not_student(ctx: Context) -> Iterator[Finding]:
    """A staff SO_CCCD equal to the student's SO_CCCD (a copy-paste slip)."""
    student = ctx.general.personal_id
    for steps, number, role in _staff(ctx):
        if number != student:
            continue
        loc, title = ctx.at(*steps)
        vi, en = _role(ctx, steps, role)
        yield Finding(
            loc,
            f"Số định danh cá nhân của {vi} trùng với số của học sinh.",
            f"The personal id of the {en} equals the student's SO_CCCD.",
            title,
            None,
            None,
        )


@rule(
    "ID-SIGNER-001",
    severity=WARNING,
    clause="CV 2088/BGDĐT-GDTH Phụ lục 1.1",
    sets=("identity",),
    title_vi="Số CCCD trong ô chữ ký CBQL, GVCN, GVBM khớp số của giám hiệu ký học bạ, giáo "
    "viên chủ nhiệm và giáo viên bộ môn ghi trong học bạ.",
    title_en="The id in the CBQL, GVCN and GVBM signature slots matches the signing leader, the "
    "homeroom teacher and the subject teacher the record names.",
)
def signer_ids(ctx: Context) -> Iterator[Finding]:
    """Signature slots' SO_CCCD against THONG_TIN_CHUNG and GVBM."""
    record = ctx.record
    sigs = record.signatures
    if sigs is None:
        return
    g = ctx.general
    pairs: list[tuple[tuple[str | int, ...], str | None, str | None, str]] = []
    if sigs.leader is not None:
        pairs.append(
            (
                ("signatures", "leader", "personal_id"),
                sigs.leader.personal_id,
                g.signing_leader_personal_id,
                "SO_CCCD_GIAM_HIEU_KY_HOC_BA",
            )
        )
    if sigs.homeroom is not None:
        pairs.append(
            (
                ("signatures", "homeroom", "personal_id"),
                sigs.homeroom.personal_id,
                g.homeroom_teacher_personal_id,
                "SO_CCCD_GIAO_VIEN_CHU_NHIEM",
            )
        )
    if isinstance(record, SecondaryRecord) and record.signatures is not None:
        teachers = {
            s.subject_code: s.teacher.personal_id
            for s in record.data.summary.subjects
            if s.teacher is not None
        }
        for i, slot in enumerate(record.signatures.subject_teachers):
            pairs.append(
                (
                    ("signatures", "subject_teachers", i, "personal_id"),
                    slot.personal_id,
                    teachers.get(slot.subject_code),
                    f"GVBM/SO_CCCD môn {slot.subject_code}",
                )
            )
    for steps, slot_id, named_id, named in pairs:
        if slot_id is None or named_id is None or slot_id == named_id:
            continue
        loc, title = ctx.at(*steps)
        yield Finding(
            loc,
            f"Số CCCD của người ký ({loc.rsplit('/', 2)[-2]}) khác số ghi ở {named}.",
            f"The signer's id ({loc.rsplit('/', 2)[-2]}) differs from {named}.",
            title,
            None,
            None,
        )


# --------------------------------------------------------------------------- codes

_STUDENT_CODE = re.compile(r"^[0-9]{10}$")


@rule(
    "ID-MHS-001",
    severity=WARNING,
    clause="CSDL ngành GDĐT (spec §7.2)",
    sets=("identity",),
    title_vi="Mã học sinh (mã định danh Bộ GD&ĐT) gồm 10 chữ số.",
    title_en="The student code (MOET identifier) has 10 digits.",
)
def student_code(ctx: Context) -> Iterator[Finding]:
    """MA_HOC_SINH is 10 digits (observed format; opaque up to 20 characters)."""
    code = ctx.general.student_code
    if _STUDENT_CODE.match(code):
        return
    loc, title = ctx.general_at("student_code")
    yield Finding(
        loc,
        f"Mã học sinh có {len(code)} ký tự, không phải 10 chữ số như mã định danh của CSDL "
        "ngành; kiểm tra lại.",
        f"MA_HOC_SINH has {len(code)} characters, not the 10 digits of the sector database "
        "codes; check it.",
        title,
        None,
        "10 chữ số",
    )


@rule(
    "ID-SGD-001",
    severity=WARNING,
    clause="CV 2088/BGDĐT-GDTH §2.4; QĐ 4998/QĐ-BGDĐT (spec §7.3)",
    sets=("identity",),
    title_vi="Mã sở giáo dục là mã tỉnh/thành phố 2 chữ số trong danh mục (quyết định của thư "
    "viện: mã tỉnh thống kê, ví dụ 48 Đà Nẵng).",
    title_en="The Sở code is a 2-digit province code from the list (library decision: the "
    "statistical province code, e.g. 48 for Đà Nẵng).",
)
def department_code(ctx: Context) -> Iterator[Finding]:
    """MA_SO_GIAO_DUC is a known 2-digit province code."""
    code = ctx.general.department_code
    if len(code) == 2 and f"0{code}" in PROVINCES:
        return
    loc, title = ctx.general_at("department_code")
    yield Finding(
        loc,
        f"Mã sở giáo dục '{code}' không phải mã tỉnh/thành phố 2 chữ số trong danh mục.",
        f"MA_SO_GIAO_DUC '{code}' is not a 2-digit province code from the list.",
        title,
        code,
        None,
    )


_CIRCULARS = {
    SchoolLevel.PRIMARY: ("27/2020", "27/2020/TT-BGDĐT"),
    SchoolLevel.LOWER_SECONDARY: ("22/2021", "22/2021/TT-BGDĐT"),
    SchoolLevel.UPPER_SECONDARY: ("22/2021", "22/2021/TT-BGDĐT"),
}


@rule(
    "ID-TT-001",
    severity=WARNING,
    clause="CV 2088/BGDĐT-GDTH Phụ lục 1.1 (THONG_TU)",
    sets=("identity",),
    title_vi="Thông tư ghi trong học bạ đúng cấp học: tiểu học 27/2020/TT-BGDĐT, trung học "
    "22/2021/TT-BGDĐT.",
    title_en="The circular named in the record fits the level: primary 27/2020/TT-BGDĐT, "
    "secondary 22/2021/TT-BGDĐT.",
)
def circular(ctx: Context) -> Iterator[Finding]:
    """THONG_TU names the circular of MA_CAP_HOC."""
    number, full = _CIRCULARS[ctx.level]
    if number in ctx.general.circular:
        return
    loc, title = ctx.general_at("circular")
    yield Finding(
        loc,
        f"Thông tư ghi '{ctx.general.circular}', nhưng học bạ {ctx.level.label} theo {full}.",
        f"THONG_TU is '{ctx.general.circular}', but a {ctx.level.label} record follows {full}.",
        title,
        ctx.general.circular,
        full,
    )


# --------------------------------------------------------------------------- age, history

AGE_EARLY = 1
"""Years younger than the normal age still accepted (early entry, skipped grade)."""
AGE_LATE = 3
"""Years older than the normal age still accepted (late entry allowed up to 3 years)."""


@rule(
    "ID-AGE-001",
    severity=WARNING,
    clause="Điều lệ trường tiểu học (TT 28/2020/TT-BGDĐT), Điều lệ trường trung học "
    "(TT 32/2020/TT-BGDĐT): tuổi học sinh",
    sets=("identity",),
    title_vi="Tuổi hợp lý với lớp: lớp g bình thường g + 5 tuổi (tính theo năm, năm đầu của năm "
    "học); cảnh báo khi nhỏ hơn quá 1 tuổi hoặc lớn hơn quá 3 tuổi.",
    title_en="Age plausible for the grade: grade g is normally age g + 5 (by calendar year, in "
    "the first year of the school year); warns when more than 1 year younger or 3 years older.",
)
def age_for_grade(ctx: Context) -> Iterator[Finding]:
    """NGAY_SINH against MA_KHOI and NAM_HOC."""
    g = ctx.general
    age = g.school_year - g.date_of_birth.year
    normal = g.grade + 5
    if normal - AGE_EARLY <= age <= normal + AGE_LATE:
        return
    loc, title = ctx.general_at("date_of_birth")
    yield Finding(
        loc,
        f"Học sinh {age} tuổi (năm học {g.school_year_name}) học lớp {g.grade}; tuổi bình "
        f"thường là {normal} (chấp nhận {normal - AGE_EARLY}–{normal + AGE_LATE}). Kiểm tra "
        "ngày sinh hoặc lớp.",
        f"The student is {age} (school year {g.school_year_name}) in grade {g.grade}; the "
        f"normal age is {normal} (accepted {normal - AGE_EARLY}–{normal + AGE_LATE}). Check "
        "NGAY_SINH or MA_KHOI.",
        title,
        str(age),
        str(normal),
    )


@rule(
    "ID-HIST-001",
    severity=ERROR,
    clause="CV 2088/BGDĐT-GDTH Phụ lục 1.1 (QUA_TRINH_HOC_TAP)",
    sets=("identity",),
    title_vi="Quá trình học tập kết thúc ở năm học của học bạ (năm cuối là NAM_HOC, không có "
    "năm sau đó).",
    title_en="The study history ends with the record's school year (last entry is NAM_HOC, "
    "none later).",
)
def history_ends_now(ctx: Context) -> Iterator[Finding]:
    """QUA_TRINH_HOC_TAP's last entry is the record's NAM_HOC."""
    history = ctx.record.data.history
    year = ctx.general.school_year
    for i, h in enumerate(history):
        if h.school_year > year:
            loc, title = ctx.at("data", "history", i, "school_year")
            yield Finding(
                loc,
                f"Quá trình học tập có năm học {h.school_year} sau năm học của học bạ ({year}).",
                f"The study history lists {h.school_year}, after the record's year {year}.",
                title,
                str(h.school_year),
                str(year),
            )
    last = history[-1]
    if last.school_year != year and all(h.school_year <= year for h in history):
        loc, title = ctx.at("data", "history", len(history) - 1, "school_year")
        yield Finding(
            loc,
            f"Năm cuối trong quá trình học tập là {last.school_year}, nhưng học bạ là của năm "
            f"học {year}.",
            f"The last study-history year is {last.school_year}, but the record is for {year}.",
            title,
            str(last.school_year),
            str(year),
        )


@rule(
    "ID-HIST-002",
    severity=WARNING,
    clause="CV 2088/BGDĐT-GDTH Phụ lục 1.1 (QUA_TRINH_HOC_TAP)",
    sets=("identity",),
    title_vi="Các năm trong quá trình học tập liên tục và theo thứ tự thời gian (không thiếu "
    "năm, không đảo thứ tự; chuyển trường trong năm thì cùng năm học, ngày chuyển đến sau).",
    title_en="The study-history years are continuous and in order (no missing year, no "
    "reversal; a mid-year transfer repeats the year with a later date).",
)
def history_continuous(ctx: Context) -> Iterator[Finding]:
    """Consecutive QUA_TRINH_HOC_TAP entries: same or next year, dates increasing."""
    history = ctx.record.data.history
    for i in range(1, len(history)):
        prev, cur = history[i - 1], history[i]
        if cur.school_year == prev.school_year + 1:
            continue
        if cur.school_year == prev.school_year and cur.enrolled_on > prev.enrolled_on:
            continue
        loc, title = ctx.at("data", "history", i, "school_year")
        if cur.school_year > prev.school_year + 1:
            vi = f"thiếu năm học từ {prev.school_year + 1} đến {cur.school_year - 1}"
            en = f"years {prev.school_year + 1} to {cur.school_year - 1} are missing"
        else:
            vi = "không theo thứ tự thời gian"
            en = "entries are out of order"
        yield Finding(
            loc,
            f"Quá trình học tập: sau năm {prev.school_year} là năm {cur.school_year} ({vi}).",
            f"Study history: {cur.school_year} follows {prev.school_year} ({en}).",
            title,
            str(cur.school_year),
            str(prev.school_year + 1),
        )


@rule(
    "ID-HIST-003",
    severity=WARNING,
    clause="CV 2088/BGDĐT-GDTH Phụ lục 1.1 (NGAY_TRANG_THAI_CHUYEN_DEN)",
    sets=("identity",),
    title_vi="Ngày chuyển đến của mỗi năm trong quá trình học tập nằm trong năm học đó (1/7 "
    "năm đầu đến 30/6 năm sau).",
    title_en="Each study-history entry's arrival date lies within its school year (1 July to "
    "30 June).",
)
def history_dates(ctx: Context) -> Iterator[Finding]:
    """NGAY_TRANG_THAI_CHUYEN_DEN within NAM_HOC of the same entry."""
    for i, h in enumerate(ctx.record.data.history):
        d, y = h.enrolled_on, h.school_year
        if (d.year == y and d.month >= 7) or (d.year == y + 1 and d.month <= 6):
            continue  # within 1 July y … 30 June y+1
        loc, title = ctx.at("data", "history", i, "enrolled_on")
        shown = h.enrolled_on.strftime("%d/%m/%Y")
        yield Finding(
            loc,
            f"Ngày chuyển đến {shown} không thuộc năm học {h.school_year}-{h.school_year + 1}.",
            f"NGAY_TRANG_THAI_CHUYEN_DEN {shown} is outside school year "
            f"{h.school_year}-{h.school_year + 1}.",
            title,
            shown,
            None,
        )


@rule(
    "ID-HIST-004",
    severity=WARNING,
    clause="CV 2088/BGDĐT-GDTH Phụ lục 1.1 (QUA_TRINH_HOC_TAP)",
    sets=("identity",),
    title_vi="Năm cuối của quá trình học tập ghi đúng lớp và trường của học bạ.",
    title_en="The last study-history entry names the record's class and school.",
)
def history_matches(ctx: Context) -> Iterator[Finding]:
    """The last QUA_TRINH_HOC_TAP entry's TEN_LOP / TEN_TRUONG against THONG_TIN_CHUNG."""
    history = ctx.record.data.history
    last = history[-1]
    g = ctx.general
    if last.school_year != g.school_year:
        return  # ID-HIST-001's finding
    i = len(history) - 1
    for field, mine, theirs, vi_name in (
        ("class_name", last.class_name, g.class_name, "lớp"),
        ("school_name", last.school_name, g.school_name, "trường"),
    ):
        if mine == theirs or " ".join(mine.split()).lower() == " ".join(theirs.split()).lower():
            continue
        loc, title = ctx.at("data", "history", i, field)
        yield Finding(
            loc,
            f"Năm {last.school_year} trong quá trình học tập ghi {vi_name} '{mine}', thông tin "
            f"chung ghi '{theirs}'.",
            f"Study history {last.school_year} names '{mine}', THONG_TIN_CHUNG '{theirs}'.",
            title,
            mine,
            theirs,
        )


# --------------------------------------------------------------------------- subjects

_PRIMARY_COMPULSORY = {
    1: ("TV", "TOAN", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN"),
    2: ("TV", "TOAN", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN"),
    3: ("TV", "TOAN", "NN1", "DD", "TNXH", "TIN", "CN", "GDTC", "AN", "MT", "HDTN"),
    4: ("TV", "TOAN", "NN1", "LSDL", "KH", "TIN", "CN", "DD", "GDTC", "AN", "MT", "HDTN"),
    5: ("TV", "TOAN", "NN1", "LSDL", "KH", "TIN", "CN", "DD", "GDTC", "AN", "MT", "HDTN"),
}
_LOWER_COMPULSORY = (
    "NV",
    "TOAN",
    "NN1",
    "GDCD",
    "LSDL",
    "KHTN",
    "CN",
    "TIN",
    "GDTC",
    "AN",
    "MT",
    "HDTNHN",
    "GDDP",
)
_UPPER_COMPULSORY = ("NV", "TOAN", "NN1", "LS", "GDQPAN", "GDTC", "HDTNHN", "GDDP")
_UPPER_ELECTIVES = frozenset({"DL", "GDKTPL", "VL", "HH", "SH", "CN", "TIN", "AN", "MT"})
UPPER_ELECTIVE_COUNT = 4
"""Elective subjects an upper-secondary student takes (CT GDPT 2018: 4 of 9)."""


def compulsory_subjects(grade: int) -> tuple[str, ...]:
    """Compulsory ``MA_MON_HOC`` codes of a grade (CT GDPT 2018, the library's code list)."""
    if grade <= 5:
        return _PRIMARY_COMPULSORY[grade]
    if grade <= 9:
        return _LOWER_COMPULSORY
    return _UPPER_COMPULSORY


def _codes(ctx: Context) -> list[str]:
    return [s.subject_code for s in ctx.record.data.summary.subjects]


@rule(
    "ID-MON-001",
    severity=WARNING,
    clause="CT GDPT 2018 (TT 32/2018/TT-BGDĐT); mã môn học của thư viện (spec §6)",
    sets=("identity",),
    title_vi="Mã môn học có trong danh mục môn học của cấp học.",
    title_en="The subject code is in the catalogue of the school level.",
)
def subject_in_catalogue(ctx: Context) -> Iterator[Finding]:
    """MA_MON_HOC in :data:`~hocbaso.codes.SUBJECTS` for MA_CAP_HOC."""
    level = ctx.level
    for i, code in enumerate(_codes(ctx)):
        meta = SUBJECTS.get(code)
        if meta is not None and level in meta.levels:
            continue
        loc, title = ctx.at("data", "summary", "subjects", i, "subject_code")
        why_vi = "không có trong danh mục" if meta is None else f"không dạy ở {level.label}"
        why_en = "is not in the catalogue" if meta is None else f"is not taught at {level.label}"
        yield Finding(
            loc,
            f"Mã môn học '{code}' {why_vi}.",
            f"Subject code '{code}' {why_en}.",
            title,
            code,
            None,
        )


@rule(
    "ID-MON-002",
    severity=WARNING,
    clause="CT GDPT 2018 (TT 32/2018/TT-BGDĐT)",
    sets=("identity",),
    title_vi="Học bạ có đủ các môn học và hoạt động giáo dục bắt buộc của lớp (THPT: thêm ít "
    "nhất 4 môn lựa chọn).",
    title_en="The record lists every compulsory subject and activity of the grade (upper "
    "secondary: and at least 4 electives).",
)
def compulsory_present(ctx: Context) -> Iterator[Finding]:
    """Every compulsory subject code of MA_KHOI is present."""
    grade = ctx.general.grade
    present = set(_codes(ctx))
    missing = [c for c in compulsory_subjects(grade) if c not in present]
    electives = len(present & _UPPER_ELECTIVES) if grade >= 10 else UPPER_ELECTIVE_COUNT
    if not missing and electives >= UPPER_ELECTIVE_COUNT:
        return
    loc, _ = ctx.at("data", "summary", "subjects")
    if missing:
        names = ", ".join(f"{SUBJECTS[c].name} ({c})" for c in missing)
        yield Finding(
            loc,
            f"Học bạ lớp {grade} thiếu môn bắt buộc: {names}.",
            f"The grade {grade} record lacks compulsory subject(s): {names}.",
            "danh sách môn học",
            None,
            ", ".join(missing),
        )
    if electives < UPPER_ELECTIVE_COUNT:
        yield Finding(
            loc,
            f"Học bạ THPT chỉ có {electives} môn lựa chọn (cần {UPPER_ELECTIVE_COUNT}).",
            f"The upper-secondary record has {electives} elective subject(s) "
            f"(needs {UPPER_ELECTIVE_COUNT}).",
            "danh sách môn học",
            str(electives),
            str(UPPER_ELECTIVE_COUNT),
        )
