"""Recipes for testing a bot: docs/testing-your-bot.md (run by tests/test_docs.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import voltricx
from voltricx.events import PlayerDestroyed, TrackEnd, TrackStart
from voltricx.testing import FakeLavalink, FakeVoiceGateway


# --8<-- [start:fixtures]
@pytest.fixture
async def lavalink() -> AsyncIterator[FakeLavalink]:
    # tracks play 50x faster
    async with FakeLavalink("test", speed=50) as fake:
        yield fake


@pytest.fixture
async def pool(lavalink: FakeLavalink) -> AsyncIterator[FakeVoiceGateway]:
    gateway = FakeVoiceGateway()
    node = voltricx.NodeConfig(
        identifier="test", uri=lavalink.uri, password="test"
    )
    await voltricx.Pool.connect(client=gateway, report=False, nodes=[node])
    yield gateway
    await voltricx.Pool.close()
# --8<-- [end:fixtures]


# --8<-- [start:play]
async def test_a_track_plays_to_the_end(
    lavalink: FakeLavalink, pool: FakeVoiceGateway
) -> None:
    # 2 s, 40 ms at speed 50
    jingle = lavalink.catalogue.add(title="Jingle", length=2_000)
    player = voltricx.Player(111)
    await player.connect(222)
    # the bot asked Discord to join
    assert pool.joins == [(111, 222)]

    await player.play(jingle)
    started = await pool.wait_for(TrackStart, timeout=5)
    assert started.track.title == "Jingle"
    ended = await pool.wait_for(
        TrackEnd, lambda e: e.reason == "finished", timeout=5
    )
    assert ended.may_start_next
# --8<-- [end:play]


# --8<-- [start:voice]
async def test_voice_changes_reach_the_node(
    lavalink: FakeLavalink, pool: FakeVoiceGateway
) -> None:
    player = voltricx.Player(111)
    await player.connect(222)
    fake_player = await lavalink.wait_for(lambda f: f.player(111))
    assert fake_player is not None

    # someone dragged the bot elsewhere
    pool.move(111, 333)
    await lavalink.wait_for(lambda f: fake_player.voice.channel_id == "333")

    # Discord moved the voice server
    pool.reallocate(111)
    token = pool.issued[111].token
    await lavalink.wait_for(lambda f: fake_player.voice.token == token)

    # someone disconnected the bot
    pool.kick(111)
    gone = await pool.wait_for(PlayerDestroyed, timeout=5)
    assert gone.player is player and voltricx.Pool.get_player(111) is None
# --8<-- [end:voice]
