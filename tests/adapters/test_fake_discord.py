"""FakeDiscord: the fake on its own, and the four real Discord libraries against it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import zlib
from typing import Any

import aiohttp
import pytest

from voltricx.testing.discord.gateway import (
    FakeDiscord,
    ServerUpdateRecord,
    VoiceStateRecord,
    configure_discordpy,
    hikari_token,
)

from ._drivers import Driver, make_driver

pytestmark = pytest.mark.timeout(60)


# ---------------------------------------------------------------------------
# A raw gateway client, for testing the fake without any Discord library
# ---------------------------------------------------------------------------


class RawGateway:
    """A bare websocket client that decodes the fake's frames."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compressed: bool) -> None:
        self.ws = ws
        self._inflate = zlib.decompressobj() if compressed else None
        self.binary_frames = 0
        self.text_frames = 0

    async def receive(self) -> dict[str, Any]:
        message = await asyncio.wait_for(self.ws.receive(), 10)
        if message.type is aiohttp.WSMsgType.BINARY:
            assert self._inflate is not None, "binary frame on an uncompressed connection"
            assert message.data.endswith(b"\x00\x00\xff\xff"), "frame not sync-flushed"
            self.binary_frames += 1
            return json.loads(self._inflate.decompress(message.data))
        assert message.type is aiohttp.WSMsgType.TEXT, message
        assert self._inflate is None, "text frame on a compressed connection"
        self.text_frames += 1
        return json.loads(message.data)

    async def receive_dispatch(self, name: str) -> dict[str, Any]:
        while True:
            payload = await self.receive()
            if payload["op"] == 0 and payload["t"] == name:
                return payload

    async def send(self, op: int, data: object) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": data}))

    async def identify(self, fake: FakeDiscord, shard: list[int] | None = None) -> dict[str, Any]:
        hello = await self.receive()
        assert hello["op"] == 10
        data: dict[str, Any] = {"token": fake.bot_token, "intents": 1 << 7, "properties": {}}
        if shard is not None:
            data["shard"] = shard
        await self.send(2, data)
        return await self.receive_dispatch("READY")


async def open_raw(session: aiohttp.ClientSession, fake: FakeDiscord, compress: bool) -> RawGateway:
    query = "?v=10&encoding=json" + ("&compress=zlib-stream" if compress else "")
    ws = await session.ws_connect(fake.gateway_url + query)
    return RawGateway(ws, compress)


# ---------------------------------------------------------------------------
# The fake on its own
# ---------------------------------------------------------------------------


