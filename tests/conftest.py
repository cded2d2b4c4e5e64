"""Shared fixtures: FakeLavalink servers, a fake voice gateway, and a clean Pool per test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from hypothesis import settings

import voltricx
from voltricx.search import settings as search_settings
from voltricx.testing import FakeDiscordVoice, FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

# Hypothesis: no per-example deadline (a loaded 2-core machine makes timings noise), and
# the same examples on every CI run, so a red CI always reproduces.
settings.register_profile("voltricx", deadline=None)
settings.register_profile("voltricx-ci", deadline=None, derandomize=True)
settings.load_profile("voltricx-ci" if os.environ.get("CI") else "voltricx")

PASSWORD = "youshallnotpass"

FakeFactory = Callable[..., Awaitable[FakeLavalink]]

PROFILE_NAMES = ("lavalink", "nodelink")
"""Every server profile FakeLavalink simulates."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_server: runs against the node in VOLTRICX_TEST_NODE (make test-real); skipped without it",
    )
    config.addinivalue_line(
        "markers",
        "server_profiles(*names, reason=None): run the test once per named FakeLavalink profile "
        "(the `profile` fixture, which `fake_factory` uses as its default). A function-level "
        "marker overrides a module-level one, e.g. to keep one test Lavalink-only (give a reason).",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``profile`` for tests (or modules) marked ``server_profiles``."""
    marker = metafunc.definition.get_closest_marker("server_profiles")
    if marker is None or "profile" not in metafunc.fixturenames:
        return
    names = tuple(marker.args) or PROFILE_NAMES
    unknown = [n for n in names if n not in PROFILE_NAMES]
    if unknown:
        raise ValueError(f"{metafunc.definition.nodeid}: unknown server profile(s) {unknown}")
    if len(names) < len(PROFILE_NAMES) and not marker.kwargs.get("reason"):
        raise ValueError(f"{metafunc.definition.nodeid}: server_profiles{names} needs a reason=")
    metafunc.parametrize("profile", names, indirect=True)


@pytest.fixture
def profile(request: pytest.FixtureRequest) -> str:
    """The server profile ``fake_factory`` starts by default: ``"lavalink"`` unless parametrized.

    Opt in to both profiles with ``pytestmark = pytest.mark.server_profiles()`` (or the marker
    on one test); a test may still pass ``profile=`` to ``fake_factory`` explicitly.
    """
    return str(getattr(request, "param", "lavalink"))


@pytest.fixture
async def fake_factory(profile: str) -> AsyncIterator[FakeFactory]:
    """Start FakeLavalink servers on 127.0.0.1 (default profile: the ``profile`` fixture); all are closed after the test."""
    started: list[FakeLavalink] = []

    async def make(**kwargs: Any) -> FakeLavalink:
        kwargs.setdefault("password", PASSWORD)
        kwargs.setdefault("profile", profile)
        fake = FakeLavalink(**kwargs)
        await fake.start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        await fake.close()


@pytest.fixture
async def voice_server() -> AsyncIterator[FakeDiscordVoice]:
    """A Discord voice server on 127.0.0.1 that nodes really handshake with (NodeLink needs one)."""
    async with FakeDiscordVoice() as server:
        yield server


@pytest.fixture
def gateway(voice_server: FakeDiscordVoice) -> FakeVoiceGateway:
    """A fake Discord side that answers joins with voice credentials (pointing at ``voice_server``)."""
    return FakeVoiceGateway(endpoint=voice_server.endpoint)


@pytest.fixture(autouse=True)
async def _close_pool() -> AsyncIterator[None]:
    cache, source = search_settings.cache, search_settings.default_source
    yield
    await voltricx.Pool.close()
    # Pool.connect(cache_capacity=...) and search.configure change process-wide settings.
    search_settings.cache, search_settings.default_source = cache, source
    cache.clear()


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
