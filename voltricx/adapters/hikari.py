"""The hikari adapter: voice hand-off through ``update_voice_state``, events as ``hikari.Event``.

```python
import hikari
import voltricx
from voltricx.adapters import hikari as vhikari

bot = hikari.GatewayBot(TOKEN)

@bot.listen(hikari.StartedEvent)
async def started(_: hikari.StartedEvent) -> None:
    await voltricx.Pool.connect(client=bot, nodes=[voltricx.NodeConfig(...)])

@bot.listen(vhikari.TrackStartEvent)
async def now_playing(event: vhikari.TrackStartEvent) -> None:
    ...

player = await vhikari.join(bot, guild_id, voice_channel_id)
```

How it works
------------
hikari keeps no per-guild voice registry for third parties, and its own
voice component expects a full voice implementation (it asserts on a null
endpoint). So the adapter sends gateway op 4 with ``bot.update_voice_state``
(hikari routes it to the guild's shard) and listens globally for:

* ``VoiceStateUpdateEvent`` of the bot's own user: fed to the guild's
  player (``channel_id`` ``None`` means the bot left or was kicked: the
  player is destroyed on its node and forgotten);
* ``VoiceServerUpdateEvent``: its *raw* endpoint (``host:port`` as Discord
  sent it, or ``None`` while Discord reallocates) is fed to the player;
* ``ShardReadyEvent``: a shard identified afresh, so Discord has ended its
  voice sessions; each player on that shard forgets its old voice session
  and op 4 is sent again, and the node gets the new session id, token and
  endpoint in one update (a RESUME sends ``ShardResumedEvent`` instead and
  changes nothing);
* ``GuildLeaveEvent``: the bot left the guild; its player is destroyed;
* ``StoppingEvent``: the bot is closing; unless ``close_pool_on_stop=False``
  was passed to [`attach()`][voltricx.adapters.hikari.attach], ``voltricx.Pool.close()`` runs while the
  shards are still up, so every voice channel is left explicitly (closing
  hikari alone would leave the bot sitting in them).

The two voice events arrive in either order and in separate tasks; the
player keeps the pieces and sends the node one update once session id,
token, endpoint and channel are all known.

``attach`` is optional: ``voltricx.Pool.connect(client=bot, ...)`` attaches
implicitly (and returns the same adapter when ``attach`` was called
before). Call [`attach()`][voltricx.adapters.hikari.attach] yourself to pass options or to have the
listeners in place before the pool connects.

Events
------
Every core event (``voltricx.events``) is dispatched on the bot's event
manager as a subclass of [`VoltricxEvent`][voltricx.adapters.hikari.VoltricxEvent] (itself a ``hikari.Event``)
carrying the core event's fields as attributes, so
``@bot.listen(voltricx.adapters.hikari.FailoverEvent)`` works and a
listener on [`VoltricxEvent`][voltricx.adapters.hikari.VoltricxEvent] receives all of them.

Over 500 lines as one idea: the hikari adapter, most of it one
``hikari.Event`` class per voltricx event.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any, ClassVar, Final, cast

import attrs
import hikari
from hikari.api import GatewayShard

from voltricx import events as core
from voltricx._tasks import TaskTracker
from voltricx.bot_pool import BotPool, owner_for, pool_of
from voltricx.errors import VoltricxError
from voltricx.models.common import LavalinkException
from voltricx.models.node import Stats
from voltricx.models.player import PlayerState
from voltricx.models.track import Track
from voltricx.node import Node
from voltricx.player import Player
from voltricx.plugins.models import Chapter, LyricLine, Lyrics, Segment

__all__ = [
    "EVENT_TYPES",
    "ChapterStartedEvent",
    "ChaptersLoadedEvent",
    "FailoverEvent",
    "HikariAdapter",
    "InactivePlayerEvent",
    "LyricsFoundEvent",
    "LyricsLineEvent",
    "LyricsNotFoundEvent",
    "NodeDisconnectedEvent",
    "NodeDrainingEvent",
    "NodeEvent",
    "NodeReadyEvent",
    "NodeRemovedEvent",
    "NodeStatsEvent",
    "OwnershipLostEvent",
    "PlayerDestroyedEvent",
    "PlayerEvent",
    "PlayerUpdateEvent",
    "PlayersMovedEvent",
    "PluginEvent",
    "SegmentSkippedEvent",
    "SegmentsLoadedEvent",
    "TrackEndEvent",
    "TrackExceptionEvent",
    "TrackStartEvent",
    "TrackStuckEvent",
    "VoiceClosedEvent",
    "VoltricxEvent",
    "adapt",
    "attach",
    "detach",
    "join",
    "leave",
    "to_hikari_event",
]

_log = logging.getLogger("voltricx.adapters.hikari")

#: Default seconds :func:`join` waits for the node to receive the voice credentials.
JOIN_TIMEOUT: Final = 30.0


# ---------------------------------------------------------------------------- events


@attrs.frozen(kw_only=True, weakref_slot=False)
class VoltricxEvent(hikari.Event):
    """Base of every voltricx event dispatched on a hikari bot.

    Listen on this class to receive every voltricx event. A core event this
    adapter has no dedicated class for (added by a newer voltricx) arrives
    as a plain [`VoltricxEvent`][voltricx.adapters.hikari.VoltricxEvent]; ``name`` and ``event`` tell what it is.

    Attributes:
        app: The bot the event was dispatched on.
        shard: The guild's shard for per-player events; ``None`` for node-level
            events (a node serves every shard).
        event: The framework-neutral core event this one wraps.
    """

    core_type: ClassVar[type[core.Event] | None] = None

    _app: hikari.GatewayBot = attrs.field(alias="app", repr=False, eq=False)
    shard: GatewayShard | None = attrs.field(repr=False, eq=False)
    event: core.Event = attrs.field(repr=False)

    @property
    def app(self) -> hikari.GatewayBot:
        """The bot the event was dispatched on."""
        return self._app

    @property
    def name(self) -> str:
        """The core event's stable snake_case name (``"failover"``, ``"track_start"``, ...)."""
        return self.event.name


