"""Owned background tasks: every task voltricx starts has an owner that cancels it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["TaskTracker"]

_log = logging.getLogger("voltricx")

T = TypeVar("T")


class TaskTracker:
    """A set of tasks started on behalf of one owner (a node, the pool).

    Finished tasks drop out by themselves; an exception that escapes a task
    is logged, never lost silently. `cancel_all()` cancels whatever is
    left and waits for it, so nothing outlives its owner.
    """

    __slots__ = ("_name", "_tasks")

    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Start ``coro`` as a tracked task."""
        task = asyncio.get_running_loop().create_task(coro, name=name or self._name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            _log.error(
                "background task %s of %s failed", task.get_name(), self._name, exc_info=exc
            )

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Wait until every tracked task (including ones started meanwhile) has finished."""
        current = asyncio.current_task()
        async with asyncio.timeout(timeout):
            while True:
                pending = [t for t in self._tasks if t is not current and not t.done()]
                if not pending:
                    return
                await asyncio.wait(pending)

    async def cancel_all(self) -> None:
        """Cancel every tracked task and wait until all of them have finished."""
        current = asyncio.current_task()
        while True:
            pending = [t for t in self._tasks if t is not current and not t.done()]
            if not pending:
                return
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
