"""The content codec: Phụ lục 1.2 framing, determinism, strict decoding and zip-bomb limits."""

from __future__ import annotations

import base64
import gzip
import struct
import tracemalloc
import zlib

import pytest

from hocbaso.batch import DecompressionLimits, compress_content, decompress_content
from hocbaso.errors import ConfigurationError, EncodingError, InputError, PacketError

VIETNAMESE = "Trường Tiểu học Điện Biên Phủ — Học bạ số năm học 2023-2024: Giỏi, Hoàn thành tốt."


def _reference_compress(text: str) -> bytes:
    """The spec's Python transcription (shared/spec §2.4), minus base64."""
    raw = text.encode("utf-8")
    return struct.pack("<i", len(raw)) + gzip.compress(raw)


def test_framing_matches_the_spec_transcription() -> None:
    blob = base64.b64decode(compress_content(VIETNAMESE))
    raw = VIETNAMESE.encode("utf-8")
    assert struct.unpack("<i", blob[:4])[0] == len(raw)  # bytes, not characters
    assert len(raw) != len(VIETNAMESE)
    assert gzip.decompress(blob[4:]) == raw
    # And the spec's own encoder output (Python gzip header, mtime = now) decodes with ours.
    reference = base64.b64encode(_reference_compress(VIETNAMESE)).decode("ascii")
    assert decompress_content(reference) == raw


def test_str_and_bytes_give_the_same_content() -> None:
    assert compress_content(VIETNAMESE) == compress_content(VIETNAMESE.encode("utf-8"))
    assert compress_content(bytearray(b"abc")) == compress_content("abc")


def test_output_is_deterministic_and_header_fixed() -> None:
    first = compress_content(VIETNAMESE)
    assert first == compress_content(VIETNAMESE)
    header = base64.b64decode(first)[4:14]
    assert header == bytes.fromhex("1f8b08000000000000ff")  # mtime 0, XFL 0, OS 255


@pytest.mark.parametrize(("level", "xfl"), [(1, 4), (6, 0), (9, 2), (0, 0)])
def test_levels(level: int, xfl: int) -> None:
    content = compress_content(VIETNAMESE * 20, level=level)
    assert base64.b64decode(content)[12] == xfl
    assert decompress_content(content) == (VIETNAMESE * 20).encode()


@pytest.mark.parametrize("level", [-1, 10, True, 3.0])
def test_bad_level(level: object) -> None:
    with pytest.raises(InputError) as info:
        compress_content("x", level=level)  # type: ignore[arg-type]
    assert info.value.code == "PACKET-LEVEL"


def test_lone_surrogate_is_an_encoding_error() -> None:
    with pytest.raises(EncodingError) as info:
        compress_content("abc\udc80")
    assert info.value.code == "PACKET-UTF8"


@pytest.mark.parametrize("value", [None, 12, ["x"]])
def test_wrong_types(value: object) -> None:
    with pytest.raises(InputError) as info:
        compress_content(value)  # type: ignore[arg-type]
    assert info.value.code == "PACKET-INPUT-TYPE"
    with pytest.raises(InputError) as info:
        decompress_content(value)  # type: ignore[arg-type]
    assert info.value.code == "PACKET-INPUT-TYPE"


def test_non_ascii_content_is_bad_base64() -> None:
    with pytest.raises(PacketError) as info:
        decompress_content("AAAAAB+LCAAAAAAAAP8DAAAAAAAAAAAÀ")
    assert info.value.code == "PACKET-BASE64"


def test_content_longer_than_limit() -> None:
    content = compress_content("x" * 1000)
    with pytest.raises(PacketError) as info:
        decompress_content(content, limits=DecompressionLimits(max_content_chars=len(content) - 1))
    assert info.value.code == "PACKET-TOO-LARGE"
    assert decompress_content(content, limits=DecompressionLimits(max_content_chars=len(content)))


def test_declared_size_above_max_output_is_refused_before_inflating() -> None:
    content = compress_content("y" * 5000)
    with pytest.raises(PacketError) as info:
        decompress_content(content, limits=DecompressionLimits(max_output_bytes=4999))
    assert info.value.code == "PACKET-BOMB-SIZE"
    assert len(decompress_content(content, limits=DecompressionLimits(max_output_bytes=5000))) == (
        5000
    )


