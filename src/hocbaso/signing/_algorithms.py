"""Algorithm identifiers, named by their URIs (internal)."""

from __future__ import annotations

import enum
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from hocbaso import errors


class DigestAlgorithm(str, enum.Enum):
    """Digest methods accepted by the profile; values are the XML-DSig URIs (RFC 6931)."""

    SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
    SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

    @property
    def hash_name(self) -> str:
        """hashlib name (``sha256`` ...)."""
        return self.name.lower()

    def digest(self, data: bytes) -> bytes:
        """Hash ``data`` with this algorithm."""
        digest: bytes = hash_function(self.hash_name)(data).digest()
        return digest

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        """The matching ``cryptography`` hash object."""
        return _HASHES[self.hash_name]()


_CONSTRUCTORS: dict[str, Callable[[bytes], Any]] = {
    "sha1": hashlib.sha1,  # verification of legacy records only, when explicitly allowed
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


def hash_function(name: str) -> Callable[[bytes], Any]:
    """The hashlib constructor for ``name`` (``hashlib.new`` looks the name up in Python on
    every call; these run a few times per record signed or verified)."""
    found = _CONSTRUCTORS.get(name)
    return found if found is not None else functools.partial(hashlib.new, name)


_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

WEAK_DIGEST_URIS = frozenset(
    {
        "http://www.w3.org/2000/09/xmldsig#sha1",
        "http://www.w3.org/2001/04/xmldsig-more#md5",
        "http://www.w3.org/2001/04/xmldsig-more#sha224",
    }
)
SHA1_DIGEST_URI = "http://www.w3.org/2000/09/xmldsig#sha1"


class SignatureAlgorithm(str, enum.Enum):
    """Signature methods accepted by the profile; values are the XML-DSig URIs (RFC 6931).

    RSA keys need at least 2048 bits; ECDSA keys must be on P-256 or P-384. RSASSA-PSS uses MGF1
    with the same hash and a salt as long as the hash (RFC 6931 §2.3.10).
    """

    RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
    RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
    RSA_PSS_SHA384 = "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
    RSA_PSS_SHA512 = "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
    ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
    ECDSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"

    @property
    def key_type(self) -> str:
        """``rsa`` or ``ec``."""
        return "ec" if self.name.startswith("ECDSA") else "rsa"

    @property
    def is_pss(self) -> bool:
        """True for RSASSA-PSS."""
        return "PSS" in self.name

    @property
    def digest_algorithm(self) -> DigestAlgorithm:
        """The hash this method signs with."""
        return DigestAlgorithm[self.name.rsplit("_", 1)[1]]

    def rsa_padding(self) -> padding.AsymmetricPadding:
        """The RSA padding object (PKCS#1 v1.5 or PSS)."""
        if self.is_pss:
            h = self.digest_algorithm.hash_algorithm()
            return padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
        return padding.PKCS1v15()

    @classmethod
    def parse(cls, value: str) -> SignatureAlgorithm:
        """Accept a URI, a member name or a short name such as ``rsa-pss-sha256``."""
        for member in cls:
            if value in (member.value, member.name, member.name.lower().replace("_", "-")):
                return member
        raise errors.SigningError(
            f"unsupported or weak signature algorithm {value!r}",
            message_vi=f"Thuật toán ký {value!r} không được chấp nhận (chỉ SHA-256 trở lên, "
            "RSA ≥ 2048 bit hoặc ECDSA P-256/P-384).",
            code="SIG-WEAK-ALG",
        )


WEAK_SIGNATURE_URIS = frozenset(
    {
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
    }
)
SHA1_SIGNATURE_URIS = frozenset(
    {
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
    }
)

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
ALLOWED_CURVES = ("secp256r1", "secp384r1")


def check_public_key(key: object) -> str | None:
    """``None`` when ``key`` is acceptable for the profile, else an English reason."""
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            return f"RSA key of {key.key_size} bits (at least 2048 required)"
        return None
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in ALLOWED_CURVES:
            return f"elliptic curve {key.curve.name} (P-256 or P-384 required)"
        return None
    return f"unsupported key type {type(key).__name__}"


def default_algorithm(key: object, digest: DigestAlgorithm) -> SignatureAlgorithm:
    """RSA PKCS#1 v1.5 or ECDSA with ``digest`` for the given public key."""
    prefix = "ECDSA" if isinstance(key, ec.EllipticCurvePublicKey) else "RSA"
    return SignatureAlgorithm[f"{prefix}_{digest.name}"]
