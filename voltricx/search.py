"""Loading tracks: search prefixes, load results as public types, and the search cache.

```python
fetch_tracks = voltricx.Pool.fetch_tracks
tracks = await fetch_tracks("never gonna give you up")  # ytsearch:
tracks = await fetch_tracks("lofi", source=voltricx.TrackSource.SOUNDCLOUD)
tracks = await fetch_tracks("spsearch:daft punk")  # given prefix kept
result = await fetch_tracks("https://www.youtube.com/playlist?list=...")
if isinstance(result, voltricx.Playlist):
    ...
```

Rules
-----
* A URL (any ``scheme://...``: ``https://``, ``file:///``, ``rtmp://``), a
  ``local:`` identifier, and an absolute file path (``/music/a.ogg``,
  ``C:\\music\\a.ogg``) are sent as they are.
* A query that already carries a search or plugin prefix (``ytsearch:``,
  ``spsearch:``, ``sprec:``, ``dzisrc:``, ``ftts://`` ...) is sent as it is.
* Any other text gets the ``source`` prefix, by default
  [`SearchSettings.default_source`][voltricx.search.SearchSettings.default_source] (``ytsearch``).

The result is a ``list`` of [`Playable`][voltricx.Track] (a track load gives
a one-element list, a search its results, nothing found ``[]``) or a
[`Playlist`][voltricx.Playlist]. A load error raises
[`LoadError`][voltricx.LoadError] with the node's severity and message.

``Pool.fetch_tracks`` asks the best node and, when that node fails at the
transport level (unreachable, timed out, 5xx, unreadable answer), the next
healthy node. ``node.fetch_tracks`` asks only that node.

The cache
---------
An LRU cache with a time-to-live, keyed by the final identifier. It is
**off by default**: results of some sources carry short-lived URLs, and the
track objects handed out are mutable (``user_data``), so sharing them between
callers must be a deliberate choice. Turn it on with
``voltricx.search.configure(cache_size=256, cache_ttl=600)``. Each hit
returns a fresh list (or Playlist) of fresh [`Playable`][voltricx.Track]
objects, so callers never share mutable state. Errors and empty results are
never cached.
"""

from __future__ import annotations

import enum
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from voltricx._state import runtime
from voltricx.errors import (
    InvalidArgument,
    LavalinkHTTPError,
    LoadError,
    NodeAuthError,
    NodeError,
    NoNodesAvailable,
    VoltricxError,
    WrongTypeError,
)
from voltricx.models.load import (
    EmptyResult,
    ErrorResult,
    LoadResult,
    PlaylistResult,
    SearchResult,
    TrackResult,
)
from voltricx.models.track import Track
from voltricx.playlist import Playlist

if TYPE_CHECKING:
    from collections.abc import Iterable

    from voltricx.node import Node

__all__ = [
    "SearchCache",
    "SearchSettings",
    "TrackSource",
    "configure",
    "fetch_tracks",
    "identifier_for",
    "load_from",
    "settings",
]

_log = logging.getLogger("voltricx.search")

LoadedTracks = list[Track] | Playlist
"""What a load gives: tracks (possibly none) or a playlist."""


class TrackSource(enum.StrEnum):
    """Search prefixes (the part before ``:``). Plain strings work too, e.g. ``"amsearch"``.

    wavelink's spellings ``TrackSource.YouTube``, ``YouTubeMusic`` and
    ``SoundCloud`` are aliases of ``YOUTUBE``, ``YOUTUBE_MUSIC`` and ``SOUNDCLOUD``.
    """

    YOUTUBE = "ytsearch"
    YOUTUBE_MUSIC = "ytmsearch"
    SOUNDCLOUD = "scsearch"
    SPOTIFY = "spsearch"
    APPLE_MUSIC = "amsearch"
    DEEZER = "dzsearch"
    YANDEX_MUSIC = "ymsearch"
    VK_MUSIC = "vksearch"
    TIDAL = "tdsearch"
    QOBUZ = "qbsearch"
    JIOSAAVN = "jssearch"
    YouTube = "ytsearch"
    YouTubeMusic = "ytmsearch"
    SoundCloud = "scsearch"


