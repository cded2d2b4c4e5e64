"""``Player``: one guild's playback on a node, independent of any Discord library.

Voice
-----
The adapter feeds Discord's voice events into [`Player.on_voice_state()`][voltricx.player.Player.on_voice_state]
and [`Player.on_voice_server()`][voltricx.player.Player.on_voice_server], in any order and as often as they come.
The player sends the node one voice update once session id, token, a
non-null endpoint and the channel id are all known, and again whenever
one of them changes (a move, a new voice server). A ``null`` endpoint means
Discord is reallocating the voice server: the player waits for the next
update. A state update with no channel (the bot was disconnected by someone
else) destroys the player on the node and locally, emitting
[`PlayerDestroyed`][voltricx.events.PlayerDestroyed] with reason ``kicked``; with
``player.auto_rejoin = True`` the player joins the same channel again instead.

Playback and the queue
----------------------
[`Player.queue`][voltricx.player.Player.queue] is a [`Queue`][voltricx.Queue]. When a track ends with
``may_start_next`` (finished, or failed to load), the player plays the next
track from the queue, honouring its loop mode, unless [`Player.autoplay`][voltricx.player.Player.autoplay]
is ``disabled``. With ``enabled`` it also recommends tracks when the queue
runs dry (see `voltricx.autoplay`). A track that fails
[`MAX_TRACK_ATTEMPTS`][voltricx.player.MAX_TRACK_ATTEMPTS] times in a row is skipped even in ``loop`` mode,
and after [`MAX_FAILURE_STREAK`][voltricx.player.MAX_FAILURE_STREAK] failed tracks in a row without one
playing through, auto-advance stops until something plays again. A stuck
track (no audio for the node's threshold) is skipped.

Inactivity
----------
When nothing plays (no track loaded; a paused track counts as playing, as
in wavelink) for [`Player.inactive_timeout`][voltricx.player.Player.inactive_timeout]
seconds, the player emits [`InactivePlayer`][voltricx.events.InactivePlayer] once; the
bot decides what to do. The countdown starts again every time playback
stops again. Separately, [`Player.inactive_channel_tokens`][voltricx.player.Player.inactive_channel_tokens]
counts track starts with no human in the voice channel. Idle players share one
timer on the event loop; a player owns no task or timer of its own.

Failover and moves
------------------
Everything the node needs to rebuild the player (voice, track, position,
volume, filters, paused) is kept here, so [`Player.switch_node()`][voltricx.player.Player.switch_node]
(and failover, drain, move back home) can recreate it on another node in one
request. Moves and commands of one guild take turns through the player's
owner (the pool), so a move never races a ``play`` or a destroy.

Rooms
-----
``Player`` is assembled from mixins, one idea each, that hold no state of
their own: the voice handshake (``voltricx._player_voice``), auto-advance
(``voltricx._player_advance``), node messages to events
(``voltricx._player_events``), inactivity (``voltricx._player_idle``) and
placement: moves, resync, snapshot and restore (``voltricx._player_placement``).
This module keeps the player's state and its playback commands (``play``,
``pause``, ``seek``, ``set_filters``, ``skip``, joining and leaving). It is
over 500 lines because that is one idea, the player's public surface, and
most of its lines are the docstrings of those commands and properties.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from msgspec import UNSET, UnsetType

from voltricx._idle import idle_scheduler
from voltricx._player_advance import MAX_FAILURE_STREAK, MAX_TRACK_ATTEMPTS, AutoAdvance
from voltricx._player_events import NodeMessages
from voltricx._player_idle import DEFAULT_INACTIVE_CHANNEL_TOKENS, USE_NODE_TIMEOUT, Inactivity
from voltricx._player_placement import Placement, PlaybackSnapshot
from voltricx._player_voice import VoiceHandshake
from voltricx._state import runtime_of as _owner_of
from voltricx._tasks import TaskTracker
from voltricx.enums import AutoPlayMode
from voltricx.errors import (
    FilterError,
    InvalidArgument,
    LavalinkHTTPError,
    PlayerError,
    WrongTypeError,
)
from voltricx.events import (
    Event,
    EventSink,
)
from voltricx.extras import check_json
from voltricx.filters import Filters
from voltricx.gateway import VoiceGateway
from voltricx.models.filters import FiltersPayload
from voltricx.models.player import (
    PlayerPayload,
    PlayerUpdatePayload,
    UpdatePlayerTrack,
    VoiceState,
)
from voltricx.models.track import Track
from voltricx.queue import Queue
from voltricx.rest import validate_snowflake

if TYPE_CHECKING:
    from voltricx.node import Node

__all__ = ["MAX_FAILURE_STREAK", "MAX_TRACK_ATTEMPTS", "PlaybackSnapshot", "Player", "PlayerOwner", "SupportsPayload"]

_log = logging.getLogger("voltricx.player")

_NO_FILTERS = FiltersPayload()


def _milliseconds(value: object, what: str) -> int:
    """A position or time in ms as an int; refuses non-numbers, NaN and infinities."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WrongTypeError(f"{what} must be a number of milliseconds, not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgument(f"{what} must be a finite number of milliseconds, got {value!r}")
    return int(value)


