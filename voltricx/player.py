"""``Player``: one guild's playback on a node, independent of any Discord library.

The adapter feeds Discord's voice events into :meth:`Player.on_voice_state`
and :meth:`Player.on_voice_server`, in any order and as often as they come.
The player sends the node one voice update once session id, token, a
non-null endpoint and the channel id are all known, and again whenever
one of them changes. Everything the node needs to rebuild the player
(voice, track, position, volume, filters, paused) is kept here, so a
failover can recreate it on another node in one request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Protocol

from msgspec import UNSET

from voltricx._state import runtime
from voltricx.enums import NodeStatus
from voltricx.errors import PlayerError, VoltricxError
from voltricx.events import (
    PlayerDestroyed,
    PluginEvent,
    TrackEnd,
    TrackException,
    TrackStart,
    TrackStuck,
    VoiceClosed,
)
from voltricx.models.filters import FiltersPayload
from voltricx.models.player import (
    PlayerPayload,
    PlayerState,
    PlayerUpdatePayload,
    UpdatePlayerTrack,
    VoiceState,
)
from voltricx.models.track import Track
from voltricx.models.ws import (
    EventPayload,
    TrackEndEvent,
    TrackExceptionEvent,
    TrackStartEvent,
    TrackStuckEvent,
    WebSocketClosedEvent,
)
from voltricx.rest import validate_snowflake
from voltricx.selection import best_node

if TYPE_CHECKING:
    from voltricx.node import Node

__all__ = ["Player", "SupportsPayload"]

_log = logging.getLogger("voltricx.player")


class SupportsPayload(Protocol):
    """Anything that can produce a wire filters payload (``voltricx.Filters`` does)."""

    def to_payload(self) -> FiltersPayload:
        """The wire form."""
        ...


class Player:
    """Playback in one guild.

    Create one by joining a voice channel through your library's adapter
    (``channel.connect(cls=voltricx.adapters.discordpy.Player)``,
    ``voltricx.adapters.hikari.join(...)``) or, framework-neutral, with
    ``player = voltricx.Player(guild_id)`` and ``await player.connect(channel_id)``.

    Attributes:
        guild_id: The guild this player plays in.
        channel_id: The voice channel the bot is in (``None`` before joining).
        node: The node the player lives on (changes on failover).
        home: Any object you like, usually the text channel for messages; kept
            across failover.
    """

    __slots__ = (
        "__weakref__",
        "_connect_waiter",
        "_current",
        "_destroyed",
        "_filters",
        "_migration_failures",
        "_paused",
        "_ping",
        "_position",
        "_preferred_region",
        "_sent_voice",
        "_updated_at",
        "_voice_connected",
        "_voice_endpoint",
        "_voice_session",
        "_voice_task",
        "_voice_token",
        "_volume",
        "channel_id",
        "guild_id",
        "home",
        "node",
    )

    def __init__(self, guild_id: int, *, node: Node | None = None, region: str | None = None) -> None:
        validate_snowflake(guild_id)
        self.guild_id = int(guild_id)
        self.channel_id: int | None = None
        self.home: Any = None
        self.node: Node = node or best_node(runtime.nodes.values(), region=region)
        self._preferred_region = region
        self._voice_session: str | None = None
        self._voice_token: str | None = None
        self._voice_endpoint: str | None = None
        self._sent_voice: VoiceState | None = None
        self._voice_task: asyncio.Task[None] | None = None
        self._connect_waiter: asyncio.Future[None] | None = None
        self._current: Track | None = None
        self._paused = False
        self._volume = 100
        self._filters: FiltersPayload = FiltersPayload()
        self._position = 0
        self._updated_at = 0.0
        self._ping = -1
        self._voice_connected = False
        self._destroyed = False
        self._migration_failures = 0

    def __repr__(self) -> str:
        return (
            f"<Player guild_id={self.guild_id} channel_id={self.channel_id} "
            f"node={self.node.identifier!r} playing={self.playing}>"
        )

    # -- state -----------------------------------------------------------------------

    @property
    def current(self) -> Track | None:
        """The track playing now (or paused), if any."""
        return self._current

    @property
    def playing(self) -> bool:
        """True when a track is loaded and not paused."""
        return self._current is not None and not self._paused

    @property
    def paused(self) -> bool:
        """True when paused."""
        return self._paused

    @property
    def volume(self) -> int:
        """Player volume, 0-1000 (100 is unchanged)."""
        return self._volume

    @property
    def filters(self) -> FiltersPayload:
        """The filter set last sent to the node."""
        return self._filters

    @property
    def ping(self) -> int:
        """Milliseconds from the node to Discord's voice server (-1 when not connected)."""
        return self._ping

    @property
    def connected(self) -> bool:
        """True when the node reports its voice connection open."""
        return self._voice_connected

    @property
    def region(self) -> str | None:
        """Region this player prefers: the one asked for, else its node's."""
        return self._preferred_region or self.node.region

    @property
    def position(self) -> int:
        """Playback position in ms, interpolated since the last update and clamped to the track."""
        track = self._current
        if track is None:
            return 0
        position = self._position
        if not self._paused and self._updated_at:
            position += int((time.monotonic() - self._updated_at) * 1000)
        if not track.info.is_stream:
            position = min(position, track.info.length)
        return max(position, 0)

    def voice_state(self) -> VoiceState | None:
        """The complete voice credentials, or ``None`` while a piece is missing."""
        if (
            self._voice_session
            and self._voice_token
            and self._voice_endpoint
            and self.channel_id is not None
        ):
            return VoiceState(
                token=self._voice_token,
                endpoint=self._voice_endpoint,
                session_id=self._voice_session,
                channel_id=str(self.channel_id),
            )
        return None

    # -- voice (fed by the adapter) ------------------------------------------------------

    def on_voice_state(self, *, session_id: str | None, channel_id: int | str | None) -> None:
        """The bot's own VOICE_STATE_UPDATE for this guild.

        ``channel_id`` ``None`` means the bot left or was disconnected by
        someone: the player is destroyed on the node and cleaned up.
        """
        if self._destroyed:
            return
        if channel_id is None:
            runtime.tasks.spawn(self._abandon("disconnected"), name=f"player {self.guild_id} kicked")
            return
        self.channel_id = int(channel_id)
        if session_id:
            self._voice_session = session_id
        self._voice_changed()

    def on_voice_server(self, *, token: str, endpoint: str | None) -> None:
        """The VOICE_SERVER_UPDATE for this guild. ``endpoint`` ``None``: Discord is reallocating."""
        if self._destroyed:
            return
        if endpoint is None:
            _log.debug("guild %s: voice server is being reallocated; waiting", self.guild_id)
            self._voice_endpoint = None
            return
        self._voice_token = token
        self._voice_endpoint = endpoint
        self._voice_changed()

    def _voice_changed(self) -> None:
        voice = self.voice_state()
        if voice is None or voice == self._sent_voice:
            return
        task = self._voice_task
        if task is None or task.done():
            self._voice_task = runtime.tasks.spawn(
                self._send_voice(), name=f"player {self.guild_id} voice"
            )

    async def _send_voice(self) -> None:
        # One sender per guild; it loops until the node has the latest credentials.
        while not self._destroyed:
            voice = self.voice_state()
            if voice is None or voice == self._sent_voice:
                return
            if self.node.status is not NodeStatus.CONNECTED:
                return  # failover or resync sends it with everything else
            try:
                await self._patch(PlayerUpdatePayload(voice=voice))
            except VoltricxError as exc:
                _log.warning("guild %s: sending voice to node failed: %s", self.guild_id, exc)
                self._finish_connect(exc)
                return
            self._sent_voice = voice
            self._finish_connect(None)

    def _finish_connect(self, error: BaseException | None) -> None:
        waiter = self._connect_waiter
        if waiter is not None and not waiter.done():
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    async def connect(
        self,
        channel_id: int,
        *,
        timeout: float = 30.0,
        self_deaf: bool = False,
        self_mute: bool = False,
    ) -> None:
        """Join ``channel_id`` and wait until the node has the voice credentials."""
        gateway = runtime.require_gateway()
        existing = runtime.players.get(self.guild_id)
        if existing is not None and existing is not self:
            raise PlayerError(f"guild {self.guild_id} already has a player; disconnect it first")
        runtime.players[self.guild_id] = self
        self.node.players[self.guild_id] = self
        self._connect_waiter = asyncio.get_running_loop().create_future()
        try:
            await gateway.join(self.guild_id, int(channel_id), self_deaf=self_deaf, self_mute=self_mute)
            async with asyncio.timeout(timeout):
                await self._connect_waiter
        except TimeoutError:
            await self._abandon("connect_timeout")
            raise PlayerError(
                f"no voice credentials for guild {self.guild_id} within {timeout:g}s; check the "
                "bot's voice permissions and the voice states intent"
            ) from None
        except BaseException:
            await self._abandon("connect_failed")
            raise
        finally:
            self._connect_waiter = None

    async def move_to(self, channel_id: int | None) -> None:
        """Move to another voice channel (``None`` disconnects)."""
        if channel_id is None:
            await self.disconnect()
            return
        await runtime.require_gateway().join(self.guild_id, int(channel_id))

    async def disconnect(self) -> None:
        """Leave voice, destroy the player on its node and forget it."""
        if self._destroyed:
            return
        gateway = runtime.gateway
        if gateway is not None:
            try:
                await gateway.leave(self.guild_id)
            except Exception:
                _log.exception("guild %s: leaving voice failed", self.guild_id)
        await self._abandon("left")

    async def _abandon(self, reason: str) -> None:
        """Destroy on the node (best effort, only a connected one) and clean up locally."""
        if self._destroyed:
            return
        self._destroyed = True
        node = self.node
        if node.players.get(self.guild_id) is self:
            del node.players[self.guild_id]
        if runtime.players.get(self.guild_id) is self:
            del runtime.players[self.guild_id]
        runtime.parked.pop(self.guild_id, None)
        if node.status is NodeStatus.CONNECTED and node.session_id is not None:
            try:
                await node.rest.destroy_player(node.session_id, self.guild_id)
            except VoltricxError as exc:
                _log.debug("guild %s: destroy on node failed: %s", self.guild_id, exc)
        self._current = None
        runtime.emit(PlayerDestroyed(self, reason))

    # -- playback --------------------------------------------------------------------

    async def _patch(self, payload: PlayerUpdatePayload, *, no_replace: bool = False) -> PlayerPayload:
        if self._destroyed:
            raise PlayerError(f"the player of guild {self.guild_id} was destroyed")
        node = self.node
        return await node.rest.update_player(
            node.require_session(), self.guild_id, payload, no_replace=no_replace
        )

    async def play(
        self,
        track: Track,
        *,
        start: int = 0,
        end: int | None = None,
        volume: int | None = None,
        paused: bool = False,
        replace: bool = True,
    ) -> Track:
        """Play ``track`` from ``start`` ms (until ``end`` ms when given)."""
        payload = PlayerUpdatePayload(
            track=UpdatePlayerTrack(encoded=track.encoded, user_data=track.user_data or UNSET),
            position=start,
            paused=paused,
        )
        if end is not None:
            payload.end_time = end
        if volume is not None:
            payload.volume = self._check_volume(volume)
        voice = self.voice_state()
        if voice is not None and voice != self._sent_voice:
            payload.voice = voice
        response = await self._patch(payload, no_replace=not replace)
        if replace or self._current is None:
            self._current = response.track or track
            self._position = start
            self._updated_at = time.monotonic()
        self._paused = response.paused
        self._volume = response.volume
        if voice is not None:
            self._sent_voice = voice
        return self._current or track

    async def pause(self, value: bool = True) -> None:
        """Pause (``True``) or resume (``False``)."""
        position = self.position
        await self._patch(PlayerUpdatePayload(paused=value))
        self._position = position
        self._updated_at = time.monotonic()
        self._paused = value

    async def resume(self) -> None:
        """Resume playback."""
        await self.pause(False)

    async def seek(self, position: int) -> None:
        """Jump to ``position`` ms in the current track."""
        if self._current is None:
            raise PlayerError("nothing is playing; there is nothing to seek in")
        position = max(0, int(position))
        await self._patch(PlayerUpdatePayload(position=position))
        self._position = position
        self._updated_at = time.monotonic()

    @staticmethod
    def _check_volume(volume: int) -> int:
        if not 0 <= volume <= 1000:
            raise PlayerError(f"volume must be between 0 and 1000, got {volume}")
        return int(volume)

    async def set_volume(self, volume: int) -> None:
        """Set the volume, 0-1000 (100 is unchanged)."""
        response = await self._patch(PlayerUpdatePayload(volume=self._check_volume(volume)))
        self._volume = response.volume

    async def set_filters(self, filters: FiltersPayload | SupportsPayload, *, seek: bool = False) -> None:
        """Replace the whole filter set; ``seek=True`` re-seeks so it applies at once."""
        payload = filters if isinstance(filters, FiltersPayload) else filters.to_payload()
        body = PlayerUpdatePayload(filters=payload)
        if seek and self._current is not None:
            body.position = self.position
        await self._patch(body)
        self._filters = payload

    async def stop(self) -> None:
        """Stop the current track (the node reports it ended with reason ``stopped``)."""
        await self._patch(PlayerUpdatePayload(track=UpdatePlayerTrack(encoded=None)))
        self._current = None

    # -- failover and resume ------------------------------------------------------------

    def rebuild_payload(self) -> PlayerUpdatePayload:
        """One update that recreates this player anywhere: voice, track, position, ...."""
        payload = PlayerUpdatePayload(volume=self._volume, paused=self._paused, filters=self._filters)
        voice = self.voice_state()
        if voice is not None:
            payload.voice = voice
        track = self._current
        if track is not None:
            payload.track = UpdatePlayerTrack(encoded=track.encoded, user_data=track.user_data or UNSET)
            payload.position = self.position
        return payload

    async def migrate(self, node: Node) -> None:
        """Rebuild this player on ``node`` with one update, then make it the player's node."""
        position = self.position
        payload = self.rebuild_payload()
        session = node.require_session()
        response = await node.rest.update_player(session, self.guild_id, payload)
        old = self.node
        if old is not node and old.players.get(self.guild_id) is self:
            del old.players[self.guild_id]
        node.players[self.guild_id] = self
        self.node = node
        self._sent_voice = payload.voice if isinstance(payload.voice, VoiceState) else None
        self._position = position
        self._updated_at = time.monotonic()
        self._volume = response.volume
        self._paused = response.paused
        self._finish_connect(None)

    def _resync(self, remote: PlayerPayload) -> None:
        """Adopt the node's copy after a resume."""
        self._current = remote.track
        self._paused = remote.paused
        self._volume = remote.volume
        self._filters = remote.filters
        self._on_state(remote.state)

    def _freeze(self) -> None:
        """Stop interpolating: the node is gone, so the audio stopped here."""
        self._position = self.position
        self._updated_at = 0.0

    # -- node messages ---------------------------------------------------------------

    def _on_state(self, state: PlayerState) -> None:
        self._position = state.position
        self._updated_at = time.monotonic()
        self._voice_connected = state.connected
        self._ping = state.ping

    def _on_event(self, event: EventPayload) -> None:
        if isinstance(event, TrackStartEvent):
            current = self._current
            if current is None or current.encoded != event.track.encoded:
                # Started by the node itself (not by our play()): it starts from 0.
                self._position = 0
                self._updated_at = time.monotonic()
            self._current = event.track
            runtime.emit(TrackStart(self, event.track))
        elif isinstance(event, TrackEndEvent):
            current = self._current
            if current is not None and current.encoded == event.track.encoded and event.reason != "replaced":
                self._current = None
            runtime.emit(TrackEnd(self, event.track, event.reason))
        elif isinstance(event, TrackExceptionEvent):
            runtime.emit(TrackException(self, event.track, event.exception))
        elif isinstance(event, TrackStuckEvent):
            runtime.emit(TrackStuck(self, event.track, event.threshold_ms))
        elif isinstance(event, WebSocketClosedEvent):
            self._voice_connected = False
            runtime.emit(VoiceClosed(self, event.code, event.reason, event.by_remote))
        else:
            runtime.emit(PluginEvent(self.node, self, event.type, event.raw))
