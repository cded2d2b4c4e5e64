"""``NodeConfig``: everything voltricx needs to know about one Lavalink node."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from voltricx.errors import VoltricxError

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
            event; ``None`` turns it off.
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
        if not self.identifier:
            raise VoltricxError("NodeConfig.identifier must not be empty")
        parts = urlsplit(self.uri)
        if parts.scheme not in ("http", "https"):
            raise VoltricxError(
                f"NodeConfig.uri must start with http:// or https://, got {self.uri!r} "
                "(use https:// for TLS; voltricx derives the websocket address itself)"
            )
        if not parts.hostname:
            raise VoltricxError(f"NodeConfig.uri has no host: {self.uri!r}")
        path = parts.path.rstrip("/")
        if path.endswith(("/v4", "/v4/websocket", "/v3")):
            raise VoltricxError(
                f"NodeConfig.uri should be the server root, without {path!r}: "
                f"use {parts.scheme}://{parts.netloc}"
            )
        if self.resume_timeout < 0 or self.retry_base <= 0 or self.retry_cap < self.retry_base:
            raise VoltricxError("NodeConfig timing values must be positive (retry_cap >= retry_base)")

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
