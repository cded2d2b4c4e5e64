"""What happens when a node is lost or comes back: resume, fail over, sweep, move back home.

When a node's websocket drops, its players freeze (their position stops
advancing) and the node gets a chance to resume its session, but only
while resuming is still possible: the chance ends at once when the node's
process is gone (the reconnect is refused), when it answers with a new
session, or when it never supported resuming. Only a drop where the node
may still hold the session (a timeout, a half-open connection) waits the
full ``resume_grace``. Then either the resumed session is re-synced, or
every player is rebuilt on the best healthy nodes (parked until one is
there).

When a node becomes ready, parked players move to it, copies its resumed
session holds for guilds now played elsewhere (or gone) are deleted, and
players that were moved out of their region go back to it.

Every move and every stray DELETE runs in the guild's turn
([Runtime.placement][voltricx._state.Runtime.placement]) and re-checks
ownership there.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING

from voltricx.enums import NodeStatus
from voltricx.errors import NoNodesAvailable, VoltricxError
from voltricx.events import Failover, PlayersMoved
from voltricx.selection import best_node

if TYPE_CHECKING:
    from voltricx._state import Runtime
    from voltricx.node import Node
    from voltricx.player import Player

__all__ = ["FAILOVER_WAIT", "MAX_MIGRATION_FAILURES", "Recovery"]

_log = logging.getLogger("voltricx.pool")

#: Seconds failover waits for a healthy node before parking the players.
FAILOVER_WAIT = 5.0
#: A player whose migration failed this many times in a row is given up.
MAX_MIGRATION_FAILURES = 3


def _same_region(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


class Recovery:
    """Resume-or-failover decisions and the sweeps that follow, for one runtime."""

    def __init__(self, owner: Runtime) -> None:
        self._owner = owner
        self._grace: dict[str, asyncio.Task[None]] = {}
        # Failed moves in a row per player; a player that keeps failing is given up.
        self._failures: weakref.WeakKeyDictionary[Player, int] = weakref.WeakKeyDictionary()

    def reset(self) -> None:
        """Forget pending grace periods (their tasks belong to the runtime's tracker)."""
        self._grace.clear()

    # -- node events -------------------------------------------------------------------

    def node_ready(self, node: Node, resumed: bool) -> None:
        """Parked players move, a resumed session is swept, players go back home."""
        owner = self._owner
        if owner.parked:
            owner.tasks.spawn(self._migrate_parked(), name="migrate parked players")
        if resumed:
            # A resumed session may still hold players that failed over meanwhile.
            owner.tasks.spawn(self.drop_strays(node), name=f"strays {node.identifier}")
        if owner.move_back and node.region is not None and not node.draining:
            owner.tasks.spawn(self._move_home(node), name=f"move home {node.identifier}")

    def node_lost(self, node: Node) -> None:
        """Freeze the node's players; resume within the grace period or fail over."""
        if not node.players:
            return
        for player in node.players.values():
            player.freeze_position()
        previous = self._grace.get(node.identifier)
        if previous is not None and not previous.done():
            return
        self._grace[node.identifier] = self._owner.tasks.spawn(
            self._grace_then_failover(node), name=f"grace {node.identifier}"
        )

    # -- resume or failover ------------------------------------------------------------

    async def _grace_then_failover(self, node: Node) -> None:
        config = node.config
        grace = config.resume_grace if config.resume and node.resuming_supported is not False else 0.0
        if grace > 0:
            await self._wait_for_resume(node, grace)
        if node.status is NodeStatus.CONNECTED and node.resumed:
            await self.resync(node)
            return
        if node.refused:
            _log.info("node %s refuses connections: its sessions are gone; failing over now", node.identifier)
        await self.failover(node)

    @staticmethod
    async def _wait_for_resume(node: Node, grace: float) -> None:
        """Return when the node is back, when it cannot resume any more, or after ``grace`` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while node.status is not NodeStatus.CONNECTED and not node.refused:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                await node.wait_for_attempt(timeout=remaining)
            except TimeoutError:
                return

    def _stray(self, node: Node, guild_id: int) -> bool:
        """True when the node's copy of ``guild_id`` is not ours to keep there.

        A player that lives on another connected node (or no longer exists) is
        a stray; one held by this node, or waiting to be moved, is not.
        """
        if guild_id in node.players:
            return False
        player = self._owner.players.get(guild_id)
        return player is None or (
            player.node is not node and player.node.status is NodeStatus.CONNECTED
        )

    async def _drop_if_stray(self, node: Node, session: str, guild_id: int) -> bool:
        async with self._owner.placement(guild_id):
            if not self._stray(node, guild_id) or node.session_id != session:
                return False
            try:
                await node.rest.destroy_player(session, guild_id)
            except VoltricxError as exc:
                _log.debug("could not remove stray player %s: %s", guild_id, exc)
                return False
            return True

    async def drop_strays(self, node: Node) -> None:
        """Delete the copies a node holds for guilds now played elsewhere (or destroyed)."""
        try:
            session = node.require_session()
            remote = await node.fetch_players()
        except VoltricxError as exc:
            _log.debug("node %s: could not list players to remove strays: %s", node.identifier, exc)
            return
        guilds: list[int] = []
        for copy in remote:
            try:
                guilds.append(int(copy.guild_id))
            except ValueError:
                continue
        dropped = await asyncio.gather(*(self._drop_if_stray(node, session, g) for g in guilds))
        count = sum(dropped)
        if count:
            _log.info("node %s: removed %d players that now play elsewhere", node.identifier, count)

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
                player.resync(copy)
        session = node.session_id
        if session is not None:
            await asyncio.gather(*(self._drop_if_stray(node, session, g) for g in remote))

        async def rebuild(player: Player) -> None:
            async with self._owner.placement(player.guild_id):
                if player.destroyed or node.players.get(player.guild_id) is not player:
                    return
                try:
                    await self._owner.move(player, node, delete_old=False)
                except VoltricxError as exc:
                    _log.warning("guild %s: rebuilding on %s failed: %s", player.guild_id, node.identifier, exc)

        await asyncio.gather(*(rebuild(p) for p in missing))
        _log.info(
            "node %s resumed: %d players re-synced, %d rebuilt",
            node.identifier,
            len(node.players) - len(missing),
            len(missing),
        )

    async def failover(self, old: Node) -> None:
        """Move every player of ``old`` to healthy nodes, never calling ``old``."""
        owner = self._owner
        players = list(old.players.values())
        if not players:
            return
        for player in players:
            owner.park(player)
        if not await owner.wait_for_healthy(FAILOVER_WAIT):
            _log.warning(
                "no healthy node for %d players of %s; they wait for the next node to connect",
                len(players),
                old.identifier,
            )
            return
        await self._migrate(players, old)

    async def _migrate_parked(self) -> None:
        by_old: dict[str, list[Player]] = {}
        for player in list(self._owner.parked.values()):
            by_old.setdefault(player.node.identifier, []).append(player)
        for group in by_old.values():
            await self._migrate(group, group[0].node)

    async def _migrate(self, players: list[Player], old: Node) -> None:
        owner = self._owner
        candidates = [
            n for n in owner.nodes.values() if n.status is NodeStatus.CONNECTED and not n.draining
        ] or [n for n in owner.nodes.values() if n.status is NodeStatus.CONNECTED]
        if not candidates:
            return
        # Claim the players so a concurrent pass does not move them twice.
        claimed = [p for p in players if owner.parked.pop(p.guild_id, None) is p]
        tally: dict[Node, float] = {}
        groups: dict[Node, list[Player]] = {}
        for player in claimed:
            try:
                target = best_node(candidates, region=player.region, extra=tally)
            except NoNodesAvailable:
                owner.parked[player.guild_id] = player
                continue
            tally[target] = tally.get(target, 0.0) + 1.5
            groups.setdefault(target, []).append(player)
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def move(player: Player, target: Node) -> Player | None:
            try:
                async with owner.placement(player.guild_id):
                    if player.destroyed:
                        return None
                    home = player.node
                    if home is not old and home.players.get(player.guild_id) is player:
                        return None  # placed meanwhile (resync, another pass)
                    await owner.move(player, target, delete_old=False)
            except VoltricxError as exc:
                failures = self._failures[player] = self._failures.get(player, 0) + 1
                if failures >= MAX_MIGRATION_FAILURES:
                    _log.error("giving up on player %s after failed migrations: %s", player.guild_id, exc)
                    await player.destroy(reason="failover_failed")
                else:
                    _log.warning("moving player %s to %s failed: %s", player.guild_id, target.identifier, exc)
                    owner.park(player)
                return None
            self._failures.pop(player, None)
            return player

        results = await asyncio.gather(
            *(move(p, target) for target, group in groups.items() for p in group)
        )
        moved = [p for p in results if p is not None]
        for target in groups:
            group_moved = tuple(p for p in moved if p.node is target)
            if group_moved:
                owner.emit(Failover(old, target, group_moved))
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
            owner.tasks.spawn(self._sweep_strays(), name="sweep stray players")

    async def _sweep_strays(self) -> None:
        connected = [n for n in self._owner.nodes.values() if n.status is NodeStatus.CONNECTED]
        await asyncio.gather(*(self.drop_strays(n) for n in connected))

    # -- back home -----------------------------------------------------------------------

    async def _move_home(self, node: Node) -> None:
        """Players of ``node``'s region playing elsewhere go back, one update each."""
        owner = self._owner
        movers = [
            p
            for p in owner.players.values()
            if _same_region(p.region, node.region)
            and not _same_region(p.node.region, node.region)
        ]
        moved: dict[Node, list[Player]] = {}
        for player in movers:
            if node.status is not NodeStatus.CONNECTED or node.draining:
                break
            old = player.node
            try:
                async with owner.placement(player.guild_id):
                    if player.destroyed or player.node is not old or old.players.get(player.guild_id) is not player:
                        continue
                    await owner.move(player, node, delete_old=True)
            except VoltricxError as exc:
                _log.info("guild %s: moving back to %s failed: %s", player.guild_id, node.identifier, exc)
                continue
            moved.setdefault(old, []).append(player)
        for old, group in moved.items():
            owner.emit(PlayersMoved(old, node, tuple(group), "move_back"))
