"""The state every room of ``FakeLavalink`` shares, and how frames reach a client."""

from __future__ import annotations

import asyncio
import contextlib
import http
import itertools
import logging
import secrets
import socket
import ssl
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar, cast

import msgspec
from aiohttp import web

from voltricx._tasks import TaskTracker
from voltricx.filters import FILTER_NAMES
from voltricx.models.node import (
    Plugin,
)
from voltricx.models.ws import PlayerUpdateOp
from voltricx.testing.lavalink._wire import API_HEADER, NODELINK_BARE_ERRORS
from voltricx.testing.lavalink.catalogue import Catalogue
from voltricx.testing.lavalink.players import (
    FakePlayer,
    FakeSession,
    PlaybackClock,
    RecordedRequest,
)
from voltricx.testing.lavalink.plugins import PluginRoutes
from voltricx.testing.lavalink.profiles import PROFILES, Profile

if TYPE_CHECKING:
    from voltricx.testing.lavalink.server import FakeLavalink

_log = logging.getLogger("voltricx.testing")


T = TypeVar("T")

STUCK_THRESHOLD_MS: Final = 10_000
#: ``cpu.systemLoad`` NodeLink reports by default: a raw load average, as measured.
NODELINK_LOAD_AVERAGE: Final = 0.87


