"""Without dask: a clear DASK-MISSING error, and the one-machine path still works."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from hocbaso import scaleout
from hocbaso.errors import ConfigurationError
from tests.scaleout.support import Corpus


@pytest.fixture
def no_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import dask.bag`` fail as if dask were not installed."""
    for name in ("dask", "dask.bag", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.usefixtures("no_dask")
def test_dask_missing_is_a_configuration_error(corpus: Corpus) -> None:
    calls: list[Callable[[], object]] = [
        lambda: scaleout.packets_bag(corpus.paths),
        lambda: scaleout.check_packets(corpus.paths),
        lambda: scaleout.check_packets_bag(object()),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(ConfigurationError) as info:
            call()
        error = info.value
        assert error.code == "DASK-MISSING"
        assert "hocbaso[dask]" in error.message_en
        assert "hocbaso[dask]" in error.message_vi
        assert "Chưa cài đặt" in error.message_vi
        assert isinstance(error.__cause__, ImportError)


@pytest.mark.usefixtures("no_dask")
def test_one_machine_path_needs_no_dask(
    corpus: Corpus, local_results: list[scaleout.PacketResult]
) -> None:
    assert [scaleout.check_packet(p) for p in corpus.paths[:2]] == local_results[:2]
