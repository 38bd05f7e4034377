"""Validation reports: every problem found in a document, at once.

A :class:`Report` is an immutable list of :class:`Problem` items. The same type is returned by
XSD validation, model validation and (later) the business rules, so a caller handles one shape.

JSON form (stable; ``schema_version`` changes only with an incompatible change)::

    {
      "schema_version": 1,
      "source": "hoc-ba.xml",          // file name or null
      "valid": false,                   // no problem of severity "error"
      "counts": {"error": 1, "warning": 0},
      "problems": [
        {"rule": "XSD-VALUE", "severity": "error",
         "location": "/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/SO_CCCD", "line": 17,
         "message_vi": "...", "message_en": "..."}
      ]
    }
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Problem", "Report", "Severity"]

REPORT_SCHEMA_VERSION = 1


class Severity(str, enum.Enum):
    """How bad a problem is: an ``error`` makes the document invalid, a ``warning`` does not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a document.

    Attributes:
        rule: stable rule id, e.g. ``XSD-VALUE`` or ``MODEL-VALUE``.
        severity: error or warning.
        location: XPath of the element (``/HOC_BA/...``) or field path; ``None`` = whole input.
        line: 1-based line in the source document, when known.
        message_vi: message in Vietnamese, for the school clerk.
        message_en: message in English, for the developer.
    """

    rule: str
    severity: Severity
    location: str | None
    line: int | None
    message_vi: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready dict (keys as in the module docstring)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "location": self.location,
            "line": self.line,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }

    def to_text(self) -> str:
        """One human-readable line: ``error XSD-001 /HOC_BA/... (line 3): vi / en``."""
        where = self.location or "-"
        if self.line is not None:
            where += f" (line {self.line})"
        return (
            f"{self.severity.value:7} {self.rule:14} {where}: {self.message_vi} / {self.message_en}"
        )


@dataclass(frozen=True, slots=True)
class Report:
    """All problems found in one document (immutable).

    Attributes:
        problems: the problems, in document order where known.
        source: where the document came from (file name), if known.
    """

    problems: tuple[Problem, ...] = ()
    source: str | None = None

    @property
    def valid(self) -> bool:
        """True when no problem has severity ``error``."""
        return not self.errors

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems of severity ``error``."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems of severity ``warning``."""
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def extended(self, more: Iterable[Problem]) -> Report:
        """A new report with ``more`` appended (exact duplicates are dropped once)."""
        out = list(self.problems)
        seen = {(p.rule, p.location, p.message_en) for p in out}
        for p in more:
            key = (p.rule, p.location, p.message_en)
            if key not in seen:
                seen.add(key)
                out.append(p)
        return Report(tuple(out), self.source)

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (schema in the module docstring)."""
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "source": self.source,
            "valid": self.valid,
            "counts": {"error": len(self.errors), "warning": len(self.warnings)},
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text (UTF-8 safe, Vietnamese kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        """A human-readable report, one line per problem, then a summary line."""
        head = self.source or "<input>"
        lines = [p.to_text() for p in self.problems]
        verdict = "HỢP LỆ / VALID" if self.valid else "KHÔNG HỢP LỆ / INVALID"
        lines.append(
            f"{head}: {verdict} ({len(self.errors)} lỗi/errors, "
            f"{len(self.warnings)} cảnh báo/warnings)"
        )
        return "\n".join(lines)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict` output."""
        problems = tuple(
            Problem(
                rule=p["rule"],
                severity=Severity(p["severity"]),
                location=p.get("location"),
                line=p.get("line"),
                message_vi=p["message_vi"],
                message_en=p["message_en"],
            )
            for p in data.get("problems", [])
        )
        return cls(problems, data.get("source"))
