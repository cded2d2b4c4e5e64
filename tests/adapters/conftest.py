"""Fixtures for the FakeDiscord tests: a fake per test and a driver per library."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from voltricx.testing.discord.gateway import FakeDiscord

from ._drivers import LIBRARIES, Driver, make_driver


def _library_globals() -> dict[str, object]:
    import discord.gateway
    import discord.http
    import disnake.http
    import hikari.internal.ux
    import nextcord.http

    return {
        "discord.Route.BASE": discord.http.Route.BASE,
        "discord.DEFAULT_GATEWAY": discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        "nextcord.Route.BASE": nextcord.http.Route.BASE,
        "disnake.Route.BASE": disnake.http.Route.BASE,
        "hikari.check_for_updates": hikari.internal.ux.check_for_updates,
    }


@pytest.fixture(autouse=True)
def library_globals_restored() -> Iterator[None]:
    """Every test must leave the libraries' process-wide state as it found it."""
    before = _library_globals()
    yield
    assert _library_globals() == before


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(max_lifetime=60.0) as server:
        yield server


@pytest.fixture(params=LIBRARIES)
async def driver(request: pytest.FixtureRequest, fake: FakeDiscord) -> AsyncIterator[Driver]:
    lib = make_driver(fake, request.param)
    try:
        yield lib
    finally:
        await lib.close()
