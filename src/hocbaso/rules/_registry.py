"""The rule registry: :class:`Rule`, the :func:`rule` decorator, and rule selection.

Adding a rule touches one place: decorate a function in one of the rule modules
(``_tt22``, ``_tt27``, ``_identity``, ``_batch``) with :func:`rule`. The decorator records the
metadata (id, severity, clause, sets, messages) and the registry makes it selectable.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from hocbaso.errors import ConfigurationError
from hocbaso.report import Severity

if TYPE_CHECKING:  # pragma: no cover - typing only
    from hocbaso.rules._context import Context

__all__ = [
    "PROFILES",
    "SETS",
    "Finding",
    "Rule",
    "RuleSet",
    "Selection",
    "SeverityMap",
    "registry",
    "rule",
    "select",
]

Profile: TypeAlias = Literal["tieu-hoc-1.0", "trung-hoc-1.0"]
PROFILES: Final[tuple[Profile, ...]] = ("tieu-hoc-1.0", "trung-hoc-1.0")

SETS: Final[Mapping[str, str]] = {
    "tt22": "secondary results, Thông tư 22/2021/TT-BGDĐT",
    "tt27": "primary results, Thông tư 27/2020/TT-BGDĐT",
    "identity": "identifiers, codes, age, enrolment history, subject lists",
    "batch": "checks across the records of a batch (duplicates, shared ids)",
}
"""The named rule sets (a rule belongs to one or more)."""

_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-[0-9]{3}$")


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule function yields for one disagreement (the engine adds id and severity).

    Attributes:
        location: XPath of the element at fault (``None``: the whole record).
        message_vi: Vietnamese message naming the element and both values.
        message_en: English message naming the element and both values.
        field_title: Vietnamese name of the field at fault.
        reported: the value the record carries, as text.
        expected: the value computed from the record's other values, as text.
        related: for batch rules, the other record involved.
    """

    location: str | None
    message_vi: str
    message_en: str
    field_title: str | None = None
    reported: str | None = None
    expected: str | None = None
    related: str | None = None


CheckFunction: TypeAlias = "Callable[[Context], Iterable[Finding]]"


@dataclass(frozen=True, slots=True)
class Rule:
    """One business rule: stable id, default severity, the clause it applies, its messages.

    Attributes:
        id: stable identifier, e.g. ``TT22-AVG-001`` (never reused for another meaning).
        severity: the default severity; a :class:`RuleSet` may override it.
        clause: the regulation clause, e.g. ``TT 22/2021/TT-BGDĐT Điều 9.1.b``.
        sets: the named sets the rule belongs to (``tt22``, ``tt27``, ``identity``, ``batch``).
        profiles: the record profiles it applies to.
        title_vi: what the rule requires, in Vietnamese (one sentence).
        title_en: what the rule requires, in English (one sentence).
        check: the function that examines one record (``None`` for batch rules, which
            :class:`~hocbaso.rules.BatchChecker` runs).
    """

    id: str
    severity: Severity
    clause: str
    sets: frozenset[str]
    profiles: frozenset[str]
    title_vi: str
    title_en: str
    check: Callable[[Context], Iterable[Finding]] | None = dataclasses.field(
        default=None, compare=False, repr=False
    )

    @property
    def is_batch(self) -> bool:
        """True for a rule that compares records of a batch (run by the batch checker)."""
        return "batch" in self.sets


_REGISTRY: dict[str, Rule] = {}


def rule(
    id: str,
    *,
    severity: Severity,
    clause: str,
    sets: Iterable[str],
    title_vi: str,
    title_en: str,
    profiles: Iterable[str] = PROFILES,
) -> Callable[[Callable[[Context], Iterable[Finding]]], Callable[[Context], Iterable[Finding]]]:
    """Register the decorated function as rule ``id`` (the one place a rule is declared)."""
    if not _ID.match(id):
        raise ValueError(f"rule id {id!r} must look like TT22-AVG-001")
    if id in _REGISTRY:
        raise ValueError(f"rule id {id!r} registered twice")
    unknown = set(sets) - set(SETS)
    if unknown:
        raise ValueError(f"rule {id}: unknown set(s) {sorted(unknown)}")

    def decorate(
        fn: Callable[[Context], Iterable[Finding]],
    ) -> Callable[[Context], Iterable[Finding]]:
        _REGISTRY[id] = Rule(
            id,
            severity,
            clause,
            frozenset(sets),
            frozenset(profiles),
            title_vi,
            title_en,
            None if "batch" in sets else fn,
        )
        return fn

    return decorate


def registry() -> tuple[Rule, ...]:
    """Every registered rule, ordered by id."""
    return tuple(sorted(_REGISTRY.values(), key=lambda r: r.id))


Selection: TypeAlias = "str | Iterable[str] | RuleSet | None"
"""A rule selection: ``None`` (every rule), a :class:`RuleSet`, or selector text/items."""
SeverityMap: TypeAlias = "Mapping[str, Severity | str] | None"
"""Severity overrides: selector (id, prefix or set name) → ``error`` / ``warning``."""


def _tokens(spec: str | Iterable[str]) -> list[str]:
    items = [spec] if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for item in items:
        out.extend(t for t in re.split(r"[,\s]+", item.strip()) if t)
    return out


