"""The pool's runtime: the one owner of where every player lives.

A [Runtime][voltricx._state.Runtime] holds the nodes, the players by guild,
the players waiting for a node (parked), the adapter and the event sink. It
is the only code that writes those maps and every ``node.players``. Nodes
reach it through [NodeOwner][voltricx.node.NodeOwner], players through
[PlayerOwner][voltricx.player.PlayerOwner]; neither imports this module's
default instance.

Every change of a guild's placement (a move, a failover rebuild, a drain,
a removal, a move back home, a restore, a stray sweep, a destroy) runs
inside `Runtime.placement` for that guild, one at a time and in
order, so at every moment exactly one node holds each live guild's player.
Player commands (``play``, ``pause``, ...) take the same per-guild turn, so
a move never rebuilds a player from state a command is about to change.

Each pool ([BotPool][voltricx.BotPool]) owns one runtime; nothing here is
shared between two pools. ``voltricx.Pool`` is the class-level face of the
default pool, whose runtime is `runtime`. A player or a node knows its own
runtime (``Player(owner=...)``, ``Node(owner=...)``); code that only has a
node finds its runtime with `runtime_of`. What happens when a node is
lost is in `voltricx._failover`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Protocol

from voltricx._failover import FAILOVER_WAIT, Recovery
from voltricx._tasks import TaskTracker
from voltricx.enums import NodeStatus
from voltricx.errors import NodeNotFound, NoNodesAvailable, PlayerError, VoltricxError
from voltricx.events import (
    Event,
    EventSink,
    NodeDraining,
    NodeRemoved,
    PlayerDestroyed,
    PlayersMoved,
)
from voltricx.gateway import VoiceGateway
from voltricx.selection import best_node

if TYPE_CHECKING:
    from voltricx._restore import Persister
    from voltricx.node import Node
    from voltricx.player import Player

__all__ = ["FAILOVER_WAIT", "Fence", "Runtime", "runtime", "runtime_of"]

_log = logging.getLogger("voltricx.pool")


class Fence(Protocol):
    """Who may send requests for a guild (a store that fences shard ownership)."""

    async def check(self, guild_id: int) -> None:
        """Raise [OwnershipLostError][voltricx.OwnershipLostError] when another process owns the guild."""
        ...

    def owns(self, guild_id: int) -> bool:
        """False once the guild's shard is known to be owned by another process."""
        ...


