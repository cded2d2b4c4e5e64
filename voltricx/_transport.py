"""The Lavalink websocket: opened, read and closed in one place.

[open_socket()][voltricx._transport.open_socket] performs the upgrade and
reads the first frame, which must be ``ready``. Every way that can fail is
mapped here, once, to the error tree:

- the upgrade refused with 401/403: [NodeAuthError][voltricx.NodeAuthError];
- DNS, TCP (refused, unreachable), TLS, a timeout, another upgrade status, the
  socket closing before ``ready``: [NodeConnectError][voltricx.NodeConnectError]
  with a short ``reason`` (and ``status``/``refused`` when they apply);
- a first frame that is not a usable ``ready``:
  [NodeProtocolError][voltricx.NodeProtocolError].

aiohttp's own exceptions never leave this module, and none is chained to
the typed ones: they carry the request headers, and so the password.

The open [LavalinkSocket][voltricx._transport.LavalinkSocket] gives the typed
``ready`` and then the raw frames (the node decodes them on its hot path),
ending with [SocketClosed][voltricx._transport.SocketClosed] when the
connection does. The node's supervisor and ``python -m voltricx check`` both
open the websocket through here; nothing else in the core imports aiohttp's
websocket API.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator, Mapping

import aiohttp

from voltricx._ids import valid_session_id
from voltricx.errors import NodeAuthError, NodeConnectError, NodeProtocolError, VoltricxError
from voltricx.models.ws import ReadyOp, decode_message
from voltricx.rest import describe_os_error

__all__ = ["LavalinkSocket", "SocketClosed", "open_socket"]

_log = logging.getLogger("voltricx.node")

_DATA = (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY)
_CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)


class SocketClosed(Exception):
    """The websocket ended; ``code`` is its close code (when there is one), ``reason`` says how."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class LavalinkSocket:
    """An open Lavalink websocket whose ``ready`` frame has been read.

    Attributes:
        ready: The node's ``ready`` frame (session id, resumed).
    """

    __slots__ = ("_ws", "ready")

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, ready: ReadyOp) -> None:
        self._ws = ws
        self.ready = ready

    @property
    def closed(self) -> bool:
        """True once the websocket is closed (by either side)."""
        return self._ws.closed

    async def frames(self) -> AsyncIterator[str | bytes]:
        """Every data frame after ``ready``; raises [SocketClosed][voltricx._transport.SocketClosed] at the end."""
        ws = self._ws
        while True:
            msg = await ws.receive()
            kind = msg.type
            if kind is aiohttp.WSMsgType.TEXT or kind is aiohttp.WSMsgType.BINARY:
                yield msg.data
            elif kind in _CLOSED:
                code = ws.close_code
                raise SocketClosed(code, f"closed by the node (code {code})")
            elif kind is aiohttp.WSMsgType.ERROR:
                raise SocketClosed(ws.close_code, f"websocket error: {type(ws.exception()).__name__}")

    async def close(self, *, code: int = 1000, message: bytes = b"") -> None:
        """Close the websocket; never raises (a failure is logged at debug level)."""
        await _close_quietly(self._ws, code=code, message=message)


async def _close_quietly(ws: aiohttp.ClientWebSocketResponse, *, code: int = 1000, message: bytes = b"") -> None:
    if ws.closed:
        return
    try:
        await ws.close(code=code, message=message)
    except Exception as exc:
        _log.debug("closing a node websocket failed: %s", type(exc).__name__)


def _upgrade_refused(status: int, detail: str, node: str | None) -> NodeConnectError:
    if status == 404:
        return NodeConnectError(
            "not a Lavalink v4 server (websocket 404)", node=node, status=status, detail=detail
        )
    if status == 400:
        return NodeConnectError(
            "handshake rejected (400): the node refused our Client-Name or User-Id "
            "(NodeLink wants NAME/VERSION and an 18-19 digit user id)",
            node=node,
            status=status,
            detail=detail,
        )
    return NodeConnectError(f"websocket handshake failed ({status})", node=node, status=status, detail=detail)


