"""Differential check of the two XSD engines (lxml/libxml2 and xmlschema) on one document.

:func:`engine_differences` validates a document with both engines through the public
:func:`hocbaso.validate` and compares the XSD part of the reports (rule ids ``XSD-*``):

* ``verdict`` — one engine finds an XSD error and the other none (never acceptable);
* ``location`` — both reject, at different XPaths;
* ``rule-classification`` — same XPaths, but hocbaso classifies the engines' messages under
  different rule ids (e.g. ``XSD-VALUE`` from libxml2's message, ``XSD-STRUCTURE`` from
  xmlschema's).

The generator writes the differences into the manifest (``xsd_engines``); the test suite
recomputes them and fails if they change or if a ``verdict`` difference appears.
"""

from __future__ import annotations

from typing import Any

from hocbaso import errors, validate
from hocbaso.batch import split_records

__all__ = ["DOCUMENTED_KINDS", "KNOWN_VERDICT_DIFFERENCES", "engine_differences", "xsd_view"]

DOCUMENTED_KINDS = frozenset({"location", "rule-classification"})
"""Kinds of difference documented in docs/conformance.md (``verdict`` is never allowed)."""

KNOWN_VERDICT_DIFFERENCES = {
    "schema/comment-inside-value": "xmlschema counts an XML comment inside a simple-typed "
    "element as a child element (XSD-STRUCTURE); libxml2 ignores comments as XSD 1.0 says. "
    "hocbaso.validate rejects the record with either engine (the decoder's STRUCTURE).",
    "signatures/comment-injected": "the same: a comment inside the signed HO_VA_TEN.",
}
"""Vectors where the XSD engines' verdicts differ, with the reason (docs/conformance.md)."""

View = tuple[str, tuple[tuple[str, str], ...]]


def xsd_view(data: bytes, engine: str) -> View:
    """``(verdict, sorted (rule, location) pairs)`` of the XSD problems found by ``engine``.

    ``verdict`` is ``valid``, ``invalid`` or ``unusable:<code>``. A batch document
    (``DANH_SACH_HOC_BA``) is validated record by record; locations get the record's index.
    """
    if data.lstrip(b"\xef\xbb\xbf").startswith(b"<DANH_SACH_HOC_BA>"):
        pairs: list[tuple[str, str]] = []
        verdict = "valid"
        for i, rec in enumerate(split_records(data), start=1):
            v, p = xsd_view(bytes(rec.data), engine)
            if v != "valid":
                verdict = v if verdict == "valid" else verdict
            pairs.extend((r, f"/DANH_SACH_HOC_BA/HOC_BA[{i}]{loc[7:]}") for r, loc in p)
        return verdict, tuple(sorted(pairs))
    try:
        report = validate(data, engine=engine)  # type: ignore[arg-type]
    except errors.HocbasoError as exc:
        return f"unusable:{exc.code}", ()
    found = tuple(
        sorted(
            (p.rule, p.location or "")
            for p in report.problems
            if p.rule.startswith("XSD-") and p.severity.value == "error"
        )
    )
    return ("invalid" if found else "valid"), found


def engine_differences(data: bytes) -> dict[str, Any] | None:
    """How lxml and xmlschema differ on ``data`` (``None`` when they agree)."""
    lx, xs = xsd_view(data, "lxml"), xsd_view(data, "xmlschema")
    if lx == xs:
        return None
    kinds = []
    if lx[0] != xs[0]:
        kinds.append("verdict")
    lx_locs = sorted({loc for _, loc in lx[1]})
    xs_locs = sorted({loc for _, loc in xs[1]})
    if lx_locs != xs_locs:
        kinds.append("location")
    elif lx[1] != xs[1]:
        kinds.append("rule-classification")
    return {
        "kinds": kinds,
        "lxml": {"verdict": lx[0], "problems": [list(p) for p in lx[1]]},
        "xmlschema": {"verdict": xs[0], "problems": [list(p) for p in xs[1]]},
    }
