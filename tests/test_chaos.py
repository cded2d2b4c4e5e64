"""Chaos: 3 nodes, 1000 players, a node killed or stalled and later restored every few seconds.

The schedule comes from a seeded RNG, so every run injects the same faults
in the same order. Around the faults it also moves players
(``switch_node``, also towards the failing node), drains and undrains nodes,
removes a node from the pool once and adds it back, lets players leave and
new ones join while failovers are in flight, and plays tracks of unknown
length and tracks that fail to start on one node (so some moves end in a
failed start and a queue advance). After every step every live player is
held by exactly one server (its node's session) and every player that left
by none. At the end: no player lost, every player on a healthy
node and present there exactly once, position regression at most 1 s per
failover, no task or session leaked, no unhandled exception logged, and the
password in no log line. The figures are printed (``pytest -s``) and logged.

It runs once per server profile. On ``nodelink`` nothing resumes: every drop
is a failover and a rebuild, the server destroys a session's players as soon
as its websocket closes, and the test also checks that no player copy is left
on a dead session.

``VOLTRICX_CHAOS_SECONDS`` changes the length of the fault phase (default 60);
``VOLTRICX_CHAOS_NODELINK_SECONDS`` that of the nodelink run (default 25, at
most ``VOLTRICX_CHAOS_SECONDS``). ``VOLTRICX_CHAOS_SEED`` changes the schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

import voltricx
from voltricx import NodeStatus
from voltricx._state import runtime
from voltricx.errors import VoltricxError
from voltricx.events import Failover, NodeDisconnected, PlayerDestroyed
from voltricx.models.track import Track
from voltricx.testing import FakeLavalink, FakePlayer, wait_one_copy
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

SEED = int(os.environ.get("VOLTRICX_CHAOS_SEED", "20261125"))
PLAYERS = 1000
CHAOS_SECONDS = float(os.environ.get("VOLTRICX_CHAOS_SECONDS", "60"))
NODELINK_CHAOS_SECONDS = float(
    os.environ.get("VOLTRICX_CHAOS_NODELINK_SECONDS", str(min(25.0, CHAOS_SECONDS)))
)
SECONDS = {"lavalink": CHAOS_SECONDS, "nodelink": NODELINK_CHAOS_SECONDS}
SECRET = "chaos-secret-pw-7f3a"
GUILD_BASE = 500000000000000000
CHANNEL_BASE = 600000000000000000

_log = logging.getLogger("voltricx.tests")


@dataclass
class Figures:
    profile: str
    seconds: float
    kills: int = 0
    stalls: int = 0
    resumes: int = 0
    failovers: int = 0
    moved: int = 0
    regressions: list[float] = field(default_factory=list[float])
    recovery: list[float] = field(default_factory=list[float])
    switches: int = 0
    drains: int = 0
    removals: int = 0
    left: int = 0
    joined: int = 0

    def summary(self) -> str:
        worst = max(self.regressions, default=0.0)
        mean = sum(self.regressions) / len(self.regressions) if self.regressions else 0.0
        slowest = max(self.recovery, default=0.0)
        return (
            f"chaos[{self.profile}]: {PLAYERS} players, 3 nodes, {self.seconds:g}s: {self.kills} kills, "
            f"{self.stalls} stalls, {self.failovers} Failover events moving {self.moved} players, "
            f"{self.resumes} resumed sessions; {self.switches} switch_node, {self.drains} drains, "
            f"{self.removals} removals, {self.left} players left and {self.joined} joined mid-failover; "
            f"position regression max {worst:.3f}s mean {mean:.3f}s; slowest recovery {slowest:.2f}s"
        )


async def start_player(index: int, node: voltricx.Node, tracks: list[Track]) -> voltricx.Player:
    player = voltricx.Player(GUILD_BASE + index, node=node)
    player.autoplay = voltricx.AutoPlayMode.PARTIAL  # a failed start advances the queue
    await player.connect(CHANNEL_BASE + index)
    player.queue.put(tracks[1 + index % (len(tracks) - 2)])  # what comes after a failed start
    await player.play(tracks[index % len(tracks)], start=(index % 30) * 1000)
    return player


async def start_players(nodes: list[voltricx.Node], tracks: list[Track]) -> list[voltricx.Player]:
    async def one(index: int) -> voltricx.Player:
        return await start_player(index, nodes[index % len(nodes)], tracks)

    players: list[voltricx.Player] = []
    for batch in range(0, PLAYERS, 100):
        players += await asyncio.gather(*(one(i) for i in range(batch, min(batch + 100, PLAYERS))))
    return players


@dataclass(frozen=True)
class ServerPosition:
    """Where a server-side player was when a fault hit, and whether its clock kept going.

    A copy, because the NodeLink profile destroys the player itself as soon as the
    websocket closes (which a stall leads to), long before the figures are taken.
    """

    at: float
    position: int
    advancing: bool
    end: int
    speed: float

    @classmethod
    def of(cls, fake: FakeLavalink, player: FakePlayer, now: float) -> ServerPosition:
        return cls(now, player.position_at(now), player.advancing, player.end_position, fake.speed)

    def position_at(self, when: float) -> float:
        if not self.advancing:
            return self.position
        return min(self.end, self.position + max(0.0, when - self.at) * 1000.0 * self.speed)


def server_positions(fake: FakeLavalink, session_id: str | None) -> dict[int, ServerPosition]:
    session = fake.sessions.get(session_id or "")
    now = time.monotonic()
    return {} if session is None else {int(g): ServerPosition.of(fake, p, now) for g, p in session.players.items()}


def dead_copies(fake: FakeLavalink) -> int:
    """Players the server still holds on sessions without a websocket."""
    return sum(len(s.players) for s in fake.sessions.values() if s.ws is None)


@pytest.mark.server_profiles("lavalink", "nodelink")
async def test_chaos(
    fake_factory: FakeFactory, caplog: pytest.LogCaptureFixture, profile: str, gateway: FakeVoiceGateway
) -> None:
    caplog.set_level("INFO", logger="voltricx")
    baseline = set(asyncio.all_tasks())
    rng = random.Random(SEED)
    fakes = [
        await fake_factory(password=SECRET, stats_interval=0.5, player_update_interval=5.0)
        for _ in range(3)
    ]
    # Track 0 has an unknown length (-1); the last one fails to start on N1 only.
    tracks = [
        fakes[0].catalogue.add(title=f"Chaos {i}", identifier=f"chaos{i:07d}", length=-1 if i == 0 else 3_600_000)
        for i in range(10)
    ]
    fakes[1].catalogue.add(title="Chaos 9", identifier="chaos0000009", length=3_600_000, behaviour="exception")
    configs = [
        node_config(
            fake, f"N{i}", password=SECRET, heartbeat=0, stall_timeout=1.5, request_timeout=15.0
        )
        for i, fake in enumerate(fakes)
    ]
    await voltricx.Pool.connect(client=gateway, nodes=configs, report=False)
    nodes = [voltricx.Pool.get_node(f"N{i}") for i in range(3)]
    fake_of = dict(zip(nodes, fakes, strict=True))
    players = await start_players(nodes, tracks)
    tracked = list(players)  # every player ever made: the live ones and the ones that left
    next_index = PLAYERS
    assert len(voltricx.Pool.players()) == PLAYERS
    figures = Figures(profile, SECONDS[profile])

    loop = asyncio.get_running_loop()
    changed = asyncio.Event()
    original_emit = gateway.emit

    lost_at: dict[voltricx.Node, float] = {}

    def emit(event: voltricx.events.Event) -> None:
        if isinstance(event, NodeDisconnected):
            lost_at[event.node] = time.monotonic()
        original_emit(event)
        changed.set()

    gateway.emit = emit  # type: ignore[method-assign]

    async def settle(check: Callable[[], bool], timeout: float) -> None:
        """Wait for ``check()``: re-checked after every event voltricx emits (at least every 0.1 s)."""
        async with asyncio.timeout(timeout):
            while not check():
                changed.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.1):
                        await changed.wait()

    def healthy() -> bool:
        return all(
            p.node.status is NodeStatus.CONNECTED and p.guild_id in p.node.players and p.current is not None
            for p in players
        ) and not runtime.parked

    async def switch_some(avoid: voltricx.Node | None) -> None:
        """switch_node for a few players, towards any node (a dead or stalled one fails: fine)."""
        # Not off the failing node either: a DELETE to a stalled node would hang until its timeout.
        movers = rng.sample([p for p in players if p.node is not avoid], 6)
        targets = [rng.choice(nodes) for _ in movers]

        async def one(player: voltricx.Player, target: voltricx.Node) -> None:
            with contextlib.suppress(VoltricxError):  # the target is down, or the player left
                await player.switch_node(target)

        figures.switches += len(movers)
        await asyncio.gather(*(one(p, t) for p, t in zip(movers, targets, strict=True) if t is not avoid))

    async def leave_and_join(node: voltricx.Node, victims: list[voltricx.Player]) -> None:
        """While ``node``'s players are being moved: some leave, new ones join elsewhere."""
        nonlocal next_index
        leavers = rng.sample(victims, min(4, len(victims)))
        for player in leavers:
            players.remove(player)
            victims.remove(player)
        others = [n for n in nodes if n is not node and n.status is NodeStatus.CONNECTED]
        joins = list(range(next_index, next_index + (3 if others else 0)))
        next_index += len(joins)
        joined = await asyncio.gather(
            *(p.disconnect() for p in leavers),
            *(start_player(i, rng.choice(others), tracks) for i in joins),
        )
        fresh = [p for p in joined if isinstance(p, voltricx.Player)]
        players.extend(fresh)
        tracked.extend(fresh)
        figures.left += len(leavers)
        figures.joined += len(fresh)

    async def drain_one() -> None:
        candidates = [n for n in nodes if n.players and n.status is NodeStatus.CONNECTED]
        if len(candidates) < 1 or sum(n.status is NodeStatus.CONNECTED for n in nodes) < 2:
            return
        node = rng.choice(candidates)
        await voltricx.Pool.drain(node.identifier)
        figures.drains += 1
        assert not node.players
        await wait_one_copy(fakes, tracked, timeout=15)
        voltricx.Pool.undrain(node.identifier)

    async def remove_and_add_back() -> None:
        index = rng.randrange(3)
        node = nodes[index]
        await voltricx.Pool.remove_node(node.identifier)
        figures.removals += 1
        assert node.identifier not in voltricx.Pool.nodes() and all(p.node is not node for p in players)
        await wait_one_copy(fakes, tracked, timeout=15)
        await voltricx.Pool.connect(client=gateway, nodes=[configs[index]], report=False)
        back = voltricx.Pool.get_node(node.identifier)
        nodes[index] = back
        fake_of[back] = fake_of.pop(node)

    chaos_end = loop.time() + figures.seconds
    step = 0
    while loop.time() < chaos_end:
        await asyncio.sleep(rng.uniform(0.5, 1.5))  # the schedule itself, not a synchronisation
        step += 1
        if step == 3:
            await remove_and_add_back()
            await settle(healthy, timeout=15)
            await wait_one_copy(fakes, tracked, timeout=15)
        index = rng.randrange(3)
        node, fake = nodes[index], fake_of[nodes[index]]
        if not node.players:
            continue
        stall = rng.random() < 0.35
        started = time.monotonic()
        failovers_before = len(gateway.of_type(Failover))
        victims = [p for p in players if p.node is node]
        if stall:
            figures.stalls += 1
            fake.stall()
            frozen = server_positions(fake, node.session_id)
        else:
            figures.kills += 1
            fake.kill()
            frozen = server_positions(fake, node.session_id)
        # While the victims move: others switch nodes, some victims leave, new players join.
        if rng.random() < 0.5:
            await switch_some(node)
        # A leaver's DELETE to a stalled node hangs until its timeout: do not wait for it here.
        churn = asyncio.ensure_future(leave_and_join(node, victims)) if rng.random() < 0.5 else None
        # Wait for every victim to be rebuilt elsewhere.
        await settle(
            lambda node=node, victims=victims: all(p.node is not node for p in victims) and healthy(),
            timeout=30,
        )
        figures.recovery.append(time.monotonic() - started)
        # Position regression: where the lost node was when voltricx lost it (a killed node's
        # clock is frozen; a stalled one keeps going) vs where the new node was told to start.
        lost = lost_at[node]
        for player in victims:
            target = fake_of[player.node]
            sent = [
                r
                for r in target.requests
                if r.time >= started
                and r.method == "PATCH"
                and r.path.endswith(f"/players/{player.guild_id}")
                and isinstance(r.json, dict)
                and "track" in r.json
            ]
            assert sent, f"player {player.guild_id} moved without a rebuild request"
            request = sent[0]
            server = frozen.get(player.guild_id)
            assert server is not None
            reference = server.position_at(lost)  # a killed node's clock is frozen
            figures.regressions.append(max(0.0, (reference - request.json["position"]) / 1000))
        figures.failovers += len(gateway.of_type(Failover)) - failovers_before
        await wait_one_copy(fakes, tracked, timeout=15)
        # Restore the node after a while: restart (a real restart or a quick one), or unstall.
        await asyncio.sleep(rng.uniform(0.3, 1.2))  # the schedule
        if stall and rng.random() < 0.5:
            fake.unstall()
        else:
            await fake.restart(keep_sessions=rng.random() < 0.5)
        await node.wait_for_status(NodeStatus.CONNECTED, timeout=15)
        if churn is not None:
            await asyncio.wait_for(churn, timeout=30)
        if node.resumed:
            figures.resumes += 1
        await settle(healthy, timeout=15)
        await wait_one_copy(fakes, tracked, timeout=15)
        if rng.random() < 0.3:
            await drain_one()
        elif rng.random() < 0.3:
            await switch_some(None)
            await wait_one_copy(fakes, tracked, timeout=15)
        if profile == "nodelink":
            # NodeLink destroys a session's players when its websocket closes: no copies linger.
            assert not node.resumed
            assert [dead_copies(f) for f in fakes] == [0, 0, 0]
        for fake_ in fakes:
            fake_.clear_requests()

    figures.moved = sum(len(e.players) for e in gateway.of_type(Failover))
    figures.failovers = len(gateway.of_type(Failover))  # some land after their step's count
    await runtime.tasks.wait_idle(timeout=30)
    await settle(healthy, timeout=30)

    # 0 players lost; every player on a healthy node, exactly once there and nowhere else.
    await wait_one_copy(fakes, tracked, timeout=30)
    assert {e.reason for e in gateway.of_type(PlayerDestroyed)} <= {"left"}
    assert len(gateway.of_type(PlayerDestroyed)) == figures.left
    live = len(players)
    assert live == PLAYERS - figures.left + figures.joined
    assert len(voltricx.Pool.players()) == live
    owners: dict[int, list[str]] = {}
    for node in nodes:
        fake = fake_of[node]
        assert node.status is NodeStatus.CONNECTED
        # Exactly the node's current session on each server: no session leaked.
        assert list(fake.sessions) == [node.session_id], (node.identifier, list(fake.sessions))
        remote = fake.sessions[node.session_id].players if node.session_id else {}
        assert set(remote) == {str(g) for g in node.players}, node.identifier
        for guild in remote:
            owners.setdefault(int(guild), []).append(node.identifier)
    assert all(len(v) == 1 for v in owners.values()) and len(owners) == live
    assert all(p.node.players.get(p.guild_id) is p for p in players)
    assert max(figures.regressions, default=0.0) <= 1.0
    assert [dead_copies(f) for f in fakes] == [0, 0, 0]
    assert sum(len(f.players) for f in fakes) == live
    if profile == "nodelink":
        assert figures.resumes == 0 and figures.failovers >= figures.kills + figures.stalls

    summary = figures.summary()
    print("\n" + summary)
    _log.info(summary)

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors[:5]]
    assert SECRET not in caplog.text
    assert all(SECRET not in repr(x) for x in (*nodes, *players, *(n.config for n in nodes)))

    await voltricx.Pool.close()
    leftover = [t for t in asyncio.all_tasks() if t not in baseline and t is not asyncio.current_task()]
    assert all("FakeLavalink" in repr(t) for t in leftover), leftover
    assert all(node.rest.session.closed for node in nodes)


