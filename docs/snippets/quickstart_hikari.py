"""A minimal hikari music bot: docs/quickstart/hikari.md."""

from __future__ import annotations

import hikari

import voltricx
from voltricx.adapters import hikari as vhikari

bot = hikari.GatewayBot(
    "YOUR_BOT_TOKEN",
    intents=hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT,
)


@bot.listen(hikari.StartedEvent)
async def on_started(_: hikari.StartedEvent) -> None:
    await voltricx.Pool.connect(client=bot, nodes=[
        voltricx.NodeConfig(identifier="main", uri="http://localhost:2333", password="youshallnotpass"),
    ])
    # The pool closes itself (leaving voice channels) when the bot stops.


@bot.listen(hikari.GuildMessageCreateEvent)
async def on_message(event: hikari.GuildMessageCreateEvent) -> None:
    content = event.content or ""
    if not content.startswith("!play "):
        return
    voice = bot.cache.get_voice_state(event.guild_id, event.author.id)
    if voice is None or voice.channel_id is None:
        await event.message.respond("Join a voice channel first.")
        return
    player = await vhikari.join(bot, event.guild_id, voice.channel_id,
                                self_deaf=True, home=event.channel_id)
    tracks = await voltricx.Pool.fetch_tracks(content.removeprefix("!play "))
    if not tracks:
        await event.message.respond("Nothing found.")
        return
    track = tracks[0] if isinstance(tracks, list) else tracks.tracks[0]
    if player.current is None:
        await player.play(track)
    else:
        player.queue.put(track)
    await event.message.respond(f"Queued {track.title}")


@bot.listen(vhikari.TrackStartEvent)
async def on_track_start(event: vhikari.TrackStartEvent) -> None:
    if event.player.home is not None:
        await bot.rest.create_message(event.player.home, f"Now playing: {event.track.title}")


if __name__ == "__main__":
    bot.run()
