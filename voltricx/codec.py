"""Lavaplayer's encoded-track format, decoded and encoded locally.

Every track Lavalink hands out carries ``encoded``: standard base64 of one
lavaplayer *message*. The message is a big-endian ``int32`` header (flags in
bits 31-30, body size in bits 29-0) followed by the body:

```text
[version u8]  only when flag 1 (TRACK_INFO_VERSIONED) is set; else version 1
title         UTF
author        UTF
length        int64 (ms)
identifier    UTF
isStream      bool
uri           nullable UTF   (version >= 2)
artworkUrl    nullable UTF   (version >= 3)
isrc          nullable UTF   (version >= 3)
sourceName    UTF
details       source-specific bytes (kept opaque)
position      int64 (ms)     always the last 8 bytes of the body
```

UTF is Java's modified UTF-8 (``DataOutput.writeUTF``): a ``uint16`` byte
count, NUL written as ``C0 80`` and characters above U+FFFF written as two
3-byte surrogates. Decoding keeps the details blob as it is, so
``encode(decode(x)) == x`` byte for byte for anything lavaplayer wrote.

The decoder is the hot path (whole playlists can be decoded locally), so it
works on offsets into one ``bytes`` object with precompiled
`struct.Struct` readers and decodes strings with the C UTF-8 codec
whenever a string holds nothing that modified UTF-8 writes differently.

Over 500 lines as one idea: lavaplayer's encoded-track format, every
version in both directions.
"""

from __future__ import annotations

import binascii
import re
import struct
from typing import Final

import msgspec

from voltricx.errors import TrackCodecError
from voltricx.models.track import Track, TrackInfo

__all__ = [
    "MAX_UTF_BYTES",
    "TRACK_INFO_VERSION",
    "DecodedTrack",
    "LavaSrcDetails",
    "decode",
    "decode_modified_utf8",
    "decode_to_track",
    "encode",
    "encode_info",
    "encode_modified_utf8",
    "http_details",
    "http_probe_info",
    "lavasrc_details",
    "lavasrc_details_bytes",
]

TRACK_INFO_VERSION: Final = 3
"""The version Lavalink 4 (lavaplayer 2.x) writes; used for tracks built locally."""

MAX_UTF_BYTES: Final = 0xFFFF
"""Largest encoded size of one string (its length prefix is a ``uint16``)."""

_FLAG_VERSIONED: Final = 1
_SIZE_MASK: Final = 0x3FFFFFFF
_INT64_MIN: Final = -(1 << 63)
_INT64_MAX: Final = (1 << 63) - 1

_HEADER = struct.Struct(">I")
_U16 = struct.Struct(">H")
_I64 = struct.Struct(">q")
# ``length`` is always followed by the identifier's length prefix.
_I64_U16 = struct.Struct(">qH")

_a2b_base64 = binascii.a2b_base64

_PROBE_SOURCES: Final = frozenset({"http", "local"})
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


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


# --------------------------------------------------------------------------
# modified UTF-8


def _decode_modified_utf8_exact(raw: bytes) -> str:
    """Decode byte by byte with ``DataInput.readUTF`` rules (plus 4-byte sequences)."""
    units: list[int] = []
    append = units.append
    i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80:
            append(b)
            i += 1
        elif 0xC0 <= b < 0xE0:
            if i + 1 >= n or raw[i + 1] & 0xC0 != 0x80:
                raise TrackCodecError(f"malformed modified UTF-8 at byte {i}")
            append(((b & 0x1F) << 6) | (raw[i + 1] & 0x3F))
            i += 2
        elif 0xE0 <= b < 0xF0:
            if i + 2 >= n or raw[i + 1] & 0xC0 != 0x80 or raw[i + 2] & 0xC0 != 0x80:
                raise TrackCodecError(f"malformed modified UTF-8 at byte {i}")
            append(((b & 0x0F) << 12) | ((raw[i + 1] & 0x3F) << 6) | (raw[i + 2] & 0x3F))
            i += 3
        elif 0xF0 <= b < 0xF8:
            # Standard 4-byte UTF-8: never written by Java, accepted leniently.
            if (
                i + 3 >= n
                or raw[i + 1] & 0xC0 != 0x80
                or raw[i + 2] & 0xC0 != 0x80
                or raw[i + 3] & 0xC0 != 0x80
            ):
                raise TrackCodecError(f"malformed modified UTF-8 at byte {i}")
            cp = (
                ((b & 0x07) << 18)
                | ((raw[i + 1] & 0x3F) << 12)
                | ((raw[i + 2] & 0x3F) << 6)
                | (raw[i + 3] & 0x3F)
            )
            if not 0x10000 <= cp <= 0x10FFFF:
                raise TrackCodecError(f"invalid code point U+{cp:X} at byte {i}")
            cp -= 0x10000
            append(0xD800 | (cp >> 10))
            append(0xDC00 | (cp & 0x3FF))
            i += 4
        else:
            raise TrackCodecError(f"malformed modified UTF-8: byte 0x{b:02X} at {i}")
    return struct.pack(f">{len(units)}H", *units).decode("utf-16-be", "surrogatepass")


