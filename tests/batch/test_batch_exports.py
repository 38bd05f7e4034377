"""The public surface of hocbaso.batch: __all__ is exact and every public name is documented."""

from __future__ import annotations

import inspect

from hocbaso import batch


def test_all_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(batch).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert set(batch.__all__) == public
    assert len(batch.__all__) == len(set(batch.__all__))


def test_every_public_name_has_a_docstring() -> None:
    for name in batch.__all__:
        value = getattr(batch, name)
        if isinstance(value, int | str):
            continue  # constants are documented in the module that defines them
        assert inspect.getdoc(value), name


def test_public_methods_documented() -> None:
    for name in batch.__all__:
        value = getattr(batch, name)
        if not inspect.isclass(value):
            continue
        for attr, member in vars(value).items():
            if attr.startswith("_") or (
                not callable(member) and not isinstance(member, classmethod | property)
            ):
                continue
            assert inspect.getdoc(getattr(value, attr)), f"{name}.{attr}"


def test_batch_models_do_not_import_lxml() -> None:
    import hocbaso.batch._envelopes as env

    source = inspect.getsource(env)
    assert "lxml" not in source.replace("no lxml", "")
