"""Merkle tree hashing and proofs exactly as RFC 9162 §2.1 (Certificate Transparency v2).

Internal module (unstable); the public names are re-exported by :mod:`hocbaso.ledger`.

Everything here is a pure function: no storage, no clock. A tree over ``n`` leaves is addressed
by *complete subtrees* ``(level, index)``: the node at ``level`` ``k`` and ``index`` ``i`` is the
hash of the leaves ``[i·2ᵏ, (i+1)·2ᵏ)``. Because the log only ever grows, such a node never
changes once its last leaf exists, so stores keep exactly these nodes and every proof needs only
O(log n) of them (:func:`range_nodes`, :func:`inclusion_ranges`, :func:`consistency_ranges`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

from hocbaso.errors import InputError, LedgerIntegrityError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "NodeKey",
    "consistency_path",
    "consistency_ranges",
    "fold_range",
    "frontier_nodes",
    "hashes_for_ranges",
    "inclusion_path",
    "inclusion_ranges",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "range_nodes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Size in bytes of every hash in the log (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""Root hash of the empty tree: ``SHA-256()`` of no input (RFC 9162 §2.1.1)."""

NodeKey = tuple[int, int]
"""``(level, index)`` of a complete subtree: the hash of leaves ``[i·2^level, (i+1)·2^level)``."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: ``SHA-256(0x00 ‖ data)``."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: ``SHA-256(0x01 ‖ left ‖ right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``), RFC 9162's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[NodeKey]:
    """The complete subtrees that make up the leaf range ``[start, end)``, left to right.

    The ranges that occur in an RFC 9162 tree (and in its proofs) start at a multiple of the
    smallest power of two not below their length, so the greedy split by descending powers of two
    is exactly the RFC's left-heavy split and ``MTH(D[start:end])`` is :func:`fold_range` of them.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative leaf range [{start}, {end})")
    nodes: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"leaf range [{start}, {end}) is not a subtree of an RFC 9162 tree")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def frontier_nodes(size: int) -> list[NodeKey]:
    """The complete subtrees of a tree of ``size`` leaves (one per set bit), left to right."""
    return range_nodes(0, size) if size else []


def fold_range(hashes: Sequence[bytes]) -> bytes:
    """Hash of a range from its complete subtrees (left to right): ``H(c₁, H(c₂, … cₖ))``."""
    if not hashes:
        raise ValueError("no subtree hashes to fold")
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """``MTH(D[n])`` (RFC 9162 §2.1.1) of a list of leaf hashes (:func:`leaf_hash` of each entry).

    The empty list gives :data:`EMPTY_ROOT`. Iterative, O(n) time and O(log n) memory.
    """
    stack: list[tuple[int, bytes]] = []  # (level, hash) of complete subtrees, left to right
    for h in leaf_hashes:
        level, acc = 0, h
        while stack and stack[-1][0] == level:
            acc = node_hash(stack.pop()[1], acc)
            level += 1
        stack.append((level, acc))
    if not stack:
        return EMPTY_ROOT
    return fold_range([h for _, h in stack])


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form ``PATH(index, D[size])`` (RFC 9162 §2.1.3.1), bottom first."""
    if not 0 <= index < size:
        raise InputError(
            f"leaf index {index} is not in a tree of size {size}",
            message_vi=f"Mục số {index} không có trong sổ có {size} mục.",
            code="LEDGER-INDEX-RANGE",
        )
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form ``PROOF(size1, D[size2])`` (RFC 9162 §2.1.4.1), in order.

    Only defined for ``0 < size1 < size2``; equal sizes need no proof (an empty list is returned).
    """
    if not 0 < size1 <= size2:
        raise InputError(
            f"no consistency proof from size {size1} to size {size2} (need 0 < size1 <= size2)",
            message_vi=(
                f"Không thể lập bằng chứng nhất quán từ kích thước {size1} đến {size2}: "
                "cần 0 < kích thước cũ ≤ kích thước mới."
            ),
            code="LEDGER-SIZE-RANGE",
        )
    if size1 == size2:
        return []
    out: list[tuple[int, int]] = []
    lo, hi, whole = 0, size2, True
    while True:
        if size1 == hi:
            if not whole:
                out.append((lo, hi))
            break
        k = _largest_power_of_two_below(hi - lo)
        if size1 <= lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
            whole = False
    out.reverse()
    return out


def hashes_for_ranges(
    ranges: Sequence[tuple[int, int]], read: Callable[[Sequence[NodeKey]], Mapping[NodeKey, bytes]]
) -> list[bytes]:
    """Hash of each range, reading all needed complete-subtree nodes with one call to ``read``."""
    plans = [range_nodes(a, b) for a, b in ranges]
    wanted = sorted({key for plan in plans for key in plan})
    got = read(wanted)
    return [fold_range([got[key] for key in plan]) for plan in plans]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------------------------


def _fail(what_en: str, what_vi: str, code: str = "LEDGER-PROOF-INVALID") -> LedgerIntegrityError:
    return LedgerIntegrityError(what_en, message_vi=what_vi, code=code)