def decode_modified_utf8(raw: bytes) -> str:
    """Decode Java modified UTF-8 bytes (without the length prefix) to ``str``.

    Surrogate pairs are joined into one character; lone surrogates are kept.
    Raises [`TrackCodecError`][voltricx.TrackCodecError] on malformed input.
    """
    if b"\xed" not in raw and b"\xc0\x80" not in raw:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return _decode_modified_utf8_exact(raw)
    return _decode_special(raw)


def _decode_special(raw: bytes) -> str:
    """Decode a string that has an encoded NUL or a ``0xED`` lead byte (surrogates, Hangul)."""
    try:
        text = raw.replace(b"\xc0\x80", b"\x00").decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return _decode_modified_utf8_exact(raw)
    if b"\xed" in raw:
        # Re-join surrogate halves that were written as separate characters.
        text = text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")
    return text


def _split_astral(match: re.Match[str]) -> str:
    cp = ord(match.group()) - 0x10000
    return chr(0xD800 | (cp >> 10)) + chr(0xDC00 | (cp & 0x3FF))


def encode_modified_utf8(text: str) -> bytes:
    """Encode ``text`` as Java modified UTF-8 (without the length prefix)."""
    if text.isascii():
        data = text.encode("ascii")
        return data.replace(b"\x00", b"\xc0\x80") if "\x00" in text else data
    if max(text) > "\uffff":
        text = _ASTRAL.sub(_split_astral, text)
    data = text.encode("utf-8", "surrogatepass")
    return data.replace(b"\x00", b"\xc0\x80") if "\x00" in text else data


def _utf(text: str, what: str) -> bytes:
    """Length-prefixed modified UTF-8, as ``DataOutput.writeUTF`` writes it."""
    if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TrackCodecError(f"{what} must be a str, not {type(text).__name__}")
    data = encode_modified_utf8(text)
    if len(data) > MAX_UTF_BYTES:
        raise TrackCodecError(
            f"{what} is {len(data)} bytes in modified UTF-8; the format allows at most "
            f"{MAX_UTF_BYTES}"
        )
    return _U16.pack(len(data)) + data


def _nullable_utf(text: str | None, what: str) -> bytes:
    if text is None:
        return b"\x00"
    return b"\x01" + _utf(text, what)


# --------------------------------------------------------------------------
# decoding


def _message_bytes(encoded: str | bytes | bytearray | memoryview) -> bytes:
    """Turn the argument of [`decode()`][voltricx.codec.decode] into the raw message bytes."""
    if isinstance(encoded, str):
        try:
            return binascii.a2b_base64(encoded, strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise TrackCodecError(f"encoded track is not valid base64: {exc}") from None
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


def _read_utf(data: bytes, pos: int, limit: int, what: str) -> tuple[str, int]:
    start = pos + 2
    if start > limit:
        raise TrackCodecError(f"track ends inside the length of {what}")
    end = start + ((data[pos] << 8) | data[pos + 1])
    if end > limit:
        raise TrackCodecError(f"{what} runs past the end of the track")
    raw = data[start:end]
    if b"\xed" not in raw and b"\xc0\x80" not in raw:
        try:
            return raw.decode("utf-8"), end
        except UnicodeDecodeError:
            return _decode_modified_utf8_exact(raw), end
    return _decode_special(raw), end


def _read_nullable_utf(data: bytes, pos: int, limit: int, what: str) -> tuple[str | None, int]:
    if pos >= limit:
        raise TrackCodecError(f"track ends before {what}")
    if data[pos]:
        return _read_utf(data, pos + 1, limit, what)
    return None, pos + 1


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
        if _HEADER.unpack_from(data)[0] != 0x40000000 | (limit - 4):
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
            _I64.unpack_from(data, tail)[0],
        )
    except (IndexError, UnicodeDecodeError, struct.error):
        return None


