"""The seam between the core and a Discord library: [`VoiceGateway`][voltricx.VoiceGateway].

The core never imports a Discord library. It asks the adapter to join or
leave voice channels; the adapter feeds the bot's voice state and voice
server updates back into the guild's player
([`voltricx.Player.on_voice_state()`][voltricx.player.Player.on_voice_state] / [`voltricx.Player.on_voice_server()`][voltricx.player.Player.on_voice_server]),
in any order and as often as Discord sends them.

A gateway may also be a [`PlayerFactory`][voltricx.PlayerFactory]: when the pool restores
saved players (``Pool.connect(store=...)``) it then asks the gateway to
build each one, so a library adapter can hand back its own
[`voltricx.Player`][voltricx.Player] subclass (the dpy-family adapters return the
library's voice-client ``Player``). Gateways without the method get plain
[`voltricx.Player`][voltricx.Player] objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.player import Player

__all__ = ["PlayerFactory", "UserResolver", "VoiceGateway", "VoiceMembers"]


@runtime_checkable
class VoiceGateway(Protocol):
    """What the core needs from a Discord library."""

    @property
    def user_id(self) -> int:
        """The bot's user id (sent to nodes as ``User-Id``)."""
        ...

    async def join(
        self, guild_id: int, channel_id: int, *, self_deaf: bool = False, self_mute: bool = False
    ) -> None:
        """Ask Discord (gateway op 4, on the guild's shard) to put the bot in ``channel_id``."""
        ...

    async def leave(self, guild_id: int) -> None:
        """Ask Discord to take the bot out of voice in ``guild_id``."""
        ...


@runtime_checkable
class PlayerFactory(Protocol):
    """Optional gateway hook: builds the players the pool restores from its store.

    The restorer calls it once per saved guild, before the nodes connect and
    before anything is sent anywhere; it must only construct the object (no
    joining, no registering with the pool). The restorer then gives the
    player its saved state and re-joins voice through [`VoiceGateway.join()`][voltricx.gateway.VoiceGateway.join].
    """

    def make_player(self, guild_id: int, channel_id: int | None, *, node: Node) -> Player:
        """A new, unconnected player for ``guild_id`` on ``node`` (saved channel: ``channel_id``)."""
        ...


@runtime_checkable
class VoiceMembers(Protocol):
    """Optional gateway hook: who is in a voice channel (for ``inactive_channel_tokens``).

    The library adapters implement it from their library's voice-state cache.
    """

    def humans_in_voice(self, guild_id: int, channel_id: int) -> int | None:
        """How many non-bot users are in ``channel_id``; ``None`` when it cannot tell."""
        ...


@runtime_checkable
class UserResolver(Protocol):
    """Optional gateway hook: turn a saved requester id back into the library's object.

    Used when the pool restores players from its store (``track.requester``).
    """

    def resolve_user(self, guild_id: int, user_id: int) -> object:
        """The member (or user) with ``user_id``, or ``user_id`` itself when it is not cached."""
        ...
