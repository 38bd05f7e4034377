"""Checking a printed copy's code against the issued record or the issuance ledger (internal)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hocbaso import errors
from hocbaso._xml._parse import DEFAULT_MAX_BYTES, parse_bytes
from hocbaso.render._code import CopyCode
from hocbaso.render._view import clean
from hocbaso.report import Problem, Severity

if TYPE_CHECKING:  # pragma: no cover - typing only
    from hocbaso.ledger import Ledger


def _fail(rule: str, vi: str, en: str, where: str | None = None) -> Problem:
    return Problem(rule, Severity.ERROR, where, None, vi, en)


@dataclass(frozen=True, slots=True)
class CopyCheck:
    """The result of checking a copy code against a record file or the issuance ledger.

    Attributes:
        code: the copy code read from the paper.
        against: ``"record"`` or ``"ledger"``.
        source: the record file name or ledger description, if known.
        uuid_matches: the record (or ledger entry) has the code's lookup UUID.
        digest_matches: the SHA-256 of the record bytes equals the code's digest.
        findings: why the check failed (empty when it passed).
        issued_at: for a ledger check, when the record was issued.
        replaced_by: for a ledger check, the UUID of the record that replaced a revoked one.
    """

    code: CopyCode
    against: str
    source: str | None
    uuid_matches: bool
    digest_matches: bool
    findings: tuple[Problem, ...] = ()
    issued_at: dt.datetime | None = None
    replaced_by: uuid.UUID | None = None

    @property
    def passed(self) -> bool:
        """True when the paper matches the record (and, for the ledger, it is not revoked)."""
        return self.uuid_matches and self.digest_matches and not self.findings

    def raise_for_status(self) -> CopyCheck:
        """Return self when :attr:`passed`; else raise :class:`~hocbaso.errors.VerificationError`
        with the first finding's code (``COPY-UUID-MISMATCH``, ``COPY-DIGEST-MISMATCH``,
        ``COPY-NOT-ISSUED``, ``COPY-REVOKED``, ``COPY-REVOCATION-PENDING``)."""
        if self.passed:
            return self
        first = self.findings[0]
        raise errors.VerificationError(
            f"the printed copy does not match: {first.message_en}",
            message_vi=f"Bản in KHÔNG khớp với học bạ số: {first.message_vi}",
            code=first.rule,
            location=first.location,
            report=self,
        )

    def to_text(self) -> str:
        """A short bilingual summary, one line per finding."""
        verdict = "KHỚP / MATCH" if self.passed else "KHÔNG KHỚP / MISMATCH"
        lines = [
            f"{verdict}: {self.code.to_text()} — {self.against}"
            + (f" {self.source}" if self.source else ""),
            f"  mã tra cứu / lookup UUID: {self.code.lookup_uuid} "
            + ("khớp / matches" if self.uuid_matches else "KHÔNG khớp / differs"),
            f"  SHA-256: {self.code.digest_hex} "
            + ("khớp / matches" if self.digest_matches else "KHÔNG khớp / differs"),
        ]
        if self.issued_at is not None:
            lines.append(f"  phát hành lúc / issued at: {self.issued_at.isoformat()}")
        for f in self.findings:
            lines.append(f"  ! {f.rule}: {f.message_vi} / {f.message_en}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "passed": self.passed,
            "code": self.code.to_text(),
            "lookup_uuid": str(self.code.lookup_uuid),
            "sha256": self.code.digest_hex,
            "against": self.against,
            "source": self.source,
            "uuid_matches": self.uuid_matches,
            "digest_matches": self.digest_matches,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "replaced_by": str(self.replaced_by) if self.replaced_by else None,
            "findings": [f.to_dict() for f in self.findings],
        }


def check_copy(
    code: CopyCode | str,
    record_bytes: bytes,
    *,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> CopyCheck:
    """Check a copy code against the record file it claims to show.

    The record must have the code's ``MA_TRA_CUU_UUID`` and its exact bytes must have the
    code's SHA-256 (one changed byte is a mismatch). The record is parsed (hardened) only to
    read its UUID; its signatures are not checked here.

    Raises:
        InputError: the code text is malformed (``COPY-CODE-FORMAT``) or the record bytes are
            not usable XML.
    """
    parsed = CopyCode.parse(code) if isinstance(code, str) else code
    data = bytes(record_bytes)
    root = parse_bytes(data, max_bytes=max_bytes).getroot()
    node = root.find("DU_LIEU_HOC_BA/THONG_TIN_CHUNG/MA_TRA_CUU_UUID")
    text = clean("".join(node.itertext())) if node is not None else None
    uuid_ok = text == str(parsed.lookup_uuid)
    digest_ok = hashlib.sha256(data).digest() == parsed.digest
    findings = []
    if not uuid_ok:
        findings.append(
            _fail(
                "COPY-UUID-MISMATCH",
                f"Mã tra cứu trên bản in ({parsed.lookup_uuid}) khác mã tra cứu của học bạ "
                f"({text or 'không có'}): bản in không phải của học bạ này.",
                f"the copy's lookup UUID {parsed.lookup_uuid} differs from the record's "
                f"{text or '(none)'}",
                "/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/MA_TRA_CUU_UUID",
            )
        )
    if not digest_ok:
        findings.append(
            _fail(
                "COPY-DIGEST-MISMATCH",
                "Mã băm SHA-256 trên bản in khác mã băm của tệp học bạ: nội dung tệp đã khác "
                "với tệp được in (dù chỉ một ký tự).",
                "the SHA-256 of the record file differs from the copy's digest",
            )
        )
    return CopyCheck(parsed, "record", source, uuid_ok, digest_ok, tuple(findings))


_ISSUE_EVENTS = ("issue", "reissue")


def check_copy_in_ledger(
    code: CopyCode | str, ledger: Ledger, *, source: str | None = None
) -> CopyCheck:
    """Check a copy code against the issuance ledger (*sổ phát hành học bạ số*).

    Passes when the ledger holds an issue (or reissue) of the code's UUID with the code's
    digest, and the record has not been revoked (an approved revocation, or a pending request,
    is a failure; a rejected request is not).

    Raises:
        InputError: the code text is malformed.
        LedgerIntegrityError: the ledger's store is damaged.
    """
    parsed = CopyCode.parse(code) if isinstance(code, str) else code
    u = parsed.lookup_uuid
    try:
        history: Sequence[Any] = ledger.history(u)
    except errors.LedgerIntegrityError:
        raise
    except errors.LedgerError as exc:
        if exc.code != "LEDGER-UNKNOWN-RECORD":
            raise
        history = []
    own = [e for e in history if e.lookup_uuid == u]
    issued = next((e for e in own if str(e.event) in _ISSUE_EVENTS), None)
    if issued is None:
        finding = _fail(
            "COPY-NOT-ISSUED",
            f"Sổ phát hành không có học bạ nào mang mã tra cứu {u}.",
            f"no record with lookup UUID {u} was issued in this ledger",
        )
        return CopyCheck(parsed, "ledger", source, False, False, (finding,))
    digest_ok = issued.record_digest == parsed.digest
    findings: list[Problem] = []
    if not digest_ok:
        findings.append(
            _fail(
                "COPY-DIGEST-MISMATCH",
                "Mã băm SHA-256 trên bản in khác mã băm của học bạ đã phát hành: bản in không "
                "thể hiện đúng học bạ đã phát hành.",
                "the copy's digest differs from the digest of the issued record",
            )
        )
    replaced_by = next(
        (e.lookup_uuid for e in history if e.replaces == u and str(e.event) == "reissue"), None
    )
    decisions = [e for e in own if str(e.event) == "revoke-decision"]
    requests = [e for e in own if str(e.event) == "revoke-request"]
    approved = any(str(e.decision) == "approved" for e in decisions)
    if approved or replaced_by is not None:
        extra_vi = f"; học bạ thay thế có mã tra cứu {replaced_by}" if replaced_by else ""
        extra_en = f"; replaced by {replaced_by}" if replaced_by else ""
        findings.append(
            _fail(
                "COPY-REVOKED",
                f"Học bạ mang mã tra cứu {u} đã bị thu hồi{extra_vi}.",
                f"record {u} has been revoked{extra_en}",
            )
        )
    elif len(requests) > len(decisions):
        findings.append(
            _fail(
                "COPY-REVOCATION-PENDING",
                f"Học bạ mang mã tra cứu {u} đang có yêu cầu thu hồi chờ quyết định.",
                f"a revocation of record {u} has been requested and is pending",
            )
        )
    return CopyCheck(
        parsed,
        "ledger",
        source,
        True,
        digest_ok,
        tuple(findings),
        issued_at=issued.time,
        replaced_by=replaced_by,
    )
