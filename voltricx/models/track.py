"""Track objects as Lavalink sends them.

[`Track`][voltricx.Track] is also the public ``voltricx.Playable``: decoding a load
result builds these directly from the response bytes, and the convenience
properties read through to ``info``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from voltricx.extras import Extras, extras_data

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.playlist import Playlist
    from voltricx.search import TrackSource

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
        not a valid encoded track (and [`UserDataError`][voltricx.UserDataError]
        when ``user_data`` is not JSON); for sources whose blob the local codec
        cannot read, ask a node (``node.rest.decode_track``).
        """
        from voltricx.codec import decode

        data = extras_data(user_data or {}, "user_data")
        return cls(encoded=encoded, info=decode(encoded).info, user_data=data)

    @classmethod
    async def search(
        cls, query: str, /, *, source: TrackSource | str = "ytmsearch", node: Node | None = None
    ) -> list[Track] | Playlist:
        """wavelink's ``Playable.search``: load ``query`` (YouTube Music search by default).

        The same as ``voltricx.Pool.fetch_tracks(query, source=..., node=...)``
        with wavelink's default source: URLs and prefixed queries go as they
        are, other text gets the ``source`` prefix.
        """
        from voltricx.search import fetch_tracks

        return await fetch_tracks(query, source=source, node=node)

    @property
    def playlist(self) -> Playlist | None:
        """The playlist this track was loaded with, if any."""
        value: Playlist | None = getattr(self, "_voltricx_playlist", None)
        return value

    @playlist.setter
    def playlist(self, value: Playlist | None) -> None:
        setattr(self, "_voltricx_playlist", value)  # noqa: B010  (not a wire field)

    @property
    def extras(self) -> Extras:
        """wavelink's attribute namespace over ``user_data`` (sent to the node as ``userData``).

        ``track.extras.requester_id = 1`` sets a key, ``dict(track.extras)``
        gives them all, ``track.extras = {...}`` (a dict or another track's
        extras) replaces them. Values must be JSON; anything else raises
        [UserDataError][voltricx.errors.UserDataError] naming it.
        """
        return Extras(self.user_data)

    @extras.setter
    def extras(self, value: Extras | Mapping[str, Any]) -> None:
        self.user_data = extras_data(value, "track.extras")

    @property
    def requester(self) -> Any:
        """Who asked for this track: any object (a ``Member``, a ``User``, ...), ``None`` by default.

        Kept on this object only, never sent to the node. The player store
        saves its ``id`` (when it has an int ``id``, or is an int) and the
        adapter turns that back into a member or user on restore.
        """
        return getattr(self, "_voltricx_requester", None)

    @requester.setter
    def requester(self, value: Any) -> None:
        setattr(self, "_voltricx_requester", value)  # noqa: B010  (not a wire field)

    @property
    def recommended(self) -> bool:
        """True when autoplay picked this track (wavelink's ``Playable.recommended``)."""
        return bool(getattr(self, "_voltricx_recommended", False))

    @recommended.setter
    def recommended(self, value: bool) -> None:
        setattr(self, "_voltricx_recommended", bool(value))  # noqa: B010  (not a wire field)

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

    def __str__(self) -> str:
        return self.info.title

    def __repr__(self) -> str:
        return f"<Track title={self.info.title!r} author={self.info.author!r} source={self.info.source_name!r}>"
