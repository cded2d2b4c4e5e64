"""``FakeLavalink``: a real Lavalink v4 server (REST + websocket) on 127.0.0.1 for tests.

It speaks the protocol over real sockets, simulates playback with a clock,
and injects faults on demand (kill, stall, auth changes, delays, error
answers, garbage frames). See ``docs/testing.md`` for recipes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import heapq
import http
import ipaddress
import itertools
import logging
import re
import secrets
import socket
import ssl
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, TypeVar, cast
from urllib.parse import urlsplit

import aiohttp
import msgspec
from aiohttp import WSMsgType, web
from msgspec import UNSET, UnsetType
from multidict import CIMultiDict

from voltricx._tasks import TaskTracker
from voltricx.codec import decode as decode_track
from voltricx.errors import TrackCodecError
from voltricx.filters import FILTER_NAMES
from voltricx.models.common import LavalinkException
from voltricx.models.filters import FiltersPayload
from voltricx.models.load import EmptyResult, ErrorResult, PlaylistResult, SearchResult
from voltricx.models.node import (
    Cpu,
    FrameStats,
    Git,
    Info,
    Memory,
    Plugin,
    SessionInfo,
    Stats,
    Version,
)
from voltricx.models.player import PlayerUpdatePayload, VoiceState
from voltricx.models.track import Track
from voltricx.models.ws import PlayerUpdateOp, ReadyOp
from voltricx.testing.lavalink.catalogue import Catalogue
from voltricx.testing.lavalink.players import (
    FakePlayer,
    FakeSession,
    PlaybackClock,
    RecordedRequest,
)
from voltricx.testing.lavalink.plugins import PluginError, PluginRoutes
from voltricx.testing.lavalink.profiles import PROFILES, Profile
from voltricx.testing.lavalink.voice_link import VoiceHandshakeError, VoiceLink, open_voice_link

__all__ = ["KEEP", "EmittedEvent", "FakeLavalink"]

_log = logging.getLogger("voltricx.testing")

T = TypeVar("T")

_API_HEADER: Final = {"Lavalink-Api-Version": "4"}
_RP_BLOCK: Final = ipaddress.ip_network("2001:db8:1d::/64")
_STUCK_THRESHOLD_MS: Final = 10_000
_CLIENT_NAME: Final = re.compile(r"[^\s/]+/[^\s/()]+( \(.*\))?")
_NO_ROUTE: Final = "The requested route was not found."
_NODELINK_NO_SESSION: Final = "The provided session Id doesn't exist."
_NODELINK_NOT_PLAYING: Final = "The player is not playing."
_NODELINK_NO_VOICE: Final = "The player is not connected to a voice server."
_NODELINK_NO_GUILD: Final = "The provided guildId doesn't exist."
_NODELINK_BAD_VOLUME: Final = "The volume must be between 0 and 1000."
_NODELINK_BAD_VOICE: Final = "Invalid voice object."
#: NodeLink error bodies without an ``error`` key.
_NODELINK_BARE_ERRORS: Final = frozenset(
    {
        _NODELINK_NO_SESSION,
        _NODELINK_NOT_PLAYING,
        _NODELINK_NO_VOICE,
        _NODELINK_NO_GUILD,
        _NODELINK_BAD_VOLUME,
        _NODELINK_BAD_VOICE,
    }
)
#: Filters whose ``null`` is a 400 (the others' ``null`` means "off").
_NON_NULLABLE_FILTERS: Final = frozenset({"volume", "equalizer"})
#: ``cpu.systemLoad`` NodeLink reports by default: a raw load average, as measured.
_NODELINK_LOAD_AVERAGE: Final = 0.87
_URL_CHECK_TIMEOUT: Final = 5.0
_GOOD_ENCODINGS: Final = ("br", "gzip", "deflate")


class _Keep:
    """Marker type: "leave this value as it is" in [`FakeLavalink.set_stats()`][voltricx.testing.FakeLavalink.set_stats]."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()


# ---------------------------------------------------------------------- request bodies


class _TrackReq(msgspec.Struct, rename="camel"):
    encoded: str | UnsetType | None = UNSET
    identifier: str | UnsetType = UNSET
    user_data: dict[str, Any] | UnsetType = UNSET


class _VoiceReq(msgspec.Struct, rename="camel"):
    token: str | UnsetType | None = UNSET
    endpoint: str | UnsetType | None = UNSET
    session_id: str | UnsetType | None = UNSET
    channel_id: str | UnsetType | None = UNSET


class _PatchReq(msgspec.Struct, rename="camel"):
    track: _TrackReq | UnsetType = UNSET
    encoded_track: str | UnsetType | None = UNSET
    identifier: str | UnsetType = UNSET
    position: int | UnsetType = UNSET
    end_time: int | UnsetType | None = UNSET
    volume: int | UnsetType = UNSET
    paused: bool | UnsetType = UNSET
    filters: FiltersPayload | UnsetType = UNSET
    voice: _VoiceReq | UnsetType = UNSET


class _SessionReq(msgspec.Struct):
    resuming: bool | UnsetType = UNSET
    timeout: int | UnsetType = UNSET


class _FreeAddressReq(msgspec.Struct):
    address: str


_patch_decoder = msgspec.json.Decoder(_PatchReq)
_session_decoder = msgspec.json.Decoder(_SessionReq)
_free_decoder = msgspec.json.Decoder(_FreeAddressReq)
_strings_decoder = msgspec.json.Decoder(list[str])
_raw_decoder = msgspec.json.Decoder(dict[str, Any])

# PlayerUpdatePayload is what clients send; keep the name referenced so the
# request shape above stays in step with it when fields are added.
_CLIENT_SHAPE = PlayerUpdatePayload


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
class _Failure:
    status: int
    body: Any
    path: str | None
    method: str | None
    remaining: int


class _RefusingProtocol(asyncio.Protocol):
    """Accepts a TCP connection and drops it at once (a proxy in front of a dead node)."""

    def __init__(self, owner: FakeLavalink) -> None:
        self._owner = owner

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._owner.connections_while_down += 1
        transport.abort()  # type: ignore[attr-defined]
        self._owner._notify()  # pyright: ignore[reportPrivateUsage]


