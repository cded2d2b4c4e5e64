"""Deterministic, realistic benchmark payloads.

Tracks look like what Lavalink returns for YouTube, SoundCloud and LavaSrc
Spotify results: varied title lengths, about a fifth non-ASCII (accents,
Japanese, Korean, Cyrillic, a few emoji), artwork URLs, ISRCs and LavaSrc
details. Every ``encoded`` string is produced by ``voltricx.codec``, so it
is valid and matches its ``info``.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

from voltricx.codec import LavaSrcDetails, encode_info, lavasrc_details_bytes
from voltricx.models import TrackInfo

__all__ = ["encoded_tracks", "playlist_body", "search_body", "track_objects"]

_ARTISTS = [
    "Rick Astley", "Daft Punk", "Billie Eilish", "The Weeknd", "Dua Lipa", "Imagine Dragons",
    "Beyoncé", "Sigur Rós", "Mötley Crüe", "Céline Dion", "Björk", "Michael Bublé",
    "米津玄師", "YOASOBI", "宇多田ヒカル", "아이유", "BTS", "BLACKPINK", "Кино", "Земфира",
    "Rosalía", "Bad Bunny", "Stromae", "Nightwish", "Kendrick Lamar", "Taylor Swift",
]  # fmt: skip
_WORDS = [
    "Never", "Gonna", "Give", "You", "Up", "Midnight", "City", "Blinding", "Lights", "Dreams",
    "Fire", "Heart", "Summer", "Ocean", "Electric", "Golden", "Hour", "Levitating", "Bones",
    "Believer", "Starboy", "Halo", "Crazy", "Love", "Sweet", "Child", "Night", "Drive",
    "夜に駆ける", "アイドル", "좋은 날", "봄날", "Группа крови", "Café", "Déjà vu", "Señorita",
]  # fmt: skip
_SUFFIXES = [
    "", "", "", " (Official Video)", " (Official Music Video)", " [Official Audio]",
    " (Lyrics)", " (Live)", " - Remastered 2011", " (feat. Someone)", " 🔥", " ✨",
]  # fmt: skip
_ID_ALPHABET = string.ascii_letters + string.digits + "-_"


def _youtube(rng: random.Random, index: int) -> tuple[TrackInfo, bytes]:
    video = "".join(rng.choices(_ID_ALPHABET, k=11))
    artist = rng.choice(_ARTISTS)
    song = " ".join(rng.sample(_WORDS, rng.randint(1, 4)))
    info = TrackInfo(
        identifier=video,
        is_seekable=True,
        author=artist if rng.random() < 0.7 else f"{artist} - Topic",
        length=rng.randint(60_000, 600_000),
        is_stream=False,
        position=0,
        title=f"{artist} - {song}{rng.choice(_SUFFIXES)}",
        source_name="youtube",
        uri=f"https://www.youtube.com/watch?v={video}",
        artwork_url=f"https://i.ytimg.com/vi/{video}/maxresdefault.jpg",
        isrc=None,
    )
    return info, b""


def _soundcloud(rng: random.Random, index: int) -> tuple[TrackInfo, bytes]:
    track_id = rng.randint(10**8, 10**10)
    artist = rng.choice(_ARTISTS)
    slug = "-".join(rng.sample(["night", "drive", "remix", "edit", "mix", "vip", "bootleg"], 2))
    info = TrackInfo(
        identifier=f"O:https://api-v2.soundcloud.com/media/soundcloud:tracks:{track_id}/stream/hls",
        is_seekable=True,
        author=artist,
        length=rng.randint(60_000, 400_000),
        is_stream=False,
        position=0,
        title=" ".join(rng.sample(_WORDS, rng.randint(1, 3))) + f" ({slug})",
        source_name="soundcloud",
        uri=f"https://soundcloud.com/artist-{index}/{slug}-{track_id}",
        artwork_url=f"https://i1.sndcdn.com/artworks-{track_id:012d}-t500x500.jpg",
        isrc=None,
    )
    return info, b""


def _spotify(rng: random.Random, index: int) -> tuple[TrackInfo, bytes]:
    track = "".join(rng.choices(string.ascii_letters + string.digits, k=22))
    album = "".join(rng.choices(string.ascii_letters + string.digits, k=22))
    artist_id = "".join(rng.choices(string.ascii_letters + string.digits, k=22))
    artist = rng.choice(_ARTISTS)
    title = " ".join(rng.sample(_WORDS, rng.randint(1, 4)))
    info = TrackInfo(
        identifier=track,
        is_seekable=True,
        author=artist,
        length=rng.randint(90_000, 360_000),
        is_stream=False,
        position=0,
        title=title,
        source_name="spotify",
        uri=f"https://open.spotify.com/track/{track}",
        artwork_url=f"https://i.scdn.co/image/ab67616d0000b273{rng.getrandbits(96):024x}",
        isrc=f"US{rng.choice(['UM7', 'RC1', 'SM1'])}{rng.randint(10**6, 10**7 - 1)}",
    )
    details = LavaSrcDetails(
        album_name=f"{title} (Deluxe)",
        album_url=f"https://open.spotify.com/album/{album}",
        artist_url=f"https://open.spotify.com/artist/{artist_id}",
        artist_artwork_url=f"https://i.scdn.co/image/ab6761610000e5eb{rng.getrandbits(96):024x}",
        preview_url=None,
        is_preview=False,
    )
    return info, lavasrc_details_bytes(details)


def _tracks(count: int, seed: int) -> list[tuple[TrackInfo, bytes]]:
    rng = random.Random(seed)
    makers = [_youtube] * 6 + [_soundcloud] * 2 + [_spotify] * 2
    return [rng.choice(makers)(rng, i) for i in range(count)]


def encoded_tracks(count: int, *, seed: int = 1) -> list[str]:
    """``count`` distinct encoded tracks."""
    out = [encode_info(info, details=details) for info, details in _tracks(count, seed)]
    if len(set(out)) != len(out):
        raise AssertionError("benchmark tracks are not distinct")
    return out


def track_objects(count: int, *, seed: int = 2) -> list[dict[str, Any]]:
    """Track objects as Lavalink serialises them in a load result."""
    objects: list[dict[str, Any]] = []
    for info, details in _tracks(count, seed):
        plugin_info: dict[str, Any] = {}
        if info.source_name == "spotify":
            plugin_info = {
                "albumName": f"{info.title} (Deluxe)",
                "albumUrl": "https://open.spotify.com/album/x",
                "artistUrl": "https://open.spotify.com/artist/y",
                "artistArtworkUrl": None,
                "previewUrl": None,
                "isPreview": False,
            }
        objects.append(
            {
                "encoded": encode_info(info, details=details),
                "info": {
                    "identifier": info.identifier,
                    "isSeekable": info.is_seekable,
                    "author": info.author,
                    "length": info.length,
                    "isStream": info.is_stream,
                    "position": info.position,
                    "title": info.title,
                    "uri": info.uri,
                    "artworkUrl": info.artwork_url,
                    "isrc": info.isrc,
                    "sourceName": info.source_name,
                },
                "pluginInfo": plugin_info,
                "userData": {},
            }
        )
    return objects


def playlist_body(count: int) -> bytes:
    """A ``loadType: playlist`` response body with ``count`` tracks (compact, as Lavalink sends)."""
    body = {
        "loadType": "playlist",
        "data": {
            "info": {"name": "Benchmark playlist ✨", "selectedTrack": -1},
            "pluginInfo": {},
            "tracks": track_objects(count, seed=3),
        },
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def search_body(count: int) -> bytes:
    """A ``loadType: search`` response body with ``count`` tracks."""
    body = {"loadType": "search", "data": track_objects(count, seed=4)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
