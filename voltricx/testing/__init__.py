"""Test helpers for voltricx and for bots built on it.

[`FakeLavalink`][voltricx.testing.FakeLavalink] is a real Lavalink v4 server (REST + websocket) on
127.0.0.1 with a simulated playback clock, a deterministic track catalogue
and fault injection (kill, restart, stall, auth changes, delays, injected
error answers, garbage frames). [`FakeVoiceGateway`][voltricx.testing.FakeVoiceGateway] stands in for a
Discord library (it answers joins with voice credentials and records every
event). [`FakeDiscordVoice`][voltricx.testing.FakeDiscordVoice] is a Discord voice server
(voice gateway + UDP) on loopback that a node really connects to, counting the
audio packets it receives. [`FakeDiscord`][voltricx.testing.FakeDiscord] is a loopback Discord gateway + REST API that
the real discord.py, nextcord, disnake and hikari log into. Importing this
package never imports a Discord library.
"""

from __future__ import annotations

from voltricx.testing.discord.gateway import FakeDiscord
from voltricx.testing.discord.voice import FakeDiscordVoice, VoiceConnection
from voltricx.testing.lavalink.catalogue import (
    STREAM_LENGTH,
    Catalogue,
    CatalogueEntry,
    PlayBehaviour,
)
from voltricx.testing.lavalink.players import FakePlayer, FakeSession, RecordedRequest
from voltricx.testing.lavalink.profiles import PROFILES, Profile
from voltricx.testing.lavalink.server import KEEP, EmittedEvent, FakeLavalink
from voltricx.testing.placement import placement_problems, wait_one_copy
from voltricx.testing.voice import FakeVoiceGateway, IssuedVoice

__all__ = [
    "KEEP",
    "PROFILES",
    "STREAM_LENGTH",
    "Catalogue",
    "CatalogueEntry",
    "EmittedEvent",
    "FakeDiscord",
    "FakeDiscordVoice",
    "FakeLavalink",
    "FakePlayer",
    "FakeSession",
    "FakeVoiceGateway",
    "IssuedVoice",
    "PlayBehaviour",
    "Profile",
    "RecordedRequest",
    "VoiceConnection",
    "placement_problems",
    "wait_one_copy",
]
