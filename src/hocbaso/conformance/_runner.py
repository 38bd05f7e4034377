"""Running the vectors: against this library, or against any command (the external protocol).

Every implementation's answer on a vector becomes an :class:`Observation`; one function,
:func:`judge`, compares it with the case's :class:`~hocbaso.conformance.Expectation`, so this
library and an external command are held to exactly the same rules.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hocbaso.conformance._manifest import Case, Manifest, ProblemSpec, load_manifest
from hocbaso.errors import ConfigurationError, HocbasoError

__all__ = [
    "CaseResult",
    "ConformanceReport",
    "Observation",
    "ReportedProblem",
    "judge",
    "observe_command",
    "observe_library",
    "run",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds an external command may take on one vector."""

_INDEX_ONE = re.compile(r"\[1\]")


def normalise_location(location: str) -> str:
    """An XPath with ``[1]`` steps dropped (``A[1]/B`` and ``A/B`` name the same element)."""
    return _INDEX_ONE.sub("", location.strip())


@dataclass(frozen=True, slots=True)
class ReportedProblem:
    """One problem an implementation reported (any field may be unknown).

    Attributes:
        rule: rule id (``XSD-VALUE``, ``TT22-AVG-001`` …), if reported.
        location: XPath, if reported.
        severity: ``error`` or ``warning``, if reported.
    """

    rule: str | None
    location: str | None
    severity: str | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """What an implementation concluded about one vector.

    Attributes:
        status: exit status (0 valid/passed, 1 invalid/failed, 2 unusable/indeterminate);
            ``None`` when there is no usable answer (see ``error``).
        problems: problems reported, or ``None`` when the implementation reports none (the
            checks of rule ids and locations are then skipped for it).
        code: error code of an unusable input, if reported.
        indication: overall signature indication, if reported.
        sub_indication: overall sub-indication, if reported.
        slots: slot name → (indication, sub-indication), if reported.
        findings: verification finding codes, if reported.
        canonical: for accepted non-canonical input, the canonical bytes produced, if any.
        error: why there is no usable answer (crash, timeout, bad JSON).
        output: the first lines of what the command printed (for the report).
    """

    status: int | None
    problems: tuple[ReportedProblem, ...] | None = None
    code: str | None = None
    indication: str | None = None
    sub_indication: str | None = None
    slots: Mapping[str, tuple[str, str | None]] | None = None
    findings: tuple[str, ...] | None = None
    canonical: bytes | None = None
    error: str | None = None
    output: str = ""


def _matches(spec: ProblemSpec, p: ReportedProblem) -> bool:
    if p.rule is None and p.location is None:
        return False
    if p.rule is not None and p.rule not in spec.rules:
        return False
    if p.location is not None:
        wanted = {normalise_location(loc) for loc in spec.locations}
        if normalise_location(p.location) not in wanted:
            return False
    return p.severity is None or p.severity == spec.severity


