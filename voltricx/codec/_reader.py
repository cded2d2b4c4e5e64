"""Reading an encoded track: base64 text or raw bytes in, a [`DecodedTrack`][voltricx.codec.DecodedTrack] out.

Two parsers share the work. ``_parse_fast`` is the hot path (whole
playlists can be decoded locally): version 2 and 3 messages whose strings
are plain UTF-8, read with offset arithmetic and no per-field bounds
checks. Anything else, and anything the fast parser finds unusual, goes to
``_parse_careful``, which checks every bound and says precisely what is
wrong. Either way the caller sees a track or a
[`TrackCodecError`][voltricx.TrackCodecError], never another exception.
"""

from __future__ import annotations

import binascii
import struct

from voltricx.codec._mutf8 import read_nullable_utf, read_utf
from voltricx.codec._track import FLAG_VERSIONED, HEADER, I64, SIZE_MASK, DecodedTrack
from voltricx.errors import TrackCodecError
from voltricx.models.track import Track

__all__ = ["decode", "decode_to_track"]

# ``length`` is always followed by the identifier's length prefix.
_I64_U16 = struct.Struct(">qH")

_a2b_base64 = binascii.a2b_base64


def _message_bytes(encoded: bytes | bytearray | memoryview) -> bytes:
    """The raw message of a bytes-like argument of [`decode()`][voltricx.codec.decode] (``str`` is read there)."""
    if isinstance(encoded, bytes | bytearray | memoryview):  # pyright: ignore[reportUnnecessaryIsInstance]
        raw = bytes(encoded)
        # A raw message below 16 MiB starts with 0x00 (version 1) or 0x40
        # (versioned); neither byte can start base64 text.
        if raw[:1] in (b"\x00", b"\x40"):
            return raw
        try:
            return binascii.a2b_base64(raw, strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise TrackCodecError(f"encoded track is not valid base64: {exc}") from None
    raise TrackCodecError(f"cannot decode a track from {type(encoded).__name__}")


def _parse_fast(data: bytes) -> DecodedTrack | None:
    """Parse a version 2/3 track whose strings are all plain UTF-8, or return ``None``.

    This is the hot path: one scan of the message for the two byte patterns
    modified UTF-8 writes differently from UTF-8 (``0xED`` surrogate leads and
    ``C0 80``), then straight-line offset arithmetic and C-level UTF-8
    decoding with no per-field bounds checks. Positions only grow, so a
    string running past the end is caught by the final ``end > tail`` check
    or by an ``IndexError``. Whenever anything is unusual it returns ``None``
    and `_parse_careful()` decides, with precise errors.
    """
    if b"\xed" in data or b"\xc0\x80" in data:
        return None
    limit = len(data)
    try:
        if HEADER.unpack_from(data)[0] != 0x40000000 | (limit - 4):
            return None
        version = data[4]
        if version != 3 and version != 2:
            return None
        end = 7 + ((data[5] << 8) | data[6])
        title = data[7:end].decode()
        pos = end + 2
        end = pos + ((data[end] << 8) | data[end + 1])
        author = data[pos:end].decode()
        length: int
        size: int
        length, size = _I64_U16.unpack_from(data, end)
        pos = end + 10
        end = pos + size
        identifier = data[pos:end].decode()
        is_stream = data[end] != 0
        pos = end + 1
        if data[pos]:
            end = pos + 3 + ((data[pos + 1] << 8) | data[pos + 2])
            uri = data[pos + 3 : end].decode()
            pos = end
        else:
            uri = None
            pos += 1
        artwork_url = isrc = None
        if version == 3:
            if data[pos]:
                end = pos + 3 + ((data[pos + 1] << 8) | data[pos + 2])
                artwork_url = data[pos + 3 : end].decode()
                pos = end
            else:
                pos += 1
            if data[pos]:
                end = pos + 3 + ((data[pos + 1] << 8) | data[pos + 2])
                isrc = data[pos + 3 : end].decode()
                pos = end
            else:
                pos += 1
        end = pos + 2 + ((data[pos] << 8) | data[pos + 1])
        source_name = data[pos + 2 : end].decode()
        tail = limit - 8
        if end > tail:
            return None
        return DecodedTrack(
            version,
            title,
            author,
            length,
            identifier,
            is_stream,
            uri,
            artwork_url,
            isrc,
            source_name,
            data[end:tail],
            I64.unpack_from(data, tail)[0],
        )
    except (IndexError, UnicodeDecodeError, struct.error):
        return None


def _parse_careful(data: bytes) -> DecodedTrack:
    """Parse any message, checking every bound and raising precise errors."""
    total = len(data)
    if total < 4:
        raise TrackCodecError(f"encoded track is {total} bytes, too short for its header")
    header = HEADER.unpack_from(data)[0]
    flags = header >> 30
    limit = 4 + (header & SIZE_MASK)
    if limit != total:
        raise TrackCodecError(
            f"track header announces a {limit - 4}-byte body but {total - 4} bytes follow"
        )
    if flags == FLAG_VERSIONED:
        if total < 5:
            raise TrackCodecError("track ends before its version byte")
        version = data[4]
        if version != 2 and version != 3:
            raise TrackCodecError(f"unsupported encoded track version {version}")
        pos = 5
    elif flags == 0:
        version = 1
        pos = 4
    else:
        raise TrackCodecError(f"unknown encoded track flags {flags:#x}")

    title, pos = read_utf(data, pos, limit, "title")
    author, pos = read_utf(data, pos, limit, "author")
    if pos + 8 > limit:
        raise TrackCodecError("track ends before its length")
    length: int = I64.unpack_from(data, pos)[0]
    identifier, pos = read_utf(data, pos + 8, limit, "identifier")
    if pos >= limit:
        raise TrackCodecError("track ends before isStream")
    is_stream = data[pos] != 0
    pos += 1
    uri = artwork_url = isrc = None
    if version >= 2:
        uri, pos = read_nullable_utf(data, pos, limit, "uri")
        if version >= 3:
            artwork_url, pos = read_nullable_utf(data, pos, limit, "artworkUrl")
            isrc, pos = read_nullable_utf(data, pos, limit, "isrc")
    source_name, pos = read_utf(data, pos, limit, "sourceName")
    tail = limit - 8
    if pos > tail:
        raise TrackCodecError("track ends before its position")
    return DecodedTrack(
        version=version,
        title=title,
        author=author,
        length=length,
        identifier=identifier,
        is_stream=is_stream,
        uri=uri,
        artwork_url=artwork_url,
        isrc=isrc,
        source_name=source_name,
        details=data[pos:tail],
        position=I64.unpack_from(data, tail)[0],
    )


def decode(encoded: str | bytes) -> DecodedTrack:
    """Decode an encoded track.

    ``encoded`` is the base64 string Lavalink sends; ``bytes`` may hold the
    same base64 text or the raw (already base64-decoded) message. Raises
    [`TrackCodecError`][voltricx.TrackCodecError], and nothing else, when the
    input is not a valid encoded track.
    """
    if isinstance(encoded, str):
        try:
            data = _a2b_base64(encoded, strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise TrackCodecError(f"encoded track is not valid base64: {exc}") from None
    else:
        data = _message_bytes(encoded)
    track = _parse_fast(data)
    if track is not None:
        return track
    try:
        return _parse_careful(data)
    except TrackCodecError:
        raise
    except Exception as exc:  # a safety net: garbage must only ever raise TrackCodecError
        raise TrackCodecError(f"encoded track is malformed: {exc}") from None


def decode_to_track(encoded: str) -> Track:
    """Build a [`Track`][voltricx.Track] locally from its encoded string."""
    return Track(encoded=encoded, info=decode(encoded).info)
