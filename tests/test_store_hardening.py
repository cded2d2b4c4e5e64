"""The stores lose nothing: big snowflakes, odd and damaged rows, one bad player, Redis restarted empty.

The Redis test kills a real ``redis-server`` with SIGKILL and starts a new,
empty one on the same port while the pool keeps saving: the store notices
that its data is gone and every player and session is written again. The
time from the restart until the store is whole again is measured and logged
(the promise is "at most about 1 s of changes lost").
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import socket
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import voltricx
from voltricx import _restore
from voltricx.redis_store import RedisStore
from voltricx.store import PlayerStore, SQLiteStore, StoredState, StoreError, encode_snapshot
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config
from .test_store import GUILD, load_file, snapshot, start_player

BIG = 2**64 - 1  # the largest snowflake: above SQLite's signed 64-bit INTEGER
HIGH = 2**63  # the first id SQLite cannot hold as it is


# --------------------------------------------------------------------------- SQLite


async def test_sqlite_holds_every_valid_snowflake(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "players.db")
    await store.save([snapshot(1), snapshot(HIGH), snapshot(BIG), snapshot(GUILD)], {"main": "abc"})
    assert set((await store.load()).players) == {1, HIGH, BIG, GUILD}
    await store.delete([HIGH, BIG])
    assert set((await store.load()).players) == {1, GUILD}
    await store.close()


async def test_a_big_guild_id_does_not_stop_saving_and_close_is_clean(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, tmp_path: Path
) -> None:
    fake = await fake_factory()
    path = tmp_path / "players.db"
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(fake, "main")], store=SQLiteStore(path), report=False
    )
    node = voltricx.Pool.get_node("main")
    await start_player(node, BIG)
    assert await voltricx.Pool.save() == 1
    await start_player(node, GUILD)  # created after the big one: still saved
    assert await voltricx.Pool.save() == 1
    await voltricx.Pool.close()
    assert voltricx.Pool.nodes() == {} and fake.players == []
    state = await load_file(path)
    assert set(state.players) == {BIG, GUILD}


class _PickyStore(SQLiteStore):
    """A store that cannot hold one guild (as SQLite could not hold ids from 2**63 before)."""

    def __init__(self, path: Path, refused: int) -> None:
        super().__init__(path)
        self.refused = refused

    async def save(self, players: Any, sessions: Any) -> None:
        if any(p.guild_id == self.refused for p in players):
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        await super().save(players, sessions)


async def test_one_player_that_cannot_be_saved_never_stops_the_others(
    fake_factory: FakeFactory,
    gateway: FakeVoiceGateway,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="voltricx")
    fake = await fake_factory()
    path = tmp_path / "players.db"
    await voltricx.Pool.connect(
        client=gateway,
        nodes=[node_config(fake, "main")],
        store=_PickyStore(path, GUILD),
        report=False,
    )
    node = voltricx.Pool.get_node("main")
    await start_player(node, GUILD)
    others = [await start_player(node, GUILD + i) for i in (1, 2)]
    assert await voltricx.Pool.save() == 2  # the batch failed: saved player by player
    assert await voltricx.Pool.save() == 0  # the refused one is tried again, warned once
    warnings = [r.getMessage() for r in caplog.records if str(GUILD) in r.getMessage()]
    assert len(warnings) == 1 and "cannot be saved" in warnings[0]
    await others[0].set_volume(55)
    await voltricx.Pool.save()
    state = await load_file(path)
    assert set(state.players) == {GUILD + 1, GUILD + 2}
    assert state.players[GUILD + 1].volume == 55


async def test_restore_skips_odd_rows_and_names_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="voltricx")
    path = tmp_path / "players.db"
    store = SQLiteStore(path)
    await store.save([snapshot(GUILD)], {"main": "good"})
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO voltricx_players VALUES (?, ?)", (5, "text, not a blob"))
        conn.execute("INSERT INTO voltricx_players VALUES (?, ?)", (6, 12345))
        conn.execute("INSERT INTO voltricx_players VALUES (?, ?)", (7, b"\xff\xfe garbage"))
        conn.execute(
            "INSERT INTO voltricx_players VALUES (?, ?)", (8, encode_snapshot(snapshot(0)))
        )
        conn.execute("INSERT INTO voltricx_sessions VALUES (?, ?)", ("blob", b"\xff\xfe"))
        conn.execute("INSERT INTO voltricx_sessions VALUES (?, ?)", ("crlf", "abc\r\nX-Evil: 1"))
        conn.execute("INSERT INTO voltricx_sessions VALUES (?, ?)", ("empty", ""))
        conn.execute("INSERT INTO voltricx_sessions VALUES (?, ?)", (b"\xff", "fine"))
    state = await store.load()
    await store.close()
    assert set(state.players) == {GUILD}
    assert state.sessions == {"main": "good"}
    text = "\n".join(r.getMessage() for r in caplog.records)
    for row in ("5", "6", "7", "8", "'blob'", "'crlf'", "'empty'"):
        assert f"skipping saved player {row}" in text or f"node {row}" in text, row


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed pages"])
async def test_a_damaged_sqlite_file_is_a_store_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "players.db"
    store = SQLiteStore(path)
    await store.save([snapshot(GUILD + i) for i in range(200)], {"main": "abc"})
    await store.close()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    if damage == "garbage":
        data = bytearray(b"this is not a database at all" * 200)
    elif damage == "truncated":
        data = data[: len(data) // 3]
    else:
        data[4096 : 4096 * 3] = bytes(8192)
    path.write_bytes(bytes(data))
    damaged = SQLiteStore(path)
    try:
        state = await damaged.load()
    except StoreError as exc:
        assert "damaged" in str(exc) or "backup" in str(exc)
    else:
        # SQLite may read around a damaged page; what it returns is valid.
        assert all(s.guild_id == g for g, s in state.players.items())
    await damaged.close()


async def test_a_store_path_under_a_file_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    store = SQLiteStore(tmp_path / "file" / "players.db")
    with pytest.raises(StoreError, match="writable directory"):
        await store.load()
    with pytest.raises(StoreError):
        await store.save([snapshot()], {})
    await store.close()


# --------------------------------------------------------------------------- Redis

REDIS_SERVER = shutil.which("redis-server")


class RedisProcess:
    """One ``redis-server`` without persistence on a fixed port, which the test may kill and restart."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        assert REDIS_SERVER is not None
        proc = await asyncio.create_subprocess_exec(
            REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.workdir),
            "--save", "", "--appendonly", "no",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert proc.stdout is not None
        async with asyncio.timeout(15):
            while b"Ready to accept connections" not in (line := await proc.stdout.readline()):
                if not line:
                    raise RuntimeError("redis-server did not start")
        self.proc = proc

    async def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
            await proc.communicate()


