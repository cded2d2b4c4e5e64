"""Shared fixtures: FakeLavalink servers, a fake voice gateway, and a clean Pool per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import voltricx
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

PASSWORD = "youshallnotpass"

FakeFactory = Callable[..., Awaitable[FakeLavalink]]


@pytest.fixture
async def fake_factory() -> AsyncIterator[FakeFactory]:
    """Start FakeLavalink servers on 127.0.0.1; all are closed after the test."""
    started: list[FakeLavalink] = []

    async def make(**kwargs: Any) -> FakeLavalink:
        kwargs.setdefault("password", PASSWORD)
        fake = FakeLavalink(**kwargs)
        await fake.start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        await fake.close()


@pytest.fixture
def gateway() -> FakeVoiceGateway:
    """A fake Discord side that answers joins with voice credentials and records events."""
    return FakeVoiceGateway()


@pytest.fixture(autouse=True)
async def _close_pool() -> AsyncIterator[None]:
    yield
    await voltricx.Pool.close()


def node_config(fake: FakeLavalink, identifier: str, region: str | None = None, **kwargs: Any) -> voltricx.NodeConfig:
    """A NodeConfig for ``fake`` with test-friendly (fast) reconnect timings."""
    values: dict[str, Any] = {
        "retry_base": 0.05,
        "retry_cap": 0.5,
        "resume_grace": 0.5,
        "connect_timeout": 5.0,
    }
    values.update(kwargs)
    return voltricx.NodeConfig(
        identifier=identifier, uri=fake.uri, password=values.pop("password", PASSWORD), region=region, **values
    )
