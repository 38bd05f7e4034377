"""Packets (*gói tin*): ``<DANH_SACH_HOC_BA>`` lists of ``<HOC_BA>`` records, packed and unpacked.

Internal module: import the names from :mod:`hocbaso.batch`.

Packing streams: records are fed one by one to a single raw-deflate stream. A sync flush
makes the size of the stream exact; one is taken only when a guess from the compression ratio
seen so far says the cap is near, and an overshoot is undone from a copy of the compressor
taken at the previous sync point (see :class:`_Builder`). A packet always ends at a sync point
with a stored deflate block holding ``</DANH_SACH_HOC_BA>``. Memory is bounded by one packet.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from hocbaso.batch import _scan
from hocbaso.batch._codec import gzip_header
from hocbaso.batch._limits import (
    DEFAULT_MAX_PACKET_BYTES,
    INT32_MAX,
    DecompressionLimits,
)
from hocbaso.errors import (
    ConfigurationError,
    EncodingError,
    InputError,
    InputTooLargeError,
    PacketError,
    UnsafeXmlError,
    XmlSyntaxError,
)

__all__ = [
    "REVOCATION_LIST_ID",
    "Packet",
    "PacketRecord",
    "iter_records",
    "pack",
    "record_from_file",
    "split_records",
    "unpack",
]

#: ``id`` of the root in a revocation list (*danh sách thu hồi*), spec §2.3:
#: ``<DANH_SACH_HOC_BA id="dataDanhSach">``.
REVOCATION_LIST_ID = "dataDanhSach"

_CLOSE = b"</DANH_SACH_HOC_BA>"
# Length prefix (4) + gzip header (10) + stored final block (5 + closing tag) + trailer (8).
_FIXED_OVERHEAD = 4 + 10 + 5 + len(_CLOSE) + 8
_LIST_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
_MIN_PACKET_BYTES = 256


@dataclass(frozen=True, slots=True)
class Packet:
    """One packet ready to send: the ``content`` string of a submit or revoke transaction.

    Attributes:
        content: base64 text made by the Ministry's function from the packet XML.
        index: 0-based number of this packet in the output of :func:`pack`.
        first_record: 0-based position, in the input of :func:`pack`, of its first record.
        record_count: how many ``<HOC_BA>`` records it holds.
        xml_bytes: length of the uncompressed XML (the value of the length prefix).
    """

    content: str
    index: int
    first_record: int
    record_count: int
    xml_bytes: int


@dataclass(frozen=True, slots=True)
class PacketRecord:
    """One ``<HOC_BA>`` record found in a packet, well-formed or not.

    Attributes:
        index: 0-based position of the record in the packet.
        offset: byte offset of the record in the packet XML.
        data: the record's exact bytes as found in the packet (nothing re-serialised).
        error: why the record is unusable, or ``None`` when it is well-formed XML.
    """

    index: int
    offset: int
    data: bytes
    error: InputError | None

    @property
    def ok(self) -> bool:
        """True when the record is well-formed (``error`` is ``None``)."""
        return self.error is None


def _record_location(index: int) -> str:
    return f"/DANH_SACH_HOC_BA/HOC_BA[{index + 1}]"


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        collect_ids=False,
    )


def _parse_error(
    data: bytes, index: int, parser: etree.XMLParser, location: str, line_offset: int = 0
) -> InputError | None:
    """Parse one record alone with the hardened parser; the error, or ``None`` if it is fine."""
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        msg = str(exc.msg) if exc.msg else str(exc)
        cls: type[InputError] = XmlSyntaxError
        code = "PACKET-RECORD-SYNTAX"
        if "Entity" in msg or "DOCTYPE" in msg:
            cls, code = UnsafeXmlError, "PACKET-RECORD-UNSAFE"
        return cls(
            f"record {index + 1} is not well-formed XML: {msg}",
            message_vi=f"Học bạ thứ {index + 1} trong gói tin có lỗi cú pháp XML ({msg}); "
            "cần xuất lại học bạ này từ phần mềm.",
            code=code,
            location=location,
            line=exc.lineno + line_offset if exc.lineno else None,
        )
    if root.tag != "HOC_BA":
        return XmlSyntaxError(
            f"record {index + 1} has root {root.tag!r}, expected 'HOC_BA' (no namespace)",
            message_vi=f"Học bạ thứ {index + 1} không bắt đầu bằng thẻ <HOC_BA> "
            "(không dùng namespace).",
            code="PACKET-RECORD-ROOT",
            location=location,
        )
    return None


# ----------------------------------------------------------------------------------- packing


def _estimate(raw: int, ratio: float) -> int:
    """Optimistic guess of the deflate output for ``raw`` new bytes (checked by a sync)."""
    return 0 if raw == 0 else int(raw * ratio * 1.5) + 64


@dataclass(slots=True)
class _Snapshot:
    deflater: Any
    chunks: int
    out_len: int
    crc: int
    raw_len: int
    count: int


class _Builder:
    """Accumulates records into one raw-deflate stream under an exact size budget.

    Records are fed optimistically while a guess based on the compression ratio seen so far
    says they fit. When the guess reaches the budget the stream is sync-flushed, which makes
    its size exact; if it is over, the builder goes back to the last snapshot (a copy of the
    compressor taken at the previous sync point) and replays the records fed since then one by
    one, each followed by a sync flush, until one does not fit. Records that do not fit are
    handed back to the caller for the next packet. Every snapshot sits on a sync point, so the
    packet can always be closed there with a stored block.
    """

    def __init__(self, open_tag: bytes, level: int, budget: int, max_raw: int) -> None:
        self.deflater = zlib.compressobj(level, zlib.DEFLATED, -15)
        first = self.deflater.compress(open_tag) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.chunks: list[bytes] = [first]
        self.out_len = len(first)
        self.crc = zlib.crc32(open_tag)
        self.raw_len = len(open_tag)
        self.count = 0
        self.pending = 0  # raw bytes fed since the last sync point
        self.unsynced: list[bytes] = []  # records fed since the last snapshot
        self.ratio = 1.0
        self.budget = budget
        self.max_raw = max_raw
        self.level = level
        self.snapshot = self._take()

    def _take(self) -> _Snapshot:
        return _Snapshot(
            self.deflater.copy(), len(self.chunks), self.out_len, self.crc, self.raw_len, self.count
        )

    def _restore(self, snap: _Snapshot) -> None:
        self.deflater = snap.deflater.copy()
        del self.chunks[snap.chunks :]
        self.out_len, self.crc, self.raw_len, self.count = (
            snap.out_len,
            snap.crc,
            snap.raw_len,
            snap.count,
        )
        self.pending = 0

    def _feed(self, record: bytes) -> None:
        out = self.deflater.compress(record)
        if out:
            self.chunks.append(out)
            self.out_len += len(out)
        self.pending += len(record)
        self.crc = zlib.crc32(record, self.crc)
        self.raw_len += len(record)
        self.count += 1
        self.unsynced.append(record)

    def _exact(self, record: bytes) -> bool:
        """From a verified sync point: add ``record`` only if the exact size fits."""
        out = self.deflater.compress(record) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        if self.out_len + len(out) > self.budget:
            return False  # nothing recorded; the compressor is spoilt, only finish() remains
        self.chunks.append(out)
        self.out_len += len(out)
        self.crc = zlib.crc32(record, self.crc)
        self.raw_len += len(record)
        self.count += 1
        self.snapshot = self._take()
        return True

    def settle(self) -> list[bytes]:
        """Sync and make sure the packet fits; return the records that had to be taken out."""
        if not self.pending:
            return []
        out = self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.chunks.append(out)
        self.out_len += len(out)
        self.pending = 0
        replay, self.unsynced = self.unsynced, []
        if self.out_len <= self.budget:
            self.ratio = max(self.out_len / self.raw_len, 0.01)
            self.snapshot = self._take()
            return []
        self._restore(self.snapshot)
        for i, record in enumerate(replay):
            if not self._exact(record):
                return replay[i:]
        return []  # pragma: no cover - the replay adds sync overhead, so it cannot all fit

    def add(self, record: bytes) -> list[bytes]:
        """Add ``record``; return the records that did not fit (then only finish() remains)."""
        n = len(record)
        if self.raw_len + n + len(_CLOSE) > self.max_raw:
            return [*self.settle(), record]
        if self.out_len + _estimate(self.pending + n, self.ratio) <= self.budget:
            self._feed(record)
            return []
        left = self.settle()
        if left:
            return [*left, record]
        if self.out_len + _estimate(n, self.ratio) <= self.budget:
            self._feed(record)
            return []
        return [] if self._exact(record) else [record]

    def finish(self) -> tuple[bytes, int]:
        """The packet's binary blob (length prefix + gzip member) and its XML length.

        Call only at a verified sync point: after :meth:`settle` returned, or after
        :meth:`add` handed records back.
        """
        assert self.pending == 0
        crc = zlib.crc32(_CLOSE, self.crc)
        raw_len = self.raw_len + len(_CLOSE)
        stored = b"\x01" + struct.pack("<HH", len(_CLOSE), len(_CLOSE) ^ 0xFFFF) + _CLOSE
        blob = b"".join(
            [
                struct.pack("<i", raw_len),
                gzip_header(self.level),
                *self.chunks,
                stored,
                struct.pack("<II", crc, raw_len & 0xFFFFFFFF),
            ]
        )
        return blob, raw_len


def _as_record_bytes(record: object, index: int) -> bytes:
    if isinstance(record, bytes):
        return record
    if isinstance(record, bytearray | memoryview):
        return bytes(record)
    raise InputError(
        f"record {index} must be bytes, not {type(record).__name__}",
        message_vi=f"Học bạ thứ {index + 1} phải là chuỗi byte XML (UTF-8).",
        code="PACKET-RECORD-TYPE",
        location=f"records[{index}]",
    )


def _check_record(
    record: bytes, index: int, parser: etree.XMLParser | None, where: str | None = None
) -> None:
    where = where or f"records[{index}]"
    if not _scan.is_record_start(record, 0):
        raise InputError(
            f"record {index} does not start with '<HOC_BA' (XML declaration, BOM or "
            "whitespace before it?)",
            message_vi=f"Học bạ thứ {index + 1} phải bắt đầu ngay bằng thẻ <HOC_BA> "
            "(không có khai báo XML, BOM hay khoảng trắng phía trước).",
            code="PACKET-RECORD-START",
            location=where,
        )
    try:
        end = _scan.find_record_end(record, 0)
    except _scan.ScanError:
        end = -1
    if end != len(record):
        raise InputError(
            f"record {index} is not exactly one <HOC_BA> element (unclosed, or bytes after "
            "</HOC_BA>)",
            message_vi=f"Học bạ thứ {index + 1} không phải đúng một phần tử <HOC_BA> "
            "(thiếu thẻ đóng hoặc có dữ liệu sau </HOC_BA>).",
            code="PACKET-RECORD-BOUNDS",
            location=where,
        )
    if parser is not None:
        error = _parse_error(record, index, parser, where)
        if error is not None:
            raise error


def record_from_file(data: bytes) -> bytes:
    """The ``<HOC_BA>`` element of a record file, as the bytes :func:`pack` expects.

    A file may hold more than the element: a UTF-8 BOM, an XML declaration (which must name
    UTF-8, or no encoding) and whitespace before or after it. Those are not part of the record
    and are cut off; nothing inside the element is touched. Anything else (a comment, a
    DTD, a second element) is refused rather than dropped.

    Raises:
        EncodingError: the declaration names another encoding.
        XmlSyntaxError: the declaration is malformed.
        InputError: what remains is not exactly one ``<HOC_BA>`` element
            (``PACKET-RECORD-START`` or ``PACKET-RECORD-BOUNDS``).
    """
    if not isinstance(data, bytes):
        raise InputError(
            f"record file content must be bytes, not {type(data).__name__}",
            message_vi="Nội dung tệp học bạ phải là chuỗi byte.",
            code="PACKET-INPUT-TYPE",
        )
    start = 0
    try:
        start, encoding = _scan.skip_declaration(data)
    except _scan.ScanError:
        raise XmlSyntaxError(
            "the XML declaration of the record file is malformed",
            message_vi="Dòng khai báo XML (<?xml ...?>) của tệp học bạ sai cú pháp.",
            code="PACKET-XML-DECLARATION",
            location="/",
        ) from None
    if encoding is not None and encoding.lower() not in (b"utf-8", b"utf8"):
        raise EncodingError(
            f"the record file declares encoding {encoding.decode('ascii')!r}; only UTF-8 "
            "is allowed",
            message_vi="Tệp học bạ phải mã hoá UTF-8 (TCVN 6909), không dùng bảng mã khác.",
            code="PACKET-ENCODING",
            location="/",
        )
    start = _scan.skip_ws(data, start)
    end = len(data.rstrip(b" \t\r\n"))
    record = data[start:end]
    _check_record(record, 0, None, "/HOC_BA")
    return record


def _open_tag(list_id: str | None) -> bytes:
    if list_id is None:
        return b"<DANH_SACH_HOC_BA>"
    if not isinstance(list_id, str) or not _LIST_ID.fullmatch(list_id):
        raise ConfigurationError(
            f"list_id {list_id!r} is not a simple XML name (letters, digits, _ . -)",
            message_vi="Mã danh sách (thuộc tính id) chỉ được gồm chữ, số và _ . -.",
            code="CONFIG-LIST-ID",
        )
    return b'<DANH_SACH_HOC_BA id="' + list_id.encode("ascii") + b'">'


def pack(
    records: Iterable[bytes],
    *,
    max_packet_bytes: int = DEFAULT_MAX_PACKET_BYTES,
    list_id: str | None = None,
    level: int = 6,
    escape_quotes: bool = False,
    check_records: bool = True,
    limits: DecompressionLimits | None = None,
) -> Iterator[Packet]:
    """Pack records into as few packets (*gói tin*) as the cap allows, streaming.

    Each packet's XML is ``<DANH_SACH_HOC_BA>`` + the records, concatenated as given +
    ``</DANH_SACH_HOC_BA>``, encoded with the Ministry's function. Records keep their order;
    a record is never split; an empty input yields no packet.

    Args:
        records: the canonical UTF-8 bytes of each ``<HOC_BA>`` element, without XML
            declaration. Consumed lazily: memory is bounded by one packet.
        max_packet_bytes: cap on the length of each packet's base64 ``content`` string
            (default :data:`DEFAULT_MAX_PACKET_BYTES`: 10,000,000 minus room for the envelope).
        list_id: ``id`` attribute of the root, e.g. :data:`REVOCATION_LIST_ID` for a
            revocation list (*danh sách thu hồi*); ``None`` writes no attribute.
        level: zlib compression level, 0-9.
        escape_quotes: apply the spec's "escape quote" step (:func:`escape_quotes`) to each
            record first. Off by default: see ``docs/batch.md``.
        check_records: parse every record with the hardened parser first (well-formed,
            no DTD or entities, root ``HOC_BA``); the cheap boundary check is always done.
        limits: the receiver's decompression limits; packets are kept within
            ``max_output_bytes`` so that they decode under the same limits.

    Raises:
        InputTooLargeError: one record alone does not fit the cap (``PACKET-RECORD-TOO-LARGE``).
        InputError: a record is not bytes, or not exactly one ``<HOC_BA>`` element.
        XmlSyntaxError: a record is not well-formed (with ``check_records``).
        UnsafeXmlError: a record refers to an entity (with ``check_records``).
        ConfigurationError: the cap is too small, ``list_id`` is not a simple name, or the cap
            exceeds ``limits.max_content_chars``.
    """
    lim = limits or DecompressionLimits()
    if (
        isinstance(max_packet_bytes, bool)
        or not isinstance(max_packet_bytes, int)
        or max_packet_bytes < _MIN_PACKET_BYTES
    ):
        raise ConfigurationError(
            f"max_packet_bytes must be an integer >= {_MIN_PACKET_BYTES}, got {max_packet_bytes!r}",
            message_vi=f"Kích thước tối đa của gói tin phải là số nguyên ≥ {_MIN_PACKET_BYTES}.",
            code="CONFIG-PACKET-SIZE",
        )
    if max_packet_bytes > lim.max_content_chars:
        raise ConfigurationError(
            f"max_packet_bytes {max_packet_bytes} exceeds limits.max_content_chars "
            f"{lim.max_content_chars}: such packets could not be decoded",
            message_vi="Kích thước gói tin vượt giới hạn giải nén: bên nhận sẽ từ chối.",
            code="CONFIG-PACKET-SIZE",
        )
    open_tag = _open_tag(list_id)
    if not 0 <= level <= 9 or isinstance(level, bool):
        raise ConfigurationError(
            f"level must be 0-9, got {level!r}",
            message_vi="Mức nén phải từ 0 đến 9.",
            code="CONFIG-LEVEL",
        )
    return _pack(
        records,
        cap=max_packet_bytes,
        open_tag=open_tag,
        level=level,
        escape=escape_quotes,
        check=check_records,
        lim=lim,
    )


class _Packer:
    """Drives builders over the record stream; yields packets as they fill up."""

    def __init__(self, *, cap: int, open_tag: bytes, level: int, lim: DecompressionLimits) -> None:
        self.cap = cap
        self.open_tag = open_tag
        self.level = level
        self.lim = lim
        self.budget = (cap // 4) * 3 - _FIXED_OVERHEAD
        self.max_raw = min(lim.max_output_bytes, INT32_MAX)
        self.builder: _Builder | None = None
        self.emitted = 0  # records already in emitted packets
        self.packets = 0

    def push(self, record: bytes) -> Iterator[Packet]:
        queue = deque([record])
        while queue:
            if self.builder is None:
                self.builder = _Builder(self.open_tag, self.level, self.budget, self.max_raw)
            left = self.builder.add(queue.popleft())
            if left:
                queue.extendleft(reversed(left))
                yield self._emit(queue[0])

    def close(self) -> Iterator[Packet]:
        if self.builder is None:
            return
        left = self.builder.settle()
        if left:
            yield self._emit(left[0])
            for record in left:
                yield from self.push(record)
            if self.builder is None:
                return
            yield from self.close()
            return
        if self.builder.count:
            yield self._emit(b"")

    def _emit(self, first_left: bytes) -> Packet:
        builder = self.builder
        assert builder is not None
        if builder.count == 0:
            index = self.emitted
            raise InputTooLargeError(
                f"record {index} ({len(first_left)} bytes of XML) does not fit alone in a "
                f"packet of {self.cap} characters (or {self.max_raw} bytes of XML)",
                message_vi=f"Học bạ thứ {index + 1} quá lớn, không vừa một gói tin tối đa "
                f"{self.cap} ký tự; cần tách hoặc kiểm tra lại dữ liệu học bạ.",
                code="PACKET-RECORD-TOO-LARGE",
                location=f"records[{index}]",
            )
        blob, raw_len = builder.finish()
        content = base64.b64encode(blob).decode("ascii")
        if len(content) > self.cap:  # pragma: no cover - sizes are measured exactly
            raise PacketError(
                f"internal error: packet of {len(content)} characters exceeds the cap {self.cap}",
                message_vi="Lỗi nội bộ khi đóng gói: gói tin vượt kích thước tối đa.",
                code="PACKET-INTERNAL",
            )
        lim = self.lim
        compressed = len(blob) - 4
        if raw_len > lim.ratio_floor_bytes and raw_len > lim.max_ratio * compressed:
            raise PacketError(
                f"packet {self.packets} compresses {raw_len / compressed:.0f} times, above "
                f"limits.max_ratio {lim.max_ratio:g}: the receiver would refuse it as a zip bomb",
                message_vi="Dữ liệu nén quá mức bình thường (nhiều học bạ giống hệt nhau?); "
                "bên nhận sẽ coi là 'bom nén'. Kiểm tra lại dữ liệu.",
                code="PACKET-BOMB-RATIO",
                location=f"packets[{self.packets}]",
            )
        packet = Packet(content, self.packets, self.emitted, builder.count, raw_len)
        self.packets += 1
        self.emitted += builder.count
        self.builder = None
        return packet


def _pack(
    records: Iterable[bytes],
    *,
    cap: int,
    open_tag: bytes,
    level: int,
    escape: bool,
    check: bool,
    lim: DecompressionLimits,
) -> Iterator[Packet]:
    parser = _hardened_parser() if check else None
    packer = _Packer(cap=cap, open_tag=open_tag, level=level, lim=lim)
    for index, item in enumerate(records):
        record = _as_record_bytes(item, index)
        _check_record(record, index, parser)
        if escape:
            record = _scan.escape_quotes(record)
        yield from packer.push(record)
    yield from packer.close()


# --------------------------------------------------------------------------------- unpacking


def _structure_error(exc: _scan.ScanError, xml: bytes, after: int) -> InputError:
    line = xml.count(b"\n", 0, exc.offset) + 1
    if exc.kind == "doctype":
        return UnsafeXmlError(
            "the packet declares a DTD (<!DOCTYPE>); refused before any entity is expanded",
            message_vi="Gói tin có khai báo DTD (<!DOCTYPE>), không được phép vì lý do an toàn.",
            code="PACKET-DTD",
            location="/",
            line=line,
        )
    if exc.kind == "xml-declaration":
        return XmlSyntaxError(
            "the XML declaration of the packet is malformed",
            message_vi="Dòng khai báo XML (<?xml ...?>) của gói tin sai cú pháp.",
            code="PACKET-XML-DECLARATION",
            location="/",
            line=line,
        )
    if exc.kind == "root":
        return PacketError(
            "the packet XML does not start with <DANH_SACH_HOC_BA>",
            message_vi="Gói tin không bắt đầu bằng thẻ <DANH_SACH_HOC_BA>.",
            code="PACKET-ROOT",
            location="/",
            line=line,
        )
    if exc.kind == "unterminated":
        return PacketError(
            f"record {after + 1} starting at byte {exc.offset} is never closed "
            f"(no </HOC_BA>); the rest of the packet cannot be split",
            message_vi=f"Học bạ thứ {after + 1} trong gói tin không có thẻ đóng </HOC_BA>; "
            "phần còn lại của gói tin không đọc được.",
            code="PACKET-UNTERMINATED",
            location=_record_location(after),
            line=line,
        )
    if exc.kind == "root-unterminated":
        return PacketError(
            "the packet ends without </DANH_SACH_HOC_BA>",
            message_vi="Gói tin thiếu thẻ đóng </DANH_SACH_HOC_BA> (có thể bị cắt cụt).",
            code="PACKET-UNTERMINATED",
            location="/DANH_SACH_HOC_BA",
            line=line,
        )
    if exc.kind == "after-root":
        return PacketError(
            f"unexpected content at byte {exc.offset} after </DANH_SACH_HOC_BA>: {exc.detail!r}",
            message_vi="Gói tin có dữ liệu thừa sau thẻ đóng </DANH_SACH_HOC_BA>.",
            code="PACKET-STRUCTURE",
            location="/",
            line=line,
        )
    return PacketError(
        f"unexpected content at byte {exc.offset} after record {after}: {exc.detail!r}; "
        "only <HOC_BA> elements and whitespace may appear in <DANH_SACH_HOC_BA>",
        message_vi=f"Gói tin có nội dung lạ sau học bạ thứ {after} (chỉ được chứa các thẻ "
        "<HOC_BA>).",
        code="PACKET-STRUCTURE",
        location="/DANH_SACH_HOC_BA",
        line=line,
    )


def split_records(xml: bytes, *, check_records: bool = True) -> Iterator[PacketRecord]:
    """Cut a packet's XML (already decompressed) into its ``<HOC_BA>`` records, in order.

    Every record is yielded, well-formed or not (see :attr:`PacketRecord.error`), as its exact
    bytes. Only whitespace may separate records; anything else, a DTD, a wrong root, an
    unclosed record or root, is a packet-level error raised when reached.

    Args:
        xml: the packet XML bytes (UTF-8, optional BOM and XML declaration).
        check_records: parse each record with the hardened parser (no DTD, no entities, no
            network); when ``False`` only the boundaries are checked and ``error`` is
            always ``None`` (for callers that parse each record themselves anyway).

    Raises:
        PacketError: wrong root or attributes, content between records, unclosed element.
        UnsafeXmlError: the packet declares a DTD.
        XmlSyntaxError: malformed XML declaration.
        EncodingError: the declaration names an encoding other than UTF-8.
    """
    if not isinstance(xml, bytes):
        raise InputError(
            f"packet XML must be bytes, not {type(xml).__name__}",
            message_vi="Dữ liệu XML của gói tin phải là chuỗi byte.",
            code="PACKET-INPUT-TYPE",
        )
    return _split(xml, check_records)


def _split(xml: bytes, check: bool) -> Iterator[PacketRecord]:
    try:
        prolog = _scan.scan_prolog(xml)
    except _scan.ScanError as exc:
        raise _structure_error(exc, xml, 0) from None
    if prolog.encoding is not None and prolog.encoding.lower() not in (b"utf-8", b"utf8"):
        raise EncodingError(
            f"the packet declares encoding {prolog.encoding.decode('ascii')!r}; only UTF-8 "
            "is allowed",
            message_vi="Gói tin phải mã hoá UTF-8 (TCVN 6909), không dùng bảng mã khác.",
            code="PACKET-ENCODING",
            location="/",
        )
    for name, _value in prolog.attributes:
        if name != b"id":
            raise PacketError(
                f"unexpected attribute {name.decode('utf-8', 'replace')!r} on "
                "<DANH_SACH_HOC_BA> (only 'id' is defined)",
                message_vi="Thẻ <DANH_SACH_HOC_BA> chỉ được có thuộc tính id.",
                code="PACKET-ROOT-ATTRIBUTE",
                location="/DANH_SACH_HOC_BA",
            )
    parser = _hardened_parser() if check else None
    pos = prolog.body_start
    index = 0
    if not prolog.empty:
        while True:
            pos = _scan.skip_ws(xml, pos)
            end_root = _scan.match_root_end(xml, pos)
            if end_root is not None:
                pos = end_root
                break
            if pos >= len(xml):
                raise _structure_error(_scan.ScanError("root-unterminated", pos), xml, index)
            if not _scan.is_record_start(xml, pos):
                detail = xml[pos : pos + 40].decode("utf-8", "replace")
                raise _structure_error(_scan.ScanError("structure", pos, detail), xml, index)
            try:
                end = _scan.find_record_end(xml, pos)
            except _scan.ScanError as exc:
                raise _structure_error(exc, xml, index) from None
            data = xml[pos:end]
            error = None
            if parser is not None:
                error = _parse_error(data, index, parser, _record_location(index))
                if error is not None:  # rebuild with the line counted from the packet start
                    error = _parse_error(
                        data, index, parser, _record_location(index), xml.count(b"\n", 0, pos)
                    )
            yield PacketRecord(index, pos, data, error)
            index += 1
            pos = end
    pos = _scan.skip_ws(xml, pos)
    if pos != len(xml):
        detail = xml[pos : pos + 40].decode("utf-8", "replace")
        raise _structure_error(_scan.ScanError("after-root", pos, detail), xml, index)


def iter_records(
    content: str,
    *,
    limits: DecompressionLimits | None = None,
    check_records: bool = True,
) -> Iterator[PacketRecord]:
    """Decode a packet's ``content`` and yield every record with its verdict, in order.

    A record that is not well-formed does not stop the iteration: it is yielded with its
    ``error`` (code, 1-based XPath location, line). Packet-level problems raise.

    Raises:
        PacketError: the content cannot be decoded (see :func:`decompress_content`) or the
            packet structure is broken (see :func:`split_records`).
    """
    from hocbaso.batch._codec import decompress_content

    xml = decompress_content(content, limits=limits)
    return split_records(xml, check_records=check_records)


def unpack(
    content: str,
    *,
    limits: DecompressionLimits | None = None,
    check_records: bool = True,
) -> Iterator[bytes]:
    """Decode a packet's ``content`` and stream its ``<HOC_BA>`` records back as exact bytes.

    The records before a bad one are yielded; then the bad record's error is raised (with
    ``location`` ``/DANH_SACH_HOC_BA/HOC_BA[n]``, 1-based). To go on past bad records, use
    :func:`iter_records`.

    Raises:
        XmlSyntaxError, UnsafeXmlError: a record is not well-formed or refers to an entity.
        PacketError: the content or the packet structure is unusable.
    """
    records = iter_records(content, limits=limits, check_records=check_records)
    return _raise_on_error(records)


def _raise_on_error(records: Iterator[PacketRecord]) -> Iterator[bytes]:
    for item in records:
        if item.error is not None:
            raise item.error
        yield item.data
