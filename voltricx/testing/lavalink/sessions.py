"""``FakeLavalink``'s sessions and voice: expiry, destroying players, the voice handshake."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from aiohttp import web

from voltricx.models.player import VoiceState
from voltricx.testing.lavalink.clock import PlaybackClockMixin
from voltricx.testing.lavalink.players import (
    FakePlayer,
    FakeSession,
)
from voltricx.testing.lavalink.voice_link import VoiceHandshakeError, VoiceLink, open_voice_link

__all__: list[str] = []

_log = logging.getLogger("voltricx.testing")


class SessionsMixin(PlaybackClockMixin):
    """Session and player lifetimes and the node side of each voice connection."""

    def _arm_expiry(self, session: FakeSession) -> None:
        if session.expiry is not None:
            session.expiry.cancel()
        loop = asyncio.get_running_loop()
        session.expiry = loop.call_later(session.timeout, self._expire, session)

    def _expire(self, session: FakeSession) -> None:
        session.expiry = None
        if session.ws is None and self._sessions.get(session.session_id) is session:
            _log.debug("session %s expired", session.session_id)
            self._destroy_session(session)
            self._notify()

    def _destroy_session(self, session: FakeSession) -> None:
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        if self.profile.sticky_player_counters:
            self._stale_players += len(session.players)
            self._stale_playing += sum(1 for p in session.players.values() if p.playing)
        for player in session.players.values():
            player.track = None
            player.token += 1
            self._close_voice(player)
        session.players.clear()
        session.queued.clear()
        self._sessions.pop(session.session_id, None)

    def _destroy_player(self, session: FakeSession, gid: str) -> None:
        player = session.players.pop(gid, None)
        if player is not None:
            player.track = None
            player.token += 1
            self._close_voice(player)
            self._notify()

    def _ws_gone(self, session: FakeSession, ws: web.WebSocketResponse) -> None:
        if session.ws is not ws:
            return
        session.ws = None
        if self._down or self._closing or self._sessions.get(session.session_id) is not session:
            return
        if session.resuming:
            self._arm_expiry(session)
        else:
            self._destroy_session(session)
        self._notify()

    def _begin_handshake(self, session: FakeSession, player: FakePlayer, voice: VoiceState) -> None:
        """Start a real voice handshake with ``voice.endpoint`` (replacing any earlier one)."""
        player.voice = voice
        player.voice_connected = False
        previous = player.handshake
        player.handshake = self._tasks.spawn(
            self._handshake(session, player, voice, previous),
            name=f"FakeLavalink:{self.port}:voice:{player.guild_id}",
        )

    async def _handshake(
        self,
        session: FakeSession,
        player: FakePlayer,
        voice: VoiceState,
        previous: asyncio.Task[None] | None,
    ) -> None:
        if previous is not None and not previous.done():
            previous.cancel()
        link: VoiceLink | None = None
        try:
            link = await open_voice_link(
                voice.endpoint or "",
                guild_id=player.guild_id,
                user_id=session.user_id,
                session_id=voice.session_id or "",
                token=voice.token or "",
                timeout=self.voice_timeout,
            )
        except VoiceHandshakeError as exc:
            _log.debug("FakeLavalink %s: voice handshake failed: %s", self.port, exc)
        if player.handshake is not asyncio.current_task() or (
            session.players.get(player.guild_id) is not player
        ):
            if link is not None:
                await link.close()
            return
        old, player.link = player.link, link
        if old is not None:
            await cast(VoiceLink, old).close()
        player.voice_connected = link is not None
        if link is not None and self.send_audio:
            self._spawn(self._stream_audio(player, link))
        now = self._clock.now()
        frames: list[tuple[FakeSession, bytes]] = []
        pending, player.pending = player.pending, None
        if link is not None:
            if pending is not None:
                track, position, end_time, paused = pending
                frames += self._start_track(
                    session, player, track, now, position=position, end_time=end_time, paused=paused
                )
        else:
            fields: dict[str, Any] = {"byRemote": True}
            if self.profile.closed_event_has_code:
                fields = {"code": 1006, "reason": "", "byRemote": True}
            frames.append(self._event(session, player.guild_id, "WebSocketClosedEvent", **fields))
            if pending is not None:
                frames.append(
                    self._event(
                        session,
                        player.guild_id,
                        "TrackExceptionEvent",
                        track=pending[0],
                        exception={
                            "message": "The voice connection could not be established.",
                            "severity": "common",
                            "cause": "voice handshake failed",
                        },
                    )
                )
                frames.append(
                    self._event(
                        session,
                        player.guild_id,
                        "TrackEndEvent",
                        track=pending[0],
                        reason="loadFailed",
                    )
                )
        self._notify()
        await self._send_events(frames)

    async def _stream_audio(self, player: FakePlayer, link: VoiceLink) -> None:
        """Send 20 ms of (dummy) Opus while the player plays, for as long as the link lives."""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while player.link is link and not link.closed:
            if player.playing and not self._down:
                link.send_audio(1)
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - loop.time()))  # pacing, like a real audio clock

    def _close_voice(self, player: FakePlayer) -> None:
        """Drop the player's voice connection (its handshake task and open link)."""
        task, player.handshake = player.handshake, None
        if task is not None and not task.done():
            task.cancel()
        link, player.link = player.link, None
        if link is not None and self._server is not None:
            self._spawn(cast(VoiceLink, link).close())
