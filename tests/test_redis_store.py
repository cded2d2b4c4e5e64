"""RedisStore against a real redis-server (started per test), and without the extra."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import voltricx
from voltricx import _redis_lease
from voltricx.errors import OwnershipLostError
from voltricx.redis_store import RedisStore, shard_of
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


def on_shard(shard: int, count: int, n: int = 0) -> int:
    """A guild id on ``shard`` of ``count`` (Discord's ``(guild_id >> 22) % count``)."""
    guild = ((GUILD >> 22) + n * count) << 22
    return guild + ((shard - (guild >> 22) % count) % count << 22)


async def test_one_prefix_shared_by_shards_each_reads_its_own_guilds(redis_url: str) -> None:
    import redis.asyncio as redis

    g0, g1 = on_shard(0, 2), on_shard(1, 2)
    assert shard_of(g0, 2) == 0 and shard_of(g1, 2) == 1
    zero = RedisStore(redis_url, prefix="bot", shard_ids=[0], shard_count=2)
    one = RedisStore(redis_url, prefix="bot", shard_ids=[1], shard_count=2)
    await zero.load()
    await one.load()
    await zero.save([snapshot(g0)], {"main": "s0"})
    await one.save([snapshot(g1)], {"main": "s1"})
    assert set((await zero.peek()).players) == {g0}
    assert (await one.peek()).sessions == {"main": "s1"}
    owners = (zero.owner, one.owner)
    await zero.close()
    await one.close()

    client = redis.Redis.from_url(redis_url)
    try:
        assert await client.hget("bot:players", str(g0)) == encode_snapshot(snapshot(g0))
        keys = sorted(await client.keys("bot:*"))
        # Leases were given back on close; tokens, last owners and sessions stay.
        assert keys == sorted(
            [b"bot:players", b"bot:written", b"bot:token:0", b"bot:token:1", b"bot:owner:0", b"bot:owner:1"]
            + [f"bot:sessions:{o}".encode() for o in owners]
        )
        # A client passed in is used as it is and left open by close(); resharded to 3, the
        # process of shard 1 gets exactly the guilds that are on shard 1 of 3.
        store = RedisStore(prefix="bot", client=client, shard_ids=[1], shard_count=3)
        state = await store.load()
        assert set(state.players) == {g for g in (g0, g1) if shard_of(g, 3) == 1}
        assert state.sessions == {"main": "s1"}
        await store.close()
        assert await client.ping()
    finally:
        await client.aclose()


async def test_a_newer_owner_fences_the_old_one_out(redis_url: str) -> None:
    old = RedisStore(redis_url, prefix="bot", lease=1.0)
    await old.load()
    await old.save([snapshot(GUILD, volume=10)], {"main": "old"})
    assert old.tokens == {0: 1}

    # Without takeover the live lease is respected, and the error says what to do.
    polite = RedisStore(redis_url, prefix="bot")
    with pytest.raises(StoreError, match="takeover=True"):
        await polite.load()
    await polite.close()

    new = RedisStore(redis_url, prefix="bot", takeover=True)
    state = await new.load()
    assert new.tokens == {0: 2} and state.sessions == {"main": "old"}
    await new.save([snapshot(GUILD, volume=77)], {"main": "new"})

    # The old owner's writes are refused by Redis itself, and it learns it once.
    with pytest.raises(OwnershipLostError) as lost:
        await old.save([snapshot(GUILD, volume=10)], {})
    assert lost.value.shards == frozenset({0}) and lost.value.covers(GUILD)
    assert not old.owns(GUILD)
    with pytest.raises(OwnershipLostError):
        await old.check(GUILD)
    await old.delete([GUILD])
    await old.save([snapshot(GUILD, volume=10)], {})
    await old.close()  # never releases the new owner's lease

    assert (await new.peek()).players[GUILD].volume == 77
    again = RedisStore(redis_url, prefix="bot")
    with pytest.raises(StoreError, match="owned by"):
        await again.load()
    await again.close()
    await new.close()


class _HeldClient:
    """A real redis client, except that the ``eval`` after ``hold = True`` waits until it is cancelled."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.hold = False
        self.holding = asyncio.Event()

    async def eval(self, *args: Any) -> Any:
        if self.hold:
            self.hold = False
            self.holding.set()
            await asyncio.Event().wait()
        return await self.real.eval(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


async def test_close_cancels_and_awaits_a_lease_check_still_waiting_for_redis(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis.asyncio as redis

    real = redis.Redis.from_url(redis_url)
    client = _HeldClient(real)
    store = RedisStore(prefix="bot", client=client)
    try:
        await store.load()
        # The lease ran out locally (as after a hang), so the next check asks Redis first.
        later = time.monotonic() + 3600
        monkeypatch.setattr(_redis_lease, "time", SimpleNamespace(monotonic=lambda: later))
        monkeypatch.setattr(_redis_lease, "CONFIRM_TIMEOUT", 3600.0)  # only close() ends the wait
        client.hold = True
        check = asyncio.create_task(store.check(GUILD))
        await client.holding.wait()
        assert not check.done()

        await store.close()  # cancels the renewal it owns; the waiting check goes on
        assert await asyncio.wait_for(check, 10) is None
        assert await real.get("bot:lease:0") is None  # and the lease was given back
    finally:
        await real.aclose()


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