@pytest.fixture
async def redis_process(tmp_path: Path) -> Any:
    if REDIS_SERVER is None:
        pytest.skip(
            "redis-server is not on PATH (install redis-server to run the Redis store tests)"
        )
    pytest.importorskip("redis", reason="the redis extra (redis-py) is not installed")
    server = RedisProcess(tmp_path)
    await server.start()
    yield server
    await server.kill()


async def test_redis_restarted_empty_is_healed_by_the_next_pass(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, redis_process: RedisProcess
) -> None:
    import redis.asyncio as redis

    first, second = await fake_factory(), await fake_factory()
    store = RedisStore(redis_process.url, prefix="bot")
    await voltricx.Pool.connect(
        client=gateway,
        nodes=[node_config(first, "A"), node_config(second, "B")],
        store=store,
        report=False,
    )
    a, b = voltricx.Pool.get_node("A"), voltricx.Pool.get_node("B")
    players = [await start_player(a if i % 2 else b, GUILD + i) for i in range(11)]
    persister = _restore.active_persister()
    assert persister is not None
    assert await voltricx.Pool.save() == 11

    await redis_process.kill()
    await redis_process.start()  # empty: no persistence
    restarted = time.monotonic()
    # Watch the store heal through Redis's own keyspace notifications (no polling).
    watcher = redis.Redis.from_url(redis_process.url)
    try:
        await watcher.config_set("notify-keyspace-events", "Kh")
        pubsub = watcher.pubsub()
        await pubsub.subscribe("__keyspace@0__:bot:players")

        async def whole() -> bool:
            saved = await watcher.hkeys("bot:players")
            sessions = await watcher.hgetall(store.sessions_key)
            return len(saved) == len(players) and sessions == {
                b"A": a.session_id.encode() if a.session_id else b"",
                b"B": b.session_id.encode() if b.session_id else b"",
            }

        async with asyncio.timeout(20):
            while not await whole():
                await pubsub.get_message(ignore_subscribe_messages=True, timeout=2.0)
        healed = time.monotonic() - restarted
        await pubsub.aclose()
    finally:
        await watcher.aclose()
    logging.getLogger("voltricx.tests").info(
        "redis restarted empty: store whole again after %.2fs (save interval %.1fs)",
        healed,
        persister.interval,
    )
    # The restored state is usable: a fresh store under the same prefix sees every player.
    fresh = RedisStore(redis_process.url, prefix="bot")
    state = await fresh.peek()
    await fresh.close()
    assert set(state.players) == {p.guild_id for p in players}


