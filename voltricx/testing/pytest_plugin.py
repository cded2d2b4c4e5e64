"""pytest fixtures for testing a bot end to end, loaded automatically (``pytest11`` entry point).

Installing voltricx makes these fixtures available in every test suite;
they need ``pytest-asyncio`` (without it the plugin adds nothing):

``voltricx_lavalink``
    A started [FakeLavalink][voltricx.testing.FakeLavalink] on ``127.0.0.1``
    (password ``youshallnotpass``), closed after the test.
``voltricx_gateway``
    A [FakeVoiceGateway][voltricx.testing.voice.FakeVoiceGateway]: the
    Discord side without any Discord library.
``voltricx_pool``
    The pool connected to ``voltricx_lavalink`` through ``voltricx_gateway``;
    the value is the [Node][voltricx.Node] (identifier ``"test"``).
    ``Pool.close()`` runs after the test.

Every test also gets the search settings (``voltricx.search.settings``,
changed by ``Pool.connect(cache_capacity=...)``) put back afterwards.
``voltricx_discord``
    A started [FakeDiscord][voltricx.testing.discord.gateway.FakeDiscord]
    your real discord.py / nextcord / disnake / hikari bot logs into
    (``fake.discordpy_client(commands.Bot, command_prefix="!")``), with
    helpers to post a user's message or command and to move users in voice.

For example:

```python
async def test_play_command(voltricx_discord, voltricx_lavalink):
    bot = voltricx_discord.discordpy_client(
        commands.Bot, command_prefix="!", intents=intents
    )
    ...
```
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.testing.discord.gateway import FakeDiscord
    from voltricx.testing.lavalink.server import FakeLavalink
    from voltricx.testing.voice import FakeVoiceGateway

__all__ = ["PASSWORD"]

PASSWORD = "youshallnotpass"
"""Password of the ``voltricx_lavalink`` server."""

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the fixtures need pytest-asyncio
    pytest_asyncio = None


def _fixture(function: Any) -> Any:
    assert pytest_asyncio is not None
    return pytest_asyncio.fixture(function)


if pytest_asyncio is not None:

    @pytest.fixture(autouse=True)
    def _voltricx_search_settings_restored() -> Any:
        """``Pool.connect(cache_capacity=...)`` changes process-wide search settings; undo it after each test."""
        from voltricx.search import settings

        cache, source = settings.cache, settings.default_source
        yield
        settings.cache, settings.default_source = cache, source
        cache.clear()

    @_fixture
    async def voltricx_lavalink() -> AsyncIterator[FakeLavalink]:
        """A started FakeLavalink (``youshallnotpass``), closed after the test."""
        from voltricx.testing.lavalink.server import FakeLavalink

        fake = FakeLavalink(PASSWORD)
        await fake.start()
        try:
            yield fake
        finally:
            await fake.close()

    @pytest.fixture
    def voltricx_gateway() -> FakeVoiceGateway:
        """A FakeVoiceGateway (answers joins with voice credentials, records events)."""
        from voltricx.testing.voice import FakeVoiceGateway

        return FakeVoiceGateway()

    @_fixture
    async def voltricx_pool(
        voltricx_lavalink: FakeLavalink, voltricx_gateway: FakeVoiceGateway
    ) -> AsyncIterator[Node]:
        """The pool connected to ``voltricx_lavalink``; yields its node ``"test"``."""
        from voltricx import NodeConfig, Pool

        config = NodeConfig(identifier="test", uri=voltricx_lavalink.uri, password=PASSWORD)
        nodes = await Pool.connect(client=voltricx_gateway, nodes=[config], report=False)
        try:
            yield nodes["test"]
        finally:
            await Pool.close()

    @_fixture
    async def voltricx_discord() -> AsyncIterator[FakeDiscord]:
        """A started FakeDiscord; library patches are undone and the server closed after the test."""
        from voltricx import Pool
        from voltricx.testing.discord.gateway import FakeDiscord

        fake = FakeDiscord()
        await fake.start()
        try:
            yield fake
        finally:
            await Pool.close()
            await fake.close()
