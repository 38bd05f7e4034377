"""hocbaso: Vietnam's Học bạ số (digital school transcript) data standard in Python.

The public API is what this module exports (``__all__``); modules whose names start with an
underscore are internal and may change without notice.

Subpackages: :mod:`hocbaso.signing` (XML signatures), :mod:`hocbaso.ledger` (issuance log),
:mod:`hocbaso.batch` (official packets), :mod:`hocbaso.rules` (business rules),
:mod:`hocbaso.render` (printable copy), :mod:`hocbaso.pki` (a TEST PKI), :mod:`hocbaso.testing`
(hypothesis strategies), :mod:`hocbaso.conformance` (vectors and runner).

Typical use::

    import hocbaso
    record = hocbaso.examples.example_record(4)      # or build models from hocbaso.models
    xml = hocbaso.to_xml(record)                      # canonical bytes
    report = hocbaso.validate(xml)                    # XSD + model checks, every problem
    assert hocbaso.from_xml(xml) == record
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hocbaso import assessment, codes, errors, examples, models
from hocbaso.codec import (
    RecordIdentity,
    canonicalize,
    detect_profile,
    from_xml,
    record_identity,
    to_xml,
)
from hocbaso.models import (
    PROFILE_PRIMARY,
    PROFILE_SECONDARY,
    PrimaryRecord,
    Record,
    SecondaryRecord,
)
from hocbaso.report import (
    BatchReport,
    BatchSummary,
    Problem,
    RecordRef,
    Report,
    Severity,
    StatusRow,
)
from hocbaso.validation import check, is_valid, schema_path, validate

__version__ = "0.1.0"

# The subpackages below pull in cryptography, pyhanko-certvalidator, Jinja2...: they are
# imported on first use (PEP 562), so `import hocbaso` and `hocbaso --help` stay quick.
_LAZY = frozenset({"batch", "ledger", "pki", "render", "rules", "signing"})

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from hocbaso import batch, ledger, pki, render, rules, signing


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"hocbaso.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'hocbaso' has no attribute {name!r}")


__all__ = [
    "PROFILE_PRIMARY",
    "PROFILE_SECONDARY",
    "BatchReport",
    "BatchSummary",
    "PrimaryRecord",
    "Problem",
    "Record",
    "RecordIdentity",
    "RecordRef",
    "Report",
    "SecondaryRecord",
    "Severity",
    "StatusRow",
    "__version__",
    "assessment",
    "batch",
    "canonicalize",
    "check",
    "codes",
    "detect_profile",
    "errors",
    "examples",
    "from_xml",
    "is_valid",
    "ledger",
    "models",
    "pki",
    "record_identity",
    "render",
    "rules",
    "schema_path",
    "signing",
    "to_xml",
    "validate",
]
