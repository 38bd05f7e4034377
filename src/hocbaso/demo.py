"""The end-to-end demo: a small school's records through every capability of the library.

``hocbaso demo`` calls :func:`run_demo`. It uses only the public API and embedded defaults
(an SQLite ledger file and a throwaway test PKI generated on the spot — never for production)
and writes everything under one working directory, so a new user can look at each artefact:

=====================  ====================================================================
``pki/``               the TEST PKI (root, issuing CA, teachers, leader, school seal, CRL)
``records/``           unsigned records, canonical XML (one per student and school year)
``signed/``            the same records with every slot signed (GVBM → GVCN → CBQL → seal)
``long-term/``         one record whose seal is XAdES-B-T, then B-LT, then B-LTA (demo TSA)
``ledger.sqlite``      the issuance log (Merkle tree per school, signed checkpoints)
``packets/``           official submission packets (gzip + length prefix + base64 in JSON)
``copies/``            printable copies (PDF when WeasyPrint is installed, else HTML)
=====================  ====================================================================
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from cryptography.hazmat.primitives.asymmetric import rsa

import hocbaso
from hocbaso import batch, ledger, pki, render, rules, signing
from hocbaso.errors import ConfigurationError, HocbasoError
from hocbaso.models import GeneralInfo, PrimaryData, PrimaryRecord, Record, SecondaryRecord
from hocbaso.testing import staff_record

__all__ = ["DemoState", "run_demo"]

_GRADES = (1, 2, 3, 4, 5, 6, 9, 10, 12)


@dataclass
class DemoState:
    """What the demo steps hand to each other."""

    out: Path
    students: int
    log: TextIO = sys.stdout
    staff: pki.DemoPki | None = None
    trust: signing.TrustConfig | None = None
    records: list[Record] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    signed: list[Path] = field(default_factory=list)
    unsealed: bytes | None = None  # the first record signed up to CBQL, before its seal

    def say(self, text: str) -> None:
        """Print one line of the demo's narration."""
        print(text, file=self.log, flush=True)


def _pki(state: DemoState) -> bool:
    state.say("0. Tạo PKI thử nghiệm / make a throwaway TEST PKI (never for production)")
    state.staff = pki.make_demo_pki(state.out / "pki")
    state.trust = signing.TrustConfig.from_directory(state.staff.trust_dir)
    for name in ("gvbm-toan", "gvbm-van", "gvcn", "cbql", "org"):
        entity = state.staff[name]
        who = f"CCCD {entity.cccd}" if entity.cccd else f"MST {entity.mst}"
        state.say(f"   {name:9} {entity.description} ({who})")
    return True


def _build(state: DemoState) -> bool:
    state.say("1. Tạo học bạ / build records (typed models → canonical XML)")
    assert state.staff is not None
    rec_dir = state.out / "records"
    rec_dir.mkdir(parents=True, exist_ok=True)
    for i in range(state.students):
        for grade in _GRADES:
            record = (
                hocbaso.examples.example_record(grade)
                if i == 0
                else hocbaso.examples.generate_record(i, grade)
            )
            record = staff_record(record, state.staff)
            path = rec_dir / f"hocba-lop{grade:02d}-{i:03d}.xml"
            path.write_bytes(hocbaso.to_xml(record))
            state.records.append(record)
            state.files.append(path)
    state.say(f"   {len(state.files)} records written to {rec_dir}")
    return True


def _validate(state: DemoState) -> bool:
    state.say("2. Kiểm tra định dạng / validate (XSD + models)")
    invalid = 0
    for path in state.files:
        report = hocbaso.validate(path.read_bytes(), source=path.name)
        if not report.valid:
            invalid += 1
            state.say(report.to_text())
    state.say(f"   {len(state.files) - invalid}/{len(state.files)} valid")
    broken = state.files[0].read_bytes().replace(b"<SO_CCCD>048317002681", b"<SO_CCCD>04831700268")
    report = hocbaso.validate(broken, source="broken-example.xml")
    state.say("   a record with an 11-digit personal id is rejected, with its location:")
    for problem in report.errors:
        state.say(f"     {problem.to_text()}")
    return invalid == 0 and not report.valid


