"""Loading tracks: prefixes, result shapes, errors, node fallback, the search cache, Playable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import voltricx
from voltricx import LoadError, Playable
from voltricx.errors import LavalinkHTTPError, TrackCodecError
from voltricx.playlist import Playlist
from voltricx.search import SearchCache, TrackSource, configure, identifier_for, settings
from voltricx.testing import Catalogue, FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

pytestmark = pytest.mark.server_profiles("lavalink", "nodelink")


@pytest.fixture(autouse=True)
def _restore_search_settings() -> Iterator[None]:
    source, cache = settings.default_source, settings.cache
    yield
    settings.default_source, settings.cache = source, cache


async def start(fake_factory: FakeFactory, gateway: FakeVoiceGateway, count: int = 1) -> list[FakeLavalink]:
    fakes = [await fake_factory() for _ in range(count)]
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(f, f"N{i}") for i, f in enumerate(fakes)], report=False
    )
    return fakes


def loaded_identifiers(*fakes: FakeLavalink) -> list[str]:
    return [r.query["identifier"] for f in fakes for r in f.requests if r.path == "/v4/loadtracks"]


def test_identifier_rules() -> None:
    assert identifier_for("never gonna") == "ytsearch:never gonna"
    assert identifier_for("never gonna", TrackSource.SOUNDCLOUD) == "scsearch:never gonna"
    assert identifier_for("  lofi  ", "ytmsearch:") == "ytmsearch:lofi"
    assert identifier_for("https://youtu.be/abc", "scsearch") == "https://youtu.be/abc"
    assert identifier_for("spsearch:daft punk") == "spsearch:daft punk"
    assert identifier_for("sprec:seed_tracks=abc") == "sprec:seed_tracks=abc"
    assert identifier_for("ftts://hello") == "ftts://hello"
    assert identifier_for("Artist: Song") == "ytsearch:Artist: Song"
    with pytest.raises(ValueError):
        identifier_for("   ")
    configure(default_source="scsearch")
    assert identifier_for("x") == "scsearch:x"


async def test_search_returns_playables_with_every_field(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    [fake] = await start(fake_factory, gateway)
    tracks = await voltricx.Pool.fetch_tracks("electric harbour")
    assert loaded_identifiers(fake) == ["ytsearch:electric harbour"]
    assert isinstance(tracks, list) and len(tracks) == 10
    track = tracks[0]
    assert isinstance(track, Playable)
    assert track.title.startswith("Electric Harbour") and track.source_name == "youtube"
    assert track.encoded and track.identifier and track.uri and track.artwork_url
    assert track.length > 0 and not track.is_stream and track.is_seekable and track.position == 0
    assert track.user_data == {} and track.plugin_info == {} and track.playlist is None


async def test_explicit_source_urls_playlists_empty(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    [fake] = await start(fake_factory, gateway)
    sc = await voltricx.Pool.fetch_tracks("rain", source=TrackSource.SOUNDCLOUD)
    assert isinstance(sc, list) and sc[0].source_name == "soundcloud"
    one = await voltricx.Pool.fetch_tracks(sc[0].uri or "")
    assert one == [sc[0]]
    playlist = await voltricx.Pool.fetch_tracks(Catalogue.SMALL_PLAYLIST_URL)
    assert isinstance(playlist, Playlist) and len(playlist) == 5
    assert all(t.playlist is playlist for t in playlist)
    assert await voltricx.Pool.fetch_tracks("nomatch at all") == []
    assert loaded_identifiers(fake)[-1] == "ytsearch:nomatch at all"


async def test_load_error_carries_severity_and_message(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    await start(fake_factory, gateway)
    with pytest.raises(LoadError) as info:
        await voltricx.Pool.fetch_tracks("https://www.youtube.com/watch?v=error")
    assert info.value.severity == "common"
    assert info.value.message == "This video is unavailable"


async def test_transport_failure_tries_the_next_node(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes = await start(fake_factory, gateway, count=2)
    nodes = sorted(voltricx.Pool.nodes().values(), key=lambda n: n.penalty)
    by_uri = {f.uri: f for f in fakes}
    first, second = by_uri[nodes[0].uri], by_uri[nodes[1].uri]
    first.fail_next(503, path="/v4/loadtracks")
    tracks = await voltricx.Pool.fetch_tracks("fallback please")
    assert isinstance(tracks, list) and len(tracks) == 10
    assert loaded_identifiers(first) == ["ytsearch:fallback please"]
    assert loaded_identifiers(second) == ["ytsearch:fallback please"]
    # A client error is not a transport failure: no second node is asked.
    first.fail_next(400, path="/v4/loadtracks")
    with pytest.raises(LavalinkHTTPError):
        await voltricx.Pool.fetch_tracks("bad request")
    assert "ytsearch:bad request" not in loaded_identifiers(second)


async def test_node_fetch_tracks_uses_only_that_node(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    fakes = await start(fake_factory, gateway, count=2)
    node = voltricx.Pool.get_node("N1")
    result = await node.fetch_tracks("pinned", source="ytmsearch")
    assert isinstance(result, list) and result
    assert loaded_identifiers(fakes[1]) == ["ytmsearch:pinned"] and loaded_identifiers(fakes[0]) == []


async def test_cache_hit_miss_expiry_and_lru(fake_factory: FakeFactory, gateway: FakeVoiceGateway) -> None:
    [fake] = await start(fake_factory, gateway)
    now = [1000.0]
    configure(cache_size=2, cache_ttl=60, clock=lambda: now[0])
    cache = settings.cache
    first = await voltricx.Pool.fetch_tracks("cached song")
    again = await voltricx.Pool.fetch_tracks("cached song")
    assert loaded_identifiers(fake) == ["ytsearch:cached song"]
    assert (cache.hits, cache.misses) == (1, 1)
    assert again == first and again is not first and again[0] is not first[0]
    again[0].user_data["requester"] = 1
    assert (await voltricx.Pool.fetch_tracks("cached song"))[0].user_data == {}
    now[0] += 61  # expired
    await voltricx.Pool.fetch_tracks("cached song")
    assert loaded_identifiers(fake).count("ytsearch:cached song") == 2
    # LRU: a third key evicts the least recently used one.
    await voltricx.Pool.fetch_tracks("second song")
    await voltricx.Pool.fetch_tracks("cached song")
    await voltricx.Pool.fetch_tracks("third song")
    assert "ytsearch:cached song" in cache and "ytsearch:second song" not in cache
    # Errors and empty results are not cached.
    assert await voltricx.Pool.fetch_tracks("nomatch here") == []
    assert "ytsearch:nomatch here" not in cache
    assert await voltricx.Pool.fetch_tracks("cached song", cache=False)
    assert loaded_identifiers(fake).count("ytsearch:cached song") == 3


def test_cache_is_off_by_default_and_validates() -> None:
    assert not SearchCache().enabled
    with pytest.raises(ValueError):
        SearchCache(-1)
    cache = SearchCache(1, 5)
    cache.put("x", [])
    assert len(cache) == 0


def test_playable_from_encoded_decodes_locally() -> None:
    catalogue = Catalogue()
    original = catalogue.search("local decode")[0]
    track = Playable.from_encoded(original.encoded, user_data={"requester": 7})
    assert track.info == original.info
    assert track.user_data == {"requester": 7} and track == original
    with pytest.raises(TrackCodecError):
        Playable.from_encoded("not a track")
