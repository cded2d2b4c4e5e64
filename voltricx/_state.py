"""The pool's runtime state: nodes, players, the adapter, and failover.

``voltricx.Pool`` is the public, class-level face of the single
`runtime` defined here. Nodes report to it (it is their
[`NodeOwner`][voltricx.node.NodeOwner]); players find their gateway and event
sink through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from voltricx._tasks import TaskTracker
from voltricx.enums import NodeStatus
from voltricx.errors import NoNodesAvailable, VoltricxError
from voltricx.events import Event, EventSink, Failover
from voltricx.gateway import VoiceGateway
from voltricx.selection import best_node

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.player import Player

__all__ = ["Runtime", "runtime"]

_log = logging.getLogger("voltricx.pool")

#: Seconds failover waits for a healthy node before parking the players.
FAILOVER_WAIT = 5.0
#: A player whose migration failed this many times in a row is given up.
MAX_MIGRATION_FAILURES = 3


class Runtime:
    """State behind ``voltricx.Pool`` (one per process)."""

    def __init__(self) -> None:
        self.gateway: VoiceGateway | None = None
        self.sink: EventSink | None = None
        self.nodes: dict[str, Node] = {}
        self.players: dict[int, Player] = {}
        self.tasks = TaskTracker("pool")
        self.parked: dict[int, Player] = {}
        self._grace: dict[str, asyncio.Task[None]] = {}
        self._node_up: asyncio.Event | None = None

    # -- NodeOwner -------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        """Hand ``event`` to the sink; a failing listener is logged, never propagated."""
        sink = self.sink
        if sink is None:
            return
        try:
            sink.emit(event)
        except Exception:
            _log.exception("event sink failed on %s", type(event).__name__)

    def node_ready(self, node: Node, resumed: bool) -> None:
        """A node connected: wake failover waiters and re-home parked players."""
        if self._node_up is not None:
            self._node_up.set()
        if self.parked:
            self.tasks.spawn(self._migrate_parked(), name="migrate parked players")
        if resumed:
            # A resumed session may still hold players that failed over meanwhile; those
            # copies go. Players still owned by this node (or being moved) are kept, and
            # every migration pass sweeps again once its players have a home.
            self.tasks.spawn(self.drop_strays(node), name=f"strays {node.identifier}")

    def node_lost(self, node: Node) -> None:
        """A node's websocket dropped: give it ``resume_grace`` seconds, then fail over."""
        if not node.players:
            return
        for player in node.players.values():
            player._freeze()  # pyright: ignore[reportPrivateUsage]
        previous = self._grace.get(node.identifier)
        if previous is not None and not previous.done():
            return
        self._grace[node.identifier] = self.tasks.spawn(
            self._grace_then_failover(node), name=f"grace {node.identifier}"
        )

    # -- helpers ---------------------------------------------------------------------

    def require_gateway(self) -> VoiceGateway:
        """The adapter, or a clear error when ``Pool.connect`` has not run."""
        if self.gateway is None:
            raise VoltricxError("call voltricx.Pool.connect(client=..., nodes=[...]) first")
        return self.gateway

    def node_up_event(self) -> asyncio.Event:
        """An event set whenever any node becomes ready."""
        if self._node_up is None:
            self._node_up = asyncio.Event()
        return self._node_up

    async def wait_for_healthy(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for any connected node."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        event = self.node_up_event()
        while True:
            if any(n.status is NodeStatus.CONNECTED for n in self.nodes.values()):
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event.clear()
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                return any(n.status is NodeStatus.CONNECTED for n in self.nodes.values())

    # -- resume or failover ------------------------------------------------------------

    async def _grace_then_failover(self, node: Node) -> None:
        grace = node.config.resume_grace if node.resuming_supported is not False else 0.0
        if grace > 0 and node.config.resume:
            with contextlib.suppress(TimeoutError):
                await node.wait_for_status(NodeStatus.CONNECTED, timeout=grace)
        if node.status is NodeStatus.CONNECTED and node.resumed:
            await self.resync(node)
            return
        await self.failover(node)

    def _stray(self, node: Node, guild_id: int) -> bool:
        """True when the node's copy of ``guild_id`` is not ours to keep there.

        A player that lives on another connected node (or no longer exists) is
        a stray; one being moved away from a lost node is not touched.
        """
        if guild_id in node.players:
            return False
        player = self.players.get(guild_id)
        return player is None or (
            player.node is not node and player.node.status is NodeStatus.CONNECTED
        )

    async def drop_strays(self, node: Node) -> None:
        """Destroy the players a resumed session still holds for guilds now played elsewhere."""
        try:
            session = node.require_session()
            remote = await node.fetch_players()
        except VoltricxError as exc:
            _log.debug("node %s: could not list players to remove strays: %s", node.identifier, exc)
            return
        strays: list[int] = []
        for copy in remote:
            try:
                guild_id = int(copy.guild_id)
            except ValueError:
                continue
            if self._stray(node, guild_id):
                strays.append(guild_id)

        async def drop(guild_id: int) -> None:
            try:
                await node.rest.destroy_player(session, guild_id)
            except VoltricxError as exc:
                _log.debug("could not remove stray player %s: %s", guild_id, exc)

        await asyncio.gather(*(drop(g) for g in strays))
        if strays:
            _log.info("node %s: removed %d players that now play elsewhere", node.identifier, len(strays))

    async def resync(self, node: Node) -> None:
        """After a resume: align local players with the node's copy; rebuild missing ones."""
        try:
            remote = {int(p.guild_id): p for p in await node.fetch_players()}
        except VoltricxError as exc:
            _log.warning("node %s: re-sync after resume failed (%s); failing over", node.identifier, exc)
            await self.failover(node)
            return
        missing: list[Player] = []
        for guild_id, player in list(node.players.items()):
            copy = remote.pop(guild_id, None)
            if copy is None:
                missing.append(player)
            else:
                player._resync(copy)  # pyright: ignore[reportPrivateUsage]
        for guild_id in remote:
            if self._stray(node, guild_id):
                try:
                    await node.rest.destroy_player(node.require_session(), guild_id)
                except VoltricxError as exc:
                    _log.debug("could not remove stray player %s: %s", guild_id, exc)
        if missing:
            await asyncio.gather(*(p.migrate(node) for p in missing), return_exceptions=True)
        _log.info(
            "node %s resumed: %d players re-synced, %d rebuilt",
            node.identifier,
            len(node.players) - len(missing),
            len(missing),
        )

    async def failover(self, old: Node) -> None:
        """Move every player of ``old`` to healthy nodes, never calling ``old``."""
        players = list(old.players.values())
        if not players:
            return
        for player in players:
            old.players.pop(player.guild_id, None)
            self.parked[player.guild_id] = player
        if not await self.wait_for_healthy(FAILOVER_WAIT):
            _log.warning(
                "no healthy node for %d players of %s; they wait for the next node to connect",
                len(players),
                old.identifier,
            )
            return
        await self._migrate(players, old)

    async def _migrate_parked(self) -> None:
        players = list(self.parked.values())
        by_old: dict[str, list[Player]] = {}
        for player in players:
            by_old.setdefault(player.node.identifier, []).append(player)
        for identifier, group in by_old.items():
            old = self.nodes.get(identifier) or group[0].node
            await self._migrate(group, old)

    async def _migrate(self, players: list[Player], old: Node) -> None:
        candidates = [n for n in self.nodes.values() if n.status is NodeStatus.CONNECTED]
        if not candidates:
            return
        # Claim the players so a concurrent pass does not move them twice.
        claimed = [p for p in players if self.parked.pop(p.guild_id, None) is p]
        tally: dict[Node, float] = {}
        groups: dict[Node, list[Player]] = {}
        for player in claimed:
            try:
                target = best_node(candidates, region=player.region, extra=tally)
            except NoNodesAvailable:
                self.parked[player.guild_id] = player
                continue
            tally[target] = tally.get(target, 0.0) + 1.5
            groups.setdefault(target, []).append(player)
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def move(player: Player, target: Node) -> Player | None:
            try:
                await player.migrate(target)
            except VoltricxError as exc:
                player._migration_failures += 1  # pyright: ignore[reportPrivateUsage]
                if player._migration_failures >= MAX_MIGRATION_FAILURES:  # pyright: ignore[reportPrivateUsage]
                    _log.error("giving up on player %s after failed migrations: %s", player.guild_id, exc)
                    await player.destroy(reason="failover_failed")
                else:
                    _log.warning("moving player %s to %s failed: %s", player.guild_id, target.identifier, exc)
                    self.parked[player.guild_id] = player
                return None
            player._migration_failures = 0  # pyright: ignore[reportPrivateUsage]
            return player

        results = await asyncio.gather(
            *(move(p, target) for target, group in groups.items() for p in group)
        )
        moved = [p for p in results if p is not None]
        for target in groups:
            group_moved = tuple(p for p in moved if p.node is target)
            if group_moved:
                self.emit(Failover(old, target, group_moved))
        _log.info(
            "failover from %s: %d of %d players moved in %.3fs",
            old.identifier,
            len(moved),
            len(claimed),
            loop.time() - started,
        )
        if moved:
            # A rebuild request that failed on our side may still have created the player on
            # a node that later resumed; once the players have a home, sweep such copies.
            self.tasks.spawn(self._sweep_strays(), name="sweep stray players")

    async def _sweep_strays(self) -> None:
        connected = [n for n in self.nodes.values() if n.status is NodeStatus.CONNECTED]
        await asyncio.gather(*(self.drop_strays(n) for n in connected))

    async def reset(self) -> None:
        """Forget everything (after close)."""
        await self.tasks.cancel_all()
        self.nodes.clear()
        self.players.clear()
        self.parked.clear()
        self._grace.clear()
        self.gateway = None
        self.sink = None
        self._node_up = None


#: The single runtime behind ``voltricx.Pool``.
runtime = Runtime()
