"""Self-contained proof objects and their JSON form; verifying them needs no database.

Internal module (unstable); the public names are re-exported by :mod:`hocbaso.ledger`.
The JSON formats are specified in ``docs/ledger.md`` ("Proof formats").
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hocbaso.errors import InputError, LedgerIntegrityError
from hocbaso.ledger._checkpoint import Checkpoint, NoteVerifier, parse_checkpoint
from hocbaso.ledger._entry import LedgerEntry, parse_entry
from hocbaso.ledger._merkle import leaf_hash, verify_consistency, verify_inclusion

__all__ = [
    "CONSISTENCY_PROOF_FORMAT",
    "INCLUSION_PROOF_FORMAT",
    "ConsistencyProof",
    "InclusionProof",
    "proof_from_json",
]

INCLUSION_PROOF_FORMAT = "hocbaso-ledger-inclusion-proof/1"
"""``format`` member of an inclusion proof's JSON form."""

CONSISTENCY_PROOF_FORMAT = "hocbaso-ledger-consistency-proof/1"
"""``format`` member of a consistency proof's JSON form."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bad_json(why: str) -> InputError:
    return InputError(
        f"unusable proof JSON: {why}",
        message_vi=f"Tệp bằng chứng (JSON) không dùng được (chi tiết kỹ thuật: {why}).",
        code="LEDGER-PROOF-FORMAT",
    )


def _get(obj: Mapping[str, Any], key: str, kind: type) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad_json(f"'{key}' is missing or not a {kind.__name__}")
    return value


def _unb64(value: Any, key: str) -> bytes:
    if not isinstance(value, str):
        raise _bad_json(f"'{key}' is not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad_json(f"'{key}' is not valid base64") from None


def _path(obj: Mapping[str, Any], key: str) -> tuple[bytes, ...]:
    items = obj.get(key)
    if not isinstance(items, list):
        raise _bad_json(f"'{key}' is not a list")
    return tuple(_unb64(h, key) for h in items)


def _optional_note(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise _bad_json(f"'{key}' is not a string")
    return value


def _invalid(en: str, vi: str) -> LedgerIntegrityError:
    return LedgerIntegrityError(en, message_vi=vi, code="LEDGER-PROOF-INVALID")


def _check_checkpoint(
    note: str | None,
    origin: str,
    size: int,
    root: bytes,
    verifier: NoteVerifier | None,
) -> Checkpoint | None:
    if note is None:
        if verifier is not None:
            raise _invalid(
                f"the proof carries no signed checkpoint for size {size}",
                f"Bằng chứng không kèm điểm kiểm tra có chữ ký cho kích thước {size}.",
            )
        return None
    cp = parse_checkpoint(note)
    if cp.origin != origin or cp.size != size or cp.root_hash != root:
        raise _invalid(
            "the checkpoint does not state this origin, size and root hash",
            "Điểm kiểm tra kèm theo không khớp tên sổ, kích thước hoặc giá trị băm gốc.",
        )
    if verifier is not None:
        cp.verify(verifier, origin=origin)
    return cp


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Proof that one entry is in an issuer's log of a given size (*bằng chứng có trong sổ*).

    Attributes:
        origin: the log's checkpoint origin.
        leaf_index: the entry's index.
        tree_size: size of the tree the proof is for.
        leaf: the exact entry bytes.
        path: inclusion path (RFC 9162 ``PATH``), bottom first.
        root_hash: root hash of the tree of ``tree_size`` entries.
        checkpoint: the signed checkpoint note for ``tree_size``, when the log has one.
    """

    origin: str
    leaf_index: int
    tree_size: int
    leaf: bytes
    path: tuple[bytes, ...]
    root_hash: bytes
    checkpoint: str | None = None

    @property
    def entry(self) -> LedgerEntry:
        """The parsed entry (not yet proved: call :meth:`verify`)."""
        return parse_entry(self.leaf)

    def verify(self, verifier: NoteVerifier | None = None) -> LedgerEntry:
        """Check the proof; return the proved entry.

        Checks that the entry parses and states ``leaf_index``, that the path leads from its
        leaf hash to ``root_hash`` (RFC 9162 §2.1.3.2), that an attached checkpoint states the
        same origin, size and root, and — when ``verifier`` is given — that the checkpoint is
        present and signed by that key.

        Raises:
            LedgerIntegrityError: any check failed.
        """
        entry = parse_entry(self.leaf)
        if entry.index != self.leaf_index:
            raise _invalid(
                f"the entry states index {entry.index}, the proof {self.leaf_index}",
                f"Mục ghi số thứ tự {entry.index} nhưng bằng chứng ghi {self.leaf_index}.",
            )
        verify_inclusion(
            leaf_hash(self.leaf), self.leaf_index, self.tree_size, self.path, self.root_hash
        )
        _check_checkpoint(self.checkpoint, self.origin, self.tree_size, self.root_hash, verifier)
        return entry

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see ``docs/ledger.md``)."""
        return {
            "format": INCLUSION_PROOF_FORMAT,
            "origin": self.origin,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf": _b64(self.leaf),
            "inclusion_path": [_b64(h) for h in self.path],
            "root_hash": _b64(self.root_hash),
            "checkpoint": self.checkpoint,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> InclusionProof:
        """Read the JSON form; raise :class:`InputError` if it is not one."""
        if obj.get("format") != INCLUSION_PROOF_FORMAT:
            raise _bad_json(f"'format' is not {INCLUSION_PROOF_FORMAT!r}")
        return cls(
            origin=_get(obj, "origin", str),
            leaf_index=_get(obj, "leaf_index", int),
            tree_size=_get(obj, "tree_size", int),
            leaf=_unb64(obj.get("leaf"), "leaf"),
            path=_path(obj, "inclusion_path"),
            root_hash=_unb64(obj.get("root_hash"), "root_hash"),
            checkpoint=_optional_note(obj, "checkpoint"),
        )


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """Proof that a log of ``size2`` entries extends its earlier state of ``size1`` entries.

    (*bằng chứng nhất quán*: nothing issued before was changed or removed.)

    Attributes:
        origin: the log's checkpoint origin.
        size1: the older tree size.
        size2: the newer tree size.
        root1: root hash at ``size1``.
        root2: root hash at ``size2``.
        path: consistency path (RFC 9162 ``PROOF``).
        checkpoint1: signed checkpoint note for ``size1``, when the log has one.
        checkpoint2: signed checkpoint note for ``size2``, when the log has one.
    """

    origin: str
    size1: int
    size2: int
    root1: bytes
    root2: bytes
    path: tuple[bytes, ...]
    checkpoint1: str | None = None
    checkpoint2: str | None = None

    def verify(self, verifier: NoteVerifier | None = None) -> None:
        """Check the proof (RFC 9162 §2.1.4.2) and any attached checkpoints.

        When ``verifier`` is given, both checkpoints must be attached and signed by it.

        Raises:
            LedgerIntegrityError: any check failed.
        """
        verify_consistency(self.size1, self.size2, self.path, self.root1, self.root2)
        _check_checkpoint(self.checkpoint1, self.origin, self.size1, self.root1, verifier)
        _check_checkpoint(self.checkpoint2, self.origin, self.size2, self.root2, verifier)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see ``docs/ledger.md``)."""
        return {
            "format": CONSISTENCY_PROOF_FORMAT,
            "origin": self.origin,
            "size1": self.size1,
            "size2": self.size2,
            "root1": _b64(self.root1),
            "root2": _b64(self.root2),
            "consistency_path": [_b64(h) for h in self.path],
            "checkpoint1": self.checkpoint1,
            "checkpoint2": self.checkpoint2,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> ConsistencyProof:
        """Read the JSON form; raise :class:`InputError` if it is not one."""
        if obj.get("format") != CONSISTENCY_PROOF_FORMAT:
            raise _bad_json(f"'format' is not {CONSISTENCY_PROOF_FORMAT!r}")
        return cls(
            origin=_get(obj, "origin", str),
            size1=_get(obj, "size1", int),
            size2=_get(obj, "size2", int),
            root1=_unb64(obj.get("root1"), "root1"),
            root2=_unb64(obj.get("root2"), "root2"),
            path=_path(obj, "consistency_path"),
            checkpoint1=_optional_note(obj, "checkpoint1"),
            checkpoint2=_optional_note(obj, "checkpoint2"),
        )


def proof_from_json(obj: Any) -> InclusionProof | ConsistencyProof:
    """Read either proof's JSON form, chosen by its ``format`` member."""
    if not isinstance(obj, Mapping):
        raise _bad_json("not a JSON object")
    if obj.get("format") == CONSISTENCY_PROOF_FORMAT:
        return ConsistencyProof.from_json(obj)
    return InclusionProof.from_json(obj)
