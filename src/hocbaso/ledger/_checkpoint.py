"""Signed checkpoints: C2SP ``tlog-checkpoint`` in a C2SP ``signed-note``, signed with Ed25519.

Internal module (unstable); the public names are re-exported by :mod:`hocbaso.ledger`.

A checkpoint commits an issuer to the state of its log::

    hocbaso-ledger/48491401          <- origin (names the log)
    1024                             <- tree size, decimal
    uA3X…base64…=                    <- root hash, standard base64 of 32 bytes
                                     <- blank line (ends the note text)
    — hocbaso-ledger/48491401 AbCd…  <- signature line(s): em dash, space, key name, space,
                                        base64(4-byte key hash ‖ 64-byte Ed25519 signature)

The signature is Ed25519 over the note text (the three lines, each with its ``\\n``). The key hash
is the first 4 bytes of ``SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)``; ``0x01`` is the
signed-note algorithm byte for Ed25519. Keys are written as in the reference implementation
(``golang.org/x/mod/sumdb/note``): verifier ``<name>+<8 hex key hash>+<base64(0x01 ‖ public
key)>``, signer ``PRIVATE+KEY+<name>+<8 hex key hash>+<base64(0x01 ‖ 32-byte seed)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hocbaso.errors import ConfigurationError, InputError, LedgerIntegrityError
from hocbaso.ledger._merkle import HASH_SIZE

__all__ = [
    "Checkpoint",
    "Ed25519NoteSigner",
    "Ed25519NoteVerifier",
    "NoteSigner",
    "NoteVerifier",
    "merge_signatures",
    "parse_checkpoint",
    "sign_checkpoint",
    "sign_note",
    "verify_note",
]

_ALG_ED25519 = 0x01
_SIG_PREFIX = "\u2014 "  # em dash, space
_MAX_SIGNATURES = 100
_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,19}")
_NAME_FORBIDDEN = re.compile(r"[\s+]")


def _bad_key(why: str, why_vi: str) -> ConfigurationError:
    return ConfigurationError(
        f"unusable note key: {why}",
        message_vi=f"Khóa ký điểm kiểm tra (checkpoint) không dùng được: {why_vi}.",
        code="LEDGER-KEY",
    )


def _check_name(name: str) -> str:
    if not name or _NAME_FORBIDDEN.search(name) or any(ord(c) < 0x20 for c in name):
        raise _bad_key(
            f"key name {name!r} must be non-empty, without spaces or '+'",
            f"tên khóa {name!r} không được rỗng, không chứa dấu cách hoặc '+'",
        )
    return name


def _key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([_ALG_ED25519]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


class NoteSigner(ABC):
    """Something that signs note text for a key name (*khóa ký của đơn vị phát hành*).

    Implement it to keep the private key in an HSM or a remote signing service; the log only
    needs :attr:`name`, :attr:`key_id` and :meth:`sign`.
    """

    @property
    @abstractmethod
    def name(self) -> str:
        """Key name written on the signature line."""

    @property
    @abstractmethod
    def key_id(self) -> int:
        """32-bit key hash (see the module docstring)."""

    @abstractmethod
    def sign(self, message: bytes) -> bytes:
        """Signature over ``message`` (the exact note text)."""


class NoteVerifier(ABC):
    """Checks signatures made by one :class:`NoteSigner` key."""

    @property
    @abstractmethod
    def name(self) -> str:
        """Key name expected on the signature line."""

    @property
    @abstractmethod
    def key_id(self) -> int:
        """32-bit key hash expected in the signature."""

    @abstractmethod
    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is valid for ``message``."""


class Ed25519NoteVerifier(NoteVerifier):
    """Ed25519 verifier key of a signed-note signer."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        self._name = _check_name(name)
        self._key = public_key
        self._raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._id = _key_id(name, self._raw)

    @property
    def name(self) -> str:
        """Key name."""
        return self._name

    @property
    def key_id(self) -> int:
        """32-bit key hash."""
        return self._id

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is a valid Ed25519 signature of ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def key_string(self) -> str:
        """``<name>+<8 hex key hash>+<base64(0x01 ‖ public key)>``."""
        blob = base64.b64encode(bytes([_ALG_ED25519]) + self._raw).decode("ascii")
        return f"{self._name}+{self._id:08x}+{blob}"

    @classmethod
    def from_key_string(cls, text: str) -> Ed25519NoteVerifier:
        """Parse a verifier key written by :meth:`key_string`; checks the key hash."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise _bad_key(
                "a verifier key has the form <name>+<hex hash>+<base64 key>",
                "khóa công khai phải có dạng <tên>+<mã băm hex>+<khóa base64>",
            )
        name, hex_id, blob = parts
        raw = _decode_key_blob(blob)
        try:
            key = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise _bad_key(
                "not an Ed25519 public key", "không phải khóa công khai Ed25519"
            ) from None
        verifier = cls(name, key)
        if f"{verifier.key_id:08x}" != hex_id:
            raise _bad_key("the key hash does not match the key", "mã băm khóa không khớp khóa")
        return verifier


