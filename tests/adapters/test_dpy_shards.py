"""An ``AutoShardedClient`` of discord.py, nextcord and disnake when one shard re-identifies.

Two shards, a player in a guild of each. One shard gets a fresh IDENTIFY
(op 9 not resumable, or its websocket closed with 4009 and its session
gone): Discord ends the voice sessions of that shard's
guilds only. The libraries keep their voice clients and, on a sharded
client, announce the new session with ``shard_ready`` for that shard
(discord.py sends no ``ready`` then). The adapter must rejoin that shard's
guild through ``channel.connect`` and give the node the new voice session
in one update, and leave the other shard's player alone.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import voltricx
from voltricx._state import runtime
from voltricx.testing import FakeLavalink
from voltricx.testing.discord.gateway import FakeDiscord

from ..conftest import FakeFactory, node_config
from ._dpy_bot import DPY_LIBRARIES, DpyBot
from ._drivers import issued_voice

pytestmark = pytest.mark.timeout(60)


#: Ways one shard (1) gets a fresh IDENTIFY; each returns how many sessions or connections it hit.
REIDENTIFY: dict[str, Callable[[FakeDiscord], Awaitable[int]]] = {
    "invalid-session": lambda fake: fake.invalidate_session(resumable=False, shard_id=1),
    "closed-4009": lambda fake: fake.drop_connections(4009, shard_id=1, resumable=False),
}


@pytest.fixture
async def sharded() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guild_count=2, shard_count=2, max_lifetime=60.0) as fake:
        yield fake


@pytest.fixture(params=DPY_LIBRARIES)
async def bot(request: pytest.FixtureRequest, sharded: FakeDiscord) -> AsyncIterator[DpyBot]:
    library: str = request.param
    lib: Any = __import__(library)
    harness = DpyBot(sharded, library, client_class=lib.AutoShardedClient)
    try:
        yield harness
    finally:
        await voltricx.Pool.close()
        await harness.close()


def voice_patches(node_fake: FakeLavalink, guild_id: int) -> list[dict[str, Any]]:
    """The ``voice`` objects of every PATCH for ``guild_id``, in order."""
    return [
        r.json["voice"]
        for r in node_fake.requests
        if r.method == "PATCH"
        and r.path.endswith(f"/players/{guild_id}")
        and isinstance(r.json, dict)
        and "voice" in r.json
    ]


@pytest.mark.parametrize("fault", list(REIDENTIFY))
async def test_one_shard_reidentifies_and_only_its_guild_rejoins(
    bot: DpyBot, sharded: FakeDiscord, fake_factory: FakeFactory, fault: str
) -> None:
    fake = sharded
    node_fake = await fake_factory()
    await bot.start()
    assert bot.client.shard_count == 2
    await voltricx.Pool.connect(client=bot.client, nodes=[node_config(node_fake, "N0")], report=False)
    on_zero = next(g for g in fake.guilds if g.shard_id(2) == 0)
    on_one = next(g for g in fake.guilds if g.shard_id(2) == 1)

    players: dict[int, Any] = {}
    track: voltricx.Track | None = None
    for guild in (on_zero, on_one):
        channel = bot.client.get_channel(guild.voice_channel_ids[0])
        assert channel is not None
        player = players[guild.id] = await channel.connect(cls=bot.Player)
        assert isinstance(player, voltricx.Player)
        if track is None:
            result = await player.node.rest.load_tracks("ytsearch:two shards")
            assert isinstance(result.data, list)
            track = result.data[0]
        await player.play(track)
        await node_fake.wait_for(
            lambda f, gid=guild.id: (p := f.player(gid)) is not None and p.track is not None
        )
    assert track is not None
    await bot.wait_event("track_start", count=2)
    kept, before = issued_voice(fake, on_zero.id), issued_voice(fake, on_one.id)
    assert voice_patches(node_fake, on_zero.id) == [kept]
    assert voice_patches(node_fake, on_one.id) == [before]
    remote = node_fake.player(on_one.id)
    assert remote is not None
    position = remote.position

    # Shard 1 re-identifies: Discord ends the voice session of its guild only.
    mark, requests, servers = len(bot.observed.events), len(fake.voice_requests), len(fake.server_updates)
    patches = len(node_fake.requests)
    # A shard_ready while the registration belongs to the shard's current session
    # (a join between READY and shard_ready, as at startup) is no re-identify.
    bot.client.dispatch("shard_ready", 1)
    assert await REIDENTIFY[fault](fake) == 1
    await fake.wait_for(lambda: len(fake.server_updates) > servers, timeout=10)
    await fake.wait_for(lambda: fake.connected_shards == {0, 1})
    assert [(i.shard_id, i.shard_count) for i in fake.identifies[2:]] == [(1, 2)]
    assert [s.guild_id for s in fake.ended_voice_states] == [on_one.id]
    assert [s.session_id for s in fake.ended_voice_states] == [before["sessionId"]]

    # The adapter rejoins that guild, on shard 1, as it was joined.
    rejoins = fake.voice_requests[requests:]
    assert [(r.guild_id, r.shard_id, r.channel_id) for r in rejoins] == [
        (on_one.id, 1, on_one.voice_channel_ids[0])
    ]
    after = issued_voice(fake, on_one.id)
    assert after["sessionId"] != before["sessionId"] and after["token"] != before["token"]
    await node_fake.wait_for(lambda f: after in voice_patches(f, on_one.id), timeout=10)
    # One update with every new value at once.
    assert voice_patches(node_fake, on_one.id) == [before, after]
    await runtime.tasks.wait_idle(timeout=10)

    # The library's voice map holds the same player again, for the new guild object.
    guild_one = bot.client.get_guild(on_one.id)
    assert guild_one.voice_client is players[on_one.id]
    assert players[on_one.id].channel.guild is guild_one

    # The other shard's player is untouched: no op 4, no voice update, same registration.
    assert voice_patches(node_fake, on_zero.id) == [kept]
    assert issued_voice(fake, on_zero.id) == kept
    assert bot.client.get_guild(on_zero.id).voice_client is players[on_zero.id]

    # Exactly one copy of each player, still playing on: only voice went to the node.
    assert bot.events("player_destroyed", mark) == []
    assert node_fake.held_guilds() == {on_zero.id: 1, on_one.id: 1}
    for guild in (on_zero, on_one):
        assert voltricx.Pool.get_player(guild.id) is players[guild.id]
        assert players[guild.id].current == track
    later = [r for r in node_fake.requests[patches:] if r.method != "GET"]
    assert all(
        r.method == "PATCH" and isinstance(r.json, dict) and set(r.json) == {"voice"} for r in later
    ), later
    remote = node_fake.player(on_one.id)
    assert remote is not None and remote.track is not None
    assert remote.track.encoded == track.encoded and remote.position >= position


async def test_every_shard_reidentifies_and_each_guild_rejoins_once(
    bot: DpyBot, sharded: FakeDiscord, fake_factory: FakeFactory
) -> None:
    """Both shards at once, with a library player on one and a plain core player on the other."""
    fake = sharded
    node_fake = await fake_factory()
    await bot.start()
    await voltricx.Pool.connect(client=bot.client, nodes=[node_config(node_fake, "N0")], report=False)
    on_zero = next(g for g in fake.guilds if g.shard_id(2) == 0)
    on_one = next(g for g in fake.guilds if g.shard_id(2) == 1)
    channel = bot.client.get_channel(on_zero.voice_channel_ids[0])
    assert channel is not None
    if bot.library == "discord":
        library_player = await channel.connect(cls=bot.Player, self_deaf=True)
    else:
        library_player = await channel.connect(cls=functools.partial(bot.Player, self_deaf=True))
    plain = voltricx.Player(on_one.id)
    await plain.connect(on_one.voice_channel_ids[1])
    relay = bot.client.get_guild(on_one.id).voice_client
    assert relay is not None and not isinstance(relay, voltricx.Player)
    before = {g.id: issued_voice(fake, g.id) for g in (on_zero, on_one)}
    for gid, voice in before.items():
        await node_fake.wait_for(lambda f, gid=gid, voice=voice: voice_patches(f, gid) == [voice])

    mark, requests, servers = len(bot.observed.events), len(fake.voice_requests), len(fake.server_updates)
    assert await fake.invalidate_session(resumable=False) == 2
    await fake.wait_for(
        lambda: {u.guild_id for u in fake.server_updates[servers:]} == set(before), timeout=10
    )
    await fake.wait_for(lambda: fake.connected_shards == {0, 1})
    assert sorted(s.guild_id for s in fake.ended_voice_states) == sorted(before)
    for gid in before:
        after = issued_voice(fake, gid)
        assert after["sessionId"] != before[gid]["sessionId"]
        await node_fake.wait_for(lambda f, gid=gid, after=after: after in voice_patches(f, gid))
        assert voice_patches(node_fake, gid) == [before[gid], after]
    await runtime.tasks.wait_idle(timeout=10)

    # Each guild rejoined once, on its own shard, as it was joined.
    rejoins = sorted(
        (r.guild_id, r.shard_id, r.channel_id, r.self_deaf) for r in fake.voice_requests[requests:]
    )
    assert rejoins == sorted(
        [
            (on_zero.id, 0, on_zero.voice_channel_ids[0], True),
            (on_one.id, 1, on_one.voice_channel_ids[1], False),
        ]
    )
    assert bot.client.get_guild(on_zero.id).voice_client is library_player
    assert bot.client.get_guild(on_one.id).voice_client is relay
    assert bot.events("player_destroyed", mark) == []
    assert voltricx.Pool.get_player(on_zero.id) is library_player
    assert voltricx.Pool.get_player(on_one.id) is plain
    assert node_fake.held_guilds() == {on_zero.id: 1, on_one.id: 1}
