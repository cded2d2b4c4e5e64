"""The built-in, deterministic track catalogue of [`FakeLavalink`][voltricx.testing.FakeLavalink].

Every track is generated from its query or seed with a hash, so the same
query gives the same tracks (titles, identifiers, encoded blobs) in every
run and on every fake server. No network is involved.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from voltricx.codec import encode_info, http_details
from voltricx.models.common import LavalinkException
from voltricx.models.load import (
    EmptyResult,
    ErrorResult,
    LoadResult,
    PlaylistData,
    PlaylistInfo,
    PlaylistResult,
    SearchResult,
    TrackResult,
)
from voltricx.models.track import Track, TrackInfo

_AUDIO_EXTENSIONS = ("mp3", "ogg", "flac", "wav", "m4a")

__all__ = ["STREAM_LENGTH", "Catalogue", "CatalogueEntry", "PlayBehaviour"]

STREAM_LENGTH = (1 << 63) - 1
"""The length Lavalink reports for live streams (Java's ``Long.MAX_VALUE``)."""

PlayBehaviour = Literal["normal", "exception", "stuck"]
"""What happens when a catalogue track is played.

``normal`` plays it; ``exception`` emits ``TrackStartEvent``,
``TrackExceptionEvent`` and ``TrackEndEvent(loadFailed)`` at once;
``stuck`` emits ``TrackStartEvent`` then ``TrackStuckEvent`` and the
position stops advancing.
"""

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_WORD = re.compile(r"\berror\b", re.IGNORECASE)
_NOMATCH = re.compile(r"\bnomatch\b", re.IGNORECASE)

_ADJECTIVES = (
    "Electric", "Midnight", "Golden", "Neon", "Silent", "Crimson", "Velvet", "Paper",
    "Hollow", "Northern", "Broken", "Lucky", "Violet", "Static", "Endless", "Wild",
)  # fmt: skip
_NOUNS = (
    "Harbour", "Signal", "Orchard", "Engine", "Lanterns", "Rivers", "Satellite", "Garden",
    "Circuit", "Tide", "Parade", "Horizon", "Echoes", "Summer", "Machine", "Letters",
)  # fmt: skip
_ARTISTS = (
    "The Copper Foxes", "Lina Marsh", "Static Bloom", "Orla Vey", "Nine Lakes",
    "DJ Kettle", "Tomas Ravel", "The Quiet Hours", "Ada Sorrel", "Brightwater",
    "Kid Voltage", "Mara Quill",
)  # fmt: skip
_SEARCH_SUFFIXES = (
    "", " (Official Video)", " (Lyrics)", " (Live)", " (Remix)", " (Acoustic)",
    " (Slowed)", " [1 Hour]", " (Cover)", " (Instrumental)",
)  # fmt: skip


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def _video_id(*seed: str) -> str:
    raw = _digest("id", *seed)
    return "".join(_ID_ALPHABET[b % 64] for b in raw[:11])


def _length(*seed: str) -> int:
    raw = _digest("len", *seed)
    # 2:00 to 5:00, whole seconds.
    return (120 + int.from_bytes(raw[:4], "big") % 181) * 1000


def details_for(info: TrackInfo) -> bytes:
    """The details bytes the fake writes after ``info`` in an encoded track.

    ``http`` and ``local`` tracks carry their container (the URI's audio
    extension, else ``wav``); other sources carry none.
    """
    if info.source_name not in ("http", "local"):
        return b""
    ext = (info.uri or "").rpartition(".")[2].lower()
    return http_details(ext if ext in _AUDIO_EXTENSIONS else "wav")


@dataclass(slots=True)
class CatalogueEntry:
    """A catalogue track plus the way the fake plays it."""

    track: Track
    behaviour: PlayBehaviour = "normal"


@dataclass(slots=True)
class _Playlist:
    name: str
    identifiers: list[str]
    selected: int = -1
    plugin_info: dict[str, Any] = field(default_factory=dict[str, Any])


class Catalogue:
    """The tracks and playlists a [`FakeLavalink`][voltricx.testing.FakeLavalink] can load.

    Built in (all deterministic):

    * ``ytsearch:Q`` / ``ytmsearch:Q`` (source ``youtube``) and ``scsearch:Q``
      (source ``soundcloud``): 10 tracks whose titles and authors derive from Q.
      A query containing the word ``nomatch`` gives ``empty``.
    * Any identifier containing the word ``error`` gives ``loadType: error``.
    * Identifiers and URIs of tracks the catalogue holds load one track; an
      unknown identifier gives ``empty``.
    * Playlists: [`TOP100_URL`][voltricx.testing.Catalogue.TOP100_URL] (100 tracks) and [`SMALL_PLAYLIST_URL`][voltricx.testing.Catalogue.SMALL_PLAYLIST_URL]
      (5 tracks); [`add_playlist()`][voltricx.testing.Catalogue.add_playlist] adds more.
    * Mixes: ``https://www.youtube.com/watch?v=ID&list=RDID`` gives a playlist
      ``Mix - TITLE`` of 25 related tracks, the seed first.
    * ``https://...file.mp3`` (also ``.ogg``, ``.flac``, ``.wav``, ``.m4a``)
      gives an ``http`` track; [`STREAM_URL`][voltricx.testing.Catalogue.STREAM_URL] a live stream.
    """

    TOP100_URL = "https://www.youtube.com/playlist?list=PLvoltricxTop100"
    """A playlist of 100 tracks."""
    SMALL_PLAYLIST_URL = "https://www.youtube.com/playlist?list=PLvoltricxSmall"
    """A playlist of 5 tracks."""
    STREAM_URL = "https://www.twitch.tv/voltricx_radio"
    """A live stream (``isStream`` true, never ends)."""

    def __init__(self) -> None:
        self.unknown_lengths = False
        """Load ``http`` URLs and ``local:`` paths unprobed, as NodeLink does: length -1,
        ``"unknown"`` title/author, not seekable (such tracks play until stopped)."""
        self._by_key: dict[str, CatalogueEntry] = {}
        self._playlists: dict[str, _Playlist] = {}
        self._custom_count = 0
        self._build_defaults()

    # ------------------------------------------------------------------ building

    def _build_defaults(self) -> None:
        top = [self._generated("top100", str(i)) for i in range(100)]
        self._playlists[self.TOP100_URL] = _Playlist(
            "Voltricx Top 100", [t.info.identifier for t in top]
        )
        small = top[:5]
        self._playlists[self.SMALL_PLAYLIST_URL] = _Playlist(
            "Voltricx Small Mix", [t.info.identifier for t in small]
        )
        self.add(
            title="Voltricx Radio 24/7",
            author="Voltricx Radio",
            identifier="voltricx_radio",
            uri=self.STREAM_URL,
            source="twitch",
            is_stream=True,
        )

    def _generated(self, *seed: str, source: str = "youtube", title: str = "",
                   author: str = "") -> Track:  # fmt: skip
        raw = _digest("meta", *seed)
        if not title:
            title = f"{_ADJECTIVES[raw[0] % 16]} {_NOUNS[raw[1] % 16]}"
        if not author:
            author = _ARTISTS[raw[2] % len(_ARTISTS)]
        vid = _video_id(source, *seed)
        existing = self._by_key.get(vid)
        if existing is not None:
            return existing.track
        if source == "soundcloud":
            slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "track"
            uri = f"https://soundcloud.com/{vid.lower()}/{slug}"
            identifier = f"O:{uri}"
            artwork = f"https://i1.sndcdn.com/artworks-{vid}-t500x500.jpg"
        else:
            uri = f"https://www.youtube.com/watch?v={vid}"
            identifier = vid
            artwork = f"https://i.ytimg.com/vi/{vid}/maxresdefault.jpg"
        return self.add(
            title=title,
            author=author,
            length=_length(source, *seed),
            identifier=identifier,
            uri=uri,
            artwork_url=artwork,
            source=source,
        )

    def add(
        self,
        *,
        title: str,
        author: str = "Voltricx Test Artist",
        length: int = 180_000,
        identifier: str | None = None,
        uri: str | None = None,
        source: str = "youtube",
        artwork_url: str | None = None,
        isrc: str | None = None,
        is_stream: bool = False,
        behaviour: PlayBehaviour = "normal",
        details: bytes = b"",
        plugin_info: dict[str, Any] | None = None,
    ) -> Track:
        """Add a track and return it (as a load would).

        ``length`` is in milliseconds: a short one (``length=500``) makes a
        track that ends quickly. Without ``identifier`` a stable one is
        derived from the title; without ``uri`` a YouTube URL is made for
        ``source="youtube"``. The track loads by identifier and by URI.
        ``behaviour`` chooses what happens when it is played (see
        [`PlayBehaviour`][voltricx.testing.PlayBehaviour]).
        """
        if identifier is None:
            self._custom_count += 1
            identifier = _video_id("custom", title, author, str(length))
        if uri is None and source == "youtube":
            uri = f"https://www.youtube.com/watch?v={identifier}"
        info = TrackInfo(
            identifier=identifier,
            is_seekable=not is_stream,
            author=author,
            length=STREAM_LENGTH if is_stream else length,
            is_stream=is_stream,
            position=0,
            title=title,
            source_name=source,
            uri=uri,
            artwork_url=artwork_url,
            isrc=isrc,
        )
        track = Track(
            encoded=encode_info(info, details=details),
            info=info,
            plugin_info=dict(plugin_info or {}),
        )
        entry = CatalogueEntry(track, behaviour)
        self._by_key[identifier] = entry
        if uri is not None:
            self._by_key[uri] = entry
        return track

    def add_playlist(
        self,
        name: str,
        tracks: Iterable[Track],
        *,
        url: str | None = None,
        selected_track: int = -1,
        plugin_info: dict[str, Any] | None = None,
    ) -> str:
        """Register a playlist of catalogue tracks and return the URL that loads it."""
        items = list(tracks)
        for track in items:
            if track.info.identifier not in self._by_key:
                self._by_key[track.info.identifier] = CatalogueEntry(track)
        if url is None:
            url = f"https://www.youtube.com/playlist?list=PL{_video_id('playlist', name)}"
        self._playlists[url] = _Playlist(
            name, [t.info.identifier for t in items], selected_track, dict(plugin_info or {})
        )
        return url

    # ------------------------------------------------------------------ lookups

    def get(self, identifier_or_uri: str) -> CatalogueEntry | None:
        """The entry for an identifier or URI, if the catalogue holds it."""
        return self._by_key.get(identifier_or_uri)

    def behaviour_of(self, track: Track) -> PlayBehaviour:
        """How the fake plays ``track`` (``normal`` for tracks it does not know)."""
        entry = self._by_key.get(track.info.identifier)
        return entry.behaviour if entry is not None else "normal"

    def search(self, query: str, *, source: str = "youtube", count: int = 10) -> list[Track]:
        """The deterministic search results for ``query``."""
        words = query.split()
        base = " ".join(w.capitalize() for w in words) or "Untitled"
        author = f"{words[0].capitalize()} Official" if words else "Various Artists"
        return [
            self._generated(
                "search", query.lower(), str(i), source=source,
                title=f"{base}{_SEARCH_SUFFIXES[i % len(_SEARCH_SUFFIXES)]}"
                + (f" Part {i // len(_SEARCH_SUFFIXES) + 1}" if i >= len(_SEARCH_SUFFIXES) else ""),
                author=author if i % 3 == 0 else _ARTISTS[_digest(query, str(i))[0] % len(_ARTISTS)],
            )
            for i in range(count)
        ]  # fmt: skip

    def related(self, track: Track, count: int = 25) -> list[Track]:
        """Deterministic "related" tracks for ``track`` (used by mixes), ``track`` first."""
        seed = track.info.identifier
        return [track] + [self._generated("related", seed, str(i)) for i in range(count - 1)]

    def load(self, identifier: str) -> LoadResult:
        """Resolve an identifier exactly as ``GET /v4/loadtracks`` does."""
        if _WORD.search(identifier):
            return ErrorResult(
                LavalinkException(
                    severity="common",
                    message="This video is unavailable",
                    cause="com.sedmelluq.discord.lavaplayer.tools.FriendlyException: "
                    "This video is unavailable",
                )
            )
        prefix, sep, query = identifier.partition(":")
        if sep and prefix in ("ytsearch", "ytmsearch", "scsearch"):
            query = query.strip()
            if not query or _NOMATCH.search(query):
                return EmptyResult()
            source = "soundcloud" if prefix == "scsearch" else "youtube"
            return SearchResult(self.search(query, source=source))
        playlist = self._playlists.get(identifier)
        if playlist is not None:
            return self._playlist_result(playlist)
        entry = self._by_key.get(identifier)
        if entry is not None:
            return TrackResult(self._fresh(entry.track))
        if self.unknown_lengths:
            unprobed = self._unprobed_track(identifier)
            if unprobed is not None:
                return TrackResult(unprobed)
        mix = self._mix(identifier)
        if mix is not None:
            return mix
        http = self._http_track(identifier)
        if http is not None:
            return TrackResult(http)
        return EmptyResult()

    def _unprobed_track(self, identifier: str) -> Track | None:
        path = identifier.removeprefix("local:")
        ext = path.rpartition(".")[2].lower()
        if identifier.startswith("local:") and path:
            title, uri, source = path.rsplit("/", 1)[-1] or path, path, "local"
            author = "unknown"
        elif urlsplit(identifier).scheme in ("http", "https") and ext in _AUDIO_EXTENSIONS:
            title = author = "unknown"
            uri, source = identifier, "http"
        else:
            return None
        info = TrackInfo(
            identifier="unknown" if source == "http" else path,
            is_seekable=False,
            author=author,
            length=-1,
            is_stream=False,
            position=0,
            title=title,
            source_name=source,
            uri=uri,
            artwork_url=None,
            isrc=None,
        )
        return Track(encoded=encode_info(info, details=details_for(info)), info=info, plugin_info={})

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _fresh(track: Track) -> Track:
        return Track(
            encoded=track.encoded,
            info=track.info,
            plugin_info=dict(track.plugin_info),
        )

    def _playlist_result(self, playlist: _Playlist) -> PlaylistResult:
        tracks = [self._fresh(self._by_key[i].track) for i in playlist.identifiers]
        return PlaylistResult(
            PlaylistData(
                info=PlaylistInfo(name=playlist.name, selected_track=playlist.selected),
                tracks=tracks,
                plugin_info=dict(playlist.plugin_info),
            )
        )

    def _mix(self, identifier: str) -> PlaylistResult | None:
        parts = urlsplit(identifier)
        if "youtube.com" not in parts.netloc and "youtu.be" not in parts.netloc:
            return None
        params = parse_qs(parts.query)
        video = (params.get("v") or [""])[0]
        lst = (params.get("list") or [""])[0]
        if not video or not lst.startswith("RD"):
            return None
        entry = self._by_key.get(video)
        seed = entry.track if entry is not None else self._generated("mixseed", video)
        tracks = self.related(seed)
        return PlaylistResult(
            PlaylistData(
                info=PlaylistInfo(name=f"Mix - {seed.info.title}", selected_track=0),
                tracks=[self._fresh(t) for t in tracks],
            )
        )

    def _http_track(self, identifier: str) -> Track | None:
        parts = urlsplit(identifier)
        if parts.scheme not in ("http", "https"):
            return None
        name = parts.path.rsplit("/", 1)[-1]
        stem, dot, ext = name.rpartition(".")
        if not dot or ext.lower() not in _AUDIO_EXTENSIONS:
            return None
        entry = self._by_key.get(identifier)
        if entry is not None:
            return entry.track
        return self.add(
            title=stem or name,
            author="Unknown artist",
            length=_length("http", identifier),
            identifier=identifier,
            uri=identifier,
            source="http",
            details=http_details(ext.lower()),
        )
