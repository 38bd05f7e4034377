"""Fetching revocation data over the network: a real loopback HTTP server serves the CRLs and OCSP.

The demo PKI is made with ``base_url`` pointing at a ``http.server`` running in a thread on
127.0.0.1, so the certificates' CRL Distribution Points and AIA OCSP URLs lead there. The
TrustConfig carries no CRL at all: whatever the verifier knows about revocation it fetched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from hocbaso import errors
from hocbaso.pki import DemoPki, demo_ocsp_response, make_demo_pki
from hocbaso.signing import Indication, LocalSigner, SubIndication, TrustConfig, sign, verify
from tests.signing.signing_env import ICT, read

# the primary record without the homeroom teacher's CCCD, so any teacher may sign GVCN
PLAIN = read("primary.xml").replace(
    b"<SO_CCCD_GIAO_VIEN_CHU_NHIEM>048190007788</SO_CCCD_GIAO_VIEN_CHU_NHIEM>", b""
)


@dataclass
class RevocationServer:
    """What the loopback server serves, and what it was asked."""

    pki: DemoPki | None = None
    serve_crl: bool = True
    serve_ocsp: bool = True
    requests: list[str] = field(default_factory=list)

    def crl_der(self, name: str) -> bytes | None:
        assert self.pki is not None
        pem = {"/issuing-ca.crl": self.pki.issuing_crl, "/root-ca.crl": self.pki.root_crl}.get(name)
        if pem is None:
            return None
        crl = x509.load_pem_x509_crl(pem.read_bytes())
        return crl.public_bytes(serialization.Encoding.DER)


def _handler(state: RevocationServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # keep pytest output clean

        def _send(self, body: bytes | None, content_type: str) -> None:
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            state.requests.append(f"GET {self.path}")
            body = state.crl_der(self.path) if state.serve_crl else None
            self._send(body, "application/pkix-crl")

        def do_POST(self) -> None:
            state.requests.append(f"POST {self.path}")
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = None
            if state.serve_ocsp and self.path == "/ocsp" and state.pki is not None:
                body = demo_ocsp_response(state.pki, data)
            self._send(body, "application/ocsp-response")

    return Handler


@dataclass(frozen=True)
class FetchEnv:
    """A demo PKI whose revocation URLs lead to a live loopback server."""

    pki: DemoPki
    server: RevocationServer
    trust: TrustConfig  # no CRLs, no OCSP responses, fetching allowed
    t0: dt.datetime
    base_url: str

    def signer(self, name: str) -> LocalSigner:
        e = self.pki[name]
        return LocalSigner.from_files(e.key_path, e.cert_path, self.pki.issuing_cert)


@pytest.fixture(scope="module")
def fetch_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FetchEnv]:
    state = RevocationServer()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        base_url = f"http://127.0.0.1:{port}"
        pki = make_demo_pki(tmp_path_factory.mktemp("fetch-pki"), now=now, base_url=base_url)
        state.pki = pki
        trust = TrustConfig.from_directory(pki.trust_dir, crls=(), allow_fetching=True)
        assert trust.crls == () and trust.ocsp_responses == ()
        t0 = (now - dt.timedelta(hours=2)).astimezone(ICT)
        yield FetchEnv(pki, state, trust, t0, base_url)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def server(fetch_env: FetchEnv) -> Iterator[RevocationServer]:
    fetch_env.server.requests.clear()
    yield fetch_env.server
    fetch_env.server.serve_crl = fetch_env.server.serve_ocsp = True


def _gvcn(env: FetchEnv, who: str) -> bytes:
    return sign(PLAIN, slot="GVCN", signer=env.signer(who), signing_time=env.t0)


def _slot(xml: bytes, trust: TrustConfig) -> tuple[Indication, SubIndication | None]:
    result = verify(xml, trust=trust, require_complete=False).slot("GVCN")
    return result.indication, result.sub_indication


def test_certificates_name_the_loopback_urls(fetch_env: FetchEnv) -> None:
    base = fetch_env.base_url
    cert = fetch_env.signer("gvcn").certificate
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [n.value for dp in cdp for n in dp.full_name or []] == [f"{base}/issuing-ca.crl"]
    assert [a.access_location.value for a in aia] == [f"{base}/ocsp"]
    ica = x509.load_pem_x509_certificate(fetch_env.pki.issuing_cert.read_bytes())
    cdp = ica.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for dp in cdp for n in dp.full_name or []] == [f"{base}/root-ca.crl"]


def test_without_fetching_and_without_crls_the_status_is_unknown(fetch_env: FetchEnv) -> None:
    offline = dataclasses.replace(fetch_env.trust, allow_fetching=False)
    assert _slot(_gvcn(fetch_env, "gvcn"), offline) == (
        Indication.INDETERMINATE,
        SubIndication.TRY_LATER,
    )


def test_good_signer_passes_with_fetched_ocsp_and_crl(
    fetch_env: FetchEnv, server: RevocationServer
) -> None:
    assert _slot(_gvcn(fetch_env, "gvcn"), fetch_env.trust) == (Indication.TOTAL_PASSED, None)
    # the end entity was checked by OCSP, the issuing CA by its issuer's CRL: both fetched
    assert "POST /ocsp" in server.requests
    assert "GET /root-ca.crl" in server.requests


def test_revoked_signer_is_detected_through_ocsp(
    fetch_env: FetchEnv, server: RevocationServer
) -> None:
    assert _slot(_gvcn(fetch_env, "revoked"), fetch_env.trust) == (
        Indication.TOTAL_FAILED,
        SubIndication.REVOKED,
    )
    assert "POST /ocsp" in server.requests


def test_revoked_signer_is_detected_through_the_crl_alone(
    fetch_env: FetchEnv, server: RevocationServer
) -> None:
    server.serve_ocsp = False  # the OCSP responder answers 404: the CRL must decide
    assert _slot(_gvcn(fetch_env, "revoked"), fetch_env.trust) == (
        Indication.TOTAL_FAILED,
        SubIndication.REVOKED,
    )
    assert "GET /issuing-ca.crl" in server.requests
    assert _slot(_gvcn(fetch_env, "gvcn"), fetch_env.trust) == (Indication.TOTAL_PASSED, None)


def test_nothing_to_fetch_is_indeterminate(fetch_env: FetchEnv, server: RevocationServer) -> None:
    server.serve_ocsp = server.serve_crl = False  # every URL answers 404
    assert _slot(_gvcn(fetch_env, "gvcn"), fetch_env.trust) == (
        Indication.INDETERMINATE,
        SubIndication.TRY_LATER,
    )
    assert server.requests  # it did try


def test_explicit_aiohttp_backend_is_reused_across_verifications(
    fetch_env: FetchEnv, server: RevocationServer
) -> None:
    backend = AIOHttpFetcherBackend(per_request_timeout=5)
    trust = dataclasses.replace(fetch_env.trust, fetcher_backend=backend)
    # each verification runs in its own event loop; the backend must work for all of them
    for who, expected in (
        ("gvcn", (Indication.TOTAL_PASSED, None)),
        ("revoked", (Indication.TOTAL_FAILED, SubIndication.REVOKED)),
        ("gvcn", (Indication.TOTAL_PASSED, None)),
    ):
        assert _slot(_gvcn(fetch_env, who), trust) == expected


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once the socket is closed


def test_unreachable_revocation_urls_are_indeterminate(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    pki = make_demo_pki(tmp_path, now=now, base_url=f"http://127.0.0.1:{_closed_port()}")
    trust = TrustConfig.from_directory(pki.trust_dir, crls=(), allow_fetching=True)
    e = pki["gvcn"]
    signer = LocalSigner.from_files(e.key_path, e.cert_path, pki.issuing_cert)
    xml = sign(PLAIN, slot="GVCN", signer=signer, signing_time=now - dt.timedelta(hours=1))
    report = verify(xml, trust=trust, require_complete=False)
    slot = report.slot("GVCN")
    assert (slot.indication, slot.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.TRY_LATER,
    ), report.to_text()
    assert "SIG-NO-REVOCATION-DATA" in [f.code for f in slot.findings]


def test_base_url_must_be_http(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigurationError) as info:
        make_demo_pki(tmp_path, base_url="ftp://example.invalid")
    assert info.value.message_vi


def test_default_pki_names_unresolvable_hosts(tmp_path: Path) -> None:
    pki = make_demo_pki(tmp_path)
    cert = x509.load_pem_x509_certificate(pki["gvcn"].cert_path.read_bytes())
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [n.value for dp in cdp for n in dp.full_name or []] == [
        "http://crl.hocbaso-demo.invalid/issuing-ca.crl"
    ]
    assert [a.access_location.value for a in aia] == ["http://ocsp.hocbaso-demo.invalid"]
