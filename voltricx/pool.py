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

from collections.abc import Iterable
from typing import Any, TextIO

from voltricx.bot_pool import BotPool, default_pool
from voltricx.config import NodeConfig
from voltricx.errors import WrongTypeError
from voltricx.gateway import VoiceGateway
from voltricx.models.track import Track
from voltricx.node import Node
from voltricx.player import Player
from voltricx.playlist import Playlist
from voltricx.search import TrackSource
from voltricx.store import PlayerStore

__all__ = ["Pool"]


class Pool:
    """All nodes and players of the bot. Used through class methods; never instantiated.

    The class methods act on the default pool. A process that runs more
    than one bot gives each further bot its own pool with
    [create][voltricx.pool.Pool.create]: a [BotPool][voltricx.BotPool] with the
    same methods, its own nodes, players, store and events.
    """

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

        This connects the default pool, for one client. Another bot in the
        same process gets a pool of its own from
        [create][voltricx.pool.Pool.create]; connecting the default pool for a
        second client raises [VoltricxError][voltricx.VoltricxError].

        With ``move_back=True`` (the default) a player that failover moved
        out of its region goes back to a node of that region as soon as one
        is ready (one update, at its position); ``False`` leaves it where it is.
        """
        return await default_pool.connect(
            client=client,
            nodes=nodes,
            timeout=timeout,
            report=report,
            report_stream=report_stream,
            store=store,
            rejoin=rejoin,
            cache_capacity=cache_capacity,
            move_back=move_back,
        )

    @classmethod
    async def create(
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
    ) -> BotPool:
        """A new pool for one more bot of this process, connected like [connect][voltricx.pool.Pool.connect].

        The returned [BotPool][voltricx.BotPool] has the class face's
        methods (``get_node``, ``nodes``, ``drain``, ``close``, ...) but its
        own nodes (their identifiers may repeat those of another pool),
        players, failover, store and events; the client's adapter sends its
        players' voice events and its events to it alone. The default pool
        (the class methods) is not touched.

        Raises [VoltricxError][voltricx.VoltricxError] when ``client``
        already has a pool in this process, or when ``store`` keeps its
        records where another pool's store does (give each bot its own
        [RedisStore][voltricx.RedisStore] ``prefix``); a failed create
        leaves nothing behind.
        """
        pool = BotPool()
        try:
            await pool.connect(
                client=client,
                nodes=nodes,
                timeout=timeout,
                report=report,
                report_stream=report_stream,
                store=store,
                rejoin=rejoin,
                cache_capacity=cache_capacity,
                move_back=move_back,
            )
        except BaseException:
            await pool.close()
            raise
        return pool

    @classmethod
    def get_node(cls, identifier: str | None = None, *, region: str | None = None) -> Node:
        """A node by identifier, or the best connected one (optionally in ``region``).

        Raises [`NodeNotFound`][voltricx.NodeNotFound] for an unknown identifier and
        [`NoNodesAvailable`][voltricx.NoNodesAvailable] when no node is connected.
        """
        return default_pool.get_node(identifier, region=region)

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
        await default_pool.drain(identifier)

    @classmethod
    def undrain(cls, identifier: str) -> None:
        """Let a drained node take players again (players that moved away stay where they are)."""
        default_pool.undrain(identifier)

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
        await default_pool.remove_node(identifier, move_players=move_players)

    @classmethod
    def nodes(cls) -> dict[str, Node]:
        """Every node of the pool by identifier (a copy)."""
        return default_pool.nodes()

    @classmethod
    def gateway(cls) -> VoiceGateway | None:
        """The [VoiceGateway][voltricx.VoiceGateway] (adapter) the pool talks to Discord through; ``None`` before connect."""
        return default_pool.gateway()

    @classmethod
    def get_player(cls, guild_id: int) -> Player | None:
        """The player of ``guild_id``, if there is one."""
        return default_pool.get_player(guild_id)

    @classmethod
    def players(cls) -> dict[int, Player]:
        """Every player by guild id (a copy)."""
        return default_pool.players()

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
        return await default_pool.fetch_tracks(query, source=source, cache=cache, node=node)

    @classmethod
    async def save(cls) -> int:
        """Write every changed player to the store now; returns how many were written.

        Raises [`VoltricxError`][voltricx.VoltricxError] when the pool has no store.
        """
        return await default_pool.save()

    @classmethod
    async def close(cls) -> None:
        """Destroy every player (best effort, bounded), close every node, forget everything.

        Safe to call more than once. With a store, a last batch is saved first
        (positions as of now) and the store is closed; the saved players
        are kept, so the next ``Pool.connect(store=...)`` brings them back.
        """
        await default_pool.close()
