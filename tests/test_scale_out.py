"""Sharded bots across processes on one Redis: ownership, fencing, resharding.

Each bot is a real OS process (tests/_shard_bot.py) against a FakeLavalink
in this process and a real ``redis-server``. Checked at every sampled
moment: no guild is held twice on the node. Figures (restored/total, max
position error, guilds held twice, restore time) are logged.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
import pytest

import voltricx
from voltricx.events import OwnershipLost
from voltricx.redis_store import RedisStore, shard_of
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from ._redis_server import redis_url
from .conftest import PASSWORD, FakeFactory, node_config
from .test_redis_store import on_shard
from .test_store import snapshot, start_player

__all__ = ["redis_url"]

BOT = Path(__file__).resolve().parent / "_shard_bot.py"
ROOT = BOT.parent.parent
_log = logging.getLogger("voltricx.tests")

pytestmark = pytest.mark.timeout(90)


class ShardBot:
    """One bot process."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []

    @classmethod
    async def start(
        cls,
        fake: FakeLavalink,
        redis: str,
        *,
        shards: Iterable[int] = (0,),
        count: int = 1,
        takeover: bool = False,
        lease: float = 1.0,
        volume: int = 34,
        guilds: Iterable[int] = (),
    ) -> ShardBot:
        args = [fake.uri, PASSWORD, redis, ",".join(map(str, shards)), str(count), "1" if takeover else "0"]
        args += [str(lease), str(volume), *map(str, guilds)]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(BOT), *args, cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(proc)

    async def marker(self, tag: str, timeout: float = 30.0) -> Any:
        """Wait for the ``TAG {json}`` line (read until it comes)."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                if not line:
                    assert self.proc.stderr is not None
                    err = (await self.proc.stderr.read()).decode()
                    raise AssertionError(f"bot exited before {tag}: {''.join(self.lines)}\n{err[-3000:]}")
                self.lines.append(line)
                if line.startswith(tag + " "):
                    return msgspec.json.decode(line[len(tag) + 1 :])

    def signal(self, sig: int) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)

    async def stop(self) -> None:
        if self.proc.returncode is not None:
            return
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        await self.marker("CLOSED")
        async with asyncio.timeout(15):
            await self.proc.wait()

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


class Sampler:
    """Samples the node's copies per guild until stopped; remembers the worst moment."""

    def __init__(self, fake: FakeLavalink) -> None:
        self.fake = fake
        self.twice: set[int] = set()
        self.first: str | None = None
        self.samples = 0
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            for guild, copies in self.fake.held_guilds().items():
                if copies > 1:
                    self.twice.add(guild)
                    if self.first is None:
                        self.first = repr({k: list(v.players) for k, v in self.fake.sessions.items()})
            self.samples += 1
            await asyncio.sleep(0.005)  # sampling pace

    async def stop(self) -> set[int]:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.twice


def guilds_on(shard: int, count: int, n: int) -> list[int]:
    return [on_shard(shard, count, i) for i in range(n)]


async def test_hung_process_replaced_with_takeover_then_woken_sends_nothing(
    fake_factory: FakeFactory, redis_url: str
) -> None:
    fake = await fake_factory()
    guilds = guilds_on(0, 1, 4)
    old = await ShardBot.start(fake, redis_url, volume=34, guilds=guilds)
    new: ShardBot | None = None
    sampler = Sampler(fake)
    try:
        await old.marker("READY")
        assert set(fake.held_guilds()) == set(guilds)
        old.signal(signal.SIGSTOP)  # hung: its websocket and lease stay as they were
        started = time.monotonic()
        new = await ShardBot.start(fake, redis_url, takeover=True, volume=77, guilds=guilds)
        ready = await new.marker("READY")
        restore = time.monotonic() - started
        now = time.time()
        restored = {p["guild"]: p for p in ready["restored"]}
        assert set(restored) == set(guilds)
        assert ready["tokens"] == {"0": 2}
        held = fake.held_guilds()
        assert held == {g: 1 for g in guilds}, held  # the old session's copies were deleted
        errors = [
            abs(p["position"] + (now - p["at"]) * 1000 - f.position)
            for f in fake.players
            for p in restored.values()
            if int(f.guild_id) == p["guild"]
        ]
        old.signal(signal.SIGCONT)  # it wakes up and goes on with its busy loop
        lost = await old.marker("LOST")
        assert sorted(lost["players"]) == sorted(guilds)
        await old.stop()  # its Pool.close writes nothing over the new owner
        twice = await sampler.stop()
        assert twice == set(), f"guilds held twice: {twice} first {sampler.first}"
        assert {int(f.guild_id): f.volume for f in fake.players} == {g: 77 for g in guilds}
        check = RedisStore(redis_url, prefix="bot")
        state = await check.peek()
        await check.close()
        assert set(state.players) == set(guilds)
        # The woken process's close wrote nothing: the records are the new owner's (its session, live).
        sessions = {f.session_id for f in fake.players}
        assert len(sessions) == 1
        assert all(s.session_id in sessions and not s.frozen for s in state.players.values())
        _log.info(
            "hung + takeover + wake: restored %d/%d in %.2fs, max position error %d ms, "
            "guilds held twice: %d in %d samples",
            len(restored), len(guilds), restore, max(errors), len(twice), sampler.samples,
        )  # fmt: skip
    finally:
        await sampler.stop()
        old.signal(signal.SIGCONT)
        await old.kill()
        if new is not None:
            await new.stop()


