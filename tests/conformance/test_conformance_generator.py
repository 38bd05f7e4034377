"""The vectors are what the committed generator makes (style guide 11: regenerate, no diff)."""

from __future__ import annotations

from pathlib import Path

from hocbaso.conformance import _generate as gen
from hocbaso.conformance import vectors_path


def test_regenerated_vectors_equal_the_committed_ones(tmp_path: Path) -> None:
    files = gen.render(gen.DEFAULT_PKI)
    gen.write(tmp_path, files)  # write, then read back: the bytes on disk are what we compare
    regenerated = gen.on_disk(tmp_path)
    assert regenerated == files
    differences = gen.diff(regenerated, gen.on_disk(vectors_path()))
    assert not differences, (
        "vectors are stale; run python -m hocbaso.conformance._generate and review:\n"
        + "\n".join(differences[:40])
    )


def test_check_mode_reports_a_changed_file(tmp_path: Path) -> None:
    files = {"VERSION": b"1.0.0\n", "grades/grade-01.xml": b"<HOC_BA/>"}
    gen.write(tmp_path, files)
    (tmp_path / "grades" / "grade-01.xml").write_bytes(b"<HOC_BA> </HOC_BA>")
    (tmp_path / "grades" / "extra.xml").write_bytes(b"x")
    assert gen.diff(files, gen.on_disk(tmp_path)) == [
        "unexpected: grades/extra.xml",
        "differs: grades/grade-01.xml",
    ]


def test_signatures_are_deterministic() -> None:
    signers = gen.load_signers(gen.DEFAULT_PKI)
    prim, _ = gen.signable_records(signers)
    assert gen.sign_all(prim, signers) == gen.sign_all(prim, signers)


def test_version_file_matches_the_manifest() -> None:
    from hocbaso.conformance import load_manifest

    version = (vectors_path() / "VERSION").read_text().strip()
    assert version == load_manifest().version == gen.VERSION
