"""NodeLink compatibility: FakeLavalink's ``profile="nodelink"`` and voltricx against it.

The first half probes the profile with plain aiohttp, one behaviour of
``design/nodelink.md`` per test. The second half runs the key Pool/Node
scenarios against both profiles: connect + report, kill -> failover, and a
brief drop (a resume on Lavalink, a failover/rebuild on NodeLink).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgspec
import pytest

import voltricx
from voltricx import NodeStatus
from voltricx._state import runtime
from voltricx.events import Failover, NodeReady, TrackEnd, TrackStart, VoiceClosed
from voltricx.models.player import PlayerUpdatePayload, UpdatePlayerTrack
from voltricx.rest import RestClient
from voltricx.testing import FakeDiscordVoice, FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import PASSWORD, FakeFactory, node_config

AUTH = {"Authorization": PASSWORD}
USER = "170000000000000001"
VOICE = {"token": "tok", "endpoint": "eu.discord.media", "sessionId": "vs", "channelId": "99"}
GUILD = "300000000000000000"


@pytest.fixture
async def nodelink() -> AsyncIterator[FakeLavalink]:
    async with FakeLavalink(PASSWORD, profile="nodelink", player_update_interval=60.0) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def ws_connect(
    fake: FakeLavalink, http: aiohttp.ClientSession, **extra: str
) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    headers = {**AUTH, "User-Id": USER, "Client-Name": "voltricx-tests/0.0.1", **extra}
    ws = await http.ws_connect(fake.ws_uri, headers=headers, autoping=False)
    ready = await ws.receive_json(timeout=5)
    assert ready["op"] == "ready" and ready["resumed"] is False
    return ws, ready["sessionId"]


async def handshake_status(fake: FakeLavalink, http: aiohttp.ClientSession, headers: dict[str, str]) -> int:
    try:
        ws = await http.ws_connect(fake.ws_uri, headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await ws.close()
    return 101


async def next_event(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    while True:
        msg = await ws.receive_json(timeout=5)
        if msg["op"] == "event":
            return msg


async def patch(
    http: aiohttp.ClientSession, fake: FakeLavalink, sid: str, body: dict[str, Any], query: str = ""
) -> tuple[int, Any]:
    async with http.patch(f"{fake.uri}/v4/sessions/{sid}/players/{GUILD}{query}", json=body, headers=AUTH) as r:
        return r.status, await r.json()


async def two_tracks(http: aiohttp.ClientSession, fake: FakeLavalink) -> list[str]:
    async with http.get(f"{fake.uri}/v4/loadtracks", params={"identifier": "ytsearch:nodelink"}, headers=AUTH) as r:
        body = await r.json()
    return [t["encoded"] for t in body["data"][:2]]


# --------------------------------------------------------------------------- the profile


async def test_info_stats_and_version(nodelink: FakeLavalink, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{nodelink.uri}/v4/info", headers=AUTH) as r:
        info = await r.json()
    assert info["version"] == {"semver": "2.3.0", "major": "2", "minor": "3", "patch": "0", "preRelease": ""}
    assert info["isNodeLink"] is True and info["buildTime"] == -1 and info["jvm"] == "0.0.0"
    assert info["sourceManagers"] == ["bandcamp", "http", "local", "pandora"]
    async with http.get(f"{nodelink.uri}/v4/stats", headers=AUTH) as r:
        stats = await r.json()
    assert stats["frameStats"] == {"sent": 0, "nulled": 0, "deficit": 0, "expected": 0}
    assert stats["cpu"]["lavalinkLoad"] == 0
    async with http.get(f"{nodelink.uri}/version") as r:
        assert r.status == 401
    async with http.get(f"{nodelink.uri}/version", headers=AUTH) as r:
        assert r.status == 200 and await r.text() == "2.3.0"
        assert "Lavalink-Api-Version" not in r.headers
    async with http.post(f"{nodelink.uri}/v4/info", headers=AUTH) as r:
        assert r.status == 405 and (await r.json())["message"] == "Request method must be GET"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "wrong"}])
async def test_unauthorized_is_plain_text(
    nodelink: FakeLavalink, http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    async with http.get(f"{nodelink.uri}/v4/info", headers=headers) as r:
        assert r.status == 401
        assert r.content_type == "text/plain" and await r.text() == "Unauthorized"
        assert "Lavalink-Api-Version" not in r.headers


async def test_route_planner_is_absent(nodelink: FakeLavalink, http: aiohttp.ClientSession) -> None:
    for method, path in (("GET", "/v4/routeplanner/status"), ("POST", "/v4/routeplanner/free/all")):
        async with http.request(method, nodelink.uri + path, headers=AUTH) as r:
            body = await r.json()
        assert r.status == 404
        assert body["message"] == "The requested route was not found." and "trace" in body


async def test_handshake_rules(nodelink: FakeLavalink, http: aiohttp.ClientSession) -> None:
    base = {**AUTH, "User-Id": USER}
    assert await handshake_status(nodelink, http, base) == 400
    assert await handshake_status(nodelink, http, {**base, "Client-Name": "voltricx"}) == 400
    assert await handshake_status(nodelink, http, {**base, "Client-Name": "voltricx/1.0 (tests)"}) == 101
    assert await handshake_status(nodelink, http, {**base, "Client-Name": "v/1", "User-Id": "1" * 17}) == 400
    assert await handshake_status(nodelink, http, {**base, "Client-Name": "v/1", "User-Id": "1" * 19}) == 101
    assert await handshake_status(nodelink, http, {"User-Id": USER, "Client-Name": "v/1"}) == 401
    ws = await http.ws_connect(nodelink.ws_uri, headers={**base, "Client-Name": "v/1"})
    assert "Session-Resumed" not in ws._response.headers  # pyright: ignore[reportPrivateUsage]
    assert ws._response.headers["isNodeLink"] == "true"  # pyright: ignore[reportPrivateUsage]
    await ws.close()


async def test_no_resuming_and_players_die_with_the_socket(
    nodelink: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await ws_connect(nodelink, http)
    async with http.patch(f"{nodelink.uri}/v4/sessions/{sid}", json={"resuming": True, "timeout": 60}, headers=AUTH) as r:
        assert r.status == 404 and (await r.json())["message"] == "The requested route was not found."
    status, _ = await patch(http, nodelink, sid, {"voice": VOICE})
    assert status == 200
    await ws.close()
    await nodelink.wait_for(lambda f: sid not in f.sessions)
    async with http.get(f"{nodelink.uri}/v4/sessions/{sid}/players", headers=AUTH) as r:
        body = await r.json()
    assert r.status == 404 and body["message"] == "The provided session Id doesn't exist."
    assert "error" not in body and "trace" in body
    ws2, sid2 = await ws_connect(nodelink, http, **{"Session-Id": sid})
    assert sid2 != sid
    assert not nodelink.sessions[sid2].players
    await ws2.close()


async def test_get_creates_players_and_short_ids_are_no_route(
    nodelink: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await ws_connect(nodelink, http)
    async with http.get(f"{nodelink.uri}/v4/sessions/{sid}/players/{GUILD}", headers=AUTH) as r:
        body = await r.json()
    assert r.status == 200 and body["guildId"] == GUILD and body["track"] is None
    assert nodelink.player(GUILD) is not None
    async with http.get(f"{nodelink.uri}/v4/sessions/{sid}/players", headers=AUTH) as r:
        assert [p["guildId"] for p in await r.json()] == [GUILD]
    async with http.get(f"{nodelink.uri}/v4/stats", headers=AUTH) as r:
        assert (await r.json())["players"] == 1
    async with http.get(f"{nodelink.uri}/v4/sessions/{sid}/players/1", headers=AUTH) as r:
        assert r.status == 404
    async with http.delete(f"{nodelink.uri}/v4/sessions/{sid}/players/301", headers=AUTH) as r:
        assert r.status == 404 and (await r.json())["message"] == "The provided guildId doesn't exist."
    await ws.close()


async def test_non_numeric_guild_id_crashes_the_server(nodelink: FakeLavalink, http: aiohttp.ClientSession) -> None:
    ws, sid = await ws_connect(nodelink, http)
    with pytest.raises(aiohttp.ClientError):
        async with http.patch(f"{nodelink.uri}/v4/sessions/{sid}/players/abc", json={}, headers=AUTH) as r:
            await r.read()
    assert nodelink.crashed and nodelink.down
    assert ws.closed or (await ws.receive(timeout=5)).type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    assert ws.close_code == 1006  # no close frame, as after a SIGKILL
    with pytest.raises(aiohttp.ClientConnectorError):  # the port is closed: connection refused
        async with http.get(f"{nodelink.uri}/v4/info", headers=AUTH) as r:
            await r.read()
    await nodelink.restart()
    async with http.get(f"{nodelink.uri}/v4/info", headers=AUTH) as r:
        assert r.status == 200 and not nodelink.crashed


async def test_tracks_wait_for_voice_and_pause_needs_it(
    nodelink: FakeLavalink, http: aiohttp.ClientSession, voice_server: FakeDiscordVoice
) -> None:
    ws, sid = await ws_connect(nodelink, http)
    first, _ = await two_tracks(http, nodelink)
    status, body = await patch(http, nodelink, sid, {"track": {"encoded": None}})
    assert status == 400 and body["message"] == "The player is not playing." and "error" not in body
    status, body = await patch(http, nodelink, sid, {"track": {"encoded": first}, "filters": {"timescale": {"speed": 1.2}}})
    assert status == 200 and body["track"] is None and body["filters"] == {}
    status, body = await patch(http, nodelink, sid, {"paused": True})
    assert status == 400 and body["message"] == "The player is not connected to a voice server."
    assert not nodelink.events
    status, body = await patch(http, nodelink, sid, {"voice": {**VOICE, "endpoint": voice_server.endpoint}})
    assert status == 200 and body["track"] is None and body["state"]["connected"] is False
    event = await next_event(ws)  # once NodeLink's own voice handshake succeeded
    assert event["type"] == "TrackStartEvent" and event["track"]["encoded"] == first
    async with http.get(f"{nodelink.uri}/v4/sessions/{sid}/players/{GUILD}", headers=AUTH) as r:
        body = await r.json()
    assert body["track"]["encoded"] == first and body["state"]["connected"] is True
    assert voice_server.connection(GUILD) is not None
    await ws.close()


async def test_replace_starts_twice_and_no_replace_is_ignored(
    nodelink: FakeLavalink, http: aiohttp.ClientSession, voice_server: FakeDiscordVoice
) -> None:
    ws, sid = await ws_connect(nodelink, http)
    first, second = await two_tracks(http, nodelink)
    voice = {**VOICE, "endpoint": voice_server.endpoint}
    await patch(http, nodelink, sid, {"voice": voice, "track": {"encoded": first}})
    assert (await next_event(ws))["type"] == "TrackStartEvent"
    status, body = await patch(http, nodelink, sid, {"track": {"encoded": second}}, query="?noReplace=true")
    assert status == 200 and body["track"]["encoded"] == second
    kinds = [(e["type"], e.get("reason")) for e in [await next_event(ws) for _ in range(3)]]
    assert kinds == [("TrackEndEvent", "replaced"), ("TrackStartEvent", None), ("TrackStartEvent", None)]
    await nodelink.emit_websocket_closed(GUILD, code=4006)
    closed = await next_event(ws)
    assert closed["type"] == "WebSocketClosedEvent" and "code" not in closed and "reason" not in closed
    status, body = await patch(http, nodelink, sid, {"track": {"encoded": first, "userData": {"a": 1}}})
    assert status == 200 and body["track"] == {}
    await ws.close()


async def test_periodic_frames_repeat_after_each_reconnect(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PASSWORD, profile="nodelink", stats_interval=0.4) as fake:
        for reconnects in range(3):
            ws, _ = await ws_connect(fake, http)
            uptimes: list[int] = []
            while len(uptimes) < 2 * (reconnects + 1):
                msg = await ws.receive_json(timeout=5)
                if msg["op"] == "stats":
                    uptimes.append(msg["uptime"])
            await ws.close()
            await fake.wait_for(lambda f: not any(s.connected for s in f.sessions.values()))
            # One burst per period: reconnects + 1 copies sent back to back, then a gap.
            per_burst = reconnects + 1
            bursts = [uptimes[i : i + per_burst] for i in range(0, len(uptimes), per_burst)]
            assert all(max(b) - min(b) < 150 for b in bursts), uptimes
            assert bursts[1][0] - bursts[0][0] >= 250, uptimes


async def test_identity_encoding_never_gets_an_answer(nodelink: FakeLavalink, http: aiohttp.ClientSession) -> None:
    with pytest.raises(TimeoutError):
        async with http.get(
            f"{nodelink.uri}/v4/info",
            headers={**AUTH, "Accept-Encoding": "identity"},
            timeout=aiohttp.ClientTimeout(total=0.5),
        ) as r:
            await r.read()
    async with http.get(f"{nodelink.uri}/v4/info", headers=AUTH) as r:
        assert r.status == 200


async def test_answers_are_compressed_as_asked(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PASSWORD, profile="nodelink") as fake:
        info = f"{fake.uri}/v4/info"
        async with http.get(info, headers=AUTH, auto_decompress=False) as r:  # aiohttp: "gzip, deflate"
            assert r.headers["Content-Encoding"] == "gzip" and (await r.read())[:2] == b"\x1f\x8b"
            assert r.headers.get("Connection") != "close"
        async with http.get(info, headers={**AUTH, "Accept-Encoding": "deflate"}) as r:
            assert r.headers["Content-Encoding"] == "deflate" and (await r.json())["isNodeLink"]
        async with http.get(info, headers=AUTH, skip_auto_headers=["Accept-Encoding"]) as r:
            assert "Content-Encoding" not in r.headers and r.headers["Connection"] == "close"
            assert (await r.json())["isNodeLink"]
        for url, headers in ((f"{fake.uri}/version", AUTH), (info, {"Authorization": "wrong"})):
            async with http.get(url, headers=headers) as r:  # /version and 401s are never compressed
                assert "Content-Encoding" not in r.headers, url
    async with FakeLavalink(PASSWORD) as fake, http.get(f"{fake.uri}/v4/info", headers=AUTH) as r:
        assert "Content-Encoding" not in r.headers  # the Lavalink profile does not compress


async def test_decoding_says_seekable_where_the_load_did_not(
    nodelink: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    params = {"identifier": "http://audio.example/tone.wav"}  # not loopback: loaded unprobed, no HEAD
    async with http.get(f"{nodelink.uri}/v4/loadtracks", params=params, headers=AUTH) as r:
        loaded = (await r.json())["data"]
    assert loaded["info"]["isSeekable"] is False and loaded["info"]["length"] == -1
    query = {"encodedTrack": loaded["encoded"]}
    async with http.get(f"{nodelink.uri}/v4/decodetrack", params=query, headers=AUTH) as r:
        decoded = await r.json()
    assert set(decoded) == {"encoded", "info"} and decoded["info"]["isSeekable"] is True
    assert {**decoded["info"], "isSeekable": False} == loaded["info"]


async def test_encoding_is_a_get_with_a_body(nodelink: FakeLavalink, http: aiohttp.ClientSession) -> None:
    loaded: list[dict[str, Any]] = []
    for identifier in ("http://audio.example/tone.wav", "local:/tmp/tone.flac", "ytsearch:encode"):
        async with http.get(f"{nodelink.uri}/v4/loadtracks", params={"identifier": identifier}, headers=AUTH) as r:
            body: dict[str, Any] = await r.json()
        loaded.append(body["data"] if body["loadType"] == "track" else body["data"][0])
    url = f"{nodelink.uri}/v4/encodetrack"
    for track in loaded:
        async with http.request("GET", url, json=track["info"], headers=AUTH) as r:
            assert r.status == 200 and await r.json() == track["encoded"]  # a byte-exact round trip
    async with http.post(url, json=loaded[0]["info"], headers=AUTH) as r:
        assert r.status == 405 and (await r.json())["message"] == "Request method must be GET"
    async with http.post(f"{url}s", json=[t["info"] for t in loaded], headers=AUTH) as r:
        assert r.status == 200 and await r.json() == [t["encoded"] for t in loaded]
    async with http.request("GET", url, data=b"{", headers=AUTH) as r:
        assert r.status == 400
    async with FakeLavalink(PASSWORD) as lavalink, http.request("GET", f"{lavalink.uri}/v4/encodetrack", json={}, headers=AUTH) as r:
        assert r.status == 404  # Lavalink has no encode route


# --------------------------------------------------------------------------- voltricx against it

PROFILE_NAMES = ["lavalink", "nodelink"]
GUILD_BASE = 300000000000000000
CHANNEL = 400000000000000001


async def connect(gateway: FakeVoiceGateway, *configs: voltricx.NodeConfig) -> list[str]:
    out = io.StringIO()
    await voltricx.Pool.connect(client=gateway, nodes=list(configs), report_stream=out)
    return out.getvalue().splitlines()


async def start_players(node: voltricx.Node, count: int) -> list[voltricx.Player]:
    result = await node.rest.load_tracks("ytsearch:profiles")
    tracks = result.data
    assert isinstance(tracks, list) and tracks

    async def one(index: int) -> voltricx.Player:
        player = voltricx.Player(GUILD_BASE + index, node=node)
        await player.connect(CHANNEL + index)
        await player.play(tracks[index % len(tracks)], start=index * 1000)
        return player

    return list(await asyncio.gather(*(one(i) for i in range(count))))


@pytest.mark.parametrize("profile", PROFILE_NAMES)
async def test_connect_and_report(fake_factory: FakeFactory, gateway: FakeVoiceGateway, profile: str) -> None:
    fakes = [await fake_factory(profile=profile) for _ in range(3)]
    lines = await connect(gateway, *(node_config(f, n, n.lower()) for f, n in zip(fakes, ["US", "EU", "Asia"], strict=True)))
    assert lines[0] == "[Lavalink] Node connection report (3/3 connected)"
    node = voltricx.Pool.get_node("US")
    info = await node.fetch_info()
    assert info.version.as_tuple() == ((2, 3, 0) if profile == "nodelink" else (4, 2, 2))
    assert node.resuming_supported is (profile == "lavalink")
    assert await node.fetch_routeplanner_status() is None
    stats = await node.fetch_stats()
    assert (stats.frame_stats is not None) is (profile == "nodelink")


@pytest.mark.parametrize("profile", PROFILE_NAMES)
async def test_kill_fails_over(fake_factory: FakeFactory, gateway: FakeVoiceGateway, profile: str) -> None:
    us_fake, eu_fake = await fake_factory(profile=profile), await fake_factory(profile=profile)
    await connect(gateway, node_config(us_fake, "US", "us"), node_config(eu_fake, "EU", "eu"))
    us, eu = voltricx.Pool.get_node("US"), voltricx.Pool.get_node("EU")
    players = await start_players(us, 20)
    before = {p.guild_id: p.position for p in players}
    us_fake.kill()
    event = await gateway.wait_for(Failover, timeout=15)
    assert event.old_node is us and event.new_node is eu
    assert all(p.node is eu for p in players) and set(eu.players) == set(before)
    assert eu.session_id is not None and len(eu_fake.sessions[eu.session_id].players) == 20
    for player in players:
        assert abs(player.position - before[player.guild_id]) <= 1000


@pytest.mark.parametrize("profile", PROFILE_NAMES)
async def test_brief_drop(fake_factory: FakeFactory, gateway: FakeVoiceGateway, profile: str) -> None:
    """Lavalink resumes inside the grace period; NodeLink cannot, so its players are rebuilt."""
    fake = await fake_factory(profile=profile)
    await connect(gateway, node_config(fake, "US", "us", resume_grace=10.0))
    node = voltricx.Pool.get_node("US")
    players = await start_players(node, 5)
    session = node.session_id
    fake.kill_behind_proxy()  # the node may still hold the session: the grace applies
    await node.wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
    await fake.restart(keep_sessions=True)
    if profile == "lavalink":
        await gateway.wait_for(NodeReady, lambda e: e.node is node and e.resumed, timeout=10)
        await runtime.tasks.wait_idle(timeout=10)
        assert node.session_id == session and not gateway.of_type(Failover)
    else:
        event = await gateway.wait_for(Failover, timeout=10)
        await runtime.tasks.wait_idle(timeout=10)
        assert event.new_node is node and node.session_id != session
        assert not [e for e in gateway.of_type(NodeReady) if e.resumed]
    assert node.session_id is not None
    assert list(fake.sessions) == [node.session_id]
    assert len(fake.sessions[node.session_id].players) == 5
    assert all(p.node is node and p.current is not None for p in players)


async def test_resuming_unsupported_is_logged_once(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="voltricx")
    fake = await fake_factory(profile="nodelink")
    await connect(gateway, node_config(fake, "NL"))
    node = voltricx.Pool.get_node("NL")
    for _ in range(2):
        fake.kill()
        await node.wait_for_status(NodeStatus.DISCONNECTED, timeout=5)
        await fake.restart()
        await node.wait_for_status(NodeStatus.CONNECTED, timeout=5)
    notes = [m for m in caplog.messages if "does not support session resuming" in m]
    assert len(notes) == 1
    assert node.resuming_supported is False
    patches = [r for r in fake.requests if r.method == "PATCH" and r.path.count("/") == 3]
    assert len(patches) == 1  # asked once, never again


async def test_repeated_track_start_reaches_the_sink_once(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake = await fake_factory(profile="nodelink")
    await connect(gateway, node_config(fake, "NL"))
    node = voltricx.Pool.get_node("NL")
    [player] = await start_players(node, 1)
    result = await node.rest.load_tracks("ytsearch:another")
    assert isinstance(result.data, list)
    replacement = result.data[0]
    await player.play(replacement)
    await gateway.wait_for(TrackEnd, lambda e: e.reason == "replaced", timeout=5)
    await gateway.wait_for(TrackStart, lambda e: e.track.encoded == replacement.encoded, timeout=5)
    await player.stop()
    await gateway.wait_for(TrackEnd, lambda e: e.reason == "stopped", timeout=5)
    emitted = [e for e in fake.events if e.type == "TrackStartEvent"]
    assert len(emitted) == 3
    assert [e.track.encoded for e in gateway.of_type(TrackStart)] == [emitted[0].frame["track"].encoded, replacement.encoded]
    # The same track played again after an end is a new start, not a duplicate.
    await player.play(replacement)
    await gateway.wait_for(TrackStart, lambda e: len(gateway.of_type(TrackStart)) == 3, timeout=5)


async def test_voltricx_copes_with_the_rest_of_nodelink(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake = await fake_factory(profile="nodelink")
    await connect(gateway, node_config(fake, "NL"))
    node = voltricx.Pool.get_node("NL")
    [player] = await start_players(node, 1)
    session = node.require_session()
    # Never build a URL from an unvalidated guild id: the request is refused locally.
    requests = len(fake.requests)
    with pytest.raises(voltricx.InvalidArgument):
        await node.rest.update_player(session, "abc", PlayerUpdatePayload(volume=50))
    with pytest.raises(voltricx.InvalidArgument):
        await node.rest.fetch_player(session, "12/../../info")
    assert len(fake.requests) == requests and not fake.crashed
    # "track": {} (NodeLink's userData bug) reads as "no track" rather than failing.
    current = player.current
    assert current is not None
    answer = await node.rest.update_player(
        session, player.guild_id, PlayerUpdatePayload(track=UpdatePlayerTrack(encoded=current.encoded, user_data={"k": 1}))
    )
    assert answer.track is None
    # WebSocketClosedEvent without code/reason.
    await fake.emit_websocket_closed(player.guild_id, code=4006, reason="x")
    closed = await gateway.wait_for(VoiceClosed, timeout=5)
    assert closed.code == 0 and closed.reason == "" and closed.by_remote
    # Route planner: status is None; freeing is a plain HTTP error, not a node failure.
    assert await node.fetch_routeplanner_status() is None
    with pytest.raises(voltricx.LavalinkHTTPError) as info:
        await node.free_all_addresses()
    assert info.value.status == 404 and info.value.trace
    assert node.status is NodeStatus.CONNECTED


async def test_seventeen_digit_user_id_is_explained(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(profile="nodelink")
    gateway = FakeVoiceGateway(user_id=17000000000000001)
    lines = await connect(gateway, node_config(fake, "NL"))
    assert "(handshake rejected (400)" in lines[1] and "18-19 digit user id" in lines[1]


async def test_voltricx_asks_for_compressed_answers_and_reads_them(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory(profile="nodelink")
    await connect(gateway, node_config(fake, "NL"))
    node = voltricx.Pool.get_node("NL")
    result = await node.rest.load_tracks("ytsearch:gzip")
    assert isinstance(result.data, list) and result.data
    assert (await node.fetch_stats()).frame_stats is not None
    rest = [r for r in fake.requests if not r.websocket]
    assert rest and all("gzip" in r.headers.get("Accept-Encoding", "") for r in rest)
    # A session whose defaults say "identity" (never answered by NodeLink) does not leak through.
    async with aiohttp.ClientSession(headers={"Accept-Encoding": "identity"}) as session:
        client = RestClient(
            node="NL", base_url=fake.uri, password=PASSWORD, client_name="voltricx-tests/0.0.1",
            timeout=5.0, session=session,
        )
        assert (await client.info()).version.semver == "2.3.0"
    assert fake.requests[-1].headers["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.parametrize("profile", PROFILE_NAMES)
async def test_fetching_a_player_never_leaves_one_behind(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, profile: str
) -> None:
    """NodeLink creates the player a GET asks for; voltricx never asks it that way."""
    fake = await fake_factory(profile=profile)
    await connect(gateway, node_config(fake, "NL"))
    node = voltricx.Pool.get_node("NL")
    [player] = await start_players(node, 1)
    session = node.require_session()
    held = await node.rest.fetch_player(session, player.guild_id)
    assert held.guild_id == str(player.guild_id) and held.track is not None
    stray = GUILD_BASE + 99
    with pytest.raises(voltricx.LavalinkHTTPError) as info:
        await node.rest.fetch_player(session, stray)
    assert info.value.status == 404 and info.value.path.endswith(f"/players/{stray}")
    assert fake.player(stray) is None and list(fake.sessions[session].players) == [str(player.guild_id)]
    assert (await node.fetch_stats()).players == 1
    if profile == "nodelink":
        assert not [r for r in fake.requests if r.method == "GET" and r.path.endswith(f"/players/{stray}")]


async def test_voltricx_reads_nodelink_player_lists_and_decoded_tracks(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory(profile="nodelink")
    await connect(gateway, node_config(fake, "NL"))
    node = voltricx.Pool.get_node("NL")
    [player] = await start_players(node, 1)
    session = node.require_session()
    # NodeLink's userData bug leaves "track": {} on the player; a list with it still reads.
    _, raw = await node.rest.raw("GET", f"/v4/sessions/{session}/players")
    bodies = msgspec.json.decode(raw)
    bodies[0]["track"] = {}
    fake.fail_next(200, bodies, path=f"/v4/sessions/{session}/players", method="GET")
    [listed] = await node.rest.fetch_players(session)
    assert listed.guild_id == str(player.guild_id) and listed.track is None
    # decodetrack: isSeekable true where the load said false, and no pluginInfo: read as sent.
    loaded = (await node.rest.load_tracks("http://audio.example/tone.wav")).data
    assert isinstance(loaded, voltricx.Track) and not loaded.info.is_seekable
    decoded = await node.rest.decode_track(loaded.encoded)
    assert decoded.info.is_seekable and decoded.plugin_info == {} and decoded.user_data == {}
    assert decoded.info == voltricx.Track.from_encoded(loaded.encoded).info  # the local codec agrees
    assert [t.info for t in await node.rest.decode_tracks([loaded.encoded])] == [decoded.info]
