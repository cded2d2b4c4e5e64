"""A minimal hikari music bot: docs/quickstart/hikari.md."""

from __future__ import annotations

import os

import hikari

import voltricx
from voltricx.adapters import hikari as vhikari

NODE = voltricx.NodeConfig(
    identifier="main",
    uri="http://localhost:2333",
    password="youshallnotpass",       # lavalink.server.password
)

bot = hikari.GatewayBot(
    os.environ["DISCORD_TOKEN"],
    intents=hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT,
)


@bot.listen(hikari.StartedEvent)
async def on_started(_: hikari.StartedEvent) -> None:
    await voltricx.Pool.connect(client=bot, nodes=[NODE])
    # The pool closes itself (leaving voice channels) when the bot stops.


@bot.listen(hikari.GuildMessageCreateEvent)
async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
    content = event.content or ""
    if not content.startswith("!play "):
        return
    guild, author = event.guild_id, event.author.id
    voice = bot.cache.get_voice_state(guild, author)
    if voice is None or voice.channel_id is None:
        await event.message.respond("Join a voice channel first.")
        return
    player = await vhikari.join(bot, guild, voice.channel_id,
                                self_deaf=True, home=event.channel_id)
    query = content.removeprefix("!play ")
    tracks = await voltricx.Pool.fetch_tracks(query)
    if not tracks:
        await event.message.respond("Nothing found.")
        return
    track = tracks[0] if isinstance(tracks, list) else tracks.tracks[0]
    if player.current is None:
        await player.play(track)
        await event.message.respond(f"Playing {track.title}")
    else:
        player.queue.put(track)
        await event.message.respond(f"Queued {track.title}")


@bot.listen(vhikari.TrackStartEvent)
async def on_track_start(event: vhikari.TrackStartEvent) -> None:
    print(f"guild {event.player.guild_id}: playing {event.track.title}")


if __name__ == "__main__":
    bot.run()