def judge(case: Case, obs: Observation, *, canonical: bytes | None = None) -> list[str]:
    """Why ``obs`` does not meet ``case``'s expectation (empty list: it does).

    Exit status always counts; rule ids, locations, codes, indications and slots are checked
    only when the implementation reports them. ``canonical`` is the expected canonical form.
    """
    exp = case.expect
    if obs.error is not None:
        return [obs.error]
    reasons = []
    if obs.status != exp.exit_status:
        reasons.append(f"exit status {obs.status}, expected {exp.exit_status} ({exp.outcome})")
    if obs.problems is not None:
        for spec in exp.problems:
            if not any(_matches(spec, p) for p in obs.problems):
                reasons.append(
                    f"no {spec.severity} {'/'.join(spec.rules)} reported at "
                    f"{' or '.join(spec.locations)}"
                )
    if (
        exp.outcome == "unusable"
        and obs.code is not None
        and exp.codes
        and obs.code not in exp.codes
    ):
        reasons.append(f"error code {obs.code}, expected {' or '.join(exp.codes)}")
    if exp.is_signature:
        if obs.indication is not None and obs.indication != exp.outcome:
            reasons.append(f"indication {obs.indication}, expected {exp.outcome}")
        if (
            obs.indication is not None
            and exp.sub_indications
            and obs.sub_indication not in exp.sub_indications
        ):
            reasons.append(
                f"sub-indication {obs.sub_indication}, expected {' or '.join(exp.sub_indications)}"
            )
        if obs.slots is not None:
            for s in exp.slots:
                got = obs.slots.get(s.slot)
                if got is None:
                    reasons.append(f"slot {s.slot} not reported")
                elif got[0] != s.indication or (
                    s.sub_indication is not None and got[1] != s.sub_indication
                ):
                    want = s.indication + (f"/{s.sub_indication}" if s.sub_indication else "")
                    reasons.append(
                        f"slot {s.slot}: {got[0]}{'/' + got[1] if got[1] else ''}, expected {want}"
                    )
        if obs.findings is not None:
            missing = [f for f in exp.findings if f not in obs.findings]
            if missing:
                reasons.append(f"finding(s) {', '.join(missing)} not reported")
    if canonical is not None and obs.canonical is not None and obs.canonical != canonical:
        reasons.append("canonical form differs from the expected canonical file")
    return reasons


# ----------------------------------------------------------------------------- this library


def _library_problems(problems: Iterable[Any], prefix: str = "") -> tuple[ReportedProblem, ...]:
    out = []
    for p in problems:
        loc = p.location
        if prefix and loc is not None and loc.startswith("/HOC_BA"):
            loc = prefix + loc[len("/HOC_BA") :]
        out.append(ReportedProblem(p.rule, loc, p.severity.value))
    return tuple(out)


def observe_library(case: Case, manifest: Manifest, trust: Any = None) -> Observation:
    """This library's answer on ``case``: rules/validation, batch checks or verification."""
    from hocbaso import from_xml, signing, to_xml
    from hocbaso import rules as rules_mod

    data = case.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if case.expect.is_signature or case.category == "signatures":
                report = signing.verify(
                    data,
                    trust=trust or signing.TrustConfig.from_directory(manifest.trust_dir),
                    validation_time=manifest.validation_time,
                )
                status = {"TOTAL_PASSED": 0, "TOTAL_FAILED": 1}.get(report.indication.value, 2)
                return Observation(
                    status,
                    indication=report.indication.value,
                    sub_indication=report.sub_indication.value if report.sub_indication else None,
                    slots={
                        s.slot: (
                            s.indication.value,
                            s.sub_indication.value if s.sub_indication else None,
                        )
                        for s in report.slots
                    },
                    findings=tuple(
                        [f.code for f in report.findings]
                        + [f.code for s in report.slots for f in s.findings]
                    ),
                )
            if case.category == "batch":
                from hocbaso.batch import split_records

                found: list[ReportedProblem] = []
                with rules_mod.BatchChecker() as checker:
                    for i, rec in enumerate(split_records(data), start=1):
                        rep = checker.check_bytes(bytes(rec.data), source=f"record {i}")
                        found.extend(
                            _library_problems(rep.problems, f"/DANH_SACH_HOC_BA/HOC_BA[{i}]")
                        )
                bad = any(p.severity == "error" for p in found)
                return Observation(1 if bad else 0, problems=tuple(found))
            checked = rules_mod.check_bytes(data, source=case.file)
            canonical = None
            if case.canonical_form is not None and checked.valid:
                canonical = to_xml(from_xml(data))
            return Observation(
                0 if checked.valid else 1,
                problems=_library_problems(checked.problems),
                canonical=canonical,
            )
    except HocbasoError as exc:
        return Observation(2, code=exc.code, problems=())


# ----------------------------------------------------------------------------- a command


