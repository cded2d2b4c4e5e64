"""The store never takes the bot down: a real ``redis-server`` that is not up yet when the pool connects.

The pool connects and plays without it, logs a warning, and keeps trying the
store in the background; when Redis comes up, the saved players come back
(late) and every live player is written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import voltricx
from voltricx import _restore
from voltricx.redis_store import RedisStore
from voltricx.store import StoreError
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory, node_config
from .test_store import CHANNEL, GUILD, start_player
from .test_store_hardening import REDIS_SERVER, RedisProcess


@pytest.fixture
async def stopped_redis(tmp_path: Path) -> AsyncIterator[RedisProcess]:
    """A ``redis-server`` on a reserved port, not started: the test starts it when it wants."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not on PATH (install redis-server to run the Redis store tests)")
    pytest.importorskip("redis", reason="the redis extra (redis-py) is not installed")
    server = RedisProcess(tmp_path)
    yield server
    await server.kill()


def _persister() -> _restore.Persister:
    persister = _restore.active_persister()
    assert persister is not None
    return persister


async def test_redis_down_at_start_then_up_plays_restores_and_saves(
    fake_factory: FakeFactory,
    gateway: FakeVoiceGateway,
    stopped_redis: RedisProcess,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import redis.asyncio as redis

    caplog.set_level(logging.WARNING, logger="voltricx")
    fake = await fake_factory()

    # A first run saves one player, and Redis keeps it on disk across its restart.
    await stopped_redis.start()
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(fake, "main")], store=RedisStore(stopped_redis.url), report=False
    )
    saved = await start_player(voltricx.Pool.get_node("main"), GUILD)
    queue = [t.encoded for t in saved.queue]
    assert saved.current is not None
    current = saved.current.encoded
    await voltricx.Pool.close()
    admin = redis.Redis.from_url(stopped_redis.url)
    try:
        await admin.shutdown(save=True)  # pyright: ignore[reportUnknownMemberType]
    except (redis.ConnectionError, ConnectionError):
        pass  # the server closes the connection as it exits
    finally:
        await admin.aclose()
    await stopped_redis.kill()

    # Redis is down: the pool connects anyway and a new player plays.
    second = FakeVoiceGateway(endpoint=gateway.endpoint)
    nodes = await voltricx.Pool.connect(
        client=second, nodes=[node_config(fake, "main")], store=RedisStore(stopped_redis.url), report=False
    )
    assert nodes["main"].status is voltricx.NodeStatus.CONNECTED
    assert voltricx.Pool.get_player(GUILD) is None
    assert any("cannot read the saved players" in r.getMessage() for r in caplog.records)
    live = await start_player(voltricx.Pool.get_node("main"), GUILD + 1)
    assert live.playing
    persister = _persister()
    assert not persister.ready.is_set()
    with pytest.raises(StoreError, match="not been readable"):
        await voltricx.Pool.save()

    # Redis comes back (with the first run's data): the saved player returns, the live one is saved.
    await stopped_redis.start()
    async with asyncio.timeout(30):
        await persister.ready.wait()
    restored = voltricx.Pool.get_player(GUILD)
    assert restored is not None and restored.channel_id == CHANNEL
    assert [t.encoded for t in restored.queue] == queue
    assert restored.current is not None and restored.current.encoded == current
    assert {int(p.guild_id) for p in fake.players} == {GUILD, GUILD + 1}
    assert voltricx.Pool.get_player(GUILD + 1) is live
    await voltricx.Pool.save()
    check = RedisStore(stopped_redis.url)
    try:
        state = await check.peek()
    finally:
        await check.close()
    assert set(state.players) == {GUILD, GUILD + 1}
    await voltricx.Pool.close()


async def test_redis_never_up_close_still_closes(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, stopped_redis: RedisProcess
) -> None:
    fake = await fake_factory()
    store = RedisStore(stopped_redis.url)
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "main")], store=store, report=False)
    player = await start_player(voltricx.Pool.get_node("main"), GUILD)
    assert player.playing
    await voltricx.Pool.close()
    assert voltricx.Pool.nodes() == {} and fake.players == []
