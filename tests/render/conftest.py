"""Shared fixtures: each PDF is rendered once per test run (WeasyPrint is slow).

Under pytest-xdist the workers share one cache directory of the run: a PDF is rendered by the
first worker that needs it (the others wait on a file lock and read it).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import hocbaso
from hocbaso import render
from hocbaso.examples import example_record
from hocbaso.pki import make_demo_pki
from hocbaso.signing import LocalSigner, TrustConfig

from .render_helpers import PRINTED_AT, SigningEnv, sign_record

pytest.importorskip("weasyprint", reason="PDF output needs the 'pdf' extra (WeasyPrint)")


@pytest.fixture(scope="session")
def pdf_cache(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``pdf_cache(name, data, verification=None)``: ``<name>.pdf`` (and ``<name>.xml``) of the
    copy of ``data``, rendered once per run even across xdist workers."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "render-pdf-cache"
    out.mkdir(exist_ok=True)

    def make(
        name: str, data: bytes, verification: render.VerificationSummary | None = None
    ) -> Path:
        tag = hashlib.sha256(data).hexdigest()[:16]
        pdf = out / f"{name}-{tag}.pdf"
        with (out / f"{name}-{tag}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not pdf.exists():
                (out / f"{name}-{tag}.xml").write_bytes(data)
                rendered = render.render_pdf(data, verification=verification, printed_at=PRINTED_AT)
                tmp = pdf.with_suffix(".tmp")
                tmp.write_bytes(rendered)
                tmp.replace(pdf)
        return pdf

    return make


@pytest.fixture(scope="session")
def example_pdf(pdf_cache: Callable[..., Path]) -> Callable[[int], Path]:
    """``example_pdf(grade)``: the PDF copy of the (unsigned) example record of a grade; the
    record file is next to it (same name, ``.xml``)."""

    def make(grade: int) -> Path:
        return pdf_cache(f"grade-{grade:02d}", hocbaso.to_xml(example_record(grade)))

    return make


@pytest.fixture(scope="session")
def signing_env(tmp_path_factory: pytest.TempPathFactory) -> SigningEnv:
    """A demo PKI (TEST ONLY) with its signers and trust configuration."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    pki = make_demo_pki(tmp_path_factory.mktemp("pki"), now=now)
    signers = {
        name: LocalSigner.from_files(pki[name].key_path, pki[name].cert_path, pki.issuing_cert)
        for name in ("gvbm-toan", "gvcn", "cbql", "org")
    }
    trust = TrustConfig.from_directory(pki.trust_dir)
    return SigningEnv(pki, signers, trust, now - dt.timedelta(hours=2))


@pytest.fixture(scope="session")
def signed_primary(signing_env: SigningEnv) -> bytes:
    """The grade 4 example, signed in every slot (GVCN, CBQL, KY_PHAT_HANH)."""
    return sign_record(example_record(4), signing_env)


@pytest.fixture(scope="session")
def signed_secondary(signing_env: SigningEnv) -> bytes:
    """The grade 7 example, signed in every slot (GVBM for each subject, then the others)."""
    return sign_record(example_record(7), signing_env)


@pytest.fixture(scope="session")
def signed_pdf(
    pdf_cache: Callable[..., Path],
    signing_env: SigningEnv,
    signed_primary: bytes,
    signed_secondary: bytes,
) -> Callable[[str], tuple[bytes, Path]]:
    """``signed_pdf("primary"|"secondary")``: (record bytes, PDF of its verified copy).

    The demo PKI is made per worker, so each worker signs (and renders) its own records."""

    def make(which: str) -> tuple[bytes, Path]:
        data = signed_primary if which == "primary" else signed_secondary
        summary = render.verify_for_copy(data, trust=signing_env.trust)
        return data, pdf_cache(f"signed-{which}", data, summary)

    return make
