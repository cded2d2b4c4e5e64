"""Point each real Discord library at a [`FakeDiscord`][voltricx.testing.FakeDiscord].

[`FakeDiscord`][voltricx.testing.FakeDiscord] is library-neutral: it speaks Discord's
REST API and gateway over loopback and never imports a Discord library. The
pieces that do touch a library are written in ``voltricx.adapters._fake_clients``
(only the adapters import Discord libraries) and offered here:

* ``configure_*`` helpers make the few process-wide overrides a library needs
  to talk to the fake (its REST base URL, its default gateway URL, hikari's
  update check) and return them as a [`LibraryPatch`][voltricx.testing.discord.gateway.LibraryPatch] that undoes itself.
* Client builders ([`discordpy_client()`][voltricx.testing.discord.clients.discordpy_client], [`nextcord_client()`][voltricx.testing.discord.clients.nextcord_client],
  [`disnake_client()`][voltricx.testing.discord.clients.disnake_client], [`hikari_bot()`][voltricx.testing.discord.clients.hikari_bot]) apply that patch, hand it to the
  fake so it is undone when the fake closes, and build a client with test
  friendly defaults.

The usual entry points are the methods of the same names on
[`FakeDiscord`][voltricx.testing.FakeDiscord] (``fake.discordpy_client()``,
``fake.hikari_bot()``, ...), which call into this module. Importing it imports
no Discord library: each helper imports its own library when called, so only
the libraries a test actually uses need to be installed.

For example:

```python
from voltricx.testing.discord.clients import configure_nextcord

async with FakeDiscord() as fake:
    with configure_nextcord(fake):
        client = nextcord.Client(intents=nextcord.Intents.default())
        ...
```
"""

from __future__ import annotations

from voltricx.adapters._fake_clients import (
    DiscordpyClient,
    DiscordpyClientT,
    DiscordpyIntents,
    DisnakeClient,
    DisnakeClientT,
    DisnakeIntents,
    HikariBot,
    LibraryPatch,
    NextcordClient,
    NextcordClientT,
    NextcordIntents,
    configure_discordpy,
    configure_disnake,
    configure_hikari,
    configure_nextcord,
    discordpy_client,
    disnake_client,
    hikari_bot,
    nextcord_client,
    start_hikari,
)

__all__ = [
    "DiscordpyClient",
    "DiscordpyClientT",
    "DiscordpyIntents",
    "DisnakeClient",
    "DisnakeClientT",
    "DisnakeIntents",
    "HikariBot",
    "LibraryPatch",
    "NextcordClient",
    "NextcordClientT",
    "NextcordIntents",
    "configure_discordpy",
    "configure_disnake",
    "configure_hikari",
    "configure_nextcord",
    "discordpy_client",
    "disnake_client",
    "hikari_bot",
    "nextcord_client",
    "start_hikari",
]
