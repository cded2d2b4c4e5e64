"""``RedisStore``: a [`PlayerStore`][voltricx.PlayerStore] on Redis (extra ``redis``), for sharded bots.

Every process of a bot uses the same ``prefix``. Players are kept by guild,
in one hash for the whole bot; a process reads back exactly the guilds of
the shards it runs (``(guild_id >> 22) % shard_count``), so a bot resharded
from 2 to 3 processes moves each guild to its new owner by itself.

Ownership with fencing: on its first read a process takes a lease on each
of its shards (a key that expires after ``lease`` seconds unless renewed;
every save pass renews it) and a fencing token, a number that grows with
every new owner of the shard. Every write runs in one server-side script
that compares the process's tokens with the current ones and writes
nothing for a shard whose token is newer: a process that was replaced (it
hung, or a deploy started its successor with ``takeover=True``) can no
longer overwrite its successor's data. It learns it on its next write
([`OwnershipLostError`][voltricx.OwnershipLostError]), drops those
players without sending anything for them, and emits
[`OwnershipLost`][voltricx.events.OwnershipLost].

A shard whose lease is held by a live process is taken when the lease
expires, or at once with ``takeover=True``. The leases, tokens and the
server-side scripts that fence every write live in ``voltricx._redis_lease``.
Keys:

* ``{prefix}:players``: a hash, guild id -> encoded [`PlayerSnapshot`][voltricx.PlayerSnapshot].
* ``{prefix}:lease:{shard}``: the owner's id, expiring after ``lease`` seconds.
* ``{prefix}:token:{shard}``: the shard's fencing token (never expires).
* ``{prefix}:owner:{shard}``: the last owner's id (whose sessions to resume).
* ``{prefix}:sessions:{owner}``: a hash, node identifier -> Lavalink session id.
* ``{prefix}:written``: a marker set by every save. When it disappears while
  this store is in use (Redis restarted without its data, or flushed),
  ``save`` raises [`StoreDataLost`][voltricx.StoreDataLost] and voltricx
  writes every player and session again at once.

``python -m voltricx store inspect REDIS_URL`` shows owners, leases,
tokens and player counts per shard. ``redis`` (redis-py, its asyncio
client) is imported on first use, so this module imports without it; using
the store then raises [`MissingExtraError`][voltricx.MissingExtraError].
"""

from __future__ import annotations

import importlib
import os
import socket
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from voltricx._redis_lease import ShardLease, shard_key, text
from voltricx.errors import InvalidArgument, MissingExtraError, OwnershipLostError, StoreDataLost
from voltricx.store import (
    PlayerSnapshot,
    StoredState,
    StoreError,
    decode_rows,
    decode_sessions,
    encode_snapshot,
)

__all__ = ["RedisStore", "shard_of"]

