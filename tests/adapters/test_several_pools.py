"""Several bots in one process, each with its own pool (issue 17, item 4).

Two real discord.py clients run in one process and event loop. Each logs
into a FakeDiscord of its own (two bot accounts; both fakes have the same
guild id, as two bots in one server do), or, for shards, both into one
fake as shards 0 and 1 of one bot. The default pool (``voltricx.Pool``)
serves the first client, ``voltricx.Pool.create`` the second.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import Any

import pytest

import voltricx
from voltricx.adapters import discordpy
from voltricx.adapters import hikari as vhikari
from voltricx.testing import FakeLavalink
from voltricx.testing.discord.gateway import FakeDiscord

from .._redis_server import redis_url
from ..conftest import FakeFactory, node_config
from ._dpy_bot import DpyBot
from ._drivers import issued_voice as expected_voice
from ._hikari_harness import TIMEOUT, close_bot, start_bot, wait_voice

__all__ = ["redis_url"]

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def other(fake: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    """A second bot account's Discord, with the same guild id as ``fake``."""
    async with FakeDiscord(max_lifetime=60.0, guild_ids=[fake.guild_id]) as server:
        yield server


@pytest.fixture
async def bots(fake: FakeDiscord, other: FakeDiscord) -> AsyncIterator[tuple[DpyBot, DpyBot]]:
    first = DpyBot(fake, "discord")
    second = DpyBot(other, "discord", patched_by=fake)
    try:
        await first.start()
        await second.start()
        yield first, second
    finally:
        await voltricx.Pool.close()
        await second.close()
        await first.close()


async def _play(pool: Any, player: voltricx.Player, query: str) -> voltricx.Track:
    tracks: list[voltricx.Track] | voltricx.Playlist = await pool.fetch_tracks(query)
    assert isinstance(tracks, list) and tracks
    await player.play(tracks[0])
    return tracks[0]


def _copy(server: FakeLavalink, player: voltricx.Player) -> Any:
    """The node's copy of ``player`` in its own session."""
    return server.player(player.guild_id, player.node.session_id)


