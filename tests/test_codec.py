"""Specification of voltricx.codec: lavaplayer's encoded-track format."""

from __future__ import annotations

import base64
import struct

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voltricx import codec
from voltricx.codec import DecodedTrack, LavaSrcDetails, _mutf8, _reader
from voltricx.errors import TrackCodecError
from voltricx.models import Track, TrackInfo

# --------------------------------------------------------------------------
# Real encoded tracks found in public repositories.

# lavalink-devs/Lavalink, docs/api/rest.md ("Track Decoding" example payload).
RICK_V2 = (
    "QAAAjQIAJVJpY2sgQXN0bGV5IC0gTmV2ZXIgR29ubmEgR2l2ZSBZb3UgVXAADlJpY2tBc3RsZXlWRVZPAAAAAAADPCAAC2RR"
    "dzR3OVdnWGNRAAEAK2h0dHBzOi8vd3d3LnlvdXR1YmUuY29tL3dhdGNoP3Y9ZFF3NHc5V2dYY1EAB3lvdXR1YmUAAAAAAAAAAA=="
)
# itslukej/encoding, README.md (the "@lavalink/encoding" usage example).
SKRILLEX_V2 = (
    "QAAAkwIANFNrcmlsbGV4ICYgSGFic3RyYWt0IC0gQ2hpY2tlbiBTb3VwIFtPZmZpY2lhbCBBdWRpb10ABU9XU0xBAAAAAAADLIAA"
    "CzIyTVdyV1BWX1FNAAEAK2h0dHBzOi8vd3d3LnlvdXR1YmUuY29tL3dhdGNoP3Y9MjJNV3JXUFZfUU0AB3lvdXR1YmUAAAAAAAAAAA=="
)
# The following all come from angelobreuer/Lavalink4NET,
# tests/Lavalink4NET.Abstractions.Tests/LavalinkTrackTests.cs.
RICK_V3 = (
    "QAAA2QMAPFJpY2sgQXN0bGV5IC0gTmV2ZXIgR29ubmEgR2l2ZSBZb3UgVXAgKE9mZmljaWFsIE11c2ljIFZpZGVvKQALUmljayBB"
    "c3RsZXkAAAAAAANACAALZFF3NHc5V2dYY1EAAQAraHR0cHM6Ly93d3cueW91dHViZS5jb20vd2F0Y2g/dj1kUXc0dzlXZ1hjUQEA"
    "NGh0dHBzOi8vaS55dGltZy5jb20vdmkvZFF3NHc5V2dYY1EvbWF4cmVzZGVmYXVsdC5qcGcAAAd5b3V0dWJlAAAAAAAAAAA="
)
HTTP_V2 = (
    "QAAAiwIAC0RlYXRoIG9mIE1lAApTQUlOVCBQSE5YAAAAAAAAdVgAKGh0dHBzOi8vd3d3Lm1ib3hkcml2ZS5jb20vc3RhcnRtdXNp"
    "Yy5tcDMAAQAoaHR0cHM6Ly93d3cubWJveGRyaXZlLmNvbS9zdGFydG11c2ljLm1wMwAEaHR0cAADbXAzAAAAAAAAAAA="
)
HTTP_V3 = (
    "QAAAjQMAC0RlYXRoIG9mIE1lAApTQUlOVCBQSE5YAAAAAAAAdVgAKGh0dHBzOi8vd3d3Lm1ib3hkcml2ZS5jb20vc3RhcnRtdXNp"
    "Yy5tcDMAAQAoaHR0cHM6Ly93d3cubWJveGRyaXZlLmNvbS9zdGFydG11c2ljLm1wMwAAAARodHRwAANtcDMAAAAAAAAAAA=="
)
# Version 3 with an empty sourceName (a Yandex Music track).
YANDEX_V3 = (
    "QAAAcwMADU1FVEFNT1JQSE9TSVMACklOVEVSV09STEQAAAAAAAIt7gAIOTU5OTA4ODcAAQA1aHR0cHM6Ly9tdXNpYy55YW5kZXgu"
    "cnUvYWxidW0vMTk2MjI4MjYvdHJhY2svOTU5OTA4ODcAAAAAAAAAAAAAAAA="
)
# A LavaSrc Spotify track: isrc plus album/artist/preview details.
SPOTIFY_V3 = (
    "QAACLgMAIFZvaXMgc3VyIHRvbiBjaGVtaW4gLSBUZWNobm8gTWl4AAdCRU5ORVRUAAAAAAACt+wAFjMxbmZkRW9vTEVxN2RuM1VN"
    "Y0llQjUAAQA1aHR0cHM6Ly9vcGVuLnNwb3RpZnkuY29tL3RyYWNrLzMxbmZkRW9vTEVxN2RuM1VNY0llQjUBAEBodHRwczovL2ku"
    "c2Nkbi5jby9pbWFnZS9hYjY3NjE2ZDAwMDBiMjczMWI5NmU2NDUwMTZjNGQ0MzE4NDJhYTkzAQAMREVBNjIyMzAxODAxAAdzcG90"
    "aWZ5AQAgVm9pcyBzdXIgdG9uIGNoZW1pbiAoVGVjaG5vIE1peCkBADVodHRwczovL29wZW4uc3BvdGlmeS5jb20vYWxidW0vNzlD"
    "eWM4R1JXbkx5amRKU015SjBkQgEANmh0dHBzOi8vb3Blbi5zcG90aWZ5LmNvbS9hcnRpc3QvMXI0M3dXNzB0bkdVYXVRWXZZNXc0"
    "OAEAQGh0dHBzOi8vaS5zY2RuLmNvL2ltYWdlL2FiNjc2MTYxMDAwMGU1ZWI4MTFiYzk2N2VlZDNkNjFlMThmZGE0OWIBAGtodHRw"
    "czovL3Auc2Nkbi5jby9tcDMtcHJldmlldy8zMzU0YWZlNDI5NmQyYjg4OWQzNjk2NTgwNGQ0MTRjNWMyYjM0MTJiP2NpZD1kZmI5"
    "ZjcxMDNmNDI0M2Q2Yjg5NzcyYjBhZDhmMTkwNgAAAAAAAAAAAA=="
)
# Non-ASCII: the title ends in U+1F33F, written as a surrogate pair (ED A0 BC ED BC BF).
EMOJI_V3 = (
    "QAAA2gMAN0NvenkgYW5pbWFsIGNyb3NzaW5nIG11c2ljIHRoYXQgY3VyZSBteSBoZWFkYWNoZXPtoLztvL8AC1RlbmRvIEZhcm1z"
    "AAAAAAA/26gACzhUYkx1Qk9DbFNnAAEAK2h0dHBzOi8vd3d3LnlvdXR1YmUuY29tL3dhdGNoP3Y9OFRiTHVCT0NsU2cBADpodHRw"
    "czovL2kueXRpbWcuY29tL3ZpX3dlYnAvOFRiTHVCT0NsU2cvbWF4cmVzZGVmYXVsdC53ZWJwAAAHeW91dHViZQAAAAAAAAAA"
)
# The same title written with standard 4-byte UTF-8 (F0 9F 8C BF) and a position of
# 170167 ms: not what Java writes, but a lenient decoder should still read it.
EMOJI_4BYTE_V3 = (
    "QAAA2AMANUNvenkgYW5pbWFsIGNyb3NzaW5nIG11c2ljIHRoYXQgY3VyZSBteSBoZWFkYWNoZXPwn4y/AAtUZW5kbyBGYXJtcwAA"
    "AAAAP9uoAAs4VGJMdUJPQ2xTZwABACtodHRwczovL3d3dy55b3V0dWJlLmNvbS93YXRjaD92PThUYkx1Qk9DbFNnAQA6aHR0cHM6"
    "Ly9pLnl0aW1nLmNvbS92aV93ZWJwLzhUYkx1Qk9DbFNnL21heHJlc2RlZmF1bHQud2VicAAAB3lvdXR1YmUAAAAAAAKYtw=="
)

