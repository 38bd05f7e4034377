"""What ``==`` on models ignores, made comparable (shared by the decoder-agreement tests)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def shape(value: Any) -> Any:
    """Types, ``__dict__`` order and fields set of ``value``, all the way down.

    Two decoders that build "equal" records can still differ in these (``repr`` and JSON output
    follow ``__dict__`` order; ``model_fields_set`` drives ``exclude_unset``).
    """
    if isinstance(value, BaseModel):
        return (
            type(value).__name__,
            sorted(value.model_fields_set),
            [(k, shape(v)) for k, v in value.__dict__.items()],
        )
    if isinstance(value, tuple | list):
        return (type(value).__name__, [shape(v) for v in value])
    return (type(value).__name__, value)
