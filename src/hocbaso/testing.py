"""Hypothesis strategies for conformance testing of Học bạ số implementations.

Conformance testing is a product feature: vendors use these strategies to test their own
exporters and importers against the library. Ten lines are enough::

    from hypothesis import given
    import hocbaso
    from hocbaso.testing import records

    @given(records())
    def test_my_importer_round_trips(record):
        xml = hocbaso.to_xml(record)
        assert my_export(my_import(xml)) == xml        # your system, byte for byte
        assert hocbaso.validate(my_export(my_import(xml))).valid

:func:`records` draws valid, internally consistent records of every grade, with text that
exercises Vietnamese diacritics and XML special characters. :func:`invalid_documents` draws a
valid document with one labelled mutation, and the rule id and location it must be reported at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from hocbaso.codec import to_xml
from hocbaso.examples import EXAMPLE_GRADES, generate_record
from hocbaso.models import (
    GeneralInfo,
    PrimaryData,
    PrimaryRecord,
    Record,
    SecondaryData,
    SecondaryRecord,
    SecondarySubjectResult,
    SecondarySummary,
    StudyYear,
    SubjectTeacher,
)

if TYPE_CHECKING:  # pragma: no cover
    from hocbaso.pki import DemoPki
    from hocbaso.signing import LocalSigner

__all__ = [
    "Mutation",
    "invalid_documents",
    "records",
    "signed_documents",
    "signing_plan",
    "staff_record",
    "vietnamese_text",
]

_LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxy"
    "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
)
_PUNCT = "0123456789 .,;:-/()&<>\"'%"


def vietnamese_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Single-line Vietnamese text (NFC) with XML special characters, valid as ``TextType``."""
    inner = st.text(alphabet=_LETTERS + _PUNCT, max_size=max_size)
    edge = st.text(alphabet=_LETTERS, min_size=1, max_size=1)
    return st.builds(lambda a, b, c: (a + b + c) if b.strip() else a + c, edge, inner, edge)


_TEXT_FIELDS = (
    "full_name",
    "school_name",
    "place_of_birth",
    "home_town",
    "current_residence",
    "mother_name",
    "class_name",
    "district_name",
)


@st.composite
def records(draw: st.DrawFn, *, grades: range | list[int] = EXAMPLE_GRADES) -> Record:
    """A valid, consistent, unsigned record of one of ``grades`` (both profiles)."""
    grade = draw(st.sampled_from(list(grades)))
    seed = draw(st.integers(min_value=0, max_value=2**32))
    record = generate_record(seed, grade, school_year=draw(st.integers(2020, 2030)))
    updates = {
        name: draw(vietnamese_text())
        for name in draw(st.sets(st.sampled_from(_TEXT_FIELDS), max_size=4))
    }
    if not updates:
        return record
    general = GeneralInfo.model_validate({**record.data.general.model_dump(), **updates})
    # The current year of the study history names the same class and school as the cover.
    *earlier, current = record.data.history
    history = (
        *earlier,
        StudyYear.model_validate(
            {
                **current.model_dump(),
                "class_name": general.class_name,
                "school_name": general.school_name,
            }
        ),
    )
    if isinstance(record, PrimaryRecord):
        return PrimaryRecord(
            data=PrimaryData(general=general, history=history, summary=record.data.summary)
        )
    return SecondaryRecord(
        data=SecondaryData(general=general, history=history, summary=record.data.summary)
    )


@dataclass(frozen=True, slots=True)
class Mutation:
    """A labelled invalid document.

    Attributes:
        name: what was changed.
        document: the mutated bytes.
        rules: rule ids of which at least one must be reported.
        location: the XPath where it must be reported.
    """

    name: str
    document: bytes
    rules: frozenset[str]
    location: str


_GENERAL = "/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG"
_VALUE = frozenset({"XSD-VALUE", "VALUE"})
_STRUCTURE = frozenset({"XSD-STRUCTURE", "STRUCTURE"})


