"""Trust configuration and certificate-path validation with revocation (internal)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hocbaso import errors
from hocbaso.signing._identity import der_of

_T = TypeVar("_T")
_REVOCATION_MODES = ("hard-fail", "soft-fail", "require")


def _der(cert: x509.Certificate) -> bytes:
    return der_of(cert)


def _config_error(en: str, vi: str) -> errors.ConfigurationError:
    return errors.ConfigurationError(en, message_vi=vi, code="TRUST-CONFIG")


def _load_certs(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise _config_error(
            f"{path}: not a certificate", f"Tệp {path} không phải chứng thư số."
        ) from None


def _load_crl(path: Path) -> bytes:
    data = path.read_bytes()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data).public_bytes(serialization.Encoding.DER)
        return x509.load_der_x509_crl(data).public_bytes(serialization.Encoding.DER)
    except ValueError:
        raise _config_error(
            f"{path}: not a CRL", f"Tệp {path} không phải danh sách thu hồi (CRL)."
        ) from None


@dataclass(frozen=True, slots=True)
class TrustConfig:
    """What a verifier trusts (immutable). There is no default trust store: give anchors.

    Attributes:
        anchors: trust anchors (root CA certificates, e.g. the NEAC root); at least one.
        intermediates: extra CA certificates for path building.
        crls: CRLs (DER) supplied offline.
        ocsp_responses: OCSP responses (DER) supplied offline.
        registered_organisations: organisation certificates registered and approved for the
            issuing seal (KY_PHAT_HANH); empty means the registration cannot be checked and
            the seal is INDETERMINATE.
        revocation_mode: ``hard-fail`` (default: fail when a certificate names a revocation
            source but no usable CRL/OCSP answer is at hand), ``require`` (revocation data for
            every certificate) or ``soft-fail`` (insecure: unknown status passes).
        allow_fetching: let the validator fetch CRLs/OCSP responses (and missing issuer
            certificates) from the URLs in the certificates (CRL Distribution Points, AIA). A
            source that cannot be reached leaves the status unknown (INDETERMINATE/TRY_LATER
            in ``hard-fail`` mode), never an exception.
        fetcher_backend: a ``pyhanko_certvalidator.fetchers.FetcherBackend`` used when fetching
            is allowed; ``None`` means pyhanko-certvalidator's default (aiohttp, which hocbaso's
            dependencies install). Each path validation runs in an event loop of its own, so
            the backend is closed (``await backend.close()``) after every validation and must be
            able to provision its resources again: ``AIOHttpFetcherBackend()`` without a
            ``session`` argument does.
        allow_sha1_insecure: accept SHA-1 digests/signatures (old e-invoice-era files); never
            MD5. Insecure: only for reading archives.
        clock_skew: tolerance when comparing a claimed signing time with the validation time.
    """

    anchors: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    crls: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()
    registered_organisations: tuple[x509.Certificate, ...] = ()
    revocation_mode: str = "hard-fail"
    allow_fetching: bool = False
    fetcher_backend: Any = None
    allow_sha1_insecure: bool = False
    clock_skew: dt.timedelta = dt.timedelta(minutes=5)
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("anchors", "intermediates", "registered_organisations"):
            value = tuple(getattr(self, name))
            if not all(isinstance(c, x509.Certificate) for c in value):
                raise _config_error(
                    f"TrustConfig.{name} must hold cryptography x509.Certificate objects",
                    f"Cấu hình tin cậy: {name} phải là danh sách chứng thư số.",
                )
            object.__setattr__(self, name, value)
        if not self.anchors:
            raise _config_error(
                "TrustConfig needs at least one trust anchor (no system/web trust store is used)",
                "Cần ít nhất một chứng thư gốc tin cậy (ví dụ chứng thư gốc của NEAC).",
            )
        if self.revocation_mode not in _REVOCATION_MODES:
            raise _config_error(
                f"revocation_mode must be one of {_REVOCATION_MODES}",
                "Chế độ kiểm tra thu hồi không hợp lệ.",
            )
        object.__setattr__(self, "crls", tuple(bytes(c) for c in self.crls))
        object.__setattr__(self, "ocsp_responses", tuple(bytes(o) for o in self.ocsp_responses))

    @classmethod
    def from_directory(cls, directory: str | Path, **overrides: Any) -> TrustConfig:
        """Read a trust directory: ``anchors/``, ``intermediates/``, ``crls/``, ``ocsp/``,
        ``organisations/`` (PEM or DER files; missing folders are empty). ``overrides`` set
        the other fields."""
        base = Path(directory)
        if not (base / "anchors").is_dir():
            raise _config_error(
                f"{base}: no anchors/ folder", f"Thư mục tin cậy {base} thiếu thư mục anchors/."
            )

        def files(sub: str) -> list[Path]:
            d = base / sub
            if not d.is_dir():
                return []
            return sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith("."))

        return cls.from_dict(
            {
                "anchors": [c for p in files("anchors") for c in _load_certs(p)],
                "intermediates": [c for p in files("intermediates") for c in _load_certs(p)],
                "crls": [_load_crl(p) for p in files("crls")],
                "ocsp_responses": [p.read_bytes() for p in files("ocsp")],
                "registered_organisations": [
                    c for p in files("organisations") for c in _load_certs(p)
                ],
                **overrides,
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrustConfig:
        """Build from a mapping of field names; unknown keys are refused."""
        known = {f.name for f in fields(cls) if not f.name.startswith("_")}
        unknown = set(data) - known
        if unknown:
            raise _config_error(
                f"unknown TrustConfig keys: {sorted(unknown)}",
                f"Cấu hình tin cậy có khóa lạ: {sorted(unknown)}.",
            )
        kw = dict(data)
        for name in (
            "anchors",
            "intermediates",
            "crls",
            "ocsp_responses",
            "registered_organisations",
        ):
            if name in kw:
                kw[name] = tuple(kw[name])
        return cls(**kw)

    def is_registered_organisation(self, cert: x509.Certificate) -> bool:
        """True when ``cert`` is on the registered organisation-certificate list."""
        der = _der(cert)
        return any(_der(c) == der for c in self.registered_organisations)

    def _asn1(self) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        cached = self._cache.get("asn1")
        if cached is None:
            cached = (
                [asn1_x509.Certificate.load(_der(c)) for c in self.anchors],
                [asn1_x509.Certificate.load(_der(c)) for c in self.intermediates],
                [asn1_crl.CertificateList.load(c) for c in self.crls],
                [asn1_ocsp.OCSPResponse.load(o) for o in self.ocsp_responses],
            )
            self._cache["asn1"] = cached
        return cached


@dataclass(frozen=True, slots=True)
class ChainOutcome:
    """Result of one path validation: ``None`` error means the path is valid."""

    error: str | None
    kind: str | None = (
        None  # revoked / expired / not_yet_valid / no_path / revinfo / algorithm / other
    )
    is_ee: bool = True
    revocation_time: dt.datetime | None = None
    path: tuple[str, ...] = ()


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def validate_path(
    trust: TrustConfig,
    cert_der: bytes,
    *,
    moment: dt.datetime,
    extra_certs: Sequence[bytes] = (),
    extra_crls: Sequence[bytes] = (),
    extra_ocsps: Sequence[bytes] = (),
    retroactive: bool = False,
    key_usage: Sequence[str] = (),
    extended_key_usage: Sequence[str] = (),
) -> ChainOutcome:
    """Validate ``cert_der`` to a trust anchor at ``moment`` with revocation checking.

    Results are memoised in the (immutable) ``trust`` per certificate, extra material and exact
    ``moment``: a batch verified "as of" one validation time validates each signer path once.
    Nothing is cached when network fetching is allowed.
    """
    key = None
    if not trust.allow_fetching:
        # Certificates are their own key (bytes cache their hash, and a batch hands the same
        # certificate objects again); large items (CRLs) are keyed by their SHA-256 so that
        # the memo does not hold them.
        key = (
            cert_der,
            moment,
            retroactive,
            tuple(sorted(key_usage)),
            tuple(sorted(extended_key_usage)),
            # A digest is tagged as one, so it never equals an item given as is.
            *(
                x if len(x) <= _KEY_INLINE else ("sha256", hashlib.sha256(x).digest())
                for group in (extra_certs, extra_crls, extra_ocsps)
                for x in (*group, b"#")  # b"#" ends a group: never a certificate, CRL or OCSP
            ),
        )
        memo = trust._cache.setdefault("paths", {})
        hit = memo.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
    outcome = _validate_path(
        trust,
        cert_der,
        moment=moment,
        extra_certs=extra_certs,
        extra_crls=extra_crls,
        extra_ocsps=extra_ocsps,
        retroactive=retroactive,
        key_usage=key_usage,
        extended_key_usage=extended_key_usage,
    )
    if key is not None:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = outcome
    return outcome


_MEMO_LIMIT = 4096
_KEY_INLINE = 4096  # bytes: larger validation material is keyed by its digest


def _validate_path(
    trust: TrustConfig,
    cert_der: bytes,
    *,
    moment: dt.datetime,
    extra_certs: Iterable[bytes],
    extra_crls: Iterable[bytes],
    extra_ocsps: Iterable[bytes],
    retroactive: bool,
    key_usage: Sequence[str],
    extended_key_usage: Sequence[str],
) -> ChainOutcome:
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator import errors as pv
    from pyhanko_certvalidator.fetchers import OwnedFetcherBackend

    anchors, inter, crls, ocsps = trust._asn1()
    others = inter + [asn1_x509.Certificate.load(c) for c in extra_certs]
    kwargs: dict[str, Any] = {}
    if trust.allow_fetching and trust.fetcher_backend is not None:
        # every validation runs in an event loop of its own (``_run``): the backend's resources
        # (an aiohttp session) must not outlive it, so the context closes the backend afterwards
        kwargs["fetcher_backend"] = OwnedFetcherBackend(trust.fetcher_backend)
    try:
        ctx = ValidationContext(
            trust_roots=anchors,
            other_certs=others,
            crls=crls + [asn1_crl.CertificateList.load(c) for c in extra_crls],
            ocsps=ocsps + [asn1_ocsp.OCSPResponse.load(o) for o in extra_ocsps],
            moment=moment,
            allow_fetching=trust.allow_fetching,
            revocation_mode=trust.revocation_mode,
            retroactive_revinfo=retroactive,
            **kwargs,
        )
        validator = CertificateValidator(
            asn1_x509.Certificate.load(cert_der), validation_context=ctx
        )

        async def validate() -> Any:
            try:
                return await validator.async_validate_usage(  # type: ignore[no-untyped-call]
                    set(key_usage), set(extended_key_usage) or None, extended_optional=False
                )
            finally:
                await ctx.aclose()  # type: ignore[no-untyped-call]

        path = _run(validate())
    except pv.RevokedError as exc:
        return ChainOutcome(str(exc), "revoked", exc.is_ee_cert, exc.revocation_dt)
    except pv.ExpiredError as exc:
        return ChainOutcome(str(exc), "expired", exc.is_ee_cert)
    except pv.NotYetValidError as exc:
        return ChainOutcome(str(exc), "not_yet_valid", exc.is_ee_cert)
    except pv.InsufficientRevinfoError as exc:
        return ChainOutcome(str(exc), "revinfo", exc.is_ee_cert)
    except pv.DisallowedAlgorithmError as exc:
        return ChainOutcome(str(exc), "algorithm", exc.is_ee_cert)
    except pv.PathBuildingError as exc:
        return ChainOutcome(str(exc), "no_path")
    except pv.InvalidCertificateError as exc:
        return ChainOutcome(str(exc), "usage")
    except (pv.PathValidationError, pv.ValidationError) as exc:
        return ChainOutcome(str(exc), "other")
    except (ValueError, TypeError) as exc:  # malformed certificate/CRL material
        return ChainOutcome(f"unusable certificate material: {exc}", "other")
    except Exception as exc:
        if not trust.allow_fetching:
            raise
        # a fetcher failure pyhanko does not translate (timeouts, bad URLs, a broken backend):
        # the revocation status is unknown, which is a reason to try later, not a crash
        return ChainOutcome(
            f"revocation data could not be fetched: {type(exc).__name__}: {exc}", "revinfo"
        )
    names = tuple(c.subject.human_friendly for c in path)
    return ChainOutcome(None, path=names)