REAL_TRACKS = [
    RICK_V2,
    SKRILLEX_V2,
    RICK_V3,
    HTTP_V2,
    HTTP_V3,
    YANDEX_V3,
    SPOTIFY_V3,
    EMOJI_V3,
]

EXPECTED: dict[str, dict[str, object]] = {
    RICK_V2: {
        "version": 2,
        "title": "Rick Astley - Never Gonna Give You Up",
        "author": "RickAstleyVEVO",
        "length": 212000,
        "identifier": "dQw4w9WgXcQ",
        "is_stream": False,
        "uri": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "artwork_url": None,
        "isrc": None,
        "source_name": "youtube",
        "details": b"",
        "position": 0,
    },
    SKRILLEX_V2: {
        "version": 2,
        "title": "Skrillex & Habstrakt - Chicken Soup [Official Audio]",
        "author": "OWSLA",
        "length": 208000,
        "identifier": "22MWrWPV_QM",
        "uri": "https://www.youtube.com/watch?v=22MWrWPV_QM",
        "source_name": "youtube",
        "position": 0,
    },
    RICK_V3: {
        "version": 3,
        "title": "Rick Astley - Never Gonna Give You Up (Official Music Video)",
        "author": "Rick Astley",
        "length": 213000,
        "identifier": "dQw4w9WgXcQ",
        "is_stream": False,
        "uri": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "artwork_url": "https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg",
        "isrc": None,
        "source_name": "youtube",
        "details": b"",
        "position": 0,
    },
    HTTP_V2: {
        "version": 2,
        "title": "Death of Me",
        "author": "SAINT PHNX",
        "length": 30040,
        "identifier": "https://www.mboxdrive.com/startmusic.mp3",
        "uri": "https://www.mboxdrive.com/startmusic.mp3",
        "source_name": "http",
        "details": b"\x00\x03mp3",
    },
    HTTP_V3: {
        "version": 3,
        "title": "Death of Me",
        "artwork_url": None,
        "isrc": None,
        "source_name": "http",
        "details": b"\x00\x03mp3",
    },
    YANDEX_V3: {
        "version": 3,
        "title": "METAMORPHOSIS",
        "author": "INTERWORLD",
        "length": 142830,
        "identifier": "95990887",
        "uri": "https://music.yandex.ru/album/19622826/track/95990887",
        "source_name": "",
        "details": b"",
    },
    SPOTIFY_V3: {
        "version": 3,
        "title": "Vois sur ton chemin - Techno Mix",
        "author": "BENNETT",
        "length": 178156,
        "identifier": "31nfdEooLEq7dn3UMcIeB5",
        "uri": "https://open.spotify.com/track/31nfdEooLEq7dn3UMcIeB5",
        "artwork_url": "https://i.scdn.co/image/ab67616d0000b2731b96e645016c4d431842aa93",
        "isrc": "DEA622301801",
        "source_name": "spotify",
        "position": 0,
    },
    EMOJI_V3: {
        "version": 3,
        "title": "Cozy animal crossing music that cure my headaches\U0001f33f",
        "author": "Tendo Farms",
        "length": 4185000,
        "identifier": "8TbLuBOClSg",
        "uri": "https://www.youtube.com/watch?v=8TbLuBOClSg",
        "artwork_url": "https://i.ytimg.com/vi_webp/8TbLuBOClSg/maxresdefault.webp",
        "source_name": "youtube",
        "position": 0,
    },
}