class SupportsPayload(Protocol):
    """Anything that can produce a wire filters payload (``voltricx.Filters`` does)."""

    def to_payload(self) -> FiltersPayload:
        """The wire form."""
        ...


class PlayerOwner(Protocol):
    """What a player reports to and asks (the pool's runtime).

    The owner is the only writer of where players live (``node.players``,
    the pool's player map); the player asks it to attach, move and release
    it, and takes its guild's turn (`placement`) for every request.
    """

    @property
    def gateway(self) -> VoiceGateway | None:
        """The adapter, once the pool is connected."""
        ...

    @property
    def sink(self) -> EventSink | None:
        """Where events go, once the pool is connected."""
        ...

    @property
    def tasks(self) -> TaskTracker:
        """Background tasks of the pool (cancelled on close)."""
        ...

    def emit(self, event: Event) -> None:
        """Deliver an event to the user's sink."""
        ...

    def require_gateway(self) -> VoiceGateway:
        """The adapter, or a clear error before ``Pool.connect``."""
        ...

    def choose_node(self, region: str | None = None) -> Node:
        """The best connected node (``region`` preferred)."""
        ...

    def get_player(self, guild_id: int) -> Player | None:
        """The live player of ``guild_id``."""
        ...

    def attach(self, player: Player) -> None:
        """Make ``player`` its guild's player, held by ``player.node``."""
        ...

    def placement(self, guild_id: int) -> AbstractAsyncContextManager[None]:
        """The guild's turn: held by every placement change and every request."""
        ...

    async def switch(self, player: Player, node: Node, *, reason: str = "switch") -> None:
        """Move ``player`` to ``node`` in its guild's turn."""
        ...

    async def release(self, player: Player, reason: str) -> None:
        """Forget ``player`` everywhere and delete it where it lives, then emit ``PlayerDestroyed``."""
        ...


