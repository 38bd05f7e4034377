"""Generate ``docs/data-model.md`` from the models (every element: meaning, term, type, required).

``python -m hocbaso._xml._docgen docs/data-model.md`` rewrites it; a test keeps it current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hocbaso._xml._plan import ROOTS, FieldPlan, all_plans
from hocbaso.models import PROFILE_PRIMARY, PROFILE_SECONDARY

__all__ = ["generate", "main"]

_HEADER = """# Data model

Generated from `hocbaso.models` by `python -m hocbaso._xml._docgen docs/data-model.md`; do not
edit by hand. The XSD files in `schemas/` are generated from the same models.

Each table lists a model's elements in their official order. **Req.** `X` = required,
`–` = optional (null = element omitted). **Type** names the XSD simple type (its lexical form
is in [canonical-form.md](canonical-form.md)) or the nested model. Element names are verbatim
from Phụ lục 1.1 of Công văn 2088/BGDĐT-GDTH where the Ministry published them, including the
two misspellings `THONG_SO_BUOI_NGHI_KHONG_PHEP` and `NANG_LUC_GIAO_TIEP_HOC_TAC`; names the
library had to choose are listed in [decisions.md](decisions.md).
"""


def _type(f: FieldPlan) -> str:
    if f.kind == "raw":
        return "`ds:Signature` (XML-DSig, opaque to the codec)"
    if f.kind == "model":
        return f"[{f.model.__name__}](#{f.model.__name__.lower()})" if f.model else "?"
    if f.kind == "items":
        assert f.model is not None
        n = f"{f.min_items}..n" if f.min_items else "0..n"
        return f"list of `{f.item}` ({n}) → [{f.model.__name__}](#{f.model.__name__.lower()})"
    assert f.lex is not None
    name = f.lex.name
    if f.lex.enumeration:
        name += ": " + " / ".join(f.lex.enumeration)
    if f.kind == "repeat":
        return f"`{f.lex.name}`, repeated 0..n"
    if f.kind == "attribute":
        return f"attribute, `{name}`"
    return f"`{name}`"


def generate() -> str:
    """The whole markdown document."""
    out = [_HEADER]
    seen: set[str] = set()
    for profile, title in (
        (PROFILE_PRIMARY, "Primary — `tieu-hoc-1.0` (official)"),
        (PROFILE_SECONDARY, "Secondary — `trung-hoc-1.0` (proposal)"),
    ):
        out.append(f"## {title}\n")
        for plan in all_plans(ROOTS[profile]):
            cls = plan.cls
            if cls.__name__ in seen:
                out.append(f"- [{cls.__name__}](#{cls.__name__.lower()}) (see above)\n")
                continue
            seen.add(cls.__name__)
            doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            out.append(f"### {cls.__name__}\n\n{doc}\n")
            if cls.xml_id:
                out.append(f'The element carries `Id="{cls.xml_id}"` (a signature target).\n')
            if cls.xml_id_field:
                out.append('The element carries `Id="mon-<MA_MON_HOC>"` (a signature target).\n')
            out.append("| element | field | Vietnamese term | meaning | type | req. |")
            out.append("| --- | --- | --- | --- | --- | :-: |")
            for f in plan.fields:
                req = "X" if f.required else "–"
                out.append(f"| `{f.element}` | `{f.name}` | {f.vi} | {f.en} | {_type(f)} | {req} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the document to the path given (default docs/data-model.md)."""
    args = sys.argv[1:] if argv is None else argv
    Path(args[0] if args else "docs/data-model.md").write_text(generate(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
