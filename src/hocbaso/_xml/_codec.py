"""Canonical XML encoder and strict decoder for the record models.

Encoding writes the Exclusive-C14N form directly (UTF-8, no XML declaration, no whitespace
between elements, attributes in canonical order, c14n escaping), so ``c14n(to_xml(r)) ==
to_xml(r)`` holds by construction. Decoding walks the parsed tree once against each model's
plan, collects every structural problem with its XPath and line, then lets pydantic check the
values; pydantic errors are translated back to XPaths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from pydantic import ValidationError

from hocbaso._xml._lexical import LexType
from hocbaso._xml._parse import DEFAULT_MAX_BYTES, parse_bytes
from hocbaso._xml._plan import ROOTS, FieldPlan, ModelPlan, plan_for
from hocbaso.codes import SchoolLevel
from hocbaso.errors import DocumentInvalidError, ProfileError
from hocbaso.models import (
    PROFILE_PRIMARY,
    PROFILE_SECONDARY,
    PrimaryRecord,
    Record,
    SecondaryRecord,
    _Model,
    check_text,
)
from hocbaso.report import Problem, Report, Severity

__all__ = [
    "DSIG_NS",
    "ROOT",
    "decode_tree",
    "detect_profile",
    "encode",
    "from_xml",
    "to_xml",
]

ROOT = "HOC_BA"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
_DSIG_SIGNATURE = f"{{{DSIG_NS}}}Signature"


# ------------------------------------------------------------------------------ encoding


def _esc_text(text: str) -> str:
    # Exclusive C14N text escaping (W3C C14N 1.0 §2.3).
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#xD;")
    return text


def _esc_attr(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace('"', "&quot;")
        .replace("\t", "&#x9;")
        .replace("\n", "&#xA;")
        .replace("\r", "&#xD;")
    )


def _element_id(plan: ModelPlan, model: _Model) -> str | None:
    if plan.fixed_id is not None:
        return plan.fixed_id
    if plan.id_field is not None:
        return f"mon-{getattr(model, plan.id_field)}"
    return None


def _encode_model(model: _Model, tag: str, out: list[str]) -> None:
    plan = plan_for(type(model))
    attrs: list[tuple[str, str]] = []
    ident = _element_id(plan, model)
    if ident is not None:
        attrs.append(("Id", ident))
    for f in plan.attributes:
        value = getattr(model, f.name)
        if value is not None:
            assert f.lex is not None
            attrs.append((f.element, f.lex.format(value)))
    if attrs:
        attrs.sort()
        out.append(f"<{tag}" + "".join(f' {k}="{_esc_attr(v)}"' for k, v in attrs) + ">")
    else:
        out.append(f"<{tag}>")
    for f in plan.children:
        value = getattr(model, f.name)
        if value is None:
            continue
        kind = f.kind
        if kind == "scalar":
            assert f.lex is not None
            out.append(f"<{f.element}>{_esc_text(f.lex.format(value))}</{f.element}>")
        elif kind == "model":
            _encode_model(value, f.element, out)
        elif kind == "items":
            if not value:
                continue
            out.append(f"<{f.element}>")
            assert f.item is not None
            for item in value:
                _encode_model(item, f.item, out)
            out.append(f"</{f.element}>")
        elif kind == "repeat":
            assert f.lex is not None
            fmt = f.lex.format
            for item in value:
                out.append(f"<{f.element}>{_esc_text(fmt(item))}</{f.element}>")
        elif kind == "raw":
            out.append(value.decode("utf-8"))
    out.append(f"</{tag}>")


def encode(model: _Model, tag: str) -> bytes:
    """Canonical bytes of ``model`` as element ``tag`` (any model, not only records)."""
    out: list[str] = []
    _encode_model(model, tag, out)
    return "".join(out).encode("utf-8")


def to_xml(record: Record) -> bytes:
    """Serialise a record to its canonical XML bytes (Exclusive C14N form, UTF-8).

    The output has no XML declaration and no whitespace between elements; optional values that
    are ``None`` are omitted; numbers use ``.`` and no trailing zeros; timestamps are written
    ``YYYY-MM-DDThh:mm:ss+07:00``; ``Id`` attributes are those the signature profile needs.
    """
    if not isinstance(record, PrimaryRecord | SecondaryRecord):
        raise TypeError("to_xml() takes a PrimaryRecord or SecondaryRecord")
    return encode(record, ROOT)


# ------------------------------------------------------------------------------ decoding


@dataclass(slots=True)
class _Ctx:
    problems: list[Problem]

    def add(
        self,
        rule: str,
        path: str,
        line: int | None,
        vi: str,
        en: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.problems.append(Problem(rule, severity, path, line, vi, en))


def _index(path: str, tag: str, pos: int, count: int) -> str:
    # Same convention as libxml2 node paths: an index only where siblings share the name.
    return f"{path}/{tag}[{pos}]" if count > 1 else f"{path}/{tag}"


def _scalar(child: etree._Element, lex: LexType, f: FieldPlan, path: str, ctx: _Ctx) -> Any:
    line = child.sourceline
    if len(child) or child.attrib:
        ctx.add(
            "STRUCTURE",
            path,
            line,
            f"{f.vi} ({f.element}) chỉ chứa giá trị, không chứa phần tử con hay thuộc tính.",
            f"{f.element} must hold a simple value, no child elements or attributes.",
        )
        return None
    text = child.text or ""
    return _lex_value(text, lex, f, path, line, ctx)


def _lex_value(
    text: str, lex: LexType, f: FieldPlan, path: str, line: int | None, ctx: _Ctx
) -> Any:
    if lex.enumeration:
        if text not in lex.enumeration:
            ctx.add(
                "VALUE",
                path,
                line,
                f"{f.vi} ({f.element}): giá trị '{text}' không thuộc danh mục; {lex.vi}.",
                f"{f.element}: '{text}' is not one of {', '.join(lex.enumeration)}.",
            )
            return None
    else:
        rx = _REGEX.get(lex.name)
        if rx is None:
            rx = _REGEX[lex.name] = lex.regex()
        if rx is not None and not rx.fullmatch(text):
            shown = text if len(text) <= 60 else text[:57] + "..."
            ctx.add(
                "VALUE",
                path,
                line,
                f"{f.vi} ({f.element}): giá trị '{shown}' không đúng định dạng — {lex.vi}.",
                f"{f.element}: '{shown}' is not valid — {lex.en}.",
            )
            return None
    if lex.parse is str:
        try:
            return check_text(text, path)
        except ValueError as exc:
            vi, en = _split(str(exc))
            ctx.add("TEXT-ENCODING", path, line, f"{f.vi} ({f.element}): {vi}", en)
            return None
    try:
        return lex.parse(text)
    except ValueError:
        ctx.add(
            "VALUE",
            path,
            line,
            f"{f.vi} ({f.element}): giá trị '{text}' không tồn tại (ví dụ ngày không có thật).",
            f"{f.element}: '{text}' is not a real value (e.g. an impossible date).",
        )
        return None


_REGEX: dict[str, Any] = {}


def _split(message: str) -> tuple[str, str]:
    if " || " in message:
        vi, en = message.split(" || ", 1)
        return vi, en
    return message, message


def _decode_model(elem: etree._Element, plan: ModelPlan, path: str, ctx: _Ctx) -> dict[str, Any]:
    values: dict[str, Any] = {}
    line = elem.sourceline
    # Attributes: the fixed/derived Id and declared attribute fields, nothing else.
    allowed_attr = {f.element: f for f in plan.attributes}
    for name, value in elem.attrib.items():
        if name == "Id" and (plan.fixed_id is not None or plan.id_field is not None):
            continue
        f = allowed_attr.get(name)
        if f is None:
            ctx.add(
                "STRUCTURE",
                f"{path}/@{name}",
                line,
                f"Thuộc tính '{name}' không được phép ở đây.",
                f"attribute '{name}' is not allowed here.",
            )
            continue
        assert f.lex is not None
        values[f.name] = _lex_value(value, f.lex, f, f"{path}/@{name}", line, ctx)
    for f in plan.attributes:
        if f.required and f.element not in elem.attrib:
            ctx.add(
                "STRUCTURE",
                path,
                line,
                f"Thiếu thuộc tính bắt buộc '{f.element}' ({f.vi}).",
                f"required attribute '{f.element}' is missing.",
            )
    if plan.fixed_id is not None and elem.get("Id") != plan.fixed_id:
        ctx.add(
            "STRUCTURE",
            path,
            line,
            f'Phần tử phải có thuộc tính Id="{plan.fixed_id}".',
            f'the element must carry Id="{plan.fixed_id}".',
        )
    if elem.text is not None and elem.text.strip():
        ctx.add(
            "STRUCTURE",
            path,
            line,
            "Không được có văn bản trực tiếp trong phần tử này.",
            "text is not allowed directly inside this element.",
        )
    fields = plan.children
    nfields = len(fields)
    pos = 0
    counts: dict[str, int] = {}
    reported: set[str] = set()
    for child in elem:
        tag = child.tag
        if child.tail is not None and child.tail.strip():
            ctx.add(
                "STRUCTURE",
                path,
                child.sourceline,
                "Không được có văn bản giữa các phần tử.",
                "text is not allowed between elements.",
            )
        if not isinstance(tag, str):
            kind = "chú thích (comment)" if isinstance(child, etree._Comment) else "chỉ thị (PI)"
            ctx.add(
                "XML-COMMENT",
                path,
                child.sourceline,
                f"Không được có {kind} trong học bạ.",
                "comments and processing instructions are not allowed in a record.",
            )
            continue
        if tag == _DSIG_SIGNATURE:
            tag = "Signature"
        elif tag == "Signature":  # only the XML-DSig element may fill a signature slot
            tag = "Signature (no XML-DSig namespace)"
        j = pos
        while j < nfields and fields[j].element != tag:
            j += 1
        counts[tag] = counts.get(tag, 0) + 1
        if j == nfields:
            known = tag in plan.by_element
            ctx.add(
                "STRUCTURE",
                f"{path}/{tag}",
                child.sourceline,
                f"Phần tử {tag} "
                + ("sai vị trí hoặc lặp lại." if known else "không có trong chuẩn học bạ số."),
                f"element {tag} is "
                + ("misplaced or repeated." if known else "not part of the standard."),
            )
            continue
        skipped = [s for s in fields[pos:j] if s.required and s.name not in values]
        if skipped:
            # Like XSD validators: the element that came too early is where it is reported.
            names = ", ".join(s.element for s in skipped)
            ctx.add(
                "STRUCTURE",
                f"{path}/{tag}",
                child.sourceline,
                f"Thiếu phần tử bắt buộc {names} trước {tag}.",
                f"required element(s) {names} missing before {tag}.",
            )
            reported.update(s.name for s in skipped)
        f = fields[j]
        kind = f.kind
        if kind == "repeat":
            pos = j
            assert f.lex is not None
            values.setdefault(f.name, []).append((child, f))
            continue
        pos = j + 1
        cpath = f"{path}/{tag}"
        if kind == "scalar":
            assert f.lex is not None
            values[f.name] = _scalar(child, f.lex, f, cpath, ctx)
        elif kind == "model":
            assert f.model is not None
            values[f.name] = _decode_model(child, plan_for(f.model), cpath, ctx)
        elif kind == "items":
            values[f.name] = _decode_items(child, f, cpath, ctx)
        else:  # raw ds:Signature
            values[f.name] = _raw_signature(child, cpath, ctx)
    # Repeated scalars are parsed once their sibling count is known (for the XPath index).
    for f in plan.children:
        if f.kind == "repeat" and f.name in values:
            items = values[f.name]
            assert f.lex is not None
            values[f.name] = [
                _scalar(c, f.lex, f, _index(path, f.element, i, len(items)), ctx)
                for i, (c, _) in enumerate(items, 1)
            ]
    if plan.id_field is not None:
        code = values.get(plan.id_field)
        if isinstance(code, str) and elem.get("Id") != f"mon-{code}":
            # The Id is what a subject teacher's signature points at: it must follow the code.
            ctx.add(
                "STRUCTURE",
                path,
                line,
                f'Thuộc tính Id phải là "mon-{code}" (theo mã môn học).',
                f'the Id attribute must be "mon-{code}" (derived from MA_MON_HOC).',
            )
    for f in fields:
        if f.required and f.name not in values and f.name not in reported:
            # Reported on the parent element, as XSD validators do.
            ctx.add(
                "STRUCTURE",
                path,
                line,
                f"Thiếu phần tử bắt buộc {f.element} ({f.vi}).",
                f"required element {f.element} ({f.en}) is missing.",
            )
    return values


def _decode_items(elem: etree._Element, f: FieldPlan, path: str, ctx: _Ctx) -> list[Any]:
    assert f.model is not None and f.item is not None
    item_plan = plan_for(f.model)
    if elem.attrib:
        ctx.add(
            "STRUCTURE",
            path,
            elem.sourceline,
            f"{f.element} không có thuộc tính.",
            f"{f.element} takes no attributes.",
        )
    if elem.text is not None and elem.text.strip():
        ctx.add(
            "STRUCTURE",
            path,
            elem.sourceline,
            "Không được có văn bản trực tiếp trong phần tử này.",
            "text is not allowed directly inside this element.",
        )
    children = [c for c in elem if isinstance(c.tag, str)]
    for c in elem:
        if not isinstance(c.tag, str):
            ctx.add(
                "XML-COMMENT",
                path,
                c.sourceline,
                "Không được có chú thích hoặc chỉ thị trong học bạ.",
                "comments and processing instructions are not allowed in a record.",
            )
        if c.tail is not None and c.tail.strip():
            ctx.add(
                "STRUCTURE",
                path,
                c.sourceline,
                "Không được có văn bản giữa các phần tử.",
                "text is not allowed between elements.",
            )
    out: list[Any] = []
    n = len(children)
    for i, child in enumerate(children, 1):
        if child.tag != f.item:
            ctx.add(
                "STRUCTURE",
                f"{path}/{child.tag!s}",
                child.sourceline,
                f"{f.element} chỉ chứa các phần tử {f.item}.",
                f"{f.element} may only contain {f.item} elements.",
            )
            continue
        out.append(_decode_model(child, item_plan, _index(path, f.item, i, n), ctx))
    if not children:
        ctx.add(
            "STRUCTURE",
            path,
            elem.sourceline,
            f"{f.element} rỗng: không có dữ liệu thì bỏ hẳn phần tử này.",
            f"{f.element} is empty: omit the element when there is nothing to list.",
        )
    elif len(out) < f.min_items:
        ctx.add(
            "STRUCTURE",
            path,
            elem.sourceline,
            f"{f.element} phải có ít nhất {f.min_items} phần tử {f.item}.",
            f"{f.element} needs at least {f.min_items} {f.item} element(s).",
        )
    return out


def _raw_signature(elem: etree._Element, path: str, ctx: _Ctx) -> bytes | None:
    for node in elem.iter(etree.Comment, etree.ProcessingInstruction):
        ctx.add(
            "XML-COMMENT",
            path,
            node.sourceline,
            "Không được có chú thích hoặc chỉ thị trong chữ ký.",
            "comments and processing instructions are not allowed in a signature.",
        )
        return None
    return etree.tostring(elem, method="c14n", exclusive=True)


def detect_profile(root: etree._Element) -> str:
    """The profile of a parsed record (from ``MA_CAP_HOC``), or raise :class:`ProfileError`."""
    if root.tag != ROOT:
        raise ProfileError(
            f"root element is {root.tag!r}, expected {ROOT!r}",
            message_vi=f"Phần tử gốc là '{root.tag!s}', phải là '{ROOT}' (một học bạ).",
            location=f"/{root.tag!s}",
            line=root.sourceline,
        )
    version = root.findtext("DU_LIEU_HOC_BA/THONG_TIN_CHUNG/PHIEN_BAN")
    if version is not None and version != "1.0":
        raise ProfileError(
            f"format version {version!r} is not supported (supported: 1.0)",
            message_vi=f"Phiên bản định dạng '{version}' chưa được hỗ trợ (hỗ trợ: 1.0).",
            location="/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/PHIEN_BAN",
        )
    level = root.findtext("DU_LIEU_HOC_BA/THONG_TIN_CHUNG/MA_CAP_HOC")
    if level == SchoolLevel.PRIMARY.value:
        return PROFILE_PRIMARY
    if level in (SchoolLevel.LOWER_SECONDARY.value, SchoolLevel.UPPER_SECONDARY.value):
        return PROFILE_SECONDARY
    raise ProfileError(
        f"MA_CAP_HOC is {level!r}; expected 02 (primary), 03 or 04 (secondary)",
        message_vi=f"Mã cấp học '{level}' không hợp lệ; phải là 02 (tiểu học), 03 (THCS) hoặc "
        "04 (THPT).",
        location="/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/MA_CAP_HOC",
    )


def _loc_to_path(root_cls: type[_Model], loc: tuple[int | str, ...], values: Any) -> str:
    path = f"/{ROOT}"
    plan: ModelPlan | None = plan_for(root_cls)
    i = 0
    current = values
    while i < len(loc) and plan is not None:
        key = loc[i]
        f = plan.by_element.get(str(key)) or next(
            (x for x in plan.fields if key in (x.name, x.element)), None
        )
        if f is None:
            break
        current = current.get(f.name) if isinstance(current, dict) else None
        if f.kind == "attribute":
            return f"{path}/@{f.element}"
        path += f"/{f.element}"
        i += 1
        if f.kind == "items" and i < len(loc) and isinstance(loc[i], int):
            n = len(current) if isinstance(current, list) else 1
            idx = int(loc[i])
            path = _index(path, str(f.item), idx + 1, n)
            current = current[idx] if isinstance(current, list) and idx < n else None
            i += 1
            plan = plan_for(f.model) if f.model else None
        elif f.kind == "repeat" and i < len(loc) and isinstance(loc[i], int):
            n = len(current) if isinstance(current, list) else 1
            base = path.rsplit("/", 1)[0]
            return _index(base, f.element, int(loc[i]) + 1, n)
        elif f.kind == "model":
            plan = plan_for(f.model) if f.model else None
        else:
            plan = None
    return path


_PYDANTIC_VI = {
    "missing": "thiếu giá trị bắt buộc",
    "string_pattern_mismatch": "giá trị không đúng định dạng",
    "greater_than": "giá trị quá nhỏ",
    "greater_than_equal": "giá trị quá nhỏ",
    "less_than": "giá trị quá lớn",
    "less_than_equal": "giá trị quá lớn",
    "decimal_max_places": "quá nhiều chữ số thập phân",
    "enum": "giá trị không thuộc danh mục",
    "uuid_version": "mã UUID phải là phiên bản 4",
    "too_short": "không đủ số phần tử",
    "extra_forbidden": "trường không có trong chuẩn",
}


def validation_problems(
    exc: ValidationError, root_cls: type[_Model], values: Any, tree: etree._ElementTree | None
) -> list[Problem]:
    """Translate a pydantic ``ValidationError`` on a record into located problems."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path = _loc_to_path(root_cls, loc, values)
        line = None
        if tree is not None:
            try:
                found = tree.xpath(path.replace("/@", "/")) if "/@" not in path else []
            except etree.XPathError:
                found = []
            if isinstance(found, list) and found and isinstance(found[0], etree._Element):
                line = found[0].sourceline
        msg = str(err["msg"])
        if err["type"] == "value_error":
            vi, en = _split(msg.removeprefix("Value error, "))
            rule = "MODEL-CONSISTENCY" if path.split("/")[-1] not in _SCALARS else "MODEL-VALUE"
        else:
            vi = _PYDANTIC_VI.get(err["type"], "giá trị không hợp lệ") + f" ({msg})"
            en = msg
            rule = "MODEL-VALUE"
        element = path.rsplit("/", 1)[-1]
        problems.append(Problem(rule, Severity.ERROR, path, line, f"{element}: {vi}", en))
    return problems


