"""Shared adapter logic for discord.py, nextcord and disnake (the "dpy family").

The three libraries share one voice design: a ``VoiceProtocol`` object,
created by ``VoiceChannel.connect(cls=...)`` and registered in the client's
per-guild voice map, receives the bot's raw VOICE_STATE_UPDATE and
VOICE_SERVER_UPDATE dicts. The library throws the server update away when
no protocol is registered, so every join the adapter makes goes through a
registered protocol.

This module holds everything that does not depend on which of the three
libraries is in use; each library module (``discordpy``, ``nextcord``,
``disnake``) only combines these classes with its own ``VoiceProtocol``:

* `FamilyPlayer`: a [`voltricx.Player`][voltricx.Player] that acts as the
  library's voice protocol (``channel.connect(cls=...)``).
* `FamilyRelay`: a protocol registered on behalf of a plain
  [`voltricx.Player`][voltricx.Player] (``voltricx.Player(guild_id).connect(channel_id)``),
  relaying the voice events to it.
* `DpyFamilyAdapter`: the [`voltricx.VoiceGateway`][voltricx.VoiceGateway],
  [`voltricx.EventSink`][voltricx.EventSink] and [`voltricx.gateway.PlayerFactory`][voltricx.PlayerFactory]
  (restored players are the library's ``Player``) for one client. It sends op 4 through
  ``Guild.change_voice_state``, turns each core event into
  ``client.dispatch("voltricx_<name>", *event.args())``, and repairs what the
  library does not: a fresh IDENTIFY drops every registered protocol and
  Discord ends the voice session (the adapter notices the next ``ready``,
  forgets the old voice session, and re-registers and rejoins through
  ``channel.connect``; the node then gets the new session id, token and
  endpoint in one update); on an ``AutoShardedClient`` one shard's fresh
  IDENTIFY ends the voice sessions of that shard's guilds while the
  library keeps their protocols registered (the adapter notices that
  shard's ``shard_ready`` and rejoins those guilds only); and a guild the
  bot left keeps its protocol.

Nothing here imports a Discord library.

Over 500 lines as one idea: the adapter shared by discord.py, nextcord
and disnake (the voice protocol, the gateway and the event sink).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Self

from voltricx._tasks import TaskTracker
from voltricx.bot_pool import owner_for, pool_of
from voltricx.errors import PlayerError, VoltricxError
from voltricx.events import Event, PlayerDestroyed
from voltricx.player import Player as CorePlayer

if TYPE_CHECKING:
    from voltricx.node import Node

__all__ = [
    "DpyFamilyAdapter",
    "FamilyPlayer",
    "FamilyRelay",
    "LibrarySpec",
    "adapt",
]

_log = logging.getLogger("voltricx.adapters.dpy")

#: Attribute under which a client keeps its adapter (one adapter per client).
ADAPTER_ATTRIBUTE = "_voltricx_adapter"

#: Destroy reasons after which the bot has already left voice (or was removed).
_ALREADY_OUT = frozenset(
    {"disconnected", "kicked", "left", "inactivity", "closed", "guild_removed", "guild_unavailable"}
)


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class LibrarySpec:
    """What the shared code needs to know about one library of the family.

    Attributes:
        name: The library's display name (``"discord.py"``).
        player_class: Its `FamilyPlayer` subclass (also its ``VoiceProtocol``).
        relay_class: Its `FamilyRelay` subclass.
        connect_timeout: The library's default ``channel.connect`` timeout, in seconds.
    """

    name: str
    player_class: type[FamilyPlayer]
    relay_class: type[FamilyRelay]
    connect_timeout: float


def _channel_id(data: Mapping[str, Any]) -> int | None:
    raw = data.get("channel_id")
    return int(raw) if raw is not None else None


class _ProtocolMixin:
    """Voice-protocol behaviour shared by `FamilyPlayer` and `FamilyRelay`.

    ``client`` and ``channel`` are the attributes every ``VoiceProtocol`` has.
    """

    client: Any
    channel: Any
    _pending_join: tuple[bool, bool] | None
    _awaiting_state: bool

    if TYPE_CHECKING:

        def cleanup(self) -> None:
            """The library's ``VoiceProtocol.cleanup`` (removes it from the voice map)."""

    def _init_protocol(self, client: Any, channel: Any) -> None:
        self.client = client
        self.channel = channel
        self._pending_join = None
        self._awaiting_state = False

    def _target(self) -> CorePlayer | None:
        """The core player the voice events are for."""
        raise NotImplementedError

    # -- registration -------------------------------------------------------------------

    def _factory(self, client: Any, channel: Any) -> Self:
        """``cls=`` for ``channel.connect``: re-use this very object."""
        self.client = client
        self.channel = channel
        return self

    def _arm_join(self, self_deaf: bool, self_mute: bool) -> None:
        """Make the next ``connect`` call (from the library) just send op 4."""
        self._pending_join = (self_deaf, self_mute)
        self._awaiting_state = True

    async def join_channel(self, channel: Any, *, self_deaf: bool, self_mute: bool, timeout: float) -> None:
        """Register this protocol with the library and join ``channel`` (the adapter calls this).

        The library's ``channel.connect`` registers the protocol and calls its
        ``connect``, which only sends the join (op 4); the player waits for
        the voice credentials itself.
        """
        self._arm_join(self_deaf, self_mute)
        await channel.connect(cls=self._factory, timeout=timeout, reconnect=True)

    def expect_voice_state(self) -> None:
        """A join is on its way: ignore a stale leave until its voice state arrives (the adapter calls this)."""
        self._awaiting_state = True

    async def _send_pending_join(self) -> bool:
        pending = self._pending_join
        if pending is None:
            return False
        self._pending_join = None
        self_deaf, self_mute = pending
        await self.channel.guild.change_voice_state(
            channel=self.channel, self_deaf=self_deaf, self_mute=self_mute
        )
        return True

    def _registered(self) -> bool:
        return any(vc is self for vc in self.client.voice_clients)

    def unregister(self) -> None:
        """Remove this protocol from the library's voice map, if it is still there (the adapter calls this)."""
        if self._registered():
            self.cleanup()

    # -- voice events from the library -----------------------------------------------------

    async def on_voice_state_update(self, data: Mapping[str, Any]) -> None:
        """The bot's raw VOICE_STATE_UPDATE for this guild (called by the library)."""
        player = self._target()
        channel_id = _channel_id(data)
        session_id = data.get("session_id")
        if channel_id is None:
            if self._awaiting_state:
                # The answer to an earlier leave, reaching the protocol of a new join.
                _log.debug("ignoring a stale leave while joining: %s", data)
                return
            self.unregister()
            if player is not None:
                player.on_voice_state(session_id=session_id, channel_id=None)
            return
        self._awaiting_state = False
        if getattr(self.channel, "id", None) != channel_id:
            # Moved: the library leaves the protocol's channel as it was.
            channel = self.client.get_channel(channel_id)
            if channel is not None:
                self.channel = channel
        if player is not None:
            player.on_voice_state(session_id=session_id, channel_id=channel_id)

    async def on_voice_server_update(self, data: Mapping[str, Any]) -> None:
        """The raw VOICE_SERVER_UPDATE for this guild (called by the library)."""
        player = self._target()
        if player is not None:
            player.on_voice_server(token=str(data["token"]), endpoint=data.get("endpoint"))


