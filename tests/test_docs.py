"""Docs stay true: generated references are current, and every doc link resolves."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_matches_help() -> None:
    from hocbaso.cli._helpdoc import generate

    doc = ROOT / "docs" / "cli.md"
    assert doc.read_text(encoding="utf-8") == generate(), (
        "docs/cli.md is stale: run python -m hocbaso.cli._helpdoc docs/cli.md"
    )


def test_relative_links_resolve() -> None:
    broken = []
    for md in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", md.read_text(encoding="utf-8")):
            if not (md.parent / target).exists():
                broken.append(f"{md.name} -> {target}")
    assert not broken, broken
