"""LavaSearch: one search returning tracks, albums, artists, playlists and texts.

```python
from voltricx.plugins import lavasearch

result = await lavasearch.fetch_search(
    "daft punk", types=["track", "album"], source="spsearch"
)
for album in result.albums:
    await channel.send(f"{album.name}: {album.url}")
```

Albums, artists and playlists are [`Playlist`][voltricx.Playlist] objects with
no tracks (load their ``url`` to get the tracks). A node without the plugin
raises [`PluginNotAvailable`][voltricx.plugins.PluginNotAvailable].
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from voltricx.errors import NodeProtocolError
from voltricx.models.track import Track
from voltricx.playlist import Playlist
from voltricx.plugins._common import require_plugin, resolve_node
from voltricx.plugins.models import LavaSearchPayload, SearchText
from voltricx.search import TrackSource, identifier_for

if TYPE_CHECKING:
    from voltricx.node import Node

__all__ = ["PLUGIN", "LavaSearchResult", "SearchType", "fetch_search"]

PLUGIN = "lavasearch"
"""Substring of the plugin name in ``/v4/info``."""

_decoder = msgspec.json.Decoder(LavaSearchPayload)


class SearchType(enum.StrEnum):
    """What a LavaSearch query may return."""

    TRACK = "track"
    ALBUM = "album"
    ARTIST = "artist"
    PLAYLIST = "playlist"
    TEXT = "text"


@dataclass(slots=True)
class LavaSearchResult:
    """Everything a LavaSearch query found (lists of types not asked for stay empty)."""

    tracks: list[Track] = field(default_factory=list[Track])
    albums: list[Playlist] = field(default_factory=list[Playlist])
    artists: list[Playlist] = field(default_factory=list[Playlist])
    playlists: list[Playlist] = field(default_factory=list[Playlist])
    texts: list[SearchText] = field(default_factory=list[SearchText])
    plugin: dict[str, Any] = field(default_factory=dict[str, Any])

    def __bool__(self) -> bool:
        return bool(self.tracks or self.albums or self.artists or self.playlists or self.texts)


async def fetch_search(
    query: str,
    *,
    types: Iterable[SearchType | str] = tuple(SearchType),
    source: TrackSource | str | None = None,
    node: Node | None = None,
) -> LavaSearchResult:
    """Search ``query``; plain text gets the ``source`` prefix (default: the search default).

    Returns an empty (falsy) result when nothing was found.
    """
    wanted: list[str] = []
    for kind in types:
        try:
            wanted.append(SearchType(kind).value)
        except ValueError:
            known = ", ".join(t.value for t in SearchType)
            raise ValueError(f"unknown LavaSearch type {kind!r}; known: {known}") from None
    if not wanted:
        raise ValueError("fetch_search needs at least one type")
    target = resolve_node(node)
    await require_plugin(target, PLUGIN, "LavaSearch")
    status, raw = await target.rest.raw(
        "GET", "/v4/loadsearch", params={"query": identifier_for(query, source), "types": ",".join(wanted)}
    )
    if status == 204 or not raw.strip():
        return LavaSearchResult()
    try:
        payload = _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise NodeProtocolError(
            f"node {target.identifier!r} sent a search result we cannot read: {exc}", node=target.identifier
        ) from None
    return LavaSearchResult(
        tracks=list(payload.tracks),
        albums=[Playlist.from_data(p) for p in payload.albums],
        artists=[Playlist.from_data(p) for p in payload.artists],
        playlists=[Playlist.from_data(p) for p in payload.playlists],
        texts=list(payload.texts),
        plugin=dict(payload.plugin),
    )
