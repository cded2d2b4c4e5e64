"""The voice handshake of a [Player][voltricx.Player]: Discord's credential pieces to the node.

The adapter feeds Discord's two voice events into
[`on_voice_state()`][voltricx.player.Player.on_voice_state] and
[`on_voice_server()`][voltricx.player.Player.on_voice_server], in any order
and as often as they come. This room keeps the pieces (session id, token,
endpoint; the channel id lives on the player), sends the node one voice update
once all are known and again whenever one changes, and wakes the caller of
[`connect()`][voltricx.player.Player.connect] once the node has them. One
sender task per guild at most; it loops until the node has the latest pieces.

[VoiceHandshake][voltricx._player_voice.VoiceHandshake] is a mixin of
``Player``: it holds no state of its own, only the methods over the
player's voice slots.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from voltricx.enums import NodeStatus
from voltricx.errors import PlayerError, VoltricxError
from voltricx.gateway import VoiceGateway
from voltricx.models.player import PlayerPayload, PlayerUpdatePayload, VoiceState
from voltricx.regions import region_from_endpoint
from voltricx.rest import validate_snowflake

if TYPE_CHECKING:
    from voltricx.node import Node
    from voltricx.player import PlayerOwner

__all__ = ["VoiceHandshake"]

_log = logging.getLogger("voltricx.player")


class VoiceHandshake:
    """Mixin of ``Player``: the voice pieces, the voice update and the connect waiter."""

    __slots__ = ()

    guild_id: int
    channel_id: int | None
    node: Node
    auto_rejoin: bool
    _owner: PlayerOwner
    _destroyed: bool
    _leaving: bool
    _region_given: bool
    _preferred_region: str | None
    _voice_session: str | None
    _voice_token: str | None
    _voice_endpoint: str | None
    _sent_voice: VoiceState | None
    _voice_task: asyncio.Task[None] | None
    _connect_waiter: asyncio.Future[None] | None

    if TYPE_CHECKING:
        # Provided by Player.
        async def _patch(
            self, payload: PlayerUpdatePayload, *, no_replace: bool = False
        ) -> PlayerPayload: ...
        async def destroy(self, *, reason: str = "destroyed") -> None: ...

    # -- fed by the adapter ----------------------------------------------------------

    def forget_voice_session(self) -> None:
        """Drop the voice session id, token and endpoint; keep the channel.

        Adapters call this before re-joining after the bot's gateway session was
        replaced (a fresh IDENTIFY): Discord ended the old voice session, and the
        re-join's two updates arrive one by one. Without the old pieces the node
        gets one update carrying all the new values, never a mix of old and new.
        """
        self._voice_session = None
        self._voice_token = None
        self._voice_endpoint = None

    def voice_state(self) -> VoiceState | None:
        """The complete voice credentials, or ``None`` while a piece is missing."""
        if (
            self._voice_session
            and self._voice_token
            and self._voice_endpoint
            and self.channel_id is not None
        ):
            return VoiceState(
                token=self._voice_token,
                endpoint=self._voice_endpoint,
                session_id=self._voice_session,
                channel_id=str(self.channel_id),
            )
        return None

    def on_voice_state(self, *, session_id: str | None, channel_id: int | str | None) -> None:
        """The bot's own VOICE_STATE_UPDATE for this guild.

        ``channel_id`` ``None`` means the bot left or was disconnected by
        someone: the player is destroyed on the node and cleaned up.
        """
        if self._destroyed:
            return
        if channel_id is None:
            if self._leaving:
                return  # our own disconnect() is on its way
            previous = self.channel_id
            if self.auto_rejoin and previous is not None and self._owner.gateway is not None:
                self._owner.tasks.spawn(
                    self._rejoin_after_kick(previous), name=f"player {self.guild_id} rejoin"
                )
                return
            self._owner.tasks.spawn(
                self.destroy(reason="kicked"), name=f"player {self.guild_id} kicked"
            )
            return
        self.channel_id = int(channel_id)
        if session_id:
            self._voice_session = session_id
        self._voice_changed()

    def on_voice_server(self, *, token: str, endpoint: str | None) -> None:
        """The VOICE_SERVER_UPDATE for this guild. ``endpoint`` ``None``: Discord is reallocating."""
        if self._destroyed:
            return
        if endpoint is None:
            _log.debug("guild %s: voice server is being reallocated; waiting", self.guild_id)
            self._voice_endpoint = None
            return
        self._voice_token = token
        self._voice_endpoint = endpoint
        if not self._region_given:
            derived = region_from_endpoint(endpoint)
            if derived is not None:
                self._preferred_region = derived
        self._voice_changed()

    def _voice_changed(self) -> None:
        voice = self.voice_state()
        if voice is None or voice == self._sent_voice:
            return
        task = self._voice_task
        if task is None or task.done():
            self._voice_task = self._owner.tasks.spawn(
                self._send_voice(), name=f"player {self.guild_id} voice"
            )

    async def _send_voice(self) -> None:
        # One sender per guild; it loops until the node has the latest credentials.
        try:
            while not self._destroyed:
                voice = self.voice_state()
                if voice is None or voice == self._sent_voice:
                    return
                if self.node.status is not NodeStatus.CONNECTED:
                    return  # failover or resync sends it with everything else
                try:
                    await self._patch(PlayerUpdatePayload(voice=voice))
                except VoltricxError as exc:
                    _log.warning("guild %s: sending voice to node failed: %s", self.guild_id, exc)
                    self._finish_connect(exc)
                    return
                self._sent_voice = voice
                self._finish_connect(None)
        finally:
            self._voice_task = None

    async def _rejoin_after_kick(self, channel_id: int) -> None:
        """``auto_rejoin``: someone disconnected the bot; join the same channel again."""
        gateway = self._owner.gateway
        self.forget_voice_session()
        self._sent_voice = None
        try:
            if gateway is None:
                raise PlayerError("no gateway")
            _log.info("guild %s: disconnected by someone; rejoining %s", self.guild_id, channel_id)
            await gateway.join(self.guild_id, channel_id)
        except Exception as exc:
            _log.warning("guild %s: rejoining after a kick failed: %s", self.guild_id, exc)
            await self.destroy(reason="kicked")

    def _finish_connect(self, error: BaseException | None) -> None:
        waiter = self._connect_waiter
        if waiter is not None and not waiter.done():
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    async def _join_and_wait(
        self,
        gateway: VoiceGateway,
        channel_id: int,
        *,
        self_deaf: bool = False,
        self_mute: bool = False,
    ) -> None:
        """Ask Discord to join ``channel_id``; return once the node has the voice credentials."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._connect_waiter = waiter
        try:
            await gateway.join(
                self.guild_id,
                int(validate_snowflake(channel_id, "channel id")),
                self_deaf=self_deaf,
                self_mute=self_mute,
            )
            await waiter
        finally:
            if self._connect_waiter is waiter:
                self._connect_waiter = None
