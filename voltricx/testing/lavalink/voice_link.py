"""The node's side of a Discord voice connection, for loopback tests.

``FakeLavalink`` uses it to really complete a voice handshake (NodeLink
reports ``connected`` only after one), and tests use it to check
[FakeDiscordVoice][voltricx.testing.FakeDiscordVoice]. It speaks voice
gateway v8 over websocket, does UDP IP discovery and can send RTP packets
(with a dummy payload: nothing is encrypted).

It only ever connects to loopback addresses: an endpoint elsewhere is
refused with [VoiceHandshakeError][voltricx.testing.lavalink.voice_link.VoiceHandshakeError]
before any packet is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import json
import secrets
import struct
from typing import Any, Final, cast

import aiohttp

from voltricx._tasks import TaskTracker

__all__ = ["VoiceHandshakeError", "VoiceLink", "open_voice_link"]

_DISCOVERY: Final = struct.Struct(">HHI64sH")
_RTP: Final = struct.Struct(">BBHII")
_PREFERRED_MODE: Final = "aead_aes256_gcm_rtpsize"


class VoiceHandshakeError(Exception):
    """The voice handshake failed (unreachable endpoint, refused credentials, bad answer)."""


def loopback_endpoint(endpoint: str) -> tuple[str, int]:
    """Split ``HOST:PORT`` (as Discord sends it) and insist the host is a loopback address.

    Raises:
        VoiceHandshakeError: The endpoint is malformed or not on this machine.
    """
    host, sep, port_text = endpoint.rpartition(":")
    if not sep or not port_text.isdigit():
        host, port_text = endpoint, "443"
    host = host.strip("[]")
    if host == "localhost":
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise VoiceHandshakeError(f"{endpoint!r} is not a loopback address") from None
    if not address.is_loopback:
        raise VoiceHandshakeError(f"{endpoint!r} is not a loopback address")
    return host, int(port_text)


class _Udp(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answers: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.answers.put_nowait(data)


class VoiceLink:
    """An established voice connection: websocket kept alive plus a UDP socket."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        ws: aiohttp.ClientWebSocketResponse,
        udp: asyncio.DatagramTransport,
        ssrc: int,
        mode: str,
        external: tuple[str, int],
    ) -> None:
        self._session = session
        self._ws = ws
        self._udp = udp
        self.ssrc = ssrc
        self.mode = mode
        self.external_address = external
        """The address the voice server saw in IP discovery."""
        self._sequence = itertools.count(secrets.randbelow(1 << 16))
        self._timestamp = secrets.randbelow(1 << 31)
        self._tasks = TaskTracker("VoiceLink")
        self._reader: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        """True once the websocket is gone."""
        return self._ws.closed

    def send_audio(self, packets: int = 1) -> None:
        """Send ``packets`` RTP packets (20 ms of dummy Opus each)."""
        for _ in range(packets):
            seq = next(self._sequence) & 0xFFFF
            self._timestamp = (self._timestamp + 960) & 0xFFFFFFFF
            header = _RTP.pack(0x80, 0x78, seq, self._timestamp, self.ssrc)
            self._udp.sendto(header + b"\xf8\xff\xfe" + bytes(16))

    async def wait_closed(self) -> None:
        """Wait until the server closes the websocket."""
        if self._reader is not None:
            await asyncio.shield(self._reader)

    async def close(self) -> None:
        """Close the websocket and the UDP socket; idempotent."""
        try:
            await self._tasks.cancel_all()  # the keep-alive reader
        finally:
            # Even when this close is cancelled (the server closing drops its
            # tasks): nothing stays open.
            with contextlib.suppress(Exception):
                await self._ws.close()
            self._udp.close()
            await self._session.close()

    def _keep_alive(self, interval_ms: float) -> None:
        self._reader = self._tasks.spawn(self._run(interval_ms / 1000), name="VoiceLink:keep-alive")

    async def _run(self, interval: float) -> None:
        nonce = itertools.count(1)
        ws = self._ws
        while not ws.closed:
            with contextlib.suppress(TimeoutError):
                msg = await ws.receive(timeout=interval)
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    return
                continue
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_json({"op": 3, "d": {"t": next(nonce), "seq_ack": -1}})


