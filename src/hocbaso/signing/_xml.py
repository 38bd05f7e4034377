"""Hardened XML parsing and canonicalisation (internal; may change without notice)."""

from __future__ import annotations

import functools
import re

from lxml import etree

from hocbaso import errors
from hocbaso._xml._parse import parse_bytes

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
SIGNING_TIME_NS = "http://example.org/#signatureProperties"
"""Namespace of ``SigningTime`` in the ``SignatureProperty`` (the e-invoice practice, QĐ 1450)."""

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
XADES_SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"

MAX_INPUT_BYTES = 10 * 1024 * 1024
"""Largest document accepted (the 10 MB transaction cap of the standard)."""

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


@functools.lru_cache(maxsize=256)  # called ~25 times per slot verified, always with literals
def ds(tag: str) -> str:
    """Clark name of an XML-DSig element."""
    return f"{{{DS_NS}}}{tag}"


@functools.lru_cache(maxsize=256)
def xades(tag: str) -> str:
    """Clark name of a XAdES 1.3.2 element."""
    return f"{{{XADES_NS}}}{tag}"


def parse_document(data: bytes, *, max_bytes: int = MAX_INPUT_BYTES) -> etree._Element:
    """Parse ``data`` as a standalone UTF-8 XML document, refusing DTDs and entities.

    The same hardened parse as the codec's (:func:`hocbaso._xml._parse.parse_bytes`), with the
    signing layer's larger size limit (a signed B-LT record carries certificates and CRLs).

    Raises:
        InputTooLargeError, UnsafeXmlError, XmlSyntaxError, EncodingError.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise errors.InputError(
            "the document must be given as bytes",
            message_vi="Tài liệu phải được truyền vào dưới dạng bytes (nội dung tệp XML).",
            code="XML-TYPE",
        )
    return parse_bytes(bytes(data), max_bytes=max_bytes).getroot()


def exc_c14n(element: etree._Element) -> bytes:
    """Exclusive XML Canonicalization 1.0 without comments (W3C REC xml-exc-c14n, 2002)."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def c14n_10(element: etree._Element) -> bytes:
    """Canonical XML 1.0 without comments (W3C REC xml-c14n-20010315) of a subtree."""
    return etree.tostring(element, method="c14n", exclusive=False, with_comments=False)


def canonicalize(element: etree._Element, algorithm: str) -> bytes:
    """Canonicalise ``element`` with the C14N algorithm named by its URI (exc-C14N or C14N 1.0)."""
    if algorithm == EXC_C14N:
        return exc_c14n(element)
    if algorithm == C14N_10:
        return c14n_10(element)
    raise ValueError(algorithm)  # callers check the URI first


def serialize(root: etree._Element) -> bytes:
    """The document as UTF-8 bytes, no XML declaration (the canonical byte form of a record)."""
    return etree.tostring(root, encoding="utf-8", xml_declaration=False)


def xpath_of(element: etree._Element) -> str:
    """A readable absolute path of ``element`` (``/HOC_BA/DANH_SACH_THONG_TIN_KY/CBQL``)."""
    if "}" not in str(element.tag) and all("}" not in str(a.tag) for a in element.iterancestors()):
        # Without namespaces libxml2 writes the same path (sibling index only where names
        # repeat), in C; verification asks for the path of every slot and signed element.
        return str(element.getroottree().getpath(element))
    return walk_path(element)


def walk_path(element: etree._Element) -> str:
    """:func:`xpath_of`, computed in Python for any element (``ds:`` for XML-DSig names)."""
    parts = []
    node: etree._Element | None = element
    while node is not None:
        qn = etree.QName(node)
        name = qn.localname if qn.namespace in (None, "") else f"ds:{qn.localname}"
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if isinstance(c.tag, str) and c.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))
