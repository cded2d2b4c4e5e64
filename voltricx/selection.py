"""Node choice: the penalty formulas and region preference.

Penalties come from a node's latest stats (lower is better); a node that
is not connected gets `DISCONNECTED_PENALTY`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from voltricx.enums import NodeStatus
from voltricx.errors import NoNodesAvailable
from voltricx.models.node import Stats

if TYPE_CHECKING:
    from voltricx.node import Node

__all__ = [
    "DISCONNECTED_PENALTY",
    "best_node",
    "cpu_penalty",
    "deficit_penalty",
    "normalised_load",
    "nulled_penalty",
    "player_penalty",
    "stats_penalty",
]

_log = logging.getLogger("voltricx.selection")

#: Penalty of a node that is not connected: never chosen while another node is.
DISCONNECTED_PENALTY = 9e30


def _known(value: float) -> float:
    """A stats number as a float; negative, NaN, infinite or unreadable values count as 0 (unknown)."""
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        # An int too large for a float is a real (absurd) load: the cap handles it.
        return DISCONNECTED_PENALTY if isinstance(value, int) and value > 0 else 0.0
    if not math.isfinite(number) or number < 0:
        return 0.0
    return number


def _bounded(compute: Callable[[], float]) -> float:
    """``compute()`` kept finite and within ``[0, DISCONNECTED_PENALTY]`` (overflow counts as the cap)."""
    try:
        value = compute()
    except OverflowError:
        return DISCONNECTED_PENALTY
    if math.isnan(value) or value < 0:
        return 0.0
    return min(value, DISCONNECTED_PENALTY)


def cpu_penalty(system_load: float) -> float:
    """``1.05 ** (100 * system_load) * 10 - 10``, bounded to ``[0, 9e30]``."""
    load = _known(system_load)
    return _bounded(lambda: 1.05 ** (100 * load) * 10 - 10)


def deficit_penalty(deficit: int) -> float:
    """``1.03 ** (500 * deficit / 3000) * 300 - 300``, bounded to ``[0, 9e30]``."""
    frames = _known(deficit)
    return _bounded(lambda: 1.03 ** (500 * frames / 3000) * 300 - 300)


def nulled_penalty(nulled: int) -> float:
    """``(1.03 ** (500 * nulled / 3000) * 300 - 300) * 2``, bounded to ``[0, 9e30]``."""
    frames = _known(nulled)
    return _bounded(lambda: (1.03 ** (500 * frames / 3000) * 300 - 300) * 2)


def player_penalty(playing_players: int) -> float:
    """``playing_players * 1.5``, bounded to ``[0, 9e30]``."""
    players = _known(playing_players)
    return _bounded(lambda: players * 1.5)


def normalised_load(stats: Stats) -> float:
    """``cpu.systemLoad`` as a 0-1 fraction: a value above 1.0 is divided by ``cpu.cores``.

    Lavalink reports a fraction; NodeLink reports the raw load average
    (``4.2`` on a busy 8-core machine), which the seed's CPU formula would
    treat as 420 %.
    """
    load = stats.cpu.system_load
    cores = stats.cpu.cores
    if load > 1.0 and cores > 0:
        load /= cores
    return load


def stats_penalty(stats: Stats | None) -> float:
    """Total penalty of a connected node with these stats (missing stats count as zero)."""
    if stats is None:
        return 0.0
    total = player_penalty(stats.playing_players) + cpu_penalty(normalised_load(stats))
    frames = stats.frame_stats
    if frames is not None:
        total += deficit_penalty(frames.deficit) + nulled_penalty(frames.nulled)
    return _bounded(lambda: total)


def best_node(
    nodes: Iterable[Node], *, region: str | None = None, extra: dict[Node, float] | None = None
) -> Node:
    """The connected node with the lowest penalty, preferring ``region``.

    ``extra`` adds to a node's penalty (failover uses it to spread players
    it has already assigned). With a region and no healthy node in it, the
    best healthy node overall is returned and the fallback is logged.
    Raises [`NoNodesAvailable`][voltricx.NoNodesAvailable] when no node is connected.
    """
    healthy = [n for n in nodes if n.status is NodeStatus.CONNECTED]
    if not healthy:
        raise NoNodesAvailable()

    def score(node: Node) -> float:
        return node.penalty + (extra.get(node, 0.0) if extra else 0.0)

    if region is not None:
        wanted = region.lower()
        local = [n for n in healthy if n.region is not None and n.region.lower() == wanted]
        if local:
            return min(local, key=score)
        _log.info("no healthy node in region %r; using the best node of any region", region)
    return min(healthy, key=score)
