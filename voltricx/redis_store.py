"""``RedisStore``: a [`PlayerStore`][voltricx.PlayerStore] on Redis (extra ``redis``).

For bots sharded across processes or machines. Each store works under its
own ``prefix``: give every shard (or every process) its own, e.g.
``RedisStore(url, prefix=f"mybot:shard:{shard_id}")``. A shard restarted on
another machine with the same prefix picks up its guilds' players and its
node sessions. Keys:

* ``{prefix}:players``: a hash, guild id -> encoded [`PlayerSnapshot`][voltricx.PlayerSnapshot].
* ``{prefix}:sessions``: a hash, node identifier -> Lavalink session id.

Each batch is written in one ``MULTI``/``EXEC`` transaction. ``redis`` (redis-py,
its asyncio client) is imported on first use, so this module imports
without it; using the store then raises [`MissingExtraError`][voltricx.MissingExtraError].
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from voltricx.errors import MissingExtraError
from voltricx.store import PlayerSnapshot, StoredState, StoreError, decode_rows, encode_snapshot

__all__ = ["RedisStore"]


def _redis_module() -> Any:
    try:
        return importlib.import_module("redis.asyncio")
    except ModuleNotFoundError as exc:
        if exc.name in ("redis", "redis.asyncio"):
            raise MissingExtraError("redis", "redis") from exc
        raise


class RedisStore:
    """A [`PlayerStore`][voltricx.PlayerStore] in Redis hashes under ``prefix``.

    Args:
        url: A redis-py URL, e.g. ``redis://localhost:6379/0``.
        prefix: Key prefix; one per shard or process (see the module docs).
        client: An existing ``redis.asyncio.Redis`` to use instead of ``url``
            (the store then leaves closing it to you).
    """

    def __init__(self, url: str = "redis://localhost:6379/0", *, prefix: str = "voltricx", client: Any = None) -> None:
        if not prefix:
            raise ValueError("RedisStore prefix must not be empty")
        self.url = url
        self.prefix = prefix
        self._client: Any = client
        self._owns_client = client is None
        self._closed = False

    def __repr__(self) -> str:
        return f"<RedisStore prefix={self.prefix!r}>"

    @property
    def players_key(self) -> str:
        """The hash holding the players."""
        return f"{self.prefix}:players"

    @property
    def sessions_key(self) -> str:
        """The hash holding the node session ids."""
        return f"{self.prefix}:sessions"

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
        """Write ``players`` and ``sessions`` in one transaction."""
        mapping = {str(p.guild_id): encode_snapshot(p) for p in players}
        session_map = dict(sessions)
        if not mapping and not session_map:
            return

        async def work(client: Any) -> None:
            async with client.pipeline(transaction=True) as pipe:
                if mapping:
                    pipe.hset(self.players_key, mapping=mapping)
                if session_map:
                    pipe.hset(self.sessions_key, mapping=session_map)
                await pipe.execute()

        await self._call(work)

    async def load(self) -> StoredState:
        """Read this prefix's players and session ids."""

        async def work(client: Any) -> tuple[dict[bytes, bytes], dict[bytes, bytes]]:
            async with client.pipeline(transaction=False) as pipe:
                pipe.hgetall(self.players_key)
                pipe.hgetall(self.sessions_key)
                players, sessions = await pipe.execute()
            return players, sessions

        players, sessions = await self._call(work)
        return StoredState(
            players=decode_rows(players.items()),
            sessions={_text(k): _text(v) for k, v in sessions.items()},
        )

    async def delete(self, guild_ids: Iterable[int]) -> None:
        """Remove the players of ``guild_ids``."""
        fields = [str(int(g)) for g in guild_ids]
        if not fields:
            return

        async def work(client: Any) -> None:
            await client.hdel(self.players_key, *fields)

        await self._call(work)

    async def clear(self) -> None:
        """Remove every key of this prefix (players and sessions)."""

        async def work(client: Any) -> None:
            await client.delete(self.players_key, self.sessions_key)

        await self._call(work)

    async def close(self) -> None:
        """Close the connection pool this store opened. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        client, self._client = self._client, None
        if client is not None and self._owns_client:
            await client.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
