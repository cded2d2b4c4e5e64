"""``FakeDiscordVoice``: a Discord voice server on 127.0.0.1 that a node can really connect to.

A Lavalink node does the Discord voice connection itself: with the token,
endpoint and session id it got from the bot, it opens the voice gateway
(a websocket), identifies, finds its public address over UDP ("IP
discovery"), selects an encryption mode and then streams RTP packets over
UDP. This server plays Discord's side of all of that on loopback, so a
real Lavalink or NodeLink process (or ``FakeLavalink`` with
``voice_handshake=True``) completes its handshake and its audio can be
counted:

```python
async with FakeDiscordVoice() as voice:
    gateway = FakeVoiceGateway(endpoint=voice.endpoint)
    ...  # connect a player and play a track
    await voice.wait_for(lambda v: v.packets_received >= 50, timeout=10)
```

It speaks version 8 of the voice gateway over plain ``ws://`` (pass
``ssl_context`` to serve ``wss://``, which real nodes use), accepts any
non-empty credentials (or only those given to
[expect][voltricx.testing.FakeDiscordVoice.expect]),
answers heartbeats, and never decrypts audio: every RTP packet counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import ssl
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, TypeVar, cast

from aiohttp import WSMsgType, web

__all__ = ["FakeDiscordVoice", "VoiceConnection"]

_log = logging.getLogger("voltricx.testing")

T = TypeVar("T")

#: Voice gateway opcodes used here.
OP_IDENTIFY: Final = 0
OP_SELECT_PROTOCOL: Final = 1
OP_READY: Final = 2
OP_HEARTBEAT: Final = 3
OP_SESSION_DESCRIPTION: Final = 4
OP_SPEAKING: Final = 5
OP_HEARTBEAT_ACK: Final = 6
OP_HELLO: Final = 8

#: IP discovery datagrams: type (request 1, answer 2), length 70, ssrc, address, port.
DISCOVERY_SIZE: Final = 74
_DISCOVERY: Final = struct.Struct(">HHI64sH")
MODES: Final = ("aead_aes256_gcm_rtpsize", "aead_xchacha20_poly1305_rtpsize")


@dataclass(slots=True)
class VoiceConnection:
    """One voice gateway connection the server accepted (for inspection)."""

    guild_id: str
    user_id: str
    session_id: str
    token: str
    ssrc: int
    mode: str | None = None
    """The encryption mode the client selected (``None`` until op 1)."""
    client_address: tuple[str, int] | None = None
    """The UDP address the client announced in op 1."""
    packets: int = 0
    """RTP packets received from this client's SSRC."""
    speaking: bool = False
    heartbeats: int = 0
    closed: bool = False
    ws: web.WebSocketResponse | None = field(default=None, repr=False)

    @property
    def ready(self) -> bool:
        """True once the client selected a protocol and got the session description."""
        return self.mode is not None


class _UdpServer(asyncio.DatagramProtocol):
    def __init__(self, owner: FakeDiscordVoice) -> None:
        self._owner = owner
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._owner._datagram(data, (str(addr[0]), int(addr[1])), self)  # pyright: ignore[reportPrivateUsage]


