"""The voltricx exception tree.

Everything voltricx raises derives from [`VoltricxError`][voltricx.VoltricxError], so one
``except voltricx.VoltricxError`` catches it all:

```text
VoltricxError
├── NodeError                 a node could not be reached or misbehaved
│   ├── NodeAuthError         401 (no password) / 403 (wrong password)
│   ├── NodeConnectError      the websocket could not be opened (DNS, TCP, TLS, upgrade)
│   ├── LavalinkHTTPError     the node answered with an error body
│   │   └── SessionNotFound   404 on a session route: the session is gone
│   └── NodeProtocolError     the node sent something we cannot decode
├── NodeNotFound              no node with that identifier
├── NoNodesAvailable          no connected node to choose
├── LoadError                 a track load failed (loadType "error")
├── PlayerError               an operation on a player could not be done
├── FilterError               a filter value is out of range (ValueError)
├── QueueEmpty                get()/peek() on an empty queue (LookupError)
├── TrackCodecError           an encoded track is not valid (ValueError)
├── MissingExtraError         a Discord library extra is missing (ImportError)
├── PluginNotAvailable        the node lacks the plugin an API needs
├── StoreError                a player store could not read or write
│   ├── StoreDataLost         the store lost its data; all is written again
│   └── OwnershipLostError    another process owns these shards now
├── InvalidArgument           an argument's value can never work (ValueError)
├── WrongTypeError            a value of the wrong type was passed (TypeError)
│   └── UserDataError         a JSON-only field was given a non-JSON value
└── InvalidIndex              an index is out of range (IndexError)
```

Argument errors also derive from the built-in exception Python code
expects (the one in brackets), so both ``except ValueError`` and
``except VoltricxError`` catch them.

Messages say what failed and what to do. None of them ever contains a
node's password, and neither does anything chained to them
(``__cause__``, ``__context__``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "FilterError",
    "InvalidArgument",
    "InvalidIndex",
    "LavalinkHTTPError",
    "LoadError",
    "MissingExtraError",
    "NoNodesAvailable",
    "NodeAuthError",
    "NodeConnectError",
    "NodeError",
    "NodeNotFound",
    "NodeProtocolError",
    "OwnershipLostError",
    "PlayerError",
    "PluginNotAvailable",
    "QueueEmpty",
    "SessionNotFound",
    "StoreDataLost",
    "StoreError",
    "TrackCodecError",
    "UserDataError",
    "VoltricxError",
    "WrongTypeError",
]


class VoltricxError(Exception):
    """Base class of every error voltricx raises."""


class NodeError(VoltricxError):
    """A node could not be reached, or answered in a way we could not use.

    ``node`` is the identifier of the node involved, when known; ``reason``
    a short reason for a status line (``Node.last_error``), when there is one.
    """

    def __init__(self, message: str, *, node: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.node = node
        self.reason = reason


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


class NodeConnectError(NodeError):
    """The node's websocket could not be opened, or closed before ``ready``.

    ``reason`` says why in a few words ("DNS lookup failed", "connection
    refused", "TLS certificate rejected", "websocket handshake failed (502)").
    ``status`` is the HTTP status of a refused websocket upgrade (``None``
    when the failure came earlier), ``detail`` the server's text with it, and
    ``refused`` is True when nothing listens on the node's port. A rejected
    password is a [NodeAuthError][voltricx.NodeAuthError] instead.
    """

    def __init__(
        self,
        reason: str,
        *,
        node: str | None = None,
        status: int | None = None,
        detail: str = "",
        refused: bool = False,
        hint: str = "",
    ) -> None:
        label = f"node {node!r}" if node else "node"
        super().__init__(f"{label}: {reason}" + (f"; {hint}" if hint else ""), node=node, reason=reason)
        self.status = status
        self.detail = detail
        self.refused = refused


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


class PluginNotAvailable(VoltricxError):
    """The node does not run the plugin an API needs (checked against ``/v4/info`` plugins)."""

    def __init__(self, plugin: str, node: str, loaded: list[str]) -> None:
        self.plugin = plugin
        self.node = node
        listed = ", ".join(loaded) or "none"
        super().__init__(
            f"node {node!r} does not have the {plugin} plugin (its plugins: {listed}); "
            f"install {plugin} on the node or use a node that has it"
        )


class StoreError(VoltricxError):
    """A player store could not read or write (the store's own error is the ``__cause__``)."""


class StoreDataLost(StoreError):
    """The store no longer holds what was saved to it (e.g. Redis restarted without its data).

    Raised by a store's ``save`` after it wrote the batch it was given;
    voltricx then writes every player and session again on its next pass.
    """


class OwnershipLostError(StoreError):
    """Another process owns these shards now (it holds a newer fencing token).

    Raised by a store's ``save`` or ``delete`` after writing what this
    process still owns; voltricx then drops the players of those shards
    here, without sending anything for them, and emits
    [`OwnershipLost`][voltricx.events.OwnershipLost]. Also raised by a player
    command for a guild of such a shard.

    Attributes:
        shards: The shard ids lost.
        shard_count: The shard count the ids refer to.
    """

    def __init__(self, message: str, *, shards: frozenset[int], shard_count: int) -> None:
        super().__init__(message)
        self.shards = shards
        self.shard_count = shard_count

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_ownership_lost, (str(self), tuple(sorted(self.shards)), self.shard_count))

    def covers(self, guild_id: int) -> bool:
        """True when ``guild_id`` belongs to one of the lost shards."""
        return (guild_id >> 22) % self.shard_count in self.shards


def _rebuild_ownership_lost(message: str, shards: tuple[int, ...], shard_count: int) -> OwnershipLostError:
    return OwnershipLostError(message, shards=frozenset(shards), shard_count=shard_count)


class InvalidArgument(VoltricxError, ValueError):
    """An argument has a value that can never work; the message names it and the valid range."""


class WrongTypeError(VoltricxError, TypeError):
    """A value of the wrong type was passed or assigned; the message says what to use instead."""


class InvalidIndex(VoltricxError, IndexError):
    """An index is outside the sequence it points into."""


class UserDataError(WrongTypeError):
    """A field that is sent to the node as JSON (``track.extras``, ``user_data``) was given a non-JSON value.

    The message names the value and where it sits.
    """
