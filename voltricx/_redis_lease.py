"""Who may write which shard of a [`RedisStore`][voltricx.redis_store.RedisStore]: leases and fencing tokens.

A process holds each of its shards by a lease (a key that expires unless
renewed) and a fencing token (a number that grows with every new owner of
the shard). The three server-side Lua scripts below are the only code that
changes them:

* `ACQUIRE` takes every shard or none (``takeover`` takes them from a live
  owner), hands out new tokens and names each shard's previous owner.
* `WRITE` is every save: it writes the rows of the shards whose token is
  still ours, renews their leases, and for a shard whose token is newer
  writes nothing and acknowledges the loss in the shard's ``yielded`` list,
  on which the new owner waits.
* `RELEASE` gives the leases back on close where the tokens are still ours.

[`ShardLease`][voltricx._redis_lease.ShardLease] keeps this process's side:
the tokens, the shards lost to a newer owner, and until when the leases are
known to hold without asking Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from voltricx._tasks import TaskTracker
from voltricx.errors import OwnershipLostError, StoreError

__all__ = [
    "ACQUIRE",
    "CONFIRM_TIMEOUT",
    "RELEASE",
    "WRITE",
    "Call",
    "LeaseHolder",
    "ShardLease",
    "shard_key",
    "text",
]

CONFIRM_TIMEOUT = 2.0
"""Seconds a command waits for Redis to confirm a lease that ran out locally."""

# Take every shard, or none: KEYS are (lease, token, owner) per shard;
# ARGV: owner id, lease ms, takeover flag.
ACQUIRE = """
local n = #KEYS / 3
if ARGV[3] ~= '1' then
  for i = 0, n - 1 do
    local holder = redis.call('GET', KEYS[i * 3 + 1])
    if holder and holder ~= ARGV[1] then
      return {0, i, holder, redis.call('PTTL', KEYS[i * 3 + 1])}
    end
  end
end
local wait = 0
for i = 0, n - 1 do
  local holder = redis.call('GET', KEYS[i * 3 + 1])
  if holder and holder ~= ARGV[1] then
    wait = math.max(wait, redis.call('PTTL', KEYS[i * 3 + 1]))
  end
end
local out = {1, wait}
for i = 0, n - 1 do
  local previous = redis.call('GET', KEYS[i * 3 + 3]) or ''
  local token = redis.call('INCR', KEYS[i * 3 + 2])
  redis.call('SET', KEYS[i * 3 + 1], ARGV[1], 'PX', ARGV[2])
  redis.call('SET', KEYS[i * 3 + 3], ARGV[1])
  table.insert(out, token)
  table.insert(out, previous)
end
return out
"""

# A fenced write. KEYS: players, own sessions, marker, then (token, lease, yielded) per shard.
# ARGV: owner id, lease ms, shard count n, n shard ids, n tokens, then
# count + (guild, shard, blob) rows, count + (guild, shard) deletions,
# count + (node, session) rows. Returns {had marker, lost shard ids...}. A loss is
# acknowledged in the shard's "yielded" list, which the new owner waits on.
WRITE = """
local n = tonumber(ARGV[3])
local owned = {}
local out = {redis.call('EXISTS', KEYS[3])}
local any = false
for i = 1, n do
  local shard = ARGV[3 + i]
  local base = 3 + (i - 1) * 3
  local current = redis.call('GET', KEYS[base + 1])
  if not current then
    -- Redis lost its data (restarted empty, flushed): nobody owns it, keep ours
    redis.call('SET', KEYS[base + 1], ARGV[3 + n + i])
    current = ARGV[3 + n + i]
  end
  if current == ARGV[3 + n + i] then
    owned[shard] = true
    any = true
    redis.call('SET', KEYS[base + 2], ARGV[1], 'PX', ARGV[2])
  else
    table.insert(out, tonumber(shard))
    redis.call('RPUSH', KEYS[base + 3], ARGV[1])
    redis.call('PEXPIRE', KEYS[base + 3], tonumber(ARGV[2]) * 2)
  end
end
local at = 4 + 2 * n
local rows = tonumber(ARGV[at])
at = at + 1
for i = 1, rows do
  if owned[ARGV[at + 1]] then redis.call('HSET', KEYS[1], ARGV[at], ARGV[at + 2]) end
  at = at + 3
end
local gone = tonumber(ARGV[at])
at = at + 1
for i = 1, gone do
  if owned[ARGV[at + 1]] then redis.call('HDEL', KEYS[1], ARGV[at]) end
  at = at + 2
