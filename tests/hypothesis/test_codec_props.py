"""Properties of the canonical codec and of XSD/model agreement."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import hocbaso
from hocbaso._xml._parse import parse_bytes
from hocbaso.errors import DocumentInvalidError, InputError
from hocbaso.models import Record
from hocbaso.testing import Mutation, invalid_documents, records
from hocbaso.validation import xsd_problems

SETTINGS = settings(max_examples=40, deadline=None)


@SETTINGS
@given(records())
def test_from_xml_inverts_to_xml(record: Record) -> None:
    assert hocbaso.from_xml(hocbaso.to_xml(record)) == record


@SETTINGS
@given(records())
def test_to_xml_inverts_from_xml_on_canonical_input(record: Record) -> None:
    xml = hocbaso.to_xml(record)
    assert hocbaso.to_xml(hocbaso.from_xml(xml)) == xml


@SETTINGS
@given(records())
def test_canonical_form_is_an_exclusive_c14n_fixed_point(record: Record) -> None:
    xml = hocbaso.to_xml(record)
    assert hocbaso.canonicalize(xml) == xml


@SETTINGS
@given(records())
def test_every_model_valid_record_is_xsd_valid(record: Record) -> None:
    xml = hocbaso.to_xml(record)
    assert xsd_problems(parse_bytes(xml), record.profile) == []
    assert hocbaso.validate(xml).valid


@SETTINGS
@given(invalid_documents())
def test_mutations_rejected_by_xsd_and_models_at_the_same_place(m: Mutation) -> None:
    tree = parse_bytes(m.document)
    profile = hocbaso.detect_profile(m.document)
    xsd = xsd_problems(tree, profile)
    assert m.location in {p.location for p in xsd}, (m.name, xsd)
    with pytest.raises(DocumentInvalidError) as info:
        hocbaso.from_xml(m.document)
    assert m.location in {p.location for p in info.value.report.problems}, m.name


def _decode(xml: bytes, *, full: bool, one_pass: bool = True) -> Record | None:
    from hocbaso._xml import _codec

    try:
        if one_pass:
            return _codec.decode_tree(parse_bytes(xml), full_validation=full)
        with mock.patch.object(_codec, "decode_one_pass", return_value=None):
            return _codec.decode_tree(parse_bytes(xml), full_validation=full)
    except InputError:  # DocumentInvalidError, or ProfileError for PHIEN_BAN/MA_CAP_HOC
        return None


_VALUE_ALPHABET = "0123456789.-/:+TZ abcĐđứ"


@settings(max_examples=150, deadline=None)
@given(records(), st.data())
def test_fast_decoder_agrees_with_full_pydantic_validation(
    record: Record, data: st.DataObject
) -> None:
    """The fast path builds models without pydantic; it must accept and reject exactly the same
    documents as full validation, and build the same records."""
    xml = hocbaso.to_xml(record)
    root = etree.fromstring(xml)
    leaves = [e for e in root.iter() if isinstance(e.tag, str) and len(e) == 0]
    target = data.draw(st.sampled_from(leaves))
    target.text = data.draw(st.text(alphabet=_VALUE_ALPHABET, max_size=12))
    mutated = etree.tostring(root, method="c14n", exclusive=True)
    fast = _decode(mutated, full=False)
    general = _decode(mutated, full=False, one_pass=False)
    full = _decode(mutated, full=True)
    assert (fast is None) == (full is None), (root.getroottree().getpath(target), target.text)
    assert fast == full
    assert general == full


@settings(max_examples=150, deadline=None)
@given(records())
def test_one_pass_decoder_builds_what_the_general_decoder_builds(record: Record) -> None:
    """Canonical records take the one-pass decoder, which must build the very same record
    (fields, fields set, tuples) as the general decoder and as full validation."""
    from hocbaso._xml._onepass import decode_one_pass
    from hocbaso.models import PrimaryRecord, SecondaryRecord

    xml = hocbaso.to_xml(record)
    root = parse_bytes(xml).getroot()
    cls = PrimaryRecord if isinstance(record, PrimaryRecord) else SecondaryRecord
    found = decode_one_pass(root, cls)
    assert found is not None  # valid canonical input never needs the general decoder
    general = _decode(xml, full=False, one_pass=False)
    assert found[0] == general == record
    assert _fields_sets(found[0]) == _fields_sets(general)


def _fields_sets(value: object) -> object:
    """Every nested model's ``model_fields_set`` (which ``==`` on models ignores)."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return (
            type(value).__name__,
            sorted(value.model_fields_set),
            [(k, _fields_sets(v)) for k, v in sorted(value.__dict__.items())],
        )
    if isinstance(value, tuple | list):
        return [_fields_sets(v) for v in value]
    return None


def test_signed_documents_strategy_gives_verifiable_records(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from hocbaso import pki, signing
    from hocbaso.testing import signed_documents

    staff = pki.make_demo_pki(tmp_path_factory.mktemp("pki"))
    trust = signing.TrustConfig.from_directory(staff.trust_dir)

    @settings(max_examples=6, deadline=None)
    @given(signed_documents(staff))
    def check(xml: bytes) -> None:
        report = signing.verify(xml, trust=trust)
        assert report.passed, report.to_text()
        assert hocbaso.validate(xml).valid

    check()


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.integers(min_value=0, max_value=3),
)
@settings(max_examples=400, deadline=None)
def test_decimal_text_depends_on_the_value_only(value: Decimal, zeros: int) -> None:
    """The encoder remembers the canonical text per decimal value: that is sound only if
    equal values (8.5, 8.50, 85E-1) always have the same canonical text, which reads back."""
    from hocbaso._xml._lexical import _DECIMAL_TEXT, format_decimal

    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    same = Decimal((sign, (*digits, *(0,) * zeros), exponent - zeros))  # 8.5 -> 8.50 ...
    assert same == value
    _DECIMAL_TEXT.clear()
    fresh = format_decimal(value)
    _DECIMAL_TEXT.clear()
    assert format_decimal(same) == fresh  # computed, not remembered
    assert format_decimal(value) == fresh  # remembered from `same`
    assert Decimal(fresh) == value
    assert "E" not in fresh and not (fresh.startswith("-") and Decimal(fresh) == 0)
    if "." in fresh:
        assert not fresh.endswith("0")