async def test_redis_rows_that_are_not_utf8_are_skipped(
    redis_process: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    import redis.asyncio as redis

    caplog.set_level(logging.WARNING, logger="voltricx")
    store = RedisStore(redis_process.url, prefix="odd")
    await store.save([snapshot(GUILD)], {"main": "good"})
    client = redis.Redis.from_url(redis_process.url)
    try:
        await client.hset(
            store.sessions_key, mapping={b"\xff\xfe": b"abc", b"eu": b"\xff", b"us": b"a\r\nb"}
        )
        await client.hset("odd:players", mapping={b"\xff": b"\x00garbage", b"7": b""})
    finally:
        await client.aclose()
    state = await store.load()
    await store.close()
    assert set(state.players) == {GUILD}
    assert state.sessions == {"main": "good"}
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "'eu'" in text and "'us'" in text and "b'\\xff'" in text


async def test_a_restart_with_an_unusable_saved_session_still_connects(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, tmp_path: Path
) -> None:
    fake = await fake_factory()
    path = tmp_path / "players.db"
    store = SQLiteStore(path)
    await store.save([snapshot(GUILD, node="main")], {})
    await store.close()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO voltricx_sessions VALUES (?, ?)", ("main", "abc\r\nX-Evil: 1"))
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(fake, "main")], store=SQLiteStore(path), report=False
    )
    node = voltricx.Pool.get_node("main")
    assert node.status is voltricx.NodeStatus.CONNECTED
    supervisor = node._supervisor  # pyright: ignore[reportPrivateUsage]
    assert supervisor is not None and not supervisor.done()
    assert voltricx.Pool.get_player(GUILD) is not None


class _OverflowingStore:
    """A PlayerStore (the public Protocol) whose writes always fail with an untyped error."""

    def __init__(self) -> None:
        self.saves = 0
        self.closed = False

    async def save(self, players: Any, sessions: Any) -> None:
        self.saves += 1
        if players:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")

    async def load(self) -> StoredState:
        return StoredState()

    async def delete(self, guild_ids: Any) -> None:
        return None

    async def close(self) -> None:
        self.closed = True


async def test_a_store_that_raises_anything_is_a_store_error_and_close_still_closes(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway
) -> None:
    fake = await fake_factory()
    store = _OverflowingStore()
    assert isinstance(store, PlayerStore)
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(fake, "main")], store=store, report=False
    )
    node = voltricx.Pool.get_node("main")
    await start_player(node, GUILD)
    await start_player(node, GUILD + 1)
    with pytest.raises(StoreError, match="OverflowError"):
        await voltricx.Pool.save()
    await voltricx.Pool.close()  # returns: the store's failure never keeps nodes or players open
    assert store.closed and fake.players == [] and voltricx.Pool.nodes() == {}
    assert node.status is voltricx.NodeStatus.DISCONNECTED
