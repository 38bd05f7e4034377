"""The end-to-end demo: a small school's records through every capability of the library.

``hocbaso demo`` calls :func:`run_demo`. It uses only the public API and embedded defaults
(an SQLite ledger file, a throwaway test PKI generated on the spot) and writes everything
under one working directory, so a new user can look at each artefact.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import hocbaso
from hocbaso.models import Record

__all__ = ["DemoState", "run_demo"]


@dataclass
class DemoState:
    """What the demo steps hand to each other."""

    out: Path
    records: list[Record] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    signed: list[Path] = field(default_factory=list)
    log: TextIO = sys.stdout

    def say(self, text: str) -> None:
        """Print one line of the demo's narration."""
        print(text, file=self.log)


def _build(state: DemoState, students: int) -> bool:
    state.say("1. Tạo học bạ / build records (models → canonical XML)")
    grades = [1, 2, 3, 4, 5, 6, 9, 10, 12]
    rec_dir = state.out / "records"
    rec_dir.mkdir(parents=True, exist_ok=True)
    for i in range(students):
        for grade in grades:
            record = (
                hocbaso.examples.example_record(grade)
                if i == 0
                else hocbaso.examples.generate_record(i, grade)
            )
            path = rec_dir / f"hocba-lop{grade:02d}-{i:03d}.xml"
            path.write_bytes(hocbaso.to_xml(record))
            state.records.append(record)
            state.files.append(path)
    state.say(f"   {len(state.files)} records written to {rec_dir}")
    return True


def _validate(state: DemoState) -> bool:
    state.say("2. Kiểm tra / validate (XSD + models)")
    invalid = 0
    for path in state.files:
        report = hocbaso.validate(path.read_bytes(), source=path.name)
        if not report.valid:
            invalid += 1
            state.say(report.to_text())
    state.say(f"   {len(state.files) - invalid}/{len(state.files)} valid")
    broken = state.files[0].read_bytes().replace(b"<SO_CCCD>048317002681", b"<SO_CCCD>04831700268")
    report = hocbaso.validate(broken, source="broken-example.xml")
    state.say("   a record with an 11-digit personal id is rejected, with its location:")
    for problem in report.errors:
        state.say(f"     {problem.to_text()}")
    return invalid == 0 and not report.valid


def run_demo(out: Path, *, students: int = 6, log: TextIO | None = None) -> bool:
    """Run every demo step in ``out``; return True when every step did what it should."""
    state = DemoState(out=out, log=log or sys.stdout)
    out.mkdir(parents=True, exist_ok=True)
    steps: list[Callable[[], bool]] = [
        lambda: _build(state, students),
        lambda: _validate(state),
    ]
    ok = True
    for step in steps:
        if not step():
            ok = False
            state.say("   !! step failed")
    state.say("Demo " + ("hoàn tất / finished" if ok else "có lỗi / FAILED") + f" — see {out}")
    return ok
