"""The Ministry's content encoding (Phụ lục 1.2): UTF-8 → gzip → Int32 length prefix → base64.

Internal module: import the names from :mod:`hocbaso.batch`.

The official C# function is, in substance::

    byte[] buffer = Encoding.UTF8.GetBytes(text);
    // gzip `buffer` with System.IO.Compression.GZipStream into `gz`
    byte[] blob = BitConverter.GetBytes(buffer.Length) ++ gz;   // 4 bytes, little-endian
    return Convert.ToBase64String(blob);

Decompression accepts any valid gzip stream (any header flags, mtime, OS byte, several
members), because .NET writes headers that differ between runtime versions. Compression writes
a fixed header (mtime 0, OS 255 "unknown") so the output depends only on the input, the level
and the zlib build -- see ``docs/batch.md``.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib

from hocbaso.batch._limits import INT32_MAX, DecompressionLimits
from hocbaso.errors import EncodingError, InputError, InputTooLargeError, PacketError

__all__ = [
    "GZIP_OS_UNKNOWN",
    "compress_content",
    "decompress_content",
    "gzip_header",
]

GZIP_MAGIC = b"\x1f\x8b"
#: OS byte written in our gzip headers: 255 = "unknown" (RFC 1952 §2.3.1).
GZIP_OS_UNKNOWN = 0xFF
_DEFAULT_LIMITS = DecompressionLimits()


def gzip_header(level: int) -> bytes:
    """The fixed 10-byte gzip member header we write (RFC 1952): no name, mtime 0, OS 255."""
    xfl = 2 if level == 9 else 4 if level == 1 else 0
    return GZIP_MAGIC + bytes([8, 0, 0, 0, 0, 0, xfl, GZIP_OS_UNKNOWN])


def _check_level(level: int) -> None:
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 9:
        raise InputError(
            f"compression level must be an integer 0-9, got {level!r}",
            message_vi="Mức nén phải là số nguyên từ 0 đến 9.",
            code="PACKET-LEVEL",
        )


def compress_content(data: str | bytes | bytearray, *, level: int = 6) -> str:
    """Encode text or bytes with the Ministry's function (nén dữ liệu, Phụ lục 1.2).

    ``str`` is encoded as UTF-8 first; ``bytes`` are taken as already UTF-8. The result is the
    base64 of ``len(raw)`` as a 4-byte little-endian Int32 followed by one gzip member.
    The output is deterministic: gzip header with mtime 0 and OS byte 255.

    Args:
        data: the text (usually a ``<DANH_SACH_HOC_BA>`` XML document) or its UTF-8 bytes.
        level: zlib compression level, 0-9 (6 is zlib's default and .NET's ``Optimal``).

    Raises:
        EncodingError: ``data`` is a ``str`` that cannot be encoded as UTF-8 (lone surrogates).
        InputTooLargeError: the bytes are longer than an Int32 can express.
        InputError: ``data`` is neither ``str`` nor ``bytes``, or ``level`` is out of range.
    """
    _check_level(level)
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise EncodingError(
                f"text cannot be encoded as UTF-8 at character {exc.start}: {exc.reason}",
                message_vi=f"Văn bản có ký tự không mã hoá được sang UTF-8 (vị trí {exc.start}).",
                code="PACKET-UTF8",
            ) from None
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise InputError(
            f"content must be str or bytes, not {type(data).__name__}",
            message_vi="Dữ liệu cần nén phải là văn bản hoặc chuỗi byte.",
            code="PACKET-INPUT-TYPE",
        )
    if len(raw) > INT32_MAX:
        raise InputTooLargeError(
            f"{len(raw)} bytes do not fit the Int32 length prefix",
            message_vi="Dữ liệu quá lớn: độ dài vượt quá giới hạn của tiền tố Int32.",
            code="PACKET-TOO-LARGE",
        )
    deflater = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = deflater.compress(raw) + deflater.flush(zlib.Z_FINISH)
    trailer = struct.pack("<II", zlib.crc32(raw), len(raw) & 0xFFFFFFFF)
    blob = struct.pack("<i", len(raw)) + gzip_header(level) + body + trailer
    return base64.b64encode(blob).decode("ascii")


def _err(code: str, en: str, vi: str) -> PacketError:
    return PacketError(en, message_vi=vi, code=code, location="content")


def _b64decode_strict(content: str) -> bytes:
    if not isinstance(content, str):
        raise InputError(
            f"packet content must be a str, not {type(content).__name__}",
            message_vi="Nội dung gói tin (content) phải là chuỗi ký tự base64.",
            code="PACKET-INPUT-TYPE",
        )
    if not content.isascii():
        raise _err(
            "PACKET-BASE64",
            "content is not base64: it contains non-ASCII characters",
            "Nội dung gói tin không phải base64 hợp lệ (có ký tự ngoài bảng mã ASCII).",
        )
    try:
        blob = binascii.a2b_base64(content, strict_mode=True)
    except binascii.Error as exc:
        raise _err(
            "PACKET-BASE64",
            f"content is not valid base64: {exc}",
            "Nội dung gói tin không phải base64 hợp lệ (sai ký tự, khoảng trắng hoặc dấu '=').",
        ) from None
    # Non-canonical forms (e.g. "QR==" for "QQ==") carry hidden bits: refuse them too.
    if base64.b64encode(blob).decode("ascii") != content:
        raise _err(
            "PACKET-BASE64",
            "content is not canonical base64 (non-zero padding bits)",
            "Nội dung gói tin không phải base64 chuẩn (các bit đệm cuối khác 0).",
        )
    return blob


def decompress_content(content: str, *, limits: DecompressionLimits | None = None) -> bytes:
    """Decode a ``content`` string made by the Ministry's function; return the UTF-8 bytes.

    The gzip data is inflated in chunks and inflation stops as soon as the output exceeds the
    length prefix, ``limits.max_output_bytes`` or ``limits.max_ratio`` (above
    ``limits.ratio_floor_bytes``), so a zip bomb is never materialised.

    Raises:
        PacketError: with ``code`` one of ``PACKET-BASE64``, ``PACKET-PREFIX-SHORT``,
            ``PACKET-PREFIX-NEGATIVE``, ``PACKET-LENGTH-MISMATCH``, ``PACKET-GZIP``,
            ``PACKET-GZIP-TRUNCATED``, ``PACKET-TRAILING-DATA``, ``PACKET-TOO-LARGE``,
            ``PACKET-BOMB-SIZE``, ``PACKET-BOMB-RATIO``.
        InputError: ``content`` is not a ``str`` (``PACKET-INPUT-TYPE``).
    """
    lim = limits or _DEFAULT_LIMITS
    if isinstance(content, str) and len(content) > lim.max_content_chars:
        raise _err(
            "PACKET-TOO-LARGE",
            f"content has {len(content)} characters, more than the limit {lim.max_content_chars}",
            f"Gói tin quá lớn: {len(content)} ký tự, vượt giới hạn {lim.max_content_chars}.",
        )
    blob = _b64decode_strict(content)
    if len(blob) < 4:
        raise _err(
            "PACKET-PREFIX-SHORT",
            f"content decodes to {len(blob)} bytes: the 4-byte length prefix is missing",
            "Gói tin thiếu 4 byte tiền tố độ dài ở đầu.",
        )
    (declared,) = struct.unpack("<i", blob[:4])
    if declared < 0:
        raise _err(
            "PACKET-PREFIX-NEGATIVE",
            f"length prefix is negative ({declared})",
            f"Tiền tố độ dài của gói tin là số âm ({declared}).",
        )
    compressed = memoryview(blob)[4:]
    if declared > lim.max_output_bytes:
        raise _err(
            "PACKET-BOMB-SIZE",
            f"length prefix announces {declared} bytes, more than the limit {lim.max_output_bytes}",
            f"Gói tin khai báo {declared} byte sau giải nén, vượt giới hạn "
            f"{lim.max_output_bytes} byte.",
        )
    if declared > lim.ratio_floor_bytes and declared > lim.max_ratio * max(len(compressed), 1):
        raise _err(
            "PACKET-BOMB-RATIO",
            f"length prefix announces {declared} bytes from {len(compressed)} compressed bytes "
            f"(ratio above {lim.max_ratio:g})",
            f"Tỷ lệ nén bất thường ({declared} byte từ {len(compressed)} byte): có thể là "
            f"'bom nén', gói tin bị từ chối.",
        )
    return _inflate(compressed, declared, lim)


def _inflate(compressed: memoryview, declared: int, lim: DecompressionLimits) -> bytes:
    if len(compressed) == 0 or bytes(compressed[:2]) != GZIP_MAGIC:
        raise _err(
            "PACKET-GZIP",
            "the data after the length prefix is not a gzip stream",
            "Dữ liệu sau tiền tố độ dài không phải định dạng gzip.",
        )
    out: list[bytes] = []
    total = 0
    # Never produce more than one byte beyond what is allowed: that byte proves the excess.
    allowed = declared
    ratio_cap = lim.max_ratio * len(compressed)
    pos = 0
    n = len(compressed)
    while True:  # one iteration per gzip member
        inflater = zlib.decompressobj(wbits=31)
        while not inflater.eof:
            if inflater.unconsumed_tail:
                chunk = inflater.unconsumed_tail
            elif pos < n:
                chunk = bytes(compressed[pos : pos + lim.chunk_bytes])
                pos += len(chunk)
            else:
                raise _err(
                    "PACKET-GZIP-TRUNCATED",
                    "the gzip stream ends before its end marker (truncated content)",
                    "Dữ liệu nén bị cắt cụt (thiếu phần cuối của gzip).",
                )
            room = min(lim.chunk_bytes, allowed - total + 1)
            try:
                piece = inflater.decompress(chunk, room)
            except zlib.error as exc:
                raise _err(
                    "PACKET-GZIP",
                    f"the gzip stream is corrupt: {exc}",
                    "Dữ liệu nén gzip bị hỏng (sai cấu trúc hoặc sai mã kiểm tra CRC).",
                ) from None
            total += len(piece)
            _check_growth(total, declared, lim, ratio_cap, len(compressed))
            out.append(piece)
        rest = inflater.unused_data + bytes(compressed[pos:])
        if not rest:
            break
        if rest[:2] != GZIP_MAGIC:
            raise _err(
                "PACKET-TRAILING-DATA",
                f"{len(rest)} bytes of trailing data after the gzip stream",
                f"Có {len(rest)} byte dữ liệu thừa sau phần nén gzip.",
            )
        compressed = memoryview(rest)
        n = len(rest)
        pos = 0
    if total != declared:
        raise _err(
            "PACKET-LENGTH-MISMATCH",
            f"length prefix says {declared} bytes but the gzip data holds {total}",
            f"Tiền tố độ dài ghi {declared} byte nhưng dữ liệu giải nén có {total} byte.",
        )
    return b"".join(out)


def _check_growth(
    total: int, declared: int, lim: DecompressionLimits, ratio_cap: float, clen: int
) -> None:
    if total > declared:
        raise _err(
            "PACKET-LENGTH-MISMATCH",
            f"gzip data holds more than the {declared} bytes given by the length prefix",
            f"Dữ liệu giải nén dài hơn {declared} byte ghi ở tiền tố độ dài.",
        )
    if total > lim.ratio_floor_bytes and total > ratio_cap:
        raise _err(
            "PACKET-BOMB-RATIO",
            f"output exceeds {lim.max_ratio:g} times the {clen} compressed bytes",
            "Tỷ lệ nén bất thường: có thể là 'bom nén', gói tin bị từ chối.",
        )
