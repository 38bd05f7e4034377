"""The per-packet and per-record work shared by the ``batch`` CLI and the Dask scale-out.

Plain functions over bytes and tuples of str/int (picklable), so they run the same in a
process pool, on a Dask worker or inline.
"""

from __future__ import annotations

from hocbaso.batch._envelopes import SubmitRequest
from hocbaso.batch._packets import split_records
from hocbaso.errors import HocbasoError
from hocbaso.report import Report
from hocbaso.validation import validate

__all__ = [
    "Failure",
    "RecordItem",
    "RecordResult",
    "check_records",
    "failure_of",
    "packet_content",
    "report_failures",
]

Failure = tuple[str, str | None, int | None, str, str]
"""One failure: (code, location, line, message_vi, message_en)."""
RecordItem = tuple[str, int, bytes, bool]
"""(packet name, index in the packet, record bytes, validate?)."""
RecordResult = tuple[str, int, bytes, list[Failure]]
"""(packet name, index in the packet, record bytes, failures — empty when fine)."""


def failure_of(exc: HocbasoError) -> Failure:
    """The failure tuple of a library error."""
    return (exc.code, exc.location, exc.line, exc.message_vi, exc.message_en)


def report_failures(report: Report) -> list[Failure]:
    """The failure tuples of a report's errors."""
    return [(p.rule, p.location, p.line, p.message_vi, p.message_en) for p in report.errors]


def packet_content(text: str) -> str:
    """The base64 ``content`` of a packet file: the bare content, or a submit envelope (JSON)."""
    if text.lstrip().startswith("{"):
        return SubmitRequest.from_json(text).content
    return text.strip()


def check_records(items: list[RecordItem]) -> list[RecordResult]:
    """Check records (bytes in, failures out): well-formed always, valid (XSD + models) if asked.

    A record that fails never stops the others; each result keeps its packet and position.
    """
    out: list[RecordResult] = []
    for path, index, data, do_validate in items:
        failures: list[Failure] = []
        try:
            if do_validate:
                failures = report_failures(validate(data, source=f"{path}#{index}"))
            else:
                wrapped = b"<DANH_SACH_HOC_BA>" + data + b"</DANH_SACH_HOC_BA>"
                failures = [failure_of(r.error) for r in split_records(wrapped) if r.error]
        except HocbasoError as exc:
            failures = [failure_of(exc)]
        out.append((path, index, data, failures))
    return out
