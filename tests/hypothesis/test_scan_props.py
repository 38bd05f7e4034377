"""The canonical-bytes decoder (``_xml/_scan``) against the parser + general decoder.

``from_xml`` reads canonical bytes without building a tree and gives up on anything else. Its
one obligation: whatever it accepts, the hardened parser and the general decoder accept too,
and build the very same record (values, types, field order, fields set). These properties
mutate canonical records at the byte, tag and value level and check exactly that; the unit
tests pin the inputs it must leave to the parser.
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import hocbaso
from hocbaso._xml._codec import decode_tree
from hocbaso._xml._parse import parse_bytes
from hocbaso._xml._scan import decode_canonical
from hocbaso.errors import InputError
from hocbaso.examples import generate_record
from hocbaso.models import Record
from hocbaso.testing import records
from tests.model_shape import shape

# SCAN_EXAMPLES=20000 for a long hunt; CI runs the default.
SETTINGS = settings(
    max_examples=int(os.environ.get("SCAN_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Pieces that break, or only seem to break, the canonical subset: markup characters, entity
# and character references, comments, PIs, CDATA, whitespace XML normalises, combining marks
# (NFD), characters XML or the models refuse, legacy-encoding letters, plausible values.
_SNIPPETS = [
    "<", ">", "&", "&amp;", "&lt;", "&gt;", "&#x41;", "&#65;", "&#xD;", "]]>", "<!--x-->",
    "<?pi x?>", "<![CDATA[a]]>", "<!DOCTYPE x>", "\r", "\r\n", "\n", "\t", " ", '"', "'", "=",
    "/", "/>", ' Id="x"', " Id='data'", ' xmlns="urn:x"', ' a="1"', "\u0301", "e\u0301",
    "\u212b", "\u00c5", "\x01", "\x7f", "\x85", "\ufffe", "\u00e4", "Ð", "đ", "Đạt",
    "Chưa đạt", "Tốt", "0", "1", "10", "9.5", "7,5", "01/01/2000", "31/02/2001", "2023-2024",
    "02", "03", "04", "1.0", "x" * 3, "\U0001f600",
]  # fmt: skip


def _general(data: bytes) -> Record | None:
    """The parser + general decoder's record, or None if they refuse the bytes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NFD input decodes with a warning
            return decode_tree(parse_bytes(data))
    except InputError:
        return None


def _agrees(data: bytes) -> bool:
    """Check the obligation for ``data``; True when the scan accepted it."""
    found = decode_canonical(data)
    if found is None:
        return False
    general = _general(data)
    assert general is not None, "the scan accepted bytes the parser or decoder refuses"
    assert found == general
    assert shape(found) == shape(general)
    return True


@settings(max_examples=60, deadline=None)
@given(records())
def test_canonical_bytes_are_read_without_a_tree(record: Record) -> None:
    xml = hocbaso.to_xml(record)
    if b"&" in xml:
        # Escaped "<", ">", "&" or CR in a value: left to the parser, which unescapes.
        assert decode_canonical(xml) is None
        assert hocbaso.from_xml(xml) == record
    else:
        assert _agrees(xml), "valid canonical bytes must not need the parser"
        assert decode_canonical(xml) == record


_TAG = re.compile(r"<[^<>]*>")


@SETTINGS
@given(records(), st.data())
def test_byte_level_edits(record: Record, data: st.DataObject) -> None:
    """Insert, delete or replace characters anywhere (in tags too), one to three times."""
    text = hocbaso.to_xml(record).decode()
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        piece = data.draw(st.sampled_from(["", *_SNIPPETS]))
        text = text[:at] + piece + text[at + cut :]
    raw = text.encode()
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(raw)))
        raw = (
            raw[:at]
            + data.draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b""]))
            + raw[at:]
        )
    event("scan accepted" if _agrees(raw) else "scan gave up")


@SETTINGS
@given(records(), st.data())
def test_tag_level_edits(record: Record, data: st.DataObject) -> None:
    """Rename, drop, duplicate or move whole tags (elements out of order, missing or
    repeated, unbalanced, or an element's content moved)."""
    text = hocbaso.to_xml(record).decode()
    for _ in range(data.draw(st.integers(1, 2))):
        tags = [(m.start(), m.end()) for m in _TAG.finditer(text)]
        names = sorted({text[a:b].strip("</>").split(" ")[0] for a, b in tags})
        a, b = data.draw(st.sampled_from(tags))
        c, d = data.draw(st.sampled_from(tags))
        action = data.draw(st.sampled_from(["rename", "drop", "duplicate", "move", "span"]))
        if action == "rename":
            old = text[a:b]
            new = re.sub(r"[A-Z_0-9]+", data.draw(st.sampled_from(names)), old, count=1)
            text = text[:a] + new + text[b:]
        elif action == "drop":
            text = text[:a] + text[b:]
        elif action == "duplicate":
            text = text[:b] + text[a:b] + text[b:]
        elif action == "move":
            tag = text[a:b]
            rest = text[:a] + text[b:]
            at = c if c < a else c - (b - a)
            text = rest[:at] + tag + rest[at:]
        else:  # drop or duplicate everything between two tags
            lo, hi = min(a, c), max(b, d)
            text = (
                text[:lo] + text[hi:]
                if data.draw(st.booleans())
                else text[:hi] + text[lo:hi] + text[hi:]
            )
    event("scan accepted" if _agrees(text.encode()) else "scan gave up")


