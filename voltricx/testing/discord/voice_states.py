"""``FakeDiscord``'s voice states: joins, moves, kicks and voice server updates."""

from __future__ import annotations

import logging

from voltricx.testing.discord._records import (
    JSON,
    FakeGuild,
    ServerUpdateRecord,
    VoiceRequest,
    VoiceStateRecord,
)
from voltricx.testing.discord._wire import Connection, Session
from voltricx.testing.discord.payloads import PayloadsMixin

__all__: list[str] = []

_log = logging.getLogger("voltricx.testing.discord")


class VoiceStatesMixin(PayloadsMixin):
    """Answers voice state requests and moves the bot the way Discord does."""

    def _end_voice_sessions(self, session: Session) -> None:
        """Forget the bot's voice states in the guilds ``session`` now serves.

        Discord ties voice connections to the gateway session that made them:
        once that session is replaced by a fresh IDENTIFY, the bot is out of
        voice there. The new session's GUILD_CREATE lists no voice state for
        it, and the next op 4 is a fresh join (new voice session id, new
        server). Nothing is sent to the new session about it. A RESUME keeps
        the old session, so it never gets here.
        """
        for guild_id in [gid for gid in self._voice if session.owns(gid)]:
            ended = self._voice.pop(guild_id)
            self._ended_voice.append(ended)
            _log.info(
                "guild %d: voice session %s ended with its gateway session",
                guild_id,
                ended.session_id,
            )

    def _new_voice_session(self) -> str:
        return f"fake-voice-session-{next(self._counter)}"

    def _new_server_update(
        self, guild_id: int, *, null_endpoint: bool = False
    ) -> ServerUpdateRecord:
        n = next(self._counter)
        endpoint = None if null_endpoint else (self._voice_endpoint or f"fake-voice-{n}.local:443")
        return ServerUpdateRecord(guild_id, f"fake-voice-token-{n}", endpoint)

    def _state_event(self, guild: FakeGuild, state: VoiceStateRecord) -> tuple[str, JSON]:
        self._state_updates.append(state)
        return "VOICE_STATE_UPDATE", self._voice_state_payload(guild, state)

    def _server_event(self, update: ServerUpdateRecord) -> tuple[str, JSON]:
        self._server_updates.append(update)
        return "VOICE_SERVER_UPDATE", {
            "token": update.token,
            "guild_id": str(update.guild_id),
            "endpoint": update.endpoint,
        }

    def _pair(self, state: tuple[str, JSON], server: tuple[str, JSON]) -> list[tuple[str, JSON]]:
        return [server, state] if self._reverse_order else [state, server]

    async def _voice_request(self, conn: Connection, data: JSON) -> None:
        session = conn.session
        guild_id = int(data.get("guild_id") or 0)
        raw_channel = data.get("channel_id")
        channel_id = int(raw_channel) if raw_channel is not None else None
        self_mute, self_deaf = bool(data.get("self_mute")), bool(data.get("self_deaf"))
        self._voice_requests.append(
            VoiceRequest(
                guild_id=guild_id,
                channel_id=channel_id,
                self_mute=self_mute,
                self_deaf=self_deaf,
                shard_id=session.shard_id if session is not None else -1,
                payload=data,
            )
        )
        self._notify()
        guild = self._all_guilds.get(guild_id)
        if session is None or guild is None or guild_id not in self._member_of:
            _log.warning("op 4 for unknown guild %d or unidentified connection ignored", guild_id)
            return
        if channel_id is not None and channel_id not in guild.voice_channel_ids:
            _log.warning("op 4 for unknown voice channel %d ignored", channel_id)
            return
        previous = self._voice.get(guild_id)
        events: list[tuple[str, JSON]]
        if channel_id is None:
            # Leaving: only a null-channel state update, no server update.
            self._voice.pop(guild_id, None)
            sid = previous.session_id if previous is not None else self._new_voice_session()
            events = [
                self._state_event(
                    guild, VoiceStateRecord(guild_id, None, sid, self_mute, self_deaf)
                )
            ]
        elif previous is not None and previous.channel_id == channel_id:
            # Mute/deaf change only.
            state = VoiceStateRecord(
                guild_id, channel_id, previous.session_id, self_mute, self_deaf
            )
            self._voice[guild_id] = state
            events = [self._state_event(guild, state)]
        else:
            # Join (fresh voice session) or move (same session): state plus server update.
            sid = previous.session_id if previous is not None else self._new_voice_session()
            state = VoiceStateRecord(guild_id, channel_id, sid, self_mute, self_deaf)
            self._voice[guild_id] = state
            events = self._pair(
                self._state_event(guild, state),
                self._server_event(self._new_server_update(guild_id)),
            )
        await self._dispatch_guild(guild_id, events)
        self._notify()

    def set_reverse_order(self, reverse: bool = True) -> None:
        """Send VOICE_SERVER_UPDATE before VOICE_STATE_UPDATE from now on (or restore)."""
        self._reverse_order = reverse

    async def move_bot(
        self, guild_id: int, channel_id: int, *, server_update: bool = False
    ) -> VoiceStateRecord:
        """Move the bot to another voice channel, as a moderator would.

        Sends a state update with the new channel and the same voice session.
        With ``server_update`` a new VOICE_SERVER_UPDATE follows.

        Raises:
            RuntimeError: The bot is not in voice in that guild.
            ValueError: ``channel_id`` is not one of the guild's voice channels.
        """
        guild, current = self._voice_guild(guild_id)
        if channel_id not in guild.voice_channel_ids:
            raise ValueError(f"{channel_id} is not a voice channel of guild {guild_id}")
        state = VoiceStateRecord(
            guild_id, channel_id, current.session_id, current.self_mute, current.self_deaf
        )
        self._voice[guild_id] = state
        events = [self._state_event(guild, state)]
        if server_update:
            events = self._pair(events[0], self._server_event(self._new_server_update(guild_id)))
        await self._dispatch_guild(guild_id, events)
        self._notify()
        return state

    async def kick_bot(self, guild_id: int) -> VoiceStateRecord:
        """Disconnect the bot from voice: a state update with a null channel, nothing else.

        Raises:
            RuntimeError: The bot is not in voice in that guild.
        """
        guild, current = self._voice_guild(guild_id)
        del self._voice[guild_id]
        state = VoiceStateRecord(
            guild_id, None, current.session_id, current.self_mute, current.self_deaf
        )
        await self._dispatch_guild(guild_id, [self._state_event(guild, state)])
        self._notify()
        return state

    async def send_server_update(
        self,
        guild_id: int,
        *,
        token: str | None = None,
        endpoint: str | None = None,
        null_endpoint: bool = False,
    ) -> ServerUpdateRecord:
        """Send one VOICE_SERVER_UPDATE (fresh token and endpoint unless given).

        ``null_endpoint=True`` sends ``endpoint: null``, Discord's notice that
        the voice server is being moved.
        """
        update = self._new_server_update(guild_id, null_endpoint=null_endpoint)
        if token is not None:
            update = ServerUpdateRecord(guild_id, token, update.endpoint)
        if endpoint is not None and not null_endpoint:
            update = ServerUpdateRecord(guild_id, update.token, endpoint)
        await self._dispatch_guild(guild_id, [self._server_event(update)])
        self._notify()
        return update

    async def reallocate(self, guild_id: int, *, null_first: bool = True) -> ServerUpdateRecord:
        """Move the guild's voice server: optionally a null-endpoint update, then a real one.

        Returns the final (non-null) update.

        Raises:
            RuntimeError: The bot is not in voice in that guild.
        """
        self._voice_guild(guild_id)
        events: list[tuple[str, JSON]] = []
        if null_first:
            events.append(self._server_event(self._new_server_update(guild_id, null_endpoint=True)))
        final = self._new_server_update(guild_id)
        events.append(self._server_event(final))
        await self._dispatch_guild(guild_id, events)
        self._notify()
        return final
