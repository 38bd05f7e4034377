"""``hocbaso render`` and ``hocbaso verify-copy``: thin commands over :mod:`hocbaso.render`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from hocbaso import errors, ledger, render, signing
from hocbaso.cli._common import parse_time

EXIT_OK, EXIT_MISMATCH, EXIT_UNUSABLE = 0, 1, 2
TRUST_ENV = "HOCBASO_TRUST_DIR"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``render`` and ``verify-copy``."""
    p = sub.add_parser(
        "render",
        help="print a record as its official paper copy (HTML or PDF, with a QR code)",
        description="Render a record as a printable copy (bản thể hiện học bạ số): the "
        "Ministry's display sample and the paper form of its level, A4, with a QR code that "
        "carries the lookup UUID and the SHA-256 of the record file. With --trust the "
        "signatures are verified and the result is printed on the copy; a copy that is not "
        "valid is stamped NOT VALID / NOT VERIFIED, or refused with --on-invalid refuse "
        "(exit 1 for signature problems, 2 for an invalid or unusable record).",
    )
    p.add_argument("file", type=Path, metavar="RECORD.xml")
    p.add_argument(
        "--format",
        choices=("html", "pdf"),
        help="output format (default: from the -o suffix; .html/.htm → html, else pdf)",
    )
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help="output file")
    p.add_argument(
        "--on-invalid",
        choices=("watermark", "refuse"),
        default="watermark",
        help="what to do with a copy that is not valid (default: watermark)",
    )
    p.add_argument(
        "--trust",
        type=Path,
        metavar="DIR",
        help=f"trust directory: verify the signatures (default ${TRUST_ENV} when set)",
    )
    p.add_argument("--watermark", metavar="TEXT", help="extra text across every page")
    p.add_argument("--printed-at", help="time printed on the copy, ISO 8601 with offset")
    p.set_defaults(handler=_render)

    v = sub.add_parser(
        "verify-copy",
        help="check a printed copy's QR code against the record file or the ledger",
        description="Decode a copy code (HBS1:<uuid>:<sha256>) from its text or from a PNG/JPEG "
        "scan or PDF (with zbarimg, Debian zbar-tools, and pdftoppm) and check it against the "
        "record file (same lookup UUID, same SHA-256 of the exact bytes) and/or the issuance "
        "ledger (issued with that digest, not revoked). Exit 0 match, 1 mismatch, 2 unusable "
        "input (no code found, malformed code, unreadable record).",
    )
    src = v.add_mutually_exclusive_group(required=True)
    src.add_argument("--code", metavar="TEXT", help="the code text printed under the QR code")
    src.add_argument("--image", type=Path, metavar="FILE", help="scan (PNG/JPEG) or PDF of a copy")
    v.add_argument("--record", type=Path, metavar="RECORD.xml", help="the issued record file")
    v.add_argument("--ledger", metavar="DB", help="issuance ledger (SQLite file or postgresql://)")
    v.add_argument("--format", choices=("text", "json"), default="text")
    v.set_defaults(handler=_verify_copy)


def _render(args: argparse.Namespace) -> int:
    data = args.file.read_bytes()
    fmt = args.format or ("html" if args.output.suffix.lower() in (".html", ".htm") else "pdf")
    trust_dir = args.trust or (Path(os.environ[TRUST_ENV]) if os.environ.get(TRUST_ENV) else None)
    summary = None
    if trust_dir is not None:
        trust = signing.TrustConfig.from_directory(trust_dir)
        summary = render.verify_for_copy(data, trust=trust)
    on_invalid: render.OnInvalid = "refuse" if args.on_invalid == "refuse" else "watermark"
    printed_at = parse_time(args.printed_at, "--printed-at")
    if fmt == "html":
        html = render.render_html(
            data,
            verification=summary,
            on_invalid=on_invalid,
            watermark=args.watermark,
            printed_at=printed_at,
        )
        args.output.write_text(html, encoding="utf-8")
    else:
        pdf = render.render_pdf(
            data,
            verification=summary,
            on_invalid=on_invalid,
            watermark=args.watermark,
            printed_at=printed_at,
        )
        args.output.write_bytes(pdf)
    assessment = render.assess_copy(data, verification=summary)
    status = assessment.status
    print(f"{args.output}: {status.label_vi} / {status.label_en}", file=sys.stderr)
    for reason in assessment.reasons:
        print(f"  {reason.rule}: {reason.message_vi} / {reason.message_en}", file=sys.stderr)
    if assessment.code is not None:
        print(assessment.code.to_text())
    return EXIT_OK


def _codes(args: argparse.Namespace) -> list[render.CopyCode]:
    if args.code is not None:
        return [render.CopyCode.parse(args.code)]
    texts = render.read_qr_texts(args.image)
    found = [t for t in texts if t.startswith(render.COPY_CODE_PREFIX)]
    if not found:
        raise errors.InputError(
            f"no copy code (HBS…) found in {args.image}"
            + (f"; other QR codes: {len(texts)}" if texts else ""),
            message_vi=f"Không tìm thấy mã QR kiểm tra bản in trong tệp {args.image.name}; "
            "hãy quét lại rõ hơn (độ phân giải ≥ 150 dpi) hoặc nhập mã in dưới mã QR bằng --code.",
            code="COPY-NO-CODE",
        )
    return [render.CopyCode.parse(t) for t in found]


def _verify_copy(args: argparse.Namespace) -> int:
    if args.record is None and args.ledger is None:
        raise errors.InputError(
            "give --record RECORD.xml and/or --ledger DB to check the copy against",
            message_vi="Cần tệp học bạ gốc (--record) hoặc sổ phát hành (--ledger) để đối chiếu.",
            code="COPY-NOTHING-TO-CHECK",
        )
    codes = _codes(args)
    checks: list[render.CopyCheck] = []
    if args.record is not None:
        data = args.record.read_bytes()
        checks += [render.check_copy(c, data, source=str(args.record)) for c in codes]
    if args.ledger is not None:
        book = ledger.Ledger(ledger.open_store(args.ledger, create=False))
        try:
            checks += [render.check_copy_in_ledger(c, book, source=args.ledger) for c in codes]
        finally:
            book.close()
    if args.format == "json":
        print(json.dumps([c.to_dict() for c in checks], ensure_ascii=False, indent=2))
    else:
        for check in checks:
            print(check.to_text())
    return EXIT_OK if all(c.passed for c in checks) else EXIT_MISMATCH
