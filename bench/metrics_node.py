"""Websocket burst dispatch: ``playerUpdate`` frames through ``Node.dispatch``.

A node's supervisor hands every TEXT frame (a ``str``, as aiohttp delivers
it) to :meth:`voltricx.Node.dispatch`. These metrics push a burst of
``playerUpdate`` frames through it and compare the throughput with doing
nothing but ``orjson.loads`` on the same frames: parsing is the floor any
client pays, so dispatch should stay within a small factor of it.

The node is built without a network (its HTTP session is never used) and
reports to a do-nothing owner; the players are real :class:`voltricx.Player`
objects registered on the node the way ``Player.connect`` registers them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import orjson

from bench.core import Measurement, RunConfig, Target, metric, time_calls
from voltricx.config import NodeConfig
from voltricx.events import Event
from voltricx.node import Node
from voltricx.player import Player

__all__ = ["dispatch_live_players", "dispatch_unknown_guilds", "player_update_frames"]

FRAMES = 100_000
QUICK_FRAMES = 20_000
LIVE_PLAYERS = 1000
#: Lowest acceptable dispatch throughput as a fraction of ``orjson.loads`` alone.
MIN_THROUGHPUT_RATIO = 0.6

_LIVE_GUILD_BASE = 300_000_000_000_000_000
_UNKNOWN_GUILD_BASE = 700_000_000_000_000_000


class _QuietOwner:
    """A ``NodeOwner`` that ignores everything (no pool, no sink)."""

    def emit(self, event: Event) -> None:
        """Drop the event."""

    def node_ready(self, node: Node, resumed: bool) -> None:
        """Nothing to do."""

    def node_lost(self, node: Node) -> None:
        """Nothing to do."""

    async def node_closing(self, node: Node) -> None:
        """Nothing to do."""


def player_update_frames(count: int, *, guild_base: int, guilds: int) -> list[str]:
    """``count`` compact ``playerUpdate`` frames, round-robin over ``guilds`` guild ids.

    They look like Lavalink's (compact JSON, epoch-millisecond ``time``);
    ``ping`` is ``index % 97`` so the last frame of each guild is checkable.
    """
    frames: list[str] = []
    for index in range(count):
        guild = guild_base + index % guilds
        when = 1_700_000_000_000 + index * 5
        position = (index // guilds) * 5000
        frames.append(
            f'{{"op":"playerUpdate","guildId":"{guild}","state":{{"time":{when},'
            f'"position":{position},"connected":true,"ping":{index % 97}}}}}'
        )
    return frames


def _offline_node() -> Node:
    config = NodeConfig(identifier="bench", uri="http://127.0.0.1:9", password="unused")
    return Node(config, user_id=1, owner=_QuietOwner())


def _measure_dispatch(config: RunConfig, *, live: bool) -> Measurement:
    count = QUICK_FRAMES if config.quick else FRAMES

    async def run() -> Measurement:
        node = _offline_node()
        try:
            base = _LIVE_GUILD_BASE if live else _UNKNOWN_GUILD_BASE
            frames = player_update_frames(count, guild_base=base, guilds=LIVE_PLAYERS)
            players: list[Player] = []
            if live:
                for index in range(LIVE_PLAYERS):
                    player = Player(_LIVE_GUILD_BASE + index, node=node)
                    node.players[player.guild_id] = player
                    players.append(player)
            _check(node, frames, players)
            dispatch = node.dispatch
            loads: Callable[[str], object] = orjson.loads

            def ours() -> None:
                for frame in frames:
                    dispatch(frame)

            def baseline() -> None:
                for frame in frames:
                    loads(frame)

            measurement = time_calls(
                config,
                ours=ours,
                baselines={"orjson": baseline},
                notes={"frames": count, "players": len(players), "frame_type": "str"},
            )
            measurement.notes["frames_per_second"] = count / measurement.ours
            measurement.notes["orjson_frames_per_second"] = count / measurement.baselines["orjson"]
            return measurement
        finally:
            await node.rest.close()

    return asyncio.run(run())


def _check(node: Node, frames: list[str], players: list[Player]) -> None:
    """Dispatch once and verify every player took its last update (and nothing broke)."""
    for frame in frames:
        node.dispatch(frame)
    last_ping: dict[int, int] = {}
    for frame in frames[-LIVE_PLAYERS:]:
        decoded = orjson.loads(frame)
        last_ping[int(decoded["guildId"])] = decoded["state"]["ping"]
    for player in players:
        if not player.connected or player.ping != last_ping[player.guild_id]:
            raise AssertionError(f"player {player.guild_id} did not take its playerUpdate")
    if not players and node.players:
        raise AssertionError("dispatch registered players for unknown guilds")


@metric(
    "ws.dispatch_unknown_100k",
    description="100k playerUpdate frames (str) through Node.dispatch for guilds without "
    "a player; throughput vs orjson.loads alone on the same frames",
    target=Target.min_speedup(MIN_THROUGHPUT_RATIO, "orjson"),
)
def dispatch_unknown_guilds(config: RunConfig) -> Measurement:
    """Seconds to dispatch the burst when no frame matches a player."""
    return _measure_dispatch(config, live=False)


@metric(
    "ws.dispatch_live_100k",
    description="100k playerUpdate frames (str) through Node.dispatch spread over 1000 live "
    "players; throughput vs orjson.loads alone on the same frames",
    target=Target.min_speedup(MIN_THROUGHPUT_RATIO, "orjson"),
)
def dispatch_live_players(config: RunConfig) -> Measurement:
    """Seconds to dispatch the burst when every frame updates one of 1000 players."""
    return _measure_dispatch(config, live=True)
