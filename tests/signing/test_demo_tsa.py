"""The demo PKI's pure-Python RFC 3161 TSA, checked by ``openssl ts`` and by the XAdES levels."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import algos, cms, core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree

from hocbaso import errors
from hocbaso.pki import DEMO_TSA_POLICY, DemoPki, DemoTimestampAuthority
from hocbaso.signing import (
    SignatureLevel,
    SignaturePolicy,
    TimestampAuthority,
    add_archive_timestamp,
    add_validation_data,
    sign,
    verify,
)
from tests.signing.signing_env import OPENSSL, Env, read

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS, "xades": "http://uri.etsi.org/01903/v1.3.2#"}
B_T = SignaturePolicy(level=SignatureLevel.XADES_B_T)
Y2060 = dt.datetime(2060, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_tsa(env: Env) -> DemoTimestampAuthority:
    return DemoTimestampAuthority.from_pki(env.pki)


@pytest.fixture(scope="module")
def ca_file(env: Env, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo root and issuing CA in one PEM file, for ``openssl ts -verify -CAfile``."""
    path = tmp_path_factory.mktemp("cafile") / "ca.pem"
    path.write_bytes(env.pki.root_cert.read_bytes() + env.pki.issuing_cert.read_bytes())
    return path


def _openssl() -> str:
    if OPENSSL is None:
        pytest.skip("openssl is not installed (apt-get install openssl)")
    return OPENSSL


def _openssl_query(tmp_path: Path, data: bytes, *options: str) -> bytes:
    """A TimeStampReq made by ``openssl ts -query`` (an independent encoder, with a nonce)."""
    (tmp_path / "data.bin").write_bytes(data)
    subprocess.run(
        [
            _openssl(),
            "ts",
            "-query",
            "-data",
            str(tmp_path / "data.bin"),
            *options,
            "-out",
            str(tmp_path / "req.tsq"),
        ],
        check=True,
        capture_output=True,
    )
    return (tmp_path / "req.tsq").read_bytes()


def _openssl_verify(
    tmp_path: Path, response: bytes, ca_file: Path, *args: str, token: bool = False
) -> subprocess.CompletedProcess[str]:
    """``openssl ts -verify`` of a TimeStampResp (or, with ``token``, a bare TimeStampToken)."""
    (tmp_path / "resp.tsr").write_bytes(response)
    return subprocess.run(
        [
            _openssl(),
            "ts",
            "-verify",
            "-in",
            str(tmp_path / "resp.tsr"),
            *(["-token_in"] if token else []),
            "-CAfile",
            str(ca_file),
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def _request(imprint: bytes, algorithm: str = "sha256", **fields: object) -> bytes:
    """A TimeStampReq built with asn1crypto, for requests ``openssl ts -query`` will not write."""
    req = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
                "hashed_message": imprint,
            },
            **fields,
        }
    )
    return bytes(req.dump())


class _Items(core.SequenceOf):  # type: ignore[misc]
    """Any SEQUENCE by element (asn1crypto's TimeStampResp wants a token; RFC 3161: optional)."""

    _child_spec = core.Any


def _rejection(response: bytes) -> tuple[str, set[str]]:
    """(status, failInfo bits) of a TimeStampResp that must carry no token."""
    items = _Items.load(response)
    assert len(items) == 1  # PKIStatusInfo only: no timeStampToken
    status = tsp.PKIStatusInfo.load(items[0].dump())
    return status["status"].native, status["fail_info"].native


