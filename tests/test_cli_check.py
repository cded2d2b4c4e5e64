"""``python -m voltricx check``: each step's verdict against real servers on 127.0.0.1.

Lavalink cases use FakeLavalink; "not Lavalink" and "Lavalink v3" are tiny
aiohttp servers of the test's own; TLS goes through a small TLS-terminating
proxy with a self-signed certificate made by the ``openssl`` command.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from voltricx.cli._console import Console
from voltricx.cli.check import CheckOptions, run_check
from voltricx.testing import FakeLavalink

from .conftest import PASSWORD, FakeFactory

SECRET = "pa55-never-printed-7319"
STEPS = ("URI", "DNS", "TCP", "TLS", "HTTP", "Password", "Version", "Websocket", "Ready", "Info",
         "Route planner", "Search")
SYMBOLS = {"✓": "ok", "!": "warn", "✗": "fail", "-": "skip"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Result:
    """Exit code and output of one check, with each step's verdict."""

    def __init__(self, code: int, text: str) -> None:
        self.code = code
        self.text = text
        self.steps: dict[str, str] = {}
        self.lines: dict[str, str] = {}
        for line in text.splitlines():
            if len(line) > 4 and line.startswith("  ") and line[2] in SYMBOLS and line[3] == " ":
                rest = line[4:]
                for step in STEPS:
                    if rest.startswith(step + " "):
                        self.steps[step] = SYMBOLS[line[2]]
                        self.lines[step] = rest[len(step):].strip()

    def hint(self, step: str) -> str:
        lines = self.text.splitlines()
        index = next(i for i, line in enumerate(lines) if line[4:].startswith(step + " "))
        following = [line.strip() for line in lines[index + 1 : index + 6] if line.startswith("      ")]
        return " ".join(following)


async def check(uri: str, password: str = SECRET, **kwargs: object) -> Result:
    kwargs.setdefault("timeout", 5.0)
    out = io.StringIO()
    code = await run_check(CheckOptions(uri=uri, password=password, **kwargs), Console(out, colour=False))  # type: ignore[arg-type]
    text = out.getvalue()
    assert SECRET not in text
    return Result(code, text)


@pytest.fixture
async def web_server() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start a tiny aiohttp server answering every path with ``handler``; returns its URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        server = site._server  # pyright: ignore[reportPrivateUsage]
        assert isinstance(server, asyncio.Server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


# -- a working node -------------------------------------------------------------------


async def test_healthy_node_passes_every_step(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET, route_planner=True)
    result = await check(fake.uri, query="ytsearch:lofi beats")
    assert result.code == 0, result.text
    assert result.steps == {step: ("skip" if step == "TLS" else "ok") for step in STEPS}
    assert result.lines["HTTP"].startswith("answers like Lavalink: /version needs a password (401)")
    assert "Lavalink-Api-Version: 4" in result.lines["HTTP"]
    assert result.lines["Version"].startswith(f"Lavalink {fake.version} (v4)")
    assert "sources: youtube, soundcloud" in result.text
    assert "RotatingIpRoutePlanner" in result.lines["Route planner"]
    assert result.lines["Search"].startswith("10 result(s), first")
    assert result.text.rstrip().endswith("node is usable")
    # It really opened a session with the documented headers.
    upgrade = next(r for r in fake.requests if r.path == "/v4/websocket")
    assert upgrade.headers["Client-Name"].startswith("voltricx/")
    assert upgrade.headers["User-Id"].isdigit() and upgrade.headers["User-Id"] != "0"


async def test_search_is_skipped_without_query_and_user_id_is_sent(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET)
    result = await check(fake.uri, user_id=123456789012345678)
    assert result.code == 0, result.text
    assert result.steps["Search"] == "skip" and "--query" in result.lines["Search"]
    assert result.lines["Route planner"].startswith("none configured")
    upgrade = next(r for r in fake.requests if r.path == "/v4/websocket")
    assert upgrade.headers["User-Id"] == "123456789012345678"


async def test_old_lavalink_is_a_warning_about_dave(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET, version="4.1.1")
    result = await check(fake.uri)
    assert result.code == 0, result.text
    assert result.steps["Version"] == "warn"
    assert "4.2.0" in result.hint("Version") and "DAVE" in result.hint("Version")
    assert "node is usable (1 warning)" in result.text


# -- failures, one per step -------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "detail", "hint"),
    [
        ("http://127.0.0.1:2333/v4", "ends in '/v4'", "http://127.0.0.1:2333;"),
        ("http://127.0.0.1:2333/v4/websocket", "ends in '/v4/websocket'", "http://127.0.0.1:2333;"),
        ("https://example.test/lavalink/v4/", "ends in '/v4'", "https://example.test/lavalink;"),
        ("ws://127.0.0.1:2333/v4/websocket", "websocket address", "http://127.0.0.1:2333"),
        ("localhost:2333", "has no scheme", "http://localhost:2333"),
        ("http://127.0.0.1:99999", "not a number from 1 to 65535", "2333"),
        ("ftp://127.0.0.1:2333", "unknown scheme 'ftp'", "http://"),
    ],
)
async def test_uri_mistakes_are_explained(uri: str, detail: str, hint: str) -> None:
    result = await check(uri)
    assert result.code == 1
    assert result.steps == {"URI": "fail"}
    assert detail in result.lines["URI"]
    assert hint in result.hint("URI")
    assert "later step(s) not run" in result.text


