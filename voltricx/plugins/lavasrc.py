"""LavaSrc: typed extended track info and recommendation queries.

LavaSrc mirrors Spotify, Apple Music, Deezer, ... tracks to a playable
source and puts album and artist details into each track's ``pluginInfo``.
[`track_info()`][voltricx.plugins.lavasrc.track_info] reads them as typed fields (falling back to the details
stored in the encoded track), and [`recommendation_query()`][voltricx.plugins.lavasrc.recommendation_query] builds the
LavaSrc query that recommends tracks similar to a seed track.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voltricx.codec import LavaSrcDetails, decode, lavasrc_details
from voltricx.errors import TrackCodecError
from voltricx.plugins._common import has_plugin, require_plugin, resolve_node

if TYPE_CHECKING:
    from voltricx.models.track import Track
    from voltricx.node import Node

__all__ = [
    "MIRROR_SOURCES",
    "PLUGIN",
    "LavaSrcInfo",
    "available",
    "recommendation_query",
    "require",
    "track_info",
]

PLUGIN = "lavasrc"
"""Substring of the plugin name in ``/v4/info``."""

MIRROR_SOURCES = frozenset(
    {"spotify", "applemusic", "deezer", "yandexmusic", "vkmusic", "tidal", "qobuz", "jiosaavn"}
)
"""``sourceName`` values of LavaSrc tracks."""

# sourceName -> how LavaSrc spells a "similar to this track" query.
_RECOMMENDERS = {
    "spotify": "sprec:seed_tracks={id}",
    "deezer": "dzrec:{id}",
    "yandexmusic": "ymrec:{id}",
    "vkmusic": "vkrec:{id}",
    "tidal": "tdrec:{id}",
    "qobuz": "qbrec:{id}",
    "jiosaavn": "jsrec:{id}",
}


LavaSrcInfo = LavaSrcDetails
"""Album and artist details of a LavaSrc track (the codec's [`LavaSrcDetails`][voltricx.codec.LavaSrcDetails])."""


def _str(info: dict[str, Any], key: str) -> str | None:
    value = info.get(key)
    return value if isinstance(value, str) else None


def track_info(track: Track) -> LavaSrcInfo | None:
    """The LavaSrc details of ``track``, or ``None`` for tracks without any."""
    info = track.plugin_info
    keys = ("albumName", "albumUrl", "artistUrl", "artistArtworkUrl", "previewUrl", "isPreview")
    if any(key in info for key in keys):
        return LavaSrcInfo(
            album_name=_str(info, "albumName"),
            album_url=_str(info, "albumUrl"),
            artist_url=_str(info, "artistUrl"),
            artist_artwork_url=_str(info, "artistArtworkUrl"),
            preview_url=_str(info, "previewUrl"),
            is_preview=info.get("isPreview") is True,
        )
    if track.source_name not in MIRROR_SOURCES:
        return None
    try:
        details = lavasrc_details(decode(track.encoded))
    except TrackCodecError:
        return None
    return details


def recommendation_query(track: Track) -> str | None:
    """The LavaSrc query recommending tracks like ``track`` (``None`` for other sources)."""
    template = _RECOMMENDERS.get(track.source_name)
    if template is None:
        return None
    return template.format(id=track.identifier)


async def available(node: Node | None = None) -> bool:
    """True when ``node`` (default: the best node) runs LavaSrc."""
    return await has_plugin(resolve_node(node), PLUGIN)


async def require(node: Node | None = None) -> Node:
    """The node, after checking it runs LavaSrc (else [`PluginNotAvailable`][voltricx.plugins.PluginNotAvailable])."""
    target = resolve_node(node)
    await require_plugin(target, PLUGIN, "LavaSrc")
    return target