async def test_two_bots_in_one_guild_play_fail_over_and_close_apart(
    bots: tuple[DpyBot, DpyBot], fake: FakeDiscord, other: FakeDiscord, fake_factory: FakeFactory
) -> None:
    first, second = bots
    gid = fake.guild_id
    assert other.guild_id == gid and other.bot_id != fake.bot_id
    shared, backup = await fake_factory(), await fake_factory()

    # Both pools call a node "main"; the second bot's "spare" is the first bot's "main" server.
    await voltricx.Pool.connect(client=first.client, nodes=[node_config(shared, "main")], report=False)
    pool = await voltricx.Pool.create(
        client=second.client, nodes=[node_config(backup, "main"), node_config(shared, "spare")], report=False
    )
    try:
        assert isinstance(pool, voltricx.BotPool)
        assert voltricx.Pool.get_node("main").uri == shared.uri
        assert pool.get_node("main").uri == backup.uri and pool.get_node("spare").uri == shared.uri
        assert voltricx.Pool.gateway() is discordpy.adapt(first.client)
        assert pool.gateway() is discordpy.adapt(second.client)
        await second.wait_event("node_ready", count=2)
        await first.wait_event("node_ready")
        assert len(first.events("node_ready")) == 1  # the other pool's nodes are not this bot's news

        # Each bot joins the same guild id the library's way; each player lands in its own pool.
        with pytest.raises(voltricx.PlayerError, match="another pool"):
            await first.channel(0).connect(cls=functools.partial(discordpy.Player, node=pool.get_node("main")))
        assert fake.voice_requests == ()
        mine = await first.channel(0).connect(cls=discordpy.Player)
        theirs = await second.channel(0).connect(
            cls=functools.partial(discordpy.Player, node=pool.get_node("main"))
        )
        assert voltricx.Pool.get_player(gid) is mine and pool.get_player(gid) is theirs
        assert mine.node is voltricx.Pool.get_node("main") and theirs.node is pool.get_node("main")
        assert first.guild().voice_client is mine and second.guild().voice_client is theirs
        await shared.wait_for(lambda s: (c := _copy(s, mine)) is not None and c.voice.token == fake_token(fake, gid))
        await backup.wait_for(lambda s: (c := _copy(s, theirs)) is not None and c.voice.token == fake_token(other, gid))

        # Both play; every track event reaches its own bot only.
        track_a = await _play(voltricx.Pool, mine, "ytsearch:first bot")
        track_b = await _play(pool, theirs, "ytsearch:second bot song")
        [(started_a,)] = await first.wait_event("track_start")
        [(started_b,)] = await second.wait_event("track_start")
        assert started_a.player is mine and started_a.track.encoded == track_a.encoded
        assert started_b.player is theirs and started_b.track.encoded == track_b.encoded

        # The second bot's node dies: its player fails over to its spare (the first bot's server,
        # another session); the first bot hears nothing and keeps playing where it was.
        mark_a, mark_b = len(first.observed.events), len(second.observed.events)
        backup.kill()
        [(old, new, moved)] = await second.wait_event("failover", mark_b)
        assert (old.identifier, new.identifier) == ("main", "spare") and moved == [theirs]
        assert theirs.node is pool.get_node("spare")
        await shared.wait_for(lambda s: s.held_guilds().get(gid) == 2)
        assert _copy(shared, mine).playing and _copy(shared, mine).track.encoded == track_a.encoded
        assert _copy(shared, theirs).track.encoded == track_b.encoded
        assert first.events("failover", mark_a) == [] and first.events("node_disconnected", mark_a) == []
        assert mine.node is voltricx.Pool.get_node("main")

        # Closing the second pool leaves the first bot playing.
        await pool.close()
        assert theirs.destroyed and pool.nodes() == {} and pool.get_player(gid) is None
        await other.wait_for(lambda: other.voice_state(gid) is None)
        await shared.wait_for(lambda s: s.held_guilds().get(gid) == 1)
        assert voltricx.Pool.get_player(gid) is mine and not mine.destroyed
        assert _copy(shared, mine).playing and fake.voice_state(gid) is not None
        assert [e[0].player for e in first.events("player_destroyed")] == []
    finally:
        await pool.close()


def fake_token(server: FakeDiscord, guild_id: int) -> str:
    update = server.last_server_update(guild_id)
    assert update is not None
    return update.token


async def test_a_client_has_one_pool_and_the_error_says_what_to_do(
    bots: tuple[DpyBot, DpyBot], fake_factory: FakeFactory
) -> None:
    first, second = bots
    server = await fake_factory()
    await voltricx.Pool.connect(client=first.client, nodes=[node_config(server, "main")], report=False)
    with pytest.raises(voltricx.VoltricxError, match=r"Pool\.create"):
        await voltricx.Pool.connect(client=second.client, nodes=[node_config(server, "other")], report=False)
    with pytest.raises(voltricx.VoltricxError, match="already has a pool"):
        await voltricx.Pool.create(client=first.client, nodes=[node_config(server, "again")], report=False)
    assert sorted(voltricx.Pool.nodes()) == ["main"]


