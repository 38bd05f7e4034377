"""Codec: round trips, canonical form, strict decoding with located problems."""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal

import pytest
from lxml import etree

import hocbaso
from hocbaso.errors import DocumentInvalidError, NormalizationWarning
from hocbaso.examples import EXAMPLE_GRADES, example_record
from hocbaso.models import PrimaryRecord, SecondaryRecord

GENERAL = "/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG"


@pytest.mark.parametrize("grade", EXAMPLE_GRADES)
def test_round_trip_every_grade(grade: int) -> None:
    record = example_record(grade)
    xml = hocbaso.to_xml(record)
    assert hocbaso.from_xml(xml) == record
    assert hocbaso.to_xml(hocbaso.from_xml(xml)) == xml
    assert hocbaso.canonicalize(xml) == xml
    expected = PrimaryRecord if grade <= 5 else SecondaryRecord
    assert isinstance(record, expected)


def test_official_example_values() -> None:
    xml = hocbaso.to_xml(example_record(1))
    for fragment in (
        "<MA_TRA_CUU_UUID>4ef748d9-2146-4a82-95a5-8534051475f0</MA_TRA_CUU_UUID>",
        "<HO_VA_TEN>Trương Phương Anh</HO_VA_TEN>",
        "<GIOI_TINH>Nữ</GIOI_TINH>",
        "<NGAY_SINH>17/05/2017</NGAY_SINH>",
        "<SO_CCCD>048317002681</SO_CCCD>",
        "<TEN_TRUONG>Tiểu học Điện Biên Phủ</TEN_TRUONG>",
        "<MA_TRUONG>48491401</MA_TRUONG>",
        "<TEN_NAM_HOC>2023-2024</TEN_NAM_HOC>",
    ):
        assert fragment.encode() in xml


def test_canonical_shape() -> None:
    xml = hocbaso.to_xml(example_record(4))
    assert not xml.startswith(b"<?xml")
    assert b"\n" not in xml and b"> <" not in xml
    assert xml.startswith(b'<HOC_BA><DU_LIEU_HOC_BA Id="data"><THONG_TIN_CHUNG Id="thongtinhocba">')
    assert b'<BANG_DIEM Id="mon-TV">' in xml
    # both official misspellings are emitted verbatim
    assert b"<THONG_SO_BUOI_NGHI_KHONG_PHEP>" in xml
    assert b"<NANG_LUC_GIAO_TIEP_HOC_TAC>" in xml
    # null = element omitted: example grade 4 has no guardian
    assert example_record(4).data.general.guardian_name is None
    assert b"HO_VA_TEN_NGUOI_GIAM_HO" not in xml


def test_numbers_and_timestamps_canonical() -> None:
    record = example_record(7)
    general = record.data.general.model_copy(
        update={
            "weight_kg": Decimal("41.50"),
            "created_at": dt.datetime(2024, 5, 25, 1, 0, tzinfo=dt.UTC),
        }
    )
    rec = SecondaryRecord.model_validate(
        {
            **record.model_dump(),
            "data": {**record.data.model_dump(), "general": general.model_dump()},
        }
    )
    xml = hocbaso.to_xml(rec)
    assert b"<CAN_NANG>41.5</CAN_NANG>" in xml
    assert b"<NGAY_TAO_HOC_BA>2024-05-25T08:00:00+07:00</NGAY_TAO_HOC_BA>" in xml
    assert hocbaso.from_xml(xml) == rec


def test_pretty_printed_input_is_accepted_and_recanonicalised() -> None:
    xml = hocbaso.to_xml(example_record(3))
    root = etree.fromstring(xml)
    etree.indent(root)
    pretty = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root)
    assert pretty != xml
    assert hocbaso.to_xml(hocbaso.from_xml(pretty)) == xml


def _problems(xml: bytes) -> list[tuple[str, str | None]]:
    with pytest.raises(DocumentInvalidError) as info:
        hocbaso.from_xml(xml)
    return [(p.rule, p.location) for p in info.value.report.problems]


def test_misplaced_element_located() -> None:
    xml = hocbaso.to_xml(example_record(2))
    a = b"<HO_VA_TEN_ME>"
    start = xml.index(a)
    end = xml.index(b"</HO_VA_TEN_ME>") + len(b"</HO_VA_TEN_ME>")
    moved = xml[:start] + xml[end:]
    moved = moved.replace(b"<PHIEN_BAN>", xml[start:end] + b"<PHIEN_BAN>", 1)
    problems = _problems(moved)
    assert ("STRUCTURE", f"{GENERAL}/HO_VA_TEN_ME") in problems


