"""Java's modified UTF-8, and the length-prefixed strings of ``DataInput``/``DataOutput``.

Modified UTF-8 differs from UTF-8 in two ways: NUL is written as ``C0 80``
and a character above U+FFFF as its two UTF-16 surrogates, three bytes
each. Most strings hold neither, so decoding first looks for those two
byte patterns and hands everything else to the C UTF-8 codec; only a
string that fails there is decoded byte by byte.
"""

from __future__ import annotations

import re
import struct
from typing import Final

from voltricx.errors import TrackCodecError

__all__ = [
    "MAX_UTF_BYTES",
    "decode_modified_utf8",
    "encode_modified_utf8",
    "read_nullable_utf",
    "read_utf",
    "write_nullable_utf",
    "write_utf",
]

MAX_UTF_BYTES: Final = 0xFFFF
"""Largest encoded size of one string (its length prefix is a ``uint16``)."""

_U16 = struct.Struct(">H")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


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


def write_utf(text: str, what: str) -> bytes:
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


def write_nullable_utf(text: str | None, what: str) -> bytes:
    """A presence byte, then the string when there is one (lavaplayer's nullable text)."""
    if text is None:
        return b"\x00"
    return b"\x01" + write_utf(text, what)


def read_utf(data: bytes, pos: int, limit: int, what: str) -> tuple[str, int]:
    """The length-prefixed string at ``pos`` (not past ``limit``) and the offset after it."""
    start = pos + 2
    if start > limit:
        raise TrackCodecError(f"track ends inside the length of {what}")
    end = start + ((data[pos] << 8) | data[pos + 1])
    if end > limit:
        raise TrackCodecError(f"{what} runs past the end of the track")
    return decode_modified_utf8(data[start:end]), end


def read_nullable_utf(data: bytes, pos: int, limit: int, what: str) -> tuple[str | None, int]:
    """The nullable string at ``pos`` (``None`` when absent) and the offset after it."""
    if pos >= limit:
        raise TrackCodecError(f"track ends before {what}")
    if data[pos]:
        return read_utf(data, pos + 1, limit, what)
    return None, pos + 1