@attrs.frozen(kw_only=True, weakref_slot=False)
class NodeEvent(VoltricxEvent):
    """Base of the events about a node."""

    node: Node


@attrs.frozen(kw_only=True, weakref_slot=False)
class PlayerEvent(VoltricxEvent):
    """Base of the events about one guild's player."""

    player: Player

    @property
    def guild_id(self) -> hikari.Snowflake:
        """The player's guild."""
        return hikari.Snowflake(self.player.guild_id)


@attrs.frozen(kw_only=True, weakref_slot=False)
class NodeReadyEvent(NodeEvent):
    """A node is ready (every connect and reconnect); ``resumed`` tells whether its session survived."""

    core_type: ClassVar[type[core.Event] | None] = core.NodeReady
    resumed: bool
    session_id: str


@attrs.frozen(kw_only=True, weakref_slot=False)
class NodeDisconnectedEvent(NodeEvent):
    """A node's websocket was lost or closed; ``code`` is the close code when there was one."""

    core_type: ClassVar[type[core.Event] | None] = core.NodeDisconnected
    code: int | None = None
    reason: str = ""


@attrs.frozen(kw_only=True, weakref_slot=False)
class NodeStatsEvent(NodeEvent):
    """A node sent its periodic load figures (``stats``)."""

    core_type: ClassVar[type[core.Event] | None] = core.NodeStats
    stats: Stats


@attrs.frozen(kw_only=True, weakref_slot=False)
class FailoverEvent(VoltricxEvent):
    """``players`` were rebuilt on ``new_node`` after ``old_node`` was lost."""

    core_type: ClassVar[type[core.Event] | None] = core.Failover
    old_node: Node
    new_node: Node
    players: tuple[Player, ...]


@attrs.frozen(kw_only=True, weakref_slot=False)
class NodeDrainingEvent(NodeEvent):
    """A node stopped taking new players; its players are being moved to other nodes."""

    core_type: ClassVar[type[core.Event] | None] = core.NodeDraining


@attrs.frozen(kw_only=True, weakref_slot=False)
class NodeRemovedEvent(NodeEvent):
    """A node was closed and removed from the pool."""

    core_type: ClassVar[type[core.Event] | None] = core.NodeRemoved


@attrs.frozen(kw_only=True, weakref_slot=False)
class OwnershipLostEvent(VoltricxEvent):
    """Another process took over ``shards``; this one dropped their ``players`` without a request."""

    core_type: ClassVar[type[core.Event] | None] = core.OwnershipLost
    shards: tuple[int, ...]
    shard_count: int
    players: tuple[Player, ...]


