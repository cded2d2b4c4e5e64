"""The seam between the core and a Discord library: :class:`VoiceGateway`.

The core never imports a Discord library. It asks the adapter to join or
leave voice channels; the adapter feeds the bot's voice state and voice
server updates back into the guild's player
(:meth:`voltricx.Player.on_voice_state` / :meth:`voltricx.Player.on_voice_server`),
in any order and as often as Discord sends them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["VoiceGateway"]


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