def _rules(state: DemoState) -> bool:
    state.say("3. Kiểm tra nghiệp vụ / business rules (TT 27/2020, TT 22/2021, identities)")
    errors = 0
    for record, path in zip(state.records, state.files, strict=True):
        report = rules.check_record(record, source=path.name)
        errors += len(report.errors)
        for problem in report.errors:
            state.say(f"     {problem.to_text()}")
    state.say(f"   {len(state.records)} records checked, {errors} rule errors")
    # A planted mistake: one year average that does not follow from the term averages.
    secondary = next(r for r in state.records if isinstance(r, SecondaryRecord))
    xml = hocbaso.to_xml(secondary)
    start = xml.index(b"<CA_NAM><DTB_MON>") + len(b"<CA_NAM><DTB_MON>")
    end = xml.index(b"<", start)
    wrong = xml[:start] + (b"10" if xml[start:end] != b"10" else b"9") + xml[end:]
    report = rules.check_bytes(wrong, source="planted-mistake.xml")
    state.say("   a year average changed by hand is reported, never fixed:")
    for problem in report.errors[:3]:
        state.say(f"     {problem.to_text()}")
    return errors == 0 and not report.valid


def _sign(state: DemoState) -> bool:
    state.say("4. Ký số / sign every slot: GVBM (each subject) → GVCN → CBQL → KY_PHAT_HANH")
    staff = state.staff
    assert staff is not None

    def load(name: str) -> signing.LocalSigner:
        e = staff[name]
        return signing.LocalSigner.from_files(e.key_path, e.cert_path, staff.issuing_cert)

    signers = {name: load(name) for name in ("gvbm-toan", "gvbm-van", "gvcn", "cbql", "org")}
    out = state.out / "signed"
    out.mkdir(parents=True, exist_ok=True)
    for record, path in zip(state.records, state.files, strict=True):
        xml = path.read_bytes()
        if isinstance(record, SecondaryRecord):
            for i, subject in enumerate(record.data.summary.subjects):
                who = "gvbm-toan" if i % 2 == 0 else "gvbm-van"
                xml = signing.sign(xml, slot=f"GVBM:{subject.subject_code}", signer=signers[who])
        xml = signing.sign(xml, slot="GVCN", signer=signers["gvcn"])
        xml = signing.sign(xml, slot="CBQL", signer=signers["cbql"])
        if state.unsealed is None:
            state.unsealed = xml
        xml = signing.sign(xml, slot="KY_PHAT_HANH", signer=signers["org"])
        target = out / path.name
        target.write_bytes(xml)
        state.signed.append(target)
    state.say(f"   {len(state.signed)} records signed into {out}")
    return True


def _verify(state: DemoState) -> bool:
    state.say("5. Xác thực / verify every signature (chain, revocation, profile rules)")
    assert state.trust is not None
    passed = 0
    for path in state.signed:
        report = signing.verify(path.read_bytes(), trust=state.trust)
        if report.passed:
            passed += 1
        else:
            state.say(report.to_text())
    state.say(f"   {passed}/{len(state.signed)} records: every slot TOTAL_PASSED")
    tampered = (
        state.signed[0]
        .read_bytes()
        .replace("Trương Phương Anh".encode(), "Trương Phương Ánh".encode(), 1)
    )
    report = signing.verify(tampered, trust=state.trust)
    state.say("   one changed letter in the student's name:")
    for line in report.to_text().splitlines()[:4]:
        state.say(f"     {line}")
    return passed == len(state.signed) and not report.passed