@attrs.frozen(kw_only=True, weakref_slot=False)
class PlayersMovedEvent(VoltricxEvent):
    """``players`` moved from ``old_node`` to ``new_node``; ``reason`` says why (``"drain"``, ...)."""

    core_type: ClassVar[type[core.Event] | None] = core.PlayersMoved
    old_node: Node
    new_node: Node
    players: tuple[Player, ...]
    reason: str


@attrs.frozen(kw_only=True, weakref_slot=False)
class TrackStartEvent(PlayerEvent):
    """``track`` started playing on ``player``; ``original`` is the object the bot played (or ``None``)."""

    core_type: ClassVar[type[core.Event] | None] = core.TrackStart
    track: Track
    original: Track | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class TrackEndEvent(PlayerEvent):
    """``track`` ended on ``player``; ``reason`` is a [`voltricx.TrackEndReason`][voltricx.TrackEndReason] value."""

    core_type: ClassVar[type[core.Event] | None] = core.TrackEnd
    track: Track
    reason: str
    original: Track | None = None

    @property
    def may_start_next(self) -> bool:
        """True when a queue should advance (the track finished or failed to load)."""
        return self.reason in ("finished", "loadFailed")


@attrs.frozen(kw_only=True, weakref_slot=False)
class TrackExceptionEvent(PlayerEvent):
    """Playback of ``track`` failed with ``exception`` (severity, message, cause)."""

    core_type: ClassVar[type[core.Event] | None] = core.TrackException
    track: Track
    exception: LavalinkException


@attrs.frozen(kw_only=True, weakref_slot=False)
class TrackStuckEvent(PlayerEvent):
    """``track`` produced no audio for ``threshold_ms`` milliseconds."""

    core_type: ClassVar[type[core.Event] | None] = core.TrackStuck
    track: Track
    threshold_ms: int


@attrs.frozen(kw_only=True, weakref_slot=False)
class VoiceClosedEvent(PlayerEvent):
    """The node's Discord voice connection for ``player`` closed (``code`` is Discord's)."""

    core_type: ClassVar[type[core.Event] | None] = core.VoiceClosed
    code: int
    reason: str
    by_remote: bool


@attrs.frozen(kw_only=True, weakref_slot=False)
class PlayerUpdateEvent(PlayerEvent):
    """The node reported ``player``'s playback ``state`` (position, ping, connected)."""

    core_type: ClassVar[type[core.Event] | None] = core.PlayerUpdate
    state: PlayerState


@attrs.frozen(kw_only=True, weakref_slot=False)
class PlayerDestroyedEvent(PlayerEvent):
    """``player`` was destroyed; ``reason`` is ``left``, ``disconnected``, ``guild_removed``, ``closed``, ...."""

    core_type: ClassVar[type[core.Event] | None] = core.PlayerDestroyed
    reason: str


@attrs.frozen(kw_only=True, weakref_slot=False)
class InactivePlayerEvent(PlayerEvent):
    """``player`` has played nothing for its inactivity timeout; the bot decides what to do."""

    core_type: ClassVar[type[core.Event] | None] = core.InactivePlayer


@attrs.frozen(kw_only=True, weakref_slot=False)
class PluginEvent(VoltricxEvent):
    """A node event of a type voltricx does not model (``type``, raw ``data``)."""

    core_type: ClassVar[type[core.Event] | None] = core.PluginEvent
    node: Node
    player: Player | None
    type: str
    data: dict[str, Any]


@attrs.frozen(kw_only=True, weakref_slot=False)
class LyricsFoundEvent(PlayerEvent):
    """LavaLyrics found ``lyrics`` for ``player``'s track."""

    core_type: ClassVar[type[core.Event] | None] = core.LyricsFound
    lyrics: Lyrics


@attrs.frozen(kw_only=True, weakref_slot=False)
class LyricsNotFoundEvent(PlayerEvent):
    """LavaLyrics found no lyrics for ``player``'s track."""

    core_type: ClassVar[type[core.Event] | None] = core.LyricsNotFound


@attrs.frozen(kw_only=True, weakref_slot=False)
class LyricsLineEvent(PlayerEvent):
    """Lyrics line ``line_index`` (``line``) is being sung; ``skipped`` when reached by seeking."""

    core_type: ClassVar[type[core.Event] | None] = core.LyricsLine
    line_index: int
    line: LyricLine
    skipped: bool