class Ed25519NoteSigner(NoteSigner):
    """Ed25519 signer key for signed notes (checkpoints); the private key stays in memory."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._name = _check_name(name)
        self._key = private_key
        self._verifier = Ed25519NoteVerifier(name, private_key.public_key())

    @classmethod
    def generate(cls, name: str) -> Ed25519NoteSigner:
        """A new random key for ``name`` (use the log origin as the name)."""
        return cls(name, Ed25519PrivateKey.from_private_bytes(os.urandom(32)))

    @classmethod
    def from_key_string(cls, text: str) -> Ed25519NoteSigner:
        """Parse ``PRIVATE+KEY+<name>+<hex hash>+<base64(0x01 ‖ seed)>``; checks the key hash."""
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise _bad_key(
                "a signer key has the form PRIVATE+KEY+<name>+<hex hash>+<base64 key>",
                "khóa bí mật phải có dạng PRIVATE+KEY+<tên>+<mã băm hex>+<khóa base64>",
            )
        name, hex_id, blob = parts[2:]
        seed = _decode_key_blob(blob)
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        if f"{signer.key_id:08x}" != hex_id:
            raise _bad_key("the key hash does not match the key", "mã băm khóa không khớp khóa")
        return signer

    def key_string(self) -> str:
        """``PRIVATE+KEY+<name>+<8 hex key hash>+<base64(0x01 ‖ seed)>`` (keep it secret)."""
        seed = self._key.private_bytes_raw()
        blob = base64.b64encode(bytes([_ALG_ED25519]) + seed).decode("ascii")
        return f"PRIVATE+KEY+{self._name}+{self.key_id:08x}+{blob}"

    @property
    def name(self) -> str:
        """Key name."""
        return self._name

    @property
    def key_id(self) -> int:
        """32-bit key hash."""
        return self._verifier.key_id

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of ``message`` (64 bytes)."""
        return self._key.sign(message)

    def verifier(self) -> Ed25519NoteVerifier:
        """The matching verifier (public) key."""
        return self._verifier


def _decode_key_blob(blob: str) -> bytes:
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise _bad_key("the key is not valid base64", "khóa không phải base64 hợp lệ") from None
    if len(raw) != 33 or raw[0] != _ALG_ED25519:
        raise _bad_key(
            "only Ed25519 keys (algorithm byte 0x01, 32 bytes) are supported",
            "chỉ hỗ trợ khóa Ed25519",
        )
    return raw[1:]


