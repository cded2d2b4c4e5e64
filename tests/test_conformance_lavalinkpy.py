"""An independent client against FakeLavalink: Lavalink.py (PyPI ``lavalink``, pinned 5.11.1).

Lavalink.py is another project's Lavalink v4 client, used here unmodified as
a dev dependency and only by this test. If the fake drifted from the protocol
that real clients speak, this is where it shows. Both profiles go through
the same steps: connect, info/stats/version, route planner, every load type,
decode, voice with ``channelId``, play/pause/seek/volume/filters, track
events, resuming with ``Session-Id`` (Lavalink only; NodeLink has none),
kill/restart and destroy. Voice goes to a real loopback voice server, which
the NodeLink profile really handshakes with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import lavalink  # pyright: ignore[reportMissingTypeStubs]
import pytest

from voltricx.testing import FakeDiscordVoice, FakeLavalink

from .conftest import PASSWORD

pytestmark = pytest.mark.server_profiles("lavalink", "nodelink")

USER_ID = 170000000000000001
GUILD = 300000000000000000
CHANNEL = 400000000000000001


class Recorder:
    """Every Lavalink.py event, with a wait that re-checks after each one."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._changed = asyncio.Event()

    async def hook(self, event: Any) -> None:
        self.events.append(event)
        self._changed.set()

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def wait(self, check: Callable[[], Any], timeout: float = 15.0) -> Any:
        async with asyncio.timeout(timeout):
            while not (result := check()):
                self._changed.clear()
                await self._changed.wait()
            return result


async def test_lavalinkpy_drives_the_fake(profile: str, voice_server: FakeDiscordVoice) -> None:
    assert lavalink.__version__ == "5.11.1"
    nodelink = profile == "nodelink"
    async with FakeLavalink(PASSWORD, profile=profile, route_planner=not nodelink, speed=4.0) as fake:
        client: Any = lavalink.Client(USER_ID)
        recorder = Recorder()
        client.add_event_hook(recorder.hook)
        try:
            node = client.add_node("127.0.0.1", fake.port, PASSWORD, "eu", name="fake")
            ready = await recorder.wait(lambda: recorder.of(lavalink.NodeReadyEvent))
            first_session = ready[0].session_id
            assert first_session in fake.sessions and ready[0].resumed is False

            # info / stats / version / route planner
            info = await node.get_info()
            assert info["version"]["semver"] == fake.version
            stats = await node.get_stats()
            assert stats["players"] == 0 and ("frameStats" in stats) is nodelink
            assert await node.get_version() == fake.version
            if nodelink:  # no route planner at all: the route does not exist
                with pytest.raises(lavalink.RequestError) as missing:
                    await node.get_routeplanner_status()
                assert missing.value.status == 404
            else:
                planner = await node.get_routeplanner_status()
                assert planner["class"] == "RotatingIpRoutePlanner"
                assert await node.routeplanner_free_all_failing()

            # every load type
            search = await client.get_tracks("ytsearch:conformance")
            assert search.load_type == lavalink.LoadType.SEARCH and len(search.tracks) == 10
            playlist = await client.get_tracks(fake.catalogue.SMALL_PLAYLIST_URL)
            assert playlist.load_type == lavalink.LoadType.PLAYLIST and len(playlist.tracks) == 5
            single = await client.get_tracks(search.tracks[0].uri)
            assert single.load_type == lavalink.LoadType.TRACK
            assert (await client.get_tracks("ytsearch:nomatch")).load_type == lavalink.LoadType.EMPTY
            failed = await client.get_tracks("ytsearch:error")
            assert failed.load_type == lavalink.LoadType.ERROR and failed.error is not None

            # decode
            decoded = await client.decode_track(search.tracks[0].track)
            assert decoded.title == search.tracks[0].title
            many = await client.decode_tracks([t.track for t in search.tracks[:3]])
            assert [t.identifier for t in many] == [t.identifier for t in search.tracks[:3]]

            # voice with channelId (Discord's two events, as a bot library relays them)
            player = client.player_manager.create(GUILD)
            await client.voice_update_handler(
                {
                    "t": "VOICE_STATE_UPDATE",
                    "d": {"guild_id": str(GUILD), "user_id": str(USER_ID), "session_id": "vs", "channel_id": str(CHANNEL)},
                }
            )
            await client.voice_update_handler(
                {"t": "VOICE_SERVER_UPDATE", "d": {"guild_id": str(GUILD), "token": "tok", "endpoint": voice_server.endpoint}}
            )
            server_player = await fake.wait_for(lambda f: f.player(GUILD))
            assert server_player.voice.channel_id == str(CHANNEL)
            if nodelink:  # NodeLink plays only after its own voice handshake
                await fake.wait_for(lambda f: server_player.connected, timeout=10)

            # play / pause / seek / volume / filters, and track events
            player.add(search.tracks[0])
            player.add(search.tracks[1])
            await player.play()
            await recorder.wait(lambda: recorder.of(lavalink.TrackStartEvent))
            assert server_player.track is not None and server_player.track.encoded == search.tracks[0].track
            await player.set_pause(True)
            assert server_player.paused
            await player.set_pause(False)
            await player.seek(30_000)
            assert server_player.position >= 30_000
            await player.set_volume(150)
            assert server_player.volume == 150
            await player.set_filter(lavalink.Timescale())
            await player.update_filter(lavalink.Timescale, speed=1.25)
            assert server_player.filters.timescale.speed == 1.25  # type: ignore[union-attr]
            await player.clear_filters()
            await player.skip()
            await recorder.wait(lambda: len(recorder.of(lavalink.TrackStartEvent)) >= 2)
            ends = recorder.of(lavalink.TrackEndEvent)
            assert ends and ends[0].reason == lavalink.EndReason.REPLACED

            # destroy (a second guild's player), then resuming with Session-Id across a
            # kill/restart: Lavalink.py sends Session-Id when given one (a restarted bot).
            other = client.player_manager.create(GUILD + 1)
            await other.set_volume(50)
            assert fake.player(GUILD + 1) is not None
            await client.player_manager.destroy(GUILD + 1)
            assert fake.player(GUILD + 1) is None
            if not nodelink:
                session = await node.update_session(resuming=True, timeout=60)
                assert session["resuming"] is True
            fake.kill()
            await recorder.wait(lambda: recorder.of(lavalink.NodeDisconnectedEvent))
        finally:
            await client.close()
        await fake.restart(keep_sessions=True)
        client = lavalink.Client(USER_ID)
        recorder = Recorder()
        client.add_event_hook(recorder.hook)
        try:
            node = client.add_node("127.0.0.1", fake.port, PASSWORD, "eu", name="again", session_id=first_session)
            [again] = await recorder.wait(lambda: recorder.of(lavalink.NodeReadyEvent))
            if nodelink:  # no resuming: a new session, the old players are gone
                assert again.resumed is False and again.session_id != first_session
                assert fake.player(GUILD) is None
            else:
                assert again.resumed is True and again.session_id == first_session
                assert fake.player(GUILD, first_session) is not None
                assert await node.destroy_player(GUILD)
                assert fake.player(GUILD) is None
        finally:
            await client.close()
