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

The package has one private module per part: the decoded track and the
fixed layout (``_track``), modified UTF-8 and its length-prefixed strings
(``_mutf8``), the reader (``_reader``), the writer (``_writer``) and the
details layouts of known sources (``_details``); every public name is
imported from here.
"""

from __future__ import annotations

from voltricx.codec._details import (
    LavaSrcDetails,
    http_details,
    http_probe_info,
    lavasrc_details,
    lavasrc_details_bytes,
)
from voltricx.codec._mutf8 import MAX_UTF_BYTES, decode_modified_utf8, encode_modified_utf8
from voltricx.codec._reader import decode, decode_to_track
from voltricx.codec._track import TRACK_INFO_VERSION, DecodedTrack
from voltricx.codec._writer import encode, encode_info

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