def _replace_text(doc: bytes, element: str, new: str) -> bytes:
    start = doc.index(f"<{element}>".encode()) + len(element) + 2
    end = doc.index(f"</{element}>".encode(), start)
    return doc[:start] + new.encode() + doc[end:]


def _drop(doc: bytes, element: str) -> bytes:
    start = doc.index(f"<{element}>".encode())
    end = doc.index(f"</{element}>".encode(), start) + len(element) + 3
    return doc[:start] + doc[end:]


_MUTATIONS = (
    (
        "13-digit personal id",
        lambda d: _replace_text(d, "SO_CCCD", "0483170026811"),
        _VALUE,
        f"{_GENERAL}/SO_CCCD",
    ),
    (
        "letters in personal id",
        lambda d: _replace_text(d, "SO_CCCD", "04831700268X"),
        _VALUE,
        f"{_GENERAL}/SO_CCCD",
    ),
    (
        "ISO birth date",
        lambda d: _replace_text(d, "NGAY_SINH", "2017-05-17"),
        _VALUE,
        f"{_GENERAL}/NGAY_SINH",
    ),
    (
        "sex as a code",
        lambda d: _replace_text(d, "GIOI_TINH", "2"),
        _VALUE,
        f"{_GENERAL}/GIOI_TINH",
    ),
    (
        "unknown ethnic group",
        lambda d: _replace_text(d, "DAN_TOC", "Kinh Kinh"),
        _VALUE,
        f"{_GENERAL}/DAN_TOC",
    ),
    (
        "comma decimal weight",
        lambda d: _replace_text(d, "CAN_NANG", "24,5"),
        _VALUE,
        f"{_GENERAL}/CAN_NANG",
    ),
    ("grade 13", lambda d: _replace_text(d, "MA_KHOI", "13"), _VALUE, f"{_GENERAL}/MA_KHOI"),
    (
        "upper-case UUID",
        lambda d: _replace_text(d, "MA_TRA_CUU_UUID", "4EF748D9-2146-4A82-95A5-8534051475F0"),
        _VALUE,
        f"{_GENERAL}/MA_TRA_CUU_UUID",
    ),
    (
        "UUID version 1",
        lambda d: _replace_text(d, "MA_TRA_CUU_UUID", "4ef748d9-2146-1a82-95a5-8534051475f0"),
        _VALUE,
        f"{_GENERAL}/MA_TRA_CUU_UUID",
    ),
    (
        "timestamp without offset",
        lambda d: _replace_text(d, "NGAY_TAO_HOC_BA", "2024-05-25T08:00:00"),
        _VALUE,
        f"{_GENERAL}/NGAY_TAO_HOC_BA",
    ),
    (
        "negative absences",
        lambda d: _replace_text(d, "TONG_SO_BUOI_NGHI_CO_PHEP", "-1"),
        _VALUE,
        f"{_GENERAL}/TONG_SO_BUOI_NGHI_CO_PHEP",
    ),
    (
        "leading space in a name",
        lambda d: d.replace(b"<HO_VA_TEN>", b"<HO_VA_TEN> ", 1),
        _VALUE,
        f"{_GENERAL}/HO_VA_TEN",
    ),
    (
        "required element removed",
        lambda d: _drop(d, "TEN_GIAM_HIEU_KY_HOC_BA"),
        _STRUCTURE,
        f"{_GENERAL}/SO_CCCD_GIAM_HIEU_KY_HOC_BA",
    ),
    (
        "unknown element",
        lambda d: d.replace(b"</QUOC_TICH>", b"</QUOC_TICH><BIET_DANH>x</BIET_DANH>", 1),
        _STRUCTURE,
        f"{_GENERAL}/BIET_DANH",
    ),
)


@st.composite
def invalid_documents(draw: st.DrawFn) -> Mutation:
    """A valid record's bytes with one labelled mutation (see :class:`Mutation`)."""
    record = draw(records())
    name, mutate, rules, location = draw(st.sampled_from(_MUTATIONS))
    return Mutation(name, mutate(to_xml(record)), rules, location)


