"""Project hygiene: public API, docstrings, README and CI agree."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import hocbaso

ROOT = Path(__file__).resolve().parents[1]


def _public_modules() -> list[str]:
    names = ["hocbaso"]
    for info in pkgutil.walk_packages(hocbaso.__path__, "hocbaso."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def test_all_matches_real_public_names() -> None:
    for name in _public_modules():
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{name} has no __all__"
        for item in exported:
            assert hasattr(module, item), f"{name}.__all__ lists missing {item}"


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    for name in _public_modules():
        module = importlib.import_module(name)
        if not (module.__doc__ or "").strip():
            missing.append(name)
        for item in getattr(module, "__all__", []):
            obj = getattr(module, item)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                if not (obj.__doc__ or "").strip():
                    missing.append(f"{name}.{item}")
                if inspect.isclass(obj):
                    for meth_name, meth in vars(obj).items():
                        if meth_name.startswith("_") or not inspect.isfunction(meth):
                            continue
                        if not (meth.__doc__ or "").strip():
                            missing.append(f"{name}.{item}.{meth_name}")
    assert not missing, missing


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = re.search(r"# BEGIN TEST COMMAND\n(.+?)\n# END TEST COMMAND", ci, re.S)
    assert block is not None
    command = block.group(1).strip()
    assert f"```sh\n{command}\n```" in readme


def test_py_typed_shipped() -> None:
    assert (ROOT / "src" / "hocbaso" / "py.typed").is_file()