async def test_uri_credentials_are_refused_and_not_shown() -> None:
    result = await check(f"http://admin:{SECRET}@127.0.0.1:2333")  # check() asserts SECRET is not shown
    assert result.code == 1
    assert result.steps == {"URI": "fail"} and "user:password@" in result.lines["URI"]
    assert "--password" in result.hint("URI")
    assert "voltricx check http://127.0.0.1:2333 " in result.text


async def test_closed_port_fails_at_tcp() -> None:
    port = closed_port()
    result = await check(f"http://127.0.0.1:{port}")
    assert result.code == 1
    assert result.steps == {"URI": "ok", "DNS": "ok", "TCP": "fail"}
    assert "connection refused" in result.lines["TCP"]
    assert f"nothing listens on port {port}" in result.hint("TCP")


async def test_localhost_resolves_then_connects(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET)
    result = await check(f"http://localhost:{fake.port}")
    assert result.steps["DNS"] == "ok" and "localhost →" in result.lines["DNS"]
    assert result.steps["TCP"] == "ok"


@pytest.mark.parametrize(
    ("password", "detail", "hint"),
    [("wrong-password", "wrong password (403)", "lavalink.server.password"), ("", "missing password (401)", "--password")],
)
async def test_password_problems_are_told_apart(
    fake_factory: FakeFactory, password: str, detail: str, hint: str
) -> None:
    fake = await fake_factory(password=PASSWORD)
    result = await check(fake.uri, password=password)
    assert result.code == 1
    assert result.steps["HTTP"] == "ok"
    assert result.steps["Password"] == "fail"
    assert result.lines["Password"].startswith(detail)
    assert hint in result.hint("Password")
    assert not any(r.path == "/v4/websocket" for r in fake.requests)


async def test_a_web_page_is_not_lavalink(web_server: Callable[[Handler], Awaitable[str]]) -> None:
    async def page(request: web.Request) -> web.StreamResponse:
        body = "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>hi</body></html>"
        return web.Response(text=body, content_type="text/html")

    url = await web_server(page)
    result = await check(url)
    assert result.code == 1
    assert result.steps["HTTP"] == "fail"
    assert "not Lavalink" in result.lines["HTTP"] and "'Welcome to nginx!'" in result.lines["HTTP"]
    assert "2333" in result.hint("HTTP")


async def test_a_404_server_is_not_lavalink(web_server: Callable[[Handler], Awaitable[str]]) -> None:
    async def missing(request: web.Request) -> web.StreamResponse:
        return web.json_response({"detail": "Not Found"}, status=404)

    result = await check(await web_server(missing))
    assert result.code == 1
    assert result.steps["HTTP"] == "fail" and "404" in result.lines["HTTP"]
    assert "path prefix" in result.hint("HTTP")


