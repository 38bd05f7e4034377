"""The XML shape of each model, read once from the models' field metadata.

A :class:`ModelPlan` lists a model's fields in official element order with what the codec and
the XSD generator need: element name, kind (scalar, model, container of items, repeated
scalar, attribute, opaque fragment), simple type, and whether it is required.
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Union

from hocbaso._xml._lexical import LEX_TYPES, LexType
from hocbaso.models import PrimaryRecord, SecondaryRecord, _Model

__all__ = ["FieldPlan", "ModelPlan", "enum_lex_type", "plan_for"]

DSIG_SIGNATURE = "{http://www.w3.org/2000/09/xmldsig#}Signature"

Kind = Literal["scalar", "model", "items", "repeat", "attribute", "raw"]


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """How one model field maps to XML."""

    name: str
    element: str
    kind: Kind
    required: bool
    vi: str
    en: str
    lex: LexType | None = None
    model: type[_Model] | None = None
    item: str | None = None
    min_items: int = 0


@dataclass(frozen=True, slots=True)
class ModelPlan:
    """How one model maps to XML: its fields in order and its fixed ``Id`` (if any)."""

    cls: type[_Model]
    fields: tuple[FieldPlan, ...]
    by_element: dict[str, FieldPlan]
    by_name: dict[str, FieldPlan]
    attributes: tuple[FieldPlan, ...]
    children: tuple[FieldPlan, ...]
    fixed_id: str | None
    id_field: str | None
    index: dict[str, int]
    n_required: int
    sequences: tuple[str, ...]


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


@cache
def enum_lex_type(enum_cls: type[enum.Enum]) -> LexType:
    """The simple type of a code-list enum: an enumeration of its values."""
    values = tuple(str(m.value) for m in enum_cls)

    def parse(text: str) -> Any:
        return enum_cls(text)

    doc = (enum_cls.__doc__ or enum_cls.__name__).strip().splitlines()[0]
    return LexType(
        name=f"{enum_cls.__name__}Type",
        base="xs:string",
        pattern=None,
        parse=parse,
        format=lambda v: str(v.value),
        vi="một trong các giá trị: " + ", ".join(values),
        en=doc,
        enumeration=values,
    )


def _lex_for(annotation: Any, extra: dict[str, Any]) -> LexType:
    xsd = extra.get("xsd")
    if xsd:
        return LEX_TYPES[str(xsd)]
    inner = _strip_annotated(annotation)
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return enum_lex_type(inner)
    raise TypeError(f"no simple type known for {annotation!r}")


@cache
def plan_for(cls: type[_Model]) -> ModelPlan:
    """The (cached) XML plan of a model class."""
    plans: list[FieldPlan] = []
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra
        if not isinstance(extra, dict) or "xml" not in extra:
            raise TypeError(f"{cls.__name__}.{name} has no XML mapping")
        element = str(extra["xml"])
        annotation, optional = _strip_optional(info.annotation)
        required = info.is_required() or bool(extra.get("xml_required"))
        description = info.description or ""
        en = description.split(" — ")[0]
        vi = str(extra["vi"])
        min_items = 0
        for meta in info.metadata:
            min_len = getattr(meta, "min_length", None)
            if isinstance(min_len, int):
                min_items = min_len
        if extra.get("raw"):
            plans.append(FieldPlan(name, element, "raw", required, vi, en))
        elif extra.get("item"):
            (item_type,) = {a for a in typing.get_args(annotation) if a is not Ellipsis}
            plans.append(
                FieldPlan(
                    name,
                    element,
                    "items",
                    required or min_items > 0,
                    vi,
                    en,
                    model=item_type,
                    item=str(extra["item"]),
                    min_items=min_items,
                )
            )
        elif extra.get("repeat"):
            (item_type,) = {a for a in typing.get_args(annotation) if a is not Ellipsis}
            plans.append(
                FieldPlan(name, element, "repeat", False, vi, en, lex=_lex_for(item_type, extra))
            )
        elif extra.get("attribute"):
            plans.append(
                FieldPlan(
                    name, element, "attribute", required, vi, en, lex=_lex_for(annotation, extra)
                )
            )
        elif isinstance(annotation, type) and issubclass(annotation, _Model):
            plans.append(FieldPlan(name, element, "model", required, vi, en, model=annotation))
        else:
            lex = _lex_for(annotation, extra)
            plans.append(
                FieldPlan(name, element, "scalar", required and not optional, vi, en, lex=lex)
            )
    fields = tuple(plans)
    return ModelPlan(
        cls=cls,
        fields=fields,
        by_element={f.element: f for f in fields if f.kind != "attribute"},
        by_name={f.name: f for f in fields},
        attributes=tuple(f for f in fields if f.kind == "attribute"),
        children=tuple(f for f in fields if f.kind != "attribute"),
        fixed_id=cls.xml_id,
        id_field=cls.xml_id_field,
        index={
            (DSIG_SIGNATURE if f.kind == "raw" else f.element): i
            for i, f in enumerate(f for f in fields if f.kind != "attribute")
        },
        n_required=sum(1 for f in fields if f.required and f.kind != "attribute"),
        sequences=tuple(f.name for f in fields if f.kind in ("items", "repeat")),
    )


def all_plans(root: type[_Model]) -> list[ModelPlan]:
    """Every plan reachable from ``root``, parents before children (for the XSD generator)."""
    out: list[ModelPlan] = []
    seen: set[type[_Model]] = set()

    def walk(cls: type[_Model]) -> None:
        if cls in seen:
            return
        seen.add(cls)
        plan = plan_for(cls)
        out.append(plan)
        for f in plan.fields:
            if f.model is not None:
                walk(f.model)

    walk(root)
    return out


ROOTS: dict[str, type[_Model]] = {
    PrimaryRecord.profile: PrimaryRecord,
    SecondaryRecord.profile: SecondaryRecord,
}
"""Root model of each profile."""
