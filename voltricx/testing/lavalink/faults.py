"""``FakeLavalink``'s fault injection: kill, restart, stall, injected answers and frames."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
import time
from typing import Any

from aiohttp import web

from voltricx.testing.lavalink._base import KEEP, STUCK_THRESHOLD_MS, Failure, Keep
from voltricx.testing.lavalink._wire import API_HEADER
from voltricx.testing.lavalink.player_patch import PlayerPatchMixin
from voltricx.testing.lavalink.players import (
    FakeSession,
)

__all__: list[str] = []

_log = logging.getLogger("voltricx.testing")


class FaultsMixin(PlayerPatchMixin):
    """The knobs a test turns to make the node misbehave."""

    def kill(self) -> None:
        """Die like SIGKILL: drop every connection without a close frame and refuse new ones.

        Nothing listens on the port any more, so a new connection is refused
        (``ECONNREFUSED``), as with a Lavalink process that is gone; the port
        stays reserved for [`restart()`][voltricx.testing.FakeLavalink.restart].
        Playback freezes. Sessions are lost unless
        [`restart()`][voltricx.testing.FakeLavalink.restart] keeps them.
        """
        self._die(refuse=True)

    def kill_behind_proxy(self) -> None:
        """Die behind a proxy: like `kill`, but new connections are accepted, then dropped.

        That is what a client sees when a load balancer or proxy in front of
        a dead node still accepts TCP: it cannot tell the node is gone, so a
        client gives it its resume grace. Each such connection is counted in
        [`connections_while_down`][voltricx.testing.FakeLavalink.connections_while_down].
        """
        self._die(refuse=False)

    def _die(self, *, refuse: bool) -> None:
        server = self._server
        if server is None:
            raise RuntimeError("FakeLavalink is not running")
        if self._down:
            return
        _log.debug("FakeLavalink %s killed", self.port)
        now = self._clock.now()
        for p in self.players:
            p.rebase(now)
        self._clock.frozen = True
        self._down = True
        self._held.clear()
        for session in self._sessions.values():
            session.ws = None
            if session.expiry is not None:
                session.expiry.cancel()
                session.expiry = None
        self._abort_all()
        if refuse:
            server.close()
            self._hold_port()
            self._refusing = True
        self._notify()

    async def restart(self, keep_sessions: bool = False) -> None:
        """Come back on the same port (kills first if still up).

        With ``keep_sessions`` every session that had resuming enabled waits
        ``timeout`` seconds to be resumed with its players (positions continue
        from where [`kill()`][voltricx.testing.FakeLavalink.kill] froze them); every other session is gone.
        Also ends a stall. Password, delay and pending ``fail_next`` stay.
        """
        if not self._down:
            self.kill()
        if self._refusing:
            self._refusing = False
            self._release_port()
            old = self._server
            self._server = await self._listen(self.port)
            if old is not None:
                with contextlib.suppress(Exception):
                    await old.wait_closed()
        for session in list(self._sessions.values()):
            if keep_sessions and session.resuming:
                self._arm_expiry(session)
            else:
                self._destroy_session(session)
        now = self._clock.now()
        for p in self.players:
            p.rebase(now)
        self._clock.frozen = False
        self._stalled = False
        self._unstalled.set()
        self._down = False
        self.crashed = False
        self._timer_sets = 0
        self._reset_clocks()
        self._reschedule_all()
        self._notify()
        await asyncio.sleep(0)

    def stall(self) -> None:
        """Become half-open: connections stay up but nothing is answered.

        REST requests and websocket upgrades hang until [`unstall()`][voltricx.testing.FakeLavalink.unstall]; no
        frames are sent (``stats``/``playerUpdate`` are skipped, events are
        held and sent on unstall) and client pings get no pong.
        """
        self._stalled = True
        self._unstalled.clear()
        self._notify()

    def unstall(self) -> None:
        """End a stall: hanging requests are answered and held events sent."""
        if not self._stalled:
            return
        self._stalled = False
        self._unstalled.set()
        held, self._held = self._held, []
        if held and self._server is not None:
            self._spawn(self._flush(held))
        self._notify()

    async def _flush(self, held: list[tuple[FakeSession, bytes]]) -> None:
        for session, frame in held:
            await self._deliver(session, frame, droppable=False)

    def set_auth(self, password: str | None) -> None:
        """Change the password; ``None`` accepts every request, header or not."""
        self.password = password

    def delay(self, seconds: float) -> None:
        """Delay every REST answer (not websocket frames) by ``seconds``; 0 turns it off."""
        self._delay = max(0.0, seconds)

    def fail_next(
        self,
        status: int,
        body: Any = None,
        *,
        path: str | None = None,
        method: str | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` matching REST requests with ``status``.

        ``path`` is an exact path or an `fnmatch` pattern
        (``"/v4/sessions/*/players/*"``); ``None`` matches every REST route
        but never the websocket upgrade (pass ``path="/v4/websocket"`` to
        fail upgrades). ``body``: ``None`` gives a Lavalink error body,
        ``str``/``bytes`` are sent as they are, anything else as JSON.
        Auth is checked first, so a wrong password still gets 401/403.
        """
        self._failures.append(
            Failure(status, body, path, method.upper() if method else None, count)
        )

    async def send_raw(self, frame: str | bytes) -> None:
        """Send ``frame`` (text for ``str``, binary for ``bytes``) to every websocket."""
        for session in list(self._sessions.values()):
            ws = session.ws
            if ws is None:
                continue
            with contextlib.suppress(ConnectionError, RuntimeError):
                if isinstance(frame, str):
                    await ws.send_str(frame)
                else:
                    await ws.send_bytes(frame)

    async def disconnect(self, code: int = 1001, message: str = "") -> None:
        """Close every websocket with a close frame (``1001`` is Lavalink's shutdown).

        Sessions are treated as after any drop: kept for resuming if enabled.
        """
        for session in list(self._sessions.values()):
            ws = session.ws
            if ws is not None:
                with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
                    await ws.close(code=code, message=message.encode())

    def set_stats(
        self,
        *,
        system_load: float | Keep = KEEP,
        lavalink_load: float | Keep = KEEP,
        deficit: int | Keep | None = KEEP,
        nulled: int | Keep | None = KEEP,
        sent: int | Keep | None = KEEP,
        playing_players: int | Keep | None = KEEP,
        players: int | Keep | None = KEEP,
        cores: int | Keep = KEEP,
    ) -> None:
        """Override stats values; ``None`` returns a value to "computed from the players".

        Frame counters default to a healthy node (``sent`` = 3000 per playing
        player, ``nulled`` and ``deficit`` 0).
        """
        given = {
            "system_load": system_load,
            "lavalink_load": lavalink_load,
            "deficit": deficit,
            "nulled": nulled,
            "sent": sent,
            "playing_players": playing_players,
            "players": players,
            "cores": cores,
        }
        for key, value in given.items():
            if isinstance(value, Keep):
                continue
            if value is None:
                self._stats_override.pop(key, None)
            else:
                self._stats_override[key] = value
        self._notify()

    def mark_failing(self, address: str) -> None:
        """Route planner: add ``address`` to the failing addresses."""
        self._rp_failing[address] = int(time.time() * 1000)

    def hang_play_after_timescale(self, enabled: bool = True) -> None:
        """Opt-in fault seen on NodeLink: after a ``timescale`` filter, a play is never answered.

        While enabled, a player PATCH that starts a track in a guild that was
        sent a ``timescale`` filter (since enabling) hangs until the client
        gives up; nothing changes on the server.
        """
        self._hang_after_timescale = enabled
        self._timescale_guilds.clear()

    def die_during_next_request(self, path: str | None = None, method: str | None = None) -> None:
        """Opt-in fault: the server process dies while it handles the next matching REST request.

        ``path`` (exact or an ``fnmatch`` pattern) and ``method`` narrow it
        down. The request gets no answer: every connection drops, as on
        ``kill()``, and ``crashed`` turns true.
        """
        self._dying = (path, method.upper() if method else None)

    async def emit_event(self, guild_id: int | str, event_type: str, **fields: Any) -> None:
        """Send an arbitrary ``event`` op (e.g. a plugin's) for the guild's player."""
        session, _ = self._find(str(guild_id))
        await self._send_events([self._event(session, str(guild_id), event_type, **fields)])

    async def emit_websocket_closed(
        self, guild_id: int | str, code: int = 4006, reason: str = "", by_remote: bool = True
    ) -> None:
        """Report that the guild's Discord voice connection closed (``WebSocketClosedEvent``).

        The NodeLink profile leaves out ``code`` and ``reason``, as NodeLink does.
        """
        if not self.profile.closed_event_has_code:
            await self.emit_event(guild_id, "WebSocketClosedEvent", byRemote=by_remote)
            return
        await self.emit_event(
            guild_id, "WebSocketClosedEvent", code=code, reason=reason, byRemote=by_remote
        )

    async def make_stuck(self, guild_id: int | str, threshold_ms: int = STUCK_THRESHOLD_MS) -> None:
        """Freeze the current track's position and emit ``TrackStuckEvent``."""
        gid = str(guild_id)
        session, player = self._find(gid)
        if player is None or player.track is None:
            raise ValueError(f"guild {gid} has nothing playing")
        now = self._clock.now()
        player.set_stuck(True, now)
        track = player.track_now(now)
        await self._send_events(
            [self._event(session, gid, "TrackStuckEvent", track=track, thresholdMs=threshold_ms)]
        )

    @staticmethod
    def _matches(request: web.BaseRequest, path: str | None, method: str | None) -> bool:
        if method is not None and method != request.method:
            return False
        return path is None or path == request.path or fnmatch.fnmatchcase(request.path, path)

    def _take_failure(self, request: web.BaseRequest, *, websocket: bool) -> web.Response | None:
        for failure in self._failures:
            if failure.method is not None and failure.method != request.method:
                continue
            if failure.path is None:
                if websocket:
                    continue
            elif not (
                failure.path == request.path or fnmatch.fnmatchcase(request.path, failure.path)
            ):
                continue
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
            body = failure.body
            if body is None:
                return self._error(request, failure.status, "Injected failure")
            if isinstance(body, bytes):
                return web.Response(status=failure.status, body=body, headers=API_HEADER)
            if isinstance(body, str):
                return web.Response(status=failure.status, text=body, headers=API_HEADER)
            return self._json(self._enc.encode(body), failure.status)
        return None
