"""The voltricx exception tree.

Everything voltricx raises derives from [`VoltricxError`][voltricx.VoltricxError], so one
``except voltricx.VoltricxError`` catches it all:

```text
VoltricxError
├── NodeError                 a node could not be reached or misbehaved
│   ├── NodeAuthError         401 (no password) / 403 (wrong password)
│   ├── LavalinkHTTPError     the node answered with an error body
│   │   └── SessionNotFound   404 on a session route: the session is gone
│   └── NodeProtocolError     the node sent something we cannot decode
├── NodeNotFound              no node with that identifier
├── NoNodesAvailable          no connected node to choose
├── LoadError                 a track load failed (loadType "error")
├── PlayerError               an operation on a player could not be done
├── FilterError               a filter value is out of its valid range
├── QueueEmpty                get()/peek() on a queue with nothing to hand out
├── TrackCodecError           an encoded track is not valid
├── MissingExtraError         a Discord library extra is not installed
└── WrongTypeError            a value of the wrong type was passed or assigned
    └── UserDataError         a JSON-only field was given a non-JSON value
```

Messages say what failed and what to do. None of them ever contains a
node's password.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "FilterError",
    "LavalinkHTTPError",
    "LoadError",
    "MissingExtraError",
    "NoNodesAvailable",
    "NodeAuthError",
    "NodeError",
    "NodeNotFound",
    "NodeProtocolError",
    "PlayerError",
    "QueueEmpty",
    "SessionNotFound",
    "TrackCodecError",
    "UserDataError",
    "VoltricxError",
    "WrongTypeError",
]


class VoltricxError(Exception):
    """Base class of every error voltricx raises."""


class NodeError(VoltricxError):
    """A node could not be reached, or answered in a way we could not use.

    ``node`` is the identifier of the node involved, when known.
    """

    def __init__(self, message: str, *, node: str | None = None) -> None:
        super().__init__(message)
        self.node = node


class NodeAuthError(NodeError):
    """The node refused our password.

    ``status`` is 401 when no password reached the node and 403 when the
    password was wrong. Some servers (NodeLink) answer 401 to a wrong
    password too; when we did send one, the reason says "password rejected".
    Retrying cannot help; fix the node configuration.
    """

    def __init__(
        self, status: int, *, node: str | None = None, where: str = "", password_sent: bool = False
    ) -> None:
        self.status = status
        if status == 401 and not password_sent:
            what = "missing password (401)"
            hint = "the node received no Authorization header; set NodeConfig.password"
        elif status == 401:
            what = "password rejected (401)"
            hint = "the password does not match the one configured on the node"
        else:
            what = "wrong password (403)"
            hint = (
                "the password does not match lavalink.server.password in the node's "
                "application.yml (a proxy in front of the node can also answer 403)"
            )
        label = f"node {node!r}" if node else "node"
        suffix = f" on {where}" if where else ""
        super().__init__(f"{label} rejected us: {what}{suffix}; {hint}", node=node)
        self.reason = what


class LavalinkHTTPError(NodeError):
    """The node answered a REST call with an error status.

    Carries the fields of Lavalink's error body when there was one:
    ``status``, ``error`` (reason phrase), ``message``, ``path`` and
    ``trace`` (only with ``?trace=true`` or from NodeLink).
    """

    def __init__(
        self,
        status: int,
        *,
        message: str | None = None,
        error: str | None = None,
        path: str = "",
        trace: str | None = None,
        node: str | None = None,
        method: str = "",
    ) -> None:
        self.status = status
        self.message = message
        self.error = error
        self.path = path
        self.trace = trace
        self.method = method
        label = f"node {node!r}" if node else "node"
        detail = message or error or "no message"
        request = f"{method} {path}".strip()
        super().__init__(f"{label} answered {status} to {request}: {detail}", node=node)


class SessionNotFound(LavalinkHTTPError):
    """404 on a session route: the node no longer knows our session.

    The node was restarted or the resume timeout passed; voltricx
    reconnects and rebuilds players on its own.
    """


class NodeProtocolError(NodeError):
    """The node sent data that is not valid Lavalink v4."""


class NodeNotFound(VoltricxError):
    """No node with the requested identifier is registered in the pool."""

    def __init__(self, identifier: str) -> None:
        self.identifier = identifier
        super().__init__(
            f"no node named {identifier!r}; Pool.nodes() lists the identifiers you passed "
            "to Pool.connect"
        )


class NoNodesAvailable(VoltricxError):
    """No connected node can take the request.

    Every node is disconnected, still connecting, or was rejected (wrong
    password). Check ``Pool.nodes()`` and the connection report.
    """

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "no connected Lavalink node; check Pool.nodes() statuses and the node logs"
        )


class LoadError(VoltricxError):
    """Loading a track failed on the node (``loadType == "error"``).

    ``severity`` is ``common`` (expected, e.g. video unavailable),
    ``suspicious`` or ``fault``; ``cause`` names the root cause.
    """

    def __init__(
        self, message: str | None, *, severity: str = "fault", cause: str = "", data: Any = None
    ) -> None:
        self.message = message
        self.severity = severity
        self.cause = cause
        self.data = data
        super().__init__(f"track load failed ({severity}): {message or cause or 'no message'}")


class PlayerError(VoltricxError):
    """An operation on a player could not be done (not connected, invalid value, ...)."""


class FilterError(VoltricxError, ValueError):
    """A filter value is outside the range Lavalink accepts; the message names it."""


class QueueEmpty(VoltricxError, LookupError):
    """The queue has no track to hand out.

    Raised by ``Queue.get()`` and ``Queue.peek()``; use ``await Queue.get_wait()``
    to wait for the next ``put`` instead.
    """


class TrackCodecError(VoltricxError, ValueError):
    """An encoded track could not be decoded, or a track could not be encoded."""


class MissingExtraError(VoltricxError, ImportError):
    """A Discord library integration needs an extra that is not installed."""

    def __init__(self, library: str, extra: str) -> None:
        self.library = library
        self.extra = extra
        super().__init__(
            f"{library} support is not installed; run: pip install 'voltricx[{extra}]'"
        )


class WrongTypeError(VoltricxError, TypeError):
    """A value of the wrong type was passed or assigned; the message says what to use instead."""


class UserDataError(WrongTypeError):
    """A field that is sent to the node as JSON (``track.extras``, ``user_data``) was given a non-JSON value.

    The message names the value and where it sits.
    """
