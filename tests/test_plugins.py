"""Plugin APIs against FakeLavalink's plugin endpoints: LavaSrc, LavaSearch, LavaLyrics, SponsorBlock."""

from __future__ import annotations

import pytest

import voltricx
from voltricx import Playable
from voltricx.events import (
    ChaptersLoaded,
    ChapterStarted,
    LyricsFound,
    LyricsLine,
    PluginEvent,
    SegmentSkipped,
    SegmentsLoaded,
)
from voltricx.plugins import (
    Category,
    PluginNotAvailable,
    SearchType,
    fetch_lyrics,
    fetch_player_lyrics,
    fetch_search,
    lavasrc,
    sponsorblock,
    subscribe_lyrics,
    unsubscribe_lyrics,
)
from voltricx.plugins.models import Segment
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

GUILD = 430000000000000001
CHANNEL = 530000000000000001
ALL = [("lavasrc-plugin", "4.3.0"), ("lavasearch-plugin", "1.0.0"), ("lavalyrics-plugin", "1.0.0"), ("sponsorblock-plugin", "3.0.0")]


async def start(fake_factory: FakeFactory, gateway: FakeVoiceGateway, plugins: object = ALL) -> tuple[FakeLavalink, voltricx.Player]:
    fake = await fake_factory(plugins=plugins)
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "N")], report=False)
    player = voltricx.Player(GUILD, node=voltricx.Pool.get_node("N"))
    await player.connect(CHANNEL)
    return fake, player


async def test_a_node_without_the_plugin_gives_a_clear_error(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway, plugins=[("some-other-plugin", "1.0")])
    track = fake.catalogue.add(title="Plain", length=600_000)
    await player.play(track)
    calls = [
        fetch_lyrics(track),
        fetch_player_lyrics(player),
        subscribe_lyrics(player),
        fetch_search("anything"),
        sponsorblock.fetch_categories(player),
        sponsorblock.set_categories(player, [Category.SPONSOR]),
        lavasrc.require(),
    ]
    for call in calls:
        with pytest.raises(PluginNotAvailable) as info:
            await call
        assert "some-other-plugin" in str(info.value) and info.value.node == "N"
    assert not await lavasrc.available()
    # Without LavaSrc the plugin prefixes load nothing, like a real node.
    assert await voltricx.Pool.fetch_tracks("spsearch:daft punk") == []


