"""Node messages of a [Player][voltricx.Player]: the node's frames turned into events.

The node's supervisor reads each websocket frame, finds the guild's player in
its registry and hands the frame here:
[on_player_update()][voltricx.player.Player.on_player_update] for the
periodic position report and
[on_node_event()][voltricx.player.Player.on_node_event] for track and voice
events. This room updates the player's state from the frame, emits the typed
[Event][voltricx.events.Event] to the pool's sink (from there to the bot's
library listeners), and starts auto-advance or the idle countdown.

[NodeMessages][voltricx._player_events.NodeMessages] is a mixin of
``Player``: it holds no state of its own.
"""

from __future__ import annotations

import time
from time import monotonic as _monotonic
from typing import TYPE_CHECKING, cast

from voltricx._idle import idle_scheduler
from voltricx.enums import AutoPlayMode
from voltricx.events import (
    PlayerUpdate,
    PluginEvent,
    TrackEnd,
    TrackException,
    TrackStart,
    TrackStuck,
    VoiceClosed,
)
from voltricx.models.ws import (
    EventPayload,
    TrackEndEvent,
    TrackExceptionEvent,
    TrackStartEvent,
    TrackStuckEvent,
    UnknownEvent,
    WebSocketClosedEvent,
)
from voltricx.plugins._events import plugin_event

if TYPE_CHECKING:
    from voltricx.models.player import PlayerState
    from voltricx.models.track import Track
    from voltricx.node import Node
    from voltricx.player import Player, PlayerOwner

__all__ = ["NodeMessages"]


class NodeMessages:
    """Mixin of ``Player``: node frames in, typed events out."""

    __slots__ = ()

    guild_id: int
    node: Node
    _owner: PlayerOwner
    _destroyed: bool
    _current: Track | None
    _sent_track: Track | None
    _replaced: Track | None
    _position: int
    _updated_at: float
    _inactive_fired: bool
    _play_seq: int
    _autoplay: AutoPlayMode
    _voice_connected: bool
    _ping: int

    if TYPE_CHECKING:
        # Provided by Player and its other rooms.
        def _use_channel_token(self) -> None: ...
        def arm_idle(self) -> None: ...
        async def advance_after(self, ended: Track, reason: str) -> None: ...
        async def _skip_stuck(self, track: Track) -> None: ...

    def on_player_update(self, state: PlayerState) -> None:
        """The node's ``playerUpdate`` for this guild (position, ping, voice connected); the node calls this."""
        # The most frequent frame: no call or allocation here unless a sink listens.
        self._position = state.position
        self._updated_at = _monotonic()
        self._voice_connected = state.connected
        self._ping = state.ping
        owner = self._owner
        if owner.sink is not None:
            owner.emit(PlayerUpdate(cast("Player", self), state))

    def on_node_event(self, event: EventPayload) -> None:
        """A node ``event`` frame for this guild (track start and end, stuck, voice closed, plugin); the node calls this."""
        player = cast("Player", self)
        if isinstance(event, TrackStartEvent):
            current = self._current
            sent, self._sent_track = self._sent_track, None
            original: Track | None = None
            if current is not None and current.encoded == event.track.encoded:
                original = current
            else:
                # Started before play() got its answer, or by the node itself: from 0.
                self._position = 0
                self._updated_at = time.monotonic()
                if sent is not None and sent.encoded == event.track.encoded:
                    original = sent
                self._current = original or event.track
            if original is not None:
                # The node's copy carries what the bot put on the object it played.
                if original.playlist is not None:
                    event.track.playlist = original.playlist
                event.track.recommended = original.recommended
                event.track.requester = original.requester
            if self._inactive_fired:
                self._inactive_fired = False
            idle_scheduler.disarm(player)
            self._owner.emit(TrackStart(player, event.track, original))
            self._use_channel_token()
        elif isinstance(event, TrackEndEvent):
            current = self._current
            ended: Track | None = None
            if current is not None and current.encoded == event.track.encoded:
                ended = current
            elif self._replaced is not None and self._replaced.encoded == event.track.encoded:
                ended = self._replaced
            if ended is not None:
                event.track.requester = ended.requester
                event.track.recommended = ended.recommended
            self._replaced = None
            if event.reason != "replaced":
                # Invalidates a play() of this track still waiting for its answer.
                self._play_seq += 1
                if current is not None and current.encoded == event.track.encoded:
                    self._current = None
            end = TrackEnd(player, event.track, event.reason, ended)
            self._owner.emit(end)
            if self._current is not None or self._destroyed:
                return
            if end.may_start_next and self._autoplay is not AutoPlayMode.DISABLED:
                self._owner.tasks.spawn(
                    self.advance_after(event.track, event.reason),
                    name=f"player {self.guild_id} advance",
                )
            else:
                self.arm_idle()
        elif isinstance(event, TrackExceptionEvent):
            self._owner.emit(TrackException(player, event.track, event.exception))
        elif isinstance(event, TrackStuckEvent):
            self._owner.emit(TrackStuck(player, event.track, event.threshold_ms))
            if self._autoplay is not AutoPlayMode.DISABLED:
                self._owner.tasks.spawn(
                    self._skip_stuck(event.track), name=f"player {self.guild_id} stuck"
                )
        elif isinstance(event, WebSocketClosedEvent):
            self._voice_connected = False
            self._owner.emit(VoiceClosed(player, event.code, event.reason, event.by_remote))
        elif isinstance(event, UnknownEvent):  # pyright: ignore[reportUnnecessaryIsInstance]
            typed = plugin_event(player, event)
            self._owner.emit(
                typed
                if typed is not None
                else PluginEvent(self.node, player, event.type, event.raw)
            )
