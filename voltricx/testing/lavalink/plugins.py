"""Plugin endpoints of [`FakeLavalink`][voltricx.testing.FakeLavalink].

Each plugin answers only when the fake lists it in ``plugins`` (matched by a
substring of its name, as clients detect them): otherwise its routes are
404 and its prefixes load nothing, like a real node without the plugin.

* **LavaSrc** (``lavasrc``): ``spsearch:Q`` gives 10 Spotify tracks whose
  ``pluginInfo`` and encoded details carry album/artist/preview data;
  ``sprec:seed_tracks=ID`` (and ``dzrec:ID``) a ``recommendations`` playlist
  of 10 tracks derived from the seed.
* **LavaSearch** (``lavasearch``): ``GET /v4/loadsearch?query=&types=``;
  tracks from the catalogue search, one album, artist and playlist and two
  texts per query; ``nomatch`` queries give 204.
* **LavaLyrics** (``lavalyrics``): ``GET /v4/lyrics``, ``GET .../track/lyrics``,
  ``POST|DELETE .../lyrics/subscribe``. Lyrics are generated from the title
  (four lines, five seconds apart); titles with the word ``nolyrics`` have
  none (204). Subscribing while a track plays emits ``LyricsFoundEvent``.
* **SponsorBlock** (``sponsorblock``): ``GET|PUT|DELETE
  .../sponsorblock/categories``; GET is 404 without a player. Segment and
  chapter events are emitted by tests with ``fake.emit_event``.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web

from voltricx.codec import LavaSrcDetails, lavasrc_details_bytes
from voltricx.models.load import (
    LoadResult,
    PlaylistData,
    PlaylistInfo,
    PlaylistResult,
    SearchResult,
)
from voltricx.models.track import Track

if TYPE_CHECKING:
    from voltricx.testing.lavalink.server import FakeLavalink

__all__ = ["LYRICS_LINES", "PluginRoutes", "fake_lyrics"]

LYRICS_LINES = 4
"""Lines of generated lyrics per track."""

_SEARCH_TYPES = ("track", "album", "artist", "playlist", "text")
_NOMATCH = re.compile(r"\bnomatch\b", re.IGNORECASE)
_NOLYRICS = re.compile(r"\bnolyrics\b", re.IGNORECASE)
_API_HEADER = {"Lavalink-Api-Version": "4"}
_strings = msgspec.json.Decoder(list[str])
_CATEGORIES = frozenset(
    {"sponsor", "selfpromo", "interaction", "intro", "outro", "preview", "music_offtopic", "filler"}
)


class PluginError(Exception):
    """A plugin route refuses the request (turned into a Lavalink error body)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def fake_lyrics(track: Track) -> dict[str, Any] | None:
    """The lyrics object the fake returns for ``track`` (``None``: no lyrics)."""
    if _NOLYRICS.search(track.info.title):
        return None
    texts = [f"{track.info.title} line {i + 1}" for i in range(LYRICS_LINES)]
    lines: list[dict[str, Any]] = [
        {"timestamp": i * 5000, "duration": 5000, "line": text, "plugin": {}}
        for i, text in enumerate(texts)
    ]
    return {
        "sourceName": "fakelyrics",
        "provider": "FakeLyrics",
        "text": "\n".join(texts),
        "lines": lines,
        "plugin": {},
    }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class PluginRoutes:
    """The plugin routes and load prefixes of one fake server."""

    def __init__(self, fake: FakeLavalink) -> None:
        self._fake = fake
        self._enc = msgspec.json.Encoder()
        self.lyrics_subscriptions: set[tuple[str, str]] = set()
        """``(session id, guild id)`` pairs subscribed to live lyrics."""
        self.sponsorblock: dict[tuple[str, str], list[str]] = {}
        """SponsorBlock categories by ``(session id, guild id)``."""

    def has(self, key: str) -> bool:
        """True when the fake lists a plugin whose name contains ``key``."""
        return any(key in plugin.name.lower() for plugin in self._fake.plugins)

    # -- LavaSrc prefixes ------------------------------------------------------------

    def _spotify(self, seed: str, index: int, *, title: str = "", author: str = "") -> Track:
        catalogue = self._fake.catalogue
        base = catalogue.search(seed, count=10)[index % 10] if not title else None
        title = title or (base.info.title if base else "Untitled")
        author = author or (base.info.author if base else "Various Artists")
        ident = hashlib.sha256(f"spotify\x1f{seed}\x1f{index}".encode()).hexdigest()[:22]
        existing = catalogue.get(ident)
        if existing is not None:
            return existing.track
        album = f"{title} (Album)"
        details = LavaSrcDetails(
            album_name=album,
            album_url=f"https://open.spotify.com/album/{ident[::-1]}",
            artist_url=f"https://open.spotify.com/artist/{_slug(author)}",
            artist_artwork_url=f"https://i.scdn.co/image/{_slug(author)}",
            preview_url=f"https://p.scdn.co/mp3-preview/{ident}",
            is_preview=False,
        )
        plugin_info = {
            "albumName": details.album_name,
            "albumUrl": details.album_url,
            "artistUrl": details.artist_url,
            "artistArtworkUrl": details.artist_artwork_url,
            "previewUrl": details.preview_url,
            "isPreview": False,
        }
        return catalogue.add(
            title=title,
            author=author,
            length=180_000 + index * 1000,
            identifier=ident,
            uri=f"https://open.spotify.com/track/{ident}",
            source="spotify",
            isrc=f"USFAKE{index:06d}",
            details=lavasrc_details_bytes(details),
            plugin_info=plugin_info,
        )

    def load(self, identifier: str) -> LoadResult | None:
        """A result for plugin prefixes, or ``None`` to let the catalogue answer."""
        if not self.has("lavasrc"):
            return None
        prefix, sep, query = identifier.partition(":")
        if not sep:
            return None
        if prefix == "spsearch":
            query = query.strip()
            if not query or _NOMATCH.search(query):
                return None
            tracks = [
                self._spotify(f"search {query.lower()}", i, title=t.info.title, author=t.info.author)
                for i, t in enumerate(self._fake.catalogue.search(query))
            ]
            return SearchResult(tracks)
        if prefix in ("sprec", "dzrec"):
            seed = query.removeprefix("seed_tracks=").split("&")[0].strip()
            if not seed:
                return None
            tracks = [self._spotify(f"rec {seed}", i) for i in range(10)]
            return PlaylistResult(
                PlaylistData(
                    info=PlaylistInfo(name="Recommendations", selected_track=-1),
                    tracks=tracks,
                    plugin_info={"type": "recommendations", "totalTracks": len(tracks)},
                )
            )
        return None

    # -- HTTP routes -------------------------------------------------------------------

    def _json(self, value: Any, status: int = 200) -> web.Response:
        return web.Response(
            body=self._enc.encode(value), status=status, content_type="application/json", headers=_API_HEADER
        )

    @staticmethod
    def _empty(status: int = 204) -> web.Response:
        return web.Response(status=status, headers=_API_HEADER)

    @staticmethod
    def _allow(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise PluginError(405, f"Request method '{method}' is not supported")

    def _decode_track(self, encoded: str) -> Track:
        try:
            return Track.from_encoded(encoded)
        except ValueError as exc:
            raise PluginError(400, f"Failed to decode track: {exc}") from None

    async def route(self, request: web.BaseRequest, body: bytes, rest: list[str]) -> web.StreamResponse | None:
        """Answer a plugin route (``rest`` is the path after ``/v4``), or ``None``: not a plugin route."""
        method = request.method
        match rest:
            case ["loadsearch"] if self.has("lavasearch"):
                self._allow(method, "GET")
                return self._loadsearch(request)
            case ["lyrics"] if self.has("lavalyrics"):
                self._allow(method, "GET")
                encoded = request.query.get("track")
                if not encoded:
                    raise PluginError(400, "Required parameter 'track' is not present")
                lyrics = fake_lyrics(self._decode_track(encoded))
                return self._empty() if lyrics is None else self._json(lyrics)
            case ["sessions", sid, "players", gid, "track", "lyrics"] if self.has("lavalyrics"):
                self._allow(method, "GET")
                player = self._player(sid, gid)
                if player is None or player.track is None:
                    raise PluginError(404, "Not currently playing anything")
                lyrics = fake_lyrics(player.track)
                return self._empty() if lyrics is None else self._json(lyrics)
            case ["sessions", sid, "players", gid, "lyrics", "subscribe"] if self.has("lavalyrics"):
                self._allow(method, "POST", "DELETE")
                self._session(sid)
                key = (sid, gid)
                if method == "DELETE":
                    self.lyrics_subscriptions.discard(key)
                    return self._empty()
                self.lyrics_subscriptions.add(key)
                player = self._player(sid, gid)
                if player is not None and player.track is not None:
                    lyrics = fake_lyrics(player.track)
                    if lyrics is None:
                        await self._fake.emit_event(gid, "LyricsNotFoundEvent")
                    else:
                        await self._fake.emit_event(gid, "LyricsFoundEvent", lyrics=lyrics)
                return self._empty()
            case ["sessions", sid, "players", gid, "sponsorblock", "categories"] if self.has("sponsorblock"):
                self._allow(method, "GET", "PUT", "DELETE")
                self._session(sid)
                key = (sid, gid)
                if method == "GET":
                    if self._player(sid, gid) is None:
                        raise PluginError(404, "Player not found")
                    return self._json(self.sponsorblock.get(key, []))
                try:
                    values = _strings.decode(body)
                except msgspec.DecodeError as exc:
                    raise PluginError(400, f"Invalid request body: {exc}") from None
                unknown = [v for v in values if v not in _CATEGORIES]
                if unknown:
                    raise PluginError(400, f"Unknown categories: {', '.join(unknown)}")
                if method == "PUT":
                    self.sponsorblock[key] = list(dict.fromkeys(values))
                else:
                    kept = [c for c in self.sponsorblock.get(key, []) if c not in values]
                    self.sponsorblock[key] = kept
                return self._empty()
            case _:
                return None

    def _session(self, sid: str) -> None:
        if sid not in self._fake.sessions:
            raise PluginError(404, "Session not found")

    def _player(self, sid: str, gid: str) -> Any:
        self._session(sid)
        return self._fake.sessions[sid].players.get(gid)

    def _loadsearch(self, request: web.BaseRequest) -> web.Response:
        query = request.query.get("query")
        if not query:
            raise PluginError(400, "Required parameter 'query' is not present")
        raw_types = request.query.get("types", "")
        types = [t.strip() for t in raw_types.split(",") if t.strip()] or list(_SEARCH_TYPES)
        unknown = [t for t in types if t not in _SEARCH_TYPES]
        if unknown:
            raise PluginError(400, f"Unknown search types: {', '.join(unknown)}")
        prefix, sep, text = query.partition(":")
        if not sep:
            prefix, text = "ytsearch", query
        text = text.strip()
        if not text or _NOMATCH.search(text):
            return self._empty()
        source = "soundcloud" if prefix == "scsearch" else "youtube"
        out: dict[str, Any] = {"plugin": {}}
        slug = _slug(text)

        def group(kind: str, name: str) -> dict[str, Any]:
            return {
                "info": {"name": name, "selectedTrack": -1},
                "pluginInfo": {
                    "type": kind,
                    "url": f"https://music.example/{kind}/{slug}",
                    "artworkUrl": f"https://music.example/art/{slug}.jpg",
                    "author": text.title(),
                    "totalTracks": 10,
                },
                "tracks": [],
            }

        if "track" in types:
            out["tracks"] = self._fake.catalogue.search(text, source=source)
        if "album" in types:
            out["albums"] = [group("album", f"{text.title()} (Album)")]
        if "artist" in types:
            out["artists"] = [group("artist", text.title())]
        if "playlist" in types:
            out["playlists"] = [group("playlist", f"Best of {text.title()}")]
        if "text" in types:
            out["texts"] = [{"text": f"{text} lyrics", "plugin": {}}, {"text": f"{text} live", "plugin": {}}]
        return self._json(out)