def _check_hash(value: bytes, name: str) -> None:
    if len(value) != HASH_SIZE:
        raise _fail(
            f"{name} is {len(value)} bytes, not {HASH_SIZE}",
            f"Giá trị băm {name} dài {len(value)} byte, phải là {HASH_SIZE} byte.",
        )


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof (RFC 9162 §2.1.3.2); raise :class:`LedgerIntegrityError` if bad.

    Args:
        leaf: the *leaf hash* (:func:`leaf_hash` of the entry bytes), 32 bytes.
        index: 0-based position of the leaf in the tree.
        size: number of leaves in the tree the proof is for.
        proof: the inclusion path, bottom first.
        root: the expected root hash of the tree of ``size`` leaves.
    """
    if not 0 <= index < size:
        raise _fail(
            f"leaf index {index} is not below tree size {size}",
            f"Vị trí {index} không nằm trong cây có {size} mục.",
        )
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(p, "proof hash")
        if sn == 0:
            raise _fail("inclusion proof is too long", "Bằng chứng có nhiều giá trị băm hơn cần.")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("inclusion proof is too short", "Bằng chứng thiếu giá trị băm.")
    if r != root:
        raise _fail(
            "inclusion proof does not lead to the root hash",
            "Bằng chứng không dẫn tới giá trị băm gốc: mục này không có trong sổ đã ký.",
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); raise :class:`LedgerIntegrityError` if bad.

    Proves that the tree of ``size2`` leaves with root ``root2`` extends the tree of ``size1``
    leaves with root ``root1`` without changing it. Requires ``0 < size1 <= size2``; for equal
    sizes the proof must be empty and the roots equal. A proof from the empty tree is refused (it
    would prove nothing), as in the transparency-dev reference vectors.
    """
    if size1 > size2:
        raise _fail(
            f"size1 {size1} is larger than size2 {size2}",
            f"Kích thước cũ {size1} lớn hơn kích thước mới {size2}: sổ không thể thu nhỏ.",
        )
    if size1 == 0:
        raise _fail(
            "a consistency proof from the empty tree proves nothing",
            "Bằng chứng nhất quán từ sổ rỗng không có ý nghĩa.",
        )
    if size1 == size2:
        if proof:
            raise _fail(
                "sizes are equal but the proof is not empty",
                "Hai kích thước bằng nhau nhưng bằng chứng không rỗng.",
            )
        if root1 != root2:
            raise _fail(
                "same tree size but different root hashes: the log was rewritten",
                "Cùng kích thước nhưng khác giá trị băm gốc: sổ đã bị viết lại.",
            )
        return
    _check_hash(root1, "root1")
    _check_hash(root2, "root2")
    if not proof:
        raise _fail("consistency proof is empty", "Bằng chứng nhất quán rỗng.")
    for p in proof:
        _check_hash(p, "proof hash")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is an exact power of two
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _fail("consistency proof is too long", "Bằng chứng có nhiều giá trị băm hơn cần.")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("consistency proof is too short", "Bằng chứng nhất quán thiếu giá trị băm.")
    if fr != root1:
        raise _fail(
            "consistency proof does not match the older root hash",
            "Bằng chứng không khớp giá trị băm gốc cũ: sổ đã bị viết lại.",
        )
    if sr != root2:
        raise _fail(
            "consistency proof does not match the newer root hash",
            "Bằng chứng không khớp giá trị băm gốc mới.",
        )


# --- in-memory proofs (tests, tools, independent checks) -------------------------------------


def _memory_reader(
    leaf_hashes: Sequence[bytes],
) -> Callable[[Sequence[NodeKey]], Mapping[NodeKey, bytes]]:
    def read(keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        return {(lv, i): merkle_root(leaf_hashes[i << lv : (i + 1) << lv]) for lv, i in keys}

    return read


def _more_than_given(size: int, given: int) -> InputError:
    return InputError(
        f"tree size {size} is larger than the {given} leaf hashes given",
        message_vi=f"Kích thước {size} lớn hơn số {given} giá trị băm được cung cấp.",
        code="LEDGER-SIZE-RANGE",
    )


def inclusion_path(
    leaf_hashes: Sequence[bytes], index: int, size: int | None = None
) -> list[bytes]:
    """``PATH(index, D[size])`` computed from a list of leaf hashes (default size: all of them)."""
    size = len(leaf_hashes) if size is None else size
    if size > len(leaf_hashes):
        raise _more_than_given(size, len(leaf_hashes))
    return hashes_for_ranges(inclusion_ranges(index, size), _memory_reader(leaf_hashes))


def consistency_path(
    leaf_hashes: Sequence[bytes], size1: int, size2: int | None = None
) -> list[bytes]:
    """``PROOF(size1, D[size2])`` computed from a list of leaf hashes (default size2: all)."""
    size2 = len(leaf_hashes) if size2 is None else size2
    if size2 > len(leaf_hashes):
        raise _more_than_given(size2, len(leaf_hashes))
    return hashes_for_ranges(consistency_ranges(size1, size2), _memory_reader(leaf_hashes))
