"""Shared test environment of the signing tests (imported by conftest.py and the tests)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hocbaso.pki import DemoPki, make_demo_pki
from hocbaso.signing import (
    LocalSigner,
    SignatureAlgorithm,
    SignatureLevel,
    SignaturePolicy,
    TrustConfig,
    sign,
)

DATA = Path(__file__).parent / "data"
ICT = dt.timezone(dt.timedelta(hours=7))
XMLSEC1 = shutil.which("xmlsec1")
OPENSSL = shutil.which("openssl")


@dataclass(frozen=True)
class Env:
    """Everything a signing test needs."""

    pki: DemoPki
    signers: Mapping[str, LocalSigner]
    trust: TrustConfig
    t0: dt.datetime  # a signing time inside every valid certificate's validity

    def at(self, minutes: int) -> dt.datetime:
        """``t0`` plus ``minutes``."""
        return self.t0 + dt.timedelta(minutes=minutes)


def make_env(directory: Path) -> Env:
    """A fresh demo PKI in ``directory`` with every signer loaded (the rogue one too)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    pki = make_demo_pki(directory, now=now)
    signers = {
        name: LocalSigner.from_files(e.key_path, e.cert_path, pki.issuing_cert)
        for name, e in pki.entities.items()
        if not name.startswith("rogue")
    }
    rogue = pki.entities["rogue-cbql"]
    signers["rogue-cbql"] = LocalSigner.from_files(rogue.key_path, rogue.cert_path)
    trust = TrustConfig.from_directory(pki.trust_dir)
    return Env(pki, signers, trust, (now - dt.timedelta(hours=2)).astimezone(ICT))


def read(name: str) -> bytes:
    """A file of tests/signing/data."""
    return (DATA / name).read_bytes()


def sign_all(env: Env, xml: bytes, *, level: SignatureLevel = SignatureLevel.XMLDSIG) -> bytes:
    """Sign every slot of a record in order, with a mix of algorithms."""
    secondary = b"<MA_CAP_HOC>03</MA_CAP_HOC>" in xml or b"<MA_CAP_HOC>04</MA_CAP_HOC>" in xml
    policy = SignaturePolicy(level=level)
    pss = SignaturePolicy(level=level, signature_algorithm=SignatureAlgorithm.RSA_PSS_SHA256)
    minute = 0
    if secondary:
        for subject, who in (("TOAN", "gvbm-toan"), ("VAN", "gvbm-van")):
            xml = sign(
                xml,
                slot=f"GVBM:{subject}",
                signer=env.signers[who],
                signing_time=env.at(minute),
                policy=policy,
            )
            minute += 1
    xml = sign(
        xml, slot="GVCN", signer=env.signers["gvcn"], signing_time=env.at(minute), policy=policy
    )
    xml = sign(
        xml,
        slot="CBQL",
        signer=env.signers["cbql"],
        signing_time=env.at(minute + 1),
        policy=pss if not secondary else policy,
    )
    return sign(
        xml,
        slot="KY_PHAT_HANH",
        signer=env.signers["org"],
        signing_time=env.at(minute + 2),
        policy=policy,
    )


class OpensslTsa:
    """A local RFC 3161 TSA: ``openssl ts -reply`` in a temporary directory (tests only)."""

    def __init__(
        self,
        directory: Path,
        pki: DemoPki,
        *,
        cert_path: Path | None = None,
        key_path: Path | None = None,
        chain_pem: bytes | None = None,
    ) -> None:
        """The demo PKI's TSA by default; another TSA certificate/key/chain when given."""
        self.dir = directory
        tsa = pki.entities["tsa"]
        cert_path = cert_path or tsa.cert_path
        key_path = key_path or tsa.key_path
        (directory / "serial").write_text("01\n")
        chain = directory / "chain.pem"
        chain.write_bytes(chain_pem if chain_pem is not None else pki.issuing_cert.read_bytes())
        (directory / "tsa.cnf").write_text(
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\n"
            f"dir = {directory}\nserial = $dir/serial\n"
            f"signer_cert = {cert_path}\ncerts = {chain}\nsigner_key = {key_path}\n"
            "signer_digest = sha256\ndefault_policy = 1.3.6.1.4.1.99999.1.1\n"
            "digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\n"
            "tsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n"
        )
        self.calls = 0

    def timestamp(self, request: bytes) -> bytes:
        self.calls += 1
        req = self.dir / f"req{self.calls}.tsq"
        resp = self.dir / f"resp{self.calls}.tsr"
        req.write_bytes(request)
        assert OPENSSL is not None
        subprocess.run(
            [
                OPENSSL,
                "ts",
                "-reply",
                "-config",
                str(self.dir / "tsa.cnf"),
                "-queryfile",
                str(req),
                "-out",
                str(resp),
            ],
            check=True,
            capture_output=True,
        )
        return resp.read_bytes()
