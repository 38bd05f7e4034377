"""The copy code carried by the printable copy's QR code (internal).

Format, version 1 (``HBS1``)::

    HBS1:<MA_TRA_CUU_UUID>:<SHA-256 of the exact record bytes, base64url without padding>

* ``HBS1`` — fixed prefix: "Học bạ số", payload format version 1;
* the lookup UUID in its canonical form: 36 characters, lower-case hexadecimal, hyphenated;
* the digest: the 32-byte SHA-256 of the record file exactly as issued (signed bytes), as 43
  characters of the URL-safe base64 alphabet (RFC 4648 §5) with the ``=`` padding removed.

The whole code is 85 ASCII characters; nothing else may precede, follow or separate the parts.
The same digest is what the issuance ledger commits to (``hocbaso.ledger.record_digest``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from dataclasses import dataclass

from hocbaso.errors import InputError

COPY_CODE_PREFIX = "HBS"
COPY_CODE_VERSION = 1

_CODE_RE = re.compile(
    r"HBS(?P<version>[1-9][0-9]{0,2}):"
    r"(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):"
    r"(?P<digest>[A-Za-z0-9_-]{43})"
)
_HINT_VI = (
    "Mã kiểm tra bản in phải có dạng HBS1:<mã tra cứu UUID>:<mã băm SHA-256, 43 ký tự>; "
    "hãy quét lại mã QR trên bản in hoặc gõ lại đúng từng ký tự."
)


def _code_error(message_en: str, detail_vi: str = "") -> InputError:
    return InputError(
        message_en,
        message_vi=(detail_vi + " " if detail_vi else "") + _HINT_VI,
        code="COPY-CODE-FORMAT",
        location="QR",
    )


@dataclass(frozen=True, slots=True)
class CopyCode:
    """What the QR code of a printable copy says: which record, and a digest of its bytes.

    Attributes:
        lookup_uuid: ``MA_TRA_CUU_UUID`` — *mã tra cứu học bạ* of the record printed.
        digest: SHA-256 (32 bytes) of the exact record file the copy was made from.
        version: payload format version (1).
    """

    lookup_uuid: uuid.UUID
    digest: bytes
    version: int = COPY_CODE_VERSION

    def __post_init__(self) -> None:
        if not isinstance(self.lookup_uuid, uuid.UUID):
            raise _code_error("lookup_uuid must be a uuid.UUID")
        if not isinstance(self.digest, bytes) or len(self.digest) != 32:
            raise _code_error("digest must be the 32 bytes of a SHA-256")
        if self.version != COPY_CODE_VERSION:
            raise _code_error(
                f"copy code version {self.version} is not supported (only {COPY_CODE_VERSION})",
                f"Phiên bản mã HBS{self.version} chưa được hỗ trợ.",
            )

    @classmethod
    def for_bytes(cls, record_bytes: bytes, lookup_uuid: uuid.UUID) -> CopyCode:
        """The code of ``record_bytes`` (exact bytes) whose lookup UUID is ``lookup_uuid``."""
        return cls(lookup_uuid, hashlib.sha256(bytes(record_bytes)).digest())

    @classmethod
    def parse(cls, text: str) -> CopyCode:
        """Parse the text of a copy code (surrounding whitespace is ignored).

        Raises:
            InputError: ``COPY-CODE-FORMAT`` when the text is not a version-1 copy code.
        """
        if not isinstance(text, str):
            raise _code_error("the copy code must be text")
        stripped = text.strip()
        match = _CODE_RE.fullmatch(stripped)
        if match is None:
            shown = stripped[:100] + ("…" if len(stripped) > 100 else "")
            raise _code_error(
                f"{shown!r} is not a copy code (expected HBS1:<uuid>:<43 base64url characters>)",
                f"'{shown}' không phải mã kiểm tra bản in.",
            )
        version = int(match["version"])
        if version != COPY_CODE_VERSION:
            raise _code_error(
                f"copy code version {version} is not supported (only {COPY_CODE_VERSION})",
                f"Phiên bản mã HBS{version} chưa được hỗ trợ; hãy cập nhật phần mềm.",
            )
        try:
            digest = base64.urlsafe_b64decode(match["digest"] + "=")
        except (binascii.Error, ValueError):  # pragma: no cover - the pattern prevents it
            raise _code_error("the digest is not base64url") from None
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii") != match["digest"]:
            # Non-canonical trailing bits: a different text for the same digest is refused so
            # that one record has exactly one code.
            raise _code_error(
                "the digest is not in canonical base64url form", "Mã băm bị sai ký tự cuối."
            )
        return cls(uuid.UUID(match["uuid"]), digest, version)

    def to_text(self) -> str:
        """The code as printed and put in the QR code: ``HBS1:<uuid>:<digest>``."""
        return f"{COPY_CODE_PREFIX}{self.version}:{self.lookup_uuid}:{self.digest_b64}"

    @property
    def digest_b64(self) -> str:
        """The digest in base64url without padding (43 characters)."""
        return base64.urlsafe_b64encode(self.digest).rstrip(b"=").decode("ascii")

    @property
    def digest_hex(self) -> str:
        """The digest in lower-case hexadecimal (as ``sha256sum`` prints it)."""
        return self.digest.hex()

    def __str__(self) -> str:
        return self.to_text()
