"""Names voltricx shares with wavelink 3 mean what they mean in wavelink 3 (issue 12).

One test per difference found when a wavelink bot was ported, plus the
features wavelink users expect (requester objects, own attributes,
destroy reasons, auto-rejoin, loading paths). The adapter-side items
(``player.guild``, ``channel.connect(cls=...)``, ``inactive_channel_tokens``
with real voice states) are in ``tests/adapters/test_wavelink_bot.py``.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest

import voltricx
from voltricx import AutoPlayMode, NodeStatus, QueueMode, TrackSource
from voltricx._idle import idle_scheduler
from voltricx._state import runtime
from voltricx.errors import UserDataError, WrongTypeError
from voltricx.events import InactivePlayer, PlayerDestroyed, TrackEnd, TrackStart
from voltricx.extras import Extras
from voltricx.models.track import Track
from voltricx.search import configure, settings
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

GUILD = 420000000000000001
CHANNEL = 520000000000000001


async def start(fake_factory: FakeFactory, gateway: FakeVoiceGateway, **fake_options: Any) -> tuple[FakeLavalink, voltricx.Player]:
    fake = await fake_factory(**fake_options)
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "N")], report=False)
    player = voltricx.Player(GUILD)
    await player.connect(CHANNEL)
    return fake, player


def short(fake: FakeLavalink, title: str, length: int = 300) -> Track:
    return fake.catalogue.add(title=title, length=length)


class Member:
    """A stand-in for a library's Member: something with an ``id``, not JSON."""

    def __init__(self, id: int) -> None:
        self.id = id


# -- 1. playing stays true while paused ------------------------------------------------


async def test_1_playing_is_true_while_a_paused_track_is_loaded(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    a, b = short(fake, "Paused A", 600_000), short(fake, "Queued B", 600_000)
    await player.play(a)
    await player.pause(True)
    assert player.playing and player.paused
    # The usual bot code: queue when something is playing, else play.
    if player.playing:
        player.queue.put(b)
    else:
        await player.play(b)
    assert player.current == a and list(player.queue) == [b]
    await player.pause(False)
    assert player.playing and not player.paused


# -- 2. autoplay defaults to disabled -----------------------------------------------------


async def test_2_autoplay_defaults_to_disabled_so_a_bot_advancing_itself_advances_once(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake, player = await start(fake_factory, gateway)
    assert player.autoplay is AutoPlayMode.disabled
    a, b = short(fake, "Own A"), short(fake, "Own B", 600_000)
    player.queue.put(b)
    await player.play(a)
    await gateway.wait_for(TrackEnd, lambda e: e.track == a, timeout=5)
    await runtime.tasks.wait_idle(timeout=5)
    assert player.current is None and list(player.queue) == [b]  # nothing advanced by itself
    await player.play(player.queue.get())  # what the bot's on_track_end does
    assert player.current == b and not player.queue


# -- 3. stop is an alias of skip ------------------------------------------------------------


async def test_3_stop_takes_force_and_advances_like_skip(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    player.autoplay = AutoPlayMode.partial
    a, b = short(fake, "Stop A", 600_000), short(fake, "Stop B", 600_000)
    player.queue.put(b)
    await player.play(a)
    assert await player.stop(force=True) == a
    assert player.current == b
    player.autoplay = AutoPlayMode.disabled
    assert await player.stop() == b
    assert player.current is None
    await gateway.wait_for(TrackEnd, lambda e: e.track == b and e.reason == "stopped", timeout=5)


# -- 4. a paused player is not inactive -------------------------------------------------------


async def test_4_pausing_does_not_start_the_inactivity_countdown(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    player.inactive_timeout = 0.2
    await player.play(short(fake, "Long pause", 600_000), paused=True)
    assert not idle_scheduler.armed(player)
    await player.pause(False)
    await player.pause(True)
    assert not idle_scheduler.armed(player)
    await player.stop()  # nothing loaded now: the countdown runs
    assert idle_scheduler.armed(player)
    await gateway.wait_for(InactivePlayer, timeout=5)


# -- 6. build and commit times are datetimes ------------------------------------------------------


async def test_6_fetch_info_times_are_aware_utc_datetimes(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    await start(fake_factory, gateway)
    info = await voltricx.Pool.get_node("N").fetch_info()
    expected = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    assert info.build_time == expected and info.build_time.tzinfo is datetime.UTC
    assert info.git.commit_time == expected
    assert info.build_time_ms == 1_767_225_600_000


# -- 7 and 11. Pool.connect ---------------------------------------------------------------


async def test_7_connect_accepts_cache_capacity(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake = await fake_factory()
    try:
        await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "N")], report=False, cache_capacity=50)
        assert settings.cache.size == 50 and settings.cache.enabled
        with pytest.raises(voltricx.VoltricxError, match="cache_capacity"):
            await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "N")], cache_capacity=-1)
    finally:
        configure(cache_size=0)


