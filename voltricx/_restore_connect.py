"""The restore at connect: saved players come back during ``Pool.connect(store=...)``.

Before the nodes connect, [`Restorer.prepare()`][voltricx._restore_connect.Restorer.prepare]
hands each node its saved session id (so the node resumes it) and rebuilds
every saved player locally (through the gateway's ``make_player`` when it is
a [`PlayerFactory`][voltricx.PlayerFactory], else as a plain
[`Player`][voltricx.Player]), so the pool counts them as its own from the
first frame. Once the nodes answered,
[`Restorer.finish()`][voltricx._restore_connect.Restorer.finish] deletes the
last owner's stale copies (``_restore_handoff.py``), re-syncs each player
with the node's copy or, where the session expired and the node no longer
has the player, re-creates it from the saved track and position. Finally it
asks the adapter to re-join each voice channel (``VoiceGateway.join``),
which sends the node fresh voice credentials.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from voltricx._restore_handoff import delete_stale
from voltricx._restore_records import apply_snapshot, resolve_requesters
from voltricx._state import Runtime, runtime
from voltricx.enums import NodeStatus
from voltricx.errors import VoltricxError
from voltricx.gateway import PlayerFactory
from voltricx.models.track import Track
from voltricx.node import Node
from voltricx.player import PlaybackSnapshot, Player
from voltricx.store import PlayerStore, StoredState

__all__ = ["REJOIN_TIMEOUT", "Restorer"]

_log = logging.getLogger("voltricx.store")

REJOIN_TIMEOUT = 15.0
"""Seconds ``Pool.connect`` waits for the adapter to re-join the restored players' channels."""


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
            self.requesters[guild_id] = apply_snapshot(player, snapshot, now)
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
        await delete_stale(self.owner, self.state, self.players)
        await asyncio.gather(*work)
        if rejoin:
            await self._rejoin()
        for guild_id, pending in self.requesters.items():
            # After the re-join the library has the guild (and its members) cached.
            resolve_requesters(self.owner, guild_id, pending)
        for player in self.players:
            if not player.destroyed and not player.playing:
                player.arm_idle()
        _log.info(
            "store: %d players restored (%d re-synced from resumed sessions, %d re-created)",
            len(self.players),
            self.resynced,
            self.recreated,
        )

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
