"""The byte-template fast path of ``sign`` produces exactly what the element-tree path does.

``sign`` appends an XML-DSig slot to a canonical record by splicing lxml-made byte templates
into the input (no slot elements, no whole-document serialisation); ``prepare`` and every
other case build the slot as elements. For the same signature value both must give the same
``SignedInfo`` and the same document, byte for byte.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

import hocbaso
from hocbaso.examples import example_record
from hocbaso.signing import SignatureAlgorithm, SignaturePolicy, sign
from hocbaso.signing._sign import _build, _finish, _normalise_value, _Splice
from hocbaso.testing import staff_record
from tests.signing.signing_env import Env, read

_POLICIES = {
    "default": SignaturePolicy(),
    "pss": SignaturePolicy(signature_algorithm=SignatureAlgorithm.RSA_PSS_SHA256),
    "sha512-no-chain": SignaturePolicy(
        digest=hocbaso.signing.DigestAlgorithm.SHA512, embed_chain=False
    ),
}
_SLOTS = (("GVCN", "gvcn"), ("CBQL", "cbql"), ("KY_PHAT_HANH", "org"))


def _both(env: Env, xml: bytes, slot: str, who: str, policy: SignaturePolicy) -> tuple[Any, Any]:
    signer = env.signers[who]
    if policy.signature_algorithm is not None and not isinstance(
        signer.certificate.public_key(), rsa.RSAPublicKey
    ):
        policy = SignaturePolicy()  # PSS is for the RSA signers only
    kwargs: dict[str, Any] = {
        "slot": slot,
        "cert": signer.certificate,
        "chain": signer.chain,
        "signing_time": env.at(3),
        "policy": policy,
    }
    return _build(xml, splice=True, **kwargs), _build(xml, **kwargs)


@pytest.mark.parametrize("policy", list(_POLICIES), ids=list(_POLICIES))
@pytest.mark.parametrize("source", ["primary.xml", "secondary.xml", "example-grade-4"])
def test_fast_path_equals_tree_path(env: Env, source: str, policy: str) -> None:
    if source.endswith(".xml"):
        xml = read(source)
    else:
        xml = hocbaso.to_xml(staff_record(example_record(4), env.pki))
    if b"<MA_CAP_HOC>03" in xml or b"<MA_CAP_HOC>04" in xml:
        for subject, who in (("TOAN", "gvbm-toan"), ("VAN", "gvbm-van")):
            # subject slots always take the tree path (they go in subject order)
            fast, _ = _both(env, xml, f"GVBM:{subject}", who, _POLICIES[policy])
            assert fast.splice is None
            xml = sign(xml, slot=f"GVBM:{subject}", signer=env.signers[who], signing_time=env.at(0))
    spliced = 0
    for slot, who in _SLOTS:
        fast, tree = _both(env, xml, slot, who, _POLICIES[policy])
        assert isinstance(fast.splice, _Splice)
        assert tree.splice is None and tree.signature is not None
        assert fast.signed_info == tree.signed_info
        value = env.signers[who].sign_digest(
            fast.algorithm.digest_algorithm.digest(fast.signed_info), fast.algorithm
        )
        # ECDSA as XML-DSig wants it (raw r||s), as sign() does before either path writes it
        value = _normalise_value(value, env.signers[who].certificate.public_key(), fast.algorithm)
        out_fast = fast.splice.render(base64.b64encode(value).decode("ascii"))
        out_tree = _finish(tree.signature, tree.root, value, tree.level, tree.algorithm, None)
        assert out_fast == out_tree
        spliced += 1
        xml = out_fast
    assert spliced == 3
    report = hocbaso.signing.verify(xml, trust=env.trust, require_complete=False)
    assert report.passed, report


def test_fast_path_is_not_taken_where_bytes_would_differ(env: Env) -> None:
    xml = read("primary.xml")
    signer = env.signers["gvcn"]
    kwargs: dict[str, Any] = {
        "slot": "GVCN",
        "cert": signer.certificate,
        "chain": signer.chain,
        "signing_time": env.at(3),
    }
    assert _build(xml, splice=True, **kwargs).splice is not None
    # an XML declaration (the tree path drops it), a CDATA section (its '<' is not a tag)
    declared = b'<?xml version="1.0" encoding="UTF-8"?>\n' + xml
    assert _build(declared, splice=True, **kwargs).splice is None
    cdata = xml.replace(b"<TEN_TRUONG>", b"<TEN_TRUONG><![CDATA[</DU_LIEU_HOC_BA>]]>", 1)
    assert cdata != xml
    assert _build(cdata, splice=True, **kwargs).splice is None
    # XAdES levels build elements (SignedProperties, time-stamps)
    xades = SignaturePolicy(level=hocbaso.signing.SignatureLevel.XADES_B_B)
    assert _build(xml, splice=True, policy=xades, **kwargs).splice is None
    # and whichever path is taken, the signed record verifies
    for data in (declared, cdata):
        signed = sign(data, slot="GVCN", signer=signer, signing_time=env.at(3))
        report = hocbaso.signing.verify(signed, trust=env.trust, require_complete=False)
        assert report.passed, report


def test_xpath_of_fast_path_matches_the_walk(signed_secondary: bytes) -> None:
    from lxml import etree

    from hocbaso.signing._xml import walk_path, xpath_of

    synthetic = (
        b"<HOC_BA><A><B/><B><C/></B></A><A/><X/><!--c--><Y><ds:S xmlns:ds="
        b"'http://www.w3.org/2000/09/xmldsig#'><Z/><Z/></ds:S></Y></HOC_BA>"
    )
    checked = 0
    for doc in (signed_secondary, synthetic):
        root = etree.fromstring(doc)
        for el in root.iter():
            if isinstance(el.tag, str):
                assert xpath_of(el) == walk_path(el)
                checked += 1
    assert checked > 150
