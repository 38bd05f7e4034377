"""The two XSD engines (lxml/libxml2 and xmlschema) agree on every vector, or the difference
is recorded in the manifest (``xsd_engines``) and documented in docs/conformance.md."""

from __future__ import annotations

import pytest

from hocbaso import errors, validate
from hocbaso.conformance import Manifest, load_manifest
from hocbaso.conformance._differential import (
    DOCUMENTED_KINDS,
    KNOWN_VERDICT_DIFFERENCES,
    engine_differences,
)

CASES = load_manifest().cases


def _verdict(data: bytes, engine: str) -> str:
    try:
        return "valid" if validate(data, engine=engine).valid else "invalid"  # type: ignore[arg-type]
    except errors.HocbasoError as exc:
        return f"unusable:{exc.code}"


@pytest.mark.parametrize("category", sorted({c.category for c in CASES}))
def test_engines_match_the_recorded_differences(manifest: Manifest, category: str) -> None:
    """Recompute every difference; anything new or gone fails (regenerate and document it)."""
    mismatched = []
    for case in manifest.select([category]):
        live = engine_differences(case.read())
        if live != (dict(case.xsd_engines) if case.xsd_engines is not None else None):
            mismatched.append(f"{case.id}: manifest {case.xsd_engines}, now {live}")
    assert not mismatched, "\n".join(mismatched)


def test_every_recorded_difference_is_of_a_documented_kind(manifest: Manifest) -> None:
    for case in manifest.cases:
        if case.xsd_engines is None:
            continue
        kinds = set(case.xsd_engines["kinds"])
        if "verdict" in kinds:
            assert case.id in KNOWN_VERDICT_DIFFERENCES, case.id
            kinds.discard("verdict")
        assert kinds <= DOCUMENTED_KINDS, (case.id, kinds)
    verdicts = {
        c.id for c in manifest.cases if c.xsd_engines and "verdict" in c.xsd_engines["kinds"]
    }
    assert verdicts == set(KNOWN_VERDICT_DIFFERENCES), "a documented difference went away"


def test_validate_verdict_is_the_same_with_either_engine(manifest: Manifest) -> None:
    """Whatever the XSD engines say, hocbaso.validate's verdict never depends on the engine."""
    differ = [
        c.id
        for c in manifest.cases
        if c.category != "batch" and _verdict(c.read(), "lxml") != _verdict(c.read(), "xmlschema")
    ]
    assert not differ
