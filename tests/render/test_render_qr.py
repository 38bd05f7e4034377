"""The copy code (HBS1) and its QR code: format, independent decoding, verify-copy."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

import hocbaso
from hocbaso import errors, render
from hocbaso.cli import main
from hocbaso.examples import example_record
from hocbaso.ledger import Ledger, SQLiteStore, student_key
from hocbaso.render import CopyCode

from .render_helpers import SigningEnv, rasterise, zbar

U = uuid.UUID("4ef748d9-2146-4a82-95a5-8534051475f0")
DIGEST = hashlib.sha256(b"hoc ba").digest()


# -- the text format ------------------------------------------------------------------------


def test_code_text_round_trip() -> None:
    code = CopyCode(U, DIGEST)
    text = code.to_text()
    b64 = base64.urlsafe_b64encode(DIGEST).rstrip(b"=").decode()
    assert text == f"HBS1:{U}:{b64}"
    assert len(text) == 85
    assert CopyCode.parse(text) == code
    assert CopyCode.parse(f"  {text}\n") == code
    assert code.digest_hex == DIGEST.hex()
    assert CopyCode.for_bytes(b"hoc ba", U) == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "HBS1",
        f"HBS2:{U}:{'A' * 43}",  # unknown version
        f"HBS1:{str(U).upper()}:{'A' * 43}",  # UUID not canonical
        f"HBS1:{U}:{'A' * 42}",  # digest too short
        f"HBS1:{U}:{'A' * 44}",  # digest too long
        f"HBS1:{U}:{'A' * 42}B",  # non-canonical trailing bits
        f"HBS1:{U}:{'A' * 42}=",  # padding
        f"HBS1:{U}:{'A' * 41}+/",  # base64 (not base64url) alphabet
        f"hbs1:{U}:{'A' * 43}",
        f"HBS1:{U}:{'A' * 43}:x",
        f"HBS1 :{U}:{'A' * 43}",
        f"https://example.invalid/?c=HBS1:{U}:{'A' * 43}",
    ],
)
def test_malformed_codes_are_refused(text: str) -> None:
    with pytest.raises(errors.InputError) as info:
        CopyCode.parse(text)
    assert info.value.code == "COPY-CODE-FORMAT"
    assert "HBS1:<mã tra cứu UUID>" in info.value.message_vi


def test_code_fields_are_checked() -> None:
    with pytest.raises(errors.InputError):
        CopyCode(U, b"short")
    with pytest.raises(errors.InputError):
        CopyCode(U, DIGEST, version=2)


# -- QR round trip through independent tools ------------------------------------------------


def test_pdf_qr_decodes_to_the_record_code(
    example_pdf: Callable[[int], Path], tmp_path: Path
) -> None:
    pdf = example_pdf(4)
    record = pdf.with_suffix(".xml").read_bytes()
    images = rasterise(pdf, tmp_path, dpi=150, first=1)
    texts = zbar(images[0])
    assert len(texts) == 1
    code = CopyCode.parse(texts[0])
    assert code.lookup_uuid == example_record(4).data.general.lookup_uuid
    assert code.digest == hashlib.sha256(record).digest()
    assert render.check_copy(code, record).passed
    # the library's own reader gives the same (PDF directly and the PNG page)
    assert render.read_qr_texts(pdf) == (texts[0],)
    assert render.read_qr_texts(images[0]) == (texts[0],)


def test_verify_copy_cli_round_trip(
    example_pdf: Callable[[int], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = example_pdf(9)
    record = pdf.with_suffix(".xml")
    png = rasterise(pdf, tmp_path / "png", dpi=150, first=1)[0]
    assert main(["verify-copy", "--image", str(png), "--record", str(record)]) == 0
    assert "KHỚP / MATCH" in capsys.readouterr().out
    assert main(["verify-copy", "--image", str(pdf), "--record", str(record)]) == 0
    capsys.readouterr()
    # one changed character in the record: the digest no longer matches
    data = record.read_bytes()
    name = example_record(9).data.general.full_name
    changed = data.replace(name.encode(), name[:-1].encode() + b"x", 1)
    assert len(changed) != len(data) or changed != data
    other = tmp_path / "changed.xml"
    other.write_bytes(changed)
    assert main(["verify-copy", "--image", str(png), "--record", str(other)]) == 1
    out = capsys.readouterr().out
    assert "COPY-DIGEST-MISMATCH" in out and "KHÔNG KHỚP / MISMATCH" in out
    # a different record (another UUID) is a mismatch of both
    third = tmp_path / "grade3.xml"
    third.write_bytes(hocbaso.to_xml(example_record(3)))
    assert (
        main(["verify-copy", "--image", str(png), "--record", str(third), "--format", "json"]) == 1
    )
    result = json.loads(capsys.readouterr().out)
    assert result[0]["uuid_matches"] is False and result[0]["digest_matches"] is False


def test_one_byte_change_fails_check_copy() -> None:
    data = hocbaso.to_xml(example_record(5))
    code = render.assess_copy(data).code
    assert code is not None
    assert render.check_copy(code.to_text(), data).passed
    flipped = data.replace(b"</HO_VA_TEN>", b" </HO_VA_TEN>", 1)
    check = render.check_copy(code, flipped)
    assert not check.passed and check.uuid_matches and not check.digest_matches
    with pytest.raises(errors.VerificationError) as info:
        check.raise_for_status()
    assert info.value.code == "COPY-DIGEST-MISMATCH"


def test_verify_copy_cli_unusable_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "r.xml"
    record.write_bytes(hocbaso.to_xml(example_record(1)))
    assert main(["verify-copy", "--code", "HBS1:nope", "--record", str(record)]) == 2
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("RGB", (200, 200), "white").save(blank)
    assert main(["verify-copy", "--image", str(blank), "--record", str(record)]) == 2
    assert "COPY-NO-CODE" in capsys.readouterr().err
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    assert main(["verify-copy", "--image", str(junk), "--record", str(record)]) == 2
    code = render.assess_copy(record.read_bytes()).code
    assert code is not None
    assert main(["verify-copy", "--code", code.to_text()]) == 2  # nothing to check against
    assert main(["verify-copy", "--code", code.to_text(), "--record", str(tmp_path / "x")]) == 2
    capsys.readouterr()
    assert main(["verify-copy", "--code", code.to_text(), "--record", str(record)]) == 0


# -- against the issuance ledger ------------------------------------------------------------


def test_verify_copy_against_the_ledger(
    signed_pdf: Callable[[str], tuple[bytes, Path]],
    signing_env: SigningEnv,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data, pdf = signed_pdf("primary")
    general = hocbaso.from_xml(data).data.general
    db = tmp_path / "so-phat-hanh.sqlite"
    book = Ledger(SQLiteStore(db))
    try:
        code = CopyCode.parse(render.read_qr_texts(pdf)[0])
        assert render.check_copy_in_ledger(code, book).findings[0].rule == "COPY-NOT-ISSUED"
        key = student_key(general.personal_id, b"s" * 32)
        book.issue(
            data, lookup_uuid=general.lookup_uuid, school_code=general.school_code, student_key=key
        )
        check = render.check_copy_in_ledger(code, book)
        assert check.passed and check.issued_at is not None
    finally:
        book.close()
    assert main(["verify-copy", "--image", str(pdf), "--ledger", str(db)]) == 0
    assert (
        main(
            [
                "verify-copy",
                "--image",
                str(pdf),
                "--ledger",
                str(db),
                "--record",
                str(pdf.with_suffix(".xml")),
            ]
        )
        == 0
    )
    capsys.readouterr()
    # a copy of other bytes under the same UUID does not match the ledger
    forged = CopyCode(code.lookup_uuid, hashlib.sha256(data + b" ").digest())
    assert main(["verify-copy", "--code", forged.to_text(), "--ledger", str(db)]) == 1
    assert "COPY-DIGEST-MISMATCH" in capsys.readouterr().out
    # revoked: request, then approval
    book = Ledger(SQLiteStore(db))
    try:
        book.request_revocation(general.lookup_uuid)
        assert render.check_copy_in_ledger(code, book).findings[0].rule == "COPY-REVOCATION-PENDING"
        book.decide_revocation(general.lookup_uuid, approved=True)
        assert render.check_copy_in_ledger(code, book).findings[0].rule == "COPY-REVOKED"
    finally:
        book.close()
    assert main(["verify-copy", "--image", str(pdf), "--ledger", str(db)]) == 1
    assert "COPY-REVOKED" in capsys.readouterr().out
    assert main(["verify-copy", "--code", code.to_text(), "--ledger", str(tmp_path / "none")]) == 2
