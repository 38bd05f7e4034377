"""What a rule function receives: the record, and XPath locations of its fields.

Locations follow the libxml2 convention the XSD validator and the decoder use: an index only
where siblings share the name (``DIEM_TONG_KET[3]`` in a list of several, ``DIEM_DGTX[2]``).
Paths are only built for the (rare) findings, so consistent records cost nothing here.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from hocbaso._xml._lexical import format_decimal
from hocbaso._xml._plan import FieldPlan, plan_for
from hocbaso.codes import SchoolLevel
from hocbaso.models import (
    GeneralInfo,
    PrimaryRecord,
    Record,
    SecondaryRecord,
    _Model,
)

__all__ = ["Context", "fmt", "xpath"]

ROOT = "/HOC_BA"


@cache
def _fields(cls: type[_Model]) -> dict[str, FieldPlan]:
    return {f.name: f for f in plan_for(cls).fields}


def _index(path: str, tag: str, pos: int, count: int) -> str:
    return f"{path}/{tag}[{pos}]" if count > 1 else f"{path}/{tag}"


def xpath(record: _Model, *steps: str | int) -> tuple[str, str]:
    """The XPath of a field reached from ``record`` by ``steps``, and its Vietnamese name.

    Steps are field names; after a list field (``subjects``, ``history``, ``regular_scores``)
    a 0-based index selects an item. ``xpath(r, "data", "summary", "subjects", 2, "term1",
    "average")`` gives ``(".../DIEM_TONG_KET[3]/HOC_KY_1/DTB_MON", "điểm trung bình môn học
    kỳ")``.
    """
    path = ROOT
    model: Any = record
    title = "học bạ"
    i = 0
    n = len(steps)
    while i < n:
        name = steps[i]
        if not isinstance(name, str) or model is None:
            raise TypeError(f"bad path step {name!r} in {steps!r}")
        f = _fields(model.__class__)[name]
        title = f.vi
        value = getattr(model, name)
        i += 1
        if f.kind == "items":
            path += f"/{f.element}"
            if i < n and isinstance(steps[i], int):
                idx = int(steps[i])
                path = _index(path, str(f.item), idx + 1, len(value))
                model = value[idx]
                i += 1
            else:
                model = None
        elif f.kind == "repeat":
            if i < n and isinstance(steps[i], int):
                path = _index(path, f.element, int(steps[i]) + 1, len(value))
                i += 1
            else:
                path += f"/{f.element}"
            model = None
        elif f.kind == "attribute":
            path += f"/@{f.element}"
            model = None
        else:
            path += f"/{f.element}"
            model = value if f.kind == "model" else None
    return path, title


def fmt(value: object) -> str:
    """A value as the record writes it (Decimal without exponent, enums by their wording)."""
    if value is None:
        return "(không có / absent)"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if hasattr(value, "value") and isinstance(value.value, str):
        return str(value.value)
    return str(value)


class Context:
    """One record under examination (built once per record, shared by every rule).

    Attributes:
        record: the record.
        general: its ``THONG_TIN_CHUNG``.
        profile: ``tieu-hoc-1.0`` or ``trung-hoc-1.0``.
        cache: scratch space where rules share computed values (keyed by rule module).
    """

    __slots__ = ("cache", "general", "profile", "record")

    def __init__(self, record: Record) -> None:
        self.record = record
        self.general: GeneralInfo = record.data.general
        self.profile = record.profile
        self.cache: dict[str, Any] = {}

    @property
    def primary(self) -> PrimaryRecord:
        """The record as a primary record (rules of profile ``tieu-hoc-1.0`` only)."""
        assert isinstance(self.record, PrimaryRecord)
        return self.record

    @property
    def secondary(self) -> SecondaryRecord:
        """The record as a secondary record (rules of profile ``trung-hoc-1.0`` only)."""
        assert isinstance(self.record, SecondaryRecord)
        return self.record

    @property
    def level(self) -> SchoolLevel:
        """``MA_CAP_HOC``."""
        return self.general.level

    def at(self, *steps: str | int) -> tuple[str, str]:
        """:func:`xpath` from this record."""
        return xpath(self.record, *steps)

    def general_at(self, name: str) -> tuple[str, str]:
        """XPath and Vietnamese name of a ``THONG_TIN_CHUNG`` field."""
        return xpath(self.record, "data", "general", name)
