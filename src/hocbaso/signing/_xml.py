"""Hardened XML parsing and canonicalisation (internal; may change without notice)."""

from __future__ import annotations

import re
import threading

from lxml import etree

from hocbaso import errors

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


def ds(tag: str) -> str:
    """Clark name of an XML-DSig element."""
    return f"{{{DS_NS}}}{tag}"


def xades(tag: str) -> str:
    """Clark name of a XAdES 1.3.2 element."""
    return f"{{{XADES_NS}}}{tag}"


_local = threading.local()


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _new_parser()
    return parser


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=False,
    )


def parse_document(data: bytes, *, max_bytes: int = MAX_INPUT_BYTES) -> etree._Element:
    """Parse ``data`` as a standalone UTF-8 XML document, refusing DTDs and entities.

    Raises:
        InputTooLargeError, UnsafeXmlError, XmlSyntaxError, EncodingError.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise errors.InputError(
            "the document must be given as bytes",
            message_vi="Tài liệu phải được truyền vào dưới dạng bytes (nội dung tệp XML).",
            code="XML-TYPE",
        )
    data = bytes(data)
    if len(data) > max_bytes:
        raise errors.InputTooLargeError(
            f"document is {len(data)} bytes, over the {max_bytes}-byte limit",
            message_vi=f"Tệp quá lớn ({len(data)} byte), vượt giới hạn {max_bytes} byte.",
        )
    if b"<!" in data and _DOCTYPE.search(data):
        raise errors.UnsafeXmlError(
            "the document declares a DTD or entities; refused before parsing",
            message_vi="Tệp XML có khai báo DTD/thực thể (DOCTYPE/ENTITY) — không được phép, "
            "tệp có thể bị tấn công. Hãy xuất lại học bạ từ phần mềm quản lý.",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise errors.EncodingError(
            "the document is UTF-16; UTF-8 is required",
            message_vi="Tệp không ở mã UTF-8 (đang là UTF-16). Hãy lưu lại ở dạng UTF-8.",
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        raise errors.XmlSyntaxError(
            f"not well-formed XML: {exc.msg}",
            message_vi="Tệp không phải XML hợp lệ (bị cắt cụt hoặc hỏng). "
            "Hãy lấy lại tệp gốc từ phần mềm quản lý học bạ.",
            line=line,
        ) from None
    doc = root.getroottree()
    if doc.docinfo.doctype or doc.docinfo.internalDTD is not None:
        raise errors.UnsafeXmlError(
            "the document declares a DTD; refused",
            message_vi="Tệp XML có khai báo DTD — không được phép.",
        )
    enc = (doc.docinfo.encoding or "UTF-8").upper().replace("_", "-")
    if enc not in ("UTF-8", "UTF8"):
        raise errors.EncodingError(
            f"declared encoding {enc!r}; UTF-8 is required",
            message_vi=f"Tệp khai báo bảng mã {enc}; học bạ số phải dùng UTF-8.",
        )
    return root


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
