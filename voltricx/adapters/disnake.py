"""The disnake adapter: ``channel.connect(cls=voltricx.adapters.disnake.Player)``.

```python
import functools
import disnake
import voltricx
from voltricx.adapters.disnake import Player

# after login (for example in on_ready, guarded to run once):
await voltricx.Pool.connect(client=bot, nodes=[voltricx.NodeConfig(...)])

# disnake's channel.connect has no self_deaf/self_mute: pass them
# to the factory.
deafened = functools.partial(Player, self_deaf=True)
player = await voice_channel.connect(cls=deafened)
assert isinstance(player, voltricx.Player) and guild.voice_client is player
```

Core events arrive through the client's own dispatch as
``on_voltricx_<name>`` (``on_voltricx_track_start(payload)``,
``on_voltricx_failover(old_node, new_node, players)``, ...); see
``docs/adapters/dpy-family.md`` for the table.

This module is imported only when a disnake client is passed to
``voltricx.Pool.connect`` (or by you); it is the only place that imports
``disnake``.
"""

from __future__ import annotations

import disnake

from voltricx.adapters._dpy_family import (
    DpyFamilyAdapter,
    FamilyPlayer,
    FamilyRelay,
    LibrarySpec,
)
from voltricx.adapters._dpy_family import adapt as _adapt

__all__ = ["LIBRARY", "Player", "adapt"]


class Player(FamilyPlayer, disnake.VoiceProtocol):
    """A [`voltricx.Player`][voltricx.Player] that is disnake's ``VoiceProtocol``.

    ``player = await channel.connect(cls=Player)``. disnake's ``connect``
    passes only ``timeout`` and ``reconnect``; give ``self_deaf``,
    ``self_mute``, ``region``, ``node`` or ``home`` to the factory:
    ``cls=functools.partial(Player, self_deaf=True, home=interaction.channel)``.
    """


class _Relay(FamilyRelay, disnake.VoiceProtocol):
    """The registered protocol of a plain ``voltricx.Player`` in a disnake guild."""


#: The disnake entry of the dpy family.
LIBRARY = LibrarySpec(name="disnake", player_class=Player, relay_class=_Relay, connect_timeout=60.0)


def adapt(client: disnake.Client) -> DpyFamilyAdapter:
    """The [`voltricx.VoiceGateway`][voltricx.VoiceGateway] + [`voltricx.EventSink`][voltricx.EventSink] for ``client``.

    Idempotent: the adapter is kept on the client. ``Pool.connect`` calls it.

    Raises:
        voltricx.VoltricxError: The client has not logged in yet.
    """
    return _adapt(client, LIBRARY)
