"""Placement of a [Player][voltricx.Player]: everything needed to rebuild it on any node.

The player keeps what a node needs to recreate it (voice, track, position,
volume, filters, paused), so [switch_node()][voltricx.player.Player.switch_node]
(and failover, drain, move back home) can rebuild it elsewhere in one
request. The moves themselves are made by the player's owner (the pool's
runtime, ``voltricx._state``), one guild at a time; this room is the
player's side of them: [placed()][voltricx.player.Player.placed] after a move,
[resync()][voltricx.player.Player.resync] after a resumed session,
[freeze_position()][voltricx.player.Player.freeze_position] when a node is
lost, and [snapshot()][voltricx.player.Player.snapshot] /
[restore()][voltricx.player.Player.restore] for a store.

[Placement][voltricx._player_placement.Placement] is a mixin of ``Player``: it
holds no state of its own, only the methods over the player's slots.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, cast

import msgspec
from msgspec import UNSET

from voltricx.errors import PlayerError
from voltricx.extras import json_problem
from voltricx.models.filters import FiltersPayload
from voltricx.models.player import PlayerPayload, PlayerUpdatePayload, UpdatePlayerTrack, VoiceState

if TYPE_CHECKING:
    from voltricx.filters import Filters
    from voltricx.models.player import PlayerState
    from voltricx.models.track import Track
    from voltricx.node import Node
    from voltricx.player import Player, PlayerOwner

__all__ = ["Placement", "PlaybackSnapshot"]


class PlaybackSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A player's playback state at one moment: what [Player.snapshot()][voltricx.player.Player.snapshot] returns.

    Attributes:
        track: The loaded track, or ``None``.
        position: Position in the track, ms.
        paused: Whether playback is paused.
        volume: Volume, 0-1000.
        filters: The filter set, in wire form.
        frozen: True when a track is loaded and not paused but its position
            does not advance (its node was lost, or it was restored and not
            yet synced).
    """

    track: Track | None
    position: int
    paused: bool
    volume: int
    filters: FiltersPayload
    frozen: bool = False


class Placement:
    """Mixin of ``Player``: rebuild payload, moves, resync, freeze, snapshot and restore."""

    __slots__ = ()

    guild_id: int
    node: Node
    _owner: PlayerOwner
    _destroyed: bool
    _current: Track | None
    _paused: bool
    _volume: int
    _filters: FiltersPayload
    _filters_obj: Filters | None
    _position: int
    _updated_at: float
    _sent_voice: VoiceState | None

    if TYPE_CHECKING:
        # Provided by Player and its other rooms.
        @property
        def position(self) -> int: ...
        def voice_state(self) -> VoiceState | None: ...
        def arm_idle(self) -> None: ...
        def _finish_connect(self, error: BaseException | None) -> None: ...
        def on_player_update(self, state: PlayerState) -> None: ...

    def snapshot(self) -> PlaybackSnapshot:
        """The playback state now: track, position, paused, volume and filters.

        The pool's store saves this (with the queue) to bring the player back
        after a restart; see [restore()][voltricx.player.Player.restore].
        """
        return PlaybackSnapshot(
            track=self._current,
            position=self.position,
            paused=self._paused,
            volume=self._volume,
            filters=self._filters,
            frozen=self._current is not None and not self._paused and self._updated_at == 0.0,
        )

    def restore(self, snapshot: PlaybackSnapshot) -> None:
        """Take playback state from ``snapshot`` without telling the node.

        The position holds still (``snapshot()`` reports it ``frozen``) until
        the node's copy is synced or the player is recreated on a node, which
        sends everything in one request. Used when players come back from a
        store after a restart.
        """
        self._current = snapshot.track
        self._position = snapshot.position
        self._updated_at = 0.0
        self._paused = snapshot.paused
        self._volume = snapshot.volume
        self._filters = snapshot.filters

    def rebuild_payload(self) -> PlayerUpdatePayload:
        """One update that recreates this player anywhere: voice, track, position, ...."""
        payload = PlayerUpdatePayload(volume=self._volume, paused=self._paused, filters=self._filters)
        voice = self.voice_state()
        if voice is not None:
            payload.voice = voice
        track = self._current
        if track is not None:
            user_data = track.user_data if json_problem(track.user_data) is None else {}
            payload.track = UpdatePlayerTrack(encoded=track.encoded, user_data=user_data or UNSET)
            payload.position = self.position
        return payload

    async def switch_node(self, node: Node) -> None:
        """Move this player to ``node``: one update there, then a DELETE on the old node.

        The new node gets everything in one request (voice, track at the
        current position, volume, filters, paused) and is routed this guild's
        events before that request goes out, so a track that fails to start
        there advances the queue as usual. The old node, when it can be
        reached, is then told to destroy its copy; at no moment do two nodes
        play the guild. Emits [PlayersMoved][voltricx.events.PlayersMoved]
        with reason ``"switch"``. Waits for a move or command of this guild
        already in flight. Raises [PlayerError][voltricx.PlayerError] for a
        destroyed player or when it already is on ``node`` (as wavelink does),
        and [NodeError][voltricx.NodeError] when ``node`` is not connected.
        """
        if self._destroyed:
            raise PlayerError(f"the player of guild {self.guild_id} was destroyed")
        if node is self.node:
            raise PlayerError(
                f"the player of guild {self.guild_id} already is on node {node.identifier!r}; "
                "pass another node"
            )
        await self._owner.switch(cast("Player", self), node)

    async def migrate(self, node: Node) -> None:
        """Deprecated alias of [switch_node][voltricx.player.Player.switch_node]."""
        warnings.warn(
            "Player.migrate is deprecated; use Player.switch_node", DeprecationWarning, stacklevel=2
        )
        await self.switch_node(node)

    def placed(
        self, node: Node, payload: PlayerUpdatePayload, position: int, response: PlayerPayload
    ) -> None:
        """The pool rebuilt this player on ``node`` from ``payload``; adopt the node's answer.

        Called by the pool's placement owner after a move; bots use
        [switch_node()][voltricx.player.Player.switch_node].
        """
        self.node = node
        self._sent_voice = payload.voice if isinstance(payload.voice, VoiceState) else None
        self._position = position
        self._updated_at = time.monotonic()
        self._volume = response.volume
        self._paused = response.paused
        sent = payload.track
        current = self._current
        if (
            response.track is None
            and isinstance(sent, UpdatePlayerTrack)
            and current is not None
            and current.encoded == sent.encoded
        ):
            # The node does not play it (it failed to start there): never claim it does.
            # The node's TrackEnd, whenever it comes, advances the queue.
            self._current = None
            self.arm_idle()
        self._finish_connect(None)

    def resync(self, remote: PlayerPayload) -> None:
        """Adopt the node's copy of this player (after a resumed session); the pool calls this."""
        local = self._current
        same = local is not None and remote.track is not None and local.encoded == remote.track.encoded
        self._current = local if same else remote.track
        self._paused = remote.paused
        self._volume = remote.volume
        self._filters = remote.filters
        self._filters_obj = None
        self.on_player_update(remote.state)

    def freeze_position(self) -> None:
        """Stop advancing the position: the node is gone, so the audio stopped; the pool calls this."""
        self._position = self.position
        self._updated_at = 0.0
