"""Laws of hocbaso.batch: the codec inverts, and packing then unpacking gives the records back."""

from __future__ import annotations

from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hocbaso.batch import compress_content, decompress_content, pack, unpack

# Characters allowed in XML 1.0 text, including Vietnamese letters; no surrogates.
_xml_text = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cs", "Cc", "Cn"),
        include_characters="\t\n",
    ),
    max_size=300,
)
_tag = st.sampled_from(["HO_VA_TEN", "SO_CCCD", "NHAN_XET", "TEN_TRUONG", "DIEM"])


@st.composite
def _records(draw: st.DrawFn) -> bytes:
    """One well-formed <HOC_BA> element with a few text children."""
    children = draw(st.lists(st.tuples(_tag, _xml_text), max_size=5))
    body = "".join(f"<{t}>{escape(v)}</{t}>" for t, v in children)
    attr = draw(st.sampled_from(["", ' id="1"', " Id='data'"]))
    return f"<HOC_BA{attr}>{body}</HOC_BA>".encode()


_record_lists = st.lists(_records(), max_size=40)


def _alone(record: bytes) -> int:
    """Length of the packet holding only ``record``."""
    (packet,) = pack([record], max_packet_bytes=1 << 24)
    return len(packet.content)


@given(st.binary(max_size=5000) | st.text(max_size=2000))
def test_decompress_inverts_compress(data: bytes | str) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    assert decompress_content(compress_content(data)) == raw


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_record_lists, st.integers(min_value=0, max_value=4000))
def test_pack_then_unpack_gives_the_records_in_order(records: list[bytes], extra: int) -> None:
    cap = max([256, *map(_alone, records)]) + extra
    packets = list(pack(records, max_packet_bytes=cap))
    assert [r for p in packets for r in unpack(p.content)] == records


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_record_lists, st.integers(min_value=0, max_value=4000))
def test_every_packet_within_cap(records: list[bytes], extra: int) -> None:
    cap = max([256, *map(_alone, records)]) + extra
    assert all(len(p.content) <= cap for p in pack(records, max_packet_bytes=cap))
