"""Decoding a well-formed canonical record in one pass of generated code (internal).

The general decoder (:mod:`hocbaso._xml._codec`) walks a record through small functions that
carry an XPath for every message they might write. Most records have nothing to report: every
element is where the profile puts it and every value is valid. For them this module generates,
per model and per sequence of child tags, one function that converts the values, decodes the
children, builds the model and runs its cross-field checks, with no paths and no messages.
At the first thing it does not expect it gives up (:class:`_FallbackError`) and the general decoder
decodes the record from the start, reporting every problem with its location.

Both decoders must return the same record for the same input: the tests decode valid and
mutated documents both ways (tests/hypothesis/test_codec_props.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from hocbaso._xml._codec import (
    _FAIL,
    _after_validators,
    _build_source,
    _converter,
    _Ctx,
    _decode_attributes,
    _layout,
    _raw_signature,
)
from hocbaso._xml._plan import FieldPlan, ModelPlan, plan_for
from hocbaso.models import _Model

__all__ = ["decode_one_pass"]

Counts = list[int]  # [nodes (elements + value texts), attributes] consumed, for the census
_Decoder = Callable[[etree._Element, Counts], Any]


class _FallbackError(Exception):
    """Something the one-pass decoder does not handle: use the general decoder."""


_DISPATCH: dict[type[_Model], _Decoder] = {}
_MAX_LAYOUTS = 1024  # per model; adversarial inputs must not grow the caches without bound


def decode_one_pass(root: etree._Element, root_cls: type[_Model]) -> tuple[Any, Counts] | None:
    """The record and the node/attribute counts it consumed, or None (use the general decoder).

    The caller still compares the counts with the document's census, exactly as it does for
    the general decoder's fast walk.
    """
    counts: Counts = [1, 0]  # the root element itself
    try:
        record = _dispatcher(root_cls)(root, counts)
    except _FallbackError:
        return None
    return record, counts


def _dispatcher(cls: type[_Model]) -> _Decoder:
    """The decoder of one model: picks (and compiles once) the function for its child tags."""
    found = _DISPATCH.get(cls)
    if found is not None:
        return found
    plan = plan_for(cls)
    layouts: dict[tuple[object, ...], Callable[..., Any] | None] = {}

    def dispatch(element: etree._Element, counts: Counts) -> Any:
        children = element[:]
        tags = tuple([c.tag for c in children])
        try:
            fn = layouts[tags]
        except KeyError:
            if len(layouts) >= _MAX_LAYOUTS:
                # Compiling costs ~1 ms: beyond the bound, unknown shapes (which crafted input
                # can make by the thousand) go to the general decoder instead.
                raise _FallbackError from None
            fn = layouts[tags] = _compile(plan, tags)
        if fn is None:
            raise _FallbackError
        return fn(element, children, counts)

    _DISPATCH[cls] = dispatch
    return dispatch


def _attributes(plan: ModelPlan) -> Callable[[etree._Element, Counts], dict[str, Any]]:
    """The general decoder's attribute handling, without its messages."""

    def read(element: etree._Element, counts: Counts) -> dict[str, Any]:
        ctx = _Ctx([])
        values: dict[str, Any] = {}
        _decode_attributes(element, plan, "", ctx, values)
        if ctx.problems:
            raise _FallbackError
        counts[1] += ctx.attributes
        return values

    return read


def _raw(element: etree._Element, counts: Counts) -> bytes:
    ctx = _Ctx([])
    raw = _raw_signature(element, "", ctx)
    if raw is None or ctx.problems:
        raise _FallbackError
    counts[0] += ctx.elements + ctx.texts
    counts[1] += ctx.attributes
    return raw


def _decoded(fields: tuple[FieldPlan, ...]) -> list[FieldPlan]:
    """The distinct fields of a layout in the order their entries are generated."""
    scalars = [f for f in fields if f.kind == "scalar"]
    repeats = list({f.name: f for f in fields if f.kind == "repeat"}.values())
    others = [f for f in fields if f.kind in ("model", "items", "raw")]
    return scalars + repeats + others


