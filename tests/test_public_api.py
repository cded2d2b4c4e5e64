"""The public API is a checked-in list, so every export change shows up as a diff.

`tests/public_api.txt` holds one line per exported name: ``module.name`` for each
name in the ``__all__`` of ``voltricx`` and of every public module below it (a
module is public when no part of its dotted path starts with ``_``). Regenerate
it after an intended change with the command in the failure message.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import voltricx

API_FILE = Path(__file__).with_name("public_api.txt")
REGENERATE = ".venv/bin/python tests/test_public_api.py > tests/public_api.txt"


def public_modules() -> list[str]:
    """Every importable public module of the package, sorted, the package itself first."""
    names = ["voltricx"]
    for info in pkgutil.walk_packages(voltricx.__path__, "voltricx."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        names.append(info.name)
    return sorted(names)


def exported_names() -> list[str]:
    """``module.name`` for every name a public module lists in ``__all__``."""
    lines: list[str] = []
    for name in public_modules():
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            lines.append(f"{name} (no __all__)")
            continue
        lines.extend(f"{name}.{item}" for item in sorted(exported))
    return lines


def test_every_public_module_declares_all() -> None:
    missing = [line for line in exported_names() if line.endswith("(no __all__)")]
    assert not missing, f"public modules without __all__: {missing}"


def test_exports_match_the_checked_in_list() -> None:
    expected = API_FILE.read_text(encoding="utf-8").splitlines()
    actual = exported_names()
    added = sorted(set(actual) - set(expected))
    removed = sorted(set(expected) - set(actual))
    assert actual == expected, (
        f"the public API changed (added: {added}, removed: {removed}). If that is "
        f"intended, regenerate the list with: {REGENERATE}"
    )


if __name__ == "__main__":
    print("\n".join(exported_names()))