async def test_rolling_deploy_sigterm_to_the_old_process_writes_nothing_over_the_new_owner(
    fake_factory: FakeFactory, redis_url: str
) -> None:
    fake = await fake_factory()
    guilds = guilds_on(0, 1, 4)
    old = await ShardBot.start(fake, redis_url, volume=34, guilds=guilds)
    new: ShardBot | None = None
    sampler = Sampler(fake)
    try:
        await old.marker("READY")
        started = time.monotonic()
        new = await ShardBot.start(fake, redis_url, takeover=True, volume=77, guilds=guilds)
        ready = await new.marker("READY")
        restore = time.monotonic() - started
        assert {p["guild"] for p in ready["restored"]} == set(guilds)
        assert ready["tokens"] == {"0": 2}
        old.signal(signal.SIGTERM)  # the deploy stops the old process, which may not have noticed yet
        await old.marker("CLOSED")
        async with asyncio.timeout(15):
            assert await old.proc.wait() == 0
        await fake.wait_for(lambda f: {int(p.guild_id): p.volume for p in f.players} == {g: 77 for g in guilds})
        twice = await sampler.stop()
        assert twice == set(), f"guilds held twice: {twice} first {sampler.first}"
        assert all(p.playing for p in fake.players)
        check = RedisStore(redis_url, prefix="bot")
        state = await check.peek()
        await check.close()
        # The old process's last batch was refused: the records are the new owner's (its session, live).
        sessions = {f.session_id for f in fake.players}
        assert set(state.players) == set(guilds) and len(sessions) == 1
        assert all(s.session_id in sessions and not s.frozen for s in state.players.values())
        _log.info(
            "rolling deploy + SIGTERM: restored %d/%d in %.2fs, guilds held twice: %d in %d samples",
            len(ready["restored"]), len(guilds), restore, len(twice), sampler.samples,
        )  # fmt: skip
    finally:
        await sampler.stop()
        await old.kill()
        if new is not None:
            await new.stop()


async def test_resharding_2_to_3_every_guild_restored_once_by_its_owner(
    fake_factory: FakeFactory, redis_url: str
) -> None:
    fake = await fake_factory()
    guilds = guilds_on(0, 2, 3) + guilds_on(1, 2, 3)
    first = [
        await ShardBot.start(fake, redis_url, shards=[s], count=2, guilds=[g for g in guilds if shard_of(g, 2) == s])
        for s in (0, 1)
    ]
    for bot in first:
        await bot.marker("READY")
    for bot in first:
        await bot.stop()
    assert fake.players == []
    second = [await ShardBot.start(fake, redis_url, shards=[s], count=3) for s in (0, 1, 2)]
    try:
        restored = [await bot.marker("READY") for bot in second]
        for shard, ready in enumerate(restored):
            assert sorted(p["guild"] for p in ready["restored"]) == sorted(
                g for g in guilds if shard_of(g, 3) == shard
            )
        assert fake.held_guilds() == {g: 1 for g in guilds}
        _log.info("resharding 2 -> 3: %d/%d guilds restored, each once, by its owner", len(guilds), len(guilds))
    finally:
        for bot in second:
            await bot.stop()


async def test_a_pool_that_lost_its_shard_drops_players_without_a_request(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, redis_url: str
) -> None:
    fake = await fake_factory()
    store = RedisStore(redis_url, prefix="bot", lease=1.0)
    await voltricx.Pool.connect(client=gateway, nodes=[node_config(fake, "main")], store=store, report=False)
    node = voltricx.Pool.get_node("main")
    players = [await start_player(node, g) for g in guilds_on(0, 1, 2)]
    await voltricx.Pool.save()
    requests = len(fake.requests)

    successor = RedisStore(redis_url, prefix="bot", takeover=True)
    async with asyncio.timeout(15):
        await successor.load()  # returns once the old owner yielded (its next save pass)
    event = await gateway.wait_for(OwnershipLost, timeout=15)
    assert event.shards == (0,) and set(event.players) == set(players)
    assert voltricx.Pool.players() == {} and all(p.destroyed for p in players)
    with pytest.raises(voltricx.PlayerError):
        await players[0].set_volume(5)
    await voltricx.Pool.close()
    # Nothing was sent for the lost guilds (the node's copies are the successor's business).
    sent = [r for r in fake.requests[requests:] if "/players/" in r.path]
    assert sent == []
    assert all(not s.frozen for s in (await successor.peek()).players.values())
    await successor.close()


async def test_store_inspect_shows_owners_leases_tokens_and_players(redis_url: str) -> None:
    zero = RedisStore(redis_url, prefix="bot", shard_ids=[0], shard_count=2)
    one = RedisStore(redis_url, prefix="bot", shard_ids=[1], shard_count=2, lease=1.0)
    await zero.load()
    await one.load()
    await zero.save([snapshot(g) for g in guilds_on(0, 2, 3)], {"main": "s0"})
    await one.save([snapshot(g) for g in guilds_on(1, 2, 2)], {})
    await one.close()  # gives its lease back
    code = (
        "import sys; from voltricx.cli import main; "
        f"raise SystemExit(main(['store', 'inspect', {redis_url!r}, '--prefix', 'bot', '--no-colour']))"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    await zero.close()
    text = out.decode()
    assert proc.returncode == 0, text + err.decode()
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()[:1].isdigit()}
    assert rows["0"][1:3] == ["1", "3"] and rows["0"][4] == zero.owner
    assert rows["1"][1:4] == ["1", "2", "free"]
    assert "'main': 's0'" in text and "5 saved players, 2 shards" in text
