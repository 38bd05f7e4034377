"""Regenerate manifest.json: one line per probe file, with its kind and expected outcome.

Run from anywhere: ``python tests/vectors/merkle/build_manifest.py``. The ledger tests rebuild
the manifest in memory and fail when the committed one differs (a probe added, removed or
changed without the manifest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def build() -> dict[str, Any]:
    """The manifest for the files now under ``testdata/``."""
    cases = []
    for path in sorted((HERE / "testdata").rglob("*.json")):
        rel = path.relative_to(HERE).as_posix()
        probe = json.loads(path.read_text(encoding="utf-8"))
        cases.append(
            {
                "file": rel,
                "kind": rel.split("/")[1],
                "want_err": bool(probe["wantErr"]),
                "desc": probe["desc"],
            }
        )
    return {
        "source": "transparency-dev/merkle@417fb0c314750d94e53942e9f92e79b6d35915db (Apache-2.0)",
        "count": len(cases),
        "cases": cases,
    }


def render() -> str:
    """manifest.json text (stable: sorted files, fixed formatting)."""
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    (HERE / "manifest.json").write_text(render(), encoding="utf-8")
