"""A minimal disnake music bot: docs/quickstart/disnake.md."""

from __future__ import annotations

import asyncio

import disnake
from disnake.ext import commands

import voltricx
from voltricx.adapters.disnake import Player


class Bot(commands.Bot):
    async def close(self) -> None:
        await voltricx.Pool.close()
        await super().close()


intents = disnake.Intents.default()
intents.message_content = True                   # for prefix commands
bot = Bot(command_prefix="!", intents=intents)


@bot.command()
async def play(ctx: commands.Context[Bot], *, query: str) -> None:
    if ctx.guild is None or not isinstance(ctx.author, disnake.Member) or ctx.author.voice is None:
        await ctx.send("Join a voice channel first.")
        return
    player = ctx.voice_client
    if not isinstance(player, Player):
        channel = ctx.author.voice.channel
        assert channel is not None
        player = await channel.connect(cls=Player)
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


async def main(token: str) -> None:
    # The pool needs the bot's user id, known once logged in; connect it between
    # login and the gateway connection (this library has no setup_hook).
    await bot.login(token)
    await voltricx.Pool.connect(client=bot, nodes=[
        voltricx.NodeConfig(identifier="main", uri="http://localhost:2333", password="youshallnotpass"),
    ])
    try:
        await bot.connect()
    finally:
        await bot.close()


if __name__ == "__main__":
    asyncio.run(main("YOUR_BOT_TOKEN"))
