"""The packet check on Dask gives exactly what the one-machine path and the CLI give."""

from __future__ import annotations

import json
import math
import pickle
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from hocbaso import batch, scaleout, to_xml
from hocbaso.cli import main
from hocbaso.errors import ConfigurationError, InputError
from hocbaso.examples import generate_record
from tests.scaleout.support import BROKEN, RECORDS, Corpus, compute

if TYPE_CHECKING:
    import distributed


# ----------------------------------------------------------------- the one-machine reference


def test_local_path_reports_every_record_and_packet(
    corpus: Corpus, local_results: list[scaleout.PacketResult]
) -> None:
    summary = scaleout.summarize(local_results)
    assert corpus.packet_count >= 4
    assert summary.packets == len(corpus.paths)
    assert summary.records == RECORDS + corpus.extra_records
    assert summary.invalid == len(BROKEN)
    assert summary.valid == summary.records - len(BROKEN)
    assert summary.unusable == len(corpus.unusable)
    assert not summary.ok

    real = local_results[: corpus.packet_count]
    rows = [row for result in real for row in result.records]
    # nothing dropped, nothing reordered: the packed records, in order, at their places
    assert [r.sha256 for r in rows] == corpus.digests()
    assert [(r.packet, r.position) for r in rows] == corpus.places
    assert [r.xml_bytes for r in rows] == [len(r) for r in corpus.records]
    assert all(result.error is None for result in real)

    failing = {(r.packet, r.position) for r in summary.failures if not r.is_packet_error}
    assert failing == corpus.expected_invalid()
    by_place = {(r.packet, r.position): r for r in rows}
    codes = {kind: by_place[corpus.places[i]].failures[0].code for i, kind in BROKEN.items()}
    assert codes["xsd"] == "XSD-STRUCTURE"
    assert codes["syntax"] == "XML-SYNTAX"
    assert codes["entity"] == "XML-SYNTAX"  # undeclared: not well-formed
    assert codes["profile"] == "PROFILE"
    for row in summary.failures:
        assert row.failures
        for f in row.failures:
            assert f.message_vi and f.message_en

    packet_errors = {r.packet: r.failures[0].code for r in summary.failures if r.is_packet_error}
    assert packet_errors == corpus.unusable
    truncated = next(r for r in local_results if r.packet.endswith("truncated.b64"))
    assert [r.position for r in truncated.records] == [0, 1]  # the records before the break
    assert [r.valid for r in truncated.records] == [True, True]
    envelope = next(r for r in local_results if r.packet.endswith("request.json"))
    assert envelope.error is None
    assert [r.sha256 for r in envelope.records] == corpus.digests()[3:6]


def test_local_path_agrees_with_the_cli(
    corpus: Corpus,
    local_results: list[scaleout.PacketResult],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["batch", "check", *corpus.paths, "-j", "1", "--format", "json", "--no-progress"])
    cli = json.loads(capsys.readouterr().out)
    summary = scaleout.summarize(local_results)
    assert code == 2  # some input unusable
    assert (cli["packets"], cli["records"], cli["valid"], cli["invalid"], cli["unusable"]) == (
        summary.packets,
        summary.records,
        summary.valid,
        summary.invalid,
        summary.unusable,
    )
    ours = sorted(
        (r.packet, r.position, f.code, f.location, f.line, f.message_vi, f.message_en)
        for r in summary.failures
        for f in r.failures
    )
    theirs = sorted(
        (
            f["source"],
            f["position"],
            f["code"],
            f["location"],
            f["line"],
            f["message_vi"],
            f["message_en"],
        )
        for f in cli["failures"]
    )
    assert ours == theirs


# ------------------------------------------------------------------------------------ on Dask


def _task_keys(stream: list[dict[str, Any]]) -> list[str]:
    return [str(t["key"][0] if isinstance(t["key"], tuple) else t["key"]) for t in stream]


def test_local_cluster_gives_the_same_rows(
    client: distributed.Client,
    corpus: Corpus,
    local_rows: list[scaleout.RecordResult],
) -> None:
    from distributed import get_task_stream

    bag = scaleout.packets_bag(corpus.paths)
    assert bag.npartitions == len(corpus.paths)  # one packet per partition
    with get_task_stream(client) as stream:
        rows = compute(scaleout.check_packets_bag(bag), scheduler=client)
    assert rows == local_rows  # record for record, failures and positions included

    # the work really ran as tasks on the cluster's worker
    ran = [t for t in stream.data if "check_packet" in _task_keys([t])[0]]
    assert len(ran) >= bag.npartitions
    workers = set(client.scheduler_info()["workers"])
    assert {t["worker"] for t in ran} <= workers


def test_local_cluster_summary(
    client: distributed.Client,
    corpus: Corpus,
    local_results: list[scaleout.PacketResult],
) -> None:
    from distributed import get_task_stream

    expected = scaleout.summarize(local_results)
    with get_task_stream(client) as stream:
        explicit = scaleout.check_packets(corpus.paths, client=client)
        default = scaleout.check_packets(scaleout.packets_bag(corpus.paths))  # active client
    assert explicit == expected
    assert default == expected
    ran = [k for k in _task_keys(stream.data) if "check_packet" in k]
    assert len(ran) >= 2 * len(corpus.paths)


