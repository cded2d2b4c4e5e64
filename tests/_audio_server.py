"""Audio the tests serve themselves on 127.0.0.1: a WAV tone over HTTP/1.1, and over HTTP/2 with TLS.

A real node loads ``http://127.0.0.1:PORT/tone.wav`` from here (Lavalink's
http source speaks HTTP/1.1; NodeLink's, as shipped, only HTTP/2 over TLS).
Every request is recorded with its HTTP version, so a test can tell what
the node really used.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import ssl
import struct
import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from aiohttp import web

SAMPLE_RATE = 48_000


def tone_wav(seconds: float = 20.0, frequency: float = 440.0) -> bytes:
    """A stereo 16-bit 48 kHz sine tone as a WAV file."""
    frames = int(seconds * SAMPLE_RATE)
    one_second = b"".join(
        struct.pack("<hh", sample, sample)
        for sample in (int(8000 * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE)) for i in range(SAMPLE_RATE))
    )
    pcm = (one_second * (frames // SAMPLE_RATE + 1))[: frames * 4]
    out = BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)
    return out.getvalue()


@dataclass
class Served:
    """Requests one audio server answered: (method, path, HTTP version)."""

    requests: list[tuple[str, str, str]] = field(default_factory=list[tuple[str, str, str]])


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    if not header or not header.startswith("bytes="):
        return None
    first, _, last = header[6:].split(",")[0].partition("-")
    start = int(first) if first else max(0, size - int(last))
    end = int(last) if first and last else size - 1
    return (start, min(end, size - 1)) if start < size else None


async def serve_http1(audio: bytes, served: Served) -> tuple[str, Callable[[], Awaitable[None]]]:
    """Serve ``/tone.wav`` over plain HTTP/1.1; returns (URL, stop)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        served.requests.append((request.method, request.path, f"{request.version.major}.{request.version.minor}"))
        if request.path != "/tone.wav":
            return web.Response(status=404)
        part = _range(request.headers.get("Range"), len(audio))
        headers = {"Content-Type": "audio/x-wav", "Accept-Ranges": "bytes"}
        if part is None:
            return web.Response(body=audio, headers=headers)
        start, end = part
        headers["Content-Range"] = f"bytes {start}-{end}/{len(audio)}"
        return web.Response(status=206, body=audio[start : end + 1], headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server  # pyright: ignore[reportPrivateUsage]
    assert isinstance(server, asyncio.Server)
    port = server.sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}/tone.wav", runner.cleanup


async def serve_http2_tls(
    audio: bytes, served: Served, cert: Path, key: Path
) -> tuple[str, Callable[[], Awaitable[None]]]:
    """Serve ``/tone.wav`` over HTTPS with HTTP/2 offered by ALPN (hypercorn); returns (URL, stop)."""
    from hypercorn.asyncio import serve  # pyright: ignore[reportMissingTypeStubs]
    from hypercorn.config import Config  # pyright: ignore[reportMissingTypeStubs]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        served.requests.append((scope["method"], scope["path"], scope["http_version"]))
        if scope["path"] != "/tone.wav":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        part = _range(headers.get("range"), len(audio))
        start, end = part if part is not None else (0, len(audio) - 1)
        reply = [
            (b"content-type", b"audio/x-wav"),
            (b"accept-ranges", b"bytes"),
            (b"content-length", str(end - start + 1).encode()),
        ]
        if part is not None:
            reply.append((b"content-range", f"bytes {start}-{end}/{len(audio)}".encode()))
        await send({"type": "http.response.start", "status": 206 if part else 200, "headers": reply})
        body = b"" if scope["method"] == "HEAD" else audio[start : end + 1]
        await send({"type": "http.response.body", "body": body})

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections queue until hypercorn accepts them
    port = sock.getsockname()[1]
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]  # hypercorn owns (and closes) the socket
    config.certfile, config.keyfile = str(cert), str(key)
    config.alpn_protocols = ["h2", "http/1.1"]
    config.accesslog = None
    config.errorlog = None
    stop = asyncio.Event()
    task = asyncio.get_running_loop().create_task(serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]

    async def close() -> None:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)

    return f"https://127.0.0.1:{port}/tone.wav", close


def client_context(cert: Path) -> ssl.SSLContext:
    """A client context that trusts ``cert`` (for checking the HTTP/2 server from Python)."""
    return ssl.create_default_context(cafile=str(cert))


class TcpProxy:
    """A loopback TCP proxy in front of a node; ``kill()`` makes the node look dead to clients.

    The real server behind it keeps running: the test can fail a real node
    over without owning its process. Killed, the port refuses connections
    and every piped connection is aborted (no close frame), as on a crash.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.BaseTransport] = set()

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._transports.update((writer.transport, up_writer.transport))

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    def kill(self) -> None:
        """Stop listening (refused) and abort every piped connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for transport in self._transports:
            transport.abort()
        self._transports.clear()

    async def close(self) -> None:
        """Kill and wait for the listener to be gone."""
        self.kill()
