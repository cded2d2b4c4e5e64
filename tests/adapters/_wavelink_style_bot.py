"""A music bot written the way wavelink 3's documentation teaches, ported by renaming only.

Every change from the wavelink original is a row of
docs/migrating-from-wavelink.md: ``wavelink`` -> ``voltricx``,
``wavelink.Node(uri=, password=)`` -> ``voltricx.NodeConfig(identifier=, uri=, password=)``,
``wavelink.Player`` -> ``voltricx.adapters.discordpy.Player``,
``on_wavelink_<x>(payload)`` -> ``on_voltricx_<x>(event)`` (node listeners get the node),
``if not hasattr(player, "home")`` -> ``if player.home is None``, ``track.artwork`` ->
``track.artwork_url``. Nothing else.

The bot records what its listeners saw in ``seen`` so tests can assert on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

import discord
from discord.ext import commands

import voltricx
from voltricx.adapters.discordpy import Player

_log = logging.getLogger("tests.wavelink_style_bot")


class MusicBot(commands.Bot):
    """wavelink's ``examples/simple.py`` Bot, plus the listeners most wavelink bots have."""

    def __init__(self, *, uri: str, password: str, **options: Any) -> None:
        intents: discord.Intents = options.pop("intents", None) or discord.Intents.default()
        intents.message_content = True
        super().__init__(command_prefix="!", intents=intents, **options)
        self.node_configs = [voltricx.NodeConfig(identifier="main", uri=uri, password=password)]
        self.seen: list[tuple[str, Any]] = []
        self.changed = asyncio.Event()

    def record(self, kind: str, value: Any) -> None:
        self.seen.append((kind, value))
        self.changed.set()

    async def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait (on listener calls, no polling) until ``predicate()`` holds."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

    async def setup_hook(self) -> None:
        await voltricx.Pool.connect(nodes=self.node_configs, client=self, cache_capacity=100, report=False)
        await self.add_cog(Music(self))

    async def on_ready(self) -> None:
        # wavelink bots often (re)connect here too; it runs after every reconnect.
        await voltricx.Pool.connect(nodes=self.node_configs, client=self, report=False)
        self.record("ready", None)

    # -- the five usual listeners -------------------------------------------------------

    async def on_voltricx_node_ready(self, node: voltricx.Node) -> None:
        self.record("node_ready", node)

    async def on_voltricx_track_start(self, payload: voltricx.events.TrackStart) -> None:
        player = cast(Player | None, payload.player)
        if not player:
            return
        original = payload.original
        track = payload.track
        embed = discord.Embed(title="Now Playing")
        embed.description = f"**{track.title}** by `{track.author}`"
        if track.artwork_url:
            embed.set_image(url=track.artwork_url)
        if original and original.recommended:
            embed.description += "\n\n`This track was recommended via AutoPlay`"
        self.record("track_start", payload)
        await player.home.send(embed=embed)

    async def on_voltricx_track_end(self, payload: voltricx.events.TrackEnd) -> None:
        self.record("track_end", payload)

    async def on_voltricx_track_exception(self, payload: voltricx.events.TrackException) -> None:
        self.record("track_exception", payload)

    async def on_voltricx_inactive_player(self, payload: voltricx.events.InactivePlayer) -> None:
        player = cast(Player, payload.player)
        self.record("inactive_player", payload)
        await player.home.send(f"The player has been inactive for `{player.inactive_timeout}` seconds. Goodbye!")
        await player.disconnect()

    async def on_voltricx_player_destroyed(self, payload: voltricx.events.PlayerDestroyed) -> None:
        self.record("player_destroyed", payload)

    def events(self, name: str) -> list[Any]:
        return [value for kind, value in self.seen if kind == name]


