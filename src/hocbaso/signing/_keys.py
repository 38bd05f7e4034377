"""Keys and signers: local keys (PEM/DER/PKCS#12) and the hash-only remote ``Signer`` protocol."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils
from cryptography.hazmat.primitives.serialization import pkcs12

from hocbaso import errors
from hocbaso.signing._algorithms import SignatureAlgorithm, check_public_key

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
Source = bytes | str | os.PathLike[str]


def _read(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    return Path(source).read_bytes()


_VI_NAMES = {
    "the private key": "khóa bí mật",
    "the PKCS#12 file": "tệp PKCS#12 (.p12/.pfx)",
}


def _key_error(what: str, detail: str) -> errors.SigningError:
    return errors.SigningError(
        f"cannot load {what}: {detail}",
        message_vi=f"Không đọc được {_VI_NAMES.get(what, what)} (sai định dạng, sai mật khẩu "
        "hoặc khóa không đạt yêu cầu).",
        code="SIG-KEY",
    )


def _password(password: bytes | str | None) -> bytes | None:
    return password.encode("utf-8") if isinstance(password, str) else password


def load_private_key(source: Source, password: bytes | str | None = None) -> PrivateKey:
    """Load an RSA or EC private key from PEM or DER bytes, or from a file path.

    Load once and reuse the returned object: parsing an RSA key costs tens of milliseconds.

    Raises:
        SigningError: unreadable key, wrong password, unsupported key type or size.
    """
    data = _read(source)
    pw = _password(password)
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, pw)
        else:
            key = serialization.load_der_private_key(data, pw)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise _key_error("the private key", str(exc)) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise _key_error("the private key", f"unsupported key type {type(key).__name__}")
    reason = check_public_key(key.public_key())
    if reason:
        raise _key_error("the private key", reason)
    return key


def load_certificates(source: Source) -> list[x509.Certificate]:
    """Load one or more X.509 certificates from PEM (several allowed) or DER, or a file path."""
    data = _read(source)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise errors.SigningError(
            f"cannot load certificate: {exc}",
            message_vi="Không đọc được chứng thư số (tệp .pem/.cer hỏng hoặc sai định dạng).",
            code="SIG-CERT",
        ) from None


@dataclass(frozen=True, slots=True)
class KeyAndCertificates:
    """What a PKCS#12 (.p12/.pfx) file holds: a private key, its certificate, the CA chain."""

    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def load_pkcs12(source: Source, password: bytes | str | None) -> KeyAndCertificates:
    """Load a PKCS#12 file (bytes or path) holding a key, its certificate and chain."""
    data = _read(source)
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _password(password))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise _key_error("the PKCS#12 file", str(exc)) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) or cert is None:
        raise _key_error("the PKCS#12 file", "no RSA/EC key with a certificate inside")
    reason = check_public_key(key.public_key())
    if reason:
        raise _key_error("the PKCS#12 file", reason)
    return KeyAndCertificates(key, cert, tuple(extra))


@runtime_checkable
class Signer(Protocol):
    """Something that signs a *hash* with a key the library never sees.

    Vietnamese remote-signing services (VNPT SmartCA, Viettel MySign, the Ban Cơ yếu VGCA plug-in)
    and PKCS#11 tokens all sign a digest: implement this protocol around their client and pass it
    to :func:`hocbaso.signing.sign` as ``signer=``. For services that answer later (the user
    approves on a phone), use :func:`hocbaso.signing.prepare` and
    :meth:`PreparedSignature.complete` instead.
    """

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's certificate (its public key must match the signing key)."""
        ...

    @property
    def chain(self) -> Sequence[x509.Certificate]:
        """Intermediate CA certificates to embed in ``KeyInfo`` (may be empty)."""
        ...

    def sign_digest(self, digest: bytes, algorithm: SignatureAlgorithm) -> bytes:
        """Sign ``digest`` (already hashed with ``algorithm.digest_algorithm``).

        Return the signature value: for RSA the PKCS#1 v1.5 or PSS signature bytes (as
        ``algorithm.is_pss`` says); for ECDSA either DER (X9.62) or raw ``r||s``.
        """
        ...


class LocalSigner:
    """A :class:`Signer` over a private key held in memory (load it once, reuse it)."""

    def __init__(
        self,
        key: PrivateKey,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        """Wrap ``key`` with its ``certificate`` (and CA ``chain``, embedded in KeyInfo)."""
        reason = check_public_key(key.public_key())
        if reason:
            raise _key_error("the private key", reason)
        if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
            raise errors.SigningError(
                "the private key does not belong to the certificate",
                message_vi="Khóa bí mật không khớp với chứng thư số đã chọn.",
                code="SIG-KEY-MISMATCH",
            )
        self._key = key
        self._certificate = certificate
        self._chain = tuple(chain)

    @classmethod
    def from_files(
        cls,
        key: Source,
        cert: Source,
        chain: Source | None = None,
        password: bytes | str | None = None,
    ) -> LocalSigner:
        """Load a PEM/DER key and certificate (and optional chain file)."""
        certs = load_certificates(cert)
        extra = list(certs[1:]) + (load_certificates(chain) if chain is not None else [])
        return cls(load_private_key(key, password), certs[0], extra)

    @classmethod
    def from_pkcs12(cls, source: Source, password: bytes | str | None) -> LocalSigner:
        """Load a PKCS#12 (.p12/.pfx) file; CA certificates in it become the chain."""
        kc = load_pkcs12(source, password)
        chain = [c for c in kc.chain if c.subject != c.issuer]  # roots are not embedded
        return cls(kc.key, kc.certificate, chain)

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's certificate."""
        return self._certificate

    @property
    def chain(self) -> Sequence[x509.Certificate]:
        """The CA certificates embedded with the signature."""
        return self._chain

    def sign_digest(self, digest: bytes, algorithm: SignatureAlgorithm) -> bytes:
        """Sign a pre-computed digest with the in-memory key."""
        prehashed = utils.Prehashed(algorithm.digest_algorithm.hash_algorithm())
        if isinstance(self._key, rsa.RSAPrivateKey):
            if algorithm.key_type != "rsa":
                raise _algorithm_mismatch(algorithm)
            return self._key.sign(digest, algorithm.rsa_padding(), prehashed)
        if algorithm.key_type != "ec":
            raise _algorithm_mismatch(algorithm)
        return self._key.sign(digest, ec.ECDSA(prehashed))


def _algorithm_mismatch(algorithm: SignatureAlgorithm) -> errors.SigningError:
    return errors.SigningError(
        f"signature algorithm {algorithm.name} does not fit the key type",
        message_vi="Thuật toán ký không phù hợp với loại khóa (RSA/ECDSA).",
        code="SIG-WEAK-ALG",
    )