async def test_lavalink_v3_is_refused_with_upgrade_hint(web_server: Callable[[Handler], Awaitable[str]]) -> None:
    async def v3(request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization")
        if auth is None:
            return web.Response(status=401)
        if auth != SECRET:
            return web.Response(status=403)
        if request.path == "/version":
            return web.Response(text="3.7.11")
        body = {"timestamp": 0, "status": 404, "error": "Not Found", "message": "Not Found", "path": request.path}
        return web.json_response(body, status=404)

    result = await check(await web_server(v3))
    assert result.code == 1
    assert result.steps["HTTP"] == "ok" and result.steps["Password"] == "ok"
    assert result.steps["Version"] == "fail"
    assert "3.7.11 is v3" in result.lines["Version"]
    assert "Lavalink 4.2" in result.hint("Version")


async def test_user_id_zero_is_refused_at_the_websocket(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET)
    result = await check(fake.uri, user_id=0)
    assert result.code == 1
    assert result.steps["Websocket"] == "fail" and "(400)" in result.lines["Websocket"]
    assert "--user-id" in result.hint("Websocket")


async def test_websocket_404_means_not_v4(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET)
    fake.fail_next(404, path="/v4/websocket")
    result = await check(fake.uri)
    assert result.code == 1
    assert result.steps["Websocket"] == "fail" and "404" in result.lines["Websocket"]


@pytest.mark.parametrize(
    ("first", "expected"),
    [(b'{"op":"stats"}', "first frame was not ready"), (None, "closed before ready")],
)
async def test_a_websocket_without_ready_fails_the_ready_step(
    first: bytes | None,
    expected: str,
    fake_factory: FakeFactory,
    web_server: Callable[[Handler], Awaitable[str]],
) -> None:
    """REST answers as a node does; the websocket upgrades, then sends no ``ready``."""
    fake = await fake_factory(password=SECRET)

    async def node(request: web.Request) -> web.StreamResponse:
        if request.path != "/v4/websocket":
            async with aiohttp.ClientSession() as http, http.request(
                request.method, fake.uri + request.path_qs, headers=request.headers
            ) as answer:
                return web.Response(status=answer.status, body=await answer.read(), content_type=answer.content_type)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if first is not None:
            await ws.send_bytes(first)
        await ws.close()
        return ws

    result = await check(await web_server(node))
    assert result.code == 1
    assert result.steps["Websocket"] == "ok"
    assert result.steps["Ready"] == "fail" and expected in result.lines["Ready"]


async def test_a_hanging_node_fails_with_a_timeout(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET)
    fake.stall()
    result = await check(fake.uri, timeout=0.3)
    fake.unstall()
    assert result.code == 1
    assert result.steps["TCP"] == "ok"
    assert result.steps["HTTP"] == "fail" and "no answer within 0.3s" in result.lines["HTTP"]


async def test_search_outcomes(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET)
    nothing = await check(fake.uri, query="ytsearch:nomatch at all")
    assert nothing.code == 0 and nothing.steps["Search"] == "warn"
    unavailable = await check(fake.uri, query="ytsearch:error video")
    assert unavailable.code == 0 and unavailable.steps["Search"] == "warn"
    assert "loading failed (common)" in unavailable.lines["Search"]
    fake.fail_next(500, path="/v4/loadtracks")
    broken = await check(fake.uri, query="ytsearch:anything")
    assert broken.code == 1 and broken.steps["Search"] == "fail"
    assert "500" in broken.lines["Search"]


async def test_https_against_a_plain_port_says_use_http(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET)
    result = await check(f"https://127.0.0.1:{fake.port}")
    assert result.code == 1
    assert result.steps["TLS"] == "fail" and "plain HTTP" in result.lines["TLS"]
    assert f"http://127.0.0.1:{fake.port}" in result.hint("TLS")


# -- TLS with a self-signed certificate ---------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed, so no certificate can be made for the TLS test")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def tls_proxy(self_signed: tuple[Path, Path]) -> AsyncIterator[Callable[[FakeLavalink], Awaitable[int]]]:
    """A TLS-terminating proxy in front of a FakeLavalink (as nginx would be); returns its port."""
    cert, key = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    servers: list[asyncio.Server] = []
    handlers: set[asyncio.Task[None]] = set()
    writers: list[asyncio.StreamWriter] = []

    async def start(fake: FakeLavalink) -> int:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            writers.append(writer)
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", fake.port)
            except OSError:
                writer.close()
                return
            writers.append(up_writer)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
        servers.append(server)
        return server.sockets[0].getsockname()[1]

    yield start
    for server in servers:
        server.close()
    for writer in writers:
        writer.close()
    for task in handlers:
        task.cancel()
    await asyncio.gather(*handlers, return_exceptions=True)
    for server in servers:
        await server.wait_closed()


async def test_self_signed_certificate_is_explained(
    fake_factory: FakeFactory, tls_proxy: Callable[[FakeLavalink], Awaitable[int]]
) -> None:
    fake = await fake_factory(password=SECRET)
    port = await tls_proxy(fake)
    result = await check(f"https://127.0.0.1:{port}")
    assert result.code == 1
    assert result.steps["TCP"] == "ok"
    assert result.steps["TLS"] == "fail"
    assert "self-signed" in result.lines["TLS"]
    hint = result.hint("TLS")
    assert "Let's Encrypt" in hint and "--insecure" in hint and "cafile" in hint


async def test_insecure_passes_a_self_signed_node(
    fake_factory: FakeFactory, tls_proxy: Callable[[FakeLavalink], Awaitable[int]]
) -> None:
    fake = await fake_factory(password=SECRET)
    port = await tls_proxy(fake)
    result = await check(f"https://127.0.0.1:{port}", insecure=True, query="ytsearch:lofi")
    assert result.code == 0, result.text
    assert result.steps["TLS"] == "warn" and "NOT verified" in result.lines["TLS"]
    assert all(result.steps[s] == "ok" for s in STEPS if s != "TLS")
    assert f"wss://127.0.0.1:{port}/v4/websocket" in result.lines["URI"]


# -- the command line itself ----------------------------------------------------------------


async def _run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "voltricx", "check", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_command_line_exit_codes_and_no_password_in_output(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET)
    code, out, err = await _run_cli(fake.uri, "--password", SECRET, "--query", "ytsearch:lofi")
    assert code == 0, out + err
    assert "✓ node is usable" in out
    assert SECRET not in out + err
    code, out, err = await _run_cli(fake.uri, "--password", SECRET + "x")
    assert code == 1
    assert "wrong password (403)" in out
    assert SECRET not in out + err


async def test_password_from_environment(fake_factory: FakeFactory) -> None:
    fake = await fake_factory(password=SECRET)
    code, out, err = await _run_cli(fake.uri, env={"LAVALINK_PASSWORD": SECRET})
    assert code == 0, out + err
    assert "(password: given)" in out
