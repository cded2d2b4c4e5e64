"""Event listeners in discord.py (nextcord and disnake are the same): docs/guide/events.md."""

from __future__ import annotations

import discord
from discord.ext import commands

import voltricx
from voltricx import events

bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())


# --8<-- [start:node-events]
@bot.event
async def on_voltricx_node_ready(node: voltricx.Node) -> None:
    print(f"node {node.identifier} is ready")


@bot.event
async def on_voltricx_node_disconnected(node: voltricx.Node) -> None:
    reason = node.last_error or "connection lost"
    print(f"node {node.identifier} dropped: {reason}")


@bot.event
async def on_voltricx_failover(
    old_node: voltricx.Node,
    new_node: voltricx.Node,
    players: list[voltricx.Player],
) -> None:
    message = (
        f"Moved to node {new_node.identifier}"
        f" after {old_node.identifier} failed."
    )
    for player in players:
        if isinstance(player.home, discord.abc.Messageable):
            await player.home.send(message)
# --8<-- [end:node-events]


# --8<-- [start:track-events]
@bot.event
async def on_voltricx_track_start(event: events.TrackStart) -> None:
    if isinstance(event.player.home, discord.abc.Messageable):
        track = event.track
        await event.player.home.send(
            f"Now playing: {track.title} by {track.author}"
        )


@bot.event
async def on_voltricx_track_end(event: events.TrackEnd) -> None:
    print(event.track.title, event.reason, event.may_start_next)


@bot.event
async def on_voltricx_inactive_player(event: events.InactivePlayer) -> None:
    # nothing played for inactive_timeout seconds
    await event.player.disconnect()
# --8<-- [end:track-events]
