"""A tiny sharded "bot" for the scale-out tests: run by tests/test_scale_out.py in a subprocess.

    python tests/_shard_bot.py URI PASSWORD REDIS_URL SHARDS COUNT TAKEOVER LEASE VOLUME GUILD...

It connects a pool (FakeVoiceGateway) to the FakeLavalink at URI with
``RedisStore(REDIS_URL, prefix="bot", shard_ids=SHARDS, shard_count=COUNT,
takeover=TAKEOVER, lease=LEASE)``, starts a player in each GUILD it did not
restore, saves and prints ``READY {json}``. Then, like a busy bot, it sets
every player's volume to VOLUME every 50 ms, printing ``LOST {json}`` on
``OwnershipLost`` and ``REFUSED {json}`` the first time a command is
refused for a guild it no longer owns. Closing its stdin, or SIGTERM (what a
deploy sends the old process), closes the pool (``CLOSED``).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from typing import Any

import msgspec

import voltricx
from voltricx.errors import OwnershipLostError, PlayerError
from voltricx.events import OwnershipLost
from voltricx.redis_store import RedisStore
from voltricx.testing.voice import FakeVoiceGateway

CHANNEL = 410000000000000000


def emit(tag: str, payload: Any) -> None:
    sys.stdout.write(f"{tag} {msgspec.json.encode(payload).decode()}\n")
    sys.stdout.flush()


def describe(player: voltricx.Player) -> dict[str, Any]:
    return {
        "guild": player.guild_id,
        "track": player.current.encoded if player.current else None,
        "position": player.position,
        "at": time.time(),
    }


async def busy(players: list[voltricx.Player], volume: int, gateway: FakeVoiceGateway) -> None:
    refused = False
    reported = 0
    while True:
        lost = gateway.of_type(OwnershipLost)
        if len(lost) > reported:
            for event in lost[reported:]:
                emit("LOST", {"shards": list(event.shards), "players": [p.guild_id for p in event.players]})
            reported = len(lost)
        for player in players:
            try:
                await player.set_volume(volume)
            except OwnershipLostError as exc:
                if not refused:
                    refused = True
                    emit("REFUSED", {"guild": player.guild_id, "error": str(exc)})
            except PlayerError:
                pass  # dropped after the loss: nothing is sent
        await asyncio.sleep(0.05)  # the bot's own pace, not a synchronisation


async def until_stdin_closed_or_sigterm() -> None:
    loop = asyncio.get_running_loop()
    terminated = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, terminated.set)
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    waits = [asyncio.ensure_future(reader.read()), asyncio.ensure_future(terminated.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
        transport.close()


async def main() -> None:
    uri, password, redis_url, shards, count, takeover, lease, volume, *guilds = sys.argv[1:]
    config = voltricx.NodeConfig(
        identifier="main", uri=uri, password=password, retry_base=0.05, retry_cap=0.5, resume_grace=0.5
    )
    store = RedisStore(
        redis_url,
        prefix="bot",
        shard_ids=[int(s) for s in shards.split(",")],
        shard_count=int(count),
        takeover=takeover == "1",
        lease=float(lease),
    )
    gateway = FakeVoiceGateway()
    started = time.monotonic()
    await voltricx.Pool.connect(client=gateway, nodes=[config], store=store, report=False)
    took = time.monotonic() - started
    try:
        restored = [describe(p) for p in voltricx.Pool.players().values()]
        node = voltricx.Pool.get_node("main")
        result = await node.rest.load_tracks("ytsearch:scale out")
        tracks = result.data
        assert isinstance(tracks, list)
        for index, guild in enumerate(int(g) for g in guilds):
            if voltricx.Pool.get_player(guild) is None:
                player = voltricx.Player(guild, node=node)
                await player.connect(CHANNEL + index)
                await player.play(tracks[index % len(tracks)], start=20_000)
        await voltricx.Pool.save()
        emit("READY", {"restored": restored, "seconds": took, "tokens": store.tokens})
        task = asyncio.ensure_future(busy(list(voltricx.Pool.players().values()), int(volume), gateway))
        await until_stdin_closed_or_sigterm()
        task.cancel()
    finally:
        await voltricx.Pool.close()
        emit("CLOSED", {})


if __name__ == "__main__":
    asyncio.run(main())
