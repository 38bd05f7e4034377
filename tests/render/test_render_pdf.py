"""Every grade's example as a PDF: A4, DejaVu fonts embedded, every value in the text layer.

Checks use only poppler (pdftotext/pdfinfo/pdffonts/pdftoppm) and Pillow, not the renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from hocbaso.examples import example_record
from hocbaso.models import PrimaryRecord, SecondaryRecord, TermResult

from .render_helpers import (
    find_row,
    in_order,
    page_count,
    pdf_rows,
    pdf_text,
    rasterise,
    reddish_fraction,
    run,
    tool,
    watermark_pages,
)

GRADES = list(range(1, 13))


def vn(value: Decimal | int | None) -> str:
    """A score as the copy prints it (Vietnamese decimal comma)."""
    assert value is not None
    text = format(Decimal(value).normalize(), "f")  # canonical XML form: 7.0 → 7, 8.50 → 8.5
    return text.replace(".", ",")


def _term_value(term: TermResult) -> str:
    if term.average is not None:
        return vn(term.average)
    assert term.result is not None
    return term.result.value


@pytest.mark.parametrize("grade", GRADES)
def test_cover_shows_display_sample_fields(grade: int, example_pdf: Callable[[int], Path]) -> None:
    record = example_record(grade)
    g = record.data.general
    pdf = example_pdf(grade)
    rows = pdf_rows(pdf)
    text = pdf_text(pdf)
    assert find_row(rows, "Họ và tên học sinh", g.full_name) is not None  # diacritics intact
    assert find_row(rows, "Mã số định danh cá nhân", g.personal_id) is not None
    assert find_row(rows, "Mã số tra cứu học bạ (UUID)", str(g.lookup_uuid)) is not None
    assert "sử dụng để tra cứu học bạ số trên cổng tra cứu Học bạ số - Bộ GDĐT" in text
    assert find_row(rows, "Người ký học bạ", g.signing_leader_name) is not None
    leader = g.signing_leader_position.value
    assert find_row(rows, "Chức vụ của người ký học bạ", leader) is not None
    assert find_row(rows, "Ngày ký học bạ", g.issued_at.strftime("%d/%m/%Y")) is not None
    assert g.level.label.upper() in text
    assert g.school_name in text
    assert find_row(rows, "Nơi sinh", g.place_of_birth) is not None
    assert find_row(rows, "Họ và tên mẹ", g.mother_name) is not None
    for year in record.data.history:
        row = find_row(
            rows,
            f"{year.school_year}-{year.school_year + 1}",
            year.class_name,
            year.school_name,
            year.enrolled_on.strftime("%d/%m/%Y"),
        )
        assert row is not None, year


@pytest.mark.parametrize("grade", GRADES)
def test_results_table_has_every_subject_and_score(
    grade: int, example_pdf: Callable[[int], Path]
) -> None:
    record = example_record(grade)
    pdf = example_pdf(grade)
    rows = pdf_rows(pdf)
    text = pdf_text(pdf)
    if isinstance(record, PrimaryRecord):
        s = record.data.summary
        for subject in s.subjects:
            cells = [subject.level.value]
            if subject.test_score is not None:
                cells.append(vn(subject.test_score))
            assert find_row(rows, subject.subject_name, *cells) is not None, (subject, cells)
            assert subject.subject_name in text
            if subject.comment:
                assert subject.comment in text
        levels = s.assessment
        for label, value in (
            ("Yêu nước", levels.patriotism),
            ("Nhân ái", levels.kindness),
            ("Chăm chỉ", levels.diligence),
            ("Trung thực", levels.honesty),
            ("Trách nhiệm", levels.responsibility),
            ("Tự chủ và tự học", levels.self_learning),
            ("Giao tiếp và hợp tác", levels.communication),
            ("Ngôn ngữ", levels.language),
            ("Tính toán", levels.numeracy),
            ("Thể chất", levels.physical),
            ("Tin học", levels.informatics),
        ):
            if value is not None:
                assert find_row(rows, label, value.value) is not None, label
        assert in_order(text, "4. Đánh giá kết quả giáo dục", s.final_evaluation.value)
        assert s.completion_text is not None and s.completion_text in text
        assert in_order(text, "5. Khen thưởng", s.commendation or "Không")
        assert s.homeroom_comment in text
    else:
        assert isinstance(record, SecondaryRecord)
        s2 = record.data.summary
        for sub in s2.subjects:
            year = vn(sub.year.average) if sub.year.average is not None else sub.year.result
            assert year is not None
            cells = [_term_value(sub.term1), _term_value(sub.term2), str(year)]
            assert find_row(rows, sub.subject_name, *cells) is not None, (sub.subject_name, cells)
            assert sub.subject_name in text
            # the appendix: every regular, mid-term and end-of-term score, term by term
            details = []
            for term in (sub.term1, sub.term2):
                if term.average is not None:
                    details.append(
                        [
                            "; ".join(vn(x) for x in term.regular_scores),
                            vn(term.midterm_score),
                            vn(term.final_score),
                            vn(term.average),
                        ]
                    )
                else:
                    details.append([_term_value(term)])
            first = find_row(rows, sub.subject_name, "I", *details[0])
            assert first is not None, (sub.subject_name, details[0])
            second = find_row(rows, "II", *details[1], start=first + 1)
            assert second is not None and second <= first + 3, (sub.subject_name, details[1])
            if sub.comment:
                assert sub.comment in text
        for label, levels3 in (
            ("Kết quả học tập", (s2.learning_term1, s2.learning_term2, s2.learning_year)),
            ("Kết quả rèn luyện", (s2.conduct_term1, s2.conduct_term2, s2.conduct_year)),
        ):
            assert find_row(rows, label, *(x.value for x in levels3)) is not None, label
        assert in_order(text, "Danh hiệu:", s2.title.value if s2.title else "Không")
        assert ("Được lên lớp: Được lên lớp" if s2.promoted else "Không được lên lớp") in text
        assert s2.homeroom_comment in text


@pytest.mark.parametrize("grade", GRADES)
def test_a4_pages_fonts_and_watermark_on_every_page(
    grade: int, example_pdf: Callable[[int], Path], tmp_path: Path
) -> None:
    pdf = example_pdf(grade)
    info = run(tool("pdfinfo", "poppler-utils"), str(pdf)).decode()
    assert "(A4)" in info
    fonts = run(tool("pdffonts", "poppler-utils"), str(pdf)).decode().splitlines()[2:]
    assert fonts, "no font in the PDF"
    for line in fonts:
        assert "DejaVu" in line, line  # Vietnamese diacritics come from DejaVu, not a fallback
        assert " yes " in line, line  # embedded
    pages = page_count(pdf)
    # The example records are unsigned: every page carries the NOT VALID watermark, in the
    # text layer (big rotated glyphs) and in the pixels (light red across the page).
    assert watermark_pages(pdf) == set(range(1, pages + 1))
    images = rasterise(pdf, tmp_path, dpi=20)
    assert len(images) == pages
    for image in images:
        assert reddish_fraction(image) > 0.003, image
