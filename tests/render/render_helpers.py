"""Helpers for the printable-copy tests: external PDF/QR tools, signed records, text checks.

The PDF is checked only with tools independent of the renderer: poppler's ``pdftotext``,
``pdftoppm``, ``pdfinfo`` and ``pdffonts`` (Debian ``poppler-utils``), ``zbarimg`` (Debian
``zbar-tools``) for QR codes, and Pillow for pixels of the rasterised pages.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

import hocbaso
from hocbaso.models import (
    PrimaryData,
    PrimaryRecord,
    Record,
    SecondaryData,
    SecondaryRecord,
    SubjectTeacher,
)
from hocbaso.pki import DemoPki
from hocbaso.signing import LocalSigner, TrustConfig, sign

ICT = dt.timezone(dt.timedelta(hours=7))
PRINTED_AT = dt.datetime(2024, 6, 1, 8, 0, tzinfo=ICT)
"""The fixed "In lúc" time of every copy made by the tests (snapshots are byte-exact)."""
WATERMARK_MIN_HEIGHT = 35.0
"""Glyph height (pt) above which a word is part of the 40 pt diagonal watermark."""


def tool(name: str, package: str) -> str:
    """Path of an external tool, or skip the test with the package to install."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install {package})")
    return path


def run(*args: str) -> bytes:
    """Run a tool; return its stdout; fail the test with stderr on error."""
    result = subprocess.run(args, capture_output=True, check=False, timeout=120)
    assert result.returncode == 0, (args, result.stderr.decode("utf-8", "replace"))
    return result.stdout


@dataclass(frozen=True)
class Word:
    """One word of the PDF text layer (pdftotext -bbox-layout)."""

    page: int
    text: str
    height: float


def pdf_words(pdf: Path) -> list[Word]:
    """Every word of the text layer, in pdftotext's reading order, with page and height."""
    out = run(tool("pdftotext", "poppler-utils"), "-bbox-layout", str(pdf), "-")
    root = etree.fromstring(out, etree.XMLParser(recover=True, resolve_entities=False))
    words = []
    for number, page in enumerate(root.iter("{*}page"), start=1):
        for w in page.iter("{*}word"):
            height = float(w.get("yMax", "0")) - float(w.get("yMin", "0"))
            words.append(Word(number, w.text or "", height))
    return words


def pdf_text(pdf: Path) -> str:
    """The text of the PDF without the diagonal watermark, whitespace collapsed to one space."""
    out = run(tool("pdftotext", "poppler-utils"), "-nodiag", str(pdf), "-").decode("utf-8")
    return " ".join(out.split())


def watermark_pages(pdf: Path) -> set[int]:
    """Pages whose text layer holds big watermark glyphs."""
    return {w.page for w in pdf_words(pdf) if w.height >= WATERMARK_MIN_HEIGHT}


def pdf_rows(pdf: Path) -> list[list[str]]:
    """The physical lines of the PDF (``pdftotext -layout``, watermark dropped), each split into
    cells where the text is separated by two or more spaces."""
    out = run(tool("pdftotext", "poppler-utils"), "-layout", "-nodiag", str(pdf), "-")
    return [re.split(r"\s{2,}", line.strip()) for line in out.decode("utf-8").splitlines()]


def find_row(rows: list[list[str]], first: str, *cells: str, start: int = 0) -> int | None:
    """Index of the first line at or after ``start`` whose cells are ``first`` (or the start of
    it, when a long name wraps in its cell) followed by exactly ``cells``."""
    for i in range(start, len(rows)):
        row = rows[i]
        if len(row) < 1 + len(cells) or not row[0]:
            continue
        head = row[0]
        if head != first and not (len(head) >= 4 and first.startswith(head + " ")):
            continue
        if row[1 : 1 + len(cells)] == list(cells):
            return i
    return None