def _adapter_of(client: Any) -> DpyFamilyAdapter:
    adapter = _registered_adapter(client)
    if adapter is not None and pool_of(adapter) is not None:
        return adapter
    raise VoltricxError("call voltricx.Pool.connect(client=bot, nodes=[...]) before joining voice")


def _registered_adapter(client: Any) -> DpyFamilyAdapter | None:
    adapter = getattr(client, ADAPTER_ATTRIBUTE, None)
    if isinstance(adapter, DpyFamilyAdapter) and adapter.client is client:
        return adapter
    return None


def _player_of_client(client: Any, guild_id: int) -> CorePlayer | None:
    """The player of ``guild_id`` in the pool serving ``client`` (``None`` when no pool does)."""
    pool = pool_of(_registered_adapter(client))
    return pool.get_player(guild_id) if pool is not None else None


class FamilyPlayer(_ProtocolMixin, CorePlayer):
    """A [`voltricx.Player`][voltricx.Player] that is also the library's ``VoiceProtocol``.

    Join with ``player = await channel.connect(cls=<library module>.Player)``;
    the library then returns the player from ``guild.voice_client`` and
    ``ctx.voice_client``. Options the library's ``connect`` cannot pass go
    through the factory, e.g. ``cls=functools.partial(Player, self_deaf=True,
    region="eu")``.

    ``channel`` is kept up to date when someone moves the bot.
    """

    def __init__(
        self,
        client: Any,
        channel: Any,
        *,
        node: Node | None = None,
        region: str | None = None,
        self_deaf: bool = False,
        self_mute: bool = False,
        home: Any = None,
    ) -> None:
        adapter = _registered_adapter(client)
        pool = pool_of(adapter)
        if pool is not None and node is not None and pool.nodes().get(node.identifier) is not node:
            raise PlayerError(
                f"node {node.identifier!r} belongs to another pool than this client's; "
                "pass a node of the client's own pool (pool.get_node())"
            )
        CorePlayer.__init__(
            self,
            int(channel.guild.id),
            node=node,
            region=region,
            owner=owner_for(adapter) if pool is not None else None,
        )
        self._init_protocol(client, channel)
        self._self_deaf = self_deaf
        self._self_mute = self_mute
        if home is not None:
            self.home = home

    def _target(self) -> CorePlayer | None:
        return self

    @property
    def self_deaf(self) -> bool:
        """Whether the bot joins deafened (as given to the factory; re-sent on a rejoin)."""
        return self._self_deaf

    @property
    def self_mute(self) -> bool:
        """Whether the bot joins muted (as given to the factory; re-sent on a rejoin)."""
        return self._self_mute

    @property
    def guild(self) -> Any:
        """The library's ``Guild`` this player plays in (``None`` when the client no longer has it)."""
        return self.client.get_guild(self.guild_id)

    async def connect(
        self,
        channel_id: int | None = None,
        *,
        timeout: float | None = None,
        reconnect: bool = True,
        self_deaf: bool | None = None,
        self_mute: bool | None = None,
        **_: Any,
    ) -> None:
        """Join voice; the library calls this from ``channel.connect(cls=...)``.

        Sends op 4 and waits (up to ``timeout``, default: the library's) until
        the node has the voice credentials. On failure the player is
        destroyed, the library's registration removed, and
        [`voltricx.PlayerError`][voltricx.PlayerError] (or the underlying error) raised.
        """
        if await self._send_pending_join():
            return
        if self_deaf is not None:
            self._self_deaf = self_deaf
        if self_mute is not None:
            self._self_mute = self_mute
        adapter = _adapter_of(self.client)
        target = int(channel_id) if channel_id is not None else int(self.channel.id)
        wait = timeout if timeout is not None else adapter.spec.connect_timeout
        existing = _player_of_client(self.client, self.guild_id)
        if existing is not None and existing is not self:
            self.unregister()
            raise PlayerError(f"guild {self.guild_id} already has a player; disconnect it first")
        try:
            await CorePlayer.connect(
                self, target, timeout=wait, self_deaf=self._self_deaf, self_mute=self._self_mute
            )
        except BaseException:
            self.unregister()
            raise

    async def move_to(self, channel_id: int | _HasId | None) -> None:
        """Move to another voice channel (a channel object or id); ``None`` disconnects."""
        if channel_id is None:
            await self.disconnect()
            return
        target = channel_id if isinstance(channel_id, int) else int(channel_id.id)
        await _adapter_of(self.client).join(
            self.guild_id, target, self_deaf=self._self_deaf, self_mute=self._self_mute
        )

    async def disconnect(self, *, force: bool = False) -> None:
        """Leave voice, destroy the player on its node and remove it from the library."""
        await CorePlayer.disconnect(self)
        self.unregister()