def _tst_info(response: bytes) -> tsp.TSTInfo:
    resp = tsp.TimeStampResp.load(response)
    assert resp["status"]["status"].native == "granted"
    return resp["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed


def test_it_is_a_timestamp_authority(demo_tsa: DemoTimestampAuthority) -> None:
    tsa: TimestampAuthority = demo_tsa  # statically: the protocol sign() takes as tsa=
    assert isinstance(tsa, TimestampAuthority)
    assert "NOT FOR PRODUCTION" in (DemoTimestampAuthority.__doc__ or "")


@pytest.mark.parametrize("cert_req", [True, False], ids=["certReq", "no-certReq"])
def test_openssl_verifies_the_token_over_the_data(
    env: Env, demo_tsa: DemoTimestampAuthority, ca_file: Path, tmp_path: Path, cert_req: bool
) -> None:
    data = "Học bạ số — dữ liệu được đóng dấu thời gian".encode()
    request = _openssl_query(tmp_path, data, "-sha256", *(["-cert"] if cert_req else []))
    response = demo_tsa.timestamp(request)
    token = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]
    certificates = [c.chosen.dump() for c in token["certificates"] or []]
    tsa_der = env.pki["tsa"].cert_path.read_bytes()
    tsa_der = x509.load_pem_x509_certificate(tsa_der).public_bytes(serialization.Encoding.DER)
    issuing_der = x509.load_pem_x509_certificate(env.pki.issuing_cert.read_bytes()).public_bytes(
        serialization.Encoding.DER
    )
    # RFC 3161 §2.4.1: the TSA certificate (here with its CA) only when asked for, else none
    assert sorted(certificates) == (sorted([tsa_der, issuing_der]) if cert_req else [])
    untrusted = [] if cert_req else ["-untrusted", str(env.pki["tsa"].cert_path)]
    by_data = _openssl_verify(
        tmp_path, response, ca_file, "-data", str(tmp_path / "data.bin"), *untrusted
    )
    assert "Verification: OK" in by_data.stdout, by_data.stderr
    digest = hashlib.sha256(data).hexdigest()
    by_digest = _openssl_verify(tmp_path, response, ca_file, "-digest", digest, *untrusted)
    assert "Verification: OK" in by_digest.stdout, by_digest.stderr
    # and the same check refuses other data: the "OK" above is about this data
    other = _openssl_verify(tmp_path, response, ca_file, "-digest", "00" * 32, *untrusted)
    assert "Verification: OK" not in other.stdout