@attrs.frozen(kw_only=True, weakref_slot=False)
class SegmentsLoadedEvent(PlayerEvent):
    """SponsorBlock loaded the ``segments`` of ``player``'s track."""

    core_type: ClassVar[type[core.Event] | None] = core.SegmentsLoaded
    segments: tuple[Segment, ...]


@attrs.frozen(kw_only=True, weakref_slot=False)
class SegmentSkippedEvent(PlayerEvent):
    """SponsorBlock skipped ``segment``."""

    core_type: ClassVar[type[core.Event] | None] = core.SegmentSkipped
    segment: Segment


@attrs.frozen(kw_only=True, weakref_slot=False)
class ChaptersLoadedEvent(PlayerEvent):
    """SponsorBlock loaded the ``chapters`` of ``player``'s track."""

    core_type: ClassVar[type[core.Event] | None] = core.ChaptersLoaded
    chapters: tuple[Chapter, ...]


@attrs.frozen(kw_only=True, weakref_slot=False)
class ChapterStartedEvent(PlayerEvent):
    """A new ``chapter`` of ``player``'s track started."""

    core_type: ClassVar[type[core.Event] | None] = core.ChapterStarted
    chapter: Chapter


#: Core event class -> the hikari event class it is dispatched as.
EVENT_TYPES: Final[dict[type[core.Event], type[VoltricxEvent]]] = {
    cls.core_type: cls
    for cls in (
        NodeReadyEvent,
        NodeDisconnectedEvent,
        NodeStatsEvent,
        FailoverEvent,
        NodeDrainingEvent,
        NodeRemovedEvent,
        OwnershipLostEvent,
        PlayersMovedEvent,
        TrackStartEvent,
        TrackEndEvent,
        TrackExceptionEvent,
        TrackStuckEvent,
        VoiceClosedEvent,
        PlayerUpdateEvent,
        PlayerDestroyedEvent,
        InactivePlayerEvent,
        PluginEvent,
        LyricsFoundEvent,
        LyricsNotFoundEvent,
        LyricsLineEvent,
        SegmentsLoadedEvent,
        SegmentSkippedEvent,
        ChaptersLoadedEvent,
        ChapterStartedEvent,
    )
    if cls.core_type is not None
}


def _shard_of(bot: hikari.GatewayBot, guild_id: int) -> GatewayShard | None:
    count = bot.shard_count
    if count <= 0:
        return None
    return bot.shards.get(hikari.snowflakes.calculate_shard_id(count, guild_id))


def to_hikari_event(bot: hikari.GatewayBot, event: core.Event) -> VoltricxEvent:
    """Wrap a core event in its hikari event class (``VoltricxEvent`` for unknown ones)."""
    cls = EVENT_TYPES.get(type(event), VoltricxEvent)
    player = getattr(event, "player", None)
    shard = _shard_of(bot, player.guild_id) if isinstance(player, Player) else None
    fields: dict[str, Any] = {}
    if cls is not VoltricxEvent and dataclasses.is_dataclass(event):
        wanted = attrs.fields_dict(cls)
        for field in dataclasses.fields(event):
            if field.name in wanted:
                fields[field.name] = getattr(event, field.name)
    return cls(app=bot, shard=shard, event=event, **fields)


# --------------------------------------------------------------------------- adapter

# PlayerDestroyed reasons after which the bot is known to be out of voice already.
_OUT_OF_VOICE: Final = frozenset({"left", "inactivity", "kicked", "closed", "disconnected", "guild_removed"})


