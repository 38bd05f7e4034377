"""Issuance ledger (*sổ phát hành học bạ số*): an append-only, provable log of every record issued.

Once a record is issued (*phát hành*) it must never change; a wrong record is revoked
(*thu hồi*) and replaced by a new one with a new ``MA_TRA_CUU_UUID``. This package records each
of those events as one entry of a per-school transparency log:

* **Lineage** — every entry carries the SHA-256 of the exact signed record bytes, and every
  event after the first points at the hash of the previous one (:func:`verify_lineage`).
* **Merkle log** — entries are the leaves of an RFC 9162 Merkle tree per school, with
  inclusion proofs, consistency proofs (:class:`InclusionProof`, :class:`ConsistencyProof`,
  verified with no database) and signed checkpoints (:class:`Checkpoint`, C2SP
  ``tlog-checkpoint`` + ``signed-note``, Ed25519).
* **No personal data** — entries hold digests, UUIDs, the school code, times, event types and
  a keyed hash of the personal id (:func:`student_key`).
* **Storage** — :class:`SQLiteStore` (default, one file) or :class:`PostgresStore`, behind
  :class:`LedgerStore`.
* **Audit** — :meth:`Ledger.audit` recomputes everything and names the first entry that was
  altered, deleted, inserted or reordered.

Quick start::

    from hocbaso.ledger import Ledger, SQLiteStore, student_key

    ledger = Ledger(SQLiteStore("so-phat-hanh.sqlite"))
    entry = ledger.issue(signed_xml, lookup_uuid=u, school_code="48491401",
                         student_key=student_key("048317002681", secret))
    proof = ledger.record_proof(u)          # give it to anyone; proof.verify(school_public_key)

The byte formats are specified in ``docs/ledger.md``. Modules whose names start with an
underscore are internal and may change without notice.
"""

from __future__ import annotations

import os

from hocbaso.ledger._audit import AuditFinding, AuditReport
from hocbaso.ledger._checkpoint import (
    Checkpoint,
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    NoteSigner,
    NoteVerifier,
    parse_checkpoint,
    sign_checkpoint,
)
from hocbaso.ledger._entry import ENTRY_FORMAT, Decision, EventType, LedgerEntry, record_digest
from hocbaso.ledger._ledger import DEFAULT_ORIGIN_TEMPLATE, IssueRequest, Ledger
from hocbaso.ledger._lineage import verify_lineage
from hocbaso.ledger._merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_path,
    inclusion_path,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from hocbaso.ledger._postgres import PostgresStore
from hocbaso.ledger._privacy import MIN_SECRET_BYTES, student_key
from hocbaso.ledger._proofs import (
    CONSISTENCY_PROOF_FORMAT,
    INCLUSION_PROOF_FORMAT,
    ConsistencyProof,
    InclusionProof,
    proof_from_json,
)
from hocbaso.ledger._sqlite import SQLiteStore
from hocbaso.ledger._store import LedgerStore, LogInfo, NewEntry, StoredEntry, StoreWriter

__all__ = [
    "CONSISTENCY_PROOF_FORMAT",
    "DEFAULT_ORIGIN_TEMPLATE",
    "EMPTY_ROOT",
    "ENTRY_FORMAT",
    "HASH_SIZE",
    "INCLUSION_PROOF_FORMAT",
    "MIN_SECRET_BYTES",
    "AuditFinding",
    "AuditReport",
    "Checkpoint",
    "ConsistencyProof",
    "Decision",
    "Ed25519NoteSigner",
    "Ed25519NoteVerifier",
    "EventType",
    "InclusionProof",
    "IssueRequest",
    "Ledger",
    "LedgerEntry",
    "LedgerStore",
    "LogInfo",
    "NewEntry",
    "NoteSigner",
    "NoteVerifier",
    "PostgresStore",
    "SQLiteStore",
    "StoreWriter",
    "StoredEntry",
    "consistency_path",
    "inclusion_path",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "open_store",
    "parse_checkpoint",
    "proof_from_json",
    "record_digest",
    "sign_checkpoint",
    "student_key",
    "verify_consistency",
    "verify_inclusion",
    "verify_lineage",
]


def open_store(target: str | os.PathLike[str], *, create: bool = True) -> LedgerStore:
    """Open a store from a command-line style target.

    ``postgresql://…`` or ``postgres://…`` opens a :class:`PostgresStore`; anything else is a
    SQLite file path (created only when ``create`` is true).
    """
    text = os.fspath(target)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresStore(text)
    return SQLiteStore(text, create=create)
