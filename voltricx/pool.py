"""``Pool``: the class-level entry point: connect nodes, choose nodes, close.

```python
nodes = await voltricx.Pool.connect(client=bot, nodes=[
    voltricx.NodeConfig(identifier="US", uri="http://us.node:2333",
                        password="pass", region="us"),
])
node = voltricx.Pool.get_node()             # lowest penalty, connected
node = voltricx.Pool.get_node("US")         # by identifier
node = voltricx.Pool.get_node(region="us")  # lowest penalty in region
await voltricx.Pool.drain("US")             # move its players away first
voltricx.Pool.undrain("US")                 # let it take players again
await voltricx.Pool.remove_node("US")       # move players, close, forget
await voltricx.Pool.close()
```
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Iterable
from typing import Any, TextIO

from voltricx import _restore
from voltricx._ids import snowflake
from voltricx._report import show_report
from voltricx._state import runtime
from voltricx.config import NodeConfig
from voltricx.enums import NodeStatus
from voltricx.errors import (
    InvalidArgument,
    MissingExtraError,
    NodeNotFound,
    VoltricxError,
    WrongTypeError,
)
from voltricx.events import EventSink
from voltricx.gateway import VoiceGateway
from voltricx.models.track import Track
from voltricx.node import Node
from voltricx.player import Player
from voltricx.playlist import Playlist
from voltricx.search import TrackSource, configure, fetch_tracks
from voltricx.selection import best_node
from voltricx.store import PlayerStore, ShardedStore

__all__ = ["Pool"]

_log = logging.getLogger("voltricx.pool")

#: Seconds ``Pool.close`` allows for destroying players on their nodes.
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


async def _close_player(player: Player) -> None:
    gateway = runtime.gateway
    if gateway is not None:
        try:
            await gateway.leave(player.guild_id)
        except Exception:
            _log.debug("closing: leaving voice in guild %s failed", player.guild_id, exc_info=True)
    await player.destroy(reason="closed")


class Pool:
    """All nodes and players of the bot. Used through class methods; never instantiated."""

    def __init__(self) -> None:
        raise WrongTypeError("Pool is used through its class methods, e.g. await Pool.connect(...)")

    @classmethod
    async def connect(
        cls,
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
        """Connect to ``nodes`` and return every node of the pool by identifier.

        Waits until each node has connected or failed its first attempt
        (at most ``timeout`` seconds, default: the longest
        ``connect_timeout`` plus 2 s), then prints the connection report
        (``report=False`` keeps it off the console; it is always logged).
        Nodes that failed keep retrying in the background, except after a
        wrong or missing password.

        With a ``store`` ([`SQLiteStore`][voltricx.SQLiteStore], [`RedisStore`][voltricx.RedisStore],
        any [`PlayerStore`][voltricx.PlayerStore]) the saved players come back
        before this returns: nodes resume their saved sessions and players are
        re-synced from them, or re-created from the saved track and position
        where a session expired; then (``rejoin=True``) the adapter re-joins
        each voice channel. From then on player state is saved in batches.
        A store that cannot be read (Redis not up yet) does not stop the
        connect: a warning is logged, the store is tried again in the
        background with backoff, and once it answers the saved players come
        back and saving starts. See the persistence guide.

        Calling it again (bots do, in ``on_ready``) is safe: nodes already in
        the pool are kept as they are (logged once), new ones are added, and
        every node is returned. ``cache_capacity`` sizes the search cache
        (as in wavelink; same as ``voltricx.search.configure(cache_size=...)``).

        With ``move_back=True`` (the default) a player that failover moved
        out of its region goes back to a node of that region as soon as one
        is ready (one update, at its position); ``False`` leaves it where it is.
        """
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
            if config.identifier in runtime.nodes:
                kept.append(config.identifier)
            else:
                fresh.append(config)
        if kept:
            _log.info("Pool.connect: node(s) %s already in the pool; kept as they are", ", ".join(map(repr, kept)))
        configs = fresh
        persister = _restore.active_persister()
        if store is not None and persister is not None and persister.store is not store:
            raise VoltricxError("the pool already has a store; call Pool.close() first")
        if store is not None and persister is not None:
            store = None  # the same store again: it is already in use
        if not configs:
            gateway, _ = resolve_client(client)
            if runtime.gateway is not None and runtime.gateway is not gateway:
                raise VoltricxError("the pool is already connected for another client; call Pool.close() first")
            return dict(runtime.nodes)
        gateway, sink = resolve_client(client)
        restorer: _restore.Restorer | None = None
        if isinstance(store, ShardedStore):
            ids, count = gateway_shards(gateway)
            store.use_shards(ids, count)
        if store is not None:
            # An unreachable store never stops the pool: it is read again in the background.
            state = await _restore.load_or_none(store)
            if state is not None:
                restorer = _restore.Restorer.loaded(store, state)
        if runtime.gateway is not None and runtime.gateway is not gateway:
            raise VoltricxError("the pool is already connected for another client; call Pool.close() first")
        # Everything that can fail happens before the pool changes: a failing connect
        # leaves the pool exactly as it was.
        created: list[Node] = []
        try:
            user_id = gateway.user_id
            for config in configs:
                created.append(Node(config, user_id=user_id, owner=runtime))
        except BaseException:
            for node in created:
                await node.rest.close()
            raise
        runtime.gateway = gateway
        runtime.sink = sink
        runtime.move_back = move_back
        if isinstance(store, ShardedStore):
            runtime.fence = store
        runtime.node_up_event()
        for node in created:
            runtime.nodes[node.identifier] = node
        if restorer is not None:
            restorer.prepare(created)
        waits: list[asyncio.Future[None]] = [node.start() for node in created]
        limit = timeout if timeout is not None else max(c.connect_timeout for c in configs) + 2.0
        _, pending = await asyncio.wait(waits, timeout=limit)
        for node in created:
            if node.status is not NodeStatus.CONNECTED and node.last_error is None and pending:
                node.last_error = f"no answer within {limit:g}s, still trying"
        if store is not None:
            persister = _restore.Persister(store, loaded=restorer is not None, rejoin=rejoin)
            if restorer is not None:
                await restorer.finish(rejoin=rejoin)
                persister.seed(restorer.state)
            persister.start()
        show_report(created, stream=report_stream, console=report)
        return dict(runtime.nodes)

    @classmethod
    def get_node(cls, identifier: str | None = None, *, region: str | None = None) -> Node:
        """A node by identifier, or the best connected one (optionally in ``region``).

        Raises [`NodeNotFound`][voltricx.NodeNotFound] for an unknown identifier and
        [`NoNodesAvailable`][voltricx.NoNodesAvailable] when no node is connected.
        """
        if identifier is not None:
            node = runtime.nodes.get(identifier)
            if node is None:
                raise NodeNotFound(identifier)
            return node
        return best_node(runtime.nodes.values(), region=region)

    @classmethod
    async def drain(cls, identifier: str) -> None:
        """Empty a node before taking it down (a Lavalink upgrade): move every player away.

        The node stops being chosen for new players (its penalty becomes 9e30;
        its status is unchanged and it stays connected). Its players move one
        by one to the best other nodes, each starting at its current position,
        and the call returns when the node holds no player. Emits
        [NodeDraining][voltricx.events.NodeDraining], then one
        [PlayersMoved][voltricx.events.PlayersMoved] per target node with
        reason ``"drain"``. [Pool.undrain][voltricx.pool.Pool.undrain] reverses it.

        Raises [NodeNotFound][voltricx.NodeNotFound] for an unknown identifier
        and [NoNodesAvailable][voltricx.NoNodesAvailable] when no other node is
        connected (the node is then not left draining).
        """
        await runtime.drain(identifier)

    @classmethod
    def undrain(cls, identifier: str) -> None:
        """Let a drained node take players again (players that moved away stay where they are)."""
        runtime.undrain(identifier)

    @classmethod
    async def remove_node(cls, identifier: str, *, move_players: bool = True) -> None:
        """Take a node out of the pool: drain it, close it and forget it.

        With ``move_players=True`` its players move to the other nodes first
        (parked until a node connects when there is none); with ``False``
        they are destroyed, each with a
        [PlayerDestroyed][voltricx.events.PlayerDestroyed] of reason
        ``"node_removed"``. Ends with [NodeRemoved][voltricx.events.NodeRemoved].
        ``await node.close()`` on a node of the pool does the same with
        ``move_players=True``.
        """
        await runtime.remove_node(identifier, move_players=move_players)

    @classmethod
    def nodes(cls) -> dict[str, Node]:
        """Every node of the pool by identifier (a copy)."""
        return dict(runtime.nodes)

    @classmethod
    def gateway(cls) -> VoiceGateway | None:
        """The [VoiceGateway][voltricx.VoiceGateway] (adapter) the pool talks to Discord through; ``None`` before connect."""
        return runtime.gateway

    @classmethod
    def get_player(cls, guild_id: int) -> Player | None:
        """The player of ``guild_id``, if there is one."""
        return runtime.players.get(snowflake(guild_id))

    @classmethod
    def players(cls) -> dict[int, Player]:
        """Every player by guild id (a copy)."""
        return dict(runtime.players)

    @classmethod
    async def fetch_tracks(
        cls,
        query: str,
        *,
        source: TrackSource | str | None = None,
        cache: bool = True,
        node: Node | None = None,
    ) -> list[Track] | Playlist:
        """Load ``query``: a list of [`Playable`][voltricx.Track] (maybe empty) or a [`Playlist`][voltricx.Playlist].

        Plain text gets the ``source`` search prefix (default ``ytsearch``,
        see [`voltricx.search.configure()`][voltricx.search.configure]); URLs and prefixed queries
        (``spsearch:...``) go as they are. The best node is asked first; when
        it fails at the transport level the next healthy node is tried;
        ``node`` asks only that node (as wavelink's ``node=``).
        Raises [`LoadError`][voltricx.LoadError] when the node reports a load error.
        """
        return await fetch_tracks(query, source=source, cache=cache, node=node)

    @classmethod
    async def save(cls) -> int:
        """Write every changed player to the store now; returns how many were written.

        Raises [`VoltricxError`][voltricx.VoltricxError] when the pool has no store.
        """
        persister = _restore.active_persister()
        if persister is None:
            raise VoltricxError("the pool has no store; pass store= to Pool.connect")
        return await persister.flush()

    @classmethod
    async def close(cls) -> None:
        """Destroy every player (best effort, bounded), close every node, forget everything.

        Safe to call more than once. With a store, a last batch is saved first
        (positions as of now) and the store is closed; the saved players
        are kept, so the next ``Pool.connect(store=...)`` brings them back.
        """
        await _restore.shutdown()
        players = list(runtime.players.values())
        if players:
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await asyncio.gather(*(_close_player(p) for p in players), return_exceptions=True)
            except TimeoutError:
                _log.warning("closing: some players could not be destroyed in time")
        await runtime.tasks.cancel_all()
        nodes = list(runtime.nodes.values())
        runtime.nodes.clear()
        await asyncio.gather(*(node.shutdown() for node in nodes), return_exceptions=True)
        await runtime.reset()
