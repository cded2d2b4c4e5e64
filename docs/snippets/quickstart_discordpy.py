"""A minimal discord.py music bot: docs/quickstart/discordpy.md."""

from __future__ import annotations

import os

import discord
from discord.ext import commands

import voltricx
from voltricx import events
from voltricx.adapters.discordpy import Player

NODE = voltricx.NodeConfig(
    identifier="main",
    uri="http://localhost:2333",
    password="youshallnotpass",       # lavalink.server.password
)


class Bot(commands.Bot):
    async def setup_hook(self) -> None:   # runs once, after login
        await voltricx.Pool.connect(client=self, nodes=[NODE])

    async def close(self) -> None:
        await voltricx.Pool.close()
        await super().close()


intents = discord.Intents.default()
intents.message_content = True            # to read "!play ..." messages
bot = Bot(command_prefix="!", intents=intents)


@bot.event
async def on_voltricx_track_start(event: events.TrackStart) -> None:
    print(f"guild {event.player.guild_id}: playing {event.track.title}")


@bot.command()
async def play(ctx: commands.Context[Bot], *, query: str) -> None:
    author = ctx.author
    if not isinstance(author, discord.Member) or author.voice is None:
        await ctx.send("Join a voice channel first.")
        return
    player = ctx.voice_client
    if not isinstance(player, Player):
        channel = author.voice.channel
        assert channel is not None
        player = await channel.connect(cls=Player, self_deaf=True)
        player.home = ctx.channel
        player.autoplay = voltricx.AutoPlayMode.PARTIAL  # play the queue on
    tracks = await voltricx.Pool.fetch_tracks(query)
    if not tracks:
        await ctx.send("Nothing found.")
        return
    track = tracks[0] if isinstance(tracks, list) else tracks.tracks[0]
    if player.current is None:
        await player.play(track)
        await ctx.send(f"Playing {track.title}")
    else:
        player.queue.put(track)
        await ctx.send(f"Queued {track.title}")


@bot.command()
async def skip(ctx: commands.Context[Bot]) -> None:
    if isinstance(ctx.voice_client, Player):
        await ctx.voice_client.skip()


@bot.command()
async def stop(ctx: commands.Context[Bot]) -> None:
    if isinstance(ctx.voice_client, Player):
        await ctx.voice_client.disconnect()


if __name__ == "__main__":
    bot.run(os.environ["DISCORD_TOKEN"])
