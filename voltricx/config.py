"""``NodeConfig``: everything voltricx needs to know about one Lavalink node."""

from __future__ import annotations

import math
import ssl
from dataclasses import dataclass, field
from types import UnionType
from urllib.parse import urlsplit

from voltricx.errors import InvalidArgument, WrongTypeError

__all__ = ["NodeConfig"]

_VERSION = "0.1.0"


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeConfig:
    """Connection settings of one node. Only ``identifier``, ``uri`` and ``password`` are required.

    Attributes:
        identifier: Unique name of the node, e.g. ``"US"``; ``Pool.get_node("US")`` finds it.
        uri: ``http://host:port`` or ``https://host:port`` (TLS, certificates verified),
            optionally with a reverse-proxy path prefix. Do not add ``/v4``.
        password: The node's ``lavalink.server.password``. Never shown in a repr, a log
            line or an exception.
        region: Free-form region tag (``"us"``, ``"eu"``) used by ``get_node(region=...)``
            and to keep players near their voice region on failover.
        resume: Ask the node to keep our session (and players) when the websocket drops.
        resume_timeout: Seconds the node keeps the session after a drop.
        resume_grace: Seconds to wait for a dropped node to come back and resume before its
            players fail over to another node.
        heartbeat: Websocket ping interval in seconds (0 turns pings off).
        stats_interval: How often the node sends ``stats`` (Lavalink: 60 s).
        stall_timeout: Seconds of silence after which the node is treated as half-open and
            dropped; ``None`` means ``2 * stats_interval + 5``.
        request_timeout: Total time allowed for one REST call, in seconds.
        connect_timeout: Time allowed for the websocket handshake and the ``ready`` frame.
        retry_base: First reconnect delay in seconds; doubles per failed attempt, with jitter.
        retry_cap: Longest reconnect delay in seconds.
        inactive_timeout: Seconds a player may play nothing before an ``InactivePlayer``
            event; ``None`` (or, as in wavelink, ``0`` or below, stored as ``None``) turns it off.
        client_name: ``Client-Name`` header, ``NAME/VERSION`` (some servers enforce the form).
        ssl: ``True`` verifies certificates (default), an ``ssl.SSLContext`` customises it,
            ``False`` turns verification off (only for testing against self-signed nodes).
    """

    identifier: str
    uri: str
    password: str = field(repr=False)
    region: str | None = None
    resume: bool = True
    resume_timeout: int = 60
    resume_grace: float = 5.0
    heartbeat: float = 30.0
    stats_interval: float = 60.0
    stall_timeout: float | None = None
    request_timeout: float = 10.0
    connect_timeout: float = 10.0
    retry_base: float = 1.0
    retry_cap: float = 60.0
    inactive_timeout: float | None = 300.0
    client_name: str = f"voltricx/{_VERSION}"
    ssl: ssl.SSLContext | bool = True

    def __post_init__(self) -> None:
        # Callers without a type checker may pass anything: check the types too.
        identifier, uri = self.identifier, self.uri
        if not _is(identifier, str) or not identifier:
            raise InvalidArgument("NodeConfig.identifier must be a non-empty string")
        if not _is(uri, str):
            raise WrongTypeError(f"NodeConfig.uri must be a string, not {type(uri).__name__}")
        _check_header_value("identifier", self.identifier)
        _check_header_value("password", self.password, secret=True)
        _check_header_value("client_name", self.client_name)
        _check_uri(self.uri)
        for name in (
            "resume_grace",
            "heartbeat",
            "stats_interval",
            "stall_timeout",
            "request_timeout",
            "connect_timeout",
            "retry_base",
            "retry_cap",
            "inactive_timeout",
            "resume_timeout",
        ):
            value = getattr(self, name)
            if value is None and name in ("stall_timeout", "inactive_timeout"):
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise WrongTypeError(
                    f"NodeConfig.{name} must be a number of seconds, not {type(value).__name__}"
                )
            if not math.isfinite(value):
                raise InvalidArgument(f"NodeConfig.{name} must be a finite number, got {value!r}")
            if name == "inactive_timeout":
                if value <= 0:
                    # As in wavelink (and Player.inactive_timeout): 0 or below turns it off.
                    object.__setattr__(self, name, None)
                continue
            may_be_zero = name in ("heartbeat", "resume_grace", "resume_timeout")
            if value < 0 or (value == 0 and not may_be_zero):
                need = "0 or more" if may_be_zero else "more than 0"
                raise InvalidArgument(f"NodeConfig.{name} must be {need} seconds, got {value!r}")
        if self.retry_cap < self.retry_base:
            raise InvalidArgument(
                f"NodeConfig.retry_cap ({self.retry_cap!r}) must be at least retry_base "
                f"({self.retry_base!r})"
            )
        resume, region, tls = self.resume, self.region, self.ssl
        if not _is(resume, bool):
            raise WrongTypeError(f"NodeConfig.resume must be True or False, not {resume!r}")
        if region is not None and not _is(region, str):
            raise WrongTypeError(f"NodeConfig.region must be a string or None, not {region!r}")
        if not _is(tls, bool | ssl.SSLContext):
            raise WrongTypeError(
                f"NodeConfig.ssl must be True, False or an ssl.SSLContext, not {type(tls).__name__}"
            )

    @property
    def rest_uri(self) -> str:
        """Base URL of the REST API (the ``uri`` without a trailing slash)."""
        return self.uri.rstrip("/")

    @property
    def websocket_uri(self) -> str:
        """``ws[s]://host:port[/prefix]/v4/websocket``."""
        parts = urlsplit(self.rest_uri)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{parts.path}/v4/websocket"

    @property
    def silence_limit(self) -> float:
        """Seconds of silence after which the node is treated as half-open."""
        if self.stall_timeout is not None:
            return self.stall_timeout
        return 2 * self.stats_interval + 5