@pytest.mark.parametrize("encoded", REAL_TRACKS)
def test_real_track_decodes_to_the_published_fields(encoded: str) -> None:
    decoded = codec.decode(encoded)
    for field, value in EXPECTED[encoded].items():
        assert getattr(decoded, field) == value, field


@pytest.mark.parametrize("encoded", REAL_TRACKS)
def test_real_track_reencodes_byte_for_byte(encoded: str) -> None:
    assert codec.encode(codec.decode(encoded)) == encoded


@pytest.mark.parametrize("encoded", REAL_TRACKS)
def test_real_track_rebuilt_from_its_info_reencodes_byte_for_byte(encoded: str) -> None:
    decoded = codec.decode(encoded)
    assert (
        codec.encode_info(decoded.info, details=decoded.details, version=decoded.version) == encoded
    )


@pytest.mark.parametrize("encoded", REAL_TRACKS)
def test_bytes_input_may_be_base64_text_or_the_raw_message(encoded: str) -> None:
    expected = codec.decode(encoded)
    assert codec.decode(encoded.encode("ascii")) == expected
    assert codec.decode(base64.b64decode(encoded)) == expected


def test_info_derives_is_seekable_from_is_stream() -> None:
    info = codec.decode(RICK_V3).info
    assert info == TrackInfo(
        identifier="dQw4w9WgXcQ",
        is_seekable=True,
        author="Rick Astley",
        length=213000,
        is_stream=False,
        position=0,
        title="Rick Astley - Never Gonna Give You Up (Official Music Video)",
        source_name="youtube",
        uri="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        artwork_url="https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg",
        isrc=None,
    )
    stream = msgspec.structs.replace(codec.decode(RICK_V3), is_stream=True)
    assert stream.info.is_seekable is False