def _long_term(state: DemoState) -> bool:
    state.say("5b. Chữ ký dài hạn / long-term seal: XAdES-B-T → B-LT → B-LTA (demo TSA, TEST ONLY)")
    staff, trust, xml = state.staff, state.trust, state.unsealed
    assert staff is not None and trust is not None and xml is not None
    # The in-process demo TSA keeps the demo offline and fast; a real record needs a real TSA.
    tsa = pki.DemoTimestampAuthority.from_pki(staff)
    org = staff["org"]
    seal = signing.LocalSigner.from_files(org.key_path, org.cert_path, staff.issuing_cert)
    policy = signing.SignaturePolicy(level=signing.SignatureLevel.XADES_B_T)
    steps: list[tuple[str, Callable[[bytes], bytes], str]] = [
        (
            "ký phát hành kèm dấu thời gian / seal signed with a signature time-stamp",
            lambda x: signing.sign(x, slot="KY_PHAT_HANH", signer=seal, policy=policy, tsa=tsa),
            "XAdES-B-T",
        ),
        (
            "bổ sung chứng thư và CRL / certificates and CRLs embedded",
            lambda x: signing.add_validation_data(x, trust=trust),
            "XAdES-B-LT",
        ),
        (
            "dấu thời gian lưu trữ / archive time-stamp added",
            lambda x: signing.add_archive_timestamp(x, tsa=tsa, trust=trust),
            "XAdES-B-LTA",
        ),
    ]
    ok = True
    for text, extend, expected in steps:
        xml = extend(xml)
        slot = signing.verify(xml, trust=trust).slot("KY_PHAT_HANH")
        ok = ok and slot.passed and slot.level == expected
        state.say(f"   {text}: verify → {slot.level} ({slot.indication.value})")
    out = state.out / "long-term"
    out.mkdir(parents=True, exist_ok=True)
    target = out / state.files[0].name.replace(".xml", "-lta.xml")
    target.write_bytes(xml)
    state.say(f"   written to {target}")
    return ok


def _issue(state: DemoState) -> bool:
    state.say("6. Phát hành / issue into the ledger (hash chain + Merkle log, SQLite)")
    path = state.out / "ledger.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    secret = os.urandom(32)  # the school's key for student lookups; never stored in the log
    log = ledger.Ledger(ledger.SQLiteStore(path))
    try:
        schools: dict[str, list[ledger.IssueRequest]] = {}
        for signed_path in state.signed:
            data = signed_path.read_bytes()
            ident = hocbaso.record_identity(data)
            schools.setdefault(ident.school_code, []).append(
                ledger.IssueRequest(
                    lookup_uuid=ident.lookup_uuid,
                    record_digest=ledger.record_digest(data),
                    student_key=ledger.student_key(ident.personal_id, secret),
                )
            )
        for school, requests in schools.items():
            log.issue_many(school, requests)
            signer = ledger.Ed25519NoteSigner.generate(log.origin(school))
            checkpoint = log.checkpoint(school, signer)
            state.say(
                f"   school {school}: {checkpoint.size} entries, signed checkpoint "
                f"root {checkpoint.root_hash.hex()[:16]}…"
            )
        first = hocbaso.record_identity(state.signed[0].read_bytes())
        proof = log.record_proof(first.lookup_uuid)
        proof.verify()  # pure function of the proof: no database needed
        state.say(f"   inclusion proof for {first.lookup_uuid}: {len(proof.path)} hashes, verified")
        log.request_revocation(first.lookup_uuid)
        log.decide_revocation(first.lookup_uuid, approved=True)
        replacement = _reissue(state, state.records[0])
        new = hocbaso.record_identity(replacement)
        entry = log.issue(
            replacement,
            lookup_uuid=new.lookup_uuid,
            school_code=new.school_code,
            student_key=ledger.student_key(new.personal_id, secret),
            replaces=first.lookup_uuid,
        )
        state.say(f"   revoked (thu hồi) {first.lookup_uuid} after a request and an approval;")
        state.say(
            f"   reissued as {new.lookup_uuid} (entry {entry.index}, names the old "
            "record and its digest: issue → revoke → reissue)"
        )
        audits = log.audit_report()
        ok = all(a.ok for a in audits)
        state.say(f"   audit: {'no problem found' if ok else 'PROBLEMS'} in {len(audits)} log(s)")
        return ok
    finally:
        log.close()


def _reissue(state: DemoState, record: Record) -> bytes:
    """A corrected copy of ``record`` with a new lookup UUID, signed again in every slot."""
    assert isinstance(record, PrimaryRecord) and state.staff is not None
    general = GeneralInfo.model_validate(
        {
            **record.data.general.model_dump(),
            "lookup_uuid": uuid.uuid4(),
            "current_residence": "45 Hàm Nghi, Thanh Khê, Đà Nẵng",
        }
    )
    fixed = PrimaryRecord(
        data=PrimaryData(general=general, history=record.data.history, summary=record.data.summary)
    )
    xml = hocbaso.to_xml(fixed)
    staff = state.staff
    for slot, name in (("GVCN", "gvcn"), ("CBQL", "cbql"), ("KY_PHAT_HANH", "org")):
        e = staff[name]
        signer = signing.LocalSigner.from_files(e.key_path, e.cert_path, staff.issuing_cert)
        xml = signing.sign(xml, slot=slot, signer=signer)
    path = state.out / "signed" / "hocba-lop01-000-reissued.xml"
    path.write_bytes(xml)
    return xml


