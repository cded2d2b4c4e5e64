"""Exactly one copy of every player: switch_node, drain, remove, crash failover, regions, moves that fail."""

from __future__ import annotations

import asyncio

import pytest

import voltricx
from voltricx import NodeStatus
from voltricx._state import runtime
from voltricx.errors import NodeNotFound, NoNodesAvailable, PlayerError
from voltricx.events import (
    Failover,
    NodeDraining,
    NodeRemoved,
    PlayerDestroyed,
    PlayersMoved,
    TrackException,
    TrackStart,
)
from voltricx.regions import VOICE_REGIONS, region_from_endpoint
from voltricx.testing import FakeLavalink, placement_problems, wait_one_copy
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

pytestmark = pytest.mark.server_profiles()

GUILD = 420000000000000000
CHANNEL = 520000000000000000


async def pool(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, *regions: str | None, **options: object
) -> tuple[list[FakeLavalink], list[voltricx.Node]]:
    fakes = [await fake_factory() for _ in regions]
    configs = [node_config(f, f"N{i}", r) for i, (f, r) in enumerate(zip(fakes, regions, strict=True))]
    await voltricx.Pool.connect(client=gateway, nodes=configs, report=False, **options)  # type: ignore[arg-type]
    return fakes, [voltricx.Pool.get_node(f"N{i}") for i in range(len(fakes))]


async def playing(node: voltricx.Node, fake: FakeLavalink, count: int, *, start: int = 30_000, length: int = 3_600_000) -> list[voltricx.Player]:
    track = fake.catalogue.add(title="One copy", length=length)
    players: list[voltricx.Player] = []
    for i in range(count):
        player = voltricx.Player(GUILD + len(runtime.players) + i, node=node)
        await player.connect(CHANNEL + i)
        await player.play(track, start=start)
        players.append(player)
    return players


def patches_for(fake: FakeLavalink, guild: int) -> list[dict[str, object]]:
    return [
        r.json
        for r in fake.requests
        if r.method == "PATCH" and r.path.endswith(f"/players/{guild}") and isinstance(r.json, dict)
    ]


# -- switch_node -----------------------------------------------------------------------------


