"""Properties of the issuance ledger's Merkle log (RFC 9162) and of the log it builds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hocbaso.errors import LedgerError, LedgerIntegrityError
from hocbaso.ledger import (
    IssueRequest,
    Ledger,
    SQLiteStore,
    consistency_path,
    inclusion_path,
    leaf_hash,
    merkle_root,
    verify_consistency,
    verify_inclusion,
    verify_lineage,
)

SETTINGS = settings(max_examples=60, deadline=None)
T0 = datetime(2024, 5, 30, tzinfo=UTC)

leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70).map(
    lambda xs: [leaf_hash(x) for x in xs]
)


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[(bit // 8) % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


@SETTINGS
@given(leaf_lists, st.data())
def test_every_inclusion_proof_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    size = data.draw(st.integers(1, len(leaves)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    path = inclusion_path(leaves, index, size)
    assert len(path) <= (size - 1).bit_length()
    verify_inclusion(leaves[index], index, size, path, merkle_root(leaves[:size]))


@SETTINGS
@given(leaf_lists, st.data())
def test_every_consistency_proof_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    size2 = data.draw(st.integers(1, len(leaves)), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    path = consistency_path(leaves, size1, size2)
    verify_consistency(size1, size2, path, merkle_root(leaves[:size1]), merkle_root(leaves[:size2]))


@SETTINGS
@given(leaf_lists, st.data())
def test_a_changed_leaf_or_inclusion_hash_fails(leaves: list[bytes], data: st.DataObject) -> None:
    size = data.draw(st.integers(1, len(leaves)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    path = inclusion_path(leaves, index, size)
    root = merkle_root(leaves[:size])
    bit = data.draw(st.integers(0, 255), label="bit")
    target = data.draw(st.integers(-2, len(path) - 1), label="which hash")
    leaf = leaves[index]
    if target == -2:
        leaf = _flip(leaf, bit)
    elif target == -1:
        root = _flip(root, bit)
    else:
        path[target] = _flip(path[target], bit)
    with pytest.raises(LedgerIntegrityError):
        verify_inclusion(leaf, index, size, path, root)


@SETTINGS
@given(leaf_lists, st.data())
def test_a_changed_consistency_hash_fails(leaves: list[bytes], data: st.DataObject) -> None:
    size2 = data.draw(st.integers(2, max(2, len(leaves))), label="size2")
    if size2 > len(leaves):
        leaves = leaves + [leaf_hash(b"pad")] * (size2 - len(leaves))
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    path = consistency_path(leaves, size1, size2)
    roots = [merkle_root(leaves[:size1]), merkle_root(leaves[:size2])]
    bit = data.draw(st.integers(0, 255), label="bit")
    target = data.draw(st.integers(-2, len(path) - 1), label="which hash")
    if target < 0:
        roots[target + 2] = _flip(roots[target + 2], bit)
    else:
        path[target] = _flip(path[target], bit)
    with pytest.raises(LedgerIntegrityError):
        verify_consistency(size1, size2, path, roots[0], roots[1])


@SETTINGS
@given(leaf_lists, st.data())
def test_a_changed_leaf_changes_the_root(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1), label="index")
    changed = list(leaves)
    changed[index] = _flip(changed[index], data.draw(st.integers(0, 255), label="bit"))
    assert merkle_root(changed) != merkle_root(leaves)


# -- the log the ledger builds ------------------------------------------------------------------

operations = st.lists(
    st.tuples(
        st.sampled_from(["issue", "request", "approve", "reject", "reissue"]), st.integers(0, 7)
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=25, deadline=None)
@given(operations)
def test_appends_keep_the_log_and_every_lineage_verifiable(ops: list[tuple[str, int]]) -> None:
    with Ledger(SQLiteStore(":memory:")) as ledger:
        issued: list[uuid.UUID] = []
        for n, (op, pick) in enumerate(ops):
            target = issued[pick % len(issued)] if issued else None
            new = uuid.UUID(int=(n + 1) << 64 | 1 << 62, version=4)
            request = IssueRequest(new, leaf_hash(b"%d" % n), leaf_hash(b"s%d" % pick))
            try:
                if op == "issue" or target is None:
                    ledger.issue_many("48491401", [request], at=T0)
                    issued.append(new)
                elif op == "request":
                    ledger.request_revocation(target, at=T0)
                elif op in ("approve", "reject"):
                    ledger.decide_revocation(target, approved=op == "approve", at=T0)
                else:
                    replacement = IssueRequest(
                        new, request.record_digest, request.student_key, replaces=target
                    )
                    ledger.issue_many("48491401", [replacement], at=T0)
                    issued.append(new)
            except LedgerIntegrityError:
                raise
            except LedgerError:
                pass  # refused by a lineage rule: nothing was written
        size = ledger.size("48491401")
        leaves = [ledger.entry("48491401", i).leaf_hash for i in range(size)]
        assert ledger.root_hash("48491401") == merkle_root(leaves)
        for i in range(size):
            assert ledger.inclusion_proof("48491401", i).path == tuple(inclusion_path(leaves, i))
        for u in issued:
            verify_lineage(ledger.history(u))
        assert ledger.audit()[0].ok
