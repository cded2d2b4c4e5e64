"""Restart resume in a dpy-family bot: restored players are the library's ``Player``.

A discord.py / nextcord / disnake client logs into FakeDiscord, connects the
pool to a FakeLavalink with a :class:`voltricx.SQLiteStore`, joins voice the
library's way and plays. The bot then shuts down (``Pool.close()`` saves a
last batch, the client logs out) and a new client of the same library logs
in and connects with the same store file. The restored player must be the
adapter's ``Player`` registered as the guild's voice client (so
``isinstance(ctx.voice_client, Player)`` finds it), on the same track near
the saved position, with the node given the new voice session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import voltricx
from voltricx.node import Node
from voltricx.testing import FakeLavalink
from voltricx.testing.discord.gateway import FakeDiscord
from voltricx.testing.voice import FakeVoiceGateway

from ..conftest import FakeFactory, node_config
from ._dpy_bot import DPY_LIBRARIES, DpyBot

pytestmark = pytest.mark.timeout(60)

TOLERANCE_MS = 1000


async def _node_voice_is(node_fake: FakeLavalink, guild_id: int, session_id: str) -> None:
    def matches(f: FakeLavalink) -> bool:
        player = f.player(guild_id)
        return player is not None and player.voice.session_id == session_id

    await node_fake.wait_for(matches, timeout=10)


async def _first_run(
    fake: FakeDiscord, library: str, node_fake: FakeLavalink, db: Path
) -> tuple[str, int, dict[str, Any]]:
    """Join, play, seek, pause; returns (track, position at shutdown, settings)."""
    gid, (_, ch1) = fake.guild_id, fake.voice_channel_ids
    bot = DpyBot(fake, library)
    try:
        await bot.start()
        await voltricx.Pool.connect(
            client=bot.client,
            nodes=[node_config(node_fake, "main")],
            store=voltricx.SQLiteStore(db),
            report=False,
        )
        player = await bot.channel(1).connect(cls=bot.Player)
        assert bot.guild().voice_client is player
        result = await player.node.rest.load_tracks("ytsearch:dpy restore")
        assert isinstance(result.data, list) and len(result.data) >= 3
        first, *rest = result.data[:3]
        first.requester = bot.guild().me  # a Member: the store keeps its id
        player.queue.put(rest)
        await player.play(first, start=30_000)
        await player.set_volume(70)
        await player.pause()  # a paused position is exact: nothing drifts while we restart
        assert player.channel_id == ch1 and voltricx.Pool.get_player(gid) is player
        position = player.position
        settings = {"volume": player.volume, "queue": [t.encoded for t in player.queue]}
        await voltricx.Pool.close()  # saves a last batch; the saved player stays in the store
    finally:
        await voltricx.Pool.close()
        await bot.close()
    await fake.wait_for(lambda: not fake.connected_shards)
    return first.encoded, position, settings


@pytest.mark.parametrize("library", DPY_LIBRARIES)
async def test_restored_player_is_the_library_player_and_the_guild_voice_client(
    library: str, fake: FakeDiscord, fake_factory: FakeFactory, tmp_path: Path
) -> None:
    gid, (_, ch1) = fake.guild_id, fake.voice_channel_ids
    node_fake = await fake_factory()
    db = tmp_path / "players.db"
    track, position, settings = await _first_run(fake, library, node_fake, db)
    identifies = len(fake.identifies)
    voice_requests = len(fake.voice_requests)

    # The "restarted" bot: a new client, a new pool, the same store file.
    bot = DpyBot(fake, library)
    try:
        await bot.start()
        assert len(fake.identifies) == identifies + 1  # a fresh gateway session
        assert bot.guild().voice_client is None
        await voltricx.Pool.connect(
            client=bot.client,
            nodes=[node_config(node_fake, "main")],
            store=voltricx.SQLiteStore(db),
            report=False,
        )
        player = voltricx.Pool.get_player(gid)
        assert player is not None
        # What a bot's `isinstance(ctx.voice_client, Player)` check needs.
        assert isinstance(player, bot.Player) and isinstance(player, bot.lib.VoiceProtocol)
        assert bot.guild().voice_client is player
        assert player.client is bot.client and player.channel.id == ch1
        assert player.channel_id == ch1
        # Same track, paused where it was, with its queue and volume.
        assert player.current is not None and player.current.encoded == track
        # The requester comes back as the library's Member, resolved after the re-join.
        requester = player.current.requester
        assert isinstance(requester, bot.lib.Member) and requester.id == fake.bot_id
        assert player.paused
        assert abs(player.position - position) <= TOLERANCE_MS
        assert player.volume == settings["volume"]
        assert [t.encoded for t in player.queue] == settings["queue"]
        # Re-joined through the library: one op 4 to the saved channel, and the node
        # has the new voice session with the track at the saved position.
        [request] = fake.voice_requests[voice_requests:]
        assert request.channel_id == ch1
        state = fake.voice_state(gid)
        assert state is not None and state.channel_id == ch1
        await _node_voice_is(node_fake, gid, state.session_id)
        remote = node_fake.player(gid)
        assert remote is not None and remote.track is not None
        assert remote.track.encoded == track and remote.paused
        assert abs(remote.position - position) <= TOLERANCE_MS

        # It behaves as a live `channel.connect(cls=Player)` player: leaving unregisters it.
        await player.disconnect()
        assert voltricx.Pool.get_player(gid) is None
        assert bot.guild().voice_client is None
    finally:
        await voltricx.Pool.close()
        await bot.close()


async def test_with_rejoin_off_the_restored_player_registers_when_it_moves(
    fake: FakeDiscord, fake_factory: FakeFactory, tmp_path: Path
) -> None:
    """``rejoin=False`` (connect in setup_hook): ``player.move_to`` registers it later."""
    gid, (_, ch1) = fake.guild_id, fake.voice_channel_ids
    node_fake = await fake_factory()
    db = tmp_path / "players.db"
    track, _, _ = await _first_run(fake, "discord", node_fake, db)
    bot = DpyBot(fake, "discord")
    try:
        await bot.start()
        await voltricx.Pool.connect(
            client=bot.client,
            nodes=[node_config(node_fake, "main")],
            store=voltricx.SQLiteStore(db),
            report=False,
            rejoin=False,
        )
        player = voltricx.Pool.get_player(gid)
        assert isinstance(player, bot.Player)
        assert bot.guild().voice_client is None and player.channel_id == ch1
        assert player.current is not None and player.current.encoded == track
        await player.move_to(ch1)
        assert bot.guild().voice_client is player and player.channel.id == ch1
        # move_to returns once op 4 is sent; the answer arrives after.
        await fake.wait_for(lambda: getattr(fake.voice_state(gid), "channel_id", None) == ch1)
        state = fake.voice_state(gid)
        assert state is not None
        await _node_voice_is(node_fake, gid, state.session_id)
    finally:
        await voltricx.Pool.close()
        await bot.close()


class _Restored(voltricx.Player):
    """A gateway's own player class."""


