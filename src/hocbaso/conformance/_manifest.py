"""The vector manifest: its types and its reader (see ``vectors/README.md`` for the schema)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hocbaso.errors import ConfigurationError

__all__ = [
    "KIT_NAME",
    "MANIFEST_NAME",
    "OUTCOMES",
    "PROTOCOL_VERSION",
    "Case",
    "Expectation",
    "Manifest",
    "ProblemSpec",
    "SlotSpec",
    "load_manifest",
    "vectors_path",
]

KIT_NAME = "hocbaso-conformance"
MANIFEST_NAME = "manifest.json"
PROTOCOL_VERSION = 1
"""Version of the external-command protocol (exit status and JSON on stdout)."""

OUTCOMES = ("valid", "invalid", "unusable", "TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE")
"""Every expected outcome a case can have."""

EXIT_STATUS = {
    "valid": 0,
    "TOTAL_PASSED": 0,
    "invalid": 1,
    "TOTAL_FAILED": 1,
    "unusable": 2,
    "INDETERMINATE": 2,
}
"""Exit status an external command must give for each outcome."""


def vectors_path() -> Path:
    """The directory of the vectors shipped with this installation of hocbaso."""
    return Path(__file__).resolve().parent / "vectors"


def _bad(message: str) -> ConfigurationError:
    return ConfigurationError(
        f"conformance manifest: {message}",
        message_vi=f"Tệp kê khai bộ kiểm thử không hợp lệ: {message}",
        code="CONFORMANCE-MANIFEST",
    )


@dataclass(frozen=True, slots=True)
class ProblemSpec:
    """A problem that must be reported: one of ``rules`` at one of ``locations``.

    Attributes:
        rules: acceptable rule ids (any of them; engines word some problems differently).
        locations: acceptable XPaths (any of them); compared after dropping ``[1]`` steps.
        severity: ``error`` (makes the record invalid) or ``warning``.
    """

    rules: tuple[str, ...]
    locations: tuple[str, ...]
    severity: str = "error"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (as in the manifest)."""
        return {
            "rules": list(self.rules),
            "locations": list(self.locations),
            "severity": self.severity,
        }


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """The verification outcome expected for one signature slot (``CBQL``, ``GVBM:TOAN``)."""

    slot: str
    indication: str
    sub_indication: str | None = None


