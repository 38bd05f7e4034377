"""Keyed student hash: how a student's entries are found without personal data in the log.

Internal module (unstable); the public names are re-exported by :mod:`hocbaso.ledger`.

Why a *keyed* hash (HMAC) and not a plain hash: a personal id has 12 digits and most of them are
predictable (province, century/sex, birth year; see the standard §7.1), so there are only a few
billion plausible ids. ``SHA-256(id)`` would be reversed by trying them all in minutes on one
GPU. ``HMAC-SHA256(secret, id)`` cannot be computed, hence not brute-forced, without the
issuer's secret key (256 bits). The log therefore holds pseudonymous values only; see
``docs/ledger.md`` ("Personal data") for the whole argument and its limits.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from hocbaso.errors import ConfigurationError, InputError

__all__ = ["MIN_SECRET_BYTES", "student_key"]

MIN_SECRET_BYTES = 32
"""Shortest accepted issuer secret for :func:`student_key` (256 bits)."""

_PERSONAL_ID_RE = re.compile(r"[0-9]{12}")


def student_key(personal_id: str, secret: bytes) -> bytes:
    """Keyed hash of a student's personal id (*số định danh cá nhân*): HMAC-SHA256, 32 bytes.

    ``HMAC-SHA256(key=secret, msg=ASCII(personal_id))`` where ``personal_id`` is exactly the 12
    digits (no spaces). The same secret must be used for every entry of an issuer, or a student's
    entries cannot be found together; keep it out of the log database.

    Raises:
        InputError: ``personal_id`` is not 12 ASCII digits.
        ConfigurationError: ``secret`` is shorter than :data:`MIN_SECRET_BYTES`.
    """
    if not isinstance(personal_id, str) or not _PERSONAL_ID_RE.fullmatch(personal_id):
        raise InputError(
            "the personal id must be exactly 12 digits",
            message_vi="Số định danh cá nhân (số CCCD) phải gồm đúng 12 chữ số.",
            code="LEDGER-PERSONAL-ID",
            location="SO_CCCD",
        )
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"the student-key secret must be at least {MIN_SECRET_BYTES} bytes",
            message_vi=(
                f"Khóa bí mật dùng để băm số định danh phải dài ít nhất {MIN_SECRET_BYTES} byte "
                "(tạo bằng: head -c 32 /dev/urandom > khoa-bi-mat.bin)."
            ),
            code="LEDGER-SECRET-SHORT",
        )
    return hmac.new(secret, personal_id.encode("ascii"), hashlib.sha256).digest()
