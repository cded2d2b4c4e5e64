"""Restart resume: SIGKILL the bot mid-playback, start it again with the same store.

The bot (tests/_restart_bot.py) runs in a subprocess against a FakeLavalink
in this process. Its first run starts three players (one paused, one with
filters, loop_all and autoplay), fills their queues, saves, prints its state
and is SIGKILLed; the second run connects with the same store and prints
what came back. Checked: same track within 1 s of the right position (the
node's own position when the session resumed; the saved position advanced
by the time away when it had expired), queue, history and settings intact,
voice re-joined.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from voltricx.testing import FakeLavalink

from ._redis_server import redis_url
from .conftest import PASSWORD, FakeFactory

__all__ = ["redis_url"]

BOT = Path(__file__).resolve().parent / "_restart_bot.py"
ROOT = BOT.parent.parent
TOLERANCE_MS = 1000

pytestmark = pytest.mark.timeout(60)


class Bot:
    """One run of the bot script."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []

    @classmethod
    async def start(cls, fake: FakeLavalink, store: str, mode: str, resume_timeout: int) -> Bot:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(BOT),
            fake.uri,
            PASSWORD,
            store,
            mode,
            str(resume_timeout),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def marker(self, tag: str, timeout: float = 20.0) -> Any:
        """Wait for the ``TAG {json}`` line (no sleeps: read until it comes)."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                if not line:
                    assert self.proc.stderr is not None
                    err = (await self.proc.stderr.read()).decode()
                    raise AssertionError(f"bot exited before {tag}: {''.join(self.lines)}\n{err}")
                self.lines.append(line)
                if line.startswith(tag + " "):
                    return msgspec.json.decode(line[len(tag) + 1 :])

    async def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no cleanup, no close frame
        await self.proc.wait()

    async def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        async with asyncio.timeout(15):
            await self.proc.wait()


def expected_position(before: dict[str, Any], at: float) -> int:
    """Where ``before``'s track should be at wall-clock ``at`` had it kept playing."""
    if before["paused"]:
        return int(before["position"])
    return int(before["position"] + (at - before["at"]) * 1000)


async def restart(
    fake: FakeLavalink, store: str, *, expire: bool = False, resume_timeout: int = 60
) -> tuple[dict[int, Any], dict[int, Any], float]:
    first = await Bot.start(fake, store, "first", resume_timeout)
    try:
        state = await first.marker("STATE")
    finally:
        await first.kill()
    assert state["written"] == 3
    old_sessions = set(fake.sessions)
    # The server notices the client is gone (its TCP connection was reset by the kernel).
    await fake.wait_for(lambda f: all(s.ws is None for s in f.sessions.values()), timeout=10)
    if expire:
        await fake.restart(keep_sessions=False)
    fake.clear_requests()
    second = await Bot.start(fake, store, "second", resume_timeout)
    try:
        took = (await second.marker("CONNECTED"))["seconds"]
        restored = await second.marker("RESTORED")
        fake_positions = {
            int(p.guild_id): (p.position, time.time(), p.session_id) for p in fake.players
        }
        voice_patches = [
            r for r in fake.requests if r.method == "PATCH" and b'"voice"' in (r.body or b"")
        ]
    finally:
        await second.stop()
    before = {p["guild"]: p for p in state["players"]}
    after = {p["guild"]: p for p in restored["players"]}
    assert set(after) == set(before)
    resumed = {sid for _, _, sid in fake_positions.values()} <= old_sessions
    assert resumed is not expire
    for guild, now in after.items():
        old = before[guild]
        assert now["track"] == old["track"]
        error = abs(now["position"] - expected_position(old, now["at"]))
        assert error <= TOLERANCE_MS, (guild, now["position"], expected_position(old, now["at"]))
        node_pos, node_at, _ = fake_positions[guild]
        node_now = node_pos if now["paused"] else node_pos - (node_at - now["at"]) * 1000
        assert abs(now["position"] - node_now) <= TOLERANCE_MS
        for key in ("queue", "history", "mode", "autoplay", "volume", "paused", "filters", "home", "channel"):
            assert now[key] == old[key], key
    assert {int(msgspec.json.decode(r.body)["voice"]["channelId"]) for r in voice_patches} == {
        p["channel"] for p in before.values()
    }
    errors = {g: abs(a["position"] - expected_position(before[g], a["at"])) for g, a in after.items()}
    # Figures for the report (visible with -s): worst position error, time Pool.connect took.
    print(f"restart {store.split(':')[0]} expire={expire}: max position error "
          f"{max(errors.values())} ms, restore {took * 1000:.1f} ms")
    return before, errors, took


async def test_sigkill_then_restart_resumes_the_session_from_sqlite(
    fake_factory: FakeFactory, tmp_path: Path
) -> None:
    fake = await fake_factory()
    await restart(fake, f"sqlite:{tmp_path / 'players.db'}")


async def test_sigkill_then_restart_resumes_the_session_from_redis(
    fake_factory: FakeFactory, redis_url: str
) -> None:
    fake = await fake_factory()
    await restart(fake, f"redis:{redis_url}#shard-0")


async def test_expired_session_recreates_players_from_the_stored_track_sqlite(
    fake_factory: FakeFactory, tmp_path: Path
) -> None:
    fake = await fake_factory()
    await restart(fake, f"sqlite:{tmp_path / 'players.db'}", expire=True)


async def test_expired_session_recreates_players_from_the_stored_track_redis(
    fake_factory: FakeFactory, redis_url: str
) -> None:
    fake = await fake_factory()
    await restart(fake, f"redis:{redis_url}#shard-1", expire=True)


async def test_session_past_its_resume_timeout_recreates_players(
    fake_factory: FakeFactory, tmp_path: Path
) -> None:
    fake = await fake_factory()
    store = f"sqlite:{tmp_path / 'players.db'}"
    first = await Bot.start(fake, store, "first", 1)
    try:
        state = await first.marker("STATE")
    finally:
        await first.kill()
    # The 1 s resume timeout runs out: the server drops the session and its players.
    await fake.wait_for(lambda f: not f.sessions and not f.players, timeout=10)
    second = await Bot.start(fake, store, "second", 1)
    try:
        restored = await second.marker("RESTORED")
        # Copied now: closing the pool below destroys the fake's players.
        live = {int(p.guild_id): (p.track.encoded if p.track else None, p.paused, p.volume) for p in fake.players}
    finally:
        await second.stop()
    before = {p["guild"]: p for p in state["players"]}
    for now in restored["players"]:
        old = before[now["guild"]]
        assert now["track"] == old["track"]
        assert abs(now["position"] - expected_position(old, now["at"])) <= TOLERANCE_MS
        assert now["queue"] == old["queue"]
        assert live[now["guild"]] == (old["track"], old["paused"], old["volume"])
