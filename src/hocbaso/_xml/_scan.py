"""Decoding canonical record bytes without building a tree (internal).

Nearly every record that reaches a decoder was written by a canonical encoder: no XML
declaration, no whitespace between elements, no comments, no entity references, the official
element order, ``Id`` attributes only where the profile fixes them. For those bytes the tree that
lxml builds is pure overhead: this module reads them directly, with one anchored regular
expression per run of values (generated from each model's plan, in official order) and one
function per model that converts the values and builds the model, as the one-pass decoder does.

It accepts a strict subset of XML and nothing else: any byte outside that subset (a
declaration, a comment, a character reference, an attribute it does not expect, a tag out of
order, text that needs normalising, a signature) and it gives up (:class:`_FallbackError`); the
caller then parses the bytes with the hardened parser and the general decoder, which reports
every problem with its location. So this module never has to explain a problem, only to be
sure, for what it accepts, that

* the bytes are well-formed XML 1.0 (every tag is a literal the grammar writes, in matching
  pairs; every text is a run of characters that XML allows and that needs no unescaping), and
* the record is exactly what the general decoder would return for them.

The second is tested by decoding valid records and byte-, tag- and value-level edits of them
both ways (tests/hypothesis/test_scan_props.py, tests/test_scan_review.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from unicodedata import is_normalized

from hocbaso._xml._codec import (
    _BAD_CHARS,
    _FAIL,
    _after_validators,
    _build_source,
    _converter,
)
from hocbaso._xml._parse import DEFAULT_MAX_BYTES
from hocbaso._xml._plan import ROOTS, FieldPlan, ModelPlan, plan_for
from hocbaso.codes import SchoolLevel
from hocbaso.models import (
    PROFILE_PRIMARY,
    PROFILE_SECONDARY,
    PrimaryRecord,
    Record,
    SecondaryRecord,
    _Model,
)

__all__ = ["decode_canonical"]

_Decoder = Callable[[str, int], tuple[Any, int]]
_ID = "id_"  # the group of a start tag's Id value


class _FallbackError(Exception):
    """Something outside the canonical subset: parse the bytes and use the general decoder."""


# A value's text: characters XML allows and the models accept (no control or legacy-encoding
# character), none that the parser would change or that would need escaping ("<", "&", ">";
# CR, which XML turns into LF). Excluding "<" also keeps every pattern below linear: a text
# run ends exactly at the next tag.
_TEXT = f"[^<>&\r{_BAD_CHARS}]*"
_ATTRIBUTE = '[^<>&"\t\n\r' + _BAD_CHARS + "]*"

_START = re.compile(
    r'<HOC_BA><DU_LIEU_HOC_BA Id="data"><THONG_TIN_CHUNG Id="thongtinhocba">'
    r"<PHIEN_BAN>1\.0</PHIEN_BAN>"
)
_LEVEL_TAG = "<MA_CAP_HOC>"
_PROFILES = {
    SchoolLevel.PRIMARY.value: PROFILE_PRIMARY,
    SchoolLevel.LOWER_SECONDARY.value: PROFILE_SECONDARY,
    SchoolLevel.UPPER_SECONDARY.value: PROFILE_SECONDARY,
}
_END = re.compile(r"[ \t\r\n]*")
# libxml2 (without huge_tree, as the hardened parser runs it) refuses a text node longer than
# 10,000,000 bytes; below this size no text node can be that long.
_LIBXML2_TEXT_LIMIT = 10_000_000


def decode_canonical(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Record | None:
    """The record ``data`` encodes, or None when ``data`` is not in the canonical subset.

    None says nothing about validity: the caller must then parse and decode ``data`` in full.
    """
    if len(data) > min(max_bytes, _LIBXML2_TEXT_LIMIT):
        return None  # the parser refuses it (size limit, or a text node libxml2 finds too long)
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not (s.isascii() or is_normalized("NFC", s)):
        return None  # decomposed text is normalised, with a warning, by the general decoder
    if _START.match(s) is None:
        return None
    # The profile, as detect_profile reads it: MA_CAP_HOC of THONG_TIN_CHUNG, which is the
    # first MA_CAP_HOC tag of the document (no text here contains "<"); checked again below
    # against the decoded record.
    at = s.find(_LEVEL_TAG)
    if at < 0:
        return None
    level = s[at + len(_LEVEL_TAG) : at + len(_LEVEL_TAG) + 2]
    profile = _PROFILES.get(level)
    if profile is None or not s.startswith("</MA_CAP_HOC>", at + len(_LEVEL_TAG) + 2):
        return None
    try:
        record, end = _decoder(ROOTS[profile], "HOC_BA")(s, 0)
    except _FallbackError:
        return None
    if _END.fullmatch(s, end) is None or record.data.general.level.value != level:
        return None
    assert isinstance(record, PrimaryRecord | SecondaryRecord)
    return record


_DECODERS: dict[tuple[type[_Model], str], _Decoder] = {}


def _decoder(cls: type[_Model], element: str) -> _Decoder:
    """The (compiled once) decoder of model ``cls`` written as element ``element``.

    The cache is bounded by the models' own plans (one entry per model and element name),
    whatever the input.
    """
    key = (cls, element)
    found = _DECODERS.get(key)
    if found is None:
        found = _DECODERS[key] = _compile(plan_for(cls), element)
    return found


def _open_tag(plan: ModelPlan, element: str) -> tuple[str, str]:
    """The regex of the element's start tag and the literal prefix that announces it."""
    tag = re.escape(element)
    if plan.fixed_id is not None:
        literal = f'<{element} Id="{plan.fixed_id}">'
        return re.escape(literal), literal
    if plan.id_field is not None:
        return f'<{tag} Id="({_ATTRIBUTE})">', f'<{element} Id="'
    return f"<{tag}>", f"<{element}>"