def staff_record(record: Record, staff: DemoPki) -> Record:
    """``record`` with the school's staff set to the people of a (test) PKI.

    Signing checks that each signer's certificate carries the personal id the record names
    (principal ``CBQL``, homeroom teacher ``GVCN``, each subject teacher ``GVBM``), so a record
    to be signed by :func:`hocbaso.pki.make_demo_pki`'s people must name them: the principal is
    ``cbql``, the homeroom teacher ``gvcn``, the subject teachers alternate ``gvbm-toan`` and
    ``gvbm-van``.
    """
    general = GeneralInfo.model_validate(
        {
            **record.data.general.model_dump(),
            "signing_leader_personal_id": staff["cbql"].cccd,
            "homeroom_teacher_name": record.data.general.homeroom_teacher_name or "Ngô Thị Hà",
            "homeroom_teacher_personal_id": staff["gvcn"].cccd,
        }
    )
    if isinstance(record, PrimaryRecord):
        return PrimaryRecord(
            data=PrimaryData(
                general=general, history=record.data.history, summary=record.data.summary
            )
        )
    teachers = [staff["gvbm-toan"].cccd, staff["gvbm-van"].cccd]
    subjects = [
        SecondarySubjectResult.model_validate(
            {
                **subject.model_dump(),
                "teacher": SubjectTeacher(
                    name=subject.teacher.name if subject.teacher else "Phan Văn Hùng",
                    personal_id=teachers[i % 2],
                ),
            }
        )
        for i, subject in enumerate(record.data.summary.subjects)
    ]
    summary = SecondarySummary.model_validate(
        {**record.data.summary.model_dump(), "subjects": subjects}
    )
    return SecondaryRecord(
        data=SecondaryData(general=general, history=record.data.history, summary=summary)
    )


_SIGNERS: dict[Path, dict[str, LocalSigner]] = {}


def _signers(staff: DemoPki) -> dict[str, LocalSigner]:
    # Keys are loaded once per PKI: parsing an RSA key costs far more than signing with it.
    found = _SIGNERS.get(staff.directory)
    if found is None:
        from hocbaso.signing import LocalSigner

        found = _SIGNERS[staff.directory] = {
            name: LocalSigner.from_files(
                staff[name].key_path, staff[name].cert_path, staff.issuing_cert
            )
            for name in ("gvbm-toan", "gvbm-van", "gvcn", "cbql", "org")
        }
    return found


def signing_plan(record: Record) -> list[tuple[str, str]]:
    """The slots of ``record`` in signing order, with the demo-PKI person who signs each."""
    plan: list[tuple[str, str]] = []
    if isinstance(record, SecondaryRecord):
        for i, subject in enumerate(record.data.summary.subjects):
            plan.append((f"GVBM:{subject.subject_code}", "gvbm-toan" if i % 2 == 0 else "gvbm-van"))
    plan += [("GVCN", "gvcn"), ("CBQL", "cbql"), ("KY_PHAT_HANH", "org")]
    return plan


@st.composite
def signed_documents(
    draw: st.DrawFn,
    staff: DemoPki,
    *,
    grades: range | list[int] = EXAMPLE_GRADES,
    complete: bool = True,
) -> bytes:
    """Record bytes signed in the official order by the people of ``staff`` (a TEST PKI).

    With ``complete=False`` only a drawn prefix of the slots is signed (a record on its way to
    issue). Every slot uses the default policy (RSA or ECDSA with SHA-256, XML-DSig). Signing is
    real, so keep ``max_examples`` small::

        staff = hocbaso.pki.make_demo_pki(tmp_dir)
        @given(signed_documents(staff))
        def test_my_verifier_accepts_what_hocbaso_signs(xml): ...
    """
    from hocbaso.signing import sign

    record = staff_record(draw(records(grades=grades)), staff)
    plan = signing_plan(record)
    count = len(plan) if complete else draw(st.integers(0, len(plan)))
    signers = _signers(staff)
    xml = to_xml(record)
    for slot, who in plan[:count]:
        xml = sign(xml, slot=slot, signer=signers[who])
    return xml
