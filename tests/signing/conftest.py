"""Fixtures of the signing tests: one demo PKI per session, signers loaded once."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.pki import make_demo_pki
from hocbaso.signing import LocalSigner, TrustConfig
from tests.signing.signing_env import ICT, OPENSSL, Env, OpensslTsa, read, sign_all


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    pki = make_demo_pki(tmp_path_factory.mktemp("pki"), now=now)
    signers = {
        name: LocalSigner.from_files(e.key_path, e.cert_path, pki.issuing_cert)
        for name, e in pki.entities.items()
        if not name.startswith("rogue")
    }
    rogue = pki.entities["rogue-cbql"]
    signers["rogue-cbql"] = LocalSigner.from_files(rogue.key_path, rogue.cert_path)
    trust = TrustConfig.from_directory(pki.trust_dir)
    return Env(pki, signers, trust, (now - dt.timedelta(hours=2)).astimezone(ICT))


@pytest.fixture(scope="session")
def signed_primary(env: Env) -> bytes:
    return sign_all(env, read("primary.xml"))


@pytest.fixture(scope="session")
def signed_secondary(env: Env) -> bytes:
    return sign_all(env, read("secondary.xml"))


@pytest.fixture(scope="session")
def tsa(env: Env, tmp_path_factory: pytest.TempPathFactory) -> OpensslTsa:
    if OPENSSL is None:
        pytest.skip("openssl is not installed (apt-get install openssl)")
    return OpensslTsa(tmp_path_factory.mktemp("tsa"), env.pki)
