"""Fixtures of the scale-out tests: the corpus of packets and a local Dask cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from hocbaso import scaleout
from tests.scaleout.support import Corpus, build_corpus, require_dask

if TYPE_CHECKING:
    import distributed


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """The packet files (built once per test process)."""
    return build_corpus(tmp_path_factory.mktemp("scaleout-packets"))


@pytest.fixture(scope="session")
def local_results(corpus: Corpus) -> list[scaleout.PacketResult]:
    """The one-machine path: check_packet on each source, in a plain loop."""
    return [scaleout.check_packet(path) for path in corpus.paths]


@pytest.fixture(scope="session")
def local_rows(local_results: list[scaleout.PacketResult]) -> list[scaleout.RecordResult]:
    """Every row of the one-machine path, in order."""
    return [row for result in local_results for row in result.rows()]


@pytest.fixture
def dask_available() -> None:
    """Dask must be importable (skip locally, fail in CI)."""
    require_dask()


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    """A Dask ``LocalCluster`` in this process (1 worker, 2 threads) and its client."""
    require_dask()
    from distributed import Client, LocalCluster

    # dashboard on port 0 (any free port): parallel test processes do not fight over 8787
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as dask_client,  # type: ignore[no-untyped-call]
    ):
        yield dask_client
