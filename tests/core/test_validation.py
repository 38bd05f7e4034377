"""validate(): XSD and models report every problem, each with rule, location, vi+en message."""

from __future__ import annotations

import json

import pytest

import hocbaso
from hocbaso.errors import DocumentInvalidError
from hocbaso.examples import EXAMPLE_GRADES, example_record
from hocbaso.report import Report, Severity
from hocbaso.validation import xsd_problems

GENERAL = "/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG"


@pytest.mark.parametrize("grade", EXAMPLE_GRADES)
@pytest.mark.parametrize("engine", ["lxml", "xmlschema"])
def test_examples_valid_with_both_engines(grade: int, engine: str) -> None:
    report = hocbaso.validate(hocbaso.to_xml(example_record(grade)), engine=engine)  # type: ignore[arg-type]
    assert report.valid, report.to_text()
    assert hocbaso.is_valid(hocbaso.to_xml(example_record(grade)))


def test_report_shapes() -> None:
    xml = hocbaso.to_xml(example_record(1)).replace(b"<SO_CCCD>048317002681", b"<SO_CCCD>12")
    report = hocbaso.validate(xml, source="a.xml")
    assert not report.valid
    problem = report.errors[0]
    assert problem.rule == "XSD-VALUE"
    assert problem.location == f"{GENERAL}/SO_CCCD"
    assert problem.line == 1
    assert "12 chữ số" in problem.message_vi
    assert problem.severity is Severity.ERROR
    data = json.loads(report.to_json())
    assert data["schema_version"] == 1 and data["valid"] is False
    assert data["counts"]["error"] == len(report.errors)
    assert Report.from_dict(data) == report
    assert "KHÔNG HỢP LỆ" in report.to_text()


def test_check_raises_with_report() -> None:
    xml = hocbaso.to_xml(example_record(1)).replace(b"<MA_KHOI>1<", b"<MA_KHOI>0<")
    with pytest.raises(DocumentInvalidError) as info:
        hocbaso.check(xml)
    assert info.value.location == f"{GENERAL}/MA_KHOI"
    assert info.value.report.errors


def test_model_only_problem_reported() -> None:
    # XSD cannot see that NAM_HOC and TEN_NAM_HOC disagree; the model check does.
    xml = hocbaso.to_xml(example_record(2)).replace(
        b"<NAM_HOC>2023</NAM_HOC></THONG_TIN_CHUNG>", b"<NAM_HOC>2021</NAM_HOC></THONG_TIN_CHUNG>"
    )
    report = hocbaso.validate(xml)
    assert [p.rule for p in report.errors] == ["MODEL-CONSISTENCY"]
    assert report.errors[0].location == GENERAL


def test_nfc_warning_in_report() -> None:
    import unicodedata

    xml = hocbaso.to_xml(example_record(1))
    nfd = xml.replace("Trương".encode(), unicodedata.normalize("NFD", "Trương").encode())
    report = hocbaso.validate(nfd)
    assert report.valid
    assert [p.rule for p in report.warnings] == ["TEXT-NFC"]


def test_xsd_and_decoder_agree_on_location() -> None:
    from hocbaso._xml._parse import parse_bytes
    from hocbaso.testing import _MUTATIONS

    xml = hocbaso.to_xml(example_record(6))
    for name, mutate, rules, location in _MUTATIONS:
        bad = mutate(xml)
        tree = parse_bytes(bad)
        xsd = {(p.rule, p.location) for p in xsd_problems(tree, hocbaso.PROFILE_SECONDARY)}
        with pytest.raises(DocumentInvalidError) as info:
            hocbaso.from_xml(bad)
        model = {(p.rule, p.location) for p in info.value.report.problems}
        assert any(loc == location for _, loc in xsd), (name, xsd)
        assert any(loc == location for _, loc in model), (name, model)
        assert {r for r, loc in xsd | model if loc == location} & rules, name


def test_processing_instruction_is_found_after_a_passing_xsd() -> None:
    # libxml2 ignores PIs and comments in XSD validation; the decoder must still see them.
    xml = hocbaso.to_xml(example_record(3))
    for junk in (b"<?php x?>", b"<!-- sua diem -->"):
        bad = xml.replace(b"<HO_VA_TEN>", junk + b"<HO_VA_TEN>", 1)
        report = hocbaso.validate(bad)
        assert "XML-COMMENT" in {p.rule for p in report.errors}, junk


def test_cdata_that_looks_like_a_comment_is_still_valid() -> None:
    # "<!--" inside CDATA only turns the fast path off; the record stays valid.
    xml = hocbaso.to_xml(example_record(3))
    cdata = b"<NHAN_XET_GVCN><![CDATA[Em ngoan <!-- that --> lam]]></NHAN_XET_GVCN>"
    start = xml.index(b"<NHAN_XET_GVCN>")
    end = xml.index(b"</NHAN_XET_GVCN>") + len(b"</NHAN_XET_GVCN>")
    doc = xml[:start] + cdata + xml[end:]
    assert hocbaso.validate(doc).valid
    assert hocbaso.from_xml(doc).data.summary.homeroom_comment == "Em ngoan <!-- that --> lam"