def _bad_note(why_en: str, why_vi: str) -> LedgerIntegrityError:
    return LedgerIntegrityError(
        f"invalid checkpoint: {why_en}",
        message_vi=f"Điểm kiểm tra (checkpoint) của sổ không hợp lệ: {why_vi}.",
        code="LEDGER-CHECKPOINT-INVALID",
    )


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement of a log's size and root hash (*điểm kiểm tra có chữ ký*).

    Attributes:
        origin: the log's name (first line).
        size: number of entries covered.
        root_hash: RFC 9162 root hash of those entries (32 bytes).
        note: the complete signed note text (body, blank line, signature lines).
    """

    origin: str
    size: int
    root_hash: bytes
    note: str

    @property
    def body(self) -> str:
        """The signed text: origin, size and base64 root hash, each line ending in ``\\n``."""
        return self.note.rpartition("\n\n")[0] + "\n"

    def verify(self, verifier: NoteVerifier, *, origin: str | None = None) -> None:
        """Check the signature by ``verifier`` (and the origin, if given).

        Raises:
            LedgerIntegrityError: no valid signature by this key, or a different origin.
        """
        if origin is not None and origin != self.origin:
            raise _bad_note(
                f"origin is {self.origin!r}, expected {origin!r}",
                f"thuộc sổ {self.origin!r}, không phải sổ {origin!r}",
            )
        verify_note(self.note, verifier)


def sign_checkpoint(
    origin: str, size: int, root_hash: bytes, signers: Sequence[NoteSigner]
) -> Checkpoint:
    """Build the checkpoint text for ``(origin, size, root_hash)`` and sign it with each signer."""
    if not origin or "\n" in origin or any(ord(c) < 0x20 for c in origin):
        raise _bad_key(
            f"origin {origin!r} must be one non-empty line",
            f"tên sổ {origin!r} phải là một dòng không rỗng",
        )
    if len(root_hash) != HASH_SIZE or size < 0:
        raise InputError(
            "a checkpoint needs a 32-byte root hash and a non-negative size",
            message_vi="Điểm kiểm tra cần giá trị băm gốc 32 byte và kích thước không âm.",
            code="LEDGER-HASH-ARG",
        )
    if not signers:
        raise _bad_key("at least one signer is needed", "cần ít nhất một khóa ký")
    body = f"{origin}\n{size}\n{base64.b64encode(root_hash).decode('ascii')}\n"
    return Checkpoint(origin=origin, size=size, root_hash=root_hash, note=sign_note(body, signers))


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """C2SP signed note: ``text``, a blank line, one signature line per signer."""
    if not text.endswith("\n") or "\n\n" in text or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise InputError(
            "note text must end in a newline and have no blank lines or control characters",
            message_vi="Nội dung cần ký phải kết thúc bằng xuống dòng, không có dòng trống.",
            code="LEDGER-NOTE-TEXT",
        )
    lines = []
    for signer in signers:
        sig = signer.key_id.to_bytes(4, "big") + signer.sign(text.encode("utf-8"))
        lines.append(f"{_SIG_PREFIX}{signer.name} {base64.b64encode(sig).decode('ascii')}\n")
    return text + "\n" + "".join(lines)


def verify_note(note: str, verifier: NoteVerifier) -> str:
    """Check ``verifier``'s signature on a C2SP signed note; return the signed text.

    Signature lines of other keys are ignored; a line with the verifier's name and key hash
    whose signature does not verify makes the note invalid.
    """
    text = note.rpartition("\n\n")[0] + "\n"
    found = False
    for name, key_id, sig in _signature_lines(note):
        if name != verifier.name or key_id != verifier.key_id:
            continue
        if not verifier.verify(text.encode("utf-8"), sig):
            raise _bad_note(
                f"the signature by {name} is not valid",
                f"chữ ký của {name} không đúng — nội dung đã bị sửa",
            )
        found = True
    if not found:
        raise _bad_note(
            f"no signature by key {verifier.name} ({verifier.key_id:08x})",
            f"không có chữ ký của khóa {verifier.name}",
        )
    return text


def merge_signatures(old: Checkpoint, new: Checkpoint) -> Checkpoint:
    """``old`` with the signature lines of ``new`` added (same body required; one line per key)."""
    if old.body != new.body:
        raise _bad_note("the two checkpoints state different trees", "hai điểm kiểm tra khác nhau")
    have = {(name, key_id) for name, key_id, _ in _signature_lines(old.note)}
    lines = old.note[len(old.body) + 1 :].splitlines(keepends=True)
    for line, (name, key_id, _) in zip(
        new.note[len(new.body) + 1 :].splitlines(keepends=True),
        _signature_lines(new.note),
        strict=True,
    ):
        if (name, key_id) not in have:
            lines.append(line)
    return Checkpoint(old.origin, old.size, old.root_hash, old.body + "\n" + "".join(lines))


def _signature_lines(note: str) -> list[tuple[str, int, bytes]]:
    _, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise _bad_note("no signature block", "thiếu phần chữ ký")
    out = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith(_SIG_PREFIX):
            raise _bad_note(f"bad signature line {line!r}", "dòng chữ ký sai định dạng")
        name, sp, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if not sp or not name or len(raw) < 5 or _NAME_FORBIDDEN.search(name):
            raise _bad_note(f"bad signature line {line!r}", "dòng chữ ký sai định dạng")
        out.append((name, int.from_bytes(raw[:4], "big"), raw[4:]))
    if not out or len(out) > _MAX_SIGNATURES:
        raise _bad_note("no signatures or too many", "số chữ ký không hợp lệ")
    return out


def parse_checkpoint(note: str) -> Checkpoint:
    """Parse a signed checkpoint note WITHOUT checking any signature.

    Use :meth:`Checkpoint.verify` before trusting it. Extension lines after the root hash are
    allowed by the C2SP format and ignored.

    Raises:
        LedgerIntegrityError: the text is not a well-formed signed checkpoint.
    """
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise _bad_note("control characters in the note", "có ký tự điều khiển")
    _signature_lines(note)
    body = note.rpartition("\n\n")[0] + "\n"
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not lines[0] or any(not line for line in lines):
        raise _bad_note("the body needs origin, size and root hash lines", "thiếu dòng bắt buộc")
    origin, size_text, root_b64 = lines[:3]
    if not _SIZE_RE.fullmatch(size_text) or int(size_text) >= 1 << 64:
        raise _bad_note("bad tree size", "kích thước sổ sai")
    try:
        root = base64.b64decode(root_b64, validate=True)
    except (binascii.Error, ValueError):
        root = b""
    if len(root) != HASH_SIZE or base64.b64encode(root).decode("ascii") != root_b64:
        raise _bad_note("bad root hash", "giá trị băm gốc sai")
    return Checkpoint(origin=origin, size=int(size_text), root_hash=root, note=note)