def test_importing_the_module_imports_no_discord_library() -> None:
    code = (
        "import sys, voltricx.testing.discord.gateway\n"
        "libs = {'discord', 'nextcord', 'disnake', 'hikari'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in libs))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert out.stdout.strip() == "[]"


def test_token_starts_with_base64_of_the_bot_id() -> None:
    fake = FakeDiscord()
    assert fake.bot_token.split(".")[0] == hikari_token(fake.bot_id).split(".")[0]
    import base64

    assert int(base64.b64decode(fake.bot_token.split(".")[0])) == fake.bot_id


async def test_rest_answers_exact_json_content_type(fake: FakeDiscord) -> None:
    headers = {"Authorization": f"Bot {fake.bot_token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{fake.api_url}/users/@me") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["id"] == str(fake.bot_id)
        async with session.get(f"{fake.api_url}/gateway/bot") as response:
            body = await response.json()
            assert body["url"] == fake.gateway_url
            assert body["shards"] == 1
        async with session.get(f"{fake.api_url}/guilds/{fake.guild_id}/channels") as response:
            ids = [int(channel["id"]) for channel in await response.json()]
            assert ids == [fake.text_channel_id, *fake.voice_channel_ids]
        url = f"{fake.api_url}/guilds/{fake.guild_id}/members/{fake.bot_id}"
        async with session.get(url) as response:
            assert (await response.json())["user"]["id"] == str(fake.bot_id)


async def test_unknown_route_is_logged_and_answered_with_json_404(
    fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{fake.api_url}/channels/1/messages"
    async with aiohttp.ClientSession() as session, session.post(url, json={}) as response:
        assert response.status == 404
        assert response.headers["Content-Type"] == "application/json"
        assert (await response.json())["message"] == "404: Not Found"
    assert fake.unhandled_requests == (("POST", "/api/v10/channels/1/messages"),)
    assert "no route for POST /api/v10/channels/1/messages" in caplog.text


async def test_wrong_token_is_rejected(fake: FakeDiscord) -> None:
    headers = {"Authorization": "Bot nope"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(f"{fake.api_url}/users/@me") as response,
    ):
        assert response.status == 401


async def test_gateway_compresses_with_one_zlib_stream_per_connection(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        gw = await open_raw(session, fake, compress=True)
        ready = await gw.identify(fake)
        guild = await gw.receive_dispatch("GUILD_CREATE")
        await gw.send(1, ready["s"])
        ack = await gw.receive()
        await gw.ws.close()
    assert ack["op"] == 11
    assert gw.binary_frames == 4 and gw.text_frames == 0
    assert ready["d"]["guilds"] == [{"id": str(fake.guild_id), "unavailable": True}]
    assert ready["d"]["resume_gateway_url"] == fake.gateway_url
    assert int(guild["d"]["id"]) == fake.guild_id
    assert fake.heartbeats == 1
    assert fake.identifies[0].compressed


async def test_gateway_sends_plain_text_without_compression(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        gw = await open_raw(session, fake, compress=False)
        await gw.identify(fake)
        await gw.ws.close()
    assert gw.text_frames == 2 and gw.binary_frames == 0
    assert not fake.identifies[0].compressed


async def test_guild_create_lists_channels_roles_member_and_voice_state(
    fake: FakeDiscord,
) -> None:
    async with aiohttp.ClientSession() as session:
        gw = await open_raw(session, fake, compress=False)
        await gw.identify(fake)
        guild = (await gw.receive_dispatch("GUILD_CREATE"))["d"]
        assert [c["type"] for c in guild["channels"]] == [0, 2, 2]
        assert [r["name"] for r in guild["roles"]] == ["@everyone", fake.bot_name]
        assert all("colors" in role for role in guild["roles"])
        assert guild["members"][0]["user"]["id"] == str(fake.bot_id)
        assert "premium_since" not in guild["members"][0]
        assert guild["voice_states"] == []
        await gw.ws.close()


async def test_fresh_identify_ends_voice_and_the_next_join_is_fresh(fake: FakeDiscord) -> None:
    gid, ch0 = fake.guild_id, fake.voice_channel_ids[0]
    join = {"guild_id": str(gid), "channel_id": str(ch0), "self_deaf": True}
    async with aiohttp.ClientSession() as session:
        gw = await open_raw(session, fake, compress=True)
        await gw.identify(fake)
        await gw.receive_dispatch("GUILD_CREATE")
        await gw.send(4, join)
        first_state = (await gw.receive_dispatch("VOICE_STATE_UPDATE"))["d"]
        first_server = (await gw.receive_dispatch("VOICE_SERVER_UPDATE"))["d"]
        before = fake.voice_state(gid)
        assert before is not None and before.session_id == first_state["session_id"]

        # Op 9 (not resumable), then a new session: the old voice session is gone.
        assert await fake.invalidate_session(resumable=False) == 1
        assert (await gw.receive())["op"] == 9
        await gw.ws.close()
        gw = await open_raw(session, fake, compress=True)
        ready = await gw.identify(fake)
        guild = (await gw.receive_dispatch("GUILD_CREATE"))["d"]
        assert guild["voice_states"] == [], "a new gateway session starts out of voice"
        assert fake.voice_state(gid) is None
        assert fake.ended_voice_states == (before,)
        assert ready["d"]["session_id"] == fake.identifies[1].session_id

        # The same op 4 again is a fresh join: new voice session, new server.
        await gw.send(4, join)
        state, server = await gw.receive(), await gw.receive()
        await gw.ws.close()
    assert (state["t"], server["t"]) == ("VOICE_STATE_UPDATE", "VOICE_SERVER_UPDATE")
    after = fake.voice_state(gid)
    assert after == VoiceStateRecord(gid, ch0, state["d"]["session_id"], False, True)
    assert after.session_id != first_state["session_id"]
    assert fake.voice_state_updates == (before, after)
    [_, new_server] = fake.server_updates
    assert new_server == ServerUpdateRecord(gid, server["d"]["token"], server["d"]["endpoint"])
    assert new_server.token != first_server["token"]
    assert new_server.endpoint is not None and new_server.endpoint != first_server["endpoint"]
    assert [(r.channel_id, r.self_deaf) for r in fake.voice_requests] == [(ch0, True), (ch0, True)]


async def test_voice_join_mute_and_leave(fake: FakeDiscord) -> None:
    gid, (ch0, _) = fake.guild_id, fake.voice_channel_ids
    async with aiohttp.ClientSession() as session:
        gw = await open_raw(session, fake, compress=True)
        await gw.identify(fake)
        await gw.receive_dispatch("GUILD_CREATE")

        await gw.send(4, {"guild_id": str(gid), "channel_id": str(ch0), "self_deaf": True})
        state = await gw.receive()
        server = await gw.receive()
        assert (state["t"], server["t"]) == ("VOICE_STATE_UPDATE", "VOICE_SERVER_UPDATE")
        issued = fake.voice_state(gid)
        assert issued == VoiceStateRecord(gid, ch0, state["d"]["session_id"], False, True)
        assert fake.server_updates == (
            ServerUpdateRecord(gid, server["d"]["token"], server["d"]["endpoint"]),
        )

        # Mute/deaf only: one state update, same session, no server update.
        await gw.send(4, {"guild_id": str(gid), "channel_id": str(ch0), "self_mute": True})
        muted = await gw.receive()
        assert muted["t"] == "VOICE_STATE_UPDATE"
        assert muted["d"]["self_mute"] and muted["d"]["session_id"] == issued.session_id

        # Leave: one null-channel state update and nothing else.
        await gw.send(4, {"guild_id": str(gid), "channel_id": None})
        left = await gw.receive()
        await gw.send(1, None)
        ack = await gw.receive()
        await gw.ws.close()
    assert left["t"] == "VOICE_STATE_UPDATE" and left["d"]["channel_id"] is None
    assert ack["op"] == 11
    assert fake.voice_state(gid) is None
    assert len(fake.server_updates) == 1
    assert [r.channel_id for r in fake.voice_requests] == [ch0, ch0, None]
    assert fake.voice_requests[0].self_deaf


async def test_reverse_order_sends_server_update_first(fake: FakeDiscord) -> None:
    fake.set_reverse_order(True)
    async with aiohttp.ClientSession() as session:
        gw = await open_raw(session, fake, compress=False)
        await gw.identify(fake)
        await gw.receive_dispatch("GUILD_CREATE")
        payload = {"guild_id": str(fake.guild_id), "channel_id": str(fake.voice_channel_ids[1])}
        await gw.send(4, payload)
        first, second = await gw.receive(), await gw.receive()
        await gw.ws.close()
    assert (first["t"], second["t"]) == ("VOICE_SERVER_UPDATE", "VOICE_STATE_UPDATE")


async def test_resume_replays_missed_events_then_resumed(fake: FakeDiscord) -> None:
    gid = fake.guild_id
    async with aiohttp.ClientSession() as session:
        gw = await open_raw(session, fake, compress=True)
        ready = await gw.identify(fake)
        created = await gw.receive_dispatch("GUILD_CREATE")
        await gw.send(4, {"guild_id": str(gid), "channel_id": str(fake.voice_channel_ids[0])})
        await gw.receive_dispatch("VOICE_SERVER_UPDATE")
        await gw.ws.close()
        await fake.wait_for(lambda: not fake.connected_shards)

        # Missed while disconnected: a move and a reallocation.
        await fake.move_bot(gid, fake.voice_channel_ids[1])
        final = await fake.reallocate(gid)

        gw = await open_raw(session, fake, compress=True)
        assert (await gw.receive())["op"] == 10
        session_id = ready["d"]["session_id"]
        await gw.send(6, {"token": fake.bot_token, "session_id": session_id, "seq": created["s"]})
        replayed = [await gw.receive() for _ in range(6)]
        await gw.ws.close()
    assert [p["t"] for p in replayed] == [
        "VOICE_STATE_UPDATE",  # join
        "VOICE_SERVER_UPDATE",  # join
        "VOICE_STATE_UPDATE",  # move
        "VOICE_SERVER_UPDATE",  # null endpoint
        "VOICE_SERVER_UPDATE",  # new server
        "RESUMED",
    ]
    seqs = [p["s"] for p in replayed]
    assert seqs == list(range(created["s"] + 1, created["s"] + 7))
    assert replayed[3]["d"]["endpoint"] is None
    assert replayed[4]["d"]["endpoint"] == final.endpoint
    [resume] = fake.resumes
    assert resume.accepted and resume.replayed == 5 and resume.session_id == session_id


async def test_resume_of_unknown_session_is_refused(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        gw = await open_raw(session, fake, compress=False)
        assert (await gw.receive())["op"] == 10
        await gw.send(6, {"token": fake.bot_token, "session_id": "nope", "seq": 3})
        refused = await gw.receive()
        await gw.ws.close()
    assert refused["op"] == 9 and refused["d"] is False
    assert not fake.resumes[0].accepted


async def test_dispatch_sends_any_event_with_the_next_sequence(fake: FakeDiscord) -> None:
    assert not await fake.dispatch("TYPING_START", {}, guild_id=fake.guild_id)
    async with aiohttp.ClientSession() as session:
        gw = await open_raw(session, fake, compress=True)
        await gw.identify(fake)
        created = await gw.receive_dispatch("GUILD_CREATE")
        data = {"channel_id": str(fake.text_channel_id), "user_id": "1", "timestamp": 0}
        assert await fake.dispatch("TYPING_START", data, guild_id=fake.guild_id)
        assert await fake.dispatch("PRESENCES_REPLACE", {}, shard_id=0)
        typing, other = await gw.receive(), await gw.receive()
        await gw.ws.close()
    assert (typing["t"], typing["s"], typing["d"]) == ("TYPING_START", created["s"] + 1, data)
    assert (other["t"], other["s"]) == ("PRESENCES_REPLACE", created["s"] + 2)


async def test_shards_receive_only_their_guilds() -> None:
    async with FakeDiscord(guild_count=2, shard_count=2, max_lifetime=30) as fake:
        first, second = fake.guilds
        assert {first.shard_id(2), second.shard_id(2)} == {0, 1}
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{fake.api_url}/gateway/bot") as response:
                assert (await response.json())["shards"] == 2
            shards = {}
            for shard_id in (0, 1):
                gw = await open_raw(session, fake, compress=True)
                ready = await gw.identify(fake, shard=[shard_id, 2])
                shards[shard_id] = (gw, ready)
            await fake.wait_for(lambda: fake.connected_shards == {0, 1})
            for shard_id, (gw, ready) in shards.items():
                owned = fake.guilds[0] if first.shard_id(2) == shard_id else second
                assert ready["d"]["guilds"] == [{"id": str(owned.id), "unavailable": True}]
                assert ready["d"]["shard"] == [shard_id, 2]
                created = await gw.receive_dispatch("GUILD_CREATE")
                assert int(created["d"]["id"]) == owned.id
            # Control events go to the shard that owns the guild.
            owner = shards[second.shard_id(2)][0]
            await owner.send(
                4, {"guild_id": str(second.id), "channel_id": str(second.voice_channel_ids[0])}
            )
            await owner.receive_dispatch("VOICE_SERVER_UPDATE")
            await fake.kick_bot(second.id)
            kicked = await owner.receive_dispatch("VOICE_STATE_UPDATE")
            assert kicked["d"]["channel_id"] is None
            assert fake.voice_requests[0].shard_id == second.shard_id(2)
            for gw, _ in shards.values():
                await gw.ws.close()


async def test_dropping_one_shard_closes_only_its_connection_and_may_end_its_session() -> None:
    async def closed_with(gw: RawGateway) -> int:
        while True:
            message = await asyncio.wait_for(gw.ws.receive(), 10)
            if message.type is aiohttp.WSMsgType.CLOSE:
                return int(message.data)

    async with (
        FakeDiscord(guild_count=2, shard_count=2, max_lifetime=30) as fake,
        aiohttp.ClientSession() as session,
    ):
        shards: dict[int, tuple[RawGateway, str]] = {}
        for shard_id in (0, 1):
            gw = await open_raw(session, fake, compress=False)
            ready = await gw.identify(fake, shard=[shard_id, 2])
            shards[shard_id] = (gw, ready["d"]["session_id"])
        await fake.wait_for(lambda: fake.connected_shards == {0, 1})
        (gw0, sid0), (gw1, sid1) = shards[0], shards[1]

        # Not resumable (close code 4009, session timed out): shard 1 only.
        assert await fake.drop_connections(4009, shard_id=1, resumable=False) == 1
        assert await closed_with(gw1) == 4009
        await fake.wait_for(lambda: fake.connected_shards == {0})
        assert fake.session_ids == (sid0,)
        gw = await open_raw(session, fake, compress=False)
        assert (await gw.receive())["op"] == 10
        await gw.send(6, {"token": fake.bot_token, "session_id": sid1, "seq": 1})
        refused = await gw.receive()
        assert refused["op"] == 9 and refused["d"] is False
        await gw.ws.close()

        # Resumable (the default): the session outlives its connection.
        assert await fake.drop_connections(4000, shard_id=0) == 1
        assert await closed_with(gw0) == 4000
        await fake.wait_for(lambda: not fake.connected_shards)
        assert fake.session_ids == (sid0,)


async def test_wait_for_times_out_with_a_clear_error(fake: FakeDiscord) -> None:
    with pytest.raises(TimeoutError, match=r"not met within 0\.05s"):
        await fake.wait_for(lambda: bool(fake.identifies), timeout=0.05)


async def test_close_is_idempotent_and_undoes_patches() -> None:
    import discord.http

    original = discord.http.Route.BASE
    fake = FakeDiscord(max_lifetime=30)
    await fake.start()
    fake.discordpy_client()
    assert fake.api_url == discord.http.Route.BASE
    await asyncio.gather(fake.close(), fake.close())
    await fake.close()
    assert fake.closed
    assert original == discord.http.Route.BASE


async def test_library_patch_is_a_reversible_context_manager(fake: FakeDiscord) -> None:
    import discord.gateway

    original = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with configure_discordpy(fake) as patch:
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
        assert patch.active
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY is original
    patch.undo()  # harmless the second time


async def test_max_lifetime_closes_the_fake() -> None:
    fake = FakeDiscord(max_lifetime=0.05)
    await fake.start()
    await fake.wait_for(lambda: fake.closed, timeout=10)
    await fake.close()


# ---------------------------------------------------------------------------
# The real libraries against the fake
# ---------------------------------------------------------------------------


def last(driver: Driver, kind: str) -> tuple[Any, ...]:
    return driver.observed.of(kind)[-1]


async def test_library_logs_in_and_reaches_ready(driver: Driver, fake: FakeDiscord) -> None:
    await driver.start()
    await driver.wait_ready(fake.guild_id)
    [identify] = fake.identifies
    assert identify.compressed, "every library asks for zlib-stream"
    assert fake.connected_shards == {0}
    assert fake.unhandled_requests == ()


async def test_voice_lifecycle_reaches_the_library(driver: Driver, fake: FakeDiscord) -> None:
    gid, (ch0, ch1) = fake.guild_id, fake.voice_channel_ids
    obs = driver.observed
    await driver.start()
    await driver.wait_ready(gid)

    # Join: the library hands over exactly what the fake issued.
    await driver.join(gid, ch0)
    [request] = fake.voice_requests
    assert (request.guild_id, request.channel_id) == (gid, ch0)
    issued = fake.voice_state(gid)
    server = fake.last_server_update(gid)
    assert issued is not None and server is not None and server.endpoint is not None
    assert last(driver, "state") == ("state", gid, ch0, issued.session_id)
    assert last(driver, "server") == ("server", gid, server.token, server.endpoint)
    assert driver.voice_registered(gid)

    # Move by a moderator: new channel, same voice session.
    mark = len(obs.events)
    await fake.move_bot(gid, ch1)
    await obs.wait_for(lambda: bool(obs.of("state", mark)))
    assert obs.of("state", mark) == [("state", gid, ch1, issued.session_id)]

    # Reallocation: a null endpoint first, then the new server.
    mark = len(obs.events)
    final = await fake.reallocate(gid)
    await obs.wait_for(lambda: len(obs.of("server", mark)) >= 2)
    null_update = fake.server_updates[-2]
    assert obs.of("server", mark) == [
        ("server", gid, null_update.token, None),
        ("server", gid, final.token, final.endpoint),
    ]

    # Op 7: the library resumes, and an event sent meanwhile arrives exactly once.
    mark = len(obs.events)
    assert await fake.force_reconnect() == 1
    during = await fake.send_server_update(gid)
    await fake.wait_for(lambda: any(r.accepted for r in fake.resumes), timeout=20)
    await obs.wait_for(lambda: obs.count("resumed") >= 1 and bool(obs.of("server", mark)))
    assert obs.of("server", mark) == [("server", gid, during.token, during.endpoint)]
    assert len(fake.identifies) == 1, "op 7 must resume, not re-identify"
    await fake.wait_for(lambda: fake.connected_shards == {0})

    # Kick: a null-channel state update only.
    mark = len(obs.events)
    await fake.kick_bot(gid)
    await obs.wait_for(lambda: bool(obs.of("state", mark)))
    assert obs.of("state", mark) == [("state", gid, None, issued.session_id)]
    assert obs.of("server", mark) == []

    # Clean logout: no further op 4, every connection gone.
    await driver.close()
    await fake.wait_for(lambda: not fake.connected_shards)
    assert len(fake.voice_requests) == 1
    assert fake.unhandled_requests == ()


async def test_reversed_event_order_still_delivers_both(driver: Driver, fake: FakeDiscord) -> None:
    gid, ch = fake.guild_id, fake.voice_channel_ids[1]
    fake.set_reverse_order(True)
    await driver.start()
    await driver.wait_ready(gid)
    await driver.join(gid, ch)
    issued, server = fake.voice_state(gid), fake.last_server_update(gid)
    assert issued is not None and server is not None
    assert ("state", gid, ch, issued.session_id) in driver.observed.events
    assert ("server", gid, server.token, server.endpoint) in driver.observed.events


async def test_invalidated_session_leads_to_fresh_identify(
    driver: Driver, fake: FakeDiscord
) -> None:
    gid = fake.guild_id
    await driver.start()
    await driver.wait_ready(gid)
    await driver.join(gid, fake.voice_channel_ids[0])
    first_session = fake.identifies[0].session_id

    assert await fake.invalidate_session(resumable=False) == 1
    await fake.wait_for(lambda: len(fake.identifies) == 2, timeout=20)
    await driver.wait_ready(gid, readies=2)
    assert fake.identifies[1].session_id != first_session
    assert not any(r.accepted for r in fake.resumes)
    assert fake.voice_state(gid) is None, "a fresh IDENTIFY ends the bot's voice session"
    if driver.name == "hikari":
        # hikari clears a guild's cached voice states only when GUILD_CREATE lists
        # some, so the bot's state from the old session stays in its cache.
        assert driver.voice_registered(gid), "hikari's voice cache is no longer stale?"
    else:
        # READY empties the dpy family's voice map without telling the protocol.
        assert not driver.voice_registered(gid)


async def test_removal_from_guild_reaches_the_library(driver: Driver, fake: FakeDiscord) -> None:
    await driver.start()
    await driver.wait_ready(fake.guild_id)
    await fake.remove_from_guild(fake.guild_id)
    await driver.observed.wait_for(lambda: bool(driver.observed.of("guild_removed")))
    assert driver.observed.of("guild_removed") == [("guild_removed", fake.guild_id)]


@pytest.mark.parametrize("library", ["discord", "hikari"])
async def test_sharded_login_routes_voice_to_the_owning_shard(library: str) -> None:
    async with FakeDiscord(guild_count=2, shard_count=2, max_lifetime=60) as fake:
        options: dict[str, Any] = {}
        if library == "discord":
            import discord

            options["client_class"] = discord.AutoShardedClient
        lib = make_driver(fake, library, **options)
        try:
            await lib.start()
            second = fake.guilds[1]
            await lib.wait_ready(second.id)
            await fake.wait_for(lambda: fake.connected_shards == {0, 1}, timeout=20)
            assert sorted((i.shard_id, i.shard_count) for i in fake.identifies) == [(0, 2), (1, 2)]
            await lib.join(second.id, second.voice_channel_ids[0])
            assert fake.voice_requests[-1].shard_id == second.shard_id(2)
            issued = fake.voice_state(second.id)
            assert issued is not None
            assert last(lib, "state") == (
                "state",
                second.id,
                second.voice_channel_ids[0],
                issued.session_id,
            )
        finally:
            await lib.close()


async def test_a_bot_sends_edits_reacts_and_sees_user_messages(fake: FakeDiscord) -> None:
    import discord

    alice = fake.add_user("alice")
    intents = discord.Intents.default()
    intents.message_content = True
    client = fake.discordpy_client(intents=intents)
    seen: asyncio.Queue[Any] = asyncio.Queue()

    async def on_message(message: Any) -> None:
        await seen.put(message)

    client.event(on_message)
    # login first: wait_until_ready() needs the state login sets up (on 3.12+
    # wait_for runs it at once, before a start() task would have run)
    await asyncio.wait_for(client.login(fake.bot_token), 10)
    task = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 10)
        assert client.user is not None and client.user.avatar is not None
        channel = client.get_channel(fake.text_channel_id)
        sent = await channel.send("hello", embed=discord.Embed(title="Now Playing", description="x"))
        [record] = fake.bot_messages()
        assert (record.id, record.content, record.embeds[0]["title"]) == (sent.id, "hello", "Now Playing")
        await sent.edit(content="edited", embed=None)
        await sent.add_reaction("\u2705")
        assert (record.content, record.embeds, record.edits, record.reactions) == ("edited", [], 1, ["\u2705"])
        echo = await asyncio.wait_for(seen.get(), 10)  # Discord echoes the bot's own message
        assert echo.id == sent.id and echo.author.id == fake.bot_id
        posted = await fake.post_command(alice, "play", "a", "song")
        message = await asyncio.wait_for(seen.get(), 10)
        assert (message.id, message.content, message.author.id) == (posted.id, "!play a song", alice.id)
        assert message.author.name == "alice" and not message.author.bot
    finally:
        await asyncio.wait_for(client.close(), 10)
        await asyncio.wait_for(task, 10)
