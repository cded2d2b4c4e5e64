"""The baseline decoder: encoded tracks decoded the straightforward way.

This is how a first pure-Python decoder usually looks: a stream object,
one ``struct.unpack`` per primitive, and modified UTF-8 decoded one
character at a time. It is deliberately unoptimised (but correct), so the
benchmark shows what the tuned decoder in ``voltricx.codec`` buys.
"""

from __future__ import annotations

import base64
import io
import struct

from voltricx.codec import DecodedTrack

__all__ = ["naive_decode"]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)

    def read(self, size: int) -> bytes:
        chunk = self._stream.read(size)
        if len(chunk) != size:
            raise ValueError("unexpected end of track")
        return chunk

    def read_byte(self) -> int:
        return struct.unpack(">B", self.read(1))[0]

    def read_bool(self) -> bool:
        return self.read_byte() != 0

    def read_u16(self) -> int:
        return struct.unpack(">H", self.read(2))[0]

    def read_i32(self) -> int:
        return struct.unpack(">i", self.read(4))[0]

    def read_i64(self) -> int:
        return struct.unpack(">q", self.read(8))[0]

    def read_utf(self) -> str:
        size = self.read_u16()
        raw = self.read(size)
        chars: list[str] = []
        i = 0
        while i < size:
            b = raw[i]
            if b < 0x80:
                unit = b
                i += 1
            elif b >> 5 == 0b110:
                unit = ((b & 0x1F) << 6) | (raw[i + 1] & 0x3F)
                i += 2
            elif b >> 4 == 0b1110:
                unit = ((b & 0x0F) << 12) | ((raw[i + 1] & 0x3F) << 6) | (raw[i + 2] & 0x3F)
                i += 3
            else:
                raise ValueError("bad modified UTF-8")
            # Join a high surrogate with the low surrogate that follows it.
            if chars and 0xDC00 <= unit <= 0xDFFF and 0xD800 <= ord(chars[-1]) <= 0xDBFF:
                high = ord(chars.pop())
                chars.append(chr(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)))
            else:
                chars.append(chr(unit))
        return "".join(chars)

    def read_nullable_utf(self) -> str | None:
        return self.read_utf() if self.read_bool() else None

    def rest(self) -> bytes:
        return self._stream.read()


def naive_decode(encoded: str) -> DecodedTrack:
    """Decode one base64 encoded track, field by field."""
    reader = _Reader(base64.b64decode(encoded))
    header = reader.read_i32()
    flags = (header >> 30) & 0x3
    version = reader.read_byte() if flags & 1 else 1
    title = reader.read_utf()
    author = reader.read_utf()
    length = reader.read_i64()
    identifier = reader.read_utf()
    is_stream = reader.read_bool()
    uri = reader.read_nullable_utf() if version >= 2 else None
    artwork_url = reader.read_nullable_utf() if version >= 3 else None
    isrc = reader.read_nullable_utf() if version >= 3 else None
    source_name = reader.read_utf()
    rest = reader.rest()
    if len(rest) < 8:
        raise ValueError("unexpected end of track")
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
        details=rest[:-8],
        position=struct.unpack(">q", rest[-8:])[0],
    )
