"""Typed APIs of common Lavalink plugins.

* [`voltricx.plugins.lavasrc`][voltricx.plugins.lavasrc]: extended track info, recommendation queries
* [`voltricx.plugins.lavasearch`][voltricx.plugins.lavasearch]: ``fetch_search`` (tracks, albums, artists, playlists, texts)
* [`voltricx.plugins.lavalyrics`][voltricx.plugins.lavalyrics]: lyrics and live lyrics events
* [`voltricx.plugins.sponsorblock`][voltricx.plugins.sponsorblock]: segment categories and events

Each API checks the node's ``/v4/info`` plugin list first and raises
[`PluginNotAvailable`][voltricx.plugins.PluginNotAvailable] when the plugin is missing.
"""

from __future__ import annotations

from voltricx.plugins import lavalyrics, lavasearch, lavasrc, sponsorblock
from voltricx.plugins._common import PluginNotAvailable, has_plugin
from voltricx.plugins.lavalyrics import (
    fetch_lyrics,
    fetch_player_lyrics,
    subscribe_lyrics,
    unsubscribe_lyrics,
)
from voltricx.plugins.lavasearch import LavaSearchResult, SearchType, fetch_search
from voltricx.plugins.lavasrc import LavaSrcInfo
from voltricx.plugins.models import Chapter, LyricLine, Lyrics, SearchText, Segment
from voltricx.plugins.sponsorblock import Category

__all__ = [
    "Category",
    "Chapter",
    "LavaSearchResult",
    "LavaSrcInfo",
    "LyricLine",
    "Lyrics",
    "PluginNotAvailable",
    "SearchText",
    "SearchType",
    "Segment",
    "fetch_lyrics",
    "fetch_player_lyrics",
    "fetch_search",
    "has_plugin",
    "lavalyrics",
    "lavasearch",
    "lavasrc",
    "sponsorblock",
    "subscribe_lyrics",
    "unsubscribe_lyrics",
]
