"""Saving players to a [`PlayerStore`][voltricx.PlayerStore] and bringing them back on start.

`Persister` runs while the pool has a store: every ``interval``
seconds it looks at each player, and writes (in one batch) only the ones
whose state changed or whose position stopped following the saved one
(a seek, a pause, a stall). Guilds whose player is gone are deleted from
the store. Node session ids are saved the same way.

`Restorer` runs inside ``Pool.connect(store=...)``: before the
nodes connect it hands each node its saved session id (so the node
resumes it) and rebuilds every saved player locally (through the
gateway's ``make_player`` when it is a [`PlayerFactory`][voltricx.PlayerFactory],
else as a plain [`Player`][voltricx.Player]), so the pool counts them as its
own from the first frame; once the nodes answered, it
re-syncs each player with the node's copy, or, where the session expired
and the node no longer has the player, re-creates it from the saved
track and position. Finally it asks the adapter to re-join each voice
channel (``VoiceGateway.join``), which sends the node fresh voice
credentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Hashable
from typing import Any, NoReturn

from voltricx._state import Runtime, runtime
from voltricx.enums import NodeStatus
from voltricx.errors import OwnershipLostError, VoltricxError
from voltricx.events import OwnershipLost
from voltricx.extras import json_problem
from voltricx.gateway import PlayerFactory, UserResolver
from voltricx.models.track import Track
from voltricx.node import Node
from voltricx.player import PlaybackSnapshot, Player
from voltricx.queue import Queue
from voltricx.store import (
    PlayerSnapshot,
    PlayerStore,
    StoreDataLost,
    StoredState,
    StoreError,
    encode_snapshot,
)

__all__ = [
    "DRIFT_MS",
    "SAVE_INTERVAL",
    "Persister",
    "Restorer",
    "active_persister",
    "home_id",
    "shutdown",
    "take_snapshot",
]

_log = logging.getLogger("voltricx.store")

SAVE_INTERVAL = 1.0
"""Seconds between two save passes (at most one batch write per pass)."""

DRIFT_MS = 750
"""A playing player is re-saved when its position is this far (ms) from the saved prediction."""

REJOIN_TIMEOUT = 15.0
"""Seconds ``Pool.connect`` waits for the adapter to re-join the restored players' channels."""

LOAD_TIMEOUT = 5.0
"""Seconds ``Pool.connect`` waits for the store's first read before going on without it."""

RETRY_FIRST = 1.0
"""Seconds before the first retry of an unreachable store (doubled on each failure)."""

RETRY_MAX = 8.0
"""The longest wait (seconds) between two tries of an unreachable store."""

def active_persister(owner: Runtime | None = None) -> Persister | None:
    """The persister of the pool whose runtime is ``owner`` (default: the default pool), if it has a store."""
    return (owner or runtime).persister


async def shutdown(owner: Runtime | None = None) -> None:
    """Write a last batch (playback stopped now), stop saving and close the store of ``owner``'s pool."""
    rt = owner or runtime
    persister, rt.persister = rt.persister, None
    if persister is not None:
        await persister.close()


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


async def _drop(player: Player, owner: Runtime) -> None:
    """Forget ``player`` here; the pool's fence keeps the node from being asked anything."""
    await player.destroy(reason="ownership_lost")
    owner.disown(player)


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


def _fingerprint(player: Player, frozen: bool) -> Hashable:
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


def _expected(snapshot: PlayerSnapshot, now: float) -> int:
    position = snapshot.position_at(now)
    track = snapshot.track
    if track is not None and not track.is_stream and track.length >= 0:
        position = min(position, track.length)
    return position


def _raise_typed(exc: Exception) -> NoReturn:
    """Raise a store's error as a [`StoreError`][voltricx.StoreError] (voltricx's own pass as they are)."""
    if isinstance(exc, VoltricxError):
        raise exc
    raise StoreError(f"the player store raised {type(exc).__name__}: {exc}") from exc


async def load_or_none(store: PlayerStore) -> StoredState | None:
    """The store's saved state, or ``None`` (logged) when the store cannot be read now.

    A store that is down (Redis not started yet, a network cut) never stops
    the pool from connecting: the caller goes on without the saved players
    and [`Persister`][voltricx._restore.Persister] reads them later.
    """
    limit = max(LOAD_TIMEOUT, float(getattr(store, "load_timeout", LOAD_TIMEOUT)))
    try:
        async with asyncio.timeout(limit):
            return await store.load()
    except TimeoutError:
        problem = f"no answer within {limit:g}s"
    except StoreError as exc:
        problem = str(exc)
    except VoltricxError:
        raise  # a setup error (a missing extra, a closed store): the caller must fix it
    except Exception as exc:
        problem = f"the store raised {type(exc).__name__}: {exc}"
    _log.warning(
        "store: cannot read the saved players (%s); the pool connects without them and "
        "tries the store again in the background",
        problem,
    )
    return None


