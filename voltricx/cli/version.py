"""``python -m voltricx --version``: versions of voltricx, Python and the libraries around it.

Discord libraries are looked up by their installed distribution metadata,
never imported.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata

__all__ = ["DISCORD_LIBRARIES", "version_lines"]

#: Distribution names of the Discord libraries voltricx has adapters for.
DISCORD_LIBRARIES = ("discord.py", "nextcord", "disnake", "hikari")


def _installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def version_lines() -> list[str]:
    """One ``name version`` line each: voltricx, Python, aiohttp, msgspec, Discord libraries."""
    from voltricx import __version__

    lines = [
        f"voltricx {_installed('voltricx') or __version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()}, {sys.platform})",
    ]
    for name in ("aiohttp", "msgspec"):
        lines.append(f"{name} {_installed(name) or 'not installed'}")
    for name in DISCORD_LIBRARIES:
        lines.append(f"{name} {_installed(name) or 'not installed'}")
    return lines