def _parse_careful(data: bytes) -> DecodedTrack:
    """Parse any message, checking every bound and raising precise errors."""
    total = len(data)
    if total < 4:
        raise TrackCodecError(f"encoded track is {total} bytes, too short for its header")
    header = _HEADER.unpack_from(data)[0]
    flags = header >> 30
    limit = 4 + (header & _SIZE_MASK)
    if limit != total:
        raise TrackCodecError(
            f"track header announces a {limit - 4}-byte body but {total - 4} bytes follow"
        )
    if flags == _FLAG_VERSIONED:
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

    title, pos = _read_utf(data, pos, limit, "title")
    author, pos = _read_utf(data, pos, limit, "author")
    if pos + 8 > limit:
        raise TrackCodecError("track ends before its length")
    length: int = _I64.unpack_from(data, pos)[0]
    identifier, pos = _read_utf(data, pos + 8, limit, "identifier")
    if pos >= limit:
        raise TrackCodecError("track ends before isStream")
    is_stream = data[pos] != 0
    pos += 1
    uri = artwork_url = isrc = None
    if version >= 2:
        uri, pos = _read_nullable_utf(data, pos, limit, "uri")
        if version >= 3:
            artwork_url, pos = _read_nullable_utf(data, pos, limit, "artworkUrl")
            isrc, pos = _read_nullable_utf(data, pos, limit, "isrc")
    source_name, pos = _read_utf(data, pos, limit, "sourceName")
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
        position=_I64.unpack_from(data, tail)[0],
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


# --------------------------------------------------------------------------
# encoding


def _int64(value: int, what: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TrackCodecError(f"{what} must be an int, not {type(value).__name__}")
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise TrackCodecError(f"{what} {value} does not fit in a signed 64-bit integer")
    return _I64.pack(value)


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
        _utf(track.title, "title"),
        _utf(track.author, "author"),
        _int64(track.length, "length"),
        _utf(track.identifier, "identifier"),
        b"\x01" if track.is_stream else b"\x00",
    )
    if version >= 2:
        parts.append(_nullable_utf(track.uri, "uri"))
    if version >= 3:
        parts.append(_nullable_utf(track.artwork_url, "artworkUrl"))
        parts.append(_nullable_utf(track.isrc, "isrc"))
    parts += (
        _utf(track.source_name, "sourceName"),
        bytes(details),
        _int64(track.position, "position"),
    )
    body = b"".join(parts)
    if len(body) > _SIZE_MASK:
        raise TrackCodecError(f"track body of {len(body)} bytes is too large to encode")
    flags = _FLAG_VERSIONED if version >= 2 else 0
    message = _HEADER.pack((flags << 30) | len(body)) + body
    return binascii.b2a_base64(message, newline=False).decode("ascii")


def encode_info(info: TrackInfo, *, details: bytes = b"", version: int = TRACK_INFO_VERSION) -> str:
    """Encode a [`TrackInfo`][voltricx.TrackInfo] (plus optional details) as Lavalink would."""
    return encode(DecodedTrack.from_info(info, details=details, version=version))


# --------------------------------------------------------------------------
# source-specific details


def http_details(probe_info: str) -> bytes:
    """Details bytes for an ``http``/``local`` track: the container probe info (e.g. ``"mp3"``)."""
    return _utf(probe_info, "probe info")


def http_probe_info(track: DecodedTrack) -> str | None:
    """The container probe info of an ``http``/``local`` track (e.g. ``"mp3"``), else ``None``.

    ``None`` also when the details do not hold exactly one string.
    """
    if track.source_name not in _PROBE_SOURCES:
        return None
    details = track.details
    try:
        text, end = _read_utf(details, 0, len(details), "probe info")
    except (TrackCodecError, IndexError):
        return None
    return text if end == len(details) else None


def lavasrc_details_bytes(details: LavaSrcDetails) -> bytes:
    """Details bytes for a LavaSrc mirror track."""
    return b"".join(
        (
            _nullable_utf(details.album_name, "albumName"),
            _nullable_utf(details.album_url, "albumUrl"),
            _nullable_utf(details.artist_url, "artistUrl"),
            _nullable_utf(details.artist_artwork_url, "artistArtworkUrl"),
            _nullable_utf(details.preview_url, "previewUrl"),
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
            value, pos = _read_nullable_utf(data, pos, limit, what)
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
