"""Signing and verification throughput per record, beside the bare limit of the same run.

    python benchmarks/bench_signing.py [--n 300]

For each key type (RSA-2048 PKCS#1 v1.5 and ECDSA P-256) it measures, on the example record of
grade 4 (primary), per record:

* bare limit (sign):   parse + exclusive C14N of DU_LIEU_HOC_BA + SHA-256 + bare ``cryptography``
                        sign of a SignedInfo-sized buffer;
* bare limit (verify): parse + exclusive C14N + SHA-256 + bare ``cryptography`` verify;
* ``hocbaso.signing.sign`` of one slot (key loaded once);
* ``hocbaso.signing.verify`` of that slot, cold (full path validation with CRLs every time) and in
  batch mode (one validation time for the batch: each signer's path is validated once).

Prints a markdown table; targets: signing >= 50 % and verification >= 40 % of the bare limit.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from lxml import etree

import hocbaso
from hocbaso.pki import make_demo_pki
from hocbaso.signing import LocalSigner, TrustConfig, sign, verify
from hocbaso.testing import staff_record


def _per_op(fn: Callable[[], object], n: int) -> float:
    """Median seconds per call over ``n`` calls (after 5 warm-up calls)."""
    for _ in range(5):
        fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def _paired(bare: Callable[[], object], ours: Callable[[], object], n: int) -> tuple[float, float]:
    """Median seconds per call of ``bare`` and ``ours``, measured alternately.

    Each bare call is followed by one of ours, so both see the same machine: on a shared VM
    the speed drifts by tens of per cent within a minute, which would skew a ratio of two
    medians taken one after the other.
    """
    for _ in range(5):
        bare()
        ours()
    a: list[float] = []
    b: list[float] = []
    for _ in range(n):
        t = time.perf_counter()
        bare()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        ours()
        b.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.n = 20
    tmp = tempfile.mkdtemp(prefix="hocbaso-bench-")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    pki = make_demo_pki(tmp, now=now)
    trust = TrustConfig.from_directory(pki.trust_dir)
    t0 = now - dt.timedelta(hours=1)
    # A valid record whose leader and homeroom teacher are the demo PKI's people.
    record = hocbaso.to_xml(staff_record(hocbaso.examples.example_record(4), pki))
    blob = b"x" * 700  # about the size of a canonical SignedInfo
    fixed = now

    rows = []
    for label, who, slot in (("RSA-2048", "cbql", "CBQL"), ("ECDSA P-256", "gvcn", "GVCN")):
        e = pki[who]
        signer = LocalSigner.from_files(e.key_path, e.cert_path, pki.issuing_cert)
        key = signer._key  # bare limit uses the very same key object
        pub = signer.certificate.public_key()

        def bare_sign(key: object = key, blob: bytes = blob) -> bytes:
            r = etree.fromstring(record)
            digest = hashlib.sha256(etree.tostring(r[0], method="c14n", exclusive=True)).digest()
            data = blob + digest
            if isinstance(key, rsa.RSAPrivateKey):
                return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            return key.sign(data, ec.ECDSA(hashes.SHA256()))

        bare_sig = bare_sign()

        def bare_verify(pub: object = pub, sig: bytes = bare_sig, blob: bytes = blob) -> None:
            r = etree.fromstring(record)
            digest = hashlib.sha256(etree.tostring(r[0], method="c14n", exclusive=True)).digest()
            data = blob + digest
            if isinstance(pub, rsa.RSAPublicKey):
                pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
            else:
                assert isinstance(pub, ec.EllipticCurvePublicKey)
                pub.verify(sig, data, ec.ECDSA(hashes.SHA256()))

        signed = sign(record, slot=slot, signer=signer, signing_time=t0)

        def do_sign(signer: LocalSigner = signer, slot: str = slot) -> bytes:
            return sign(record, slot=slot, signer=signer, signing_time=t0)

        def do_verify_cold(signed: bytes = signed, fixed: dt.datetime = fixed) -> None:
            fresh = dataclasses.replace(trust)  # empty memo: full path validation each time
            assert verify(signed, trust=fresh, validation_time=fixed, require_complete=False).passed

        def do_verify_batch(signed: bytes = signed, fixed: dt.datetime = fixed) -> None:
            assert verify(signed, trust=trust, validation_time=fixed, require_complete=False).passed

        n = args.n
        bs, s = _paired(bare_sign, do_sign, n)
        bv, vb = _paired(bare_verify, do_verify_batch, n)
        vc = _per_op(do_verify_cold, max(20, n // 5))
        rows.append((label, bs, s, bv, vc, vb))

    print(
        f"record: example grade 4, {len(record)} bytes; median of {args.n} runs, each bare "
        "call alternating with one of ours; 1 process\n"
    )
    print(
        "| key | bare sign (ms) | `sign` (ms) | sign / bare | bare verify (ms) "
        "| `verify` cold (ms) | `verify` batch (ms) | batch / bare |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, bs, s, bv, vc, vb in rows:
        print(
            f"| {label} | {bs * 1e3:.2f} | {s * 1e3:.2f} | {bs / s:.0%} | {bv * 1e3:.2f} "
            f"| {vc * 1e3:.2f} | {vb * 1e3:.2f} | {bv / vb:.0%} |"
        )
    print(
        "\n(x / bare = throughput as a share of the bare limit; targets: sign >= 50 %, "
        "verify >= 40 %)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