@pytest.mark.server_profiles("lavalink", reason="NodeLink cannot resume (its brief drop: test_nodelink.py)")
async def test_brief_drop_inside_grace_resumes_without_duplicates(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fakes = [await fake_factory() for _ in range(2)]
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(f, f"G{i}", resume_grace=10.0) for i, f in enumerate(fakes)], report=False
    )
    node = voltricx.Pool.get_node("G0")
    tracks = [fakes[0].catalogue.add(title="Grace", length=3_600_000)]
    players: list[voltricx.Player] = []
    for i in range(20):
        player = voltricx.Player(GUILD_BASE + i, node=node)
        await player.connect(CHANNEL_BASE + i)
        await player.play(tracks[0], start=i * 1000)
        players.append(player)
    session = node.session_id
    fakes[0].kill_behind_proxy()  # the node may still hold the session: the grace applies
    await node.wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
    await fakes[0].restart(keep_sessions=True)
    await gateway.wait_for(voltricx.events.NodeReady, lambda e: e.node is node and e.resumed, timeout=10)
    await runtime.tasks.wait_idle(timeout=10)
    assert node.session_id == session and not gateway.of_type(Failover)
    assert all(p.node is node for p in players)
    assert list(fakes[0].sessions) == [session]
    assert sorted(fakes[0].sessions[session].players) == sorted(str(p.guild_id) for p in players)
    assert all(not s.players for s in fakes[1].sessions.values())
