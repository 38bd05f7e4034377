"""Regenerate the generated codec vectors of this folder (see README.md).

Run ``python tests/batch/vectors/generate.py`` from the repository root. The test
``tests/batch/test_vectors.py::test_generated_vectors_are_reproducible`` rebuilds them in memory
and fails on any difference, so the committed files always match this script.

Only the standard library is used (``base64``, ``gzip``, ``struct``, ``zlib``), never the code
under test, so the vectors are an independent implementation of Phụ lục 1.2.
"""

from __future__ import annotations

import base64
import gzip
import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _b64(blob: bytes) -> bytes:
    return base64.b64encode(blob)


def _member(raw: bytes, *, xfl: int = 0, os_byte: int = 0xFF, level: int = 6) -> bytes:
    """One gzip member with a fixed 10-byte header (mtime 0), built by hand."""
    deflater = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = deflater.compress(raw) + deflater.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + bytes([xfl, os_byte])
    return header + body + struct.pack("<II", zlib.crc32(raw), len(raw))


def _prefixed(n: int, gz: bytes) -> bytes:
    return struct.pack("<i", n) + gz


def build() -> dict[str, bytes]:
    """File name → bytes of every generated vector."""
    revocation = (HERE / "revocation-example.xml").read_bytes()
    hello = "Học bạ số — Trương Phương Anh".encode()
    out: dict[str, bytes] = {}
    # Accepted inputs.
    out["revocation-example.b64"] = _b64(_prefixed(len(revocation), _member(revocation)))
    out["dotnet-framework-header.b64"] = _b64(
        _prefixed(len(revocation), _member(revocation, xfl=4, os_byte=0))
    )
    out["python-gzip-module.b64"] = _b64(_prefixed(len(hello), gzip.compress(hello, mtime=0)))
    out["two-members.b64"] = _b64(
        _prefixed(len(hello) * 2, gzip.compress(hello, mtime=0) + gzip.compress(hello, mtime=0))
    )
    out["hello.txt"] = hello
    out["hello-twice.txt"] = hello + hello
    # Refused inputs.
    good = _prefixed(len(hello), _member(hello))
    good_b64 = _b64(good)
    out["err-base64-char.b64"] = good_b64[:8] + b"*" + good_b64[9:]
    out["err-base64-newline.b64"] = good_b64[:20] + b"\n" + good_b64[20:]
    out["err-base64-url-alphabet.b64"] = good_b64.replace(b"+", b"-").replace(b"/", b"_")
    # "QQ==" is the canonical base64 of b"A"; "QR==" sets a padding bit and decodes the same.
    out["err-base64-noncanonical.b64"] = b"QR=="
    out["err-base64-padding.b64"] = good_b64.rstrip(b"=") if good_b64.endswith(b"=") else b"QQ"
    out["err-empty.b64"] = b""
    out["err-prefix-short.b64"] = _b64(b"\x09\x00")
    out["err-prefix-only.b64"] = _b64(struct.pack("<i", 0))
    out["err-prefix-negative.b64"] = _b64(struct.pack("<i", -1) + _member(hello))
    out["err-length-larger.b64"] = _b64(_prefixed(len(hello) + 1, _member(hello)))
    out["err-length-smaller.b64"] = _b64(_prefixed(len(hello) - 1, _member(hello)))
    out["err-gzip-truncated.b64"] = _b64(good[:-5])
    out["err-gzip-header-only.b64"] = _b64(good[:14])
    out["err-trailing-garbage.b64"] = _b64(good + b"\x00\x00")
    out["err-zlib-not-gzip.b64"] = _b64(_prefixed(len(hello), zlib.compress(hello)))
    bad_crc = bytearray(good)
    bad_crc[-8] ^= 0x01
    out["err-gzip-bad-crc.b64"] = _b64(bytes(bad_crc))
    out["err-prefix-huge.b64"] = _b64(_prefixed(2**31 - 1, _member(hello)))
    zeros = b"\x00" * (8 * 1024 * 1024)
    out["err-bomb-ratio.b64"] = _b64(_prefixed(len(zeros), _member(zeros, level=9)))
    return out


def main() -> int:
    """Write every generated vector next to this script."""
    for name, data in build().items():
        (HERE / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
