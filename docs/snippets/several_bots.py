"""Two bot accounts in one process, each with its own pool: docs/guide/several-bots.md."""

from __future__ import annotations

import asyncio

import discord

import voltricx
from voltricx.adapters.discordpy import Player

# --8<-- [start:pools]
NODES = [voltricx.NodeConfig(identifier="main", uri="http://localhost:2333", password="youshallnotpass")]


class MusicBot(discord.Client):
    """One bot account. The first one uses the default pool (voltricx.Pool); the others get their own."""

    def __init__(self, *, first: bool) -> None:
        super().__init__(intents=discord.Intents.default())
        self.first = first
        self.pool: voltricx.BotPool | None = None

    async def setup_hook(self) -> None:
        if self.first:
            await voltricx.Pool.connect(client=self, nodes=NODES)
        else:
            self.pool = await voltricx.Pool.create(client=self, nodes=NODES)


async def main(tokens: list[str]) -> None:
    bots = [MusicBot(first=i == 0) for i in range(len(tokens))]
    await asyncio.gather(*(bot.start(token) for bot, token in zip(bots, tokens, strict=True)))
# --8<-- [end:pools]


# --8<-- [start:join]
async def play(bot: MusicBot, channel: discord.VoiceChannel, query: str) -> None:
    """``channel`` as ``bot`` sees it (``bot.get_channel(...)``)."""
    player = await channel.connect(cls=Player)  # a player of bot's pool
    pool = bot.pool
    if pool is not None:  # a further bot: its own pool has the player and asks its own nodes
        assert pool.get_player(channel.guild.id) is player
        tracks = await pool.fetch_tracks(query)
    else:
        tracks = await voltricx.Pool.fetch_tracks(query)
    if isinstance(tracks, list) and tracks:
        await player.play(tracks[0])
# --8<-- [end:join]


# --8<-- [start:stores]
async def connect_with_stores(first: MusicBot, second: MusicBot, url: str) -> None:
    await voltricx.Pool.connect(client=first, nodes=NODES, store=voltricx.RedisStore(url, prefix="music-1"))
    second.pool = await voltricx.Pool.create(
        client=second, nodes=NODES, store=voltricx.RedisStore(url, prefix="music-2")
    )
# --8<-- [end:stores]
