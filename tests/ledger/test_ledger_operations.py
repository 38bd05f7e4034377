"""Issue, revoke, reissue, proofs and checkpoints — the same tests on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from hocbaso.errors import InputError, LedgerError, LedgerIntegrityError
from hocbaso.ledger import (
    ConsistencyProof,
    Decision,
    Ed25519NoteSigner,
    EventType,
    InclusionProof,
    IssueRequest,
    Ledger,
    LedgerEntry,
    LedgerStore,
    PostgresStore,
    SQLiteStore,
    merkle_root,
    record_digest,
    verify_lineage,
)

from .ledger_helpers import OTHER_SCHOOL, SCHOOL, T0, issue_n, record, request, skey, v4


def _issue(ledger: Ledger, i: int) -> LedgerEntry:
    return ledger.issue(
        record(i), lookup_uuid=v4(i), school_code=SCHOOL, student_key=skey(i), at=T0
    )


def _revoke(ledger: Ledger, i: int, *, approved: bool = True) -> None:
    ledger.request_revocation(v4(i), at=T0 + timedelta(days=1))
    ledger.decide_revocation(v4(i), approved=approved, at=T0 + timedelta(days=2))


def test_issue_logs_digest_of_exact_bytes(ledger: Ledger) -> None:
    entry = ledger.issue(
        record(0), lookup_uuid=str(v4(0)), school_code=SCHOOL, student_key=skey(0), at=T0
    )
    assert entry.index == 0 and entry.event is EventType.ISSUE
    assert entry.record_digest == record_digest(record(0))
    assert entry.prev_hash is None and entry.time == T0
    assert ledger.size(SCHOOL) == 1
    assert ledger.entry(SCHOOL, 0) == entry
    assert ledger.origin(SCHOOL) == f"hocbaso-ledger/{SCHOOL}"
    assert ledger.schools() == [SCHOOL]


def test_reissuing_identical_bytes_is_idempotent(ledger: Ledger) -> None:
    first = _issue(ledger, 0)
    _issue(ledger, 1)
    assert _issue(ledger, 0) == first
    assert ledger.size(SCHOOL) == 2


def test_different_bytes_under_an_issued_uuid_are_refused(ledger: Ledger) -> None:
    _issue(ledger, 0)
    with pytest.raises(LedgerError) as info:
        ledger.issue(
            record(0) + b" ", lookup_uuid=v4(0), school_code=SCHOOL, student_key=skey(0), at=T0
        )
    assert info.value.code == "LEDGER-UUID-REUSED"
    assert "MA_TRA_CUU_UUID" in info.value.message_vi
    assert ledger.size(SCHOOL) == 1


def test_a_uuid_is_unique_across_schools(ledger: Ledger) -> None:
    _issue(ledger, 0)
    with pytest.raises(LedgerError) as info:
        ledger.issue(
            record(0), lookup_uuid=v4(0), school_code=OTHER_SCHOOL, student_key=skey(0), at=T0
        )
    assert info.value.code == "LEDGER-UUID-REUSED"


def test_full_lineage_issue_revoke_reissue(ledger: Ledger) -> None:
    issued = _issue(ledger, 0)
    _issue(ledger, 1)
    request_ = ledger.request_revocation(v4(0), at=T0 + timedelta(days=1))
    decision = ledger.decide_revocation(v4(0), approved=True, at=T0 + timedelta(days=2))
    new_uuid = v4(0, "replacement")
    reissued = ledger.issue(
        record(0, "replacement"),
        lookup_uuid=new_uuid,
        school_code=SCHOOL,
        student_key=skey(0),
        replaces=v4(0),
        at=T0 + timedelta(days=3),
    )
    assert request_.prev_hash == issued.leaf_hash
    assert request_.record_digest == issued.record_digest
    assert decision.decision is Decision.APPROVED and decision.prev_hash == request_.leaf_hash
    assert reissued.event is EventType.REISSUE
    assert reissued.replaces == v4(0)
    assert reissued.replaces_digest == record_digest(record(0))
    assert reissued.prev_hash == decision.leaf_hash
    for u in (v4(0), new_uuid):
        history = ledger.history(u)
        assert [e.event for e in history] == [
            EventType.ISSUE,
            EventType.REVOKE_REQUEST,
            EventType.REVOKE_DECISION,
            EventType.REISSUE,
        ]
        verify_lineage(history)
    # and the replacement can itself be revoked and replaced
    ledger.request_revocation(new_uuid, at=T0 + timedelta(days=4))
    ledger.decide_revocation(new_uuid, approved=True, at=T0 + timedelta(days=5))
    third = ledger.issue(
        record(0, "third"),
        lookup_uuid=v4(0, "third"),
        school_code=SCHOOL,
        student_key=skey(0),
        replaces=new_uuid,
        at=T0 + timedelta(days=6),
    )
    chain = ledger.history(v4(0))
    assert len(chain) == 7 and chain[-1] == third
    verify_lineage(chain)


def test_broken_lineages_are_refused_by_verify_lineage(ledger: Ledger) -> None:
    _issue(ledger, 0)
    _revoke(ledger, 0)
    ledger.issue(
        record(0, "r"),
        lookup_uuid=v4(0, "r"),
        school_code=SCHOOL,
        student_key=skey(0),
        replaces=v4(0),
        at=T0,
    )
    chain = ledger.history(v4(0))
    for broken in (chain[1:], [chain[0], chain[2], chain[1], chain[3]], chain[:3] + chain[2:], []):
        with pytest.raises(LedgerIntegrityError):
            verify_lineage(broken)


@pytest.mark.parametrize(
    ("setup", "action", "code"),
    [
        ("none", "request", "LEDGER-UNKNOWN-RECORD"),
        ("issued", "decide", "LEDGER-NO-REVOKE-REQUEST"),
        ("requested", "request", "LEDGER-REVOKE-PENDING"),
        ("revoked", "request", "LEDGER-ALREADY-REVOKED"),
        ("revoked", "decide", "LEDGER-ALREADY-REVOKED"),
        ("issued", "reissue", "LEDGER-NOT-REVOKED"),
        ("requested", "reissue", "LEDGER-NOT-REVOKED"),
        ("rejected", "reissue", "LEDGER-NOT-REVOKED"),
        ("replaced", "reissue", "LEDGER-ALREADY-REPLACED"),
        ("none", "reissue", "LEDGER-UNKNOWN-RECORD"),
        ("revoked", "reissue-other-school", "LEDGER-SCHOOL-MISMATCH"),
    ],
)
def test_refused_operations(ledger: Ledger, setup: str, action: str, code: str) -> None:
    if setup != "none":
        _issue(ledger, 0)
    if setup in ("requested", "revoked", "rejected", "replaced"):
        ledger.request_revocation(v4(0), at=T0)
    if setup in ("revoked", "replaced"):
        ledger.decide_revocation(v4(0), approved=True, at=T0)
    if setup == "rejected":
        ledger.decide_revocation(v4(0), approved=False, at=T0)
    if setup == "replaced":
        ledger.issue(
            record(9), lookup_uuid=v4(9), school_code=SCHOOL, student_key=skey(0), replaces=v4(0)
        )
    school = OTHER_SCHOOL if action == "reissue-other-school" else SCHOOL
    actions: dict[str, Callable[[], LedgerEntry]] = {
        "request": lambda: ledger.request_revocation(v4(0), at=T0),
        "decide": lambda: ledger.decide_revocation(v4(0), approved=True, at=T0),
        "reissue": lambda: ledger.issue(
            record(5),
            lookup_uuid=v4(5),
            school_code=school,
            student_key=skey(0),
            replaces=v4(0),
            at=T0,
        ),
    }
    act = actions[action.removesuffix("-other-school")]
    size = ledger.size(SCHOOL)
    with pytest.raises(LedgerError) as info:
        act()
    assert info.value.code == code
    assert info.value.message_vi and info.value.message_vi != info.value.message_en
    assert ledger.size(SCHOOL) == size


def test_rejected_revocation_leaves_the_record_valid(ledger: Ledger) -> None:
    _issue(ledger, 0)
    _revoke(ledger, 0, approved=False)
    ledger.request_revocation(v4(0), at=T0)  # a new request is allowed again
    ledger.decide_revocation(v4(0), approved=True, at=T0)
    verify_lineage(ledger.history(v4(0)))


def test_batches_are_atomic(ledger: Ledger) -> None:
    issue_n(ledger, 3)
    bad = [request(10), request(11), IssueRequest(v4(1), b"\x00" * 32, skey(1))]
    with pytest.raises(LedgerError) as info:
        ledger.issue_many(SCHOOL, bad, at=T0)
    assert info.value.code == "LEDGER-UUID-REUSED"
    assert info.value.location is not None and info.value.location.startswith("requests[2]")
    assert ledger.size(SCHOOL) == 3
    # a duplicate inside one batch: identical is idempotent, different is refused
    out = ledger.issue_many(SCHOOL, [request(20), request(20)], at=T0)
    assert out[0] == out[1] and ledger.size(SCHOOL) == 4
    with pytest.raises(LedgerError):
        ledger.issue_many(SCHOOL, [request(21), IssueRequest(v4(21), b"\x01" * 32, skey(21))])
    assert ledger.size(SCHOOL) == 4


@pytest.mark.parametrize(
    "bad",
    [
        lambda: IssueRequest(uuid.UUID(int=5), b"\x00" * 32, skey(0)),  # not version 4
        lambda: IssueRequest(v4(0), b"\x00" * 31, skey(0)),
        lambda: IssueRequest(v4(0), b"\x00" * 32, b"short"),
    ],
)
def test_malformed_requests_are_input_errors(ledger: Ledger, bad: object) -> None:
    with pytest.raises(InputError):
        ledger.issue_many(SCHOOL, [bad()], at=T0)  # type: ignore[operator]
    with pytest.raises(InputError):
        ledger.issue_many("48 49", [request(0)], at=T0)
    with pytest.raises(InputError):
        ledger.issue_many(SCHOOL, [request(0)], at=T0.replace(tzinfo=None))


def test_find_student_across_schools(ledger: Ledger) -> None:
    _issue(ledger, 0)
    _issue(ledger, 1)
    ledger.issue(record(2), lookup_uuid=v4(2), school_code=OTHER_SCHOOL, student_key=skey(0), at=T0)
    ledger.request_revocation(v4(0), at=T0)
    found = ledger.find_student(skey(0))
    assert [(e.school_code, e.event) for e in found] == [
        (SCHOOL, EventType.ISSUE),
        (SCHOOL, EventType.REVOKE_REQUEST),
        (OTHER_SCHOOL, EventType.ISSUE),
    ]
    assert ledger.find_student(skey(99)) == []


def test_inclusion_proofs_for_every_entry(ledger: Ledger) -> None:
    entries = issue_n(ledger, 37)
    roots = [merkle_root([e.leaf_hash for e in entries[:n]]) for n in range(38)]
    for size in (1, 2, 5, 8, 16, 37):
        for e in entries[:size]:
            proof = ledger.inclusion_proof(SCHOOL, e.index, tree_size=size)
            assert proof.root_hash == roots[size]
            assert proof.verify() == e
            assert InclusionProof.from_json(proof.to_json()) == proof
    assert ledger.root_hash(SCHOOL) == roots[37]
    assert ledger.root_hash(SCHOOL, 0) == roots[0]
    with pytest.raises(InputError):
        ledger.inclusion_proof(SCHOOL, 37)
    with pytest.raises(InputError):
        ledger.inclusion_proof(SCHOOL, 3, tree_size=38)


def test_consistency_proofs_between_sizes(ledger: Ledger) -> None:
    entries = issue_n(ledger, 21)
    roots = [merkle_root([e.leaf_hash for e in entries[:n]]) for n in range(22)]
    for size1 in range(1, 22):
        for size2 in range(size1, 22, 3):
            proof = ledger.consistency_proof(SCHOOL, size1, size2)
            assert (proof.root1, proof.root2) == (roots[size1], roots[size2])
            proof.verify()
            assert ConsistencyProof.from_json(proof.to_json()) == proof
    with pytest.raises(InputError):
        ledger.consistency_proof(SCHOOL, 0, 5)
    with pytest.raises(InputError):
        ledger.consistency_proof(SCHOOL, 5, 22)


def test_proofs_read_o_log_n_nodes(ledger: Ledger) -> None:
    issue_n(ledger, 1000)
    before = ledger.store.node_reads
    ledger.inclusion_proof(SCHOOL, 517)
    inclusion_reads = ledger.store.node_reads - before
    before = ledger.store.node_reads
    ledger.consistency_proof(SCHOOL, 517, 1000)
    consistency_reads = ledger.store.node_reads - before
    # ceil(log2 1000) = 10 path nodes, plus at most popcount(size) for the right edge and root
    assert 10 <= inclusion_reads <= 2 * 10 + 6
    assert consistency_reads <= 3 * 10 + 6


def test_checkpoints_sign_and_attach_to_proofs(ledger: Ledger) -> None:
    signer = Ed25519NoteSigner.generate(f"hocbaso-ledger/{SCHOOL}")
    entries = issue_n(ledger, 10)
    cp10 = ledger.checkpoint(SCHOOL, signer)
    assert (cp10.size, cp10.origin) == (10, ledger.origin(SCHOOL))
    assert cp10.root_hash == ledger.root_hash(SCHOOL)
    cp10.verify(signer.verifier(), origin=ledger.origin(SCHOOL))
    issue_n(ledger, 15, salt="more")
    proof = ledger.inclusion_proof(SCHOOL, 3)  # default: the latest checkpoint covering it
    assert proof.tree_size == 10 and proof.checkpoint == cp10.note
    assert proof.verify(signer.verifier()) == entries[3]
    newer = ledger.inclusion_proof(SCHOOL, 12)  # not covered by a checkpoint yet
    assert newer.tree_size == 25 and newer.checkpoint is None
    with pytest.raises(LedgerIntegrityError):
        newer.verify(signer.verifier())
    cp25 = ledger.checkpoint(SCHOOL, signer)
    consistency = ledger.consistency_proof(SCHOOL, 10)
    assert (consistency.checkpoint1, consistency.checkpoint2) == (cp10.note, cp25.note)
    consistency.verify(signer.verifier())
    wrong = Ed25519NoteSigner.generate(f"hocbaso-ledger/{SCHOOL}")
    with pytest.raises(LedgerIntegrityError):
        consistency.verify(wrong.verifier())
    # a second key co-signs the same checkpoint; the first signature stays
    both = ledger.checkpoint(SCHOOL, wrong)
    both.verify(signer.verifier())
    both.verify(wrong.verifier())
    assert ledger.latest_checkpoint(SCHOOL) == both
    assert ledger.checkpoint(SCHOOL, wrong) == both  # signing again adds nothing


def test_tampered_proofs_fail(ledger: Ledger) -> None:
    issue_n(ledger, 9)
    signer = Ed25519NoteSigner.generate("k")
    ledger.checkpoint(SCHOOL, signer)
    proof = ledger.inclusion_proof(SCHOOL, 4)
    proof.verify(signer.verifier())
    leaf = proof.leaf.replace(b"event issue", b"event reissue")
    for bad in (
        replace(proof, leaf=proof.leaf.replace(b"index 4", b"index 5")),
        replace(proof, leaf=leaf),
        replace(proof, path=proof.path[::-1]),
        replace(proof, root_hash=bytes(32)),
        replace(proof, tree_size=8),
        replace(proof, checkpoint=None),
    ):
        with pytest.raises(LedgerIntegrityError):
            bad.verify(signer.verifier())


def test_record_proof_by_uuid(ledger: Ledger) -> None:
    issue_n(ledger, 5)
    proof = ledger.record_proof(v4(3))
    assert proof.verify().lookup_uuid == v4(3)
    with pytest.raises(LedgerError) as info:
        ledger.record_proof(v4(77))
    assert info.value.code == "LEDGER-UNKNOWN-RECORD"
    with pytest.raises(LedgerError) as info:
        ledger.inclusion_proof("00000000", 0)
    assert info.value.code == "LEDGER-UNKNOWN-LOG"


def test_audit_of_a_healthy_log(ledger: Ledger) -> None:
    signer = Ed25519NoteSigner.generate("k")
    issue_n(ledger, 40)
    ledger.checkpoint(SCHOOL, signer)
    _revoke(ledger, 3)
    ledger.issue(record(3, "x"), lookup_uuid=v4(3, "x"), school_code=SCHOOL, student_key=skey(3),
                 replaces=v4(3), at=T0)  # fmt: skip
    ledger.checkpoint(SCHOOL, signer)
    issue_n(ledger, 2, school=OTHER_SCHOOL, salt="o")
    reports = ledger.audit(verifiers=[signer.verifier()])
    assert [r.school_code for r in reports] == [SCHOOL, OTHER_SCHOOL]
    main = reports[0]
    assert main.ok and main.entries_read == main.stored_size == 43
    assert main.checkpoints_checked == 2 and main.signatures_checked
    assert main.root_hash == ledger.root_hash(SCHOOL)
    assert reports[1].unsigned_entries == 2
    # a checkpoint kept outside the store: must match
    kept = ledger.latest_checkpoint(SCHOOL)
    assert kept is not None
    assert ledger.audit(SCHOOL, trusted=[kept])[0].ok


def test_concurrent_writers_are_serialised(store: LedgerStore, tmp_path: Path) -> None:
    """Two connections append to the same log at once: nothing lost, the tree stays right."""
    if isinstance(store, SQLiteStore):

        def other() -> LedgerStore:
            return SQLiteStore(store.path)
    else:
        assert isinstance(store, PostgresStore)
        dsn, schema = store.dsn, store.schema

        def other() -> LedgerStore:
            return PostgresStore(dsn, schema=schema)

    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            with Ledger(other()) as ledger:
                for batch in range(5):
                    salt = f"w{worker}b{batch}"
                    ledger.issue_many(SCHOOL, [request(i, salt) for i in range(40)], at=T0)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ledger = Ledger(store)
    assert ledger.size(SCHOOL) == 3 * 5 * 40
    assert ledger.audit()[0].ok
