"""``python -m voltricx --version``: versions from package metadata, no Discord library imported."""

from __future__ import annotations

import io
import subprocess
import sys
from importlib import metadata

from voltricx.cli import main
from voltricx.cli.version import DISCORD_LIBRARIES

DISCORD_MODULES = ("discord", "nextcord", "disnake", "hikari")


def installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def test_version_lists_voltricx_python_dependencies_and_discord_libraries() -> None:
    out = io.StringIO()
    assert main(["--version"], stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == f"voltricx {metadata.version('voltricx')}"
    assert lines[1].startswith(f"Python {sys.version_info.major}.{sys.version_info.minor}.")
    assert f"aiohttp {metadata.version('aiohttp')}" in lines
    assert f"msgspec {metadata.version('msgspec')}" in lines
    for library in DISCORD_LIBRARIES:
        assert f"{library} {installed(library)}" in lines
    assert len(lines) == 4 + len(DISCORD_LIBRARIES)


def test_version_never_imports_a_discord_library() -> None:
    code = (
        "import sys\n"
        "from voltricx.cli import main\n"
        "assert main(['--version']) == 0\n"
        f"loaded = [m for m in {DISCORD_MODULES!r} if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("voltricx ")


def test_module_entry_point_prints_versions() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voltricx", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("voltricx ")


def test_no_command_prints_help_and_exits_2() -> None:
    out = io.StringIO()
    assert main([], stdout=out) == 2
    assert "demo" in out.getvalue() and "check" in out.getvalue()
