"""Envelopes of the six transactions: official names, round trips, typed refusals."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest

from hocbaso.batch import (
    REVOCATION_LIST_ID,
    TRANSACTION_LIMIT_BYTES,
    ApprovalState,
    CertificateIssuer,
    CertificateQuery,
    CertificateQueryResponse,
    CertificateRegistration,
    CertificateRegistrationResponse,
    RecordStatus,
    RevokeRequest,
    RevokeResponse,
    RevokeState,
    RevokeStatus,
    RevokeStatusQuery,
    RevokeStatusResponse,
    SignatureKind,
    StatusQuery,
    StatusQueryResponse,
    SubmitRequest,
    SubmitResponse,
    SubmitState,
    TransactionKind,
    hash_password,
    pack,
    unpack,
)
from hocbaso.errors import InputError, InputTooLargeError
from tests.batch.batch_records import make_record

CONTENT = next(pack([make_record(1), make_record(2)])).content

AUTH: dict[str, Any] = {
    "token": "eyJ0b2tlbiI6MX0",
    "user_name": "sgd_danang",
    "password": hash_password("mật khẩu bí mật"),
    "ma_don_vi": "48",
    "nam_hoc": 2024,
    "messageid": "48-20240705-0001",
    "type": "HOC_BA",
    "function": "NOP_BAO_CAO",
    "content": CONTENT,
    "Signature": "<Signature xmlns='http://www.w3.org/2000/09/xmldsig#'>...</Signature>",
}
CERT: dict[str, Any] = {
    "messageid": "48-cert-1",
    "type": "CHUNG_THU",
    "function": "DANG_KY",
    "ma_don_vi": "48",
    "serial_number": "5403010A7B2C",
    "ngay_hieu_luc": "2024-05-08",
    "ma_kieu_chu_ky": "USB_TOKEN",
    "nha_phat_hanh": "BAN_CO_YEU",
    "content": "MIIC...base64 certificate...",
}


def test_hash_password() -> None:
    assert hash_password("abc") == hashlib.sha256(b"abc").hexdigest()
    assert hash_password("mật khẩu") == hashlib.sha256("mật khẩu".encode()).hexdigest()
    for bad in ("", None, 5):
        with pytest.raises(InputError) as info:
            hash_password(bad)  # type: ignore[arg-type]
        assert info.value.code == "ENVELOPE-PASSWORD"


def test_submit_uses_official_names_and_round_trips() -> None:
    req = SubmitRequest.from_dict(AUTH)
    assert req.unit_code == "48"
    assert req.school_year == 2024
    assert req.password_sha256 == AUTH["password"]
    data = json.loads(req.to_json())
    assert data == AUTH  # exactly the official names, nothing added
    assert SubmitRequest.from_json(req.to_json()) == req
    assert req.kind is TransactionKind.SUBMIT
    assert list(unpack(req.content)) == [make_record(1), make_record(2)]


def test_english_names_accepted_too() -> None:
    req = SubmitRequest(
        token="t",
        user_name="u",
        password_sha256=hash_password("p"),
        unit_code="79",
        school_year=2025,
        message_id="m",
        message_type="T",
        function="F",
        content=CONTENT,
        signature="sig",
    )
    assert json.loads(req.to_json())["ma_don_vi"] == "79"


def test_wire_form_takes_official_names_only() -> None:
    data = {k: v for k, v in AUTH.items() if k != "ma_don_vi"} | {"unit_code": "48"}
    with pytest.raises(InputError) as info:
        SubmitRequest.from_dict(data)
    assert info.value.location == "authenticationRequest.unit_code"


def test_secrets_not_in_repr() -> None:
    req = SubmitRequest.from_dict(AUTH)
    text = repr(req) + str(req)
    assert AUTH["token"] not in text
    assert AUTH["password"] not in text
    assert CONTENT[:20] not in text


def test_clear_password_is_refused() -> None:
    with pytest.raises(InputError) as info:
        SubmitRequest.from_dict({**AUTH, "password": "mật khẩu bí mật"})
    assert info.value.code == "ENVELOPE-INVALID"
    assert info.value.location == "authenticationRequest.password"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"nam_hoc": "2024"}, "nam_hoc"),
        ({"nam_hoc": 2024.0}, "nam_hoc"),
        ({"nam_hoc": True}, "nam_hoc"),
        ({"nam_hoc": 0}, "nam_hoc"),
        ({"content": "abc"}, "content"),
        ({"content": "YWJj ZA=="}, "content"),
        ({"content": "YWJjZA"}, "content"),
        ({"token": ""}, "token"),
        ({"Signature": None}, "Signature"),
        ({"extra_field": 1}, "extra_field"),
    ],
)
def test_submit_bad_fields(change: dict[str, Any], where: str) -> None:
    with pytest.raises(InputError) as info:
        SubmitRequest.from_dict({**AUTH, **change})
    assert info.value.code == "ENVELOPE-INVALID"
    assert info.value.location == f"authenticationRequest.{where}"
    assert info.value.message_vi


def test_missing_field() -> None:
    data = dict(AUTH)
    del data["messageid"]
    with pytest.raises(InputError) as info:
        SubmitRequest.from_dict(data)
    assert info.value.location == "authenticationRequest.messageid"


@pytest.mark.parametrize("text", ["{", "[]", "null", '{"token": "a", "token": "b"}', b"\xff"])
def test_bad_json(text: str | bytes) -> None:
    with pytest.raises(InputError) as info:
        SubmitRequest.from_json(text)
    assert info.value.code in {"ENVELOPE-JSON", "ENVELOPE-INVALID"}


def test_frozen() -> None:
    req = SubmitRequest.from_dict(AUTH)
    with pytest.raises(Exception, match="frozen"):
        req.token = "x"  # type: ignore[misc]


def test_transaction_size_cap() -> None:
    req = SubmitRequest.from_dict(AUTH)
    with pytest.raises(InputTooLargeError) as info:
        req.to_json(max_bytes=len(req.to_json()) - 1)
    assert info.value.code == "ENVELOPE-TOO-LARGE"
    assert req.to_json(max_bytes=None) == req.to_json()
    big = SubmitRequest.from_dict({**AUTH, "content": "A" * (TRANSACTION_LIMIT_BYTES + 4)})
    with pytest.raises(InputTooLargeError):
        big.to_json()


def test_revoke_is_the_same_envelope_with_a_revocation_list() -> None:
    (packet,) = pack([make_record(3)], list_id=REVOCATION_LIST_ID)
    req = RevokeRequest.from_dict({**AUTH, "content": packet.content})
    assert req.kind is TransactionKind.REVOKE
    assert RevokeRequest.from_json(req.to_json()) == req
    assert set(json.loads(req.to_json())) == set(AUTH)


@pytest.mark.parametrize("model", [SubmitResponse, RevokeResponse])
def test_transaction_response(model: type[SubmitResponse] | type[RevokeResponse]) -> None:
    text = (
        '{"MessageId":"m1","Error":"0","ErrorDescription":"","ResponseCode":"00",'
        '"ResponseDescription":"Tiếp nhận thành công"}'
    )
    resp = model.from_json(text)
    assert resp.response_description == "Tiếp nhận thành công"
    assert json.loads(resp.to_json()) == json.loads(text)
    assert model.from_json(resp.to_json()) == resp
    assert model.from_json("{}").message_id is None


ROWS = [
    {
        "ma_hoc_sinh": "4801234567",
        "ten_hoc_sinh": "Trương Phương Anh",
        "so_cccd": "048317002681",
        "ma_tra_cuu_uuid": "4ef748d9-2146-4a82-95a5-8534051475f0",
        "trang_thai": 1,
    },
    {
        "ma_hoc_sinh": "4801234568",
        "trang_thai": 0,
        "error": "E012",
        "error_field_title": "SO_CCCD",
        "error_description": "Số CCCD không đúng 12 chữ số",
    },
]


def test_status_query_and_rows() -> None:
    query = StatusQuery.from_dict({"messageid": "m1", "ma_don_vi": "48", "nam_hoc": 2024})
    assert StatusQuery.from_json(query.to_json()) == query
    assert query.kind is TransactionKind.SUBMIT_STATUS
    resp = StatusQueryResponse.from_json(json.dumps(ROWS))
    assert [r.state for r in resp.rows] == [SubmitState.APPROVED, SubmitState.REJECTED]
    assert resp.rows[1].error_field_title == "SO_CCCD"
    assert json.loads(resp.to_json()) == ROWS
    assert StatusQueryResponse.from_json(resp.to_json()) == resp
    assert isinstance(resp.rows[0], RecordStatus)


def test_state_as_digit_string_is_accepted_and_emitted_as_number() -> None:
    resp = StatusQueryResponse.from_json('[{"trang_thai":"1"}]')
    assert resp.rows[0].state is SubmitState.APPROVED
    assert resp.to_json() == '[{"trang_thai":1}]'


@pytest.mark.parametrize("bad", ["2", "true", "1.0", '"01"', '"x"', "null"])
def test_bad_status_row(bad: str) -> None:
    with pytest.raises(InputError) as info:
        StatusQueryResponse.from_json(f'[{{"trang_thai":1}},{{"trang_thai":{bad}}}]')
    assert info.value.location == "statusResponse[1].trang_thai"
    assert "Dòng 2" in info.value.message_vi


def test_status_response_must_be_array() -> None:
    with pytest.raises(InputError):
        StatusQueryResponse.from_json('{"trang_thai":1}')


def test_revoke_status() -> None:
    query = RevokeStatusQuery.from_dict({"messageid": "r1", "ma_don_vi": "48", "nam_hoc": 2024})
    assert query.kind is TransactionKind.REVOKE_STATUS
    text = '[{"ma_tra_cuu_uuid":"a","trang_thai":1},{"trang_thai":2},{"trang_thai":3}]'
    resp = RevokeStatusResponse.from_json(text)
    assert [r.state for r in resp.rows] == [
        RevokeState.PENDING,
        RevokeState.ACCEPTED,
        RevokeState.REFUSED,
    ]
    assert isinstance(resp.rows[0], RevokeStatus)
    assert resp.to_json() == text
    with pytest.raises(InputError):
        RevokeStatusResponse.from_json('[{"trang_thai":0}]')


def test_certificate_registration() -> None:
    reg = CertificateRegistration.from_dict(CERT)
    assert reg.valid_from == date(2024, 5, 8)
    assert reg.signature_kind is SignatureKind.USB_TOKEN
    assert reg.issuer is CertificateIssuer.BAN_CO_YEU
    assert json.loads(reg.to_json()) == CERT
    assert CertificateRegistration.from_json(reg.to_json()) == reg
    assert reg.kind is TransactionKind.REGISTER_CERTIFICATE


def test_certificate_open_enums_keep_unknown_codes() -> None:
    reg = CertificateRegistration.from_dict(
        {**CERT, "ma_kieu_chu_ky": "HSM", "nha_phat_hanh": "FPT"}
    )
    assert reg.signature_kind == "HSM"
    assert not isinstance(reg.signature_kind, SignatureKind)
    assert reg.issuer == "FPT"
    assert json.loads(reg.to_json())["nha_phat_hanh"] == "FPT"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"ngay_hieu_luc": "08/05/2024"}, "ngay_hieu_luc"),
        ({"ngay_hieu_luc": "2024-05-08T00:00:00"}, "ngay_hieu_luc"),
        ({"ngay_hieu_luc": 1715126400}, "ngay_hieu_luc"),
        ({"nha_phat_hanh": "có dấu cách"}, "nha_phat_hanh"),
        ({"ma_kieu_chu_ky": ""}, "ma_kieu_chu_ky"),
        ({"serial_number": ""}, "serial_number"),
    ],
)
def test_certificate_bad_fields(change: dict[str, Any], where: str) -> None:
    with pytest.raises(InputError) as info:
        CertificateRegistration.from_dict({**CERT, **change})
    assert info.value.location is not None
    assert info.value.location.startswith(f"certificateRegistration.{where}")


def test_certificate_response_keeps_official_misspelling() -> None:
    text = (
        '{"messageid":"c1","error":"E1","error_filed_title":"serial_number",'
        '"error_description":"x"}'
    )
    resp = CertificateRegistrationResponse.from_json(text)
    assert resp.error_field_title == "serial_number"
    assert json.loads(resp.to_json()) == json.loads(text)
    with pytest.raises(InputError):
        CertificateRegistrationResponse.from_json('{"error_field_title":"x"}')


def test_certificate_query_and_response() -> None:
    query = CertificateQuery.from_dict({"messageid": "c1", "ma_don_vi": "48", "ma_nam_hoc": 2024})
    assert json.loads(query.to_json()) == {"messageid": "c1", "ma_don_vi": "48", "ma_nam_hoc": 2024}
    assert query.kind is TransactionKind.CERTIFICATE_STATUS
    text = '{"messageid":"c1","serial_number":"5403010A7B2C","trang_thai_phe_duyet":1}'
    resp = CertificateQueryResponse.from_json(text)
    assert resp.approval is ApprovalState.APPROVED
    assert json.loads(resp.to_json()) == json.loads(text)
    with pytest.raises(InputError):
        CertificateQueryResponse.from_json('{"trang_thai_phe_duyet":2}')


def test_transaction_codes() -> None:
    assert [k.value for k in TransactionKind] == [1, 2, 3, 4, 5, 6]
