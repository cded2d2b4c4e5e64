"""The hikari adapter end to end: real hikari on FakeDiscord, real voltricx on FakeLavalink."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import attrs
import hikari
import pytest

import voltricx
from tests.conftest import FakeFactory, node_config
from voltricx import events as core
from voltricx._state import runtime
from voltricx.adapters import hikari as vhikari
from voltricx.testing import FakeLavalink
from voltricx.testing.discord.gateway import FakeDiscord

from ._drivers import issued_voice as expected_voice
from ._hikari_harness import (
    TIMEOUT,
    close_bot,
    deletes,
    start_bot,
    voice_patches,
    wait_voice,
)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(max_lifetime=60.0) as fake:
        yield fake


@pytest.fixture
async def lavalink(fake_factory: FakeFactory) -> FakeLavalink:
    return await fake_factory()


@pytest.fixture
async def bot(discord: FakeDiscord) -> AsyncIterator[tuple[hikari.GatewayBot, vhikari.HikariAdapter]]:
    """A logged-in bot, attached explicitly; closed (and detached) after the test."""
    gateway_bot, _ = await start_bot(discord)
    adapter = vhikari.attach(gateway_bot)
    try:
        yield gateway_bot, adapter
    finally:
        await close_bot(gateway_bot)


async def joined(
    discord: FakeDiscord, lavalink: FakeLavalink, gateway_bot: hikari.GatewayBot, *, channel: int = 0
) -> voltricx.Player:
    """Connect the pool to ``lavalink``, join a voice channel, check the node got the voice."""
    if not voltricx.Pool.nodes():
        await voltricx.Pool.connect(client=gateway_bot, nodes=[node_config(lavalink, "A")], report=False)
    guild = discord.guild_id
    player = await vhikari.join(gateway_bot, guild, discord.voice_channel_ids[channel], timeout=TIMEOUT)
    await wait_voice(lavalink, guild, expected_voice(discord, guild))
    return player


async def first_track(node: voltricx.Node, query: str = "ytsearch:hikari") -> voltricx.Track:
    result = await node.rest.load_tracks(query)
    tracks = result.data
    assert isinstance(tracks, list) and tracks
    return tracks[0]


# ------------------------------------------------------------------------- end to end


async def test_login_join_play_failover_move_kick_close(
    discord: FakeDiscord, fake_factory: FakeFactory
) -> None:
    first, second = await fake_factory(), await fake_factory()
    gateway_bot, received = await start_bot(discord)
    failovers: list[vhikari.FailoverEvent] = []
    got_failover = asyncio.Event()

    @gateway_bot.listen(vhikari.FailoverEvent)
    async def on_failover(event: vhikari.FailoverEvent) -> None:  # pyright: ignore[reportUnusedFunction]
        failovers.append(event)
        got_failover.set()

    try:
        # Pool.connect without attach(): the adapter is created implicitly.
        nodes = await voltricx.Pool.connect(
            client=gateway_bot,
            nodes=[node_config(first, "A", resume_grace=0.2), node_config(second, "B")],
            report=False,
        )
        assert runtime.gateway is vhikari.attach(gateway_bot)
        guild, (voice_a, voice_b) = discord.guild_id, discord.voice_channel_ids

        player = await vhikari.join(gateway_bot, guild, voice_a, node=nodes["A"], home=discord.text_channel_id)
        assert voltricx.Pool.get_player(guild) is player
        assert player.home == discord.text_channel_id
        [request] = [r for r in discord.voice_requests if r.channel_id == voice_a]
        assert request.guild_id == guild and request.shard_id == 0
        issued = expected_voice(discord, guild)
        await wait_voice(first, guild, issued)
        assert voice_patches(first, guild) == [issued], "exactly one voice update, with Discord's values"

        track = await first_track(nodes["A"])
        await player.play(track)
        start = await received.wait_for(vhikari.TrackStartEvent, lambda e: e.player is player)
        assert start.track.encoded == track.encoded
        assert start.guild_id == guild and start.app is gateway_bot
        assert start.shard is not None and start.shard.id == 0

        first.kill()
        async with asyncio.timeout(TIMEOUT):
            await got_failover.wait()
        [failover] = failovers
        assert failover.old_node is nodes["A"] and failover.new_node is nodes["B"]
        assert failover.players == (player,)
        assert failover.shard is None and failover.name == "failover"
        assert player.node is nodes["B"]
        moved = second.player(guild)
        assert moved is not None and moved.track is not None and moved.track.encoded == track.encoded
        assert voice_patches(second, guild)[-1] == issued

        # Node operations arrive as native events: switch back, drain, remove.
        await first.restart()
        await nodes["A"].wait_for_status(voltricx.NodeStatus.CONNECTED, timeout=TIMEOUT)
        await player.switch_node(nodes["A"])
        switched = await received.wait_for(vhikari.PlayersMovedEvent, lambda e: e.reason == "switch")
        assert (switched.old_node, switched.new_node, switched.players) == (nodes["B"], nodes["A"], (player,))
        assert switched.app is gateway_bot and second.player(guild) is None
        await voltricx.Pool.drain("A")
        draining = await received.wait_for(vhikari.NodeDrainingEvent)
        drained = await received.wait_for(vhikari.PlayersMovedEvent, lambda e: e.reason == "drain")
        assert draining.node is nodes["A"] and drained.new_node is nodes["B"] and drained.players == (player,)
        await voltricx.Pool.remove_node("A")
        removed = await received.wait_for(vhikari.NodeRemovedEvent)
        assert removed.node is nodes["A"] and "A" not in voltricx.Pool.nodes()
        assert player.node is nodes["B"] and first.held_guilds() == {} and second.held_guilds() == {guild: 1}

        # A moderator moves the bot: the new channel reaches the new node.
        await discord.move_bot(guild, voice_b)
        moved_voice = expected_voice(discord, guild)
        assert moved_voice["channelId"] == str(voice_b)
        await wait_voice(second, guild, moved_voice)
        assert player.channel_id == voice_b

        # A moderator disconnects the bot: the player is destroyed everywhere.
        await discord.kick_bot(guild)
        destroyed = await received.wait_for(vhikari.PlayerDestroyedEvent, lambda e: e.player is player)
        assert destroyed.reason == "kicked"
        await second.wait_for(lambda f: f.player(guild) is None, timeout=TIMEOUT)
        assert voltricx.Pool.get_player(guild) is None and not nodes["B"].players

        await voltricx.Pool.close()
        assert runtime.gateway is None and not voltricx.Pool.nodes()
    finally:
        await close_bot(gateway_bot)
    await discord.wait_for(lambda: not discord.connected_shards, timeout=TIMEOUT)


# --------------------------------------------------------------------------- pitfalls


async def test_attach_is_idempotent_and_is_what_pool_connect_uses(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], lavalink: FakeLavalink
) -> None:
    gateway_bot, adapter = bot
    assert vhikari.attach(gateway_bot) is adapter
    assert vhikari.adapt(gateway_bot) is adapter
    assert isinstance(adapter, voltricx.VoiceGateway) and isinstance(adapter, voltricx.EventSink)
    assert adapter.user_id == gateway_bot.get_me().id  # pyright: ignore[reportOptionalMemberAccess]
    await voltricx.Pool.connect(client=gateway_bot, nodes=[node_config(lavalink, "A")], report=False)
    assert runtime.gateway is adapter and adapter.active


async def test_join_needs_a_connected_pool(bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter]) -> None:
    gateway_bot, _ = bot
    with pytest.raises(voltricx.VoltricxError, match=r"Pool\.connect"):
        await vhikari.join(gateway_bot, 1234567890123456789, 1234567890123456780)


@pytest.mark.parametrize("reverse", [False, True], ids=["state-first", "server-first"])
async def test_voice_events_in_either_order_give_one_exact_update(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter],
    discord: FakeDiscord,
    lavalink: FakeLavalink,
    reverse: bool,
) -> None:
    discord.set_reverse_order(reverse)
    await joined(discord, lavalink, bot[0])
    assert voice_patches(lavalink, discord.guild_id) == [expected_voice(discord, discord.guild_id)]


async def test_null_endpoint_is_never_forwarded_and_the_next_one_is(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], discord: FakeDiscord, lavalink: FakeLavalink
) -> None:
    player = await joined(discord, lavalink, bot[0])
    guild = discord.guild_id
    final = await discord.reallocate(guild, null_first=True)
    voice = expected_voice(discord, guild)
    assert voice["token"] == final.token and voice["endpoint"] == final.endpoint
    await wait_voice(lavalink, guild, voice)
    patches = voice_patches(lavalink, guild)
    assert len(patches) == 2 and all(p["endpoint"] for p in patches)
    assert voltricx.Pool.get_player(guild) is player
    # A lone null endpoint (server moving) leaves the node's voice alone until the next update.
    await discord.send_server_update(guild, null_endpoint=True)
    later = await discord.send_server_update(guild)
    await wait_voice(lavalink, guild, expected_voice(discord, guild))
    assert voice_patches(lavalink, guild)[-1]["token"] == later.token
    assert len(voice_patches(lavalink, guild)) == 3


@pytest.mark.parametrize("server_update", [False, True], ids=["state-only", "with-server-update"])
async def test_move_to_another_channel_reaches_the_node(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter],
    discord: FakeDiscord,
    lavalink: FakeLavalink,
    server_update: bool,
) -> None:
    player = await joined(discord, lavalink, bot[0])
    guild, other = discord.guild_id, discord.voice_channel_ids[1]
    await discord.move_bot(guild, other, server_update=server_update)
    await wait_voice(lavalink, guild, expected_voice(discord, guild))
    assert player.channel_id == other
    # And the bot's own move goes through op 4 on the same path.
    servers = len(discord.server_updates)
    await player.move_to(discord.voice_channel_ids[0])
    await discord.wait_for(lambda: len(discord.server_updates) > servers)
    await wait_voice(lavalink, guild, expected_voice(discord, guild))
    assert player.channel_id == discord.voice_channel_ids[0]


async def test_kick_destroys_the_player_and_a_new_join_works(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], discord: FakeDiscord, lavalink: FakeLavalink
) -> None:
    gateway_bot, _ = bot
    player = await joined(discord, lavalink, gateway_bot)
    guild = discord.guild_id
    await discord.kick_bot(guild)
    await lavalink.wait_for(lambda f: deletes(f, guild) == 1, timeout=TIMEOUT)
    assert voltricx.Pool.get_player(guild) is None
    assert player.guild_id not in voltricx.Pool.get_node("A").players
    again = await joined(discord, lavalink, gateway_bot)
    assert again is not player and voltricx.Pool.get_player(guild) is again


async def test_auto_rejoin_after_a_kick_keeps_the_player_and_its_own_attributes(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], discord: FakeDiscord, lavalink: FakeLavalink
) -> None:
    gateway_bot, _ = bot
    player = await joined(discord, lavalink, gateway_bot)
    player.dj = "someone"  # type: ignore[attr-defined]
    player.auto_rejoin = True
    guild, requests = discord.guild_id, len(discord.voice_requests)
    await discord.kick_bot(guild)
    await discord.wait_for(lambda: discord.voice_state(guild) is not None, timeout=TIMEOUT)
    await wait_voice(lavalink, guild, expected_voice(discord, guild))
    assert len(discord.voice_requests) == requests + 1
    assert voltricx.Pool.get_player(guild) is player and not player.destroyed
    assert player.dj == "someone"  # type: ignore[attr-defined]
    assert deletes(lavalink, guild) == 0


async def test_leave_then_join_at_once_keeps_the_new_player(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], discord: FakeDiscord, lavalink: FakeLavalink
) -> None:
    gateway_bot, _ = bot
    player = await joined(discord, lavalink, gateway_bot)
    guild = discord.guild_id
    await vhikari.leave(gateway_bot, guild)
    assert voltricx.Pool.get_player(guild) is None and player.guild_id not in runtime.players
    again = await vhikari.join(gateway_bot, guild, discord.voice_channel_ids[1], timeout=TIMEOUT)
    # The late "left" state of the old player must not destroy the new one.
    await discord.wait_for(lambda: len(discord.voice_state_updates) >= 3)
    await runtime.tasks.wait_idle(timeout=TIMEOUT)
    assert voltricx.Pool.get_player(guild) is again
    await wait_voice(lavalink, guild, expected_voice(discord, guild))


async def test_failed_join_leaves_voice_and_unregisters(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], discord: FakeDiscord, lavalink: FakeLavalink
) -> None:
    gateway_bot, _ = bot
    await voltricx.Pool.connect(client=gateway_bot, nodes=[node_config(lavalink, "A")], report=False)
    guild, channel = discord.guild_id, discord.voice_channel_ids[0]
    lavalink.fail_next(400, path=f"/v4/sessions/*/players/{guild}", method="PATCH")
    with pytest.raises(voltricx.VoltricxError):
        await vhikari.join(gateway_bot, guild, channel, timeout=TIMEOUT)
    assert voltricx.Pool.get_player(guild) is None
    await discord.wait_for(lambda: discord.voice_requests[-1].channel_id is None, timeout=TIMEOUT)
    await discord.wait_for(lambda: discord.voice_state(guild) is None, timeout=TIMEOUT)
    # And the next join works.
    player = await joined(discord, lavalink, gateway_bot)
    await runtime.tasks.wait_idle(timeout=TIMEOUT)
    assert voltricx.Pool.get_player(guild) is player and discord.voice_state(guild) is not None


async def test_resume_changes_nothing(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], discord: FakeDiscord, lavalink: FakeLavalink
) -> None:
    player = await joined(discord, lavalink, bot[0])
    guild = discord.guild_id
    requests = len(discord.voice_requests)
    assert await discord.force_reconnect() == 1
    await discord.wait_for(lambda: any(r.accepted for r in discord.resumes), timeout=TIMEOUT)
    assert len(discord.identifies) == 1 and len(discord.voice_requests) == requests
    # Voice events still reach the player after the resume.
    await discord.reallocate(guild, null_first=False)
    await wait_voice(lavalink, guild, expected_voice(discord, guild))
    assert voltricx.Pool.get_player(guild) is player


@pytest.mark.parametrize("reverse", [False, True], ids=["state-first", "server-first"])
async def test_fresh_identify_rejoins_and_forwards_the_new_voice_session(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter],
    discord: FakeDiscord,
    lavalink: FakeLavalink,
    reverse: bool,
) -> None:
    discord.set_reverse_order(reverse)
    player = await joined(discord, lavalink, bot[0])
    guild, channel = discord.guild_id, discord.voice_channel_ids[0]
    track = await first_track(voltricx.Pool.get_node("A"))
    await player.play(track)
    before = expected_voice(discord, guild)
    requests, servers = len(discord.voice_requests), len(discord.server_updates)

    # The session dies: hikari identifies afresh and Discord has ended its voice session.
    assert await discord.invalidate_session(resumable=False) == 1
    await discord.wait_for(lambda: len(discord.identifies) == 2, timeout=TIMEOUT)
    # The adapter re-sends op 4 on the guild's shard, which Discord answers as a fresh
    # join: a new voice session id and a new server (token and endpoint).
    await discord.wait_for(lambda: len(discord.server_updates) > servers, timeout=TIMEOUT)
    [resent] = discord.voice_requests[requests:]
    assert (resent.guild_id, resent.channel_id, resent.shard_id) == (guild, channel, 0)
    [ended] = discord.ended_voice_states
    assert ended.session_id == before["sessionId"]
    state, [server] = discord.voice_state(guild), discord.server_updates[servers:]
    assert state is not None and server.endpoint is not None
    assert state.session_id != before["sessionId"] and server.token != before["token"]
    after = {"token": server.token, "endpoint": server.endpoint, "sessionId": state.session_id, "channelId": str(channel)}
    await wait_voice(lavalink, guild, after)
    # One update with every new value at once: never the new session with the old server.
    assert voice_patches(lavalink, guild) == [before, after]

    # Playback survives: same player, same track on the node, nothing destroyed.
    await runtime.tasks.wait_idle(timeout=TIMEOUT)
    assert voltricx.Pool.get_player(guild) is player and player.current == track
    remote = lavalink.player(guild)
    assert remote is not None and remote.track is not None and remote.track.encoded == track.encoded
    assert deletes(lavalink, guild) == 0


async def test_removal_from_the_guild_destroys_its_player(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], discord: FakeDiscord, lavalink: FakeLavalink
) -> None:
    gateway_bot, _ = bot
    player = await joined(discord, lavalink, gateway_bot)
    guild = discord.guild_id
    destroyed = asyncio.ensure_future(
        gateway_bot.wait_for(vhikari.PlayerDestroyedEvent, timeout=TIMEOUT, predicate=lambda e: e.player is player)
    )
    await discord.remove_from_guild(guild)
    event = await destroyed
    assert event.reason == "guild_removed"
    assert voltricx.Pool.get_player(guild) is None
    assert deletes(lavalink, guild) == 1


async def test_pool_close_leaves_voice_through_the_gateway(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], discord: FakeDiscord, lavalink: FakeLavalink
) -> None:
    await joined(discord, lavalink, bot[0])
    guild = discord.guild_id
    await voltricx.Pool.close()
    assert discord.voice_requests[-1].channel_id is None and discord.voice_requests[-1].guild_id == guild
    assert deletes(lavalink, guild) == 1
    await discord.wait_for(lambda: discord.voice_state(guild) is None)
    assert bot[0].is_alive


async def test_closing_the_bot_leaves_voice_and_closes_the_pool(
    discord: FakeDiscord, lavalink: FakeLavalink
) -> None:
    gateway_bot, _ = await start_bot(discord)
    try:
        await joined(discord, lavalink, gateway_bot)
        guild = discord.guild_id
        await asyncio.wait_for(gateway_bot.close(), TIMEOUT)
        assert discord.voice_requests[-1].channel_id is None and discord.voice_requests[-1].guild_id == guild
        assert discord.voice_state(guild) is None
        assert deletes(lavalink, guild) == 1
        assert runtime.gateway is None and not voltricx.Pool.nodes()
    finally:
        await close_bot(gateway_bot)


async def test_opting_out_of_closing_on_stop_is_kept(discord: FakeDiscord, lavalink: FakeLavalink) -> None:
    gateway_bot, _ = await start_bot(discord)
    adapter = vhikari.attach(gateway_bot, close_pool_on_stop=False)
    try:
        player = await joined(discord, lavalink, gateway_bot)  # Pool.connect and join keep the choice
        assert vhikari.attach(gateway_bot) is adapter and not adapter.close_pool_on_stop
        await asyncio.wait_for(gateway_bot.close(), TIMEOUT)
        assert voltricx.Pool.get_player(discord.guild_id) is player
        assert discord.voice_state(discord.guild_id) is not None, "hikari alone does not leave voice"
    finally:
        await voltricx.Pool.close()
        await close_bot(gateway_bot)


#: Ways shard 1 gets a fresh IDENTIFY; each returns how many sessions or connections it hit.
REIDENTIFY: dict[str, Callable[[FakeDiscord], Awaitable[int]]] = {
    "invalid-session": lambda fake: fake.invalidate_session(resumable=False, shard_id=1),
    "closed-4009": lambda fake: fake.drop_connections(4009, shard_id=1, resumable=False),
}


@pytest.mark.parametrize("fault", list(REIDENTIFY))
async def test_two_shards_route_voice_to_the_guilds_shard(fake_factory: FakeFactory, fault: str) -> None:
    lavalink = await fake_factory()
    async with FakeDiscord(shard_count=2, guild_count=2, max_lifetime=60.0) as discord:
        guilds = discord.guilds
        assert {g.shard_id(2) for g in guilds} == {0, 1}
        gateway_bot, received = await start_bot(discord)
        try:
            assert gateway_bot.shard_count == 2
            await voltricx.Pool.connect(client=gateway_bot, nodes=[node_config(lavalink, "A")], report=False)
            players: dict[int, voltricx.Player] = {}
            for guild in guilds:
                players[guild.id] = await vhikari.join(gateway_bot, guild.id, guild.voice_channel_ids[0], timeout=TIMEOUT)
                [request] = [r for r in discord.voice_requests if r.guild_id == guild.id]
                assert request.shard_id == guild.shard_id(2)
                await wait_voice(lavalink, guild.id, expected_voice(discord, guild.id))
            track = await first_track(voltricx.Pool.get_node("A"))
            for guild in guilds:
                await players[guild.id].play(track)
                start = await received.wait_for(vhikari.TrackStartEvent, lambda e, g=guild.id: e.guild_id == g)
                assert start.shard is not None and start.shard.id == guild.shard_id(2)
            # A fresh IDENTIFY of shard 1 ends the voice session of its guild only; the
            # adapter re-sends op 4 for that guild, on shard 1, and the node gets the new one.
            on_one = next(g for g in guilds if g.shard_id(2) == 1)
            on_zero = next(g for g in guilds if g.shard_id(2) == 0)
            kept = expected_voice(discord, on_zero.id)
            before, servers = len(discord.voice_requests), len(discord.server_updates)
            requests = len(lavalink.requests)
            remote = lavalink.player(on_one.id)
            assert remote is not None
            position = remote.position
            assert await REIDENTIFY[fault](discord) == 1
            await discord.wait_for(lambda: len(discord.server_updates) > servers, timeout=2 * TIMEOUT)
            await discord.wait_for(lambda: discord.connected_shards == {0, 1}, timeout=TIMEOUT)
            resent = discord.voice_requests[before:]
            assert [(r.guild_id, r.shard_id) for r in resent] == [(on_one.id, 1)]
            assert [s.guild_id for s in discord.ended_voice_states] == [on_one.id]
            renewed = expected_voice(discord, on_one.id)
            await wait_voice(lavalink, on_one.id, renewed)
            assert voice_patches(lavalink, on_one.id)[-1] == renewed
            assert voice_patches(lavalink, on_zero.id) == [kept]
            assert expected_voice(discord, on_zero.id) == kept
            # One copy of each player, playing on: nothing but the voice went to the node.
            assert [(i.shard_id, i.shard_count) for i in discord.identifies[2:]] == [(1, 2)]
            assert lavalink.held_guilds() == {g.id: 1 for g in guilds}
            assert all(voltricx.Pool.get_player(g.id) is players[g.id] for g in guilds)
            assert received.of(vhikari.PlayerDestroyedEvent) == []
            later = [r for r in lavalink.requests[requests:] if r.method != "GET"]
            assert all(
                r.method == "PATCH" and isinstance(r.json, dict) and set(r.json) == {"voice"}
                for r in later
            ), later
            remote = lavalink.player(on_one.id)
            assert remote is not None and remote.track is not None
            assert remote.track.encoded == track.encoded and remote.position >= position
        finally:
            await close_bot(gateway_bot)
        assert all(discord.voice_state(g.id) is None for g in guilds)


# ----------------------------------------------------------------------------- events


def test_every_core_event_has_a_hikari_event_with_its_fields() -> None:
    core_types = [
        getattr(core, name)
        for name in core.__all__
        if isinstance(getattr(core, name), type)
        and issubclass(getattr(core, name), core.Event)
        and getattr(core, name) is not core.Event
    ]
    assert core_types
    for core_type in core_types:
        hikari_type = vhikari.EVENT_TYPES.get(core_type)
        assert hikari_type is not None, f"no hikari event for {core_type.__name__}"
        assert issubclass(hikari_type, hikari.Event) and hikari_type.__name__.endswith("Event")
        attributes = set(attrs.fields_dict(hikari_type))
        assert {f.name for f in dataclasses.fields(core_type)} <= attributes, core_type.__name__


async def test_listener_on_the_base_class_gets_every_event(
    bot: tuple[hikari.GatewayBot, vhikari.HikariAdapter], lavalink: FakeLavalink
) -> None:
    gateway_bot, _ = bot
    seen: list[vhikari.VoltricxEvent] = []
    ready = asyncio.Event()

    @gateway_bot.listen()
    async def everything(event: vhikari.VoltricxEvent) -> None:  # pyright: ignore[reportUnusedFunction]
        seen.append(event)
        if isinstance(event, vhikari.NodeReadyEvent):
            ready.set()

    await voltricx.Pool.connect(client=gateway_bot, nodes=[node_config(lavalink, "A")], report=False)
    async with asyncio.timeout(TIMEOUT):
        await ready.wait()
    [event] = seen
    assert isinstance(event, vhikari.NodeReadyEvent) and isinstance(event.event, core.NodeReady)
    assert event.node is voltricx.Pool.get_node("A") and event.resumed is False
    assert event.session_id == event.node.session_id and event.name == "node_ready"
