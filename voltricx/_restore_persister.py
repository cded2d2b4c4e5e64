"""The persister: saves a pool's players to its [`PlayerStore`][voltricx.PlayerStore] while it runs.

Every [`SAVE_INTERVAL`][voltricx._restore_persister.SAVE_INTERVAL] seconds
it looks at each player and writes, in one batch, only the ones whose state
changed or whose position stopped following the saved one (a seek, a pause,
a stall: [`DRIFT_MS`][voltricx._restore_persister.DRIFT_MS]). Guilds whose
player is gone are deleted from the store; node session ids are saved the
same way. A store that fails is retried with backoff and never stops the
saving of the other players; a store that lost its data gets everything
again; a store that reports lost shards has their players handed over
(``_restore_handoff.py``). On close it writes a last batch with playback
stopped and closes the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Hashable
from typing import NoReturn

from voltricx import _restore_handoff as handoff
from voltricx._restore_connect import Restorer
from voltricx._restore_records import expected_position, fingerprint, take_snapshot
from voltricx._state import Runtime, runtime
from voltricx.enums import NodeStatus
from voltricx.errors import OwnershipLostError, VoltricxError
from voltricx.store import (
    PlayerSnapshot,
    PlayerStore,
    StoreDataLost,
    StoredState,
    StoreError,
    encode_snapshot,
)

__all__ = ["DRIFT_MS", "RETRY_FIRST", "RETRY_MAX", "SAVE_INTERVAL", "Persister"]

_log = logging.getLogger("voltricx.store")

SAVE_INTERVAL = 1.0
"""Seconds between two save passes (at most one batch write per pass)."""

DRIFT_MS = 750
"""A playing player is re-saved when its position is this far (ms) from the saved prediction."""

RETRY_FIRST = 1.0
"""Seconds before the first retry of an unreachable store (doubled on each failure)."""

RETRY_MAX = 8.0
"""The longest wait (seconds) between two tries of an unreachable store."""


def _raise_typed(exc: Exception) -> NoReturn:
    """Raise a store's error as a [`StoreError`][voltricx.StoreError] (voltricx's own pass as they are)."""
    if isinstance(exc, VoltricxError):
        raise exc
    raise StoreError(f"the player store raised {type(exc).__name__}: {exc}") from exc


class Persister:
    """Saves the pool's players to ``store`` in batches (one per pass, only what changed).

    A persister started with ``loaded=False`` (the store could not be read
    when the pool connected) first reads the store in the background, with
    backoff ([`RETRY_FIRST`][voltricx._restore_persister.RETRY_FIRST]
    doubling up to [`RETRY_MAX`][voltricx._restore_persister.RETRY_MAX]);
    once it answers, the saved players the bot has not started again
    meanwhile are restored, and saving begins with everything live.
    """

    def __init__(
        self,
        store: PlayerStore,
        *,
        interval: float = SAVE_INTERVAL,
        loaded: bool = True,
        rejoin: bool = True,
        owner: Runtime | None = None,
    ) -> None:
        self.store = store
        self.owner: Runtime = owner or runtime
        """The runtime of the pool whose players are saved."""
        self.interval = interval
        self.rejoin = rejoin
        self.writes = 0
        """Batches written so far (diagnostics and tests)."""
        self.ready = asyncio.Event()
        """Set once the store has been read (at once when the pool connected with it readable)."""
        if loaded:
            self.ready.set()
        self._failing = False
        self._stopping = False
        self._written: dict[int, tuple[Hashable, PlayerSnapshot]] = {}
        self._sessions: dict[str, str] = {}
        #: guild id -> the last reason its player could not be saved (logged once per reason).
        self._unsaveable: dict[int, str] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def seed(self, state: StoredState) -> None:
        """Remember what the store already holds, so it is not written again unchanged."""
        self._sessions.update(state.sessions)
        for guild_id, snapshot in state.players.items():
            self._written[guild_id] = ((), snapshot)

    def start(self) -> None:
        """Start the periodic save pass."""
        self.owner.persister = self
        self._task = self.owner.tasks.spawn(self._loop(), name="voltricx store")

    async def _loop(self) -> None:
        if not self.ready.is_set():
            await self._load_late()
        delay = self.interval
        # The flag, not only the cancel: a client library may swallow a cancellation.
        while not self._stopping:
            await asyncio.sleep(delay)
            if self._stopping:
                return
            try:
                await self.flush()
            except VoltricxError as exc:
                delay = self._failed(delay, str(exc))
                continue
            except Exception as exc:
                # Nothing a store or a player does may end the saving of the others.
                _log.debug("the store raised something other than StoreError", exc_info=True)
                delay = self._failed(delay, f"the store raised {type(exc).__name__}: {exc} (a bug in the store)")
                continue
            if self._failing:
                self._failing = False
                _log.warning("store: saving works again; every changed player is written")
            delay = self.interval

    def _failed(self, delay: float, problem: str) -> float:
        """Log a failed pass (a warning the first time, then quietly) and return the next wait."""
        wait = min(max(delay * 2, RETRY_FIRST), RETRY_MAX) if self._failing else self.interval
        if not self._failing:
            _log.warning("saving players failed (retrying with backoff up to %gs): %s", RETRY_MAX, problem)
        else:
            _log.debug("saving players failed again (next try in %gs): %s", wait, problem)
        self._failing = True
        return wait

    async def _load_late(self) -> None:
        """Read the store until it answers, then restore the saved players not live yet."""
        delay = RETRY_FIRST
        while True:
            await asyncio.sleep(delay)
            if self._stopping:
                return
            try:
                state = await self.store.load()
            except Exception as exc:
                _log.debug("store: still unreadable (next try in %gs): %s", delay, exc)
                delay = min(delay * 2, RETRY_MAX)
                continue
            break
        _log.warning("store: readable again; restoring the saved players and saving from now on")
        restorer = Restorer.loaded(self.store, state, owner=self.owner)
        nodes = list(self.owner.nodes.values())
        if nodes:
            try:
                restorer.prepare(nodes, late=True)
                await restorer.finish(rejoin=self.rejoin)
            except Exception:
                _log.exception("store: restoring the saved players late failed")
        self.seed(state)
        self.ready.set()

    async def flush(self, *, frozen: bool = False) -> int:
        """Write every changed player now; returns how many players were written.

        ``frozen=True`` marks every position as not advancing (the pool is closing).
        A player whose state cannot be encoded is skipped (and logged) without
        holding back the others. When the store reports that it lost its data
        ([`StoreDataLost`][voltricx.StoreDataLost]), everything is written again.
        """
        if not self.ready.is_set():
            raise StoreError(
                "the player store has not been readable since the pool connected; voltricx keeps "
                "trying it in the background and saves once it answers"
            )
        async with self._lock:
            try:
                return await self._pass(frozen)
            except StoreDataLost as exc:
                _log.warning("%s", exc)
                self._written.clear()
                self._sessions.clear()
                return await self._pass(frozen)
            except OwnershipLostError as exc:
                await self._disown(exc)
                return await self._pass(frozen)

    async def _disown(self, lost: OwnershipLostError) -> None:
        """Drop, without a request, the players of shards another process owns now; emit the event."""
        dropped = await handoff.drop_players(self.owner, lost)
        for guild_id in [g for g in self._written if lost.covers(g)]:
            del self._written[guild_id]
        handoff.announce(self.owner, lost, dropped)

    async def _pass(self, frozen: bool) -> int:
        now = time.time()
        changed: list[tuple[Hashable, PlayerSnapshot]] = []
        live: set[int] = set()
        for guild_id, player in list(self.owner.players.items()):
            if player.destroyed:
                continue
            live.add(guild_id)
            try:
                mark = fingerprint(player, frozen)
                old = self._written.get(guild_id)
                if old is not None and old[0] == mark:
                    snapshot = old[1]
                    if snapshot.paused or snapshot.frozen or snapshot.track is None:
                        continue
                    if abs(expected_position(snapshot, now) - player.position) <= DRIFT_MS:
                        continue
                snapshot = take_snapshot(player, now, frozen=frozen)
                encode_snapshot(snapshot)
            except Exception as exc:
                self._skip(guild_id, exc)
                continue
            changed.append((mark, snapshot))
        gone = [g for g in self._written if g not in live]
        sessions = {
            n.identifier: n.session_id
            for n in self.owner.nodes.values()
            if n.session_id is not None
            and n.status is NodeStatus.CONNECTED
            and self._sessions.get(n.identifier) != n.session_id
        }
        if gone:
            await self.store.delete(gone)
            for guild_id in gone:
                del self._written[guild_id]
        # An empty batch still goes to the store: it is how a store notices it lost its data.
        saved = await self._save(changed, sessions)
        if changed or sessions:
            self.writes += 1
        self._sessions.update(sessions)
        return saved

    async def _save(self, changed: list[tuple[Hashable, PlayerSnapshot]], sessions: dict[str, str]) -> int:
        """Save the batch; when the batch fails, save player by player so one bad row costs one player.

        Returns how many players were saved.
        """
        try:
            await self.store.save([s for _, s in changed], sessions)
        except (StoreDataLost, OwnershipLostError):
            raise
        except Exception as exc:
            if len(changed) == 1 and changed[0][1].guild_id in self._unsaveable:
                self._skip(changed[0][1].guild_id, exc)  # known bad row: already warned
                return 0
            if len(changed) <= 1:
                _raise_typed(exc)
            _log.debug("saving a batch failed (%s); saving its players one by one", exc)
            saved = 0
            failed: list[tuple[int, Exception]] = []
            for mark, snapshot in changed:
                try:
                    await self.store.save([snapshot], sessions)
                except (StoreDataLost, OwnershipLostError):
                    raise
                except Exception as one:
                    failed.append((snapshot.guild_id, one))
                    if saved == 0 and len(failed) >= 3:
                        _raise_typed(exc)  # nothing goes through: the store itself fails
                    continue
                saved += 1
                self._unsaveable.pop(snapshot.guild_id, None)
                self._written[snapshot.guild_id] = (mark, snapshot)
            if saved == 0:
                _raise_typed(exc)
            for guild_id, one in failed:
                self._skip(guild_id, one)
            return saved
        for mark, snapshot in changed:
            self._unsaveable.pop(snapshot.guild_id, None)
            self._written[snapshot.guild_id] = (mark, snapshot)
        return len(changed)

    def _skip(self, guild_id: int, exc: BaseException) -> None:
        """Log once per kind of failure that the player of ``guild_id`` cannot be saved."""
        kind = f"{type(exc).__name__}: {exc}"
        if self._unsaveable.get(guild_id) == kind:
            return
        self._unsaveable[guild_id] = kind
        _log.warning(
            "the player of guild %s cannot be saved (%s); the others are saved as usual, "
            "and it is tried again on every pass",
            guild_id,
            kind,
        )

    async def close(self) -> None:
        """Stop the pass, write a last batch with playback stopped, close the store."""
        task, self._task = self._task, None
        self._stopping = True
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            if self.ready.is_set():
                await self.flush(frozen=True)
            else:
                _log.warning("closing: the player store was never readable; the players are not saved")
        except VoltricxError as exc:
            _log.warning("saving players on close failed: %s", exc)
        except Exception:
            # Pool.close() must still close the nodes and players whatever the store raised.
            _log.exception("saving players on close failed (the store raised something other than StoreError)")
        try:
            await self.store.close()
        except Exception:
            _log.exception("closing the player store failed")

