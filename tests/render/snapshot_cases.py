"""The HTML snapshot cases: name → function making the HTML (shared by the test and regen).

Every case is deterministic: fixed example records, fixed "printed at" time, no signature (the
demo PKI makes new keys on every run, so signed copies are checked by content, not snapshot).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import hocbaso
from hocbaso import render
from hocbaso.examples import example_record
from hocbaso.models import GeneralInfo, PrimaryData, PrimaryRecord

from .render_helpers import PRINTED_AT

SNAPSHOT_DIR = Path(__file__).parent / "snapshots"


def _grade(grade: int) -> Callable[[], str]:
    def make() -> str:
        return render.render_html(example_record(grade), printed_at=PRINTED_AT)

    return make


def invalid_record_bytes() -> bytes:
    """The grade 1 example with an 11-digit personal id (breaks the XSD) and no signature."""
    good = hocbaso.to_xml(example_record(1))
    bad = good.replace(b"<SO_CCCD>048317002681<", b"<SO_CCCD>04831700268<")
    assert bad != good
    return bad


def markup_name_record() -> PrimaryRecord:
    """A valid record whose names contain HTML markup characters (must be escaped)."""
    record = example_record(2)
    assert isinstance(record, PrimaryRecord)
    general = GeneralInfo.model_validate(
        {
            **record.data.general.model_dump(),
            "full_name": 'Lê <b>Thị</b> "Hoa" & <script>alert(1)</script>',
            "mother_name": "Nguyễn Thị <Mai>",
        }
    )
    return PrimaryRecord(
        data=PrimaryData(general=general, history=record.data.history, summary=record.data.summary)
    )


CASES: dict[str, Callable[[], str]] = {f"grade-{g:02d}": _grade(g) for g in range(1, 13)}
CASES["invalid-record"] = lambda: render.render_html(invalid_record_bytes(), printed_at=PRINTED_AT)
CASES["markup-in-names"] = lambda: render.render_html(
    markup_name_record(), printed_at=PRINTED_AT, watermark="BẢN SAO"
)


def snapshot_path(name: str) -> Path:
    """Where the snapshot of case ``name`` is stored."""
    return SNAPSHOT_DIR / f"{name}.html"
