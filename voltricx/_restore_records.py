"""A player as a saved record, and a saved record put back into a fresh player.

[`take_snapshot()`][voltricx._restore_records.take_snapshot] reads what the
store keeps of a [`Player`][voltricx.Player] (track, position, queue and
history, volume, filters, home, requester ids) into a
[`PlayerSnapshot`][voltricx.PlayerSnapshot], through the player's public
names only; [`fingerprint()`][voltricx._restore_records.fingerprint] and
[`expected_position()`][voltricx._restore_records.expected_position] let the
persister tell cheaply whether a player changed since its last save.
[`apply_snapshot()`][voltricx._restore_records.apply_snapshot] is the way
back: it gives a freshly built player the saved state without sending
anything, and [`resolve_requesters()`][voltricx._restore_records.resolve_requesters]
later turns the saved requester ids into the adapter's user objects.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

from voltricx._state import Runtime
from voltricx.extras import json_problem
from voltricx.gateway import UserResolver
from voltricx.models.track import Track
from voltricx.player import PlaybackSnapshot, Player
from voltricx.queue import Queue
from voltricx.store import PlayerSnapshot

__all__ = [
    "apply_snapshot",
    "expected_position",
    "fingerprint",
    "home_id",
    "resolve_requesters",
    "take_snapshot",
]

_log = logging.getLogger("voltricx.store")


def home_id(home: Any) -> int | None:
    """``Player.home`` as an int id: its ``.id`` when it has one, itself when it is an int."""
    if home is None or isinstance(home, bool):
        return None
    if isinstance(home, int):
        return home
    value = getattr(home, "id", None)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _frozen(player: Player) -> bool:
    return player.snapshot().frozen


def _storable(track: Track, guild_id: int) -> Track:
    """``track`` itself, or a copy without its ``user_data`` when that is not JSON."""
    problem = json_problem(track.user_data)
    if problem is None:
        return track
    _log.warning(
        "store: guild %s: the user_data of %r is not JSON (%s); it is not saved", guild_id, track.title, problem
    )
    return Track(encoded=track.encoded, info=track.info, plugin_info=track.plugin_info)


def _requester_ids(tracks: list[Track | None]) -> list[int | None]:
    return [home_id(t.requester) if t is not None else None for t in tracks]


def take_snapshot(player: Player, now: float, *, frozen: bool = False) -> PlayerSnapshot:
    """What the store keeps of ``player``, its position read at wall-clock ``now``."""
    queue = player.queue
    node = player.node
    upcoming = list(queue)
    history = list(queue.history)
    current = player.current
    guild = player.guild_id
    return PlayerSnapshot(
        guild_id=player.guild_id,
        node=node.identifier,
        session_id=node.session_id,
        channel_id=player.channel_id,
        track=_storable(current, guild) if current is not None else None,
        position=player.position,
        read_at=now,
        frozen=frozen or _frozen(player),
        paused=player.paused,
        volume=player.volume,
        filters=player.filters_payload,
        queue=[_storable(t, guild) for t in upcoming],
        history=[_storable(t, guild) for t in history],
        history_limit=queue.history_limit,
        queue_mode=queue.mode,
        autoplay=player.autoplay,
        home=home_id(player.home),
        requester_ids=_requester_ids([current, *upcoming, *history]),
    )


def fingerprint(player: Player, frozen: bool) -> Hashable:
    """Cheap identity of everything but the position: equal means nothing to write."""
    queue = player.queue
    history = queue.history
    node = player.node
    return (
        node.identifier,
        node.session_id,
        player.channel_id,
        id(player.current),
        player.paused,
        frozen or _frozen(player),
        player.volume,
        id(player.filters_payload),
        tuple(map(id, queue)),
        len(history),
        id(history[-1]) if history else 0,
        queue.history_limit,
        queue.mode,
        player.autoplay,
        home_id(player.home),
    )


def expected_position(snapshot: PlayerSnapshot, now: float) -> int:
    position = snapshot.position_at(now)
    track = snapshot.track
    if track is not None and not track.is_stream and track.length >= 0:
        position = min(position, track.length)
    return position


def apply_snapshot(player: Player, snapshot: PlayerSnapshot, now: float) -> list[tuple[Track, int]]:
    """Give a freshly built player the saved state (nothing is sent anywhere).

    Returns the tracks whose requester is, for now, a saved id.
    """
    player.channel_id = snapshot.channel_id
    player.home = snapshot.home
    queue = Queue(snapshot.queue, history_limit=snapshot.history_limit)
    history = snapshot.history
    if history:
        queue.history.extend(history[:-1])
        queue.mark_played(history[-1])
    queue.mode = snapshot.queue_mode
    player.queue = queue
    player.autoplay = snapshot.autoplay
    track: Track | None = snapshot.track
    if track is not None and history and history[-1].encoded == track.encoded:
        track = history[-1]  # the same object as queue.current, as after a live play()
    requesters = _saved_requesters([track, *queue, *queue.history], snapshot.requester_ids)
    player.restore(
        PlaybackSnapshot(
            track=track,
            position=snapshot.position_at(now),
            paused=snapshot.paused,
            volume=snapshot.volume,
            filters=snapshot.filters,
        )
    )
    return requesters


def _saved_requesters(tracks: list[Track | None], ids: list[int | None]) -> list[tuple[Track, int]]:
    """Give each track its saved requester id; the adapter resolves them once voice is back."""
    if len(ids) != len(tracks):
        return []
    pending: list[tuple[Track, int]] = []
    for track, user_id in zip(tracks, ids, strict=True):
        if track is not None and user_id is not None:
            track.requester = user_id
            pending.append((track, user_id))
    return pending


def resolve_requesters(owner: Runtime, guild_id: int, pending: list[tuple[Track, int]]) -> None:
    """Turn saved requester ids into the adapter's member or user objects, where it knows them."""
    gateway = owner.gateway
    if not isinstance(gateway, UserResolver):
        return
    for track, user_id in pending:
        if track.requester != user_id:
            continue  # the bot set another requester meanwhile
        try:
            track.requester = gateway.resolve_user(guild_id, user_id)
        except Exception:
            _log.debug("store: resolving requester %s failed", user_id, exc_info=True)
