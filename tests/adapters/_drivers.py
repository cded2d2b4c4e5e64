"""Drivers that run the real Discord libraries against FakeDiscord.

Each library is wrapped in a small *driver* that logs in, joins voice the
library's own way for raw voice data, and records what the library hands to
user code, normalised to plain ints and strings:

* ``("state", guild_id, channel_id | None, session_id)`` for the bot's own
  voice state update,
* ``("server", guild_id, token, endpoint | None)`` for a voice server update,
* ``("ready",)``, ``("resumed",)``, ``("guild", guild_id)`` and
  ``("guild_removed", guild_id)`` for lifecycle events.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

from voltricx.testing.discord.gateway import FakeDiscord

LIBRARIES = ("discord", "nextcord", "disnake", "hikari")
TIMEOUT = 20.0

Event = tuple[Any, ...]


class Observed:
    """Events a library delivered to user code, with a change-driven waiter."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Event()

    def add(self, *event: Any) -> None:
        self.events.append(event)
        self._changed.set()
        self._changed = asyncio.Event()

    def of(self, kind: str, start: int = 0) -> list[Event]:
        return [event for event in self.events[start:] if event[0] == kind]

    def count(self, kind: str) -> int:
        return len(self.of(kind))

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"library never delivered the expected events: {self.events}"
            ) from None

    async def wait_joined(self, guild_id: int, channel_id: int, start: int) -> None:
        """Wait for a state update in ``channel_id`` and a server update with an endpoint."""
        await self.wait_for(
            lambda: (
                any(e[1:3] == (guild_id, channel_id) for e in self.of("state", start))
                and any(e[1] == guild_id and e[3] is not None for e in self.of("server", start))
            )
        )


def _state(data: dict[str, Any]) -> Event:
    channel = data.get("channel_id")
    return (
        "state",
        int(data["guild_id"]),
        int(channel) if channel is not None else None,
        data["session_id"],
    )


def _server(data: dict[str, Any]) -> Event:
    return ("server", int(data["guild_id"]), data["token"], data["endpoint"])


class Driver:
    """Common interface of the per-library drivers."""

    name: str

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.observed = Observed()

    async def start(self) -> None:
        raise NotImplementedError

    async def join(self, guild_id: int, channel_id: int) -> None:
        raise NotImplementedError

    def voice_registered(self, guild_id: int) -> bool:
        """Whether the library still has voice bookkeeping for the guild."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def wait_ready(self, guild_id: int, readies: int = 1) -> None:
        await self.observed.wait_for(
            lambda: (
                self.observed.count("ready") >= readies
                and sum(1 for e in self.observed.of("guild") if e[1] == guild_id) >= readies
            )
        )


class DpyFamilyDriver(Driver):
    """discord.py, nextcord or disnake: raw voice through a ``VoiceProtocol`` subclass."""

    def __init__(self, fake: FakeDiscord, module_name: str, **client_options: Any) -> None:
        super().__init__(fake)
        self.name = module_name
        self.lib: Any = importlib.import_module(module_name)
        builder = {
            "discord": fake.discordpy_client,
            "nextcord": fake.nextcord_client,
            "disnake": fake.disnake_client,
        }[module_name]
        client_class = client_options.pop("client_class", None)
        if client_class is not None:
            self.client: Any = builder(client_class, **client_options)
        else:
            self.client = builder(**client_options)
        self.protocol_class = self._protocol_class()

        async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
            """Skip the library's 5 s pause before a non-initial IDENTIFY."""

        # before_identify_hook is the library's documented override point.
        self.client.before_identify_hook = identify_now
        self._task: asyncio.Task[None] | None = None
        self._register_events()

    def _register_events(self) -> None:
        observed = self.observed

        async def on_ready() -> None:
            observed.add("ready")

        async def on_resumed() -> None:
            observed.add("resumed")

        async def on_guild_available(guild: Any) -> None:
            observed.add("guild", guild.id)

        async def on_guild_join(guild: Any) -> None:
            observed.add("guild", guild.id)

        async def on_guild_remove(guild: Any) -> None:
            observed.add("guild_removed", guild.id)

        for handler in (on_ready, on_resumed, on_guild_available, on_guild_join, on_guild_remove):
            self.client.event(handler)

    def _protocol_class(self) -> type[Any]:
        observed = self.observed
        base: type[Any] = self.lib.VoiceProtocol

        class RecordingVoiceProtocol(base):  # type: ignore[misc, valid-type]
            """Minimal raw-voice protocol: sends op 4 and records both voice events."""

            async def on_voice_state_update(self, data: dict[str, Any]) -> None:
                observed.add(*_state(data))
                if data.get("channel_id") is None:
                    # Kicked or left: the library keeps us registered otherwise.
                    self.cleanup()

            async def on_voice_server_update(self, data: dict[str, Any]) -> None:
                observed.add(*_server(data))

            async def connect(self, *, timeout: float, reconnect: bool, **_: Any) -> None:
                start = len(observed.events)
                guild = self.channel.guild
                await guild.change_voice_state(channel=self.channel)
                await observed.wait_for(
                    lambda: (
                        any(e[2] == self.channel.id for e in observed.of("state", start))
                        and any(e[3] is not None for e in observed.of("server", start))
                    ),
                    timeout,
                )

            async def disconnect(self, *, force: bool = False) -> None:
                await self.channel.guild.change_voice_state(channel=None)
                self.cleanup()

        return RecordingVoiceProtocol

    async def start(self) -> None:
        self._task = asyncio.create_task(self.client.start(self.fake.bot_token))

    async def join(self, guild_id: int, channel_id: int) -> None:
        channel = self.client.get_channel(channel_id)
        assert channel is not None, "voice channel not cached"
        assert channel.guild.id == guild_id
        await channel.connect(cls=self.protocol_class, timeout=TIMEOUT)

    def voice_registered(self, guild_id: int) -> bool:
        guild = self.client.get_guild(guild_id)
        return guild is not None and guild.voice_client is not None

    async def close(self) -> None:
        if self._task is None:
            return
        task, self._task = self._task, None
        await asyncio.wait_for(self.client.close(), TIMEOUT)
        await asyncio.wait_for(task, TIMEOUT)


