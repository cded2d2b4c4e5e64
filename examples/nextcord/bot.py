"""A small voltricx music bot for nextcord.

Commands (prefix ``!``): join, play <query or URL>, queue, skip, volume <0-1000>,
nightcore, np, leave. Now-playing messages come from ``on_voltricx_track_start``;
``on_voltricx_failover`` tells each moved player's text channel (``player.home``).

Settings come from the environment (see README.md):

    DISCORD_TOKEN          the bot token (required)
    LAVALINK_NODES         comma-separated node URIs (default http://127.0.0.1:2333)
    LAVALINK_PASSWORD      the nodes' password (default youshallnotpass)
    VOLTRICX_EXAMPLE_SCRIPT  if set: join the first voice channel, play this query,
                           wait for the track to start, then shut down (used by tests)

Run: ``python examples/nextcord/bot.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os

import nextcord
from nextcord.ext import commands

import voltricx
from voltricx.adapters.nextcord import Player
from voltricx.filters import Filters
from voltricx.playlist import Playlist

log = logging.getLogger("example.nextcord")


def nodes_from_env() -> list[voltricx.NodeConfig]:
    """One NodeConfig per URI in LAVALINK_NODES."""
    uris = os.environ.get("LAVALINK_NODES", "http://127.0.0.1:2333").split(",")
    password = os.environ.get("LAVALINK_PASSWORD", "youshallnotpass")
    return [
        voltricx.NodeConfig(identifier=f"node-{n}", uri=uri.strip(), password=password)
        for n, uri in enumerate(uris, start=1)
        if uri.strip()
    ]


async def notify(channel: nextcord.abc.Messageable | None, text: str) -> None:
    """Send ``text`` to ``channel``; a missing permission is logged, not raised."""
    if channel is None:
        return
    try:
        await channel.send(text)
    except nextcord.HTTPException as exc:
        log.warning("could not send %r: %s", text, exc)


class MusicBot(commands.Bot):
    """``commands.Bot`` that connects voltricx after login and closes it on shutdown."""

    def __init__(self, *, script: str | None = None) -> None:
        intents = nextcord.Intents.default()
        intents.message_content = True
        super().__init__(command_prefix="!", intents=intents)
        self.script = script
        self.started = asyncio.Event()
        self.add_cog(Music(self))

    async def start_with_voltricx(self, token: str) -> None:
        """Log in, connect voltricx (it needs the bot's user id), then open the gateway."""
        await self.login(token)
        await voltricx.Pool.connect(client=self, nodes=nodes_from_env())
        await self.connect()

    async def close(self) -> None:
        await voltricx.Pool.close()
        await super().close()

    async def on_ready(self) -> None:
        log.info("logged in as %s", self.user)
        if self.script is not None:
            await self.run_script(self.script)

    async def on_voltricx_track_start(self, payload: voltricx.events.TrackStart) -> None:
        self.started.set()
        await notify(payload.player.home, f"Now playing: **{payload.track.title}**")

    async def on_voltricx_failover(
        self, old: voltricx.Node, new: voltricx.Node, players: list[voltricx.Player]
    ) -> None:
        for player in players:
            await notify(player.home, f"Node {old.identifier} went down; continuing on {new.identifier}.")

    async def run_script(self, query: str) -> None:
        """The scripted session: join, play one track, wait until it starts, shut down."""
        guild = self.guilds[0]
        # nextcord's connect() has no self_deaf: give it to the player factory.
        player = await guild.voice_channels[0].connect(cls=functools.partial(Player, self_deaf=True))
        player.autoplay = voltricx.AutoPlayMode.PARTIAL  # play the queue on
        player.home = guild.text_channels[0] if guild.text_channels else None
        tracks = await voltricx.Pool.fetch_tracks(query)
        first = tracks[0]
        await player.play(first)
        await asyncio.wait_for(self.started.wait(), 15)
        log.info("script done: %s is playing", first.title)
        await self.close()


class Music(commands.Cog):
    """The music commands."""

    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    async def _player(self, ctx: commands.Context[MusicBot], *, join: bool = False) -> Player | None:
        player = ctx.voice_client
        if isinstance(player, Player):
            return player
        author = ctx.author
        voice = author.voice if isinstance(author, nextcord.Member) else None
        if not join or voice is None or voice.channel is None:
            await ctx.send("Join a voice channel first.")
            return None
        player = await voice.channel.connect(cls=functools.partial(Player, self_deaf=True))
        player.autoplay = voltricx.AutoPlayMode.PARTIAL  # play the queue on
        player.home = ctx.channel
        return player

    @commands.command()
    async def join(self, ctx: commands.Context[MusicBot]) -> None:
        """Join your voice channel."""
        if await self._player(ctx, join=True):
            await ctx.send("Joined.")

    @commands.command()
    async def play(self, ctx: commands.Context[MusicBot], *, query: str) -> None:
        """Search (or load a URL) and play it, or add it to the queue."""
        player = await self._player(ctx, join=True)
        if player is None:
            return
        result = await voltricx.Pool.fetch_tracks(query)
        if not result:
            await ctx.send("Nothing found.")
            return
        added = player.queue.put(result if isinstance(result, Playlist) else result[0])
        if player.current is None:
            await player.play(player.queue.get())
        else:
            await ctx.send(f"Queued {added} track(s).")

    @commands.command()
    async def queue(self, ctx: commands.Context[MusicBot]) -> None:
        """Show the next tracks."""
        player = await self._player(ctx)
        if player is not None:
            titles = [f"{n}. {t.title}" for n, t in enumerate(player.queue[:10], start=1)]
            await ctx.send("\n".join(titles) or "The queue is empty.")

    @commands.command()
    async def skip(self, ctx: commands.Context[MusicBot]) -> None:
        """Skip to the next track."""
        player = await self._player(ctx)
        if player is not None:
            await player.skip()

    @commands.command()
    async def volume(self, ctx: commands.Context[MusicBot], value: int) -> None:
        """Set the volume (0-1000, 100 is unchanged)."""
        player = await self._player(ctx)
        if player is not None:
            await player.set_volume(value)
            await ctx.send(f"Volume {value}.")

    @commands.command()
    async def nightcore(self, ctx: commands.Context[MusicBot]) -> None:
        """Toggle the nightcore filter."""
        player = await self._player(ctx)
        if player is not None:
            on = player.filters.timescale.speed is None
            await player.set_filters(Filters.nightcore() if on else Filters(), seek=True)
            await ctx.send(f"Nightcore {'on' if on else 'off'}.")

    @commands.command()
    async def np(self, ctx: commands.Context[MusicBot]) -> None:
        """Show the current track and position."""
        player = await self._player(ctx)
        if player is not None and player.current is not None:
            await ctx.send(f"{player.current.title} at {player.position // 1000}s")

    @commands.command()
    async def leave(self, ctx: commands.Context[MusicBot]) -> None:
        """Leave voice (the player is destroyed on its node)."""
        player = await self._player(ctx)
        if player is not None:
            await player.disconnect()


async def main() -> None:
    """Run the bot until it is closed (Ctrl+C, or the end of the scripted session)."""
    logging.basicConfig(level=logging.INFO)
    bot = MusicBot(script=os.environ.get("VOLTRICX_EXAMPLE_SCRIPT"))
    try:
        await bot.start_with_voltricx(os.environ["DISCORD_TOKEN"])
    finally:
        if not bot.is_closed():
            await bot.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