def test_decode_to_track_builds_a_track_locally() -> None:
    track = codec.decode_to_track(SPOTIFY_V3)
    assert isinstance(track, Track)
    assert track.encoded == SPOTIFY_V3
    assert track.title == "Vois sur ton chemin - Techno Mix"
    assert track.isrc == "DEA622301801"
    assert track.plugin_info == {}
    assert track.user_data == {}


def test_http_track_exposes_its_probe_info() -> None:
    decoded = codec.decode(HTTP_V3)
    assert codec.http_probe_info(decoded) == "mp3"
    assert codec.http_details("mp3") == decoded.details
    assert codec.http_probe_info(codec.decode(RICK_V3)) is None


def test_lavasrc_track_exposes_its_details() -> None:
    decoded = codec.decode(SPOTIFY_V3)
    details = codec.lavasrc_details(decoded)
    assert details == LavaSrcDetails(
        album_name="Vois sur ton chemin (Techno Mix)",
        album_url="https://open.spotify.com/album/79Cyc8GRWnLyjdJSMyJ0dB",
        artist_url="https://open.spotify.com/artist/1r43wW70tnGUauQYvY5w48",
        artist_artwork_url="https://i.scdn.co/image/ab6761610000e5eb811bc967eed3d61e18fda49b",
        preview_url=(
            "https://p.scdn.co/mp3-preview/3354afe4296d2b889d36965804d414c5c2b3412b"
            "?cid=dfb9f7103f4243d6b89772b0ad8f1906"
        ),
        is_preview=False,
    )
    assert codec.lavasrc_details_bytes(details) == decoded.details


def test_details_helpers_return_none_for_other_layouts() -> None:
    assert codec.lavasrc_details(codec.decode(RICK_V3)) is None
    assert codec.lavasrc_details(codec.decode(HTTP_V3)) is None
    spotify = codec.decode(SPOTIFY_V3)
    assert codec.http_probe_info(msgspec.structs.replace(spotify, source_name="http")) is None


def test_four_byte_utf8_is_read_leniently_and_rewritten_the_java_way() -> None:
    decoded = codec.decode(EMOJI_4BYTE_V3)
    assert decoded.title == "Cozy animal crossing music that cure my headaches\U0001f33f"
    assert decoded.position == 170167
    reencoded = codec.encode(decoded)
    assert reencoded != EMOJI_4BYTE_V3
    assert b"\xed\xa0\xbc\xed\xbc\xbf" in base64.b64decode(reencoded)
    assert codec.decode(reencoded) == decoded
    assert codec.encode(msgspec.structs.replace(decoded, position=0)) == EMOJI_V3


# --------------------------------------------------------------------------
# Modified UTF-8


def reference_modified_utf8(text: str) -> bytes:
    """Java's writeUTF, written the obvious way, one UTF-16 code unit at a time."""
    units = struct.unpack(
        f">{len(text.encode('utf-16-be', 'surrogatepass')) // 2}H",
        text.encode("utf-16-be", "surrogatepass"),
    )
    out = bytearray()
    for unit in units:
        if 0x0001 <= unit <= 0x007F:
            out.append(unit)
        elif unit <= 0x07FF:
            out += bytes((0xC0 | (unit >> 6), 0x80 | (unit & 0x3F)))
        else:
            out += bytes((0xE0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3F), 0x80 | (unit & 0x3F)))
    return bytes(out)


