"""Batches of học bạ records: the Ministry's content codec, packets and transaction envelopes.

Records travel school → Sở portal → Bộ warehouse in *packets* (*gói tin*): a
``<DANH_SACH_HOC_BA>`` list of ``<HOC_BA>`` records, encoded with the Ministry's function of
Phụ lục 1.2 (UTF-8 → gzip → 4-byte little-endian Int32 length prefix → base64), at most 10 MB
per transaction, carried in the ``content`` of an ``authenticationRequest`` envelope.

* codec: :func:`compress_content`, :func:`decompress_content`, :class:`DecompressionLimits`;
* packets: :func:`pack`, :func:`unpack`, :func:`iter_records`, :func:`split_records`,
  :func:`escape_quotes`, :func:`record_from_file`;
* envelopes of the six transactions (submit *nộp*, status query, register certificate, its
  query, revoke *thu hồi*, its query) and their responses, as frozen pydantic models with the
  official parameter names as JSON aliases.

See ``docs/batch.md``. Modules whose names start with an underscore are internal.
"""

from __future__ import annotations

from hocbaso.batch._codec import compress_content, decompress_content
from hocbaso.batch._envelopes import (
    ApprovalState,
    CertificateIssuer,
    CertificateQuery,
    CertificateQueryResponse,
    CertificateRegistration,
    CertificateRegistrationResponse,
    RecordStatus,
    RevokeRequest,
    RevokeResponse,
    RevokeState,
    RevokeStatus,
    RevokeStatusQuery,
    RevokeStatusResponse,
    SignatureKind,
    StatusQuery,
    StatusQueryResponse,
    SubmitRequest,
    SubmitResponse,
    SubmitState,
    TransactionKind,
    hash_password,
)
from hocbaso.batch._limits import (
    DEFAULT_MAX_PACKET_BYTES,
    ENVELOPE_RESERVE_BYTES,
    TRANSACTION_LIMIT_BYTES,
    DecompressionLimits,
)
from hocbaso.batch._packets import (
    REVOCATION_LIST_ID,
    Packet,
    PacketRecord,
    iter_records,
    pack,
    record_from_file,
    split_records,
    unpack,
)
from hocbaso.batch._scan import escape_quotes
from hocbaso.batch._work import (
    Failure,
    RecordItem,
    RecordResult,
    check_records,
    failure_of,
    packet_content,
    report_failures,
)

__all__ = [
    "DEFAULT_MAX_PACKET_BYTES",
    "ENVELOPE_RESERVE_BYTES",
    "REVOCATION_LIST_ID",
    "TRANSACTION_LIMIT_BYTES",
    "ApprovalState",
    "CertificateIssuer",
    "CertificateQuery",
    "CertificateQueryResponse",
    "CertificateRegistration",
    "CertificateRegistrationResponse",
    "DecompressionLimits",
    "Failure",
    "Packet",
    "PacketRecord",
    "RecordItem",
    "RecordResult",
    "RecordStatus",
    "RevokeRequest",
    "RevokeResponse",
    "RevokeState",
    "RevokeStatus",
    "RevokeStatusQuery",
    "RevokeStatusResponse",
    "SignatureKind",
    "StatusQuery",
    "StatusQueryResponse",
    "SubmitRequest",
    "SubmitResponse",
    "SubmitState",
    "TransactionKind",
    "check_records",
    "compress_content",
    "decompress_content",
    "escape_quotes",
    "failure_of",
    "hash_password",
    "iter_records",
    "pack",
    "packet_content",
    "record_from_file",
    "report_failures",
    "split_records",
    "unpack",
]
