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
import json
import logging
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, overload

from aiohttp import web

from voltricx.testing.discord.chat import FakeUser, SentMessage

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
from voltricx.testing.discord._records import (
    FakeGuild,
    IdentifyRecord,
    ResumeRecord,
    ServerUpdateRecord,
    VoiceRequest,
    VoiceStateRecord,
    hikari_token,
)
from voltricx.testing.discord._wire import API_VERSION, json_response
from voltricx.testing.discord.rest import RestMixin

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


class FakeDiscord(RestMixin):
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
            self._tasks.spawn(self._expire(self._max_lifetime), name="FakeDiscord:watchdog")
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
            await self._tasks.cancel_all()  # the watchdog, unless it is the caller
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
                return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
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
        if (
            request.method == "POST"
            and parts[0] == "channels"
            and parts[2:] == ["messages"]
            and status == 200
        ):
            await self._echo_message(answer)
        return json_response(answer, status=status)