def test_unknown_and_repeated_elements() -> None:
    xml = hocbaso.to_xml(example_record(2))
    dup = xml.replace(
        "<QUOC_TICH>Việt Nam</QUOC_TICH>".encode(),
        "<QUOC_TICH>Việt Nam</QUOC_TICH><QUOC_TICH>Lào</QUOC_TICH>".encode(),
        1,
    )
    assert ("STRUCTURE", f"{GENERAL}/QUOC_TICH") in _problems(dup)
    unknown = xml.replace(b"</TONG_KET>", b"<XEP_HANG>1</XEP_HANG></TONG_KET>", 1)
    assert ("STRUCTURE", "/HOC_BA/DU_LIEU_HOC_BA/TONG_KET/XEP_HANG") in _problems(unknown)


def test_every_problem_reported_at_once() -> None:
    xml = hocbaso.to_xml(example_record(5))
    bad = xml.replace(b"<SO_CCCD>", b"<SO_CCCD>9", 1).replace(b"<MA_KHOI>5", b"<MA_KHOI>05", 1)
    locations = {loc for _, loc in _problems(bad)}
    assert {f"{GENERAL}/SO_CCCD", f"{GENERAL}/MA_KHOI"} <= locations


def test_cross_field_consistency_located() -> None:
    xml = hocbaso.to_xml(example_record(5))
    bad = xml.replace(b"<TEN_NAM_HOC>2023-2024", b"<TEN_NAM_HOC>2022-2023", 1)
    assert ("MODEL-CONSISTENCY", GENERAL) in _problems(bad)


def test_impossible_date_rejected() -> None:
    xml = hocbaso.to_xml(example_record(1))
    bad = xml.replace(b"17/05/2017", b"31/02/2017")
    assert ("VALUE", f"{GENERAL}/NGAY_SINH") in _problems(bad)


def test_subject_id_must_match_code() -> None:
    xml = hocbaso.to_xml(example_record(4))
    # a wrong derived Id is not signed-over silently: it is reported (decoder) ...
    bad = xml.replace(b'<BANG_DIEM Id="mon-TV">', b'<BANG_DIEM Id="mon-XX">', 1)
    report = hocbaso.validate(bad)
    assert not report.valid