def test_nonce_is_echoed_and_openssl_checks_it_against_the_request(
    demo_tsa: DemoTimestampAuthority, ca_file: Path, tmp_path: Path
) -> None:
    request = _openssl_query(tmp_path, b"nonce", "-sha384", "-cert")
    nonce = tsp.TimeStampReq.load(request)["nonce"].native
    assert nonce  # openssl ts -query puts a random 64-bit nonce in by default
    response = demo_tsa.timestamp(request)
    tst = _tst_info(response)
    assert tst["nonce"].native == nonce
    assert tst["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha384"
    # -queryfile: openssl compares imprint, nonce and policy with its own request
    result = _openssl_verify(tmp_path, response, ca_file, "-queryfile", str(tmp_path / "req.tsq"))
    assert "Verification: OK" in result.stdout, result.stderr
    # a request without a nonce gets a token without one
    plain = _request(hashlib.sha256(b"x").digest(), cert_req=True)
    assert _tst_info(demo_tsa.timestamp(plain))["nonce"].native is None


def test_token_fields_and_the_injected_clock(env: Env) -> None:
    when = dt.datetime(2031, 5, 17, 9, 30, 15, 987654, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    tsa = DemoTimestampAuthority.from_pki(env.pki, clock=lambda: when)
    imprint = hashlib.sha512(b"record").digest()
    first = _tst_info(tsa.timestamp(_request(imprint, "sha512", nonce=7)))
    second = _tst_info(tsa.timestamp(_request(imprint, "sha512", nonce=7)))
    assert first["version"].native == "v1"
    assert first["policy"].native == DEMO_TSA_POLICY == "1.3.6.1.4.1.99999.1.1"
    assert first["message_imprint"]["hashed_message"].native == imprint
    assert first["gen_time"].native == dt.datetime(2031, 5, 17, 2, 30, 15, tzinfo=dt.UTC)
    assert first["accuracy"].native == {"seconds": 1, "millis": None, "micros": None}
    assert first["serial_number"].native != second["serial_number"].native
    tsa_cert = x509.load_pem_x509_certificate(env.pki["tsa"].cert_path.read_bytes())
    assert first["tsa"].name == "directory_name"
    assert first["tsa"].chosen.untag().dump() == tsa_cert.subject.public_bytes()


def _signed_attributes(response: bytes) -> dict[str, Any]:
    token = tsp.TimeStampResp.load(response)["time_stamp_token"]
    signer = token["content"]["signer_infos"][0]
    return {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}


def test_signed_attributes(env: Env, demo_tsa: DemoTimestampAuthority) -> None:
    response = demo_tsa.timestamp(_request(hashlib.sha256(b"a").digest(), cert_req=True))
    attrs = _signed_attributes(response)
    assert set(attrs) == {
        "content_type",
        "message_digest",
        "signing_time",
        "signing_certificate_v2",
    }
    content = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]
    tst_der = content["encap_content_info"]["content"].contents
    assert content["encap_content_info"]["content_type"].native == "tst_info"
    assert attrs["content_type"].native == "tst_info"
    assert attrs["message_digest"].native == hashlib.sha256(tst_der).digest()
    ess = attrs["signing_certificate_v2"]["certs"][0]
    der = x509.load_pem_x509_certificate(env.pki["tsa"].cert_path.read_bytes()).public_bytes(
        serialization.Encoding.DER
    )
    assert ess["cert_hash"].native == hashlib.sha256(der).digest()
    assert ess["hash_algorithm"]["algorithm"].native == "sha256"


@pytest.mark.parametrize("algorithm", ["md5", "sha1"])
def test_weak_hash_is_a_rejection_not_an_exception(
    demo_tsa: DemoTimestampAuthority, tmp_path: Path, algorithm: str
) -> None:
    imprint = hashlib.new(algorithm, b"record").digest()
    response = demo_tsa.timestamp(_request(imprint, algorithm, nonce=1, cert_req=True))
    assert _rejection(response) == ("rejection", {"bad_alg"})
    # openssl reads the same: rejected, unsupported algorithm
    (tmp_path / "resp.tsr").write_bytes(response)
    text = subprocess.run(
        [_openssl(), "ts", "-reply", "-in", str(tmp_path / "resp.tsr"), "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Status: Rejected" in text
    assert "unrecognized or unsupported algorithm identifier" in text


@pytest.mark.parametrize(
    ("request_der", "fail_info"),
    [
        (b"\x30\x03\x02\x01", "bad_data_format"),
        (b"not DER at all", "bad_data_format"),
        (_request(b"\x01" * 20), "bad_data_format"),  # a 20-byte "SHA-256" imprint
        (_request(b"\x01" * 32, req_policy="1.3.6.1.4.1.99999.1.2"), "unaccepted_policy"),
        (
            _request(
                b"\x01" * 32,
                extensions=[{"extn_id": "1.3.6.1.4.1.99999.9", "extn_value": b"\x05\x00"}],
            ),
            "unaccepted_extensions",
        ),
    ],
    ids=["truncated", "garbage", "imprint-length", "policy", "extension"],
)
def test_other_unusable_requests_are_rejections(
    demo_tsa: DemoTimestampAuthority, request_der: bytes, fail_info: str
) -> None:
    assert _rejection(demo_tsa.timestamp(request_der)) == ("rejection", {fail_info})


def test_its_own_policy_is_accepted(demo_tsa: DemoTimestampAuthority) -> None:
    request = _request(b"\x01" * 32, req_policy=DEMO_TSA_POLICY)
    assert _tst_info(demo_tsa.timestamp(request))["policy"].native == DEMO_TSA_POLICY


def _rsa_tsa(pki: DemoPki, directory: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """An RSA-2048 TSA certificate under the demo issuing CA (the demo's own TSA is P-256)."""
    ca_key = serialization.load_pem_private_key(
        (pki.directory / "issuing-ca.key.pem").read_bytes(), None
    )
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca = x509.load_pem_x509_certificate(pki.issuing_cert.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo RSA TSA")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - dt.timedelta(days=1))
        .not_valid_after(pki.now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "rsa-tsa.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def test_rsa_key_signs_pkcs1_v15_and_openssl_verifies(
    env: Env, ca_file: Path, tmp_path: Path
) -> None:
    key, cert = _rsa_tsa(env.pki, tmp_path)
    issuing = x509.load_pem_x509_certificate(env.pki.issuing_cert.read_bytes())
    tsa = DemoTimestampAuthority(key, cert, [issuing])
    request = _openssl_query(tmp_path, b"rsa", "-sha256", "-cert")
    response = tsa.timestamp(request)
    signer = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]["signer_infos"][0]
    assert signer["signature_algorithm"]["algorithm"].native == "sha256_rsa"
    result = _openssl_verify(tmp_path, response, ca_file, "-queryfile", str(tmp_path / "req.tsq"))
    assert "Verification: OK" in result.stdout, result.stderr


def test_key_not_matching_the_certificate_is_refused(env: Env) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    cert = x509.load_pem_x509_certificate(env.pki["tsa"].cert_path.read_bytes())
    with pytest.raises(errors.ConfigurationError) as info:
        DemoTimestampAuthority(other, cert)
    assert info.value.code == "PKI-TSA-KEY"


# -- XAdES B-T → B-LT → B-LTA with the demo TSA (mirrors test_signing_lta.py's OpensslTsa use) --


@pytest.fixture(scope="module")
def b_t(env: Env, demo_tsa: DemoTimestampAuthority) -> bytes:
    return sign(
        read("primary.xml"),
        slot="CBQL",
        signer=env.signers["cbql"],
        signing_time=env.t0,
        policy=B_T,
        tsa=demo_tsa,
    )


def _cbql_level(xml: bytes, env: Env, when: dt.datetime | None = None) -> str | None:
    report = verify(xml, trust=env.trust, validation_time=when, require_complete=False)
    slot = report.slot("CBQL")
    assert slot.passed, slot.findings
    return slot.level


def test_b_t_b_lt_b_lta_with_the_demo_tsa(
    env: Env, demo_tsa: DemoTimestampAuthority, b_t: bytes
) -> None:
    assert _cbql_level(b_t, env) == "XAdES-B-T"
    lt = add_validation_data(b_t, trust=env.trust)
    assert _cbql_level(lt, env) == "XAdES-B-LT"
    lta = add_archive_timestamp(lt, tsa=demo_tsa, trust=env.trust)
    assert _cbql_level(lta, env) == "XAdES-B-LTA"
    # 2060: every certificate and CRL has expired and only the anchors (and the registered
    # seal) are configured; the demo TSA's tokens carry what the proof needs
    archive = dataclasses.replace(env.trust, crls=(), intermediates=())
    later = verify(lta, trust=archive, validation_time=Y2060, require_complete=False).slot("CBQL")
    assert later.passed, later.findings
    assert later.level == "XAdES-B-LTA"


def test_signature_time_stamp_checked_by_openssl(
    env: Env, b_t: bytes, ca_file: Path, tmp_path: Path
) -> None:
    """The B-T token is over SHA-256(exc-C14N(SignatureValue)), recomputed here with lxml."""
    sig = etree.fromstring(b_t).find(".//CBQL/ds:Signature", NS)
    assert sig is not None
    value = sig.find("ds:SignatureValue", NS)
    token = sig.findtext(
        "ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/"
        "xades:UnsignedSignatureProperties/xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp",
        namespaces=NS,
    )
    assert value is not None and token
    der = base64.b64decode(token)
    assert cms.ContentInfo.load(der)["content_type"].native == "signed_data"
    imprint = hashlib.sha256(etree.tostring(value, method="c14n", exclusive=True)).hexdigest()
    result = _openssl_verify(tmp_path, der, ca_file, "-digest", imprint, token=True)
    assert "Verification: OK" in result.stdout, result.stderr
    # nor does it cover, say, the SignedInfo: the "OK" above is about the SignatureValue
    signed_info = sig.find("ds:SignedInfo", NS)
    assert signed_info is not None
    other = hashlib.sha256(etree.tostring(signed_info, method="c14n", exclusive=True)).hexdigest()
    result = _openssl_verify(tmp_path, der, ca_file, "-digest", other, token=True)
    assert "Verification: OK" not in result.stdout


def test_sign_refuses_a_rejection_with_sig_tsa(env: Env, demo_tsa: DemoTimestampAuthority) -> None:
    class Refusing:
        """Sends the demo TSA an undecodable request, so it answers with a rejection."""

        def timestamp(self, request: bytes) -> bytes:
            response = demo_tsa.timestamp(request[:-1])
            assert _rejection(response) == ("rejection", {"bad_data_format"})
            return response

    with pytest.raises(errors.SigningError) as info:
        sign(
            read("primary.xml"),
            slot="CBQL",
            signer=env.signers["cbql"],
            signing_time=env.t0,
            policy=B_T,
            tsa=Refusing(),
        )
    assert info.value.code == "SIG-TSA"
    assert "rejection (bad_data_format)" in info.value.message_en