class Persister:
    """Saves the pool's players to ``store`` in batches (one per pass, only what changed).

    A persister started with ``loaded=False`` (the store could not be read
    when the pool connected) first reads the store in the background, with
    backoff ([`RETRY_FIRST`][voltricx._restore.RETRY_FIRST] doubling up to
    [`RETRY_MAX`][voltricx._restore.RETRY_MAX]); once it answers, the saved
    players the bot has not started again meanwhile are restored, and saving
    begins with everything live.
    """

    def __init__(
        self,
        store: PlayerStore,
        *,
        interval: float = SAVE_INTERVAL,
        loaded: bool = True,
        rejoin: bool = True,
        owner: Runtime | None = None,
    ) -> None:
        self.store = store
        self.owner: Runtime = owner or runtime
        """The runtime of the pool whose players are saved."""
        self.interval = interval
        self.rejoin = rejoin
        self.writes = 0
        """Batches written so far (diagnostics and tests)."""
        self.ready = asyncio.Event()
        """Set once the store has been read (at once when the pool connected with it readable)."""
        if loaded:
            self.ready.set()
        self._failing = False
        self._stopping = False
        self._written: dict[int, tuple[Hashable, PlayerSnapshot]] = {}
        self._sessions: dict[str, str] = {}
        #: guild id -> the last reason its player could not be saved (logged once per reason).
        self._unsaveable: dict[int, str] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def seed(self, state: StoredState) -> None:
        """Remember what the store already holds, so it is not written again unchanged."""
        self._sessions.update(state.sessions)
        for guild_id, snapshot in state.players.items():
            self._written[guild_id] = ((), snapshot)

    def start(self) -> None:
        """Start the periodic save pass."""
        self.owner.persister = self
        self._task = self.owner.tasks.spawn(self._loop(), name="voltricx store")

    async def _loop(self) -> None:
        if not self.ready.is_set():
            await self._load_late()
        delay = self.interval
        # The flag, not only the cancel: a client library may swallow a cancellation.
        while not self._stopping:
            await asyncio.sleep(delay)
            if self._stopping:
                return
            try:
                await self.flush()
            except VoltricxError as exc:
                delay = self._failed(delay, str(exc))
                continue
            except Exception as exc:
                # Nothing a store or a player does may end the saving of the others.
                _log.debug("the store raised something other than StoreError", exc_info=True)
                delay = self._failed(delay, f"the store raised {type(exc).__name__}: {exc} (a bug in the store)")
                continue
            if self._failing:
                self._failing = False
                _log.warning("store: saving works again; every changed player is written")
            delay = self.interval

    def _failed(self, delay: float, problem: str) -> float:
        """Log a failed pass (a warning the first time, then quietly) and return the next wait."""
        wait = min(max(delay * 2, RETRY_FIRST), RETRY_MAX) if self._failing else self.interval
        if not self._failing:
            _log.warning("saving players failed (retrying with backoff up to %gs): %s", RETRY_MAX, problem)
        else:
            _log.debug("saving players failed again (next try in %gs): %s", wait, problem)
        self._failing = True
        return wait

    async def _load_late(self) -> None:
        """Read the store until it answers, then restore the saved players not live yet."""
        delay = RETRY_FIRST
        while True:
            await asyncio.sleep(delay)
            if self._stopping:
                return
            try:
                state = await self.store.load()
            except Exception as exc:
                _log.debug("store: still unreadable (next try in %gs): %s", delay, exc)
                delay = min(delay * 2, RETRY_MAX)
                continue
            break
        _log.warning("store: readable again; restoring the saved players and saving from now on")
        restorer = Restorer.loaded(self.store, state, owner=self.owner)
        nodes = list(self.owner.nodes.values())
        if nodes:
            try:
                restorer.prepare(nodes, late=True)
                await restorer.finish(rejoin=self.rejoin)
            except Exception:
                _log.exception("store: restoring the saved players late failed")
        self.seed(state)
        self.ready.set()

    async def flush(self, *, frozen: bool = False) -> int:
        """Write every changed player now; returns how many players were written.

        ``frozen=True`` marks every position as not advancing (the pool is closing).
        A player whose state cannot be encoded is skipped (and logged) without
        holding back the others. When the store reports that it lost its data
        ([`StoreDataLost`][voltricx.StoreDataLost]), everything is written again.
        """
        if not self.ready.is_set():
            raise StoreError(
                "the player store has not been readable since the pool connected; voltricx keeps "
                "trying it in the background and saves once it answers"
            )
        async with self._lock:
            try:
                return await self._pass(frozen)
            except StoreDataLost as exc:
                _log.warning("%s", exc)
                self._written.clear()
                self._sessions.clear()
                return await self._pass(frozen)
            except OwnershipLostError as exc:
                await self._disown(exc)
                return await self._pass(frozen)

    async def _disown(self, lost: OwnershipLostError) -> None:
        """Drop, without a request, the players of shards another process owns now; emit the event."""
        dropped = [p for g, p in list(self.owner.players.items()) if lost.covers(g)]
        for player in dropped:
            await _drop(player, self.owner)
        for guild_id in [g for g in self._written if lost.covers(g)]:
            del self._written[guild_id]
        _log.warning("%s (%d players dropped here)", lost, len(dropped))
        self.owner.emit(
            OwnershipLost(
                shards=tuple(sorted(lost.shards)), shard_count=lost.shard_count, players=tuple(dropped)
            )
        )

    async def _pass(self, frozen: bool) -> int:
        now = time.time()
        changed: list[tuple[Hashable, PlayerSnapshot]] = []
        live: set[int] = set()
        for guild_id, player in list(self.owner.players.items()):
            if player.destroyed:
                continue
            live.add(guild_id)
            try:
                mark = _fingerprint(player, frozen)
                old = self._written.get(guild_id)
                if old is not None and old[0] == mark:
                    snapshot = old[1]
                    if snapshot.paused or snapshot.frozen or snapshot.track is None:
                        continue
                    if abs(_expected(snapshot, now) - player.position) <= DRIFT_MS:
                        continue
                snapshot = take_snapshot(player, now, frozen=frozen)
                encode_snapshot(snapshot)
            except Exception as exc:
                self._skip(guild_id, exc)
                continue
            changed.append((mark, snapshot))
        gone = [g for g in self._written if g not in live]
        sessions = {
            n.identifier: n.session_id
            for n in self.owner.nodes.values()
            if n.session_id is not None
            and n.status is NodeStatus.CONNECTED
            and self._sessions.get(n.identifier) != n.session_id
        }
        if gone:
            await self.store.delete(gone)
            for guild_id in gone:
                del self._written[guild_id]
        # An empty batch still goes to the store: it is how a store notices it lost its data.
        saved = await self._save(changed, sessions)
        if changed or sessions:
            self.writes += 1
        self._sessions.update(sessions)
        return saved

    async def _save(self, changed: list[tuple[Hashable, PlayerSnapshot]], sessions: dict[str, str]) -> int:
        """Save the batch; when the batch fails, save player by player so one bad row costs one player.

        Returns how many players were saved.
        """
        try:
            await self.store.save([s for _, s in changed], sessions)
        except (StoreDataLost, OwnershipLostError):
            raise
        except Exception as exc:
            if len(changed) == 1 and changed[0][1].guild_id in self._unsaveable:
                self._skip(changed[0][1].guild_id, exc)  # known bad row: already warned
                return 0
            if len(changed) <= 1:
                _raise_typed(exc)
            _log.debug("saving a batch failed (%s); saving its players one by one", exc)
            saved = 0
            failed: list[tuple[int, Exception]] = []
            for mark, snapshot in changed:
                try:
                    await self.store.save([snapshot], sessions)
                except (StoreDataLost, OwnershipLostError):
                    raise
                except Exception as one:
                    failed.append((snapshot.guild_id, one))
                    if saved == 0 and len(failed) >= 3:
                        _raise_typed(exc)  # nothing goes through: the store itself fails
                    continue
                saved += 1
                self._unsaveable.pop(snapshot.guild_id, None)
                self._written[snapshot.guild_id] = (mark, snapshot)
            if saved == 0:
                _raise_typed(exc)
            for guild_id, one in failed:
                self._skip(guild_id, one)
            return saved
        for mark, snapshot in changed:
            self._unsaveable.pop(snapshot.guild_id, None)
            self._written[snapshot.guild_id] = (mark, snapshot)
        return len(changed)

    def _skip(self, guild_id: int, exc: BaseException) -> None:
        """Log once per kind of failure that the player of ``guild_id`` cannot be saved."""
        kind = f"{type(exc).__name__}: {exc}"
        if self._unsaveable.get(guild_id) == kind:
            return
        self._unsaveable[guild_id] = kind
        _log.warning(
            "the player of guild %s cannot be saved (%s); the others are saved as usual, "
            "and it is tried again on every pass",
            guild_id,
            kind,
        )

    async def close(self) -> None:
        """Stop the pass, write a last batch with playback stopped, close the store."""
        task, self._task = self._task, None
        self._stopping = True
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            if self.ready.is_set():
                await self.flush(frozen=True)
            else:
                _log.warning("closing: the player store was never readable; the players are not saved")
        except VoltricxError as exc:
            _log.warning("saving players on close failed: %s", exc)
        except Exception:
            # Pool.close() must still close the nodes and players whatever the store raised.
            _log.exception("saving players on close failed (the store raised something other than StoreError)")
        try:
            await self.store.close()
        except Exception:
            _log.exception("closing the player store failed")