end
local sessions = tonumber(ARGV[at])
at = at + 1
if any then
  for i = 1, sessions do
    redis.call('HSET', KEYS[2], ARGV[at], ARGV[at + 1])
    at = at + 2
  end
  redis.call('SET', KEYS[3], '1')
end
return out
"""

# Give the leases back on close, where the tokens are still ours. KEYS: (token, lease) per shard.
RELEASE = """
for i = 0, #KEYS / 2 - 1 do
  if redis.call('GET', KEYS[i * 2 + 1]) == ARGV[i + 1] then
    redis.call('DEL', KEYS[i * 2 + 2])
  end
end
return 1
"""

Call = Callable[[Callable[[Any], Awaitable[Any]]], Awaitable[Any]]
"""Runs one piece of work with the store's Redis client, Redis errors raised as ``StoreError``."""


def text(value: Any) -> str:
    """A Redis reply (bytes or not) as text."""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def shard_key(prefix: str, kind: str, shard: int) -> str:
    """A per-shard key of the bot ``prefix``: ``lease``, ``token``, ``owner`` or ``yielded``."""
    return f"{prefix}:{kind}:{shard}"


class LeaseHolder(Protocol):
    """What a lease reads of its store, each time it is used: the store's names and settings."""

    @property
    def prefix(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def lease(self) -> float: ...
    @property
    def takeover(self) -> bool: ...
    @property
    def players_key(self) -> str: ...
    @property
    def sessions_key(self) -> str: ...
    @property
    def marker_key(self) -> str: ...


class ShardLease:
    """This process's hold on its shards: tokens, lost shards, and how long the leases surely hold.

    Every Redis command goes through ``call``; key names, the owner id, the
    lease and ``takeover`` are read from ``store`` on each use. A lease that
    ran out locally is confirmed by one renewing write, shared by everyone
    who asks meanwhile; that write is a task this object owns, and
    `release()` cancels and awaits it.
    """

    def __init__(self, store: LeaseHolder, call: Call) -> None:
        self._store = store
        self._call = call
        #: shard -> our fencing token, for the shards we own.
        self._tokens: dict[int, int] = {}
        self._lost: set[int] = set()
        self._unreported: set[int] = set()
        self._valid_until = 0.0
        self._confirming: asyncio.Task[None] | None = None
        self._tasks = TaskTracker("voltricx redis lease")

    def _key(self, kind: str, shard: int) -> str:
        return shard_key(self._store.prefix, kind, shard)

    @property
    def tokens(self) -> dict[int, int]:
        """Shard -> this process's fencing token, for the shards it took."""
        return dict(self._tokens)

    @property
    def held(self) -> bool:
        """Whether this process took its shards (and has not released them)."""
        return bool(self._tokens)

    def owns(self, shard: int) -> bool:
        """False when another process took ``shard`` over."""
        return shard not in self._lost

    async def acquire(self, shards: Sequence[int]) -> list[str]:
        """Take the lease and a new token of every shard; returns the previous owners."""
        store = self._store
        keys: list[str] = []
        for shard in shards:
            keys += [self._key("lease", shard), self._key("token", shard), self._key("owner", shard)]
        lease_ms = int(store.lease * 1000)
        sent = time.monotonic()

        async def work(client: Any) -> list[Any]:
            return await client.eval(ACQUIRE, len(keys), *keys, store.owner, lease_ms, "1" if store.takeover else "0")

        result = await self._call(work)
        if int(result[0]) == 0:
            shard, holder, left = shards[int(result[1])], text(result[2]), int(result[3])
            raise StoreError(
                f"Redis store {store.prefix!r}: shard {shard} is owned by {holder} (its lease runs "
                f"{max(left, 0) / 1000:.1f}s more); voltricx takes it when the lease expires, or at once "
                "with RedisStore(..., takeover=True)"
            )
        self._tokens = {shard: int(result[2 + i * 2]) for i, shard in enumerate(shards)}
        self._lost.clear()
        self._valid_until = sent + store.lease
        previous = [text(result[3 + i * 2]) for i in range(len(shards))]
        wait = int(result[1]) / 1000
        if wait > 0:
            await self._wait_yielded(shards, wait)
        return previous

    async def _wait_yielded(self, shards: Sequence[int], wait: float) -> None:
        """After a takeover: wait until the old owner stopped (it acknowledges) or its lease ran out.

        The node cannot check fencing tokens, so until then the old process
        may still believe its lease valid and send requests.
        """
        deadline = time.monotonic() + wait
        for shard in shards:
            key = self._key("yielded", shard)
            while (left := deadline - time.monotonic()) > 0:

                async def work(client: Any, left: float = left, key: str = key) -> Any:
                    # Short blocking reads: a client's socket timeout never cuts one off.
                    return await client.blpop([key], timeout=min(max(left, 0.01), 1.0))

                if await self._call(work) is not None:
                    break

    async def write(
        self,
        shards: Sequence[int],
        rows: list[tuple[str, int, bytes]],
        gone: list[tuple[str, int]],
        sessions: Mapping[str, str],
    ) -> bool:
        """One fenced write; returns whether the marker was there. Remembers lost shards.

        ``shards`` are taken first when none are held yet (the store was used
        without ``load()``).
        """
        if not self._tokens:
            await self.acquire(shards)
        live = [s for s in self._tokens if s not in self._lost]
        store = self._store
        keys = [store.players_key, store.sessions_key, store.marker_key]
        for shard in live:
            keys += [self._key("token", shard), self._key("lease", shard), self._key("yielded", shard)]
        args: list[Any] = [store.owner, int(store.lease * 1000), len(live), *live]
        args += [self._tokens[s] for s in live]
        args.append(len(rows))
        for guild, shard, blob in rows:
            args += [guild, shard, blob]
        args.append(len(gone))
        for guild, shard in gone:
            args += [guild, shard]
        args.append(len(sessions))
        for node, session in sessions.items():
            args += [node, session]
        sent = time.monotonic()

        async def work(client: Any) -> list[Any]:
            return await client.eval(WRITE, len(keys), *keys, *args)

        result = await self._call(work)
        lost = {int(s) for s in result[1:]}
        if len(lost) < len(live):
            self._valid_until = sent + store.lease
        self._lost |= lost
        self._unreported |= lost
        return bool(result[0])

    def report(self, shard_count: int) -> None:
        """Raise [`OwnershipLostError`][voltricx.OwnershipLostError] once for shards lost since the last report."""
        lost, self._unreported = self._unreported, set()
        if lost:
            raise OwnershipLostError(
                f"Redis store {self._store.prefix!r}: another process took over shard(s) "
                f"{', '.join(map(str, sorted(lost)))} (newer fencing token); this process stops "
                "writing them and drops their players without a request",
                shards=frozenset(lost),
                shard_count=shard_count,
            )

    async def confirm(self, shards: Sequence[int]) -> None:
        """Once the lease ran out locally, ask Redis (one renewing write of ``shards``) whether it holds.

        A Redis that does not answer within
        [`CONFIRM_TIMEOUT`][voltricx._redis_lease.CONFIRM_TIMEOUT], or fails,
        changes nothing: the caller goes on.
        """
        if time.monotonic() < self._valid_until:
            return
        waiting = self._confirming
        if waiting is None:
            waiting = self._confirming = self._tasks.spawn(self._renew(shards), name="voltricx redis lease renew")
            waiting.add_done_callback(self._confirmed)
        try:
            async with asyncio.timeout(CONFIRM_TIMEOUT):
                await asyncio.shield(waiting)
        except TimeoutError:
            return  # Redis cannot answer now: carry on
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if waiting.cancelled() and (current is None or not current.cancelling()):
                return  # the store closed meanwhile
            raise

    def _confirmed(self, task: asyncio.Task[None]) -> None:
        if self._confirming is task:
            self._confirming = None

    async def _renew(self, shards: Sequence[int]) -> None:
        # A loss is reported by the next save; a Redis that cannot answer now changes nothing.
        with contextlib.suppress(StoreError):
            await self.write(shards, [], [], {})

    async def release(self) -> None:
        """Stop any renewal, then give back the leases still ours (if Redis cannot be told, they expire)."""
        await self._tasks.cancel_all()
        live = [s for s in self._tokens if s not in self._lost]
        if live:
            keys: list[str] = []
            for shard in live:
                keys += [self._key("token", shard), self._key("lease", shard)]
            tokens = [self._tokens[s] for s in live]

            async def work(client: Any) -> None:
                await client.eval(RELEASE, len(keys), *keys, *tokens)

            with contextlib.suppress(StoreError):  # else the leases expire by themselves
                await self._call(work)
        self._tokens.clear()