def _value_pattern(f: FieldPlan) -> tuple[str, bool]:
    """The regex of one value element, and whether its group's text is already checked.

    Checked means: the group matches exactly the texts the field's converter accepts (its
    lexical pattern or code list, restricted to the characters of ``_TEXT``), so for a text
    type the text is the value. Otherwise the group takes any ``_TEXT`` and the converter
    decides.
    """
    tag = re.escape(f.element)
    lex = f.lex
    assert lex is not None
    inner: str | None = None
    if lex.enumeration:
        if all(_TEXT_RX.fullmatch(v) for v in lex.enumeration):
            inner = "|".join(re.escape(v) for v in lex.enumeration)
    elif lex.pattern is not None:
        inner = _restrict(lex.pattern)
    elif lex.parse is str:
        inner = _TEXT
    if inner is None:
        return f"<{tag}>({_TEXT})</{tag}>", False
    return f"<{tag}>((?:{inner}))</{tag}>", True


_TEXT_RX = re.compile(_TEXT)
_EXCLUDED = re.compile(f"[<>&\r{_BAD_CHARS}]")
_SAFE_ESCAPE = re.compile(r"\\[-.+d\\/()\[\]{}*?|^]")  # literal escapes and \d
_TOKEN = re.compile(r"\\.|\[\^?(?:\\.|[^\]\\])*\]|\(\?.|[\s\S]")


def _unsafe(token: str) -> bool:
    """An atom outside a class that may match an excluded character, or anchors/escapes
    this module does not interpret."""
    if token in (".", "^", "$"):
        return True
    if token.startswith("\\"):
        return _SAFE_ESCAPE.fullmatch(token) is None
    return _EXCLUDED.fullmatch(token) is not None


def _restrict(pattern: str) -> str | None:
    """``pattern`` restricted to the characters of ``_TEXT``, or None if it cannot say.

    Replacing every character class by its intersection with the allowed characters gives a
    pattern for exactly the texts that match ``pattern`` *and* consist of allowed characters.
    Groups become non-capturing, so the caller's group numbers hold. Only the constructs the
    profiles' patterns use are understood; anything else returns None (the converter checks).
    """
    out: list[str] = []
    for token in _TOKEN.findall(pattern):
        if token == "(":
            out.append("(?:")
        elif token.startswith("(?"):
            if token != "(?:":
                return None  # lookarounds, flags, named groups
            out.append(token)
        elif token == r"[\s\S]":
            out.append(f"[^<>&\r{_BAD_CHARS}]")
        elif token.startswith("[^"):
            out.append(f"[^<>&\r{_BAD_CHARS}{token[2:-1]}]")
        elif token.startswith("["):
            # A positive class: kept if it names only allowed characters.
            body = _SAFE_ESCAPE.sub("", token[1:-1])
            if "\\" in body or _EXCLUDED.search(body):
                return None
            out.append(token)
        elif _unsafe(token):
            return None
        else:
            out.append(token)
    return "".join(out)


