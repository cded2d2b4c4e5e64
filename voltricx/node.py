"""``Node``: one Lavalink server, its websocket session and its REST client.

Each node runs one supervisor task. It owns the websocket, handles the
node's messages in order, keeps ``status``, ``stats`` and ``session_id``
current, and reconnects with capped exponential backoff and jitter. A
wrong or missing password (401/403) stops it for good: retrying cannot
help, so it reports the error and waits for the user to fix the config.

Over 500 lines as one idea: a node's lifecycle (its supervisor loop, the
session set up on ``ready``, and the frames it routes to players). The
websocket itself is opened in ``voltricx._transport``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import traceback
from typing import TYPE_CHECKING, Protocol

from voltricx._ids import valid_session_id
from voltricx._tasks import TaskTracker
from voltricx._transport import LavalinkSocket, SocketClosed, open_socket
from voltricx.config import NodeConfig
from voltricx.enums import NodeStatus
from voltricx.errors import (
    LavalinkHTTPError,
    NodeAuthError,
    NodeConnectError,
    NodeError,
    NodeProtocolError,
    VoltricxError,
)
from voltricx.events import Event, NodeDisconnected, NodeReady, NodeStats, PluginEvent
from voltricx.models.node import Info, RoutePlannerStatus, Stats
from voltricx.models.player import PlayerPayload
from voltricx.models.ws import (
    FRAME_ERRORS,
    EventFrame,
    EventPayload,
    PlayerUpdateOp,
    ReadyOp,
    StatsOp,
    TrackEndEvent,
    TrackStartEvent,
    UnknownEvent,
    UnknownOp,
    WsMessage,
    decode_event,
    decode_known_message,
    decode_message,
)
from voltricx.rest import RestClient
from voltricx.selection import DISCONNECTED_PENALTY, stats_penalty

if TYPE_CHECKING:
    from voltricx.models.track import Track
    from voltricx.player import Player
    from voltricx.playlist import Playlist

__all__ = ["Node", "NodeOwner"]

_log = logging.getLogger("voltricx.node")

#: Most distinct ``guildId`` strings a node remembers as ints before starting over.
_GUILD_ID_CACHE_SIZE = 65536

class NodeOwner(Protocol):
    """What a node reports to (the pool)."""

    def emit(self, event: Event) -> None:
        """Deliver an event to the user's sink."""
        ...

    def node_ready(self, node: Node, resumed: bool) -> None:
        """The node's websocket is ready (first connect or reconnect)."""
        ...

    def node_lost(self, node: Node) -> None:
        """The node's websocket was lost."""
        ...

    async def node_closing(self, node: Node) -> None:
        """``node.close()`` was called: take the node's players elsewhere before it closes."""
        ...


