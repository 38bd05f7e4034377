"""Fixtures of the signing tests: one demo PKI per session, signers loaded once."""

from __future__ import annotations

import pytest

from tests.signing.signing_env import OPENSSL, Env, OpensslTsa, make_env, read, sign_all


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    return make_env(tmp_path_factory.mktemp("pki"))


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
