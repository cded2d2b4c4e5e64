"""Handing players over between two processes of one bot that share a sharded store.

When another process took over some shards (a deploy's successor, or a
process that outlived this one's hang), this one learns it from the store
as an [`OwnershipLostError`][voltricx.OwnershipLostError]:
[`drop_players()`][voltricx._restore_handoff.drop_players] forgets the
players of those shards without a request to the node (the pool's fence
refuses any), and [`announce()`][voltricx._restore_handoff.announce] logs it
and emits [`OwnershipLost`][voltricx.events.OwnershipLost].

On the taking side, [`delete_stale()`][voltricx._restore_handoff.delete_stale]
deletes the copies the last owner's node sessions still hold of the players
this process brought back on a session of its own, so a node never plays a
guild twice.
"""

from __future__ import annotations

import asyncio
import logging

from voltricx._state import Runtime
from voltricx.enums import NodeStatus
from voltricx.errors import OwnershipLostError, VoltricxError
from voltricx.events import OwnershipLost
from voltricx.player import Player
from voltricx.store import StoredState

__all__ = ["announce", "delete_stale", "drop_players"]

_log = logging.getLogger("voltricx.store")


async def drop_players(owner: Runtime, lost: OwnershipLostError) -> list[Player]:
    """Forget here, without a request, the players of ``owner``'s pool on the shards in ``lost``."""
    dropped = [p for g, p in list(owner.players.items()) if lost.covers(g)]
    for player in dropped:
        await player.destroy(reason="ownership_lost")
        owner.disown(player)
    return dropped


def announce(owner: Runtime, lost: OwnershipLostError, dropped: list[Player]) -> None:
    """Log the loss and emit [`OwnershipLost`][voltricx.events.OwnershipLost] with the ``dropped`` players."""
    _log.warning("%s (%d players dropped here)", lost, len(dropped))
    owner.emit(
        OwnershipLost(
            shards=tuple(sorted(lost.shards)), shard_count=lost.shard_count, players=tuple(dropped)
        )
    )


async def delete_stale(owner: Runtime, state: StoredState, players: list[Player]) -> None:
    """Delete the copies the last owner's sessions still hold where this process did not resume them."""

    async def one(player: Player) -> None:
        saved = state.players.get(player.guild_id)
        if saved is None or saved.session_id is None or player.destroyed:
            return
        node = owner.nodes.get(saved.node)
        if node is None or node.status is not NodeStatus.CONNECTED or node.session_id == saved.session_id:
            return
        try:
            await node.rest.destroy_player(saved.session_id, player.guild_id)
        except VoltricxError as exc:
            _log.debug("store: guild %s: no old copy deleted on %s: %s", player.guild_id, node.identifier, exc)

    await asyncio.gather(*(one(p) for p in players))
