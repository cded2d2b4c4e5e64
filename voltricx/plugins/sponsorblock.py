"""SponsorBlock plugin: which segment categories a player skips, and its events.

```python
from voltricx.plugins import sponsorblock

await sponsorblock.set_categories(player, ["sponsor", "selfpromo"])
skipped = await sponsorblock.get_categories(player)  # ["sponsor", "selfpromo"]
await sponsorblock.clear_categories(player)
```

Events (typed, in [`voltricx.events`][voltricx.events]): ``SegmentsLoaded``,
``SegmentSkipped``, ``ChaptersLoaded``, ``ChapterStarted``. Only YouTube
tracks have segments. A node without the plugin raises
[`PluginNotAvailable`][voltricx.plugins.PluginNotAvailable].
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

from voltricx.errors import LavalinkHTTPError, NodeProtocolError, PlayerError
from voltricx.plugins._common import require_plugin

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.player import Player

__all__ = [
    "PLUGIN",
    "Category",
    "clear_categories",
    "get_categories",
    "remove_categories",
    "set_categories",
]

PLUGIN = "sponsorblock"
"""Substring of the plugin name in ``/v4/info``."""

_decoder = msgspec.json.Decoder(list[str])


class Category(enum.StrEnum):
    """SponsorBlock segment categories."""

    SPONSOR = "sponsor"
    SELF_PROMO = "selfpromo"
    INTERACTION = "interaction"
    INTRO = "intro"
    OUTRO = "outro"
    PREVIEW = "preview"
    MUSIC_OFFTOPIC = "music_offtopic"
    FILLER = "filler"


def _categories(values: Iterable[Category | str]) -> list[str]:
    out: list[str] = []
    for value in values:
        try:
            out.append(Category(value).value)
        except ValueError:
            known = ", ".join(c.value for c in Category)
            raise ValueError(f"unknown SponsorBlock category {value!r}; known: {known}") from None
    return out


async def _path(player: Player) -> tuple[Node, str]:
    node = player.node
    await require_plugin(node, PLUGIN, "SponsorBlock")
    return node, f"/v4/sessions/{node.require_session()}/players/{player.guild_id}/sponsorblock/categories"


async def get_categories(player: Player) -> list[str]:
    """The categories ``player`` skips. Raises [`PlayerError`][voltricx.PlayerError] without a player on the node."""
    node, path = await _path(player)
    try:
        _, raw = await node.rest.raw("GET", path)
    except LavalinkHTTPError as exc:
        if exc.status == 404:
            raise PlayerError(f"guild {player.guild_id} has no player on the node yet") from exc
        raise
    try:
        return _decoder.decode(raw) if raw.strip() else []
    except msgspec.DecodeError as exc:
        raise NodeProtocolError(f"node {node.identifier!r} sent categories we cannot read: {exc}", node=node.identifier) from None


async def set_categories(player: Player, categories: Iterable[Category | str]) -> None:
    """Skip segments of these categories from now on (replaces the previous set)."""
    values = _categories(categories)
    node, path = await _path(player)
    await node.rest.raw("PUT", path, body=values)


async def remove_categories(player: Player, categories: Iterable[Category | str]) -> None:
    """Stop skipping these categories."""
    values = _categories(categories)
    node, path = await _path(player)
    await node.rest.raw("DELETE", path, body=values)


async def clear_categories(player: Player) -> None:
    """Stop skipping every category."""
    await remove_categories(player, list(Category))
