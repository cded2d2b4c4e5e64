"""A loopback fake of Discord's REST API and gateway, for testing bots and adapters.

[`FakeDiscord`][voltricx.testing.FakeDiscord] is a real aiohttp server bound to ``127.0.0.1`` on an
ephemeral port. The real, unmodified Discord libraries (discord.py, nextcord,
disnake and hikari) log into it, receive READY and GUILD_CREATE for a small
scripted guild, and can join voice channels. The fake answers gateway opcode 4
(voice state update) the way Discord does, with VOICE_STATE_UPDATE and
VOICE_SERVER_UPDATE events whose session ids, tokens and endpoints it records,
so a test can assert the exact values a Lavalink player update must carry.

Voice belongs to a gateway session, as on Discord: a RESUME keeps the bot's
voice state, while a fresh IDENTIFY (after op 9 with ``d: false``, or a new
login) ends it in the guilds of that shard. The new session's GUILD_CREATE
then lists no voice state for the bot, and the next op 4 is a fresh join
with a new voice session id and a new VOICE_SERVER_UPDATE.

Tests drive server-side scenarios through Python methods: moving or kicking
the bot, reallocating the voice server, forcing a reconnect (op 7), invalidating
the session (op 9) or removing the bot from a guild. Every change of the fake's
state wakes [`FakeDiscord.wait_for()`][voltricx.testing.FakeDiscord.wait_for], so tests never need sleeps.

Pointing a library at the fake needs a few process-wide patches. They live,
with everything else that touches a Discord library, in
[`voltricx.testing.discord.clients`][voltricx.testing.discord.clients] (``configure_discordpy`` and
friends return ``LibraryPatch`` objects that undo themselves). The client
builders on [`FakeDiscord`][voltricx.testing.FakeDiscord] delegate to that module and undo their
patches when the fake is closed. The names ``LibraryPatch`` and
``configure_*`` are also available from this module, loaded on first use.

Importing this module never imports a Discord library; each helper imports
its library when called.

For example:

```python
async with FakeDiscord() as fake:
    client = fake.discordpy_client()
    task = asyncio.create_task(client.start(fake.bot_token))
    await fake.wait_for(lambda: fake.connected_shards == {0})
    ...
    await client.close()
    await task
```
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import logging
import secrets
import zlib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, cast, overload

from aiohttp import WSMsgType, web

from voltricx.testing.discord.chat import BOT_AVATAR, ChatLog, FakeUser, SentMessage

if TYPE_CHECKING:
    from voltricx.testing.discord.clients import (
        DiscordpyClient,
        DiscordpyClientT,
        DiscordpyIntents,
        DisnakeClient,
        DisnakeClientT,
        DisnakeIntents,
        HikariBot,
        LibraryPatch,
        NextcordClient,
        NextcordClientT,
        NextcordIntents,
        configure_discordpy,
        configure_disnake,
        configure_hikari,
        configure_nextcord,
    )

__all__ = [
    "FakeDiscord",
    "FakeGuild",
    "FakeUser",
    "IdentifyRecord",
    "LibraryPatch",
    "ResumeRecord",
    "SentMessage",
    "ServerUpdateRecord",
    "VoiceRequest",
    "VoiceStateRecord",
    "configure_discordpy",
    "configure_disnake",
    "configure_hikari",
    "configure_nextcord",
    "hikari_token",
]

_log = logging.getLogger("voltricx.testing.discord")

# Names that moved to voltricx.testing.discord.clients (they touch a
# Discord library); still importable from here, loaded on first access.
_ADAPTER_NAMES: Final = frozenset(
    {
        "LibraryPatch",
        "configure_discordpy",
        "configure_disnake",
        "configure_hikari",
        "configure_nextcord",
    }
)


def __getattr__(name: str) -> object:
    if name in _ADAPTER_NAMES:
        from voltricx.testing.discord import clients as fake_discord_clients

        return getattr(fake_discord_clients, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_JSON = dict[str, Any]

API_VERSION: Final = 10
DISCORD_EPOCH_MS: Final = 1_420_070_400_000
# 2024-01-01T00:00:00Z, so generated ids look like real, recent snowflakes.
_SNOWFLAKE_START_MS: Final = 1_704_067_200_000 - DISCORD_EPOCH_MS
_JOINED_AT: Final = "2024-01-01T00:00:00.000000+00:00"
_REPLAY_BUFFER: Final = 1000
_SEND_TIMEOUT: Final = 10.0
_ALL_PERMISSIONS: Final = str((1 << 50) - 1)
_DEFAULT_PERMISSIONS: Final = "1071698660929"

# Gateway opcodes used by the fake.
_OP_DISPATCH: Final = 0
_OP_HEARTBEAT: Final = 1
_OP_IDENTIFY: Final = 2
_OP_PRESENCE: Final = 3
_OP_VOICE_STATE: Final = 4
_OP_RESUME: Final = 6
_OP_RECONNECT: Final = 7
_OP_REQUEST_MEMBERS: Final = 8
_OP_INVALID_SESSION: Final = 9
_OP_HELLO: Final = 10
_OP_HEARTBEAT_ACK: Final = 11


def hikari_token(bot_id: int, secret: str = "fake") -> str:
    """Return a bot token in the shape hikari accepts for ``bot_id``.

    hikari decodes the part before the first dot as the base64 encoding of the
    bot's user id and rejects tokens where that fails. The other libraries do
    not look inside the token, so the same value works for all of them.
    """
    head = base64.b64encode(str(bot_id).encode()).decode()
    return f"{head}.ZmFrZS1kaXNjb3Jk.{secret}"


class _Snowflakes:
    """Generator of plausible, strictly increasing snowflakes."""

    def __init__(self) -> None:
        self._ms = _SNOWFLAKE_START_MS
        self._increment = itertools.count()

    def next(self) -> int:
        self._ms += 1
        return (self._ms << 22) | (1 << 17) | (1 << 12) | (next(self._increment) & 0xFFF)


def _shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


# --------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FakeGuild:
    """The scripted guild the fake serves: ids of its channels and roles."""

    id: int
    name: str
    text_channel_id: int
    voice_channel_ids: tuple[int, int]
    everyone_role_id: int
    bot_role_id: int

    def shard_id(self, shard_count: int) -> int:
        """Return the shard that receives this guild's events for ``shard_count`` shards."""
        return _shard_of(self.id, shard_count)


@dataclass(frozen=True, slots=True)
class VoiceRequest:
    """An opcode 4 (voice state update) the fake received from a client."""

    guild_id: int
    channel_id: int | None
    self_mute: bool
    self_deaf: bool
    shard_id: int
    payload: _JSON = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class VoiceStateRecord:
    """A VOICE_STATE_UPDATE for the bot that the fake sent (or the bot's current state)."""

    guild_id: int
    channel_id: int | None
    session_id: str
    self_mute: bool = False
    self_deaf: bool = False


