"""The details layouts voltricx knows: ``http``/``local`` probe info and LavaSrc's album and artist data.

A track's ``details`` are whatever its source manager wrote between
``sourceName`` and ``position``; the codec keeps them as bytes. Here are
the readers and writers of the two layouts worth reading: one string for
the HTTP and local sources, and the five nullable strings and a flag of
LavaSrc's mirror tracks (``voltricx.plugins.lavasrc.LavaSrcInfo`` is
[`LavaSrcDetails`][voltricx.codec.LavaSrcDetails]). A reader answers
``None`` when the bytes do not have its shape.
"""

from __future__ import annotations

from typing import Final

import msgspec

from voltricx.codec._mutf8 import read_nullable_utf, read_utf, write_nullable_utf, write_utf
from voltricx.codec._track import DecodedTrack
from voltricx.errors import TrackCodecError

__all__ = [
    "LavaSrcDetails",
    "http_details",
    "http_probe_info",
    "lavasrc_details",
    "lavasrc_details_bytes",
]

_PROBE_SOURCES: Final = frozenset({"http", "local"})


class LavaSrcDetails(msgspec.Struct, frozen=True):
    """The details LavaSrc mirror tracks (Spotify, Deezer, Apple Music, ...) carry.

    Layout: five nullable UTF strings and a bool, in this order.
    """

    album_name: str | None = None
    album_url: str | None = None
    artist_url: str | None = None
    artist_artwork_url: str | None = None
    preview_url: str | None = None
    is_preview: bool = False


def http_details(probe_info: str) -> bytes:
    """Details bytes for an ``http``/``local`` track: the container probe info (e.g. ``"mp3"``)."""
    return write_utf(probe_info, "probe info")


def http_probe_info(track: DecodedTrack) -> str | None:
    """The container probe info of an ``http``/``local`` track (e.g. ``"mp3"``), else ``None``.

    ``None`` also when the details do not hold exactly one string.
    """
    if track.source_name not in _PROBE_SOURCES:
        return None
    details = track.details
    try:
        text, end = read_utf(details, 0, len(details), "probe info")
    except (TrackCodecError, IndexError):
        return None
    return text if end == len(details) else None


def lavasrc_details_bytes(details: LavaSrcDetails) -> bytes:
    """Details bytes for a LavaSrc mirror track."""
    return b"".join(
        (
            write_nullable_utf(details.album_name, "albumName"),
            write_nullable_utf(details.album_url, "albumUrl"),
            write_nullable_utf(details.artist_url, "artistUrl"),
            write_nullable_utf(details.artist_artwork_url, "artistArtworkUrl"),
            write_nullable_utf(details.preview_url, "previewUrl"),
            b"\x01" if details.is_preview else b"\x00",
        )
    )


def lavasrc_details(track: DecodedTrack) -> LavaSrcDetails | None:
    """Read LavaSrc's details layout, or ``None`` when the details do not have that shape."""
    data = track.details
    limit = len(data)
    pos = 0
    values: list[str | None] = []
    try:
        for what in ("albumName", "albumUrl", "artistUrl", "artistArtworkUrl", "previewUrl"):
            value, pos = read_nullable_utf(data, pos, limit, what)
            values.append(value)
    except (TrackCodecError, IndexError):
        return None
    if pos + 1 != limit:
        return None
    return LavaSrcDetails(
        album_name=values[0],
        album_url=values[1],
        artist_url=values[2],
        artist_artwork_url=values[3],
        preview_url=values[4],
        is_preview=data[pos] != 0,
    )