def test_nfd_text_is_normalised_with_a_warning() -> None:
    xml = hocbaso.to_xml(example_record(1))
    import unicodedata

    nfd_name = unicodedata.normalize("NFD", "Trương Phương Anh").encode()
    bad = xml.replace("Trương Phương Anh".encode(), nfd_name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        record = hocbaso.from_xml(bad)
    assert record.data.general.full_name == "Trương Phương Anh"
    assert any(isinstance(w.message, NormalizationWarning) for w in caught)
    locations = [w.message.location for w in caught if isinstance(w.message, NormalizationWarning)]
    assert f"{GENERAL}/HO_VA_TEN" in locations
    # the re-encoded record is NFC: it is not the input any more (never signed as such)
    assert hocbaso.to_xml(record) == xml


def test_legacy_encoded_text_rejected() -> None:
    xml = hocbaso.to_xml(example_record(1))
    tcvn3 = xml.replace(
        "Trương Phương Anh".encode(), "Tr\u00ad\u00eang Ph\u00ad\u00eang Anh".encode()
    )
    problems = _problems(tcvn3)
    assert ("TEXT-ENCODING", f"{GENERAL}/HO_VA_TEN") in problems
    vni = xml.replace(
        "Trương Phương Anh".encode(), "Tr\u00f6\u00f4ng Ph\u00f6\u00f4ng Anh".encode()
    )
    assert ("TEXT-ENCODING", f"{GENERAL}/HO_VA_TEN") in _problems(vni)


def test_comment_in_record_rejected() -> None:
    xml = hocbaso.to_xml(example_record(1))
    bad = xml.replace(b"<HO_VA_TEN>", b"<!-- sua diem --><HO_VA_TEN>", 1)
    assert ("XML-COMMENT", GENERAL) in _problems(bad)


def test_signature_slot_round_trips_opaque_signature() -> None:
    record = example_record(1)
    xml = hocbaso.to_xml(record)
    slot = (
        "<DANH_SACH_THONG_TIN_KY><CBQL><NGAY_KY>2024-05-31T09:30:00+07:00</NGAY_KY>"
        "<SO_CCCD>048070878047</SO_CCCD>"
        '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="sig-CBQL">'
        "<SignedInfo>x</SignedInfo></Signature></CBQL></DANH_SACH_THONG_TIN_KY>"
    )
    signed = xml.replace(b"</HOC_BA>", slot.encode() + b"</HOC_BA>")
    decoded = hocbaso.from_xml(signed)
    assert decoded.signatures is not None and decoded.signatures.leader is not None
    assert decoded.signatures.leader.signature.startswith(b"<Signature xmlns=")
    assert hocbaso.to_xml(decoded) == signed
    assert hocbaso.canonicalize(signed) == signed
    # a Signature without the XML-DSig namespace is not a signature
    fake = signed.replace(b' xmlns="http://www.w3.org/2000/09/xmldsig#"', b"")
    assert any(rule == "STRUCTURE" for rule, _ in _problems(fake))


def test_to_xml_rejects_non_records() -> None:
    with pytest.raises(TypeError):
        hocbaso.to_xml("not a record")  # type: ignore[arg-type]


def test_canonical_documents_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from hocbaso._xml import _codec
    from hocbaso.examples import generate_record

    calls: list[str] = []
    original = _codec._decode_model_strict
    general = _codec._decode_model

    def spy(*args: object, **kwargs: object) -> object:
        calls.append("strict")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    def spy_general(*args: object, **kwargs: object) -> object:
        calls.append("general")
        return general(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_codec, "_decode_model_strict", spy)
    monkeypatch.setattr(_codec, "_decode_model", spy_general)
    for i in range(24):  # canonical records: the one-pass decoder only
        hocbaso.from_xml(hocbaso.to_xml(generate_record(i, 1 + i % 12)))
    assert calls == []
    # ... and a non-canonical one (whitespace between elements) is walked strictly, same result
    pretty = hocbaso.to_xml(example_record(2)).replace(b"><TEN_LOP>", b">\n  <TEN_LOP>")
    assert hocbaso.from_xml(pretty) == example_record(2)
    assert calls


def test_out_of_range_scores_rejected_at_their_place() -> None:
    primary = hocbaso.to_xml(example_record(4))
    start = primary.index(b"<DIEM_KIEM_TRA_DINH_KY>") + len(b"<DIEM_KIEM_TRA_DINH_KY>")
    end = primary.index(b"<", start)
    bad = primary[:start] + b"11" + primary[end:]
    where = "/HOC_BA/DU_LIEU_HOC_BA/TONG_KET/DS_BANG_DIEM/BANG_DIEM[1]/DIEM_KIEM_TRA_DINH_KY"
    assert ("VALUE", where) in _problems(bad)
    assert where in {p.location for p in hocbaso.validate(bad).errors}
    secondary = hocbaso.to_xml(example_record(8))
    start = secondary.index(b"<DTB_MON>") + len(b"<DTB_MON>")
    end = secondary.index(b"<", start)
    for value in (b"10.5", b"-1", b"7.25"):
        bad = secondary[:start] + value + secondary[end:]
        where = "/HOC_BA/DU_LIEU_HOC_BA/TONG_KET/DS_DIEM_TONG_KET/DIEM_TONG_KET[1]/HOC_KY_1/DTB_MON"
        assert ("VALUE", where) in _problems(bad), value
        assert where in {p.location for p in hocbaso.validate(bad).errors}, value


def test_external_inclusion_is_not_followed() -> None:
    xml = hocbaso.to_xml(example_record(1))
    include = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'
    bad = xml.replace(b"</QUOC_TICH>", b"</QUOC_TICH>" + include, 1)
    problems = _problems(bad)
    assert any(rule == "STRUCTURE" for rule, _ in problems)


def test_layout_caches_are_bounded_and_beyond_them_nothing_is_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Crafted input can make thousands of distinct child sequences; compiling one costs ~1 ms.
    Past the bound, neither decoder compiles anything new and the record still decodes."""
    from hocbaso._xml import _codec, _onepass
    from hocbaso.examples import generate_record

    compiled: list[str] = []
    original = _onepass._compile

    def spy(*args: object) -> object:
        compiled.append("one-pass")
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_onepass, "_compile", spy)
    monkeypatch.setattr(_onepass, "_DISPATCH", {})  # fresh per-model layout caches
    monkeypatch.setattr(_onepass, "_MAX_LAYOUTS", 0)
    monkeypatch.setattr(_codec, "_LAYOUTS", {})
    monkeypatch.setattr(_codec, "_MAX_LAYOUTS", 0)
    monkeypatch.setattr(_codec, "_compile_layout", lambda *_: pytest.fail("compiled"))
    for i in range(6):
        record = generate_record(100 + i, 1 + 2 * i)
        assert hocbaso.from_xml(hocbaso.to_xml(record)) == record
    assert compiled == []
