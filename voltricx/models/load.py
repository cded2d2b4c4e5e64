"""Results of ``GET /v4/loadtracks``.

Lavalink tags the result with ``loadType``; NodeLink adds more load types
(``album``, ``artist``, ``short``, ...). Known types decode in one pass
into a tagged union; unknown ones are decoded by the shape of ``data``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from voltricx.errors import NodeProtocolError
from voltricx.models.common import LavalinkException
from voltricx.models.track import Track

__all__ = [
    "EmptyResult",
    "ErrorResult",
    "LoadResult",
    "PlaylistData",
    "PlaylistInfo",
    "PlaylistResult",
    "SearchResult",
    "TrackResult",
    "decode_load_result",
]


class PlaylistInfo(msgspec.Struct, rename="camel", frozen=True):
    """Name of a playlist and the index of its selected track (-1 for none)."""

    name: str
    selected_track: int = -1


class PlaylistData(msgspec.Struct, rename="camel"):
    """A playlist: its info, plugin data and tracks."""

    info: PlaylistInfo
    tracks: list[Track] = msgspec.field(default_factory=list[Track])
    plugin_info: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])


class TrackResult(msgspec.Struct, tag_field="loadType", tag="track"):
    """A single track was loaded."""

    data: Track


class PlaylistResult(msgspec.Struct, tag_field="loadType", tag="playlist"):
    """A playlist was loaded (``load_type`` keeps NodeLink's ``album``/``artist``/...)."""

    data: PlaylistData
    load_type: str = "playlist"


class SearchResult(msgspec.Struct, tag_field="loadType", tag="search"):
    """A search returned these tracks (possibly none)."""

    data: list[Track]


class EmptyResult(msgspec.Struct, tag_field="loadType", tag="empty"):
    """Nothing matched."""

    data: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])


class ErrorResult(msgspec.Struct, tag_field="loadType", tag="error"):
    """Loading failed; ``data`` says why."""

    data: LavalinkException


LoadResult = TrackResult | PlaylistResult | SearchResult | EmptyResult | ErrorResult

_load_decoder: msgspec.json.Decoder[LoadResult] = msgspec.json.Decoder(LoadResult)


class _AnyLoad(msgspec.Struct, rename="camel"):
    load_type: str
    data: msgspec.Raw = msgspec.Raw(b"null")


_any_decoder = msgspec.json.Decoder(_AnyLoad)
_playlist_decoder = msgspec.json.Decoder(PlaylistData)
_track_decoder = msgspec.json.Decoder(Track)
_tracks_decoder = msgspec.json.Decoder(list[Track])


def decode_load_result(body: bytes) -> LoadResult:
    """Decode a loadtracks response body straight from bytes.

    Raises [`NodeProtocolError`][voltricx.NodeProtocolError] when the body is not
    a load result at all.
    """
    try:
        return _load_decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass
    # An extension load type: decide by the shape of ``data``.
    try:
        generic = _any_decoder.decode(body)
        raw = bytes(generic.data)
        stripped = raw.lstrip()
        if stripped.startswith(b"["):
            return SearchResult(_tracks_decoder.decode(raw))
        if b'"tracks"' in raw:
            return PlaylistResult(_playlist_decoder.decode(raw), load_type=generic.load_type)
        if b'"encoded"' in raw:
            return TrackResult(_track_decoder.decode(raw))
        return EmptyResult()
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        # msgspec reports invalid UTF-8 inside a string as UnicodeDecodeError.
        raise NodeProtocolError(f"the node sent a load result we cannot read: {exc}") from exc