def as_java_string(text: str) -> str:
    """What a string looks like after a trip through UTF-16 (adjacent surrogates join)."""
    return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("", b""),
        ("abc", b"abc"),
        ("\x00", b"\xc0\x80"),
        ("a\x00b", b"a\xc0\x80b"),
        ("\u00e9", b"\xc3\xa9"),
        ("\u20ac", b"\xe2\x82\xac"),
        ("\ud55c", b"\xed\x95\x9c"),  # Hangul: a 0xED lead byte that is not a surrogate
        ("\U0001f600", b"\xed\xa0\xbd\xed\xb8\x80"),
        ("\ud800", b"\xed\xa0\x80"),
        ("\udfff", b"\xed\xbf\xbf"),
        ("x\U0001f600\x00\u00e9", b"x\xed\xa0\xbd\xed\xb8\x80\xc0\x80\xc3\xa9"),
    ],
)
def test_modified_utf8_known_forms(text: str, raw: bytes) -> None:
    assert codec.encode_modified_utf8(text) == raw
    assert codec.decode_modified_utf8(raw) == text


def test_decoder_accepts_what_java_readutf_accepts() -> None:
    assert codec.decode_modified_utf8(b"\x00") == "\x00"
    assert codec.decode_modified_utf8(b"\xc1\x81") == "A"  # overlong, as Java tolerates
    assert codec.decode_modified_utf8(b"\xf0\x9f\x98\x80") == "\U0001f600"


@pytest.mark.parametrize(
    "raw",
    [b"\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0", b"\xff", b"a\xc0\x00", b"\xf8\x80\x80\x80\x80"],
)
def test_malformed_modified_utf8_raises_track_codec_error(raw: bytes) -> None:
    with pytest.raises(TrackCodecError):
        codec.decode_modified_utf8(raw)


java_chars = st.one_of(
    st.characters(exclude_categories=()),  # includes lone surrogates and astral characters
    st.sampled_from(["\x00", "\ud83d", "\ude00", "\U0001f600", "\ud55c", "\u00e9", "\uffff"]),
)
java_text = st.text(alphabet=java_chars, max_size=40)


@given(java_text)
def test_modified_utf8_matches_the_reference_encoder(text: str) -> None:
    assert codec.encode_modified_utf8(text) == reference_modified_utf8(text)


@given(java_text)
def test_modified_utf8_round_trips(text: str) -> None:
    raw = codec.encode_modified_utf8(text)
    assert codec.decode_modified_utf8(raw) == as_java_string(text)
    assert _mutf8._decode_modified_utf8_exact(raw) == as_java_string(text)  # pyright: ignore[reportPrivateUsage]


def test_strings_longer_than_65535_encoded_bytes_are_rejected() -> None:
    base = codec.decode(RICK_V3)
    assert codec.decode(codec.encode(msgspec.structs.replace(base, title="a" * 65535))).title == (
        "a" * 65535
    )
    for title in ("a" * 65536, "\u00e9" * 32768, "\x00" * 32768, "\U0001f600" * 10923):
        with pytest.raises(TrackCodecError, match="65535"):
            codec.encode(msgspec.structs.replace(base, title=title))
    with pytest.raises(TrackCodecError):
        codec.http_details("x" * 70000)


# --------------------------------------------------------------------------
# Encoder rules


def test_tracks_built_locally_are_version_3() -> None:
    info = codec.decode(RICK_V2).info
    rebuilt = codec.decode(codec.encode_info(info))
    assert rebuilt.version == 3
    assert rebuilt.info == info
    assert codec.encode_info(info).startswith("QAAA")


def test_version_1_has_no_flag_and_no_version_byte() -> None:
    v1 = msgspec.structs.replace(codec.decode(RICK_V2), version=1, uri=None)
    raw = base64.b64decode(codec.encode(v1))
    assert raw[0] == 0
    assert raw[4:6] == b"\x00\x25"  # straight into the title's length
    assert codec.decode(codec.encode(v1)) == v1


