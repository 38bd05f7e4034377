"""Scale-out: the batch check of ``hocbaso batch check`` on a Dask cluster (``dask.bag``).

For a Ministry whose packets no longer fit one machine's day. The unit of work is one packet
(*gói tin*): :func:`check_packet` runs the very functions the command line runs for it
(read, decode, cut into records, validate each record), on plain data, and returns plain
frozen dataclasses (no lxml object ever crosses a process or machine boundary).

* one machine: ``summarize(check_packet(s) for s in sources)``;
* Dask: :func:`packets_bag` (one packet per partition) → :func:`check_packets_bag` (the lazy
  bag of every :class:`RecordResult`) or :func:`check_packets` (counts and failing rows,
  computed on a ``distributed.Client`` or a local Dask scheduler).

Dask is optional (``pip install 'hocbaso[dask]'``) and imported only when a bag is built or
run; without it those functions raise :class:`~hocbaso.errors.ConfigurationError`
(``DASK-MISSING``). See ``docs/scaleout.md``.
"""

from __future__ import annotations

from hocbaso.batch._dask import (
    PacketResult,
    PacketSource,
    RecordFailure,
    RecordResult,
    ScaleoutSummary,
    check_packet,
    check_packets,
    check_packets_bag,
    packets_bag,
    summarize,
)

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
