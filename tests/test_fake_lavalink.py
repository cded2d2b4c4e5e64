"""FakeLavalink against plain aiohttp clients over 127.0.0.1: protocol, clock and faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from voltricx.codec import decode
from voltricx.testing import Catalogue, FakeLavalink

PW = "youshallnotpass"
AUTH = {"Authorization": PW}
VOICE = {"token": "tok", "endpoint": "eu.discord.media", "sessionId": "vs", "channelId": "99"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeLavalink]:
    async with FakeLavalink(PW, player_update_interval=60.0) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def connect(
    fake: FakeLavalink, http: aiohttp.ClientSession, **extra: str
) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    headers = {**AUTH, "User-Id": "1", "Client-Name": "tests/1.0", **extra}
    ws = await http.ws_connect(fake.ws_uri, headers=headers, autoping=False)
    ready = await ws.receive_json(timeout=5)
    assert ready["op"] == "ready"
    return ws, ready["sessionId"]


async def next_event(ws: aiohttp.ClientWebSocketResponse, *types: str) -> dict[str, Any]:
    """The next ``event`` op (of one of ``types``), skipping playerUpdate/stats."""
    while True:
        msg = await ws.receive_json(timeout=5)
        if msg["op"] == "event" and (not types or msg["type"] in types):
            return msg


async def next_op(ws: aiohttp.ClientWebSocketResponse, op: str) -> dict[str, Any]:
    while True:
        msg = await ws.receive_json(timeout=5)
        if msg["op"] == op:
            return msg


async def search(http: aiohttp.ClientSession, fake: FakeLavalink, q: str) -> list[dict[str, Any]]:
    async with http.get(
        f"{fake.uri}/v4/loadtracks", params={"identifier": f"ytsearch:{q}"}, headers=AUTH
    ) as r:
        body = await r.json()
    assert body["loadType"] == "search"
    return body["data"]


async def patch(
    http: aiohttp.ClientSession,
    fake: FakeLavalink,
    sid: str,
    body: dict[str, Any],
    guild: str = "123",
    query: str = "",
) -> tuple[int, Any]:
    async with http.patch(
        f"{fake.uri}/v4/sessions/{sid}/players/{guild}{query}", json=body, headers=AUTH
    ) as r:
        return r.status, await r.json() if r.content_type == "application/json" else None


# --------------------------------------------------------------------------- REST basics


async def test_version_is_plain_text_and_needs_auth(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{fake.uri}/version", headers=AUTH) as r:
        assert r.status == 200
        assert r.content_type == "text/plain"
        assert r.headers["Lavalink-Api-Version"] == "4"
        assert await r.text() == "4.2.2"
    async with http.get(f"{fake.uri}/version") as r:
        assert r.status == 401
        assert await r.read() == b""
    async with http.get(f"{fake.uri}/version", headers={"Authorization": "nope"}) as r:
        assert r.status == 403
        assert await r.read() == b""


@pytest.mark.parametrize("path", ["/v4/info", "/v4/stats", "/v4/sessions/x/players", "/nowhere"])
async def test_every_route_checks_the_password(
    fake: FakeLavalink, http: aiohttp.ClientSession, path: str
) -> None:
    async with http.get(fake.uri + path) as r:
        assert r.status == 401
    async with http.get(fake.uri + path, headers={"Authorization": "wrong"}) as r:
        assert r.status == 403


async def test_set_auth_none_accepts_anything(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    fake.set_auth(None)
    async with http.get(f"{fake.uri}/v4/info") as r:
        assert r.status == 200
    fake.set_auth("other")
    async with http.get(f"{fake.uri}/v4/info", headers=AUTH) as r:
        assert r.status == 403


async def test_info_reports_version_and_plugins(http: aiohttp.ClientSession) -> None:
    fake = FakeLavalink(PW, version="4.1.0", plugins=[("lavasrc-plugin", "4.3.0")])
    async with fake, http.get(f"{fake.uri}/v4/info", headers=AUTH) as r:
        info = await r.json()
    assert info["version"]["semver"] == "4.1.0"
    assert (info["version"]["major"], info["version"]["minor"]) == (4, 1)
    assert info["plugins"] == [{"name": "lavasrc-plugin", "version": "4.3.0"}]
    assert "youtube" in info["sourceManagers"]
    assert "timescale" in info["filters"]


async def test_rest_stats_have_no_frame_stats(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    fake.set_stats(system_load=0.5, players=7)
    async with http.get(f"{fake.uri}/v4/stats", headers=AUTH) as r:
        stats = await r.json()
    assert "frameStats" not in stats or stats["frameStats"] is None
    assert stats["players"] == 7
    assert stats["cpu"]["systemLoad"] == 0.5


async def test_unknown_route_gives_spring_404(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{fake.uri}/v4/nothing?trace=true", headers=AUTH) as r:
        body = await r.json()
    assert r.status == 404
    assert set(body) >= {"timestamp", "status", "error", "message", "path", "trace"}
    assert body["error"] == "Not Found"
    assert body["path"] == "/v4/nothing"


# --------------------------------------------------------------------------- loading


async def test_search_is_deterministic_across_servers(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PW) as a, FakeLavalink(PW) as b:
        first = await search(http, a, "lofi beats")
        second = await search(http, b, "lofi beats")
    assert len(first) == 10
    assert first == second
    assert "Lofi Beats" in first[0]["info"]["title"]
    for track in first:
        assert 120_000 <= track["info"]["length"] <= 300_000
        assert decode(track["encoded"]).info.title == track["info"]["title"]


async def test_soundcloud_search(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    async with http.get(
        f"{fake.uri}/v4/loadtracks", params={"identifier": "scsearch:rain"}, headers=AUTH
    ) as r:
        body = await r.json()
    assert {t["info"]["sourceName"] for t in body["data"]} == {"soundcloud"}


@pytest.mark.parametrize(
    ("identifier", "load_type"),
    [
        ("ytsearch:nomatch at all", "empty"),
        ("dQw4w9WgXc0", "empty"),
        ("ytsearch:load error please", "error"),
        (Catalogue.TOP100_URL, "playlist"),
        (Catalogue.STREAM_URL, "track"),
        ("https://cdn.example.com/music/song.mp3", "track"),
    ],
)
async def test_load_types(
    fake: FakeLavalink, http: aiohttp.ClientSession, identifier: str, load_type: str
) -> None:
    async with http.get(
        f"{fake.uri}/v4/loadtracks", params={"identifier": identifier}, headers=AUTH
    ) as r:
        body = await r.json()
    assert r.status == 200
    assert body["loadType"] == load_type
    if load_type == "error":
        assert body["data"]["severity"] == "common"
    if load_type == "playlist":
        assert len(body["data"]["tracks"]) == 100
        assert body["data"]["info"]["selectedTrack"] == -1


async def test_track_url_and_mix_load(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    first = (await search(http, fake, "mix seed"))[0]
    async with http.get(
        f"{fake.uri}/v4/loadtracks", params={"identifier": first["info"]["uri"]}, headers=AUTH
    ) as r:
        body = await r.json()
    assert body["loadType"] == "track"
    assert body["data"]["encoded"] == first["encoded"]
    vid = first["info"]["identifier"]
    mix_url = f"https://www.youtube.com/watch?v={vid}&list=RD{vid}"
    async with http.get(
        f"{fake.uri}/v4/loadtracks", params={"identifier": mix_url}, headers=AUTH
    ) as r:
        mix = await r.json()
    assert mix["loadType"] == "playlist"
    assert mix["data"]["info"]["name"] == f"Mix - {first['info']['title']}"
    assert mix["data"]["tracks"][0]["encoded"] == first["encoded"]
    assert len(mix["data"]["tracks"]) == 25


async def test_custom_tracks_and_playlists(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    short = fake.catalogue.add(title="Blip", length=50, identifier="blip")
    url = fake.catalogue.add_playlist("Mine", [short, short])
    async with http.get(f"{fake.uri}/v4/loadtracks", params={"identifier": url}, headers=AUTH) as r:
        body = await r.json()
    assert body["data"]["info"]["name"] == "Mine"
    assert [t["info"]["title"] for t in body["data"]["tracks"]] == ["Blip", "Blip"]


async def test_decodetrack_and_decodetracks(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    tracks = await search(http, fake, "decode me")
    enc = tracks[0]["encoded"]
    for param in ("encodedTrack", "track"):
        async with http.get(f"{fake.uri}/v4/decodetrack", params={param: enc}, headers=AUTH) as r:
            assert (await r.json())["info"] == tracks[0]["info"]
    async with http.get(f"{fake.uri}/v4/decodetrack", headers=AUTH) as r:
        assert r.status == 400
    async with http.post(
        f"{fake.uri}/v4/decodetracks", json=[t["encoded"] for t in tracks[:3]], headers=AUTH
    ) as r:
        assert [t["info"]["title"] for t in await r.json()] == [
            t["info"]["title"] for t in tracks[:3]
        ]
    async with http.post(f"{fake.uri}/v4/decodetracks", json=[], headers=AUTH) as r:
        assert r.status == 400


# --------------------------------------------------------------------------- websocket


async def test_websocket_handshake_failures(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    cases = [({"User-Id": "1"}, 401), ({**AUTH}, 400), ({**AUTH, "User-Id": "0"}, 400)]
    cases.append(({"Authorization": "bad", "User-Id": "1"}, 401))
    for headers, status in cases:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await http.ws_connect(fake.ws_uri, headers=headers)
        assert info.value.status == status


async def test_ready_is_the_first_frame(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    ws, sid = await connect(fake, http)
    assert ws._response.headers["Session-Resumed"] == "false"  # pyright: ignore[reportPrivateUsage]
    assert sid in fake.sessions
    assert fake.sessions[sid].client_name == "tests/1.0"
    upgrade = [r for r in fake.requests if r.websocket]
    assert upgrade and upgrade[0].headers["client-name"] == "tests/1.0"
    await ws.close()
    await fake.wait_for(lambda f: not f.sessions)


# --------------------------------------------------------------------------- sessions and players


async def test_session_and_player_404s(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{fake.uri}/v4/sessions/nope/players", headers=AUTH) as r:
        assert r.status == 404
        assert (await r.json())["message"] == "Session not found"
    ws, sid = await connect(fake, http)
    async with http.get(f"{fake.uri}/v4/sessions/{sid}/players/5", headers=AUTH) as r:
        assert r.status == 404
        assert (await r.json())["message"] == "Player not found"
    async with http.get(f"{fake.uri}/v4/sessions/{sid}/players/abc", headers=AUTH) as r:
        assert r.status == 400
    async with http.get(f"{fake.uri}/v4/sessions/{sid}/players", headers=AUTH) as r:
        assert await r.json() == []
    await ws.close()


@pytest.mark.parametrize(
    "body",
    [
        {"track": {"identifier": "x"}, "encodedTrack": "QAAA"},
        {"track": {"encoded": "QAAA", "identifier": "x"}},
        {"voice": {"token": "", "endpoint": "e", "sessionId": "s", "channelId": "1"}},
        {"voice": {"token": "t", "endpoint": "e"}},
        {"voice": {"token": "t", "endpoint": "e", "sessionId": "s"}},
        {"volume": 1001},
        {"endTime": 0},
        {"track": {"identifier": Catalogue.TOP100_URL}},
        {"track": {"identifier": "ytsearch:anything"}},
        {"track": {"identifier": "unknownid12"}},
        {"filters": {"volume": "loud"}},
    ],
)
async def test_patch_validation(
    fake: FakeLavalink, http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    ws, sid = await connect(fake, http)
    status, err = await patch(http, fake, sid, body)
    assert status == 400, err
    assert set(err) >= {"timestamp", "status", "error", "message", "path"}
    await ws.close()


async def test_load_error_identifier_is_500(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    status, _ = await patch(http, fake, sid, {"track": {"identifier": "an error here"}})
    assert status == 500
    await ws.close()


async def test_channel_id_optional_before_42(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PW, require_channel_id=False, version="4.1.0") as fake:
        ws, sid = await connect(fake, http)
        voice = {k: v for k, v in VOICE.items() if k != "channelId"}
        status, player = await patch(http, fake, sid, {"voice": voice})
        assert status == 200
        assert player["state"]["connected"] is True
        await ws.close()


async def test_disabled_filter_is_rejected(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PW, filters=["volume"]) as fake:
        ws, sid = await connect(fake, http)
        status, err = await patch(http, fake, sid, {"filters": {"timescale": {"speed": 1.2}}})
        assert status == 400
        assert "timescale" in err["message"]
        await ws.close()


async def test_play_pause_seek_stop(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    ws, sid = await connect(fake, http)
    enc = (await search(http, fake, "play me"))[0]["encoded"]
    status, player = await patch(
        http, fake, sid, {"track": {"encoded": enc, "userData": {"by": 7}}, "voice": VOICE}
    )
    assert status == 200
    assert player["paused"] is False
    assert player["track"]["userData"] == {"by": 7}
    assert player["voice"]["channelId"] == "99"
    assert player["state"]["connected"] is True
    start = await next_event(ws)
    assert start["type"] == "TrackStartEvent"
    assert start["track"]["userData"] == {"by": 7}

    status, player = await patch(http, fake, sid, {"paused": True, "position": 30_000})
    assert player["paused"] is True
    update = await next_op(ws, "playerUpdate")
    assert update["state"]["position"] == 30_000
    assert fake.player(123) is not None and fake.player(123).position == 30_000  # type: ignore[union-attr]

    status, player = await patch(http, fake, sid, {"filters": {"volume": 0.5}})
    assert player["filters"] == {"volume": 0.5}
    await next_op(ws, "playerUpdate")

    status, player = await patch(http, fake, sid, {"track": {"encoded": None}})
    assert player["track"] is None
    end = await next_event(ws)
    assert (end["type"], end["reason"]) == ("TrackEndEvent", "stopped")

    async with http.delete(f"{fake.uri}/v4/sessions/{sid}/players/123", headers=AUTH) as r:
        assert r.status == 204
    assert fake.player(123) is None
    await ws.close()


async def test_new_track_starts_unpaused_unless_told(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    a, b = (await search(http, fake, "pause rules"))[:2]
    await patch(http, fake, sid, {"track": {"encoded": a["encoded"]}, "paused": True})
    assert fake.player(123).paused is True  # type: ignore[union-attr]
    _, player = await patch(http, fake, sid, {"track": {"encoded": b["encoded"]}})
    assert player["paused"] is False
    types = [(await next_event(ws))["type"] for _ in range(3)]
    assert types == ["TrackStartEvent", "TrackEndEvent", "TrackStartEvent"]
    assert [e.reason for e in fake.events] == [None, "replaced", None]
    await ws.close()


async def test_no_replace_keeps_the_current_track(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    a, b = (await search(http, fake, "no replace"))[:2]
    await patch(http, fake, sid, {"track": {"encoded": a["encoded"]}})
    _, player = await patch(
        http, fake, sid, {"track": {"encoded": b["encoded"]}, "volume": 50}, query="?noReplace=true"
    )
    assert player["track"]["encoded"] == a["encoded"]
    assert player["volume"] == 50
    await ws.close()


async def test_identifier_plays_a_single_track(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    uri = (await search(http, fake, "by id"))[3]["info"]["uri"]
    status, player = await patch(http, fake, sid, {"track": {"identifier": uri}})
    assert status == 200
    assert player["track"]["info"]["uri"] == uri
    await ws.close()


# --------------------------------------------------------------------------- clock


async def test_short_track_finishes(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    ws, sid = await connect(fake, http)
    blip = fake.catalogue.add(title="Blip", length=200)
    await patch(http, fake, sid, {"track": {"encoded": blip.encoded}})
    assert (await next_event(ws))["type"] == "TrackStartEvent"
    end = await next_event(ws)
    assert (end["type"], end["reason"]) == ("TrackEndEvent", "finished")
    assert fake.player(123).track is None  # type: ignore[union-attr]
    await ws.close()


async def test_speed_makes_tracks_end_and_end_time_is_honoured(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PW, speed=200.0) as fake:
        ws, sid = await connect(fake, http)
        a, b = (await search(http, fake, "speedy"))[:2]
        await patch(http, fake, sid, {"track": {"encoded": a["encoded"]}}, guild="1")
        await patch(
            http, fake, sid, {"track": {"encoded": b["encoded"]}, "endTime": 20_000}, guild="2"
        )
        ends: dict[str, dict[str, Any]] = {}
        while len(ends) < 2:
            event = await next_event(ws, "TrackEndEvent")
            ends[event["guildId"]] = event
        assert ends["1"]["reason"] == ends["2"]["reason"] == "finished"
        assert ends["2"]["track"]["info"]["position"] == 20_000
        assert ends["1"]["track"]["info"]["position"] == a["info"]["length"]
        await ws.close()


async def test_player_updates_and_stats_are_periodic(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PW, player_update_interval=0.05, stats_interval=0.05) as fake:
        ws, sid = await connect(fake, http)
        enc = (await search(http, fake, "periodic"))[0]["encoded"]
        await patch(http, fake, sid, {"track": {"encoded": enc}, "voice": VOICE})
        update = await next_op(ws, "playerUpdate")
        assert update["guildId"] == "123"
        assert update["state"]["connected"] is True
        fake.set_stats(deficit=600, system_load=0.9)
        while True:
            stats = await next_op(ws, "stats")
            if stats["frameStats"]["deficit"] == 600:
                break
        assert stats["players"] == stats["playingPlayers"] == 1
        assert stats["cpu"]["systemLoad"] == 0.9
        await ws.close()


async def test_push_stats_now(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    ws, _ = await connect(fake, http)
    await fake.push_stats()
    stats = await next_op(ws, "stats")
    assert stats["players"] == 0
    assert stats.get("frameStats") is None
    await ws.close()


async def test_exception_and_stuck_tracks(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    ws, sid = await connect(fake, http)
    bad = fake.catalogue.add(title="Broken", behaviour="exception")
    await patch(http, fake, sid, {"track": {"encoded": bad.encoded}})
    types = [(await next_event(ws))["type"] for _ in range(3)]
    assert types == ["TrackStartEvent", "TrackExceptionEvent", "TrackEndEvent"]
    assert fake.events[-1].reason == "loadFailed"
    ok = fake.catalogue.add(title="Fine")
    await patch(http, fake, sid, {"track": {"encoded": ok.encoded}})
    await next_event(ws, "TrackStartEvent")
    await fake.make_stuck(123)
    stuck = await next_event(ws)
    assert stuck["type"] == "TrackStuckEvent"
    await fake.emit_websocket_closed(123, 4014)
    closed = await next_event(ws)
    assert (closed["type"], closed["code"]) == ("WebSocketClosedEvent", 4014)
    await ws.close()


# --------------------------------------------------------------------------- resuming


async def test_resume_replays_queued_events(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    async with http.patch(
        f"{fake.uri}/v4/sessions/{sid}", json={"resuming": True, "timeout": 30}, headers=AUTH
    ) as r:
        assert await r.json() == {"resuming": True, "timeout": 30}
    enc = (await search(http, fake, "resume"))[0]["encoded"]
    await patch(http, fake, sid, {"track": {"encoded": enc}})
    await next_event(ws, "TrackStartEvent")
    await ws.close()
    await fake.wait_for(lambda f: not f.sessions[sid].connected)
    # An event while nobody listens is queued.
    await patch(http, fake, sid, {"track": {"encoded": None}})
    assert len(fake.sessions[sid].queued) == 1

    ws2 = await http.ws_connect(
        fake.ws_uri, headers={**AUTH, "User-Id": "1", "Session-Id": sid}, autoping=False
    )
    assert ws2._response.headers["Session-Resumed"] == "true"  # pyright: ignore[reportPrivateUsage]
    ready = await ws2.receive_json(timeout=5)
    assert ready == {"op": "ready", "sessionId": sid, "resumed": True}
    replayed = await next_event(ws2)
    assert (replayed["type"], replayed["reason"]) == ("TrackEndEvent", "stopped")
    await ws2.close()


async def test_session_without_resuming_dies_with_its_socket(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    await patch(http, fake, sid, {"volume": 10})
    await ws.close()
    await fake.wait_for(lambda f: sid not in f.sessions)
    ws2, sid2 = await connect(fake, http, **{"Session-Id": sid})
    assert sid2 != sid
    await ws2.close()


async def test_resume_timeout_destroys_the_session(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    async with http.patch(
        f"{fake.uri}/v4/sessions/{sid}", json={"resuming": True, "timeout": 0}, headers=AUTH
    ):
        pass
    await ws.close()
    await fake.wait_for(lambda f: sid not in f.sessions)


# --------------------------------------------------------------------------- faults


async def test_kill_drops_everything_and_refuses_service(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, _ = await connect(fake, http)
    recorded = len(fake.requests)
    fake.kill()
    msg = await ws.receive(timeout=5)
    assert msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.ERROR)
    assert ws.close_code == 1006
    with pytest.raises(aiohttp.ClientConnectorError) as refused:
        async with http.get(f"{fake.uri}/version", headers=AUTH):
            pass
    assert isinstance(refused.value.os_error, ConnectionRefusedError)
    assert fake.connections_while_down == 0  # refused by the kernel: nothing accepted
    assert len(fake.requests) == recorded and fake.held_guilds() == {}
    port = fake.port
    await fake.restart()
    assert fake.port == port
    async with http.get(f"{fake.uri}/version", headers=AUTH) as response:
        assert response.status == 200


async def test_kill_behind_proxy_accepts_then_drops(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, _ = await connect(fake, http)
    recorded = len(fake.requests)
    fake.kill_behind_proxy()
    await ws.receive(timeout=5)
    assert ws.close_code == 1006
    with pytest.raises(aiohttp.ClientConnectionError) as dropped:
        async with http.get(f"{fake.uri}/version", headers=AUTH):
            pass
    assert not isinstance(dropped.value, aiohttp.ClientConnectorError)  # accepted, then dropped
    assert fake.connections_while_down >= 1
    assert len(fake.requests) == recorded
    await fake.restart()
    async with http.get(f"{fake.uri}/version", headers=AUTH) as response:
        assert response.status == 200


async def test_restart_without_sessions(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    ws, sid = await connect(fake, http)
    async with http.patch(f"{fake.uri}/v4/sessions/{sid}", json={"resuming": True}, headers=AUTH):
        pass
    fake.kill()
    await ws.receive(timeout=5)
    await fake.restart(keep_sessions=False)
    assert fake.sessions == {}
    ws2, sid2 = await connect(fake, http, **{"Session-Id": sid})
    assert sid2 != sid
    await ws2.close()


async def test_restart_keeping_sessions_allows_resume(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    async with http.patch(f"{fake.uri}/v4/sessions/{sid}", json={"resuming": True}, headers=AUTH):
        pass
    enc = (await search(http, fake, "survivor"))[0]["encoded"]
    await patch(http, fake, sid, {"track": {"encoded": enc}, "position": 10_000})
    fake.kill()
    await ws.receive(timeout=5)
    frozen = fake.player(123).position  # type: ignore[union-attr]
    await fake.restart(keep_sessions=True)
    ws2, sid2 = await connect(fake, http, **{"Session-Id": sid})
    assert sid2 == sid
    async with http.get(f"{fake.uri}/v4/sessions/{sid}/players/123", headers=AUTH) as r:
        player = await r.json()
    assert player["track"]["encoded"] == enc
    assert player["state"]["position"] >= frozen
    await ws2.close()


async def test_stall_hangs_rest_and_silences_the_socket(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, _ = await connect(fake, http)
    fake.stall()
    request = asyncio.ensure_future(http.get(f"{fake.uri}/v4/info", headers=AUTH))
    await fake.wait_for(lambda f: any(r.path == "/v4/info" for r in f.requests))
    await ws.ping(b"while-stalled")
    await fake.wait_for(lambda f: f.ignored_pings == 1)
    await fake.push_stats()  # dropped: the node sends nothing
    assert not request.done()
    fake.unstall()
    async with await request as r:
        assert r.status == 200
    await ws.ping(b"after")
    # Neither the stats op nor a pong for the stalled ping comes before this pong.
    first = await ws.receive(timeout=5)
    assert (first.type, first.data) == (aiohttp.WSMsgType.PONG, b"after")
    await ws.close()


async def test_events_during_stall_are_held(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    enc = (await search(http, fake, "held"))[0]["encoded"]
    await patch(http, fake, sid, {"track": {"encoded": enc}})
    await next_event(ws, "TrackStartEvent")
    fake.stall()
    await fake.make_stuck(123)
    fake.unstall()
    assert (await next_event(ws))["type"] == "TrackStuckEvent"
    await ws.close()


async def test_fail_next(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    fake.fail_next(503, path="/v4/info", count=2)
    fake.fail_next(500, {"custom": True}, path="/v4/sessions/*")
    for _ in range(2):
        async with http.get(f"{fake.uri}/v4/info", headers=AUTH) as r:
            assert r.status == 503
            assert (await r.json())["error"] == "Service Unavailable"
    async with http.get(f"{fake.uri}/v4/info", headers=AUTH) as r:
        assert r.status == 200
    async with http.get(f"{fake.uri}/v4/sessions/x/players", headers=AUTH) as r:
        assert r.status == 500
        assert await r.json() == {"custom": True}
    fake.fail_next(502, path="/v4/websocket")
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await http.ws_connect(fake.ws_uri, headers={**AUTH, "User-Id": "1"})
    assert info.value.status == 502


async def test_delay(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    fake.delay(0.2)
    began = time.monotonic()
    async with http.get(f"{fake.uri}/v4/info", headers=AUTH) as r:
        assert r.status == 200
    assert time.monotonic() - began >= 0.2
    fake.delay(0)


async def test_send_raw(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    ws, _ = await connect(fake, http)
    await fake.send_raw("{not json")
    await fake.send_raw(b"\x00\x01")
    assert (await ws.receive(timeout=5)).data == "{not json"
    assert (await ws.receive(timeout=5)).data == b"\x00\x01"
    await ws.close()


async def test_disconnect_sends_a_close_frame(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    closing = asyncio.ensure_future(ws.receive(timeout=5))
    await fake.disconnect(1001)
    await closing
    assert ws.close_code == 1001
    await fake.wait_for(lambda f: sid not in f.sessions)


# --------------------------------------------------------------------------- route planner


async def test_route_planner_disabled(fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{fake.uri}/v4/routeplanner/status", headers=AUTH) as r:
        assert await r.json() == {"class": None, "details": None}
    async with http.post(f"{fake.uri}/v4/routeplanner/free/all", headers=AUTH) as r:
        assert r.status == 500
    async with http.post(
        f"{fake.uri}/v4/routeplanner/free/address", json={"address": "1.2.3.4"}, headers=AUTH
    ) as r:
        assert r.status == 500


async def test_route_planner_frees_addresses(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PW, route_planner=True) as fake:
        async with http.get(f"{fake.uri}/v4/routeplanner/status", headers=AUTH) as r:
            status = await r.json()
        assert status["class"] == "RotatingIpRoutePlanner"
        failing = [a["failingAddress"] for a in status["details"]["failingAddresses"]]
        assert len(failing) == 2
        async with http.post(
            f"{fake.uri}/v4/routeplanner/free/address", json={"address": failing[0]}, headers=AUTH
        ) as r:
            assert r.status == 204
        async with http.post(
            f"{fake.uri}/v4/routeplanner/free/address", json={"address": "10.0.0.1"}, headers=AUTH
        ) as r:
            assert r.status == 400
        async with http.get(f"{fake.uri}/v4/routeplanner/status", headers=AUTH) as r:
            left = (await r.json())["details"]["failingAddresses"]
        assert [a["failingAddress"] for a in left] == failing[1:]
        async with http.post(f"{fake.uri}/v4/routeplanner/free/all", headers=AUTH) as r:
            assert r.status == 204
        async with http.get(f"{fake.uri}/v4/routeplanner/status", headers=AUTH) as r:
            assert (await r.json())["details"]["failingAddresses"] == []


# --------------------------------------------------------------------------- misc


async def test_wait_for_times_out(fake: FakeLavalink) -> None:
    with pytest.raises(TimeoutError):
        await fake.wait_for(lambda f: f.connections_while_down > 0, timeout=0.05)


def test_unknown_profile_is_rejected() -> None:
    with pytest.raises(ValueError, match="profile"):
        FakeLavalink(profile="nodelink-ish")


async def test_close_is_idempotent_and_leaves_no_tasks(http: aiohttp.ClientSession) -> None:
    fake = await FakeLavalink(PW).start()
    ws, _ = await connect(fake, http)
    await fake.close()
    await fake.close()
    await ws.receive(timeout=5)
    current = asyncio.current_task()
    await asyncio.sleep(0)  # let aborted handlers unwind (one loop turn, not a sync wait)
    leftover = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert leftover == []
    assert not fake.running


async def test_a_thousand_players(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PW, player_update_interval=60.0) as fake:
        ws, sid = await connect(fake, http)
        enc = (await search(http, fake, "crowd"))[0]["encoded"]
        conn = aiohttp.TCPConnector(limit=32)
        async with aiohttp.ClientSession(connector=conn) as many:

            async def one(guild: int) -> int:
                async with many.patch(
                    f"{fake.uri}/v4/sessions/{sid}/players/{guild}",
                    json={"track": {"encoded": enc}, "voice": VOICE},
                    headers=AUTH,
                ) as r:
                    return r.status

            began = time.monotonic()
            statuses = await asyncio.gather(*(one(g) for g in range(1, 1001)))
            elapsed = time.monotonic() - began
        assert set(statuses) == {200}
        assert len(fake.sessions[sid].players) == 1000
        assert elapsed < 60
        await fake.push_player_updates()
        updates = 0
        while updates < 1000:
            msg = await ws.receive_json(timeout=5)
            updates += msg["op"] == "playerUpdate"
        await ws.close()


async def test_pause_freezes_the_position_and_speed_can_change(
    fake: FakeLavalink, http: aiohttp.ClientSession
) -> None:
    ws, sid = await connect(fake, http)
    enc = (await search(http, fake, "frozen"))[0]["encoded"]
    await patch(http, fake, sid, {"track": {"encoded": enc}, "position": 5_000, "paused": True})
    player = fake.player(123)
    assert player is not None
    assert player.position == 5_000
    fake.speed = 1000.0
    assert player.position == 5_000
    await patch(http, fake, sid, {"paused": False})
    end = await next_event(ws, "TrackEndEvent")
    assert end["reason"] == "finished"
    await ws.close()
