"""``hocbaso sign``, ``extend`` and ``verify``: thin commands over :mod:`hocbaso.signing`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hocbaso import errors, signing
from hocbaso.cli._common import parse_time

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sign``, ``extend`` and ``verify``."""
    p = sub.add_parser(
        "sign",
        help="sign one slot of a record (GVBM:<subject>, GVCN, CBQL, KY_PHAT_HANH)",
        description="Sign one slot of a học bạ record and write the signed record. Order: "
        "GVBM → GVCN → CBQL → KY_PHAT_HANH. Keys: --key/--cert (PEM or DER) or --pkcs12; the "
        "password is read from the environment variable named by --password-env.",
    )
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--slot", required=True, help="GVBM:<MA_MON_HOC>, GVCN, CBQL or KY_PHAT_HANH")
    p.add_argument("--key", type=Path, help="private key (PEM/DER)")
    p.add_argument("--cert", type=Path, help="signer certificate (PEM/DER)")
    p.add_argument("--chain", type=Path, help="CA certificates to embed (PEM)")
    p.add_argument("--pkcs12", type=Path, help="PKCS#12 file (.p12/.pfx) instead of --key/--cert")
    p.add_argument("--password-env", metavar="VAR", help="environment variable with the password")
    p.add_argument("--cccd", help="SO_CCCD of the signer (default: from the certificate)")
    p.add_argument("--time", help="signing time, ISO 8601 with offset (default: now)")
    p.add_argument(
        "--algorithm",
        help="signature algorithm, e.g. rsa-pss-sha256 (default: RSA PKCS#1 v1.5 / ECDSA, SHA-256)",
    )
    p.add_argument(
        "--level",
        choices=[
            lv.value for lv in signing.SignatureLevel if lv is not signing.SignatureLevel.XADES_B_LT
        ],
        default=signing.SignatureLevel.XMLDSIG.value,
    )
    p.add_argument("--tsa-url", help="RFC 3161 time-stamping URL (XAdES-B-T)")
    p.add_argument("-o", "--output", type=Path, required=True, help="output file")
    p.set_defaults(handler=_sign)

    e = sub.add_parser(
        "extend",
        help="extend XAdES slots: B-T → B-LT (validation data), B-LT → B-LTA (archive time-stamp)",
        description="Add unsigned long-term validation data to the XAdES slots of a record (no "
        "signature changes). Without --archive-timestamp: B-T → B-LT, embedding the certificates "
        "and the CRLs/OCSP responses of the trust directory for the signer and the TSA. With "
        "--archive-timestamp: B-LT → B-LTA, adding an archive time-stamp from --tsa-url (repeat "
        "it before the last TSA certificate expires). Default: every slot that can be extended.",
    )
    e.add_argument("file", type=Path, metavar="FILE")
    e.add_argument(
        "--trust",
        type=Path,
        metavar="DIR",
        help="trust directory whose CRLs/OCSP responses are embedded (default $HOCBASO_TRUST_DIR)",
    )
    e.add_argument(
        "--slot",
        action="append",
        metavar="SLOT",
        help="extend only this slot (repeatable; e.g. CBQL, GVBM:TOAN)",
    )
    e.add_argument(
        "--archive-timestamp",
        action="store_true",
        help="add an archive time-stamp (XAdES-B-LTA) instead of validation data",
    )
    e.add_argument("--tsa-url", help="RFC 3161 time-stamping URL (with --archive-timestamp)")
    e.add_argument("-o", "--output", type=Path, required=True, help="output file")
    e.set_defaults(handler=_extend)

    v = sub.add_parser(
        "verify",
        help="verify every signature of a record",
        description="Verify every signature slot. Exit 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 "
        "INDETERMINATE or unusable input. The trust directory holds anchors/, intermediates/, "
        "crls/, ocsp/ and organisations/ (see `hocbaso pki demo`); default $HOCBASO_TRUST_DIR.",
    )
    v.add_argument("file", type=Path, metavar="FILE")
    v.add_argument("--trust", type=Path, metavar="DIR", help="trust directory")
    v.add_argument("--format", choices=("text", "json"), default="text")
    v.add_argument("--at", help="validation time, ISO 8601 with offset (default: now)")
    v.add_argument(
        "--partial",
        action="store_true",
        help="do not require the profile's mandatory slots (record still being signed)",
    )
    v.set_defaults(handler=_verify)