@dataclass(frozen=True, slots=True)
class Expectation:
    """What an implementation must conclude about a vector.

    Attributes:
        outcome: one of :data:`OUTCOMES`.
        problems: problems that must be reported (``valid`` may list warnings).
        codes: for ``unusable``: acceptable error codes (``XML-UNSAFE`` …).
        sub_indications: for signature outcomes: acceptable overall sub-indications (empty:
            none expected, as for ``TOTAL_PASSED``).
        slots: per-slot outcomes (checked on this library; optional for others).
        findings: verification finding codes that must be among the report's (this library).
    """

    outcome: str
    problems: tuple[ProblemSpec, ...] = ()
    codes: tuple[str, ...] = ()
    sub_indications: tuple[str, ...] = ()
    slots: tuple[SlotSpec, ...] = ()
    findings: tuple[str, ...] = ()

    @property
    def exit_status(self) -> int:
        """The exit status an external command must give (0, 1 or 2)."""
        return EXIT_STATUS[self.outcome]

    @property
    def is_signature(self) -> bool:
        """True for a signature verification outcome."""
        return self.outcome in ("TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Expectation:
        """Read an ``expect`` object of the manifest."""
        outcome = data.get("outcome")
        if outcome not in OUTCOMES:
            raise _bad(f"unknown outcome {outcome!r}")
        return cls(
            outcome=str(outcome),
            problems=tuple(
                ProblemSpec(
                    tuple(p["rules"]), tuple(p["locations"]), str(p.get("severity", "error"))
                )
                for p in data.get("problems", ())
            ),
            codes=tuple(data.get("codes", ())),
            sub_indications=tuple(data.get("sub_indications", ())),
            slots=tuple(
                SlotSpec(s["slot"], s["indication"], s.get("sub_indication"))
                for s in data.get("slots", ())
            ),
            findings=tuple(data.get("findings", ())),
        )


@dataclass(frozen=True, slots=True)
class Case:
    """One vector of the manifest.

    Attributes:
        id: stable identifier (``rules/TT22-AVG-001``).
        file: path of the vector file relative to the vectors directory.
        category: ``grades``, ``codes``, ``schema``, ``canonical``, ``rules``, ``batch``,
            ``parser`` or ``signatures``.
        description: what the vector is.
        expect: the expected outcome.
        covers: coverage tags (``grade:4``, ``rule:TT22-AVG-001``, ``attack:…``).
        canonical_form: for accepted non-canonical input, the vector file holding its
            canonical form (``to_xml(from_xml(input))``).
        xsd_engines: known differences between the lxml and xmlschema XSD engines on this
            vector (``None`` when they agree), see ``docs/conformance.md``.
        path: absolute path of the vector file.
    """

    id: str
    file: str
    category: str
    description: str
    expect: Expectation
    covers: tuple[str, ...] = ()
    canonical_form: str | None = None
    xsd_engines: Mapping[str, Any] | None = None
    path: Path = field(default=Path(), compare=False)

    def read(self) -> bytes:
        """The vector's bytes."""
        return self.path.read_bytes()


@dataclass(frozen=True, slots=True)
class Manifest:
    """The vector set: version, fixed validation time, trust material and every case.

    Attributes:
        version: version of the vector set (``VERSION`` file, semantic versioning).
        directory: the vectors directory.
        validation_time: the fixed "now" for verifying the signed vectors.
        trust_dir: the TEST ONLY trust directory for the signed vectors.
        categories: category name → description.
        cases: every case, in manifest order.
    """

    version: str
    directory: Path
    validation_time: dt.datetime
    trust_dir: Path
    categories: Mapping[str, str]
    cases: tuple[Case, ...]

    def select(self, categories: Sequence[str] | None = None) -> tuple[Case, ...]:
        """The cases of ``categories`` (all when ``None`` or empty)."""
        if not categories:
            return self.cases
        unknown = set(categories) - set(self.categories)
        if unknown:
            raise ConfigurationError(
                f"unknown conformance categories: {sorted(unknown)}; known: "
                f"{', '.join(self.categories)}",
                message_vi=f"Không có nhóm kiểm thử {sorted(unknown)}.",
                code="CONFORMANCE-CATEGORY",
            )
        return tuple(c for c in self.cases if c.category in categories)

    def case(self, case_id: str) -> Case:
        """The case with id ``case_id``."""
        for c in self.cases:
            if c.id == case_id:
                return c
        raise ConfigurationError(
            f"no conformance case {case_id!r}",
            message_vi=f"Không có trường hợp kiểm thử '{case_id}'.",
            code="CONFORMANCE-CASE",
        )


def load_manifest(directory: str | Path | None = None) -> Manifest:
    """Read ``manifest.json`` of a vectors directory (default: the one shipped with hocbaso).

    Raises:
        ConfigurationError: the manifest is missing or malformed (``CONFORMANCE-MANIFEST``).
    """
    base = Path(directory) if directory is not None else vectors_path()
    try:
        raw = json.loads((base / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _bad(f"cannot read {base / MANIFEST_NAME}: {exc}") from None
    if raw.get("kit") != KIT_NAME:
        raise _bad(f"{base / MANIFEST_NAME} is not a {KIT_NAME} manifest")
    try:
        cases = tuple(
            Case(
                id=c["id"],
                file=c["file"],
                category=c["category"],
                description=c["description"],
                expect=Expectation.from_dict(c["expect"]),
                covers=tuple(c.get("covers", ())),
                canonical_form=c.get("canonical_form"),
                xsd_engines=c.get("xsd_engines"),
                path=base / c["file"],
            )
            for c in raw["cases"]
        )
        when = dt.datetime.fromisoformat(raw["validation_time"])
        return Manifest(
            version=str(raw["version"]),
            directory=base,
            validation_time=when,
            trust_dir=base / raw["trust"],
            categories=dict(raw["categories"]),
            cases=cases,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(f"malformed entry: {exc!r}") from None