def _pack(state: DemoState) -> bool:
    state.say("7. Đóng gói / pack submission packets (Phụ lục 1.2: gzip + length + base64)")
    out = state.out / "packets"
    out.mkdir(parents=True, exist_ok=True)
    assert state.staff is not None
    seal = signing.LocalSigner.from_files(state.staff["org"].key_path, state.staff["org"].cert_path)
    rsa_key = isinstance(seal.certificate.public_key(), rsa.RSAPublicKey)
    algorithm = (
        signing.SignatureAlgorithm.RSA_SHA256
        if rsa_key
        else signing.SignatureAlgorithm.ECDSA_SHA256
    )
    originals = [p.read_bytes() for p in state.signed]
    packets = list(batch.pack(originals, max_packet_bytes=60_000))
    for i, packet in enumerate(packets, 1):
        # The transaction signature's format is in the unpublished PL3: the demo signs the
        # SHA-256 of the content with the school's seal key and sends it base64-encoded.
        digest = hashlib.sha256(packet.content.encode("ascii")).digest()
        request = batch.SubmitRequest(
            token="demo-token",
            user_name="so-gddt-da-nang",
            password_sha256=batch.hash_password("mat-khau-thu-nghiem"),
            unit_code="48",
            school_year=2023,
            message_id=f"demo-{i:04d}",
            message_type="HOCBA",
            function="NOP_HOC_BA",
            content=packet.content,
            signature=base64.b64encode(seal.sign_digest(digest, algorithm)).decode("ascii"),
        )
        (out / f"packet-{i:04d}.json").write_text(request.to_json(), encoding="utf-8")
    back = [record for packet in packets for record in batch.unpack(packet.content)]
    same = back == originals
    state.say(
        f"   {len(originals)} records in {len(packets)} packets; unpacked back "
        f"byte-for-byte: {'yes' if same else 'NO'}"
    )
    return same


def _render(state: DemoState) -> bool:
    state.say("8. Bản thể hiện / render printable copies with a verification QR code")
    assert state.trust is not None
    out = state.out / "copies"
    out.mkdir(parents=True, exist_ok=True)
    ok = True
    for path in (state.signed[0], state.signed[-1]):
        data = path.read_bytes()
        summary = render.verify_for_copy(data, trust=state.trust)
        try:
            target = out / path.with_suffix(".pdf").name
            target.write_bytes(render.render_pdf(data, verification=summary))
        except ConfigurationError:  # WeasyPrint not installed: the HTML copy is the same page
            target = out / path.with_suffix(".html").name
            target.write_text(render.render_html(data, verification=summary), encoding="utf-8")
        ident = hocbaso.record_identity(data)
        code = render.CopyCode.for_bytes(data, ident.lookup_uuid)
        check = render.check_copy(code, data)
        ok = ok and check.passed
        state.say(f"   {target.name}: QR {code.to_text()[:44]}… matches the record: {check.passed}")
    return ok


def run_demo(out: Path, *, students: int = 2, log: TextIO | None = None) -> bool:
    """Run every demo step in ``out``; return True when every step did what it should."""
    state = DemoState(out=out, students=students, log=log or sys.stdout)
    out.mkdir(parents=True, exist_ok=True)
    steps: list[Callable[[DemoState], bool]] = [
        _pki,
        _build,
        _validate,
        _rules,
        _sign,
        _verify,
        _long_term,
        _issue,
        _pack,
        _render,
    ]
    ok = True
    started = dt.datetime.now()
    for step in steps:
        try:
            passed = step(state)
        except HocbasoError as exc:  # a library refusal is a failed step, shown as such
            passed = False
            state.say(f"   !! {exc}")
        if not passed:
            ok = False
            state.say("   !! step failed")
            break
    took = (dt.datetime.now() - started).total_seconds()
    summary = {"ok": ok, "seconds": round(took, 1), "records": len(state.records)}
    (out / "demo-summary.json").write_text(json.dumps(summary), encoding="utf-8")
    state.say(
        "Demo " + ("hoàn tất / finished" if ok else "có lỗi / FAILED") + f" in {took:.0f} s"
        f" — see {out}"
    )
    return ok
