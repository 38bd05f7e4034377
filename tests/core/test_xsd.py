"""The XSD files are generated from the models and agree with them."""

from __future__ import annotations

from pathlib import Path

import xmlschema
from lxml import etree

import hocbaso
from hocbaso._xml._xsdgen import expected_files

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_committed_schemas_are_up_to_date() -> None:
    for name, content in expected_files().items():
        assert (SCHEMAS / name).read_bytes() == content, (
            f"schemas/{name} is stale: run python -m hocbaso._xml._xsdgen schemas"
        )


def test_schema_path_found_at_run_time() -> None:
    for profile in (hocbaso.PROFILE_PRIMARY, hocbaso.PROFILE_SECONDARY):
        path = hocbaso.schema_path(profile)
        assert path.is_file()
        etree.XMLSchema(etree.parse(str(path)))
        xmlschema.XMLSchema(str(path))


def test_every_element_annotated_in_both_languages() -> None:
    xs = "{http://www.w3.org/2001/XMLSchema}"
    for profile in (hocbaso.PROFILE_PRIMARY, hocbaso.PROFILE_SECONDARY):
        doc = etree.parse(str(hocbaso.schema_path(profile)))
        for el in doc.iter(f"{xs}element", f"{xs}simpleType", f"{xs}complexType"):
            if el.get("ref") or (el.tag == f"{xs}complexType" and el.get("name") is None):
                continue
            langs = [
                d.get("{http://www.w3.org/XML/1998/namespace}lang")
                for d in el.findall(f"{xs}annotation/{xs}documentation")
            ]
            assert langs == ["vi", "en"], etree.tostring(el)[:120]


def test_misspelt_official_names_are_in_the_primary_schema() -> None:
    text = hocbaso.schema_path(hocbaso.PROFILE_PRIMARY).read_text(encoding="utf-8")
    assert 'name="THONG_SO_BUOI_NGHI_KHONG_PHEP"' in text
    assert 'name="NANG_LUC_GIAO_TIEP_HOC_TAC"' in text


def test_data_model_doc_is_up_to_date() -> None:
    from hocbaso._xml._docgen import generate

    doc = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"
    assert doc.read_text(encoding="utf-8") == generate(), (
        "docs/data-model.md is stale: run python -m hocbaso._xml._docgen docs/data-model.md"
    )


def test_phien_ban_is_required_in_xml() -> None:
    import pytest

    from hocbaso.errors import DocumentInvalidError
    from hocbaso.examples import example_record

    xml = hocbaso.to_xml(example_record(1)).replace(b"<PHIEN_BAN>1.0</PHIEN_BAN>", b"")
    assert not hocbaso.validate(xml).valid
    with pytest.raises(DocumentInvalidError):
        hocbaso.from_xml(xml)
