"""A small music bot: hikari + voltricx.

Prefix commands in any guild text channel (default prefix ``!``):

    !join [channel id]    join your voice channel (or the given one)
    !play <query or URL>  search and play, or add to the queue
    !queue                show what comes next
    !skip                 play the next queued track
    !volume <0-200>       set the volume
    !filter <name>        nightcore, vaporwave, bassboost, soft or off
    !now                  what is playing
    !leave                stop and leave the voice channel

Settings come from environment variables (see README.md): DISCORD_TOKEN,
LAVALINK_URI (one or more, comma separated: extra nodes take over when one
fails), LAVALINK_PASSWORD, LAVALINK_REGION, BOT_PREFIX and, for testing
against a local fake, DISCORD_API_URL.

Run it with ``python examples/hikari/bot.py``; Ctrl+C stops it cleanly
(the bot leaves its voice channels and the pool closes).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import hikari

import voltricx
from voltricx.adapters import hikari as vhikari
from voltricx.filters import Filters
from voltricx.playlist import Playlist

__all__ = ["MusicBot", "Settings", "create_bot", "main"]

log = logging.getLogger("music-bot")

Command = Callable[["hikari.GuildMessageCreateEvent", str], Awaitable[str | None]]

#: Seconds a command waits for the pool to connect at startup.
POOL_WAIT = 15.0

FILTERS: Mapping[str, Callable[[], Filters]] = {
    "nightcore": Filters.nightcore,
    "vaporwave": Filters.vaporwave,
    "bassboost": Filters.bass_boost,
    "soft": Filters.soft,
    "off": Filters,
}


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from the environment."""

    token: str
    lavalink_uris: tuple[str, ...] = ("http://127.0.0.1:2333",)
    lavalink_password: str = "youshallnotpass"
    lavalink_region: str | None = None
    prefix: str = "!"
    api_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Read the settings; raises ``SystemExit`` with a hint when DISCORD_TOKEN is missing."""
        token = env.get("DISCORD_TOKEN", "").strip()
        if not token:
            raise SystemExit("set DISCORD_TOKEN to your bot token (see examples/hikari/README.md)")
        uris = tuple(u.strip() for u in env.get("LAVALINK_URI", "http://127.0.0.1:2333").split(",") if u.strip())
        return cls(
            token=token,
            lavalink_uris=uris,
            lavalink_password=env.get("LAVALINK_PASSWORD", "youshallnotpass"),
            lavalink_region=env.get("LAVALINK_REGION") or None,
            prefix=env.get("BOT_PREFIX", "!"),
            api_url=env.get("DISCORD_API_URL") or None,
        )

    def nodes(self) -> list[voltricx.NodeConfig]:
        """One node per URI, named NODE-1, NODE-2, ..."""
        return [
            voltricx.NodeConfig(
                identifier=f"NODE-{n}",
                uri=uri,
                password=self.lavalink_password,
                region=self.lavalink_region,
            )
            for n, uri in enumerate(self.lavalink_uris, start=1)
        ]


def describe(track: voltricx.Playable) -> str:
    """``Title - Author (m:ss)``."""
    seconds = track.info.length // 1000
    length = "live" if track.info.is_stream else f"{seconds // 60}:{seconds % 60:02d}"
    return f"{track.info.title} - {track.info.author} ({length})"


class MusicBot:
    """The bot's commands and voltricx event handlers, around one ``hikari.GatewayBot``."""

    def __init__(self, bot: hikari.GatewayBot, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        self.pool_ready = asyncio.Event()
        self.commands: dict[str, Command] = {
            "join": self.join,
            "play": self.play,
            "queue": self.show_queue,
            "skip": self.skip,
            "volume": self.volume,
            "filter": self.filter,
            "now": self.now,
            "leave": self.leave,
        }
        # We close the pool ourselves on shutdown (after saying goodbye), so the
        # adapter does not need to.
        vhikari.attach(bot, close_pool_on_stop=False)
        bot.subscribe(hikari.StartedEvent, self.on_started)
        bot.subscribe(hikari.StoppingEvent, self.on_stopping)
        bot.subscribe(hikari.GuildMessageCreateEvent, self.on_message)
        bot.subscribe(vhikari.TrackStartEvent, self.on_track_start)
        bot.subscribe(vhikari.FailoverEvent, self.on_failover)
        bot.subscribe(vhikari.PlayerDestroyedEvent, self.on_player_destroyed)

    # -- plumbing ------------------------------------------------------------------

    async def say(self, channel: hikari.SnowflakeishOr[hikari.TextableChannel] | None, text: str) -> None:
        """Send ``text`` to ``channel``; a failure (missing permission, ...) is only logged."""
        if channel is None:
            return
        try:
            await self.bot.rest.create_message(channel, text)
        except hikari.HTTPError as exc:
            log.warning("could not send a message to %s: %s", channel, exc)

    async def on_started(self, _: hikari.StartedEvent) -> None:
        await voltricx.Pool.connect(client=self.bot, nodes=self.settings.nodes())
        self.pool_ready.set()

    async def on_stopping(self, _: hikari.StoppingEvent) -> None:
        for player in voltricx.Pool.players().values():
            await self.say(player.home, "The bot is shutting down. Bye!")
        await voltricx.Pool.close()  # leaves every voice channel, closes the nodes

    async def on_message(self, event: hikari.GuildMessageCreateEvent) -> None:
        prefix = self.settings.prefix
        content = event.content or ""
        if event.is_bot or not content.startswith(prefix):
            return
        name, _, args = content[len(prefix) :].partition(" ")
        command = self.commands.get(name.lower())
        if command is None:
            return
        try:
            # A command can arrive while the pool is still connecting at startup.
            async with asyncio.timeout(POOL_WAIT):
                await self.pool_ready.wait()
            reply = await command(event, args.strip())
        except TimeoutError:
            reply = "The music nodes are not reachable yet; try again in a moment."
        except voltricx.VoltricxError as exc:
            reply = f"Sorry: {exc}"
        await self.say(event.channel_id, reply or "")

    def player(self, guild_id: int) -> voltricx.Player:
        player = voltricx.Pool.get_player(guild_id)
        if player is None:
            raise voltricx.PlayerError("I am not in a voice channel; use join first")
        return player

    # -- commands ------------------------------------------------------------------

    async def join(self, event: hikari.GuildMessageCreateEvent, args: str) -> str:
        if args.isdigit():
            channel_id = int(args)
        else:
            state = self.bot.cache.get_voice_state(event.guild_id, event.author_id)
            if state is None or state.channel_id is None:
                return "Join a voice channel first (or give me its id)."
            channel_id = state.channel_id
        player = await vhikari.join(self.bot, event.guild_id, channel_id, self_deaf=True, home=event.channel_id)
        player.autoplay = voltricx.AutoPlayMode.PARTIAL  # play the queue on
        return f"Joined <#{channel_id}>."

    async def play(self, event: hikari.GuildMessageCreateEvent, args: str) -> str:
        if not args:
            return f"Usage: {self.settings.prefix}play <query or URL>"
        player = voltricx.Pool.get_player(event.guild_id)
        if player is None:
            joined = await self.join(event, "")
            player = voltricx.Pool.get_player(event.guild_id)
            if player is None:
                return joined
        result = await voltricx.Pool.fetch_tracks(args)
        if isinstance(result, Playlist):
            added = player.queue.put(result)
            reply = f"Queued {added} tracks from {result.name}."
        elif result:
            player.queue.put(result[0])
            reply = f"Queued {describe(result[0])}."
        else:
            return "Nothing found."
        if player.current is None:
            await player.skip()  # start the first queued track
            return reply.replace("Queued", "Playing", 1)
        return reply

    async def show_queue(self, event: hikari.GuildMessageCreateEvent, args: str) -> str:
        player = self.player(event.guild_id)
        upcoming = [describe(t) for t in list(player.queue)[:10]]
        if not upcoming:
            return "The queue is empty."
        return "\n".join(f"{n}. {line}" for n, line in enumerate(upcoming, start=1))

    async def skip(self, event: hikari.GuildMessageCreateEvent, args: str) -> str:
        player = self.player(event.guild_id)
        skipped = await player.skip()
        return f"Skipped {describe(skipped)}." if skipped else "Nothing to skip."

    async def volume(self, event: hikari.GuildMessageCreateEvent, args: str) -> str:
        player = self.player(event.guild_id)
        if not args.isdigit() or not 0 <= int(args) <= 200:
            return f"Volume is {player.volume}. Set it with {self.settings.prefix}volume <0-200>."
        await player.set_volume(int(args))
        return f"Volume set to {int(args)}."

    async def filter(self, event: hikari.GuildMessageCreateEvent, args: str) -> str:
        player = self.player(event.guild_id)
        make = FILTERS.get(args.lower())
        if make is None:
            return f"Filters: {', '.join(FILTERS)}."
        await player.set_filters(make(), seek=True)
        return f"Filter: {args.lower()}."

    async def now(self, event: hikari.GuildMessageCreateEvent, args: str) -> str:
        player = self.player(event.guild_id)
        track = player.current
        if track is None:
            return "Nothing is playing."
        return f"Now playing {describe(track)} at {player.position // 1000}s on {player.node.identifier}."

    async def leave(self, event: hikari.GuildMessageCreateEvent, args: str) -> str:
        await vhikari.leave(self.bot, event.guild_id)
        return "Bye!"

    # -- voltricx events -------------------------------------------------------------

    async def on_track_start(self, event: vhikari.TrackStartEvent) -> None:
        await self.say(event.player.home, f"Now playing {describe(event.track)}.")

    async def on_failover(self, event: vhikari.FailoverEvent) -> None:
        for player in event.players:
            await self.say(
                player.home,
                f"Audio node {event.old_node.identifier} went away; "
                f"continuing on {event.new_node.identifier}.",
            )

    async def on_player_destroyed(self, event: vhikari.PlayerDestroyedEvent) -> None:
        if event.reason in ("disconnected", "guild_removed"):
            log.info("player of guild %s gone (%s)", event.guild_id, event.reason)


def create_bot(settings: Settings) -> tuple[hikari.GatewayBot, MusicBot]:
    """Build the hikari bot with the music commands wired in."""
    bot = hikari.GatewayBot(
        settings.token,
        intents=hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT,
        banner=None,
        rest_url=settings.api_url,  # None: Discord itself
    )
    return bot, MusicBot(bot, settings)


def main() -> None:
    """Read the settings, build the bot, run until Ctrl+C or SIGTERM (hikari sets up logging)."""
    bot, _ = create_bot(Settings.from_env())
    bot.run(check_for_updates=False)


if __name__ == "__main__":
    main()
