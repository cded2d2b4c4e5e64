"""Track objects as Lavalink sends them.

:class:`Track` is also the public ``voltricx.Playable``: decoding a load
result builds these directly from the response bytes, and the convenience
properties read through to ``info``.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["Track", "TrackInfo"]


class TrackInfo(msgspec.Struct, rename="camel", frozen=True):
    """Metadata of a track (``Track.info``)."""

    identifier: str
    is_seekable: bool
    author: str
    length: int
    is_stream: bool
    position: int
    title: str
    source_name: str
    uri: str | None = None
    artwork_url: str | None = None
    isrc: str | None = None


class Track(msgspec.Struct, rename="camel"):
    """One playable track: the ``encoded`` blob to send back, its info, plugin and user data."""

    encoded: str
    info: TrackInfo
    plugin_info: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])
    user_data: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])

    @property
    def title(self) -> str:
        """Track title."""
        return self.info.title

    @property
    def author(self) -> str:
        """Track author / artist."""
        return self.info.author

    @property
    def identifier(self) -> str:
        """Source-specific identifier (a YouTube video id, a URL, ...)."""
        return self.info.identifier

    @property
    def length(self) -> int:
        """Length in milliseconds (streams report a huge value)."""
        return self.info.length

    @property
    def is_stream(self) -> bool:
        """True for live streams."""
        return self.info.is_stream

    @property
    def is_seekable(self) -> bool:
        """True when the node can seek in this track."""
        return self.info.is_seekable

    @property
    def uri(self) -> str | None:
        """Link to the track, when the source has one."""
        return self.info.uri

    @property
    def artwork_url(self) -> str | None:
        """Cover art link, when the source has one."""
        return self.info.artwork_url

    @property
    def isrc(self) -> str | None:
        """International Standard Recording Code, when known."""
        return self.info.isrc

    @property
    def source_name(self) -> str:
        """Source manager name: ``youtube``, ``soundcloud``, ``http``, ``spotify``, ..."""
        return self.info.source_name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Track):
            return self.encoded == other.encoded
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.encoded)

    def __repr__(self) -> str:
        return f"<Track title={self.info.title!r} author={self.info.author!r} source={self.info.source_name!r}>"
