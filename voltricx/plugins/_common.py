"""Shared plumbing of the plugin APIs: plugin detection and node choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voltricx._state import runtime
from voltricx.errors import VoltricxError
from voltricx.selection import best_node

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.player import Player

__all__ = ["PluginNotAvailable", "has_plugin", "require_plugin", "resolve_node"]


class PluginNotAvailable(VoltricxError):
    """The node does not run the plugin an API needs (checked against ``/v4/info`` plugins)."""

    def __init__(self, plugin: str, node: str, loaded: list[str]) -> None:
        self.plugin = plugin
        self.node = node
        listed = ", ".join(loaded) or "none"
        super().__init__(
            f"node {node!r} does not have the {plugin} plugin (its plugins: {listed}); "
            f"install {plugin} on the node or use a node that has it"
        )


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
