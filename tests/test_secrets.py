"""The password never appears in an exception chain, a log line, a repr or the connect report.

Every test of the suite is watched by the ``_secrets_everywhere`` fixture
(see ``tests/_secrets.py``). The tests here drive the paths where aiohttp
errors (whose ``repr`` carries the request headers, so the password) are
turned into voltricx errors, with DEBUG logging on, and walk the chains.
"""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

import voltricx
from voltricx import NodeStatus
from voltricx.rest import RestClient
from voltricx.testing.voice import FakeVoiceGateway

from ._secrets import SecretWatch, leaks
from .conftest import FakeFactory, node_config

SECRET = "hunter2-Sekr3t-value"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def looping_server() -> AsyncIterator[str]:
    """Every path redirects to itself; /v4/websocket answers 401."""

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.path == "/v4/websocket":
            return web.Response(status=401)
        raise web.HTTPFound(request.path)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
def watch(secret_watch: SecretWatch, caplog: pytest.LogCaptureFixture) -> SecretWatch:
    caplog.set_level(logging.DEBUG)
    secret_watch.secrets += (SECRET,)
    return secret_watch


async def test_rest_errors_from_aiohttp_never_carry_the_password(looping_server: str, watch: SecretWatch) -> None:
    rest = RestClient(node="L", base_url=looping_server, password=SECRET, client_name="t/1")
    closed = RestClient(node="C", base_url=f"http://127.0.0.1:{_free_port()}", password=SECRET, client_name="t/1")
    tls = RestClient(node="T", base_url=looping_server.replace("http:", "https:"), password=SECRET, client_name="t/1")
    try:
        for client in (rest, closed, tls):
            with pytest.raises(voltricx.NodeError) as info:
                await client.version()
            assert leaks(info.value, SECRET) == [], info.value
            assert SECRET not in repr(client)
    finally:
        for client in (rest, closed, tls):
            await client.close()
    assert watch.exceptions  # the fixture saw them (and walks them again after the test)


async def test_a_rejected_websocket_gives_an_auth_error_without_the_password(
    looping_server: str, gateway: FakeVoiceGateway, watch: SecretWatch
) -> None:
    config = voltricx.NodeConfig(identifier="L", uri=looping_server, password=SECRET, connect_timeout=5)
    assert SECRET not in repr(config)
    report = io.StringIO()
    await voltricx.Pool.connect(client=gateway, nodes=[config], report=False, report_stream=report)
    node = voltricx.Pool.get_node("L")
    assert node.status is NodeStatus.DISCONNECTED
    error = node.auth_error
    assert isinstance(error, voltricx.NodeAuthError)
    assert leaks(error, SECRET) == []
    watch.exceptions.append(error)
    assert SECRET not in repr(node) and SECRET not in report.getvalue()


async def test_a_wrong_password_on_a_real_node_leaks_nowhere(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, watch: SecretWatch
) -> None:
    fake = await fake_factory()
    report = io.StringIO()
    await voltricx.Pool.connect(
        client=gateway, nodes=[node_config(fake, "W", password=SECRET)], report=False, report_stream=report
    )
    node = voltricx.Pool.get_node("W")
    assert isinstance(node.auth_error, voltricx.NodeAuthError)
    watch.exceptions.append(node.auth_error)
    assert SECRET not in report.getvalue()
    with pytest.raises(voltricx.NodeAuthError):
        await node.fetch_info()


def test_the_watch_finds_a_password_hidden_in_a_context() -> None:
    # The checker itself must be able to fail: a password two links down is found.
    try:
        try:
            raise RuntimeError({"Authorization": SECRET})
        except RuntimeError:
            raise voltricx.NodeError("wrapped") from None
    except voltricx.NodeError as exc:
        assert leaks(exc, SECRET) != []
