"""Wire types of the plugins voltricx supports (LavaSrc, LavaSearch, LavaLyrics, SponsorBlock)."""

from __future__ import annotations

from typing import Any

import msgspec

from voltricx.models.load import PlaylistData
from voltricx.models.track import Track

__all__ = [
    "Chapter",
    "LavaSearchPayload",
    "LyricLine",
    "Lyrics",
    "SearchText",
    "Segment",
]


class LyricLine(msgspec.Struct, rename="camel", frozen=True):
    """One timed line of lyrics: starts at ``timestamp`` ms, lasts ``duration`` ms when known."""

    timestamp: int
    line: str
    duration: int | None = None
    plugin: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])


class Lyrics(msgspec.Struct, rename="camel", frozen=True):
    """Lyrics of a track (LavaLyrics): plain ``text`` and/or timed ``lines``."""

    source_name: str = ""
    provider: str = ""
    text: str | None = None
    lines: list[LyricLine] = msgspec.field(default_factory=list[LyricLine])
    plugin: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])

    @property
    def synced(self) -> bool:
        """True when the lyrics come with timestamps."""
        return bool(self.lines)

    def line_at(self, position: int) -> LyricLine | None:
        """The line sung at ``position`` ms (the last line starting at or before it)."""
        found: LyricLine | None = None
        for line in self.lines:
            if line.timestamp > position:
                break
            found = line
        return found


class SearchText(msgspec.Struct, frozen=True):
    """A text result of LavaSearch (e.g. a suggestion)."""

    text: str
    plugin: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])


class LavaSearchPayload(msgspec.Struct, frozen=True):
    """``GET /v4/loadsearch`` as the node sends it (lists absent unless requested)."""

    tracks: list[Track] = msgspec.field(default_factory=list[Track])
    albums: list[PlaylistData] = msgspec.field(default_factory=list[PlaylistData])
    artists: list[PlaylistData] = msgspec.field(default_factory=list[PlaylistData])
    playlists: list[PlaylistData] = msgspec.field(default_factory=list[PlaylistData])
    texts: list[SearchText] = msgspec.field(default_factory=list[SearchText])
    plugin: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])


class Segment(msgspec.Struct, frozen=True):
    """A SponsorBlock segment: ``category`` from ``start`` to ``end`` ms."""

    category: str
    start: int
    end: int


class Chapter(msgspec.Struct, frozen=True):
    """A chapter of a YouTube video (SponsorBlock plugin), times in ms."""

    name: str
    start: int
    end: int
    duration: int = 0