async def _expect(ws: aiohttp.ClientWebSocketResponse, op: int, timeout: float) -> dict[str, Any]:
    while True:
        msg = await ws.receive(timeout=timeout)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise VoiceHandshakeError(f"voice gateway closed (code {ws.close_code}) waiting for op {op}")
        payload = json.loads(msg.data)
        if payload.get("op") == op:
            data = payload.get("d")
            return cast(dict[str, Any], data) if isinstance(data, dict) else {}


async def open_voice_link(
    endpoint: str,
    *,
    guild_id: str,
    user_id: str,
    session_id: str,
    token: str,
    timeout: float = 5.0,
) -> VoiceLink:
    """Connect to the voice server at ``endpoint`` (loopback only) and complete the handshake.

    Raises:
        VoiceHandshakeError: Anything went wrong; nothing is left open.
    """
    host, port = loopback_endpoint(endpoint)
    session = aiohttp.ClientSession()
    ws: aiohttp.ClientWebSocketResponse | None = None
    udp: asyncio.DatagramTransport | None = None
    try:
        async with asyncio.timeout(timeout):
            shown = f"[{host}]" if ":" in host else host
            ws = await session.ws_connect(f"ws://{shown}:{port}/?v=8", autoping=True)
            hello = await _expect(ws, 8, timeout)
            await ws.send_json(
                {
                    "op": 0,
                    "d": {
                        "server_id": guild_id,
                        "user_id": user_id,
                        "session_id": session_id,
                        "token": token,
                        "max_dave_protocol_version": 0,
                    },
                }
            )
            ready = await _expect(ws, 2, timeout)
            ssrc = int(ready["ssrc"])
            target = (str(ready["ip"]), int(ready["port"]))
            loopback_endpoint(f"{target[0]}:{target[1]}")
            modes = [str(m) for m in ready.get("modes", [])]
            mode = _PREFERRED_MODE if _PREFERRED_MODE in modes else (modes[0] if modes else "")
            loop = asyncio.get_running_loop()
            transport, protocol = await loop.create_datagram_endpoint(_Udp, remote_addr=target)
            udp = transport
            transport.sendto(_DISCOVERY.pack(1, 70, ssrc, b"", 0))
            answer = await protocol.answers.get()
            kind, _, _, address, external_port = _DISCOVERY.unpack(answer[:74])
            if kind != 2:
                raise VoiceHandshakeError("bad IP discovery answer")
            external = (address.rstrip(b"\0").decode(), int(external_port))
            await ws.send_json(
                {
                    "op": 1,
                    "d": {
                        "protocol": "udp",
                        "data": {"address": external[0], "port": external[1], "mode": mode},
                    },
                }
            )
            description = await _expect(ws, 4, timeout)
            if description.get("mode") != mode:
                raise VoiceHandshakeError("the server chose another encryption mode")
            await ws.send_json({"op": 5, "d": {"speaking": 1, "delay": 0, "ssrc": ssrc}})
    except BaseException as exc:
        if udp is not None:
            udp.close()
        with contextlib.suppress(Exception):
            if ws is not None:
                await ws.close()
            await session.close()
        if isinstance(exc, OSError | aiohttp.ClientError | TimeoutError | KeyError | ValueError):
            raise VoiceHandshakeError(
                f"voice handshake with {endpoint} failed: {type(exc).__name__}"
            ) from None
        raise
    link = VoiceLink(session, ws, udp, ssrc, mode, external)
    link._keep_alive(float(hello.get("heartbeat_interval", 13_750)))  # pyright: ignore[reportPrivateUsage]
    return link
