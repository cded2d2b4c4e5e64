"""The track [`Queue`][voltricx.Queue] of a player: upcoming tracks, history and loop modes.

How a player uses it
--------------------
On a ``TrackEnd`` event whose reason ``may_start_next``, the player calls
[`Queue.get()`][voltricx.queue.Queue.get] and plays what it returns (or stops on
[`QueueEmpty`][voltricx.QueueEmpty]). A user's *skip* calls
``get(force_next=True)`` so that ``loop`` mode does not replay the track.

When a track enters history
---------------------------
A track enters [`Queue.history`][voltricx.queue.Queue.history] **when the queue hands it out**:
every track [`Queue.get()`][voltricx.queue.Queue.get] returns is appended, except a ``loop``-mode
repeat of the current track (one entry per play-through streak, not one
per repeat). A player that starts a track *without* the queue (``play``
called with an explicit track) calls [`Queue.mark_played()`][voltricx.queue.Queue.mark_played] so that
the track becomes [`Queue.current`][voltricx.queue.Queue.current] and is recorded too; calling it
with the track ``get()`` just returned does nothing, so a player may
simply call it on every track it starts.

``history[-1]`` is therefore the track playing now (or last played), and
``history[-2]`` the one before it. History is capped at ``history_limit``
entries (oldest dropped first).

Loop modes ([`QueueMode`][voltricx.QueueMode])
-----------------------------------------------
* ``normal``: ``get()`` pops the next track.
* ``loop``: ``get()`` keeps returning [`Queue.current`][voltricx.queue.Queue.current]; when there is
  no current track yet it pops the next one.
* ``loop_all``: when the upcoming tracks run out, the queue refills from
  the tracks handed out during this cycle, in the order they played. A
  cycle starts when ``loop_all`` is switched on (it includes the current
  track), after each refill, and after [`Queue.clear()`][voltricx.queue.Queue.clear].

The queue is for one event loop and is not thread-safe.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Iterable, Iterator
from typing import overload

from voltricx.enums import QueueMode
from voltricx.errors import QueueEmpty
from voltricx.models.track import Track
from voltricx.playlist import Playlist

__all__ = ["DEFAULT_HISTORY_LIMIT", "Queue"]

DEFAULT_HISTORY_LIMIT = 100
"""How many played tracks a [`Queue`][voltricx.Queue] remembers unless told otherwise."""


def _collect(item: Track | Playlist | Iterable[Track]) -> list[Track]:
    if isinstance(item, Track):
        return [item]
    if isinstance(item, str | bytes):
        raise TypeError("Queue.put takes a Track, a Playlist or an iterable of Tracks, not a string")
    tracks = list(item)
    for track in tracks:
        if not isinstance(track, Track):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"Queue.put takes Tracks; got {type(track).__name__}")
    return tracks


class Queue:
    """Upcoming tracks of a player, with history and loop modes.

    ``len()``, ``bool()``, iteration, ``in``, indexing and slicing (which
    returns a list) all look at the *upcoming* tracks only; they ignore
    the loop mode, [`current`][voltricx.queue.Queue.current] and [`history`][voltricx.queue.Queue.history]. Do not put or
    remove tracks while iterating.

    Args:
        tracks: tracks to start with (a Playlist or any iterable of Tracks).
        history_limit: how many played tracks [`history`][voltricx.queue.Queue.history] keeps;
            ``None`` keeps all of them, ``0`` none.
        mode: the initial loop mode.
    """

    __slots__ = ("_current", "_cycle", "_history", "_items", "_mode", "_waiters")

    def __init__(
        self,
        tracks: Track | Playlist | Iterable[Track] = (),
        *,
        history_limit: int | None = DEFAULT_HISTORY_LIMIT,
        mode: QueueMode = QueueMode.NORMAL,
    ) -> None:
        if history_limit is not None and history_limit < 0:
            raise ValueError(f"history_limit must be >= 0 or None, not {history_limit}")
        self._items: deque[Track] = deque(_collect(tracks))
        self._history: deque[Track] = deque(maxlen=history_limit)
        self._mode = QueueMode(mode)
        self._current: Track | None = None
        self._cycle: list[Track] = []
        self._waiters: list[asyncio.Future[None]] = []

    # -- state -------------------------------------------------------------

    @property
    def mode(self) -> QueueMode:
        """The loop mode; assigning ``loop_all`` starts a new cycle with [`current`][voltricx.queue.Queue.current]."""
        return self._mode

    @mode.setter
    def mode(self, value: QueueMode) -> None:
        value = QueueMode(value)
        if value is self._mode:
            return
        self._mode = value
        self._restart_cycle()

    @property
    def current(self) -> Track | None:
        """The track most recently handed out by [`get()`][voltricx.queue.Queue.get] or [`mark_played()`][voltricx.queue.Queue.mark_played].

        ``None`` before the first track, after [`get()`][voltricx.queue.Queue.get] found nothing to
        hand out, and after [`reset()`][voltricx.queue.Queue.reset]. ``loop`` mode repeats this track.
        """
        return self._current

    @property
    def history(self) -> deque[Track]:
        """Played tracks, oldest first; ``history[-1]`` is [`current`][voltricx.queue.Queue.current] (see module docs).

        A deque capped at [`history_limit`][voltricx.queue.Queue.history_limit]. Appending to it directly
        is allowed but does not change [`current`][voltricx.queue.Queue.current]; prefer
        [`mark_played()`][voltricx.queue.Queue.mark_played].
        """
        return self._history

    @property
    def history_limit(self) -> int | None:
        """Maximum length of [`history`][voltricx.queue.Queue.history] (``None``: unlimited).

        Lowering it drops the oldest entries.
        """
        return self._history.maxlen

    @history_limit.setter
    def history_limit(self, value: int | None) -> None:
        if value is not None and value < 0:
            raise ValueError(f"history_limit must be >= 0 or None, not {value}")
        self._history = deque(self._history, maxlen=value)

    @property
    def count(self) -> int:
        """Number of upcoming tracks (same as ``len(queue)``)."""
        return len(self._items)

    @property
    def is_empty(self) -> bool:
        """True when no track is waiting (a ``loop``/``loop_all`` get may still succeed)."""
        return not self._items

    # -- adding ------------------------------------------------------------

    def put(self, item: Track | Playlist | Iterable[Track], *, atomic: bool = True) -> int:
        """Add a track, every track of a playlist, or every track of an iterable to the end.

        Returns how many tracks were added. Nothing is added when any item
        is not a [`Track`][voltricx.Track] (``TypeError``): every put is atomic, so
        wavelink's ``atomic`` flag is accepted and changes nothing.
        """
        tracks = _collect(item)
        self._items.extend(tracks)
        if tracks:
            self._wake()
        return len(tracks)

    async def put_wait(self, item: Track | Playlist | Iterable[Track], *, atomic: bool = True) -> int:
        """wavelink's awaitable ``put``: the same, for code that awaits it. Returns the count."""
        return self.put(item, atomic=atomic)

    def put_at(self, index: int, track: Track) -> None:
        """Insert ``track`` before position ``index`` (like ``list.insert``; 0 plays next)."""
        if not isinstance(track, Track):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"Queue.put_at takes a Track; got {type(track).__name__}")
        self._items.insert(index, track)
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # -- taking ------------------------------------------------------------

    def get(self, *, force_next: bool = False) -> Track:
        """Hand out the track to play next, following the loop mode.

        ``force_next=True`` skips the ``loop``-mode repeat (a user's skip).
        The returned track becomes [`current`][voltricx.queue.Queue.current] and enters
        [`history`][voltricx.queue.Queue.history] (a ``loop`` repeat does not enter it again).

        Raises:
            QueueEmpty: nothing to hand out; [`current`][voltricx.queue.Queue.current] becomes ``None``.
        """
        if self._mode is QueueMode.LOOP and not force_next and self._current is not None:
            return self._current
        if not self._items and self._mode is QueueMode.LOOP_ALL and self._cycle:
            self._items.extend(self._cycle)
            self._cycle = []
        if not self._items:
            self._current = None
            self._cycle = []
            raise QueueEmpty("the queue is empty; put a track first or use get_wait()")
        track = self._items.popleft()
        self._record(track)
        return track

    def get_at(self, index: int) -> Track:
        """Hand out the upcoming track at ``index`` (wavelink's ``get_at``), ignoring the loop mode.

        Like ``get``, the track leaves the upcoming tracks, becomes
        ``current`` and enters ``history``.

        Raises:
            QueueEmpty: no upcoming track at all.
            IndexError: the queue is not empty but ``index`` is out of range.
        """
        if not self._items:
            raise QueueEmpty("the queue is empty; nothing to get")
        track = self.delete(index)
        self._record(track)
        return track

    async def get_wait(self, *, force_next: bool = False) -> Track:
        """Like [`get()`][voltricx.queue.Queue.get], but wait for a [`put()`][voltricx.queue.Queue.put] instead of raising ``QueueEmpty``.

        Cancelling the waiting task is safe: no track is lost.
        """
        while True:
            try:
                return self.get(force_next=force_next)
            except QueueEmpty:
                pass
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def mark_played(self, track: Track) -> None:
        """Record that the player started ``track`` without taking it from the queue.

        It becomes [`current`][voltricx.queue.Queue.current], enters [`history`][voltricx.queue.Queue.history] and joins the
        ``loop_all`` cycle. Does nothing when ``track`` is already
        [`current`][voltricx.queue.Queue.current] (the same object), so it is safe to call for the
        track [`get()`][voltricx.queue.Queue.get] just returned.
        """
        if track is self._current:
            return
        self._record(track)

    def _record(self, track: Track) -> None:
        self._current = track
        self._history.append(track)
        if self._mode is QueueMode.LOOP_ALL:
            self._cycle.append(track)

    def _restart_cycle(self) -> None:
        if self._mode is QueueMode.LOOP_ALL and self._current is not None:
            self._cycle = [self._current]
        else:
            self._cycle = []

    @property
    def loaded(self) -> Track | None:
        """wavelink's name for ``current``: the track last handed out."""
        return self._current

    def index(self, track: Track) -> int:
        """Position of the first upcoming track equal to ``track``.

        Raises:
            ValueError: ``track`` is not upcoming.
        """
        return self._items.index(track)

    def copy(self) -> Queue:
        """A new queue with the same upcoming tracks, history (and its limit) and mode."""
        clone = Queue(self._items, history_limit=self.history_limit, mode=self._mode)
        clone._history.extend(self._history)
        clone._current = self._current
        clone._cycle = list(self._cycle)
        return clone

    def peek(self, index: int = 0) -> Track:
        """The upcoming track at ``index`` without removing it (ignores the loop mode).

        Raises:
            QueueEmpty: no upcoming track at all.
            IndexError: the queue is not empty but ``index`` is out of range.
        """
        if not self._items:
            raise QueueEmpty("the queue is empty; nothing to peek at")
        return self._items[index]

    # -- editing -----------------------------------------------------------

    def remove(self, track: Track, count: int | None = 1) -> int:
        """Remove the first ``count`` upcoming tracks equal to ``track`` (default one; ``None``: all).

        As in wavelink, one copy by default. Returns how many were removed
        (0 when none matched).
        """
        if count is not None and count < 0:
            raise ValueError(f"count must be >= 0 or None, not {count}")
        limit = len(self._items) if count is None else count
        kept: deque[Track] = deque()
        removed = 0
        for item in self._items:
            if removed < limit and item == track:
                removed += 1
            else:
                kept.append(item)
        if removed:
            self._items = kept
        return removed

    def delete(self, index: int) -> Track:
        """Remove and return the upcoming track at ``index`` (negative counts from the end).

        Raises:
            IndexError: ``index`` is out of range.
        """
        size = len(self._items)
        if not -size <= index < size:
            raise IndexError(f"queue index {index} out of range (queue has {size} tracks)")
        track = self._items[index]
        del self._items[index]
        return track

    def swap(self, first: int, second: int) -> None:
        """Swap the upcoming tracks at two positions.

        Raises:
            IndexError: either index is out of range.
        """
        items = self._items
        items[first], items[second] = items[second], items[first]

    def shuffle(self) -> None:
        """Shuffle the upcoming tracks in place."""
        tracks = list(self._items)
        random.shuffle(tracks)
        self._items = deque(tracks)

    def clear(self) -> None:
        """Remove every upcoming track; history, [`current`][voltricx.queue.Queue.current] and the mode stay.

        In ``loop_all`` mode the cycle restarts with [`current`][voltricx.queue.Queue.current].
        """
        self._items.clear()
        self._restart_cycle()

    def reset(self) -> None:
        """Clear the upcoming tracks and history, forget [`current`][voltricx.queue.Queue.current], set ``normal`` mode."""
        self._items.clear()
        self._history.clear()
        self._current = None
        self._cycle = []
        self._mode = QueueMode.NORMAL

    # -- container protocol ------------------------------------------------

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[Track]:
        return iter(self._items)

    def __reversed__(self) -> Iterator[Track]:
        return reversed(self._items)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    @overload
    def __getitem__(self, index: int) -> Track: ...

    @overload
    def __getitem__(self, index: slice) -> list[Track]: ...

    def __getitem__(self, index: int | slice) -> Track | list[Track]:
        if isinstance(index, slice):
            return list(self._items)[index]
        return self._items[index]

    def __repr__(self) -> str:
        return (
            f"<Queue mode={self._mode.value} upcoming={len(self._items)} "
            f"history={len(self._history)} current={self._current!r}>"
        )
