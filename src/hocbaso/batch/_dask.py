"""Scale-out of the packet check on Dask (``dask.bag``): the CLI's per-packet work, distributed.

Internal module: import the names from :mod:`hocbaso.scaleout`.

The work done for one packet is exactly what ``hocbaso batch check`` (and ``unpack``) does:
read the packet file and take its ``content`` (:func:`hocbaso.batch.packet_content`, which
also accepts an ``authenticationRequest`` JSON), decode it and cut it into records with
:func:`hocbaso.batch.iter_records` (``check_records=False``, as the CLI), then check every
record with the CLI's worker function :func:`hocbaso.batch.check_records`. Those
functions are imported, not copied, so the two paths cannot drift apart.

Only plain data crosses the wire: packet sources are ``(name, content)`` string pairs, paths
or :class:`~hocbaso.batch.Packet` objects; results are frozen dataclasses of ``str``, ``int``,
``bool`` and ``None`` (no lxml object, no exception object, no record bytes). Dask is
imported lazily, only by the functions that build or run a bag.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from hocbaso.batch._limits import DecompressionLimits
from hocbaso.batch._packets import Packet, iter_records
from hocbaso.errors import ConfigurationError, HocbasoError, InputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import dask.bag
    import distributed

__all__ = [
    "PacketResult",
    "PacketSource",
    "RecordFailure",
    "RecordResult",
    "ScaleoutSummary",
    "check_packet",
    "check_packets",
    "check_packets_bag",
    "packets_bag",
    "summarize",
]

#: Records handed to the CLI's worker function at a time (the CLI's own chunk size).
_CHUNK = 64

#: What one element of a packets bag may be: ``(name, content)`` (the content string or an
#: ``authenticationRequest`` JSON, named by the caller), a path to a packet file (read on the
#: worker, so it must be visible there), or a :class:`~hocbaso.batch.Packet` from
#: :func:`hocbaso.batch.pack` (named ``packet-NNNNNN``).
PacketSource: TypeAlias = tuple[str, str] | str | os.PathLike[str] | Packet


@dataclass(frozen=True, slots=True)
class RecordFailure:
    """One reason why a record (or a whole packet) failed: plain strings and integers.

    Attributes:
        code: stable rule id (e.g. ``XSD``, ``PACKET-RECORD-SYNTAX``, ``PACKET-GZIP``,
            ``FILE-READ``).
        location: XPath or field path of the offending item, when known.
        line: 1-based source line, when known.
        message_vi: explanation in Vietnamese.
        message_en: explanation in English.
    """

    code: str
    location: str | None
    line: int | None
    message_vi: str
    message_en: str


@dataclass(frozen=True, slots=True)
class RecordResult:
    """The verdict on one record of one packet, or on a packet that could not be read.

    A row with ``position`` ``None`` is about the packet itself (unreadable file, content
    that does not decode, broken packet structure): its ``failures`` hold the one reason, and
    the records found before the break (if any) have rows of their own.

    Attributes:
        packet: the packet's name (the path as given, the caller's name, or ``packet-NNNNNN``).
        position: 0-based index of the record in the packet; ``None`` for a packet-level row.
        valid: no failure (for a packet-level row: always ``False``).
        failures: every failure of the record, in the order the checks report them.
        sha256: hex SHA-256 of the record's exact bytes in the packet; ``None`` for a
            packet-level row. Ties a result to the bytes without shipping them.
        xml_bytes: length of the record's bytes (0 for a packet-level row).
    """

    packet: str
    position: int | None
    valid: bool
    failures: tuple[RecordFailure, ...]
    sha256: str | None
    xml_bytes: int

    @property
    def is_packet_error(self) -> bool:
        """True for the row of a packet that could not be read or decoded to the end."""
        return self.position is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (failures as a list of dicts), e.g. for ``Bag.to_textfiles``."""
        data = asdict(self)
        data["failures"] = [asdict(f) for f in self.failures]
        return data


