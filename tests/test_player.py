"""Player behaviour against FakeLavalink: voice handshake, playback, events, queue, inactivity."""

from __future__ import annotations

import pytest

import voltricx
from voltricx import AutoPlayMode, PlayerError, QueueMode
from voltricx._idle import idle_scheduler
from voltricx._state import runtime
from voltricx.errors import FilterError
from voltricx.events import (
    InactivePlayer,
    PlayerDestroyed,
    PlayerUpdate,
    PluginEvent,
    TrackEnd,
    TrackStart,
    TrackStuck,
    VoiceClosed,
)
from voltricx.filters import Filters
from voltricx.models.track import Track
from voltricx.player import MAX_TRACK_ATTEMPTS
from voltricx.testing import FakeDiscordVoice, FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

pytestmark = pytest.mark.server_profiles("lavalink", "nodelink")

GUILD = 410000000000000001
CHANNEL = 510000000000000001
OTHER_CHANNEL = 510000000000000002


async def start(fake_factory: FakeFactory, gateway: FakeVoiceGateway, **fake_options: object) -> tuple[FakeLavalink, voltricx.Node]:
    fake = await fake_factory(**fake_options)
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "N")], report=False)
    return fake, voltricx.Pool.get_node("N")


async def joined(node: voltricx.Node, guild: int = GUILD) -> voltricx.Player:
    player = voltricx.Player(guild, node=node)
    await player.connect(CHANNEL)
    return player


def voice_patches(fake: FakeLavalink, guild: int = GUILD) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for request in fake.requests:
        body = request.json
        if request.method == "PATCH" and request.path.endswith(f"/players/{guild}") and isinstance(body, dict) and "voice" in body:
            out.append(body["voice"])
    return out


def short(fake: FakeLavalink, title: str, length: int = 300, **kw: object) -> Track:
    return fake.catalogue.add(title=title, length=length, **kw)  # type: ignore[arg-type]


# -- voice ---------------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True], ids=["state-first", "server-first"])
async def test_voice_halves_in_either_order_send_one_update_with_channel_id(
    fake_factory: FakeFactory, reverse: bool, voice_server: FakeDiscordVoice
) -> None:
    gateway = FakeVoiceGateway(reverse_order=reverse, endpoint=voice_server.endpoint)
    fake, node = await start(fake_factory, gateway)
    await joined(node)
    await runtime.tasks.wait_idle(timeout=5)
    [voice] = voice_patches(fake)
    issued = gateway.issued[GUILD]
    assert voice == {
        "token": issued.token,
        "endpoint": issued.endpoint,
        "sessionId": issued.session_id,
        "channelId": str(CHANNEL),
    }


async def test_hand_fed_halves_any_number_of_times(fake_factory: FakeFactory) -> None:
    gateway = FakeVoiceGateway(auto_voice=False)
    fake, node = await start(fake_factory, gateway)
    player = voltricx.Player(GUILD, node=node)
    runtime.players[GUILD] = player
    node.players[GUILD] = player
    player.on_voice_server(token="t1", endpoint="e1:443")
    player.on_voice_server(token="t1", endpoint="e1:443")
    await runtime.tasks.wait_idle(timeout=5)
    assert voice_patches(fake) == []  # the state half is missing
    player.on_voice_state(session_id="s1", channel_id=CHANNEL)
    player.on_voice_state(session_id="s1", channel_id=CHANNEL)
    await runtime.tasks.wait_idle(timeout=5)
    assert voice_patches(fake) == [{"token": "t1", "endpoint": "e1:443", "sessionId": "s1", "channelId": str(CHANNEL)}]