def _lying_bomb(size: int, announced: int) -> str:
    """``size`` zero bytes deflated, with a prefix announcing only ``announced`` bytes."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [struct.pack("<i", announced)]
    chunk = b"\0" * (1 << 20)
    for _ in range(size >> 20):
        parts.append(deflater.compress(chunk))
    parts.append(deflater.flush())
    return base64.b64encode(b"".join(parts)).decode("ascii")


def test_bomb_with_lying_prefix_stops_early_without_materialising() -> None:
    bomb = _lying_bomb(512 << 20, 1000)  # 512 MiB of zeros claiming 1000 bytes
    tracemalloc.start()
    try:
        with pytest.raises(PacketError) as info:
            decompress_content(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "PACKET-LENGTH-MISMATCH"
    assert peak < 8 << 20  # far below the 512 MiB it would inflate to


def test_bomb_under_size_limit_stopped_by_ratio_while_streaming() -> None:
    # Prefix honest about 64 MiB, ratio check done on the fly: lower the floor so the
    # up-front check does not fire, and let the streaming check stop it.
    size = 64 << 20
    bomb = _lying_bomb(size, size)
    limits = DecompressionLimits(max_ratio=1e6, ratio_floor_bytes=0)
    assert len(decompress_content(bomb, limits=limits)) == size  # accepted when allowed
    strict = DecompressionLimits(max_ratio=50.0, ratio_floor_bytes=1 << 20)
    with pytest.raises(PacketError) as info:
        decompress_content(bomb, limits=strict)
    assert info.value.code == "PACKET-BOMB-RATIO"


def test_streaming_ratio_check_with_understated_prefix() -> None:
    # The prefix passes the up-front ratio test; the gzip data hold far more.
    bomb = _lying_bomb(64 << 20, 2 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(PacketError) as info:
            decompress_content(bomb, limits=DecompressionLimits(max_ratio=1e6))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "PACKET-LENGTH-MISMATCH"
    assert peak < 16 << 20


def test_small_repetitive_content_below_floor_is_not_a_bomb() -> None:
    text = "a" * 500_000  # ratio ~1000:1 but under the 1 MiB floor
    assert decompress_content(compress_content(text)) == text.encode()


def test_error_carries_both_languages_and_location() -> None:
    with pytest.raises(PacketError) as info:
        decompress_content("@@@@")
    err = info.value
    assert err.location == "content"
    assert "base64" in err.message_en
    assert "base64" in err.message_vi
    assert isinstance(err, ValueError)


class TestLimits:
    def test_defaults(self) -> None:
        lim = DecompressionLimits()
        assert lim.max_output_bytes == 256 << 20
        assert lim.max_ratio == 200.0

    def test_frozen(self) -> None:
        lim = DecompressionLimits()
        with pytest.raises(Exception, match="frozen"):
            lim.max_ratio = 5.0  # type: ignore[misc]

    def test_from_dict_rejects_unknown_key(self) -> None:
        with pytest.raises(ConfigurationError) as info:
            DecompressionLimits.from_dict({"max_ratio": 10, "max_bombs": 1})
        assert info.value.code == "CONFIG-LIMITS"
        assert info.value.location == "max_bombs"

    @pytest.mark.parametrize(
        "data",
        [
            {"max_ratio": 0.5},
            {"max_output_bytes": -1},
            {"max_output_bytes": 2**31},
            {"max_output_bytes": "10"},
            {"chunk_bytes": 10},
        ],
    )
    def test_bad_values(self, data: dict[str, object]) -> None:
        with pytest.raises(ConfigurationError):
            DecompressionLimits.from_dict(data)

    def test_from_dict_requires_mapping(self) -> None:
        with pytest.raises(ConfigurationError):
            DecompressionLimits.from_dict([("max_ratio", 2)])  # type: ignore[arg-type]

    def test_from_dict_ok(self) -> None:
        assert DecompressionLimits.from_dict({"max_ratio": 10}).max_ratio == 10.0
