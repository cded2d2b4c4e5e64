"""Checking the one-copy invariant across several [FakeLavalink][voltricx.testing.FakeLavalink] servers.

Every live player must be held by exactly one server, in the session of
the node it says it is on; every destroyed player by none. A dead server
holds nothing (its process is gone); a stalled one is not counted either
(nothing can reach it to delete a copy; check again once it answers); a
session waiting to be resumed still holds its players.

```python
await wait_one_copy(fakes, players, timeout=10)   # raises AssertionError with the problems
assert not placement_problems(fakes, players)     # the same, right now
```
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence

from voltricx._tasks import TaskTracker
from voltricx.player import Player
from voltricx.testing.lavalink.server import FakeLavalink

__all__ = ["placement_problems", "wait_one_copy"]


def placement_problems(fakes: Sequence[FakeLavalink], players: Iterable[Player]) -> list[str]:
    """Every way ``fakes`` break "one copy per live player, none per destroyed one" now."""
    held: dict[int, list[str]] = {}
    for fake in fakes:
        if fake.down or fake.stalled:
            continue
        for session_id, session in fake.sessions.items():
            for gid in session.players:
                held.setdefault(int(gid), []).append(session_id)
    problems: list[str] = []
    for player in players:
        copies = held.get(player.guild_id, [])
        if player.destroyed:
            if copies:
                problems.append(f"guild {player.guild_id}: destroyed, still held by {copies}")
            continue
        if len(copies) != 1:
            problems.append(f"guild {player.guild_id}: live, held {len(copies)} times ({copies})")
        elif copies[0] != player.node.session_id:
            problems.append(
                f"guild {player.guild_id}: held by session {copies[0]}, but its node "
                f"{player.node.identifier} has session {player.node.session_id}"
            )
    return problems


def _next_change() -> Callable[[FakeLavalink], bool]:
    """A ``wait_for`` predicate that is false at once and true after the server's next change."""
    calls = 0

    def predicate(_: FakeLavalink) -> bool:
        nonlocal calls
        calls += 1
        return calls > 1

    return predicate


async def _one_change(fake: FakeLavalink, timeout: float) -> None:
    """Return after ``fake``'s next change, or after ``timeout`` seconds."""
    with contextlib.suppress(TimeoutError):
        await fake.wait_for(_next_change(), timeout=timeout)


async def wait_one_copy(
    fakes: Sequence[FakeLavalink], players: Iterable[Player], *, timeout: float = 10.0
) -> None:
    """Wait until no problem is left (re-checked after each server change); else ``AssertionError``."""
    players = list(players)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    watchers = TaskTracker("wait_one_copy")
    try:
        while True:
            problems = placement_problems(fakes, players)
            if not problems:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{len(problems)} placement problems: {problems[:5]}")
            waits = [watchers.spawn(_one_change(fake, min(remaining, 0.2))) for fake in fakes]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            await watchers.cancel_all()
    finally:
        await watchers.cancel_all()  # also when the caller is cancelled
