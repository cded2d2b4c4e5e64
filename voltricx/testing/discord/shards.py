"""``FakeDiscord``'s gateway sessions: identify, resume, member requests, reconnects."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any, cast

from aiohttp import WSMsgType, web

from voltricx.testing.discord._records import IdentifyRecord, ResumeRecord
from voltricx.testing.discord._wire import (
    API_VERSION,
    JSON,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_PRESENCE,
    OP_RECONNECT,
    OP_REQUEST_MEMBERS,
    OP_RESUME,
    OP_VOICE_STATE,
    Connection,
    Session,
    control,
)
from voltricx.testing.discord.voice_states import VoiceStatesMixin

__all__: list[str] = []

_log = logging.getLogger("voltricx.testing.discord")


class ShardsMixin(VoiceStatesMixin):
    """One gateway websocket per shard, and the knobs that break it."""

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, compress=False, timeout=5.0)
        await ws.prepare(request)
        compress = request.query.get("compress", "")
        encoding = request.query.get("encoding", "json")
        if encoding != "json" or compress not in ("", "zlib-stream"):
            _log.warning("fake Discord: unsupported encoding=%r compress=%r", encoding, compress)
            await ws.close(code=4000, message=b"unsupported encoding or compression")
            return ws
        conn = Connection(next(self._counter), ws, compressed=compress == "zlib-stream")
        self._connections.add(conn)
        _log.debug("connection %d opened (compress=%r)", conn.id, compress or None)
        try:
            await conn.send(control(OP_HELLO, {"heartbeat_interval": self.heartbeat_interval}))
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    raw = cast(str, message.data)
                elif message.type is WSMsgType.BINARY:
                    raw = cast(bytes, message.data).decode()
                else:
                    break
                try:
                    payload = cast(JSON, json.loads(raw))
                except ValueError:
                    _log.warning("connection %d: undecodable payload", conn.id)
                    await conn.close(4002, "decode error")
                    break
                await self._on_payload(conn, payload)
        finally:
            self._connections.discard(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
            _log.debug("connection %d closed (code %s)", conn.id, ws.close_code)
            self._notify()
        return ws

    async def _on_payload(self, conn: Connection, payload: JSON) -> None:
        op = payload.get("op")
        data: Any = payload.get("d")
        if op == OP_HEARTBEAT:
            self._heartbeats += 1
            await conn.send(control(OP_HEARTBEAT_ACK, None))
            self._notify()
        elif op == OP_IDENTIFY:
            await self._identify(conn, cast(JSON, data))
        elif op == OP_RESUME:
            await self._resume(conn, cast(JSON, data))
        elif op == OP_VOICE_STATE:
            await self._voice_request(conn, cast(JSON, data))
        elif op == OP_REQUEST_MEMBERS:
            await self._request_members(conn, cast(JSON, data))
        elif op == OP_PRESENCE:
            _log.debug("connection %d: presence update ignored", conn.id)
        else:
            _log.warning("connection %d: unsupported opcode %r ignored", conn.id, op)

    def _check_token(self, token: object) -> bool:
        return isinstance(token, str) and token.removeprefix("Bot ") == self._token

    async def _identify(self, conn: Connection, data: JSON) -> None:
        if conn.session is not None and conn.session.valid:
            await conn.close(4005, "Already authenticated")
            return
        if not self._check_token(data.get("token")):
            await conn.close(4004, "Authentication failed")
            return
        shard: list[int] = data.get("shard") or [0, 1]
        shard_id, shard_count = int(shard[0]), int(shard[1])
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await conn.close(4010, "Invalid shard")
            return
        # A fresh IDENTIFY replaces any earlier session for the same shard.
        for old in self._sessions.values():
            if old.valid and old.shard_id == shard_id:
                old.valid = False
        session = Session(f"fake-session-{next(self._counter)}", shard_id, shard_count)
        self._end_voice_sessions(session)
        self._sessions[session.session_id] = session
        conn.session = session
        self._identifies.append(
            IdentifyRecord(
                session_id=session.session_id,
                shard_id=shard_id,
                shard_count=shard_count,
                intents=int(data.get("intents") or 0),
                compressed=conn.compressed,
            )
        )
        owned = [gid for gid in self._member_of if session.owns(gid)]
        ready: JSON = {
            "v": API_VERSION,
            "user": self._own_user_payload(),
            "guilds": [{"id": str(gid), "unavailable": True} for gid in owned],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        }
        async with session.lock:
            session.connection = conn
            await self._emit(session, "READY", ready)
            for gid in owned:
                await self._emit(
                    session, "GUILD_CREATE", self._guild_create_payload(self._all_guilds[gid])
                )
        _log.info("shard %d/%d identified as %s", shard_id, shard_count, session.session_id)
        self._notify()

    async def _resume(self, conn: Connection, data: JSON) -> None:
        if not self._check_token(data.get("token")):
            await conn.close(4004, "Authentication failed")
            return
        session_id = str(data.get("session_id"))
        raw_seq = data.get("seq")
        seq = int(raw_seq) if raw_seq is not None else None
        session = self._sessions.get(session_id)
        last = seq or 0
        if (
            session is None
            or not session.valid
            or (session.buffer and last < cast(int, session.buffer[0]["s"]) - 1)
        ):
            self._resumes.append(ResumeRecord(session_id, seq, False, 0, None))
            await conn.send(control(OP_INVALID_SESSION, False))
            self._notify()
            return
        previous = session.connection
        async with session.lock:
            session.connection = conn
            conn.session = session
            missed = [event for event in session.buffer if cast(int, event["s"]) > last]
            for event in missed:
                await conn.send(event)
            await self._emit(session, "RESUMED", {})
        self._resumes.append(ResumeRecord(session_id, seq, True, len(missed), session.shard_id))
        _log.info("session %s resumed, %d events replayed", session_id, len(missed))
        self._notify()
        if previous is not None and previous is not conn:
            await previous.close(4000, "session resumed elsewhere")

    async def _request_members(self, conn: Connection, data: JSON) -> None:
        guild_id = int(data.get("guild_id") or 0)
        guild = self._all_guilds.get(guild_id)
        session = conn.session
        if guild is None or session is None:
            return
        chunk: JSON = {
            "guild_id": str(guild_id),
            "members": [self._member_payload(guild)],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("presences"):
            chunk["presences"] = []
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        async with session.lock:
            await self._emit(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(
        self, event: str, data: Mapping[str, Any], *, guild_id: int | None = None, shard_id: int = 0
    ) -> bool:
        """Send any dispatch event (``t`` = ``event``) with payload ``data``.

        It goes to the session owning ``guild_id`` when given, otherwise to the
        current session of ``shard_id``. Like every dispatch it gets the next
        sequence number and is replayed on RESUME. Returns False (and logs)
        when no session would receive it.
        """
        if guild_id is not None:
            sent = await self._dispatch_guild(guild_id, [(event, dict(data))])
            self._notify()
            return sent
        for session in reversed(self._sessions.values()):
            if session.valid and session.shard_id == shard_id:
                async with session.lock:
                    await self._emit(session, event, dict(data))
                self._notify()
                return True
        _log.warning("no gateway session for shard %d; dropping %s", shard_id, event)
        return False

    async def force_reconnect(self, shard_id: int | None = None) -> int:
        """Send op 7 RECONNECT on every live session (or one shard's); returns how many.

        The session stays resumable, so clients are expected to RESUME.
        """
        sessions = self._live_sessions(shard_id)
        for session in sessions:
            async with session.lock:
                if session.connection is not None:
                    await session.connection.send(control(OP_RECONNECT, None))
        self._notify()
        return len(sessions)

    async def invalidate_session(self, resumable: bool = False, shard_id: int | None = None) -> int:
        """Send op 9 INVALID SESSION on every live session (or one shard's); returns how many.

        When not ``resumable`` the sessions are discarded, so clients must IDENTIFY again;
        that new IDENTIFY ends the bot's voice sessions in the shard's guilds
        (see [`ended_voice_states`][voltricx.testing.FakeDiscord.ended_voice_states]).
        """
        sessions = self._live_sessions(shard_id)
        for session in sessions:
            async with session.lock:
                if not resumable:
                    session.valid = False
                if session.connection is not None:
                    await session.connection.send(control(OP_INVALID_SESSION, resumable))
        self._notify()
        return len(sessions)

    async def drop_connections(
        self, code: int = 4000, *, shard_id: int | None = None, resumable: bool = True
    ) -> int:
        """Close every gateway connection (or one shard's) with ``code``; returns how many.

        The sessions stay resumable unless ``resumable`` is False: then they
        are discarded first, as Discord does with close code 4009 (session
        timed out). A RESUME is then refused with op 9, and the client's new
        IDENTIFY ends the bot's voice sessions in the shard's guilds.
        """
        connections = [
            conn
            for conn in self._connections
            if shard_id is None or (conn.session is not None and conn.session.shard_id == shard_id)
        ]
        if not resumable:
            for conn in connections:
                if conn.session is not None:
                    conn.session.valid = False
        await asyncio.gather(*(conn.close(code, "dropped by fake") for conn in connections))
        self._notify()
        return len(connections)
