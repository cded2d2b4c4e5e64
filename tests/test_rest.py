"""RestClient against FakeLavalink: every endpoint and every error mapping."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

import voltricx
from voltricx.models import (
    EmptyResult,
    ErrorResult,
    PlayerUpdatePayload,
    PlaylistResult,
    SearchResult,
    TrackResult,
    UpdatePlayerTrack,
    VoiceState,
)
from voltricx.rest import RestClient
from voltricx.testing import Catalogue, FakeLavalink

from .conftest import PASSWORD, FakeFactory

GUILD = 123456789012345678
VOICE = VoiceState(token="tok", endpoint="voice.example:443", session_id="vsess", channel_id="998877665544332211")


@pytest.fixture
async def fake(fake_factory: FakeFactory) -> FakeLavalink:
    return await fake_factory()


@pytest.fixture
async def rest(fake: FakeLavalink) -> AsyncIterator[RestClient]:
    client = RestClient(node="T", base_url=fake.uri, password=PASSWORD, client_name="voltricx-tests/1.0")
    yield client
    await client.close()


async def session_id(fake: FakeLavalink, rest: RestClient) -> str:
    """Open a websocket session on the fake and return its id (player routes need one)."""
    ws = await rest.session.ws_connect(fake.ws_uri, headers=rest.auth_headers(170000000000000001))
    ready = await ws.receive_json()
    _sessions_to_close.append(ws)
    return ready["sessionId"]


_sessions_to_close: list[object] = []


@pytest.fixture(autouse=True)
async def _close_sockets() -> AsyncIterator[None]:
    yield
    while _sessions_to_close:
        ws = _sessions_to_close.pop()
        await ws.close()  # type: ignore[attr-defined]


async def test_version_is_plain_text(rest: RestClient, fake: FakeLavalink) -> None:
    assert await rest.version() == fake.version


async def test_info_and_stats(rest: RestClient) -> None:
    info = await rest.info()
    assert info.version.as_tuple() >= (4, 0, 0)
    assert "equalizer" in info.filters
    stats = await rest.stats()
    assert stats.frame_stats is None


async def test_every_load_result_shape(rest: RestClient) -> None:
    search = await rest.load_tracks("ytsearch:daft punk")
    assert isinstance(search, SearchResult) and len(search.data) == 10
    single = await rest.load_tracks(search.data[0].uri or "")
    assert isinstance(single, TrackResult) and single.data.encoded == search.data[0].encoded
    playlist = await rest.load_tracks(Catalogue.TOP100_URL)
    assert isinstance(playlist, PlaylistResult) and len(playlist.data.tracks) == 100
    empty = await rest.load_tracks("ytsearch:nomatch at all")
    assert isinstance(empty, EmptyResult)
    error = await rest.load_tracks("https://example.invalid/error")
    assert isinstance(error, ErrorResult) and error.data.severity in ("common", "suspicious", "fault")


async def test_decode_one_and_many(rest: RestClient) -> None:
    search = await rest.load_tracks("scsearch:ambient")
    assert isinstance(search, SearchResult)
    first, second = search.data[:2]
    assert (await rest.decode_track(first.encoded)).info == first.info
    decoded = await rest.decode_tracks([first.encoded, second.encoded])
    assert [t.info for t in decoded] == [first.info, second.info]


async def test_player_lifecycle(rest: RestClient, fake: FakeLavalink) -> None:
    sid = await session_id(fake, rest)
    search = await rest.load_tracks("ytsearch:lifecycle")
    assert isinstance(search, SearchResult)
    track = search.data[0]
    body = PlayerUpdatePayload(
        track=UpdatePlayerTrack(encoded=track.encoded, user_data={"requester": 42}), voice=VOICE, volume=80
    )
    player = await rest.update_player(sid, GUILD, body)
    assert player.guild_id == str(GUILD) and player.volume == 80
    assert player.track is not None and player.track.user_data == {"requester": 42}
    assert [p.guild_id for p in await rest.fetch_players(sid)] == [str(GUILD)]
    assert (await rest.fetch_player(sid, GUILD)).voice.channel_id == VOICE.channel_id
    stopped = await rest.update_player(sid, GUILD, PlayerUpdatePayload(track=UpdatePlayerTrack(encoded=None)))
    assert stopped.track is None
    await rest.destroy_player(sid, GUILD)
    assert await rest.fetch_players(sid) == []


async def test_no_replace_keeps_the_current_track(rest: RestClient, fake: FakeLavalink) -> None:
    sid = await session_id(fake, rest)
    search = await rest.load_tracks("ytsearch:noreplace")
    assert isinstance(search, SearchResult)
    first, second = search.data[:2]
    await rest.update_player(sid, GUILD, PlayerUpdatePayload(track=UpdatePlayerTrack(encoded=first.encoded), voice=VOICE))
    kept = await rest.update_player(
        sid, GUILD, PlayerUpdatePayload(track=UpdatePlayerTrack(encoded=second.encoded)), no_replace=True
    )
    assert kept.track is not None and kept.track.encoded == first.encoded
    patch = [r for r in fake.requests if r.method == "PATCH"][-1]
    assert patch.query.get("noReplace") == "true"


async def test_session_update(rest: RestClient, fake: FakeLavalink) -> None:
    sid = await session_id(fake, rest)
    info = await rest.update_session(sid, resuming=True, timeout=42)
    assert info.resuming is True and info.timeout == 42


async def test_unknown_session_is_session_not_found(rest: RestClient) -> None:
    with pytest.raises(voltricx.SessionNotFound) as info:
        await rest.fetch_players("nosuchsession")
    assert info.value.status == 404 and "session" in (info.value.message or "").lower()


async def test_unknown_player_is_an_http_error_with_the_body_fields(rest: RestClient, fake: FakeLavalink) -> None:
    sid = await session_id(fake, rest)
    with pytest.raises(voltricx.LavalinkHTTPError) as info:
        await rest.fetch_player(sid, GUILD)
    error = info.value
    assert not isinstance(error, voltricx.SessionNotFound)
    assert error.status == 404 and error.path.endswith(str(GUILD)) and error.error == "Not Found"


async def test_bad_request_carries_lavalink_message(rest: RestClient, fake: FakeLavalink) -> None:
    sid = await session_id(fake, rest)
    with pytest.raises(voltricx.LavalinkHTTPError) as info:
        await rest.update_player(sid, GUILD, PlayerUpdatePayload(volume=5000))
    assert info.value.status == 400 and info.value.message


@pytest.mark.parametrize(("password", "status"), [("wrong", 403), ("", 401)])
async def test_auth_errors_say_which(fake: FakeLavalink, password: str, status: int) -> None:
    client = RestClient(node="T", base_url=fake.uri, password=password, client_name="t/1")
    try:
        with pytest.raises(voltricx.NodeAuthError) as info:
            await client.info()
    finally:
        await client.close()
    assert info.value.status == status
    assert ("wrong password" if status == 403 else "missing password") in str(info.value)


async def test_server_error_with_text_body(rest: RestClient, fake: FakeLavalink) -> None:
    fake.fail_next(502, "<html>bad gateway</html>", path="/v4/info")
    with pytest.raises(voltricx.LavalinkHTTPError) as info:
        await rest.info()
    assert info.value.status == 502 and "bad gateway" in (info.value.message or "")


async def test_garbage_success_body_is_a_protocol_error(rest: RestClient, fake: FakeLavalink) -> None:
    fake.fail_next(200, b"\x00\xffnot json", path="/v4/info")
    with pytest.raises(voltricx.NodeProtocolError):
        await rest.info()


async def test_refused_connection_names_host_and_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = RestClient(node="Gone", base_url=f"http://127.0.0.1:{port}", password="pw-secret", client_name="t/1")
    try:
        with pytest.raises(voltricx.NodeError) as info:
            await client.version()
    finally:
        await client.close()
    text = str(info.value)
    assert f"127.0.0.1:{port}" in text and "connection refused" in text and "pw-secret" not in text


async def test_slow_node_times_out_with_a_node_error(fake: FakeLavalink) -> None:
    client = RestClient(node="Slow", base_url=fake.uri, password=PASSWORD, client_name="t/1", timeout=0.2)
    fake.delay(5)
    try:
        with pytest.raises(voltricx.NodeError, match="did not answer"):
            await asyncio.wait_for(client.info(), 5)
    finally:
        fake.delay(0)
        await client.close()


async def test_route_planner_endpoints(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(route_planner=True)
    client = RestClient(node="R", base_url=fake.uri, password=PASSWORD, client_name="t/1")
    try:
        status = await client.routeplanner_status()
        assert status is not None and status.cls == "RotatingIpRoutePlanner"
        await client.free_all_addresses()
    finally:
        await client.close()


async def test_route_planner_absent_frees_fail(rest: RestClient) -> None:
    assert await rest.routeplanner_status() is None
    with pytest.raises(voltricx.LavalinkHTTPError) as info:
        await rest.free_all_addresses()
    assert info.value.status == 500


def test_non_numeric_guild_id_never_reaches_a_url() -> None:
    with pytest.raises(voltricx.InvalidArgument, match="snowflake"):
        voltricx.rest.validate_snowflake("abc")
    with pytest.raises(voltricx.InvalidArgument):
        voltricx.rest.validate_snowflake("12/../34")


async def test_requests_carry_auth_and_client_name(rest: RestClient, fake: FakeLavalink) -> None:
    await rest.info()
    request = fake.requests[-1]
    assert request.headers["Authorization"] == PASSWORD
    assert request.headers["Client-Name"] == "voltricx-tests/1.0"
    assert "password" not in repr(rest).lower() and PASSWORD not in repr(rest)
