"""The websocket transport seam: each way opening can fail becomes one typed error, nothing chained.

Against FakeLavalink over loopback: a good open yields the typed ``ready``
and the frames until the node dies; a wrong password, a refused upgrade and
a dead port each raise their error from the tree, with no aiohttp exception
(which carries the request headers, so the password) attached.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from voltricx._ids import valid_session_id
from voltricx._transport import SocketClosed, open_socket
from voltricx.errors import NodeAuthError, NodeConnectError
from voltricx.testing import FakeLavalink

from .conftest import PASSWORD

FakeFactory = Callable[..., Awaitable[FakeLavalink]]


def _headers(password: str) -> dict[str, str]:
    return {"Authorization": password, "User-Id": "123456789012345678", "Client-Name": "voltricx/test"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _nothing_chained(error: BaseException) -> None:
    assert error.__cause__ is None and error.__context__ is None
    assert PASSWORD not in str(error)


async def test_open_gives_the_typed_ready_then_frames_until_the_node_dies(
    fake_factory: FakeFactory, http: aiohttp.ClientSession
) -> None:
    fake = await fake_factory()
    socket = await open_socket(
        http, f"{fake.uri}/v4/websocket", headers=_headers(PASSWORD), ssl_context=False, timeout=10, node="A"
    )
    assert valid_session_id(socket.ready.session_id) and socket.ready.resumed is False
    fake.kill()
    with pytest.raises(SocketClosed):
        async with asyncio.timeout(10):
            async for _ in socket.frames():
                pass
    await socket.close()
    assert socket.closed


async def test_a_wrong_password_is_a_node_auth_error_with_nothing_chained(
    fake_factory: FakeFactory, http: aiohttp.ClientSession
) -> None:
    fake = await fake_factory()
    with pytest.raises(NodeAuthError) as caught:
        await open_socket(
            http, f"{fake.uri}/v4/websocket", headers=_headers("not-" + PASSWORD), ssl_context=False, timeout=10
        )
    assert caught.value.status in (401, 403)
    _nothing_chained(caught.value)


async def test_a_refused_upgrade_carries_its_status(fake_factory: FakeFactory, http: aiohttp.ClientSession) -> None:
    fake = await fake_factory()
    fake.fail_next(404, path="/v4/websocket")
    with pytest.raises(NodeConnectError) as caught:
        await open_socket(
            http, f"{fake.uri}/v4/websocket", headers=_headers(PASSWORD), ssl_context=False, timeout=10, node="A"
        )
    assert caught.value.status == 404 and not caught.value.refused
    assert caught.value.reason is not None and "404" in caught.value.reason
    _nothing_chained(caught.value)


async def test_a_dead_port_is_refused(fake_factory: FakeFactory, http: aiohttp.ClientSession) -> None:
    fake = await fake_factory()
    fake.kill()
    with pytest.raises(NodeConnectError) as caught:
        await open_socket(
            http, f"{fake.uri}/v4/websocket", headers=_headers(PASSWORD), ssl_context=False, timeout=10, node="A"
        )
    assert caught.value.refused and caught.value.status is None
    assert caught.value.reason == "connection refused"
    _nothing_chained(caught.value)
