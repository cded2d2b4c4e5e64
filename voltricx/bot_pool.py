"""``BotPool``: the nodes, players, store and events of one bot.

A process that runs one bot uses the class-level [Pool][voltricx.Pool],
which is the face of the default ``BotPool``. A process that runs several
bot accounts (one guild with music in several channels) gives every further
bot a pool of its own:

```python
second = await voltricx.Pool.create(client=bot2, nodes=[
    voltricx.NodeConfig(identifier="main", uri="http://127.0.0.1:2333", password="pass"),
])
node = second.get_node()
await second.close()
```

Each pool owns one runtime (`voltricx._state.Runtime`): its own nodes (the
identifiers may repeat across pools), players, failover, store and event
sink. The adapters find the pool of their client with `pool_of`; a player
finds it through its node.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from voltricx import _restore
from voltricx._ids import snowflake
from voltricx._report import show_report
from voltricx._state import Runtime, runtime
from voltricx.config import NodeConfig
from voltricx.enums import NodeStatus
from voltricx.errors import InvalidArgument, MissingExtraError, NodeNotFound, VoltricxError
from voltricx.events import EventSink
from voltricx.gateway import VoiceGateway
from voltricx.models.track import Track
from voltricx.node import Node
from voltricx.player import Player, PlayerOwner
from voltricx.playlist import Playlist
from voltricx.search import TrackSource, configure, fetch_tracks
from voltricx.selection import best_node
from voltricx.store import PlayerStore, ShardedStore

__all__ = ["BotPool"]

_log = logging.getLogger("voltricx.pool")

#: Seconds ``close`` allows for destroying players on their nodes.
CLOSE_TIMEOUT = 5.0

# Discord library (top-level module of the client's class) -> (adapter module, extra)
_ADAPTERS: dict[str, tuple[str, str, str]] = {
    "discord": ("voltricx.adapters.discordpy", "discordpy", "discord.py"),
    "nextcord": ("voltricx.adapters.nextcord", "nextcord", "nextcord"),
    "disnake": ("voltricx.adapters.disnake", "disnake", "disnake"),
    "hikari": ("voltricx.adapters.hikari", "hikari", "hikari"),
}


def resolve_client(client: Any) -> tuple[VoiceGateway, EventSink]:
    """Turn ``client`` into the (gateway, sink) pair the core talks to.

    An object implementing both Protocols is used as it is (the testing
    kit's ``FakeVoiceGateway`` does). A Discord client is matched to its
    adapter by the module its class comes from, without importing any
    other library.
    """
    if isinstance(client, VoiceGateway) and isinstance(client, EventSink):
        return client, client
    for cls in type(client).__mro__:
        root = cls.__module__.partition(".")[0]
        entry = _ADAPTERS.get(root)
        if entry is None:
            continue
        module_name, extra, library = entry
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                raise VoltricxError(
                    f"this version of voltricx has no {library} adapter yet; pass an object "
                    "implementing voltricx.VoiceGateway and voltricx.EventSink instead"
                ) from None
            raise MissingExtraError(library, extra) from exc
        adapter = module.adapt(client)
        return adapter, adapter
    raise VoltricxError(
        f"cannot use a {type(client).__qualname__} as client: pass a discord.py, nextcord, "
        "disnake or hikari bot, or an object implementing voltricx.VoiceGateway and "
        "voltricx.EventSink"
    )


def gateway_shards(gateway: VoiceGateway) -> tuple[tuple[int, ...], int]:
    """The shards this process runs, as the adapter reports them (``shards``); else shard 0 of 1."""
    reported: Any = getattr(gateway, "shards", None)
    try:
        ids, count = reported
        ids = tuple(int(i) for i in ids)
        count = int(count)
    except (TypeError, ValueError):
        return (0,), 1
    if count < 1 or not ids or any(not 0 <= i < count for i in ids):
        _log.warning("the adapter reports shards %r of %r; using shard 0 of 1", ids, count)
        return (0,), 1
    return ids, count


def _positive_number(value: object) -> bool:
    """True for an int or float above 0 that is finite (``bool`` is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return 0 < value < float("inf")


def _namespace(store: PlayerStore) -> tuple[str, ...] | None:
    """Where ``store`` keeps its records, when that is known: two pools must not share it."""
    prefix: Any = getattr(store, "prefix", None)
    url: Any = getattr(store, "url", None)
    if isinstance(prefix, str) and isinstance(url, str):
        return ("redis", url, prefix)
    path: Any = getattr(store, "path", None)
    if isinstance(path, Path):
        return ("sqlite", str(path.resolve()))
    return None


def _describe(store: PlayerStore) -> str:
    prefix: Any = getattr(store, "prefix", None)
    if isinstance(prefix, str):
        return f"RedisStore prefix {prefix!r}; give each bot its own prefix="
    return f"{type(store).__name__} {store!r}; give each bot its own store"


def _user_id(gateway: VoiceGateway) -> int | None:
    try:
        return gateway.user_id
    except Exception:
        return None


_pools: weakref.WeakSet[BotPool] = weakref.WeakSet()
_owners: weakref.WeakKeyDictionary[BotPool, Runtime] = weakref.WeakKeyDictionary()
# The first pool made (the default one, at import) takes the default runtime.
_unclaimed: Runtime | None = runtime


def pool_of(gateway: object) -> BotPool | None:
    """The connected pool that talks to Discord through ``gateway`` (an adapter), if any."""
    if gateway is None:
        return None
    for pool in list(_pools):
        if pool.gateway() is gateway:
            return pool
    return None


def owner_for(gateway: object) -> PlayerOwner:
    """The runtime of ``gateway``'s pool: what a player made by that adapter belongs to (default: the default pool's)."""
    pool = pool_of(gateway)
    return _owners[pool] if pool is not None else runtime


class BotPool:
    """The nodes and players of one bot: what [Pool][voltricx.Pool] is for the default bot.

    Create one per further bot in the process with
    [Pool.create][voltricx.pool.Pool.create] (or ``BotPool()`` and then
    [connect][voltricx.bot_pool.BotPool.connect]). It has the same methods as the
    class-level [Pool][voltricx.Pool], but its own nodes (identifiers may
    repeat across pools), players, failover, store and events: nothing one
    pool does touches another. Events go to its own client only.

    A player of this pool is made by the client's adapter
    (``channel.connect(cls=voltricx.adapters.discordpy.Player)`` on this
    pool's client, ``voltricx.adapters.hikari.join(bot2, ...)``) or, without
    an adapter, with ``voltricx.Player(guild_id, node=pool.get_node())``.
    """

    __slots__ = ("__weakref__", "_runtime")

    def __init__(self) -> None:
        global _unclaimed
        owner, _unclaimed = _unclaimed or Runtime(), None
        self._runtime = owner
        _owners[self] = owner
        _pools.add(self)

    def __repr__(self) -> str:
        gateway = self._runtime.gateway
        return f"<BotPool nodes={sorted(self._runtime.nodes)} players={len(self._runtime.players)} gateway={gateway!r}>"

    async def connect(
        self,
        *,
        client: Any,
        nodes: Iterable[NodeConfig],
        timeout: float | None = None,
        report: bool = True,
        report_stream: TextIO | None = None,
        store: PlayerStore | None = None,
        rejoin: bool = True,
        cache_capacity: int | None = None,
        move_back: bool = True,
    ) -> dict[str, Node]:
        """Connect to ``nodes`` for ``client``; see [Pool.connect][voltricx.pool.Pool.connect].

        Raises [VoltricxError][voltricx.VoltricxError] when another pool of
        this process already serves ``client``, or already uses the same
        store records (a [RedisStore][voltricx.RedisStore] with the same URL
        and prefix, the same SQLite file).
        """
        rt = self._runtime
        if timeout is not None and not _positive_number(timeout):
            raise InvalidArgument(f"Pool.connect timeout must be a number of seconds above 0, got {timeout!r}")
        configs = list(nodes)
        if not configs:
            raise VoltricxError("Pool.connect needs at least one NodeConfig")
        if cache_capacity is not None:
            if isinstance(cache_capacity, bool) or not isinstance(cache_capacity, int) or cache_capacity < 0:  # pyright: ignore[reportUnnecessaryIsInstance]
                raise VoltricxError(f"cache_capacity must be an int >= 0 (0: no cache), got {cache_capacity!r}")
            configure(cache_size=cache_capacity)
        seen: set[str] = set()
        kept: list[str] = []
        fresh: list[NodeConfig] = []
        for config in configs:
            if config.identifier in seen:
                raise VoltricxError(f"two nodes are named {config.identifier!r}; identifiers must be unique")
            seen.add(config.identifier)
            if config.identifier in rt.nodes:
                kept.append(config.identifier)
            else:
                fresh.append(config)
        if kept:
            _log.info("Pool.connect: node(s) %s already in the pool; kept as they are", ", ".join(map(repr, kept)))
        configs = fresh
        persister = rt.persister
        if store is not None and persister is not None and persister.store is not store:
            raise VoltricxError("the pool already has a store; call close() on it first")
        if store is not None and persister is not None:
            store = None  # the same store again: it is already in use
        if not configs:
            gateway, _ = resolve_client(client)
            self._check_client(gateway)
            return dict(rt.nodes)
        gateway, sink = resolve_client(client)
        self._check_client(gateway)
        if store is not None:
            self._check_store(store, gateway)
        restorer: _restore.Restorer | None = None
        if isinstance(store, ShardedStore):
            ids, count = gateway_shards(gateway)
            store.use_shards(ids, count)
        if store is not None:
            # An unreachable store never stops the pool: it is read again in the background.
            state = await _restore.load_or_none(store)
            if state is not None:
                restorer = _restore.Restorer.loaded(store, state, owner=rt)
        self._check_client(gateway)
        # Everything that can fail happens before the pool changes: a failing connect
        # leaves the pool exactly as it was.
        created: list[Node] = []
        try:
            user_id = gateway.user_id
            for config in configs:
                created.append(Node(config, user_id=user_id, owner=rt))
        except BaseException:
            for node in created:
                await node.rest.close()
            raise
        rt.gateway = gateway
        rt.sink = sink
        rt.move_back = move_back
        if isinstance(store, ShardedStore):
            rt.fence = store
        rt.node_up_event()
        for node in created:
            rt.nodes[node.identifier] = node
        if restorer is not None:
            restorer.prepare(created)
        waits: list[asyncio.Future[None]] = [node.start() for node in created]
        limit = timeout if timeout is not None else max(c.connect_timeout for c in configs) + 2.0
        _, pending = await asyncio.wait(waits, timeout=limit)
        for node in created:
            if node.status is not NodeStatus.CONNECTED and node.last_error is None and pending:
                node.last_error = f"no answer within {limit:g}s, still trying"
        if store is not None:
            persister = _restore.Persister(store, loaded=restorer is not None, rejoin=rejoin, owner=rt)
            if restorer is not None:
                await restorer.finish(rejoin=rejoin)
                persister.seed(restorer.state)
            persister.start()
        show_report(created, stream=report_stream, console=report)
        return dict(rt.nodes)

    def _check_client(self, gateway: VoiceGateway) -> None:
        """Refuse a second client for this pool, and a client another pool serves."""
        current = self._runtime.gateway
        if current is not None and current is not gateway:
            raise VoltricxError(
                "the pool is already connected for another client; call close() on it first, or give "
                "the other bot a pool of its own with voltricx.Pool.create(client=..., nodes=[...])"
            )
        other = pool_of(gateway)
        if other is not None and other is not self:
            raise VoltricxError(
                "this client already has a pool in this process; use that pool, or close it first"
            )

    def _check_store(self, store: PlayerStore, gateway: VoiceGateway) -> None:
        """Refuse a store whose records another pool of this process uses already.

        Two pools of one bot (its shards 0 and 1 run by two clients) may share
        the records of a sharded store: each owns the guilds of its shards.
        """
        mine = _namespace(store)
        for pool in list(_pools):
            persister = pool._runtime.persister
            other = pool._runtime.gateway
            if pool is self or persister is None:
                continue
            if persister.store is store:
                raise VoltricxError("this store object is used by another pool; give each pool its own store")
            if mine is None or _namespace(persister.store) != mine:
                continue
            sharded = isinstance(store, ShardedStore) and isinstance(persister.store, ShardedStore)
            if sharded and other is not None and _user_id(other) == _user_id(gateway):
                continue
            raise VoltricxError(f"another pool of this process already keeps its players in {_describe(store)}")

    def get_node(self, identifier: str | None = None, *, region: str | None = None) -> Node:
        """A node by identifier, or the best connected one; see [Pool.get_node][voltricx.pool.Pool.get_node]."""
        if identifier is not None:
            node = self._runtime.nodes.get(identifier)
            if node is None:
                raise NodeNotFound(identifier)
            return node
        return best_node(self._runtime.nodes.values(), region=region)

    async def drain(self, identifier: str) -> None:
        """Move every player off a node; see [Pool.drain][voltricx.pool.Pool.drain]."""
        await self._runtime.drain(identifier)

    def undrain(self, identifier: str) -> None:
        """Let a drained node take players again."""
        self._runtime.undrain(identifier)

    async def remove_node(self, identifier: str, *, move_players: bool = True) -> None:
        """Drain, close and forget a node; see [Pool.remove_node][voltricx.pool.Pool.remove_node]."""
        await self._runtime.remove_node(identifier, move_players=move_players)

    def nodes(self) -> dict[str, Node]:
        """Every node of the pool by identifier (a copy)."""
        return dict(self._runtime.nodes)

    def gateway(self) -> VoiceGateway | None:
        """The [VoiceGateway][voltricx.VoiceGateway] (adapter) of the pool's client; ``None`` before connect."""
        return self._runtime.gateway

    def get_player(self, guild_id: int) -> Player | None:
        """The pool's player of ``guild_id``, if there is one."""
        return self._runtime.players.get(snowflake(guild_id))

    def players(self) -> dict[int, Player]:
        """Every player of the pool by guild id (a copy)."""
        return dict(self._runtime.players)

    async def fetch_tracks(
        self,
        query: str,
        *,
        source: TrackSource | str | None = None,
        cache: bool = True,
        node: Node | None = None,
    ) -> list[Track] | Playlist:
        """Load ``query`` from this pool's nodes; see [Pool.fetch_tracks][voltricx.pool.Pool.fetch_tracks]."""
        if node is not None:
            return await fetch_tracks(query, source=source, cache=cache, node=node)
        return await fetch_tracks(query, source=source, cache=cache, nodes=list(self._runtime.nodes.values()))

    async def save(self) -> int:
        """Write every changed player to the pool's store now; returns how many were written.

        Raises [VoltricxError][voltricx.VoltricxError] when the pool has no store.
        """
        persister = self._runtime.persister
        if persister is None:
            raise VoltricxError("the pool has no store; pass store= to connect")
        return await persister.flush()

    async def close(self) -> None:
        """Destroy the pool's players, close its nodes and forget them; see [Pool.close][voltricx.pool.Pool.close].

        Other pools of the process are not touched.
        """
        rt = self._runtime
        await _restore.shutdown(rt)
        players = list(rt.players.values())
        if players:
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await asyncio.gather(*(self._close_player(p) for p in players), return_exceptions=True)
            except TimeoutError:
                _log.warning("closing: some players could not be destroyed in time")
        await rt.tasks.cancel_all()
        nodes = list(rt.nodes.values())
        rt.nodes.clear()
        await asyncio.gather(*(node.shutdown() for node in nodes), return_exceptions=True)
        await rt.reset()

    async def _close_player(self, player: Player) -> None:
        gateway = self._runtime.gateway
        if gateway is not None:
            try:
                await gateway.leave(player.guild_id)
            except Exception:
                _log.debug("closing: leaving voice in guild %s failed", player.guild_id, exc_info=True)
        await player.destroy(reason="closed")


#: The pool behind the class-level ``voltricx.Pool``.
default_pool: BotPool = BotPool()
