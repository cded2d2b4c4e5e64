"""A hostile node: generated frames and bodies must never end a node's supervisor.

Two servers play the hostile node. FakeLavalink sends generated frames
with ``send_raw`` (after a real ``ready``) and answers REST calls with
generated bodies through ``fail_next``; a raw aiohttp handler
(:class:`HostileServer`) controls the ``ready`` frame itself. After every
case the test checks that the supervisor task is alive, that the node's
status tells the truth (still connected on the same connection after a
bad frame; not connected after a bad ``ready``), that nothing was logged
as an unexpected error, and, at the end, that players on the node fail
over when it is killed.

Budget: ``VOLTRICX_FUZZ_EXAMPLES`` generated frames (default 60 here, to
keep ``make test`` quick); the explicit cases from the adversarial review
always run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from aiohttp import WSMsgType, web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import voltricx
from voltricx import NodeStatus
from voltricx.events import Failover, NodeStats
from voltricx.node import Node
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import PASSWORD, FakeFactory, node_config

_BUDGET = os.environ.get("VOLTRICX_FUZZ_EXAMPLES")
EXAMPLES = int(_BUDGET) if _BUDGET else 60
GUILD = 300000000000000000
CHANNEL = 400000000000000001
CASES: dict[str, int] = {}


def _deep(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def _deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# --------------------------------------------------------------------------- generated frames

_STATE = '{"time":1,"position":1000,"connected":true,"ping":20}'
_MEM = '{"free":1,"used":1,"allocated":1,"reservable":1}'


def _stats(*, playing: str = "1", load: str = "0.1", nulled: str = "0", deficit: str = "0") -> str:
    cpu = f'{{"cores":2,"systemLoad":{load},"lavalinkLoad":0.1}}'
    frames = f'{{"sent":3000,"nulled":{nulled},"deficit":{deficit}}}'
    return (
        f'{{"op":"stats","players":1,"playingPlayers":{playing},"uptime":1,"memory":{_MEM},'
        f'"cpu":{cpu},"frameStats":{frames}}}'
    )


#: Hostile values as JSON text (NaN and Infinity are not JSON: some parsers accept them).
_HOSTILE_VALUES = [
    "1e400", "-1e400", "1e308", "-5", "1000.0", "1000000000000000000", "18446744073709551616",
    "-9223372036854775809", "NaN", "Infinity", "-Infinity", '""', '"\\r\\n"', '"1\\r\\n2"', "null",
    "true", "[]", "{}", '"\\u0000"', _deep(300), _deep(5000), _deep_object(2000), '"' + "9" * 400 + '"',
]  # fmt: skip


def _templates(value: str) -> list[str]:
    guild = f'"{GUILD}"'
    return [
        _stats(load=value),
        _stats(playing=value, nulled=value, deficit=value),
        f'{{"op":"playerUpdate","guildId":{value},"state":{_STATE}}}',
        f'{{"op":"playerUpdate","guildId":{guild},"state":{{"time":{value},"position":{value},'
        f'"connected":{value},"ping":{value}}}}}',
        f'{{"op":"event","type":"TrackEndEvent","guildId":{guild},"track":{value},"reason":"finished"}}',
        f'{{"op":"event","type":{value},"guildId":{guild}}}',
        f'{{"op":"event","type":"TrackStuckEvent","guildId":{value},"thresholdMs":1}}',
        f'{{"op":"ready","sessionId":{value},"resumed":false}}',
        f'{{"op":{value},"d":{value}}}',
        value,
    ]


@st.composite
def hostile_frames(draw: st.DrawFn) -> tuple[str, bytes]:
    value = draw(st.sampled_from(_HOSTILE_VALUES) | st.integers(-(2**70), 2**70).map(str))
    templates = _templates(value)
    index = draw(st.integers(0, len(templates) - 1))
    frame = templates[index]
    if draw(st.booleans()):
        # Sometimes wrap the whole frame deeper, or cut it short.
        frame = draw(st.sampled_from([frame[: len(frame) // 2], '{"op":"x","d":' + frame + "}", frame]))
    return f"t{index}", frame.encode()


def _check_alive(node: Node, attempts: int) -> None:
    supervisor = node._supervisor  # pyright: ignore[reportPrivateUsage]
    assert supervisor is not None and not supervisor.done(), "the supervisor task ended"
    assert node.status is NodeStatus.CONNECTED, f"status {node.status} after a bad frame"
    assert node.connection_attempts == attempts, "a bad frame cost the connection"
    assert 0.0 <= node.penalty <= 9e30


async def _sync(fake: FakeLavalink, gateway: FakeVoiceGateway, node: Node, marker: float) -> None:
    """A good frame after the bad one: once it is handled, the bad one was handled too."""
    fake.set_stats(system_load=marker, deficit=0, nulled=0)
    await fake.push_stats()
    await gateway.wait_for(NodeStats, lambda e: e.node is node and e.stats.cpu.system_load == marker, timeout=15)


async def test_hostile_frames_never_end_the_supervisor_and_players_still_fail_over(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="voltricx")
    hostile, good = await fake_factory(), await fake_factory()
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(hostile, "H"), node_config(good, "G")], report=False
    )
    node = voltricx.Pool.get_node("H")
    tracks = await voltricx.search.fetch_tracks("hostile frames")
    assert isinstance(tracks, list)
    player = voltricx.Player(GUILD, node=node)
    await player.connect(CHANNEL)
    await player.play(tracks[0])
    attempts = node.connection_attempts

    cases: list[tuple[str, bytes]] = [(f"review{i}", f.encode()) for i, f in enumerate(_review_frames())]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=_BUDGET is None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(case=hostile_frames())
    def collect(case: tuple[str, bytes]) -> None:
        cases.append(case)

    collect()
    for number, (family, frame) in enumerate(cases):
        CASES[family] = CASES.get(family, 0) + 1
        await hostile.send_raw(frame.decode("utf-8", "replace"))
        await _sync(hostile, gateway, node, 0.001 * (number % 500) + 0.0001)
        _check_alive(node, attempts)
        # Choosing a node, creating a player and loading still work after every case.
        assert voltricx.Pool.get_node() is not None
    unexpected = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not unexpected, unexpected[:3]
    logging.getLogger("tests.hostile").info(
        "hostile frames: %d cases (%s), all held", len(cases), ", ".join(f"{k}={v}" for k, v in sorted(CASES.items()))
    )
    hostile.kill()
    await gateway.wait_for(Failover, lambda e: player in e.players, timeout=20)
    assert player.node.identifier == "G" and good.player(GUILD) is not None


def _review_frames() -> list[str]:
    """The frames the adversarial review found fatal, always tried."""
    big = "1000000000000000000"
    return [
        '{"op":"x","d":' + _deep(1000) + "}",
        '{"op":"x","d":' + _deep(100000) + "}",
        _stats(load="1000.0"),
        _stats(load="1e308"),
        _stats(load="-5"),
        _stats(nulled=big, deficit=big),
        f'{{"op":"playerUpdate","guildId":"{GUILD}","state":{{"position":1,"extra":{_deep(3000)}}}}}',
    ]


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Any:
    yield
    if CASES:
        logging.getLogger("tests.hostile").info("hostile cases: %s", CASES)


# --------------------------------------------------------------------------- generated bodies


async def test_hostile_rest_bodies_during_connect_and_load(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="voltricx")
    first, second = await fake_factory(), await fake_factory()
    # /v4/info nested 5,000 levels during connect: the node still connects (info is optional).
    first.fail_next(200, '{"version":' + _deep_object(5000) + "}", path="/v4/info")
    first.fail_next(200, _deep(5000), path="/v4/stats")
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(first, "A"), node_config(second, "B")], report=False
    )
    a, b = voltricx.Pool.get_node("A"), voltricx.Pool.get_node("B")
    assert a.status is NodeStatus.CONNECTED and b.status is NodeStatus.CONNECTED
    # A deep loadtracks body is a bad answer: the next node is tried. B is busier, so A goes first.
    second.set_stats(system_load=0.5)
    await second.push_stats()
    await gateway.wait_for(NodeStats, lambda e: e.node is b and e.stats.cpu.system_load == 0.5, timeout=15)
    assert a.penalty < b.penalty
    bodies = [
        '{"loadType":"search","data":' + _deep(5000) + "}",
        _deep_object(5000),
        '{"loadType":"track","data":' + _deep(900, '{"x":1}') + "}",
    ]
    for body in bodies:
        first.fail_next(200, body, path="/v4/loadtracks")
        second.clear_requests()
        result = await voltricx.search.fetch_tracks("deep body", cache=False)
        assert isinstance(result, list) and result, body[:40]
        assert [r for r in second.requests if r.path == "/v4/loadtracks"], "B was not tried"
        # Pinned to one node there is nothing to fall back on: a typed error.
        first.fail_next(200, body, path="/v4/loadtracks")
        with pytest.raises(voltricx.NodeProtocolError):
            await voltricx.search.fetch_tracks("deep body", node=a, cache=False)
    # Every hostile value in every body the client reads: only typed errors come out.
    bodies_for = {
        "/v4/info": lambda v: f'{{"version":{v},"plugins":{v}}}',
        "/v4/stats": lambda v: _stats(load=v, playing=v).replace('"op":"stats",', ""),
        "/v4/loadtracks": lambda v: f'{{"loadType":"search","data":{v}}}',
        "/v4/decodetrack": lambda v: f'{{"encoded":{v},"info":{v}}}',
    }
    calls = {
        "/v4/info": a.rest.info,
        "/v4/stats": a.rest.stats,
        "/v4/loadtracks": lambda: a.rest.load_tracks("ytsearch:x"),
        "/v4/decodetrack": lambda: a.rest.decode_track("QAAA"),
    }
    for value in _HOSTILE_VALUES:
        for path, body in bodies_for.items():
            CASES["rest body"] = CASES.get("rest body", 0) + 1
            first.fail_next(200, body(value), path=path)
            with contextlib.suppress(voltricx.VoltricxError):
                await calls[path]()
    for node in (a, b):
        supervisor = node._supervisor  # pyright: ignore[reportPrivateUsage]
        assert supervisor is not None and not supervisor.done()
        assert node.status is NodeStatus.CONNECTED
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --------------------------------------------------------------------------- the ready frame


class HostileServer:
    """A raw aiohttp Lavalink look-alike whose first websocket frame the test chooses."""

    def __init__(self, ready: bytes) -> None:
        self.ready = ready
        self.connections = 0
        self.requests: list[tuple[str, str]] = []
        self.changed = asyncio.Condition()
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_connections(self, count: int, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: self.connections >= count)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if request.headers.get("Authorization") != PASSWORD:
            return web.Response(status=401)
        if request.path == "/v4/websocket":
            ws = web.WebSocketResponse(autoping=True)
            await ws.prepare(request)
            self._sockets.add(ws)
            async with self.changed:
                self.connections += 1
                self.changed.notify_all()
            await ws.send_bytes(self.ready)
            async for msg in ws:
                if msg.type is WSMsgType.CLOSE:
                    break
            self._sockets.discard(ws)
            return ws
        if request.path == "/version":
            return web.Response(text="4.2.2")
        return web.Response(status=404, text='{"status":404,"error":"Not Found","message":"no"}')


@pytest.fixture
async def hostile_server() -> AsyncIterator[HostileServer]:
    server = HostileServer(b"")
    await server.start()
    yield server
    await server.close()


@pytest.mark.parametrize(
    "ready",
    [
        b'{"op":"ready","resumed":false,"sessionId":""}',
        b'{"op":"ready","resumed":false,"sessionId":"   "}',
        b'{"op":"ready","resumed":false,"sessionId":"abc\\r\\nX-Evil: 1"}',
        b'{"op":"ready","resumed":false,"sessionId":"abc\\u0000def"}',
        b'{"op":"ready","resumed":false,"sessionId":"' + b"a" * 300 + b'"}',
        b'{"op":"ready","resumed":false,"sessionId":12}',
        b'{"op":"ready","resumed":false,"sessionId":"ok","extra":' + _deep(100_000).encode() + b"}",
        _deep(5000).encode(),
    ],
)
async def test_a_ready_frame_without_a_usable_session_never_connects_and_never_ends_the_supervisor(
    ready: bytes, hostile_server: HostileServer, gateway: FakeVoiceGateway
) -> None:
    hostile_server.ready = ready
    config = voltricx.NodeConfig(
        identifier="X", uri=hostile_server.uri, password=PASSWORD, retry_base=0.02, retry_cap=0.1, connect_timeout=5
    )
    await voltricx.Pool.connect(client=gateway, nodes=[config], report=False, timeout=10)
    node = voltricx.Pool.get_node("X")
    await hostile_server.wait_connections(3)
    assert node.status is not NodeStatus.CONNECTED
    assert node.last_error is not None
    supervisor = node._supervisor  # pyright: ignore[reportPrivateUsage]
    assert supervisor is not None and not supervisor.done()
    assert not any(path.startswith("/v4/sessions") for _, path in hostile_server.requests)
    with pytest.raises(voltricx.NoNodesAvailable):
        voltricx.Pool.get_node()
    # A good ready frame: the same supervisor connects.
    hostile_server.ready = b'{"op":"ready","resumed":false,"sessionId":"good1234"}'
    await node.wait_for_status(NodeStatus.CONNECTED, timeout=20)
    assert node.session_id == "good1234"


async def test_an_unusable_saved_session_id_is_dropped_not_sent(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "S")], report=False)
    node = voltricx.Pool.get_node("S")
    old = node.session_id
    node.session_id = "abc\r\nX-Evil: 1"  # e.g. read back from a damaged store by a custom PlayerStore
    attempts = node.connection_attempts
    await fake.disconnect()
    await node.wait_for_status(NodeStatus.DISCONNECTED, timeout=15)
    await node.wait_for_status(NodeStatus.CONNECTED, timeout=15)
    assert node.connection_attempts > attempts
    assert node.session_id not in (None, old, "abc\r\nX-Evil: 1")
    assert all("\r" not in (r.headers.get("Session-Id") or "") for r in fake.requests)


def test_generated_frames_are_valid_test_input() -> None:
    # The templates themselves are sound JSON when given a sane value (so cases test the value).
    for template in _templates("1")[:-1]:
        msgspec.json.decode(template)


class _FlakyOwner:
    """A NodeOwner (the public seam a node reports to) that fails the first ``fail`` ready calls."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.lost = 0
        self.events: list[Any] = []
        self.changed = asyncio.Event()

    def emit(self, event: Any) -> None:
        self.events.append(event)

    def node_ready(self, node: Node, resumed: bool) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise RuntimeError("listener bug")

    def node_lost(self, node: Node) -> None:
        self.lost += 1
        self.changed.set()

    async def node_closing(self, node: Node) -> None:
        return None


async def test_any_exception_ends_only_the_connection_and_the_supervisor_reconnects(
    fake_factory: FakeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="voltricx")
    fake = await fake_factory()
    owner = _FlakyOwner(fail=2)
    node = Node(node_config(fake, "F"), user_id=170000000000000001, owner=owner)
    try:
        await node.start()
        async with asyncio.timeout(20):
            while owner.lost < 2:
                await owner.changed.wait()
                owner.changed.clear()
        # node_lost runs after the status turned disconnected: the next "connected" is the third.
        await node.wait_for_status(NodeStatus.CONNECTED, timeout=20)
        assert owner.lost == 2  # each failed connection counted as a drop (failover runs)
        assert node.connection_attempts == 3
        supervisor = node._supervisor  # pyright: ignore[reportPrivateUsage]
        assert supervisor is not None and not supervisor.done()
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 2 and all("RuntimeError" in e and "report" in e for e in errors)
        assert sum(isinstance(e, voltricx.events.NodeDisconnected) for e in owner.events) == 2
    finally:
        await node.close()
