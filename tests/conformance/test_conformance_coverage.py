"""The vectors cover what the issue asks: grades, code lists, rules, attacks, parser cases."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from lxml import etree

from hocbaso import rules, schema_path
from hocbaso.codes import SUBJECTS
from hocbaso.conformance import Manifest

XS = "{http://www.w3.org/2001/XMLSchema}"

ISSUE_4_ATTACKS = {
    "name-changed",
    "score-changed",
    "whitespace",
    "signature-removed",
    "signature-duplicated",
    "signature-moved",
    "wrapping",
    "duplicate-id",
    "reference-uri",
    "weak-algorithm",
    "comment",
    "certificate-swapped",
    "expired",
    "not-yet-valid",
    "revoked",
    "untrusted-root",
    "personal-seal",
    "slots-out-of-order",
    "truncated",
    "not-xml",
    "dtd-entity",
}


def _enumerations() -> tuple[dict[str, set[str]], dict[str, str]]:
    """XSD simple types with enumerations → values; element name → such a type."""
    types: dict[str, set[str]] = {}
    elements: dict[str, str] = {}
    for profile in ("tieu-hoc-1.0", "trung-hoc-1.0"):
        doc = etree.parse(str(schema_path(profile)))
        for st in doc.iter(f"{XS}simpleType"):
            values = {e.get("value", "") for e in st.iter(f"{XS}enumeration")}
            if values and st.get("name"):
                types.setdefault(st.get("name", ""), set()).update(values)
        for el in doc.iter(f"{XS}element"):
            t = (el.get("type") or "").split(":")[-1]
            if el.get("name") and t:
                elements[el.get("name", "")] = t
    used = {e: t for e, t in elements.items() if t in types}
    # only element types are code lists (FixedId-* types fix the Id attributes)
    return {t: v for t, v in types.items() if t in used.values()}, used


def _valid_documents(manifest: Manifest) -> list[bytes]:
    return [
        c.read()
        for c in manifest.cases
        if c.expect.outcome in ("valid", "TOTAL_PASSED") and c.category != "batch"
    ]


def test_every_grade(manifest: Manifest) -> None:
    grades = {t for c in manifest.cases for t in c.covers if t.startswith("grade:")}
    assert grades == {f"grade:{g}" for g in range(1, 13)}
    for g in range(1, 13):
        case = manifest.case(f"grades/grade-{g:02d}")
        assert f"<MA_KHOI>{g}</MA_KHOI>".encode() in case.read()
        assert case.expect.outcome == "valid"


def test_every_code_list_value_is_in_a_valid_vector(manifest: Manifest) -> None:
    types, elements = _enumerations()
    assert len(types) >= 10
    seen: dict[str, set[str]] = defaultdict(set)
    for data in _valid_documents(manifest):
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False))
        for el in root.iter():
            t = elements.get(str(el.tag))
            if t is not None and el.text is not None:
                seen[t].add(el.text)
    missing = {t: sorted(v - seen[t]) for t, v in types.items() if v - seen[t]}
    assert not missing


def test_every_code_list_has_an_out_of_list_vector(manifest: Manifest) -> None:
    types, _ = _enumerations()
    rejected = {
        t.split(":", 1)[1]
        for c in manifest.cases
        for t in c.covers
        if t.startswith("out-of-list:") and c.expect.outcome in ("invalid", "unusable")
    }
    assert rejected == set(types)


def test_every_catalogue_subject_is_in_a_valid_vector(manifest: Manifest) -> None:
    text = b"".join(_valid_documents(manifest))
    missing = [code for code in SUBJECTS if f"<MA_MON_HOC>{code}<".encode() not in text]
    assert not missing


def test_every_registered_rule_has_a_failing_vector(manifest: Manifest) -> None:
    by_rule = {
        r: c
        for c in manifest.cases
        if c.category in ("rules", "batch")
        for p in c.expect.problems
        for r in p.rules
    }
    registered = [r.id for r in rules.all_rules()]
    assert registered
    missing = [r for r in registered if r not in by_rule]
    assert not missing, f"rules without a vector: {missing}"
    for rule in rules.all_rules():
        spec = next(p for p in by_rule[rule.id].expect.problems if rule.id in p.rules)
        assert spec.severity == rule.severity.value, rule.id


def test_every_validation_rule_id_is_exercised(manifest: Manifest) -> None:
    ids = {r for c in manifest.cases for p in c.expect.problems for r in p.rules}
    documented = {
        "XSD-STRUCTURE",
        "XSD-VALUE",
        "XSD-IDENTITY",
        "STRUCTURE",
        "VALUE",
        "MODEL-CONSISTENCY",
        "TEXT-ENCODING",
        "TEXT-NFC",
        "XML-COMMENT",
    }
    assert documented <= ids


def test_every_attack_of_the_signatures_issue(manifest: Manifest) -> None:
    tags = {t.split(":", 1)[1] for c in manifest.cases for t in c.covers if t.startswith("attack:")}
    assert tags >= ISSUE_4_ATTACKS, sorted(ISSUE_4_ATTACKS - tags)


def test_hardened_parser_cases(manifest: Manifest) -> None:
    parser = {c.id: c.expect for c in manifest.select(["parser"])}
    for vid, code in (
        ("billion-laughs", "XML-UNSAFE"),
        ("xxe-file", "XML-UNSAFE"),
        ("external-dtd", "XML-UNSAFE"),
        ("utf16-bom", "TEXT-ENCODING"),
        ("latin1-declared", "TEXT-ENCODING"),
    ):
        assert parser[f"parser/{vid}"].codes == (code,)
    assert (manifest.directory / "parser" / "utf16-bom.xml").read_bytes()[:2] == b"\xff\xfe"


def test_canonical_form_rules(manifest: Manifest) -> None:
    ids = {c.id for c in manifest.select(["canonical"])}
    for name in (
        "nfd-name",
        "number-trailing-zero",
        "number-comma",
        "score-two-decimals",
        "element-order",
        "pretty-printed",
        "timestamp-utc-z",
        "timestamp-no-offset",
        "uuid-upper-case",
        "uuid-version-1",
    ):
        assert f"canonical/{name}" in ids
    for c in manifest.select(["canonical"]):
        if c.canonical_form:
            assert (manifest.directory / c.canonical_form).is_file()


def test_manifest_and_files_agree(manifest: Manifest) -> None:
    listed = {c.file for c in manifest.cases}
    assert len(listed) == len(manifest.cases)
    on_disk = {
        p.relative_to(manifest.directory).as_posix()
        for cat in manifest.categories
        for p in (manifest.directory / cat).rglob("*")
        if p.is_file()
    }
    assert listed == on_disk
    for c in manifest.cases:
        assert c.file == f"{c.id}.xml" and c.category == c.id.split("/")[0]
        assert c.description


def test_signed_vectors_have_test_only_trust(manifest: Manifest) -> None:
    trust = manifest.trust_dir
    assert (trust / "anchors" / "root-ca.pem").is_file()
    assert "TEST ONLY" in (trust / "README.txt").read_text(encoding="utf-8")
    assert not list(Path(trust).rglob("*.key.pem")), "no private key ships with the vectors"
    assert manifest.validation_time.isoformat() == "2025-01-16T00:00:00+00:00"
