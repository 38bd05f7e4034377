"""Printable copy of a record — *bản thể hiện học bạ số* — in HTML and PDF, with a QR code.

A copy shows one record (one student, one school year) as the Ministry's display sample
(cover: personal id, lookup UUID, signer, position, signing date) followed by the paper form of
its level (identity and school path; the year's results: subjects, qualities and competencies
or learning and conduct results, commendation, completion/promotion; signature blocks), A4,
in Vietnamese. See ``docs/rendering.md``.

Every copy states the verification state it was made from (:class:`VerificationSummary`: who
signed each slot, when, and the outcome) and carries a QR code with a :class:`CopyCode`
(``HBS1:<MA_TRA_CUU_UUID>:<SHA-256 of the record bytes, base64url>``) so that anyone can check
that the paper matches the issued record (:func:`check_copy`, :func:`check_copy_in_ledger`,
``hocbaso verify-copy``). A copy that is not valid (invalid or unsigned record, failed or
unchecked signatures) is stamped "KHÔNG HỢP LỆ / NOT VALID" or "CHƯA XÁC THỰC / NOT VERIFIED",
or refused with ``on_invalid="refuse"``.

Typical use::

    from hocbaso import render, signing

    data = Path("hoc-ba.xml").read_bytes()
    summary = render.verify_for_copy(data, trust=signing.TrustConfig.from_directory("trust"))
    Path("hoc-ba.pdf").write_bytes(render.render_pdf(data, verification=summary))

PDF output needs the ``pdf`` extra (WeasyPrint). Modules whose names start with an underscore
are internal and may change without notice.
"""

from __future__ import annotations

from hocbaso.render._check import CopyCheck, check_copy, check_copy_in_ledger
from hocbaso.render._code import COPY_CODE_PREFIX, COPY_CODE_VERSION, CopyCode
from hocbaso.render._copy import (
    REQUIRED_SLOTS,
    CopyAssessment,
    CopyStatus,
    OnInvalid,
    assess_copy,
    qr_svg,
    render_html,
)
from hocbaso.render._pdf import render_pdf
from hocbaso.render._scan import read_qr_texts
from hocbaso.render._summary import (
    Outcome,
    SlotSummary,
    VerificationSummary,
    summary_from_report,
    verify_for_copy,
)

__all__ = [
    "COPY_CODE_PREFIX",
    "COPY_CODE_VERSION",
    "REQUIRED_SLOTS",
    "CopyAssessment",
    "CopyCheck",
    "CopyCode",
    "CopyStatus",
    "OnInvalid",
    "Outcome",
    "SlotSummary",
    "VerificationSummary",
    "assess_copy",
    "check_copy",
    "check_copy_in_ledger",
    "qr_svg",
    "read_qr_texts",
    "render_html",
    "render_pdf",
    "summary_from_report",
    "verify_for_copy",
]
