"""Two bot accounts in one process, each with its own pool.

Used by docs/guide/several-bots.md.
"""

from __future__ import annotations

import asyncio

import discord

import voltricx
from voltricx.adapters.discordpy import Player

# --8<-- [start:pools]
NODES = [
    voltricx.NodeConfig(
        identifier="main",
        uri="http://localhost:2333",
        password="youshallnotpass",
    ),
]


class MusicBot(discord.Client):
    """One bot account; the first one uses the default pool."""

    def __init__(self, *, first: bool) -> None:
        super().__init__(intents=discord.Intents.default())
        self.first = first
        self.pool: voltricx.BotPool | None = None

    async def setup_hook(self) -> None:
        if self.first:  # the class methods of voltricx.Pool
            await voltricx.Pool.connect(client=self, nodes=NODES)
        else:  # every further bot: a pool of its own
            self.pool = await voltricx.Pool.create(client=self, nodes=NODES)


async def main(tokens: list[str]) -> None:
    bots = [MusicBot(first=i == 0) for i in range(len(tokens))]
    pairs = zip(bots, tokens, strict=True)
    await asyncio.gather(*(bot.start(token) for bot, token in pairs))
# --8<-- [end:pools]


# --8<-- [start:join]
async def play(bot: MusicBot, channel: discord.VoiceChannel, q: str) -> None:
    """``channel`` as ``bot`` sees it (``bot.get_channel(...)``)."""
    player = await channel.connect(cls=Player)  # a player of bot's pool
    pool = bot.pool
    if pool is not None:
        # A further bot: its own pool has the player and its own nodes.
        assert pool.get_player(channel.guild.id) is player
        tracks = await pool.fetch_tracks(q)
    else:
        tracks = await voltricx.Pool.fetch_tracks(q)
    if isinstance(tracks, list) and tracks:
        await player.play(tracks[0])
# --8<-- [end:join]


# --8<-- [start:stores]
async def with_stores(first: MusicBot, second: MusicBot, url: str) -> None:
    # Each bot account keeps its players under its own prefix.
    store_1 = voltricx.RedisStore(url, prefix="music-1")
    store_2 = voltricx.RedisStore(url, prefix="music-2")
    await voltricx.Pool.connect(client=first, nodes=NODES, store=store_1)
    second.pool = await voltricx.Pool.create(
        client=second, nodes=NODES, store=store_2
    )
# --8<-- [end:stores]
