"""Generate the rule catalogue table of ``docs/rules.md`` from the registry.

``python -m hocbaso.rules._docs docs/rules.md`` rewrites the table between the markers
``<!-- BEGIN RULES -->`` and ``<!-- END RULES -->``; ``tests/rules/test_registry.py`` fails
when the document is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hocbaso.rules._registry import registry

__all__ = ["main", "rule_table"]

BEGIN = "<!-- BEGIN RULES -->"
END = "<!-- END RULES -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rule_table() -> str:
    """The markdown table of every rule: id, severity, sets, clause, English and Vietnamese."""
    lines = [
        "| id | severity | set | clause | what it checks | thông điệp (vi) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in registry():
        lines.append(
            f"| `{r.id}` | {r.severity.value} | {', '.join(sorted(r.sets))} | "
            f"{_cell(r.clause)} | {_cell(r.title_en)} | {_cell(r.title_vi)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the table in the given document (default ``docs/rules.md``)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "docs/rules.md")
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    path.write_text(f"{text[:start]}\n{rule_table()}\n{text[end:]}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