class FakeDiscordVoice:
    """A Discord voice server (gateway websocket + UDP) on loopback.

    Args:
        host: Loopback address to bind (websocket and UDP use the same one).
        ssl_context: Serve ``wss://`` with this server context (real nodes need it).
        heartbeat_interval: Milliseconds announced in Hello.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        ssl_context: ssl.SSLContext | None = None,
        heartbeat_interval: float = 13_750.0,
    ) -> None:
        self.host = host
        self.ssl_context = ssl_context
        self.heartbeat_interval = heartbeat_interval
        self.port = 0
        """The websocket port (after ``start()``)."""
        self.udp_port = 0
        """The UDP port (after ``start()``)."""
        self.connections: list[VoiceConnection] = []
        """Every accepted connection, in order of identification."""
        self.refused: int = 0
        """Identifies refused (missing or unexpected credentials)."""
        self.discoveries: int = 0
        """IP discovery requests answered."""
        self.stray_packets: int = 0
        """UDP datagrams that were neither discovery nor RTP from a known SSRC."""
        self._expected: dict[str, str] | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._ssrcs = itertools.count(1000 + secrets.randbelow(1000))
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    @property
    def endpoint(self) -> str:
        """``HOST:PORT``, as Discord sends it in VOICE_SERVER_UPDATE (no scheme)."""
        return f"{self.host}:{self.port}"

    @property
    def ws_uri(self) -> str:
        """The voice gateway address a client connects to (``?v=8``)."""
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://{self.endpoint}/?v=8"

    @property
    def packets_received(self) -> int:
        """RTP packets received from every connection together."""
        return sum(c.packets for c in self.connections)

    async def start(self) -> FakeDiscordVoice:
        """Bind both ports on ``host`` and start serving. Returns ``self``."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscordVoice is already running")
        app = web.Application()
        app.router.add_get("/", self._gateway)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0, ssl_context=self.ssl_context)
        await site.start()
        self._runner, self._site = runner, site
        server = cast(asyncio.Server, site._server)  # pyright: ignore[reportPrivateUsage]
        self.port: int = int(server.sockets[0].getsockname()[1])
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpServer(self), local_addr=(self.host, 0)
        )
        self._udp = transport
        self.udp_port: int = int(transport.get_extra_info("sockname")[1])
        _log.debug("FakeDiscordVoice on %s (udp %d)", self.ws_uri, self.udp_port)
        return self

    async def close(self) -> None:
        """Close every connection and free both ports; idempotent."""
        for conn in self.connections:
            ws, conn.ws = conn.ws, None
            if ws is not None and not ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.close()
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._notify()

    async def __aenter__(self) -> FakeDiscordVoice:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ inspection

    def expect(self, session_id: str, token: str) -> None:
        """Accept only identifies with credentials given here (call once per pair)."""
        if self._expected is None:
            self._expected = {}
        self._expected[session_id] = token

    def connection(self, guild_id: int | str) -> VoiceConnection | None:
        """The newest connection of ``guild_id``, if any."""
        for conn in reversed(self.connections):
            if conn.guild_id == str(guild_id):
                return conn
        return None

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for(
        self, predicate: Callable[[FakeDiscordVoice], T], timeout: float = 10.0
    ) -> T:
        """Wait until ``predicate(self)`` is truthy (re-checked on every change) and return it."""
        async with asyncio.timeout(timeout):
            while True:
                result = predicate(self)
                if result:
                    return result
                await self._changed.wait()

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        seq = itertools.count(1)

        async def send(op: int, data: Any) -> None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(json.dumps({"op": op, "d": data, "seq": next(seq)}))

        conn: VoiceConnection | None = None
        await send(OP_HELLO, {"heartbeat_interval": self.heartbeat_interval, "v": 8})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    payload = cast(dict[str, Any], json.loads(msg.data))
                    op = int(payload["op"])
                    raw: Any = payload.get("d")
                except (ValueError, KeyError, TypeError, AttributeError):
                    await ws.close(code=4002, message=b"Failed to decode payload")
                    break
                data = cast(dict[str, Any], raw) if isinstance(raw, dict) else {}
                if op == OP_IDENTIFY:
                    conn = self._identify(raw, ws)
                    if conn is None:
                        await ws.close(code=4004, message=b"Authentication failed")
                        break
                    await send(
                        OP_READY,
                        {"ssrc": conn.ssrc, "ip": self.host, "port": self.udp_port, "modes": list(MODES)},
                    )
                elif conn is None:
                    await ws.close(code=4003, message=b"Not authenticated")
                    break
                elif op == OP_SELECT_PROTOCOL:
                    mode = self._select(conn, raw)
                    if mode is None:
                        await ws.close(code=4016, message=b"Unknown encryption mode")
                        break
                    key = [secrets.randbelow(256) for _ in range(32)]
                    await send(
                        OP_SESSION_DESCRIPTION,
                        {"mode": mode, "secret_key": key, "dave_protocol_version": 0},
                    )
                    self._notify()
                elif op == OP_HEARTBEAT:
                    conn.heartbeats += 1
                    await send(OP_HEARTBEAT_ACK, {"t": data.get("t", raw)})
                elif op == OP_SPEAKING:
                    conn.speaking = bool(data.get("speaking"))
                    self._notify()
        finally:
            if conn is not None:
                conn.closed = True
                conn.ws = None
            self._notify()
        return ws

    def _identify(self, data: Any, ws: web.WebSocketResponse) -> VoiceConnection | None:
        if not isinstance(data, dict):
            self.refused += 1
            return None
        fields = cast(dict[str, Any], data)
        values = [str(fields.get(k) or "") for k in ("server_id", "user_id", "session_id", "token")]
        guild_id, user_id, session_id, token = values
        expected = self._expected
        if not all(values) or (expected is not None and expected.get(session_id) != token):
            self.refused += 1
            self._notify()
            return None
        conn = VoiceConnection(guild_id, user_id, session_id, token, next(self._ssrcs), ws=ws)
        self.connections.append(conn)
        self._notify()
        return conn

    @staticmethod
    def _select(conn: VoiceConnection, data: Any) -> str | None:
        if not isinstance(data, dict):
            return None
        inner = cast(dict[str, Any], data).get("data")
        if not isinstance(inner, dict):
            return None
        details = cast(dict[str, Any], inner)
        mode = details.get("mode")
        if mode not in MODES:
            return None
        with contextlib.suppress(TypeError, ValueError):
            conn.client_address = (str(details["address"]), int(details["port"]))
        conn.mode = str(mode)
        return conn.mode

    # ------------------------------------------------------------------ UDP

    def _datagram(self, data: bytes, addr: tuple[str, int], server: _UdpServer) -> None:
        if len(data) == DISCOVERY_SIZE and data[:2] == b"\x00\x01":
            _, _, ssrc, _, _ = _DISCOVERY.unpack(data)
            answer = _DISCOVERY.pack(2, 70, ssrc, addr[0].encode(), addr[1])
            if server.transport is not None:
                server.transport.sendto(answer, addr)
            self.discoveries += 1
            self._notify()
            return
        if len(data) >= 12 and data[0] >> 6 == 2:  # RTP version 2
            ssrc = struct.unpack_from(">I", data, 8)[0]
            for conn in self.connections:
                if conn.ssrc == ssrc and not conn.closed:
                    conn.packets += 1
                    self._notify()
                    return
        self.stray_packets += 1
        self._notify()
