"""LavaLyrics: lyrics of a track or of what a player plays, and live lyrics events.

```python
from voltricx.plugins import lavalyrics

# any track, any node with the plugin
lyrics = await lavalyrics.fetch_lyrics(track)
# what the player plays now
lyrics = await lavalyrics.fetch_player_lyrics(player)
# LyricsFound / LyricsLine events follow
await lavalyrics.subscribe_lyrics(player)
```

Each call returns ``None`` when the plugin finds no lyrics. A node without
the plugin raises [`PluginNotAvailable`][voltricx.plugins.PluginNotAvailable].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from voltricx.errors import LavalinkHTTPError, NodeProtocolError, PlayerError
from voltricx.models.track import Track
from voltricx.plugins._common import require_plugin, resolve_node
from voltricx.plugins.models import Lyrics

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.player import Player

__all__ = ["PLUGIN", "fetch_lyrics", "fetch_player_lyrics", "subscribe_lyrics", "unsubscribe_lyrics"]

PLUGIN = "lavalyrics"
"""Substring of the plugin name in ``/v4/info``."""

_decoder = msgspec.json.Decoder(Lyrics)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _decode(status: int, raw: bytes, node: Node) -> Lyrics | None:
    if status == 204 or not raw.strip():
        return None
    try:
        return _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise NodeProtocolError(f"node {node.identifier!r} sent lyrics we cannot read: {exc}", node=node.identifier) from None


def _player_path(player: Player, node: Node) -> str:
    return f"/v4/sessions/{node.require_session()}/players/{player.guild_id}"


async def fetch_lyrics(
    track: Track | str, *, skip_track_source: bool = False, node: Node | None = None
) -> Lyrics | None:
    """Lyrics of ``track`` (a track or its encoded string), or ``None``.

    ``skip_track_source=True`` skips the track's own source and uses the
    node's configured lyrics sources.
    """
    target = resolve_node(node)
    await require_plugin(target, PLUGIN, "LavaLyrics")
    encoded = track.encoded if isinstance(track, Track) else track
    status, raw = await target.rest.raw(
        "GET", "/v4/lyrics", params={"track": encoded, "skipTrackSource": _flag(skip_track_source)}
    )
    return _decode(status, raw, target)


async def fetch_player_lyrics(player: Player, *, skip_track_source: bool = False) -> Lyrics | None:
    """Lyrics of the track ``player`` plays now, or ``None``.

    Raises [`PlayerError`][voltricx.PlayerError] when nothing is playing.
    """
    node = player.node
    await require_plugin(node, PLUGIN, "LavaLyrics")
    if player.current is None:
        raise PlayerError(f"guild {player.guild_id} plays nothing; there are no lyrics to fetch")
    try:
        status, raw = await node.rest.raw(
            "GET",
            _player_path(player, node) + "/track/lyrics",
            params={"skipTrackSource": _flag(skip_track_source)},
        )
    except LavalinkHTTPError as exc:
        if exc.status == 404:
            raise PlayerError(f"guild {player.guild_id} plays nothing on the node") from exc
        raise
    return _decode(status, raw, node)


async def subscribe_lyrics(player: Player, *, skip_track_source: bool = False) -> None:
    """Ask the node for live lyrics events (``LyricsFound``, ``LyricsNotFound``, ``LyricsLine``)."""
    node = player.node
    await require_plugin(node, PLUGIN, "LavaLyrics")
    await node.rest.raw(
        "POST",
        _player_path(player, node) + "/lyrics/subscribe",
        params={"skipTrackSource": _flag(skip_track_source)},
    )


async def unsubscribe_lyrics(player: Player) -> None:
    """Stop the live lyrics events of ``player``."""
    node = player.node
    await require_plugin(node, PLUGIN, "LavaLyrics")
    await node.rest.raw("DELETE", _player_path(player, node) + "/lyrics/subscribe")
