"""A discord.py bot against FakeDiscord + FakeLavalink: docs/testing-your-bot.md (run by tests/test_docs.py)."""

from __future__ import annotations

import asyncio

import discord

import voltricx
from voltricx.adapters.discordpy import Player
from voltricx.testing import FakeDiscord, FakeLavalink


# --8<-- [start:discord]
async def test_bot_joins_and_plays() -> None:
    async with (
        FakeDiscord() as fake_discord,
        FakeLavalink("test", speed=50) as lavalink,
    ):
        # real discord.py, pointed at the fake
        client = fake_discord.discordpy_client()
        runner = asyncio.create_task(client.start(fake_discord.bot_token))
        await fake_discord.wait_for(
            lambda: fake_discord.connected_shards == {0}
        )
        await client.wait_until_ready()
        node = voltricx.NodeConfig(
            identifier="test", uri=lavalink.uri, password="test"
        )
        await voltricx.Pool.connect(client=client, report=False, nodes=[node])
        try:
            channel = client.get_channel(fake_discord.voice_channel_ids[0])
            assert isinstance(channel, discord.VoiceChannel)
            # op 4 -> the fake answers like Discord
            player = await channel.connect(cls=Player)
            [track, *_] = await voltricx.Pool.fetch_tracks("ytsearch:anything")
            await player.play(track)
            guild_id = channel.guild.id
            fake_player = await lavalink.wait_for(lambda f: f.player(guild_id))
            assert fake_player is not None
            assert fake_player.voice.endpoint is not None
        finally:
            await voltricx.Pool.close()
            await client.close()
            await runner
# --8<-- [end:discord]
