"""The verification state a copy is made from, as plain data (internal).

The renderer never looks at signatures itself: it is given a :class:`VerificationSummary` (who
signed which slot, when, and the outcome of the check). :func:`summary_from_report` builds one
from a :class:`hocbaso.signing.VerificationReport`; :func:`verify_for_copy` runs the verifier
and builds it in one call. Without a summary, the copy shows what the record *claims* (slots
present, signing times) marked "not checked".
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only; no runtime dependency on hocbaso.signing
    from hocbaso.signing import TrustConfig, VerificationReport

VIETNAM_TZ = dt.timezone(dt.timedelta(hours=7), "+07:00")


class Outcome(str, enum.Enum):
    """Outcome of a signature check, as shown on the copy."""

    PASSED = "passed"
    """The signature (or the whole record) was verified and can be trusted."""
    FAILED = "failed"
    """The check failed: tampered data, wrong key, revoked certificate, broken rules."""
    INDETERMINATE = "indeterminate"
    """The check could not decide (unknown root, missing revocation data...)."""
    NOT_CHECKED = "not-checked"
    """No check was made; only what the record claims is shown."""

    @property
    def label_vi(self) -> str:
        """Vietnamese wording printed on the copy."""
        return _OUTCOME_VI[self]

    @property
    def label_en(self) -> str:
        """English wording printed on the copy."""
        return _OUTCOME_EN[self]


_OUTCOME_VI = {
    Outcome.PASSED: "Hợp lệ",
    Outcome.FAILED: "Không hợp lệ",
    Outcome.INDETERMINATE: "Chưa xác định được",
    Outcome.NOT_CHECKED: "Chưa kiểm tra",
}
_OUTCOME_EN = {
    Outcome.PASSED: "passed",
    Outcome.FAILED: "failed",
    Outcome.INDETERMINATE: "indeterminate",
    Outcome.NOT_CHECKED: "not checked",
}
_FROM_INDICATION = {
    "TOTAL_PASSED": Outcome.PASSED,
    "TOTAL_FAILED": Outcome.FAILED,
    "INDETERMINATE": Outcome.INDETERMINATE,
}


@dataclass(frozen=True, slots=True)
class SlotSummary:
    """One signature slot as shown on the copy.

    Attributes:
        slot: slot name: ``GVCN``, ``CBQL``, ``KY_PHAT_HANH`` or ``GVBM:<MA_MON_HOC>``.
        role_vi / role_en: who signs this slot.
        signer_name: the signer's name (from the certificate when verified, else from the record).
        signer_id: ``CCCD 0123…`` (personal id) or ``MST 0401…`` (tax code of the school).
        signed_at: the signing time claimed in the signature or slot.
        outcome: result of the check of this slot.
        note_vi / note_en: why, when the outcome is not ``PASSED`` (first finding).
    """

    slot: str
    role_vi: str
    role_en: str
    signer_name: str | None
    signer_id: str | None
    signed_at: dt.datetime | None
    outcome: Outcome
    note_vi: str | None = None
    note_en: str | None = None


@dataclass(frozen=True, slots=True)
class VerificationSummary:
    """The verification state a printable copy is made from (plain data, frozen).

    Attributes:
        outcome: verdict on the record as a whole.
        slots: one entry per signature slot, in document order.
        checked_at: when the check was made (``None`` when nothing was checked).
        record_sha256: SHA-256 of the exact record bytes that were checked; when set, the
            renderer refuses to use the summary for other bytes.
        signed_data_sha256: SHA-256 of the exclusive-C14N ``DU_LIEU_HOC_BA`` the signatures
            cover; when set, the renderer checks that the data it prints is that data.
        method: how the check was made (shown in small print).
        note_vi / note_en: record-level reason when the outcome is not ``PASSED``.
    """

    outcome: Outcome
    slots: tuple[SlotSummary, ...] = ()
    checked_at: dt.datetime | None = None
    record_sha256: bytes | None = None
    signed_data_sha256: bytes | None = None
    method: str | None = None
    note_vi: str | None = None
    note_en: str | None = None


def _signer_id(cccd: str | None, mst: str | None) -> str | None:
    if cccd:
        return f"CCCD {cccd}"
    if mst:
        return f"MST {mst}"
    return None


def summary_from_report(
    report: VerificationReport, record_bytes: bytes | None = None
) -> VerificationSummary:
    """Build the copy's :class:`VerificationSummary` from a signing verification report.

    Args:
        report: what :func:`hocbaso.signing.verify` returned for the record.
        record_bytes: the exact bytes that were verified; recorded as a SHA-256 so that the
            summary cannot be attached to a copy of other bytes.
    """
    slots = []
    for s in report.slots:
        first = s.findings[0] if s.findings else None
        outcome = _FROM_INDICATION.get(s.indication.value, Outcome.INDETERMINATE)
        slots.append(
            SlotSummary(
                slot=s.slot,
                role_vi=s.role_vi,
                role_en=s.role_en,
                signer_name=s.signer_name or s.signer_subject,
                signer_id=_signer_id(s.signer_cccd, s.signer_mst),
                signed_at=s.signing_time,
                outcome=outcome,
                note_vi=first.message_vi if first and outcome is not Outcome.PASSED else None,
                note_en=first.message_en if first and outcome is not Outcome.PASSED else None,
            )
        )
    outcome = _FROM_INDICATION.get(report.indication.value, Outcome.INDETERMINATE)
    note = next((f for f in report.findings), None)
    if note is None and outcome is not Outcome.PASSED:
        note = next((f for s in report.slots if not s.passed for f in s.findings), None)
    sub = report.sub_indication.value if report.sub_indication is not None else None
    return VerificationSummary(
        outcome=outcome,
        slots=tuple(slots),
        checked_at=report.validation_time,
        record_sha256=hashlib.sha256(record_bytes).digest() if record_bytes is not None else None,
        signed_data_sha256=(
            hashlib.sha256(report.signed_data).digest() if report.signed_data is not None else None
        ),
        method="XML-DSig / XAdES, ETSI EN 319 102-1 (hocbaso.signing)"
        + (f"; {report.indication.value}/{sub}" if sub else ""),
        note_vi=note.message_vi if note and outcome is not Outcome.PASSED else None,
        note_en=note.message_en if note and outcome is not Outcome.PASSED else None,
    )


def verify_for_copy(
    record_bytes: bytes,
    *,
    trust: TrustConfig,
    validation_time: dt.datetime | None = None,
) -> VerificationSummary:
    """Verify every signature of ``record_bytes`` and summarise the result for a copy.

    Calls :func:`hocbaso.signing.verify` (complete records only: CBQL and KY_PHAT_HANH, and
    GVBM for every subject of a secondary record, must be present) and
    :func:`summary_from_report`.

    Raises:
        InputError: the bytes are not a usable ``HOC_BA`` document.
        ConfigurationError: ``trust`` is not a :class:`hocbaso.signing.TrustConfig`.
    """
    from hocbaso import signing

    report = signing.verify(record_bytes, trust=trust, validation_time=validation_time)
    return summary_from_report(report, record_bytes)