class Music(commands.Cog):
    """The commands of wavelink's simple example, and the other usual ones."""

    def __init__(self, bot: MusicBot) -> None:
        self.bot = bot

    @commands.command()
    async def play(self, ctx: commands.Context[MusicBot], *, query: str) -> None:
        """Play a song with the given query."""
        if not ctx.guild:
            return
        player: Player
        player = cast(Player, ctx.voice_client)  # type: ignore
        if not player:
            try:
                player = await ctx.author.voice.channel.connect(cls=Player)  # type: ignore
            except AttributeError:
                await ctx.send("Please join a voice channel first before using this command.")
                return
            except discord.ClientException:
                await ctx.send("I was unable to join this voice channel. Please try again.")
                return
        # Turn on AutoPlay to enabled mode.
        # enabled = AutoPlay will play songs for us and fetch recommendations...
        # partial = AutoPlay will play songs for us, but WILL NOT fetch recommendations...
        # disabled = AutoPlay will do nothing...
        player.autoplay = voltricx.AutoPlayMode.partial
        # Lock the player to this channel...
        if player.home is None:
            player.home = ctx.channel
        elif player.home != ctx.channel:
            await ctx.send(f"You can only play songs in {player.home.mention}, as the player has already started there.")
            return
        tracks: voltricx.Search = await voltricx.Playable.search(query)
        if not tracks:
            await ctx.send(f"{ctx.author.mention} - Could not find any tracks with that query. Please try again.")
            return
        if isinstance(tracks, voltricx.Playlist):
            added: int = await player.queue.put_wait(tracks)
            await ctx.send(f"Added the playlist **`{tracks.name}`** ({added} songs) to the queue.")
        else:
            track: voltricx.Playable = tracks[0]
            track.extras = {"requester_id": ctx.author.id}
            track.requester = ctx.author
            await player.queue.put_wait(track)
            await ctx.send(f"Added **`{track}`** to the queue.")
        if not player.playing:
            # Play now since we aren't playing anything...
            await player.play(player.queue.get(), volume=30)

    @commands.command()
    async def skip(self, ctx: commands.Context[MusicBot]) -> None:
        """Skip the current song."""
        player = cast(Player, ctx.voice_client)
        if not player:
            return
        await player.skip(force=True)
        await ctx.message.add_reaction("\u2705")

    @commands.command()
    async def stop(self, ctx: commands.Context[MusicBot]) -> None:
        """wavelink's stop: an alias of skip."""
        player = cast(Player, ctx.voice_client)
        if not player:
            return
        await player.stop(force=True)
        await ctx.message.add_reaction("\u2705")

    @commands.command()
    async def nightcore(self, ctx: commands.Context[MusicBot]) -> None:
        """Set the filter to a nightcore style."""
        player = cast(Player, ctx.voice_client)
        if not player:
            return
        filters = player.filters
        filters.timescale.set(pitch=1.2, speed=1.2, rate=1)
        await player.set_filters(filters)
        await ctx.message.add_reaction("\u2705")

    @commands.command(name="toggle", aliases=["pause", "resume"])
    async def pause_resume(self, ctx: commands.Context[MusicBot]) -> None:
        """Pause or Resume the Player depending on its current state."""
        player = cast(Player, ctx.voice_client)
        if not player:
            return
        if not player.playing:
            await ctx.send("Nothing is playing.")
            return
        await player.pause(not player.paused)
        await ctx.message.add_reaction("\u2705")

    @commands.command()
    async def volume(self, ctx: commands.Context[MusicBot], value: int) -> None:
        """Change the volume of the player."""
        player = cast(Player, ctx.voice_client)
        if not player:
            return
        await player.set_volume(value)
        await ctx.message.add_reaction("\u2705")

    @commands.command()
    async def loop(self, ctx: commands.Context[MusicBot]) -> None:
        """Loop the current track."""
        player = cast(Player, ctx.voice_client)
        if not player:
            return
        player.queue.mode = voltricx.QueueMode.loop
        await ctx.send(f"Loop mode: {player.queue.mode.value}")

    @commands.command()
    async def autoplay(self, ctx: commands.Context[MusicBot]) -> None:
        """Let AutoPlay recommend tracks."""
        player = cast(Player, ctx.voice_client)
        if not player:
            return
        player.autoplay = voltricx.AutoPlayMode.enabled
        await ctx.message.add_reaction("\u2705")

    @commands.command(name="queue")
    async def show_queue(self, ctx: commands.Context[MusicBot]) -> None:
        """Show the upcoming tracks."""
        player = cast(Player, ctx.voice_client)
        if not player:
            return
        if player.queue.is_empty:
            await ctx.send("The queue is empty.")
            return
        lines = [f"{i + 1}. {track}" for i, track in enumerate(player.queue)]
        await ctx.send(f"{player.queue.count} in the queue:\n" + "\n".join(lines))

    @commands.command(aliases=["dc", "leave"])
    async def disconnect(self, ctx: commands.Context[MusicBot]) -> None:
        """Disconnect the Player."""
        player = cast(Player, ctx.voice_client)
        if not player:
            return
        await player.disconnect()
        await ctx.message.add_reaction("\u2705")