# Prefixes LavaSrc and friends use that do not end in "search"/"rec"/"isrc".
_KNOWN_PREFIXES = frozenset({"ftts", "speak", "tts", "bcsearch", "ytrec"})
_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9]{1,15}):")


def _has_prefix(query: str) -> bool:
    match = _PREFIX.match(query)
    if match is None:
        return False
    prefix = match.group(1).lower()
    return prefix.endswith(("search", "rec", "isrc")) or prefix in _KNOWN_PREFIXES


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")


def _is_url(query: str) -> bool:
    if _SCHEME.match(query) is None:
        return False
    parts = urlsplit(query)
    return bool(parts.netloc) or parts.scheme.lower() == "file"


def _is_local(query: str) -> bool:
    """A ``local:`` identifier or an absolute path (POSIX or Windows)."""
    return (
        query.lower().startswith("local:")
        or query.startswith("/")
        or _WINDOWS_PATH.match(query) is not None
    )


def identifier_for(query: str, source: TrackSource | str | None = None) -> str:
    """The ``loadtracks`` identifier for ``query`` (see the module rules)."""
    if not isinstance(query, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise WrongTypeError(
            f"fetch_tracks takes the query as a string, not {type(query).__name__}"
        )
    text = query.strip()
    if not text:
        raise InvalidArgument("fetch_tracks needs a non-empty query (a search text or a URL)")
    if _is_url(text) or _is_local(text) or _has_prefix(text):
        return text
    prefix = str(source if source is not None else settings.default_source).rstrip(":")
    return f"{prefix}:{text}"


# -- the cache ------------------------------------------------------------------------


def _copy_track(track: Track) -> Track:
    return Track(
        encoded=track.encoded,
        info=track.info,
        plugin_info=dict(track.plugin_info),
        user_data=dict(track.user_data),
    )


def _copy_result(result: LoadedTracks) -> LoadedTracks:
    if isinstance(result, Playlist):
        copy = Playlist(
            result.name,
            [_copy_track(t) for t in result.tracks],
            selected_index=result.selected_index,
            plugin_info=result.plugin_info,
        )
        _attach_playlist(copy)
        return copy
    return [_copy_track(t) for t in result]


class SearchCache:
    """An LRU cache of load results with a time-to-live.

    Args:
        size: most entries kept (``0`` turns the cache off).
        ttl: seconds an entry stays valid.
        clock: where "now" comes from (seconds, monotonic); tests pass their own.
    """

    __slots__ = ("_clock", "_entries", "hits", "misses", "size", "ttl")

    def __init__(
        self, size: int = 0, ttl: float = 300.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if size < 0 or ttl <= 0:
            raise InvalidArgument("cache size must be >= 0 and ttl > 0")
        self.size: int = size
        self.ttl: float = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, LoadedTracks]] = OrderedDict()
        #: Lookups answered from the cache.
        self.hits = 0
        #: Lookups that had to ask a node (only counted while the cache is on).
        self.misses = 0

    @property
    def clock(self) -> Callable[[], float]:
        """Where the cache's "now" comes from (the ``clock`` it was made with)."""
        return self._clock

    @property
    def enabled(self) -> bool:
        """True when the cache keeps anything."""
        return self.size > 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._entries

    def get(self, identifier: str) -> LoadedTracks | None:
        """A fresh copy of the cached result, or ``None`` (missing or expired)."""
        if not self.enabled:
            return None
        entry = self._entries.get(identifier)
        if entry is None:
            self.misses += 1
            return None
        expires, result = entry
        if self._clock() >= expires:
            del self._entries[identifier]
            self.misses += 1
            return None
        self._entries.move_to_end(identifier)
        self.hits += 1
        return _copy_result(result)

    def put(self, identifier: str, result: LoadedTracks) -> None:
        """Remember ``result`` (a private copy) for `ttl` seconds; empty results are skipped."""
        if not self.enabled or not result:
            return
        self._entries[identifier] = (self._clock() + self.ttl, _copy_result(result))
        self._entries.move_to_end(identifier)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Drop every entry and reset the counters."""
        self._entries.clear()
        self.hits: int = 0
        self.misses: int = 0


@dataclass(slots=True)
class SearchSettings:
    """Process-wide search settings (change them with [`configure()`][voltricx.search.configure])."""

    default_source: str = TrackSource.YOUTUBE.value
    """Prefix given to plain-text queries."""
    cache: SearchCache = field(default_factory=SearchCache)
    """The shared search cache (off until [`configure()`][voltricx.search.configure] gives it a size)."""


settings: SearchSettings = SearchSettings(cache=SearchCache())
"""The settings [`Pool.fetch_tracks()`][voltricx.pool.Pool.fetch_tracks] uses."""


def configure(
    *,
    default_source: TrackSource | str | None = None,
    cache_size: int | None = None,
    cache_ttl: float | None = None,
    clock: Callable[[], float] | None = None,
) -> SearchSettings:
    """Change the default search prefix and/or the cache; returns the settings.

    ``cache_size=0`` turns the cache off. Changing the size or TTL empties it.
    """
    if default_source is not None:
        value = str(default_source).rstrip(":")
        if not value:
            raise InvalidArgument("default_source must be a prefix such as 'ytsearch'")
        settings.default_source = value
    if cache_size is not None or cache_ttl is not None or clock is not None:
        old = settings.cache
        settings.cache = SearchCache(
            old.size if cache_size is None else cache_size,
            old.ttl if cache_ttl is None else cache_ttl,
            clock=clock or old.clock,
        )
    return settings


# -- loading --------------------------------------------------------------------------


def _attach_playlist(playlist: Playlist) -> None:
    for track in playlist.tracks:
        track.playlist = playlist


def convert(result: LoadResult) -> LoadedTracks:
    """Turn a raw load result into the public form; raises [`LoadError`][voltricx.LoadError] for errors."""
    if isinstance(result, TrackResult):
        return [result.data]
    if isinstance(result, SearchResult):
        return result.data
    if isinstance(result, PlaylistResult):
        playlist = Playlist.from_data(result.data)
        _attach_playlist(playlist)
        return playlist
    if isinstance(result, ErrorResult):
        error = result.data
        raise LoadError(error.message, severity=error.severity, cause=error.cause, data=error)
    assert isinstance(result, EmptyResult)
    return []


async def load_from(node: Node, identifier: str, *, cache: bool = True) -> LoadedTracks:
    """Load ``identifier`` (already prefixed) from ``node``, through the cache when ``cache``."""
    store = settings.cache
    if cache:
        hit = store.get(identifier)
        if hit is not None:
            return hit
    result = convert(await node.rest.load_tracks(identifier))
    if cache:
        store.put(identifier, result)
    return result


def _transport_failure(exc: NodeError) -> bool:
    if isinstance(exc, NodeAuthError):
        return False
    if isinstance(exc, LavalinkHTTPError):
        return exc.status >= 500
    return True


async def fetch_tracks(
    query: str,
    *,
    source: TrackSource | str | None = None,
    node: Node | None = None,
    nodes: Iterable[Node] | None = None,
    cache: bool = True,
) -> LoadedTracks:
    """Load ``query``; see the module docs. ``node`` pins one node (no fallback).

    Without ``node``, the connected nodes of the pool (or ``nodes``) are
    tried in penalty order until one answers.
    """
    identifier = identifier_for(query, source)
    if node is not None:
        return await load_from(node, identifier, cache=cache)
    if cache:
        hit = settings.cache.get(identifier)
        if hit is not None:
            return hit
    if nodes is None:
        nodes = runtime.nodes.values()
    candidates = sorted((n for n in nodes if n.available), key=lambda n: n.penalty)
    if not candidates:
        raise NoNodesAvailable()
    last: VoltricxError | None = None
    for candidate in candidates:
        try:
            result = convert(await candidate.rest.load_tracks(identifier))
        except NodeError as exc:
            if not _transport_failure(exc):
                raise
            _log.warning("loading %r from node %s failed (%s); trying another node", identifier, candidate.identifier, exc)
            last = exc
            continue
        if cache:
            settings.cache.put(identifier, result)
        return result
    assert last is not None
    raise last
