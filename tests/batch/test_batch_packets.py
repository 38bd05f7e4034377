"""pack / unpack / iter_records: caps, order, streaming, revocation lists, per-record errors."""

from __future__ import annotations

import itertools
import random
import string
import tracemalloc
from collections.abc import Iterator

import pytest
from lxml import etree

from hocbaso.batch import (
    DEFAULT_MAX_PACKET_BYTES,
    REVOCATION_LIST_ID,
    DecompressionLimits,
    Packet,
    compress_content,
    decompress_content,
    escape_quotes,
    iter_records,
    pack,
    record_from_file,
    split_records,
    unpack,
)
from hocbaso.errors import (
    ConfigurationError,
    InputError,
    InputTooLargeError,
    PacketError,
    UnsafeXmlError,
    XmlSyntaxError,
)
from tests.batch.batch_records import make_record


def _roundtrip(packets: list[Packet]) -> list[bytes]:
    return [r for p in packets for r in unpack(p.content)]


def test_default_cap_is_below_the_10mb_transaction() -> None:
    assert DEFAULT_MAX_PACKET_BYTES == 10_000_000 - 65_536


def test_single_packet_xml_is_the_concatenation(records: list[bytes]) -> None:
    (packet,) = pack(records[:3])
    xml = decompress_content(packet.content)
    assert xml == b"<DANH_SACH_HOC_BA>" + b"".join(records[:3]) + b"</DANH_SACH_HOC_BA>"
    assert packet.xml_bytes == len(xml)
    assert (packet.index, packet.first_record, packet.record_count) == (0, 0, 3)


def test_empty_input_gives_no_packet() -> None:
    assert list(pack([])) == []


@pytest.mark.parametrize("cap", [4_000, 10_000, 20_000, 1_000_000])
def test_split_respects_cap_and_keeps_order(records: list[bytes], cap: int) -> None:
    packets = list(pack(records, max_packet_bytes=cap))
    assert all(len(p.content) <= cap for p in packets)
    assert _roundtrip(packets) == records
    assert [p.index for p in packets] == list(range(len(packets)))
    assert sum(p.record_count for p in packets) == len(records)
    starts = list(itertools.accumulate([0] + [p.record_count for p in packets[:-1]]))
    assert [p.first_record for p in packets] == starts
    if cap < 1_000_000:
        assert len(packets) > 1
        # Packets are filled: adding the next record to a packet would break the cap.
        for p in packets[:-1]:
            nxt = records[p.first_record : p.first_record + p.record_count + 1]
            bigger = compress_content(
                b"<DANH_SACH_HOC_BA>" + b"".join(nxt) + b"</DANH_SACH_HOC_BA>"
            )
            assert len(bigger) > cap * 0.9


def test_record_larger_than_cap_is_refused(records: list[bytes]) -> None:
    rng = random.Random(7)
    noise = "".join(rng.choice(string.ascii_letters) for _ in range(8_000)).encode()
    huge = make_record(10_000).replace(b"</HOC_BA>", b"<X>" + noise + b"</X></HOC_BA>")
    stream = pack([records[0], huge, records[1]], max_packet_bytes=4_000)
    first = next(stream)
    assert first.record_count == 1
    with pytest.raises(InputTooLargeError) as info:
        next(stream)
    assert info.value.code == "PACKET-RECORD-TOO-LARGE"
    assert info.value.location == "records[1]"


def test_max_output_bytes_also_splits(records: list[bytes]) -> None:
    limits = DecompressionLimits(max_output_bytes=20_000)
    packets = list(pack(records, limits=limits))
    assert len(packets) > 1
    assert all(p.xml_bytes <= 20_000 for p in packets)
    assert [r for p in packets for r in unpack(p.content, limits=limits)] == records


