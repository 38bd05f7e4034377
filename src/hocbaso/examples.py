"""Example records for every grade 1–12, and a deterministic generator of realistic records.

:func:`example_record` gives one fixed example per grade (grade 1 uses the values of the
Ministry's own revocation example: Trương Phương Anh, 048317002681, 17/05/2017, Nữ, Tiểu học
Điện Biên Phủ, 48491401, 2023-2024). :func:`generate_record` makes any number of different,
realistic records from a seed (full subject lists, Vietnamese names, TT 27/TT 22-consistent
results) for tests, demos and benchmarks.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

from hocbaso import assessment
from hocbaso.codes import (
    PROVINCES,
    SUBJECTS,
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
)
from hocbaso.models import (
    VIETNAM_TZ,
    GeneralInfo,
    PrimaryData,
    PrimaryRecord,
    PrimarySubjectResult,
    PrimarySummary,
    QualitiesAndCompetencies,
    Record,
    SecondaryData,
    SecondaryRecord,
    SecondarySubjectResult,
    SecondarySummary,
    StudyYear,
    SubjectTeacher,
    TermResult,
    YearResult,
)

__all__ = ["EXAMPLE_GRADES", "OFFICIAL_EXAMPLE_UUID", "example_record", "generate_record"]

EXAMPLE_GRADES = range(1, 13)
"""Grades that have an example record."""

OFFICIAL_EXAMPLE_UUID = uuid.UUID("4ef748d9-2146-4a82-95a5-8534051475f0")
"""``MA_TRA_CUU_UUID`` of the Ministry's revocation example (spec §2.3)."""

_FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Trương",
    "Đinh",
    "Lương",
    "Tạ",
]
_MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Gia", "Bảo", "Anh", "Công"]
_MIDDLE_F = ["Thị", "Ngọc", "Thu", "Phương", "Thanh", "Bảo", "Khánh", "Minh", "Hoài", "Mai"]
_GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Huy",
    "Khang",
    "Khoa",
    "Long",
    "Minh",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Thắng",
    "Trí",
    "Tuấn",
    "Việt",
    "Vinh",
    "Hiếu",
]
_GIVEN_F = [
    "Anh",
    "Chi",
    "Diệp",
    "Giang",
    "Hà",
    "Hạnh",
    "Hương",
    "Lan",
    "Linh",
    "My",
    "Ngân",
    "Nhi",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Thảo",
    "Trang",
    "Uyên",
    "Vy",
    "Yến",
]
_STREETS = [
    "Lê Duẩn",
    "Nguyễn Văn Linh",
    "Hùng Vương",
    "Trần Phú",
    "Điện Biên Phủ",
    "Hàm Nghi",
    "Lý Thường Kiệt",
    "Nguyễn Tri Phương",
    "Hải Phòng",
    "Ông Ích Khiêm",
]
_COMMENTS_GOOD = [
    "Em học tập chăm chỉ, tiếp thu bài nhanh, tích cực phát biểu xây dựng bài.",
    "Em ngoan, lễ phép, hoàn thành tốt các nhiệm vụ học tập và rèn luyện.",
    "Em có ý thức tự giác, biết giúp đỡ bạn bè, tham gia tích cực các hoạt động của lớp.",
]
_COMMENTS_OK = [
    "Em có cố gắng trong học tập; cần rèn thêm kĩ năng trình bày và đọc hiểu.",
    "Em chăm ngoan nhưng cần mạnh dạn hơn khi phát biểu ý kiến.",
]

_SCHOOLS = {
    SchoolLevel.PRIMARY: ("48491401", "Tiểu học Điện Biên Phủ"),
    SchoolLevel.LOWER_SECONDARY: ("48491502", "Trường THCS Nguyễn Huệ"),
    SchoolLevel.UPPER_SECONDARY: ("48491603", "Trường THPT Phan Châu Trinh"),
}

