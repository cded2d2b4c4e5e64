"""What an encoded track holds, and the fixed parts of its message layout.

[`DecodedTrack`][voltricx.codec.DecodedTrack] is the one type the reader
returns and the writer takes. The header and integer layouts live here too,
so the reader and the writer agree on them by construction.
"""

from __future__ import annotations

import struct
from typing import Final

import msgspec

from voltricx.models.track import TrackInfo

__all__ = [
    "FLAG_VERSIONED",
    "HEADER",
    "I64",
    "SIZE_MASK",
    "TRACK_INFO_VERSION",
    "DecodedTrack",
]

TRACK_INFO_VERSION: Final = 3
"""The version Lavalink 4 (lavaplayer 2.x) writes; used for tracks built locally."""

FLAG_VERSIONED: Final = 1
"""Header flag (bit 30): a version byte opens the body; without it the track is version 1."""
SIZE_MASK: Final = 0x3FFFFFFF
"""Header bits 29-0: the size of the body in bytes."""

HEADER = struct.Struct(">I")
I64 = struct.Struct(">q")


class DecodedTrack(msgspec.Struct, frozen=True, gc=False):
    """Everything an encoded track holds.

    ``details`` is the source-specific part between ``source_name`` and
    ``position``, kept byte for byte (empty for YouTube, SoundCloud, ...; the
    container probe info for ``http``/``local``; album and artist data for
    LavaSrc sources). See [`http_probe_info()`][voltricx.codec.http_probe_info] and [`lavasrc_details()`][voltricx.codec.lavasrc_details]
    to read the known layouts.
    """

    version: int
    title: str
    author: str
    length: int
    identifier: str
    is_stream: bool
    uri: str | None
    artwork_url: str | None
    isrc: str | None
    source_name: str
    details: bytes
    position: int

    @property
    def info(self) -> TrackInfo:
        """The track's [`TrackInfo`][voltricx.TrackInfo] (``is_seekable`` is ``not is_stream``)."""
        return TrackInfo(
            identifier=self.identifier,
            is_seekable=not self.is_stream,
            author=self.author,
            length=self.length,
            is_stream=self.is_stream,
            position=self.position,
            title=self.title,
            source_name=self.source_name,
            uri=self.uri,
            artwork_url=self.artwork_url,
            isrc=self.isrc,
        )

    @classmethod
    def from_info(
        cls, info: TrackInfo, *, details: bytes = b"", version: int = TRACK_INFO_VERSION
    ) -> DecodedTrack:
        """Build a track from a [`TrackInfo`][voltricx.TrackInfo] and optional details bytes."""
        return cls(
            version=version,
            title=info.title,
            author=info.author,
            length=info.length,
            identifier=info.identifier,
            is_stream=info.is_stream,
            uri=info.uri,
            artwork_url=info.artwork_url,
            isrc=info.isrc,
            source_name=info.source_name,
            details=bytes(details),
            position=info.position,
        )
