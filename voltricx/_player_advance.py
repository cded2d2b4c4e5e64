"""Auto-advance of a [Player][voltricx.Player]: what plays after a track ends.

When a track ends with ``may_start_next`` (finished, or failed to load) and
autoplay is not ``disabled``, the next track comes from the queue (honouring
its loop mode) and, with autoplay ``enabled``, from recommendations when the
queue runs dry. Failures are counted here: a track failing
[MAX_TRACK_ATTEMPTS][voltricx.player.MAX_TRACK_ATTEMPTS] times in a row is
skipped even in ``loop`` mode, and after
[MAX_FAILURE_STREAK][voltricx.player.MAX_FAILURE_STREAK] failed tracks in a
row auto-advance stops until something plays through. A stuck track is skipped.

[AutoAdvance][voltricx._player_advance.AutoAdvance] is a mixin of ``Player``:
it holds no state of its own, only the methods over the player's slots.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from voltricx.autoplay import recommend
from voltricx.enums import AutoPlayMode
from voltricx.errors import QueueEmpty, VoltricxError

if TYPE_CHECKING:
    from voltricx.models.track import Track
    from voltricx.player import Player
    from voltricx.queue import Queue

__all__ = ["MAX_FAILURE_STREAK", "MAX_TRACK_ATTEMPTS", "AutoAdvance"]

_log = logging.getLogger("voltricx.player")

MAX_TRACK_ATTEMPTS = 3
"""Times one track may fail in a row (``loop`` mode replays it) before it is skipped."""

MAX_FAILURE_STREAK = 10
"""Failed tracks in a row after which auto-advance gives up until something plays."""


class AutoAdvance:
    """Mixin of ``Player``: fail streaks, the next track, skipping stuck tracks."""

    __slots__ = ()

    guild_id: int
    _destroyed: bool
    _current: Track | None
    _autoplay: AutoPlayMode
    _play_seq: int
    _fail_encoded: str | None
    _fail_count: int
    _fail_streak: int

    if TYPE_CHECKING:
        # Provided by Player.
        @property
        def queue(self) -> Queue: ...
        @property
        def auto_queue(self) -> Queue: ...
        async def play(self, track: Track) -> Track: ...
        async def skip(self, *, force: bool = True) -> Track | None: ...
        def arm_idle(self) -> None: ...

    async def _next_track(self, *, force_next: bool = False) -> Track | None:
        """The next track to play: the queue, then (autoplay enabled) recommendations."""
        try:
            return self.queue.get(force_next=force_next)
        except QueueEmpty:
            pass
        if self._autoplay is not AutoPlayMode.ENABLED:
            return None
        auto = self.auto_queue
        if not auto:
            try:
                auto.put(await recommend(cast("Player", self)))
            except VoltricxError as exc:
                _log.warning("guild %s: autoplay could not recommend: %s", self.guild_id, exc)
                return None
        try:
            picked = auto.get()
        except QueueEmpty:
            return None
        picked.recommended = True
        return picked

    async def advance_after(self, ended: Track, reason: str) -> None:
        """After ``ended`` finished or failed: play what comes next, or start the idle clock."""
        if self._destroyed:
            return
        if reason == "loadFailed":
            if self._fail_encoded == ended.encoded:
                self._fail_count += 1
            else:
                self._fail_encoded, self._fail_count = ended.encoded, 1
            self._fail_streak += 1
        elif self._fail_streak or self._fail_encoded is not None:
            # Written only when there is a run to end (Player keeps these as class defaults).
            self._fail_encoded, self._fail_count, self._fail_streak = None, 0, 0
        if self._fail_streak >= MAX_FAILURE_STREAK:
            _log.warning(
                "guild %s: %d tracks in a row failed to play; not advancing further",
                self.guild_id,
                self._fail_streak,
            )
            self.arm_idle()
            return
        force = self._fail_count >= MAX_TRACK_ATTEMPTS
        if force:
            _log.info(
                "guild %s: %r failed %d times; skipping it",
                self.guild_id,
                ended.title,
                self._fail_count,
            )
        seq = self._play_seq
        if self._current is not None:
            return
        following = await self._next_track(force_next=force)
        if self._destroyed or seq != self._play_seq or self._current is not None:
            return  # the bot played or stopped something meanwhile
        if following is None:
            self.arm_idle()
            return
        try:
            await self.play(following)
        except VoltricxError as exc:
            _log.warning("guild %s: could not play the next track: %s", self.guild_id, exc)
            self.arm_idle()

    async def _skip_stuck(self, track: Track) -> None:
        if self._destroyed or self._current is None or self._current.encoded != track.encoded:
            return
        try:
            await self.skip()
        except VoltricxError as exc:
            _log.warning("guild %s: skipping a stuck track failed: %s", self.guild_id, exc)
