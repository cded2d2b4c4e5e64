"""``FakeVoiceGateway``: a VoiceGateway + EventSink with no Discord behind it.

It answers every join the way Discord would, by feeding the guild's
player a voice state update and a voice server update (each from its own
loop callback, in a configurable order), and records every event the
core emits so tests can wait for them:

```python
gateway = FakeVoiceGateway()
await voltricx.Pool.connect(client=gateway, nodes=[...])
player = voltricx.Player(guild_id)
await player.connect(channel_id)
event = await gateway.wait_for(voltricx.events.TrackStart, timeout=5)
```
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from voltricx.bot_pool import pool_of
from voltricx.events import Event
from voltricx.player import Player

__all__ = ["FakeVoiceGateway", "IssuedVoice"]

E = TypeVar("E", bound=Event)


@dataclass(frozen=True, slots=True)
class IssuedVoice:
    """Voice credentials the fake handed out for a guild."""

    session_id: str
    channel_id: int
    token: str
    endpoint: str


class FakeVoiceGateway:
    """Stands in for a Discord library adapter in tests and in the demo.

    Args:
        user_id: The bot user id sent to nodes.
        auto_voice: Answer joins with voice events (turn off to feed them by hand).
        reverse_order: Send the server update before the state update.
        endpoint: Voice endpoint handed out (``host:port``, as Discord sends it).
    """

    def __init__(
        self,
        user_id: int = 170000000000000001,
        *,
        auto_voice: bool = True,
        reverse_order: bool = False,
        endpoint: str = "voice.fake.invalid:443",
    ) -> None:
        self._user_id = user_id
        self.auto_voice = auto_voice
        self.reverse_order = reverse_order
        self.endpoint = endpoint
        self.events: list[Event] = []
        self.joins: list[tuple[int, int]] = []
        self.leaves: list[int] = []
        self.issued: dict[int, IssuedVoice] = {}
        self._counter = itertools.count(1)
        self._changed: asyncio.Event | None = None

    @property
    def user_id(self) -> int:
        """The bot's user id."""
        return self._user_id

    # -- VoiceGateway -----------------------------------------------------------------

    async def join(
        self, guild_id: int, channel_id: int, *, self_deaf: bool = False, self_mute: bool = False
    ) -> None:
        """Record the join and, with ``auto_voice``, answer it like Discord."""
        self.joins.append((guild_id, channel_id))
        if not self.auto_voice:
            return
        previous = self.issued.get(guild_id)
        n = next(self._counter)
        session = previous.session_id if previous else f"voice-session-{guild_id}-{n}"
        issued = IssuedVoice(session, channel_id, f"token-{guild_id}-{n}", self.endpoint)
        self.issued[guild_id] = issued
        self._deliver(guild_id, issued)

    async def leave(self, guild_id: int) -> None:
        """Record the leave; the player sees a null-channel state update."""
        self.leaves.append(guild_id)
        self.issued.pop(guild_id, None)
        self._notify()

    def _deliver(self, guild_id: int, issued: IssuedVoice) -> None:
        loop = asyncio.get_running_loop()
        state = functools.partial(self._state, guild_id, issued.session_id, issued.channel_id)
        server = functools.partial(self._server, guild_id, issued.token, issued.endpoint)
        first, second = (server, state) if self.reverse_order else (state, server)
        loop.call_soon(first)
        loop.call_soon(second)

    def _player(self, guild_id: int) -> Player | None:
        """The player of ``guild_id`` in the pool connected through this gateway."""
        pool = pool_of(self)
        return pool.get_player(guild_id) if pool is not None else None

    def _state(self, guild_id: int, session_id: str, channel_id: int | None) -> None:
        player = self._player(guild_id)
        if player is not None:
            player.on_voice_state(session_id=session_id, channel_id=channel_id)

    def _server(self, guild_id: int, token: str, endpoint: str | None) -> None:
        player = self._player(guild_id)
        if player is not None:
            player.on_voice_server(token=token, endpoint=endpoint)

    # -- scripted Discord behaviour -------------------------------------------------------

    def kick(self, guild_id: int) -> None:
        """Someone disconnected the bot: a state update with no channel."""
        self.issued.pop(guild_id, None)
        self._state(guild_id, "", None)

    def move(self, guild_id: int, channel_id: int, *, new_server: bool = False) -> None:
        """The bot was moved to ``channel_id`` (optionally with a new voice server)."""
        issued = self.issued[guild_id]
        n = next(self._counter)
        token = f"token-{guild_id}-{n}" if new_server else issued.token
        issued = IssuedVoice(issued.session_id, channel_id, token, issued.endpoint)
        self.issued[guild_id] = issued
        self._state(guild_id, issued.session_id, channel_id)
        if new_server:
            self._server(guild_id, issued.token, issued.endpoint)

    def reallocate(self, guild_id: int, *, endpoint: str | None = None) -> None:
        """Discord moves the voice server: a null endpoint, then a new token and endpoint."""
        issued = self.issued[guild_id]
        n = next(self._counter)
        issued = IssuedVoice(
            issued.session_id, issued.channel_id, f"token-{guild_id}-{n}", endpoint or issued.endpoint
        )
        self.issued[guild_id] = issued
        self._server(guild_id, "", None)
        self._server(guild_id, issued.token, issued.endpoint)

    # -- EventSink --------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        """Record ``event`` and wake waiters."""
        self.events.append(event)
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def of_type(self, kind: type[E]) -> list[E]:
        """Recorded events of one type, oldest first."""
        return [e for e in self.events if isinstance(e, kind)]

    async def wait_for(
        self,
        kind: type[E],
        predicate: Callable[[E], bool] | None = None,
        *,
        timeout: float = 10.0,
        count: int = 1,
    ) -> E:
        """Wait until ``count`` events of ``kind`` (matching ``predicate``) were emitted.

        Returns the last of them. Events emitted before the call count too.
        """

        def matching() -> list[E]:
            return [e for e in self.of_type(kind) if predicate is None or predicate(e)]

        async with asyncio.timeout(timeout):
            while True:
                found = matching()
                if len(found) >= count:
                    return found[count - 1]
                if self._changed is None:
                    self._changed = asyncio.Event()
                self._changed.clear()
                await self._changed.wait()

    async def wait_until(self, condition: Callable[[], Any], *, timeout: float = 10.0) -> None:
        """Wait until ``condition()`` is truthy, re-checked after each emitted event or leave."""
        async with asyncio.timeout(timeout):
            while not condition():
                if self._changed is None:
                    self._changed = asyncio.Event()
                self._changed.clear()
                await self._changed.wait()
