"""hocbaso: Vietnam's Học bạ số (digital school transcript) data standard in Python.

The public API is what this module exports (``__all__``); modules whose names start with an
underscore are internal and may change without notice.

Typical use::

    import hocbaso
    record = hocbaso.examples.example_record(4)      # or build models from hocbaso.models
    xml = hocbaso.to_xml(record)                      # canonical bytes
    report = hocbaso.validate(xml)                    # XSD + model checks, every problem
    assert hocbaso.from_xml(xml) == record
"""

from __future__ import annotations

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
from hocbaso.report import Problem, Report, Severity
from hocbaso.validation import check, is_valid, schema_path, validate

__version__ = "0.1.0"

__all__ = [
    "PROFILE_PRIMARY",
    "PROFILE_SECONDARY",
    "PrimaryRecord",
    "Problem",
    "Record",
    "RecordIdentity",
    "Report",
    "SecondaryRecord",
    "Severity",
    "__version__",
    "assessment",
    "canonicalize",
    "check",
    "codes",
    "detect_profile",
    "errors",
    "examples",
    "from_xml",
    "is_valid",
    "models",
    "record_identity",
    "schema_path",
    "to_xml",
    "validate",
]