@pytest.mark.parametrize(
    "changes",
    [
        {"version": 1},  # has a uri
        {"version": 2},  # has an artwork url
        {"version": 4},
        {"version": 0},
        {"length": 1 << 63},
        {"position": -(1 << 63) - 1},
    ],
)
def test_encoder_rejects_what_the_format_cannot_hold(changes: dict[str, object]) -> None:
    track = msgspec.structs.replace(codec.decode(RICK_V3), **changes)
    with pytest.raises(TrackCodecError):
        codec.encode(track)


# --------------------------------------------------------------------------
# Property tests


def _track_strategy() -> st.SearchStrategy[DecodedTrack]:
    def build(version: int, draw: st.DrawFn) -> DecodedTrack:
        optional = st.none() | java_text
        return DecodedTrack(
            version=version,
            title=draw(java_text),
            author=draw(java_text),
            length=draw(st.integers(-(1 << 63), (1 << 63) - 1)),
            identifier=draw(java_text),
            is_stream=draw(st.booleans()),
            uri=draw(optional) if version >= 2 else None,
            artwork_url=draw(optional) if version >= 3 else None,
            isrc=draw(optional) if version >= 3 else None,
            source_name=draw(java_text),
            details=draw(st.binary(max_size=64)),
            position=draw(st.integers(-(1 << 63), (1 << 63) - 1)),
        )

    @st.composite
    def tracks(draw: st.DrawFn) -> DecodedTrack:
        return build(draw(st.sampled_from([1, 2, 3])), draw)

    return tracks()


def _as_java(track: DecodedTrack) -> DecodedTrack:
    def norm(value: str | None) -> str | None:
        return None if value is None else as_java_string(value)

    return msgspec.structs.replace(
        track,
        title=as_java_string(track.title),
        author=as_java_string(track.author),
        identifier=as_java_string(track.identifier),
        uri=norm(track.uri),
        artwork_url=norm(track.artwork_url),
        isrc=norm(track.isrc),
        source_name=as_java_string(track.source_name),
    )


@given(_track_strategy())
@settings(max_examples=300)
def test_encode_then_decode_gives_the_track_back(track: DecodedTrack) -> None:
    assert codec.decode(codec.encode(track)) == _as_java(track)


@given(_track_strategy())
@settings(max_examples=300)
def test_decode_then_encode_gives_the_same_bytes(track: DecodedTrack) -> None:
    encoded = codec.encode(track)
    assert codec.encode(codec.decode(encoded)) == encoded


@given(
    st.builds(
        LavaSrcDetails,
        album_name=st.none() | java_text,
        album_url=st.none() | java_text,
        artist_url=st.none() | java_text,
        artist_artwork_url=st.none() | java_text,
        preview_url=st.none() | java_text,
        is_preview=st.booleans(),
    )
)
def test_lavasrc_details_round_trip(details: LavaSrcDetails) -> None:
    base = codec.decode(SPOTIFY_V3)
    track = msgspec.structs.replace(base, details=codec.lavasrc_details_bytes(details))
    decoded = codec.decode(codec.encode(track))
    expected = msgspec.structs.replace(
        details,
        **{
            name: as_java_string(value)
            for name in (
                "album_name",
                "album_url",
                "artist_url",
                "artist_artwork_url",
                "preview_url",
            )
            if isinstance(value := getattr(details, name), str)
        },
    )
    assert codec.lavasrc_details(decoded) == expected


@given(java_text)
def test_http_probe_info_round_trips(probe: str) -> None:
    base = codec.decode(HTTP_V3)
    track = msgspec.structs.replace(base, details=codec.http_details(probe))
    assert codec.http_probe_info(codec.decode(codec.encode(track))) == as_java_string(probe)


# --------------------------------------------------------------------------
# Garbage only ever raises TrackCodecError


def _decode_or_codec_error(value: str | bytes) -> DecodedTrack | None:
    try:
        return codec.decode(value)
    except TrackCodecError:
        return None


