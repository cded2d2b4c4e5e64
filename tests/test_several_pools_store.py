"""Two bots' pools in one process keep their players in one real redis-server apart (issue 17, item 4)."""

from __future__ import annotations

import pytest

import voltricx
from voltricx.testing.voice import FakeVoiceGateway

from ._redis_server import redis_url
from .conftest import FakeFactory, node_config

__all__ = ["redis_url"]

pytestmark = pytest.mark.timeout(60)

GUILD = 1_100_000_000_000_000_001
FIRST_BOT, SECOND_BOT, THIRD_BOT = 1_200_000_000_000_000_001, 1_200_000_000_000_000_002, 1_200_000_000_000_000_003
CHANNELS = {FIRST_BOT: 1_300_000_000_000_000_001, SECOND_BOT: 1_300_000_000_000_000_002}


async def _start(pool: voltricx.BotPool, channel: int, query: str) -> voltricx.Track:
    player = voltricx.Player(GUILD, node=pool.get_node("main"))
    await player.connect(channel)
    tracks = await pool.fetch_tracks(query)
    assert isinstance(tracks, list) and tracks
    await player.play(tracks[0])
    await pool.save()
    return tracks[0]


async def test_two_bots_with_redis_stores_restore_only_their_own_players(
    fake_factory: FakeFactory, redis_url: str
) -> None:
    server = await fake_factory()
    nodes = [node_config(server, "main")]
    first = await voltricx.Pool.create(
        client=FakeVoiceGateway(FIRST_BOT), nodes=nodes, store=voltricx.RedisStore(redis_url, prefix="bot-a"), report=False
    )
    second = await voltricx.Pool.create(
        client=FakeVoiceGateway(SECOND_BOT), nodes=nodes, store=voltricx.RedisStore(redis_url, prefix="bot-b"), report=False
    )
    try:
        # A third bot on the first bot's records is refused, and leaves nothing behind.
        with pytest.raises(voltricx.VoltricxError, match="prefix 'bot-a'; give each bot its own prefix"):
            await voltricx.Pool.create(
                client=FakeVoiceGateway(THIRD_BOT),
                nodes=[node_config(server, "third")],
                store=voltricx.RedisStore(redis_url, prefix="bot-a"),
                report=False,
            )
        assert len(server.sessions) == 2

        tracks = {
            FIRST_BOT: await _start(first, CHANNELS[FIRST_BOT], "ytsearch:first"),
            SECOND_BOT: await _start(second, CHANNELS[SECOND_BOT], "ytsearch:second bot"),
        }
        assert tracks[FIRST_BOT].encoded != tracks[SECOND_BOT].encoded
        assert server.held_guilds() == {GUILD: 2}
    finally:
        await first.close()
        await second.close()

    # Both bots come back (in the other order): each gets exactly its own player.
    again = {
        SECOND_BOT: await voltricx.Pool.create(
            client=FakeVoiceGateway(SECOND_BOT), nodes=nodes, store=voltricx.RedisStore(redis_url, prefix="bot-b"), report=False
        ),
        FIRST_BOT: await voltricx.Pool.create(
            client=FakeVoiceGateway(FIRST_BOT), nodes=nodes, store=voltricx.RedisStore(redis_url, prefix="bot-a"), report=False
        ),
    }
    try:
        for bot, pool in again.items():
            player = pool.get_player(GUILD)
            assert player is not None and list(pool.players()) == [GUILD]
            assert player.channel_id == CHANNELS[bot]
            assert player.current is not None and player.current.encoded == tracks[bot].encoded
        assert voltricx.Pool.players() == {}
        await server.wait_for(lambda s: s.held_guilds() == {GUILD: 2})
    finally:
        for pool in again.values():
            await pool.close()
