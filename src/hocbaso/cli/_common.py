"""Small helpers shared by the command modules (argument parsing only, no business logic)."""

from __future__ import annotations

import datetime as dt

from hocbaso import errors


def parse_time(value: str | None, option: str) -> dt.datetime | None:
    """An ISO 8601 date-time with an offset from a command-line option, or None if absent."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise errors.InputError(
            f"{option} {value!r} is not an ISO date-time with an offset",
            message_vi=f"{option} phải là thời điểm ISO 8601 có múi giờ, ví dụ "
            "2026-05-20T10:00:00+07:00.",
        )
    return when
