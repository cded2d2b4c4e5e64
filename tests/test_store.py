"""PlayerStore: SQLiteStore on disk, snapshots, and batched saving from a live pool."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import voltricx
from voltricx import _restore
from voltricx.enums import AutoPlayMode, QueueMode
from voltricx.models.filters import FiltersPayload, Timescale
from voltricx.models.track import Track, TrackInfo
from voltricx.store import (
    PlayerSnapshot,
    PlayerStore,
    SQLiteStore,
    StoredState,
    StoreError,
    decode_snapshot,
    encode_snapshot,
)
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config

GUILD = 330000000000000001
CHANNEL = 430000000000000001


async def load_file(path: Path) -> StoredState:
    """What a fresh store reads from the file at ``path`` (closed again afterwards)."""
    store = SQLiteStore(path)
    try:
        return await store.load()
    finally:
        await store.close()


def track(n: int, length: int = 200_000) -> Track:
    info = TrackInfo(
        identifier=f"id{n}",
        is_seekable=True,
        author="a",
        length=length,
        is_stream=False,
        position=0,
        title=f"t{n}",
        source_name="youtube",
    )
    return Track(encoded=f"enc{n}", info=info, user_data={"requester": n})


def snapshot(guild_id: int = GUILD, **kw: Any) -> PlayerSnapshot:
    values: dict[str, Any] = {
        "guild_id": guild_id,
        "node": "main",
        "session_id": "abc",
        "channel_id": CHANNEL,
        "track": track(1),
        "position": 12_000,
        "read_at": 1000.0,
        "volume": 70,
        "filters": FiltersPayload(timescale=Timescale(pitch=1.2)),
        "queue": [track(2), track(3)],
        "history": [track(0), track(1)],
        "queue_mode": QueueMode.LOOP_ALL,
        "autoplay": AutoPlayMode.ENABLED,
        "home": 77,
    }
    values.update(kw)
    return PlayerSnapshot(**values)


# -- snapshots ---------------------------------------------------------------------------


def test_snapshot_round_trips_through_its_encoded_form() -> None:
    original = snapshot()
    again = decode_snapshot(encode_snapshot(original))
    assert again == original
    assert again.track is not None and again.track.user_data == {"requester": 1}
    assert again.filters.timescale == Timescale(pitch=1.2)


def test_undecodable_blob_is_a_store_error() -> None:
    with pytest.raises(StoreError):
        decode_snapshot(b"\x00not msgpack")


def test_position_at_extrapolates_only_while_playing() -> None:
    playing = snapshot()
    assert playing.position_at(1002.5) == 14_500
    assert playing.position_at(999.0) == 12_000
    assert snapshot(paused=True).position_at(1002.5) == 12_000
    assert snapshot(frozen=True).position_at(1002.5) == 12_000
    assert snapshot(track=None).position_at(1002.5) == 0


def test_home_is_stored_as_an_int_id() -> None:
    class Channel:
        id = 55

    assert _restore.home_id(Channel()) == 55
    assert _restore.home_id(56) == 56
    assert _restore.home_id(None) is None
    assert _restore.home_id("text") is None
    assert _restore.home_id(True) is None


# -- SQLiteStore -------------------------------------------------------------------------


async def test_sqlite_store_saves_loads_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "players.db"
    store = SQLiteStore(path)
    assert isinstance(store, PlayerStore)
    assert (await store.load()).players == {}
    await store.save([snapshot(), snapshot(GUILD + 1, track=None)], {"main": "abc", "eu": "def"})
    await store.save([snapshot(volume=90)], {"main": "xyz"})
    await store.close()
    await store.close()  # idempotent

    again = SQLiteStore(path)
    state = await again.load()
    assert set(state.players) == {GUILD, GUILD + 1}
    assert state.players[GUILD].volume == 90
    assert state.sessions == {"main": "xyz", "eu": "def"}
    await again.delete([GUILD, 999])
    assert set((await again.load()).players) == {GUILD + 1}
    await again.close()
    with pytest.raises(StoreError):
        await again.load()

    with closing(sqlite3.connect(path)) as conn, conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_sqlite_store_skips_an_unreadable_row(tmp_path: Path) -> None:
    path = tmp_path / "players.db"
    store = SQLiteStore(path)
    await store.save([snapshot()], {})
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO voltricx_players VALUES (?, ?)", (5, b"garbage"))
    assert set((await store.load()).players) == {GUILD}
    await store.close()


async def test_sqlite_errors_are_store_errors(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    store = SQLiteStore(tmp_path / "dir.db")
    with pytest.raises(StoreError):
        await store.load()
    await store.close()


# -- a live pool -------------------------------------------------------------------------


async def start_player(node: voltricx.Node, guild_id: int = GUILD) -> voltricx.Player:
    result = await node.rest.load_tracks("ytsearch:store tests")
    tracks = result.data
    assert isinstance(tracks, list)
    player = voltricx.Player(guild_id, node=node)
    await player.connect(CHANNEL)
    player.queue.put(tracks[1:4])
    await player.play(tracks[0], start=30_000)
    return player


async def test_saving_is_batched_and_only_writes_what_changed(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, tmp_path: Path
) -> None:
    fake = await fake_factory()
    store = SQLiteStore(tmp_path / "players.db")
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(fake, "main")], store=store, report=False
    )
    node = voltricx.Pool.get_node("main")
    players = [await start_player(node, GUILD + i) for i in range(3)]
    assert await voltricx.Pool.save() == 3
    persister = _restore.active_persister()
    assert persister is not None
    writes = persister.writes
    for _ in range(20):  # playerUpdate frames alone never cause a write
        await fake.push_player_updates()
    await gateway.wait_for(voltricx.events.PlayerUpdate, count=60)
    assert await voltricx.Pool.save() == 0
    assert persister.writes == writes

    await players[0].seek(100_000)  # the saved position no longer predicts the real one
    players[1].queue.put(players[1].queue[0])
    players[2].home = 99
    assert await voltricx.Pool.save() == 3
    assert persister.writes == writes + 1  # one batch for all three

    await players[1].disconnect()
    await voltricx.Pool.save()
    state = await load_file(tmp_path / "players.db")
    assert set(state.players) == {GUILD, GUILD + 2}
    assert abs(state.players[GUILD].position - 100_000) < 1000
    assert state.players[GUILD + 2].home == 99
    assert state.sessions == {"main": node.session_id}


async def test_close_keeps_the_players_and_the_next_connect_recreates_them(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, tmp_path: Path
) -> None:
    fake = await fake_factory()
    path = tmp_path / "players.db"
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(fake, "main")], store=SQLiteStore(path), report=False
    )
    player = await start_player(voltricx.Pool.get_node("main"))
    player.home = 1234
    await player.set_volume(40)
    expected_queue = [t.encoded for t in player.queue]
    await voltricx.Pool.close()  # destroys the node's players; the store keeps them (frozen)
    saved = (await load_file(path)).players[GUILD]
    assert saved.frozen and saved.track is not None

    gateway2 = FakeVoiceGateway()
    await voltricx.Pool.connect(
        client=gateway2, nodes=[node_config(fake, "main")], store=SQLiteStore(path), report=False
    )
    restored = voltricx.Pool.get_player(GUILD)
    assert restored is not None
    assert restored.current is not None and restored.current.encoded == saved.track.encoded
    assert abs(restored.position - saved.position) < 1000
    assert [t.encoded for t in restored.queue] == expected_queue
    assert restored.queue.current is not None
    assert restored.queue.current.encoded == restored.current.encoded
    assert restored.home == 1234 and restored.volume == 40
    assert gateway2.joins == [(GUILD, CHANNEL)]
    copy = fake.player(GUILD, voltricx.Pool.get_node("main").session_id)
    assert copy is not None and copy.track is not None and copy.voice.channel_id == str(CHANNEL)
    assert copy.volume == 40


async def test_a_track_that_would_have_ended_moves_on_to_the_queue(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, tmp_path: Path
) -> None:
    fake = await fake_factory()
    short = fake.catalogue.add(title="Almost over", length=5_000)
    nxt = fake.catalogue.add(title="Next up", length=200_000)
    path = tmp_path / "players.db"
    store = SQLiteStore(path)
    # Saved long ago while playing near the end: by now it would have finished.
    await store.save(
        [snapshot(node="main", session_id=None, track=short, position=4_000, read_at=1.0, queue=[nxt],
                  history=[short], queue_mode=QueueMode.NORMAL, filters=FiltersPayload())],
        {},
    )  # fmt: skip
    await store.close()
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(fake, "main")], store=SQLiteStore(path), report=False
    )
    start = await gateway.wait_for(voltricx.events.TrackStart, timeout=5)
    assert start.track.encoded == nxt.encoded
    player = voltricx.Pool.get_player(GUILD)
    assert player is not None and not player.queue