class Player(VoiceHandshake, Inactivity, AutoAdvance, NodeMessages, Placement):
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
        "__dict__",
        "__weakref__",
        "_auto_queue",
        "_autoplay",
        "_connect_waiter",
        "_current",
        "_filters",
        "_filters_obj",
        "_owner",
        "_paused",
        "_ping",
        "_play_seq",
        "_position",
        "_preferred_region",
        "_queue",
        "_replaced",
        "_sent_track",
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

    # Rarely changed state lives on the class as defaults, not in slots: an
    # idle player is 8 bytes smaller per field, and the few players that
    # change one (an override, a failed track, leaving) store it in their
    # ``__dict__``. Hot paths write these only when the value changes.
    auto_rejoin: bool = False
    """Join the same channel again when someone else disconnects the bot (default ``False``)."""
    _destroyed: bool = False
    _leaving: bool = False
    _region_given: bool = False
    _inactive_timeout: float | None = USE_NODE_TIMEOUT
    _inactive_channel_limit: int | None = DEFAULT_INACTIVE_CHANNEL_TOKENS
    _inactive_channel_count: int = DEFAULT_INACTIVE_CHANNEL_TOKENS
    _inactive_fired: bool = False
    _alone_fired: bool = False
    _fail_encoded: str | None = None
    _fail_count: int = 0
    _fail_streak: int = 0

    def __init__(
        self,
        guild_id: int,
        *wrong: Any,
        node: Node | None = None,
        region: str | None = None,
        owner: PlayerOwner | None = None,
    ) -> None:
        if wrong:
            raise WrongTypeError(
                "voltricx.Player takes one positional argument, the guild id (node= and region= "
                "are keywords); for channel.connect(cls=...) pass your library's adapter player: "
                "voltricx.adapters.discordpy.Player, voltricx.adapters.nextcord.Player or "
                "voltricx.adapters.disnake.Player (hikari: voltricx.adapters.hikari.join)"
            )
        validate_snowflake(guild_id)
        self.guild_id: int = int(guild_id)
        self.channel_id: int | None = None
        self.home: Any = None
        self._owner: PlayerOwner = owner if owner is not None else _owner_of(node)
        self.node: Node = node or self._owner.choose_node(region)
        self._preferred_region = region if region is not None else self.node.region
        if region is not None:
            self._region_given = True
        self._voice_session: str | None = None
        self._voice_token: str | None = None
        self._voice_endpoint: str | None = None
        self._sent_voice: VoiceState | None = None
        self._sent_track: Track | None = None
        self._replaced: Track | None = None
        self._voice_task: asyncio.Task[None] | None = None
        self._connect_waiter: asyncio.Future[None] | None = None
        self._current: Track | None = None
        self._paused = False
        self._volume = 100
        self._filters: FiltersPayload = _NO_FILTERS
        self._filters_obj: Filters | None = None
        self._position = 0
        self._updated_at = 0.0
        self._ping = -1
        self._voice_connected = False
        self._queue: Queue | None = None
        self._auto_queue: Queue | None = None
        self._autoplay = AutoPlayMode.DISABLED
        self._play_seq = 0

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
        """True while a track is loaded, paused or not (as in wavelink).

        ``playing and not paused`` is "audio is going out now".
        """
        return self._current is not None

    @property
    def paused(self) -> bool:
        """True when paused."""
        return self._paused

    @property
    def volume(self) -> int:
        """Player volume, 0-1000 (100 is unchanged)."""
        return self._volume

    @property
    def filters(self) -> Filters:
        """The player's filters as a [`Filters`][voltricx.Filters] builder.

        Change it and call [`set_filters()`][voltricx.player.Player.set_filters] (with no argument) to apply,
        or pass another [`Filters`][voltricx.Filters] to [`set_filters()`][voltricx.player.Player.set_filters].
        """
        built = self._filters_obj
        if built is None:
            try:
                built = Filters.from_payload(self._filters)
            except FilterError as exc:
                _log.warning("guild %s: node filters outside voltricx ranges (%s)", self.guild_id, exc)
                built = Filters()
            self._filters_obj = built
        return built

    @property
    def filters_payload(self) -> FiltersPayload:
        """The filter set last sent to (or reported by) the node, in wire form."""
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
    def destroyed(self) -> bool:
        """True once the player was destroyed (left, kicked, closed); it cannot be reused."""
        return self._destroyed

    @property
    def region(self) -> str | None:
        """Region this player prefers; it stays the player's own through every move.

        The one asked for (``region=``), else the one of the Discord voice
        server (see [voltricx.regions][voltricx.regions]), else the region
        of the node it first joined.
        """
        return self._preferred_region

    @property
    def position(self) -> int:
        """Playback position in ms, interpolated since the last update.

        Clamped to the track's length when it is known; a track of unknown
        length (``-1``) keeps whatever the node reported, interpolated.
        """
        track = self._current
        if track is None:
            return 0
        position = self._position
        if not self._paused and self._updated_at:
            position += int((time.monotonic() - self._updated_at) * 1000)
        length = track.info.length
        if not track.info.is_stream and length >= 0:
            # A track of unknown length (-1, e.g. NodeLink's http source) is never clamped.
            position = min(position, length)
        return max(position, 0)

    @property
    def queue(self) -> Queue:
        """Upcoming tracks, history and loop mode (created on first use)."""
        queue = self._queue
        if queue is None:
            queue = self._queue = Queue()
        return queue

    @queue.setter
    def queue(self, value: Queue) -> None:
        if not isinstance(value, Queue):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise WrongTypeError(
                f"player.queue must be a voltricx.Queue, not {type(value).__name__}; "
                "use player.queue = voltricx.Queue(tracks) or player.queue.put(tracks)"
            )
        self._queue = value

    @property
    def auto_queue(self) -> Queue:
        """Tracks autoplay recommended and has not played yet (created on first use)."""
        queue = self._auto_queue
        if queue is None:
            queue = self._auto_queue = Queue(history_limit=0)
        return queue

    @property
    def autoplay(self) -> AutoPlayMode:
        """What happens when a track ends: see [`AutoPlayMode`][voltricx.AutoPlayMode].

        ``enabled``: play the next queued track, and recommend tracks when the
        queue runs dry. ``partial``: play the next queued track only.
        ``disabled`` (the default, as in wavelink): do nothing; the bot handles
        ``TrackEnd`` itself.
        """
        return self._autoplay

    @autoplay.setter
    def autoplay(self, value: AutoPlayMode | str) -> None:
        try:
            self._autoplay = AutoPlayMode(value)
        except ValueError:
            known = ", ".join(repr(m.value) for m in AutoPlayMode)
            raise InvalidArgument(f"autoplay must be an AutoPlayMode ({known}), got {value!r}") from None

    # -- joining and leaving ----------------------------------------------------------

    async def connect(
        self,
        channel_id: int,
        *,
        timeout: float = 30.0,
        self_deaf: bool = False,
        self_mute: bool = False,
    ) -> None:
        """Join ``channel_id`` and wait until the node has the voice credentials."""
        gateway = self._owner.require_gateway()
        self._owner.attach(self)
        try:
            async with asyncio.timeout(timeout):
                await self._join_and_wait(gateway, channel_id, self_deaf=self_deaf, self_mute=self_mute)
        except TimeoutError:
            await self.destroy(reason="connect_timeout")
            raise PlayerError(
                f"no voice credentials for guild {self.guild_id} within {timeout:g}s; check the "
                "bot's voice permissions and the voice states intent"
            ) from None
        except BaseException:
            await self.destroy(reason="connect_failed")
            raise
        if not self.playing:
            self.arm_idle()

    async def rejoin(self) -> None:
        """Join ``channel_id`` again and wait until the node has the new voice credentials.

        For a player restored after a restart, whose voice session ended with
        the old process. Raises [PlayerError][voltricx.PlayerError] when the
        player has no channel.
        """
        if self.channel_id is None:
            raise PlayerError(f"the player of guild {self.guild_id} has no voice channel to rejoin")
        await self._join_and_wait(self._owner.require_gateway(), self.channel_id)

    async def move_to(self, channel_id: int | None) -> None:
        """Move to another voice channel (``None`` disconnects).

        The new voice state Discord sends is relayed to the node by
        [`on_voice_state()`][voltricx.player.Player.on_voice_state].
        """
        if channel_id is None:
            await self.disconnect()
            return
        channel_id = int(validate_snowflake(channel_id, "channel id"))
        if self._destroyed:
            raise PlayerError(f"the player of guild {self.guild_id} was destroyed")
        await self._owner.require_gateway().join(self.guild_id, int(channel_id))

    async def disconnect(self) -> None:
        """Leave voice, destroy the player on its node and forget it.

        The [PlayerDestroyed][voltricx.events.PlayerDestroyed] reason is
        ``inactivity`` when the player was inactive (an ``inactive_player``
        was emitted and, since then, nothing has played or, for the
        channel-token kind, no human has been seen in the channel), else ``left``.
        """
        if self._destroyed:
            return
        self._leaving = True
        gateway = self._owner.gateway
        if gateway is not None:
            try:
                await gateway.leave(self.guild_id)
            except Exception:
                _log.exception("guild %s: leaving voice failed", self.guild_id)
        inactive = self._inactive_fired or self._alone_fired
        await self.destroy(reason="inactivity" if inactive else "left")

    async def destroy(self, *, reason: str = "destroyed") -> None:
        """Destroy the player on its node (best effort, a connected node only) and forget it.

        Voice is left alone: [`disconnect()`][voltricx.player.Player.disconnect] also leaves the channel. Emits
        [`PlayerDestroyed`][voltricx.events.PlayerDestroyed] with ``reason``. Idempotent.
        A move of this player still in flight (failover, drain) is waited
        for, and the copy it created is the one deleted.
        """
        if self._destroyed:
            return
        self._destroyed = True
        idle_scheduler.disarm(self)
        self._current = None
        await self._owner.release(self, reason)

    # -- playback --------------------------------------------------------------------

    async def _patch(self, payload: PlayerUpdatePayload, *, no_replace: bool = False) -> PlayerPayload:
        if self._destroyed:
            raise PlayerError(f"the player of guild {self.guild_id} was destroyed")
        async with self._owner.placement(self.guild_id):
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
        paused: bool | None = None,
        replace: bool = True,
        add_history: bool = True,
        filters: Filters | FiltersPayload | SupportsPayload | None = None,
    ) -> Track:
        """Play ``track`` from ``start`` ms (until ``end`` ms when given).

        ``volume`` sets the player volume in the same request; ``paused=True``
        starts it paused, ``False`` playing, and ``None`` (the default, as in
        wavelink) keeps the player's current paused state. ``replace=False`` leaves a playing track alone (the
        node ignores the new one). ``add_history`` records the track in
        [`queue`][voltricx.player.Player.queue] history (``queue.mark_played``). ``filters``
        replaces the filter set in the same request (as
        [`set_filters()`][voltricx.player.Player.set_filters]). Returns the track the node
        is playing.
        """
        start = _milliseconds(start, "start")
        if end is not None:
            end = _milliseconds(end, "end")
        if volume is not None:
            volume = self._check_volume(volume)
        if start < 0:
            raise PlayerError(f"start must be >= 0 ms, got {start}")
        if end is not None and end <= start:
            raise PlayerError(f"end ({end} ms) must be after start ({start} ms)")
        if not isinstance(track, Track):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise WrongTypeError(
                f"play() takes a voltricx.Playable, not {type(track).__name__}; load one with "
                "await voltricx.Pool.fetch_tracks(query)"
            )
        check_json(track.user_data, "track.extras (user_data)")
        payload = PlayerUpdatePayload(
            track=UpdatePlayerTrack(encoded=track.encoded, user_data=track.user_data or UNSET),
            position=start,
        )
        if paused is not None:
            payload.paused = paused
        if end is not None:
            payload.end_time = end
        if volume is not None:
            payload.volume = self._check_volume(volume)
        if filters is not None:
            payload.filters = self._checked_filters(filters)
        voice = self.voice_state()
        if voice is not None and voice != self._sent_voice:
            payload.voice = voice
        was_playing = self._current is not None
        if not replace and was_playing and self.node.rest.is_nodelink:
            return await self._keep_current(payload)
        self._play_seq += 1
        seq = self._play_seq
        self._sent_track = track  # its TrackStart may come before the answer
        response = await self._patch(payload, no_replace=not replace)
        if voice is not None:
            self._sent_voice = voice
        self._volume = response.volume
        if filters is not None and isinstance(payload.filters, FiltersPayload):
            self._filters = payload.filters
            self._filters_obj = filters if isinstance(filters, Filters) else None
        started = replace or not was_playing
        if started and add_history:
            self.queue.mark_played(track)
        if seq != self._play_seq:
            # Overtaken while the request was in flight (a later play or stop, or the
            # track already ended): the events and that call decide the state.
            return response.track or track
        if started:
            # Keep the very object the bot passed (its requester and own attributes)
            # unless the node plays something else.
            playing = response.track if response.track is not None and response.track.encoded != track.encoded else track
            if playing is not track and track.playlist is not None:
                playing.playlist = track.playlist
            if self._current is not None and self._current is not playing:
                self._replaced = self._current  # its TrackEnd(replaced) may come after this answer
            self._current = playing
            self._position = start
            self._updated_at = time.monotonic()
            self._paused = response.paused
            if self._inactive_fired:
                self._inactive_fired = False
            idle_scheduler.disarm(self)
        return self._current or track

    async def _keep_current(self, payload: PlayerUpdatePayload) -> Track:
        """``play(replace=False)`` while a track plays, on a node that ignores ``noReplace``.

        NodeLink always replaces the track, so the new one is not sent at all; a volume
        or voice change in the same call still is.
        """
        current = self._current
        assert current is not None
        kept = PlayerUpdatePayload(volume=payload.volume, voice=payload.voice, filters=payload.filters)
        if not (
            isinstance(kept.volume, UnsetType)
            and isinstance(kept.voice, UnsetType)
            and isinstance(kept.filters, UnsetType)
        ):
            response = await self._patch(kept)
            if not isinstance(kept.voice, UnsetType):
                self._sent_voice = kept.voice
            if isinstance(kept.filters, FiltersPayload):
                self._filters, self._filters_obj = kept.filters, None
            self._volume = response.volume
        return self._current or current

    async def pause(self, value: bool = True) -> None:
        """Pause (``True``) or resume (``False``)."""
        position = self.position
        await self._patch(PlayerUpdatePayload(paused=value))
        self._position = position
        self._updated_at = time.monotonic()
        self._paused = value
        # As in wavelink, a paused track counts as playing: only "nothing loaded" is idle.
        if self._current is None:
            self.arm_idle()

    async def resume(self) -> None:
        """Resume playback."""
        await self.pause(False)

    async def seek(self, position: int = 0) -> None:
        """Jump to ``position`` ms in the current track (default: its start).

        As in wavelink, nothing happens when no track is loaded.
        """
        position = _milliseconds(position, "position")
        track = self._current
        if track is None:
            return
        if not track.info.is_seekable:
            raise PlayerError(f"{track.title!r} cannot be seeked (a live stream?)")
        position = max(0, int(position))
        await self._patch(PlayerUpdatePayload(position=position))
        self._position = position
        self._updated_at = time.monotonic()

    @staticmethod
    def _check_volume(volume: object) -> int:
        if isinstance(volume, bool) or not isinstance(volume, int | float):
            raise WrongTypeError(f"volume must be a number from 0 to 1000, not {type(volume).__name__}")
        if not 0 <= volume <= 1000:
            raise PlayerError(f"volume must be between 0 and 1000, got {volume}")
        return int(volume)

    async def set_volume(self, volume: int) -> None:
        """Set the volume, 0-1000 (100 is unchanged)."""
        response = await self._patch(PlayerUpdatePayload(volume=self._check_volume(volume)))
        self._volume = response.volume

    async def set_filters(
        self, filters: Filters | FiltersPayload | SupportsPayload | None = None, *, seek: bool = False
    ) -> None:
        """Replace the whole filter set; ``seek=True`` re-seeks so it applies at once.

        Without ``filters`` (or with ``None``) every filter is turned off, as in
        wavelink; to send the player's own builder after editing it, pass it:
        ``await player.set_filters(player.filters)``. Filters the node does not
        allow (its ``/v4/info`` list) raise
        [`FilterError`][voltricx.FilterError] before anything is sent.
        """
        if filters is None:
            filters = Filters()
        payload = self._checked_filters(filters)
        body = PlayerUpdatePayload(filters=payload)
        if seek and self._current is not None:
            body.position = self.position
        await self._patch(body)
        self._filters = payload
        self._filters_obj = filters if isinstance(filters, Filters) else None

    def _checked_filters(self, filters: Filters | FiltersPayload | SupportsPayload) -> FiltersPayload:
        """The wire form of ``filters``; raises FilterError for filters the node does not allow."""
        payload = filters if isinstance(filters, FiltersPayload) else filters.to_payload()
        info = self.node.info
        if info is not None and info.filters:
            checked = filters if isinstance(filters, Filters) else Filters.from_payload(payload)
            refused = checked.unsupported(info.filters)
            if refused:
                raise FilterError(
                    f"node {self.node.identifier!r} does not allow the filter(s) {', '.join(refused)}; "
                    f"it allows: {', '.join(info.filters)}"
                )
        return payload

    async def stop(self, *, force: bool = True) -> Track | None:
        """wavelink's alias of [skip][voltricx.player.Player.skip]: play the next track, or stop when there is none.

        To stop without advancing, clear the queue first (``player.queue.clear()``)
        or pause. Returns the track that was playing.
        """
        return await self.skip(force=force)

    async def _stop_track(self) -> None:
        """Stop the current track (the node reports it ended with reason ``stopped``); no advance."""
        self._play_seq += 1
        try:
            await self._patch(PlayerUpdatePayload(track=UpdatePlayerTrack(encoded=None)))
        except LavalinkHTTPError as exc:
            # NodeLink answers 400 ("The player is not playing.") when there is nothing to
            # stop; Lavalink never refuses this payload. Either way nothing plays now.
            if exc.status != 400:
                raise
            _log.debug("guild %s: node had nothing to stop (%s)", self.guild_id, exc)
        self._current = None
        self.arm_idle()

    async def skip(self, *, force: bool = True) -> Track | None:
        """Stop the current track and, unless [autoplay][voltricx.player.Player.autoplay] is ``disabled``, play the next.

        As in wavelink, the queue advances through autoplay: with ``partial``
        or ``enabled`` the next track comes from the queue (or, ``enabled``,
        autoplay's recommendations) and the player stops when there is none;
        with ``disabled`` (the default) the track just stops. ``force=True``
        skips past a ``loop``-mode repeat. Returns the track that was playing.
        """
        old = self._current
        if self._autoplay is AutoPlayMode.DISABLED:
            await self._stop_track()
            return old
        following = await self._next_track(force_next=force)
        if following is None:
            if self._current is not None:
                await self._stop_track()
        else:
            await self.play(following)
        return old
