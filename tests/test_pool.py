"""Pool and Node behaviour against FakeLavalink servers: the seed's "Connecting Nodes" page."""

from __future__ import annotations

import asyncio
import io
import socket

import pytest

import voltricx
from voltricx import NodeStatus
from voltricx._state import runtime
from voltricx.events import Failover, NodeDisconnected, NodeReady, NodeStats, TrackStart
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import PASSWORD, FakeFactory, node_config


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def connect(gateway: FakeVoiceGateway, *configs: voltricx.NodeConfig) -> list[str]:
    out = io.StringIO()
    await voltricx.Pool.connect(client=gateway, nodes=list(configs), report_stream=out)
    return out.getvalue().splitlines()


# -- the connection report ---------------------------------------------------------------


async def test_report_lists_every_node_when_all_connect(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    us, eu, asia = [await fake_factory() for _ in range(3)]
    lines = await connect(
        gateway,
        node_config(us, "US", "us"),
        node_config(eu, "EU", "eu"),
        node_config(asia, "Asia", "asia"),
    )
    assert lines == [
        "[Lavalink] Node connection report (3/3 connected)",
        f"[CONNECTED] US {us.uri} region=us",
        f"[CONNECTED] EU {eu.uri} region=eu",
        f"[CONNECTED] Asia {asia.uri} region=asia",
    ]


async def test_report_names_the_reason_of_a_refused_node(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    us, eu = await fake_factory(), await fake_factory()
    port = closed_port()
    asia = voltricx.NodeConfig(identifier="Asia", uri=f"http://127.0.0.1:{port}", password="x", region="asia")
    lines = await connect(gateway, node_config(us, "US", "us"), node_config(eu, "EU", "eu"), asia)
    assert lines == [
        "[Lavalink] Node connection report (2/3 connected)",
        f"[CONNECTED] US {us.uri} region=us",
        f"[CONNECTED] EU {eu.uri} region=eu",
        f"[FAILED] Asia http://127.0.0.1:{port} region=asia (connection refused)",
    ]


async def test_report_is_logged_and_can_stay_off_the_console(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = await fake_factory()
    caplog.set_level("INFO", logger="voltricx")
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "US", "us")], report=False)
    assert capsys.readouterr().out == ""
    assert "[Lavalink] Node connection report (1/1 connected)" in caplog.messages


@pytest.mark.parametrize(
    ("password", "reason", "status"),
    [("wrong-password", "wrong password (403)", 403), ("", "missing password (401)", 401)],
)
async def test_auth_failure_is_reported_and_never_retried(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, password: str, reason: str, status: int
) -> None:
    fake = await fake_factory()
    lines = await connect(gateway, node_config(fake, "US", "us", password=password, retry_base=0.01, retry_cap=0.02))
    assert lines[1] == f"[FAILED] US {fake.uri} region=us ({reason})"
    node = voltricx.Pool.get_node("US")
    assert node.auth_error is not None and node.auth_error.status == status
    # The supervisor has returned: no further attempt can happen by itself.
    supervisor = node._supervisor  # pyright: ignore[reportPrivateUsage]
    assert supervisor is not None
    await asyncio.wait_for(asyncio.shield(supervisor), 2)
    assert node.connection_attempts == 1
    upgrades = [r for r in fake.requests if r.path == "/v4/websocket"]
    assert len(upgrades) == 1
    assert node.status is NodeStatus.DISCONNECTED


