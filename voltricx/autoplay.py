"""Autoplay: recommend tracks when a player's queue runs dry.

With ``player.autoplay = AutoPlayMode.ENABLED`` the player calls
`recommend()` when a track ends and nothing is queued. Seeds are the
most recent tracks of ``player.queue.history`` (newest first, at most
`SEEDS`). For each seed the sources are tried in this order, and the
first that yields tracks not played recently wins:

1. the YouTube mix ("radio") of the seed, for YouTube tracks
   (``https://www.youtube.com/watch?v=ID&list=RDID``);
2. a search by the seed's artist (``ytmsearch:`` for YouTube seeds,
   ``scsearch:`` for SoundCloud, else the default search prefix);
3. a plugin recommendation source when the node has one: LavaSrc's
   ``sprec:``/``dzrec:``/... for tracks of those sources, or, for other
   tracks on a node with LavaSrc and Spotify, the Spotify recommendations
   of the seed found with ``spsearch:``.

A track counts as recent when it is among the last `RECENT` history
entries, playing now, queued, or already recommended; matching is by
encoded blob, identifier, and title plus author (a mix often carries the
same song under another upload).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING

from voltricx.errors import LoadError, NodeError
from voltricx.models.track import Track
from voltricx.playlist import Playlist
from voltricx.plugins import lavasrc
from voltricx.plugins._common import has_plugin
from voltricx.search import identifier_for, load_from

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.player import Player

__all__ = ["RECENT", "SEEDS", "Recent", "candidate_queries", "recommend"]

_log = logging.getLogger("voltricx.autoplay")

RECENT = 50
"""How many of the latest history entries autoplay never repeats."""

SEEDS = 3
"""How many recent tracks autoplay tries as seeds, newest first."""


class Recent:
    """The set of tracks autoplay must not pick."""

    __slots__ = ("_encoded", "_identifiers", "_names")

    def __init__(self, tracks: Iterable[Track] = ()) -> None:
        self._encoded: set[str] = set()
        self._identifiers: set[tuple[str, str]] = set()
        self._names: set[tuple[str, str]] = set()
        for track in tracks:
            self.add(track)

    @staticmethod
    def _name(track: Track) -> tuple[str, str]:
        return (track.title.strip().casefold(), track.author.strip().casefold())

    def add(self, track: Track) -> None:
        """Mark ``track`` as recent."""
        self._encoded.add(track.encoded)
        self._identifiers.add((track.source_name, track.identifier))
        self._names.add(self._name(track))

    def __contains__(self, track: object) -> bool:
        if not isinstance(track, Track):
            return False
        return (
            track.encoded in self._encoded
            or (track.source_name, track.identifier) in self._identifiers
            or self._name(track) in self._names
        )


def _mix_url(seed: Track) -> str | None:
    if seed.source_name != "youtube" or not seed.identifier:
        return None
    return f"https://www.youtube.com/watch?v={seed.identifier}&list=RD{seed.identifier}"


def _artist_query(seed: Track) -> str | None:
    artist = seed.author.strip()
    if not artist:
        return None
    source = {"youtube": "ytmsearch", "soundcloud": "scsearch"}.get(seed.source_name)
    return identifier_for(artist, source)


async def _plugin_queries(seed: Track, node: Node) -> AsyncIterator[str]:
    if not await has_plugin(node, lavasrc.PLUGIN):
        return
    direct = lavasrc.recommendation_query(seed)
    if direct is not None:
        yield direct
        return
    info = node.info
    if info is None or "spotify" not in info.source_managers:
        return
    try:
        found = await load_from(node, f"spsearch:{seed.title} {seed.author}")
    except (LoadError, NodeError) as exc:
        _log.debug("autoplay: no Spotify match for %r: %s", seed.title, exc)
        return
    tracks = found.tracks if isinstance(found, Playlist) else found
    if tracks:
        query = lavasrc.recommendation_query(tracks[0])
        if query is not None:
            yield query


async def candidate_queries(seed: Track, node: Node) -> AsyncIterator[str]:
    """The identifiers autoplay loads for ``seed``, in fallback order."""
    mix = _mix_url(seed)
    if mix is not None:
        yield mix
    artist = _artist_query(seed)
    if artist is not None:
        yield artist
    async for query in _plugin_queries(seed, node):
        yield query


def _seeds(player: Player) -> list[Track]:
    seeds: list[Track] = []
    seen: set[str] = set()
    candidates = list(player.queue.history)
    if player.current is not None:
        candidates.append(player.current)
    for track in reversed(candidates):
        if track.encoded in seen:
            continue
        seen.add(track.encoded)
        seeds.append(track)
        if len(seeds) >= SEEDS:
            break
    return seeds


async def recommend(player: Player, *, limit: int = 10) -> list[Track]:
    """Up to ``limit`` tracks like the ones ``player`` played recently, none of them recent.

    Returns ``[]`` when there is no history or no source has anything new.
    """
    history = list(player.queue.history)
    recent = Recent(history[-RECENT:])
    if player.current is not None:
        recent.add(player.current)
    for track in player.queue:
        recent.add(track)
    for track in player.auto_queue:
        recent.add(track)
    node = player.node
    for seed in _seeds(player):
        async for query in candidate_queries(seed, node):
            try:
                result = await load_from(node, query)
            except (LoadError, NodeError) as exc:
                _log.debug("autoplay: %s failed: %s", query, exc)
                continue
            tracks = result.tracks if isinstance(result, Playlist) else result
            picked: list[Track] = []
            for track in tracks:
                if track in recent:
                    continue
                recent.add(track)
                picked.append(track)
                if len(picked) >= limit:
                    break
            if picked:
                _log.debug("autoplay: %d tracks from %s (seed %r)", len(picked), query, seed.title)
                return picked
    return []