class HikariAdapter:
    """[`voltricx.VoiceGateway`][voltricx.VoiceGateway] and [`voltricx.EventSink`][voltricx.EventSink] for one ``hikari.GatewayBot``.

    Create it with [`attach()`][voltricx.adapters.hikari.attach] (or let ``voltricx.Pool.connect(client=bot)``
    do it); there is one adapter per bot.
    """

    __slots__ = ("_bot", "_close_pool_on_stop", "_listeners", "_options", "_tasks", "_user_id")

    def __init__(self, bot: hikari.GatewayBot, *, close_pool_on_stop: bool = True) -> None:
        self._bot = bot
        self._tasks = TaskTracker("hikari adapter")
        self._close_pool_on_stop = close_pool_on_stop
        self._user_id: int | None = None
        # guild id -> (self_deaf, self_mute) of the last join, re-sent after a fresh IDENTIFY
        self._options: dict[int, tuple[bool, bool]] = {}
        self._listeners: list[tuple[type[hikari.Event], Any]] = [
            (hikari.VoiceStateUpdateEvent, self._on_voice_state),
            (hikari.VoiceServerUpdateEvent, self._on_voice_server),
            (hikari.ShardReadyEvent, self._on_shard_ready),
            (hikari.GuildLeaveEvent, self._on_guild_leave),
            (hikari.StoppingEvent, self._on_stopping),
        ]

    def __repr__(self) -> str:
        return f"<HikariAdapter bot={self._bot!r} active={self.active}>"

    @property
    def bot(self) -> hikari.GatewayBot:
        """The bot this adapter serves."""
        return self._bot

    @property
    def close_pool_on_stop(self) -> bool:
        """Whether ``voltricx.Pool.close()`` runs when the bot stops (see [`attach()`][voltricx.adapters.hikari.attach])."""
        return self._close_pool_on_stop

    @close_pool_on_stop.setter
    def close_pool_on_stop(self, value: bool) -> None:
        self._close_pool_on_stop = bool(value)

    @property
    def active(self) -> bool:
        """True while a pool (``voltricx.Pool`` or one from ``Pool.create``) is connected through this adapter."""
        return pool_of(self) is not None

    @property
    def pool(self) -> BotPool | None:
        """The pool connected through this adapter (``voltricx.Pool``'s default pool or one from ``Pool.create``)."""
        return pool_of(self)

    def subscribe(self) -> None:
        """Add the adapter's listeners to the bot; [attach()][voltricx.adapters.hikari.attach] does this."""
        for event_type, callback in self._listeners:
            self._bot.event_manager.subscribe(event_type, callback)

    def unsubscribe(self) -> None:
        """Remove the adapter's listeners from the bot; [detach()][voltricx.adapters.hikari.detach] does this."""
        for event_type, callback in self._listeners:
            try:
                self._bot.event_manager.unsubscribe(event_type, callback)
            except (LookupError, ValueError):
                _log.debug("listener for %s was already gone", event_type.__name__)

    @property
    def shards(self) -> tuple[tuple[int, ...], int]:
        """The shards this bot runs (its started shards) and its shard count; shard 0 of 1 before start."""
        count = self._bot.shard_count
        ids = tuple(sorted(self._bot.shards))
        if count < 1 or not ids:
            return (0,), 1
        return ids, count

    # -- VoiceGateway ------------------------------------------------------------------

    @property
    def user_id(self) -> int:
        """The bot's user id (from its ready event, its cache, or its token)."""
        if self._user_id is not None:
            return self._user_id
        me = self._bot.get_me()
        if me is not None:
            self._user_id = int(me.id)
            return self._user_id
        token_id: object = getattr(self._bot, "token_id", None)
        if isinstance(token_id, int):
            return token_id
        raise VoltricxError(
            "the hikari bot has not logged in yet; connect the pool once it has started "
            "(for example in a hikari.StartedEvent listener)"
        )

    async def join(
        self, guild_id: int, channel_id: int, *, self_deaf: bool = False, self_mute: bool = False
    ) -> None:
        """Send op 4 for ``channel_id`` on the guild's shard."""
        self._options[int(guild_id)] = (self_deaf, self_mute)
        await self._bot.update_voice_state(guild_id, channel_id, self_deaf=self_deaf, self_mute=self_mute)

    async def leave(self, guild_id: int) -> None:
        """Send op 4 with no channel on the guild's shard."""
        self._options.pop(int(guild_id), None)
        await self._bot.update_voice_state(guild_id, None)

    # -- VoiceMembers / UserResolver ------------------------------------------------------

    def humans_in_voice(self, guild_id: int, channel_id: int) -> int | None:
        """Non-bot users in ``channel_id``, from hikari's voice-state cache (``inactive_channel_tokens``)."""
        states = self._bot.cache.get_voice_states_view_for_channel(guild_id, channel_id)
        humans = 0
        for user_id, state in states.items():
            if int(user_id) == self._user_id:
                continue
            member: hikari.Member | None = state.member
            if member is None or not member.is_bot:
                humans += 1
        return humans

    def resolve_user(self, guild_id: int, user_id: int) -> object:
        """The cached member (or user) with ``user_id``; the id itself when neither is cached."""
        cache = self._bot.cache
        return cache.get_member(guild_id, user_id) or cache.get_user(user_id) or user_id

    # -- EventSink ---------------------------------------------------------------------

    def emit(self, event: core.Event) -> None:
        """Dispatch ``event`` on the bot as its [`VoltricxEvent`][voltricx.adapters.hikari.VoltricxEvent] subclass.

        A player destroyed while the bot may still sit in its channel (a failed
        or timed-out join, a failover given up) also makes the bot leave voice.
        """
        if isinstance(event, core.PlayerDestroyed) and event.reason not in _OUT_OF_VOICE:
            guild_id = event.player.guild_id
            self._tasks.spawn(self._leave_if_unused(guild_id), name=f"leave voice {guild_id}")
        self._bot.dispatch(to_hikari_event(self._bot, event))

    async def _leave_if_unused(self, guild_id: int) -> None:
        if self._player(guild_id) is not None or not self._bot.is_alive:
            return  # a new player took the guild over, or the bot is gone
        try:
            await self.leave(guild_id)
        except Exception:
            _log.debug("guild %s: leaving voice after a failed player did not work", guild_id, exc_info=True)

    # -- listeners ---------------------------------------------------------------------

    def _player(self, guild_id: int) -> Player | None:
        pool = pool_of(self)
        if pool is None:
            return None
        return pool.get_player(int(guild_id))

    async def _on_voice_state(self, event: hikari.VoiceStateUpdateEvent) -> None:
        state = event.state
        if int(state.user_id) != self.user_id:
            return
        player = self._player(state.guild_id)
        if player is None:
            return
        channel_id = state.channel_id
        if channel_id is None and player.channel_id is None:
            # A player that never got a state of its own: this is the late "left"
            # of the guild's previous player, not news for this one.
            _log.debug("guild %s: ignoring a stale leave for a joining player", player.guild_id)
            return
        player.on_voice_state(
            session_id=state.session_id,
            channel_id=int(channel_id) if channel_id is not None else None,
        )

    async def _on_voice_server(self, event: hikari.VoiceServerUpdateEvent) -> None:
        player = self._player(event.guild_id)
        if player is None:
            return
        player.on_voice_server(token=event.token, endpoint=event.raw_endpoint)

    async def _on_shard_ready(self, event: hikari.ShardReadyEvent) -> None:
        self._user_id = int(event.my_user.id)
        pool = pool_of(self)
        if pool is None:
            return
        shard = event.shard
        count = shard.shard_count
        stale = [
            p
            for p in list(pool.players().values())
            if p.channel_id is not None
            and hikari.snowflakes.calculate_shard_id(count, p.guild_id) == shard.id
        ]
        if not stale:
            return
        _log.info(
            "shard %d identified afresh; re-sending voice state for %d players", shard.id, len(stale)
        )

        async def rejoin(player: Player) -> None:
            channel = player.channel_id
            if channel is None:
                return
            deaf, mute = self._options.get(player.guild_id, (False, False))
            player.forget_voice_session()
            try:
                await shard.update_voice_state(
                    player.guild_id, channel, self_deaf=deaf, self_mute=mute
                )
            except Exception:
                _log.exception("guild %s: re-sending the voice state failed", player.guild_id)

        await asyncio.gather(*(rejoin(p) for p in stale))

    async def _on_guild_leave(self, event: hikari.GuildLeaveEvent) -> None:
        player = self._player(event.guild_id)
        if player is None:
            return
        self._options.pop(player.guild_id, None)
        _log.info("removed from guild %s: destroying its player", player.guild_id)
        await player.destroy(reason="guild_removed")

    async def _on_stopping(self, _: hikari.StoppingEvent) -> None:
        pool = pool_of(self)
        if self._close_pool_on_stop and pool is not None:
            _log.info("bot is stopping: closing the voltricx pool (leaving voice channels)")
            await pool.close()


