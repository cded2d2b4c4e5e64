"""Every adapter counts the humans in a voice channel from its library's cache (``inactive_channel_tokens``)."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest

from voltricx.testing.discord.gateway import FakeDiscord

from ._drivers import LIBRARIES, TIMEOUT, DpyFamilyDriver, Driver, HikariDriver, make_driver

ADAPTERS = {
    "discord": "voltricx.adapters.discordpy",
    "nextcord": "voltricx.adapters.nextcord",
    "disnake": "voltricx.adapters.disnake",
}


def _adapter(driver: Driver) -> Any:
    if isinstance(driver, HikariDriver):
        from voltricx.adapters import hikari as vhikari

        return vhikari.HikariAdapter(driver.bot)
    assert isinstance(driver, DpyFamilyDriver)
    return importlib.import_module(ADAPTERS[driver.name]).adapt(driver.client)


def _seen_leaving(driver: Driver, user_id: int) -> asyncio.Future[Any]:
    """A future that resolves when the library has processed ``user_id``'s next voice update."""
    if isinstance(driver, HikariDriver):
        hikari = driver.hikari
        return asyncio.ensure_future(
            driver.bot.wait_for(hikari.VoiceStateUpdateEvent, TIMEOUT, lambda e: e.state.user_id == user_id)
        )
    assert isinstance(driver, DpyFamilyDriver)
    return asyncio.ensure_future(
        driver.client.wait_for("voice_state_update", check=lambda m, b, a: m.id == user_id, timeout=TIMEOUT)
    )


def _with_members_intent(library: str) -> dict[str, Any]:
    """nextcord and disnake know a voice user's member (is it a bot?) only from the member cache."""
    if library == "hikari":
        return {}
    intents = importlib.import_module(library).Intents.default()
    intents.members = True
    return {"intents": intents}


@pytest.fixture(params=LIBRARIES)
async def member_driver(request: pytest.FixtureRequest, fake: FakeDiscord) -> Any:
    driver = make_driver(fake, request.param, **_with_members_intent(request.param))
    try:
        yield driver
    finally:
        await driver.close()


async def test_humans_in_voice_counts_users_but_not_bots_or_itself(fake: FakeDiscord, member_driver: Driver) -> None:
    driver = member_driver
    voice, other = fake.voice_channel_ids
    alice, robot = fake.add_user("alice"), fake.add_user("robot", bot=True)
    await fake.move_user(alice, voice)  # before login: both are in GUILD_CREATE
    await fake.move_user(robot, voice)
    await driver.start()
    await driver.wait_ready(fake.guild_id)
    await driver.join(fake.guild_id, voice)
    adapter = _adapter(driver)
    assert adapter.humans_in_voice(fake.guild_id, voice) == 1
    assert adapter.humans_in_voice(fake.guild_id, other) == 0
    left = _seen_leaving(driver, alice.id)
    await fake.move_user(alice, None)
    await left
    assert adapter.humans_in_voice(fake.guild_id, voice) == 0