class Keep:
    """Marker type: "leave this value as it is" in [`FakeLavalink.set_stats()`][voltricx.testing.FakeLavalink.set_stats]."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep()


@dataclass(frozen=True, slots=True)
class EmittedEvent:
    """An ``event`` op the fake produced (recorded even if no socket received it)."""

    session_id: str
    guild_id: str
    type: str
    frame: dict[str, Any]
    """The frame as built (``Track`` values are [`Track`][voltricx.Track])."""

    @property
    def reason(self) -> str | None:
        """``reason`` of a ``TrackEndEvent``, else ``None``."""
        value = self.frame.get("reason")
        return value if isinstance(value, str) else None


@dataclass(slots=True)
class Failure:
    status: int
    body: Any
    path: str | None
    method: str | None
    remaining: int


class RefusingProtocol(asyncio.Protocol):
    """Accepts a TCP connection and drops it at once (a proxy in front of a dead node)."""

    def __init__(self, owner: ServerState) -> None:
        self._owner = owner

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._owner.connections_while_down += 1
        transport.abort()  # type: ignore[attr-defined]
        self._owner._notify()  # pyright: ignore[reportPrivateUsage]


class ServerState:
    """Sessions, players, recorded requests and the listening socket of one fake node.

    The rooms of [`FakeLavalink`][voltricx.testing.FakeLavalink] build on it in one line
    (clock, sessions, player PATCH, faults, routes, server); each room may call
    only the rooms below it.
    """

    def __init__(
        self,
        password: str | None = "youshallnotpass",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        stats_interval: float = 60.0,
        player_update_interval: float = 5.0,
        speed: float = 1.0,
        route_planner: bool = False,
        version: str | None = None,
        plugins: Iterable[tuple[str, str] | Plugin] = (),
        require_channel_id: bool | None = None,
        filters: Iterable[str] = FILTER_NAMES,
        profile: str = "lavalink",
        ssl_context: ssl.SSLContext | None = None,
        voice_handshake: bool | None = None,
        voice_timeout: float = 5.0,
        send_audio: bool = False,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.profile: Profile = PROFILES[profile]
        self.password = password
        self.host = host
        self._wanted_port = port
        self.port = 0
        """The bound port (after [`start()`][voltricx.testing.FakeLavalink.start])."""
        self.stats_interval = stats_interval
        self.player_update_interval = player_update_interval
        self.route_planner = route_planner
        self.version: str = version if version is not None else self.profile.default_version
        self.ssl_context = ssl_context
        """Serve TLS (``https``/``wss``) with this context; ``None`` serves plain HTTP."""
        self.crashed = False
        """True once a request crashed the server (NodeLink profile, non-numeric guild id)."""
        self._timer_sets = 0
        self.plugins: list[Plugin] = [
            p if isinstance(p, Plugin) else Plugin(name=p[0], version=p[1]) for p in plugins
        ]
        self.require_channel_id: bool = (
            self.profile.require_channel_id if require_channel_id is None else require_channel_id
        )
        self.voice_handshake: bool = (
            self.profile.voice_handshake if voice_handshake is None else voice_handshake
        )
        """True: ``connected`` needs a real voice handshake with the player's endpoint."""
        self.voice_timeout = voice_timeout
        self.send_audio = send_audio
        """Connected, playing players send RTP packets to their voice server (every 20 ms)."""
        self.enabled_filters: list[str] = list(filters)
        self.catalogue: Catalogue = Catalogue()
        """The tracks this server can load (add your own with ``catalogue.add``)."""
        self.catalogue.unknown_lengths = self.profile.unknown_length_sources
        self._hang_after_timescale = False
        self._timescale_guilds: set[str] = set()
        self._dying: tuple[str | None, str | None] | None = None
        self._stale_players = 0
        self._stale_playing = 0

        self._clock = PlaybackClock(speed)
        self._enc = msgspec.json.Encoder()
        self._sessions: dict[str, FakeSession] = {}
        self._requests: list[RecordedRequest] = []
        self.events: list[EmittedEvent] = []
        """Every ``event`` op produced, in order (cleared by [`clear_requests()`][voltricx.testing.FakeLavalink.clear_requests] too)."""
        self.connections_while_down = 0
        """TCP connections accepted and dropped while dead behind a proxy (`kill_behind_proxy`)."""
        self._port_holder: socket.socket | None = None
        self._refusing = False
        self.ignored_pings: int = 0
        """Websocket pings left unanswered because the server was stalled."""

        self._server: asyncio.Server | None = None
        self._web: web.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._tasks = TaskTracker("FakeLavalink")
        self._wake = asyncio.Event()
        self._changed = asyncio.Event()
        self._heap: list[tuple[float, int, FakePlayer, int]] = []
        self._seq = itertools.count()
        self._down = False
        self._closing = False
        self._stalled = False
        self._unstalled = asyncio.Event()
        self._unstalled.set()
        self._held: list[tuple[FakeSession, bytes]] = []
        self._delay = 0.0
        self._failures: list[Failure] = []
        self._started_at = time.monotonic()
        self._next_update = 0.0
        self._next_stats = 0.0
        self._stats_override: dict[str, Any] = {}
        self._rp_failing: dict[str, int] = {}
        if route_planner:
            base = int(time.time() * 1000) - 60_000
            self._rp_failing = {"2001:db8:1d::2": base, "2001:db8:1d::3": base + 1000}
        self._routes: dict[tuple[str, str], Callable[[web.BaseRequest, list[str]], Any]] = {}
        self.plugin_routes: PluginRoutes = PluginRoutes(cast("FakeLavalink", self))
        """Plugin endpoints and their state (see ``voltricx.testing.lavalink.plugins``)."""

    @property
    def uri(self) -> str:
        """``http://HOST:PORT`` (``https`` with TLS) of the running server."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def ws_uri(self) -> str:
        """``ws://HOST:PORT/v4/websocket`` (``wss`` with TLS)."""
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://{self.host}:{self.port}/v4/websocket"

    @property
    def running(self) -> bool:
        """True between [`start()`][voltricx.testing.FakeLavalink.start] and [`close()`][voltricx.testing.FakeLavalink.close]."""
        return self._server is not None

    @property
    def down(self) -> bool:
        """True after [`kill()`][voltricx.testing.FakeLavalink.kill] until [`restart()`][voltricx.testing.FakeLavalink.restart]."""
        return self._down

    @property
    def stalled(self) -> bool:
        """True between [`stall()`][voltricx.testing.FakeLavalink.stall] and [`unstall()`][voltricx.testing.FakeLavalink.unstall]."""
        return self._stalled

    async def _listen(self, port: int) -> asyncio.Server:
        """Bind ``port`` (0: any free one) and serve on it; sets `port`."""
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, port))
            sock.listen(512)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        server = await loop.create_server(self._protocol_factory, sock=sock, ssl=self.ssl_context)
        self.port: int = sock.getsockname()[1]
        return server

    def _hold_port(self) -> None:
        """Keep the (closed) port bound without listening: connections to it are refused."""
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.bind((self.host, self.port))
        except OSError:
            holder.close()
            _log.debug("FakeLavalink %s: could not hold the port while dead", self.port)
            return
        self._port_holder = holder

    def _release_port(self) -> None:
        holder, self._port_holder = self._port_holder, None
        if holder is not None:
            holder.close()

    def _protocol_factory(self) -> asyncio.BaseProtocol:
        if self._down or self._web is None:
            return RefusingProtocol(self)
        return self._web()

    def _abort_all(self) -> None:
        if self._web is None:
            return
        for handler in self._web.connections:
            transport = handler.transport
            if transport is not None:
                transport.abort()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._tasks.spawn(coro, name=f"FakeLavalink:{self.port}")

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every HTTP request received so far (websocket upgrades included), in order."""
        return self._requests

    def clear_requests(self) -> None:
        """Forget recorded requests and emitted events."""
        self._requests = []
        self.events = []
        self._notify()

    @property
    def sessions(self) -> dict[str, FakeSession]:
        """Live sessions by id (including ones waiting to be resumed)."""
        return self._sessions

    @property
    def players(self) -> list[FakePlayer]:
        """Every player of every session."""
        return [p for s in self._sessions.values() for p in s.players.values()]

    def held_guilds(self) -> dict[int, int]:
        """Guild id -> how many copies of its player this server holds now (0 while dead).

        Every session counts, also one waiting to be resumed: its players are
        still there. A dead server holds nothing it could play.
        """
        held: dict[int, int] = {}
        if self._down:
            return held
        for session in self._sessions.values():
            for gid in session.players:
                guild_id = int(gid)
                held[guild_id] = held.get(guild_id, 0) + 1
        return held

    def player(self, guild_id: int | str, session_id: str | None = None) -> FakePlayer | None:
        """The player of ``guild_id`` (in ``session_id``, or in any session)."""
        gid = str(guild_id)
        if session_id is not None:
            session = self._sessions.get(session_id)
            return None if session is None else session.players.get(gid)
        for session in self._sessions.values():
            found = session.players.get(gid)
            if found is not None:
                return found
        return None

    def _ping_ignored(self) -> None:
        self.ignored_pings += 1
        self._notify()

    def _notify(self) -> None:
        changed = self._changed
        self._changed = asyncio.Event()
        changed.set()

    async def wait_for(self, predicate: Callable[[Self], T], timeout: float = 5.0) -> T:
        """Wait until ``predicate(self)`` is truthy and return its value.

        The predicate is re-checked after every state change (a request, an
        event, a connection, a session change). Raises `TimeoutError`.
        """
        async with asyncio.timeout(timeout):
            while True:
                result = predicate(self)
                if result:
                    return result
                await self._changed.wait()

    def _find(self, gid: str) -> tuple[FakeSession, FakePlayer | None]:
        for session in self._sessions.values():
            if gid in session.players:
                return session, session.players[gid]
        for session in self._sessions.values():
            return session, None
        raise ValueError("no session")

    @staticmethod
    def _json(body: bytes, status: int = 200) -> web.Response:
        return web.Response(
            body=body, status=status, content_type="application/json", headers=API_HEADER
        )

    def _error(self, request: web.BaseRequest, status: int, message: str) -> web.Response:
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        payload: dict[str, Any] = {
            "timestamp": int(time.time() * 1000),
            "status": status,
            "error": phrase,
            "message": message,
            "path": request.path,
        }
        if not self.profile.error_field_always and message in NODELINK_BARE_ERRORS:
            del payload["error"]
        if self.profile.always_trace or request.query.get("trace") == "true":
            payload["trace"] = f"Error: {message}\n    at handler (fake_lavalink.py)"
        return self._json(self._enc.encode(payload), status)

    def _new_session(self, user_id: str, client_name: str | None) -> FakeSession:
        sid = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
        session = FakeSession(session_id=sid, user_id=user_id, client_name=client_name)
        self._sessions[sid] = session
        return session

    async def _send(self, ws: web.WebSocketResponse, frame: bytes) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(frame.decode())

    async def _deliver(self, session: FakeSession, frame: bytes, *, droppable: bool) -> None:
        if self._down:
            return
        ws = session.ws
        if ws is None:
            if not droppable and self._sessions.get(session.session_id) is session:
                session.queued.append(frame)
            return
        if self._stalled:
            if not droppable:
                self._held.append((session, frame))
            return
        await self._send(ws, frame)

    def _event(
        self, session: FakeSession, gid: str, event_type: str, **fields: Any
    ) -> tuple[FakeSession, bytes]:
        frame: dict[str, Any] = {"op": "event", "type": event_type, "guildId": gid, **fields}
        self.events.append(EmittedEvent(session.session_id, gid, event_type, frame))
        return session, self._enc.encode(frame)

    async def _send_events(self, frames: list[tuple[FakeSession, bytes]]) -> None:
        if frames:
            self._notify()
        for session, frame in frames:
            await self._deliver(session, frame, droppable=False)

    def _update_frame(self, player: FakePlayer, now: float) -> bytes:
        return self._enc.encode(PlayerUpdateOp(player.guild_id, player.state(now)))
