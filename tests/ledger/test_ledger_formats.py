"""Byte formats: the entry (leaf), the signed note / checkpoint, keys, proofs' JSON, student key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from hocbaso.errors import ConfigurationError, InputError, LedgerIntegrityError
from hocbaso.ledger import (
    EMPTY_ROOT,
    Checkpoint,
    Decision,
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    EventType,
    InclusionProof,
    LedgerEntry,
    leaf_hash,
    parse_checkpoint,
    proof_from_json,
    record_digest,
    sign_checkpoint,
    student_key,
)
from hocbaso.ledger._checkpoint import sign_note, verify_note

from .ledger_helpers import SCHOOL, SECRET, T0, v4

NOTE_VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "signed_note.json").read_text(encoding="utf-8")
)

U = uuid.UUID("4ef748d9-2146-4a82-95a5-8534051475f0")
DIGEST = hashlib.sha256(b"record").digest()
KEY = student_key("048317002681", SECRET)

GOLDEN_REISSUE = (
    "hocbaso-ledger-entry/1\n"
    "school 48491401\n"
    "index 7\n"
    "event reissue\n"
    "time 2024-05-30T08:00:00Z\n"
    f"uuid {v4(1)}\n"
    f"digest {'11' * 32}\n"
    f"student {KEY.hex()}\n"
    f"replaces {U}\n"
    f"replaces-digest {DIGEST.hex()}\n"
    f"prev {'22' * 32}\n"
).encode("ascii")


def _issue_entry(**changes: object) -> LedgerEntry:
    base = LedgerEntry(
        school_code=SCHOOL,
        index=0,
        event=EventType.ISSUE,
        time=T0,
        lookup_uuid=U,
        record_digest=DIGEST,
        student_key=KEY,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# -- entries ------------------------------------------------------------------------------------


def test_entry_exact_bytes_issue() -> None:
    entry = _issue_entry()
    assert (
        entry.leaf
        == (
            "hocbaso-ledger-entry/1\nschool 48491401\nindex 0\nevent issue\n"
            "time 2024-05-30T08:00:00Z\nuuid 4ef748d9-2146-4a82-95a5-8534051475f0\n"
            f"digest {DIGEST.hex()}\nstudent {KEY.hex()}\n"
        ).encode()
    )
    assert entry.leaf_hash == hashlib.sha256(b"\x00" + entry.leaf).digest()
    assert LedgerEntry.from_leaf(entry.leaf) == entry


def test_entry_golden_reissue_round_trips() -> None:
    entry = LedgerEntry.from_leaf(GOLDEN_REISSUE)
    assert entry.event is EventType.REISSUE
    assert entry.replaces == U and entry.replaces_digest == DIGEST
    assert entry.prev_hash == bytes.fromhex("22" * 32)
    assert entry.leaf == GOLDEN_REISSUE


def test_entry_time_is_utc_whole_seconds() -> None:
    hanoi = timezone(timedelta(hours=7))
    entry = _issue_entry(time=datetime(2024, 5, 30, 15, 0, 0, tzinfo=hanoi))
    assert b"time 2024-05-30T08:00:00Z\n" in entry.leaf


def test_entry_decision_line() -> None:
    entry = _issue_entry(
        event=EventType.REVOKE_DECISION, decision=Decision.REJECTED, prev_hash=b"\x01" * 32
    )
    assert b"decision rejected\nprev " in entry.leaf
    assert LedgerEntry.from_leaf(entry.leaf) == entry


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"hocbaso-ledger-entry/1\n", b"hocbaso-ledger-entry/2\n"),
        (b"index 7\n", b"index 07\n"),
        (b"index 7\n", b"index -7\n"),
        (b"event reissue\n", b"event delete\n"),
        (b"time 2024-05-30T08:00:00Z\n", b"time 2024-05-30T08:00:00+00:00\n"),
        (b"time 2024-05-30T08:00:00Z\n", b"time 2024-02-30T08:00:00Z\n"),
        (b"school 48491401\n", b"school 4849 1401\n"),
        (b"school 48491401\n", b""),
        (b"digest " + b"11" * 32, b"digest " + b"1" * 63),
        (b"digest " + b"11" * 32, b"digest " + b"AA" * 32),
        (b"prev " + b"22" * 32 + b"\n", b""),
        (b"replaces-digest", b"replaces_digest"),
        (b"student", b"student "),
        (str(U).encode(), str(U).upper().encode()),
        (str(U).encode(), b"4ef748d9-2146-1a82-95a5-8534051475f0"),  # not version 4
        (b"\n", b"\r\n"),
    ],
)
def test_entry_parser_is_strict(old: bytes, new: bytes) -> None:
    bad = GOLDEN_REISSUE.replace(old, new, 1)
    assert bad != GOLDEN_REISSUE
    with pytest.raises(LedgerIntegrityError) as info:
        LedgerEntry.from_leaf(bad)
    assert info.value.code == "LEDGER-ENTRY-MALFORMED"


@pytest.mark.parametrize(
    "bad",
    [
        GOLDEN_REISSUE + b"extra 1\n",
        GOLDEN_REISSUE[:-1],
        GOLDEN_REISSUE.replace(b"student", b"xstudent"),
        # keys out of order
        GOLDEN_REISSUE.replace(b"school 48491401\nindex 7\n", b"index 7\nschool 48491401\n"),
        # a reissue without its replaced record
        b"\n".join(ln for ln in GOLDEN_REISSUE.split(b"\n") if not ln.startswith(b"replaces ")),
        # an issue with a prev line
        GOLDEN_REISSUE.replace(b"event reissue", b"event issue"),
        "hocbaso-ledger-entry/1\nschool Trường\n".encode(),
        b"",
    ],
)
def test_entry_parser_rejects_structure_errors(bad: bytes) -> None:
    with pytest.raises(LedgerIntegrityError):
        LedgerEntry.from_leaf(bad)


def test_entry_holds_no_personal_data() -> None:
    text = GOLDEN_REISSUE.decode()
    assert "048317002681" not in text
    assert KEY.hex() in text


# -- student key and digest ---------------------------------------------------------------------


def test_student_key_is_hmac_sha256_of_the_ascii_id() -> None:
    expected = hmac.new(SECRET, b"048317002681", hashlib.sha256).digest()
    assert student_key("048317002681", SECRET) == expected
    assert student_key("048317002681", SECRET[::-1]) != expected


@pytest.mark.parametrize("pid", ["04831700268", "0483170026811", "04831700268a", " 48317002681"])
def test_student_key_refuses_malformed_ids(pid: str) -> None:
    with pytest.raises(InputError) as info:
        student_key(pid, SECRET)
    assert info.value.code == "LEDGER-PERSONAL-ID"


def test_student_key_refuses_short_secrets() -> None:
    with pytest.raises(ConfigurationError):
        student_key("048317002681", b"x" * 31)


def test_record_digest_is_sha256_of_exact_bytes() -> None:
    assert record_digest(b"<a/>") == hashlib.sha256(b"<a/>").digest()
    assert record_digest(b"<a/>") != record_digest(b"<a/>\n")


# -- signed notes and checkpoints ---------------------------------------------------------------


def test_go_reference_note_known_answer() -> None:
    go = NOTE_VECTORS["go"]
    signer = Ed25519NoteSigner.from_key_string(go["signer_key"])
    assert signer.key_id == 0xC74F20A3
    assert signer.verifier().key_string() == go["verifier_key"]
    assert signer.key_string() == go["signer_key"]
    assert sign_note(go["text"], [signer]) == go["note"]
    verifier = Ed25519NoteVerifier.from_key_string(go["verifier_key"])
    assert verify_note(go["note"], verifier) == go["text"]


def test_c2sp_spec_example_verifies() -> None:
    c2 = NOTE_VECTORS["c2sp"]
    verifier = Ed25519NoteVerifier.from_key_string(c2["verifier_key"])
    assert verifier.key_id == 0x530D903A
    assert verify_note(c2["note"], verifier) == c2["text"]
    with pytest.raises(LedgerIntegrityError):
        verify_note(c2["note"].replace("example", "examp1e", 1), verifier)


def test_note_rejects_wrong_key_and_bad_signature() -> None:
    go = NOTE_VECTORS["go"]
    other = Ed25519NoteSigner.generate("PeterNeumann").verifier()
    with pytest.raises(LedgerIntegrityError, match="no signature"):
        verify_note(go["note"], other)  # same name, different key hash
    sig = go["note"].rsplit(" ", 1)[1]
    raw = bytearray(base64.b64decode(sig))
    raw[10] ^= 1
    forged = go["note"].replace(sig, base64.b64encode(bytes(raw)).decode() + "\n")
    verifier = Ed25519NoteVerifier.from_key_string(go["verifier_key"])
    with pytest.raises(LedgerIntegrityError, match="not valid"):
        verify_note(forged, verifier)


@pytest.mark.parametrize(
    "text",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong hash
        "PeterNeumann+c74f20a3+ApAc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong algorithm
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+!!!",
    ],
)
def test_bad_verifier_keys_are_refused(text: str) -> None:
    with pytest.raises(ConfigurationError):
        Ed25519NoteVerifier.from_key_string(text)


def test_checkpoint_text_and_signature() -> None:
    signer = Ed25519NoteSigner.from_key_string(NOTE_VECTORS["go"]["signer_key"])
    root = hashlib.sha256(b"root").digest()
    cp = sign_checkpoint("hocbaso-ledger/48491401", 1024, root, [signer])
    body = f"hocbaso-ledger/48491401\n1024\n{base64.b64encode(root).decode()}\n"
    assert cp.body == body
    assert cp.note.startswith(body + "\n\u2014 PeterNeumann ")
    sig = base64.b64decode(cp.note.rstrip("\n").rsplit(" ", 1)[1])
    assert sig[:4] == bytes.fromhex("c74f20a3")
    signer.verifier()._key.verify(sig[4:], body.encode())
    again = parse_checkpoint(cp.note)
    assert again == cp
    again.verify(signer.verifier(), origin="hocbaso-ledger/48491401")
    with pytest.raises(LedgerIntegrityError):
        again.verify(signer.verifier(), origin="hocbaso-ledger/other")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda n: n.replace("\n1024\n", "\n1025\n"),
        lambda n: n.replace("\n1024\n", "\n01024\n"),
        lambda n: n.replace("\n\n", "\n"),
        lambda n: n.replace("\u2014", "-"),
        lambda n: n + "trailing",
        lambda n: n.replace("hocbaso-ledger/48491401\n", "", 1),
    ],
)
def test_checkpoint_tampering_is_caught(mutate: object) -> None:
    signer = Ed25519NoteSigner.generate("k")
    cp = sign_checkpoint("hocbaso-ledger/48491401", 1024, EMPTY_ROOT, [signer])
    bad = mutate(cp.note)  # type: ignore[operator]
    with pytest.raises(LedgerIntegrityError):
        parse_checkpoint(bad).verify(signer.verifier())


def test_checkpoint_accepts_extension_lines_and_foreign_cosignatures() -> None:
    a, b = Ed25519NoteSigner.generate("a"), Ed25519NoteSigner.generate("witness.example/w1")
    text = f"o\n5\n{base64.b64encode(EMPTY_ROOT).decode()}\nextension line\n"
    note = sign_note(text, [a, b])
    cp = parse_checkpoint(note)
    assert (cp.origin, cp.size, cp.root_hash) == ("o", 5, EMPTY_ROOT)
    cp.verify(a.verifier())
    cp.verify(b.verifier())
    assert isinstance(cp, Checkpoint)


# -- proofs' JSON -------------------------------------------------------------------------------


def test_proof_json_is_strict() -> None:
    good = InclusionProof("o", 0, 1, _issue_entry().leaf, (), leaf_hash(_issue_entry().leaf))
    obj = good.to_json()
    assert proof_from_json(json.loads(json.dumps(obj))) == good
    assert good.verify() == _issue_entry()
    for key, value in [("leaf_index", "0"), ("inclusion_path", "x"), ("root_hash", "@@")]:
        with pytest.raises(InputError):
            proof_from_json({**obj, key: value})
    with pytest.raises(InputError):
        proof_from_json([obj])
    with pytest.raises(LedgerIntegrityError):  # leaf states index 0, proof says 1
        replace(good, leaf_index=1, tree_size=2, path=(EMPTY_ROOT,)).verify()


def test_naive_times_are_refused() -> None:
    with pytest.raises(InputError):
        _issue_entry(time=datetime(2024, 1, 1)).leaf  # noqa: B018
    assert _issue_entry(time=datetime(2024, 1, 1, tzinfo=UTC)).leaf


def test_pure_helpers_raise_library_errors() -> None:
    from hocbaso.ledger import consistency_path, inclusion_path

    with pytest.raises(InputError):
        inclusion_path([leaf_hash(b"")], 0, 2)
    with pytest.raises(InputError):
        inclusion_path([leaf_hash(b"")], 1)
    with pytest.raises(InputError):
        consistency_path([leaf_hash(b"")] * 3, 0, 3)
    with pytest.raises(InputError):
        sign_checkpoint("o", 1, b"short", [Ed25519NoteSigner.generate("k")])
    with pytest.raises(ConfigurationError):
        sign_checkpoint("o\nx", 1, EMPTY_ROOT, [Ed25519NoteSigner.generate("k")])


def test_batch_fast_path_writes_the_encoder_bytes(tmp_path: Path) -> None:
    """``issue_many`` writes plain issues without :func:`encode_entry`: same bytes, same hashes."""
    from hocbaso.ledger import IssueRequest, Ledger, SQLiteStore, verify_inclusion
    from hocbaso.ledger._entry import encode_entry

    ledger = Ledger(SQLiteStore(tmp_path / "l.sqlite"))
    moments = [T0, T0 + timedelta(seconds=1), T0.astimezone(timezone(timedelta(hours=7)))]
    n = 0
    for batch, at in enumerate(moments):
        for school in (SCHOOL, "A.b_c-9"):
            reqs = [
                IssueRequest(
                    lookup_uuid=v4(1000 * batch + k, school),
                    record_digest=hashlib.sha256(b"r%d" % k).digest(),
                    student_key=bytes([k]) * 32,
                )
                for k in range(5)
            ]
            for entry in ledger.issue_many(school, reqs, at=at):
                stored = ledger.entry(school, entry.index)
                # the fast path builds entries without __init__: equal in every respect
                assert stored == entry
                assert (hash(stored), repr(stored)) == (hash(entry), repr(entry))
                assert stored.leaf == encode_entry(entry)
                n += 1
    assert n == 30
    for school in (SCHOOL, "A.b_c-9"):
        size = ledger.size(school)
        root = ledger.root_hash(school)
        for i in range(size):
            proof = ledger.inclusion_proof(school, i, tree_size=size)
            assert proof.root_hash == root
            verify_inclusion(leaf_hash(ledger.entry(school, i).leaf), i, size, proof.path, root)
    # a repeated batch (plus a new record) takes the general path for the repeats: idempotent
    again = [IssueRequest(v4(k, SCHOOL), hashlib.sha256(b"r%d" % k).digest(), bytes([k]) * 32)
             for k in range(6)]  # fmt: skip
    out = ledger.issue_many(SCHOOL, again, at=T0)
    assert [e.index for e in out] == [0, 1, 2, 3, 4, 15]
    assert ledger.entry(SCHOOL, 15).leaf == encode_entry(out[-1])
    ledger.close()
