"""The public API of :mod:`hocbaso.ledger`: ``__all__`` is exactly the public names, documented."""

from __future__ import annotations

import inspect
import types

from hocbaso import ledger


def _defined_public_names() -> set[str]:
    names = set()
    for name, obj in vars(ledger).items():
        if name.startswith("_") or isinstance(obj, types.ModuleType) or name == "annotations":
            continue
        names.add(name)
    return names


def test_all_is_exactly_the_public_names() -> None:
    assert sorted(ledger.__all__) == sorted(_defined_public_names())
    assert len(ledger.__all__) == len(set(ledger.__all__))


def test_public_names_are_documented_and_come_from_private_modules() -> None:
    for name in ledger.__all__:
        obj = getattr(ledger, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert (obj.__doc__ or "").strip(), name
            assert obj.__module__ == "hocbaso.ledger" or obj.__module__.startswith(
                "hocbaso.ledger._"
            ), name


def test_vietnamese_terms_are_given() -> None:
    doc = " ".join((getattr(ledger, n).__doc__ or "") for n in ledger.__all__) + ledger.__doc__
    for term in ("phát hành", "thu hồi", "sổ phát hành", "điểm kiểm tra", "bằng chứng"):
        assert term in doc, term


def test_cli_imports_only_the_public_api() -> None:
    import hocbaso.cli._ledger as cli

    source = inspect.getsource(cli)
    assert "hocbaso.ledger._" not in source
