"""PDF output through WeasyPrint (internal; optional dependency ``hocbaso[pdf]``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hocbaso import errors
from hocbaso._xml._parse import DEFAULT_MAX_BYTES
from hocbaso.models import PrimaryRecord, SecondaryRecord
from hocbaso.render._copy import OnInvalid, render_html
from hocbaso.render._summary import VerificationSummary


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: pango/harfbuzz libraries missing
        raise errors.ConfigurationError(
            f"PDF output needs WeasyPrint and its system libraries: {exc} "
            "(pip install 'hocbaso[pdf]'; Debian: apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0 fonts-dejavu-core)",
            message_vi="Máy chưa cài WeasyPrint để in PDF. Hãy cài gói hocbaso[pdf] (và thư viện "
            "pango, phông chữ DejaVu) hoặc xuất bản thể hiện dạng HTML.",
            code="RENDER-PDF-ENGINE",
        ) from exc
    return weasyprint


def render_pdf(
    record: bytes | PrimaryRecord | SecondaryRecord,
    *,
    verification: VerificationSummary | None = None,
    on_invalid: OnInvalid = "watermark",
    watermark: str | None = None,
    printed_at: dt.datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> bytes:
    """The printable copy of one record as an A4 PDF (WeasyPrint over :func:`render_html`).

    Arguments and errors are those of :func:`render_html`; in addition
    :class:`~hocbaso.errors.ConfigurationError` (``RENDER-PDF-ENGINE``) when WeasyPrint or its
    system libraries are missing. The PDF embeds the DejaVu fonts found through fontconfig.
    No file or network resource is fetched: the HTML is self-contained (QR code as data URI).
    """
    html = render_html(
        record,
        verification=verification,
        on_invalid=on_invalid,
        watermark=watermark,
        printed_at=printed_at,
        max_bytes=max_bytes,
    )
    weasyprint = _weasyprint()

    document = weasyprint.HTML(string=html, url_fetcher=_data_only_fetcher(weasyprint))
    pdf: bytes = document.write_pdf()
    return pdf


def _data_only_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that serves ``data:`` URIs only: a copy never loads files or the network."""
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint >= 66
        return weasyprint.URLFetcher(allowed_protocols={"data"})

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - old WeasyPrint
        if not url.startswith("data:"):
            raise ValueError(f"external resources are not fetched: {url[:80]}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch
