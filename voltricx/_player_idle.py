"""Inactivity of a [Player][voltricx.Player]: the idle countdown and the channel tokens.

When nothing plays (no track loaded; a paused track counts as playing, as
in wavelink) for [inactive_timeout][voltricx.player.Player.inactive_timeout]
seconds, the player emits [InactivePlayer][voltricx.events.InactivePlayer]
once; the bot decides what to do. Idle players share one timer on the event
loop (``voltricx._idle``); a player owns no task or timer of its own.
Separately, [inactive_channel_tokens][voltricx.player.Player.inactive_channel_tokens]
counts track starts with no human in the voice channel.

[Inactivity][voltricx._player_idle.Inactivity] is a mixin of ``Player``: it
holds no state of its own, only the methods over the player's slots.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, cast

from voltricx._idle import idle_scheduler
from voltricx.errors import InvalidArgument, PlayerError, WrongTypeError
from voltricx.events import InactivePlayer
from voltricx.gateway import VoiceMembers

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.player import Player, PlayerOwner

__all__ = ["DEFAULT_INACTIVE_CHANNEL_TOKENS", "USE_NODE_TIMEOUT", "Inactivity"]

_log = logging.getLogger("voltricx.player")

USE_NODE_TIMEOUT = -1.0
"""Stored ``inactive_timeout`` meaning "the node's ``NodeConfig.inactive_timeout``"."""

DEFAULT_INACTIVE_CHANNEL_TOKENS = 3
"""Tracks in a row that may start with no human in the voice channel before ``inactive_player``."""


def _require_number(value: object, what: str) -> None:
    """Refuse a value that is not an int or a float (``bool`` included) with a typed error."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WrongTypeError(f"{what} must be a number, not {type(value).__name__}")


class Inactivity:
    """Mixin of ``Player``: the idle countdown and the no-human channel tokens."""

    __slots__ = ()

    guild_id: int
    channel_id: int | None
    node: Node
    _owner: PlayerOwner
    _destroyed: bool
    _inactive_timeout: float | None
    _inactive_channel_limit: int | None
    _inactive_channel_count: int
    _inactive_fired: bool
    _alone_fired: bool

    if TYPE_CHECKING:
        # Provided by Player.
        @property
        def playing(self) -> bool: ...

    @property
    def inactive_timeout(self) -> float | None:
        """Seconds with nothing playing before [`InactivePlayer`][voltricx.events.InactivePlayer].

        Defaults to the node's ``NodeConfig.inactive_timeout``; ``None`` (or,
        as in wavelink, ``0`` or below) turns it off for this player.
        Assigning restarts a running countdown.
        """
        value = self._inactive_timeout
        if value == USE_NODE_TIMEOUT:
            return self.node.config.inactive_timeout
        return value

    @inactive_timeout.setter
    def inactive_timeout(self, value: float | None) -> None:
        if value is not None:
            _require_number(value, "inactive_timeout")
            if math.isnan(value):
                raise InvalidArgument("inactive_timeout must be a number of seconds or None, got nan")
        # As in wavelink, 0 or below turns it off.
        self._inactive_timeout = value if value is not None and value > 0 else None
        if idle_scheduler.armed(self):
            idle_scheduler.disarm(self)
            self.arm_idle()

    @property
    def inactive_channel_tokens(self) -> int | None:
        """Tracks that may start in a row with no human in the voice channel (default 3).

        Each track start while only bots are in the channel uses one token; a
        human in the channel refills them. When none are left,
        [InactivePlayer][voltricx.events.InactivePlayer] is emitted and the
        tokens refill. ``None`` (or, as in wavelink, ``0`` or below) turns it off. It needs an adapter
        that can see the channel's members (every library adapter can); with
        other gateways it never fires.
        """
        return self._inactive_channel_limit

    @inactive_channel_tokens.setter
    def inactive_channel_tokens(self, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise PlayerError(f"inactive_channel_tokens must be an int or None, got {value!r}")
        limit = value if value is not None and value > 0 else None
        self._inactive_channel_limit = limit
        self._inactive_channel_count = limit or 0

    def _use_channel_token(self) -> None:
        """A track started: count it when nobody but bots hears it."""
        limit = self._inactive_channel_limit
        gateway = self._owner.gateway
        if not limit or self.channel_id is None or not isinstance(gateway, VoiceMembers):
            return
        try:
            humans = gateway.humans_in_voice(self.guild_id, self.channel_id)
        except Exception:
            _log.debug("guild %s: counting voice members failed", self.guild_id, exc_info=True)
            return
        if humans is None:
            return
        if humans > 0:
            # Written only when changed (Player keeps these as class defaults).
            if self._inactive_channel_count != limit:
                self._inactive_channel_count = limit
            if self._alone_fired:
                self._alone_fired = False
            return
        self._inactive_channel_count -= 1
        if self._inactive_channel_count <= 0:
            self._inactive_channel_count = limit
            self._alone_fired = True  # until someone is back in the channel
            self._owner.emit(InactivePlayer(cast("Player", self)))

    def arm_idle(self) -> None:
        """Start (or restart) the inactivity countdown, if this player has one.

        The player does this itself whenever playback stops; the pool's restore
        calls it for players that came back from a store with nothing playing.
        """
        if self._destroyed or self._owner.get_player(self.guild_id) is not self:
            return
        timeout = self.inactive_timeout
        if timeout is None:
            return
        idle_scheduler.arm(self, timeout)

    def on_idle_deadline(self) -> None:
        """The idle countdown ran out; the shared idle scheduler calls this."""
        if self._destroyed or self.playing:
            return
        self._inactive_fired = True
        self._owner.emit(InactivePlayer(cast("Player", self)))