async def test_lavasrc_extended_info_is_typed(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    await start(fake_factory, gateway)
    tracks = await voltricx.Pool.fetch_tracks("daft punk", source=voltricx.search.TrackSource.SPOTIFY)
    assert isinstance(tracks, list) and len(tracks) == 10
    track = tracks[0]
    info = lavasrc.track_info(track)
    assert info is not None and track.source_name == "spotify"
    assert info.album_name == f"{track.title} (Album)"
    assert info.album_url and info.album_url.startswith("https://open.spotify.com/album/")
    assert info.artist_url and info.artist_artwork_url and info.preview_url and info.is_preview is False
    # The same details come out of the encoded track when pluginInfo is absent.
    assert lavasrc.track_info(Playable.from_encoded(track.encoded)) == info
    youtube = (await voltricx.Pool.fetch_tracks("daft punk"))[0]  # type: ignore[index]
    assert lavasrc.track_info(youtube) is None and lavasrc.recommendation_query(youtube) is None
    assert lavasrc.recommendation_query(track) == f"sprec:seed_tracks={track.identifier}"
    assert await lavasrc.available()


async def test_lavasearch_returns_every_kind(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, _ = await start(fake_factory, gateway)
    result = await fetch_search("daft punk")
    request = [r for r in fake.requests if r.path == "/v4/loadsearch"][-1]
    assert request.query == {"query": "ytsearch:daft punk", "types": "track,album,artist,playlist,text"}
    assert len(result.tracks) == 10 and isinstance(result.tracks[0], Playable)
    [album] = result.albums
    assert album.type == "album" and album.url and album.total_tracks == 10 and len(album) == 0
    assert result.artists[0].type == "artist" and result.playlists[0].type == "playlist"
    assert [t.text for t in result.texts] == ["daft punk lyrics", "daft punk live"]
    only = await fetch_search("daft punk", types=[SearchType.ALBUM], source="spsearch")
    assert only.albums and not only.tracks and not only.texts
    assert not await fetch_search("nomatch here")
    with pytest.raises(ValueError, match="unknown LavaSearch type"):
        await fetch_search("x", types=["songs"])


async def test_lavalyrics_for_a_track_and_a_player(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    track = fake.catalogue.add(title="Singalong", length=600_000)
    lyrics = await fetch_lyrics(track)
    assert lyrics is not None and lyrics.synced and len(lyrics.lines) == 4
    assert lyrics.provider == "FakeLyrics" and lyrics.lines[1].timestamp == 5000
    assert lyrics.line_at(7000) == lyrics.lines[1]
    assert await fetch_lyrics(fake.catalogue.add(title="Hum nolyrics")) is None
    with pytest.raises(voltricx.PlayerError):
        await fetch_player_lyrics(player)  # nothing playing
    await player.play(track)
    playing = await fetch_player_lyrics(player, skip_track_source=True)
    assert playing == lyrics


async def test_live_lyrics_events(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    track = fake.catalogue.add(title="Live words", length=600_000)
    await player.play(track)
    await subscribe_lyrics(player)
    found = await gateway.wait_for(LyricsFound, timeout=5)
    assert found.player is player and found.lyrics.lines[0].line == "Live words line 1"
    assert fake.plugin_routes.lyrics_subscriptions == {(player.node.session_id, str(GUILD))}
    line = {"timestamp": 5000, "duration": 5000, "line": "Live words line 2", "plugin": {}}
    await fake.emit_event(GUILD, "LyricsLineEvent", lineIndex=1, line=line, skipped=True)
    event = await gateway.wait_for(LyricsLine, timeout=5)
    assert (event.line_index, event.line.line, event.skipped) == (1, "Live words line 2", True)
    await unsubscribe_lyrics(player)
    assert not fake.plugin_routes.lyrics_subscriptions


async def test_sponsorblock_categories(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    await player.play(fake.catalogue.add(title="Sponsored", length=600_000))
    assert await sponsorblock.fetch_categories(player) == []
    await sponsorblock.set_categories(player, [Category.SPONSOR, "selfpromo", "intro"])
    assert await sponsorblock.fetch_categories(player) == ["sponsor", "selfpromo", "intro"]
    await sponsorblock.remove_categories(player, ["selfpromo"])
    assert await sponsorblock.fetch_categories(player) == ["sponsor", "intro"]
    await sponsorblock.clear_categories(player)
    assert await sponsorblock.fetch_categories(player) == []
    with pytest.raises(ValueError, match="unknown SponsorBlock category"):
        await sponsorblock.set_categories(player, ["ads"])


async def test_sponsorblock_events_are_typed(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    await player.play(fake.catalogue.add(title="Chaptered", length=600_000))
    segment = {"category": "sponsor", "start": 1000, "end": 5000}
    chapter = {"name": "Intro", "start": 0, "end": 30000, "duration": 30000}
    await fake.emit_event(GUILD, "SegmentsLoaded", segments=[segment])
    await fake.emit_event(GUILD, "SegmentSkipped", segment=segment)
    await fake.emit_event(GUILD, "ChaptersLoaded", chapters=[chapter])
    await fake.emit_event(GUILD, "ChapterStarted", chapter=chapter)
    loaded = await gateway.wait_for(SegmentsLoaded, timeout=5)
    assert loaded.segments == (Segment("sponsor", 1000, 5000),)
    assert (await gateway.wait_for(SegmentSkipped, timeout=5)).segment.end == 5000
    assert (await gateway.wait_for(ChaptersLoaded, timeout=5)).chapters[0].name == "Intro"
    started = await gateway.wait_for(ChapterStarted, timeout=5)
    assert started.player is player and started.chapter.duration == 30000


async def test_malformed_plugin_event_is_delivered_raw(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    await player.play(fake.catalogue.add(title="Odd", length=600_000))
    await fake.emit_event(GUILD, "SegmentSkipped", nothing="here")
    raw = await gateway.wait_for(PluginEvent, timeout=5)
    assert raw.type == "SegmentSkipped" and raw.data["nothing"] == "here"