async def test_11_connect_again_keeps_existing_nodes_adds_new_ones_and_returns_all(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, caplog: pytest.LogCaptureFixture
) -> None:
    one, two = await fake_factory(), await fake_factory()
    first = await voltricx.Pool.connect(client=gateway, nodes=[node_config(one, "main")], report=False)
    node = first["main"]
    caplog.set_level("INFO", logger="voltricx.pool")
    again = await voltricx.Pool.connect(client=gateway, nodes=[node_config(one, "main")], report=False)
    assert again == {"main": node} and again["main"] is node and node.status is NodeStatus.connected
    both = await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(one, "main"), node_config(two, "second")], report=False
    )
    assert set(both) == {"main", "second"} and both["main"] is node
    assert both["second"].status is NodeStatus.CONNECTED
    kept = [r for r in caplog.records if "already in the pool" in r.getMessage()]
    assert len(kept) == 2  # once per call
    with pytest.raises(voltricx.VoltricxError, match="two nodes are named"):
        await voltricx.Pool.connect(client=gateway, nodes=[node_config(two, "x"), node_config(two, "x")])


# -- 8. track.extras ------------------------------------------------------------------------------


async def test_8_extras_is_a_json_namespace_sent_as_user_data(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    track = short(fake, "With extras", 600_000)
    track.extras.requester_id = 1
    track.extras = {**dict(track.extras), "note": "hi"}
    assert dict(track.extras) == {"requester_id": 1, "note": "hi"} == track.user_data
    assert track.extras.note == "hi" and "note" in track.extras
    with pytest.raises(AttributeError):
        _ = track.extras.missing
    with pytest.raises(UserDataError, match="Member"):
        track.extras.who = Member(5)
    with pytest.raises(UserDataError, match=r"\['bad'\]"):
        track.extras = {"bad": {1, 2}}
    assert dict(track.extras) == {"requester_id": 1, "note": "hi"}  # unchanged by the refused values
    await player.play(track)
    remote = fake.player(GUILD)
    assert remote is not None and remote.track is not None
    assert remote.track.user_data == {"requester_id": 1, "note": "hi"}


async def test_8_playlist_extras_reach_every_track(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, _ = await start(fake_factory, gateway)
    tracks = [short(fake, f"Listed {i}") for i in range(3)]
    playlist = voltricx.Playlist("Mix", tracks)
    playlist.extras = Extras(source="panel")
    assert dict(playlist.extras) == {"source": "panel"}
    assert all(dict(t.extras) == {"source": "panel"} for t in playlist)
    with pytest.raises(UserDataError):
        playlist.extras = {"x": object()}


# -- 9 and 10. str(track), recommended, original ------------------------------------------------


async def test_9_str_of_a_track_is_its_title(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, _ = await start(fake_factory, gateway)
    track = short(fake, "Chat Title")
    assert str(track) == "Chat Title" and f"Now playing: {track}" == "Now playing: Chat Title"
    assert str(voltricx.Playlist("A list", [track])) == "A list"


async def test_10_track_start_gives_the_original_object_and_marks_autoplay_picks(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    _fake, player = await start(fake_factory, gateway, speed=2000)
    [seed, *_] = await voltricx.Pool.fetch_tracks("midnight signal")  # type: ignore[misc]
    member = Member(7)
    seed.requester = member
    seed.extras.requester_id = 7
    player.autoplay = AutoPlayMode.enabled
    await player.play(seed)
    first = await gateway.wait_for(TrackStart, timeout=10)
    assert first.original is seed and first.original.requester is member
    assert first.track == seed and dict(first.track.extras) == {"requester_id": 7}
    assert not first.track.recommended and player.current is seed
    second = await gateway.wait_for(TrackStart, count=2, timeout=15)
    assert second.track.recommended and second.original is not None and second.original.recommended
    player.autoplay = AutoPlayMode.disabled
    await player.stop()


# -- 12. enum spellings ---------------------------------------------------------------------


def test_12_wavelink_and_seed_enum_spellings_are_aliases_of_one_member() -> None:
    assert NodeStatus.connected is NodeStatus.CONNECTED
    assert NodeStatus.disconnected is NodeStatus.DISCONNECTED
    assert NodeStatus.connecting is NodeStatus.CONNECTING
    assert QueueMode.loop is QueueMode.LOOP and QueueMode.loop_all is QueueMode.LOOP_ALL
    assert QueueMode.normal is QueueMode.NORMAL
    assert AutoPlayMode.enabled is AutoPlayMode.ENABLED and AutoPlayMode.partial is AutoPlayMode.PARTIAL
    assert AutoPlayMode.disabled is AutoPlayMode.DISABLED
    assert TrackSource.YouTube is TrackSource.YOUTUBE
    assert TrackSource.YouTubeMusic is TrackSource.YOUTUBE_MUSIC
    assert TrackSource.SoundCloud is TrackSource.SOUNDCLOUD
    assert list(NodeStatus) == [NodeStatus.CONNECTING, NodeStatus.CONNECTED, NodeStatus.DISCONNECTED]
    assert len(list(AutoPlayMode)) == 3 and len(list(QueueMode)) == 3


# -- 13. the library-neutral Player is not a voice protocol -----------------------------------


def test_13_constructing_the_core_player_like_a_voice_protocol_names_the_adapter_class() -> None:
    with pytest.raises(WrongTypeError, match=r"voltricx\.adapters\.discordpy\.Player") as caught:
        voltricx.Player(object(), object())  # type: ignore[call-arg]
    assert isinstance(caught.value, TypeError)


# -- 14. queue assignment ------------------------------------------------------------------------


async def test_14_assigning_a_non_queue_is_refused(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    track = short(fake, "Listed")
    with pytest.raises(WrongTypeError, match=r"voltricx\.Queue"):
        player.queue = [track]  # type: ignore[assignment]
    player.queue = voltricx.Queue([track])
    assert list(player.queue) == [track]


# -- 15. home exists from the start ------------------------------------------------------------


async def test_15_home_always_exists_and_is_none_until_set(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    _, player = await start(fake_factory, gateway)
    assert hasattr(player, "home") and player.home is None  # the replacement idiom: `player.home is None`
    player.home = "text channel"
    assert player.home == "text channel"


# -- features --------------------------------------------------------------------------------


async def test_players_take_your_own_attributes(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    _, player = await start(fake_factory, gateway)
    dj = Member(9)
    player.dj = dj  # type: ignore[attr-defined]
    assert player.dj is dj  # type: ignore[attr-defined]


async def test_requester_stays_local_and_a_bad_user_data_is_refused_at_play(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake, player = await start(fake_factory, gateway)
    track = short(fake, "Requested", 600_000)
    track.requester = Member(11)
    await player.play(track)
    played = [r.json for r in fake.requests if r.method == "PATCH" and isinstance(r.json, dict) and "track" in r.json]
    assert played and "userData" not in played[-1]["track"]
    assert player.current is track and player.current.requester.id == 11
    replacement = short(fake, "Replacement", 600_000)
    await player.play(replacement)  # the first ends with "replaced"
    replaced = await gateway.wait_for(TrackEnd, lambda e: e.reason == "replaced", timeout=5)
    assert replaced.original is track and replaced.track.requester.id == 11
    await player.stop()
    stopped = await gateway.wait_for(TrackEnd, lambda e: e.reason == "stopped", timeout=5)
    assert stopped.original is replacement
    bad = short(fake, "Bad data")
    bad.user_data["member"] = Member(3)  # around the checked setter
    with pytest.raises(UserDataError, match=r"\['member'\] is a Member"):
        await player.play(bad)
    with pytest.raises(UserDataError, match="Member"):
        Track.from_encoded(track.encoded, user_data={"member": Member(3)})


async def test_store_saves_requester_ids_and_survives_non_json_user_data(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, tmp_path: Path
) -> None:
    fake = await fake_factory()
    store = voltricx.SQLiteStore(tmp_path / "players.db")
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "N")], report=False, store=store)
    player = voltricx.Player(GUILD)
    await player.connect(CHANNEL)
    now, later = short(fake, "Now", 600_000), short(fake, "Later")
    now.requester = Member(21)
    later.requester = 22
    later.user_data["member"] = Member(22)  # never JSON; must not stop saving or closing
    player.queue.put(later)
    await player.play(now)
    assert await voltricx.Pool.save() == 1
    await voltricx.Pool.close()
    reader = voltricx.SQLiteStore(tmp_path / "players.db")
    try:
        saved = (await reader.load()).players[GUILD]
    finally:
        await reader.close()
    assert saved.requester_ids[:2] == [21, 22]
    assert saved.queue[0].user_data == {}

    class ResolvingGateway(FakeVoiceGateway):
        """A gateway that turns ids back into members, as the library adapters do."""

        def resolve_user(self, guild_id: int, user_id: int) -> object:
            return Member(user_id)

    await voltricx.Pool.connect(
        client=ResolvingGateway(), nodes=[node_config(fake, "N")], report=False, store=voltricx.SQLiteStore(tmp_path / "players.db")
    )
    restored = voltricx.Pool.get_player(GUILD)
    assert restored is not None and restored.current is not None
    assert isinstance(restored.current.requester, Member) and restored.current.requester.id == 21
    [queued] = list(restored.queue)
    assert queued.requester.id == 22


async def test_destroy_reasons_tell_kicked_left_and_inactivity_apart(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    _fake, player = await start(fake_factory, gateway)
    gateway.kick(GUILD)
    kicked = await gateway.wait_for(PlayerDestroyed, timeout=5)
    assert kicked.player is player and kicked.reason == "kicked"

    second = voltricx.Player(GUILD)
    await second.connect(CHANNEL)
    await second.disconnect()
    assert gateway.of_type(PlayerDestroyed)[-1].reason == "left"

    third = voltricx.Player(GUILD)
    await third.connect(CHANNEL)
    third.inactive_timeout = 0.05
    await gateway.wait_for(InactivePlayer, lambda e: e.player is third, timeout=5)
    await third.disconnect()  # what a bot's on_inactive_player does
    assert gateway.of_type(PlayerDestroyed)[-1].reason == "inactivity"


async def test_auto_rejoin_after_a_kick_keeps_the_player(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    player.auto_rejoin = True
    track = short(fake, "Keeps going", 600_000)
    await player.play(track)
    joins = len(gateway.joins)
    gateway.kick(GUILD)
    await runtime.tasks.wait_idle(timeout=5)  # the rejoin and the voice update it sends
    assert len(gateway.joins) == joins + 1 and gateway.joins[-1] == (GUILD, CHANNEL)
    remote = fake.player(GUILD)
    assert remote is not None and remote.voice is not None
    assert remote.voice.session_id == gateway.issued[GUILD].session_id
    assert not player.destroyed and voltricx.Pool.get_player(GUILD) is player and player.current == track
    assert not gateway.of_type(PlayerDestroyed)


async def test_inactive_channel_tokens_fire_after_n_track_starts_with_nobody_listening(
    fake_factory: FakeFactory,
) -> None:
    class CountingGateway(FakeVoiceGateway):
        """A gateway that can tell how many humans are in voice (adapters read their cache)."""

        humans = 0

        def humans_in_voice(self, guild_id: int, channel_id: int) -> int | None:
            return self.humans

    gateway = CountingGateway()
    fake, player = await start(fake_factory, gateway)
    assert player.inactive_channel_tokens == 3
    player.inactive_channel_tokens = 0  # as in wavelink: 0 or below turns it off
    assert player.inactive_channel_tokens is None
    player.inactive_channel_tokens = 2
    player.autoplay = AutoPlayMode.partial
    tracks = [short(fake, f"Alone {i}") for i in range(4)]
    player.queue.put(tracks[1:])
    await player.play(tracks[0])
    fired = await gateway.wait_for(InactivePlayer, timeout=10)
    assert fired.player is player
    starts = [e for e in gateway.events if isinstance(e, TrackStart | InactivePlayer)]
    assert [type(e).__name__ for e in starts[:3]] == ["TrackStart", "TrackStart", "InactivePlayer"]
    gateway.humans = 1  # someone joined: the tokens refill and nothing fires
    await gateway.wait_for(TrackEnd, lambda e: e.track == tracks[3], timeout=10)
    assert len(gateway.of_type(InactivePlayer)) == 1


async def test_fetch_tracks_sends_local_paths_and_any_url_as_is(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, _ = await start(fake_factory, gateway)
    queries = ["local:/music/a.ogg", "/music/a.ogg", "file:///music/a.ogg", "rtmp://radio.example/live"]
    for query in queries:
        await voltricx.Pool.fetch_tracks(query)
    loaded = [r.query["identifier"] for r in fake.requests if r.path == "/v4/loadtracks"]
    assert loaded == queries


# -- rows of the migration page that keep their wavelink name ---------------------------------


async def test_track_attributes_keep_their_wavelink_names_except_two(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, _ = await start(fake_factory, gateway)
    track = fake.catalogue.add(title="Named", author="Someone", length=1234, isrc="USX9P1234567", artwork_url="https://img.example/a.png")
    [loaded] = await voltricx.Pool.fetch_tracks(track.uri or "")  # type: ignore[misc]
    assert isinstance(loaded, voltricx.Playable) and voltricx.Playable is voltricx.Track
    assert (loaded.title, loaded.author, loaded.length, loaded.isrc) == ("Named", "Someone", 1234, "USX9P1234567")
    assert loaded.uri == track.uri and loaded.identifier == track.identifier and loaded.encoded == track.encoded
    assert loaded.is_stream is False and loaded.is_seekable is True
    # The two renames: wavelink's `artwork` and `source`.
    assert loaded.artwork_url == "https://img.example/a.png" and loaded.source_name == "youtube"
    assert not hasattr(loaded, "artwork") and not hasattr(loaded, "source")


async def test_node_players_stats_and_version_keep_their_names(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    _fake, player = await start(fake_factory, gateway)
    node = voltricx.Pool.get_node("N")
    assert voltricx.Pool.get_node() is node and node.players == {GUILD: player} and player.node is node
    stats = await node.fetch_stats()
    assert stats.players >= 1
    assert isinstance(await node.fetch_version(), str) and node.penalty >= 0


def test_queue_count_and_is_empty_keep_their_names() -> None:
    queue = voltricx.Queue()
    assert queue.count == 0 and queue.is_empty
    queue.mode = QueueMode.loop_all
    assert queue.mode is QueueMode.LOOP_ALL


# -- the migration page says "same" only where a test proves it ------------------------------

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "migrating-from-wavelink.md"


def _page_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for line in PAGE.read_text().splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 4, f"a table row needs exactly 4 cells: {line}"
        if not set(cells[0]) <= {"-"} and cells[0] != "wavelink 3":
            rows.append(cells)
    return rows


def test_every_row_of_the_migration_page_names_tests_that_exist() -> None:
    rows = _page_rows()
    assert len(rows) >= 40
    for wavelink, _voltricx, verdict, proofs in rows:
        assert verdict.startswith(("same", "differs: ")), (wavelink, verdict)
        names = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", proofs)
        assert names, f"no test for the row {wavelink}"
        for path, name in names:
            source = (ROOT / path).read_text()
            assert re.search(rf"^(async )?def {name}\(", source, re.MULTILINE), f"{path}::{name} (row {wavelink})"


def test_queue_get_at_loaded_index_copy_and_atomic_keep_their_wavelink_meaning() -> None:
    tracks = [Track.from_encoded(t.encoded) for t in _catalogue_tracks(3)]
    queue = voltricx.Queue()
    assert queue.put(tracks, atomic=True) == 3
    assert queue.index(tracks[2]) == 2
    taken = queue.get_at(1)
    assert taken is tracks[1] and queue.loaded is taken is queue.current
    assert list(queue) == [tracks[0], tracks[2]] and list(queue.history) == [tracks[1]]
    clone = queue.copy()
    clone.get()
    assert list(queue) == [tracks[0], tracks[2]] and clone.loaded is tracks[0] and queue.loaded is tracks[1]
    with pytest.raises(IndexError):
        queue.get_at(5)
    queue.clear()
    with pytest.raises(voltricx.QueueEmpty):
        queue.get_at(0)


def _catalogue_tracks(count: int) -> list[Track]:
    from voltricx.testing.lavalink.catalogue import Catalogue

    return Catalogue().search("queue parity", count=count)


async def test_play_takes_filters_in_the_same_request(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    nightcore = voltricx.Filters()
    nightcore.timescale.set(pitch=1.2, speed=1.2, rate=1)
    await player.play(short(fake, "Filtered", 600_000), filters=nightcore)
    [body] = [r.json for r in fake.requests if r.method == "PATCH" and isinstance(r.json, dict) and "track" in r.json]
    assert body["filters"]["timescale"] == {"speed": 1.2, "pitch": 1.2, "rate": 1}
    assert player.filters is nightcore and player.filters_payload.timescale is not None


async def test_pool_fetch_tracks_takes_wavelinks_node_argument(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    one, two = await fake_factory(), await fake_factory()
    nodes = await voltricx.Pool.connect(client=gateway, nodes=[node_config(one, "one"), node_config(two, "two")], report=False)
    tracks = await voltricx.Pool.fetch_tracks("ytsearch:pinned", node=nodes["two"])
    assert tracks and [r.path for r in one.requests if r.path == "/v4/loadtracks"] == []
    assert [r.query["identifier"] for r in two.requests if r.path == "/v4/loadtracks"] == ["ytsearch:pinned"]


async def test_seek_without_a_track_does_nothing_and_defaults_to_the_start(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake, player = await start(fake_factory, gateway)
    before = len(fake.requests)
    await player.seek(5000)  # nothing loaded: no request, no error (as in wavelink)
    assert len(fake.requests) == before
    await player.play(short(fake, "Seekable", 600_000), start=30_000)
    await player.seek()
    assert player.position < 30_000


async def test_playable_search_searches_youtube_music_by_default(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, _ = await start(fake_factory, gateway)
    tracks: voltricx.Search = await voltricx.Playable.search("rick roll")
    assert isinstance(tracks, list) and tracks
    assert voltricx.Search == list[voltricx.Playable] | voltricx.Playlist
    await voltricx.Playable.search("rick roll", source=TrackSource.SoundCloud)
    loaded = [r.query["identifier"] for r in fake.requests if r.path == "/v4/loadtracks"]
    assert loaded == ["ytmsearch:rick roll", "scsearch:rick roll"]


async def test_play_keeps_the_paused_state_unless_told(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    await player.play(short(fake, "First", 600_000))
    await player.pause(True)
    await player.play(short(fake, "Second", 600_000))  # paused=None: the node keeps its state
    [body] = [r.json for r in fake.requests if r.method == "PATCH" and isinstance(r.json, dict) and "track" in r.json][1:]
    assert "paused" not in body  # as wavelink: nothing sent, so the node's pause state stays
    assert player.paused == fake.player(GUILD).paused  # type: ignore[union-attr]
    await player.play(short(fake, "Third", 600_000), paused=False)
    assert not player.paused and not fake.player(GUILD).paused  # type: ignore[union-attr]
