"""Models: frozen, typed, strict; NFC on the way in; clear errors for bad values."""

from __future__ import annotations

import datetime as dt
import unicodedata
import warnings

import pydantic
import pytest

from hocbaso.codes import SUBJECTS, EthnicGroup, ResultLevel, SchoolLevel, subjects_for
from hocbaso.errors import NormalizationWarning
from hocbaso.examples import example_record
from hocbaso.models import GeneralInfo, PrimaryRecord, StudyYear


def _general_dict() -> dict[str, object]:
    return example_record(1).data.general.model_dump()


def test_frozen() -> None:
    record = example_record(1)
    with pytest.raises(pydantic.ValidationError):
        record.data.general.full_name = "X"  # type: ignore[misc]


def test_english_names_and_official_aliases() -> None:
    info = GeneralInfo.model_validate(_general_dict())
    by_alias = info.model_dump(by_alias=True)
    assert by_alias["HO_VA_TEN"] == "Trương Phương Anh"
    assert "THONG_SO_BUOI_NGHI_KHONG_PHEP" in by_alias
    assert GeneralInfo.model_validate(by_alias) == info


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("personal_id", "0483170026811"),
        ("personal_id", "04831700268"),
        ("grade", 13),
        ("weight_kg", "-3"),
        ("weight_kg", "24.12345"),
        ("full_name", " Anh"),
        ("full_name", "Anh\nB"),
        ("lookup_uuid", "4ef748d9-2146-1a82-95a5-8534051475f0"),
        ("created_at", dt.datetime(2024, 5, 1, 8, 0)),
        ("created_at", dt.datetime(2024, 5, 1, 8, 0, 0, 5, tzinfo=dt.UTC)),
        ("ethnicity", "Kinhh"),
        ("unknown_field", "x"),
    ],
)
def test_bad_values_rejected(field: str, value: object) -> None:
    data = _general_dict() | {field: value}
    with pytest.raises(pydantic.ValidationError) as info:
        GeneralInfo.model_validate(data)
    assert info.value.errors()[0]["loc"][0] == field or field == "unknown_field"


def test_nfd_normalised_with_warning() -> None:
    data = _general_dict() | {"full_name": unicodedata.normalize("NFD", "Lê Thị Hồng Nhung")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        info = GeneralInfo.model_validate(data)
    assert info.full_name == unicodedata.normalize("NFC", "Lê Thị Hồng Nhung")
    assert [type(w.message) for w in caught] == [NormalizationWarning]
    # the caller's dict is never modified
    assert not unicodedata.is_normalized("NFC", str(data["full_name"]))


def test_cross_field_checks() -> None:
    with pytest.raises(pydantic.ValidationError, match="TEN_NAM_HOC"):
        GeneralInfo.model_validate(_general_dict() | {"school_year_name": "2022-2023"})
    with pytest.raises(pydantic.ValidationError, match="MA_KHOI"):
        GeneralInfo.model_validate(_general_dict() | {"grade": 7})
    with pytest.raises(pydantic.ValidationError, match="GIAO_VIEN_CHU_NHIEM"):
        GeneralInfo.model_validate(
            _general_dict()
            | {"homeroom_teacher_name": "Ngô Thị Hà", "homeroom_teacher_personal_id": None}
        )


def test_record_profile_level_mismatch() -> None:
    secondary = example_record(7)
    with pytest.raises(pydantic.ValidationError, match="MA_CAP_HOC"):
        PrimaryRecord.model_validate(
            {
                "data": {
                    "general": secondary.data.general.model_dump(),
                    "history": [h.model_dump() for h in secondary.data.history],
                    "summary": example_record(1).data.summary.model_dump(),
                }
            }
        )


def test_duplicate_subject_rejected() -> None:
    record = example_record(4)
    subjects = [s.model_dump() for s in record.data.summary.subjects]
    summary = record.data.summary.model_dump() | {"subjects": [*subjects, subjects[0]]}
    with pytest.raises(pydantic.ValidationError, match="TV"):
        PrimaryRecord.model_validate({"data": {**record.data.model_dump(), "summary": summary}})


def test_secondary_form_consistency() -> None:
    record = example_record(8)
    subject = next(s for s in record.data.summary.subjects if s.subject_code == "TOAN")
    bad = subject.model_dump() | {"term1": {"result": "Đạt"}}
    with pytest.raises(pydantic.ValidationError, match="HOC_KY_1"):
        type(subject).model_validate(bad)


def test_study_year_date_range() -> None:
    with pytest.raises(pydantic.ValidationError):
        StudyYear(
            school_year=2023, class_name="1A", school_name="X", enrolled_on=dt.date(1800, 1, 1)
        )


def test_code_lists() -> None:
    assert len(EthnicGroup) == 54
    assert EthnicGroup.KINH.code == "01" and EthnicGroup.RO_MAM.code == "54"
    assert ResultLevel.FAIL.code == "CĐ"
    assert SchoolLevel.for_grade(9) is SchoolLevel.LOWER_SECONDARY
    assert {s.code for s in subjects_for(SchoolLevel.PRIMARY)} >= {"TV", "TOAN", "HDTN"}
    assert SUBJECTS["TOAN"].regular_assessments == 4
    assert SUBJECTS["GDQPAN"].regular_assessments == 2
    assert SUBJECTS["DL"].regular_assessments == 3
