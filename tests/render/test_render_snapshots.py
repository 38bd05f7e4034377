"""The HTML of the printable copy is byte-for-byte its snapshot.

Snapshots live in ``tests/render/snapshots/``; after an intended change run
``python -m tests.render.regen_snapshots``, review ``git diff`` and commit them.
"""

from __future__ import annotations

import difflib

import pytest

from .snapshot_cases import CASES, SNAPSHOT_DIR, snapshot_path


@pytest.mark.parametrize("name", sorted(CASES))
def test_html_matches_snapshot(name: str) -> None:
    path = snapshot_path(name)
    assert path.is_file(), f"missing snapshot {path}; run python -m tests.render.regen_snapshots"
    expected = path.read_text(encoding="utf-8")
    actual = CASES[name]()
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                str(path),
                "rendered",
                n=1,
            )
        )
        pytest.fail(
            f"{name}: the HTML differs from its snapshot (first 60 diff lines below); if the "
            "change is intended run python -m tests.render.regen_snapshots\n"
            + "".join(diff.splitlines(keepends=True)[:60])
        )


def test_no_stale_snapshot_files() -> None:
    known = {snapshot_path(n).name for n in CASES}
    stale = sorted(p.name for p in SNAPSHOT_DIR.glob("*.html") if p.name not in known)
    assert not stale, f"snapshot files without a case: {stale}"