@given(st.binary(max_size=300))
def test_random_bytes_raise_only_track_codec_error(data: bytes) -> None:
    _decode_or_codec_error(data)
    _decode_or_codec_error(b"\x40" + data)
    _decode_or_codec_error(base64.b64encode(data).decode("ascii"))


@given(st.text(max_size=200))
def test_random_text_raises_only_track_codec_error(text: str) -> None:
    _decode_or_codec_error(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "=",
        "QAAA",
        "QAAAjQ",
        "QAAA!!!!",
        "QAAA jQ==",
        "abc=defg",
        "QAAAjQ==QAAA",
        "\u00e9\u00e9\u00e9\u00e9",
    ],
)
def test_bad_base64_raises_track_codec_error(text: str) -> None:
    with pytest.raises(TrackCodecError):
        codec.decode(text)


@pytest.mark.parametrize("encoded", REAL_TRACKS)
def test_every_truncation_raises_track_codec_error(encoded: str) -> None:
    raw = base64.b64decode(encoded)
    for size in range(len(raw)):
        with pytest.raises(TrackCodecError):
            codec.decode(raw[:size])
        with pytest.raises(TrackCodecError):
            codec.decode(base64.b64encode(raw[:size]).decode("ascii"))


@given(st.sampled_from(REAL_TRACKS), st.data())
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_truncations_with_a_matching_header_raise_only_track_codec_error(
    encoded: str, data: st.DataObject
) -> None:
    raw = base64.b64decode(encoded)
    size = data.draw(st.integers(0, len(raw) - 4))
    header = struct.unpack(">I", raw[:4])[0] & 0xC0000000 | size
    _decode_or_codec_error(struct.pack(">I", header) + raw[4 : 4 + size])


@given(st.sampled_from(REAL_TRACKS), st.integers(0, 0xFFFFFFFF))
def test_wrong_header_values_raise_only_track_codec_error(encoded: str, header: int) -> None:
    raw = base64.b64decode(encoded)
    mangled = struct.pack(">I", header) + raw[4:]
    result = _decode_or_codec_error(base64.b64encode(mangled).decode("ascii"))
    if struct.unpack(">I", raw[:4])[0] != header:
        assert result is None


@given(st.sampled_from(REAL_TRACKS), st.data())
def test_corrupted_bytes_raise_only_track_codec_error(encoded: str, data: st.DataObject) -> None:
    raw = bytearray(base64.b64decode(encoded))
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(raw) - 1))
        raw[index] = data.draw(st.integers(0, 255))
    _decode_or_codec_error(bytes(raw))


def test_unsupported_versions_and_flags_are_rejected() -> None:
    raw = bytearray(base64.b64decode(RICK_V3))
    for version in (0, 1, 4, 255):
        raw[4] = version
        with pytest.raises(TrackCodecError, match="version"):
            codec.decode(bytes(raw))
    raw = bytearray(base64.b64decode(RICK_V3))
    raw[0] |= 0x80
    with pytest.raises(TrackCodecError):
        codec.decode(base64.b64encode(bytes(raw)).decode("ascii"))


def test_non_string_input_raises_track_codec_error() -> None:
    with pytest.raises(TrackCodecError):
        codec.decode(12345)  # type: ignore[arg-type]


@given(st.sampled_from(REAL_TRACKS), st.data())
def test_fast_path_agrees_with_the_careful_parser(encoded: str, data: st.DataObject) -> None:
    raw = bytearray(base64.b64decode(encoded))
    for _ in range(data.draw(st.integers(0, 3))):
        index = data.draw(st.integers(4, len(raw) - 1))
        raw[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(5, len(raw)))
    message = struct.pack(">I", 0x40000000 | (cut - 4)) + bytes(raw[4:cut])
    fast = _reader._parse_fast(message)  # pyright: ignore[reportPrivateUsage]
    try:
        careful = _reader._parse_careful(message)  # pyright: ignore[reportPrivateUsage]
    except TrackCodecError:
        careful = None
    if fast is not None:
        assert fast == careful
    if careful is None:
        with pytest.raises(TrackCodecError):
            codec.decode(message)
    else:
        assert codec.decode(message) == careful
