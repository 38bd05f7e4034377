"""nox sessions: the single entry point for tests, lint, typecheck, benchmarks and docs."""

from __future__ import annotations

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck"]

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (hypothesis properties included) on both cores."""
    session.install("-e", ".[test]")
    session.run("pytest", "-n", "2", "-q", *session.posargs)


@nox.session(python=PYTHON)
def tests_random(session: nox.Session) -> None:
    """Run the test suite in a random order (finds hidden inter-test dependencies)."""
    session.install("-e", ".[test]", "pytest-randomly")
    session.run("pytest", "-q", "-p", "randomly", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict (with the pydantic plugin) over src, tests, benchmarks and this file."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session(python=PYTHON)
def bench_smoke(session: nox.Session) -> None:
    """Every benchmark at a small size: they must run and print their tables."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "benchmarks", "--smoke")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The full benchmarks (million-record runs; outside CI). Figures go to docs/performance.md."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """The published conformance vectors against this library, through the public CLI."""
    session.install("-e", ".")
    session.run("hocbaso", "conformance", "run")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Check the docs: every public name documented, examples in docs/ run, CLI help in sync."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", "tests/test_docs.py", "--doctest-glob=docs/*.md", "docs")
