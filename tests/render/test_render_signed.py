"""Really signed records (demo PKI + hocbaso.signing): the copy shows the verification state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hocbaso import render
from hocbaso.render import CopyStatus, Outcome
from hocbaso.signing import verify

from .render_helpers import (
    PRINTED_AT,
    SigningEnv,
    find_row,
    pdf_rows,
    pdf_text,
    rasterise,
    reddish_fraction,
    watermark_pages,
)


@pytest.mark.parametrize("which", ["primary", "secondary"])
def test_verified_copy_is_valid_and_shows_every_signer(
    which: str, signed_pdf: Callable[[str], tuple[bytes, Path]], tmp_path: Path
) -> None:
    _, pdf = signed_pdf(which)
    text = pdf_text(pdf)
    rows = pdf_rows(pdf)
    assert "Tình trạng bản in: HỢP LỆ / VALID" in text
    assert "KHÔNG HỢP LỆ" not in text and "CHƯA XÁC THỰC" not in text
    assert watermark_pages(pdf) == set()
    for image in rasterise(pdf, tmp_path, dpi=20):
        assert reddish_fraction(image) < 0.0005, image  # no red watermark on any page
    # signers as named in their certificates, with the outcome of each check
    for name in ("Phạm Thị Thu Hà", "Nguyễn Văn Hùng"):
        assert name in text
    assert "MST 0401234567" in text
    for slot in ("GVCN", "CBQL", "KY_PHAT_HANH"):
        row = next((r for r in rows if r and r[0] == slot), None)
        assert row is not None, slot
        assert row[-1].startswith("Hợp"), row  # "Hợp lệ" (may wrap)
    if which == "secondary":
        assert find_row(rows, "GVBM:TOAN", "Giáo viên bộ môn — Toán", "Trần Văn Minh") is not None
    assert "Kiểm tra chữ ký số lúc" in text


def test_summary_from_report_keeps_every_slot(
    signed_secondary: bytes, signing_env: SigningEnv
) -> None:
    report = verify(signed_secondary, trust=signing_env.trust)
    summary = render.summary_from_report(report, signed_secondary)
    assert summary.outcome is Outcome.PASSED
    assert [s.slot for s in summary.slots] == [s.slot for s in report.slots]
    assert summary.slots[-1].slot == "KY_PHAT_HANH"
    assert summary.slots[-1].signer_id == "MST 0401234567"
    cbql = next(s for s in summary.slots if s.slot == "CBQL")
    assert cbql.signer_name == "Nguyễn Văn Hùng"
    assert cbql.signer_id == f"CCCD {signing_env.pki['cbql'].cccd}"
    assert cbql.signed_at == report.slot("CBQL").signing_time
    assert summary.checked_at == report.validation_time
    assert render.assess_copy(signed_secondary, verification=summary).status is CopyStatus.VALID


def test_tampered_record_copy_is_not_valid(
    signed_primary: bytes, signing_env: SigningEnv, tmp_path: Path
) -> None:
    # Change the homeroom teacher's comment after signing: every signature over the data fails.
    tampered = signed_primary.replace(b"<NHAN_XET_GVCN>Em", b"<NHAN_XET_GVCN>Con", 1)
    assert tampered != signed_primary
    summary = render.verify_for_copy(tampered, trust=signing_env.trust)
    assert summary.outcome is Outcome.FAILED
    assert any(s.outcome is Outcome.FAILED and s.note_vi for s in summary.slots)
    a = render.assess_copy(tampered, verification=summary)
    assert a.status is CopyStatus.NOT_VALID
    assert "RENDER-SIGNATURE-FAILED" in [r.rule for r in a.reasons]
    pdf = tmp_path / "tampered.pdf"
    pdf.write_bytes(render.render_pdf(tampered, verification=summary, printed_at=PRINTED_AT))
    assert watermark_pages(pdf)
    assert "Không hợp lệ" in pdf_text(pdf)