@SETTINGS
@given(records(), st.data())
def test_value_edits(record: Record, data: st.DataObject) -> None:
    """Replace one value's text: most results are still well-formed, many still valid, so
    this is where the scan and the decoders meet on values and cross-field checks."""
    text = hocbaso.to_xml(record).decode()
    values = list(re.finditer(r">([^<>]*)</", text))
    m = data.draw(st.sampled_from(values))
    new = data.draw(
        st.one_of(
            st.sampled_from(_SNIPPETS),
            st.text(alphabet="0123456789.-/:+TZ abcĐđứ\u0301\t", max_size=12),
        )
    )
    event(
        "scan accepted"
        if _agrees((text[: m.start(1)] + new + text[m.end(1) :]).encode())
        else "scan gave up"
    )


def test_valid_edits_are_read_by_the_scan() -> None:
    """The properties above must exercise acceptance, not only refusal: edits that keep a
    record valid (another name, a dropped optional element) are read by the scan."""
    xml = hocbaso.to_xml(generate_record(3, 7)).decode()
    name = re.search(r"<HO_VA_TEN>([^<]*)</HO_VA_TEN>", xml)
    assert name is not None
    renamed = xml.replace(name.group(0), "<HO_VA_TEN>Lê Thị Ánh</HO_VA_TEN>")
    assert _agrees(renamed.encode())
    assert decode_canonical(renamed.encode()) != decode_canonical(xml.encode())


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda s: '<?xml version="1.0" encoding="UTF-8"?>' + s, "XML declaration"),
        (lambda s: "\ufeff" + s, "byte-order mark"),
        (lambda s: s.replace("</HOC_BA>", "</HOC_BA><!-- c -->"), "comment after the root"),
        (lambda s: s.replace("<HO_VA_TEN>", "<HO_VA_TEN><!--c-->"), "comment in a value"),
        (lambda s: s.replace("<HO_VA_TEN>", "<HO_VA_TEN>&#x4C;"), "character reference"),
        (lambda s: s.replace("<HO_VA_TEN>", "<HO_VA_TEN>A&amp;"), "entity reference"),
        (lambda s: s.replace("<HO_VA_TEN>", "<HO_VA_TEN><![CDATA[A]]>"), "CDATA section"),
        (lambda s: s.replace("<HO_VA_TEN>", "<HO_VA_TEN >"), "space in a tag"),
        (lambda s: s.replace('Id="data"', "Id='data'"), "single-quoted attribute"),
        (lambda s: s.replace("<HO_VA_TEN>", '<HO_VA_TEN a="1">'), "unexpected attribute"),
        (lambda s: s.replace("ễ", "e\u0302\u0303"), "decomposed (NFD) text"),
        (lambda s: s.replace("</HO_VA_TEN>", "\r</HO_VA_TEN>"), "carriage return"),
        (lambda s: s.replace("</HOC_BA>", "</HOC_BA>x"), "text after the root"),
        (lambda s: s.replace("<PHIEN_BAN>1.0<", "<PHIEN_BAN>2.0<"), "unsupported version"),
    ],
)
def test_inputs_outside_the_canonical_subset_take_the_parser(edit: Any, why: str) -> None:
    xml = hocbaso.to_xml(generate_record(5, 4)).decode()
    if "ễ" not in xml:
        xml = xml.replace("<HO_VA_TEN>", "<HO_VA_TEN>Nguyễn ", 1)
        assert decode_canonical(xml.encode()) is not None
    changed = edit(xml).encode("utf-8")
    assert changed != xml.encode()
    assert decode_canonical(changed) is None, why
    if _general(changed) is not None:  # some are valid records: from_xml still reads them
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert hocbaso.from_xml(changed) == _general(changed)


def test_trailing_whitespace_is_read() -> None:
    xml = hocbaso.to_xml(generate_record(1, 12))
    assert _agrees(xml + b"\n")
    assert _agrees(xml + b"\r\n \t")