@dataclass(frozen=True, slots=True)
class ServerUpdateRecord:
    """A VOICE_SERVER_UPDATE the fake sent; ``endpoint`` is None for a reallocation notice."""

    guild_id: int
    token: str
    endpoint: str | None


@dataclass(frozen=True, slots=True)
class IdentifyRecord:
    """An IDENTIFY the fake accepted, with the gateway session it started."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    compressed: bool


@dataclass(frozen=True, slots=True)
class ResumeRecord:
    """A RESUME the fake received; ``replayed`` counts the events sent again."""

    session_id: str
    sequence: int | None
    accepted: bool
    replayed: int
    shard_id: int | None


# --------------------------------------------------------------------------
# Gateway plumbing
# --------------------------------------------------------------------------


class _Connection:
    """One websocket connection, with its own zlib stream when compressed."""

    def __init__(self, conn_id: int, ws: web.WebSocketResponse, *, compressed: bool) -> None:
        self.id = conn_id
        self.ws = ws
        self.compressed = compressed
        self._deflate = zlib.compressobj() if compressed else None
        self._lock = asyncio.Lock()
        self.session: _Session | None = None

    async def send(self, payload: _JSON) -> bool:
        data = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return False
            try:
                if self._deflate is not None:
                    # Every message ends with a sync flush so the client can
                    # inflate it on its own; the stream context spans the connection.
                    chunk = self._deflate.compress(data.encode()) + self._deflate.flush(
                        zlib.Z_SYNC_FLUSH
                    )
                    await asyncio.wait_for(self.ws.send_bytes(chunk), _SEND_TIMEOUT)
                else:
                    await asyncio.wait_for(self.ws.send_str(data), _SEND_TIMEOUT)
            except TimeoutError:
                # The zlib stream is now out of step with the client: give up on it.
                _log.warning("connection %d: client stopped reading; closing", self.id)
                await self.close(4000, "send timed out")
                return False
            except (ConnectionError, RuntimeError) as exc:
                _log.debug("connection %d: send failed: %r", self.id, exc)
                return False
        return True

    async def close(self, code: int, message: str = "") -> None:
        with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):
            await asyncio.wait_for(self.ws.close(code=code, message=message.encode()), 5.0)


class _Session:
    """A gateway session: sequence counter, replay buffer, attached connection."""

    def __init__(self, session_id: str, shard_id: int, shard_count: int) -> None:
        self.session_id = session_id
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.seq = 0
        self.buffer: deque[_JSON] = deque(maxlen=_REPLAY_BUFFER)
        self.connection: _Connection | None = None
        self.valid = True
        self.lock = asyncio.Lock()

    def owns(self, guild_id: int) -> bool:
        return _shard_of(guild_id, self.shard_count) == self.shard_id


# --------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------


class FakeDiscord:
    """A loopback fake Discord (REST + gateway) that real Discord libraries log into.

    Args:
        guild_count: How many guilds to create when ``guild_ids`` is not given.
        guild_ids: Explicit guild ids; the first one is [`guild_id`][voltricx.testing.FakeDiscord.guild_id].
        shard_count: Shard count advertised by ``GET /gateway/bot``. Sessions
            route a guild to shard ``(guild_id >> 22) % shard_count`` using the
            shard given in their IDENTIFY.
        heartbeat_interval: Milliseconds announced in HELLO.
        max_lifetime: Seconds after which the fake closes itself, so a stuck
            test cannot keep a server alive forever. None disables it.
        voice_endpoint: Endpoint for voice server updates. None (the default)
            gives a fresh ``fake-voice-N.local:443`` each time so changes are
            observable.
        bot_name: Username of the bot user.
    """

    def __init__(
        self,
        *,
        guild_count: int = 1,
        guild_ids: Sequence[int] | None = None,
        shard_count: int = 1,
        heartbeat_interval: int = 41_250,
        max_lifetime: float | None = 300.0,
        voice_endpoint: str | None = None,
        bot_name: str = "voltricx-test-bot",
    ) -> None:
        if shard_count < 1:
            raise ValueError("shard_count must be at least 1")
        ids = _Snowflakes()
        # Guild ids first and back to back, so their shards alternate.
        chosen = (
            list(guild_ids) if guild_ids is not None else [ids.next() for _ in range(guild_count)]
        )
        if not chosen:
            raise ValueError("the fake needs at least one guild")
        self.bot_id: Final[int] = ids.next()
        """The bot's user id (also its application id)."""
        self.application_id: Final[int] = self.bot_id
        self.owner_id: Final[int] = ids.next()
        self.bot_name: Final = bot_name
        self.shard_count: int = shard_count
        """Shard count advertised by ``GET /gateway/bot``; may be changed between logins."""
        self.heartbeat_interval: Final = heartbeat_interval
        self._token = hikari_token(self.bot_id, secrets.token_urlsafe(18))
        self._max_lifetime = max_lifetime
        self._voice_endpoint = voice_endpoint

        self._all_guilds: dict[int, FakeGuild] = {}
        for n, guild_id in enumerate(chosen, start=1):
            self._all_guilds[guild_id] = FakeGuild(
                id=guild_id,
                name=f"Fake Guild {n}",
                text_channel_id=ids.next(),
                voice_channel_ids=(ids.next(), ids.next()),
                everyone_role_id=guild_id,
                bot_role_id=ids.next(),
            )
        self._member_of: set[int] = set(self._all_guilds)
        self.chat: ChatLog = ChatLog(bot_user=self._user_payload, next_id=ids.next)
        """Users and messages (text side); see ``add_user`` and ``post_message``."""
        self._user_voice: dict[tuple[int, int], int] = {}

        self._counter = itertools.count(1)
        self._voice: dict[int, VoiceStateRecord] = {}
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()
        self._patches: list[LibraryPatch] = []
        self._reverse_order = False

        self._identifies: list[IdentifyRecord] = []
        self._resumes: list[ResumeRecord] = []
        self._voice_requests: list[VoiceRequest] = []
        self._state_updates: list[VoiceStateRecord] = []
        self._server_updates: list[ServerUpdateRecord] = []
        self._ended_voice: list[VoiceStateRecord] = []
        self._rest_requests: list[tuple[str, str]] = []
        self._unhandled: list[tuple[str, str]] = []
        self._heartbeats = 0

        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._watchdog: asyncio.Task[None] | None = None
        self._closing: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ ids

    @property
    def bot_token(self) -> str:
        """The bot token clients must log in with (accepted by all four libraries)."""
        return self._token

    @property
    def guild(self) -> FakeGuild:
        """The first guild."""
        return next(iter(self._all_guilds.values()))

    @property
    def guilds(self) -> tuple[FakeGuild, ...]:
        """All configured guilds, including ones the bot was removed from."""
        return tuple(self._all_guilds.values())

    @property
    def guild_id(self) -> int:
        """Id of the first guild."""
        return self.guild.id

    @property
    def text_channel_id(self) -> int:
        """Id of the first guild's text channel."""
        return self.guild.text_channel_id

    @property
    def voice_channel_ids(self) -> tuple[int, int]:
        """Ids of the first guild's two voice channels."""
        return self.guild.voice_channel_ids

    def get_guild(self, guild_id: int) -> FakeGuild:
        """Return the configured guild ``guild_id`` (KeyError if unknown)."""
        return self._all_guilds[guild_id]

    # ------------------------------------------------------------------ urls

    @property
    def port(self) -> int:
        """The TCP port the fake listens on (0 before [`start()`][voltricx.testing.FakeDiscord.start])."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        self._require_started()
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """The REST base URL, ``http://127.0.0.1:PORT/api/v10``."""
        return f"{self.base_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """The gateway URL, ``ws://127.0.0.1:PORT/``."""
        self._require_started()
        return f"ws://127.0.0.1:{self._port}/"

    def _require_started(self) -> None:
        if self._runner is None:
            raise RuntimeError("FakeDiscord is not started; call start() or use 'async with'")

    # ------------------------------------------------------------ observed

    @property
    def identifies(self) -> tuple[IdentifyRecord, ...]:
        """Every IDENTIFY accepted, oldest first."""
        return tuple(self._identifies)

    @property
    def resumes(self) -> tuple[ResumeRecord, ...]:
        """Every RESUME received (accepted or not), oldest first."""
        return tuple(self._resumes)

    @property
    def voice_requests(self) -> tuple[VoiceRequest, ...]:
        """Every opcode 4 received, oldest first."""
        return tuple(self._voice_requests)

    @property
    def voice_state_updates(self) -> tuple[VoiceStateRecord, ...]:
        """Every VOICE_STATE_UPDATE sent for the bot, oldest first."""
        return tuple(self._state_updates)

    @property
    def server_updates(self) -> tuple[ServerUpdateRecord, ...]:
        """Every VOICE_SERVER_UPDATE sent, oldest first."""
        return tuple(self._server_updates)

    @property
    def ended_voice_states(self) -> tuple[VoiceStateRecord, ...]:
        """The bot's voice states ended by a fresh IDENTIFY of their shard, oldest first.

        Each is the state the bot had when its gateway session was replaced;
        no event was sent for it (the session that would have received one
        is gone).
        """
        return tuple(self._ended_voice)

    @property
    def rest_requests(self) -> tuple[tuple[str, str], ...]:
        """``(method, path)`` of every REST request, oldest first."""
        return tuple(self._rest_requests)

    @property
    def unhandled_requests(self) -> tuple[tuple[str, str], ...]:
        """``(method, path)`` of REST requests answered with a 404 because no route exists."""
        return tuple(self._unhandled)

    @property
    def heartbeats(self) -> int:
        """How many heartbeats clients have sent."""
        return self._heartbeats

    @property
    def connected_shards(self) -> frozenset[int]:
        """Shard ids with a live, identified or resumed connection."""
        return frozenset(
            session.shard_id
            for session in self._sessions.values()
            if session.valid and session.connection is not None and not session.connection.ws.closed
        )

    @property
    def session_ids(self) -> tuple[str, ...]:
        """Ids of the gateway sessions that can still be resumed."""
        return tuple(sid for sid, session in self._sessions.items() if session.valid)

    def voice_state(self, guild_id: int) -> VoiceStateRecord | None:
        """The bot's current voice state in ``guild_id``, or None when it is not in voice."""
        return self._voice.get(guild_id)

    def last_server_update(self, guild_id: int) -> ServerUpdateRecord | None:
        """The most recent VOICE_SERVER_UPDATE sent for ``guild_id``."""
        for update in reversed(self._server_updates):
            if update.guild_id == guild_id:
                return update
        return None

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` is true, re-checking after every change of the fake.

        Raises:
            TimeoutError: The predicate stayed false for ``timeout`` seconds.
        """
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"FakeDiscord condition not met within {timeout}s "
                f"(identifies={len(self._identifies)}, resumes={len(self._resumes)}, "
                f"voice requests={len(self._voice_requests)}, "
                f"shards={sorted(self.connected_shards)})"
            ) from None

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind the server to 127.0.0.1 on an ephemeral port."""
        if self._runner is not None:
            return
        if self._closing is not None:
            raise RuntimeError("a closed FakeDiscord cannot be restarted")
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        if self._max_lifetime is not None:
            self._watchdog = asyncio.create_task(self._expire(self._max_lifetime))
        _log.info("fake Discord listening on %s", self.base_url)

    async def _expire(self, lifetime: float) -> None:
        await asyncio.sleep(lifetime)
        _log.error("fake Discord reached its maximum lifetime of %.1fs; closing", lifetime)
        await self.close()

    async def close(self) -> None:
        """Close every connection, stop the server and undo library patches. Idempotent."""
        if self._closing is not None:
            await asyncio.shield(self._closing)
            return
        self._closing = asyncio.get_running_loop().create_future()
        try:
            watchdog = self._watchdog
            if watchdog is not None and watchdog is not asyncio.current_task():
                watchdog.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watchdog
            for session in self._sessions.values():
                session.valid = False
            connections = list(self._connections)
            if connections:
                await asyncio.gather(
                    *(conn.close(1001, "fake shutting down") for conn in connections)
                )
            if self._runner is not None:
                try:
                    await asyncio.wait_for(self._runner.cleanup(), 10.0)
                except TimeoutError:
                    _log.warning("fake Discord server did not shut down within 10s")
            self.undo_patches()
        finally:
            self._closing.set_result(None)
            self._notify()

    @property
    def closed(self) -> bool:
        """Whether [`close()`][voltricx.testing.FakeDiscord.close] has been called."""
        return self._closing is not None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --------------------------------------------------------- client helpers
    #
    # Everything that touches a Discord library lives in
    # voltricx.testing.discord.clients; these methods delegate to it.

    def keep_patch(self, patch: LibraryPatch) -> LibraryPatch:
        """Undo ``patch`` when this fake closes (or on [`undo_patches()`][voltricx.testing.FakeDiscord.undo_patches]); returns it."""
        self._patches.append(patch)
        return patch

    def undo_patches(self) -> None:
        """Undo every library patch made by this fake's client builders."""
        while self._patches:
            self._patches.pop().undo()

    @overload
    def discordpy_client(
        self, *, intents: DiscordpyIntents | None = None, **options: Any
    ) -> DiscordpyClient: ...
    @overload
    def discordpy_client(
        self,
        client_class: type[DiscordpyClientT],
        *,
        intents: DiscordpyIntents | None = None,
        **options: Any,
    ) -> DiscordpyClientT: ...
    def discordpy_client(
        self,
        client_class: type[DiscordpyClient] | None = None,
        *,
        intents: DiscordpyIntents | None = None,
        **options: Any,
    ) -> DiscordpyClient:
        """Patch discord.py to use this fake and build a client (default ``discord.Client``).

        ``intents`` default to ``Intents.default()``; ``guild_ready_timeout``
        defaults to 0.5 s because the fake sends every guild right after READY.
        The patch is undone when the fake closes (or via [`undo_patches()`][voltricx.testing.FakeDiscord.undo_patches]).
        Start it with ``await client.start(fake.bot_token)``.

        Tip: the library sleeps 5 s before every non-initial IDENTIFY (after
        an invalidated session, or for shards after the first). Override the
        client's ``before_identify_hook`` to skip that in tests.

        Implemented by [`voltricx.testing.discord.clients.discordpy_client()`][voltricx.testing.discord.clients.discordpy_client].
        """
        from voltricx.testing.discord import clients as fake_discord_clients

        if client_class is None:
            return fake_discord_clients.discordpy_client(self, intents=intents, **options)
        return fake_discord_clients.discordpy_client(self, client_class, intents=intents, **options)

    @overload
    def nextcord_client(
        self, *, intents: NextcordIntents | None = None, **options: Any
    ) -> NextcordClient: ...
    @overload
    def nextcord_client(
        self,
        client_class: type[NextcordClientT],
        *,
        intents: NextcordIntents | None = None,
        **options: Any,
    ) -> NextcordClientT: ...
    def nextcord_client(
        self,
        client_class: type[NextcordClient] | None = None,
        *,
        intents: NextcordIntents | None = None,
        **options: Any,
    ) -> NextcordClient:
        """Patch nextcord to use this fake and build a client (default ``nextcord.Client``).

        Same defaults and patch lifetime as [`discordpy_client()`][voltricx.testing.FakeDiscord.discordpy_client].
        Implemented by [`voltricx.testing.discord.clients.nextcord_client()`][voltricx.testing.discord.clients.nextcord_client].
        """
        from voltricx.testing.discord import clients as fake_discord_clients

        if client_class is None:
            return fake_discord_clients.nextcord_client(self, intents=intents, **options)
        return fake_discord_clients.nextcord_client(self, client_class, intents=intents, **options)

    @overload
    def disnake_client(
        self, *, intents: DisnakeIntents | None = None, **options: Any
    ) -> DisnakeClient: ...
    @overload
    def disnake_client(
        self,
        client_class: type[DisnakeClientT],
        *,
        intents: DisnakeIntents | None = None,
        **options: Any,
    ) -> DisnakeClientT: ...
    def disnake_client(
        self,
        client_class: type[DisnakeClient] | None = None,
        *,
        intents: DisnakeIntents | None = None,
        **options: Any,
    ) -> DisnakeClient:
        """Patch disnake to use this fake and build a client (default ``disnake.Client``).

        Same defaults and patch lifetime as [`discordpy_client()`][voltricx.testing.FakeDiscord.discordpy_client].
        Implemented by [`voltricx.testing.discord.clients.disnake_client()`][voltricx.testing.discord.clients.disnake_client].
        """
        from voltricx.testing.discord import clients as fake_discord_clients

        if client_class is None:
            return fake_discord_clients.disnake_client(self, intents=intents, **options)
        return fake_discord_clients.disnake_client(self, client_class, intents=intents, **options)

    def hikari_bot(self, **options: Any) -> HikariBot:
        """Build a ``hikari.GatewayBot`` that talks to this fake.

        Uses [`bot_token`][voltricx.testing.FakeDiscord.bot_token] and ``rest_url=api_url``; turns off the banner,
        hikari's own logging setup and its update check (the patch is undone
        when the fake closes). Start it with [`start_hikari()`][voltricx.testing.FakeDiscord.start_hikari] or
        ``bot.start(check_for_updates=False)``.
        Implemented by [`voltricx.testing.discord.clients.hikari_bot()`][voltricx.testing.discord.clients.hikari_bot].
        """
        from voltricx.testing.discord import clients as fake_discord_clients

        return fake_discord_clients.hikari_bot(self, **options)

    async def start_hikari(self, bot: HikariBot, **options: Any) -> None:
        """Start ``bot`` with the update check off; returns once its shards are up."""
        from voltricx.testing.discord import clients as fake_discord_clients

        await fake_discord_clients.start_hikari(bot, **options)

    # ------------------------------------------------------------ payloads

    def _user_payload(self) -> _JSON:
        return {
            "id": str(self.bot_id),
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": BOT_AVATAR,
            "bot": True,
            "system": False,
            "flags": 0,
            "public_flags": 0,
            "premium_type": 0,
        }

    def _own_user_payload(self) -> _JSON:
        user = self._user_payload()
        user.update(
            {
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
                "banner": None,
                "accent_color": None,
            }
        )
        return user

    def _application_payload(self) -> _JSON:
        owner = {
            "id": str(self.owner_id),
            "username": "fake-owner",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "flags": 0,
            "public_flags": 0,
        }
        return {
            "id": str(self.application_id),
            "name": self.bot_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner,
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "tags": [],
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self._member_of),
            "bot": self._user_payload(),
        }

    @staticmethod
    def _role_payload(
        role_id: int, name: str, position: int, permissions: str, *, bot_id: int | None = None
    ) -> _JSON:
        role: _JSON = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": permissions,
            "managed": bot_id is not None,
            "mentionable": False,
            "flags": 0,
        }
        if bot_id is not None:
            role["tags"] = {"bot_id": str(bot_id)}
        return role

    def _roles_payload(self, guild: FakeGuild) -> list[_JSON]:
        return [
            self._role_payload(guild.everyone_role_id, "@everyone", 0, _DEFAULT_PERMISSIONS),
            self._role_payload(
                guild.bot_role_id, self.bot_name, 1, _ALL_PERMISSIONS, bot_id=self.bot_id
            ),
        ]

    def _channels_payload(self, guild: FakeGuild) -> list[_JSON]:
        common: _JSON = {
            "guild_id": str(guild.id),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        text: _JSON = {
            **common,
            "id": str(guild.text_channel_id),
            "type": 0,
            "name": "general",
            "position": 0,
            "topic": None,
            "last_pin_timestamp": None,
            "default_auto_archive_duration": 1440,
        }
        voice = [
            {
                **common,
                "id": str(channel_id),
                "type": 2,
                "name": f"Voice {n}",
                "position": n,
                "bitrate": 64000,
                "user_limit": 0,
                "rtc_region": None,
                "video_quality_mode": 1,
            }
            for n, channel_id in enumerate(guild.voice_channel_ids, start=1)
        ]
        return [text, *voice]

    def _member_payload(self, guild: FakeGuild) -> _JSON:
        # Optional fields (premium_since, communication_disabled_until, ...) are
        # omitted rather than null: discord.py converts some of them with int().
        return {
            "user": self._user_payload(),
            "nick": None,
            "avatar": None,
            "roles": [str(guild.bot_role_id)],
            "joined_at": _JOINED_AT,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }

    def _voice_state_payload(self, guild: FakeGuild, state: VoiceStateRecord) -> _JSON:
        return {
            "guild_id": str(guild.id),
            "channel_id": str(state.channel_id) if state.channel_id is not None else None,
            "user_id": str(self.bot_id),
            "member": self._member_payload(guild),
            "session_id": state.session_id,
            "deaf": False,
            "mute": False,
            "self_deaf": state.self_deaf,
            "self_mute": state.self_mute,
            "self_stream": False,
            "self_video": False,
            "suppress": False,
            "request_to_speak_timestamp": None,
        }

    def _guild_payload(self, guild: FakeGuild) -> _JSON:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": self._roles_payload(guild),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(guild.text_channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 250000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
        }

    def _guild_create_payload(self, guild: FakeGuild) -> _JSON:
        payload = self._guild_payload(guild)
        state = self._voice.get(guild.id)
        payload.update(
            {
                "joined_at": _JOINED_AT,
                "large": False,
                "unavailable": False,
                "member_count": 1 + len(self.chat.users),
                "members": [
                    self._member_payload(guild),
                    *(user.member_payload() for user in self.chat.users.values()),
                ],
                "channels": self._channels_payload(guild),
                "threads": [],
                "presences": [],
                "voice_states": [
                    *([self._voice_state_payload(guild, state)] if state else []),
                    *(
                        self._user_voice_payload(guild, self.chat.users[user_id], channel_id)
                        for (guild_id, user_id), channel_id in self._user_voice.items()
                        if guild_id == guild.id
                    ),
                ],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        return payload

    # ------------------------------------------------------------------ REST

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/" and request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._gateway(request)
        self._rest_requests.append((request.method, request.path))
        self._notify()
        prefix = f"/api/v{API_VERSION}/"
        if not request.path.startswith(prefix):
            return self._not_found(request)
        if request.path.rstrip("/") not in (f"{prefix}gateway", f"{prefix}gateway/bot"):
            auth = request.headers.get("Authorization")
            if auth is not None and auth != f"Bot {self._token}":
                return _json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        parts = request.path[len(prefix) :].strip("/").split("/")
        body: object = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json" and raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
        result = self._route(request.method, parts, body)
        self._notify()  # after routing: a message or reaction it recorded is visible to waiters
        if result is None:
            return self._not_found(request)
        status, answer = result
        if request.method == "POST" and parts[0] == "channels" and parts[2:] == ["messages"] and status == 200:
            await self._echo_message(answer)
        return _json_response(answer, status=status)

    async def _echo_message(self, message: object) -> None:
        """Discord also sends the bot its own new message as MESSAGE_CREATE."""
        if isinstance(message, dict):
            payload = cast(_JSON, message)
            guild_id = payload.get("guild_id")
            if isinstance(guild_id, str):
                await self._dispatch_guild(int(guild_id), [("MESSAGE_CREATE", dict(payload))])

    def _not_found(self, request: web.Request) -> web.Response:
        _log.warning(
            "fake Discord: no route for %s %s; answering 404", request.method, request.path
        )
        self._unhandled.append((request.method, request.path))
        return _json_response({"message": "404: Not Found", "code": 0}, status=404)

    def _route(self, method: str, parts: list[str], body: object = None) -> tuple[int, object] | None:
        bot = str(self.bot_id)
        match method, parts:
            case "GET", ["users", "@me"]:
                return 200, self._own_user_payload()
            case "GET", ["users", user_id] if user_id == bot:
                return 200, self._user_payload()
            case "GET", ["oauth2", "applications", "@me"] | ["applications", "@me"]:
                return 200, self._application_payload()
            case "GET", ["gateway"]:
                return 200, {"url": self.gateway_url}
            case "GET", ["gateway", "bot"]:
                return 200, self._gateway_bot_payload()
            case (("GET" | "PUT"), ["applications", _, "commands"]):
                return 200, []
            case (("GET" | "PUT"), ["applications", _, "guilds", _, "commands"]):
                return 200, []
            case "GET", ["guilds", guild_id, *rest]:
                return self._guild_route(guild_id, rest)
            case "GET", ["channels", channel_id]:
                return self._channel_route(channel_id)
            case _, ["channels", channel_id, *rest] if rest and channel_id.isdigit():
                guild = self._guild_of_channel(int(channel_id))
                if guild is None or guild.id not in self._member_of:
                    return None
                return self.chat.route(method, int(channel_id), rest, body, guild.id, self.bot_id)
            case _:
                return None

    def _gateway_bot_payload(self) -> _JSON:
        return {
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000,
                "reset_after": 86_400_000,
                "max_concurrency": min(self.shard_count, 16),
            },
        }

    def _guild_route(self, raw_id: str, rest: list[str]) -> tuple[int, object] | None:
        guild = self._all_guilds.get(int(raw_id)) if raw_id.isdigit() else None
        if guild is None or guild.id not in self._member_of:
            return 404, {"message": "Unknown Guild", "code": 10004}
        match rest:
            case []:
                return 200, self._guild_payload(guild)
            case ["channels"]:
                return 200, self._channels_payload(guild)
            case ["roles"]:
                return 200, self._roles_payload(guild)
            case ["members", user_id]:
                if user_id == str(self.bot_id):
                    return 200, self._member_payload(guild)
                user = self.chat.users.get(int(user_id)) if user_id.isdigit() else None
                if user is not None:
                    return 200, user.member_payload()
                return 404, {"message": "Unknown Member", "code": 10007}
            case _:
                return None

    def _channel_route(self, raw_id: str) -> tuple[int, object]:
        if raw_id.isdigit():
            for guild_id in self._member_of:
                guild = self._all_guilds[guild_id]
                for channel in self._channels_payload(guild):
                    if channel["id"] == raw_id:
                        return 200, channel
        return 404, {"message": "Unknown Channel", "code": 10003}

    # --------------------------------------------------------------- gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, compress=False, timeout=5.0)
        await ws.prepare(request)
        compress = request.query.get("compress", "")
        encoding = request.query.get("encoding", "json")
        if encoding != "json" or compress not in ("", "zlib-stream"):
            _log.warning("fake Discord: unsupported encoding=%r compress=%r", encoding, compress)
            await ws.close(code=4000, message=b"unsupported encoding or compression")
            return ws
        conn = _Connection(next(self._counter), ws, compressed=compress == "zlib-stream")
        self._connections.add(conn)
        _log.debug("connection %d opened (compress=%r)", conn.id, compress or None)
        try:
            await conn.send(_control(_OP_HELLO, {"heartbeat_interval": self.heartbeat_interval}))
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    raw = cast(str, message.data)
                elif message.type is WSMsgType.BINARY:
                    raw = cast(bytes, message.data).decode()
                else:
                    break
                try:
                    payload = cast(_JSON, json.loads(raw))
                except ValueError:
                    _log.warning("connection %d: undecodable payload", conn.id)
                    await conn.close(4002, "decode error")
                    break
                await self._on_payload(conn, payload)
        finally:
            self._connections.discard(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
            _log.debug("connection %d closed (code %s)", conn.id, ws.close_code)
            self._notify()
        return ws

    async def _on_payload(self, conn: _Connection, payload: _JSON) -> None:
        op = payload.get("op")
        data: Any = payload.get("d")
        if op == _OP_HEARTBEAT:
            self._heartbeats += 1
            await conn.send(_control(_OP_HEARTBEAT_ACK, None))
            self._notify()
        elif op == _OP_IDENTIFY:
            await self._identify(conn, cast(_JSON, data))
        elif op == _OP_RESUME:
            await self._resume(conn, cast(_JSON, data))
        elif op == _OP_VOICE_STATE:
            await self._voice_request(conn, cast(_JSON, data))
        elif op == _OP_REQUEST_MEMBERS:
            await self._request_members(conn, cast(_JSON, data))
        elif op == _OP_PRESENCE:
            _log.debug("connection %d: presence update ignored", conn.id)
        else:
            _log.warning("connection %d: unsupported opcode %r ignored", conn.id, op)

    def _check_token(self, token: object) -> bool:
        return isinstance(token, str) and token.removeprefix("Bot ") == self._token

    async def _identify(self, conn: _Connection, data: _JSON) -> None:
        if conn.session is not None and conn.session.valid:
            await conn.close(4005, "Already authenticated")
            return
        if not self._check_token(data.get("token")):
            await conn.close(4004, "Authentication failed")
            return
        shard: list[int] = data.get("shard") or [0, 1]
        shard_id, shard_count = int(shard[0]), int(shard[1])
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await conn.close(4010, "Invalid shard")
            return
        # A fresh IDENTIFY replaces any earlier session for the same shard.
        for old in self._sessions.values():
            if old.valid and old.shard_id == shard_id:
                old.valid = False
        session = _Session(f"fake-session-{next(self._counter)}", shard_id, shard_count)
        self._end_voice_sessions(session)
        self._sessions[session.session_id] = session
        conn.session = session
        self._identifies.append(
            IdentifyRecord(
                session_id=session.session_id,
                shard_id=shard_id,
                shard_count=shard_count,
                intents=int(data.get("intents") or 0),
                compressed=conn.compressed,
            )
        )
        owned = [gid for gid in self._member_of if session.owns(gid)]
        ready: _JSON = {
            "v": API_VERSION,
            "user": self._own_user_payload(),
            "guilds": [{"id": str(gid), "unavailable": True} for gid in owned],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        }
        async with session.lock:
            session.connection = conn
            await self._emit(session, "READY", ready)
            for gid in owned:
                await self._emit(
                    session, "GUILD_CREATE", self._guild_create_payload(self._all_guilds[gid])
                )
        _log.info("shard %d/%d identified as %s", shard_id, shard_count, session.session_id)
        self._notify()

    def _end_voice_sessions(self, session: _Session) -> None:
        """Forget the bot's voice states in the guilds ``session`` now serves.

        Discord ties voice connections to the gateway session that made them:
        once that session is replaced by a fresh IDENTIFY, the bot is out of
        voice there. The new session's GUILD_CREATE lists no voice state for
        it, and the next op 4 is a fresh join (new voice session id, new
        server). Nothing is sent to the new session about it. A RESUME keeps
        the old session, so it never gets here.
        """
        for guild_id in [gid for gid in self._voice if session.owns(gid)]:
            ended = self._voice.pop(guild_id)
            self._ended_voice.append(ended)
            _log.info(
                "guild %d: voice session %s ended with its gateway session",
                guild_id,
                ended.session_id,
            )

    async def _resume(self, conn: _Connection, data: _JSON) -> None:
        if not self._check_token(data.get("token")):
            await conn.close(4004, "Authentication failed")
            return
        session_id = str(data.get("session_id"))
        raw_seq = data.get("seq")
        seq = int(raw_seq) if raw_seq is not None else None
        session = self._sessions.get(session_id)
        last = seq or 0
        if (
            session is None
            or not session.valid
            or (session.buffer and last < cast(int, session.buffer[0]["s"]) - 1)
        ):
            self._resumes.append(ResumeRecord(session_id, seq, False, 0, None))
            await conn.send(_control(_OP_INVALID_SESSION, False))
            self._notify()
            return
        previous = session.connection
        async with session.lock:
            session.connection = conn
            conn.session = session
            missed = [event for event in session.buffer if cast(int, event["s"]) > last]
            for event in missed:
                await conn.send(event)
            await self._emit(session, "RESUMED", {})
        self._resumes.append(ResumeRecord(session_id, seq, True, len(missed), session.shard_id))
        _log.info("session %s resumed, %d events replayed", session_id, len(missed))
        self._notify()
        if previous is not None and previous is not conn:
            await previous.close(4000, "session resumed elsewhere")

    async def _emit(self, session: _Session, event: str, data: object) -> None:
        """Send a dispatch on ``session``; the caller holds ``session.lock``."""
        session.seq += 1
        payload: _JSON = {"op": _OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(payload)
        if session.connection is not None:
            await session.connection.send(payload)

    def _session_for_guild(self, guild_id: int) -> _Session | None:
        for session in reversed(self._sessions.values()):
            if session.valid and session.owns(guild_id):
                return session
        return None

    async def _dispatch_guild(self, guild_id: int, events: list[tuple[str, _JSON]]) -> bool:
        """Send ``events`` in order, back to back, to the session owning ``guild_id``."""
        session = self._session_for_guild(guild_id)
        if session is None:
            _log.warning(
                "no gateway session for guild %d; dropping %s", guild_id, [e for e, _ in events]
            )
            return False
        async with session.lock:
            for name, data in events:
                await self._emit(session, name, data)
        return True

    async def _request_members(self, conn: _Connection, data: _JSON) -> None:
        guild_id = int(data.get("guild_id") or 0)
        guild = self._all_guilds.get(guild_id)
        session = conn.session
        if guild is None or session is None:
            return
        chunk: _JSON = {
            "guild_id": str(guild_id),
            "members": [self._member_payload(guild)],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("presences"):
            chunk["presences"] = []
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        async with session.lock:
            await self._emit(session, "GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------------ voice

    def _new_voice_session(self) -> str:
        return f"fake-voice-session-{next(self._counter)}"

    def _new_server_update(
        self, guild_id: int, *, null_endpoint: bool = False
    ) -> ServerUpdateRecord:
        n = next(self._counter)
        endpoint = None if null_endpoint else (self._voice_endpoint or f"fake-voice-{n}.local:443")
        return ServerUpdateRecord(guild_id, f"fake-voice-token-{n}", endpoint)

    def _state_event(self, guild: FakeGuild, state: VoiceStateRecord) -> tuple[str, _JSON]:
        self._state_updates.append(state)
        return "VOICE_STATE_UPDATE", self._voice_state_payload(guild, state)

    def _server_event(self, update: ServerUpdateRecord) -> tuple[str, _JSON]:
        self._server_updates.append(update)
        return "VOICE_SERVER_UPDATE", {
            "token": update.token,
            "guild_id": str(update.guild_id),
            "endpoint": update.endpoint,
        }

    def _pair(self, state: tuple[str, _JSON], server: tuple[str, _JSON]) -> list[tuple[str, _JSON]]:
        return [server, state] if self._reverse_order else [state, server]

    async def _voice_request(self, conn: _Connection, data: _JSON) -> None:
        session = conn.session
        guild_id = int(data.get("guild_id") or 0)
        raw_channel = data.get("channel_id")
        channel_id = int(raw_channel) if raw_channel is not None else None
        self_mute, self_deaf = bool(data.get("self_mute")), bool(data.get("self_deaf"))
        self._voice_requests.append(
            VoiceRequest(
                guild_id=guild_id,
                channel_id=channel_id,
                self_mute=self_mute,
                self_deaf=self_deaf,
                shard_id=session.shard_id if session is not None else -1,
                payload=data,
            )
        )
        self._notify()
        guild = self._all_guilds.get(guild_id)
        if session is None or guild is None or guild_id not in self._member_of:
            _log.warning("op 4 for unknown guild %d or unidentified connection ignored", guild_id)
            return
        if channel_id is not None and channel_id not in guild.voice_channel_ids:
            _log.warning("op 4 for unknown voice channel %d ignored", channel_id)
            return
        previous = self._voice.get(guild_id)
        events: list[tuple[str, _JSON]]
        if channel_id is None:
            # Leaving: only a null-channel state update, no server update.
            self._voice.pop(guild_id, None)
            sid = previous.session_id if previous is not None else self._new_voice_session()
            events = [
                self._state_event(
                    guild, VoiceStateRecord(guild_id, None, sid, self_mute, self_deaf)
                )
            ]
        elif previous is not None and previous.channel_id == channel_id:
            # Mute/deaf change only.
            state = VoiceStateRecord(
                guild_id, channel_id, previous.session_id, self_mute, self_deaf
            )
            self._voice[guild_id] = state
            events = [self._state_event(guild, state)]
        else:
            # Join (fresh voice session) or move (same session): state plus server update.
            sid = previous.session_id if previous is not None else self._new_voice_session()
            state = VoiceStateRecord(guild_id, channel_id, sid, self_mute, self_deaf)
            self._voice[guild_id] = state
            events = self._pair(
                self._state_event(guild, state),
                self._server_event(self._new_server_update(guild_id)),
            )
        await self._dispatch_guild(guild_id, events)
        self._notify()

    # ----------------------------------------------------------- control API

    def _voice_guild(self, guild_id: int) -> tuple[FakeGuild, VoiceStateRecord]:
        state = self._voice.get(guild_id)
        if state is None:
            raise RuntimeError(f"the bot is not in a voice channel in guild {guild_id}")
        return self._all_guilds[guild_id], state

    def set_reverse_order(self, reverse: bool = True) -> None:
        """Send VOICE_SERVER_UPDATE before VOICE_STATE_UPDATE from now on (or restore)."""
        self._reverse_order = reverse

    async def move_bot(
        self, guild_id: int, channel_id: int, *, server_update: bool = False
    ) -> VoiceStateRecord:
        """Move the bot to another voice channel, as a moderator would.

        Sends a state update with the new channel and the same voice session.
        With ``server_update`` a new VOICE_SERVER_UPDATE follows.

        Raises:
            RuntimeError: The bot is not in voice in that guild.
            ValueError: ``channel_id`` is not one of the guild's voice channels.
        """
        guild, current = self._voice_guild(guild_id)
        if channel_id not in guild.voice_channel_ids:
            raise ValueError(f"{channel_id} is not a voice channel of guild {guild_id}")
        state = VoiceStateRecord(
            guild_id, channel_id, current.session_id, current.self_mute, current.self_deaf
        )
        self._voice[guild_id] = state
        events = [self._state_event(guild, state)]
        if server_update:
            events = self._pair(events[0], self._server_event(self._new_server_update(guild_id)))
        await self._dispatch_guild(guild_id, events)
        self._notify()
        return state

    # ------------------------------------------------------------- users, chat

    def _guild_of_channel(self, channel_id: int) -> FakeGuild | None:
        for guild in self._all_guilds.values():
            if channel_id == guild.text_channel_id or channel_id in guild.voice_channel_ids:
                return guild
        return None

    def _user_voice_payload(self, guild: FakeGuild, user: FakeUser, channel_id: int | None) -> _JSON:
        return {
            "guild_id": str(guild.id),
            "channel_id": str(channel_id) if channel_id is not None else None,
            "user_id": str(user.id),
            "member": user.member_payload(),
            "session_id": f"user-voice-{user.id}",
            "deaf": False,
            "mute": False,
            "self_deaf": False,
            "self_mute": False,
            "self_stream": False,
            "self_video": False,
            "suppress": False,
            "request_to_speak_timestamp": None,
        }

    def add_user(self, name: str = "listener", *, bot: bool = False) -> FakeUser:
        """Create a user (human unless ``bot``) who is a member of every guild.

        Add users before the bot logs in so its GUILD_CREATE lists them; users
        added later reach the bot with their first message or voice move.
        """
        user = self.chat.add_user(name, bot=bot)
        self._notify()
        return user

    @property
    def messages(self) -> tuple[SentMessage, ...]:
        """Every message in the fake's channels (the bot's and the posted ones), oldest first."""
        return tuple(self.chat.messages)

    def bot_messages(self, channel_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (optionally in one channel), oldest first."""
        return [
            m
            for m in self.chat.messages
            if m.author_id == self.bot_id and (channel_id is None or m.channel_id == channel_id)
        ]

    async def post_message(
        self, user: FakeUser, content: str, *, channel_id: int | None = None, guild_id: int | None = None
    ) -> SentMessage:
        """``user`` writes ``content`` in a text channel (default: the first guild's): MESSAGE_CREATE.

        A bot's prefix command is just such a message (``"!play song"``).
        """
        guild = self._all_guilds[guild_id] if guild_id is not None else self.guild
        channel = channel_id if channel_id is not None else guild.text_channel_id
        message = self.chat.post(channel, user.id, content)
        await self._dispatch_guild(guild.id, [("MESSAGE_CREATE", self.chat.message_payload(message, guild.id))])
        self._notify()
        return message

    async def post_command(self, user: FakeUser, command: str, *args: str, prefix: str = "!") -> SentMessage:
        """``user`` types a prefix command: ``post_command(user, "play", "song")`` posts ``!play song``."""
        return await self.post_message(user, " ".join([prefix + command, *args]))

    async def move_user(self, user: FakeUser, channel_id: int | None, *, guild_id: int | None = None) -> None:
        """Put ``user`` in voice channel ``channel_id`` (``None``: out of voice): VOICE_STATE_UPDATE."""
        guild = self._all_guilds[guild_id] if guild_id is not None else self.guild
        if channel_id is not None and channel_id not in guild.voice_channel_ids:
            raise ValueError(f"{channel_id} is not a voice channel of guild {guild.id}")
        if channel_id is None:
            self._user_voice.pop((guild.id, user.id), None)
        else:
            self._user_voice[(guild.id, user.id)] = channel_id
        payload = self._user_voice_payload(guild, user, channel_id)
        await self._dispatch_guild(guild.id, [("VOICE_STATE_UPDATE", payload)])
        self._notify()

    def user_voice_channel(self, user: FakeUser, guild_id: int | None = None) -> int | None:
        """The voice channel ``user`` is in, as the fake last told the bot."""
        guild = guild_id if guild_id is not None else self.guild.id
        return self._user_voice.get((guild, user.id))

    async def kick_bot(self, guild_id: int) -> VoiceStateRecord:
        """Disconnect the bot from voice: a state update with a null channel, nothing else.

        Raises:
            RuntimeError: The bot is not in voice in that guild.
        """
        guild, current = self._voice_guild(guild_id)
        del self._voice[guild_id]
        state = VoiceStateRecord(
            guild_id, None, current.session_id, current.self_mute, current.self_deaf
        )
        await self._dispatch_guild(guild_id, [self._state_event(guild, state)])
        self._notify()
        return state

    async def send_server_update(
        self,
        guild_id: int,
        *,
        token: str | None = None,
        endpoint: str | None = None,
        null_endpoint: bool = False,
    ) -> ServerUpdateRecord:
        """Send one VOICE_SERVER_UPDATE (fresh token and endpoint unless given).

        ``null_endpoint=True`` sends ``endpoint: null``, Discord's notice that
        the voice server is being moved.
        """
        update = self._new_server_update(guild_id, null_endpoint=null_endpoint)
        if token is not None:
            update = ServerUpdateRecord(guild_id, token, update.endpoint)
        if endpoint is not None and not null_endpoint:
            update = ServerUpdateRecord(guild_id, update.token, endpoint)
        await self._dispatch_guild(guild_id, [self._server_event(update)])
        self._notify()
        return update

    async def reallocate(self, guild_id: int, *, null_first: bool = True) -> ServerUpdateRecord:
        """Move the guild's voice server: optionally a null-endpoint update, then a real one.

        Returns the final (non-null) update.

        Raises:
            RuntimeError: The bot is not in voice in that guild.
        """
        self._voice_guild(guild_id)
        events: list[tuple[str, _JSON]] = []
        if null_first:
            events.append(self._server_event(self._new_server_update(guild_id, null_endpoint=True)))
        final = self._new_server_update(guild_id)
        events.append(self._server_event(final))
        await self._dispatch_guild(guild_id, events)
        self._notify()
        return final

    async def dispatch(
        self, event: str, data: Mapping[str, Any], *, guild_id: int | None = None, shard_id: int = 0
    ) -> bool:
        """Send any dispatch event (``t`` = ``event``) with payload ``data``.

        It goes to the session owning ``guild_id`` when given, otherwise to the
        current session of ``shard_id``. Like every dispatch it gets the next
        sequence number and is replayed on RESUME. Returns False (and logs)
        when no session would receive it.
        """
        if guild_id is not None:
            sent = await self._dispatch_guild(guild_id, [(event, dict(data))])
            self._notify()
            return sent
        for session in reversed(self._sessions.values()):
            if session.valid and session.shard_id == shard_id:
                async with session.lock:
                    await self._emit(session, event, dict(data))
                self._notify()
                return True
        _log.warning("no gateway session for shard %d; dropping %s", shard_id, event)
        return False

    def _live_sessions(self, shard_id: int | None) -> list[_Session]:
        return [
            session
            for session in self._sessions.values()
            if session.valid
            and session.connection is not None
            and (shard_id is None or session.shard_id == shard_id)
        ]

    async def force_reconnect(self, shard_id: int | None = None) -> int:
        """Send op 7 RECONNECT on every live session (or one shard's); returns how many.

        The session stays resumable, so clients are expected to RESUME.
        """
        sessions = self._live_sessions(shard_id)
        for session in sessions:
            async with session.lock:
                if session.connection is not None:
                    await session.connection.send(_control(_OP_RECONNECT, None))
        self._notify()
        return len(sessions)

    async def invalidate_session(self, resumable: bool = False, shard_id: int | None = None) -> int:
        """Send op 9 INVALID SESSION on every live session (or one shard's); returns how many.

        When not ``resumable`` the sessions are discarded, so clients must IDENTIFY again;
        that new IDENTIFY ends the bot's voice sessions in the shard's guilds
        (see [`ended_voice_states`][voltricx.testing.FakeDiscord.ended_voice_states]).
        """
        sessions = self._live_sessions(shard_id)
        for session in sessions:
            async with session.lock:
                if not resumable:
                    session.valid = False
                if session.connection is not None:
                    await session.connection.send(_control(_OP_INVALID_SESSION, resumable))
        self._notify()
        return len(sessions)

    async def drop_connections(self, code: int = 4000) -> int:
        """Close every gateway connection with ``code``; sessions stay resumable."""
        connections = list(self._connections)
        await asyncio.gather(*(conn.close(code, "dropped by fake") for conn in connections))
        self._notify()
        return len(connections)

    async def remove_from_guild(self, guild_id: int) -> None:
        """Remove the bot from a guild: GUILD_DELETE, and later logins omit the guild.

        Raises:
            RuntimeError: The bot is not a member of that guild.
        """
        if guild_id not in self._member_of:
            raise RuntimeError(f"the bot is not a member of guild {guild_id}")
        await self._dispatch_guild(guild_id, [("GUILD_DELETE", {"id": str(guild_id)})])
        self._member_of.discard(guild_id)
        self._voice.pop(guild_id, None)
        self._notify()


def _control(op: int, data: object) -> _JSON:
    # Non-dispatch messages still carry null "s" and "t": nextcord reads both keys.
    return {"op": op, "d": data, "s": None, "t": None}


def _json_response(body: object, *, status: int = 200) -> web.Response:
    # The dpy family compares the header to exactly "application/json".
    if status == 204:
        return web.Response(status=204)
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