async def test_shards_0_and_1_in_one_process_each_have_a_pool_and_share_the_records(
    fake_factory: FakeFactory, redis_url: str
) -> None:
    import redis.asyncio

    async with FakeDiscord(max_lifetime=60.0, guild_count=2, shard_count=2) as fake:
        by_shard = {g.shard_id(2): g.id for g in fake.guilds}
        assert sorted(by_shard) == [0, 1]
        shard0 = DpyBot(fake, "discord", guild_id=by_shard[0], shard_id=0, shard_count=2)
        shard1 = DpyBot(fake, "discord", guild_id=by_shard[1], shard_id=1, shard_count=2)
        server = await fake_factory()
        pool: voltricx.BotPool | None = None
        try:
            await shard0.start()
            await shard1.start()
            await voltricx.Pool.connect(
                client=shard0.client,
                nodes=[node_config(server, "main")],
                store=voltricx.RedisStore(redis_url, prefix="bot"),
                report=False,
            )
            # One bot, one prefix: the second pool owns shard 1's guilds in the same records.
            pool = await voltricx.Pool.create(
                client=shard1.client,
                nodes=[node_config(server, "main")],
                store=voltricx.RedisStore(redis_url, prefix="bot"),
                report=False,
            )
            players = {
                0: await shard0.channel(0).connect(cls=discordpy.Player),
                1: await shard1.channel(0).connect(cls=discordpy.Player),
            }
            assert voltricx.Pool.players() == {by_shard[0]: players[0]}
            assert pool.players() == {by_shard[1]: players[1]}
            await _play(voltricx.Pool, players[0], "ytsearch:shard zero")
            await _play(pool, players[1], "ytsearch:shard one")
            await shard0.wait_event("track_start")
            await shard1.wait_event("track_start")
            assert [e[0].player for e in shard0.events("track_start")] == [players[0]]
            assert [e[0].player for e in shard1.events("track_start")] == [players[1]]
            await voltricx.Pool.save()
            await pool.save()
            client: Any = redis.asyncio.from_url(redis_url)
            try:
                saved = {int(k) for k in await client.hkeys("bot:players")}
            finally:
                await client.aclose()
            assert saved == set(by_shard.values())
        finally:
            if pool is not None:
                await pool.close()
            await voltricx.Pool.close()
            await shard1.close()
            await shard0.close()


async def test_two_hikari_bots_in_one_guild_each_with_its_own_pool(
    fake: FakeDiscord, other: FakeDiscord, fake_factory: FakeFactory
) -> None:
    server = await fake_factory()
    gid = fake.guild_id
    first, heard_first = await start_bot(fake)
    second, heard_second = await start_bot(other)
    pool: voltricx.BotPool | None = None
    try:
        await voltricx.Pool.connect(client=first, nodes=[node_config(server, "main")], report=False)
        pool = await voltricx.Pool.create(client=second, nodes=[node_config(server, "main")], report=False)
        assert vhikari.attach(first).pool is not pool and vhikari.attach(second).pool is pool
        with pytest.raises(voltricx.VoltricxError, match="another pool"):
            await vhikari.join(first, gid, fake.voice_channel_ids[0], node=pool.get_node("main"))
        mine = await vhikari.join(first, gid, fake.voice_channel_ids[0], timeout=TIMEOUT)
        theirs = await vhikari.join(second, gid, other.voice_channel_ids[1], timeout=TIMEOUT)
        assert voltricx.Pool.get_player(gid) is mine and pool.get_player(gid) is theirs
        await wait_voice(server, gid, expected_voice(fake, gid))
        await wait_voice(server, gid, expected_voice(other, gid))
        assert _copy(server, mine).voice.channel_id == str(fake.voice_channel_ids[0])
        assert _copy(server, theirs).voice.channel_id == str(other.voice_channel_ids[1])

        await _play(voltricx.Pool, mine, "ytsearch:hikari first")
        await _play(pool, theirs, "ytsearch:hikari second bot")
        await heard_first.wait_for(vhikari.TrackStartEvent)
        await heard_second.wait_for(vhikari.TrackStartEvent)
        assert [e.player for e in heard_first.of(vhikari.TrackStartEvent)] == [mine]
        assert [e.player for e in heard_second.of(vhikari.TrackStartEvent)] == [theirs]

        # The second bot stops: its adapter closes its own pool, and only that one.
        await close_bot(second)
        assert pool.nodes() == {} and theirs.destroyed and other.voice_state(gid) is None
        await server.wait_for(lambda s: s.held_guilds() == {gid: 1})
        assert voltricx.Pool.get_player(gid) is mine and _copy(server, mine).playing
        assert fake.voice_state(gid) is not None
    finally:
        if pool is not None:
            await pool.close()
        await voltricx.Pool.close()
        await close_bot(second)
        await close_bot(first)