def _command(template: str, path: Path) -> list[str]:
    try:
        parts = shlex.split(template)
    except ValueError as exc:
        raise ConfigurationError(
            f"cannot split the command {template!r}: {exc}",
            message_vi="Lệnh kiểm thử không hợp lệ (dấu nháy chưa đóng?).",
            code="CONFORMANCE-COMMAND",
        ) from None
    if not parts:
        raise ConfigurationError(
            "the command is empty", message_vi="Lệnh kiểm thử trống.", code="CONFORMANCE-COMMAND"
        )
    if not any("{file}" in p for p in parts):
        parts.append("{file}")
    return [p.replace("{file}", str(path)) for p in parts]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _parse_json(text: str) -> dict[str, Any] | None:
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _from_json(status: int, data: Mapping[str, Any], output: str) -> Observation:
    problems: tuple[ReportedProblem, ...] | None = None
    raw = data.get("problems")
    if raw is not None:
        if not isinstance(raw, list) or not all(isinstance(p, dict) for p in raw):
            return Observation(
                status, error="JSON 'problems' is not a list of objects", output=output
            )
        problems = tuple(
            ReportedProblem(_str(p.get("rule")), _str(p.get("location")), _str(p.get("severity")))
            for p in raw
        )
    slots = None
    raw_slots = data.get("slots")
    if isinstance(raw_slots, list):
        slots = {
            str(s["slot"]): (str(s.get("indication")), _str(s.get("sub_indication")))
            for s in raw_slots
            if isinstance(s, dict) and "slot" in s
        }
    return Observation(
        status,
        problems=problems,
        code=_str(data.get("code")),
        indication=_str(data.get("indication")),
        sub_indication=_str(data.get("sub_indication")),
        slots=slots,
        output=output,
    )


def observe_command(
    template: str,
    case: Case,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> Observation:
    """Run an external command on ``case`` and read its answer (see the module docstring).

    The command is split with :func:`shlex.split` and run without a shell; ``{file}`` in any
    argument is replaced by the vector's path (appended when absent). Standard input is
    empty; the working directory is the caller's.
    """
    argv = _command(template, case.path)
    try:
        proc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
            env=dict(env) if env is not None else None,
        )
    except subprocess.TimeoutExpired:
        return Observation(None, error=f"timed out after {timeout:g} s")
    except OSError as exc:
        return Observation(None, error=f"cannot run {argv[0]!r}: {exc.strerror or exc}")
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    output = "\n".join((stdout.strip() + "\n" + stderr.strip()).strip().splitlines()[:5])
    if proc.returncode not in (0, 1, 2):
        return Observation(
            proc.returncode,
            error=f"exit status {proc.returncode} (not 0, 1 or 2: the command failed)",
            output=output,
        )
    data = _parse_json(stdout)
    if data is None:
        return Observation(proc.returncode, output=output)
    return _from_json(proc.returncode, data, output)


