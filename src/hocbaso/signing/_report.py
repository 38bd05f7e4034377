"""Verification results in ETSI EN 319 102-1 terms (frozen objects)."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from typing import Any

from lxml import etree

from hocbaso import errors

REPORT_SCHEMA_VERSION = 1


class Indication(str, enum.Enum):
    """Main status indication of ETSI EN 319 102-1 §5.1.3."""

    TOTAL_PASSED = "TOTAL_PASSED"
    """Every check passed: the signature (or record) can be trusted."""
    TOTAL_FAILED = "TOTAL_FAILED"
    """A check failed for good (tampering, wrong key, revoked before signing, broken rules)."""
    INDETERMINATE = "INDETERMINATE"
    """Not enough to decide (unknown root, missing revocation data, expired without proof)."""

    @property
    def uri(self) -> str:
        """The ETSI TS 119 102-2 URI of this indication."""
        return "urn:etsi:019102:mainindication:" + self.value.lower().replace("_", "-")


class SubIndication(str, enum.Enum):
    """Sub-indications of ETSI EN 319 102-1 §5.1.3 (the subset hocbaso reports)."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"

    @property
    def uri(self) -> str:
        """The ETSI TS 119 102-2 URI of this sub-indication."""
        return "urn:etsi:019102:subindication:" + self.value