async def open_socket(
    session: aiohttp.ClientSession,
    uri: str,
    *,
    headers: Mapping[str, str],
    ssl_context: ssl.SSLContext | bool,
    timeout: float,
    heartbeat: float | None = None,
    node: str | None = None,
    password_sent: bool = True,
) -> LavalinkSocket:
    """Open the websocket at ``uri`` and read its ``ready`` frame, within ``timeout`` seconds.

    Raises [NodeAuthError][voltricx.NodeAuthError],
    [NodeConnectError][voltricx.NodeConnectError] or
    [NodeProtocolError][voltricx.NodeProtocolError] (see the module); nothing
    else, and nothing chained. ``node`` names the node in messages.
    """
    # The typed error is raised after the ``except`` blocks so aiohttp's exception (with
    # the request headers) is not kept as its ``__context__``.
    failure: VoltricxError | None = None
    ws: aiohttp.ClientWebSocketResponse | None = None
    first: aiohttp.WSMessage | None = None
    try:
        async with asyncio.timeout(timeout):
            ws = await session.ws_connect(
                uri,
                headers=dict(headers),
                heartbeat=heartbeat or None,
                ssl=ssl_context,
                autoclose=False,
                max_msg_size=0,
            )
            try:
                first = await ws.receive()
            except BaseException:
                await ws.close()
                raise
    except aiohttp.WSServerHandshakeError as exc:
        if exc.status in (401, 403):
            failure = NodeAuthError(exc.status, node=node, where="websocket", password_sent=password_sent)
        else:
            failure = _upgrade_refused(exc.status, str(exc.message), node)
    except aiohttp.ClientConnectorCertificateError:
        failure = NodeConnectError(
            "TLS certificate rejected",
            node=node,
            hint="fix the node's certificate, or pass an ssl context that trusts it",
        )
    except aiohttp.ClientConnectorDNSError:
        failure = NodeConnectError("DNS lookup failed", node=node, hint="check the host name in the node's URI")
    except aiohttp.ClientConnectorError as exc:
        error = exc.os_error
        refused = isinstance(error, ConnectionRefusedError)
        failure = NodeConnectError(describe_os_error(error), node=node, refused=refused)
    except TimeoutError:
        failure = NodeConnectError(f"no answer within {timeout:g}s", node=node)
    except aiohttp.ClientError as exc:
        failure = NodeConnectError(f"{type(exc).__name__} while opening the websocket", node=node)
    except OSError as exc:
        # A socket error aiohttp did not wrap.
        failure = NodeConnectError(describe_os_error(exc), node=node)
    except ValueError as exc:
        # aiohttp refusing a header or URL it cannot send (UnicodeError included).
        failure = NodeConnectError(f"{type(exc).__name__} while opening the websocket", node=node)
    if failure is not None:
        raise failure
    assert ws is not None and first is not None
    if first.type not in _DATA:
        await _close_quietly(ws)
        raise NodeConnectError(f"websocket closed before ready (close code {ws.close_code})", node=node)
    try:
        ready = decode_message(first.data)
    except NodeProtocolError:
        ready = None
    if not isinstance(ready, ReadyOp):
        await _close_quietly(ws)
        label = f"node {node!r}" if node else "node"
        raise NodeProtocolError(
            f"{label}: first frame was not ready; is this a Lavalink v4 server?",
            node=node,
            reason="first frame was not ready",
        )
    if not valid_session_id(ready.session_id):
        await _close_quietly(ws)
        reason = f"ready frame carried an unusable session id {ready.session_id[:40]!r}"
        label = f"node {node!r}" if node else "node"
        raise NodeProtocolError(
            f"{label}: {reason}; a session id must be non-empty printable text (is this a Lavalink v4 server?)",
            node=node,
            reason=reason,
        )
    return LavalinkSocket(ws, ready)
