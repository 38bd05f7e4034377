"""Lexical forms of the simple types: one table used by the codec and the XSD generator.

Each :class:`LexType` has the XSD definition (base type, pattern, bounds) and the Python
parse/format pair. Because the decoder checks the same regular expression the XSD states, the
codec and the schema accept exactly the same lexical forms (a property test keeps them honest).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hocbaso.models import VIETNAM_TZ

__all__ = ["LEX_TYPES", "LexType", "format_decimal"]


@dataclass(frozen=True, slots=True)
class LexType:
    """One simple type: its XSD facets and its Python parse/format functions."""

    name: str
    base: str
    pattern: str | None
    parse: Callable[[str], Any]
    format: Callable[[Any], str]
    vi: str
    en: str
    min_inclusive: str | None = None
    max_inclusive: str | None = None
    min_exclusive: str | None = None
    max_exclusive: str | None = None
    enumeration: tuple[str, ...] = ()

    def regex(self) -> re.Pattern[str] | None:
        """The pattern compiled for Python; use with ``fullmatch`` (XSD patterns are anchored)."""
        return None if self.pattern is None else re.compile(self.pattern)


_DECIMAL_TEXT: dict[Decimal, str] = {}
_DECIMAL_TEXT_LIMIT = 4096


def format_decimal(value: Decimal) -> str:
    """Canonical decimal: no exponent, no trailing zeros, no ``-0`` (``8.50`` → ``8.5``)."""
    # Scores repeat (a record has ~60, from a few hundred distinct values), and equal decimals
    # (8.5, 8.50, 85E-1) have one canonical text: remember it per value.
    try:
        return _DECIMAL_TEXT[value]
    except (KeyError, TypeError):  # TypeError: a signalling NaN cannot be hashed
        pass
    text = str(value)  # C-fast, and already canonical for the usual 8, 7.5, 41.25
    if "E" in text:
        text = format(value, "f")
    if "." in text and text[-1] == "0":
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    if value.is_finite() and len(_DECIMAL_TEXT) < _DECIMAL_TEXT_LIMIT:
        _DECIMAL_TEXT[value] = text
    return text


def _ident(value: Any) -> str:
    return str(value)


def _parse_date(text: str) -> dt.date:
    day, month, year = text.split("/")
    return dt.date(int(year), int(month), int(day))


def _parse_measure(text: str) -> Decimal:
    value = Decimal(text)
    if not 0 < value < 1000:
        raise ValueError("out of range")
    return value


def _format_date(value: dt.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _format_timestamp(value: dt.datetime) -> str:
    # Vietnam has one fixed offset and no daylight saving: every instant has one +07:00 form.
    return value.astimezone(VIETNAM_TZ).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def _format_flag(value: bool) -> str:
    return "1" if value else "0"


# XSD's \s is exactly [ \t\n\r] while Python's is Unicode-wide: spell the class out so the
# codec and the schema agree (e.g. on a leading no-break space).
_TEXT = r"[^ \t\n\r]([^\n\r]*[^ \t\n\r])?"
_LONG_TEXT = r"[^ \t\n\r]([\s\S]*[^ \t\n\r])?"

_TYPES = (
    LexType(
        "TextType",
        "xs:string",
        _TEXT,
        str,
        _ident,
        "chuỗi ký tự một dòng, không có khoảng trắng ở đầu/cuối",
        "single-line text, no leading/trailing whitespace",
    ),
    LexType(
        "LongTextType",
        "xs:string",
        _LONG_TEXT,
        str,
        _ident,
        "văn bản (có thể nhiều dòng), không có khoảng trắng ở đầu/cuối",
        "text that may span lines, no leading/trailing whitespace",
    ),
    LexType(
        "CodeType",
        "xs:string",
        r"[A-Za-z0-9][A-Za-z0-9._\-]{0,19}",
        str,
        _ident,
        "mã gồm chữ, số, dấu chấm, gạch dưới, gạch ngang; tối đa 20 ký tự",
        "code of letters, digits, '.', '_' or '-', at most 20 characters",
    ),
    LexType(
        "SubjectCodeType",
        "xs:string",
        r"[A-Z][A-Z0-9_]{0,19}",
        str,
        _ident,
        "mã môn học: chữ in hoa, số, gạch dưới; tối đa 20 ký tự",
        "subject code: upper-case letters, digits, underscore; at most 20 characters",
    ),
    LexType(
        "PersonalIdType",
        "xs:string",
        r"[0-9]{12}",
        str,
        _ident,
        "số định danh cá nhân gồm đúng 12 chữ số",
        "exactly 12 digits",
    ),
    LexType(
        "SchoolYearNameType",
        "xs:string",
        r"[0-9]{4}-[0-9]{4}",
        str,
        _ident,
        "tên năm học dạng YYYY-YYYY, ví dụ 2023-2024",
        "school year as YYYY-YYYY",
    ),
    LexType(
        "YearType",
        "xs:integer",
        r"19[0-9]{2}|20[0-9]{2}|2100",
        int,
        _ident,
        "năm (4 chữ số, 1900–2100)",
        "year, 4 digits, 1900-2100",
        min_inclusive="1900",
        max_inclusive="2100",
    ),
    LexType(
        "GradeType",
        "xs:integer",
        r"[1-9]|1[0-2]",
        int,
        _ident,
        "khối lớp từ 1 đến 12",
        "grade 1 to 12",
        min_inclusive="1",
        max_inclusive="12",
    ),
    LexType(
        "CountType",
        "xs:integer",
        r"0|[1-9][0-9]{0,3}",
        int,
        _ident,
        "số nguyên không âm (tối đa 9999)",
        "non-negative integer up to 9999",
        min_inclusive="0",
        max_inclusive="9999",
    ),
    LexType(
        "MeasureType",
        "xs:decimal",
        r"(0|[1-9][0-9]{0,2})(\.[0-9]{0,3}[1-9])?",
        _parse_measure,
        format_decimal,
        "số dương, dấu chấm thập phân, tối đa 4 chữ số thập phân, không có số 0 thừa ở cuối",
        "positive number, '.' decimal separator, at most 4 decimals, no trailing zeros",
        min_exclusive="0",
        max_exclusive="1000",
    ),
    LexType(
        "TestScoreType",
        "xs:integer",
        r"[0-9]|10",
        int,
        _ident,
        "điểm kiểm tra định kỳ: số nguyên từ 0 đến 10",
        "integer score 0-10",
        min_inclusive="0",
        max_inclusive="10",
    ),
    LexType(
        "ScoreType",
        "xs:decimal",
        r"[0-9](\.[1-9])?|10",
        Decimal,
        format_decimal,
        "điểm từ 0 đến 10, tối đa 1 chữ số thập phân (ví dụ 8 hoặc 7.5)",
        "score 0-10 with at most one decimal (e.g. 8 or 7.5)",
        min_inclusive="0",
        max_inclusive="10",
    ),
    LexType(
        "TimestampType",
        "xs:dateTime",
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+\-][0-9]{2}:[0-9]{2})",
        _parse_timestamp,
        _format_timestamp,
        "thời điểm dạng YYYY-MM-DDThh:mm:ss+07:00",
        "date-time YYYY-MM-DDThh:mm:ss with offset, e.g. +07:00",
    ),
    LexType(
        "DateVNType",
        "xs:string",
        r"(0[1-9]|[12][0-9]|3[01])/(0[1-9]|1[0-2])/(19[0-9]{2}|20[0-9]{2}|2100)",
        _parse_date,
        _format_date,
        "ngày dạng dd/MM/yyyy, ví dụ 17/05/2017",
        "date as dd/MM/yyyy, e.g. 17/05/2017",
    ),
    LexType(
        "UuidType",
        "xs:string",
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        uuid.UUID,
        _ident,
        "mã UUID phiên bản 4, chữ thường (36 ký tự)",
        "lower-case UUID version 4 (36 characters)",
    ),
    LexType(
        "FlagType",
        "xs:string",
        r"0|1",
        lambda t: t == "1",
        _format_flag,
        "1 (có) hoặc 0 (không)",
        "1 (yes) or 0 (no)",
    ),
    LexType(
        "VersionType",
        "xs:string",
        None,
        str,
        _ident,
        "phiên bản định dạng",
        "format version",
        enumeration=("1.0",),
    ),
)

LEX_TYPES: dict[str, LexType] = {t.name: t for t in _TYPES}
"""Every simple type of the schemas, by XSD type name."""
