"""Hardened parsing: every unusable input gets a typed error with a location, never a crash."""

from __future__ import annotations

from typing import Any

import pytest

import hocbaso
from hocbaso import errors
from hocbaso.examples import example_record

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<HOC_BA>&lol3;</HOC_BA>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<HOC_BA>&x;</HOC_BA>"""
EXTERNAL_DTD = b'<!DOCTYPE HOC_BA SYSTEM "http://example.invalid/hb.dtd"><HOC_BA/>'


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, EXTERNAL_DTD])
def test_dtd_and_entities_refused(data: bytes) -> None:
    for fn in (hocbaso.from_xml, hocbaso.validate):
        with pytest.raises(errors.UnsafeXmlError) as info:
            fn(data)
        assert info.value.code == "XML-UNSAFE"
        assert info.value.message_vi


def test_malformed_and_truncated() -> None:
    xml = hocbaso.to_xml(example_record(1))
    for data in (xml[: len(xml) // 2], b"not xml at all", b""):
        with pytest.raises(errors.XmlSyntaxError) as info:
            hocbaso.from_xml(data)
        assert isinstance(info.value, ValueError)  # branches inherit the builtin too


def test_size_limit() -> None:
    xml = hocbaso.to_xml(example_record(1))
    with pytest.raises(errors.InputTooLargeError):
        hocbaso.from_xml(xml, max_bytes=1000)
    assert hocbaso.from_xml(xml, max_bytes=len(xml)) == example_record(1)


def test_encodings() -> None:
    xml = hocbaso.to_xml(example_record(1))
    with pytest.raises(errors.EncodingError):
        hocbaso.from_xml(xml.decode().encode("utf-16"))
    latin = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + xml.decode().encode(
        "latin-1", errors="replace"
    )
    with pytest.raises(errors.EncodingError):
        hocbaso.from_xml(latin)
    broken = xml.replace("Trương".encode(), b"Tr\xff\xfeng")
    with pytest.raises(errors.EncodingError) as info:
        hocbaso.from_xml(broken)
    assert info.value.line == 1


@pytest.mark.parametrize(
    "bad",
    [
        b"\xe9",  # Latin-1 / TCVN3-style single byte
        b"\xc0\xaf",  # overlong "/"
        b"\xed\xa0\x80",  # UTF-16 surrogate encoded in UTF-8
        b"\xf4\x90\x80\x80",  # beyond U+10FFFF
        b"\xc3",  # truncated sequence
    ],
)
@pytest.mark.parametrize(
    "where",
    [
        lambda xml, b: xml.replace("Trương".encode(), b"Tr" + b + b"ng"),  # element text
        lambda xml, b: xml.replace(b'Id="data"', b'Id="d' + b + b'"'),  # attribute value
        lambda xml, b: xml.replace(b"<PHIEN_BAN>", b"<!--" + b + b"--><PHIEN_BAN>"),
        lambda xml, b: xml.replace(b"<PHIEN_BAN>", b"<?pi " + b + b"?><PHIEN_BAN>"),
        lambda xml, b: xml.replace("Trương".encode(), b"<![CDATA[" + b + b"]]>"),
    ],
)
def test_non_utf8_bytes_anywhere_are_an_encoding_error(bad: bytes, where: Any) -> None:
    # The parser, not a separate pre-decode, rejects these: this pins that libxml2 refuses
    # every malformed sequence wherever it stands, and that we name it an encoding problem.
    xml = hocbaso.to_xml(example_record(1))
    broken = where(xml, bad)
    assert broken != xml
    with pytest.raises(errors.EncodingError) as info:
        hocbaso.from_xml(broken)
    assert info.value.line is not None


def test_wrong_root_version_and_level() -> None:
    xml = hocbaso.to_xml(example_record(1))
    with pytest.raises(errors.ProfileError) as info:
        hocbaso.from_xml(b"<HOCBA/>")
    assert info.value.location == "/HOCBA"
    with pytest.raises(errors.ProfileError):
        hocbaso.from_xml(xml.replace(b"<PHIEN_BAN>1.0", b"<PHIEN_BAN>2.0"))
    with pytest.raises(errors.ProfileError) as info:
        hocbaso.from_xml(xml.replace(b"<MA_CAP_HOC>02", b"<MA_CAP_HOC>05"))
    assert str(info.value.location).endswith("/MA_CAP_HOC")


def test_bytes_required() -> None:
    with pytest.raises(TypeError):
        hocbaso.from_xml("<HOC_BA/>")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "prolog",
    [
        b"",
        b'<?xml version="1.0" encoding="UTF-8"?>\n',
        b"\xef\xbb\xbf",
        b"<!-- a comment with <tags> inside -->\n",
        b"<?pi with <a> inside?> <!-- x --> <?y?>\n",
    ],
)
def test_a_dtd_after_any_prolog_is_refused_before_parsing(prolog: bytes) -> None:
    # The declaration check looks where a DTD can stand (after the prolog's declaration,
    # comments and PIs), not through the whole document: a '<' inside a prolog comment or PI
    # must not make it look in the wrong place.
    with pytest.raises(errors.UnsafeXmlError) as info:
        hocbaso.from_xml(prolog + BILLION_LAUGHS.split(b"?>", 1)[1].lstrip())
    assert "DOCTYPE" in info.value.message_en