class Node:
    """A Lavalink node in the pool. Create nodes with [`voltricx.Pool.connect()`][voltricx.pool.Pool.connect].

    Attributes:
        config: The [`NodeConfig`][voltricx.NodeConfig] this node was built from.
        players: Players currently on this node, by guild id.
        stats: The latest stats the node sent (``None`` before the first).
        info: The node's ``/v4/info`` answer from the last connect (``None`` before).
        session_id: The Lavalink session id, ``None`` while not connected.
        last_error: Short reason of the last failed connection attempt (``None`` when fine).
    """

    def __init__(self, config: NodeConfig, *, user_id: int, owner: NodeOwner) -> None:
        self.config = config
        self.players: dict[int, Player] = {}
        self.stats: Stats | None = None
        self.info: Info | None = None
        self.session_id: str | None = None
        self.last_error: str | None = None
        self.auth_error: NodeAuthError | None = None
        self.resumed = False
        #: ``False`` once the node answered that it cannot resume sessions (NodeLink).
        self.resuming_supported: bool | None = None
        #: True while the node is being emptied (``Pool.drain``): it is never chosen.
        self.draining = False
        #: True when the last connection attempt was refused: no process listens, so
        #: whatever session the node had is gone.
        self.refused = False
        self.rest: RestClient = RestClient(
            node=config.identifier,
            base_url=config.rest_uri,
            password=config.password,
            client_name=config.client_name,
            timeout=config.request_timeout,
            ssl_context=config.ssl,
        )
        self._user_id = user_id
        self._owner = owner
        self._status = NodeStatus.DISCONNECTED
        self._status_waiters: list[tuple[NodeStatus, asyncio.Future[None]]] = []
        self._tasks = TaskTracker(f"node {config.identifier}")
        self._ws: LavalinkSocket | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._first_attempt: asyncio.Future[None] | None = None
        self._wake = asyncio.Event()
        self._attempt_done: asyncio.Event | None = None
        self._closing = False
        self._messages = 0
        self._attempts = 0
        self._warned_old_version = False
        #: guild id -> (player, encoded track) of the last TrackStartEvent not yet ended, to
        #: drop the second start NodeLink sends when a track is replaced.
        self._started: dict[int, tuple[Player, str]] = {}
        #: ``guildId`` string -> int, so each burst of ``playerUpdate`` frames parses an id once.
        self._guild_ids: dict[str, int] = {}

    # -- public surface --------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"<Node identifier={self.identifier!r} uri={self.uri!r} region={self.region!r} "
            f"status={self._status.value} players={len(self.players)}>"
        )

    @property
    def identifier(self) -> str:
        """The node's unique name."""
        return self.config.identifier

    @property
    def uri(self) -> str:
        """The node's REST base URI, as configured."""
        return self.config.uri

    @property
    def region(self) -> str | None:
        """The node's region tag, as configured."""
        return self.config.region

    @property
    def status(self) -> NodeStatus:
        """``connecting``, ``connected`` or ``disconnected``."""
        return self._status

    @property
    def available(self) -> bool:
        """True when the node is connected and can take players."""
        return self._status is NodeStatus.CONNECTED

    @property
    def penalty(self) -> float:
        """Load penalty from the latest stats (lower is better; 9e30 when not connected or draining)."""
        if self._status is not NodeStatus.CONNECTED or self.draining:
            return DISCONNECTED_PENALTY
        return stats_penalty(self.stats)

    @property
    def connection_attempts(self) -> int:
        """Websocket connection attempts made so far (diagnostics and tests)."""
        return self._attempts

    async def wait_for_status(self, status: NodeStatus, *, timeout: float | None = None) -> None:
        """Wait until the node reaches ``status`` (returns at once if it already has)."""
        if self._status is status:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (status, future)
        self._status_waiters.append(entry)
        try:
            async with asyncio.timeout(timeout):
                await future
        finally:
            if entry in self._status_waiters:
                self._status_waiters.remove(entry)

    async def wait_for_attempt(self, *, timeout: float | None = None) -> None:
        """Wait until the next connection attempt has succeeded or failed."""
        event = self._attempt_done
        if event is None:
            event = self._attempt_done = asyncio.Event()
        async with asyncio.timeout(timeout):
            await event.wait()

    def _attempt_finished(self) -> None:
        event, self._attempt_done = self._attempt_done, None
        if event is not None:
            event.set()

    async def fetch_info(self) -> Info:
        """``GET /v4/info``: version, source managers, filters and plugins (cached in ``info``)."""
        self.info = await self.rest.info()
        return self.info

    async def fetch_stats(self) -> Stats:
        """``GET /v4/stats`` (REST stats carry no frame stats)."""
        return await self.rest.stats()

    async def fetch_version(self) -> str:
        """``GET /version``: the server version string."""
        return await self.rest.version()

    async def fetch_routeplanner_status(self) -> RoutePlannerStatus | None:
        """The route planner status, or ``None`` when the node has no route planner."""
        return await self.rest.routeplanner_status()

    async def free_address(self, address: str) -> None:
        """Unmark one failing address of the route planner."""
        await self.rest.free_address(address)

    async def free_all_addresses(self) -> None:
        """Unmark every failing address of the route planner."""
        await self.rest.free_all_addresses()

    async def fetch_tracks(
        self, query: str, *, source: str | None = None, cache: bool = True
    ) -> list[Track] | Playlist:
        """Load ``query`` on this node: tracks (maybe ``[]``) or a [`Playlist`][voltricx.Playlist].

        Plain text gets the ``source`` search prefix (default ``ytsearch``),
        URLs and prefixed queries go as they are; see [`voltricx.search`][voltricx.search].
        Raises [`LoadError`][voltricx.LoadError] when the node reports a load error.
        """
        from voltricx.search import fetch_tracks

        return await fetch_tracks(query, source=source, node=self, cache=cache)

    async def fetch_players(self) -> list[PlayerPayload]:
        """The node's own view of our players (needs a connected session)."""
        return await self.rest.fetch_players(self.require_session())

    def require_session(self) -> str:
        """The session id, or raise [`NodeError`][voltricx.NodeError] when the node is not connected."""
        if self._status is not NodeStatus.CONNECTED or self.session_id is None:
            raise NodeError(
                f"node {self.identifier!r} is {self._status.value}; wait for it to connect "
                "or use another node",
                node=self.identifier,
            )
        return self.session_id

    def reconnect(self) -> None:
        """Retry now instead of waiting for the backoff delay (also after a fixed password)."""
        if self._closing:
            return
        if self._supervisor is None or self._supervisor.done():
            self.auth_error = None
            self._supervisor = self._tasks.spawn(self._supervise(), name=f"node {self.identifier}")
        self._wake.set()

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> asyncio.Future[None]:
        """Start the supervisor; the returned future resolves after the first attempt."""
        loop = asyncio.get_running_loop()
        self._first_attempt = loop.create_future()
        self._supervisor = self._tasks.spawn(self._supervise(), name=f"node {self.identifier}")
        return self._first_attempt

    async def close(self) -> None:
        """Take the node out of its pool, then stop it. Idempotent.

        A node of the pool first hands its players to the other nodes (or, when
        there is none, parks them until one connects), exactly like
        [Pool.remove_node][voltricx.pool.Pool.remove_node]; then the supervisor stops
        and the websocket and the HTTP session are closed.
        """
        if not self._closing:
            await self._owner.node_closing(self)
        await self.shutdown()

    async def shutdown(self) -> None:
        """Stop the supervisor, close the websocket and the HTTP session (players untouched)."""
        self._closing = True
        self._wake.set()
        await self._tasks.cancel_all()
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        await self.rest.close()
        was_connected = self._status is NodeStatus.CONNECTED
        self._set_status(NodeStatus.DISCONNECTED)
        self.session_id = None
        if was_connected:
            self._owner.emit(NodeDisconnected(self, 1000, "closed"))
        self._resolve_first()

    def _set_status(self, status: NodeStatus) -> None:
        if self._status is status:
            return
        _log.debug("node %s: %s -> %s", self.identifier, self._status.value, status.value)
        self._status = status
        keep: list[tuple[NodeStatus, asyncio.Future[None]]] = []
        for wanted, future in self._status_waiters:
            if wanted is status:
                if not future.done():
                    future.set_result(None)
            else:
                keep.append((wanted, future))
        self._status_waiters = keep

    def _resolve_first(self) -> None:
        """Let ``Pool.connect`` go on: the first attempt succeeded or failed (the node says how)."""
        future = self._first_attempt
        if future is not None and not future.done():
            future.set_result(None)

    # -- supervisor ------------------------------------------------------------------

    async def _supervise(self) -> None:
        """Connect, read, reconnect: nothing a node sends or a callback raises ends this loop.

        Any exception ends only the current connection: the node turns
        ``disconnected``, its players fail over as for a drop, the cause is
        logged once, and the loop reconnects with its backoff. Only a rejected
        password (retrying cannot help) and ``close()`` stop it.
        """
        failures = 0
        crashes = 0  # connections in a row that ended by an unexpected exception
        while not self._closing:
            self._set_status(NodeStatus.CONNECTING)
            try:
                ws = await self._connect()
            except NodeAuthError as exc:
                self._attempt_finished()
                self.auth_error = exc
                self.last_error = exc.reason
                self._set_status(NodeStatus.DISCONNECTED)
                _log.error("%s; not retrying until the configuration is fixed", exc)
                self._resolve_first()
                return
            except NodeError as exc:
                self.refused = isinstance(exc, NodeConnectError) and exc.refused
                self._set_status(NodeStatus.DISCONNECTED)
                self._attempt_finished()
                if failures == 0 or _log.isEnabledFor(logging.DEBUG):
                    _log.warning("node %s: connection failed: %s", self.identifier, self.last_error)
                self._resolve_first()
                failures += 1
                await self._backoff(failures)
                continue
            except Exception as exc:  # nothing may end the supervisor
                self._connect_crashed(failures, exc)
                failures += 1
                await self._backoff(failures)
                continue
            failures = 0
            self.last_error = None
            code: int | None = None
            reason = "connection lost"
            crashed = False
            try:
                await self._run(ws)
            except SocketClosed as lost:
                code, reason = lost.code, lost.reason
            except Exception as exc:
                crashed = True
                self._attempt_finished()
                reason = f"unexpected {type(exc).__name__} while handling a message"
                _log.error(
                    "node %s: %s; dropping this connection and reconnecting (players fail over "
                    "as for a drop). This is a voltricx bug or a node sending data it should "
                    "not: please report it with this traceback:\n%s",
                    self.identifier,
                    reason,
                    _redacted(exc, self.config.password),
                )
            finally:
                self._ws = None
                self._started.clear()
                await ws.close()
            if self._closing:
                return
            _log.warning("node %s: websocket lost (%s)", self.identifier, reason)
            self._set_status(NodeStatus.DISCONNECTED)
            self._report_lost(code, reason)
            # A quick first retry gives resuming its chance; later ones back off. A node
            # that makes every connection fail the same way gets the growing backoff.
            crashes = crashes + 1 if crashed else 0
            await self._backoff(crashes)

    def _connect_crashed(self, failures: int, exc: Exception) -> None:
        """An attempt ended by an exception nothing expected: logged with its traceback once per streak."""
        self.last_error = f"unexpected {type(exc).__name__} while connecting"
        self.refused = False
        self._set_status(NodeStatus.DISCONNECTED)
        self._attempt_finished()
        if failures == 0:
            _log.error(
                "node %s: connection failed: %s; retrying with backoff. This is a voltricx bug "
                "or a node answering what it should not: please report it with this traceback:\n%s",
                self.identifier,
                self.last_error,
                _redacted(exc, self.config.password),
            )
        elif _log.isEnabledFor(logging.DEBUG):
            _log.debug("node %s: connection failed: %s", self.identifier, self.last_error)
        self._resolve_first()

    def _report_lost(self, code: int | None, reason: str) -> None:
        """Tell the sink and the pool; a failing listener or failover never stops the supervisor."""
        try:
            self._owner.emit(NodeDisconnected(self, code, reason))
        except Exception:
            _log.exception("node %s: delivering NodeDisconnected failed", self.identifier)
        try:
            self._owner.node_lost(self)
        except Exception:
            _log.exception(
                "node %s: starting the failover of its players failed; they stay on this node "
                "until it reconnects",
                self.identifier,
            )

    async def _backoff(self, failures: int) -> None:
        ceiling = min(self.config.retry_cap, self.config.retry_base * (2 ** max(failures - 1, 0)))
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)
        if failures == 0:
            delay = random.uniform(0, self.config.retry_base / 2)
        self._wake.clear()
        try:
            async with asyncio.timeout(delay):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _connect(self) -> LavalinkSocket:
        """Open the websocket and read ``ready``; set up the session. Raises typed errors."""
        self._attempts += 1
        headers = self.rest.auth_headers(self._user_id)
        if self.config.resume and self.session_id is not None:
            if valid_session_id(self.session_id):
                headers["Session-Id"] = self.session_id
            else:
                _log.warning(
                    "node %s: the saved session id is not a valid session id; starting a new session",
                    self.identifier,
                )
                self.session_id = None
        try:
            ws = await open_socket(
                self.rest.session,
                self.config.websocket_uri,
                headers=headers,
                ssl_context=self.rest.ssl,
                timeout=self.config.connect_timeout,
                heartbeat=self.config.heartbeat or None,
                node=self.identifier,
                password_sent=bool(self.config.password),
            )
        except NodeAuthError as exc:
            # The websocket answers 401 to both a missing and a wrong password.
            failure: NodeError = await self._auth_failure(exc.status)
        except NodeError as exc:
            self.last_error = exc.reason or str(exc)
            raise
        else:
            try:
                await self._on_ready(ws.ready)
            except BaseException:
                await ws.close()
                raise
            self._ws = ws
            return ws
        self.last_error = failure.reason
        raise failure

    async def _auth_failure(self, ws_status: int) -> NodeAuthError:
        """The websocket answers 401 to both a missing and a wrong password; REST tells them apart."""
        try:
            await self.rest.version()
        except NodeAuthError as exc:
            return exc
        except VoltricxError:
            pass
        return NodeAuthError(
            ws_status, node=self.identifier, where="websocket", password_sent=bool(self.config.password)
        )

    async def _on_ready(self, ready: ReadyOp) -> None:
        previous = self.session_id
        self.session_id = ready.session_id
        self.resumed: bool = ready.resumed
        if previous is not None and not ready.resumed:
            _log.info("node %s: session %s was not resumed; new session", self.identifier, previous)
        if self.config.resume and self.resuming_supported is not False:
            try:
                await self.rest.update_session(
                    ready.session_id, resuming=True, timeout=self.config.resume_timeout
                )
                self.resuming_supported = True
            except NodeAuthError:
                raise
            except LavalinkHTTPError as exc:
                if exc.status in (404, 405):
                    self.resuming_supported = False
                    _log.warning(
                        "node %s does not support session resuming; players fail over when it drops",
                        self.identifier,
                    )
                else:
                    _log.warning("node %s: could not enable resuming: %s", self.identifier, exc)
            except VoltricxError as exc:
                _log.warning("node %s: could not enable resuming: %s", self.identifier, exc)
        try:
            self.info = await self.rest.info()
            self._check_version(self.info)
        except NodeAuthError:
            raise
        except VoltricxError as exc:
            _log.warning("node %s: could not read /v4/info: %s", self.identifier, exc)
        if self.stats is None:
            try:
                self.stats = await self.rest.stats()
            except NodeAuthError:
                raise
            except VoltricxError as exc:
                _log.debug("node %s: could not seed stats: %s", self.identifier, exc)

    def _check_version(self, info: Info) -> None:
        if self._warned_old_version or self.rest.is_nodelink:
            return
        if info.version.as_tuple() < (4, 2, 0) and info.version.as_tuple()[0] == 4:
            self._warned_old_version = True
            _log.warning(
                "node %s runs Lavalink %s; Discord requires DAVE voice encryption, which needs "
                "Lavalink 4.2.0 or newer",
                self.identifier,
                info.version.semver,
            )

    async def _run(self, ws: LavalinkSocket) -> None:
        """Mark the node ready, then read until the websocket ends."""
        self._set_status(NodeStatus.CONNECTED)
        _log.info(
            "node %s connected (session %s, resumed=%s)", self.identifier, self.session_id, self.resumed
        )
        self._resolve_first()
        assert self.session_id is not None
        self.refused: bool = False
        self._owner.emit(NodeReady(self, self.resumed, self.session_id))
        self._owner.node_ready(self, self.resumed)
        self._attempt_finished()
        watchdog = self._tasks.spawn(self._watch(ws), name=f"node {self.identifier} watchdog")
        try:
            async for data in ws.frames():
                self._messages += 1
                self.dispatch(data)
        finally:
            watchdog.cancel()

    async def _watch(self, ws: LavalinkSocket) -> None:
        """Drop a half-open connection: no message for ``stall_timeout`` seconds."""
        window = self.config.silence_limit
        step = window / 4
        loop = asyncio.get_running_loop()
        seen = self._messages
        since = loop.time()
        while not ws.closed:
            await asyncio.sleep(step)
            if self._messages != seen:
                seen = self._messages
                since = loop.time()
            elif loop.time() - since >= window:
                _log.warning(
                    "node %s sent nothing for %.1fs; treating it as half-open",
                    self.identifier,
                    loop.time() - since,
                )
                await ws.close(code=4000, message=b"stalled")
                return

    # -- message handling --------------------------------------------------------------

    def dispatch(self, data: str | bytes) -> None:
        """Handle one websocket frame. Malformed frames are logged and skipped."""
        try:
            message: WsMessage | UnknownOp = decode_known_message(data)
        except FRAME_ERRORS:
            # An op this version does not know, or a bad frame: the full decoder tells which.
            try:
                message = decode_message(data)
            except NodeProtocolError as exc:
                _log.warning("node %s: skipped a bad frame: %s", self.identifier, exc)
                return
        # ``type(...) is`` rather than isinstance: playerUpdate is the hot path.
        if type(message) is PlayerUpdateOp:
            guild_id = self._guild_ids.get(message.guild_id)
            if guild_id is None:
                try:
                    guild_id = self._guild_id(message.guild_id)
                except ValueError:
                    return
            player = self.players.get(guild_id)
            if player is not None:
                player.on_player_update(message.state)
        elif type(message) is StatsOp:
            self.stats = message
            self._owner.emit(NodeStats(self, message))
        elif type(message) is EventFrame:
            self._on_event(data, message)
        elif type(message) is ReadyOp:
            _log.debug("node %s: unexpected second ready frame ignored", self.identifier)
        elif isinstance(message, UnknownOp):
            self._owner.emit(PluginEvent(self, None, message.op, message.raw))

    def _guild_id(self, text: str) -> int:
        """``int(text)``, remembered (the cache is bounded; raises ``ValueError`` like ``int``)."""
        guild_id = int(text)
        cache = self._guild_ids
        if len(cache) >= _GUILD_ID_CACHE_SIZE:
            cache.clear()
        cache[text] = guild_id
        return guild_id

    def _on_event(self, data: str | bytes, head: EventFrame) -> None:
        try:
            event = decode_event(data, head)
        except NodeProtocolError as exc:
            _log.warning("node %s: skipped a bad event: %s", self.identifier, exc)
            return
        try:
            player = self.players.get(int(head.guild_id)) if head.guild_id else None
        except ValueError:
            player = None
        if player is not None:
            if self._repeated_start(player, event):
                return
            player.on_node_event(event)
        elif isinstance(event, UnknownEvent):
            self._owner.emit(PluginEvent(self, None, event.type, event.raw))
        else:
            _log.debug("node %s: %s for unknown guild %s", self.identifier, head.type, head.guild_id)

    def _repeated_start(self, player: Player, event: EventPayload) -> bool:
        """True for a second ``TrackStartEvent`` of the same track with no end between.

        NodeLink sends one start when a replacing track is requested and another
        when its audio flows; Lavalink always ends a track before starting one.
        """
        guild_id = player.guild_id
        if isinstance(event, TrackStartEvent):
            previous = self._started.get(guild_id)
            if previous is not None and previous[0] is player and previous[1] == event.track.encoded:
                _log.debug("node %s: repeated TrackStartEvent for guild %s dropped", self.identifier, guild_id)
                return True
            started = self._started
            if len(started) > 2 * len(self.players) + 64:
                for stale in [g for g in started if g not in self.players]:
                    del started[stale]
            started[guild_id] = (player, event.track.encoded)
        elif isinstance(event, TrackEndEvent):
            self._started.pop(guild_id, None)
        return False


def _redacted(exc: BaseException, secret: str) -> str:
    """``exc``'s traceback as text, with ``secret`` (the password) blanked out wherever it shows."""
    text = "".join(traceback.format_exception(exc))
    return text.replace(secret, "***") if secret else text

