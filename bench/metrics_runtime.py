"""Whole-library metrics: memory per idle player, import time, failover time.

* ``memory.idle_players_1000`` runs :mod:`bench._rss_probe` in a fresh
  process and reads how much the resident set grows per 1000 idle players.
* ``import.voltricx`` times ``import voltricx`` and ``import aiohttp`` in
  fresh interpreters, alternating, and compares the medians.
* ``failover.players_1000`` plays 1000 players on one FakeLavalink, kills
  it, and times the move to a second FakeLavalink: from the start of the
  pool's migration pass (where the new node is chosen) until it returns,
  which is after the last player's update was acknowledged and the
  ``Failover`` event was emitted.
* ``failover.crash_to_playing`` kills a FakeLavalink (connections refused,
  like a crashed Lavalink) under a playing player, with the default
  ``NodeConfig``, and times kill -> the player's rebuild acknowledged by the
  second node (the ``Failover`` event).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import voltricx
from bench.core import Measurement, RunConfig, Target, metric
from voltricx._state import runtime
from voltricx.events import Failover
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

__all__ = ["crash_failover", "failover_players", "idle_player_memory", "import_time"]

ROOT = Path(__file__).resolve().parent.parent

RSS_TARGET_KIB = 400.0
IMPORT_EXCESS_TARGET = 0.040
FAILOVER_TARGET = 1.5
CRASH_FAILOVER_TARGET = 1.0


def _run_child(
    args: list[str], *, timeout: float = 120.0, env: dict[str, str] | None = None
) -> str:
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args[:3])} failed ({proc.returncode}): {proc.stderr.strip()}"
        )
    return proc.stdout


# --------------------------------------------------------------------------
# memory


def _rss_probe(mode: str, batches: int) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_run_child(["-m", "bench._rss_probe", mode, str(batches)]))
    return result


@metric(
    "memory.idle_players_1000",
    description="RSS growth per 1000 idle Players registered on an offline node "
    "(fresh subprocess, /proc/self/statm; tracemalloc cross-check in notes)",
    target=Target.max_value(RSS_TARGET_KIB),
    unit="KiB",
)
def idle_player_memory(config: RunConfig) -> Measurement:
    """KiB of resident memory per 1000 idle players, measured in a child process."""
    batches = 2 if config.quick else 10
    bare = _rss_probe("bare", batches)
    notes: dict[str, Any] = {
        "batches_of_1000": batches,
        "rss_batch_deltas_kib": [d / 1024 for d in bare["rss_batch_deltas"]],
        "rss_batch_median_kib": statistics.median(bare["rss_batch_deltas"]) / 1024,
        "tracemalloc_kib_per_1000": bare["tracemalloc_per_1000"] / 1024,
        "attribute_bytes": bare["attributes"],
        "top_lines": bare["top_lines"],
    }
    if not config.quick:
        # The same players after joining voice (credentials fed through the adapter hooks).
        voice = _rss_probe("voice", batches)
        notes["with_voice"] = {
            "rss_kib_per_1000": voice["rss_per_1000"] / 1024,
            "rss_batch_median_kib": statistics.median(voice["rss_batch_deltas"]) / 1024,
            "tracemalloc_kib_per_1000": voice["tracemalloc_per_1000"] / 1024,
            "attribute_bytes": voice["attributes"],
            "top_lines": voice["top_lines"],
        }
    return Measurement(ours=bare["rss_per_1000"] / 1024, samples=batches, notes=notes)


# --------------------------------------------------------------------------
# import time

_IMPORT_SNIPPET = (
    "import time\n"
    "wall, cpu = time.perf_counter(), time.process_time()\n"
    "import {module}\n"
    "print(time.process_time() - cpu, time.perf_counter() - wall)\n"
)


_PYC_CACHE = Path(tempfile.gettempdir()) / f"voltricx-bench-pycache-{os.getuid()}"


def _bytecode_env(cache: str) -> dict[str, str]:
    """The environment with bytecode caching on, into ``cache``, for every module alike.

    An installed package has its ``.pyc`` files; a checkout run with
    ``PYTHONDONTWRITEBYTECODE`` would recompile voltricx from source on every
    import while aiohttp (from site-packages) loads compiled code. A private
    ``PYTHONPYCACHEPREFIX`` puts both on the same footing and leaves the tree
    clean. It persists between runs (stale entries are detected by source
    mtime, as always), so only the first run pays for compiling.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _import_seconds(module: str, env: dict[str, str]) -> tuple[float, float]:
    """CPU and wall seconds of ``import module`` in a fresh interpreter."""
    cpu, wall = _run_child(
        ["-c", _IMPORT_SNIPPET.format(module=module)], timeout=60.0, env=env
    ).split()
    return float(cpu), float(wall)