class _BuildingGateway(FakeVoiceGateway):
    """A FakeVoiceGateway that is also a PlayerFactory; ``mode`` breaks it on purpose."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.built: list[tuple[int, int | None]] = []

    def make_player(self, guild_id: int, channel_id: int | None, *, node: Node) -> voltricx.Player:
        self.built.append((guild_id, channel_id))
        if self.mode == "raises":
            raise RuntimeError("cannot build")
        return _Restored(guild_id + 1 if self.mode == "wrong guild" else guild_id, node=node)


@pytest.mark.parametrize("mode", ["works", "wrong guild", "raises"])
async def test_the_restorer_uses_the_gateway_factory_and_falls_back_to_a_plain_player(
    mode: str, fake_factory: FakeFactory, tmp_path: Path
) -> None:
    node_fake = await fake_factory()
    db = tmp_path / "players.db"
    gid, channel = 310000000000000009, 410000000000000009
    await voltricx.Pool.connect(
        client=FakeVoiceGateway(),
        nodes=[node_config(node_fake, "main")],
        store=voltricx.SQLiteStore(db),
        report=False,
    )
    player = voltricx.Player(gid)
    await player.connect(channel)
    await voltricx.Pool.close()

    gateway = _BuildingGateway(mode)
    await voltricx.Pool.connect(
        client=gateway,
        nodes=[node_config(node_fake, "main")],
        store=voltricx.SQLiteStore(db),
        report=False,
    )
    assert gateway.built == [(gid, channel)]
    restored = voltricx.Pool.get_player(gid)
    assert restored is not None and restored.guild_id == gid and restored.channel_id == channel
    assert isinstance(restored, _Restored) is (mode == "works")
    assert gateway.joins == [(gid, channel)]
