"""Digital signatures for *học bạ* records: the official slot profile, XAdES, verification.

Signing (:func:`sign`, or :func:`prepare` + :meth:`PreparedSignature.complete` for hash-only
remote signing through a :class:`Signer`) puts each signature in its own slot of
``DANH_SACH_THONG_TIN_KY``, outside the data it signs: subject teachers (``GVBM``, secondary) →
homeroom teacher (``GVCN``) → school leader (``CBQL``) → the school's organisation certificate
(``KY_PHAT_HANH``, the issuing seal). Signatures are parallel: adding one never breaks another.

Verification (:func:`verify`) returns a frozen :class:`VerificationReport` with one ETSI EN 319
102-1 outcome per slot; :meth:`VerificationReport.raise_for_status` or :func:`verify_or_raise`
turn "not trustworthy" into :class:`hocbaso.errors.VerificationError`. Read the record only from
:attr:`VerificationReport.signed_data`.

Long-term validation (XAdES, ETSI EN 319 132-1): sign with ``SignatureLevel.XADES_B_T`` and a
:class:`TimestampAuthority`, then :func:`add_validation_data` (B-LT: certificate and revocation
values, including ``TimeStampValidationData`` for the TSA) and :func:`add_archive_timestamp`
(B-LTA, repeatable). All of these are unsigned additions: no signature changes.

Modules whose names start with an underscore are internal and may change without notice.
"""

from __future__ import annotations

from hocbaso.signing._algorithms import DigestAlgorithm, SignatureAlgorithm
from hocbaso.signing._keys import (
    KeyAndCertificates,
    LocalSigner,
    Signer,
    load_certificates,
    load_pkcs12,
    load_private_key,
)
from hocbaso.signing._lt import add_archive_timestamp, add_validation_data
from hocbaso.signing._policy import (
    PROFILES,
    TIEU_HOC_1_0,
    TRUNG_HOC_1_0,
    CertificateKind,
    Profile,
    SlotId,
    SlotKind,
    SlotRule,
    Target,
)
from hocbaso.signing._report import (
    Finding,
    Indication,
    SlotResult,
    SubIndication,
    VerificationReport,
)
from hocbaso.signing._sign import (
    PreparedSignature,
    SignatureLevel,
    SignaturePolicy,
    prepare,
    sign,
)
from hocbaso.signing._trust import TrustConfig
from hocbaso.signing._verify import is_trustworthy, verify, verify_or_raise
from hocbaso.signing._xades import HttpTimestampAuthority, TimestampAuthority

__all__ = [
    "PROFILES",
    "TIEU_HOC_1_0",
    "TRUNG_HOC_1_0",
    "CertificateKind",
    "DigestAlgorithm",
    "Finding",
    "HttpTimestampAuthority",
    "Indication",
    "KeyAndCertificates",
    "LocalSigner",
    "PreparedSignature",
    "Profile",
    "SignatureAlgorithm",
    "SignatureLevel",
    "SignaturePolicy",
    "Signer",
    "SlotId",
    "SlotKind",
    "SlotResult",
    "SlotRule",
    "SubIndication",
    "Target",
    "TimestampAuthority",
    "TrustConfig",
    "VerificationReport",
    "add_archive_timestamp",
    "add_validation_data",
    "is_trustworthy",
    "load_certificates",
    "load_pkcs12",
    "load_private_key",
    "prepare",
    "sign",
    "verify",
    "verify_or_raise",
]
