"""hocbaso: Vietnam's Học bạ số (digital school transcript) data standard in Python.

The public API is what this module exports (``__all__``); modules whose names start with an
underscore are internal and may change without notice.
"""

from __future__ import annotations

from hocbaso import errors
from hocbaso.report import Problem, Report, Severity

__version__ = "0.1.0"

__all__ = [
    "Problem",
    "Report",
    "Severity",
    "__version__",
    "errors",
]