class FakeLavalink:
    """A Lavalink v4 server simulator on a real port, with fault injection.

    ``password`` is checked on every route (``None`` accepts any request,
    with or without ``Authorization``). ``port=0`` picks a free port;
    [`uri`][voltricx.testing.FakeLavalink.uri] and [`port`][voltricx.testing.FakeLavalink.port] are valid after [`start()`][voltricx.testing.FakeLavalink.start].
    ``speed`` multiplies the playback clock (``speed=100`` plays a 3 minute
    track in 1.8 s). ``player_update_interval`` and ``stats_interval`` are in
    seconds. ``route_planner=True`` simulates a ``RotatingIpRoutePlanner``.
    ``plugins`` is a list of ``(name, version)`` pairs reported by
    ``/v4/info``. With ``require_channel_id`` (Lavalink 4.2) a voice state
    without ``channelId`` is refused with 400 (default: the profile's).
    With ``voice_handshake`` (default: the profile's, on for NodeLink) a
    player is ``connected`` only after the fake really completes a Discord
    voice handshake with the endpoint it was given, within ``voice_timeout``
    seconds; point it at a [FakeDiscordVoice][voltricx.testing.FakeDiscordVoice].
    With ``send_audio`` as well, a connected player that plays sends one RTP
    packet every 20 ms, as a real node does (off by default: it costs CPU).
    Only loopback endpoints are tried: any other endpoint counts as
    unreachable (``WebSocketClosedEvent``; on NodeLink a cached track fails
    and playing is refused with 400). ``profile`` selects server
    quirks: ``"lavalink"`` (default) or ``"nodelink"`` (NodeLink 2.3.0, see
    `PROFILES`); ``version`` defaults to the profile's.
    ``ssl_context`` serves TLS (``https``/``wss``) with that server context.
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
        self._failures: list[_Failure] = []
        self._started_at = time.monotonic()
        self._next_update = 0.0
        self._next_stats = 0.0
        self._stats_override: dict[str, Any] = {}
        self._rp_failing: dict[str, int] = {}
        if route_planner:
            base = int(time.time() * 1000) - 60_000
            self._rp_failing = {"2001:db8:1d::2": base, "2001:db8:1d::3": base + 1000}
        self._routes: dict[tuple[str, str], Callable[[web.BaseRequest, list[str]], Any]] = {}
        self.plugin_routes: PluginRoutes = PluginRoutes(self)
        """Plugin endpoints and their state (see ``voltricx.testing.lavalink.plugins``)."""

    # ------------------------------------------------------------------ lifecycle

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

    @property
    def speed(self) -> float:
        """Playback clock multiplier."""
        return self._clock.speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value <= 0:
            raise ValueError("speed must be positive")
        now = self._clock.now()
        players = self.players
        for p in players:
            p.rebase(now)
        self._clock.speed = value
        self._reschedule_all()

    async def start(self) -> FakeLavalink:
        """Bind the port and start serving. Returns ``self``."""
        if self._server is not None:
            raise RuntimeError("FakeLavalink is already running")
        self._web = web.Server(self._handle, handler_cancellation=True, access_log=None)
        self._server = await self._listen(self._wanted_port)
        self._closing = False
        self._down = False
        self._reset_clocks()
        self._ticker = self._tasks.spawn(self._run_ticker(), name=f"FakeLavalink:{self.port}")
        _log.debug("FakeLavalink listening on %s", self.uri)
        return self

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

    async def close(self) -> None:
        """Stop serving and free the port; idempotent. Connections are dropped."""
        server = self._server
        self._release_port()
        if server is None:
            return
        self._closing = True
        self._server = None
        self._ticker = None
        for session in self._sessions.values():
            if session.expiry is not None:
                session.expiry.cancel()
            session.ws = None
        server.close()
        self._abort_all()
        self._unstalled.set()
        links = [p.link for p in self.players if p.link is not None]
        await self._tasks.cancel_all()
        await asyncio.gather(*(cast(VoiceLink, link).close() for link in links))
        with contextlib.suppress(Exception):
            await server.wait_closed()
        if self._web is not None:
            await self._web.shutdown(0.5)
            self._web = None
        self._sessions.clear()
        self._heap.clear()
        self._notify()

    async def __aenter__(self) -> FakeLavalink:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _protocol_factory(self) -> asyncio.BaseProtocol:
        if self._down or self._web is None:
            return _RefusingProtocol(self)
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

    # ------------------------------------------------------------------ inspection

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

    def _notify(self) -> None:
        changed = self._changed
        self._changed = asyncio.Event()
        changed.set()

    async def wait_for(self, predicate: Callable[[FakeLavalink], T], timeout: float = 5.0) -> T:
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

    # ------------------------------------------------------------------ faults

    def kill(self) -> None:
        """Die like SIGKILL: drop every connection without a close frame and refuse new ones.

        Nothing listens on the port any more, so a new connection is refused
        (``ECONNREFUSED``), as with a Lavalink process that is gone; the port
        stays reserved for [`restart()`][voltricx.testing.FakeLavalink.restart].
        Playback freezes. Sessions are lost unless
        [`restart()`][voltricx.testing.FakeLavalink.restart] keeps them.
        """
        self._die(refuse=True)

    def kill_behind_proxy(self) -> None:
        """Die behind a proxy: like `kill`, but new connections are accepted, then dropped.

        That is what a client sees when a load balancer or proxy in front of
        a dead node still accepts TCP: it cannot tell the node is gone, so a
        client gives it its resume grace. Each such connection is counted in
        [`connections_while_down`][voltricx.testing.FakeLavalink.connections_while_down].
        """
        self._die(refuse=False)

    def _die(self, *, refuse: bool) -> None:
        server = self._server
        if server is None:
            raise RuntimeError("FakeLavalink is not running")
        if self._down:
            return
        _log.debug("FakeLavalink %s killed", self.port)
        now = self._clock.now()
        for p in self.players:
            p.rebase(now)
        self._clock.frozen = True
        self._down = True
        self._held.clear()
        for session in self._sessions.values():
            session.ws = None
            if session.expiry is not None:
                session.expiry.cancel()
                session.expiry = None
        self._abort_all()
        if refuse:
            server.close()
            self._hold_port()
            self._refusing = True
        self._notify()

    async def restart(self, keep_sessions: bool = False) -> None:
        """Come back on the same port (kills first if still up).

        With ``keep_sessions`` every session that had resuming enabled waits
        ``timeout`` seconds to be resumed with its players (positions continue
        from where [`kill()`][voltricx.testing.FakeLavalink.kill] froze them); every other session is gone.
        Also ends a stall. Password, delay and pending ``fail_next`` stay.
        """
        if not self._down:
            self.kill()
        if self._refusing:
            self._refusing = False
            self._release_port()
            old = self._server
            self._server = await self._listen(self.port)
            if old is not None:
                with contextlib.suppress(Exception):
                    await old.wait_closed()
        for session in list(self._sessions.values()):
            if keep_sessions and session.resuming:
                self._arm_expiry(session)
            else:
                self._destroy_session(session)
        now = self._clock.now()
        for p in self.players:
            p.rebase(now)
        self._clock.frozen = False
        self._stalled = False
        self._unstalled.set()
        self._down = False
        self.crashed = False
        self._timer_sets = 0
        self._reset_clocks()
        self._reschedule_all()
        self._notify()
        await asyncio.sleep(0)

    def stall(self) -> None:
        """Become half-open: connections stay up but nothing is answered.

        REST requests and websocket upgrades hang until [`unstall()`][voltricx.testing.FakeLavalink.unstall]; no
        frames are sent (``stats``/``playerUpdate`` are skipped, events are
        held and sent on unstall) and client pings get no pong.
        """
        self._stalled = True
        self._unstalled.clear()
        self._notify()

    def unstall(self) -> None:
        """End a stall: hanging requests are answered and held events sent."""
        if not self._stalled:
            return
        self._stalled = False
        self._unstalled.set()
        held, self._held = self._held, []
        if held and self._server is not None:
            self._spawn(self._flush(held))
        self._notify()

    async def _flush(self, held: list[tuple[FakeSession, bytes]]) -> None:
        for session, frame in held:
            await self._deliver(session, frame, droppable=False)

    def set_auth(self, password: str | None) -> None:
        """Change the password; ``None`` accepts every request, header or not."""
        self.password = password

    def delay(self, seconds: float) -> None:
        """Delay every REST answer (not websocket frames) by ``seconds``; 0 turns it off."""
        self._delay = max(0.0, seconds)

    def fail_next(
        self,
        status: int,
        body: Any = None,
        *,
        path: str | None = None,
        method: str | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` matching REST requests with ``status``.

        ``path`` is an exact path or an `fnmatch` pattern
        (``"/v4/sessions/*/players/*"``); ``None`` matches every REST route
        but never the websocket upgrade (pass ``path="/v4/websocket"`` to
        fail upgrades). ``body``: ``None`` gives a Lavalink error body,
        ``str``/``bytes`` are sent as they are, anything else as JSON.
        Auth is checked first, so a wrong password still gets 401/403.
        """
        self._failures.append(
            _Failure(status, body, path, method.upper() if method else None, count)
        )

    async def send_raw(self, frame: str | bytes) -> None:
        """Send ``frame`` (text for ``str``, binary for ``bytes``) to every websocket."""
        for session in list(self._sessions.values()):
            ws = session.ws
            if ws is None:
                continue
            with contextlib.suppress(ConnectionError, RuntimeError):
                if isinstance(frame, str):
                    await ws.send_str(frame)
                else:
                    await ws.send_bytes(frame)

    async def disconnect(self, code: int = 1001, message: str = "") -> None:
        """Close every websocket with a close frame (``1001`` is Lavalink's shutdown).

        Sessions are treated as after any drop: kept for resuming if enabled.
        """
        for session in list(self._sessions.values()):
            ws = session.ws
            if ws is not None:
                with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
                    await ws.close(code=code, message=message.encode())

    def set_stats(
        self,
        *,
        system_load: float | _Keep = KEEP,
        lavalink_load: float | _Keep = KEEP,
        deficit: int | _Keep | None = KEEP,
        nulled: int | _Keep | None = KEEP,
        sent: int | _Keep | None = KEEP,
        playing_players: int | _Keep | None = KEEP,
        players: int | _Keep | None = KEEP,
        cores: int | _Keep = KEEP,
    ) -> None:
        """Override stats values; ``None`` returns a value to "computed from the players".

        Frame counters default to a healthy node (``sent`` = 3000 per playing
        player, ``nulled`` and ``deficit`` 0).
        """
        given = {
            "system_load": system_load,
            "lavalink_load": lavalink_load,
            "deficit": deficit,
            "nulled": nulled,
            "sent": sent,
            "playing_players": playing_players,
            "players": players,
            "cores": cores,
        }
        for key, value in given.items():
            if isinstance(value, _Keep):
                continue
            if value is None:
                self._stats_override.pop(key, None)
            else:
                self._stats_override[key] = value
        self._notify()

    async def push_stats(self) -> None:
        """Send a ``stats`` op to every websocket now."""
        frame = self._stats_body(websocket=True)
        for session in list(self._sessions.values()):
            await self._deliver(session, frame, droppable=True)

    async def push_player_updates(self) -> None:
        """Send a ``playerUpdate`` for every player with a track, now."""
        now = self._clock.now()
        for session in list(self._sessions.values()):
            if session.ws is None:
                continue
            for player in list(session.players.values()):
                if player.track is not None:
                    await self._deliver(session, self._update_frame(player, now), droppable=True)

    def mark_failing(self, address: str) -> None:
        """Route planner: add ``address`` to the failing addresses."""
        self._rp_failing[address] = int(time.time() * 1000)

    def hang_play_after_timescale(self, enabled: bool = True) -> None:
        """Opt-in fault seen on NodeLink: after a ``timescale`` filter, a play is never answered.

        While enabled, a player PATCH that starts a track in a guild that was
        sent a ``timescale`` filter (since enabling) hangs until the client
        gives up; nothing changes on the server.
        """
        self._hang_after_timescale = enabled
        self._timescale_guilds.clear()

    def die_during_next_request(self, path: str | None = None, method: str | None = None) -> None:
        """Opt-in fault: the server process dies while it handles the next matching REST request.

        ``path`` (exact or an ``fnmatch`` pattern) and ``method`` narrow it
        down. The request gets no answer: every connection drops, as on
        ``kill()``, and ``crashed`` turns true.
        """
        self._dying = (path, method.upper() if method else None)

    # ------------------------------------------------------------------ events on demand

    async def emit_event(self, guild_id: int | str, event_type: str, **fields: Any) -> None:
        """Send an arbitrary ``event`` op (e.g. a plugin's) for the guild's player."""
        session, _ = self._find(str(guild_id))
        await self._send_events([self._event(session, str(guild_id), event_type, **fields)])

    async def emit_websocket_closed(
        self, guild_id: int | str, code: int = 4006, reason: str = "", by_remote: bool = True
    ) -> None:
        """Report that the guild's Discord voice connection closed (``WebSocketClosedEvent``).

        The NodeLink profile leaves out ``code`` and ``reason``, as NodeLink does.
        """
        if not self.profile.closed_event_has_code:
            await self.emit_event(guild_id, "WebSocketClosedEvent", byRemote=by_remote)
            return
        await self.emit_event(
            guild_id, "WebSocketClosedEvent", code=code, reason=reason, byRemote=by_remote
        )

    async def make_stuck(
        self, guild_id: int | str, threshold_ms: int = _STUCK_THRESHOLD_MS
    ) -> None:
        """Freeze the current track's position and emit ``TrackStuckEvent``."""
        gid = str(guild_id)
        session, player = self._find(gid)
        if player is None or player.track is None:
            raise ValueError(f"guild {gid} has nothing playing")
        now = self._clock.now()
        player.set_stuck(True, now)
        track = player.track_now(now)
        await self._send_events(
            [self._event(session, gid, "TrackStuckEvent", track=track, thresholdMs=threshold_ms)]
        )

    def _find(self, gid: str) -> tuple[FakeSession, FakePlayer | None]:
        for session in self._sessions.values():
            if gid in session.players:
                return session, session.players[gid]
        for session in self._sessions.values():
            return session, None
        raise ValueError("no session")

    # ------------------------------------------------------------------ HTTP entry

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        path = request.path
        is_ws = path == "/v4/websocket"
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            body=body,
            time=time.monotonic(),
            websocket=is_ws,
        )
        self._requests.append(rec)
        self._notify()
        if self._stalled:
            await self._unstalled.wait()
        if is_ws:
            return await self._websocket(request)
        if self._delay:
            await asyncio.sleep(self._delay)
        denied = self._check_auth(request, websocket=False)
        if denied is not None:
            return denied
        if self.profile.strict_accept_encoding:
            accept = request.headers.get("Accept-Encoding")
            if accept is not None and not any(e in accept.lower() for e in _GOOD_ENCODINGS):
                await asyncio.Event().wait()  # NodeLink never answers; the client times out
        failure = self._take_failure(request, websocket=False)
        if failure is not None:
            return failure
        try:
            if self._dying is not None and self._matches(request, *self._dying):
                self._dying = None
                self._crash(f"process died during {request.method} {path}")
            return await self._route(request, rec)
        except _HTTPError as exc:
            return self._error(request, exc.status, exc.message)

    def _check_auth(self, request: web.BaseRequest, *, websocket: bool) -> web.Response | None:
        if self.password is None:
            return None
        given = request.headers.get("Authorization")
        if self.profile.plain_text_unauthorized and given != self.password:
            return web.Response(status=401, text="Unauthorized", content_type="text/plain")
        if given is None:
            return web.Response(status=401, headers=_API_HEADER)
        if given != self.password:
            return web.Response(status=401 if websocket else 403, headers=_API_HEADER)
        return None

    @staticmethod
    def _matches(request: web.BaseRequest, path: str | None, method: str | None) -> bool:
        if method is not None and method != request.method:
            return False
        return path is None or path == request.path or fnmatch.fnmatchcase(request.path, path)

    def _take_failure(self, request: web.BaseRequest, *, websocket: bool) -> web.Response | None:
        for failure in self._failures:
            if failure.method is not None and failure.method != request.method:
                continue
            if failure.path is None:
                if websocket:
                    continue
            elif not (
                failure.path == request.path or fnmatch.fnmatchcase(request.path, failure.path)
            ):
                continue
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
            body = failure.body
            if body is None:
                return self._error(request, failure.status, "Injected failure")
            if isinstance(body, bytes):
                return web.Response(status=failure.status, body=body, headers=_API_HEADER)
            if isinstance(body, str):
                return web.Response(status=failure.status, text=body, headers=_API_HEADER)
            return self._json(self._enc.encode(body), failure.status)
        return None

    @staticmethod
    def _json(body: bytes, status: int = 200) -> web.Response:
        return web.Response(
            body=body, status=status, content_type="application/json", headers=_API_HEADER
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
        if not self.profile.error_field_always and message in _NODELINK_BARE_ERRORS:
            del payload["error"]
        if self.profile.always_trace or request.query.get("trace") == "true":
            payload["trace"] = f"Error: {message}\n    at handler (fake_lavalink.py)"
        return self._json(self._enc.encode(payload), status)

    # ------------------------------------------------------------------ routing

    async def _route(self, request: web.BaseRequest, rec: RecordedRequest) -> web.StreamResponse:
        parts = request.path.strip("/").split("/")
        method = request.method
        if parts == ["version"]:
            self._allow(method, "GET")
            headers = _API_HEADER if self.profile.version_api_header else None
            return web.Response(text=self.version, content_type="text/plain", headers=headers)
        if not parts or parts[0] != "v4":
            raise _HTTPError(404, self._not_found)
        rest = parts[1:]
        nodelink = self.profile.name == "nodelink"
        if nodelink and rest == ["info"] and method != "GET":
            raise _HTTPError(405, "Request method must be GET")
        if not self.profile.resuming_supported and len(rest) == 2 and rest[0] == "sessions":
            raise _HTTPError(404, _NO_ROUTE)
        if not self.profile.route_planner_supported and rest[:1] == ["routeplanner"]:
            raise _HTTPError(404, _NO_ROUTE)
        match rest:
            case ["info"]:
                self._allow(method, "GET")
                return self._json(self._info_body())
            case ["stats"]:
                self._allow(method, "GET")
                return self._json(self._stats_body(websocket=False))
            case ["loadtracks"]:
                self._allow(method, "GET")
                identifier = request.query.get("identifier")
                if identifier is None:
                    raise _HTTPError(400, "Required parameter 'identifier' is not present")
                loaded = self.plugin_routes.load(identifier)
                if loaded is None and self.profile.checks_loopback_urls:
                    loaded = await self._check_loopback_url(identifier)
                if loaded is None:
                    loaded = self.catalogue.load(identifier)
                return self._json(self._enc.encode(loaded))
            case ["decodetrack"]:
                self._allow(method, "GET")
                encoded = request.query.get("encodedTrack")
                if not encoded and self.profile.decode_track_alias:
                    encoded = request.query.get("track")
                if not encoded:
                    raise _HTTPError(400, "No track to decode provided")
                return self._json(self._decoded_body([self._decode(encoded)])[0])
            case ["decodetracks"]:
                self._allow(method, "POST")
                try:
                    items = _strings_decoder.decode(rec.body)
                except msgspec.DecodeError as exc:
                    raise _HTTPError(400, f"Invalid request body: {exc}") from None
                if not items:
                    raise _HTTPError(400, "No tracks to decode provided")
                bodies = self._decoded_body([self._decode(e) for e in items])
                return self._json(b"[" + b",".join(bodies) + b"]")
            case ["sessions", sid]:
                self._allow(method, "PATCH")
                return self._patch_session(self._session(sid), rec)
            case ["sessions", sid, "players"]:
                self._allow(method, "GET")
                session = self._session(sid)
                bodies = b",".join(self._player_body(p) for p in session.players.values())
                return self._json(b"[" + bodies + b"]")
            case ["sessions", sid, "players", gid]:
                if len(gid) < self.profile.min_guild_id_length:
                    raise _HTTPError(404, _NO_ROUTE)
                self._allow(method, "GET", "PATCH", "DELETE")
                if not gid.isdigit():
                    if self.profile.crash_on_bad_guild_id:
                        self._crash(f"non-numeric guild id {gid!r} in {method} {request.path}")
                    raise _HTTPError(400, f"Invalid guild id: {gid}")
                session = self._session(sid)
                if method == "GET":
                    player = session.players.get(gid)
                    if player is None:
                        if not self.profile.get_creates_player:
                            raise _HTTPError(404, "Player not found")
                        player = FakePlayer(gid, session.session_id, self._clock)
                        session.players[gid] = player
                        self._notify()
                    return self._json(self._player_body(player))
                if method == "DELETE":
                    if nodelink and gid not in session.players:
                        raise _HTTPError(404, _NODELINK_NO_GUILD)
                    self._destroy_player(session, gid)
                    return web.Response(status=204, headers=_API_HEADER)
                return await self._patch_player(request, session, gid, rec)
            case ["routeplanner", "status"]:
                self._allow(method, "GET")
                return self._json(self._enc.encode(self._rp_status()))
            case ["routeplanner", "free", "address"]:
                self._allow(method, "POST")
                return self._rp_free(rec.body)
            case ["routeplanner", "free", "all"]:
                self._allow(method, "POST")
                self._rp_require()
                self._rp_failing.clear()
                return web.Response(status=204, headers=_API_HEADER)
            case _:
                try:
                    answer = await self.plugin_routes.route(request, rec.body, rest)
                except PluginError as exc:
                    raise _HTTPError(exc.status, exc.message) from None
                if answer is None:
                    raise _HTTPError(404, self._not_found)
                return answer

    @property
    def _not_found(self) -> str:
        return _NO_ROUTE if self.profile.name == "nodelink" else "Not Found"

    def _allow(self, method: str, *allowed: str) -> None:
        if method not in allowed:
            if self.profile.name == "nodelink":
                raise _HTTPError(405, f"Request method must be {' or '.join(allowed)}")
            raise _HTTPError(405, f"Request method '{method}' is not supported")

    def _crash(self, why: str) -> None:
        """Die the way NodeLink does on an unhandled exception in a request handler."""
        _log.debug("FakeLavalink %s crashed: %s", self.port, why)
        self.crashed: bool = True
        self.kill()
        raise _HTTPError(500, f"server crashed: {why}")

    def _session(self, sid: str) -> FakeSession:
        session = self._sessions.get(sid)
        if session is None:
            if self.profile.name == "nodelink":
                raise _HTTPError(404, _NODELINK_NO_SESSION)
            raise _HTTPError(404, "Session not found")
        return session

    def _player_body(self, player: FakePlayer) -> bytes:
        """The player object as this server's profile shows it."""
        payload = player.payload()
        if self.profile.filters_echoed_only_when_playing and player.track is None:
            payload.filters = FiltersPayload()
        voice = player.voice
        if self.profile.null_voice_on_new_player and not (voice.token or voice.endpoint):
            body: dict[str, Any] = msgspec.to_builtins(payload)
            body["voice"] = {"token": None, "endpoint": None, "sessionId": None}
            return self._enc.encode(body)
        return self._enc.encode(payload)

    async def _check_loopback_url(self, identifier: str) -> ErrorResult | None:
        """NodeLink's look at a URL before it loads it (loopback hosts only): ``None`` if playable."""
        parts = urlsplit(identifier)
        if parts.scheme not in ("http", "https") or parts.hostname is None:
            return None
        host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
        try:
            if not ipaddress.ip_address(host).is_loopback:
                return None
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return None
        timeout = aiohttp.ClientTimeout(total=_URL_CHECK_TIMEOUT)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.head(identifier, allow_redirects=True) as response,
            ):
                playable = response.ok and response.content_type.startswith("audio/")
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            reason = "ECONNREFUSED" if isinstance(exc, aiohttp.ClientConnectorError) else type(exc).__name__
            return ErrorResult(
                LavalinkException(
                    severity="fault",
                    message=f"Not possible to connect to the URL: connect {reason} {host}:{port}",
                    cause="Unknown",
                )
            )
        if playable:
            return None
        return ErrorResult(
            LavalinkException(severity="common", message="URL is not a playable stream.", cause="Invalid URL")
        )

    def _decoded_body(self, tracks: list[Track]) -> list[bytes]:
        """Decoded tracks as this profile shows them (NodeLink: no pluginInfo/userData)."""
        if not self.profile.bare_decoded_tracks:
            return [self._enc.encode(t) for t in tracks]
        return [self._enc.encode({"encoded": t.encoded, "info": t.info}) for t in tracks]

    def _decode(self, encoded: str) -> Track:
        try:
            decoded = decode_track(encoded)
        except TrackCodecError as exc:
            raise _HTTPError(400, f"Failed to decode track: {exc}") from None
        return Track(encoded=encoded, info=decoded.info)

    # ------------------------------------------------------------------ node info

    def _info(self) -> Info:
        core = self.version.split("-", 1)
        nums = [*core[0].split("."), "0", "0", "0"][:3]
        major, minor, patch = (int(n) if n.isdigit() else 0 for n in nums)
        return Info(
            version=Version(
                semver=self.version,
                major=major,
                minor=minor,
                patch=patch,
                pre_release=core[1] if len(core) > 1 else None,
                build=None,
            ),
            build_time_ms=1_767_225_600_000,
            git=Git(branch="main", commit="f4ke1a7", commit_time_ms=1_767_225_600_000),
            jvm="21.0.5",
            lavaplayer="2.2.4",
            source_managers=list(self.profile.source_managers),
            filters=list(self.enabled_filters),
            plugins=list(self.plugins),
        )

    def _info_body(self) -> bytes:
        info = self._info()
        if not (self.profile.string_version_parts or self.profile.nodelink_info):
            return self._enc.encode(info)
        body: dict[str, Any] = msgspec.to_builtins(info)
        version = body["version"]
        if self.profile.string_version_parts:
            for key in ("major", "minor", "patch"):
                version[key] = str(version[key])
            version["preRelease"] = version.get("preRelease") or ""
            version.pop("build", None)
        if self.profile.nodelink_info:
            body.update(buildTime=-1, jvm="0.0.0", lavaplayer="0.0.0", isNodeLink=True)
            body["git"] = {"branch": "main", "commit": "unknown", "commitTime": -1}
            body["nodejs"] = "v20.20.2"
        return self._enc.encode(body)

    def _stats_body(self, *, websocket: bool) -> bytes:
        profile = self.profile
        stats = self._stats(frame_stats=websocket or profile.rest_frame_stats)
        if websocket and profile.ws_stats_players_are_playing:
            stats = msgspec.structs.replace(stats, players=stats.playing_players)
        if profile.lavalink_load_zero:
            cpu = msgspec.structs.replace(stats.cpu, lavalink_load=0.0)
            stats = msgspec.structs.replace(stats, cpu=cpu)
        body: dict[str, Any] = msgspec.to_builtins(stats)
        if websocket:
            body["op"] = "stats"
        elif not profile.rest_frame_stats:
            body.pop("frameStats", None)  # Lavalink leaves the key out of GET /v4/stats
        frames = body.get("frameStats")
        if isinstance(frames, dict) and profile.name == "nodelink":
            frames["expected"] = cast(int, frames["sent"]) + cast(int, frames["deficit"])
        return self._enc.encode(body)

    def _periodic_copies(self) -> int:
        """How many times each periodic frame goes out (NodeLink's leaked timers)."""
        if self.profile.leaky_periodic_timers:
            return max(1, self._timer_sets)
        return 1

    def _stats(self, *, frame_stats: bool) -> Stats:
        o = self._stats_override
        all_players = self.players
        players = int(o.get("players", len(all_players) + self._stale_players))
        playing = int(
            o.get("playing_players", sum(1 for p in all_players if p.playing) + self._stale_playing)
        )
        frames: FrameStats | None = None
        totals = self.profile.frame_stats_always
        if frame_stats and (
            playing > 0
            or self.profile.rest_frame_stats
            or totals
            or any(k in o for k in ("sent", "nulled", "deficit"))
        ):
            # Lavalink: per-player averages over the last minute (3000 frames of 20 ms),
            # null while nothing plays; NodeLink: totals, always present.
            frames = FrameStats(
                sent=int(o.get("sent", playing * 3000 if totals else 3000 if playing else 0)),
                nulled=int(o.get("nulled", 0)),
                deficit=int(o.get("deficit", 0)),
            )
        return Stats(
            players=players,
            playing_players=playing,
            uptime=int((time.monotonic() - self._started_at) * 1000),
            memory=Memory(
                free=180_000_000, used=120_000_000, allocated=300_000_000, reservable=4_000_000_000
            ),
            cpu=Cpu(
                cores=int(o.get("cores", 4)),
                system_load=float(
                    o.get(
                        "system_load",
                        _NODELINK_LOAD_AVERAGE if self.profile.raw_system_load else 0.05,
                    )
                ),
                lavalink_load=float(o.get("lavalink_load", 0.01)),
            ),
            frame_stats=frames,
        )

    # ------------------------------------------------------------------ route planner

    def _rp_require(self) -> None:
        if not self.route_planner:
            raise _HTTPError(500, "Can't access disabled route planner")

    def _rp_status(self) -> dict[str, Any]:
        if not self.route_planner:
            return {"class": None, "details": None}
        failing = [
            {
                "failingAddress": addr,
                "failingTimestamp": ts,
                "failingTime": time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(ts / 1000)),
            }
            for addr, ts in self._rp_failing.items()
        ]
        return {
            "class": "RotatingIpRoutePlanner",
            "details": {
                "ipBlock": {"type": "Inet6Address", "size": str(_RP_BLOCK.num_addresses)},
                "failingAddresses": failing,
                "rotateIndex": "0",
                "ipIndex": "1",
                "currentAddress": str(_RP_BLOCK.network_address + 1),
            },
        }

    def _rp_free(self, body: bytes) -> web.Response:
        self._rp_require()
        try:
            address = ipaddress.ip_address(_free_decoder.decode(body).address)
        except (msgspec.DecodeError, ValueError) as exc:
            raise _HTTPError(400, f"Invalid address: {exc}") from None
        if address not in _RP_BLOCK:
            raise _HTTPError(400, f"Address {address} is not in the configured block")
        self._rp_failing.pop(str(address), None)
        self._notify()
        return web.Response(status=204, headers=_API_HEADER)

    # ------------------------------------------------------------------ sessions

    def _patch_session(self, session: FakeSession, rec: RecordedRequest) -> web.Response:
        try:
            req = _session_decoder.decode(rec.body or b"{}")
        except msgspec.DecodeError as exc:
            raise _HTTPError(400, f"Invalid request body: {exc}") from None
        if not isinstance(req.resuming, UnsetType):
            session.resuming = req.resuming
        if not isinstance(req.timeout, UnsetType):
            if req.timeout < 0:
                raise _HTTPError(400, "Timeout must be positive")
            session.timeout = req.timeout
        self._notify()
        return self._json(
            self._enc.encode(SessionInfo(resuming=session.resuming, timeout=session.timeout))
        )

    def _new_session(self, user_id: str, client_name: str | None) -> FakeSession:
        sid = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
        session = FakeSession(session_id=sid, user_id=user_id, client_name=client_name)
        self._sessions[sid] = session
        return session

    def _arm_expiry(self, session: FakeSession) -> None:
        if session.expiry is not None:
            session.expiry.cancel()
        loop = asyncio.get_running_loop()
        session.expiry = loop.call_later(session.timeout, self._expire, session)

    def _expire(self, session: FakeSession) -> None:
        session.expiry = None
        if session.ws is None and self._sessions.get(session.session_id) is session:
            _log.debug("session %s expired", session.session_id)
            self._destroy_session(session)
            self._notify()

    def _destroy_session(self, session: FakeSession) -> None:
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        if self.profile.sticky_player_counters:
            self._stale_players += len(session.players)
            self._stale_playing += sum(1 for p in session.players.values() if p.playing)
        for player in session.players.values():
            player.track = None
            player.token += 1
            self._close_voice(player)
        session.players.clear()
        session.queued.clear()
        self._sessions.pop(session.session_id, None)

    def _destroy_player(self, session: FakeSession, gid: str) -> None:
        player = session.players.pop(gid, None)
        if player is not None:
            player.track = None
            player.token += 1
            self._close_voice(player)
            self._notify()

    def _ws_gone(self, session: FakeSession, ws: web.WebSocketResponse) -> None:
        if session.ws is not ws:
            return
        session.ws = None
        if self._down or self._closing or self._sessions.get(session.session_id) is not session:
            return
        if session.resuming:
            self._arm_expiry(session)
        else:
            self._destroy_session(session)
        self._notify()

    # ------------------------------------------------------------------ websocket

    async def _websocket(self, request: web.BaseRequest) -> web.StreamResponse:
        denied = self._check_auth(request, websocket=True)
        if denied is not None:
            return denied
        profile = self.profile
        user_id = request.headers.get("User-Id", "")
        if not user_id or user_id == "0":
            return web.Response(status=400, headers=_API_HEADER)
        if profile.user_id_lengths is not None and (
            not user_id.isdigit() or len(user_id) not in profile.user_id_lengths
        ):
            return web.Response(status=400, headers=_API_HEADER)
        client_name = request.headers.get("Client-Name")
        if profile.require_client_name and not client_name:
            return web.Response(status=400, headers=_API_HEADER)
        if profile.strict_client_name and not _CLIENT_NAME.fullmatch(client_name or ""):
            return web.Response(status=400, headers=_API_HEADER)
        failure = self._take_failure(request, websocket=True)
        if failure is not None:
            return failure
        ws = web.WebSocketResponse(autoping=False, compress=False, timeout=2.0)
        if not ws.can_prepare(request).ok:
            return self._error(request, 400, "Expected a websocket upgrade")
        wanted = request.headers.get("Session-Id") if profile.resuming_supported else None
        session = self._sessions.get(wanted) if wanted else None
        resumed = session is not None and session.ws is None and session.resuming
        if session is not None and resumed:
            if session.expiry is not None:
                session.expiry.cancel()
                session.expiry = None
            session.client_name = client_name
        else:
            session = self._new_session(user_id, client_name)
        if profile.session_resumed_header:
            ws.headers["Session-Resumed"] = "true" if resumed else "false"
        if profile.nodelink_info:
            ws.headers["isNodeLink"] = "true"
        ws.headers.update(_API_HEADER)
        try:
            await ws.prepare(request)
        except BaseException:
            if not resumed:
                self._destroy_session(session)
            raise
        if not any(s.ws is not None for s in self._sessions.values()):
            self._timer_sets += 1  # the client count goes 0 -> 1: NodeLink starts timers
        session.ws = ws
        try:
            await self._send(ws, self._enc.encode(ReadyOp(session.session_id, resumed)))
            if resumed:
                queued, session.queued = session.queued, []
                for frame in queued:
                    await self._send(ws, frame)
            self._notify()
            async for msg in ws:
                if msg.type is WSMsgType.PING:
                    if self._stalled:
                        self.ignored_pings += 1
                        self._notify()
                        continue
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await ws.pong(msg.data)
        finally:
            self._ws_gone(session, ws)
        return ws

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

    # ------------------------------------------------------------------ events

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

    # ------------------------------------------------------------------ players

    async def _patch_player(
        self, request: web.BaseRequest, session: FakeSession, gid: str, rec: RecordedRequest
    ) -> web.Response:
        try:
            req = _patch_decoder.decode(self._null_filters_off(rec.body or b"{}"))
        except msgspec.DecodeError as exc:
            raise _HTTPError(400, f"JSON decode error: {exc}") from None
        profile = self.profile
        lenient = profile.lenient_player_patch
        encoded: str | UnsetType | None = UNSET
        identifier: str | UnsetType = UNSET
        user_data: dict[str, Any] | UnsetType = UNSET
        if not isinstance(req.track, UnsetType):
            if not lenient and (
                not isinstance(req.encoded_track, UnsetType)
                or not isinstance(req.identifier, UnsetType)
            ):
                raise _HTTPError(400, "Cannot specify both track and encodedTrack/identifier")
            encoded, identifier, user_data = (
                req.track.encoded,
                req.track.identifier,
                req.track.user_data,
            )
        else:
            encoded, identifier = req.encoded_track, req.identifier
        if not isinstance(encoded, UnsetType) and not isinstance(identifier, UnsetType):
            raise _HTTPError(400, "Cannot specify both encoded and identifier")
        if isinstance(req.end_time, int) and req.end_time <= 0:
            if not lenient:
                raise _HTTPError(400, "End time must be greater than 0")
            req.end_time = UNSET  # NodeLink accepts and ignores it
        if isinstance(req.volume, int) and not 0 <= req.volume <= 1000:
            if profile.name == "nodelink":
                raise _HTTPError(400, _NODELINK_BAD_VOLUME)
            raise _HTTPError(400, "Volume must be between 0 and 1000")
        if isinstance(req.position, int) and req.position < 0:
            raise _HTTPError(400, "Position must be greater than or equal to 0")
        voice: VoiceState | None = None
        if not isinstance(req.voice, UnsetType):
            v = req.voice
            if not (
                isinstance(v.token, str)
                and v.token
                and isinstance(v.endpoint, str)
                and v.endpoint
                and isinstance(v.session_id, str)
                and v.session_id
            ):
                if profile.name == "nodelink":
                    raise _HTTPError(400, _NODELINK_BAD_VOICE)
                raise _HTTPError(400, "Partial Lavalink voice state")
            if isinstance(v.channel_id, UnsetType) and self.require_channel_id:
                raise _HTTPError(
                    400,
                    "JSON decode error: Field 'channelId' is required for type with "
                    "serial name 'dev.arbjerg.lavalink.protocol.v4.VoiceState', "
                    "but it was missing",
                )
            voice = VoiceState(
                token=v.token,
                endpoint=v.endpoint,
                session_id=v.session_id,
                channel_id=None if isinstance(v.channel_id, UnsetType) else v.channel_id,
            )
        if not isinstance(req.filters, UnsetType):
            keys = self._filter_keys(rec.body)
            disabled = [k for k in keys if k != "pluginFilters" and k not in self.enabled_filters]
            if disabled:
                raise _HTTPError(
                    400, f"Following filters are disabled in the config: {', '.join(disabled)}"
                )

        # Resolve the new track (if any) before changing anything.
        new_track: Track | UnsetType | None = UNSET
        if isinstance(encoded, str):
            decoded = self._decode(encoded)
            new_track = Track(
                encoded=encoded,
                info=msgspec.structs.replace(decoded.info, position=0),
                plugin_info=self._plugin_info_of(decoded),
                user_data={} if isinstance(user_data, UnsetType) else user_data,
            )
        elif encoded is None:
            new_track = None
        elif isinstance(identifier, str):
            result = self.catalogue.load(identifier)
            if isinstance(result, PlaylistResult | SearchResult):
                raise _HTTPError(400, "Cannot play a playlist or search result")
            if lenient and isinstance(result, EmptyResult | ErrorResult):
                pass  # NodeLink answers 200 and plays nothing
            elif isinstance(result, EmptyResult):
                raise _HTTPError(400, f"No matches found for identifier '{identifier}'")
            elif isinstance(result, ErrorResult):
                raise _HTTPError(500, f"Failed to load track: {result.data.message}")
            else:
                new_track = Track(
                    encoded=result.data.encoded,
                    info=result.data.info,
                    plugin_info=result.data.plugin_info,
                    user_data={} if isinstance(user_data, UnsetType) else user_data,
                )

        player = session.players.get(gid)
        if player is None:
            player = FakePlayer(gid, session.session_id, self._clock)
            session.players[gid] = player
        if self._hang_after_timescale:
            if not isinstance(req.filters, UnsetType) and not isinstance(req.filters.timescale, UnsetType):
                self._timescale_guilds.add(gid)
            if isinstance(new_track, Track) and gid in self._timescale_guilds:
                _log.debug("FakeLavalink %s: play after timescale never answered", self.port)
                await asyncio.Event().wait()
        if self.voice_handshake:
            retry = player.handshake is None or (
                player.handshake.done() and player.voice_connected is False
            )
            if voice is not None and (voice != player.voice or retry):
                self._begin_handshake(session, player, voice)
            handshake = player.handshake
            if handshake is not None and (
                isinstance(new_track, Track) or isinstance(req.paused, bool)
            ):
                # NodeLink answers a play only once voice is up (or has failed).
                await asyncio.wait({handshake})
            if (
                profile.voice_required_to_play
                and isinstance(new_track, Track)
                and player.voice_connected is False
                and player.voice.token
            ):
                raise _HTTPError(400, _NODELINK_NO_VOICE)

        now = self._clock.now()
        frames: list[tuple[FakeSession, bytes]] = []
        send_update = False
        no_replace = (
            request.query.get("noReplace", "false").lower() == "true" and profile.honour_no_replace
        )
        ignored = no_replace and isinstance(new_track, Track) and player.track is not None
        user_data_bug = (
            profile.user_data_bug
            and isinstance(new_track, Track)
            and not isinstance(user_data, UnsetType)
        )
        if profile.voice_required_to_play and voice is None and not player.connected:
            if isinstance(req.paused, bool) and not isinstance(new_track, Track):
                raise _HTTPError(400, _NODELINK_NO_VOICE)
            if isinstance(new_track, Track):
                # Cached until a voice server arrives; nothing plays, no events.
                player.pending = (
                    new_track,
                    req.position if isinstance(req.position, int) else 0,
                    req.end_time if isinstance(req.end_time, int) else None,
                    req.paused if isinstance(req.paused, bool) else False,
                )
                new_track = UNSET
        if (
            profile.stop_needs_track
            and new_track is None
            and player.track is None
            and not player.ever_played
        ):
            raise _HTTPError(400, _NODELINK_NOT_PLAYING)
        if (
            voice is not None
            and not self.voice_handshake
            and player.pending is not None
            and isinstance(new_track, UnsetType)
        ):
            track, position, end_time, paused = player.pending
            player.pending = None
            player.voice = voice
            frames += self._start_track(
                session, player, track, now, position=position, end_time=end_time, paused=paused
            )

        if voice is not None:
            player.voice = voice
        if isinstance(req.volume, int):
            player.volume = req.volume
        if not isinstance(req.filters, UnsetType):
            will_play = isinstance(new_track, Track) or (
                isinstance(new_track, UnsetType) and player.track is not None
            )
            if will_play or not profile.drop_idle_filters:
                player.filters = req.filters
            send_update = player.track is not None

        if ignored:
            pass
        elif isinstance(new_track, Track):
            paused = req.paused if isinstance(req.paused, bool) else False
            position = req.position if isinstance(req.position, int) else 0
            end_time = req.end_time if isinstance(req.end_time, int) else None
            frames += self._start_track(
                session, player, new_track, now, position=position, end_time=end_time, paused=paused
            )
        elif new_track is None:
            if player.track is not None:
                frames.append(self._end_track(session, player, now, "stopped"))
            if isinstance(req.paused, bool):
                player.paused = req.paused
        else:
            if isinstance(user_data, dict) and player.track is not None:
                player.track.user_data = user_data
            if player.track is not None and (
                isinstance(req.position, int)
                or not isinstance(req.end_time, UnsetType)
                or isinstance(req.paused, bool)
            ):
                player.rebase(now)
                if isinstance(req.position, int):
                    player.rebase(now, min(req.position, player.end_position))
                    send_update = True
                if not isinstance(req.end_time, UnsetType):
                    player.end_time = req.end_time
                if isinstance(req.paused, bool):
                    player.paused = req.paused
                self._schedule(player)
            elif isinstance(req.paused, bool):
                player.paused = req.paused

        payload = self._player_body(player)
        if user_data_bug:
            body = _raw_decoder.decode(payload)
            body["track"] = {}
            payload = self._enc.encode(body)
        self._notify()
        await self._send_events(frames)
        if send_update and player.track is not None:
            await self._deliver(session, self._update_frame(player, now), droppable=True)
        return self._json(payload)

    def _null_filters_off(self, body: bytes) -> bytes:
        """Lavalink reads ``"karaoke": null`` as "filter off": drop such keys before decoding.

        ``volume`` and ``equalizer`` keep their ``null`` (Lavalink refuses it with 400).
        """
        if b"null" not in body:
            return body
        try:
            raw = _raw_decoder.decode(body)
        except msgspec.DecodeError:
            return body
        filters = raw.get("filters")
        if not isinstance(filters, dict):
            return body
        given = cast(dict[str, Any], filters)
        off = [k for k, v in given.items() if v is None and k not in _NON_NULLABLE_FILTERS]
        if not off:
            return body
        for key in off:
            del given[key]
        return self._enc.encode(raw)

    # ------------------------------------------------------------------ voice handshake

    def _begin_handshake(self, session: FakeSession, player: FakePlayer, voice: VoiceState) -> None:
        """Start a real voice handshake with ``voice.endpoint`` (replacing any earlier one)."""
        player.voice = voice
        player.voice_connected = False
        previous = player.handshake
        player.handshake = self._tasks.spawn(
            self._handshake(session, player, voice, previous),
            name=f"FakeLavalink:{self.port}:voice:{player.guild_id}",
        )

    async def _handshake(
        self,
        session: FakeSession,
        player: FakePlayer,
        voice: VoiceState,
        previous: asyncio.Task[None] | None,
    ) -> None:
        if previous is not None and not previous.done():
            previous.cancel()
        link: VoiceLink | None = None
        try:
            link = await open_voice_link(
                voice.endpoint or "",
                guild_id=player.guild_id,
                user_id=session.user_id,
                session_id=voice.session_id or "",
                token=voice.token or "",
                timeout=self.voice_timeout,
            )
        except VoiceHandshakeError as exc:
            _log.debug("FakeLavalink %s: voice handshake failed: %s", self.port, exc)
        if player.handshake is not asyncio.current_task() or (
            session.players.get(player.guild_id) is not player
        ):
            if link is not None:
                await link.close()
            return
        old, player.link = player.link, link
        if old is not None:
            await cast(VoiceLink, old).close()
        player.voice_connected = link is not None
        if link is not None and self.send_audio:
            self._spawn(self._stream_audio(player, link))
        now = self._clock.now()
        frames: list[tuple[FakeSession, bytes]] = []
        pending, player.pending = player.pending, None
        if link is not None:
            if pending is not None:
                track, position, end_time, paused = pending
                frames += self._start_track(
                    session, player, track, now, position=position, end_time=end_time, paused=paused
                )
        else:
            fields: dict[str, Any] = {"byRemote": True}
            if self.profile.closed_event_has_code:
                fields = {"code": 1006, "reason": "", "byRemote": True}
            frames.append(self._event(session, player.guild_id, "WebSocketClosedEvent", **fields))
            if pending is not None:
                frames.append(
                    self._event(
                        session,
                        player.guild_id,
                        "TrackExceptionEvent",
                        track=pending[0],
                        exception={
                            "message": "The voice connection could not be established.",
                            "severity": "common",
                            "cause": "voice handshake failed",
                        },
                    )
                )
                frames.append(
                    self._event(
                        session, player.guild_id, "TrackEndEvent", track=pending[0], reason="loadFailed"
                    )
                )
        self._notify()
        await self._send_events(frames)

    async def _stream_audio(self, player: FakePlayer, link: VoiceLink) -> None:
        """Send 20 ms of (dummy) Opus while the player plays, for as long as the link lives."""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while player.link is link and not link.closed:
            if player.playing and not self._down:
                link.send_audio(1)
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - loop.time()))  # pacing, like a real audio clock

    def _close_voice(self, player: FakePlayer) -> None:
        """Drop the player's voice connection (its handshake task and open link)."""
        task, player.handshake = player.handshake, None
        if task is not None and not task.done():
            task.cancel()
        link, player.link = player.link, None
        if link is not None and self._server is not None:
            self._spawn(cast(VoiceLink, link).close())

    @staticmethod
    def _filter_keys(body: bytes) -> list[str]:
        try:
            raw = _raw_decoder.decode(body)
        except msgspec.DecodeError:
            return []
        filters = raw.get("filters")
        if not isinstance(filters, dict):
            return []
        return [str(k) for k in cast(dict[str, Any], filters)]

    def _plugin_info_of(self, track: Track) -> dict[str, Any]:
        entry = self.catalogue.get(track.info.identifier)
        if entry is not None and entry.track.encoded == track.encoded:
            return dict(entry.track.plugin_info)
        return {}

    def _start_track(
        self,
        session: FakeSession,
        player: FakePlayer,
        track: Track,
        now: float,
        *,
        position: int,
        end_time: int | None,
        paused: bool,
    ) -> list[tuple[FakeSession, bytes]]:
        gid = player.guild_id
        frames: list[tuple[FakeSession, bytes]] = []
        replacing = player.track is not None
        if replacing:
            frames.append(self._end_track(session, player, now, "replaced"))
        player.ever_played = True
        player.pending = None
        player.track = track
        player.end_time = end_time
        player.paused = paused
        player.set_stuck(False, now)
        player.rebase(now, min(position, player.end_position))
        frames.append(self._event(session, gid, "TrackStartEvent", track=player.track_now(now)))
        if replacing and self.profile.duplicate_start_on_replace:
            # NodeLink: one start when the request is handled, another when audio flows.
            frames.append(self._event(session, gid, "TrackStartEvent", track=player.track_now(now)))
        behaviour = self.catalogue.behaviour_of(track)
        if behaviour == "exception":
            current = player.track_now(now)
            frames.append(
                self._event(
                    session,
                    gid,
                    "TrackExceptionEvent",
                    track=current,
                    exception={
                        "message": "Something broke when playing the track.",
                        "severity": "fault",
                        "cause": "java.lang.IllegalStateException: simulated playback failure",
                    },
                )
            )
            frames.append(self._end_track(session, player, now, "loadFailed"))
        elif behaviour == "stuck":
            player.set_stuck(True, now)
            frames.append(
                self._event(
                    session,
                    gid,
                    "TrackStuckEvent",
                    track=player.track_now(now),
                    thresholdMs=_STUCK_THRESHOLD_MS,
                )
            )
        self._schedule(player)
        return frames

    def _end_track(
        self, session: FakeSession, player: FakePlayer, now: float, reason: str
    ) -> tuple[FakeSession, bytes]:
        track = player.track_now(now)
        player.track = None
        player.end_time = None
        player.set_stuck(False, now)
        player.rebase(now, 0)
        return self._event(session, player.guild_id, "TrackEndEvent", track=track, reason=reason)

    # ------------------------------------------------------------------ clock

    def _schedule(self, player: FakePlayer) -> None:
        due = player.deadline()
        if due is None:
            return
        heapq.heappush(self._heap, (due, next(self._seq), player, player.token))
        if self._heap[0][2] is player:
            self._wake.set()

    def _reschedule_all(self) -> None:
        self._heap = []
        for player in self.players:
            player.token += 1
            self._schedule(player)
        self._wake.set()

    def _reset_clocks(self) -> None:
        # A (re)started process: uptime and the counters start again.
        self._stale_players = self._stale_playing = 0
        now = time.monotonic()
        self._started_at = now
        self._next_update = now + self.player_update_interval
        self._next_stats = now + self.stats_interval
        self._wake.set()

    async def _run_ticker(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if not self._down:
                await self._finish_due(now)
                if now >= self._next_update:
                    self._next_update = now + self.player_update_interval
                    if not self._stalled:
                        for _ in range(self._periodic_copies()):
                            await self.push_player_updates()
                if now >= self._next_stats:
                    self._next_stats = now + self.stats_interval
                    if not self._stalled:
                        for _ in range(self._periodic_copies()):
                            await self.push_stats()
                wake_at: float | None = min(self._next_update, self._next_stats)
                if self._heap:
                    wake_at = min(wake_at, self._heap[0][0])
            else:
                wake_at = None
            self._wake.clear()
            if wake_at is not None and wake_at <= loop.time():
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(wake_at):
                    await self._wake.wait()

    async def _finish_due(self, now: float) -> None:
        frames: list[tuple[FakeSession, bytes]] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, player, token = heapq.heappop(heap)
            if token != player.token or player.track is None:
                continue
            session = self._sessions.get(player.session_id)
            if session is None or session.players.get(player.guild_id) is not player:
                continue
            due = player.deadline()
            if due is not None and due > now:  # rescheduled meanwhile
                heapq.heappush(heap, (due, next(self._seq), player, player.token))
                continue
            frames.append(self._end_track(session, player, now, "finished"))
        await self._send_events(frames)
