"""Which way imports go (docs/architecture.md), read from the source with ``ast``.

The core never imports the adapters, the testing kit or the CLI (``__main__.py`` is the CLI); adapters
import no ``_``-private core module except ``voltricx._tasks`` and no
``_``-private name; outside the testing kit nothing silences pyright's
private-usage check; the Node does not touch aiohttp's websocket API; the
testing kit and the CLI start no bare task (every one has a ``TaskTracker`` owner).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "voltricx"
OUTSIDE_CORE = ("adapters", "testing", "cli")


def _modules(where: Path) -> list[Path]:
    return sorted(where.rglob("*.py"))


def _core() -> list[Path]:
    """The core: everything but the adapters, the testing kit and the CLI (``cli/``, ``__main__.py``)."""
    return [
        p
        for p in _modules(PACKAGE)
        if p.relative_to(PACKAGE).parts[0] not in OUTSIDE_CORE and p.name != "__main__.py"
    ]


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) for every import statement in ``path``."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def test_the_walk_sees_the_package() -> None:
    core = {p.relative_to(PACKAGE).as_posix() for p in _core()}
    assert {"player.py", "node.py", "_transport.py", "models/ws.py"} <= core
    assert not any(name.startswith(OUTSIDE_CORE) for name in core)


@pytest.mark.parametrize("path", _core(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_core_never_imports_adapters_testing_or_cli(path: Path) -> None:
    for module, names in _imports(path):
        targets = [module] + [f"{module}.{name}" for name in names]
        for target in targets:
            assert not target.startswith(tuple(f"voltricx.{room}" for room in OUTSIDE_CORE)), (
                f"{path.name} imports {target}"
            )


@pytest.mark.parametrize("path", _modules(PACKAGE / "adapters"), ids=lambda p: p.name)
def test_adapters_import_no_private_core_names(path: Path) -> None:
    for module, names in _imports(path):
        if not module.startswith("voltricx") or module.startswith("voltricx.adapters"):
            continue
        private_module = any(part.startswith("_") for part in module.split(".")[1:])
        assert not private_module or module == "voltricx._tasks", f"{path.name} imports {module}"
        assert not [n for n in names if n.startswith("_")], f"{path.name} imports private names from {module}"


def test_private_usage_is_not_silenced_outside_the_testing_kit() -> None:
    silenced = [
        p.relative_to(PACKAGE).as_posix()
        for p in _modules(PACKAGE)
        if p.relative_to(PACKAGE).parts[0] != "testing" and "reportPrivateUsage" in p.read_text(encoding="utf-8")
    ]
    assert silenced == []


def test_the_node_reads_its_websocket_through_the_transport() -> None:
    imported = {module for module, _ in _imports(PACKAGE / "node.py")}
    assert "aiohttp" not in imported
    assert "voltricx._transport" in imported


BARE_TASK_STARTERS = frozenset({"create_task", "ensure_future"})


def _bare_task_starts(path: Path) -> list[str]:
    """``name:line`` of every call of ``create_task``/``ensure_future``/``asyncio.Task`` in ``path``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        is_task_class = name == "Task" and isinstance(func, ast.Attribute)
        if name in BARE_TASK_STARTERS or is_task_class:
            found.append(f"{name}:{node.lineno}")
    return found


def _kit_and_cli() -> list[Path]:
    return [*_modules(PACKAGE / "testing"), *_modules(PACKAGE / "cli"), PACKAGE / "__main__.py"]


def test_the_task_scan_finds_a_bare_task() -> None:
    assert _bare_task_starts(PACKAGE / "_tasks.py")  # TaskTracker.spawn, the one place allowed


@pytest.mark.parametrize("path", _kit_and_cli(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_the_testing_kit_and_the_cli_start_no_bare_task(path: Path) -> None:
    assert _bare_task_starts(path) == [], f"{path.name}: start it with a TaskTracker (voltricx._tasks)"


# Modules allowed past 500 lines: each is one idea that needs the room, and says so in its docstring.
LONG_MODULES = {"node.py", "player.py", "adapters/_dpy_family.py", "adapters/hikari.py"}
MODULE_LINES = 500


@pytest.mark.parametrize("path", _modules(PACKAGE), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_modules_stay_small_or_say_why(path: Path) -> None:
    name = path.relative_to(PACKAGE).as_posix()
    source = path.read_text(encoding="utf-8")
    lines = source.count("\n")
    if name in LONG_MODULES:
        docstring = ast.get_docstring(ast.parse(source)) or ""
        assert "over 500 lines" in docstring.lower(), f"{name} is long and its docstring does not say why"
    else:
        assert lines <= MODULE_LINES, f"{name} has {lines} lines; split it or say why it is one idea"


def test_the_long_modules_are_still_long() -> None:
    # A module that shrank below the limit leaves the allow-list, so the list stays true.
    for name in LONG_MODULES:
        assert (PACKAGE / name).read_text(encoding="utf-8").count("\n") > MODULE_LINES, name


@pytest.mark.parametrize("path", _modules(PACKAGE / "testing"), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_class_in_the_testing_kit_is_over_500_lines(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno is not None
            assert node.end_lineno - node.lineno < MODULE_LINES, f"{path.name}: class {node.name}"


DISCORD_LIBRARIES = ("discord", "nextcord", "disnake", "hikari")


def _imports_anywhere(path: Path) -> list[str]:
    """Every absolute module an import statement in ``path`` names, at any depth (``TYPE_CHECKING``, functions)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found.append(node.module)
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in _modules(PACKAGE) if p.relative_to(PACKAGE).parts[0] != "adapters"],
    ids=lambda p: p.relative_to(PACKAGE).as_posix(),
)
def test_only_the_adapters_import_a_discord_library(path: Path) -> None:
    for module in _imports_anywhere(path):
        assert module.split(".")[0] not in DISCORD_LIBRARIES, f"{path.name} imports {module}"


@pytest.mark.parametrize("path", _modules(PACKAGE / "adapters"), ids=lambda p: p.name)
def test_adapters_never_import_the_testing_kit(path: Path) -> None:
    for module in _imports_anywhere(path):
        assert not module.startswith("voltricx.testing"), f"{path.name} imports {module}"
