"""The conformance kit: published test vectors and a runner for any implementation.

Vendors implement the Học bạ số standard in their own software, often not in Python. This
package ships a versioned set of vectors (XML files, each with its expected outcome in
``vectors/manifest.json``) and runs them against this library or against any command::

    from hocbaso import conformance

    report = conformance.run()                                  # this library
    report = conformance.run("my-validator --json {file}")      # another implementation
    print(report.to_text())                                     # pass/fail table
    assert report.passed

From the shell: ``hocbaso conformance run [--cmd "THEIR_COMMAND {file}"]``.

The external-command protocol (exit status 0 valid/passed, 1 invalid/failed, 2
unusable/indeterminate, plus an optional JSON object on stdout), the manifest schema and how to
pin a vector version are in ``docs/conformance.md``; what each category holds and where the
vectors come from is in ``vectors/README.md``.
"""

from __future__ import annotations

from hocbaso.conformance._manifest import (
    OUTCOMES,
    PROTOCOL_VERSION,
    Case,
    Expectation,
    Manifest,
    ProblemSpec,
    SlotSpec,
    load_manifest,
    vectors_path,
)
from hocbaso.conformance._runner import (
    DEFAULT_TIMEOUT,
    CaseResult,
    ConformanceReport,
    Observation,
    ReportedProblem,
    judge,
    normalise_location,
    run,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "OUTCOMES",
    "PROTOCOL_VERSION",
    "Case",
    "CaseResult",
    "ConformanceReport",
    "Expectation",
    "Manifest",
    "Observation",
    "ProblemSpec",
    "ReportedProblem",
    "SlotSpec",
    "judge",
    "load_manifest",
    "normalise_location",
    "run",
    "vectors_path",
]
