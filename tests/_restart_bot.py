"""A tiny "bot" for the restart tests: run by tests/test_restart_resume.py in a subprocess.

    python tests/_restart_bot.py URI PASSWORD STORE MODE [RESUME_TIMEOUT]

STORE is ``sqlite:PATH`` or ``redis:URL#PREFIX``. MODE ``first`` connects a
pool (FakeVoiceGateway) to the FakeLavalink at URI, which runs in the
parent test process, starts players, fills queues, saves, prints one
``STATE {json}`` line and waits to be SIGKILLed. MODE ``second`` connects
with the same store, prints ``RESTORED {json}`` with what came back and
waits for its stdin to close, then closes the pool.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import msgspec

import voltricx
from voltricx.enums import AutoPlayMode, QueueMode
from voltricx.redis_store import RedisStore
from voltricx.store import PlayerStore, SQLiteStore
from voltricx.testing.voice import FakeVoiceGateway

GUILDS = (310000000000000001, 310000000000000002, 310000000000000003)
CHANNEL = 410000000000000000


def make_store(spec: str, *, takeover: bool = False) -> PlayerStore:
    kind, _, rest = spec.partition(":")
    if kind == "sqlite":
        return SQLiteStore(rest)
    url, _, prefix = rest.partition("#")
    # The replacement of a killed process takes its shard over; it waits out the old lease
    # (a killed process cannot say it stopped), so the lease is short here.
    return RedisStore(url, prefix=prefix or "voltricx-test", takeover=takeover, lease=1.0)


def describe(player: voltricx.Player) -> dict[str, Any]:
    queue = player.queue
    return {
        "guild": player.guild_id,
        "channel": player.channel_id,
        "track": player.current.encoded if player.current else None,
        "position": player.position,
        "at": time.time(),
        "paused": player.paused,
        "volume": player.volume,
        "filters": msgspec.json.encode(player.filters_payload).decode(),
        "queue": [t.encoded for t in queue],
        "history": [t.encoded for t in queue.history],
        "mode": queue.mode.value,
        "autoplay": player.autoplay.value,
        "home": player.home,
        "node": player.node.identifier,
    }


def emit(tag: str, payload: Any) -> None:
    sys.stdout.write(f"{tag} {msgspec.json.encode(payload).decode()}\n")
    sys.stdout.flush()


async def first(node: voltricx.Node) -> None:
    result = await node.rest.load_tracks("ytsearch:restart resume")
    tracks = result.data
    assert isinstance(tracks, list) and len(tracks) >= 8
    for index, guild_id in enumerate(GUILDS):
        player = voltricx.Player(guild_id, node=node)
        await player.connect(CHANNEL + index)
        player.home = 520000000000000000 + index
        player.queue.put(tracks[index + 3 : index + 7])
        await player.play(tracks[index], start=20_000 + 10_000 * index)
        await player.set_volume(60 + index * 10)
        if index == 1:
            player.queue.mode = QueueMode.LOOP_ALL
            player.autoplay = AutoPlayMode.ENABLED
            filters = voltricx.Filters()
            filters.timescale.set(pitch=1.2)
            await player.set_filters(filters)
        if index == 2:
            await player.pause()
    written = await voltricx.Pool.save()
    emit("STATE", {"written": written, "players": [describe(p) for p in voltricx.Pool.players().values()]})
    await asyncio.Event().wait()  # SIGKILLed by the parent


async def second() -> None:
    players = voltricx.Pool.players()
    emit("RESTORED", {"players": [describe(p) for p in players.values()]})
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def main() -> None:
    uri, password, spec, mode = sys.argv[1:5]
    resume_timeout = int(sys.argv[5]) if len(sys.argv) > 5 else 60
    config = voltricx.NodeConfig(
        identifier="main",
        uri=uri,
        password=password,
        resume_timeout=resume_timeout,
        retry_base=0.05,
        retry_cap=0.5,
        resume_grace=0.5,
    )
    started = time.monotonic()
    await voltricx.Pool.connect(
        client=FakeVoiceGateway(), nodes=[config], store=make_store(spec, takeover=mode == "second"), report=False
    )
    took = time.monotonic() - started
    emit("CONNECTED", {"seconds": took})
    try:
        if mode == "first":
            await first(voltricx.Pool.get_node("main"))
        else:
            await second()
    finally:
        await voltricx.Pool.close()


if __name__ == "__main__":
    asyncio.run(main())
