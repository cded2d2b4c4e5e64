"""``FakeLavalink``: a real Lavalink v4 server (REST + websocket) on 127.0.0.1 for tests.

It speaks the protocol over real sockets, simulates playback with a clock,
and injects faults on demand (kill, stall, auth changes, delays, error
answers, garbage frames). See ``docs/testing.md`` for recipes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from types import TracebackType
from typing import cast

from aiohttp import WSMsgType, web
from aiohttp.web import ContentCoding
from multidict import CIMultiDict

from voltricx.models.ws import ReadyOp
from voltricx.testing.lavalink._base import KEEP, EmittedEvent
from voltricx.testing.lavalink._wire import API_HEADER, CLIENT_NAME, GOOD_ENCODINGS, HTTPError
from voltricx.testing.lavalink.players import (
    RecordedRequest,
)
from voltricx.testing.lavalink.routes import RoutesMixin
from voltricx.testing.lavalink.voice_link import VoiceLink

__all__ = ["KEEP", "EmittedEvent", "FakeLavalink"]

_log = logging.getLogger("voltricx.testing")


class FakeLavalink(RoutesMixin):
    """A Lavalink v4 server simulator on a real port, with fault injection.

    ``password`` is checked on every route (``None`` accepts any request,
    with or without ``Authorization``). ``port=0`` picks a free port;
    [`uri`][voltricx.testing.FakeLavalink.uri] and [`port`][voltricx.testing.FakeLavalink.port] are valid after [`start()`][voltricx.testing.FakeLavalink.start].
    ``speed`` multiplies the playback clock (``speed=100`` plays a 3 minute
    track in 1.8 s). ``player_update_interval`` and ``stats_interval`` are in
    seconds. ``route_planner=True`` simulates a ``RotatingIpRoutePlanner``.
    ``plugins`` is a list of ``(name, version)`` pairs reported by
    ``/v4/info``. With ``require_channel_id`` (Lavalink 4.2) a voice state
    without ``channelId`` is refused with 400 (default: the profile's).
    With ``voice_handshake`` (default: the profile's, on for NodeLink) a
    player is ``connected`` only after the fake really completes a Discord
    voice handshake with the endpoint it was given, within ``voice_timeout``
    seconds; point it at a [FakeDiscordVoice][voltricx.testing.FakeDiscordVoice].
    With ``send_audio`` as well, a connected player that plays sends one RTP
    packet every 20 ms, as a real node does (off by default: it costs CPU).
    Only loopback endpoints are tried: any other endpoint counts as
    unreachable (``WebSocketClosedEvent``; on NodeLink a cached track fails
    and playing is refused with 400). ``profile`` selects server
    quirks: ``"lavalink"`` (default) or ``"nodelink"`` (NodeLink 2.3.0, see
    `PROFILES`); ``version`` defaults to the profile's.
    ``ssl_context`` serves TLS (``https``/``wss``) with that server context.
    """

    async def start(self) -> FakeLavalink:
        """Bind the port and start serving. Returns ``self``."""
        if self._server is not None:
            raise RuntimeError("FakeLavalink is already running")
        self._web = web.Server(self._handle, handler_cancellation=True, access_log=None)
        self._server = await self._listen(self._wanted_port)
        self._closing = False
        self._down = False
        self._reset_clocks()
        self._ticker = self._tasks.spawn(self._run_ticker(), name=f"FakeLavalink:{self.port}")
        _log.debug("FakeLavalink listening on %s", self.uri)
        return self

    async def close(self) -> None:
        """Stop serving and free the port; idempotent. Connections are dropped."""
        server = self._server
        self._release_port()
        if server is None:
            return
        self._closing = True
        self._server = None
        self._ticker = None
        for session in self._sessions.values():
            if session.expiry is not None:
                session.expiry.cancel()
            session.ws = None
        server.close()
        self._abort_all()
        self._unstalled.set()
        links = [p.link for p in self.players if p.link is not None]
        await self._tasks.cancel_all()
        await asyncio.gather(*(cast(VoiceLink, link).close() for link in links))
        with contextlib.suppress(Exception):
            await server.wait_closed()
        if self._web is not None:
            await self._web.shutdown(0.5)
            self._web = None
        self._sessions.clear()
        self._heap.clear()
        self._notify()

    async def __aenter__(self) -> FakeLavalink:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        path = request.path
        is_ws = path == "/v4/websocket"
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            body=body,
            time=time.monotonic(),
            websocket=is_ws,
        )
        self._requests.append(rec)
        self._notify()
        if self._stalled:
            await self._unstalled.wait()
        if is_ws:
            return await self._websocket(request)
        if self._delay:
            await asyncio.sleep(self._delay)
        denied = self._check_auth(request, websocket=False)
        if denied is not None:
            return denied
        if self.profile.strict_accept_encoding:
            accept = request.headers.get("Accept-Encoding")
            if accept is not None and not any(e in accept.lower() for e in GOOD_ENCODINGS):
                await asyncio.Event().wait()  # NodeLink never answers; the client times out
        response = self._take_failure(request, websocket=False)
        if response is None:
            try:
                if self._dying is not None and self._matches(request, *self._dying):
                    self._dying = None
                    self._crash(f"process died during {request.method} {path}")
                response = await self._route(request, rec)
            except HTTPError as exc:
                response = self._error(request, exc.status, exc.message)
        return self._content_encoded(request, response)

    def _content_encoded(
        self, request: web.BaseRequest, response: web.StreamResponse
    ) -> web.StreamResponse:
        """Compress an answer the way the profile's server does (see ``compressed_answers``)."""
        if not self.profile.compressed_answers or request.path == "/version":
            return response
        accept = request.headers.get("Accept-Encoding")
        if accept is None:
            response.force_close()  # NodeLink: a plain answer, then Connection: close
            return response
        accept = accept.lower()
        codings = (ContentCoding.gzip, ContentCoding.deflate)
        coding = next((c for c in codings if c.value in accept), None)
        if coding is not None and isinstance(response, web.Response) and response.body:
            response.enable_compression(coding)
        return response

    def _check_auth(self, request: web.BaseRequest, *, websocket: bool) -> web.Response | None:
        if self.password is None:
            return None
        given = request.headers.get("Authorization")
        if self.profile.plain_text_unauthorized and given != self.password:
            return web.Response(status=401, text="Unauthorized", content_type="text/plain")
        if given is None:
            return web.Response(status=401, headers=API_HEADER)
        if given != self.password:
            return web.Response(status=401 if websocket else 403, headers=API_HEADER)
        return None

    async def _websocket(self, request: web.BaseRequest) -> web.StreamResponse:
        denied = self._check_auth(request, websocket=True)
        if denied is not None:
            return denied
        profile = self.profile
        user_id = request.headers.get("User-Id", "")
        if not user_id or user_id == "0":
            return web.Response(status=400, headers=API_HEADER)
        if profile.user_id_lengths is not None and (
            not user_id.isdigit() or len(user_id) not in profile.user_id_lengths
        ):
            return web.Response(status=400, headers=API_HEADER)
        client_name = request.headers.get("Client-Name")
        if profile.require_client_name and not client_name:
            return web.Response(status=400, headers=API_HEADER)
        if profile.strict_client_name and not CLIENT_NAME.fullmatch(client_name or ""):
            return web.Response(status=400, headers=API_HEADER)
        failure = self._take_failure(request, websocket=True)
        if failure is not None:
            return failure
        ws = web.WebSocketResponse(autoping=False, compress=False, timeout=2.0)
        if not ws.can_prepare(request).ok:
            return self._error(request, 400, "Expected a websocket upgrade")
        wanted = request.headers.get("Session-Id") if profile.resuming_supported else None
        session = self._sessions.get(wanted) if wanted else None
        resumed = session is not None and session.ws is None and session.resuming
        if session is not None and resumed:
            if session.expiry is not None:
                session.expiry.cancel()
                session.expiry = None
            session.client_name = client_name
        else:
            session = self._new_session(user_id, client_name)
        if profile.session_resumed_header:
            ws.headers["Session-Resumed"] = "true" if resumed else "false"
        if profile.nodelink_info:
            ws.headers["isNodeLink"] = "true"
        ws.headers.update(API_HEADER)
        try:
            await ws.prepare(request)
        except BaseException:
            if not resumed:
                self._destroy_session(session)
            raise
        if not any(s.ws is not None for s in self._sessions.values()):
            self._timer_sets += 1  # the client count goes 0 -> 1: NodeLink starts timers
        session.ws = ws
        try:
            await self._send(ws, self._enc.encode(ReadyOp(session.session_id, resumed)))
            if resumed:
                queued, session.queued = session.queued, []
                for frame in queued:
                    await self._send(ws, frame)
            self._notify()
            async for msg in ws:
                if msg.type is WSMsgType.PING:
                    if self._stalled:
                        self._ping_ignored()
                        continue
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await ws.pong(msg.data)
        finally:
            self._ws_gone(session, ws)
        return ws