async def test_null_endpoint_waits_then_one_update_with_the_real_endpoint(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    await runtime.tasks.wait_idle(timeout=5)
    fake.clear_requests()
    player.on_voice_server(token="", endpoint=None)
    await runtime.tasks.wait_idle(timeout=5)
    assert voice_patches(fake) == [] and not player.destroyed
    gateway.reallocate(GUILD, endpoint="new-voice.fake.invalid:443")
    await runtime.tasks.wait_idle(timeout=5)
    [voice] = voice_patches(fake)
    assert voice["endpoint"] == "new-voice.fake.invalid:443"
    assert voice["token"] == gateway.issued[GUILD].token
    assert voltricx.Pool.get_player(GUILD) is player


async def test_move_resends_voice_with_the_new_channel(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    await player.move_to(OTHER_CHANNEL)
    await fake.wait_for(lambda f: (p := f.player(GUILD)) is not None and p.voice.channel_id == str(OTHER_CHANNEL))
    assert player.channel_id == OTHER_CHANNEL
    gateway.move(GUILD, CHANNEL)  # moved by someone else
    await fake.wait_for(lambda f: (p := f.player(GUILD)) is not None and p.voice.channel_id == str(CHANNEL))
    assert player.channel_id == CHANNEL


async def test_kick_destroys_the_player_on_the_node_and_locally(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    await player.play(short(fake, "Kicked", length=60_000))
    gateway.kick(GUILD)
    event = await gateway.wait_for(PlayerDestroyed, timeout=5)
    assert event.player is player and event.reason == "kicked"
    await fake.wait_for(lambda f: f.player(GUILD) is None)
    assert voltricx.Pool.get_player(GUILD) is None and GUILD not in node.players
    assert player.destroyed and player.current is None
    with pytest.raises(PlayerError):
        await player.pause()


# -- playback ------------------------------------------------------------------------


async def test_play_pause_seek_volume_stop(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    track = short(fake, "Long one", length=600_000)
    playing = await player.play(track, start=1000, volume=150)
    assert playing == track and player.current == track
    assert player.playing and not player.paused and player.volume == 150
    assert 1000 <= player.position <= track.length
    assert player.node is node and player.guild_id == GUILD and player.channel_id == CHANNEL
    assert list(player.queue.history) == [track]
    await player.pause()
    assert player.paused and player.playing and fake.player(GUILD).paused  # type: ignore[union-attr]
    frozen = player.position
    assert player.position == frozen
    await player.resume()
    await player.seek(120_000)
    assert 120_000 <= player.position < 130_000
    await player.set_volume(40)
    assert player.volume == 40 and fake.player(GUILD).volume == 40  # type: ignore[union-attr]
    with pytest.raises(PlayerError):
        await player.set_volume(1001)
    await player.stop()
    end = await gateway.wait_for(TrackEnd, timeout=5)
    assert end.reason == "stopped" and not end.may_start_next
    assert player.current is None and player.position == 0


async def test_position_is_clamped_to_the_track(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    track = short(fake, "Clamp", length=600_000)
    await player.play(track, paused=True)
    player._position = 10_000_000  # pyright: ignore[reportPrivateUsage]
    assert player.position == track.length


async def test_events_reach_the_sink_with_their_fields(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, profile: str
) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    track = short(fake, "Evented", length=600_000)
    await player.play(track)
    started = await gateway.wait_for(TrackStart, timeout=5)
    assert started.player is player and started.track == track
    await fake.push_player_updates()
    update = await gateway.wait_for(PlayerUpdate, timeout=5)
    assert update.player is player and update.state.connected
    await fake.emit_websocket_closed(GUILD, 4006, "session no longer valid", by_remote=True)
    closed = await gateway.wait_for(VoiceClosed, timeout=5)
    # NodeLink sends WebSocketClosedEvent without code and reason; voltricx reads them as 0 and "".
    expected = (4006, "session no longer valid") if profile == "lavalink" else (0, "")
    assert (closed.code, closed.reason, closed.by_remote) == (*expected, True)
    await fake.emit_event(GUILD, "SomeUnknownPluginEvent", answer=42)
    raw = await gateway.wait_for(PluginEvent, timeout=5)
    assert raw.player is player and raw.type == "SomeUnknownPluginEvent" and raw.data["answer"] == 42


async def test_replaced_track_ends_with_replaced_and_does_not_advance(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    first, second, queued = (short(fake, n, length=600_000) for n in ("First", "Second", "Queued"))
    player.queue.put(queued)
    await player.play(first)
    await player.play(second)
    end = await gateway.wait_for(TrackEnd, timeout=5)
    assert end.reason == "replaced" and end.track == first
    await gateway.wait_for(TrackStart, lambda e: e.track == second, timeout=5)
    assert player.current == second and list(player.queue) == [queued]


async def test_play_without_replace_keeps_the_current_track(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    # NodeLink ignores ?noReplace=true, so voltricx must not send the new track there at all.
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    kept, ignored = short(fake, "Kept", length=600_000), short(fake, "Ignored", length=600_000)
    await player.play(kept)
    assert await player.play(ignored, replace=False, volume=60) == kept
    await runtime.tasks.wait_idle(timeout=5)
    remote = fake.player(GUILD)
    assert remote is not None and remote.track is not None and remote.track.encoded == kept.encoded
    assert remote.volume == 60 and player.volume == 60
    assert player.current == kept and list(player.queue.history) == [kept]
    assert [e.track for e in gateway.of_type(TrackStart)] == [kept] and not gateway.of_type(TrackEnd)
    await player.stop()
    assert await player.play(ignored, replace=False) == ignored  # nothing playing: it starts
    await gateway.wait_for(TrackStart, lambda e: e.track == ignored, timeout=5)


# -- the queue -----------------------------------------------------------------------


async def test_auto_advance_plays_the_queue_in_order_and_fills_history(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    player.autoplay = AutoPlayMode.PARTIAL
    tracks = [short(fake, f"Song {i}") for i in range(3)]
    player.queue.put(tracks[1:])
    await player.play(tracks[0])
    await gateway.wait_for(TrackEnd, lambda e: e.track == tracks[2] and e.reason == "finished", timeout=10)
    starts = [e.track for e in gateway.of_type(TrackStart)]
    assert starts == tracks
    assert list(player.queue.history) == tracks
    assert not player.queue


async def test_skip_plays_next_and_stops_when_queue_is_empty(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    player.autoplay = AutoPlayMode.PARTIAL
    a, b = short(fake, "Skip A", length=600_000), short(fake, "Skip B", length=600_000)
    player.queue.put(b)
    await player.play(a)
    assert await player.skip() == a
    assert player.current == b
    assert await player.skip() == b
    assert player.current is None
    await gateway.wait_for(TrackEnd, lambda e: e.reason == "stopped", timeout=5)


async def test_autoplay_disabled_does_not_advance(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    player.autoplay = AutoPlayMode.DISABLED
    a, b = short(fake, "Only A"), short(fake, "Never B")
    player.queue.put(b)
    await player.play(a)
    await gateway.wait_for(TrackEnd, lambda e: e.reason == "finished", timeout=5)
    await runtime.tasks.wait_idle(timeout=5)
    assert player.current is None and list(player.queue) == [b]


async def test_loop_mode_repeats_the_current_track(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    player.autoplay = AutoPlayMode.PARTIAL
    a, b = short(fake, "Loop A"), short(fake, "Loop B")
    player.queue.mode = QueueMode.LOOP
    player.queue.put(b)
    await player.play(a)
    await gateway.wait_for(TrackStart, lambda e: e.track == a, count=3, timeout=10)
    player.autoplay = AutoPlayMode.DISABLED  # stop() without advancing
    await player.stop()
    assert all(e.track == a for e in gateway.of_type(TrackStart))
    assert list(player.queue.history) == [a]  # one entry per play-through streak
    assert list(player.queue) == [b]


async def test_loop_all_cycles_through_the_queue(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    player.autoplay = AutoPlayMode.PARTIAL
    a, b = short(fake, "Cycle A"), short(fake, "Cycle B")
    player.queue.mode = QueueMode.LOOP_ALL
    player.queue.put([a, b])
    first = player.queue.get()
    await player.play(first)
    await gateway.wait_for(TrackStart, count=5, timeout=10)
    player.autoplay = AutoPlayMode.DISABLED  # stop() without advancing
    await player.stop()
    starts = [e.track for e in gateway.of_type(TrackStart)][:5]
    assert starts == [a, b, a, b, a]


async def test_a_failing_track_in_loop_mode_is_skipped_after_bounded_tries(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    player.autoplay = AutoPlayMode.PARTIAL
    broken = short(fake, "Broken", behaviour="exception")
    good = short(fake, "Good", length=600_000)
    player.queue.mode = QueueMode.LOOP
    player.queue.put(good)
    await player.play(broken)
    await gateway.wait_for(TrackStart, lambda e: e.track == good, timeout=10)
    failures = [e for e in gateway.of_type(TrackEnd) if e.reason == "loadFailed"]
    assert len(failures) == MAX_TRACK_ATTEMPTS
    assert all(e.track == broken for e in failures)


async def test_a_stuck_track_is_skipped(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    player.autoplay = AutoPlayMode.PARTIAL
    a, b = short(fake, "Will stick", length=600_000), short(fake, "After stuck", length=600_000)
    player.queue.put(b)
    await player.play(a)
    await fake.make_stuck(GUILD)
    stuck = await gateway.wait_for(TrackStuck, timeout=5)
    assert stuck.track == a and stuck.threshold_ms > 0
    await gateway.wait_for(TrackStart, lambda e: e.track == b, timeout=5)


# -- inactivity -----------------------------------------------------------------------


async def test_inactivity_fires_after_each_idle_period(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    player.inactive_timeout = 0.2
    await player.play(short(fake, "Idle one"))
    first = await gateway.wait_for(InactivePlayer, timeout=5)
    assert first.player is player
    assert not idle_scheduler.armed(player)
    await player.play(short(fake, "Idle two"))
    assert not idle_scheduler.armed(player)
    await gateway.wait_for(TrackEnd, lambda e: e.track.title == "Idle two", timeout=5)
    await gateway.wait_for(InactivePlayer, count=2, timeout=5)
    # Each fire followed a track end: none while a track played.
    ends = [i for i, e in enumerate(gateway.events) if isinstance(e, TrackEnd)]
    fires = [i for i, e in enumerate(gateway.events) if isinstance(e, InactivePlayer)]
    assert fires[0] > ends[0] and fires[1] > ends[1]


async def test_inactivity_can_be_off_and_is_disarmed_on_destroy(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    _fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    assert idle_scheduler.armed(player)  # connected with nothing playing
    assert player.inactive_timeout == node.config.inactive_timeout
    player.inactive_timeout = None
    assert not idle_scheduler.armed(player)
    player.inactive_timeout = 60
    await player.stop()
    assert idle_scheduler.armed(player)
    await player.disconnect()
    assert not idle_scheduler.armed(player)
    player.inactive_timeout = 0  # as in wavelink: 0 or below turns it off
    assert player.inactive_timeout is None
    player.inactive_timeout = -5
    assert player.inactive_timeout is None
    with pytest.raises(voltricx.WrongTypeError):
        player.inactive_timeout = "soon"  # type: ignore[assignment]


@pytest.mark.parametrize("timeout", [0, 0.0, -5])
async def test_a_node_inactive_timeout_of_0_or_below_is_off_as_in_wavelink(
    timeout: float, fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    # wavelink's Node(inactive_player_timeout=0) means "off", as player.inactive_timeout = 0 does.
    fake = await fake_factory()
    config = node_config(fake, "N", inactive_timeout=timeout)
    assert config.inactive_timeout is None
    await voltricx.Pool.connect(client=gateway, nodes=[config], report=False)
    player = await joined(voltricx.Pool.get_node("N"))
    assert player.inactive_timeout is None
    assert not idle_scheduler.armed(player)  # joined with nothing playing, and still no countdown


async def test_an_ordinary_session_keeps_the_rarely_changed_settings_on_the_class(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    # Player keeps overrides, failure runs and flags as class defaults (memory per idle
    # player, see make bench): joining, playing to the end and stopping must not store
    # any of them on the player itself.
    fake, node = await start(fake_factory, gateway)
    player = await joined(node)
    player.autoplay = AutoPlayMode.PARTIAL  # the end of a track goes through auto-advance
    await player.play(short(fake, "Through", length=300))
    await gateway.wait_for(TrackEnd, lambda e: e.reason == "finished", timeout=5)
    await player.play(short(fake, "Stopped", length=600_000))
    await gateway.wait_for(TrackStart, lambda e: e.track.title == "Stopped", timeout=5)
    await player.stop()
    await gateway.wait_for(TrackEnd, lambda e: e.reason == "stopped", timeout=5)
    assert vars(player) == {}
    player.inactive_timeout = 30  # an override is the player's own
    assert vars(player) == {"_inactive_timeout": 30}


# -- filters -------------------------------------------------------------------------


async def test_filters_are_a_builder_sent_whole_and_validated(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, node = await start(fake_factory, gateway, filters=["timescale", "volume"])
    player = await joined(node)
    await player.play(short(fake, "Filtered", length=600_000))
    assert isinstance(player.filters, Filters) and player.filters.enabled == []
    with pytest.raises(FilterError):
        player.filters.timescale.set(speed=-1.0)
    player.filters.timescale.set(speed=1.25, pitch=1.25)
    await player.set_filters(player.filters, seek=True)
    fake_player = fake.player(GUILD)
    assert fake_player is not None and fake_player.filters.timescale.speed == 1.25  # type: ignore[union-attr]
    before = len(fake.requests)
    with pytest.raises(FilterError, match="rotation"):
        await player.set_filters(Filters.eight_d())
    assert len(fake.requests) == before  # refused locally, nothing sent
    await player.set_filters()  # no argument: every filter off, as in wavelink
    assert player.filters.enabled == [] and fake_player.filters == Filters().to_payload()  # type: ignore[union-attr]


# -- failover state ------------------------------------------------------------------


async def test_switch_node_rebuilds_in_one_update_and_keeps_home(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    a, b = await fake_factory(), await fake_factory()
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(a, "A"), node_config(b, "B")], report=False)
    node_a, node_b = voltricx.Pool.get_node("A"), voltricx.Pool.get_node("B")
    player = await joined(node_a)
    player.home = "text-channel"
    track = short(a, "Migrating", length=600_000)
    await player.play(track, start=5000, volume=70)
    b.clear_requests()
    await player.switch_node(node_b)
    patches = [r for r in b.requests if r.method == "PATCH"]
    assert len(patches) == 1
    body = patches[0].json
    assert isinstance(body, dict) and {"voice", "track", "position", "volume", "paused", "filters"} <= set(body)
    assert player.node is node_b and player.home == "text-channel" and player.volume == 70
    remote = b.player(GUILD)
    assert remote is not None and remote.track is not None and remote.track.encoded == track.encoded
    # The old copy is gone: A got a DELETE, and no node but B holds the guild.
    assert any(r.method == "DELETE" and r.path.endswith(f"/players/{GUILD}") for r in a.requests)
    assert a.held_guilds() == {} and b.held_guilds() == {GUILD: 1}
    assert GUILD not in node_a.players and node_b.players[GUILD] is player
