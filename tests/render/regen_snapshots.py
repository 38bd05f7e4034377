"""Regenerate the HTML snapshots of the printable copy.

Run from the repository root: ``python -m tests.render.regen_snapshots``.

Run it after an intended change to the templates, the CSS or the examples, review the diff
(``git diff tests/render/snapshots``) and commit the files with the change.
"""

from __future__ import annotations

from .snapshot_cases import CASES, SNAPSHOT_DIR, snapshot_path


def main() -> int:
    """Write every snapshot; print what changed."""
    SNAPSHOT_DIR.mkdir(exist_ok=True)
    for name, make in CASES.items():
        path = snapshot_path(name)
        html = make()
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != html:
            path.write_text(html, encoding="utf-8", newline="\n")
            print(f"{'updated' if old is not None else 'created'} {path}")
    known = {snapshot_path(n).name for n in CASES}
    for stale in SNAPSHOT_DIR.glob("*.html"):
        if stale.name not in known:
            stale.unlink()
            print(f"removed {stale}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
