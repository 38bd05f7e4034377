"""Byte-level scanning of ``<DANH_SACH_HOC_BA>`` packets and ``<HOC_BA>`` records.

Internal module. Records are cut out of the packet as the *exact* bytes that were sent (a
re-serialisation would change bytes that the issuance ledger hashes), so the boundaries are
found here with C-speed regular expressions and every record is then parsed on its own by a
hardened lxml parser (see :mod:`hocbaso.batch._packets`).

Inside an element, ``<`` only appears as markup, never in text or attribute values, so the only
places where ``</HOC_BA>`` may occur without being an end tag are comments, CDATA sections and
processing instructions; the scanner skips those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "RECORD",
    "ROOT",
    "Prolog",
    "ScanError",
    "escape_quotes",
    "find_record_end",
    "scan_prolog",
    "skip_declaration",
]

ROOT = b"DANH_SACH_HOC_BA"
RECORD = b"HOC_BA"

_WS = re.compile(rb"[ \t\r\n]*")
_ATTR = rb"""[ \t\r\n]+([^\s=/>"'<]+)[ \t\r\n]*=[ \t\r\n]*("[^"<]*"|'[^'<]*')"""
_RECORD_START = re.compile(rb"<HOC_BA(?:" + _ATTR + rb")*[ \t\r\n]*(/?)>")
_ROOT_START = re.compile(rb"<DANH_SACH_HOC_BA((?:" + _ATTR + rb")*)[ \t\r\n]*(/?)>")
_ATTR_ONE = re.compile(_ATTR)
_ROOT_END = re.compile(rb"</DANH_SACH_HOC_BA[ \t\r\n]*>")
_RECORD_END = re.compile(rb"</HOC_BA[ \t\r\n]*>")
_MARK = re.compile(rb"<(?:(/?)HOC_BA(?=[ \t\r\n/>])|(!--)|(!\[CDATA\[)|(\?))")
_XML_DECL = re.compile(
    rb"""<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*("1\.[0-9]+"|'1\.[0-9]+')"""
    rb"""(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*"""
    rb"""(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?"""
    rb"""(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>"""
)
_BOM = b"\xef\xbb\xbf"
_SKIP_END = {2: b"-->", 3: b"]]>", 4: b"?>"}


@dataclass(frozen=True, slots=True)
class ScanError(Exception):
    """A structural problem found while scanning (translated to a library error by callers)."""

    kind: str
    offset: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Prolog:
    """What precedes the records: where they start, the root's attributes, self-closing root."""

    body_start: int
    attributes: tuple[tuple[bytes, bytes], ...]
    empty: bool
    encoding: bytes | None


def skip_ws(data: bytes, pos: int) -> int:
    """Position of the first non-whitespace byte at or after ``pos``."""
    m = _WS.match(data, pos)
    assert m is not None  # the pattern matches the empty string
    return m.end()


def skip_declaration(xml: bytes) -> tuple[int, bytes | None]:
    """Skip a UTF-8 BOM and an XML declaration; the position after them and the encoding."""
    pos = 3 if xml.startswith(_BOM) else 0
    encoding: bytes | None = None
    if xml.startswith(b"<?xml", pos) and xml[pos + 5 : pos + 6] in (b" ", b"\t", b"\r", b"\n"):
        decl = _XML_DECL.match(xml, pos)
        if decl is None:
            raise ScanError("xml-declaration", pos)
        encoding = decl.group(2) or decl.group(3)
        pos = decl.end()
    return pos, encoding


def scan_prolog(xml: bytes) -> Prolog:
    """Check the bytes before the first record and parse the root start tag."""
    pos, encoding = skip_declaration(xml)
    pos = skip_ws(xml, pos)
    if xml.startswith(b"<!DOCTYPE", pos) or xml.startswith(b"<!ENTITY", pos):
        raise ScanError("doctype", pos)
    root = _ROOT_START.match(xml, pos)
    if root is None:
        raise ScanError("root", pos)
    attrs = tuple((a.group(1), a.group(2)[1:-1]) for a in _ATTR_ONE.finditer(root.group(1) or b""))
    return Prolog(root.end(), attrs, root.group(4) == b"/", encoding)


def match_root_end(xml: bytes, pos: int) -> int | None:
    """End of ``</DANH_SACH_HOC_BA>`` at ``pos``, or ``None``."""
    m = _ROOT_END.match(xml, pos)
    return m.end() if m else None


def is_record_start(data: bytes, pos: int) -> bool:
    """True when a ``<HOC_BA`` start tag begins at ``pos``."""
    return data.startswith(b"<HOC_BA", pos) and data[pos + 7 : pos + 8] in (
        b" ",
        b"\t",
        b"\r",
        b"\n",
        b">",
        b"/",
    )


def find_record_end(data: bytes, start: int) -> int:
    """End offset (exclusive) of the ``<HOC_BA>`` element starting at ``start``.

    Counts nested ``HOC_BA`` elements and skips comments, CDATA sections and processing
    instructions. Raises :class:`ScanError` (``kind="unterminated"``) when there is no end.
    """
    tag = _RECORD_START.match(data, start)
    if tag is not None and tag.group(3) == b"/":
        return tag.end()
    pos = tag.end() if tag is not None else start + 7
    depth = 1
    search = _MARK.search
    while True:
        m = search(data, pos)
        if m is None:
            raise ScanError("unterminated", start)
        kind = m.lastindex
        if kind == 1:  # (/?)HOC_BA
            if m.group(1) == b"/":
                end = _RECORD_END.match(data, m.start())
                if end is None:
                    pos = m.end()
                    continue
                depth -= 1
                if depth == 0:
                    return end.end()
                pos = end.end()
            else:
                inner = _RECORD_START.match(data, m.start())
                if inner is None or inner.group(3) != b"/":
                    depth += 1
                pos = inner.end() if inner is not None else m.end()
        else:
            assert kind is not None
            close = data.find(_SKIP_END[kind], m.end())
            if close < 0:
                raise ScanError("unterminated", start)
            pos = close + len(_SKIP_END[kind])


_TOKENS = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
    re.DOTALL,
)


def escape_quotes(record: bytes) -> bytes:
    """The spec's optional "escape quote" step: ``"`` → ``&quot;`` and ``'`` → ``&apos;``.

    Applied to character data only (never inside tags, comments, CDATA sections or processing
    instructions), so the result is the same XML information set: parsers and canonical XML
    (C14N, hence signatures) see exactly the same text.
    """
    out: list[bytes] = []
    pos = 0
    for m in _TOKENS.finditer(record):
        if m.start() > pos:
            out.append(_escape_text(record[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    if pos < len(record):
        out.append(_escape_text(record[pos:]))
    return b"".join(out)


def _escape_text(text: bytes) -> bytes:
    return text.replace(b'"', b"&quot;").replace(b"'", b"&apos;")