def in_order(text: str, *parts: str) -> bool:
    """True when ``parts`` occur in ``text`` in this order, separated only by whitespace."""
    pattern = r"\s+".join(re.escape(p) for p in parts)
    return re.search(r"(?:^|\s)" + pattern + r"(?:\s|$)", text) is not None


def page_count(pdf: Path) -> int:
    """Number of pages according to pdfinfo."""
    info = run(tool("pdfinfo", "poppler-utils"), str(pdf)).decode()
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match, info
    return int(match.group(1))


def rasterise(pdf: Path, out_dir: Path, *, dpi: int, first: int | None = None) -> list[Path]:
    """PNG images of the pages (all, or only page ``first``) made by pdftoppm."""
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [tool("pdftoppm", "poppler-utils"), "-r", str(dpi), "-png"]
    if first is not None:
        args += ["-f", str(first), "-l", str(first)]
    run(*args, str(pdf), str(out_dir / "page"))
    return sorted(out_dir.glob("page*.png"))


def reddish_fraction(png: Path) -> float:
    """Share of pixels tinted by the red status watermark (light red on white paper)."""
    from PIL import Image

    with Image.open(png) as image:
        data = image.convert("RGB").tobytes()
    count = len(data) // 3
    red = 0
    for i in range(0, len(data), 3):
        r, g, b = data[i], data[i + 1], data[i + 2]
        if r > 200 and r - g > 20 and r - b > 20 and abs(g - b) < 30:
            red += 1
    return red / count


def zbar(image: Path) -> list[str]:
    """Texts of the QR codes zbarimg finds in an image."""
    zbarimg = tool("zbarimg", "zbar-tools")
    result = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(image)], capture_output=True, check=False, timeout=60
    )
    assert result.returncode in (0, 4), result.stderr
    return [line for line in result.stdout.decode().splitlines() if line]


# -- signed records -------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningEnv:
    """A demo PKI with loaded signers and the trust configuration that trusts it."""

    pki: DemoPki
    signers: Mapping[str, LocalSigner]
    trust: TrustConfig
    t0: dt.datetime


def signable(record: Record, env: SigningEnv) -> Record:
    """``record`` with the signers' names and CCCDs, so that the demo PKI can sign every slot."""
    general = record.data.general.model_copy(
        update={
            "signing_leader_name": "Nguyễn Văn Hùng",
            "signing_leader_personal_id": env.pki["cbql"].cccd,
            "homeroom_teacher_name": "Phạm Thị Thu Hà",
            "homeroom_teacher_personal_id": env.pki["gvcn"].cccd,
        }
    )
    if isinstance(record, PrimaryRecord):
        return PrimaryRecord(
            data=PrimaryData(
                general=general, history=record.data.history, summary=record.data.summary
            )
        )
    assert env.pki["gvbm-toan"].cccd is not None
    teacher = SubjectTeacher(name="Trần Văn Minh", personal_id=env.pki["gvbm-toan"].cccd)
    subjects = tuple(
        s.model_copy(update={"teacher": teacher}) for s in record.data.summary.subjects
    )
    summary = record.data.summary.model_copy(update={"subjects": subjects})
    return SecondaryRecord(
        data=SecondaryData(general=general, history=record.data.history, summary=summary)
    )


def sign_record(record: Record, env: SigningEnv, *, until: str = "KY_PHAT_HANH") -> bytes:
    """Sign every slot of ``record`` in the official order, stopping after slot ``until``."""
    xml = hocbaso.to_xml(signable(record, env))
    slots: list[tuple[str, str]] = []
    if isinstance(record, SecondaryRecord):
        slots += [(f"GVBM:{s.subject_code}", "gvbm-toan") for s in record.data.summary.subjects]
    slots += [("GVCN", "gvcn"), ("CBQL", "cbql"), ("KY_PHAT_HANH", "org")]
    for minute, (slot, who) in enumerate(slots):
        xml = sign(
            xml,
            slot=slot,
            signer=env.signers[who],
            signing_time=env.t0 + dt.timedelta(minutes=minute),
        )
        if slot == until:
            break
    return xml
