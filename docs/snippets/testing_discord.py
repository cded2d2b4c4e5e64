"""A discord.py bot against FakeDiscord + FakeLavalink: docs/testing-your-bot.md (run by tests/test_docs.py)."""

from __future__ import annotations

import asyncio

import discord

import voltricx
from voltricx.adapters.discordpy import Player
from voltricx.testing import FakeDiscord, FakeLavalink


# --8<-- [start:discord]
async def test_bot_joins_and_plays() -> None:
    async with FakeDiscord() as discord_fake, FakeLavalink("test", speed=50) as lavalink:
        client = discord_fake.discordpy_client()            # real discord.py, pointed at the fake
        runner = asyncio.create_task(client.start(discord_fake.bot_token))
        await discord_fake.wait_for(lambda: discord_fake.connected_shards == {0})
        await client.wait_until_ready()
        await voltricx.Pool.connect(client=client, report=False, nodes=[
            voltricx.NodeConfig(identifier="test", uri=lavalink.uri, password="test"),
        ])
        try:
            channel = client.get_channel(discord_fake.voice_channel_ids[0])
            assert isinstance(channel, discord.VoiceChannel)
            player = await channel.connect(cls=Player)      # op 4 -> the fake answers like Discord
            [track, *_] = await voltricx.Pool.fetch_tracks("ytsearch:anything")
            await player.play(track)
            fake_player = await lavalink.wait_for(lambda f: f.player(channel.guild.id))
            assert fake_player is not None and fake_player.voice.endpoint is not None
        finally:
            await voltricx.Pool.close()
            await client.close()
            await runner
# --8<-- [end:discord]
