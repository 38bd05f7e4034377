"""Who a certificate names: CCCD (citizen id) or MST (tax code), common name (internal)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

_CCCD = re.compile(r"^CCCD:(\d{12})$")
_MST = re.compile(r"^MST:([0-9]{10}(?:-[0-9]{3})?)$")
ICT = dt.timezone(dt.timedelta(hours=7), "ICT")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True, slots=True)
class CertificateIdentity:
    """Identity facts read from a certificate subject.

    Attributes:
        subject: RFC 4514 form of the subject.
        common_name: the CN, if any.
        cccd: 12-digit citizen id from a ``CCCD:`` value (UID attribute), if any.
        mst: tax code from an ``MST:`` value, if any (organisation certificate).
    """

    subject: str
    common_name: str | None
    cccd: str | None
    mst: str | None

    @property
    def is_organisation(self) -> bool:
        """True when the subject carries ``MST:`` (an organisation certificate)."""
        return self.mst is not None


_DER_CACHE: dict[int, tuple[x509.Certificate, bytes]] = {}
_DER_CACHE_LIMIT = 1024


def der_of(cert: x509.Certificate) -> bytes:
    """The DER bytes of ``cert`` (``public_bytes(DER)``), remembered per certificate object.

    ``public_bytes`` re-encodes on every call (~8 µs); signing and verification ask for the
    same certificate's DER several times per record. The cache holds the certificate itself,
    so an ``id`` is never reused while its entry lives.
    """
    hit = _DER_CACHE.get(id(cert))
    if hit is not None and hit[0] is cert:
        return hit[1]
    der = cert.public_bytes(serialization.Encoding.DER)
    if len(_DER_CACHE) >= _DER_CACHE_LIMIT:
        _DER_CACHE.clear()
    _DER_CACHE[id(cert)] = (cert, der)
    return der


@functools.lru_cache(maxsize=1024)
def load_certificate(der: bytes) -> x509.Certificate:
    """Parse a DER certificate, cached by its bytes (certificates are immutable).

    Raises:
        ValueError: not a certificate (errors are not cached).
    """
    return x509.load_der_x509_certificate(der)


def identity_of(cert: x509.Certificate) -> CertificateIdentity:
    """Read CN, ``CCCD:`` and ``MST:`` markers from the certificate subject.

    The UID attribute (OID 0.9.2342.19200300.100.1.1) is looked at first, then every other
    attribute, because issuers differ in where they put the marker.
    """
    return _identity(der_of(cert))


@functools.lru_cache(maxsize=1024)
def _identity(der: bytes) -> CertificateIdentity:
    cert = load_certificate(der)
    cccd = mst = None
    attrs = list(cert.subject.get_attributes_for_oid(NameOID.USER_ID)) + list(cert.subject)
    for attr in attrs:
        value = attr.value if isinstance(attr.value, str) else ""
        if cccd is None and (m := _CCCD.match(value.strip())):
            cccd = m.group(1)
        if mst is None and (m := _MST.match(value.strip())):
            mst = m.group(1)
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = cns[0].value if cns and isinstance(cns[0].value, str) else None
    return CertificateIdentity(cert.subject.rfc4514_string(), cn, cccd, mst)


def format_signing_time(when: dt.datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss+07:00`` (Vietnam time, seconds precision)."""
    return when.astimezone(ICT).replace(microsecond=0).isoformat()


def parse_signing_time(text: str | None) -> dt.datetime | None:
    """Parse an ISO date-time with seconds and an explicit offset; ``None`` if malformed."""
    if text is None or not _TIME.match(text):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def usable_for_signing(cert: x509.Certificate) -> bool:
    """True unless a KeyUsage extension excludes both digitalSignature and nonRepudiation."""
    return _usable(der_of(cert))


@functools.lru_cache(maxsize=1024)
def _usable(der: bytes) -> bool:
    cert = load_certificate(der)
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return bool(ku.digital_signature or ku.content_commitment)
