"""RedisStore against a real redis-server (started per test), and without the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import voltricx
from voltricx.redis_store import RedisStore
from voltricx.store import PlayerStore, StoreError, encode_snapshot
from voltricx.testing.voice import FakeVoiceGateway

from ._redis_server import redis_url
from .conftest import FakeFactory, node_config
from .test_store import CHANNEL, GUILD, snapshot, start_player

__all__ = ["redis_url"]

ROOT = Path(__file__).resolve().parent.parent


async def test_redis_store_saves_loads_and_deletes(redis_url: str) -> None:
    store = RedisStore(redis_url, prefix="bot:shard:0")
    assert isinstance(store, PlayerStore)
    assert (await store.load()).players == {}
    await store.save([snapshot(), snapshot(GUILD + 1, track=None)], {"main": "abc"})
    await store.save([snapshot(volume=90)], {"main": "xyz", "eu": "def"})
    await store.close()
    await store.close()
    with pytest.raises(StoreError):
        await store.load()

    # The same shard started somewhere else picks its players up.
    elsewhere = RedisStore(redis_url, prefix="bot:shard:0")
    state = await elsewhere.load()
    assert set(state.players) == {GUILD, GUILD + 1}
    assert state.players[GUILD].volume == 90
    assert state.players[GUILD].track is not None
    assert state.sessions == {"main": "xyz", "eu": "def"}
    await elsewhere.delete([GUILD, 42])
    assert set((await elsewhere.load()).players) == {GUILD + 1}
    await elsewhere.clear()
    assert (await elsewhere.load()).players == {}
    await elsewhere.close()


async def test_each_prefix_owns_its_keys(redis_url: str) -> None:
    import redis.asyncio as redis

    zero = RedisStore(redis_url, prefix="bot:shard:0")
    one = RedisStore(redis_url, prefix="bot:shard:1")
    await zero.save([snapshot(GUILD)], {"main": "s0"})
    await one.save([snapshot(GUILD + 1)], {"main": "s1"})
    assert set((await zero.load()).players) == {GUILD}
    assert (await one.load()).sessions == {"main": "s1"}
    await zero.close()
    await one.close()

    client = redis.Redis.from_url(redis_url)
    try:
        assert await client.hget("bot:shard:0:players", str(GUILD)) == encode_snapshot(snapshot(GUILD))
        assert sorted(await client.keys("bot:*")) == [
            b"bot:shard:0:players",
            b"bot:shard:0:sessions",
            b"bot:shard:0:written",
            b"bot:shard:1:players",
            b"bot:shard:1:sessions",
            b"bot:shard:1:written",
        ]
        # A client passed in is used as it is and left open by close().
        store = RedisStore(prefix="bot:shard:1", client=client)
        assert set((await store.load()).players) == {GUILD + 1}
        await store.close()
        assert await client.ping()
    finally:
        await client.aclose()


async def test_unreachable_redis_is_a_store_error() -> None:
    store = RedisStore("redis://127.0.0.1:1/0", prefix="x")
    with pytest.raises(StoreError):
        await store.load()
    await store.close()


async def test_pool_restores_from_redis_after_close(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, redis_url: str
) -> None:
    fake = await fake_factory()
    store = RedisStore(redis_url, prefix="bot:shard:3")
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "main")], store=store, report=False)
    player = await start_player(voltricx.Pool.get_node("main"))
    queue = [t.encoded for t in player.queue]
    await voltricx.Pool.close()

    await voltricx.Pool.connect(
        client=FakeVoiceGateway(),
        nodes=[node_config(fake, "main")],
        store=RedisStore(redis_url, prefix="bot:shard:3"),
        report=False,
    )
    restored = voltricx.Pool.get_player(GUILD)
    assert restored is not None and restored.channel_id == CHANNEL
    assert [t.encoded for t in restored.queue] == queue


def test_module_imports_without_redis_and_says_which_extra_to_install() -> None:
    code = textwrap.dedent(
        """
        import asyncio, sys
        sys.modules["redis"] = None  # as if redis-py were not installed
        import voltricx.redis_store as mod
        from voltricx.errors import MissingExtraError
        store = mod.RedisStore("redis://127.0.0.1:6379/0", prefix="p")
        try:
            asyncio.run(store.load())
        except MissingExtraError as exc:
            print("MISSING", exc.library, exc.extra, exc)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.startswith("MISSING redis redis"), out.stdout + out.stderr
    assert "pip install 'voltricx[redis]'" in out.stdout
