"""The nextcord adapter: ``channel.connect(cls=voltricx.adapters.nextcord.Player)``.

```python
import functools
import nextcord
import voltricx
from voltricx.adapters.nextcord import Player

# after login (for example in on_ready, guarded to run once):
await voltricx.Pool.connect(client=bot, nodes=[voltricx.NodeConfig(...)])

# nextcord's channel.connect has no self_deaf/self_mute: pass them
# to the factory.
deafened = functools.partial(Player, self_deaf=True)
player = await voice_channel.connect(cls=deafened)
assert isinstance(player, voltricx.Player) and guild.voice_client is player
```

Core events arrive through the client's own dispatch as
``on_voltricx_<name>`` (``on_voltricx_track_start(payload)``,
``on_voltricx_failover(old_node, new_node, players)``, ...); see
``docs/adapters/dpy-family.md`` for the table.

This module is imported only when a nextcord client is passed to
``voltricx.Pool.connect`` (or by you); it is the only place that imports
``nextcord``.
"""

from __future__ import annotations

import nextcord

from voltricx.adapters._dpy_family import (
    DpyFamilyAdapter,
    FamilyPlayer,
    FamilyRelay,
    LibrarySpec,
)
from voltricx.adapters._dpy_family import adapt as _adapt

__all__ = ["LIBRARY", "Player", "adapt"]


class Player(FamilyPlayer, nextcord.VoiceProtocol):
    """A [`voltricx.Player`][voltricx.Player] that is nextcord's ``VoiceProtocol``.

    ``player = await channel.connect(cls=Player)``. nextcord's ``connect``
    passes only ``timeout`` and ``reconnect``; give ``self_deaf``,
    ``self_mute``, ``region``, ``node`` or ``home`` to the factory:
    ``cls=functools.partial(Player, self_deaf=True, home=interaction.channel)``.
    """


class _Relay(FamilyRelay, nextcord.VoiceProtocol):
    """The registered protocol of a plain ``voltricx.Player`` in a nextcord guild."""


#: The nextcord entry of the dpy family.
LIBRARY = LibrarySpec(name="nextcord", player_class=Player, relay_class=_Relay, connect_timeout=60.0)


def adapt(client: nextcord.Client) -> DpyFamilyAdapter:
    """The [`voltricx.VoiceGateway`][voltricx.VoiceGateway] + [`voltricx.EventSink`][voltricx.EventSink] for ``client``.

    Idempotent: the adapter is kept on the client. ``Pool.connect`` calls it.

    Raises:
        voltricx.VoltricxError: The client has not logged in yet.
    """
    return _adapt(client, LIBRARY)
