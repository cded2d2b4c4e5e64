"""The discord.py adapter: ``channel.connect(cls=voltricx.adapters.discordpy.Player)``.

```python
import discord
import voltricx
from voltricx.adapters.discordpy import Player

class Bot(discord.Client):
    async def setup_hook(self) -> None:      # runs after login
        nodes = [voltricx.NodeConfig(...)]
        await voltricx.Pool.connect(client=self, nodes=nodes)

player = await voice_channel.connect(cls=Player, self_deaf=True)
assert isinstance(player, voltricx.Player) and guild.voice_client is player
```

Core events arrive through the client's own dispatch as
``on_voltricx_<name>`` (``on_voltricx_track_start(payload)``,
``on_voltricx_failover(old_node, new_node, players)``, ...); see
``docs/adapters/dpy-family.md`` for the table.

This module is imported only when a discord.py client is passed to
``voltricx.Pool.connect`` (or by you); it is the only place that imports
``discord``.
"""

from __future__ import annotations

import discord

from voltricx.adapters._dpy_family import (
    DpyFamilyAdapter,
    FamilyPlayer,
    FamilyRelay,
    LibrarySpec,
)
from voltricx.adapters._dpy_family import adapt as _adapt

__all__ = ["LIBRARY", "Player", "adapt"]


class Player(FamilyPlayer, discord.VoiceProtocol):
    """A [`voltricx.Player`][voltricx.Player] that is discord.py's ``VoiceProtocol``.

    ``player = await channel.connect(cls=Player)``; ``self_deaf`` and
    ``self_mute`` may be given to ``channel.connect`` as usual. Other
    options (``region``, ``node``, ``home``) go through the factory:
    ``cls=functools.partial(Player, region="eu", home=ctx.channel)``.
    """


class _Relay(FamilyRelay, discord.VoiceProtocol):
    """The registered protocol of a plain ``voltricx.Player`` in a discord.py guild."""


#: The discord.py entry of the dpy family.
LIBRARY = LibrarySpec(name="discord.py", player_class=Player, relay_class=_Relay, connect_timeout=30.0)


def adapt(client: discord.Client) -> DpyFamilyAdapter:
    """The [`voltricx.VoiceGateway`][voltricx.VoiceGateway] + [`voltricx.EventSink`][voltricx.EventSink] for ``client``.

    Idempotent: the adapter is kept on the client. ``Pool.connect`` calls it.

    Raises:
        voltricx.VoltricxError: The client has not logged in yet.
    """
    return _adapt(client, LIBRARY)