LEASE = 10.0
"""Default lease (seconds): how long a silent owner keeps its shards."""


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard a guild belongs to, as Discord assigns it: ``(guild_id >> 22) % shard_count``."""
    return (guild_id >> 22) % shard_count


def _redis_module() -> Any:
    try:
        return importlib.import_module("redis.asyncio")
    except ModuleNotFoundError as exc:
        if exc.name in ("redis", "redis.asyncio"):
            raise MissingExtraError("redis", "redis") from exc
        raise


def _check_shards(shard_ids: Iterable[int] | None, shard_count: int) -> tuple[tuple[int, ...] | None, int]:
    if isinstance(shard_count, bool) or not isinstance(shard_count, int) or shard_count < 1:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise InvalidArgument(f"RedisStore shard_count must be an int >= 1, got {shard_count!r}")
    if shard_ids is None:
        return None, shard_count
    ids = tuple(sorted(set(shard_ids)))
    bad = [i for i in ids if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < shard_count]  # pyright: ignore[reportUnnecessaryIsInstance]
    if bad or not ids:
        raise InvalidArgument(
            f"RedisStore shard_ids must be ints from 0 to shard_count - 1 ({shard_count - 1}), got {shard_ids!r}"
        )
    return ids, shard_count


class RedisStore:
    """A [`PlayerStore`][voltricx.PlayerStore] in Redis, shared by every process of a bot.

    Args:
        url: A redis-py URL, e.g. ``redis://localhost:6379/0``.
        prefix: Key prefix, the same for every process of one bot (one per bot).
        client: An existing ``redis.asyncio.Redis`` to use instead of ``url``
            (the store then leaves closing it to you).
        shard_ids: The shards this process runs. ``None`` (the default): the
            pool asks the adapter (discord.py's ``AutoShardedClient``, hikari's
            shards; a plain client is shard 0 of 1).
        shard_count: The bot's shard count (with ``shard_ids``).
        takeover: Take the shards at once even when another process holds
            their lease (a deploy's new process); that process stops writing
            and drops their players on its next save pass.
        lease: Seconds an owner keeps its shards without renewing (each
            save pass renews).
    """

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        *,
        prefix: str = "voltricx",
        client: Any = None,
        shard_ids: Iterable[int] | None = None,
        shard_count: int = 1,
        takeover: bool = False,
        lease: float = LEASE,
    ) -> None:
        if not prefix:
            raise InvalidArgument("RedisStore prefix must not be empty")
        if isinstance(lease, bool) or not isinstance(lease, int | float) or not 0.5 <= lease <= 3600:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise InvalidArgument(f"RedisStore lease must be a number of seconds from 0.5 to 3600, got {lease!r}")
        self.url = url
        self.prefix = prefix
        self.takeover = takeover
        self.lease: float = float(lease)
        """Seconds an owner keeps its shards without renewing."""
        self._shards: tuple[int, ...] | None
        self.shard_count: int
        """The bot's shard count."""
        self._shards, self.shard_count = _check_shards(shard_ids, shard_count)
        self._explicit = shard_ids is not None
        self.owner: str = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """This process's owner id (in the leases)."""
        self._client: Any = client
        self._owns_client = client is None
        self._closed = False
        #: True once this store has seen its marker key (so its disappearance means lost data).
        self._marked = False
        self._lease = ShardLease(self, self._call)

    def __repr__(self) -> str:
        return f"<RedisStore prefix={self.prefix!r} shards={list(self.shard_ids)} of {self.shard_count}>"

    # -- shards ---------------------------------------------------------------------------

    @property
    def shard_ids(self) -> tuple[int, ...]:
        """The shards this process runs (all of them until told otherwise)."""
        return self._shards if self._shards is not None else tuple(range(self.shard_count))

    def use_shards(self, shard_ids: Iterable[int], shard_count: int) -> None:
        """Set the shards this process runs, unless ``shard_ids`` was given (the pool calls this).

        Raises [`InvalidArgument`][voltricx.InvalidArgument] for ids outside
        ``0 .. shard_count - 1``.
        """
        if self._explicit:
            return
        self._shards, self.shard_count = _check_shards(shard_ids, shard_count)

    @property
    def tokens(self) -> dict[int, int]:
        """Shard -> this process's fencing token, for the shards it owns now."""
        return self._lease.tokens

    def owns(self, guild_id: int) -> bool:
        """False when ``guild_id``'s shard was taken over by another process."""
        return self._lease.owns(shard_of(guild_id, self.shard_count))

    async def check(self, guild_id: int) -> None:
        """Before a request for ``guild_id``: raise when another process owns its shard.

        While the lease is fresh this costs nothing; once it ran out locally
        (the process hung, or Redis is slow) Redis is asked first. A Redis
        that cannot be reached lets the request go (the store never takes
        the bot down).
        """
        if not self._lease.held:
            return
        shard = shard_of(guild_id, self.shard_count)
        if self._lease.owns(shard):
            await self._lease.confirm(self.shard_ids)
        if not self._lease.owns(shard):
            raise OwnershipLostError(
                f"guild {guild_id} is on shard {shard}, which another process owns now; "
                "this process sends nothing for it",
                shards=frozenset({shard}),
                shard_count=self.shard_count,
            )

    @property
    def players_key(self) -> str:
        """The hash holding the players."""
        return f"{self.prefix}:players"

    @property
    def sessions_key(self) -> str:
        """The hash holding this process's node session ids."""
        return f"{self.prefix}:sessions:{self.owner}"

    @property
    def marker_key(self) -> str:
        """The key every save sets; its absence after a save means Redis lost our data."""
        return f"{self.prefix}:written"

    @property
    def load_timeout(self) -> float:
        """How long a first read may take: a takeover waits up to one lease for the old owner."""
        return self.lease + 5.0

    def _redis(self) -> Any:
        if self._closed:
            raise StoreError(f"{self!r} is closed")
        if self._client is None:
            self._client = _redis_module().Redis.from_url(self.url)
        return self._client

    async def _call(self, work: Any) -> Any:
        client = self._redis()
        errors = importlib.import_module("redis.exceptions")
        try:
            return await work(client)
        except errors.RedisError as exc:
            raise StoreError(f"Redis store {self.prefix!r}: {exc}") from exc

    # -- PlayerStore ----------------------------------------------------------------------

    async def save(self, players: Sequence[PlayerSnapshot], sessions: Mapping[str, str]) -> None:
        """Write ``players`` and ``sessions`` in one fenced script (renewing the leases).

        Players of shards another process took over are not written
        ([`OwnershipLostError`][voltricx.OwnershipLostError] is raised after
        the rest is written). Also checks that Redis still holds what was
        saved before; raises [`StoreDataLost`][voltricx.StoreDataLost] after
        writing when it does not.
        """
        count = self.shard_count
        rows = [(str(p.guild_id), shard_of(p.guild_id, count), encode_snapshot(p)) for p in players]
        had_marker = await self._lease.write(self.shard_ids, rows, [], dict(sessions))
        self._lease.report(count)
        lost = self._marked and not had_marker
        self._marked = True
        if lost:
            raise StoreDataLost(
                f"Redis store {self.prefix!r} lost its saved players and sessions (was Redis "
                "restarted without persistence, or flushed?); voltricx writes them all again now"
            )

    async def load(self) -> StoredState:
        """Take this process's shards and read their players and the last owner's session ids.

        Raises [`StoreError`][voltricx.StoreError] while another process holds
        a lease (without ``takeover``) or Redis cannot be reached.
        """
        previous = await self._lease.acquire(self.shard_ids)
        return await self._read(next((p for p in previous if p and p != self.owner), None))

    async def peek(self) -> StoredState:
        """What [`load()`][voltricx.redis_store.RedisStore.load] would read, without taking any shard."""
        keys = [shard_key(self.prefix, "owner", s) for s in self.shard_ids]

        async def owners(client: Any) -> list[Any]:
            return await client.mget(keys)

        previous = [text(p) for p in await self._call(owners) if p is not None]
        return await self._read(previous[0] if previous else None)

    async def _read(self, owner: str | None) -> StoredState:

        async def work(client: Any) -> tuple[dict[bytes, bytes], dict[bytes, bytes], int]:
            async with client.pipeline(transaction=False) as pipe:
                pipe.hgetall(self.players_key)
                pipe.hgetall(f"{self.prefix}:sessions:{owner}" if owner else self.sessions_key)
                pipe.exists(self.marker_key)
                players, sessions, marked = await pipe.execute()
            return players, sessions, marked

        players, sessions, marked = await self._call(work)
        self._marked = bool(marked)
        mine = set(self.shard_ids)
        saved = {
            g: s for g, s in decode_rows(players.items()).items() if shard_of(g, self.shard_count) in mine
        }
        return StoredState(players=saved, sessions=decode_sessions(sessions.items()))

    async def delete(self, guild_ids: Iterable[int]) -> None:
        """Remove the players of ``guild_ids`` (only of the shards this process still owns)."""
        gone = [(str(int(g)), shard_of(int(g), self.shard_count)) for g in guild_ids]
        if gone:
            await self._lease.write(self.shard_ids, [], gone, {})
        self._lease.report(self.shard_count)

    async def clear(self) -> None:
        """Remove every key of this prefix (players, sessions, leases, tokens)."""

        async def work(client: Any) -> None:
            keys = [k async for k in client.scan_iter(match=f"{self.prefix}:*")]
            if keys:
                await client.delete(*keys)
            self._marked = False

        await self._call(work)

    async def close(self) -> None:
        """Give back the leases still ours, close the connection pool this store opened.

        Safe to call more than once.
        """
        if self._closed:
            return
        await self._lease.release()
        self._closed = True
        client, self._client = self._client, None
        if client is not None and self._owns_client:
            await client.aclose()
