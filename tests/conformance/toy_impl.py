"""A toy "other implementation" of the Học bạ số standard, for the conformance kit's tests.

Standalone on purpose: it does not use hocbaso, only lxml and the published XSDs, as a vendor's
first attempt might. It speaks the kit's external-command protocol::

    python tests/conformance/toy_impl.py FILE

exit 0 valid, 1 invalid, 2 unusable; on stdout a JSON object ``{"problems": [{"rule",
"location"}], "code": ...}``. It is deliberately wrong in ways real importers are wrong:

* it lets lxml read DTDs (entities are not expanded, but a DOCTYPE is not refused) and any
  encoding lxml knows (UTF-16, Latin-1), so hostile and non-UTF-8 files look "fine";
* it checks the XSD only: no impossible dates (31/02), no legacy TCVN3 text, no NFD warning,
  no business rules, no signatures;
* it calls every XSD problem ``XSD-STRUCTURE`` unless libxml2's message names a facet.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
PROFILES = {"02": "hocbaso-tieu-hoc-1.0.xsd", "03": "hocbaso-trung-hoc-1.0.xsd"}
PROFILES["04"] = PROFILES["03"]


def answer(status: int, **data: object) -> int:
    """Print the JSON answer and return the exit status."""
    print(json.dumps(data, ensure_ascii=False))
    return status


def main(argv: list[str]) -> int:
    """Check one file; return 0 valid, 1 invalid, 2 unusable."""
    data = Path(argv[1]).read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)  # DTDs: not refused (bug)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return answer(2, code="XML-SYNTAX", message=str(exc))
    if root.tag != "HOC_BA":
        return answer(2, code="PROFILE")
    level = root.findtext("DU_LIEU_HOC_BA/THONG_TIN_CHUNG/MA_CAP_HOC")
    if level not in PROFILES:
        return answer(2, code="PROFILE")
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / PROFILES[level])))
    if schema.validate(root):
        return answer(0, problems=[])
    problems = [
        {
            "rule": "XSD-VALUE" if "facet" in e.message else "XSD-STRUCTURE",
            "location": e.path,
        }
        for e in schema.error_log
    ]
    return answer(1, problems=problems)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
