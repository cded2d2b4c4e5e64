"""Shared plumbing of the plugin APIs: plugin detection and node choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voltricx._state import runtime
from voltricx.errors import PluginNotAvailable
from voltricx.selection import best_node

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.player import Player

__all__ = ["PluginNotAvailable", "has_plugin", "require_plugin", "resolve_node"]


async def has_plugin(node: Node, key: str) -> bool:
    """True when one of ``node``'s plugins has ``key`` in its name (case-insensitive)."""
    info = node.info
    if info is None:
        info = await node.fetch_info()
    wanted = key.lower()
    return any(wanted in plugin.name.lower() for plugin in info.plugins)


async def require_plugin(node: Node, key: str, label: str) -> None:
    """Raise [`PluginNotAvailable`][voltricx.plugins.PluginNotAvailable] unless ``node`` runs the plugin."""
    if not await has_plugin(node, key):
        info = node.info
        loaded = [p.name for p in info.plugins] if info is not None else []
        raise PluginNotAvailable(label, node.identifier, loaded)


def resolve_node(node: Node | None = None, player: Player | None = None) -> Node:
    """``node``, else the player's node, else the best connected node of the pool."""
    if node is not None:
        return node
    if player is not None:
        return player.node
    return best_node(runtime.nodes.values())