@dataclass(frozen=True, slots=True)
class PacketResult:
    """Everything found in one packet: a row per record, and the packet-level error if any.

    Attributes:
        packet: the packet's name.
        records: one :class:`RecordResult` per record found, in packet order.
        error: why the packet could not be read or decoded (to the end), else ``None``.
    """

    packet: str
    records: tuple[RecordResult, ...]
    error: RecordFailure | None

    def rows(self) -> list[RecordResult]:
        """The record rows, then a packet-level row (``position`` ``None``) if ``error``."""
        out = list(self.records)
        if self.error is not None:
            out.append(RecordResult(self.packet, None, False, (self.error,), None, 0))
        return out


@dataclass(frozen=True, slots=True)
class ScaleoutSummary:
    """Counts over many packets and every failing row, in packet order.

    The counts follow ``hocbaso batch check``: ``unusable`` counts packets with a
    packet-level error; ``records`` counts records found (also those before a break).

    Attributes:
        packets: packets processed.
        records: records found in them.
        valid: records without failure.
        invalid: records with at least one failure.
        unusable: packets that could not be read or decoded to the end.
        failures: the failing rows (records and packets), in packet order.
    """

    packets: int = 0
    records: int = 0
    valid: int = 0
    invalid: int = 0
    unusable: int = 0
    failures: tuple[RecordResult, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when every packet was usable and every record valid."""
        return not self.invalid and not self.unusable

    def merge(self, other: ScaleoutSummary) -> ScaleoutSummary:
        """This summary followed by ``other`` (counts added, failures concatenated)."""
        return ScaleoutSummary(
            self.packets + other.packets,
            self.records + other.records,
            self.valid + other.valid,
            self.invalid + other.invalid,
            self.unusable + other.unusable,
            self.failures + other.failures,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (failures as dicts, see :meth:`RecordResult.to_dict`)."""
        return {
            "packets": self.packets,
            "records": self.records,
            "valid": self.valid,
            "invalid": self.invalid,
            "unusable": self.unusable,
            "failures": [f.to_dict() for f in self.failures],
        }


# ------------------------------------------------------------------------ the per-packet work


def _failure(code: str, location: str | None, line: int | None, vi: str, en: str) -> RecordFailure:
    return RecordFailure(code, location, line, vi, en)


def _from_error(exc: HocbasoError) -> RecordFailure:
    return RecordFailure(exc.code, exc.location, exc.line, exc.message_vi, exc.message_en)


def _source_error(source: object) -> InputError:
    return InputError(
        f"a packet source must be a (name, content) pair of strings, a path or a Packet, "
        f"not {type(source).__name__}",
        message_vi="Mỗi gói tin đưa vào phải là cặp (tên, nội dung), đường dẫn tệp hoặc Packet.",
        code="SCALEOUT-SOURCE",
    )


def _check_source(source: object) -> None:
    if isinstance(source, Packet | str | os.PathLike):
        return
    if (
        isinstance(source, tuple)
        and len(source) == 2
        and isinstance(source[0], str)
        and isinstance(source[1], str)
    ):
        return
    raise _source_error(source)


def _name(source: PacketSource) -> str:
    if isinstance(source, Packet):
        return f"packet-{source.index:06d}"
    if isinstance(source, tuple):
        return source[0]
    return os.fspath(source)


def _content(source: PacketSource) -> str:
    """The packet's content string; a path is read with the CLI's rules (ASCII, strict)."""
    from hocbaso.batch._work import packet_content as _content_of

    if isinstance(source, Packet):
        return source.content
    if isinstance(source, tuple):
        return _content_of(source[1])
    with open(os.fspath(source), encoding="ascii", errors="strict") as fh:
        return _content_of(fh.read())


def check_packet(
    source: PacketSource,
    *,
    validate: bool = True,
    limits: DecompressionLimits | None = None,
) -> PacketResult:
    """Check every record of one packet, with the very functions ``hocbaso batch`` runs.

    This is the unit of work of the scale-out: a plain function of plain data, run once per
    packet by :func:`check_packets_bag`, or in a loop on one machine. Nothing is dropped: a
    failing record gets its failures; a packet that cannot be read or decoded gets an
    ``error`` (and the records found before a break in its structure keep their rows).

    Args:
        source: ``(name, content)``, a path to a packet file, or a
            :class:`~hocbaso.batch.Packet` (see :data:`PacketSource`).
        validate: check each record with :func:`hocbaso.validate` (XSD and models), as
            ``hocbaso batch check``; ``False`` checks only well-formedness, as ``batch unpack``.
        limits: decompression limits (default :class:`~hocbaso.batch.DecompressionLimits`).

    Raises:
        InputError: ``source`` is not one of the accepted kinds (``SCALEOUT-SOURCE``).
    """
    from hocbaso.batch._work import check_records as _check_records

    _check_source(source)
    name = _name(source)
    rows: list[RecordResult] = []
    chunk: list[tuple[str, int, bytes, bool]] = []

    def flush() -> None:
        # The CLI's worker, on a chunk of the CLI's size: only one chunk of record copies
        # lives beside the packet XML at a time.
        for _path, index, data, failures in _check_records(chunk):
            rows.append(
                RecordResult(
                    packet=name,
                    position=index,
                    valid=not failures,
                    failures=tuple(_failure(*f) for f in failures),
                    sha256=hashlib.sha256(data).hexdigest(),
                    xml_bytes=len(data),
                )
            )
        chunk.clear()

    error: RecordFailure | None = None
    try:
        content = _content(source)
        for rec in iter_records(content, limits=limits, check_records=False):
            chunk.append((name, rec.index, rec.data, validate))
            if len(chunk) == _CHUNK:
                flush()
    except HocbasoError as exc:
        error = _from_error(exc)
    except (OSError, UnicodeDecodeError) as exc:
        error = _failure("FILE-READ", None, None, str(exc), str(exc))
    flush()  # the records found before a break keep their rows
    return PacketResult(name, tuple(rows), error)


def summarize(results: Iterable[PacketResult]) -> ScaleoutSummary:
    """Counts and failing rows of packet results (the one-machine path, and each partition)."""
    packets = records = valid = unusable = 0
    failures: list[RecordResult] = []
    for result in results:
        packets += 1
        records += len(result.records)
        for row in result.rows():
            if row.valid:
                valid += 1
            else:
                failures.append(row)
        if result.error is not None:
            unusable += 1
    invalid = records - valid
    return ScaleoutSummary(packets, records, valid, invalid, unusable, tuple(failures))


def _summary_partition(results: Iterable[PacketResult]) -> list[ScaleoutSummary]:
    return [summarize(results)]


def _rows(result: PacketResult) -> list[RecordResult]:
    return result.rows()


# ---------------------------------------------------------------------------------- on Dask


def _dask_bag() -> Any:
    """The ``dask.bag`` module, or a clear error saying how to install it."""
    try:
        import dask.bag
    except ImportError as exc:
        raise ConfigurationError(
            f"dask is not installed ({exc}); install the optional extra: "
            "pip install 'hocbaso[dask]' (dask[bag,distributed])",
            message_vi="Chưa cài đặt thư viện dask nên không chạy được trên cụm Dask; "
            "cài thêm bằng lệnh: pip install 'hocbaso[dask]'.",
            code="DASK-MISSING",
        ) from exc
    return dask.bag


def packets_bag(sources: Iterable[PacketSource], *, packets_per_partition: int = 1) -> dask.bag.Bag:
    """A ``dask.bag`` of packet sources, partitioned by packet (one per partition by default).

    A packet is the natural unit: it is decoded whole, its records are checked one after the
    other, and a partition's memory is that of its packets. Give paths (read by the workers,
    which must see the same files) rather than contents when the cluster has several
    machines, so that the client does not ship every packet through the scheduler.

    Raises:
        ConfigurationError: dask is not installed (``DASK-MISSING``), or
            ``packets_per_partition`` is not a positive integer.
        InputError: a source is not one of the accepted kinds (``SCALEOUT-SOURCE``).
    """
    if (
        isinstance(packets_per_partition, bool)
        or not isinstance(packets_per_partition, int)
        or packets_per_partition < 1
    ):
        raise ConfigurationError(
            f"packets_per_partition must be a positive integer, got {packets_per_partition!r}",
            message_vi="Số gói tin mỗi phân vùng phải là số nguyên dương.",
            code="CONFIG-PARTITION",
        )
    db = _dask_bag()
    items: Sequence[PacketSource] = list(sources)
    for source in items:
        _check_source(source)
    bag: dask.bag.Bag
    if not items:
        bag = db.from_sequence([], npartitions=1)
    else:
        bag = db.from_sequence(items, partition_size=packets_per_partition)
    return bag


def _packet_results(
    packets: dask.bag.Bag, validate: bool, limits: DecompressionLimits | None
) -> dask.bag.Bag:
    # Bag's methods are not annotated: go through Any, then state the result type.
    untyped: Any = packets
    results: dask.bag.Bag = untyped.map(check_packet, validate=validate, limits=limits)
    return results


def check_packets_bag(
    packets: dask.bag.Bag,
    *,
    validate: bool = True,
    limits: DecompressionLimits | None = None,
) -> dask.bag.Bag:
    """The lazy bag of :class:`RecordResult` rows of every packet, in packet order.

    Runs :func:`check_packet` on each element of ``packets`` (see :func:`packets_bag`) where
    the bag is computed; each packet gives its record rows, then a packet-level row if it
    could not be read or decoded to the end. Keep the results on the cluster for large runs,
    e.g. ``bag.map(RecordResult.to_dict).map(json.dumps).to_textfiles(...)``.

    Raises:
        ConfigurationError: dask is not installed (``DASK-MISSING``), or ``packets`` is not
            a ``dask.bag.Bag``.
    """
    _require_bag(packets)
    untyped: Any = _packet_results(packets, validate, limits)
    rows: dask.bag.Bag = untyped.map(_rows).flatten()
    return rows


def _require_bag(packets: object) -> None:
    db = _dask_bag()
    if not isinstance(packets, db.Bag):
        raise ConfigurationError(
            f"expected a dask.bag.Bag of packet sources, got {type(packets).__name__}",
            message_vi="Cần một dask.bag.Bag chứa các gói tin.",
            code="CONFIG-BAG",
        )


def check_packets(
    packets: dask.bag.Bag | Iterable[PacketSource],
    *,
    client: distributed.Client | None = None,
    scheduler: Literal["sync", "threads", "processes"] | None = None,
    validate: bool = True,
    limits: DecompressionLimits | None = None,
) -> ScaleoutSummary:
    """Check every packet on Dask and bring back the summary (counts and failing rows).

    Each partition is summarised where it ran; only the counts and the failing rows travel
    back to the caller, never the record bytes nor the rows of valid records.

    Args:
        packets: a bag of packet sources, or the sources themselves (then
            :func:`packets_bag` makes one packet per partition).
        client: a ``distributed.Client`` to run on. Without it (and without ``scheduler``)
            Dask's current default is used: the active ``Client`` if one exists, else the
            scheduler of ``dask.config`` (for bags, local processes).
        scheduler: a local Dask scheduler instead (``"sync"``, ``"threads"``,
            ``"processes"``); not together with ``client``.
        validate: as in :func:`check_packet`.
        limits: as in :func:`check_packet`.

    Raises:
        ConfigurationError: dask is not installed (``DASK-MISSING``), or both ``client`` and
            ``scheduler`` were given (``CONFIG-SCHEDULER``).
        InputError: a source is not one of the accepted kinds (``SCALEOUT-SOURCE``).
    """
    if client is not None and scheduler is not None:
        raise ConfigurationError(
            "give either client or scheduler, not both",
            message_vi="Chỉ chọn một trong hai: client (cụm Dask) hoặc scheduler (cục bộ).",
            code="CONFIG-SCHEDULER",
        )
    db = _dask_bag()
    bag = packets if isinstance(packets, db.Bag) else packets_bag(packets)
    untyped: Any = _packet_results(bag, validate, limits)
    partials = untyped.map_partitions(_summary_partition)
    parts: list[ScaleoutSummary] = partials.compute(
        scheduler=client if client is not None else scheduler
    )
    return _merge(parts)


def _merge(parts: Iterable[ScaleoutSummary]) -> ScaleoutSummary:
    """Add up partition summaries (failures kept in partition order, copied once)."""
    packets = records = valid = invalid = unusable = 0
    failures: list[RecordResult] = []
    for part in parts:
        packets += part.packets
        records += part.records
        valid += part.valid
        invalid += part.invalid
        unusable += part.unusable
        failures.extend(part.failures)
    return ScaleoutSummary(packets, records, valid, invalid, unusable, tuple(failures))
