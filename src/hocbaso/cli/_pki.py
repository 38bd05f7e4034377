"""``hocbaso pki demo DIR``: a throwaway test PKI (never for production)."""

from __future__ import annotations

import argparse
import datetime as dt

from hocbaso import errors
from hocbaso.pki import make_demo_pki


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``pki`` command group."""
    p = sub.add_parser("pki", help="test PKI tools (TEST ONLY)")
    psub = p.add_subparsers(dest="pki_command", metavar="PKI_COMMAND", required=True)
    d = psub.add_parser(
        "demo",
        help="create a throwaway test PKI (NOT FOR PRODUCTION)",
        description="Create a root CA, an issuing CA, teacher/leader certificates (CCCD:), the "
        "school's organisation certificate (MST:), a revoked, an expired and a not-yet-valid "
        "certificate with a CRL, and a TSA certificate. TEST PKI — NOT FOR PRODUCTION.",
    )
    d.add_argument("directory", metavar="DIR")
    d.add_argument("--now", help="reference time, ISO 8601 with offset (default: now)")
    d.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    now = None
    if args.now:
        try:
            now = dt.datetime.fromisoformat(args.now)
        except ValueError:
            now = None
        if now is None or now.tzinfo is None:
            raise errors.InputError(
                f"--now {args.now!r} is not an ISO date-time with an offset",
                message_vi="--now phải là thời điểm ISO 8601 có múi giờ, ví dụ "
                "2026-05-20T10:00:00+07:00.",
            )
    pki = make_demo_pki(args.directory, now=now)
    print("TEST PKI — NOT FOR PRODUCTION / CHỈ DÙNG THỬ NGHIỆM")
    print(f"written to {pki.directory}")
    for e in pki.entities.values():
        print(f"  {e.name:<11} {e.cert_path.name:<16} {e.description}")
    print(f"trust directory for `hocbaso verify --trust`: {pki.trust_dir}")
    return 0
