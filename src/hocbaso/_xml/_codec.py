"""Canonical XML encoder and strict decoder for the record models.

Encoding writes the Exclusive-C14N form directly (UTF-8, no XML declaration, no whitespace
between elements, attributes in canonical order, c14n escaping), so ``c14n(to_xml(r)) ==
to_xml(r)`` holds by construction. Decoding walks the parsed tree once against each model's
plan, collects every structural problem with its XPath and line, then lets pydantic check the
values; pydantic errors are translated back to XPaths.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unicodedata import is_normalized

from lxml import etree
from pydantic import ValidationError

from hocbaso._xml._lexical import LexType, _ident
from hocbaso._xml._parse import DEFAULT_MAX_BYTES, parse_bytes
from hocbaso._xml._plan import ROOTS, FieldPlan, ModelPlan, plan_for
from hocbaso.codes import SchoolLevel
from hocbaso.errors import DocumentInvalidError, ProfileError
from hocbaso.models import (
    _CONTROL,
    _LEGACY,
    PROFILE_PRIMARY,
    PROFILE_SECONDARY,
    TEXT_CHECKED,
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


_ESCAPED_TYPES = frozenset({"TextType", "LongTextType"})
_ENCODERS: dict[type[_Model], Callable[[Any, str, list[str]], None]] = {}


def _format_expr(f: FieldPlan, value: str, ns: dict[str, Any]) -> str:
    """Source of the expression that formats one scalar (generated encoders)."""
    lex = f.lex
    assert lex is not None
    if lex.name in _ESCAPED_TYPES:
        return f"esc({value})"
    if lex.format is _ident:
        # Codes and ids are the checked strings themselves; numbers and UUIDs need str().
        return value if lex.parse is str else f"str({value})"
    ns[f"fmt_{f.name}"] = lex.format
    return f"fmt_{f.name}({value})"


def _encoder(cls: type[_Model]) -> Callable[[Any, str, list[str]], None]:
    """The (generated, cached) encoder of a model class.

    The encoder is Python source generated once from the class's plan -- one straight line per
    field, no per-field dispatch -- because encoding is on the hot path of every batch.
    """
    found = _ENCODERS.get(cls)
    if found is not None:
        return found
    plan = plan_for(cls)
    ns: dict[str, Any] = {
        "esc": _esc_text,
        "esc_attr": _esc_attr,
    }
    lines = ["def encode(m, tag, out):", "    d = m.__dict__"]
    attrs: list[tuple[str, str]] = []
    if plan.fixed_id is not None:
        attrs.append(("Id", repr(f' Id="{plan.fixed_id}"')))
    elif plan.id_field is not None:
        attrs.append(("Id", f"' Id=\"mon-' + d[{plan.id_field!r}] + '\"'"))
    for f in plan.attributes:
        assert f.lex is not None
        ns[f"fmt_{f.name}"] = f.lex.format
        attrs.append(
            (f.element, f"' {f.element}=\"' + esc_attr(fmt_{f.name}(d[{f.name!r}])) + '\"'")
        )
    attrs.sort()
    head = " + ".join(["'<' + tag", *(expr for _, expr in attrs), "'>'"])
    lines.append(f"    out.append({head})")
    run: list[str] = []  # consecutive required scalars become one concatenation

    def flush() -> None:
        if run:
            lines.append(f"    out.append({' + '.join(run)})")
            run.clear()

    for f in plan.children:
        if f.required and f.kind == "scalar":
            assert f.lex is not None
            el, value = f.element, f"d[{f.name!r}]"
            if f.lex.enumeration:
                ns[f"tab_{f.name}"] = {
                    m: f"<{el}>{_esc_text(f.lex.format(m))}</{el}>"
                    for m in (f.lex.parse(v) for v in f.lex.enumeration)
                }
                run.append(f"tab_{f.name}[{value}]")
            else:
                run.append(f"'<{el}>' + {_format_expr(f, value, ns)} + '</{el}>'")
            continue
        flush()
        name, el = f.name, f.element
        indent = "    "
        if not f.required or f.kind in ("items", "repeat"):
            lines.append(f"    v = d[{name!r}]")
            lines.append("    if v:" if f.kind in ("items", "repeat") else "    if v is not None:")
            indent = "        "
            value = "v"
        else:
            value = f"d[{name!r}]"
        if f.kind == "scalar":
            assert f.lex is not None
            if f.lex.enumeration:
                table = {
                    m: f"<{el}>{_esc_text(f.lex.format(m))}</{el}>"
                    for m in (f.lex.parse(v) for v in f.lex.enumeration)
                }
                ns[f"tab_{name}"] = table
                lines.append(f"{indent}out.append(tab_{name}[{value}])")
            else:
                conv = _format_expr(f, value, ns)
                lines.append(f"{indent}out.append('<{el}>' + {conv} + '</{el}>')")
        elif f.kind == "model":
            assert f.model is not None
            ns[f"enc_{name}"] = _encoder(f.model)  # models form a tree: children built first
            lines.append(f"{indent}enc_{name}({value}, {el!r}, out)")
        elif f.kind == "items":
            assert f.model is not None
            ns[f"enc_{name}"] = _encoder(f.model)
            lines += [
                f"{indent}out.append('<{el}>')",
                f"{indent}enc = enc_{name}",
                f"{indent}for item in v:",
                f"{indent}    enc(item, {f.item!r}, out)",
                f"{indent}out.append('</{el}>')",
            ]
        elif f.kind == "repeat":
            assert f.lex is not None
            ns[f"fmt_{name}"] = f.lex.format
            lines += [
                f"{indent}for item in v:",
                f"{indent}    out.append('<{el}>' + fmt_{name}(item) + '</{el}>')",
            ]
        else:  # raw ds:Signature, already canonical bytes
            lines.append(f"{indent}out.append({value}.decode('utf-8'))")
    flush()
    lines.append("    out.append('</' + tag + '>')")
    exec("\n".join(lines), ns)  # source built above from the models' own metadata only
    fn: Callable[[Any, str, list[str]], None] = ns["encode"]
    _ENCODERS[cls] = fn
    return fn


def _encode_model(model: _Model, tag: str, out: list[str]) -> None:
    _encoder(type(model))(model, tag, out)


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
    # Fast mode skips per-value "no child elements / no attributes" checks; the walk counts what
    # it consumed and the caller re-walks in strict mode when the counts don't add up.
    strict: bool = False
    elements: int = 0
    attributes: int = 0
    texts: int = 0
    # Build model instances as the walk goes (fast path) instead of returning dicts for pydantic.
    build: bool = True

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


_FAIL = object()
_CHECKED = {TEXT_CHECKED: True}


_BAD_CHARS: str = _LEGACY.pattern[1:-1] + _CONTROL.pattern[1:-1]  # the two classes' insides
_ANY_TEXT = r"[\s\S]*"
_CONVERTER_MEMORY = 4096  # accepted texts remembered per non-text simple type ...
_MEMO_TEXT = 32  # ... each at most this long (a score, a date, a year: never a paragraph)


def _fast_converter(lex: LexType) -> Any:
    """A converter for the common, valid case; returns ``_FAIL`` to take the slow path.

    Short accepted texts of the non-text types (scores, dates, counts, years) are remembered
    with their value (bounded in number and size; every value immutable): the same values
    recur in every record of a batch, and a dictionary hit costs less than the pattern match
    and parse it replaces. Text types (names, CCCD numbers, comments) are never remembered:
    they identify people, and the decoder keeps nothing of a record once it is returned.
    """
    if lex.enumeration:
        members = {v: lex.parse(v) for v in lex.enumeration}
        return lambda text: members.get(text, _FAIL)
    parse = lex.parse
    if parse is str:
        # One pattern for the lexical form and for "no legacy-encoding or control character"
        # (the lookahead scans the text once in C); NFC is checked for non-ASCII text.
        form = lex.pattern if lex.pattern is not None else _ANY_TEXT
        match = re.compile(f"(?![^{_BAD_CHARS}]*[{_BAD_CHARS}])(?:{form})").fullmatch

        def text_value(text: str) -> Any:
            if match(text) is None or not (text.isascii() or is_normalized("NFC", text)):
                return _FAIL  # normalise with a located warning, or report, on the slow path
            return text

        return text_value
    rx = lex.regex()
    pattern_match = rx.fullmatch if rx is not None else None
    memory: dict[str, Any] = {}

    def value(text: str) -> Any:
        hit = memory.get(text)
        if hit is not None:
            return hit
        if pattern_match is not None and pattern_match(text) is None:
            return _FAIL
        try:
            parsed = parse(text)
        except ValueError:
            return _FAIL
        if len(text) <= _MEMO_TEXT and len(memory) < _CONVERTER_MEMORY:
            memory[text] = parsed
        return parsed

    return value


_CONVERTERS: dict[str, Any] = {}
_FIELD_CONVERTERS: dict[int, Any] = {}


def _converter(f: FieldPlan) -> Any:
    # Keyed by identity: plans live for the whole process, and hashing a frozen dataclass
    # would hash all its fields on every call.
    conv = _FIELD_CONVERTERS.get(id(f))
    if conv is None:
        assert f.lex is not None
        conv = _CONVERTERS.get(f.lex.name)
        if conv is None:
            conv = _CONVERTERS[f.lex.name] = _fast_converter(f.lex)
        _FIELD_CONVERTERS[id(f)] = conv
    return conv


def _convert(child: etree._Element, f: FieldPlan, path: str, ctx: _Ctx) -> Any:
    lex = f.lex
    assert lex is not None
    conv = _CONVERTERS.get(lex.name)
    if conv is None:
        conv = _CONVERTERS[lex.name] = _fast_converter(lex)
    ctx.texts += 1
    if ctx.strict and (len(child) or child.attrib):
        return _scalar(child, lex, f, f"{path}/{f.element}", ctx)
    value = conv(child.text or "")
    if value is _FAIL:
        return _scalar(child, lex, f, f"{path}/{f.element}", ctx)
    return value


def _convert_indexed(
    child: etree._Element, f: FieldPlan, path: str, i: int, n: int, ctx: _Ctx
) -> Any:
    # Repeated scalars: the located path carries the sibling index, as libxml2 writes it.
    lex = f.lex
    assert lex is not None
    conv = _CONVERTERS.get(lex.name)
    if conv is None:
        conv = _CONVERTERS[lex.name] = _fast_converter(lex)
    ctx.texts += 1
    value = _FAIL if ctx.strict and (len(child) or child.attrib) else conv(child.text or "")
    if value is _FAIL:
        return _scalar(child, lex, f, _index(path, f.element, i, n), ctx)
    return value


def _decode_attributes(
    elem: etree._Element, plan: ModelPlan, path: str, ctx: _Ctx, values: dict[str, Any]
) -> None:
    line = elem.sourceline
    ctx.attributes += len(elem.attrib)
    allowed_attr = {f.element: f for f in plan.attributes}
    for name, value in elem.attrib.items():
        if name == "Id" and (plan.fixed_id is not None or plan.id_field is not None):
            continue
        f = allowed_attr.get(str(name))
        if f is None:
            ctx.add(
                "STRUCTURE",
                f"{path}/@{name!s}",
                line,
                f"Thuộc tính '{name!s}' không được phép ở đây.",
                f"attribute '{name!s}' is not allowed here.",
            )
            continue
        assert f.lex is not None
        values[f.name] = _lex_value(str(value), f.lex, f, f"{path}/@{name!s}", line, ctx)
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


def _unexpected(child: etree._Element, plan: ModelPlan, path: str, ctx: _Ctx) -> None:
    tag = child.tag
    if not isinstance(tag, str):
        kind = "chú thích (comment)" if isinstance(child, etree._Comment) else "chỉ thị (PI)"
        ctx.add(
            "XML-COMMENT",
            path,
            child.sourceline,
            f"Không được có {kind} trong học bạ.",
            "comments and processing instructions are not allowed in a record.",
        )
        return
    name = "Signature" if tag == _DSIG_SIGNATURE else tag
    # A Signature without the XML-DSig namespace is not a signature: "unknown".
    known = tag in plan.index
    ctx.add(
        "STRUCTURE",
        f"{path}/{name}",
        child.sourceline,
        f"Phần tử {name} "
        + ("sai vị trí hoặc lặp lại." if known else "không có trong chuẩn học bạ số."),
        f"element {name} is "
        + ("misplaced or repeated." if known else "not part of the standard."),
    )


_Layout = tuple[tuple[FieldPlan, ...], tuple[Any, ...], Callable[..., Any]]
_LAYOUTS: dict[tuple[type[_Model], tuple[object, ...]], _Layout | None] = {}
_MAX_LAYOUTS = 4096  # adversarial inputs must not grow the cache without bound


def _layout(plan: ModelPlan, tags: tuple[object, ...]) -> _Layout | None:
    """Field (and value converter) per child position when ``tags`` is a complete, canonical
    sequence of children, else None."""
    key = (plan.cls, tags)
    try:
        return _LAYOUTS[key]
    except KeyError:
        pass
    if len(_LAYOUTS) >= _MAX_LAYOUTS:
        return None  # no compiling of new layouts beyond the bound: the strict walk decodes it
    fields = plan.children
    index = plan.index
    out: list[FieldPlan] = []
    pos = 0
    seen: set[str] = set()
    result: _Layout | None = None
    for tag in tags:
        j = index.get(tag) if isinstance(tag, str) else None
        if j is None or j < pos:
            break
        if any(f.required for f in fields[pos:j] if f.name not in seen):
            break
        f = fields[j]
        pos = j if f.kind == "repeat" else j + 1
        seen.add(f.name)
        out.append(f)
    else:
        if all(f.name in seen for f in fields if f.required):
            result = (
                tuple(out),
                tuple(_converter(f) if f.kind == "scalar" else None for f in out),
                _compile_layout(tuple(out)),
            )
    _LAYOUTS[key] = result
    return result


def _decode_model(elem: etree._Element, plan: ModelPlan, path: str, ctx: _Ctx) -> Any:
    """Decode one element: a model instance (``ctx.build``) or its field dict, None if broken."""
    before = len(ctx.problems)
    values = _decode_values(elem, plan, path, ctx)
    if not ctx.build:
        return values
    if len(ctx.problems) != before:
        return None  # incomplete: the problems are reported, nothing to build
    return _build(elem, plan, values, path, ctx)


_AFTER: dict[type[_Model], list[Any]] = {}


def _after_validators(cls: type[_Model]) -> list[Any]:
    found = _AFTER.get(cls)
    if found is None:
        decorators = cls.__pydantic_decorators__.model_validators.values()
        found = _AFTER[cls] = [d.func for d in decorators if d.info.mode == "after"]
    return found


# Per model: its field names in order, and (name, default or _REQUIRED) for each field.
_DEFAULTS: dict[type[_Model], tuple[tuple[str, ...], tuple[tuple[str, Any], ...]]] = {}
_setattr = object.__setattr__
_REQUIRED = object()


def _build_source(ns: dict[str, Any], dict_expr: str, fields_set_expr: str) -> list[str]:
    """Generated-code lines that build model ``C`` as :func:`_construct` does, into ``o``.

    For the generated decoders (_onepass, _scan): ``dict_expr`` is the model's ``__dict__`` in
    field order, ``fields_set_expr`` its fields set.
    """
    ns["new"] = object.__new__
    ns["set_attr"] = _setattr
    return [
        "    o = new(C)",
        f"    set_attr(o, '__dict__', {dict_expr})",
        f"    set_attr(o, '__pydantic_fields_set__', {fields_set_expr})",
        "    set_attr(o, '__pydantic_extra__', None)",
        "    set_attr(o, '__pydantic_private__', None)",
    ]


def _construct(cls: type[_Model], values: dict[str, Any]) -> Any:
    """What ``model_construct`` does, without its per-field Python loop (all defaults here are
    immutable: None, () or a constant). The ``__dict__`` is in field order, as pydantic and
    the other decoders make it (``repr`` and JSON output follow it)."""
    found = _DEFAULTS.get(cls)
    if found is None:
        # Read once: ``cls.model_fields`` is a descriptor that costs a microsecond a call.
        fields = cls.model_fields
        found = _DEFAULTS[cls] = (
            tuple(fields),
            tuple(
                (
                    name,
                    _REQUIRED
                    if info.is_required()
                    else info.get_default(call_default_factory=True),
                )
                for name, info in fields.items()
            ),
        )
    names, order = found
    instance = cls.__new__(cls)
    fields_set = set(values)
    if tuple(values) == names:
        data = values  # a fresh dict the decoder owns, already complete and in order
    else:
        data = {}
        for name, default in order:
            if name in values:
                data[name] = values[name]
            elif default is not _REQUIRED:
                data[name] = default
    _setattr(instance, "__dict__", data)
    _setattr(instance, "__pydantic_fields_set__", fields_set)
    _setattr(instance, "__pydantic_extra__", None)
    _setattr(instance, "__pydantic_private__", None)
    return instance


def _build(
    elem: etree._Element, plan: ModelPlan, values: dict[str, Any], path: str, ctx: _Ctx
) -> Any:
    # Every field-level constraint of the models is a lexical constraint the converters have
    # already checked (tests/hypothesis/test_codec_props.py compares this with full pydantic
    # validation); the cross-field checks are the models' own "after" validators, run here.
    for name in plan.sequences:
        if name in values:
            values[name] = tuple(values[name])
    instance = _construct(plan.cls, values)
    for check in _after_validators(plan.cls):
        try:
            check(instance)
        except ValueError as exc:
            vi, en = _split(str(exc))
            ctx.add(
                "MODEL-CONSISTENCY", path, elem.sourceline, f"{path.rsplit('/', 1)[-1]}: {vi}", en
            )
            return None
    return instance


def _compile_layout(fields: tuple[FieldPlan, ...]) -> Callable[..., Any]:
    """Generate the decoder of one layout: every value converted in one straight line.

    It returns None, having changed nothing, when any value fails its lexical check; the
    caller then takes the general path, which reports the problem with its location.
    """
    ns: dict[str, Any] = {
        "FAIL": _FAIL,
        "decode_model": _decode_model,
        "decode_items": _decode_items,
        "raw_signature": _raw_signature,
    }
    n = len(fields)
    lines = ["def decode(children, path, ctx):"]
    if n:  # an element with no children (every field optional) has nothing to unpack
        lines.append(f"    {', '.join(f'c{i}' for i in range(n))}, = children")
    checks: list[str] = []
    entries: list[str] = []
    repeats: dict[str, list[int]] = {}
    texts = 0
    for i, f in enumerate(fields):
        if f.kind == "scalar":
            ns[f"k{i}"] = _converter(f)
            lines.append(f"    v{i} = k{i}(c{i}.text or '')")
            checks.append(f"v{i}")
            entries.append(f"{f.name!r}: v{i}")
            texts += 1
        elif f.kind == "repeat":
            repeats.setdefault(f.name, []).append(i)
            ns[f"k_{f.name}"] = _converter(f)
            texts += 1
    for name, idxs in repeats.items():
        items = ", ".join(f"c{i}" for i in idxs)
        lines.append(f"    l_{name} = [k_{name}(c.text or '') for c in ({items},)]")
        # Identity tests only: `FAIL in values` would call Decimal.__eq__ on every value.
        lines.append(f"    for x in l_{name}:")
        lines.append("        if x is FAIL: return None")
        entries.append(f"{name!r}: l_{name}")
    if checks:
        lines.append(f"    if {' or '.join(f'{v} is FAIL' for v in checks)}: return None")
    lines.append(f"    ctx.texts += {texts}")
    for i, f in enumerate(fields):
        sub = repr(f"/{f.element}")
        if f.kind == "model":
            ns[f"p{i}"] = plan_for(f.model) if f.model else None
            entries.append(f"{f.name!r}: decode_model(c{i}, p{i}, path + {sub}, ctx)")
        elif f.kind == "items":
            ns[f"f{i}"] = f
            entries.append(f"{f.name!r}: decode_items(c{i}, f{i}, path + {sub}, ctx)")
        elif f.kind == "raw":
            entries.append(f"{f.name!r}: raw_signature(c{i}, path + '/Signature', ctx)")
    lines.append("    return {" + ", ".join(entries) + "}")
    exec("\n".join(lines), ns)  # source built from the models' own metadata only
    fn: Callable[..., Any] = ns["decode"]
    return fn


def _decode_values(elem: etree._Element, plan: ModelPlan, path: str, ctx: _Ctx) -> dict[str, Any]:
    if ctx.strict:
        return _decode_model_strict(elem, plan, path, ctx)
    children = list(elem)
    layout = _layout(plan, tuple([c.tag for c in children]))
    if layout is None:
        return _decode_model_strict(elem, plan, path, ctx)
    # Fast path: the children are exactly a canonical sequence. Stray text, comments, nested
    # elements inside values and attributes are caught by the whole-document counts.
    values: dict[str, Any] = {}
    if plan.attributes or plan.fixed_id is not None or plan.id_field is not None:
        # Unexpected attributes elsewhere show up in the whole-document census.
        _decode_attributes(elem, plan, path, ctx, values)
    ctx.elements += len(children)
    fields, converters, compiled = layout
    fast = compiled(children, path, ctx)
    if fast is not None:
        if values:  # attribute fields
            fast.update(values)
        if plan.id_field is not None:
            _check_subject_id(elem, plan, fast, path, ctx)
        return fast  # type: ignore[no-any-return]
    repeats: dict[str, list[etree._Element]] | None = None
    texts = 0
    for f, conv, child in zip(fields, converters, children, strict=True):
        kind = f.kind
        if kind == "scalar":
            # Inlined _convert: this line runs for most elements of every record.
            texts += 1
            value = conv(child.text or "")
            if value is _FAIL:
                assert f.lex is not None
                value = _scalar(child, f.lex, f, f"{path}/{f.element}", ctx)
            values[f.name] = value
        elif kind == "model":
            assert f.model is not None
            values[f.name] = _decode_model(child, plan_for(f.model), f"{path}/{f.element}", ctx)
        elif kind == "items":
            values[f.name] = _decode_items(child, f, f"{path}/{f.element}", ctx)
        elif kind == "repeat":
            if repeats is None:
                repeats = {}
            repeats.setdefault(f.name, []).append(child)
        else:
            values[f.name] = _raw_signature(child, f"{path}/Signature", ctx)
    ctx.texts += texts
    if repeats:
        for name, items in repeats.items():
            f = plan.by_name[name]
            n = len(items)
            values[name] = [_convert_indexed(c, f, path, i, n, ctx) for i, c in enumerate(items, 1)]
    if plan.id_field is not None:
        _check_subject_id(elem, plan, values, path, ctx)
    return values


def _check_subject_id(
    elem: etree._Element, plan: ModelPlan, values: dict[str, Any], path: str, ctx: _Ctx
) -> None:
    code = values.get(plan.id_field or "")
    if isinstance(code, str) and elem.get("Id") != f"mon-{code}":
        # The Id is what a subject teacher's signature points at: it must follow the code.
        ctx.add(
            "STRUCTURE",
            path,
            elem.sourceline,
            f'Thuộc tính Id phải là "mon-{code}" (theo mã môn học).',
            f'the Id attribute must be "mon-{code}" (derived from MA_MON_HOC).',
        )


def _decode_model_strict(
    elem: etree._Element, plan: ModelPlan, path: str, ctx: _Ctx
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if plan.attributes or plan.fixed_id is not None or elem.attrib:
        _decode_attributes(elem, plan, path, ctx, values)
    text = elem.text
    if text is not None and not text.isspace():
        ctx.add(
            "STRUCTURE",
            path,
            elem.sourceline,
            "Không được có văn bản trực tiếp trong phần tử này.",
            "text is not allowed directly inside this element.",
        )
    fields = plan.children
    index = plan.index
    pos = 0
    reported: set[str] = set()
    repeats: dict[str, list[etree._Element]] | None = None
    for child in elem:
        ctx.elements += 1
        tail = child.tail
        if tail is not None and not tail.isspace():
            ctx.add(
                "STRUCTURE",
                path,
                child.sourceline,
                "Không được có văn bản giữa các phần tử.",
                "text is not allowed between elements.",
            )
        j = index.get(child.tag)  # type: ignore[arg-type]
        if j is None or j < pos:
            _unexpected(child, plan, path, ctx)
            continue
        if j > pos:
            skipped = [s for s in fields[pos:j] if s.required and s.name not in values]
            if skipped:
                # Like XSD validators: the element that came too early is where it is reported.
                names = ", ".join(s.element for s in skipped)
                ctx.add(
                    "STRUCTURE",
                    f"{path}/{fields[j].element}",
                    child.sourceline,
                    f"Thiếu phần tử bắt buộc {names} trước {fields[j].element}.",
                    f"required element(s) {names} missing before {fields[j].element}.",
                )
                reported.update(s.name for s in skipped)
        f = fields[j]
        kind = f.kind
        if kind == "scalar":
            pos = j + 1
            values[f.name] = _convert(child, f, path, ctx)
        elif kind == "model":
            pos = j + 1
            assert f.model is not None
            values[f.name] = _decode_model(child, plan_for(f.model), f"{path}/{f.element}", ctx)
        elif kind == "items":
            pos = j + 1
            values[f.name] = _decode_items(child, f, f"{path}/{f.element}", ctx)
        elif kind == "repeat":
            pos = j
            if repeats is None:
                repeats = {}
            repeats.setdefault(f.name, []).append(child)
            values[f.name] = None  # placeholder: parsed below, once the count is known
        else:  # raw ds:Signature
            pos = j + 1
            values[f.name] = _raw_signature(child, f"{path}/Signature", ctx)
    if repeats:
        # The XPath index of a repeated element depends on how many siblings share its name.
        for f in fields:
            items = repeats.get(f.name)
            if items:
                n = len(items)
                values[f.name] = [
                    _convert_indexed(c, f, path, i, n, ctx) for i, c in enumerate(items, 1)
                ]
    if plan.id_field is not None:
        _check_subject_id(elem, plan, values, path, ctx)
    # Every required field is looked for by name: counting values would let a present optional
    # value hide a missing required one (found by review: a record without its last required
    # element was accepted).
    for f in fields:
        if f.required and f.name not in values and f.name not in reported:
            # Reported on the parent element, as XSD validators do.
            ctx.add(
                "STRUCTURE",
                path,
                elem.sourceline,
                f"Thiếu phần tử bắt buộc {f.element} ({f.vi}).",
                f"required element {f.element} ({f.en}) is missing.",
            )
    return values


def _decode_items(elem: etree._Element, f: FieldPlan, path: str, ctx: _Ctx) -> Any:
    assert f.model is not None and f.item is not None
    item_plan = plan_for(f.model)
    if not ctx.strict:
        # Fast path: every child is an item (stray text, comments and attributes are left to
        # the whole-document census, as for models).
        children = list(elem)
        item = f.item
        n = len(children)
        if n and all(c.tag == item for c in children):
            ctx.elements += n
            if n == 1:
                return (_decode_model(children[0], item_plan, f"{path}/{item}", ctx),)
            return tuple(
                [
                    _decode_model(c, item_plan, f"{path}/{item}[{i}]", ctx)
                    for i, c in enumerate(children, 1)
                ]
            )
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
    ctx.elements += len(children)
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
    # Everything inside a signature is the verifier's business: count it as consumed.
    ctx.elements += int(elem.xpath("count(.//*)"))
    ctx.attributes += int(elem.xpath("count(.//@*|@*)"))
    ctx.texts += int(elem.xpath("count(.//text()[normalize-space()])"))
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


_LEVEL_POSITION = 11  # MA_CAP_HOC is the 12th child of THONG_TIN_CHUNG (official order)


def _version_and_level(root: etree._Element) -> tuple[str | None, str | None]:
    # Canonical records have both at fixed places: look there first (no path search).
    if len(root):
        data = root[0]
        if data.tag == "DU_LIEU_HOC_BA" and len(data):
            info = data[0]
            if info.tag == "THONG_TIN_CHUNG" and len(info) > _LEVEL_POSITION:
                first, level = info[0], info[_LEVEL_POSITION]
                if first.tag == "PHIEN_BAN" and level.tag == "MA_CAP_HOC":
                    return first.text, level.text
    return (
        root.findtext("DU_LIEU_HOC_BA/THONG_TIN_CHUNG/PHIEN_BAN"),
        root.findtext("DU_LIEU_HOC_BA/THONG_TIN_CHUNG/MA_CAP_HOC"),
    )


def detect_profile(root: etree._Element) -> str:
    """The profile of a parsed record (from ``MA_CAP_HOC``), or raise :class:`ProfileError`."""
    if root.tag != ROOT:
        raise ProfileError(
            f"root element is {root.tag!r}, expected {ROOT!r}",
            message_vi=f"Phần tử gốc là '{root.tag!s}', phải là '{ROOT}' (một học bạ).",
            location=f"/{root.tag!s}",
            line=root.sourceline,
        )
    version, level = _version_and_level(root)
    if version is not None and version != "1.0":
        raise ProfileError(
            f"format version {version!r} is not supported (supported: 1.0)",
            message_vi=f"Phiên bản định dạng '{version}' chưa được hỗ trợ (hỗ trợ: 1.0).",
            location="/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/PHIEN_BAN",
        )
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


_CENSUS = etree.XPath("concat(count(//node()), ' ', count(//@*))")


def _census(root: etree._Element) -> tuple[int, int]:
    """Nodes (elements, text, comments, PIs) and attributes of the whole document.

    A canonical record has exactly: its elements, one text node per value, the nodes inside
    its signatures, and the attributes the walk consumed. Anything else (whitespace between
    elements, text in the wrong place, comments, nested elements or attributes on values)
    makes the counts differ and sends the document down the strict, fully-checking walk.
    """
    nodes, attributes = str(_CENSUS(root)).split()
    return int(nodes), int(attributes)


def decode_tree(
    tree: etree._ElementTree,
    *,
    profile: str | None = None,
    source: str | None = None,
    full_validation: bool = False,
    xsd_valid_without_comments: bool = False,
) -> Record:
    """Build a record from an already parsed (hardened) tree, or raise DocumentInvalidError.

    The default builds the models during the walk from values whose lexical form has been
    checked, then runs the models' cross-field validators. ``full_validation=True`` hands a
    dict to pydantic instead (slower; the tests check both give the same answers).
    ``xsd_valid_without_comments=True`` is for callers that have just validated this tree
    against the profile's XSD and know it has no comments or PIs.
    """
    root = tree.getroot()
    profile = profile or detect_profile(root)
    root_cls = ROOTS[profile]
    build = not full_validation
    if build:
        fast = decode_one_pass(root, root_cls)
        if fast is not None and (
            xsd_valid_without_comments or (fast[1][0], fast[1][1]) == _census(root)
        ):
            record: Record = fast[0]
            return record
    ctx = _Ctx([], build=build)
    result = _decode_model(root, plan_for(root_cls), f"/{ROOT}", ctx)
    # After a passed XSD validation of a document without comments or PIs, the census can only
    # agree: the schema already refused text, elements and attributes where values stand.
    if not xsd_valid_without_comments and (
        ctx.elements + ctx.texts + 1,
        ctx.attributes,
    ) != _census(root):
        # Something sits where only a value may: walk again, checking every element.
        ctx = _Ctx([], strict=True, build=build)
        result = _decode_model(root, plan_for(root_cls), f"/{ROOT}", ctx)
    if ctx.problems:
        report = Report(tuple(ctx.problems), source)
        raise DocumentInvalidError(
            f"the record has {len(report.errors)} problem(s)",
            message_vi=f"Học bạ có {len(report.errors)} lỗi.",
            report=report,
        )
    if build:
        assert isinstance(result, PrimaryRecord | SecondaryRecord)
        return result
    try:
        if root_cls is PrimaryRecord:
            return PrimaryRecord.model_validate(result, context=_CHECKED)
        return SecondaryRecord.model_validate(result, context=_CHECKED)
    except ValidationError as exc:
        report = Report(tuple(validation_problems(exc, root_cls, result, tree)), source)
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
    if type(data) is bytes and data.startswith(b"<HOC_BA>"):
        # Canonical bytes (what every encoder writes) are read without building a tree;
        # anything else, including every invalid record, takes the parser and the decoder
        # that report problems (see _scan).
        record: Record | None = decode_canonical(data, max_bytes=max_bytes)
        if record is not None:
            return record
    return decode_tree(parse_bytes(data, max_bytes=max_bytes), source=source)


# The one-pass and canonical-bytes decoders are generated from this module's converters and
# checks: imported last.
from hocbaso._xml._onepass import decode_one_pass  # noqa: E402
from hocbaso._xml._scan import decode_canonical  # noqa: E402