class _Source:
    """The generated lines and namespace of one model's decoder."""

    def __init__(self, plan: ModelPlan) -> None:
        self.plan = plan
        self.ns: dict[str, Any] = {"Fallback": _FallbackError, "FAIL": _FAIL, "C": plan.cls}
        self.lines = ["def decode(s, p):"]
        self.values: dict[str, str] = {}  # field name -> expression of its value
        self.pieces: list[str] = []  # regex pieces not yet emitted
        self.groups: list[str] = []  # the field each group of the pending regex holds
        self.checked: set[str] = set()  # fields whose group matches only acceptable texts
        self.matches = 0

    def emit(self, *lines: str) -> None:
        self.lines.extend(lines)

    def absent(self, name: str, indent: str) -> list[str]:
        """Lines for an absent field: its default, or give up if it is required."""
        info = self.plan.cls.model_fields[name]
        if info.is_required() or self.plan.by_name[name].required:
            return [f"{indent}raise Fallback"]
        self.ns[f"default_{name}"] = info.get_default(call_default_factory=True)
        return [f"{indent}v_{name} = default_{name}", f"{indent}fs.discard({name!r})"]

    def flush(self) -> None:
        """One anchored match for the pending pieces, then the conversion of its groups."""
        if not self.pieces:
            return
        self.matches += 1
        r = f"r{self.matches}"
        self.ns[r] = re.compile("".join(self.pieces)).match
        self.emit(f"    m = {r}(s, p)", "    if m is None: raise Fallback")
        if self.groups:
            self.emit(f"    {', '.join(f't_{g}' for g in self.groups)}, = m.groups()")
        self.emit("    p = m.end()")
        for g in self.groups:
            if g == _ID:
                continue
            f = self.plan.by_name[g]
            lex = f.lex
            assert lex is not None
            if g in self.checked and lex.parse is str:
                convert = [f"v_{g} = t_{g}"]  # the text is the value
            elif g in self.checked and lex.enumeration:
                self.ns[f"m_{g}"] = {v: lex.parse(v) for v in lex.enumeration}
                convert = [f"v_{g} = m_{g}[t_{g}]"]  # the group matched one of the codes
            else:
                self.ns[f"k_{g}"] = _converter(f)
                convert = [f"v_{g} = k_{g}(t_{g})", f"if v_{g} is FAIL: raise Fallback"]
            if f.required:
                self.emit(*[f"    {line}" for line in convert])
            else:
                self.emit(f"    if t_{g} is None:", *self.absent(g, "        "), "    else:")
                self.emit(*[f"        {line}" for line in convert])
            self.values[g] = f"v_{g}"
        self.pieces.clear()
        self.groups.clear()


