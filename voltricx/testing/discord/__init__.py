"""The fake Discord, in rooms.

* ``gateway`` -- [`FakeDiscord`][voltricx.testing.FakeDiscord]: the gateway
  websocket and the REST API a real library logs into;
* ``chat`` -- the text side: users, messages and reactions;
* ``voice`` -- [`FakeDiscordVoice`][voltricx.testing.FakeDiscordVoice]: a
  voice server (voice gateway + UDP) a node really connects to;
* ``clients`` -- the per-library builders that point discord.py, nextcord,
  disnake or hikari at the fake; the only room that imports a Discord
  library, and only when one of its helpers is called;
* ``_records``, ``_wire`` and ``_base`` -- ids, guilds and the records tests
  assert on; the gateway wire (opcodes, connections, sessions); the state
  the rooms of ``FakeDiscord`` share.

Import the public names from ``voltricx.testing``.
"""

from __future__ import annotations

from voltricx.testing.discord.gateway import FakeDiscord
from voltricx.testing.discord.voice import FakeDiscordVoice, VoiceConnection

__all__ = ["FakeDiscord", "FakeDiscordVoice", "VoiceConnection"]