def test_local_cluster_several_packets_per_partition(
    client: distributed.Client,
    corpus: Corpus,
    local_rows: list[scaleout.RecordResult],
    local_results: list[scaleout.PacketResult],
) -> None:
    bag = scaleout.packets_bag(corpus.paths, packets_per_partition=3)
    assert bag.npartitions == math.ceil(len(corpus.paths) / 3)
    assert compute(scaleout.check_packets_bag(bag), scheduler=client) == local_rows
    summary = scaleout.check_packets(bag, client=client)
    assert summary == scaleout.summarize(local_results)


def test_results_written_by_the_workers(
    client: distributed.Client,
    corpus: Corpus,
    local_rows: list[scaleout.RecordResult],
    tmp_path: Path,
) -> None:
    """The recipe of docs/scaleout.md: every row as JSON lines, one file per partition."""
    bag = scaleout.check_packets_bag(scaleout.packets_bag(corpus.paths))
    out = tmp_path / "results"
    untyped: Any = bag
    untyped.map(scaleout.RecordResult.to_dict).map(json.dumps).to_textfiles(
        str(out / "part-*.jsonl"), compute=True, scheduler=client
    )
    files = sorted(out.glob("part-*.jsonl"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(files) == len(corpus.paths)
    back = [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()]
    assert back == [json.loads(json.dumps(r.to_dict())) for r in local_rows]


def test_synchronous_scheduler(
    dask_available: None,
    corpus: Corpus,
    local_rows: list[scaleout.RecordResult],
    local_results: list[scaleout.PacketResult],
) -> None:
    bag = scaleout.packets_bag(corpus.paths, packets_per_partition=2)
    assert compute(scaleout.check_packets_bag(bag), scheduler="sync") == local_rows
    assert scaleout.check_packets(bag, scheduler="sync") == scaleout.summarize(local_results)


def test_process_scheduler_ships_packets_and_results_by_pickle(dask_available: None) -> None:
    """Across real process boundaries: Packet sources in, result rows out (both pickled)."""
    records = [to_xml(generate_record(1000 + i, 1 + i % 12)) for i in range(24)]
    records[5] = b"<HOC_BA><A></B></HOC_BA>"
    packets = list(batch.pack(records, max_packet_bytes=8_000, check_records=False))
    assert len(packets) >= 2
    local = [row for p in packets for row in scaleout.check_packet(p).rows()]
    bag = scaleout.packets_bag(packets)
    rows = compute(scaleout.check_packets_bag(bag), scheduler="processes", num_workers=2)
    assert rows == local
    assert [(r.packet, r.position) for r in rows if not r.valid] == [("packet-000000", 5)]
    summary = scaleout.check_packets(bag, scheduler="processes")
    assert summary == scaleout.summarize(scaleout.check_packet(p) for p in packets)

    # well-formedness only, as `hocbaso batch unpack`
    shallow = compute(scaleout.check_packets_bag(bag, validate=False), scheduler="processes")
    assert shallow == [
        row for p in packets for row in scaleout.check_packet(p, validate=False).rows()
    ]


# ------------------------------------------------------------------------------- plain data


def _plain(value: object) -> bool:
    if value is None or isinstance(value, str | int):  # bool is an int
        return True
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, scaleout.RecordFailure | scaleout.RecordResult):
        return all(_plain(getattr(value, f.name)) for f in fields(value))
    return False


def test_results_are_plain_picklable_data(
    local_rows: list[scaleout.RecordResult], local_results: list[scaleout.PacketResult]
) -> None:
    assert all(_plain(row) for row in local_rows)
    assert pickle.loads(pickle.dumps(local_results)) == local_results
    summary = scaleout.summarize(local_results)
    assert pickle.loads(pickle.dumps(summary)) == summary
    json.dumps(summary.to_dict(), ensure_ascii=False)


# ------------------------------------------------------------------------------ wrong usage


def test_wrong_sources_and_options(dask_available: None) -> None:
    with pytest.raises(InputError) as info:
        scaleout.check_packet(42)  # type: ignore[arg-type]
    assert info.value.code == "SCALEOUT-SOURCE"
    with pytest.raises(InputError):
        scaleout.packets_bag([("name", b"bytes")])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError) as config:
        scaleout.packets_bag([], packets_per_partition=0)
    assert config.value.code == "CONFIG-PARTITION"
    with pytest.raises(ConfigurationError) as config:
        scaleout.check_packets_bag(["packet.b64"])  # type: ignore[arg-type]
    assert config.value.code == "CONFIG-BAG"
    with pytest.raises(ConfigurationError) as config:
        scaleout.check_packets([], client=object(), scheduler="sync")  # type: ignore[arg-type]
    assert config.value.code == "CONFIG-SCHEDULER"


def test_no_packets(dask_available: None) -> None:
    summary = scaleout.check_packets([], scheduler="sync")
    assert summary == scaleout.ScaleoutSummary()
    assert summary.ok