# ----------------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The verdict on one vector.

    Attributes:
        case: the vector.
        passed: the implementation met the expectation.
        reasons: why not (empty when passed).
        observed: a short description of the answer (``exit 1``, ``TOTAL_FAILED/HASH_FAILURE``).
        seconds: time taken.
        output: the first lines the command printed (external runs).
    """

    case: Case
    passed: bool
    reasons: tuple[str, ...]
    observed: str
    seconds: float
    output: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.case.id,
            "category": self.case.category,
            "file": self.case.file,
            "expected": self.case.expect.outcome,
            "observed": self.observed,
            "passed": self.passed,
            "reasons": list(self.reasons),
            "seconds": round(self.seconds, 4),
        }


def _describe(obs: Observation) -> str:
    if obs.error is not None:
        return "error"
    text = f"exit {obs.status}"
    if obs.indication:
        text += f" {obs.indication}" + (f"/{obs.sub_indication}" if obs.sub_indication else "")
    elif obs.code:
        text += f" {obs.code}"
    return text


@dataclass(frozen=True, slots=True)
class ConformanceReport:
    """The results of a conformance run (immutable).

    Attributes:
        implementation: what was tested (``hocbaso 0.1.0`` or the command).
        vectors_version: version of the vector set.
        results: one :class:`CaseResult` per vector run, in manifest order.
    """

    implementation: str
    vectors_version: str
    results: tuple[CaseResult, ...]
    categories: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when every vector passed."""
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        """The vectors that failed."""
        return tuple(r for r in self.results if not r.passed)

    def by_category(self) -> dict[str, tuple[int, int]]:
        """Category → (passed, total), in manifest order."""
        out: dict[str, list[int]] = {}
        for r in self.results:
            counts = out.setdefault(r.case.category, [0, 0])
            counts[0] += r.passed
            counts[1] += 1
        return {k: (v[0], v[1]) for k, v in out.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``schema_version`` 1)."""
        return {
            "schema_version": 1,
            "implementation": self.implementation,
            "vectors_version": self.vectors_version,
            "passed": self.passed,
            "counts": {
                "total": len(self.results),
                "passed": sum(r.passed for r in self.results),
                "failed": len(self.failures),
            },
            "categories": {
                k: {"passed": p, "total": t} for k, (p, t) in self.by_category().items()
            },
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self, *, indent: int | None = 1) -> str:
        """JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self, *, verbose: bool = False) -> str:
        """A pass/fail table per category, then every failure with its reasons."""
        lines = [
            f"hocbaso conformance vectors {self.vectors_version} — {self.implementation}",
            "",
            f"{'category':<12} {'passed':>6} {'failed':>6} {'total':>6}",
        ]
        for cat, (p, t) in self.by_category().items():
            lines.append(f"{cat:<12} {p:>6} {t - p:>6} {t:>6}")
        total = len(self.results)
        ok = sum(r.passed for r in self.results)
        lines.append(f"{'all':<12} {ok:>6} {total - ok:>6} {total:>6}")
        shown = self.results if verbose else self.failures
        if shown:
            lines.append("")
        for r in shown:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"{mark} {r.case.id} (expected {r.case.expect.outcome}, got {r.observed})")
            for reason in r.reasons:
                lines.append(f"     - {reason}")
            if r.output and not r.passed:
                first = r.output.splitlines()[0]
                lines.append(f"     > {first[:160]}")
        lines.append("")
        lines.append(f"{ok} passed, {total - ok} failed")
        return "\n".join(lines)


def run(
    cmd: str | None = None,
    *,
    categories: Sequence[str] | None = None,
    cases: Sequence[str] | None = None,
    vectors: str | Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    progress: Callable[[CaseResult], None] | None = None,
) -> ConformanceReport:
    """Run the conformance vectors and return the report.

    Args:
        cmd: an external command such as ``"my-validator --json {file}"`` (split with
            :func:`shlex.split`, never run through a shell); ``None`` checks this library
            (validation, business rules, batch rules, signature verification).
        categories: run only these categories (default: all).
        cases: run only these case ids.
        vectors: a vectors directory (default: the one shipped with hocbaso).
        timeout: seconds per vector for an external command.
        env: environment of the external command (default: inherited).
        progress: called after each vector.

    Raises:
        ConfigurationError: unknown category or case, malformed manifest, empty command.
    """
    manifest = load_manifest(vectors)
    selected = manifest.select(categories)
    if cases:
        wanted = [manifest.case(c) for c in cases]
        selected = tuple(c for c in selected if c in wanted)
    if cmd is None:
        from hocbaso import __version__, signing

        implementation = f"hocbaso {__version__} (this library)"
        trust = signing.TrustConfig.from_directory(manifest.trust_dir)
    else:
        implementation = cmd
        _command(cmd, Path("x"))  # refuse a malformed command before running anything
    results = []
    for case in selected:
        start = time.perf_counter()
        if cmd is None:
            obs = observe_library(case, manifest, trust)
        else:
            obs = observe_command(cmd, case, timeout=timeout, env=env)
        expected_canonical = (
            (manifest.directory / case.canonical_form).read_bytes() if case.canonical_form else None
        )
        reasons = judge(case, obs, canonical=expected_canonical)
        result = CaseResult(
            case,
            not reasons,
            tuple(reasons),
            _describe(obs),
            time.perf_counter() - start,
            obs.output,
        )
        results.append(result)
        if progress is not None:
            progress(result)
    return ConformanceReport(
        implementation,
        manifest.version,
        tuple(results),
        tuple(categories or ()),
    )
