"""Child process for the ``memory.idle_players_1000`` metric; prints one JSON object.

Run as ``python -m bench._rss_probe MODE [BATCHES]``. It builds an offline
node, creates ``BATCHES`` x 1000 idle players registered like real ones (in
the pool's player map and on their node) and reports the resident-set
growth per 1000. In ``voice`` mode each player is also fed voice
credentials through the adapter hooks, as after joining a channel (the
node is offline, so nothing is sent). It then repeats the batches under
:mod:`tracemalloc` as a cross-check and breaks the allocations down by
source line and by player attribute.

It runs in its own process so that nothing the other metrics allocated
(or freed into the allocator's pools) blurs the figure.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import json
import linecache
import os
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from voltricx._state import runtime
from voltricx.config import NodeConfig
from voltricx.events import Event
from voltricx.node import Node
from voltricx.player import Player

__all__ = ["main", "rss_bytes"]

BATCH = 1000
_GUILD_BASE = 300_000_000_000_000_000
_CHANNEL_BASE = 500_000_000_000_000_000
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class _QuietOwner:
    def emit(self, event: Event) -> None:
        """Drop the event."""

    def node_ready(self, node: Node, resumed: bool) -> None:
        """Nothing to do."""

    def node_lost(self, node: Node) -> None:
        """Nothing to do."""

    async def node_closing(self, node: Node) -> None:
        """Nothing to do."""


def rss_bytes() -> int:
    """Current resident set size, from ``/proc/self/statm``."""
    fields = Path("/proc/self/statm").read_text(encoding="ascii").split()
    return int(fields[1]) * _PAGE


async def _make_players(node: Node, start: int, count: int, *, voice: bool) -> None:
    """Create ``count`` players; the pool's and the node's maps are what keep them alive."""
    for index in range(start, start + count):
        guild_id = _GUILD_BASE + index
        player = Player(guild_id, node=node)
        runtime.players[guild_id] = player
        node.players[guild_id] = player
        if not voice:
            continue
        # What the adapter feeds a player that joined voice (distinct per guild, as Discord's are).
        player.on_voice_state(session_id=f"{index:032x}", channel_id=_CHANNEL_BASE + index)
        player.on_voice_server(
            token=f"{index * 7919:016x}",
            endpoint=f"c-fra{index % 90:02d}-{index:08x}.discord.media:443",
        )
    # The node is offline, so each voice sender finds nothing to send and finishes.
    await runtime.tasks.wait_idle(timeout=30)


def _load_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or ``None`` on other C libraries."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_malloc_trim = _load_malloc_trim()


def _settle() -> None:
    """Collect garbage, then hand freed heap memory back to the OS before a reading.

    Without the trim, whether memory freed by a dict resize still counts as
    resident depends on the allocator's history in this process, which made
    the figure jump by tens of KiB between otherwise identical runs.
    """
    for _ in range(3):
        gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)


def _attribute_sizes(player: Player, other: Player) -> dict[str, int]:
    """Shallow size of each attribute value a player owns alone.

    A value that is the very same object on ``other`` (``None``, flags, the
    node, interned constants) is shared and counts 0.
    """
    sizes: dict[str, int] = {}
    for name in Player.__slots__:
        if name in ("__weakref__", "__dict__"):
            continue
        value = getattr(player, name, None)
        if value is getattr(other, name, None):
            sizes[name] = 0
            continue
        size = sys.getsizeof(value)
        if isinstance(value, asyncio.Task):
            task = cast("asyncio.Task[Any]", value)
            size += sys.getsizeof(task.get_coro())
        sizes[name] = size
    sizes["<Player object itself>"] = sys.getsizeof(player)
    # Settings a player changed from Player's class defaults; none for an idle player.
    # (Reading ``vars()`` builds the dict, but the measuring is over by now.)
    own = vars(player)
    sizes["__dict__"] = sys.getsizeof(own) if own else 0
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))


async def _measure(batches: int, *, voice: bool) -> dict[str, Any]:
    node = Node(
        NodeConfig(identifier="bench", uri="http://127.0.0.1:9", password="unused"),
        user_id=1,
        owner=_QuietOwner(),
    )
    try:
        # Warm up: first-use costs (code paths, task machinery) are not per player.
        await _make_players(node, 0, 200, voice=voice)
        _settle()
        deltas: list[int] = []
        start_rss = rss_bytes()
        for batch in range(batches):
            before = rss_bytes()
            await _make_players(node, 1000 + batch * BATCH, BATCH, voice=voice)
            _settle()
            deltas.append(rss_bytes() - before)
        total = rss_bytes() - start_rss

        tracemalloc.start(1)
        snap_before = tracemalloc.take_snapshot()
        traced_before = tracemalloc.get_traced_memory()[0]
        for batch in range(batches, 2 * batches):
            await _make_players(node, 1000 + batch * BATCH, BATCH, voice=voice)
        _settle()
        traced = tracemalloc.get_traced_memory()[0] - traced_before
        snap_after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
        top = snap_after.filter_traces(filters).compare_to(
            snap_before.filter_traces(filters), "lineno"
        )
        last = runtime.players[_GUILD_BASE + 1000 + 2 * batches * BATCH - 1]
        lines = [
            {
                "where": f"{Path(s.traceback[0].filename).name}:{s.traceback[0].lineno}",
                "code": linecache.getline(s.traceback[0].filename, s.traceback[0].lineno).strip(),
                "bytes_per_1000": s.size_diff // batches,
            }
            for s in top[:8]
            if s.size_diff > 0
        ]
        return {
            "rss_per_1000": total / batches * 1000 / BATCH,
            "rss_batch_deltas": deltas,
            "tracemalloc_per_1000": traced / batches,
            "top_lines": lines,
            "attributes": _attribute_sizes(last, runtime.players[last.guild_id - 1]),
            "players": len(runtime.players),
            "voice": voice,
        }
    finally:
        await node.rest.close()


def main(argv: list[str] | None = None) -> int:
    """Measure and print the JSON result on stdout."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("bare", "voice"):
        print("usage: python -m bench._rss_probe bare|voice [BATCHES]", file=sys.stderr)
        return 2
    batches = int(args[1]) if len(args) > 1 else 10
    print(json.dumps(asyncio.run(_measure(batches, voice=args[0] == "voice"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
