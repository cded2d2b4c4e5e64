"""A hikari bot logged into FakeDiscord, with helpers to look at what FakeLavalink received."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import hikari

from voltricx.adapters import hikari as vhikari
from voltricx.testing import FakeLavalink
from voltricx.testing.discord.gateway import FakeDiscord

TIMEOUT = 10.0

E = TypeVar("E", bound=vhikari.VoltricxEvent)


class Received:
    """Every voltricx event a bot's listener got, with a change-driven waiter."""

    def __init__(self) -> None:
        self.events: list[vhikari.VoltricxEvent] = []
        self._changed = asyncio.Event()

    async def listener(self, event: vhikari.VoltricxEvent) -> None:
        self.events.append(event)
        self._changed.set()
        self._changed = asyncio.Event()

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    async def wait_for(
        self, kind: type[E], predicate: Callable[[E], bool] = lambda _: True, timeout: float = TIMEOUT
    ) -> E:
        async with asyncio.timeout(timeout):
            while True:
                for event in self.of(kind):
                    if predicate(event):
                        return event
                await self._changed.wait()


def voice_patches(lavalink: FakeLavalink, guild_id: int) -> list[dict[str, Any]]:
    """The ``voice`` objects of every PATCH for ``guild_id`` the node received, in order."""
    found: list[dict[str, Any]] = []
    for request in lavalink.requests:
        if request.method == "PATCH" and request.path.endswith(f"/players/{guild_id}"):
            body = request.json
            if isinstance(body, dict) and "voice" in body:
                found.append(body["voice"])  # pyright: ignore[reportUnknownArgumentType]
    return found


async def wait_voice(lavalink: FakeLavalink, guild_id: int, voice: dict[str, Any]) -> None:
    """Wait until the node received exactly ``voice`` for ``guild_id``."""
    await lavalink.wait_for(lambda f: voice in voice_patches(f, guild_id), timeout=TIMEOUT)


def deletes(lavalink: FakeLavalink, guild_id: int) -> int:
    return sum(
        1
        for r in lavalink.requests
        if r.method == "DELETE" and r.path.endswith(f"/players/{guild_id}")
    )


async def start_bot(fake: FakeDiscord, **options: Any) -> tuple[hikari.GatewayBot, Received]:
    """Build and start a hikari bot on ``fake``; every voltricx event is recorded."""
    bot = fake.hikari_bot(**options)
    received = Received()
    bot.subscribe(vhikari.VoltricxEvent, received.listener)
    await asyncio.wait_for(fake.start_hikari(bot), TIMEOUT)
    return bot, received


async def close_bot(bot: hikari.GatewayBot) -> None:
    if bot.is_alive:
        await asyncio.wait_for(bot.close(), TIMEOUT)
    vhikari.detach(bot)