_SCALARS = {
    f.element
    for root in ROOTS.values()
    for plan in (plan_for(root),)
    for f in plan.fields
    if f.kind == "scalar"
}


def decode_tree(
    tree: etree._ElementTree, *, profile: str | None = None, source: str | None = None
) -> Record:
    """Build a record from an already parsed (hardened) tree, or raise DocumentInvalidError."""
    root = tree.getroot()
    profile = profile or detect_profile(root)
    root_cls = ROOTS[profile]
    ctx = _Ctx([])
    values = _decode_model(root, plan_for(root_cls), f"/{ROOT}", ctx)
    if ctx.problems:
        report = Report(tuple(ctx.problems), source)
        raise DocumentInvalidError(
            f"the record has {len(report.errors)} structural problem(s)",
            message_vi=f"Học bạ có {len(report.errors)} lỗi cấu trúc.",
            report=report,
        )
    try:
        if root_cls is PrimaryRecord:
            return PrimaryRecord.model_validate(values)
        return SecondaryRecord.model_validate(values)
    except ValidationError as exc:
        report = Report(tuple(validation_problems(exc, root_cls, values, tree)), source)
        raise DocumentInvalidError(
            f"the record has {len(report.errors)} invalid value(s)",
            message_vi=f"Học bạ có {len(report.errors)} giá trị không hợp lệ.",
            report=report,
        ) from None


def from_xml(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, source: str | None = None
) -> Record:
    """Parse record bytes (hardened) into a validated model.

    Raises :class:`~hocbaso.errors.InputError` subclasses: unusable input (malformed, unsafe,
    too large, wrong encoding, wrong root/profile), or :class:`DocumentInvalidError` whose
    ``report`` lists every problem with its XPath and line. Decomposed (NFD) text is normalised
    and reported with :class:`~hocbaso.errors.NormalizationWarning`.
    """
    return decode_tree(parse_bytes(data, max_bytes=max_bytes), source=source)
