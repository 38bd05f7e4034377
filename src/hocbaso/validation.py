"""Validation of record documents: XSD plus model checks, every problem at once.

:func:`validate` returns a :class:`~hocbaso.report.Report`; it raises only for input that cannot
be examined at all (malformed, unsafe, too large, wrong encoding, wrong root or profile).
Three entry points, as the style guide asks: :func:`validate` (iterate problems),
:func:`is_valid` (boolean) and :func:`check` (raises :class:`DocumentInvalidError`).

Rule ids reported here (stable):

=====================  ========  ==============================================================
``XSD-STRUCTURE``      error     element missing, misplaced, repeated or unknown (XSD)
``XSD-VALUE``          error     a value breaks its simple type (pattern, range, code list)
``XSD-IDENTITY``       error     duplicate ``Id`` or subject code (xs:ID / xs:unique)
``STRUCTURE``          error     the same structural problems as seen by the model decoder
``VALUE``              error     a value breaks its lexical form (decoder)
``MODEL-VALUE``        error     a value breaks a model constraint
``MODEL-CONSISTENCY``  error     fields contradict each other (e.g. NAM_HOC vs TEN_NAM_HOC)
``TEXT-ENCODING``      error     legacy TCVN3/VNI-looking text or control characters
``TEXT-NFC``           warning   text was decomposed (NFD); normalised on decode
``XML-COMMENT``        error     comment or processing instruction inside the record
=====================  ========  ==============================================================
"""

from __future__ import annotations

import importlib.resources
import re
import threading
import warnings
from functools import cache
from pathlib import Path
from typing import Literal

from lxml import etree

from hocbaso._xml._codec import decode_tree, detect_profile
from hocbaso._xml._parse import DEFAULT_MAX_BYTES, parse_bytes
from hocbaso._xml._plan import ROOTS, all_plans
from hocbaso._xml._xsdgen import SCHEMA_FILES
from hocbaso.errors import DocumentInvalidError, NormalizationWarning, ProfileError
from hocbaso.report import Problem, Report, Severity

__all__ = ["check", "is_valid", "schema_path", "validate"]

Engine = Literal["lxml", "xmlschema"]


def _schema_dir() -> Path:
    packaged = importlib.resources.files("hocbaso") / "schemas"
    if packaged.is_dir():  # installed wheel: schemas/ ships inside the package
        return Path(str(packaged))
    # Source checkout or editable install: the repository's top-level schemas/ directory.
    return Path(__file__).resolve().parents[2] / "schemas"


def schema_path(profile: str) -> Path:
    """Path of the XSD file of ``profile`` (``tieu-hoc-1.0`` or ``trung-hoc-1.0``)."""
    try:
        name = SCHEMA_FILES[profile]
    except KeyError:
        raise ProfileError(
            f"unknown profile {profile!r}; known: {', '.join(SCHEMA_FILES)}",
            message_vi=f"Không có hồ sơ định dạng '{profile}'.",
        ) from None
    path = _schema_dir() / name
    if not path.is_file():  # pragma: no cover - broken installation
        raise ProfileError(f"schema file {path} is missing from the installation")
    return path


_local = threading.local()


@cache
def _schema_doc(profile: str) -> etree._ElementTree:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(str(schema_path(profile)), parser)


def _lxml_schema(profile: str) -> etree.XMLSchema:
    # XMLSchema objects are not shared across threads; one compiled schema per thread/process.
    cache_ = getattr(_local, "schemas", None)
    if cache_ is None:
        cache_ = _local.schemas = {}
    schema = cache_.get(profile)
    if schema is None:
        schema = cache_[profile] = etree.XMLSchema(_schema_doc(profile))
    return schema


@cache
def _xmlschema_schema(profile: str) -> object:
    import xmlschema

    return xmlschema.XMLSchema(str(schema_path(profile)))


@cache
def _terms() -> dict[str, tuple[str, str | None]]:
    """Element name → (Vietnamese term, Vietnamese description of its value format)."""
    out: dict[str, tuple[str, str | None]] = {}
    for root in ROOTS.values():
        for plan in all_plans(root):
            for f in plan.fields:
                out.setdefault(f.element, (f.vi, f.lex.vi if f.lex else None))
                if f.item:
                    out.setdefault(f.item, (f.vi, None))
    return out


_VALUE_TYPES = (
    "PATTERN",
    "ENUMERATION",
    "DATATYPE",
    "INCLUSIVE",
    "EXCLUSIVE",
    "CVC_TYPE",
    "FACET",
    "LENGTH",
    "TOTALDIGITS",
    "FRACTIONDIGITS",
)
_UNEXPECTED = re.compile(r"Unexpected child with tag '([^']+)'[^.]*\.(?: Tag '([^']+)' expected)?")
_QUOTED_VALUE = re.compile(r"The value '([^']*)'|value '([^']*)'")