async def test_password_is_in_no_error_log_or_repr(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-never-shown"
    fake = await fake_factory()
    caplog.set_level("DEBUG", logger="voltricx")
    await connect(gateway, node_config(fake, "US", "us", password=secret))
    node = voltricx.Pool.get_node("US")
    with pytest.raises(voltricx.NodeAuthError) as info:
        await node.fetch_info()
    texts = [caplog.text, repr(node), repr(node.config), repr(node.rest), str(info.value), repr(info.value)]
    assert all(secret not in text for text in texts)


# -- selection -----------------------------------------------------------------------


async def test_get_node_picks_the_lowest_penalty(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes = [await fake_factory() for _ in range(3)]
    await connect(gateway, *(node_config(f, name, "us") for f, name in zip(fakes, ["A", "B", "C"], strict=True)))
    fakes[0].set_stats(system_load=0.9, playing_players=0)
    fakes[1].set_stats(system_load=0.1, playing_players=0, deficit=600)
    fakes[2].set_stats(system_load=0.2, playing_players=3)
    for fake in fakes:
        await fake.push_stats()
    nodes = voltricx.Pool.nodes()
    for name, load in (("A", 0.9), ("B", 0.1), ("C", 0.2)):
        await gateway.wait_for(NodeStats, lambda e, n=name, x=load: e.node.identifier == n and e.stats.cpu.system_load == x)
    assert voltricx.Pool.get_node().identifier == "C"
    assert nodes["B"].penalty > nodes["A"].penalty > nodes["C"].penalty


async def test_get_node_by_identifier_and_unknown_identifier(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake = await fake_factory()
    await connect(gateway, node_config(fake, "EU", "eu"))
    assert voltricx.Pool.get_node("EU").uri == fake.uri
    with pytest.raises(voltricx.NodeNotFound, match="'Asia'"):
        voltricx.Pool.get_node("Asia")


async def test_region_choice_and_fallback(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    us, eu = await fake_factory(), await fake_factory()
    await connect(gateway, node_config(us, "US", "us"), node_config(eu, "EU", "eu"))
    us.set_stats(system_load=0.0)
    eu.set_stats(system_load=0.8)
    assert voltricx.Pool.get_node(region="eu").identifier == "EU"
    assert voltricx.Pool.get_node(region="EU").identifier == "EU"
    eu.kill()
    await voltricx.Pool.get_node("EU").wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
    assert voltricx.Pool.get_node(region="eu").identifier == "US"
    us.kill()
    await voltricx.Pool.get_node("US").wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
    with pytest.raises(voltricx.NoNodesAvailable):
        voltricx.Pool.get_node(region="eu")


async def test_status_transitions_are_observable(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake = await fake_factory()
    await connect(gateway, node_config(fake, "US", "us", resume=False))
    node = voltricx.Pool.get_node("US")
    assert node.status is NodeStatus.CONNECTED
    fake.kill()
    await node.wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
    await node.wait_for_status(NodeStatus.CONNECTING, timeout=5)
    await fake.restart()
    await node.wait_for_status(NodeStatus.CONNECTED, timeout=5)
    assert len(gateway.of_type(NodeReady)) == 2
    assert len(gateway.of_type(NodeDisconnected)) == 1


async def test_node_info_version_and_route_planner(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    plain, routed = await fake_factory(), await fake_factory(route_planner=True)
    await connect(gateway, node_config(plain, "A"), node_config(routed, "B"))
    a, b = voltricx.Pool.get_node("A"), voltricx.Pool.get_node("B")
    info = await a.fetch_info()
    assert info.version.semver == plain.version
    assert "youtube" in info.source_managers
    assert await a.fetch_version() == plain.version
    assert (await a.fetch_stats()).frame_stats is None
    assert await a.fetch_routeplanner_status() is None
    status = await b.fetch_routeplanner_status()
    assert status is not None and status.planner_class is voltricx.RoutePlannerClass.ROTATING_IP
    failing = [f.failing_address for f in status.details.failing_addresses]
    assert failing
    await b.free_address(failing[0])
    after = await b.fetch_routeplanner_status()
    assert after is not None and failing[0] not in [f.failing_address for f in after.details.failing_addresses]
    await b.free_all_addresses()
    cleared = await b.fetch_routeplanner_status()
    assert cleared is not None and cleared.details.failing_addresses == []


async def test_bad_frame_is_skipped_and_later_messages_still_apply(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory()
    await connect(gateway, node_config(fake, "US"))
    node = voltricx.Pool.get_node("US")
    await fake.send_raw(b"\x00garbage{")
    await fake.send_raw('{"op": "stats", "players": "many"}')
    fake.set_stats(system_load=0.42)
    await fake.push_stats()
    await gateway.wait_for(NodeStats, lambda e: e.stats.cpu.system_load == 0.42)
    assert node.status is NodeStatus.CONNECTED
    assert node.connection_attempts == 1


# -- players, failover and resume ---------------------------------------------------------

GUILD_BASE = 300000000000000000
CHANNEL = 400000000000000001


async def start_players(node: voltricx.Node, count: int, query: str = "ytsearch:failover") -> list[voltricx.Player]:
    result = await node.rest.load_tracks(query)
    tracks = result.data
    assert isinstance(tracks, list) and tracks

    async def one(index: int) -> voltricx.Player:
        player = voltricx.Player(GUILD_BASE + index, node=node)
        await player.connect(CHANNEL + index)
        await player.play(tracks[index % len(tracks)], start=index * 1000)
        return player

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def test_kill_moves_every_player_once_and_never_calls_the_dead_node(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    us_fake, eu_fake = await fake_factory(), await fake_factory()
    await connect(gateway, node_config(us_fake, "US", "us"), node_config(eu_fake, "EU", "eu"))
    us, eu = voltricx.Pool.get_node("US"), voltricx.Pool.get_node("EU")
    players = await start_players(us, 100)
    eu_fake.clear_requests()
    requests_before = us.rest.request_count
    attempts_before = us.connection_attempts
    expected = {p.guild_id: p.position for p in players}
    us_fake.kill()
    event = await gateway.wait_for(Failover, timeout=15)
    positions = {p.guild_id: p.position for p in players}

    assert len(gateway.of_type(Failover)) == 1
    assert event.old_node is us and event.new_node is eu
    assert {p.guild_id for p in event.players} == set(expected)
    assert all(p.node is eu for p in players)
    assert set(eu.players) == set(expected) and not us.players
    # Positions froze when the node died: within a second of where they were.
    for guild_id, before in expected.items():
        assert abs(positions[guild_id] - before) <= 1000
    # One update per player on the new node, carrying everything.
    patches = [r for r in eu_fake.requests if r.method == "PATCH" and "/players/" in r.path]
    assert len(patches) == 100
    for request in patches:
        body = request.json
        assert isinstance(body, dict)
        assert {"voice", "track", "position", "volume", "paused", "filters"} <= set(body)
        assert body["voice"]["channelId"]
    # Nothing but refused websocket reconnect attempts reached the dead node.
    assert us.rest.request_count == requests_before
    assert us.connection_attempts > attempts_before and us.refused


async def test_brief_drop_within_grace_resumes_without_failover(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake, other = await fake_factory(), await fake_factory()
    await connect(gateway, node_config(fake, "US", "us", resume_grace=10.0), node_config(other, "EU", "eu"))
    node = voltricx.Pool.get_node("US")
    players = await start_players(node, 5)
    session = node.session_id
    fake.kill_behind_proxy()  # the node may still hold the session: the grace applies
    await node.wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
    await fake.restart(keep_sessions=True)
    await gateway.wait_for(NodeReady, lambda e: e.node is node and e.resumed, timeout=10)
    await runtime.tasks.wait_idle(timeout=10)
    assert node.session_id == session
    assert not gateway.of_type(Failover)
    assert all(p.node is node for p in players)
    assert len(node.players) == 5
    fake_session = fake.sessions[session]
    assert len(fake_session.players) == 5


async def test_restart_without_session_rebuilds_players(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake = await fake_factory()
    await connect(gateway, node_config(fake, "US", "us", resume_grace=10.0))
    node = voltricx.Pool.get_node("US")
    players = await start_players(node, 3)
    fake.kill()
    await node.wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
    await fake.restart(keep_sessions=False)
    event = await gateway.wait_for(Failover, timeout=10)
    assert event.new_node is node
    assert node.session_id is not None and len(fake.sessions[node.session_id].players) == 3
    assert all(p.node is node and p.current is not None for p in players)


async def test_stalled_node_is_detected_and_failed_over(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    stalled, healthy = await fake_factory(), await fake_factory()
    await connect(
        gateway,
        node_config(stalled, "US", "us", heartbeat=0, stall_timeout=1.0),
        node_config(healthy, "EU", "eu"),
    )
    node = voltricx.Pool.get_node("US")
    players = await start_players(node, 3)
    stalled.stall()
    event = await gateway.wait_for(Failover, timeout=15)
    assert event.old_node is node
    assert all(p.node is voltricx.Pool.get_node("EU") for p in players)


async def test_players_wait_for_a_healthy_node_then_migrate(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    a, b = await fake_factory(), await fake_factory()
    await connect(gateway, node_config(a, "A", "us"), node_config(b, "B", "eu"))
    node_a, node_b = voltricx.Pool.get_node("A"), voltricx.Pool.get_node("B")
    players = await start_players(node_a, 4)
    b.kill()
    await node_b.wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
    a.kill()
    await node_a.wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
    # Grace, then 5 s without any healthy node: the players are parked.
    await runtime.tasks.wait_idle(timeout=20)
    assert len(runtime.parked) == 4
    assert not gateway.of_type(Failover)
    await b.restart()
    event = await gateway.wait_for(Failover, timeout=10)
    assert event.old_node is node_a and event.new_node is node_b
    assert all(p.node is node_b for p in players)
    assert not runtime.parked


async def test_track_events_reach_the_sink(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake = await fake_factory()
    await connect(gateway, node_config(fake, "US"))
    [player] = await start_players(voltricx.Pool.get_node("US"), 1)
    event = await gateway.wait_for(TrackStart, timeout=5)
    assert event.player is player and player.current is not None


# -- close ---------------------------------------------------------------------------


async def test_close_leaves_no_task_socket_or_session(fake_factory: FakeFactory) -> None:
    fakes: list[FakeLavalink] = [await fake_factory() for _ in range(2)]
    baseline = {t for t in asyncio.all_tasks()}
    gateway = FakeVoiceGateway()
    await connect(gateway, *(node_config(f, f"N{i}") for i, f in enumerate(fakes)))
    nodes = list(voltricx.Pool.nodes().values())
    await start_players(nodes[0], 3)
    await voltricx.Pool.close()
    await voltricx.Pool.close()
    leftover = {t for t in asyncio.all_tasks() if t not in baseline and t is not asyncio.current_task()}
    assert not [t for t in leftover if not t.get_name().startswith("fake")] or all(
        "FakeLavalink" in repr(t) for t in leftover
    )
    assert all(node.rest.session.closed for node in nodes)
    assert voltricx.Pool.nodes() == {} and voltricx.Pool.players() == {}
    assert sorted(gateway.leaves) == [GUILD_BASE, GUILD_BASE + 1, GUILD_BASE + 2]
    # The node saw each player destroyed.
    assert all(not s.players for f in fakes for s in f.sessions.values())
    assert PASSWORD  # the fixture password is what the fakes expect


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_report_is_coloured_only_on_a_terminal(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake = await fake_factory()
    terminal = _Terminal()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "US", "us")], report_stream=terminal)
    text = terminal.getvalue()
    assert "\033[32m[CONNECTED]\033[0m US" in text
    await voltricx.Pool.close()
    plain = io.StringIO()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "US", "us")], report_stream=plain)
    assert "\033[" not in plain.getvalue()