def _signer(args: argparse.Namespace) -> signing.LocalSigner:
    password = os.environ.get(args.password_env) if args.password_env else None
    if args.pkcs12:
        return signing.LocalSigner.from_pkcs12(args.pkcs12, password)
    if not args.key or not args.cert:
        raise errors.InputError(
            "give --key and --cert, or --pkcs12",
            message_vi="Cần --key và --cert (hoặc --pkcs12).",
        )
    return signing.LocalSigner.from_files(args.key, args.cert, args.chain, password)


def _sign(args: argparse.Namespace) -> int:
    signer = _signer(args)
    level = signing.SignatureLevel(args.level)
    policy = signing.SignaturePolicy(
        level=level,
        signature_algorithm=(
            signing.SignatureAlgorithm.parse(args.algorithm) if args.algorithm else None
        ),
    )
    if args.algorithm:
        policy = signing.SignaturePolicy(
            level=level,
            signature_algorithm=policy.signature_algorithm,
            digest=policy.signature_algorithm.digest_algorithm
            if policy.signature_algorithm
            else policy.digest,
        )
    tsa = signing.HttpTimestampAuthority(args.tsa_url) if args.tsa_url else None
    out = signing.sign(
        args.file.read_bytes(),
        slot=args.slot,
        signer=signer,
        signing_time=parse_time(args.time, "--time"),
        cccd=args.cccd,
        policy=policy,
        tsa=tsa,
    )
    args.output.write_bytes(out)
    print(f"đã ký / signed {args.slot}: {args.output}")
    return EXIT_OK


def _trust(args: argparse.Namespace) -> signing.TrustConfig:
    trust_dir = args.trust or os.environ.get("HOCBASO_TRUST_DIR")
    if not trust_dir:
        raise errors.ConfigurationError(
            "no trust directory: give --trust DIR or set HOCBASO_TRUST_DIR",
            message_vi="Chưa chỉ định thư mục chứng thư tin cậy (--trust).",
        )
    return signing.TrustConfig.from_directory(trust_dir)


def _extend(args: argparse.Namespace) -> int:
    trust = _trust(args)
    xml = args.file.read_bytes()
    if args.archive_timestamp:
        if not args.tsa_url:
            raise errors.ConfigurationError(
                "--archive-timestamp needs --tsa-url",
                message_vi="Cần địa chỉ máy chủ cấp dấu thời gian (--tsa-url).",
            )
        tsa = signing.HttpTimestampAuthority(args.tsa_url)
        out = signing.add_archive_timestamp(xml, tsa=tsa, trust=trust, slots=args.slot)
    else:
        out = signing.add_validation_data(xml, trust=trust, slots=args.slot)
    args.output.write_bytes(out)
    level = "XAdES-B-LTA" if args.archive_timestamp else "XAdES-B-LT"
    print(f"đã bổ sung / extended to {level}: {args.output}")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    trust = _trust(args)
    report = signing.verify(
        args.file.read_bytes(),
        trust=trust,
        validation_time=parse_time(args.at, "--at"),
        require_complete=not args.partial,
        source=str(args.file),
    )
    if args.format == "json":
        sys.stdout.write(report.to_json() + "\n")
    else:
        print(report.to_text())
    if report.indication is signing.Indication.TOTAL_PASSED:
        return EXIT_OK
    if report.indication is signing.Indication.TOTAL_FAILED:
        return EXIT_FAILED
    return EXIT_UNUSABLE