class FamilyRelay(_ProtocolMixin):
    """The library-side protocol of a plain [`voltricx.Player`][voltricx.Player].

    Registered by the adapter when a player that is not a
    `FamilyPlayer` joins, so the library routes the voice server
    update somewhere; it forwards both voice events to the player.
    """

    def __init__(self, client: Any, channel: Any) -> None:
        self._init_protocol(client, channel)
        self._guild_id = int(channel.guild.id)

    def _target(self) -> CorePlayer | None:
        return _player_of_client(self.client, self._guild_id)

    async def connect(self, **_: Any) -> None:
        """Send the op 4 the adapter armed; the core player does the waiting."""
        if not await self._send_pending_join():
            raise PlayerError("join through voltricx.Player.connect, not channel.connect")

    async def disconnect(self, *, force: bool = False) -> None:
        """Disconnect the player this relay serves (the library calls this on close)."""
        player = self._target()
        if player is not None:
            await player.disconnect()
        self.unregister()


class DpyFamilyAdapter:
    """[`voltricx.VoiceGateway`][voltricx.VoiceGateway] and [`voltricx.EventSink`][voltricx.EventSink] for one client.

    Created by the library module's ``adapt(client)``, which
    ``voltricx.Pool.connect(client=bot, ...)`` calls; one per client.
    """

    def __init__(self, client: Any, spec: LibrarySpec) -> None:
        self._client = client
        self._spec = spec
        self._relays: dict[int, FamilyRelay] = {}
        self._tasks = TaskTracker(f"{spec.name} adapter")
        self._watchers: list[asyncio.Task[None]] = []

    def _player(self, guild_id: int) -> CorePlayer | None:
        """The player of ``guild_id`` in the pool this adapter serves (``None`` when no pool is connected)."""
        pool = pool_of(self)
        return pool.get_player(guild_id) if pool is not None else None

    def _players(self) -> dict[int, CorePlayer]:
        """Every player of the pool this adapter serves (empty when no pool is connected)."""
        pool = pool_of(self)
        return pool.players() if pool is not None else {}

    def __repr__(self) -> str:
        return f"<DpyFamilyAdapter library={self._spec.name!r} client={self._client!r}>"

    @property
    def client(self) -> Any:
        """The Discord client."""
        return self._client

    @property
    def spec(self) -> LibrarySpec:
        """The library this adapter serves."""
        return self._spec

    @property
    def user_id(self) -> int:
        """The bot's user id (``client.user.id``)."""
        user_id = _logged_in_user_id(self._client)
        if user_id is None:
            raise VoltricxError(_not_logged_in(self._spec))
        return user_id

    @property
    def shards(self) -> tuple[tuple[int, ...], int]:
        """The shards this client runs and the shard count (a plain client: shard 0 of 1).

        An ``AutoShardedClient`` reports its ``shard_ids`` (all shards when
        ``None``) of ``shard_count``; a ``Client`` its ``shard_id``.
        """
        client: Any = self._client
        count: Any = getattr(client, "shard_count", None)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            return (0,), 1
        ids: Any = getattr(client, "shard_ids", None)
        if ids is None:
            one: Any = getattr(client, "shard_id", None)
            ids = [one] if isinstance(one, int) else range(count)
        return tuple(int(i) for i in ids), count

    # -- VoiceGateway ---------------------------------------------------------------------

    def _protocol_for(self, guild_id: int) -> _ProtocolMixin:
        player = self._player(guild_id)
        if isinstance(player, FamilyPlayer):
            return player
        relay = self._relays.get(guild_id)
        if relay is None:
            relay = self._relays[guild_id] = self._spec.relay_class(
                self._client, _GuildOnly(guild_id)
            )
        return relay

    async def join(
        self, guild_id: int, channel_id: int, *, self_deaf: bool = False, self_mute: bool = False
    ) -> None:
        """Send op 4 for ``channel_id``, registering a voice protocol first if none is."""
        guild = self._client.get_guild(guild_id)
        if guild is None:
            raise PlayerError(f"guild {guild_id} is not in the {self._spec.name} client's cache")
        protocol = self._protocol_for(guild_id)
        registered = guild.voice_client
        self._watch()
        if registered is None:
            channel = guild.get_channel(channel_id)
            if channel is None:
                raise PlayerError(f"voice channel {channel_id} is not in guild {guild_id}")
            await protocol.join_channel(
                channel, self_deaf=self_deaf, self_mute=self_mute, timeout=self._spec.connect_timeout
            )
            return
        if registered is not protocol:
            raise PlayerError(
                f"guild {guild_id} already has a {type(registered).__name__} voice client; "
                "disconnect it first"
            )
        protocol.expect_voice_state()
        channel = guild.get_channel(channel_id) or _Snowflake(channel_id)
        await guild.change_voice_state(channel=channel, self_deaf=self_deaf, self_mute=self_mute)

    # -- PlayerFactory (restart resume) --------------------------------------------------

    def make_player(self, guild_id: int, channel_id: int | None, *, node: Node) -> CorePlayer:
        """The library's ``Player`` for a guild the pool restores from its store.

        Only built here; the restorer then re-joins through `join()`, which
        registers it with ``channel.connect(cls=...)``, so ``guild.voice_client``
        is this player, as after a live ``channel.connect(cls=Player)``.
        """
        channel = self._client.get_channel(channel_id) if channel_id is not None else None
        if channel is None or getattr(getattr(channel, "guild", None), "id", None) != guild_id:
            channel = _GuildOnly(guild_id)  # the real channel is set when it is joined
        return self._spec.player_class(self._client, channel, node=node)

    # -- VoiceMembers / UserResolver ------------------------------------------------------

    def humans_in_voice(self, guild_id: int, channel_id: int) -> int | None:
        """Non-bot users in ``channel_id``, from the library's voice-state cache.

        ``None`` when the guild or channel is not cached. A user whose member
        is not cached counts as a human.
        """
        guild = self._client.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        states: Mapping[int, Any] | None = getattr(channel, "voice_states", None)
        if guild is None or states is None:
            return None
        own = _logged_in_user_id(self._client)
        humans = 0
        for user_id in list(states):
            if user_id == own:
                continue
            member = guild.get_member(user_id)
            if member is None or not getattr(member, "bot", False):
                humans += 1
        return humans

    def resolve_user(self, guild_id: int, user_id: int) -> object:
        """The cached ``Member`` (or ``User``) with ``user_id``; the id itself when neither is cached."""
        guild = self._client.get_guild(guild_id)
        member = guild.get_member(user_id) if guild is not None else None
        return member or self._client.get_user(user_id) or user_id

    async def leave(self, guild_id: int) -> None:
        """Send op 4 with no channel (nothing happens for a guild the client no longer has)."""
        guild = self._client.get_guild(guild_id)
        if guild is not None:
            await guild.change_voice_state(channel=None)

    # -- EventSink --------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        """Dispatch ``event`` as ``voltricx_<name>`` through the client's own dispatch.

        Nothing is dispatched once the client is closed.
        """
        if isinstance(event, PlayerDestroyed):
            self._forget(event.player, event.reason)
        if self._client.is_closed():
            # Logged out: listener tasks would never run (e.g. Pool.close after client.close).
            return
        self._client.dispatch("voltricx_" + event.name, *event.args())

    def _forget(self, player: CorePlayer, reason: str) -> None:
        if isinstance(player, FamilyPlayer):
            player.unregister()
        else:
            relay = self._relays.get(player.guild_id)
            if relay is not None and self._player(player.guild_id) in (None, player):
                del self._relays[player.guild_id]
                relay.unregister()
        if reason not in _ALREADY_OUT:
            # e.g. a failed connect or failover: do not leave the bot sitting in voice.
            self._spawn(self._leave_quietly(player.guild_id), f"leave {player.guild_id}")
        if not self._players():
            self._stop_watching()

    async def _leave_quietly(self, guild_id: int) -> None:
        if self._player(guild_id) is not None:
            return  # a new player joined meanwhile
        try:
            await self.leave(guild_id)
        except Exception as exc:
            _log.debug("leaving voice in guild %s failed: %s", guild_id, exc)

    # -- repairs the library does not make ---------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return self._tasks.spawn(coro, name=name)

    def _watch(self) -> None:
        """Watch fresh IDENTIFYs and ``guild_remove`` while players exist.

        A ``Client`` announces a fresh IDENTIFY with ``ready``. An
        ``AutoShardedClient`` announces it per shard with ``shard_ready``
        (discord.py sends no ``ready`` when one shard re-identifies; nextcord
        and disnake send one for all shards), so it is watched instead.
        """
        if self._watchers and not any(task.done() for task in self._watchers):
            return
        self._stop_watching()
        fresh = (
            self._each("shard_ready", self._after_shard_ready)
            if _auto_sharded(self._client)
            else self._each("ready", self._after_ready)
        )
        self._watchers = [
            self._spawn(fresh, "watch ready"),
            self._spawn(self._each("guild_remove", self._after_guild_remove), "watch guild_remove"),
        ]

    def _stop_watching(self) -> None:
        watchers, self._watchers = self._watchers, []
        for task in watchers:
            task.cancel()

    async def _each(self, event: str, handler: Callable[[Any], None]) -> None:
        """Call ``handler`` for every ``event`` until cancelled.

        ``handler`` runs as the check of one ``wait_for`` that never ends: the
        library calls it inside its dispatch and keeps the listener, so two
        events back to back (two shards ready at once) are both seen; a
        ``wait_for`` per event would miss the second while re-registering.
        """

        def check(*args: Any) -> bool:
            try:
                handler(args[0] if len(args) == 1 else args or None)
            except Exception:
                _log.exception("handling %s failed", event)
            return False

        await self._client.wait_for(event, check=check)

    def _after_ready(self, _: Any) -> None:
        # After a fresh IDENTIFY a Client has silently emptied its voice map.
        self._rejoin_all(None)

    def _after_shard_ready(self, shard_id: Any) -> None:
        # An AutoShardedClient keeps its voice map, but Discord has ended the
        # voice sessions of the shard's guilds: the registrations are stale.
        self._rejoin_all(int(shard_id))

    def _rejoin_all(self, shard_id: int | None) -> None:
        """Rejoin every player (``shard_id`` None) or those of one shard after a fresh IDENTIFY."""
        count = self.shards[1]
        for guild_id, player in list(self._players().items()):
            if shard_id is not None and (guild_id >> 22) % count != shard_id:
                continue
            guild = self._client.get_guild(guild_id)
            if guild is None:
                self._spawn(player.destroy(reason="guild_unavailable"), f"destroy {guild_id}")
                continue
            protocol = self._protocol_for(guild_id)
            current = guild.voice_client is protocol
            if shard_id is not None:
                # The new session's READY replaced the guild object: a registration
                # whose channel belongs to the current one was made on this session.
                if current and getattr(protocol.channel, "guild", None) is guild:
                    continue
                protocol.unregister()
            elif current:
                continue
            self._spawn(self._rejoin(guild, player, protocol), f"rejoin {guild_id}")

    async def _rejoin(self, guild: Any, player: CorePlayer, protocol: _ProtocolMixin) -> None:
        channel = guild.get_channel(player.channel_id) if player.channel_id is not None else None
        if channel is None or guild.voice_client is not None:
            _log.warning("guild %s: cannot rejoin voice after a new gateway session", guild.id)
            await player.destroy(reason="rejoin_failed")
            return
        deaf, mute = (
            (player.self_deaf, player.self_mute)
            if isinstance(player, FamilyPlayer)
            else (False, False)
        )
        _log.info("guild %s: new gateway session, re-registering voice and rejoining", guild.id)
        player.forget_voice_session()
        try:
            await protocol.join_channel(channel, self_deaf=deaf, self_mute=mute, timeout=self._spec.connect_timeout)
        except Exception:
            _log.exception("guild %s: rejoining voice failed", guild.id)
            await player.destroy(reason="rejoin_failed")

    def _after_guild_remove(self, guild: Any) -> None:
        player = self._player(int(guild.id))
        if player is not None:
            self._spawn(player.destroy(reason="guild_removed"), f"destroy {guild.id}")


class _Snowflake:
    """The minimal object ``change_voice_state`` needs for an uncached channel."""

    __slots__ = ("id",)

    def __init__(self, id: int) -> None:
        self.id = id


class _GuildOnly:
    """Placeholder channel of a relay before its first join: knows only its guild."""

    __slots__ = ("guild", "id")

    def __init__(self, guild_id: int) -> None:
        self.guild = _Snowflake(guild_id)
        self.id = 0


def _auto_sharded(client: Any) -> bool:
    """Whether ``client`` is an ``AutoShardedClient`` (only those have ``get_shard``)."""
    return callable(getattr(client, "get_shard", None))


def _logged_in_user_id(client: Any) -> int | None:
    # None before login (disnake: a MISSING sentinel without an id).
    user_id = getattr(getattr(client, "user", None), "id", None)
    return int(user_id) if user_id is not None else None


def _not_logged_in(spec: LibrarySpec) -> str:
    return (
        f"the {spec.name} client is not logged in yet (client.user is None): call "
        "voltricx.Pool.connect after login, e.g. in setup_hook or on_ready, or after "
        "`await client.login(token)`"
    )


def adapt(client: Any, spec: LibrarySpec) -> DpyFamilyAdapter:
    """The adapter of ``client``, created on first use and kept on the client.

    Raises:
        VoltricxError: The client has not logged in yet, so its user id is unknown.
    """
    if _logged_in_user_id(client) is None:
        raise VoltricxError(_not_logged_in(spec))
    existing = getattr(client, ADAPTER_ATTRIBUTE, None)
    if isinstance(existing, DpyFamilyAdapter):
        return existing
    adapter = DpyFamilyAdapter(client, spec)
    setattr(client, ADAPTER_ATTRIBUTE, adapter)
    return adapter
