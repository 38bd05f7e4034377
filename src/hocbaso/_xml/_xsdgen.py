"""Generate the XSD of each profile from the models (single source of truth).

Run ``python -m hocbaso._xml._xsdgen`` to rewrite ``schemas/``; ``--check`` exits non-zero when
the committed files differ from what the models give (CI runs the check through a test).
Every element and type is annotated in Vietnamese and English.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from lxml import etree

from hocbaso._xml._lexical import LexType
from hocbaso._xml._plan import ROOTS, FieldPlan, ModelPlan, all_plans
from hocbaso.models import PROFILE_PRIMARY, PROFILE_SECONDARY, _Model

__all__ = ["SCHEMA_FILES", "generate", "main"]

XS = "http://www.w3.org/2001/XMLSchema"
DS = "http://www.w3.org/2000/09/xmldsig#"
XML_NS = "http://www.w3.org/XML/1998/namespace"

SCHEMA_FILES = {
    PROFILE_PRIMARY: "hocbaso-tieu-hoc-1.0.xsd",
    PROFILE_SECONDARY: "hocbaso-trung-hoc-1.0.xsd",
}
DSIG_FILE = "xmldsig-signature.xsd"

_TITLES = {
    PROFILE_PRIMARY: (
        "Học bạ số cấp tiểu học, hồ sơ tieu-hoc-1.0: tái hiện định dạng chính thức của Bộ GDĐT "
        "(Phụ lục 1.1, Công văn 2088/BGDĐT-GDTH, phiên bản 1.0). Tệp này được sinh từ mô hình "
        "của thư viện hocbaso; không sửa tay.",
        "Digital school record, primary, profile tieu-hoc-1.0: the Ministry's official format "
        "(Công văn 2088/BGDĐT-GDTH, Phụ lục 1.1, v1.0). Generated from the hocbaso models; do not "
        "edit by hand.",
    ),
    PROFILE_SECONDARY: (
        "Học bạ số cấp trung học (THCS, THPT), hồ sơ trung-hoc-1.0: đề xuất của thư viện hocbaso "
        "theo Thông tư 22/2021/TT-BGDĐT, vì Bộ GDĐT chưa công bố đặc tả. Tệp được sinh từ mô "
        "hình; không sửa tay.",
        "Digital school record, secondary, profile trung-hoc-1.0: the hocbaso library's proposal "
        "following Thông tư 22/2021/TT-BGDĐT (no official specification is published). Generated "
        "from the models; do not edit by hand.",
    ),
}


def _q(tag: str) -> str:
    return f"{{{XS}}}{tag}"


def _doc(parent: etree._Element, vi: str, en: str) -> None:
    ann = etree.SubElement(parent, _q("annotation"))
    d_vi = etree.SubElement(ann, _q("documentation"))
    d_vi.set(f"{{{XML_NS}}}lang", "vi")
    d_vi.text = vi
    d_en = etree.SubElement(ann, _q("documentation"))
    d_en.set(f"{{{XML_NS}}}lang", "en")
    d_en.text = en


def _type_name(cls: type[_Model]) -> str:
    return f"{cls.__name__}Type"


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text else ""


def _simple_type(schema: etree._Element, lex: LexType) -> None:
    st = etree.SubElement(schema, _q("simpleType"), name=lex.name)
    _doc(st, lex.vi, lex.en)
    restriction = etree.SubElement(st, _q("restriction"), base=lex.base)
    for facet, value in (
        ("minInclusive", lex.min_inclusive),
        ("maxInclusive", lex.max_inclusive),
        ("minExclusive", lex.min_exclusive),
        ("maxExclusive", lex.max_exclusive),
    ):
        if value is not None:
            etree.SubElement(restriction, _q(facet), value=value)
    if lex.pattern is not None:
        etree.SubElement(restriction, _q("pattern"), value=lex.pattern)
    for value in lex.enumeration:
        etree.SubElement(restriction, _q("enumeration"), value=value)


def _element(seq: etree._Element, f: FieldPlan, used: dict[str, LexType]) -> None:
    if f.kind == "raw":
        ref = etree.SubElement(seq, _q("element"), ref="ds:Signature")
        if not f.required:
            ref.set("minOccurs", "0")
        return
    el = etree.SubElement(seq, _q("element"), name=f.element)
    if f.kind != "items" and not f.required:
        el.set("minOccurs", "0")
    if f.kind == "repeat":
        el.set("maxOccurs", "unbounded")
    _doc(el, f.vi, f.en)
    if f.kind in ("scalar", "repeat"):
        assert f.lex is not None
        used[f.lex.name] = f.lex
        el.set("type", f.lex.name)
    elif f.kind == "model":
        assert f.model is not None
        el.set("type", _type_name(f.model))
    elif f.kind == "items":
        assert f.model is not None and f.item is not None
        if f.min_items == 0:
            el.set("minOccurs", "0")
        ct = etree.SubElement(el, _q("complexType"))
        inner = etree.SubElement(ct, _q("sequence"))
        item = etree.SubElement(
            inner,
            _q("element"),
            name=f.item,
            type=_type_name(f.model),
            minOccurs=str(max(f.min_items, 1)),
            maxOccurs="unbounded",
        )
        _doc(item, f.vi, f.en)
        if f.model.xml_id_field:
            # The Id makes subject codes unique already; say it in the schema too.
            uq = etree.SubElement(el, _q("unique"), name=f"unique-{f.item}-{f.model.__name__}")
            etree.SubElement(uq, _q("selector"), xpath=f.item)
            etree.SubElement(uq, _q("field"), xpath="MA_MON_HOC")


def _complex_type(
    schema: etree._Element, plan: ModelPlan, used: dict[str, LexType], fixed_ids: list[str]
) -> None:
    cls = plan.cls
    ct = etree.SubElement(schema, _q("complexType"), name=_type_name(cls))
    line = _first_line(cls.__doc__)
    terms = re.findall(r"\*([^*]+)\*", line)
    plain = line.replace("*", "").replace("``", "")
    vi = "; ".join(terms) if terms else plain
    _doc(ct, vi, f"{plain} (model hocbaso.models.{cls.__name__})")
    seq = etree.SubElement(ct, _q("sequence"))
    for f in plan.children:
        _element(seq, f, used)
    if plan.fixed_id is not None:
        # xs:ID forbids fixed="..."; an enumeration of one value says the same.
        etree.SubElement(
            ct, _q("attribute"), name="Id", type=f"FixedId-{plan.fixed_id}", use="required"
        )
        if plan.fixed_id not in fixed_ids:
            fixed_ids.append(plan.fixed_id)
    elif plan.id_field is not None:
        etree.SubElement(ct, _q("attribute"), name="Id", type="SubjectIdType", use="required")
    for f in plan.attributes:
        assert f.lex is not None
        used[f.lex.name] = f.lex
        attr = etree.SubElement(
            ct,
            _q("attribute"),
            name=f.element,
            type=f.lex.name,
            use="required" if f.required else "optional",
        )
        _doc(attr, f.vi, f.en)


def generate(profile: str) -> bytes:
    """The XSD of ``profile`` as bytes (deterministic)."""
    root_cls = ROOTS[profile]
    schema = etree.Element(
        _q("schema"),
        nsmap={"xs": XS, "ds": DS},
        elementFormDefault="unqualified",
        attributeFormDefault="unqualified",
        version=profile,
    )
    _doc(schema, *_TITLES[profile])
    etree.SubElement(schema, _q("import"), namespace=DS, schemaLocation=DSIG_FILE)
    top = etree.SubElement(schema, _q("element"), name="HOC_BA", type=_type_name(root_cls))
    _doc(top, "Học bạ số của một học sinh trong một năm học", "One student's record, one year")
    used: dict[str, LexType] = {}
    fixed_ids: list[str] = []
    for plan in all_plans(root_cls):
        _complex_type(schema, plan, used, fixed_ids)
    for ident in fixed_ids:
        st = etree.SubElement(schema, _q("simpleType"), name=f"FixedId-{ident}")
        _doc(
            st,
            f"Id cố định '{ident}' (đích tham chiếu của chữ ký)",
            f"fixed Id '{ident}' (a signature reference target)",
        )
        rst = etree.SubElement(st, _q("restriction"), base="xs:ID")
        etree.SubElement(rst, _q("enumeration"), value=ident)
    sid = etree.SubElement(schema, _q("simpleType"), name="SubjectIdType")
    _doc(sid, "Id của kết quả một môn: 'mon-' + mã môn học", "Id of a subject entry: mon-<code>")
    r = etree.SubElement(sid, _q("restriction"), base="xs:ID")
    etree.SubElement(r, _q("pattern"), value="mon-[A-Z][A-Z0-9_]{0,19}")
    for name in sorted(used):
        _simple_type(schema, used[name])
    etree.indent(schema, space="  ")
    return etree.tostring(schema, xml_declaration=True, encoding="UTF-8") + b"\n"


def generate_dsig() -> bytes:
    """The small schema for the ``ds:Signature`` element held in a slot (content not checked)."""
    schema = etree.Element(
        _q("schema"), nsmap={"xs": XS}, targetNamespace=DS, elementFormDefault="qualified"
    )
    _doc(
        schema,
        "Phần tử ds:Signature trong ô ký. Cấu trúc chữ ký do bộ kiểm tra chữ ký số "
        "(hocbaso.signing) kiểm tra, không phải XSD này.",
        "The ds:Signature element of a signature slot. Its structure is checked by the signature "
        "verifier (hocbaso.signing), not by this schema.",
    )
    el = etree.SubElement(schema, _q("element"), name="Signature")
    ct = etree.SubElement(el, _q("complexType"))
    seq = etree.SubElement(ct, _q("sequence"))
    etree.SubElement(
        seq,
        _q("any"),
        namespace="##any",
        processContents="skip",
        minOccurs="1",
        maxOccurs="unbounded",
    )
    etree.SubElement(ct, _q("attribute"), name="Id", type="xs:ID", use="required")
    etree.indent(schema, space="  ")
    return etree.tostring(schema, xml_declaration=True, encoding="UTF-8") + b"\n"


def expected_files() -> dict[str, bytes]:
    """Every schema file name → its generated content."""
    files = {name: generate(profile) for profile, name in SCHEMA_FILES.items()}
    files[DSIG_FILE] = generate_dsig()
    return files


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the generated schemas in a directory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", nargs="?", default="schemas", type=Path)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    stale = []
    for name, content in expected_files().items():
        path: Path = args.directory / name
        if args.check:
            if not path.exists() or path.read_bytes() != content:
                stale.append(name)
        else:
            path.write_bytes(content)
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
