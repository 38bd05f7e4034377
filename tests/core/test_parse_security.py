"""Hardened parsing: every unusable input gets a typed error with a location, never a crash."""

from __future__ import annotations

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
