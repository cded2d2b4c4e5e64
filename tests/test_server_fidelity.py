"""FakeLavalink against what real servers were measured to do (issue 13).

NodeLink 2.3.0 facts come from a probe of the real server with audio
flowing (``design/nodelink.md`` section 11); Lavalink facts from three
independent clients (Lavalink.py, lavalink-client, Shoukaku) and Lavalink's
REST documentation. One behaviour per test, each on the profile it concerns.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from msgspec import UNSET

import voltricx
from voltricx.models.player import PlayerUpdatePayload, UpdatePlayerTrack
from voltricx.testing import FakeDiscordVoice, FakeLavalink
from voltricx.testing.lavalink.voice_link import VoiceHandshakeError, open_voice_link

from ._audio_server import Served, serve_http1, tone_wav
from .conftest import PASSWORD

AUTH = {"Authorization": PASSWORD}
USER = "170000000000000001"
GUILD = "300000000000000000"
OTHER_GUILD = "300000000000000001"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def voice_for(server: FakeDiscordVoice | str, *, channel: bool = True) -> dict[str, str]:
    endpoint = server if isinstance(server, str) else server.endpoint
    voice = {"token": "tok", "endpoint": endpoint, "sessionId": "vs"}
    if channel:
        voice["channelId"] = "99"
    return voice


class Client:
    """A bare Lavalink client over aiohttp: one websocket session and REST calls."""

    def __init__(self, fake: FakeLavalink, http: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.http = http
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.sid = ""

    async def __aenter__(self) -> Client:
        headers = {**AUTH, "User-Id": USER, "Client-Name": "voltricx-tests/0.0.1"}
        self.ws = await self.http.ws_connect(self.fake.ws_uri, headers=headers, autoping=False)
        ready = await self.ws.receive_json(timeout=5)
        self.sid = ready["sessionId"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.ws is not None
        await self.ws.close()

    async def event(self) -> dict[str, Any]:
        assert self.ws is not None
        while True:
            msg = await self.ws.receive_json(timeout=10)
            if msg["op"] == "event":
                return msg

    async def op(self, name: str) -> dict[str, Any]:
        assert self.ws is not None
        while True:
            msg = await self.ws.receive_json(timeout=10)
            if msg["op"] == name:
                return msg

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        url = f"{self.fake.uri}{path}"
        async with self.http.request(method, url, json=body, headers=AUTH) as r:
            text = await r.text()
            return r.status, (await r.json(content_type=None)) if text else None

    async def patch(self, body: dict[str, Any], guild: str = GUILD) -> tuple[int, Any]:
        return await self.call("PATCH", f"/v4/sessions/{self.sid}/players/{guild}", body)

    async def load(self, identifier: str) -> dict[str, Any]:
        async with self.http.get(
            f"{self.fake.uri}/v4/loadtracks", params={"identifier": identifier}, headers=AUTH
        ) as r:
            return await r.json()

    async def track(self, query: str = "ytsearch:fidelity") -> str:
        return (await self.load(query))["data"][0]["encoded"]


# --------------------------------------------------------------------------- voice


async def test_fake_discord_voice_handshake_and_audio(voice_server: FakeDiscordVoice) -> None:
    link = await open_voice_link(
        voice_server.endpoint, guild_id=GUILD, user_id=USER, session_id="vs", token="tok"
    )
    try:
        conn = voice_server.connection(GUILD)
        assert conn is not None and conn.ready and conn.ssrc == link.ssrc
        assert conn.mode == link.mode == "aead_aes256_gcm_rtpsize"
        assert link.external_address[0] == "127.0.0.1" and voice_server.discoveries == 1
        link.send_audio(10)  # a small burst: UDP on loopback may drop a large unpaced one
        await voice_server.wait_for(lambda v: v.packets_received == 10)
        assert conn.speaking and voice_server.stray_packets == 0
    finally:
        await link.close()
    await voice_server.wait_for(lambda v: v.connections[0].closed)


async def test_voice_handshake_refusals(voice_server: FakeDiscordVoice) -> None:
    voice_server.expect("vs", "right-token")
    with pytest.raises(VoiceHandshakeError, match="closed"):
        await open_voice_link(voice_server.endpoint, guild_id=GUILD, user_id=USER, session_id="vs", token="wrong")
    assert voice_server.refused == 1 and not voice_server.connections
    # Never a target off this machine: refused before any packet.
    with pytest.raises(VoiceHandshakeError, match="loopback"):
        await open_voice_link("eu.discord.media:443", guild_id=GUILD, user_id=USER, session_id="vs", token="t")


@pytest.mark.parametrize("profile", ["lavalink", "nodelink"])
async def test_connected_only_after_a_real_handshake(
    http: aiohttp.ClientSession, voice_server: FakeDiscordVoice, profile: str
) -> None:
    async with (
        FakeLavalink(PASSWORD, profile=profile, voice_handshake=True) as fake,
        Client(fake, http) as client,
    ):
        status, body = await client.patch({"voice": voice_for(voice_server)})
        assert status == 200 and body["state"]["connected"] is False
        await voice_server.wait_for(lambda v: v.connection(GUILD) is not None and v.connection(GUILD).ready)
        player = await fake.wait_for(lambda f: (p := f.player(GUILD)) is not None and p.connected and p)
        assert player.state().ping >= 0
        # Destroying the player closes its voice connection.
        status, _ = await client.call("DELETE", f"/v4/sessions/{client.sid}/players/{GUILD}")
        assert status == 204
        await voice_server.wait_for(lambda v: v.connections[0].closed)


async def test_nodelink_unreachable_voice_fails_the_track(
    http: aiohttp.ClientSession, voice_server: FakeDiscordVoice
) -> None:
    voice_server.expect("vs", "another-token")  # the handshake is refused (4004)
    async with FakeLavalink(PASSWORD, profile="nodelink") as fake, Client(fake, http) as client:
        encoded = await client.track()
        status, body = await client.patch({"track": {"encoded": encoded}})
        assert status == 200 and body["track"] is None  # cached until voice is up
        status, _ = await client.patch({"voice": voice_for(voice_server)})
        assert status == 200
        closed, exception, end = [await client.event() for _ in range(3)]
        assert closed["type"] == "WebSocketClosedEvent" and "code" not in closed and "reason" not in closed
        assert exception["type"] == "TrackExceptionEvent" and exception["track"]["encoded"] == encoded
        assert end["type"] == "TrackEndEvent" and end["reason"] == "loadFailed"
        status, body = await client.patch({"track": {"encoded": encoded}})
        assert status == 400 and body["message"] == "The player is not connected to a voice server."
        assert "error" not in body
        assert fake.player(GUILD) is not None and not fake.player(GUILD).connected  # type: ignore[union-attr]
        # An endpoint off this machine is never tried: unreachable at once.
        status, _ = await client.patch({"voice": voice_for("eu.discord.media:443")}, guild=OTHER_GUILD)
        assert status == 200
        assert (await client.event())["type"] == "WebSocketClosedEvent"


async def test_the_same_voice_sent_again_retries_a_failed_handshake(
    http: aiohttp.ClientSession, voice_server: FakeDiscordVoice
) -> None:
    voice_server.expect("vs", "another-token")
    async with FakeLavalink(PASSWORD, profile="nodelink") as fake, Client(fake, http) as client:
        await client.patch({"voice": voice_for(voice_server)})
        assert (await client.event())["type"] == "WebSocketClosedEvent"
        voice_server.expect("vs", "tok")  # Discord now knows these credentials
        await client.patch({"voice": voice_for(voice_server)})
        await fake.wait_for(lambda f: f.player(GUILD) is not None and f.player(GUILD).connected)  # type: ignore[union-attr]
        assert voice_server.refused == 1 and len(voice_server.connections) == 1


async def test_lavalink_unreachable_voice_still_plays(http: aiohttp.ClientSession) -> None:
    async with (
        FakeLavalink(PASSWORD, voice_handshake=True) as fake,
        Client(fake, http) as client,
    ):
        encoded = await client.track()
        status, body = await client.patch({"voice": voice_for("127.0.0.1:9"), "track": {"encoded": encoded}})
        assert status == 200 and body["track"]["encoded"] == encoded
        kinds = {(await client.event())["type"] for _ in range(2)}
        assert kinds == {"TrackStartEvent", "WebSocketClosedEvent"}
        closed = next(e for e in fake.events if e.type == "WebSocketClosedEvent")
        assert closed.frame["code"] == 1006 and closed.frame["byRemote"] is True
        assert not fake.player(GUILD).connected  # type: ignore[union-attr]


# --------------------------------------------------------------------------- NodeLink behaviours


async def test_nodelink_unknown_length_tracks_play_until_stopped(
    http: aiohttp.ClientSession, voice_server: FakeDiscordVoice
) -> None:
    served = Served()
    url, stop = await serve_http1(tone_wav(0.5), served)
    async with FakeLavalink(PASSWORD, profile="nodelink", speed=5000) as fake, Client(fake, http) as client:
        loaded = await client.load(url)
        assert served.requests == [("HEAD", "/tone.wav", "1.1")]  # looked at, not probed
        info = loaded["data"]["info"]
        assert loaded["loadType"] == "track" and info["length"] == -1 and not info["isSeekable"]
        assert (info["title"], info["author"], info["sourceName"]) == ("unknown", "unknown", "http")
        local = (await client.load("local:/tmp/sounds/tone.wav"))["data"]["info"]
        assert (local["title"], local["uri"], local["sourceName"], local["length"]) == (
            "tone.wav", "/tmp/sounds/tone.wav", "local", -1,
        )
        normal = await client.track()
        voice = voice_for(voice_server)
        await client.patch({"voice": voice, "track": {"encoded": loaded["data"]["encoded"]}})
        await client.patch({"voice": voice, "track": {"encoded": normal}}, guild=OTHER_GUILD)
        # The 3-minute track finishes (a few ms at speed 5000); the unknown-length one goes on.
        await fake.wait_for(lambda f: any(e.reason == "finished" for e in f.events), timeout=10)
        player = fake.player(GUILD)
        assert player is not None and player.track is not None and player.position > 180_000
        assert not [e for e in fake.events if e.guild_id == GUILD and e.type == "TrackEndEvent"]
        await client.patch({"track": {"encoded": None}})
        assert [e.reason for e in fake.events if e.guild_id == GUILD and e.type == "TrackEndEvent"] == ["stopped"]
    await stop()


async def test_nodelink_looks_at_loopback_urls_before_loading(http: aiohttp.ClientSession) -> None:
    served = Served()
    url, stop = await serve_http1(tone_wav(0.5), served)
    try:
        async with FakeLavalink(PASSWORD, profile="nodelink") as fake, Client(fake, http) as client:
            missing = await client.load(url.replace("tone.wav", "missing.wav"))
            assert missing["loadType"] == "error"
            assert missing["data"] == {"message": "URL is not a playable stream.", "severity": "common", "cause": "Invalid URL"}
            port = int(url.split(":")[2].split("/")[0])
            await stop()
            refused = await client.load(url)
            assert refused["data"]["severity"] == "fault"
            assert refused["data"]["message"] == f"Not possible to connect to the URL: connect ECONNREFUSED 127.0.0.1:{port}"
            # Hosts off this machine are never contacted: the catalogue answers.
            assert (await client.load("https://cdn.example.invalid/song.mp3"))["loadType"] == "track"
    finally:
        await stop()


@pytest.mark.parametrize("profile", ["lavalink", "nodelink"])
async def test_filters_set_while_idle(
    http: aiohttp.ClientSession, voice_server: FakeDiscordVoice, profile: str
) -> None:
    async with FakeLavalink(PASSWORD, profile=profile) as fake, Client(fake, http) as client:
        status, body = await client.patch({"voice": voice_for(voice_server), "filters": {"timescale": {"speed": 1.5}}})
        assert status == 200
        await fake.wait_for(lambda f: f.player(GUILD) is not None and f.player(GUILD).connected)  # type: ignore[union-attr]
        status, body = await client.patch({"track": {"encoded": await client.track()}})
        assert status == 200
        if profile == "nodelink":  # dropped: the next track plays without them
            assert body["filters"] == {}
        else:
            assert body["filters"]["timescale"]["speed"] == 1.5


async def test_nodelink_accepts_what_lavalink_refuses(http: aiohttp.ClientSession, voice_server: FakeDiscordVoice) -> None:
    async with FakeLavalink(PASSWORD, profile="nodelink") as fake, Client(fake, http) as client:
        encoded = await client.track()
        status, body = await client.patch({"voice": voice_for(voice_server, channel=False)})
        assert status == 200
        await fake.wait_for(lambda f: f.player(GUILD) is not None and f.player(GUILD).connected)  # type: ignore[union-attr]
        status, body = await client.patch({"track": {"encoded": encoded}, "encodedTrack": "ignored", "endTime": 0})
        assert status == 200 and body["track"]["encoded"] == encoded
        assert fake.player(GUILD).end_time is None  # type: ignore[union-attr]
        status, body = await client.patch({"track": {"identifier": "nothing-resolves-to-this"}})
        assert status == 200 and body["track"]["encoded"] == encoded
        status, _ = await client.call("GET", f"/v4/decodetrack?track={encoded}")
        assert status == 400
        status, _ = await client.call("GET", f"/v4/decodetrack?encodedTrack={encoded}")
        assert status == 200
    async with FakeLavalink(PASSWORD) as fake, Client(fake, http) as client:
        encoded = await client.track()
        for body in (
            {"voice": voice_for(voice_server, channel=False)},
            {"track": {"encoded": encoded}, "encodedTrack": encoded},
            {"track": {"encoded": encoded}, "endTime": 0},
            {"track": {"identifier": "nothing-resolves-to-this"}},
        ):
            status, _ = await client.patch(body)
            assert status == 400, body
        status, _ = await client.call("GET", f"/v4/decodetrack?track={encoded}")
        assert status == 200


async def test_nodelink_error_bodies_and_shapes(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PASSWORD, profile="nodelink") as fake, Client(fake, http) as client:
        status, body = await client.call("GET", f"/v4/sessions/{client.sid}/players/{GUILD}")
        assert status == 200 and body["voice"] == {"token": None, "endpoint": None, "sessionId": None}
        expected = [
            ({"volume": 1001}, "The volume must be between 0 and 1000."),
            ({"paused": True}, "The player is not connected to a voice server."),
            ({"voice": {"token": "x"}}, "Invalid voice object."),
        ]
        for request, message in expected:
            status, body = await client.patch(request)
            assert (status, body["message"]) == (400, message) and "error" not in body
        status, body = await client.call("DELETE", f"/v4/sessions/{client.sid}/players/{OTHER_GUILD}")
        assert status == 404 and "error" not in body
        encoded = await client.track()
        status, body = await client.call("POST", "/v4/decodetracks", [encoded])
        assert status == 200 and set(body[0]) == {"encoded", "info"}
        status, body = await client.call("GET", f"/v4/decodetrack?encodedTrack={encoded}")
        assert set(body) == {"encoded", "info"}
        status, stats = await client.call("GET", "/v4/stats")
        assert stats["cpu"]["systemLoad"] == 0.87  # a raw load average, not a 0-1 fraction
        fake.set_stats(system_load=2.6)
        assert (await client.call("GET", "/v4/stats"))[1]["cpu"]["systemLoad"] == 2.6


async def test_nodelink_counters_keep_players_of_closed_sessions(
    http: aiohttp.ClientSession, voice_server: FakeDiscordVoice
) -> None:
    async with FakeLavalink(PASSWORD, profile="nodelink") as fake:
        async with Client(fake, http) as client:
            await client.patch({"voice": voice_for(voice_server), "track": {"encoded": await client.track()}})
            await client.patch({"volume": 50}, guild=OTHER_GUILD)
        await fake.wait_for(lambda f: not f.sessions)
        async with Client(fake, http) as client:
            _, stats = await client.call("GET", "/v4/stats")
        assert not fake.players and (stats["players"], stats["playingPlayers"]) == (2, 1)
        await fake.restart()  # a new process counts from zero
        async with Client(fake, http) as client:
            _, stats = await client.call("GET", "/v4/stats")
        assert (stats["players"], stats["playingPlayers"]) == (0, 0)


# --------------------------------------------------------------------------- opt-in faults


async def test_play_after_timescale_is_never_answered(
    fake_factory: Any, gateway: voltricx.testing.FakeVoiceGateway
) -> None:
    fake: FakeLavalink = await fake_factory(profile="nodelink")
    fake.hang_play_after_timescale()
    config = voltricx.NodeConfig(identifier="NL", uri=fake.uri, password=PASSWORD, request_timeout=1.0)
    await voltricx.Pool.connect(client=gateway, nodes=[config], report=False)
    node = voltricx.Pool.get_node("NL")
    result = await node.rest.load_tracks("ytsearch:hang")
    assert isinstance(result.data, list)
    player = voltricx.Player(int(GUILD), node=node)
    await player.connect(400000000000000001)
    await player.play(result.data[0])
    filters = voltricx.Filters()
    filters.timescale.set(speed=1.2)
    await player.set_filters(filters)
    with pytest.raises(voltricx.NodeError):
        await player.play(result.data[1])


async def test_process_dying_mid_request_is_a_node_error(
    fake_factory: Any, gateway: voltricx.testing.FakeVoiceGateway
) -> None:
    fake: FakeLavalink = await fake_factory(profile="nodelink")
    await voltricx.Pool.connect(
        client=gateway, nodes=[voltricx.NodeConfig(identifier="NL", uri=fake.uri, password=PASSWORD)], report=False
    )
    node = voltricx.Pool.get_node("NL")
    encoded = (await node.rest.load_tracks("ytsearch:crash")).data[0].encoded  # type: ignore[union-attr]
    fake.die_during_next_request(path="/v4/sessions/*/players/*", method="PATCH")
    payload = PlayerUpdatePayload(track=UpdatePlayerTrack(encoded=encoded))
    with pytest.raises(voltricx.NodeError):
        await node.rest.update_player(node.require_session(), int(GUILD), payload)
    assert fake.crashed and fake.down
    await node.wait_for_status(voltricx.NodeStatus.DISCONNECTED, timeout=5)


# --------------------------------------------------------------------------- Lavalink


async def test_lavalink_null_filter_values_turn_filters_off(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PASSWORD) as fake, Client(fake, http) as client:
        await client.patch({"filters": {"karaoke": {"level": 1.0}, "timescale": {"speed": 1.1}}})
        names = ["karaoke", "timescale", "tremolo", "vibrato", "rotation", "distortion", "channelMix", "lowPass"]
        status, body = await client.patch({"filters": dict.fromkeys(names)})
        assert status == 200 and body["filters"] == {}
        assert fake.player(GUILD).filters.karaoke is UNSET  # type: ignore[union-attr]
        for name in ("volume", "equalizer"):
            status, _ = await client.patch({"filters": {name: None}})
            assert status == 400, name


async def test_lavalink_frame_stats(http: aiohttp.ClientSession, voice_server: FakeDiscordVoice) -> None:
    async with FakeLavalink(PASSWORD) as fake, Client(fake, http) as client:
        status, stats = await client.call("GET", "/v4/stats")
        assert status == 200 and "frameStats" not in stats
        encoded = await client.track()
        for guild in (GUILD, OTHER_GUILD):
            await client.patch({"voice": voice_for(voice_server), "track": {"encoded": encoded}}, guild=guild)
        await fake.push_stats()
        frames = (await client.op("stats"))["frameStats"]
        assert frames == {"sent": 3000, "nulled": 0, "deficit": 0}  # per player, not a total
        _, stats = await client.call("GET", "/v4/stats")
        assert "frameStats" not in stats and stats["playingPlayers"] == 2
        for guild in (GUILD, OTHER_GUILD):
            await client.patch({"paused": True}, guild=guild)
        await fake.push_stats()
        stats = await client.op("stats")
        assert stats["players"] == 2 and stats["playingPlayers"] == 0 and stats["frameStats"] is None


async def test_nodelink_websocket_stats_report_the_raw_load(http: aiohttp.ClientSession) -> None:
    async with FakeLavalink(PASSWORD, profile="nodelink", stats_interval=0.05) as fake, Client(fake, http) as client:
        stats = await asyncio.wait_for(client.op("stats"), 10)
        assert stats["cpu"]["systemLoad"] == 0.87
        assert fake.voice_handshake


# --------------------------------------------------------------------------- check and demo


async def test_check_names_nodelink_and_a_rejected_password(fake_factory: Any) -> None:
    from voltricx.cli._console import Console
    from voltricx.cli.check import CheckOptions, run_check

    fake: FakeLavalink = await fake_factory(profile="nodelink")

    async def run(password: str, query: str | None = None) -> str:
        out = io.StringIO()
        await run_check(CheckOptions(uri=fake.uri, password=password, query=query), Console(out, colour=False))
        return out.getvalue()

    wrong = await run("not-the-password")
    assert "password rejected (401)" in wrong and "missing password" not in wrong
    missing = await run("")
    assert "missing password (401)" in missing
    good = await run(PASSWORD, "local:/srv/music/tone.wav")
    assert "NodeLink 2.3.0, speaks the v4 API" in good and "no session resuming" in good
    assert "Info          NodeLink 2.3.0" in good and "Lavalink 2.3.0" not in good
    assert "track 'tone.wav' by unknown (unknown length)" in good


def test_lengths_are_shown_for_people() -> None:
    from voltricx.cli._console import track_length
    from voltricx.testing import STREAM_LENGTH

    assert track_length(185_000) == "3:05"
    assert track_length(3_725_000) == "1:02:05"
    assert track_length(-1) == "unknown length"
    assert track_length(STREAM_LENGTH, is_stream=True) == "live stream"