# ------------------------------------------------------------------------ public API

# GatewayBot has __slots__ without __weakref__, so adapters live in a plain map;
# each adapter holds its bot, so an id is never reused while its entry exists.
_adapters: dict[int, HikariAdapter] = {}


def attach(bot: hikari.GatewayBot, *, close_pool_on_stop: bool | None = None) -> HikariAdapter:
    """Wire voltricx into ``bot`` and return its adapter (the same one on every call).

    Subscribes the voice state / voice server / shard ready / guild leave /
    stopping listeners. Optional: ``voltricx.Pool.connect(client=bot, ...)``
    calls it. By default the adapter closes the pool (leaving every voice
    channel) when the bot stops. With ``close_pool_on_stop=False`` it does
    not; then call ``await voltricx.Pool.close()`` yourself in a
    ``hikari.StoppingEvent`` listener, or the bot stays in its voice channels.
    ``None`` keeps the adapter's current setting (``True`` for a new one).
    """
    if not isinstance(cast(object, bot), hikari.GatewayBot):
        raise VoltricxError(f"attach() needs a hikari.GatewayBot, got {type(bot).__qualname__}")
    adapter = _adapters.get(id(bot))
    if adapter is not None and adapter.bot is bot:
        if close_pool_on_stop is not None:
            adapter.close_pool_on_stop = close_pool_on_stop
        return adapter
    adapter = HikariAdapter(bot, close_pool_on_stop=close_pool_on_stop is not False)
    adapter.subscribe()
    _adapters[id(bot)] = adapter
    return adapter