@metric(
    "import.voltricx",
    description="'import voltricx' vs 'import aiohttp' in fresh interpreters: CPU time, "
    "bytecode cached, medians of alternating runs (voltricx imports aiohttp itself)",
    target=Target.max_excess(IMPORT_EXCESS_TARGET, "aiohttp"),
)
def import_time(config: RunConfig) -> Measurement:
    """Median CPU seconds of ``import voltricx`` and of ``import aiohttp`` in fresh processes.

    CPU time rather than wall time: on a busy machine the wall clock also
    counts the time other processes held the CPU, which is not the import's
    cost (wall medians are kept in the notes).
    """
    runs = 1 if config.quick else 15
    samples: dict[str, list[tuple[float, float]]] = {"voltricx": [], "aiohttp": []}
    env = _bytecode_env(str(_PYC_CACHE))
    # One unmeasured round writes any missing bytecode and warms the file caches.
    _import_seconds("voltricx", env)
    _import_seconds("aiohttp", env)
    for index in range(runs):
        order = ("voltricx", "aiohttp") if index % 2 == 0 else ("aiohttp", "voltricx")
        for module in order:
            samples[module].append(_import_seconds(module, env))
    cpu = {name: [c for c, _ in values] for name, values in samples.items()}
    wall = {name: [w for _, w in values] for name, values in samples.items()}
    ours, base = statistics.median(cpu["voltricx"]), statistics.median(cpu["aiohttp"])
    return Measurement(
        ours=ours,
        baselines={"aiohttp": base},
        samples=runs,
        notes={
            "clock": "process_time",
            # Load on the machine stretches both CPU times alike, so the excess grows
            # with it while this ratio stays put: use it to compare runs.
            "ratio_to_aiohttp": ours / base if base > 0 else None,
            "wall_median": {name: statistics.median(v) for name, v in wall.items()},
            "cpu_runs": cpu,
            "wall_runs": wall,
        },
    )


# --------------------------------------------------------------------------
# failover

_GUILD_BASE = 300_000_000_000_000_000
_CHANNEL_BASE = 400_000_000_000_000_000
_PASSWORD = "bench-password"


