"""Autoplay against FakeLavalink's catalogue: mix radio, artist search, plugin recommendations."""

from __future__ import annotations

import pytest

import voltricx
from voltricx import AutoPlayMode
from voltricx.autoplay import Recent, candidate_queries, recommend
from voltricx.events import InactivePlayer, TrackStart
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

pytestmark = pytest.mark.server_profiles("lavalink", "nodelink")

GUILD = 420000000000000001
CHANNEL = 520000000000000001


async def start(fake_factory: FakeFactory, gateway: FakeVoiceGateway, **options: object) -> tuple[FakeLavalink, voltricx.Player]:
    fake = await fake_factory(**options)
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "N")], report=False)
    player = voltricx.Player(GUILD, node=voltricx.Pool.get_node("N"))
    await player.connect(CHANNEL)
    return fake, player


def loaded(fake: FakeLavalink) -> list[str]:
    return [r.query["identifier"] for r in fake.requests if r.path == "/v4/loadtracks"]


async def test_enabled_autoplay_keeps_playing_unplayed_tracks(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway, speed=2000)
    player.autoplay = AutoPlayMode.ENABLED
    [seed, *_] = await voltricx.Pool.fetch_tracks("midnight signal")  # type: ignore[misc]
    await player.play(seed)
    await gateway.wait_for(TrackStart, count=6, timeout=15)
    await player.stop()
    played = [e.track for e in gateway.of_type(TrackStart)][:6]
    assert played[0] == seed
    assert len({t.encoded for t in played}) == 6  # nothing repeated
    assert f"https://www.youtube.com/watch?v={seed.identifier}&list=RD{seed.identifier}" in loaded(fake)
    history = list(player.queue.history)
    assert history[:6] == played


async def test_partial_autoplay_does_not_recommend(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway, speed=2000)
    player.autoplay = AutoPlayMode.PARTIAL
    [seed, *_] = await voltricx.Pool.fetch_tracks("paper tide")  # type: ignore[misc]
    player.inactive_timeout = 0.05
    await player.play(seed)
    await gateway.wait_for(InactivePlayer, timeout=10)
    assert len(gateway.of_type(TrackStart)) == 1
    assert not any("list=RD" in i for i in loaded(fake))


async def test_when_the_mix_is_all_played_the_artist_search_is_next(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake, player = await start(fake_factory, gateway)
    [seed, *_] = await voltricx.Pool.fetch_tracks("golden orchard")  # type: ignore[misc]
    mix = await voltricx.Pool.fetch_tracks(f"https://www.youtube.com/watch?v={seed.identifier}&list=RD{seed.identifier}")
    for track in mix:
        player.queue.mark_played(track)
    player.queue.mark_played(seed)  # the newest history entry is the seed
    fake.clear_requests()
    picks = await recommend(player)
    assert loaded(fake)[:2] == [
        f"https://www.youtube.com/watch?v={seed.identifier}&list=RD{seed.identifier}",
        f"ytmsearch:{seed.author}",
    ]
    recent = Recent(mix)
    assert picks and not any(t in recent for t in picks)


async def test_soundcloud_seed_skips_the_mix(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway)
    [seed, *_] = await voltricx.Pool.fetch_tracks("rain", source="scsearch")  # type: ignore[misc]
    player.queue.mark_played(seed)
    fake.clear_requests()
    picks = await recommend(player, limit=3)
    assert loaded(fake) == [f"scsearch:{seed.author}"]
    assert len(picks) == 3 and seed not in picks


@pytest.mark.server_profiles("lavalink", reason="LavaSrc is a Lavalink (JVM) plugin; NodeLink loads none")
async def test_plugin_recommendations_are_the_last_fallback(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fake, player = await start(fake_factory, gateway, plugins=[("lavasrc-plugin", "4.3.0")])
    [seed, *_] = await voltricx.Pool.fetch_tracks("spsearch:velvet engine")  # type: ignore[misc]
    assert seed.source_name == "spotify"
    queries = [q async for q in candidate_queries(seed, player.node)]
    assert queries == [f"ytsearch:{seed.author}", f"sprec:seed_tracks={seed.identifier}"]
    # Everything the artist search offers was played recently: LavaSrc recommends.
    for track in await voltricx.Pool.fetch_tracks(seed.author):  # type: ignore[union-attr]
        player.queue.mark_played(track)
    player.queue.mark_played(seed)  # the newest history entry is the seed
    picks = await recommend(player, limit=5)
    assert len(picks) == 5 and all(t.source_name == "spotify" and t != seed for t in picks)
    assert loaded(fake)[-1] == f"sprec:seed_tracks={seed.identifier}"


async def test_no_history_no_recommendation(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    _, player = await start(fake_factory, gateway)
    assert await recommend(player) == []
