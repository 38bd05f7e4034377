"""Properties of signing: sign → verify round-trips; any change to signed data is caught."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hocbaso.pki import make_demo_pki
from hocbaso.signing import LocalSigner, TrustConfig, sign, verify

ICT = dt.timezone(dt.timedelta(hours=7))
VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
TEXT = (
    st.text(alphabet=VIET + VIET.upper() + " 0123456789.,-", min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Mapping[str, LocalSigner], TrustConfig, dt.datetime]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    pki = make_demo_pki(Path(tmp_path_factory.mktemp("proppki")), now=now)
    signers = {
        n: LocalSigner.from_files(pki[n].key_path, pki[n].cert_path, pki.issuing_cert)
        for n in ("gvcn", "cbql", "org")
    }
    return (
        signers,
        TrustConfig.from_directory(pki.trust_dir),
        (now - dt.timedelta(hours=1)).astimezone(ICT),
    )


def _record(name: str, comment: str, score: int) -> bytes:
    return (
        '<HOC_BA><DU_LIEU_HOC_BA Id="data"><THONG_TIN_CHUNG Id="thongtinhocba">'
        "<MA_TRA_CUU_UUID>3f2b8c1e-5d4a-4e7b-9c2f-1a6d8e0b4c73</MA_TRA_CUU_UUID>"
        f"<MA_CAP_HOC>02</MA_CAP_HOC><HO_VA_TEN>{escape(name)}</HO_VA_TEN>"
        "<SO_CCCD>048317002681</SO_CCCD></THONG_TIN_CHUNG><QUA_TRINH_HOC_TAP/><TONG_KET>"
        '<DS_BANG_DIEM><BANG_DIEM Id="mon-TOAN"><MA_MON_HOC>TOAN</MA_MON_HOC>'
        f"<DIEM_KIEM_TRA_DINH_KY>{score}</DIEM_KIEM_TRA_DINH_KY></BANG_DIEM></DS_BANG_DIEM>"
        f"<NHAN_XET_GVCN>{escape(comment)}</NHAN_XET_GVCN></TONG_KET></DU_LIEU_HOC_BA></HOC_BA>"
    ).encode()


SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(name=TEXT, comment=TEXT, score=st.integers(0, 10), with_gvcn=st.booleans())
def test_sign_then_verify_passes(
    world: tuple[Mapping[str, LocalSigner], TrustConfig, dt.datetime],
    name: str,
    comment: str,
    score: int,
    with_gvcn: bool,
) -> None:
    signers, trust, t0 = world
    xml = _record(name, comment, score)
    slots = (["GVCN"] if with_gvcn else []) + ["CBQL", "KY_PHAT_HANH"]
    who = {"GVCN": "gvcn", "CBQL": "cbql", "KY_PHAT_HANH": "org"}
    for i, slot in enumerate(slots):
        xml = sign(
            xml, slot=slot, signer=signers[who[slot]], signing_time=t0 + dt.timedelta(minutes=i)
        )
    report = verify(xml, trust=trust)
    assert report.passed, report.to_text()
    assert [s.slot for s in report.slots] == slots
    assert report.signed_record().findtext("THONG_TIN_CHUNG/HO_VA_TEN") == name


@SETTINGS
@given(name=TEXT, other=TEXT)
def test_any_change_of_signed_text_is_caught(
    world: tuple[Mapping[str, LocalSigner], TrustConfig, dt.datetime], name: str, other: str
) -> None:
    signers, trust, t0 = world
    xml = sign(_record(name, "Chăm ngoan", 9), slot="CBQL", signer=signers["cbql"], signing_time=t0)
    tampered = xml.replace(
        f"<HO_VA_TEN>{escape(name)}</HO_VA_TEN>".encode(),
        f"<HO_VA_TEN>{escape(other)}</HO_VA_TEN>".encode(),
    )
    report = verify(tampered, trust=trust, require_complete=False)
    assert report.passed == (name == other)
