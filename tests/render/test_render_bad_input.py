"""Bad input: unsigned, incompletely signed, invalid, unusable records; escaping; options."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

import hocbaso
from hocbaso import errors, render
from hocbaso.examples import example_record
from hocbaso.render import CopyStatus, Outcome, VerificationSummary

from .render_helpers import PRINTED_AT, SigningEnv, pdf_text, sign_record, watermark_pages
from .snapshot_cases import invalid_record_bytes, markup_name_record


def _rules(assessment: render.CopyAssessment) -> list[str]:
    return [r.rule for r in assessment.reasons]


def test_unsigned_record_is_stamped_not_valid() -> None:
    data = hocbaso.to_xml(example_record(3))
    a = render.assess_copy(data)
    assert a.status is CopyStatus.NOT_VALID
    assert _rules(a) == ["RENDER-UNSIGNED"]
    assert a.validation.valid
    html = render.render_html(data, printed_at=PRINTED_AT)
    assert (
        '<div class="watermark" aria-hidden="true"><span>KHÔNG HỢP LỆ</span><span>NOT VALID</span>'
        in html
    )
    assert "Tình trạng bản in: KHÔNG HỢP LỆ / NOT VALID" in html


def test_unsigned_record_is_refused_on_request() -> None:
    data = hocbaso.to_xml(example_record(3))
    with pytest.raises(errors.VerificationError) as info:
        render.render_html(data, on_invalid="refuse")
    assert info.value.code == "RENDER-UNSIGNED"
    assert "chưa được ký số" in info.value.message_vi
    assert isinstance(info.value.report, render.CopyAssessment)
    with pytest.raises(errors.VerificationError):
        render.render_pdf(data, on_invalid="refuse")


def test_invalid_record_is_stamped_with_its_problems() -> None:
    data = invalid_record_bytes()
    a = render.assess_copy(data)
    assert a.status is CopyStatus.NOT_VALID
    assert _rules(a)[0] == "RENDER-INVALID"
    assert "RENDER-UNSIGNED" in _rules(a)
    assert any(r.location and r.location.endswith("/SO_CCCD") for r in a.reasons)
    html = render.render_html(data, printed_at=PRINTED_AT)
    assert "KHÔNG HỢP LỆ" in html
    assert "04831700268" in html  # the invalid value is still shown, as the record has it
    assert "/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/SO_CCCD" in html


def test_invalid_record_pdf_has_watermark_on_every_page(tmp_path: Path) -> None:
    pdf = tmp_path / "invalid.pdf"
    pdf.write_bytes(render.render_pdf(invalid_record_bytes(), printed_at=PRINTED_AT))
    pages = watermark_pages(pdf)
    assert pages and pages == set(range(1, max(pages) + 1))
    text = pdf_text(pdf)
    assert "Tình trạng bản in: KHÔNG HỢP LỆ / NOT VALID" in text
    assert "Trương Phương Anh" in text


def test_invalid_record_is_refused_on_request() -> None:
    with pytest.raises(errors.DocumentInvalidError) as info:
        render.render_html(invalid_record_bytes(), on_invalid="refuse")
    assert info.value.code == "RENDER-INVALID"
    assert not info.value.report.valid
    assert info.value.report.errors[0].location is not None


@pytest.mark.parametrize("on_invalid", ["watermark", "refuse"])
@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"<HOC_BA><DU_LIEU_HOC_BA>", errors.XmlSyntaxError),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><HOC_BA/>', errors.UnsafeXmlError),
        (b"<OTHER/>", errors.ProfileError),
    ],
)
def test_unusable_input_is_always_refused(
    data: bytes, error: type[Exception], on_invalid: render.OnInvalid
) -> None:
    with pytest.raises(error):
        render.render_html(data, on_invalid=on_invalid)


def test_wrong_input_type_and_option() -> None:
    with pytest.raises(errors.InputError) as info:
        render.render_html("<HOC_BA/>")  # type: ignore[arg-type]
    assert info.value.code == "RENDER-INPUT"
    with pytest.raises(errors.ConfigurationError):
        render.render_html(example_record(1), on_invalid="ignore")  # type: ignore[arg-type]
    with pytest.raises(errors.InputError):
        render.render_html(example_record(1), printed_at=dt.datetime(2024, 6, 1))


def test_markup_in_names_is_escaped() -> None:
    html = render.render_html(markup_name_record(), printed_at=PRINTED_AT)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Lê &lt;b&gt;Thị&lt;/b&gt; &#34;Hoa&#34; &amp;" in html
    assert "Nguyễn Thị &lt;Mai&gt;" in html


def test_markup_in_an_invalid_record_is_escaped() -> None:
    good = hocbaso.to_xml(example_record(6))
    name = example_record(6).data.general.full_name.encode()
    data = good.replace(name, b"&lt;img src=x onerror=alert(1)&gt;")
    html = render.render_html(data, printed_at=PRINTED_AT)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_extra_watermark_on_any_copy() -> None:
    html = render.render_html(example_record(1), watermark="BẢN SAO", printed_at=PRINTED_AT)
    assert "<span>BẢN SAO</span>" in html


def test_signed_but_unverified_record_is_stamped_not_verified(signed_primary: bytes) -> None:
    a = render.assess_copy(signed_primary)
    assert a.status is CopyStatus.NOT_VERIFIED
    assert _rules(a) == ["RENDER-NOT-VERIFIED"]
    assert all(s.outcome is Outcome.NOT_CHECKED for s in a.verification.slots)
    assert [s.slot for s in a.verification.slots] == ["GVCN", "CBQL", "KY_PHAT_HANH"]
    html = render.render_html(signed_primary, printed_at=PRINTED_AT)
    assert "<span>CHƯA XÁC THỰC</span><span>NOT VERIFIED</span>" in html
    with pytest.raises(errors.VerificationError) as info:
        render.render_html(signed_primary, on_invalid="refuse")
    assert info.value.code == "RENDER-NOT-VERIFIED"


def test_incompletely_signed_record_is_not_valid(signing_env: SigningEnv) -> None:
    data = sign_record(example_record(2), signing_env, until="GVCN")
    a = render.assess_copy(data)
    assert a.status is CopyStatus.NOT_VALID
    assert _rules(a)[0] == "RENDER-INCOMPLETE"
    assert "CBQL" in a.reasons[0].message_en and "KY_PHAT_HANH" in a.reasons[0].message_en


def test_summary_for_other_bytes_is_refused(signed_primary: bytes, signing_env: SigningEnv) -> None:
    summary = render.verify_for_copy(signed_primary, trust=signing_env.trust)
    other = signed_primary.replace(b"<HOC_BA>", b"<HOC_BA >", 1)
    assert other != signed_primary
    with pytest.raises(errors.InputError) as info:
        render.render_html(other, verification=summary)
    assert info.value.code == "RENDER-SUMMARY-MISMATCH"
    with pytest.raises(errors.ConfigurationError):
        render.render_html(signed_primary, verification="passed")  # type: ignore[arg-type]


def test_summary_whose_signed_data_differs_makes_the_copy_not_valid(
    signed_primary: bytes, signing_env: SigningEnv
) -> None:
    summary = render.verify_for_copy(signed_primary, trust=signing_env.trust)
    assert summary.outcome is Outcome.PASSED and summary.signed_data_sha256 is not None
    forged = dataclasses.replace(summary, signed_data_sha256=bytes(32))
    a = render.assess_copy(signed_primary, verification=forged)
    assert a.status is CopyStatus.NOT_VALID
    assert _rules(a) == ["RENDER-DATA-NOT-SIGNED"]


def test_hand_made_summaries(signed_primary: bytes) -> None:
    failed = VerificationSummary(Outcome.FAILED, note_vi="Chữ ký bị sửa.", note_en="tampered")
    a = render.assess_copy(signed_primary, verification=failed)
    assert a.status is CopyStatus.NOT_VALID
    assert a.reasons[0].rule == "RENDER-SIGNATURE-FAILED"
    assert a.reasons[0].message_vi == "Chữ ký bị sửa."
    unsure = VerificationSummary(Outcome.INDETERMINATE)
    a = render.assess_copy(signed_primary, verification=unsure)
    assert a.status is CopyStatus.NOT_VERIFIED
    assert _rules(a) == ["RENDER-SIGNATURE-INDETERMINATE"]
    with pytest.raises(errors.VerificationError) as info:
        a.raise_for_status()
    assert info.value.code == "RENDER-SIGNATURE-INDETERMINATE"