def test_pack_is_lazy_and_memory_is_bounded_by_one_packet() -> None:
    consumed = 0

    def endless() -> Iterator[bytes]:
        nonlocal consumed
        for i in itertools.count():
            consumed += 1
            yield make_record(i % 50)

    tracemalloc.start()
    try:
        stream = pack(endless(), max_packet_bytes=200_000)
        packets = [next(stream) for _ in range(6)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    raw_total = sum(p.xml_bytes for p in packets)
    assert consumed <= sum(p.record_count for p in packets) + 1
    assert raw_total > 10 * 1024 * 1024  # far more XML went through than the peak below
    assert peak < 3 * 1024 * 1024


def test_revocation_list_id() -> None:
    recs = [make_record(1), make_record(2)]
    (packet,) = pack(recs, list_id=REVOCATION_LIST_ID)
    xml = decompress_content(packet.content)
    assert xml.startswith(b'<DANH_SACH_HOC_BA id="dataDanhSach"><HOC_BA>')
    assert list(unpack(packet.content)) == recs


@pytest.mark.parametrize("bad", ["", "a b", 'x"y', "1abc", "a" * 65])
def test_bad_list_id(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        pack([make_record(1)], list_id=bad)
    assert info.value.code == "CONFIG-LIST-ID"


@pytest.mark.parametrize("cap", [0, 255, True, 10.5])
def test_bad_cap(cap: object) -> None:
    with pytest.raises(ConfigurationError):
        pack([make_record(1)], max_packet_bytes=cap)  # type: ignore[arg-type]


def test_cap_above_decoder_limit_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        pack([], max_packet_bytes=2_000, limits=DecompressionLimits(max_content_chars=1_000))


@pytest.mark.parametrize(
    ("record", "code", "error"),
    [
        (b'<?xml version="1.0"?><HOC_BA/>', "PACKET-RECORD-START", InputError),
        (b" <HOC_BA/>", "PACKET-RECORD-START", InputError),
        (b"<HOC_BA></HOC_BA><HOC_BA/>", "PACKET-RECORD-BOUNDS", InputError),
        (b"<HOC_BA><A></HOC_BA>", "PACKET-RECORD-SYNTAX", XmlSyntaxError),
        (b"<HOC_BA>&xxe;</HOC_BA>", "PACKET-RECORD-UNSAFE", UnsafeXmlError),
        (b"<HOC_BA><A>", "PACKET-RECORD-BOUNDS", InputError),
        (b"<HOC_BA>\xff</HOC_BA>", "PACKET-RECORD-SYNTAX", XmlSyntaxError),
        (b'<HOC_BA xmlns="urn:x"/>', "PACKET-RECORD-ROOT", XmlSyntaxError),
    ],
)
def test_bad_records_are_refused_with_position(
    record: bytes, code: str, error: type[InputError]
) -> None:
    with pytest.raises(error) as info:
        list(pack([make_record(0), record]))
    assert info.value.code == code
    assert info.value.location == "records[1]"


def test_record_type_checked() -> None:
    with pytest.raises(InputError) as info:
        list(pack(["<HOC_BA/>"]))  # type: ignore[list-item]
    assert info.value.code == "PACKET-RECORD-TYPE"


def test_check_records_off_still_checks_bounds() -> None:
    (packet,) = pack([b"<HOC_BA><A></HOC_BA>"], check_records=False)
    with pytest.raises(XmlSyntaxError):
        list(unpack(packet.content))
    with pytest.raises(InputError):
        list(pack([b"<HOC_BA>"], check_records=False))


def test_unpack_yields_good_records_then_raises_at_the_bad_one() -> None:
    good = [make_record(i) for i in range(3)]
    (packet,) = pack([*good[:2], b"<HOC_BA><A></B></HOC_BA>", good[2]], check_records=False)
    seen: list[bytes] = []
    with pytest.raises(XmlSyntaxError) as info:
        seen.extend(unpack(packet.content))
    assert seen == good[:2]
    assert info.value.location == "/DANH_SACH_HOC_BA/HOC_BA[3]"
    assert "thứ 3" in info.value.message_vi


def test_iter_records_reports_every_record_and_goes_on() -> None:
    good = [make_record(i) for i in range(3)]
    bad = b"<HOC_BA><A>&lol;</A></HOC_BA>"
    (packet,) = pack([good[0], bad, good[1], good[2]], check_records=False)
    results = list(iter_records(packet.content))
    assert [r.ok for r in results] == [True, False, True, True]
    assert results[1].data == bad
    assert results[1].error is not None
    assert results[1].error.code == "PACKET-RECORD-UNSAFE"
    assert [r.data for r in results if r.ok] == good
    unchecked = list(iter_records(packet.content, check_records=False))
    assert all(r.ok for r in unchecked)


def test_unpack_content_errors_raise_immediately() -> None:
    with pytest.raises(PacketError):
        unpack("not base64!")
    with pytest.raises(PacketError) as info:
        list(unpack(compress_content("<NOT_A_LIST/>")))
    assert info.value.code == "PACKET-ROOT"


def test_records_are_not_reserialised() -> None:
    # Single quotes, spacing inside tags, an empty element written long: lxml would rewrite
    # all three; the exact bytes must come back.
    odd = b"<HOC_BA  a='1' ><B></B><C x = \"2\"/>\n</HOC_BA >"
    (packet,) = pack([odd])
    assert list(unpack(packet.content)) == [odd]
    assert etree.tostring(etree.fromstring(odd)) != odd


def test_packets_from_foreign_senders_with_whitespace_and_declaration() -> None:
    recs = [make_record(1), make_record(2)]
    xml = (
        b'<?xml version="1.0" encoding="utf-8"?>\r\n<DANH_SACH_HOC_BA>\r\n  '
        + b"\r\n  ".join(recs)
        + b"\r\n</DANH_SACH_HOC_BA>\r\n"
    )
    assert list(unpack(compress_content(xml))) == recs
    assert [r.data for r in split_records(xml)] == recs


class TestEscapeQuotes:
    def test_text_only(self) -> None:
        rec = (
            b'<HOC_BA a="it\'s" b=\'say "hi"\'><X>He said "ok" & it\'s fine</X>'
            b'<!-- "c" --><![CDATA["d"]]><?pi "e"?></HOC_BA>'
        )
        rec = rec.replace(b"& it", b"&amp; it")
        out = escape_quotes(rec)
        assert out == (
            b'<HOC_BA a="it\'s" b=\'say "hi"\'><X>He said &quot;ok&quot; &amp; it&apos;s '
            b'fine</X><!-- "c" --><![CDATA["d"]]><?pi "e"?></HOC_BA>'
        )

    def test_same_canonical_form(self) -> None:
        rec = "<HOC_BA><X>\"Giỏi\" &amp; 'Tốt'</X></HOC_BA>".encode()
        c14n = etree.tostring(etree.fromstring(rec), method="c14n")
        assert etree.tostring(etree.fromstring(escape_quotes(rec)), method="c14n") == c14n

    def test_switch_in_pack(self) -> None:
        rec = b'<HOC_BA><X>"a"</X></HOC_BA>'
        (plain,) = pack([rec])
        (escaped,) = pack([rec], escape_quotes=True)
        assert list(unpack(plain.content)) == [rec]
        assert list(unpack(escaped.content)) == [b"<HOC_BA><X>&quot;a&quot;</X></HOC_BA>"]


def test_change_of_compressibility_is_undone_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    from hocbaso.batch import _packets

    replays = 0
    original = _packets._Builder._restore

    def counting(self: _packets._Builder, snap: _packets._Snapshot) -> None:
        nonlocal replays
        replays += 1
        original(self, snap)

    monkeypatch.setattr(_packets._Builder, "_restore", counting)
    rng = random.Random(3)
    recs = []
    for i in range(200):
        size = rng.randrange(100, 3000)
        if (i // 40) % 2 == 0:
            body = "a" * size  # compresses ~100 times: the ratio guess becomes optimistic
        else:
            body = "".join(rng.choice(string.ascii_letters) for _ in range(size))
        recs.append(f"<HOC_BA><X>{body}</X></HOC_BA>".encode())
    for cap in (8_000, 30_000):
        packets = list(pack(recs, max_packet_bytes=cap))
        assert all(len(p.content) <= cap for p in packets)
        assert _roundtrip(packets) == recs
    assert replays > 0


class TestRecordFromFile:
    def test_strips_only_what_is_outside_the_element(self) -> None:
        rec = make_record(5)
        data = b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n' + rec + b"\n\n"
        assert record_from_file(data) == rec
        assert record_from_file(rec) == rec

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            (b'<?xml version="1.0" encoding="windows-1258"?><HOC_BA/>', "PACKET-ENCODING"),
            (b"<?xml version=1?><HOC_BA/>", "PACKET-XML-DECLARATION"),
            (b"<!-- c --><HOC_BA/>", "PACKET-RECORD-START"),
            (b"<HOC_BA/><HOC_BA/>", "PACKET-RECORD-BOUNDS"),
            (b"<HOC_BA/><!-- after -->", "PACKET-RECORD-BOUNDS"),
            (b"<DANH_SACH_HOC_BA/>", "PACKET-RECORD-START"),
        ],
    )
    def test_refuses_anything_else(self, data: bytes, code: str) -> None:
        with pytest.raises(InputError) as info:
            record_from_file(data)
        assert info.value.code == code

    def test_type(self) -> None:
        with pytest.raises(InputError):
            record_from_file("<HOC_BA/>")  # type: ignore[arg-type]