def adapt(client: Any) -> HikariAdapter:
    """Hook for ``voltricx.Pool.connect``: the bot's adapter, attaching it when needed."""
    adapter = _adapters.get(id(client))
    if adapter is not None and adapter.bot is client:
        return adapter
    return attach(client)


def detach(bot: hikari.GatewayBot) -> None:
    """Remove the adapter's listeners from ``bot`` (close the pool first)."""
    adapter = _adapters.get(id(bot))
    if adapter is None or adapter.bot is not bot:
        return
    if adapter.active:
        raise VoltricxError(
            "a pool is still connected through this bot; close it first "
            "(await voltricx.Pool.close(), or close() on the pool from voltricx.Pool.create)"
        )
    adapter.unsubscribe()
    del _adapters[id(bot)]


async def join(
    bot: hikari.GatewayBot,
    guild: hikari.SnowflakeishOr[hikari.PartialGuild],
    channel: hikari.SnowflakeishOr[hikari.GuildVoiceChannel],
    *,
    timeout: float = JOIN_TIMEOUT,
    self_deaf: bool = False,
    self_mute: bool = False,
    node: Node | None = None,
    region: str | None = None,
    home: Any = None,
) -> Player:
    """Join a voice channel and return the guild's [`voltricx.Player`][voltricx.Player].

    Returns once the node has the voice credentials (or raises
    [`voltricx.PlayerError`][voltricx.PlayerError] after ``timeout`` seconds). If the guild
    already has a player it is moved to ``channel`` and returned. ``home``
    (usually the text channel id for messages) is stored on ``player.home``.
    ``node``/``region`` choose the node; by default the best connected one.
    """
    adapter = adapt(bot)
    if not adapter.active:
        raise VoltricxError(
            "voltricx.Pool is not connected for this bot; "
            "await voltricx.Pool.connect(client=bot, nodes=[...]) first"
        )
    guild_id = int(hikari.Snowflake(guild))
    channel_id = int(hikari.Snowflake(channel))
    pool = adapter.pool
    existing = pool.get_player(guild_id) if pool is not None else None
    if existing is not None:
        if home is not None:
            existing.home = home
        if existing.channel_id != channel_id:
            await adapter.join(guild_id, channel_id, self_deaf=self_deaf, self_mute=self_mute)
        return existing
    if pool is not None and node is not None and pool.nodes().get(node.identifier) is not node:
        raise VoltricxError(
            f"node {node.identifier!r} belongs to another pool than this bot's; "
            "pass a node of the bot's own pool (pool.get_node())"
        )
    player = Player(guild_id, node=node, region=region, owner=owner_for(adapter))
    player.home = home
    await player.connect(channel_id, timeout=timeout, self_deaf=self_deaf, self_mute=self_mute)
    return player


async def leave(bot: hikari.GatewayBot, guild: hikari.SnowflakeishOr[hikari.PartialGuild]) -> None:
    """Leave voice in ``guild``: destroy its player, or just send op 4 when there is none."""
    guild_id = int(hikari.Snowflake(guild))
    adapter = _adapters.get(id(bot))
    pool = adapter.pool if adapter is not None and adapter.bot is bot else None
    player = pool.get_player(guild_id) if pool is not None else None
    if player is not None:
        await player.disconnect()
        return
    await bot.update_voice_state(guild_id, None)