def _check_header_value(name: str, value: object, *, secret: bool = False) -> None:
    """Refuse what can never go into an HTTP header: non-strings and control characters."""
    if not isinstance(value, str):
        raise WrongTypeError(f"NodeConfig.{name} must be a string, not {type(value).__name__}")
    bad = next((ch for ch in value if ord(ch) < 0x20 or ord(ch) == 0x7F), None)
    if bad is not None:
        # Never echo a secret; for the others the offending character is enough.
        shown = "" if secret else f" ({bad!r} in {value!r})"
        raise InvalidArgument(
            f"NodeConfig.{name} contains a control character{shown}; it is sent as an HTTP "
            "header, so remove line breaks, tabs and other control characters"
        )


def _check_uri(uri: str) -> None:
    """Refuse a node address that could never be used (checked before anything connects)."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        raise InvalidArgument(
            f"NodeConfig.uri has an invalid port: {_without_credentials(uri)!r}; "
            "use http://host:port with a port from 1 to 65535"
        ) from None
    if parts.username is not None or parts.password is not None:
        raise InvalidArgument(
            "NodeConfig.uri must not contain credentials (user:password@); "
            "put the node's password in NodeConfig.password"
        )
    shown = uri
    if parts.scheme not in ("http", "https"):
        raise InvalidArgument(
            f"NodeConfig.uri must start with http:// or https://, got {shown!r} "
            "(use https:// for TLS; voltricx derives the websocket address itself)"
        )
    if not parts.hostname:
        raise InvalidArgument(f"NodeConfig.uri has no host: {shown!r}")
    if port == 0:
        raise InvalidArgument(f"NodeConfig.uri has port 0: {shown!r}; use the node's real port")
    if parts.query or parts.fragment or uri.rstrip().endswith(("?", "#")):
        raise InvalidArgument(
            f"NodeConfig.uri must not have a query string or fragment: {shown!r}; "
            f"use {parts.scheme}://{parts.netloc}{parts.path}"
        )
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in uri):
        raise InvalidArgument(f"NodeConfig.uri contains spaces or control characters: {shown!r}")
    path = parts.path.rstrip("/")
    if path.endswith(("/v4", "/v4/websocket", "/v3")):
        raise InvalidArgument(
            f"NodeConfig.uri should be the server root, without {path!r}: "
            f"use {parts.scheme}://{parts.netloc}"
        )


def _without_credentials(uri: str) -> str:
    """``uri`` with anything before an ``@`` in its authority replaced (it may be a password)."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return "<unreadable uri>"
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{tail}"


def _is(value: object, kind: type | UnionType) -> bool:
    """``isinstance`` for values whose annotation promises the type (the caller may not keep it)."""
    return isinstance(value, kind)