class HikariDriver(Driver):
    """hikari: ``update_voice_state`` plus global voice event listeners."""

    name = "hikari"

    def __init__(self, fake: FakeDiscord, **bot_options: Any) -> None:
        super().__init__(fake)
        import hikari

        self.hikari: Any = hikari
        self.bot: Any = fake.hikari_bot(**bot_options)
        self._started = False
        observed = self.observed
        bot_id = fake.bot_id

        async def on_state(event: Any) -> None:
            state = event.state
            if int(state.user_id) == bot_id:
                channel = state.channel_id
                observed.add(
                    "state",
                    int(state.guild_id),
                    int(channel) if channel is not None else None,
                    state.session_id,
                )

        async def on_server(event: Any) -> None:
            observed.add("server", int(event.guild_id), event.token, event.raw_endpoint)

        async def on_ready(_: Any) -> None:
            observed.add("ready")

        async def on_resumed(_: Any) -> None:
            observed.add("resumed")

        async def on_guild(event: Any) -> None:
            observed.add("guild", int(event.guild_id))

        async def on_guild_leave(event: Any) -> None:
            observed.add("guild_removed", int(event.guild_id))

        self.bot.subscribe(hikari.VoiceStateUpdateEvent, on_state)
        self.bot.subscribe(hikari.VoiceServerUpdateEvent, on_server)
        self.bot.subscribe(hikari.ShardReadyEvent, on_ready)
        self.bot.subscribe(hikari.ShardResumedEvent, on_resumed)
        self.bot.subscribe(hikari.GuildAvailableEvent, on_guild)
        self.bot.subscribe(hikari.GuildJoinEvent, on_guild)
        self.bot.subscribe(hikari.GuildLeaveEvent, on_guild_leave)

    async def start(self) -> None:
        self._started = True
        await asyncio.wait_for(self.fake.start_hikari(self.bot), TIMEOUT)

    async def join(self, guild_id: int, channel_id: int) -> None:
        start = len(self.observed.events)
        await self.bot.update_voice_state(guild_id, channel_id)
        await self.observed.wait_joined(guild_id, channel_id, start)

    def voice_registered(self, guild_id: int) -> bool:
        # hikari keeps no per-guild voice registry for raw voice users; the
        # cache's own voice state is what is left.
        return self.bot.cache.get_voice_state(guild_id, self.fake.bot_id) is not None

    async def close(self) -> None:
        if not self._started:
            return
        self._started = False
        await asyncio.wait_for(self.bot.close(), TIMEOUT)


def make_driver(fake: FakeDiscord, library: str, **options: Any) -> Driver:
    if library == "hikari":
        return HikariDriver(fake, **options)
    return DpyFamilyDriver(fake, library, **options)


def issued_voice(fake: FakeDiscord, guild_id: int | None = None) -> dict[str, Any]:
    """The voice object a node must receive for what FakeDiscord issued last in ``guild_id`` (default: its guild)."""
    guild = fake.guild_id if guild_id is None else guild_id
    state = fake.voice_state(guild)
    server = fake.last_server_update(guild)
    assert state is not None and state.channel_id is not None
    assert server is not None and server.endpoint is not None
    return {
        "token": server.token,
        "endpoint": server.endpoint,
        "sessionId": state.session_id,
        "channelId": str(state.channel_id),
    }