def _xsd_problem(path: str | None, line: int | None, type_name: str, message: str) -> Problem:
    element = (path or "").rsplit("/", 1)[-1].split("[")[0].lstrip("@")
    term, fmt = _terms().get(element, (None, None))
    named = f"{term} ({element})" if term else element or "tài liệu"
    if "IDC" in type_name or type_name.endswith("_ID") or "unique" in message.lower():
        rule, vi = "XSD-IDENTITY", f"{named}: trùng mã định danh (Id hoặc mã môn học)."
    elif any(t in type_name for t in _VALUE_TYPES):
        m = _QUOTED_VALUE.search(message)
        value = f" '{m.group(1) or m.group(2)}'" if m else ""
        rule = "XSD-VALUE"
        vi = f"{named}: giá trị{value} không hợp lệ" + (f" — {fmt}." if fmt else ".")
    elif m := _UNEXPECTED.search(message):
        rule = "XSD-STRUCTURE"
        vi = f"{named}: phần tử {m.group(1)} sai vị trí hoặc không có trong chuẩn"
        vi += f"; cần phần tử {m.group(2)}." if m.group(2) else "."
    elif "Missing child" in message:
        missing = message.split("Expected is", 1)[-1].strip(" ().")
        rule, vi = "XSD-STRUCTURE", f"{named}: thiếu phần tử bắt buộc {missing}."
    elif "not expected" in message:
        rule, vi = (
            "XSD-STRUCTURE",
            f"{named}: phần tử sai vị trí, bị lặp hoặc không có trong chuẩn.",
        )
    else:
        rule, vi = "XSD-STRUCTURE", f"{named}: không đúng lược đồ XSD."
    return Problem(rule, Severity.ERROR, path, line, vi, message)


def xsd_problems(tree: etree._ElementTree, profile: str, engine: Engine = "lxml") -> list[Problem]:
    """XSD problems of an already parsed tree, with XPath and line (one engine)."""
    if engine == "lxml":
        schema = _lxml_schema(profile)
        if schema.validate(tree):
            return []
        return [
            _xsd_problem(e.path, e.line, e.type_name, e.message.strip()) for e in schema.error_log
        ]
    xs = _xmlschema_schema(profile)
    problems = []
    for err in xs.iter_errors(tree):  # type: ignore[attr-defined]
        elem = getattr(err, "elem", None)
        line = elem.sourceline if elem is not None and hasattr(elem, "sourceline") else None
        reason = str(err.reason or err.message)
        # Map xmlschema's error classes onto libxml2's categories, so both engines give the
        # same rule ids: content-model errors are structure, the rest are value errors.
        kind = type(err).__name__
        if "Children" in kind or "attribute" in reason.lower():
            type_name = "SCHEMAV_ELEMENT_CONTENT"
        elif "duplicat" in reason.lower() or "unique" in reason.lower():
            type_name = "SCHEMAV_CVC_IDC"
        else:
            type_name = "SCHEMAV_CVC_DATATYPE_VALID"
        problems.append(_xsd_problem(err.path, line, type_name, reason))
    return problems


def _model_problems(
    tree: etree._ElementTree, profile: str, source: str | None, *, xsd_clean: bool = False
) -> list[Problem]:
    problems: list[Problem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NormalizationWarning)
        try:
            decode_tree(tree, profile=profile, source=source, xsd_valid_without_comments=xsd_clean)
        except DocumentInvalidError as exc:
            problems.extend(exc.report.problems)
    for w in caught:
        if isinstance(w.message, NormalizationWarning):
            problems.append(
                Problem(
                    "TEXT-NFC",
                    Severity.WARNING,
                    w.message.location,
                    None,
                    "Văn bản không ở dạng Unicode dựng sẵn (NFC); khi đọc đã được chuẩn hoá. "
                    "Hãy xuất lại tệp ở dạng NFC trước khi ký.",
                    "text is not in Unicode NFC; it was normalised on decode. Re-export NFC "
                    "text before signing.",
                )
            )
    return problems


def validate(
    data: bytes,
    *,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    engine: Engine = "lxml",
) -> Report:
    """Check record bytes against the XSD of their profile and the models; report everything.

    Raises an :class:`~hocbaso.errors.InputError` subclass only when the input cannot be
    examined (malformed XML, DTD/entities, too large, not UTF-8, wrong root/profile/version).
    """
    tree = parse_bytes(data, max_bytes=max_bytes)
    profile = detect_profile(tree.getroot())
    problems = xsd_problems(tree, profile, engine)
    seen = {p.location for p in problems}
    # A comment or PI anywhere after the XML declaration (or a false alarm inside CDATA) means
    # the decoder must count the document's nodes itself; otherwise the XSD has done it.
    xsd_clean = not problems and b"<!--" not in data and data.find(b"<?", 1) == -1
    for p in _model_problems(tree, profile, source, xsd_clean=xsd_clean):
        # The decoder sees most XSD problems too; report each location once, XSD first.
        if p.location in seen and p.severity is Severity.ERROR:
            continue
        problems.append(p)
    return Report(tuple(problems), source)


def is_valid(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, engine: Engine = "lxml") -> bool:
    """True when :func:`validate` finds no error (unusable input still raises)."""
    return validate(data, max_bytes=max_bytes, engine=engine).valid


def check(
    data: bytes,
    *,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    engine: Engine = "lxml",
) -> Report:
    """Like :func:`validate`, but raise :class:`DocumentInvalidError` when there is an error."""
    report = validate(data, source=source, max_bytes=max_bytes, engine=engine)
    if not report.valid:
        raise DocumentInvalidError(
            f"the record has {len(report.errors)} error(s)",
            message_vi=f"Học bạ có {len(report.errors)} lỗi.",
            report=report,
        )
    return report
