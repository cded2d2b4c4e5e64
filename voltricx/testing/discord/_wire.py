"""The gateway's wire: opcodes, connections, sessions and JSON answers.

A `Connection` is one websocket (with its own zlib stream when the client
asked for compression); a `Session` is what a RESUME gets back: the sequence
counter, the replay buffer and the connection attached now. Sessions outlive
connections, as on Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import zlib
from collections import deque
from typing import Final

from aiohttp import web

from voltricx.testing.discord._records import JSON, shard_of

_log = logging.getLogger("voltricx.testing.discord")

API_VERSION: Final = 10

REPLAY_BUFFER: Final = 1000

SEND_TIMEOUT: Final = 10.0

# Gateway opcodes used by the fake.
OP_DISPATCH: Final = 0
OP_HEARTBEAT: Final = 1
OP_IDENTIFY: Final = 2
OP_PRESENCE: Final = 3
OP_VOICE_STATE: Final = 4
OP_RESUME: Final = 6
OP_RECONNECT: Final = 7
OP_REQUEST_MEMBERS: Final = 8
OP_INVALID_SESSION: Final = 9
OP_HELLO: Final = 10
OP_HEARTBEAT_ACK: Final = 11


class Connection:
    """One websocket connection, with its own zlib stream when compressed."""

    def __init__(self, conn_id: int, ws: web.WebSocketResponse, *, compressed: bool) -> None:
        self.id = conn_id
        self.ws = ws
        self.compressed = compressed
        self._deflate = zlib.compressobj() if compressed else None
        self._lock = asyncio.Lock()
        self.session: Session | None = None

    async def send(self, payload: JSON) -> bool:
        data = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return False
            try:
                if self._deflate is not None:
                    # Every message ends with a sync flush so the client can
                    # inflate it on its own; the stream context spans the connection.
                    chunk = self._deflate.compress(data.encode()) + self._deflate.flush(
                        zlib.Z_SYNC_FLUSH
                    )
                    await asyncio.wait_for(self.ws.send_bytes(chunk), SEND_TIMEOUT)
                else:
                    await asyncio.wait_for(self.ws.send_str(data), SEND_TIMEOUT)
            except TimeoutError:
                # The zlib stream is now out of step with the client: give up on it.
                _log.warning("connection %d: client stopped reading; closing", self.id)
                await self.close(4000, "send timed out")
                return False
            except (ConnectionError, RuntimeError) as exc:
                _log.debug("connection %d: send failed: %r", self.id, exc)
                return False
        return True

    async def close(self, code: int, message: str = "") -> None:
        with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):
            await asyncio.wait_for(self.ws.close(code=code, message=message.encode()), 5.0)


class Session:
    """A gateway session: sequence counter, replay buffer, attached connection."""

    def __init__(self, session_id: str, shard_id: int, shard_count: int) -> None:
        self.session_id = session_id
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.seq = 0
        self.buffer: deque[JSON] = deque(maxlen=REPLAY_BUFFER)
        self.connection: Connection | None = None
        self.valid = True
        self.lock = asyncio.Lock()

    def owns(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.shard_count) == self.shard_id


def control(op: int, data: object) -> JSON:
    # Non-dispatch messages still carry null "s" and "t": nextcord reads both keys.
    return {"op": op, "d": data, "s": None, "t": None}


def json_response(body: object, *, status: int = 200) -> web.Response:
    # The dpy family compares the header to exactly "application/json".
    if status == 204:
        return web.Response(status=204)
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