_PRIMARY_SUBJECTS = {
    1: ["TV", "TOAN", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN"],
    2: ["TV", "TOAN", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN"],
    3: ["TV", "TOAN", "NN1", "DD", "TNXH", "TIN", "CN", "GDTC", "AN", "MT", "HDTN"],
    4: ["TV", "TOAN", "NN1", "LSDL", "KH", "TIN", "CN", "DD", "GDTC", "AN", "MT", "HDTN"],
    5: ["TV", "TOAN", "NN1", "LSDL", "KH", "TIN", "CN", "DD", "GDTC", "AN", "MT", "HDTN"],
}
_PRIMARY_NAMES = {
    "NN1": "Ngoại ngữ 1 (Tiếng Anh)",
    "TIN": "Tin học và Công nghệ (Tin học)",
    "CN": "Tin học và Công nghệ (Công nghệ)",
    "AN": "Nghệ thuật (Âm nhạc)",
    "MT": "Nghệ thuật (Mĩ thuật)",
}
_LOWER_SUBJECTS = [
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
]
_UPPER_CORE = ["NV", "TOAN", "NN1", "LS", "GDQPAN", "GDTC", "HDTNHN", "GDDP"]
_UPPER_ELECTIVES = (["VL", "HH", "SH", "TIN"], ["DL", "GDKTPL", "CN", "AN"])


def _pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]


def _name(rng: random.Random, sex: Sex) -> str:
    middle = _MIDDLE_M if sex is Sex.MALE else _MIDDLE_F
    given = _GIVEN_M if sex is Sex.MALE else _GIVEN_F
    return f"{_pick(rng, _FAMILY)} {_pick(rng, middle)} {_pick(rng, given)}"


def _personal_id(rng: random.Random, province: str, sex: Sex, birth_year: int) -> str:
    century = (birth_year - 1900) // 100
    digit = century * 2 + (1 if sex is Sex.FEMALE else 0)
    return f"{province}{digit}{birth_year % 100:02d}{rng.randrange(1_000_000):06d}"


def _adult_id(rng: random.Random) -> str:
    sex = Sex.MALE if rng.random() < 0.3 else Sex.FEMALE
    return _personal_id(rng, "048", sex, rng.randrange(1970, 1998))


def _uuid4(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _general(
    rng: random.Random,
    grade: int,
    year: int,
    sex: Sex,
    full_name: str,
    pid: str,
    dob: dt.date,
    lookup: uuid.UUID,
) -> GeneralInfo:
    level = SchoolLevel.for_grade(grade)
    school_code, school_name = _SCHOOLS[level]
    homeroom = rng.random() < 0.9
    leader_position = (
        LeaderPosition.PRINCIPAL if rng.random() < 0.7 else (LeaderPosition.VICE_PRINCIPAL)
    )
    birthplace = PROVINCES.get(pid[:3], "Đà Nẵng")
    return GeneralInfo(
        circular="27/2020/TT-BGDĐT" if level is SchoolLevel.PRIMARY else "22/2021/TT-BGDĐT",
        lookup_uuid=lookup,
        school_year_name=f"{year}-{year + 1}",
        department_code="48",
        department_name="Sở Giáo dục và Đào tạo thành phố Đà Nẵng",
        school_code=school_code,
        school_name=school_name,
        district_name="Quận Thanh Khê",
        commune_name=_pick(rng, ["Phường Thạc Gián", "Phường Chính Gián", "Phường Tân Chính"]),
        province_name="Thành phố Đà Nẵng",
        level=level,
        register_number=f"{rng.randrange(1, 400)}/{year - (grade - level.grades[0])}",
        full_name=full_name,
        personal_id=pid,
        student_code=f"48{rng.randrange(10**8):08d}",
        sex=sex,
        date_of_birth=dob,
        weight_kg=Decimal(rng.randrange(180 + grade * 40, 260 + grade * 60)) / 10,
        height_cm=Decimal(rng.randrange(1100 + grade * 50, 1200 + grade * 60)) / 10,
        excused_absences=rng.choice([0, 0, 0, 1, 2, 3, 5]),
        unexcused_absences=rng.choice([0, 0, 0, 0, 1]),
        place_of_birth=birthplace,
        home_town=_pick(rng, ["Quảng Nam", "Đà Nẵng", "Thừa Thiên Huế", "Quảng Ngãi", "Hà Tĩnh"]),
        current_residence=f"{rng.randrange(1, 300)} {_pick(rng, _STREETS)}, Thanh Khê, Đà Nẵng",
        ethnicity=EthnicGroup.KINH if rng.random() < 0.9 else rng.choice(list(EthnicGroup)),
        nationality="Việt Nam",
        father_name=_name(rng, Sex.MALE) if rng.random() < 0.95 else None,
        mother_name=_name(rng, Sex.FEMALE),
        guardian_name=_name(rng, Sex.FEMALE) if rng.random() < 0.05 else None,
        signing_leader_name=_name(rng, Sex.MALE),
        signing_leader_personal_id=_adult_id(rng),
        place_of_issue="Đà Nẵng",
        created_at=dt.datetime(year + 1, 5, 25, 8, 0, tzinfo=VIETNAM_TZ),
        issued_at=dt.datetime(year + 1, 5, 31, 9, 30, tzinfo=VIETNAM_TZ),
        signing_leader_position=leader_position,
        homeroom_teacher_name=_name(rng, Sex.FEMALE) if homeroom else None,
        homeroom_teacher_personal_id=_adult_id(rng) if homeroom else None,
        grade=grade,
        class_name=f"{grade}/{rng.randrange(1, 6)}",
        school_year=year,
    )


def _history(rng: random.Random, general: GeneralInfo) -> tuple[StudyYear, ...]:
    first = general.level.grades[0]
    out = []
    for g in range(first, general.grade + 1):
        y = general.school_year - (general.grade - g)
        out.append(
            StudyYear(
                school_year=y,
                class_name=general.class_name
                if g == general.grade
                else f"{g}/{rng.randrange(1, 6)}",
                school_name=general.school_name,
                enrolled_on=dt.date(y, 9, 5),
            )
        )
    return tuple(out)


def _primary_summary(rng: random.Random, grade: int, ability: float) -> PrimarySummary:
    subjects = []
    for code in _PRIMARY_SUBJECTS[grade]:
        meta = SUBJECTS[code]
        roll = rng.random() + ability
        level = (
            SubjectLevel.EXCELLENT
            if roll > 0.9
            else SubjectLevel.COMPLETED
            if roll > 0.08
            else SubjectLevel.NOT_COMPLETED
        )
        score = None
        if meta.periodic_test:
            low = 9 if level is SubjectLevel.EXCELLENT and ability > 0.5 else 5
            score = rng.randrange(low, 11) if level is not SubjectLevel.NOT_COMPLETED else 4
        subjects.append(
            PrimarySubjectResult(
                subject_code=code,
                subject_name=_PRIMARY_NAMES.get(code, meta.name),
                level=level,
                test_score=score,
                comment=_pick(rng, _COMMENTS_GOOD if roll > 0.9 else _COMMENTS_OK),
            )
        )

    def q() -> QualityLevel:
        r = rng.random() + ability
        return QualityLevel.GOOD if r > 0.8 else QualityLevel.PASS

    tech = q() if grade >= 3 else None
    info = q() if grade >= 3 else None
    assessment_block = QualitiesAndCompetencies(
        self_learning=q(),
        communication=q(),
        problem_solving=q(),
        language=q(),
        numeracy=q(),
        science=q(),
        technology=tech,
        informatics=info,
        aesthetics=q(),
        physical=q(),
        patriotism=q(),
        kindness=q(),
        diligence=q(),
        honesty=q(),
        responsibility=q(),
        qualities_comment="Ngoan, lễ phép, biết yêu thương và giúp đỡ bạn bè.",
        general_competencies_comment="Biết tự phục vụ, tự học; mạnh dạn trong giao tiếp.",
        specific_competencies_comment="Đọc, viết, tính toán thành thạo theo yêu cầu lớp học.",
    )
    final = assessment.primary_final_evaluation(
        (s.level for s in subjects),
        assessment_block.levels().values(),
        (s.test_score for s in subjects if s.test_score is not None),
    )
    completed = final is not FinalEvaluation.NOT_COMPLETED
    if grade == 5:
        text = (
            "Hoàn thành chương trình tiểu học."
            if completed
            else ("Chưa hoàn thành chương trình tiểu học.")
        )
    elif completed:
        text = f"Hoàn thành chương trình lớp {grade}; Được lên lớp {grade + 1}."
    else:
        text = f"Chưa hoàn thành chương trình lớp {grade}; Chưa được lên lớp {grade + 1}."
    commendation = None
    if final is FinalEvaluation.OUTSTANDING:
        commendation = "Học sinh Xuất sắc"
    return PrimarySummary(
        final_evaluation=final,
        promoted=completed,
        completion_text=text,
        completed_grade=completed,
        completed_primary=completed if grade == 5 else None,
        commendation=commendation,
        homeroom_comment=_pick(rng, _COMMENTS_GOOD if completed else _COMMENTS_OK),
        subjects=tuple(subjects),
        assessment=assessment_block,
    )


def _score(rng: random.Random, ability: float) -> Decimal:
    centre = 5.0 + 4.5 * ability
    value = max(0.0, min(10.0, rng.gauss(centre, 1.2)))
    if rng.random() < 0.6:
        return Decimal(round(value))
    return Decimal(f"{value:.1f}")


def _secondary_summary(
    rng: random.Random, grade: int, ability: float, absences: int
) -> SecondarySummary:
    if grade <= 9:
        codes = _LOWER_SUBJECTS
    else:
        codes = _UPPER_CORE + list(_UPPER_ELECTIVES[rng.randrange(2)])
    subjects: list[SecondarySubjectResult] = []
    for code in codes:
        meta = SUBJECTS[code]
        name = f"Nghệ thuật ({meta.name})" if code in ("AN", "MT") and grade <= 9 else meta.name
        teacher = SubjectTeacher(name=_name(rng, rng.choice(list(Sex))), personal_id=_adult_id(rng))
        if meta.form is AssessmentForm.SCORE:
            terms = []
            for _ in range(2):
                regular = tuple(_score(rng, ability) for _ in range(meta.regular_assessments))
                mid, fin = _score(rng, ability), _score(rng, ability)
                terms.append(
                    TermResult(
                        regular_scores=regular,
                        midterm_score=mid,
                        final_score=fin,
                        average=assessment.term_average(regular, mid, fin),
                    )
                )
            year = YearResult(
                average=assessment.year_average(
                    terms[0].average or Decimal(0), terms[1].average or Decimal(0)
                )
            )
            form = AssessmentForm.SCORE
        else:
            r1 = PassLevel.PASS if rng.random() + ability > 0.15 else PassLevel.FAIL
            r2 = PassLevel.PASS if rng.random() + ability > 0.1 else PassLevel.FAIL
            terms = [TermResult(result=r1), TermResult(result=r2)]
            year = YearResult(result=r2)  # TT 22/2021 Điều 9.1.a: year = term II
            form = AssessmentForm.COMMENT
        subjects.append(
            SecondarySubjectResult(
                subject_code=code,
                subject_name=name,
                form=form,
                term1=terms[0],
                term2=terms[1],
                year=year,
                comment=_pick(rng, _COMMENTS_GOOD if ability > 0.5 else _COMMENTS_OK),
                teacher=teacher,
            )
        )

    def level_for(term: int | None) -> ResultLevel:
        scores: list[Decimal] = []
        comments: list[PassLevel] = []
        for s in subjects:
            part = s.year if term is None else (s.term1 if term == 1 else s.term2)
            if s.form is AssessmentForm.SCORE:
                assert part.average is not None
                scores.append(part.average)
            else:
                assert part.result is not None
                comments.append(part.result)
        return assessment.learning_level(scores, comments)

    def conduct() -> ResultLevel:
        r = rng.random() + ability
        return ResultLevel.GOOD if r > 0.9 else ResultLevel.FAIR if r > 0.45 else ResultLevel.PASS

    c1, c2 = conduct(), conduct()
    cy = assessment.conduct_year(c1, c2)
    learning_year = level_for(None)
    year_scores = [s.year.average for s in subjects if s.year.average is not None]
    is_promoted = assessment.promoted(cy, learning_year, absences)
    return SecondarySummary(
        learning_term1=level_for(1),
        learning_term2=level_for(2),
        learning_year=learning_year,
        conduct_term1=c1,
        conduct_term2=c2,
        conduct_year=cy,
        title=assessment.title(cy, learning_year, year_scores),
        promoted=is_promoted,
        completed_grade=is_promoted,
        completed_lower_secondary=is_promoted if grade == 9 else None,
        completed_upper_secondary=is_promoted if grade == 12 else None,
        homeroom_comment=_pick(rng, _COMMENTS_GOOD if ability > 0.5 else _COMMENTS_OK),
        subjects=tuple(subjects),
    )


def generate_record(seed: int, grade: int, *, school_year: int = 2023) -> Record:
    """A realistic, internally consistent, unsigned record for ``grade`` made from ``seed``.

    The same ``(seed, grade, school_year)`` always gives the same record.
    """
    if grade not in EXAMPLE_GRADES:
        raise ValueError(f"grade must be 1..12, got {grade}")
    rng = random.Random(f"hocbaso-{seed}-{grade}-{school_year}")
    sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
    birth_year = school_year - grade - 5
    dob = dt.date(birth_year, rng.randrange(1, 13), rng.randrange(1, 29))
    province = rng.choice(list(PROVINCES))
    pid = _personal_id(rng, province, sex, birth_year)
    ability = rng.random()
    general = _general(rng, grade, school_year, sex, _name(rng, sex), pid, dob, _uuid4(rng))
    history = _history(rng, general)
    if general.level is SchoolLevel.PRIMARY:
        return PrimaryRecord(
            data=PrimaryData(
                general=general, history=history, summary=_primary_summary(rng, grade, ability)
            )
        )
    absences = general.excused_absences + general.unexcused_absences
    return SecondaryRecord(
        data=SecondaryData(
            general=general,
            history=history,
            summary=_secondary_summary(rng, grade, ability, absences),
        )
    )


def example_record(grade: int) -> Record:
    """The fixed example record of ``grade`` (1–12), unsigned.

    Grade 1 carries the Ministry's official example values (spec §2.3 revocation example).
    """
    record = generate_record(2024, grade)
    if grade != 1:
        return record
    assert isinstance(record, PrimaryRecord)
    general = GeneralInfo.model_validate(
        {
            **record.data.general.model_dump(),
            "lookup_uuid": OFFICIAL_EXAMPLE_UUID,
            "full_name": "Trương Phương Anh",
            "sex": Sex.FEMALE,
            "date_of_birth": dt.date(2017, 5, 17),
            "personal_id": "048317002681",
            "school_name": "Tiểu học Điện Biên Phủ",
            "school_code": "48491401",
        }
    )
    history = tuple(
        StudyYear.model_validate({**h.model_dump(), "school_name": general.school_name})
        for h in record.data.history
    )
    return PrimaryRecord(
        data=PrimaryData(general=general, history=history, summary=record.data.summary)
    )
