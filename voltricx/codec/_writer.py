"""Writing an encoded track: a [`DecodedTrack`][voltricx.codec.DecodedTrack] in, the base64 text Lavalink accepts out.

The writer refuses what lavaplayer could not read back (a field the
track's version cannot store, a string over 65,535 encoded bytes, an
integer outside ``int64``) with a [`TrackCodecError`][voltricx.TrackCodecError]
before it writes anything.
"""

from __future__ import annotations

import binascii
from typing import Final

from voltricx.codec._mutf8 import write_nullable_utf, write_utf
from voltricx.codec._track import (
    FLAG_VERSIONED,
    HEADER,
    I64,
    SIZE_MASK,
    TRACK_INFO_VERSION,
    DecodedTrack,
)
from voltricx.errors import TrackCodecError
from voltricx.models.track import TrackInfo

__all__ = ["encode", "encode_info"]

_INT64_MIN: Final = -(1 << 63)
_INT64_MAX: Final = (1 << 63) - 1


def _int64(value: int, what: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TrackCodecError(f"{what} must be an int, not {type(value).__name__}")
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise TrackCodecError(f"{what} {value} does not fit in a signed 64-bit integer")
    return I64.pack(value)


def encode(track: DecodedTrack) -> str:
    """Encode a track as the base64 string Lavalink accepts.

    Uses ``track.version`` (1, 2 or 3); fields a version cannot store must be
    ``None``. Raises [`TrackCodecError`][voltricx.TrackCodecError] when a string
    is longer than 65535 encoded bytes or a value cannot be written.
    """
    version = track.version
    if isinstance(version, bool) or version not in (1, 2, 3):
        raise TrackCodecError(f"cannot encode track version {version!r}; use 1, 2 or 3")
    if version < 2 and track.uri is not None:
        raise TrackCodecError("a version 1 track cannot store uri; use version 3")
    if version < 3 and (track.artwork_url is not None or track.isrc is not None):
        raise TrackCodecError(
            f"a version {version} track cannot store artworkUrl or isrc; use version 3"
        )
    details = track.details
    if not isinstance(details, bytes | bytearray | memoryview):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TrackCodecError(f"details must be bytes, not {type(details).__name__}")
    parts: list[bytes] = []
    if version >= 2:
        parts.append(bytes((version,)))
    parts += (
        write_utf(track.title, "title"),
        write_utf(track.author, "author"),
        _int64(track.length, "length"),
        write_utf(track.identifier, "identifier"),
        b"\x01" if track.is_stream else b"\x00",
    )
    if version >= 2:
        parts.append(write_nullable_utf(track.uri, "uri"))
    if version >= 3:
        parts.append(write_nullable_utf(track.artwork_url, "artworkUrl"))
        parts.append(write_nullable_utf(track.isrc, "isrc"))
    parts += (
        write_utf(track.source_name, "sourceName"),
        bytes(details),
        _int64(track.position, "position"),
    )
    body = b"".join(parts)
    if len(body) > SIZE_MASK:
        raise TrackCodecError(f"track body of {len(body)} bytes is too large to encode")
    flags = FLAG_VERSIONED if version >= 2 else 0
    message = HEADER.pack((flags << 30) | len(body)) + body
    return binascii.b2a_base64(message, newline=False).decode("ascii")


def encode_info(info: TrackInfo, *, details: bytes = b"", version: int = TRACK_INFO_VERSION) -> str:
    """Encode a [`TrackInfo`][voltricx.TrackInfo] (plus optional details) as Lavalink would."""
    return encode(DecodedTrack.from_info(info, details=details, version=version))
