"""Track objects as Lavalink sends them."""

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
    """One track: the ``encoded`` blob to send back, its info, and plugin/user data."""

    encoded: str
    info: TrackInfo
    plugin_info: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])
    user_data: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])
