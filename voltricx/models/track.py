"""Track objects as Lavalink sends them.

[`Track`][voltricx.Track] is also the public ``voltricx.Playable``: decoding a load
result builds these directly from the response bytes, and the convenience
properties read through to ``info``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from voltricx.playlist import Playlist

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


class Track(msgspec.Struct, rename="camel", dict=True):
    """One playable track: the ``encoded`` blob to send back, its info, plugin and user data.

    Build one from an encoded string alone with [`from_encoded()`][voltricx.models.Track.from_encoded] (decoded
    locally, no node needed). Tracks that came from a playlist load know it
    through [`playlist`][voltricx.models.Track.playlist] (not part of the wire form).
    """

    encoded: str
    info: TrackInfo
    plugin_info: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])
    user_data: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])

    @classmethod
    def from_encoded(cls, encoded: str, *, user_data: dict[str, Any] | None = None) -> Track:
        """Decode ``encoded`` locally (no node involved) into a track.

        Raises [`TrackCodecError`][voltricx.TrackCodecError] when the string is
        not a valid encoded track; for sources whose blob the local codec
        cannot read, ask a node (``node.rest.decode_track``).
        """
        from voltricx.codec import decode

        return cls(encoded=encoded, info=decode(encoded).info, user_data=dict(user_data or {}))

    @property
    def playlist(self) -> Playlist | None:
        """The playlist this track was loaded with, if any."""
        value: Playlist | None = getattr(self, "_voltricx_playlist", None)
        return value

    @playlist.setter
    def playlist(self, value: Playlist | None) -> None:
        setattr(self, "_voltricx_playlist", value)  # noqa: B010  (not a wire field)

    @property
    def position(self) -> int:
        """Start position stored with the track, in milliseconds (usually 0)."""
        return self.info.position

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