@dataclass(frozen=True, slots=True)
class Finding:
    """One fact found while verifying (why a result is what it is).

    Attributes:
        code: stable rule id (``SIG-HASH``, ``SIG-CCCD``, ``SIG-LAYOUT`` ...).
        location: XPath of the element concerned.
        message_vi: for the school clerk.
        message_en: for the developer.
    """

    code: str
    location: str | None
    message_vi: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "code": self.code,
            "location": self.location,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class SlotResult:
    """The outcome for one signature slot.

    Attributes:
        slot: ``CBQL``, ``GVBM:TOAN`` ...
        role_vi / role_en: who signs this slot.
        location: XPath of the slot element.
        indication / sub_indication: the ETSI outcome.
        level: ``XML-DSig``, ``XAdES-B-B``, ``XAdES-B-T``, ``XAdES-B-LT`` or ``XAdES-B-LTA`` (what
            was found and verified).
        signing_time: the claimed SigningTime.
        timestamp_time: the time of a verified signature time-stamp (proof of existence).
        signer_subject / signer_name / signer_cccd / signer_mst: from the signing certificate.
        slot_cccd: ``SO_CCCD`` written in the slot.
        certificate_sha256: hex SHA-256 of the signing certificate.
        signature_algorithm: the SignatureMethod URI.
        covers: XPaths of the data the signature covers.
        findings: why the result is what it is.
    """

    slot: str
    role_vi: str
    role_en: str
    location: str
    indication: Indication
    sub_indication: SubIndication | None
    level: str | None = None
    signing_time: dt.datetime | None = None
    timestamp_time: dt.datetime | None = None
    signer_subject: str | None = None
    signer_name: str | None = None
    signer_cccd: str | None = None
    signer_mst: str | None = None
    slot_cccd: str | None = None
    certificate_sha256: str | None = None
    signature_algorithm: str | None = None
    covers: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def passed(self) -> bool:
        """True for TOTAL_PASSED."""
        return self.indication is Indication.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "slot": self.slot,
            "role_vi": self.role_vi,
            "role_en": self.role_en,
            "location": self.location,
            "indication": self.indication.value,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "level": self.level,
            "signing_time": _iso(self.signing_time),
            "timestamp_time": _iso(self.timestamp_time),
            "signer_subject": self.signer_subject,
            "signer_name": self.signer_name,
            "signer_cccd": self.signer_cccd,
            "signer_mst": self.signer_mst,
            "slot_cccd": self.slot_cccd,
            "certificate_sha256": self.certificate_sha256,
            "signature_algorithm": self.signature_algorithm,
            "covers": list(self.covers),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The verdict on one record: the whole, each slot, and the data actually signed.

    Attributes:
        indication / sub_indication: the verdict on the record as a whole (TOTAL_PASSED only
            when every slot passed and the profile's rules hold).
        profile: ``tieu-hoc-1.0`` or ``trung-hoc-1.0``.
        slots: one :class:`SlotResult` per slot present, in document order.
        findings: record-level findings (layout, missing slots, order).
        validation_time: the time the verification was made for.
        signed_data: the exact canonical bytes (exclusive C14N as hocbaso signs) of the
            ``DU_LIEU_HOC_BA`` whose digest matched a cryptographically valid ``#data``
            signature -- what was actually signed; ``None`` when there is none. Read the record
            only from these bytes (:meth:`signed_record`), never from the input file.
        source: the input's name, if known.
    """

    indication: Indication
    sub_indication: SubIndication | None
    profile: str | None
    slots: tuple[SlotResult, ...]
    findings: tuple[Finding, ...]
    validation_time: dt.datetime
    signed_data: bytes | None = None
    source: str | None = None

    @property
    def passed(self) -> bool:
        """True for TOTAL_PASSED."""
        return self.indication is Indication.TOTAL_PASSED

    def slot(self, name: str) -> SlotResult:
        """The result for slot ``name`` (``CBQL``, ``GVBM:TOAN`` ...); KeyError if absent."""
        for s in self.slots:
            if s.slot == name:
                return s
        raise KeyError(name)

    def raise_for_status(self) -> VerificationReport:
        """Raise :class:`~hocbaso.errors.VerificationError` unless passed; else return self."""
        if self.passed:
            return self
        first = next((f for s in self.slots if not s.passed for f in s.findings), None)
        first = first or (self.findings[0] if self.findings else None)
        sub = f"/{self.sub_indication.value}" if self.sub_indication else ""
        raise errors.VerificationError(
            f"the record is not trustworthy: {self.indication.value}{sub}"
            + (f" ({first.message_en})" if first else ""),
            message_vi="Học bạ KHÔNG đáng tin cậy: "
            + (first.message_vi if first else "chữ ký số không hợp lệ."),
            code=first.code if first else "SIG-" + self.indication.value,
            location=first.location if first else None,
            report=self,
        )

    def signed_record(self) -> etree._Element:
        """The ``DU_LIEU_HOC_BA`` parsed from :attr:`signed_data` (raises unless passed)."""
        self.raise_for_status()
        if self.signed_data is None:  # pragma: no cover - passed implies a #data signature
            raise errors.VerificationError("no signed data", report=self)
        from hocbaso.signing._xml import parse_document

        return parse_document(self.signed_data)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``schema_version`` 1)."""
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "source": self.source,
            "indication": self.indication.value,
            "indication_uri": self.indication.uri,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "passed": self.passed,
            "profile": self.profile,
            "validation_time": self.validation_time.isoformat(),
            "signed_data_sha256": (
                __import__("hashlib").sha256(self.signed_data).hexdigest()
                if self.signed_data is not None
                else None
            ),
            "findings": [f.to_dict() for f in self.findings],
            "slots": [s.to_dict() for s in self.slots],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """JSON text (Vietnamese kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        """A human-readable summary, one line per slot and per finding."""
        verdict = {
            Indication.TOTAL_PASSED: "HỢP LỆ / PASSED",
            Indication.TOTAL_FAILED: "KHÔNG HỢP LỆ / FAILED",
            Indication.INDETERMINATE: "CHƯA XÁC ĐỊNH / INDETERMINATE",
        }[self.indication]
        sub = f" ({self.sub_indication.value})" if self.sub_indication else ""
        lines = [f"{self.source or '<input>'}: {verdict}{sub} — profile {self.profile}"]
        for f in self.findings:
            lines.append(f"  ! {f.code} {f.location or '-'}: {f.message_vi} / {f.message_en}")
        for s in self.slots:
            ssub = f"/{s.sub_indication.value}" if s.sub_indication else ""
            who = s.signer_name or s.signer_subject or "?"
            ident = f" CCCD {s.signer_cccd}" if s.signer_cccd else ""
            ident += f" MST {s.signer_mst}" if s.signer_mst else ""
            when = s.signing_time.isoformat() if s.signing_time else "?"
            lines.append(
                f"  {s.slot:<14} {s.indication.value}{ssub} — {who}{ident}, {when}, "
                f"{s.level or '?'}; {s.role_vi}"
            )
            for f in s.findings:
                lines.append(f"      - {f.code}: {f.message_vi} / {f.message_en}")
        return "\n".join(lines)
