"""One shared timer for every player's inactivity deadline.

An idle player costs one dict entry here and nothing else: no task and no
timer of its own. The scheduler keeps a single loop-level ``call_at``
handle for the earliest deadline; when it fires, every player whose
deadline has passed is told, and the handle moves to the next deadline.
"""

from __future__ import annotations

import asyncio
import math
from typing import Protocol

__all__ = ["IdleScheduler", "SupportsIdle", "idle_scheduler"]

# A handle may run a hair before its deadline (the loop's clock resolution).
_TOLERANCE = 0.005


class SupportsIdle(Protocol):
    """What the scheduler calls when a deadline passes (``Player`` implements it)."""

    def on_idle_deadline(self) -> None:
        """The deadline passed."""
        ...


class IdleScheduler:
    """Deadlines of idle players, served by one timer on the running loop."""

    __slots__ = ("_deadlines", "_handle", "_loop", "_wake_at")

    def __init__(self) -> None:
        self._deadlines: dict[SupportsIdle, float] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake_at = math.inf

    def __len__(self) -> int:
        return len(self._deadlines)

    def armed(self, player: SupportsIdle) -> bool:
        """True while ``player`` has a pending deadline."""
        return player in self._deadlines

    def arm(self, player: SupportsIdle, delay: float) -> None:
        """(Re)start ``player``'s countdown: it is told after ``delay`` seconds."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A new event loop (tests, a restarted bot): deadlines of the old one are void.
            self.clear()
            self._loop = loop
        due = loop.time() + max(0.0, delay)
        self._deadlines[player] = due
        if due < self._wake_at:
            self._schedule(loop, due)

    def disarm(self, player: SupportsIdle) -> None:
        """Forget ``player``'s deadline (it started playing, or is gone)."""
        if self._deadlines.pop(player, None) is not None and not self._deadlines:
            self._cancel()

    def clear(self) -> None:
        """Forget every deadline and drop the timer."""
        self._deadlines.clear()
        self._cancel()

    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._wake_at = math.inf

    def _schedule(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = loop.call_at(due, self._fire)
        self._wake_at = due

    def _fire(self) -> None:
        self._handle = None
        self._wake_at = math.inf
        loop = self._loop
        if loop is None:
            return
        now = loop.time() + _TOLERANCE
        due = [player for player, when in self._deadlines.items() if when <= now]
        for player in due:
            del self._deadlines[player]
        if self._deadlines:
            self._schedule(loop, min(self._deadlines.values()))
        for player in due:
            player.on_idle_deadline()


#: The process-wide scheduler used by every :class:`~voltricx.Player`.
idle_scheduler = IdleScheduler()
