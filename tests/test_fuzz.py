"""Fuzzing the decoders and the node supervisor with random and mutated input.

Random bytes, random JSON and mutations of valid frames / REST bodies go
into ``decode_message``, ``decode_event``, ``decode_load_result``,
``Node.dispatch`` (on a live node with players), the REST client's error
mapping (FakeLavalink answers with garbage via ``fail_next``) and the
encoded-track decoder. Only typed errors may come out (``VoltricxError``
subclasses; ``TrackCodecError`` for the codec), and the supervisor keeps
running.

Budget: ``VOLTRICX_FUZZ_EXAMPLES`` examples per test (default 150, which
keeps ``make test`` quick; a nightly run sets e.g. 10000, giving well over
10,000 cases in total). The default run is derandomized (same cases every
time); setting the variable switches to fresh random cases.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import voltricx
from voltricx import NodeStatus
from voltricx.codec import decode as decode_track
from voltricx.errors import NodeProtocolError, TrackCodecError, VoltricxError
from voltricx.events import NodeStats
from voltricx.models.load import decode_load_result
from voltricx.models.player import PlayerUpdatePayload
from voltricx.models.ws import EventFrame, decode_event, decode_message
from voltricx.testing import Catalogue, FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

_BUDGET = os.environ.get("VOLTRICX_FUZZ_EXAMPLES")
EXAMPLES = int(_BUDGET) if _BUDGET else 150
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=_BUDGET is None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
CASES: dict[str, int] = {}

GUILD = 300000000000000000
_catalogue = Catalogue()
_tracks = [msgspec.to_builtins(t) for t in _catalogue.search("fuzzing frames", count=3)]
_track = _tracks[0]


def _frames() -> list[dict[str, Any]]:
    state = {"time": 1, "position": 1000, "connected": True, "ping": 20}
    ev = {"op": "event", "guildId": str(GUILD)}
    return [
        {"op": "ready", "resumed": False, "sessionId": "abcdefghijklmnop"},
        {"op": "playerUpdate", "guildId": str(GUILD), "state": state},
        {
            "op": "stats", "players": 1, "playingPlayers": 1, "uptime": 10,
            "memory": {"free": 1, "used": 1, "allocated": 1, "reservable": 1},
            "cpu": {"cores": 2, "systemLoad": 0.1, "lavalinkLoad": 0.1},
            "frameStats": {"sent": 3000, "nulled": 0, "deficit": 0, "expected": 3000},
        },
        {**ev, "type": "TrackStartEvent", "track": _track},
        {**ev, "type": "TrackEndEvent", "track": _track, "reason": "finished"},
        {**ev, "type": "TrackExceptionEvent", "track": _track,
         "exception": {"message": "x", "severity": "common", "cause": "y"}},
        {**ev, "type": "TrackStuckEvent", "track": _track, "thresholdMs": 100},
        {**ev, "type": "WebSocketClosedEvent", "code": 4006, "reason": "", "byRemote": True},
        {**ev, "type": "WebSocketClosedEvent", "byRemote": True},
        {**ev, "type": "SegmentsLoaded", "segments": []},
        {"op": "lyrics", "guildId": str(GUILD)},
    ]  # fmt: skip


def _load_bodies() -> list[dict[str, Any]]:
    playlist = {"info": {"name": "p", "selectedTrack": -1}, "pluginInfo": {}, "tracks": _tracks}
    return [
        {"loadType": "track", "data": _track},
        {"loadType": "search", "data": _tracks},
        {"loadType": "playlist", "data": playlist},
        {"loadType": "album", "data": playlist},
        {"loadType": "short", "data": _track},
        {"loadType": "empty", "data": {}},
        {"loadType": "error", "data": {"message": "m", "severity": "fault", "cause": "c"}},
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_json(draw: st.DrawFn, seeds: list[dict[str, Any]]) -> bytes:
    """A valid document with one structural change: a key dropped, retyped or added."""
    doc: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(draw(st.sampled_from(seeds))))
    target = doc
    # Sometimes go one level down (into track, state, data, ...).
    nested = [k for k, v in doc.items() if isinstance(v, dict)]
    if nested and draw(st.booleans()):
        target = doc[draw(st.sampled_from(nested))]
    keys = list(target)
    action = draw(st.sampled_from(["drop", "retype", "add"] if keys else ["add"]))
    if action == "drop":
        del target[draw(st.sampled_from(keys))]
    elif action == "retype":
        target[draw(st.sampled_from(keys))] = draw(json_values)
    else:
        target[draw(st.text(max_size=12))] = draw(json_values)
    return msgspec.json.encode(doc)


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A valid document with bytes flipped, cut, inserted or removed."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        match draw(st.sampled_from(["flip", "cut", "insert", "delete"])):
            case "flip":
                data[i] ^= 1 << draw(st.integers(0, 7))
            case "cut":
                del data[i:]
            case "insert":
                data[i:i] = draw(st.binary(min_size=1, max_size=4))
            case _:
                del data[i]
    return bytes(data)


def _inputs(seeds: list[dict[str, Any]]) -> st.SearchStrategy[bytes]:
    encoded = [msgspec.json.encode(s) for s in seeds]
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(msgspec.json.encode),
        mutated_json(seeds),
        mutated_bytes(encoded),
    )


FRAMES = _inputs(_frames())
LOADS = _inputs(_load_bodies())


def _count(name: str) -> None:
    CASES[name] = CASES.get(name, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Any:
    yield
    if CASES:
        line = "fuzz cases: " + ", ".join(f"{k}={v}" for k, v in sorted(CASES.items()))
        print("\n" + line)
        logging.getLogger("voltricx.tests").info(line)


# --------------------------------------------------------------------------- pure decoders


@FUZZ
@given(frame=FRAMES)
def test_websocket_decoders_raise_only_protocol_errors(frame: bytes) -> None:
    _count("decode_message")
    try:
        message = decode_message(frame)
    except NodeProtocolError:
        return
    if isinstance(message, EventFrame):
        with contextlib.suppress(NodeProtocolError):
            decode_event(frame, message)


@FUZZ
@given(body=LOADS)
def test_load_result_decoder_raises_only_protocol_errors(body: bytes) -> None:
    _count("decode_load_result")
    with contextlib.suppress(NodeProtocolError):
        decode_load_result(body)


_ENCODED = [t["encoded"] for t in _tracks]


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300),
        mutated_bytes([base64.b64decode(e) for e in _ENCODED]),
        mutated_bytes([e.encode() for e in _ENCODED]).map(lambda b: b.decode("latin-1")),
    )
)
def test_track_codec_raises_only_its_own_error(data: bytes | str) -> None:
    _count("codec.decode")
    with contextlib.suppress(TrackCodecError):
        decode_track(data)


# --------------------------------------------------------------------------- live supervisor


async def test_dispatch_survives_garbage_and_the_supervisor_keeps_running(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="voltricx")
    fake = await fake_factory()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "F")], report=False)
    node = voltricx.Pool.get_node("F")
    result = await node.rest.load_tracks("ytsearch:fuzzing frames")
    assert isinstance(result.data, list)
    player = voltricx.Player(GUILD, node=node)
    await player.connect(400000000000000001)
    await player.play(result.data[0])

    @FUZZ
    @given(frame=FRAMES)
    def feed(frame: bytes) -> None:
        _count("Node.dispatch")
        node.dispatch(frame)

    feed()
    # The same kind of garbage over the real socket, then a good frame still applies.
    for frame in (b"\xff\xfe", b"[1,2]", b'{"op": 5}', b'{"op":"event","type":"TrackStartEvent","guildId":"x"}'):
        await fake.send_raw(frame)
    fake.set_stats(system_load=0.33)
    await fake.push_stats()
    await gateway.wait_for(NodeStats, lambda e: e.node is node and e.stats.cpu.system_load == 0.33, timeout=5)
    assert node.stats is not None and node.stats.cpu.system_load == 0.33
    supervisor = node._supervisor  # pyright: ignore[reportPrivateUsage]
    assert supervisor is not None and not supervisor.done()
    assert node.status is NodeStatus.CONNECTED and node.connection_attempts == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


STATUSES = st.integers(200, 599).filter(lambda s: s not in (204, 205, 304))
BODIES = st.one_of(st.binary(max_size=120), _inputs(_load_bodies()), _inputs(_frames()))
CALLS = ["info", "stats", "version", "load", "decode", "players", "player", "update", "planner", "session"]


async def test_rest_error_mapping_gives_typed_errors_on_garbage(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "R")], report=False)
    node = voltricx.Pool.get_node("R")
    session = node.require_session()
    rest = node.rest
    cases: list[tuple[int, bytes, str]] = []

    @FUZZ
    @given(status=STATUSES, body=BODIES, call=st.sampled_from(CALLS))
    def collect(status: int, body: bytes, call: str) -> None:
        cases.append((status, body, call))

    collect()

    async def run(call: str) -> Any:
        match call:
            case "info":
                return await rest.info()
            case "stats":
                return await rest.stats()
            case "version":
                return await rest.version()
            case "load":
                return await rest.load_tracks("ytsearch:x")
            case "decode":
                return await rest.decode_track("QAAA")
            case "players":
                return await rest.fetch_players(session)
            case "player":
                return await rest.fetch_player(session, GUILD)
            case "update":
                return await rest.update_player(session, GUILD, PlayerUpdatePayload(volume=10))
            case "planner":
                return await rest.routeplanner_status()
            case _:
                return await rest.update_session(session, resuming=True, timeout=5)

    kinds: dict[str, int] = {}
    for status, body, call in cases:
        _count("RestClient")
        fake.fail_next(status, body)
        try:
            await run(call)
            kinds["ok"] = kinds.get("ok", 0) + 1
        except VoltricxError as exc:
            kinds[type(exc).__name__] = kinds.get(type(exc).__name__, 0) + 1
            if status >= 300:
                assert getattr(exc, "status", status) == status
    assert sum(kinds.values()) == len(cases)
    assert node.status is NodeStatus.CONNECTED
    assert isinstance(await rest.info(), voltricx.models.node.Info)
    assert isinstance(fake, FakeLavalink)