class _Turn:
    """One guild's queue of placement changes: a lock and how many wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class Runtime:
    """Nodes, players and the adapter of one pool; the only writer of placement.

    Attributes:
        gateway: The adapter's voice gateway (``None`` before ``Pool.connect``).
        sink: Where events go (``None`` before ``Pool.connect``).
        nodes: Every node of the pool by identifier.
        players: Every live player by guild id.
        parked: Players whose node was lost and that wait for a healthy node.
        move_back: Whether players go back to a node of their own region when one is ready.
        fence: Asked before every placement change or command of a guild (``None``: no fencing).
        persister: Saves this pool's players while it has a store (``None``: no store).
    """

    def __init__(self) -> None:
        self.gateway: VoiceGateway | None = None
        self.sink: EventSink | None = None
        self.nodes: dict[str, Node] = {}
        self.players: dict[int, Player] = {}
        self.parked: dict[int, Player] = {}
        self.tasks = TaskTracker("pool")
        self.move_back = True
        self.fence: Fence | None = None
        self.persister: Persister | None = None
        self.recovery = Recovery(self)
        self._turns: dict[int, _Turn] = {}
        self._node_up: asyncio.Event | None = None
        _runtimes.add(self)

    # -- per-guild order ---------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def placement(self, guild_id: int, *, fenced: bool = True) -> AsyncGenerator[None]:
        """Hold ``guild_id``'s turn: placement changes and commands of a guild run one at a time.

        With a `fence`, a guild another process owns now raises
        [OwnershipLostError][voltricx.OwnershipLostError] before anything is sent.
        """
        if fenced and self.fence is not None:
            await self.fence.check(guild_id)
        turn = self._turns.get(guild_id)
        if turn is None:
            turn = self._turns[guild_id] = _Turn()
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if turn.users == 0 and self._turns.get(guild_id) is turn:
                del self._turns[guild_id]

    def busy(self, guild_id: int) -> bool:
        """True while some placement change or command of ``guild_id`` runs or waits."""
        return guild_id in self._turns

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
        """A node connected: wake failover waiters, re-home parked players, sweep strays."""
        if self._node_up is not None:
            self._node_up.set()
        self.recovery.node_ready(node, resumed)

    def node_lost(self, node: Node) -> None:
        """A node's websocket dropped: resume it or fail its players over."""
        self.recovery.node_lost(node)

    async def node_closing(self, node: Node) -> None:
        """``node.close()`` was called on a node of this pool: move its players, then forget it."""
        if self.nodes.get(node.identifier) is not node:
            return
        await self._empty(node, reason="remove", strict=False)
        session = node.session_id
        if session is not None and node.status is NodeStatus.CONNECTED and node.resuming_supported:
            # Nothing will resume this session: let the server free it now.
            try:
                await node.rest.update_session(session, resuming=False)
            except VoltricxError as exc:
                _log.debug("node %s: could not turn resuming off before closing: %s", node.identifier, exc)
        if self.nodes.get(node.identifier) is node:
            del self.nodes[node.identifier]
            self.emit(NodeRemoved(node))

    # -- PlayerOwner -----------------------------------------------------------------

    def require_gateway(self) -> VoiceGateway:
        """The adapter, or a clear error when ``Pool.connect`` has not run."""
        if self.gateway is None:
            raise VoltricxError("call voltricx.Pool.connect(client=..., nodes=[...]) first")
        return self.gateway

    def choose_node(self, region: str | None = None) -> Node:
        """The best connected node of the pool (``region`` preferred)."""
        return best_node(self.nodes.values(), region=region)

    def get_player(self, guild_id: int) -> Player | None:
        """The live player of ``guild_id``."""
        return self.players.get(guild_id)

    def attach(self, player: Player) -> None:
        """Make ``player`` the guild's player, held by ``player.node``."""
        existing = self.players.get(player.guild_id)
        if existing is not None and existing is not player:
            raise PlayerError(f"guild {player.guild_id} already has a player; disconnect it first")
        self.players[player.guild_id] = player
        player.node.players[player.guild_id] = player

    async def release(self, player: Player, reason: str) -> None:
        """Destroy ``player``: off every registry, DELETE where it landed, then the event.

        Waits for an in-flight move of the guild, so the copy it created is the one deleted.
        """
        guild_id = player.guild_id
        if self.players.get(guild_id) is player:
            del self.players[guild_id]
        if self.parked.get(guild_id) is player:
            del self.parked[guild_id]
        owned = self.fence is None or self.fence.owns(guild_id)
        async with self.placement(guild_id, fenced=False):
            holders = [n for n in self.nodes.values() if n.players.get(guild_id) is player]
            node = player.node
            if node not in holders:
                holders.append(node)
            for holder in holders:
                if holder.players.get(guild_id) is player:
                    del holder.players[guild_id]
            for holder in holders:
                if owned and holder.status is NodeStatus.CONNECTED and holder.session_id is not None:
                    try:
                        await self.delete_remote(holder, holder.session_id, guild_id)
                    except VoltricxError as exc:
                        _log.debug("guild %s: destroy on node %s failed: %s", guild_id, holder.identifier, exc)
        self.emit(PlayerDestroyed(player, reason))

    async def switch(self, player: Player, node: Node, *, reason: str = "switch") -> None:
        """Move ``player`` to ``node`` in its guild's turn (see ``Player.switch_node``)."""
        async with self.placement(player.guild_id):
            old = player.node
            if old is node and node.players.get(player.guild_id) is player:
                return
            await self.move(player, node)
        if old is not node:
            self.emit(PlayersMoved(old, node, (player,), reason))

    async def move(self, player: Player, target: Node, *, delete_old: bool = True) -> None:
        """Rebuild ``player`` on ``target`` with one update; call inside the guild's turn.

        The player is in ``target.players`` before the update is sent, so what the
        target says about the guild meanwhile (a failed start) reaches it. On
        success the old node forgets it and, when it can be reached and
        ``delete_old`` is set, is sent a DELETE; on failure the target forgets it.
        """
        guild_id = player.guild_id
        if player.destroyed:
            raise PlayerError(f"the player of guild {guild_id} was destroyed")
        old = player.node
        session = target.require_session()
        position = player.position
        payload = player.rebuild_payload()
        registered = target.players.get(guild_id) is player
        target.players[guild_id] = player
        try:
            response = await target.rest.update_player(session, guild_id, payload)
        except BaseException:
            if not registered and target is not old and target.players.get(guild_id) is player:
                del target.players[guild_id]
            raise
        for node in self.nodes.values():
            if node is not target and node.players.get(guild_id) is player:
                del node.players[guild_id]
        if old is not target and old.players.get(guild_id) is player:
            del old.players[guild_id]
        if self.parked.get(guild_id) is player:
            del self.parked[guild_id]
        player.placed(target, payload, position, response)
        if (
            delete_old
            and old is not target
            and old.status is NodeStatus.CONNECTED
            and old.session_id is not None
        ):
            try:
                await self.delete_remote(old, old.session_id, guild_id)
            except VoltricxError as exc:
                # The copy stays until the next stray sweep of that node.
                _log.debug("guild %s: removing the old copy on %s failed: %s", guild_id, old.identifier, exc)

    async def delete_remote(self, node: Node, session: str, guild_id: int) -> None:
        """DELETE the guild's player on ``node``, given up once the node is known to be down.

        Called inside the guild's turn: a half-open node would otherwise hold the
        turn for the whole request timeout. A DELETE given up leaves the copy to
        the stray sweep that runs when the node is ready again.
        """

        async def send() -> VoltricxError | None:
            try:
                await node.rest.destroy_player(session, guild_id)
            except VoltricxError as exc:
                return exc
            return None

        request = self.tasks.spawn(send(), name=f"delete {guild_id} on {node.identifier}")
        down = self.tasks.spawn(node.wait_for_status(NodeStatus.DISCONNECTED), name=f"watch {node.identifier}")
        try:
            await asyncio.wait((request, down), return_when=asyncio.FIRST_COMPLETED)
        finally:
            down.cancel()
            if not request.done():
                request.cancel()
            await asyncio.gather(request, down, return_exceptions=True)
        if request.cancelled():
            _log.debug("guild %s: node %s went down during the DELETE; the stray sweep removes the copy", guild_id, node.identifier)
            return
        failure = request.result()
        if failure is not None:
            raise failure

    def adopt(self, player: Player, node: Node) -> None:
        """Register a restored player on ``node`` (before any request)."""
        self.players[player.guild_id] = player
        node.players[player.guild_id] = player

    def disown(self, player: Player) -> None:
        """Forget ``player`` everywhere without a request: another process owns its guild now."""
        guild_id = player.guild_id
        if self.players.get(guild_id) is player:
            del self.players[guild_id]
        if self.parked.get(guild_id) is player:
            del self.parked[guild_id]
        for node in self.nodes.values():
            if node.players.get(guild_id) is player:
                del node.players[guild_id]

    def park(self, player: Player) -> None:
        """``player`` has no node for now; it moves when a node is healthy."""
        guild_id = player.guild_id
        if player.destroyed:
            return
        for node in self.nodes.values():
            if node.players.get(guild_id) is player:
                del node.players[guild_id]
        if player.node.players.get(guild_id) is player:
            del player.node.players[guild_id]
        self.parked[guild_id] = player

    # -- node operations ---------------------------------------------------------------

    def node(self, identifier: str) -> Node:
        """The node called ``identifier`` or [NodeNotFound][voltricx.NodeNotFound]."""
        node = self.nodes.get(identifier)
        if node is None:
            raise NodeNotFound(identifier)
        return node

    async def drain(self, identifier: str) -> None:
        """Stop choosing the node and move its players to the best other nodes, one by one."""
        node = self.node(identifier)
        if not node.draining:
            node.draining = True
            self.emit(NodeDraining(node))
        try:
            await self._empty(node, reason="drain", strict=True)
        except NoNodesAvailable:
            node.draining = False
            raise NoNodesAvailable(
                f"node {identifier!r} cannot be drained: no other node is connected; "
                "connect another node first"
            ) from None

    def undrain(self, identifier: str) -> None:
        """Let the node be chosen again."""
        self.node(identifier).draining = False

    async def remove_node(self, identifier: str, *, move_players: bool = True) -> None:
        """Drain (or destroy the players of) the node, then close and forget it."""
        node = self.node(identifier)
        if not node.draining:
            node.draining = True
            self.emit(NodeDraining(node))
        if not move_players:
            players = [p for p in self.players.values() if p.node is node]
            await asyncio.gather(*(p.destroy(reason="node_removed") for p in players))
        await node.close()

    async def _empty(self, node: Node, *, reason: str, strict: bool) -> None:
        """Move every player of ``node`` elsewhere (best node each time); park what cannot move.

        ``strict``: raise [NoNodesAvailable][voltricx.NoNodesAvailable] when there is nowhere to go.
        """
        moved: dict[Node, list[Player]] = {}
        tally: dict[Node, float] = {}
        tried: set[int] = set()
        while True:
            pending = [
                p
                for p in self.players.values()
                if p.node is node and not p.destroyed and p.guild_id not in tried
            ]
            if not pending:
                break
            others = [n for n in self.nodes.values() if n is not node and not n.draining]
            try:
                target = best_node(others, region=pending[0].region, extra=tally)
            except NoNodesAvailable:
                if strict:
                    raise
                for player in pending:
                    self.park(player)
                _log.warning(
                    "node %s removed with %d players and no other node: they wait for one",
                    node.identifier,
                    len(pending),
                )
                break
            player = pending[0]
            tried.add(player.guild_id)
            tally[target] = tally.get(target, 0.0) + 1.5
            try:
                async with self.placement(player.guild_id):
                    if player.node is node and not player.destroyed:
                        await self.move(player, target, delete_old=True)
                        moved.setdefault(target, []).append(player)
            except VoltricxError as exc:
                _log.warning("moving player %s off %s failed: %s", player.guild_id, node.identifier, exc)
                self.park(player)
                if node.players.get(player.guild_id) is player:
                    del node.players[player.guild_id]
        for target, group in moved.items():
            self.emit(PlayersMoved(node, target, tuple(group), reason))

    # -- helpers ---------------------------------------------------------------------

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

    def failover(self, node: Node) -> asyncio.Task[None]:
        """Start moving every player of ``node`` to healthy nodes (never calling ``node``)."""
        return self.tasks.spawn(self.recovery.failover(node), name=f"failover {node.identifier}")

    async def reset(self) -> None:
        """Forget everything (after close)."""
        await self.tasks.cancel_all()
        self.nodes.clear()
        self.players.clear()
        self.parked.clear()
        self.recovery.reset()
        self._turns.clear()
        self.gateway = None
        self.sink = None
        self._node_up = None
        self.move_back = True
        self.fence = None


_runtimes: weakref.WeakSet[Runtime] = weakref.WeakSet()

#: The default pool's runtime (behind the class-level ``voltricx.Pool``).
runtime = Runtime()


def runtime_of(node: Node | None) -> Runtime:
    """The runtime whose pool holds ``node``; the default one for ``None`` or a node no pool holds."""
    if node is not None:
        for candidate in list(_runtimes):
            if candidate.nodes.get(node.identifier) is node:
                return candidate
    return runtime