def _apply(player: Player, snapshot: PlayerSnapshot, now: float) -> list[tuple[Track, int]]:
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


def _resolve_requesters(owner: Runtime, guild_id: int, pending: list[tuple[Track, int]]) -> None:
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


def _build(owner: Runtime, guild_id: int, channel_id: int | None, node: Node) -> Player:
    """A fresh player for a saved guild: the gateway's own kind when it builds players."""
    gateway = owner.gateway
    if isinstance(gateway, PlayerFactory):
        try:
            player = gateway.make_player(guild_id, channel_id, node=node)
        except Exception:
            _log.exception("store: the adapter could not build the player of guild %s", guild_id)
        else:
            if isinstance(player, Player) and player.guild_id == guild_id and player.node is node:  # pyright: ignore[reportUnnecessaryIsInstance]
                return player
            _log.warning(
                "store: the adapter built %r for guild %s; using a plain Player", player, guild_id
            )
    return Player(guild_id, node=node, owner=owner)


class Restorer:
    """Brings saved players back during ``Pool.connect(store=...)``."""

    def __init__(self, store: PlayerStore, state: StoredState, *, owner: Runtime | None = None) -> None:
        self.store = store
        self.state = state
        self.owner: Runtime = owner or runtime
        """The runtime of the pool the players come back to."""
        self.players: list[Player] = []
        self.requesters: dict[int, list[tuple[Track, int]]] = {}
        self.resynced = 0
        self.recreated = 0

    @classmethod
    async def load(cls, store: PlayerStore, *, owner: Runtime | None = None) -> Restorer:
        """Read the store."""
        return cls.loaded(store, await store.load(), owner=owner)

    @classmethod
    def loaded(cls, store: PlayerStore, state: StoredState, *, owner: Runtime | None = None) -> Restorer:
        """A restorer for ``state``, already read from ``store``."""
        _log.info(
            "store: %d saved players, sessions for %d nodes", len(state.players), len(state.sessions)
        )
        return cls(store, state, owner=owner)

    def prepare(self, nodes: list[Node], *, late: bool = False) -> None:
        """Before the nodes start: saved session ids on the nodes, saved players rebuilt locally.

        ``late=True`` (the store answered after the nodes connected): sessions
        are left alone and each player goes to its saved node when that one is
        connected, else to the best connected node.
        """
        by_id = {n.identifier: n for n in nodes}
        if not late:
            for identifier, session_id in self.state.sessions.items():
                node = by_id.get(identifier)
                if node is not None and node.session_id is None and node.config.resume:
                    node.session_id = session_id  # sent as Session-Id on the first connect
        now = time.time()
        for guild_id, snapshot in self.state.players.items():
            if guild_id in self.owner.players or guild_id in self.owner.parked:
                continue
            node = by_id.get(snapshot.node)
            if late and (node is None or node.status is not NodeStatus.CONNECTED):
                node = next((n for n in nodes if n.status is NodeStatus.CONNECTED), None)
            node = node or nodes[0]
            try:
                player = _build(self.owner, guild_id, snapshot.channel_id, node)
            except Exception as exc:  # one unusable row never stops the others
                _log.warning("store: cannot restore guild %s: %s: %s", guild_id, type(exc).__name__, exc)
                continue
            self.requesters[guild_id] = _apply(player, snapshot, now)
            self.owner.adopt(player, node)
            self.players.append(player)

    async def finish(self, *, rejoin: bool = True) -> None:
        """After the first connect: re-sync or re-create each player, then re-join voice."""
        groups: dict[Node, list[Player]] = {}
        for player in self.players:
            if not player.destroyed:
                groups.setdefault(player.node, []).append(player)
        work: list[Any] = []
        for node, players in groups.items():
            if node.status is NodeStatus.CONNECTED:
                work.append(self._on_node(node, players))
            else:
                # Never connected: park them; they move when a node is healthy.
                self.owner.failover(node)
        # The last owner's copies go first, so the node never holds a guild twice.
        await self._delete_stale()
        await asyncio.gather(*work)
        if rejoin:
            await self._rejoin()
        for guild_id, pending in self.requesters.items():
            # After the re-join the library has the guild (and its members) cached.
            _resolve_requesters(self.owner, guild_id, pending)
        for player in self.players:
            if not player.destroyed and not player.playing:
                player.arm_idle()
        _log.info(
            "store: %d players restored (%d re-synced from resumed sessions, %d re-created)",
            len(self.players),
            self.resynced,
            self.recreated,
        )

    async def _delete_stale(self) -> None:
        """Delete the copies the last owner's sessions still hold where this process did not resume them."""

        async def one(player: Player) -> None:
            saved = self.state.players.get(player.guild_id)
            if saved is None or saved.session_id is None or player.destroyed:
                return
            node = self.owner.nodes.get(saved.node)
            if node is None or node.status is not NodeStatus.CONNECTED or node.session_id == saved.session_id:
                return
            try:
                await node.rest.destroy_player(saved.session_id, player.guild_id)
            except VoltricxError as exc:
                _log.debug("store: guild %s: no old copy deleted on %s: %s", player.guild_id, node.identifier, exc)

        await asyncio.gather(*(one(p) for p in self.players))

    async def _on_node(self, node: Node, players: list[Player]) -> None:
        remote: dict[int, Any] = {}
        if node.resumed:
            try:
                remote = {int(p.guild_id): p for p in await node.fetch_players()}
            except (VoltricxError, ValueError) as exc:
                _log.warning("store: could not list players of %s: %s", node.identifier, exc)
        recreate: list[Player] = []
        for player in players:
            copy = remote.get(player.guild_id)
            if copy is None:
                recreate.append(player)
            else:
                player.resync(copy)
                self.resynced += 1
        await asyncio.gather(*(self._recreate(p, node) for p in recreate))

    async def _recreate(self, player: Player, node: Node) -> None:
        track = player.current
        # ``position`` is clamped to the track's length, so this says "it ran to the end"
        # (a track of unknown length, -1, never ends this way).
        ended = (
            track is not None
            and not track.is_stream
            and track.length >= 0
            and player.position >= track.length
        )
        if ended:
            player.restore(
                PlaybackSnapshot(
                    track=None, position=0, paused=player.paused, volume=player.volume, filters=player.filters_payload
                )
            )
        try:
            async with self.owner.placement(player.guild_id):
                if player.destroyed or node.players.get(player.guild_id) is not player:
                    return
                await self.owner.move(player, node, delete_old=False)
        except VoltricxError as exc:
            _log.warning("store: re-creating the player of guild %s failed: %s", player.guild_id, exc)
            self.owner.park(player)
            return
        self.recreated += 1
        if ended and track is not None:
            # It would have finished while the bot was away: go on with the queue.
            self.owner.tasks.spawn(
                player.advance_after(track, "finished"),
                name=f"player {player.guild_id} advance",
            )

    async def _rejoin(self) -> None:
        gateway = self.owner.gateway
        if gateway is None:
            return

        async def one(player: Player) -> None:
            channel = player.channel_id
            if channel is None or player.destroyed:
                return
            # Like Player.connect, wait until the node has the new voice credentials; a
            # node that is not connected gets them later from failover or resync.
            try:
                if player.node.status is NodeStatus.CONNECTED:
                    await player.rejoin()
                else:
                    await gateway.join(player.guild_id, channel)
            except Exception as exc:
                _log.warning(
                    "store: re-joining voice channel %s in guild %s failed: %s",
                    channel,
                    player.guild_id,
                    exc,
                )

        try:
            async with asyncio.timeout(REJOIN_TIMEOUT):
                await asyncio.gather(*(one(p) for p in self.players))
        except TimeoutError:
            _log.warning("store: re-joining voice channels took longer than %gs", REJOIN_TIMEOUT)
