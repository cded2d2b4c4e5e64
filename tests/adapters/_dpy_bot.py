"""A discord.py / nextcord / disnake client logged into FakeDiscord, with voltricx listeners.

The harness registers native ``on_voltricx_*`` listeners the library's own
way (``client.event``) and records what they receive, so tests can assert
what a bot author's listener would see.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from voltricx.testing.discord.gateway import FakeDiscord

from ._drivers import TIMEOUT, Observed

DPY_LIBRARIES = ("discord", "nextcord", "disnake")
ADAPTER_MODULES = {
    "discord": "voltricx.adapters.discordpy",
    "nextcord": "voltricx.adapters.nextcord",
    "disnake": "voltricx.adapters.disnake",
}
#: Core events a listener is registered for: name -> number of positional arguments.
LISTENED = {
    "node_ready": 1,
    "node_disconnected": 1,
    "failover": 3,
    "node_draining": 1,
    "node_removed": 1,
    "players_moved": 4,
    "track_start": 1,
    "track_end": 1,
    "player_destroyed": 1,
}


class DpyBot:
    """One logged-in client of a dpy-family library, plus its adapter module.

    ``patched_by``: another fake the library is already pointed at (its REST
    base and gateway URLs are process-wide); the client then reaches ``fake``
    through it as an HTTP proxy, so two bots of one library can each log into
    a fake of their own. ``guild_id``: the guild ``start`` waits for (default:
    the fake's first). ``options`` go to the client.
    """

    def __init__(
        self,
        fake: FakeDiscord,
        library: str,
        *,
        patched_by: FakeDiscord | None = None,
        guild_id: int | None = None,
        **options: Any,
    ) -> None:
        self.fake = fake
        self.guild_id = guild_id if guild_id is not None else fake.guild_id
        self.library = library
        self.lib: Any = importlib.import_module(library)
        self.adapter: Any = importlib.import_module(ADAPTER_MODULES[library])
        self.Player: Any = self.adapter.Player
        host = patched_by or fake
        builder = {
            "discord": host.discordpy_client,
            "nextcord": host.nextcord_client,
            "disnake": host.disnake_client,
        }[library]
        if patched_by is not None and patched_by is not fake:
            options["proxy"] = fake.api_url.partition("/api/")[0]
        self.client: Any = builder(**options)
        self.observed = Observed()
        self._task: asyncio.Task[None] | None = None

        async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
            """Skip the library's 5 s pause before a non-initial IDENTIFY."""

        self.client.before_identify_hook = identify_now
        self._register()

    def _register(self) -> None:
        observed = self.observed

        async def on_ready() -> None:
            observed.add("ready")

        async def on_resumed() -> None:
            observed.add("resumed")

        self.client.event(on_ready)
        self.client.event(on_resumed)
        for name in LISTENED:
            self.client.event(_listener(observed, name))

    async def start(self) -> None:
        """Log in and wait until the library reports ready with the guild cached."""
        self._task = asyncio.create_task(self.client.start(self.fake.bot_token))
        await self.observed.wait_for(
            lambda: self.observed.count("ready") >= 1
            and self.client.get_guild(self.guild_id) is not None
        )

    def guild(self) -> Any:
        guild = self.client.get_guild(self.guild_id)
        assert guild is not None
        return guild

    def channel(self, index: int = 0) -> Any:
        channel = self.client.get_channel(self.fake.get_guild(self.guild_id).voice_channel_ids[index])
        assert channel is not None
        return channel

    def events(self, name: str, start: int = 0) -> list[tuple[Any, ...]]:
        """Arguments of every ``on_voltricx_<name>`` call so far."""
        return [e[1:] for e in self.observed.of(name, start)]

    async def wait_event(self, name: str, start: int = 0, count: int = 1) -> list[tuple[Any, ...]]:
        await self.observed.wait_for(lambda: len(self.observed.of(name, start)) >= count)
        return self.events(name, start)

    async def close(self) -> None:
        if self._task is None:
            return
        task, self._task = self._task, None
        await asyncio.wait_for(self.client.close(), TIMEOUT)
        await asyncio.wait_for(task, TIMEOUT)


def _listener(observed: Observed, name: str) -> Any:
    async def handler(*args: Any) -> None:
        observed.add(name, *args)

    handler.__name__ = f"on_voltricx_{name}"
    return handler