def _compile(plan: ModelPlan, element: str) -> _Decoder:
    """Generate the decoder of ``plan``'s model written as ``element``."""
    src = _Source(plan)
    if plan.attributes:
        # Attributes other than Id (a GVBM slot's subject code): the general decoder's job.
        src.emit("    raise Fallback")
        return _finish(src)
    open_rx, _ = _open_tag(plan, element)
    src.pieces.append(open_rx)
    if plan.id_field is not None:
        src.groups.append(_ID)
    present = [f.name for f in plan.children if f.kind != "raw"]
    src.ns["ALL"] = frozenset(present)
    src.emit("    fs = set(ALL)")
    for f in plan.children:
        name = f.name
        if f.kind == "scalar":
            piece, checked = _value_pattern(f)
            if checked:
                src.checked.add(name)
            src.pieces.append(piece if f.required else f"(?:{piece})?")
            src.groups.append(name)
            continue
        src.flush()
        if f.kind == "repeat":
            src.ns[f"rr_{name}"] = re.compile(_value_pattern(f)[0]).match
            src.ns[f"k_{name}"] = _converter(f)
            src.emit(
                f"    l_{name} = []",
                "    while True:",
                f"        m = rr_{name}(s, p)",
                "        if m is None: break",
                f"        x = k_{name}(m.group(1))",
                "        if x is FAIL: raise Fallback",
                f"        l_{name}.append(x)",
                "        p = m.end()",
                f"    if l_{name}: v_{name} = tuple(l_{name})",
                "    else:",
                *src.absent(name, "        "),
            )
        elif f.kind == "model":
            assert f.model is not None
            src.ns[f"d_{name}"] = _decoder(f.model, f.element)
            if f.required:
                src.emit(f"    v_{name}, p = d_{name}(s, p)")
            else:
                src.ns[f"a_{name}"] = _open_tag(plan_for(f.model), f.element)[1]
                src.emit(
                    f"    if s.startswith(a_{name}, p): v_{name}, p = d_{name}(s, p)",
                    "    else:",
                    *src.absent(name, "        "),
                )
        elif f.kind == "items":
            assert f.model is not None and f.item is not None
            item_plan = plan_for(f.model)
            src.ns[f"d_{name}"] = _decoder(f.model, f.item)
            src.ns[f"a_{name}"] = _open_tag(item_plan, f.item)[1]
            src.ns[f"o_{name}"] = opening = f"<{f.element}>"
            src.ns[f"c_{name}"] = closing = f"</{f.element}>"
            src.ns[f"min_{name}"] = max(1, f.min_items)  # an empty list is reported
            src.emit(
                f"    if s.startswith(o_{name}, p):",
                f"        p += {len(opening)}",
                f"        l_{name} = []",
                f"        while s.startswith(a_{name}, p):",
                f"            x, p = d_{name}(s, p)",
                f"            l_{name}.append(x)",
                f"        if len(l_{name}) < min_{name} or not s.startswith(c_{name}, p):",
                "            raise Fallback",
                f"        p += {len(closing)}",
                f"        v_{name} = tuple(l_{name})",
                "    else:",
                *src.absent(name, "        "),
            )
        else:  # "raw": a signature is never in the canonical subset, it may only be absent
            if plan.cls.model_fields[name].is_required():
                src.emit("    raise Fallback")
            src.ns[f"default_{name}"] = plan.cls.model_fields[name].get_default(
                call_default_factory=True
            )
            src.values[name] = f"default_{name}"
            continue
        src.values[name] = f"v_{name}"
    src.pieces.append(re.escape(f"</{element}>"))
    src.flush()
    if plan.id_field is not None:
        src.emit(f"    code = v_{plan.id_field}")
        src.emit("    if isinstance(code, str) and t_id_ != 'mon-' + code: raise Fallback")
    # The model's __dict__ in field order, as _construct makes it.
    entries: list[str] = []
    for name, info in plan.cls.model_fields.items():
        if name in src.values:
            entries.append(f"{name!r}: {src.values[name]}")
        elif info.is_required():
            src.emit("    raise Fallback")  # a field with no element: never canonical
        else:
            src.ns[f"default_{name}"] = info.get_default(call_default_factory=True)
            entries.append(f"{name!r}: default_{name}")
    src.emit(*_build_source(src.ns, "{" + ", ".join(entries) + "}", "fs"))
    checks = _after_validators(plan.cls)
    if checks:
        for j, check in enumerate(checks):
            src.ns[f"check{j}"] = check
        src.emit("    try:", *[f"        check{j}(o)" for j in range(len(checks))])
        src.emit("    except ValueError:", "        raise Fallback from None")
    src.emit("    return o, p")
    return _finish(src)


def _finish(src: _Source) -> _Decoder:
    exec("\n".join(src.lines), src.ns)  # source built from the models' own metadata only
    fn: _Decoder = src.ns["decode"]
    return fn