async def test_switch_node_deletes_the_old_copy_and_keeps_position(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    [player] = await playing(a, fakes[0], 1, start=90_000)
    await player.pause()
    before = player.position
    await player.switch_node(b)
    assert player.node is b and b.players[player.guild_id] is player and player.guild_id not in a.players
    assert not placement_problems(fakes, [player])
    [rebuild] = patches_for(fakes[1], player.guild_id)
    assert rebuild["position"] == before and rebuild["paused"] is True
    moved = gateway.of_type(PlayersMoved)
    assert [(e.old_node, e.new_node, e.players, e.reason) for e in moved] == [(a, b, (player,), "switch")]
    # Commands now go to the new node only.
    fakes[0].clear_requests()
    await player.resume()
    assert not fakes[0].requests and patches_for(fakes[1], player.guild_id)[-1] == {"paused": False}


async def test_migrate_is_a_deprecated_alias(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    [player] = await playing(a, fakes[0], 1)
    with pytest.warns(DeprecationWarning, match="switch_node"):
        await player.migrate(b)
    assert not placement_problems(fakes, [player]) and player.node is b


async def test_switch_node_of_a_destroyed_player_is_refused(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    [player] = await playing(a, fakes[0], 1)
    with pytest.raises(PlayerError, match="already is on node"):
        await player.switch_node(a)
    await player.disconnect()
    with pytest.raises(PlayerError, match="destroyed"):
        await player.switch_node(b)
    assert not placement_problems(fakes, [player])


async def test_a_track_failing_on_the_new_node_advances_the_queue(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    """The target sends TrackException + TrackEnd(loadFailed) before it answers the move."""
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    good = fakes[0].catalogue.add(title="Plays on A", identifier="failsOnB001", length=600_000)
    fakes[1].catalogue.add(title="Plays on A", identifier="failsOnB001", length=600_000, behaviour="exception")
    following = fakes[0].catalogue.add(title="Next", identifier="nextTrack01", length=600_000)
    player = voltricx.Player(GUILD, node=a)
    player.autoplay = voltricx.AutoPlayMode.PARTIAL  # advance through the queue
    await player.connect(CHANNEL)
    await player.play(good)
    player.queue.put(following)
    await player.switch_node(b)
    # Never "playing" a track the node does not play.
    assert player.current is None or player.current.encoded != good.encoded
    failed = await gateway.wait_for(TrackException, lambda e: e.player is player, timeout=10)
    assert failed.track.encoded == good.encoded
    started = await gateway.wait_for(
        TrackStart, lambda e: e.player is player and e.track.encoded == following.encoded, timeout=10
    )
    assert started.track.title == "Next"
    remote = fakes[1].player(GUILD)
    assert remote is not None and remote.track is not None and remote.track.encoded == following.encoded
    assert player.playing and player.node is b
    assert not placement_problems(fakes, [player])


# -- destroy during a move ------------------------------------------------------------------


async def test_destroy_during_a_failover_leaves_no_ghost(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    players = await playing(a, fakes[0], 3)
    fakes[1].delay(1.0)
    fakes[0].kill()
    # Wait until the rebuilds are on their way to B, then leave.
    await fakes[1].wait_for(lambda f: len([r for r in f.requests if r.method == "PATCH"]) >= 3, timeout=10)
    await players[0].disconnect()
    fakes[1].delay(0)
    await runtime.tasks.wait_idle(timeout=10)
    await wait_one_copy(fakes, players)
    assert players[0].destroyed and players[0].guild_id not in b.players
    assert fakes[1].player(players[0].guild_id) is None
    assert [p.node for p in players[1:]] == [b, b]
    [destroyed] = gateway.of_type(PlayerDestroyed)
    assert destroyed.player is players[0] and destroyed.reason == "left"
    # A new player for the guild is not displaced by anything left over.
    again = voltricx.Player(players[0].guild_id, node=b)
    await again.connect(CHANNEL)
    await wait_one_copy(fakes, [again, *players[1:]])


# -- drain, undrain, remove ---------------------------------------------------------------------


async def test_drain_empties_the_node_and_undrain_reverses_it(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fakes, (a, b, c) = await pool(fake_factory, gateway, None, None, None)
    players = await playing(a, fakes[0], 6)
    await voltricx.Pool.drain("N0")
    assert not a.players and a.draining and a.status is NodeStatus.CONNECTED
    assert a.penalty == 9e30 and voltricx.Pool.get_node() is not a
    assert {p.node for p in players} == {b, c}  # spread over both
    await wait_one_copy(fakes, players)
    [draining] = gateway.of_type(NodeDraining)
    assert draining.node is a
    moved = gateway.of_type(PlayersMoved)
    assert all(e.old_node is a and e.reason == "drain" for e in moved)
    assert sorted(p.guild_id for e in moved for p in e.players) == sorted(p.guild_id for p in players)
    # Each player started where it was: one rebuild, at (or just after) its position.
    for player in players:
        [rebuild] = patches_for(fakes[1] if player.node is b else fakes[2], player.guild_id)
        position = rebuild["position"]
        assert isinstance(position, int) and 30_000 <= position < 40_000
    voltricx.Pool.undrain("N0")
    assert not a.draining and a.penalty < 9e30


async def test_drain_without_another_node_is_refused(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes, (a,) = await pool(fake_factory, gateway, None)
    players = await playing(a, fakes[0], 2)
    with pytest.raises(NoNodesAvailable, match="connect another node"):
        await voltricx.Pool.drain("N0")
    assert not a.draining and all(p.node is a for p in players)
    with pytest.raises(NodeNotFound):
        await voltricx.Pool.drain("nope")


async def test_remove_node_moves_players_then_forgets_the_node(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    players = await playing(a, fakes[0], 3)
    await voltricx.Pool.remove_node("N0")
    assert "N0" not in voltricx.Pool.nodes() and a.status is NodeStatus.DISCONNECTED
    assert all(p.node is b and not p.destroyed for p in players)
    await wait_one_copy(fakes, players)
    assert [e.node for e in gateway.of_type(NodeRemoved)] == [a]
    assert {e.reason for e in gateway.of_type(PlayersMoved)} == {"remove"}


async def test_remove_node_without_moving_destroys_the_players(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fakes, (a, _) = await pool(fake_factory, gateway, None, None)
    players = await playing(a, fakes[0], 2)
    await voltricx.Pool.remove_node("N0", move_players=False)
    assert all(p.destroyed for p in players) and not voltricx.Pool.players()
    assert {e.reason for e in gateway.of_type(PlayerDestroyed)} == {"node_removed"}
    assert fakes[0].held_guilds() == {} and fakes[1].held_guilds() == {}
    assert not gateway.of_type(PlayersMoved)


async def test_node_close_on_a_pool_node_never_orphans_players(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    players = await playing(a, fakes[0], 2)
    await a.close()
    assert all(p.node is b for p in players)
    await players[0].pause()  # still usable
    await wait_one_copy(fakes, players)
    assert [e.node for e in gateway.of_type(NodeRemoved)] == [a]


# -- crash failover -----------------------------------------------------------------------------


_RESUMES = pytest.mark.server_profiles(
    "lavalink", reason="NodeLink cannot resume: every drop fails over at once (test_nodelink.py)"
)


@_RESUMES
async def test_a_refused_reconnect_fails_over_without_waiting_for_the_grace(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fakes = [await fake_factory(), await fake_factory()]
    configs = [node_config(f, f"N{i}", resume_grace=60.0) for i, f in enumerate(fakes)]
    await voltricx.Pool.connect(client=gateway, nodes=configs, report=False)
    a, b = voltricx.Pool.get_node("N0"), voltricx.Pool.get_node("N1")
    players = await playing(a, fakes[0], 2)
    fakes[0].kill()
    # The grace is 60 s; the refused reconnect shows the process is gone.
    event = await gateway.wait_for(Failover, timeout=15)
    assert event.old_node is a and event.new_node is b and a.refused
    await wait_one_copy(fakes, players)


@_RESUMES
async def test_behind_a_proxy_the_grace_still_applies(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes = [await fake_factory(), await fake_factory()]
    configs = [node_config(f, f"N{i}", resume_grace=60.0) for i, f in enumerate(fakes)]
    await voltricx.Pool.connect(client=gateway, nodes=configs, report=False)
    a = voltricx.Pool.get_node("N0")
    players = await playing(a, fakes[0], 1)
    attempts = a.connection_attempts
    fakes[0].kill_behind_proxy()
    await fakes[0].wait_for(lambda f: f.connections_while_down >= 1, timeout=10)
    await a.wait_for_attempt(timeout=10)
    assert a.connection_attempts > attempts and not a.refused
    assert not gateway.of_type(Failover) and players[0].node is a  # still waiting to resume


# -- regions --------------------------------------------------------------------------------------


async def test_players_go_back_to_their_region(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes, (us, eu) = await pool(fake_factory, gateway, "us", "eu")
    players = await playing(us, fakes[0], 2)
    assert all(p.region == "us" for p in players)
    fakes[0].kill()
    await gateway.wait_for(Failover, timeout=15)
    assert all(p.node is eu and p.region == "us" for p in players)
    await fakes[0].restart()
    moved = await gateway.wait_for(PlayersMoved, lambda e: e.reason == "move_back", timeout=15)
    assert moved.old_node is eu and moved.new_node is us and set(moved.players) == set(players)
    await wait_one_copy(fakes, players)
    for player in players:
        [rebuild] = patches_for(fakes[0], player.guild_id)[-1:]
        assert "track" in rebuild and isinstance(rebuild["position"], int) and rebuild["position"] >= 30_000


async def test_move_back_can_be_turned_off(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes, (us, eu) = await pool(fake_factory, gateway, "us", "eu", move_back=False)
    players = await playing(us, fakes[0], 1)
    fakes[0].kill()
    await gateway.wait_for(Failover, timeout=15)
    await fakes[0].restart()
    await us.wait_for_status(NodeStatus.CONNECTED, timeout=10)
    await runtime.tasks.wait_idle(timeout=10)
    assert players[0].node is eu and not gateway.of_type(PlayersMoved)


def test_region_from_the_voice_endpoint() -> None:
    assert region_from_endpoint("c-fra12-8a4f1c2e.discord.media:443") == "eu"
    assert region_from_endpoint("c-iad07-1234abcd.discord.media:443") == "us"
    assert region_from_endpoint("us-east1234.discord.gg:443") == "us"
    assert region_from_endpoint("rotterdam5678.discord.gg") == "eu"
    assert region_from_endpoint("voice.fake.invalid:443") is None
    assert region_from_endpoint(None) is None


async def test_a_player_without_a_region_takes_its_voice_servers(
    fake_factory: FakeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(VOICE_REGIONS, "fra", "europe-west")
    gateway = FakeVoiceGateway(endpoint="c-fra12-8a4f1c2e.discord.media:443")
    fakes, (us, eu) = await pool(fake_factory, gateway, "us", "europe-west")
    player = voltricx.Player(GUILD, node=us)
    assert player.region == "us"  # its first node's, until the voice server is known
    await player.connect(CHANNEL)
    assert player.region == "europe-west"
    given = voltricx.Player(GUILD + 1, node=us, region="us")
    await given.connect(CHANNEL + 1)
    assert given.region == "us"  # one asked for is kept
    assert not placement_problems(fakes, [player, given]) and eu.status is NodeStatus.CONNECTED


# -- unknown length -------------------------------------------------------------------------------


async def test_unknown_length_tracks_keep_their_position(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    [player] = await playing(a, fakes[0], 1, start=0, length=-1)
    assert player.current is not None and player.current.length == -1
    player._position = 125_000  # pyright: ignore[reportPrivateUsage]  # as a node would report it
    assert player.position >= 125_000  # not clamped to the length (-1)
    await player.switch_node(b)
    [rebuild] = patches_for(fakes[1], player.guild_id)
    position = rebuild["position"]
    assert isinstance(position, int) and position >= 125_000
    fakes[1].kill()
    await gateway.wait_for(Failover, timeout=15)
    failover = patches_for(fakes[0], player.guild_id)[-1]
    kept = failover["position"]
    assert isinstance(kept, int) and kept >= 125_000
    await wait_one_copy(fakes, [player])


async def test_concurrent_commands_and_moves_take_turns(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    players = await playing(a, fakes[0], 4)
    track = fakes[0].catalogue.add(title="Raced", length=600_000)
    await asyncio.gather(
        *(p.switch_node(b) for p in players),
        *(p.play(track) for p in players),
        *(p.set_volume(55) for p in players),
    )
    await wait_one_copy(fakes, players)
    for player in players:
        remote = fakes[1].player(player.guild_id)
        assert remote is not None and remote.track is not None and remote.track.encoded == track.encoded
        assert remote.volume == 55 and player.volume == 55


@_RESUMES
async def test_a_player_rebuilt_on_a_resumed_node_is_not_swept(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    """G fails over A -> B; A resumes its old session (still holding G) while B dies: G is rebuilt
    on A while A's stray sweep is in flight. The sweep re-checks G in G's turn and leaves it."""
    fakes, (a, b) = await pool(fake_factory, gateway, None, None)
    [player] = await playing(a, fakes[0], 1)
    session = a.session_id
    fakes[0].kill()
    await gateway.wait_for(Failover, timeout=15)
    assert player.node is b
    fakes[0].delay(0.5)  # the sweep's list and the rebuild overlap on A
    await fakes[0].restart(keep_sessions=True)
    await gateway.wait_for(voltricx.events.NodeReady, lambda e: e.node is a and e.resumed, timeout=10)
    assert a.session_id == session
    fakes[1].kill()
    await gateway.wait_for(Failover, lambda e: e.old_node is b, timeout=15)
    await runtime.tasks.wait_idle(timeout=15)
    fakes[0].delay(0)
    assert player.node is a and a.players[player.guild_id] is player
    await wait_one_copy(fakes, [player])
    remote = fakes[0].player(player.guild_id)
    assert remote is not None and remote.track is not None
    rebuilt = max(r.time for r in fakes[0].requests if r.method == "PATCH" and r.path.endswith(f"/players/{player.guild_id}"))
    late = [r for r in fakes[0].requests if r.method == "DELETE" and r.time > rebuilt]
    assert not late, "the sweep deleted the rebuilt player"


async def test_a_delete_to_a_half_open_node_frees_the_guilds_turn_once_the_node_is_known_down(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    """Leaving sends DELETE to a node that just went half-open: when stall detection drops the
    node, the leave ends and the guild can have a new player, long before the request timeout."""
    fakes = [await fake_factory(), await fake_factory()]
    configs = [node_config(fakes[0], "N0", stall_timeout=1.0, request_timeout=120.0), node_config(fakes[1], "N1")]
    await voltricx.Pool.connect(client=gateway, nodes=configs, report=False)
    a, b = voltricx.Pool.get_node("N0"), voltricx.Pool.get_node("N1")
    [player] = await playing(a, fakes[0], 1)
    fakes[0].stall()
    async with asyncio.timeout(30):  # a bound far below the request timeout, not a speed target
        await player.disconnect()
    assert player.destroyed and fakes[0].stalled and a.status is not NodeStatus.CONNECTED
    again = voltricx.Player(player.guild_id, node=b)
    await again.connect(CHANNEL)
    fakes[0].unstall()
    await a.wait_for_status(NodeStatus.CONNECTED, timeout=15)
    await wait_one_copy(fakes, [again])  # the copy left on the half-open node is swept
