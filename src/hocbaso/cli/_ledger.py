"""``hocbaso ledger …``: the issuance ledger from the command line (JSON on stdout).

Thin shell over :mod:`hocbaso.ledger`: each handler parses its arguments, calls the library
and prints JSON. ``DB`` is a SQLite file path or a ``postgresql://`` URL.

Exit codes: 0 done / valid; 1 the proof or the audit failed (the JSON says why); 2 unusable
input or a refused operation (printed by :func:`hocbaso.cli.main`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import hocbaso
from hocbaso import errors, ledger

__all__ = ["register"]

EXIT_OK = 0
EXIT_INVALID = 1


def _print(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise errors.InputError(
            f"--at {text!r} is not an ISO 8601 time",
            message_vi=f"Thời điểm --at {text!r} không đúng dạng ISO 8601 "
            "(ví dụ 2024-05-30T08:00:00+07:00).",
            code="CLI-TIME",
        ) from None


def _open(args: argparse.Namespace, *, create: bool = True) -> ledger.Ledger:
    return ledger.Ledger(ledger.open_store(args.db, create=create))


def _read_text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def _verifiers(paths: list[str] | None) -> list[ledger.NoteVerifier]:
    return [ledger.Ed25519NoteVerifier.from_key_string(_read_text(p)) for p in paths or []]


def _write_secret(path: Path, text: str | bytes) -> None:
    data = text.encode("ascii") if isinstance(text, str) else text
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


# -- handlers -----------------------------------------------------------------------------------


def _issue(args: argparse.Namespace) -> int:
    data = Path(args.record).read_bytes()
    if args.uuid and args.school and args.personal_id:
        lookup_uuid, school_code, personal_id = args.uuid, args.school, args.personal_id
    else:
        identity = hocbaso.record_identity(data)
        lookup_uuid = args.uuid or identity.lookup_uuid
        school_code = args.school or identity.school_code
        personal_id = args.personal_id or identity.personal_id
    secret = Path(args.secret_file).read_bytes()
    with _open(args) as book:
        entry = book.issue(
            data,
            lookup_uuid=lookup_uuid,
            school_code=school_code,
            student_key=ledger.student_key(personal_id, secret),
            replaces=args.replaces,
            at=_time(args.at),
        )
        _print({"entry": entry.to_json(), "log_size": book.size(school_code)})
    return EXIT_OK


def _revoke(args: argparse.Namespace) -> int:
    with _open(args, create=False) as book:
        if args.decision is None:
            entry = book.request_revocation(args.uuid, at=_time(args.at))
        else:
            entry = book.decide_revocation(
                args.uuid, approved=args.decision == "approve", at=_time(args.at)
            )
        _print({"entry": entry.to_json()})
    return EXIT_OK


def _prove(args: argparse.Namespace) -> int:
    with _open(args, create=False) as book:
        proof: ledger.InclusionProof | ledger.ConsistencyProof
        if args.from_size is not None:
            if not args.school:
                raise _need("--school", "--from")
            proof = book.consistency_proof(args.school, args.from_size, args.to_size)
        elif args.uuid:
            proof = book.record_proof(args.uuid, tree_size=args.size)
        elif args.school and args.index is not None:
            proof = book.inclusion_proof(args.school, args.index, tree_size=args.size)
        else:
            raise _need("--uuid, or --school with --index or --from", "prove")
        _print(proof.to_json())
    return EXIT_OK


def _need(what: str, where: str) -> errors.InputError:
    return errors.InputError(
        f"{where} needs {what}",
        message_vi=f"Lệnh {where} cần thêm {what}.",
        code="CLI-ARGS",
    )


def _checkpoint(args: argparse.Namespace) -> int:
    signer = ledger.Ed25519NoteSigner.from_key_string(_read_text(args.key))
    with _open(args, create=False) as book:
        cp = book.checkpoint(args.school, signer)
        _print(
            {
                "origin": cp.origin,
                "size": cp.size,
                "root_hash": cp.note.split("\n")[2],
                "checkpoint": cp.note,
            }
        )
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    trusted = [ledger.parse_checkpoint(_read_text(p)) for p in args.checkpoint or []]
    with _open(args, create=False) as book:
        reports = book.audit_report(args.school, verifiers=_verifiers(args.key), trusted=trusted)
    ok = all(r.ok for r in reports)
    _print({"ok": ok, "logs": [r.to_json() for r in reports]})
    return EXIT_OK if ok else EXIT_INVALID


def _verify_proof(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.proof == "-" else _read_text(args.proof)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.InputError(
            f"the proof is not JSON: {exc}",
            message_vi=f"Tệp bằng chứng không phải JSON hợp lệ: {exc}.",
            code="LEDGER-PROOF-FORMAT",
        ) from None
    proof = ledger.proof_from_json(obj)
    verifiers = _verifiers([args.key] if args.key else None)
    verifier = verifiers[0] if verifiers else None
    out: dict[str, Any] = {"signature_verified": verifier is not None}
    try:
        if isinstance(proof, ledger.InclusionProof):
            entry = proof.verify(verifier)
            out |= {"kind": "inclusion", "tree_size": proof.tree_size, "entry": entry.to_json()}
            if args.record:
                if ledger.record_digest(Path(args.record).read_bytes()) != entry.record_digest:
                    raise errors.LedgerIntegrityError(
                        "the record file is not the record this entry logs",
                        message_vi="Tệp học bạ không trùng với học bạ đã ghi trong sổ "
                        "(giá trị băm khác): tệp đã bị sửa hoặc không phải bản đã phát hành.",
                        code="LEDGER-RECORD-MISMATCH",
                    )
                out["record_matches"] = True
        else:
            if args.record:
                raise _need("an inclusion proof", "--record")
            proof.verify(verifier)
            out |= {"kind": "consistency", "size1": proof.size1, "size2": proof.size2}
    except errors.LedgerIntegrityError as exc:
        _print(
            {
                "valid": False,
                "code": exc.code,
                "message_vi": exc.message_vi,
                "message_en": exc.message_en,
            }
        )
        return EXIT_INVALID
    _print({"valid": True, **out})
    return EXIT_OK


def _keygen(args: argparse.Namespace) -> int:
    signer = ledger.Ed25519NoteSigner.generate(args.name)
    _write_secret(Path(args.signer_key), signer.key_string() + "\n")
    Path(args.verifier_key).write_text(signer.verifier().key_string() + "\n", encoding="utf-8")
    out = {"name": signer.name, "verifier_key": signer.verifier().key_string()}
    if args.student_secret:
        _write_secret(Path(args.student_secret), os.urandom(ledger.MIN_SECRET_BYTES))
        out["student_secret"] = args.student_secret
    _print(out)
    return EXIT_OK


# -- parser -------------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``hocbaso ledger`` and its subcommands to the top-level parser."""
    parser = sub.add_parser(
        "ledger",
        help="issuance ledger: issue, revoke, prove, checkpoint, audit (sổ phát hành)",
        description="Issuance ledger (sổ phát hành): an append-only RFC 9162 Merkle log per "
        "school, with inclusion/consistency proofs and signed checkpoints. JSON on stdout.",
    )
    cmds = parser.add_subparsers(dest="ledger_command", metavar="SUBCOMMAND", required=True)
    db_help = "ledger database: SQLite file or postgresql:// URL"

    p = cmds.add_parser("issue", help="log the issue (phát hành) of a signed record")
    p.add_argument("db", metavar="DB", help=db_help)
    p.add_argument("record", metavar="RECORD", help="the signed record XML, exactly as issued")
    p.add_argument(
        "--secret-file", required=True, help="issuer secret (>= 32 bytes) for the student key"
    )
    p.add_argument("--replaces", metavar="UUID", help="UUID of the revoked record it replaces")
    p.add_argument("--uuid", help="MA_TRA_CUU_UUID (default: read from the record)")
    p.add_argument("--school", help="MA_TRUONG (default: read from the record)")
    p.add_argument("--personal-id", help="student's SO_CCCD (default: read from the record)")
    p.add_argument("--at", help="event time, ISO 8601 with zone (default: now)")
    p.set_defaults(handler=_issue)

    p = cmds.add_parser("revoke", help="log a revocation request or decision (thu hồi)")
    p.add_argument("db", metavar="DB", help=db_help)
    p.add_argument("uuid", metavar="UUID", help="MA_TRA_CUU_UUID of the record")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--approve", dest="decision", action="store_const", const="approve",
        help="log the decision: revocation approved (đồng ý thu hồi)",
    )  # fmt: skip
    group.add_argument(
        "--reject", dest="decision", action="store_const", const="reject",
        help="log the decision: revocation rejected (từ chối thu hồi)",
    )  # fmt: skip
    p.add_argument("--at", help="event time, ISO 8601 with zone (default: now)")
    p.set_defaults(handler=_revoke, decision=None)

    p = cmds.add_parser("prove", help="print an inclusion or consistency proof (JSON)")
    p.add_argument("db", metavar="DB", help=db_help)
    p.add_argument("--uuid", help="prove the issue entry of this record")
    p.add_argument("--school", help="school code of the log")
    p.add_argument("--index", type=int, help="prove the entry at this index")
    p.add_argument("--size", type=int, help="tree size (default: latest checkpoint covering it)")
    p.add_argument("--from", dest="from_size", type=int, help="consistency proof from this size")
    p.add_argument("--to", dest="to_size", type=int, help="... to this size (default: current)")
    p.set_defaults(handler=_prove)

    p = cmds.add_parser("checkpoint", help="sign and store a checkpoint of a school's log")
    p.add_argument("db", metavar="DB", help=db_help)
    p.add_argument("--school", required=True, help="school code of the log")
    p.add_argument("--key", required=True, help="signer key file (PRIVATE+KEY+...)")
    p.set_defaults(handler=_checkpoint)

    p = cmds.add_parser("audit", help="recompute every log; name the first tampered entry")
    p.add_argument("db", metavar="DB", help=db_help)
    p.add_argument("--school", help="audit only this school's log")
    p.add_argument("--key", action="append", help="verifier key file; checkpoints must verify")
    p.add_argument(
        "--checkpoint", action="append", help="a checkpoint you kept; the log must match it"
    )
    p.set_defaults(handler=_audit)

    p = cmds.add_parser("verify-proof", help="verify a proof without the database")
    p.add_argument("proof", metavar="PROOF", help="proof JSON file, or - for stdin")
    p.add_argument("--key", help="verifier key file: require a checkpoint signed by it")
    p.add_argument("--record", help="record file: check it is the one the entry logs")
    p.set_defaults(handler=_verify_proof)

    p = cmds.add_parser("keygen", help="make an Ed25519 checkpoint key pair (and a secret)")
    p.add_argument("name", metavar="NAME", help="key name, e.g. hocbaso-ledger/48491401")
    p.add_argument("--signer-key", required=True, help="where to write the private key (0600)")
    p.add_argument("--verifier-key", required=True, help="where to write the public key")
    p.add_argument("--student-secret", help="also write a new 32-byte student-key secret here")
    p.set_defaults(handler=_keygen)