class _KeepErrors(logging.Handler):
    """Swallows voltricx's expected warnings during the run; shows errors on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            sys.stderr.write(f"{record.name}: {self.format(record)}\n")


async def _one_failover(players_count: int) -> dict[str, Any]:
    first = await FakeLavalink(password=_PASSWORD).start()
    second = await FakeLavalink(password=_PASSWORD).start()
    passes: list[tuple[float, float, int]] = []
    original: Callable[..., Awaitable[None]] = runtime.recovery._migrate  # pyright: ignore[reportPrivateUsage]

    async def timed_migrate(players: list[voltricx.Player], old: voltricx.Node) -> None:
        # Pass-through timer around the pool's migration pass (instrumentation only).
        start = time.perf_counter()
        await original(players, old)
        passes.append((start, time.perf_counter(), len(players)))

    try:
        gateway = FakeVoiceGateway()

        def config(fake: FakeLavalink, identifier: str) -> voltricx.NodeConfig:
            return voltricx.NodeConfig(
                identifier=identifier,
                uri=fake.uri,
                password=_PASSWORD,
                retry_base=0.05,
                retry_cap=0.5,
                resume_grace=0.1,
            )

        await voltricx.Pool.connect(
            client=gateway, nodes=[config(first, "A"), config(second, "B")], report=False
        )
        node_a, node_b = voltricx.Pool.get_node("A"), voltricx.Pool.get_node("B")
        loaded = await node_a.rest.load_tracks("ytsearch:failover bench")
        tracks = loaded.data
        if not isinstance(tracks, list) or not tracks:
            raise AssertionError("FakeLavalink returned no tracks to play")

        async def start(index: int) -> voltricx.Player:
            player = voltricx.Player(_GUILD_BASE + index, node=node_a)
            await player.connect(_CHANNEL_BASE + index)
            await player.play(tracks[index % len(tracks)], start=index * 100)
            return player

        setup_start = time.perf_counter()
        players = await asyncio.gather(*(start(i) for i in range(players_count)))
        setup = time.perf_counter() - setup_start
        second.clear_requests()
        runtime.recovery._migrate = timed_migrate  # type: ignore[method-assign]  # pyright: ignore[reportPrivateUsage]
        killed = time.monotonic()
        first.kill()
        event = await gateway.wait_for(Failover, timeout=60)
        seen = time.monotonic()

        patches = [r for r in second.requests if r.method == "PATCH" and "/players/" in r.path]
        if len(event.players) != players_count or not all(p.node is node_b for p in players):
            raise AssertionError(
                f"only {len(event.players)} of {players_count} players failed over"
            )
        if len(patches) != players_count or len(passes) != 1:
            raise AssertionError(
                f"{len(patches)} updates in {len(passes)} passes for {players_count}"
            )
        begin, end, _ = passes[0]
        return {
            "migrate_seconds": end - begin,
            "first_patch_to_event_seconds": seen - min(r.time for r in patches),
            "kill_to_event_seconds": seen - killed,
            "setup_seconds": setup,
        }
    finally:
        runtime.recovery.__dict__.pop("_migrate", None)
        await voltricx.Pool.close()
        await first.close()
        await second.close()


@metric(
    "failover.players_1000",
    description="1000 playing players move between two FakeLavalink nodes after a kill: "
    "from the migration pass choosing the new node to every update acknowledged",
    target=Target.max_value(FAILOVER_TARGET),
)
def failover_players(config: RunConfig) -> Measurement:
    """Median seconds of the migration pass over a few kill-and-failover runs."""
    count = 100 if config.quick else 1000
    runs = 1 if config.quick else 3
    logger = logging.getLogger("voltricx")
    saved = (logger.level, logger.propagate, list(logger.handlers))
    logger.handlers = [_KeepErrors()]
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        results = [asyncio.run(_one_failover(count)) for _ in range(runs)]
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]
    migrate = [r["migrate_seconds"] for r in results]
    return Measurement(
        ours=statistics.median(migrate),
        samples=runs,
        notes={
            "players": count,
            "runs": results,
            "first_patch_to_event_seconds": statistics.median(
                r["first_patch_to_event_seconds"] for r in results
            ),
        },
    )


async def _one_crash() -> float:
    first = await FakeLavalink(password=_PASSWORD).start()
    second = await FakeLavalink(password=_PASSWORD).start()
    try:
        gateway = FakeVoiceGateway()
        configs = [
            voltricx.NodeConfig(identifier=name, uri=fake.uri, password=_PASSWORD)
            for name, fake in (("A", first), ("B", second))
        ]
        await voltricx.Pool.connect(client=gateway, nodes=configs, report=False)
        node_a, node_b = voltricx.Pool.get_node("A"), voltricx.Pool.get_node("B")
        loaded = await node_a.rest.load_tracks("ytsearch:crash bench")
        tracks = loaded.data
        if not isinstance(tracks, list) or not tracks:
            raise AssertionError("FakeLavalink returned no tracks to play")
        player = voltricx.Player(_GUILD_BASE, node=node_a)
        await player.connect(_CHANNEL_BASE)
        await player.play(tracks[0], start=10_000)
        killed = time.monotonic()
        first.kill()
        await gateway.wait_for(Failover, timeout=30)
        moved = time.monotonic() - killed
        if player.node is not node_b or second.player(_GUILD_BASE) is None:
            raise AssertionError("the player did not move to the second node")
        return moved
    finally:
        await voltricx.Pool.close()
        await first.close()
        await second.close()


@metric(
    "failover.crash_to_playing",
    description="crash failover: kill -> playing on the new node (a killed FakeLavalink "
    "refuses connections; default NodeConfig; until the rebuild is acknowledged)",
    target=Target.max_value(CRASH_FAILOVER_TARGET),
)
def crash_failover(config: RunConfig) -> Measurement:
    """Median seconds from a node's crash to its player playing on the other node."""
    runs = 1 if config.quick else 7
    logger = logging.getLogger("voltricx")
    saved = (logger.level, logger.propagate, list(logger.handlers))
    logger.handlers = [_KeepErrors()]
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        samples = [asyncio.run(_one_crash()) for _ in range(runs)]
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]
    return Measurement(
        ours=statistics.median(samples),
        samples=runs,
        notes={"runs": samples, "max": max(samples)},
    )