def _bad_selector(token: str) -> ConfigurationError:
    known = ", ".join(["all", *SETS])
    return ConfigurationError(
        f"unknown rule selector {token!r}: use a rule id (TT22-AVG-001), an id prefix "
        f"(TT22-AVG, TT22-*) or a set name ({known}); prefix with '-' to exclude",
        message_vi=f"Không có quy tắc hoặc nhóm quy tắc '{token}'. Dùng mã quy tắc "
        f"(ví dụ TT22-AVG-001), tiền tố (TT22-AVG) hoặc tên nhóm ({known}).",
        code="RULES-SELECTOR",
    )


def _match(token: str, rules: tuple[Rule, ...]) -> list[Rule]:
    low = token.lower()
    if low == "all":
        return list(rules)
    if low in SETS:
        return [r for r in rules if low in r.sets]
    up = token.upper().rstrip("*").rstrip("-")
    if not up:
        raise _bad_selector(token)
    found = [r for r in rules if r.id == up or r.id.startswith(up + "-")]
    if not found:
        raise _bad_selector(token)
    return found


def _severity(value: Severity | str, key: str) -> Severity:
    if isinstance(value, Severity):
        return value
    try:
        return Severity(str(value).lower())
    except ValueError:
        raise ConfigurationError(
            f"severity for {key!r} must be 'error' or 'warning', not {value!r}",
            message_vi=f"Mức độ cho '{key}' phải là 'error' (lỗi) hoặc 'warning' (cảnh báo).",
            code="RULES-SEVERITY",
        ) from None


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A selection of rules with their effective severities (immutable).

    Build one with :meth:`from_spec`; pass it to :func:`~hocbaso.rules.check_record` or
    :class:`~hocbaso.rules.BatchChecker`. Each :class:`Rule` in :attr:`rules` already carries
    its effective severity.

    Attributes:
        rules: the selected rules, ordered by id.
    """

    rules: tuple[Rule, ...]
    _by_profile: dict[str, tuple[Rule, ...]] = dataclasses.field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        for profile in PROFILES:
            self._by_profile[profile] = tuple(
                r for r in self.rules if not r.is_batch and profile in r.profiles
            )

    @classmethod
    def from_spec(cls, spec: Selection = None, *, severities: SeverityMap = None) -> RuleSet:
        """Select rules and override severities.

        ``spec`` is ``None`` (every rule), ``""``/``[]`` (no rule) or selectors, comma- or
        space-separated:
        a rule id (``TT22-AVG-001``), an id prefix (``TT22-AVG`` or ``TT22-*``), a set name
        (``tt22``, ``tt27``, ``identity``, ``batch``) or ``all``; a leading ``-`` excludes
        (``tt22,-TT22-TX-001``; a spec that starts with an exclusion starts from every rule).
        ``severities`` maps selectors to ``"error"`` or ``"warning"``.

        Raises:
            ConfigurationError: an unknown selector (``RULES-SELECTOR``) or severity
                (``RULES-SEVERITY``).
        """
        if isinstance(spec, RuleSet):
            base = spec
            if not severities:
                return base
            return base._override(severities)
        key_spec = None if spec is None else tuple(_tokens(spec))
        key_sev = (
            None
            if not severities
            else tuple(sorted((k, _severity(v, k).value) for k, v in severities.items()))
        )
        return _cached(key_spec, key_sev)

    def _override(self, severities: Mapping[str, Severity | str]) -> RuleSet:
        everything = registry()
        chosen = {r.id: r for r in self.rules}
        for selector, value in severities.items():
            sev = _severity(value, selector)
            for r in _match(selector, everything):
                if r.id in chosen:
                    chosen[r.id] = dataclasses.replace(chosen[r.id], severity=sev)
        return RuleSet(tuple(chosen[i] for i in sorted(chosen)))

    @property
    def ids(self) -> tuple[str, ...]:
        """The selected rule ids."""
        return tuple(r.id for r in self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, item: object) -> bool:
        return any(r.id == item or r is item for r in self.rules)

    def for_profile(self, profile: str) -> tuple[Rule, ...]:
        """The selected single-record rules that apply to ``profile``."""
        return self._by_profile.get(profile, ())

    @property
    def batch_rules(self) -> tuple[Rule, ...]:
        """The selected batch rules."""
        return tuple(r for r in self.rules if r.is_batch)


@lru_cache(maxsize=256)
def _cached(
    spec: tuple[str, ...] | None, severities: tuple[tuple[str, str], ...] | None
) -> RuleSet:
    everything = registry()
    if spec is None:
        chosen: dict[str, Rule] = {r.id: r for r in everything}
    elif not spec:
        chosen = {}  # an explicitly empty selection: no rule
    else:
        chosen = {} if not spec[0].startswith("-") else {r.id: r for r in everything}
        for token in spec:
            if token.startswith("-"):
                for r in _match(token[1:], everything):
                    chosen.pop(r.id, None)
            else:
                for r in _match(token, everything):
                    chosen[r.id] = r
    base = RuleSet(tuple(chosen[i] for i in sorted(chosen)))
    if severities:
        return base._override(dict(severities))
    return base


def select(spec: Selection = None, *, severities: SeverityMap = None) -> RuleSet:
    """Shorthand for :meth:`RuleSet.from_spec`."""
    return RuleSet.from_spec(spec, severities=severities)


def describe(rule_: Rule) -> dict[str, Any]:
    """A JSON-ready description of a rule (for docs and ``--list``)."""
    return {
        "id": rule_.id,
        "severity": rule_.severity.value,
        "clause": rule_.clause,
        "sets": sorted(rule_.sets),
        "profiles": sorted(rule_.profiles),
        "title_vi": rule_.title_vi,
        "title_en": rule_.title_en,
    }
