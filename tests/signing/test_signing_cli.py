"""The ``hocbaso pki``, ``sign`` and ``verify`` commands (exit codes 0 / 1 / 2)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hocbaso.cli import main
from hocbaso.pki import DEMO_PKCS12_PASSWORD
from tests.signing.signing_env import DATA, Env, OpensslTsa


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("clipki")
    assert main(["pki", "demo", str(d)]) == 0
    return d


def test_pki_demo_is_marked_test_only(demo: Path) -> None:
    assert "TEST PKI — NOT FOR PRODUCTION" in (demo / "README.txt").read_text("utf-8")
    assert (demo / "trust" / "anchors" / "root-ca.pem").is_file()
    assert main(["pki", "demo", str(demo / "x"), "--now", "yesterday"]) == 2


def test_sign_and_verify_exit_codes(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("P12PW", DEMO_PKCS12_PASSWORD.decode())
    one = tmp_path / "one.xml"
    two = tmp_path / "two.xml"
    rc = main(
        [
            "sign",
            str(DATA / "primary.xml"),
            "--slot",
            "CBQL",
            "--pkcs12",
            str(demo / "cbql.p12"),
            "--password-env",
            "P12PW",
            "--algorithm",
            "rsa-pss-sha256",
            "-o",
            str(one),
        ]
    )
    assert rc == 0
    rc = main(
        [
            "sign",
            str(one),
            "--slot",
            "KY_PHAT_HANH",
            "--key",
            str(demo / "org.key.pem"),
            "--cert",
            str(demo / "org.pem"),
            "--chain",
            str(demo / "issuing-ca.pem"),
            "-o",
            str(two),
        ]
    )
    assert rc == 0
    capsys.readouterr()
    trust = str(demo / "trust")
    assert main(["verify", str(two), "--trust", trust, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["indication"] == "TOTAL_PASSED"
    assert [s["slot"] for s in out["slots"]] == ["CBQL", "KY_PHAT_HANH"]
    # incomplete: failed unless --partial
    assert main(["verify", str(one), "--trust", trust]) == 1
    assert main(["verify", str(one), "--trust", trust, "--partial"]) == 0
    # tampered: failed
    bad = tmp_path / "bad.xml"
    bad.write_bytes(two.read_bytes().replace("Ngọc Ánh".encode(), "Ngọc Anh".encode()))
    assert main(["verify", str(bad), "--trust", trust]) == 1
    # years later, no proof of existence: indeterminate
    assert main(["verify", str(two), "--trust", trust, "--at", "2060-01-01T00:00:00+07:00"]) == 2
    # unusable input, missing trust, order violation, bad password
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"<HOC_BA><DU_LIEU")
    assert main(["verify", str(junk), "--trust", trust]) == 2
    monkeypatch.delenv("HOCBASO_TRUST_DIR", raising=False)
    assert main(["verify", str(two)]) == 2
    assert (
        main(
            [
                "sign",
                str(DATA / "primary.xml"),
                "--slot",
                "KY_PHAT_HANH",
                "--key",
                str(demo / "org.key.pem"),
                "--cert",
                str(demo / "org.pem"),
                "-o",
                str(tmp_path / "x.xml"),
            ]
        )
        == 2
    )
    monkeypatch.setenv("P12PW", "wrong")
    assert (
        main(
            [
                "sign",
                str(DATA / "primary.xml"),
                "--slot",
                "CBQL",
                "--pkcs12",
                str(demo / "cbql.p12"),
                "--password-env",
                "P12PW",
                "-o",
                str(tmp_path / "y.xml"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "SIG-KEY" in err and "SIG-ORDER" in err


@pytest.fixture
def http_tsa(tsa: OpensslTsa) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            resp = tsa.timestamp(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(resp)))
            self.end_headers()
            self.wfile.write(resp)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()


def test_sign_b_t_over_http_tsa(
    env: Env, http_tsa: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    e = env.pki["cbql"]
    out = tmp_path / "bt.xml"
    rc = main(
        [
            "sign",
            str(DATA / "primary.xml"),
            "--slot",
            "CBQL",
            "--key",
            str(e.key_path),
            "--cert",
            str(e.cert_path),
            "--chain",
            str(env.pki.issuing_cert),
            "--level",
            "XAdES-B-T",
            "--tsa-url",
            http_tsa,
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    capsys.readouterr()
    assert (
        main(
            ["verify", str(out), "--trust", str(env.pki.trust_dir), "--partial", "--format", "json"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["slots"][0]["level"] == "XAdES-B-T"


def test_extend_to_b_lt_and_b_lta(
    env: Env, http_tsa: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    e = env.pki["cbql"]
    bt, lt, lta = tmp_path / "bt.xml", tmp_path / "lt.xml", tmp_path / "lta.xml"
    sign_args = ["--key", str(e.key_path), "--cert", str(e.cert_path)]
    sign_args += ["--chain", str(env.pki.issuing_cert), "--level", "XAdES-B-T"]
    sign_args += ["--tsa-url", http_tsa, "-o", str(bt)]
    assert main(["sign", str(DATA / "primary.xml"), "--slot", "CBQL", *sign_args]) == 0
    trust = str(env.pki.trust_dir)
    # an archive time-stamp needs B-LT first; a missing TSA URL and an unsigned slot are errors
    argv = ["extend", str(bt), "--trust", trust, "--archive-timestamp", "--slot", "CBQL"]
    assert main([*argv, "--tsa-url", http_tsa, "-o", str(lta)]) == 2
    assert main(["extend", str(bt), "--trust", trust, "--slot", "GVCN", "-o", str(lt)]) == 2
    assert main(["extend", str(bt), "--trust", trust, "-o", str(lt)]) == 0
    assert main(["extend", str(lt), "--trust", trust, "--archive-timestamp", "-o", str(lta)]) == 2
    assert not lta.exists()
    argv = ["extend", str(lt), "--trust", trust, "--archive-timestamp", "--tsa-url", http_tsa]
    assert main([*argv, "-o", str(lta)]) == 0
    capsys.readouterr()
    levels = []
    for path in (lt, lta):
        assert main(["verify", str(path), "--trust", trust, "--partial", "--format", "json"]) == 0
        levels.append(json.loads(capsys.readouterr().out)["slots"][0]["level"])
    assert levels == ["XAdES-B-LT", "XAdES-B-LTA"]