def _compile(plan: ModelPlan, tags: tuple[object, ...]) -> Callable[..., Any] | None:
    """Generate the one-pass function for ``plan``'s element with children ``tags``."""
    layout = _layout(plan, tags)
    if layout is None:
        return None
    fields: tuple[FieldPlan, ...] = layout[0]
    ns: dict[str, Any] = {
        "FAIL": _FAIL,
        "Fallback": _FallbackError,
        "raw": _raw,
        "C": plan.cls,
    }
    lines = ["def decode(e, ch, n):"]
    if fields:
        lines.append(f"    {', '.join(f'c{i}' for i in range(len(fields)))}, = ch")
    checks: list[str] = []
    entries: list[str] = []
    repeats: dict[str, list[int]] = {}
    nodes = len(fields)
    for i, f in enumerate(fields):
        if f.kind == "scalar":
            ns[f"k{i}"] = _converter(f)
            lines.append(f"    v{i} = k{i}(c{i}.text or '')")
            checks.append(f"v{i} is FAIL")
            entries.append(f"{f.name!r}: v{i}")
            nodes += 1
        elif f.kind == "repeat":
            repeats.setdefault(f.name, []).append(i)
            ns[f"k_{f.name}"] = _converter(f)
            nodes += 1
    if checks:
        lines.append(f"    if {' or '.join(checks)}: raise Fallback")
    for name, idxs in repeats.items():
        items = ", ".join(f"c{i}" for i in idxs)
        lines.append(f"    l_{name} = tuple([k_{name}(c.text or '') for c in ({items},)])")
        lines.append(f"    for x in l_{name}:")
        lines.append("        if x is FAIL: raise Fallback")
        entries.append(f"{name!r}: l_{name}")
    for i, f in enumerate(fields):
        if f.kind == "model":
            assert f.model is not None
            ns[f"d{i}"] = _dispatcher(f.model)
            entries.append(f"{f.name!r}: d{i}(c{i}, n)")
        elif f.kind == "items":
            assert f.model is not None and f.item is not None
            ns[f"d{i}"] = _dispatcher(f.model)
            ns[f"t{i}"] = f.item
            lines += [
                f"    g{i} = c{i}[:]",
                f"    if not g{i}: raise Fallback",  # an empty list is reported
                f"    for x in g{i}:",
                f"        if x.tag != t{i}: raise Fallback",
                f"    n[0] += len(g{i})",
            ]
            entries.append(f"{f.name!r}: tuple([d{i}(x, n) for x in g{i}])")
        elif f.kind == "raw":
            entries.append(f"{f.name!r}: raw(c{i}, n)")
    lines.append(f"    n[0] += {nodes}")
    # The model's __dict__ in field order: decoded values, defaults for the absent fields
    # (all immutable: None, () or a constant), as _construct would make it.
    present = {f.name: entry for f, entry in zip(_decoded(fields), entries, strict=True)}
    in_order: list[str] = []
    for name, info in plan.cls.model_fields.items():
        if name in present:
            in_order.append(present[name])
        elif not info.is_required():
            ns[f"default_{name}"] = info.get_default(call_default_factory=True)
            in_order.append(f"{name!r}: default_{name}")
    lines.append("    d = {" + ", ".join(in_order) + "}")
    ns["present"] = frozenset(present)
    lines.append("    fields_set = set(present)")
    attribute_fields = {f.name for f in plan.attributes}
    if plan.attributes:
        # Attribute values (rare): the general decoder's handling, then into the dict.
        ns["attributes"] = _attributes(plan)
        lines.append("    a = attributes(e, n)")
        lines.append("    d.update(a)")
        lines.append("    fields_set.update(a)")
    elif plan.fixed_id is not None or plan.id_field is not None:
        # Only the Id attribute, which the profile fixes: check it here.
        lines.append("    a = e.attrib")
        lines.append("    if len(a) != 1: raise Fallback")
        if plan.fixed_id is not None:
            ns["fixed_id"] = plan.fixed_id
            lines.append("    if a.get('Id') != fixed_id: raise Fallback")
        lines.append("    n[1] += 1")
    if plan.id_field is not None:
        lines.append(f"    code = d.get({plan.id_field!r})")
        lines.append("    if isinstance(code, str) and e.get('Id') != 'mon-' + code:")
        lines.append("        raise Fallback")
    assert not (attribute_fields & set(present))
    lines += _build_source(ns, "d", "fields_set")
    checks_after = _after_validators(plan.cls)
    if checks_after:
        for j, check in enumerate(checks_after):
            ns[f"a{j}"] = check
        lines.append("    try:")
        lines += [f"        a{j}(o)" for j in range(len(checks_after))]
        lines.append("    except ValueError:")
        lines.append("        raise Fallback from None")
    lines.append("    return o")
    exec("\n".join(lines), ns)  # source built from the models' own metadata only
    fn: Callable[..., Any] = ns["decode"]
    return fn
