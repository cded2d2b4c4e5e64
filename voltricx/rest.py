"""REST client: one method per Lavalink v4 endpoint, over one aiohttp session per node.

Error translation happens here and only here:

* 401 / 403 -> [`NodeAuthError`][voltricx.NodeAuthError] (missing / wrong password)
* 404 on a session route for an unknown session -> [`SessionNotFound`][voltricx.SessionNotFound]
* any other non-2xx -> [`LavalinkHTTPError`][voltricx.LavalinkHTTPError] with the error body's fields
* connection refused, reset, DNS, TLS, timeouts -> [`NodeError`][voltricx.NodeError]
  naming host and port
* a body we cannot decode -> [`NodeProtocolError`][voltricx.NodeProtocolError]

The password is only ever placed in the ``Authorization`` header; no repr,
log line or exception built here contains it.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import ssl
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import aiohttp
import msgspec

from voltricx._ids import snowflake
from voltricx.errors import (
    LavalinkHTTPError,
    NodeAuthError,
    NodeError,
    NodeProtocolError,
    SessionNotFound,
)
from voltricx.models.common import ErrorBody
from voltricx.models.load import LoadResult, decode_load_result
from voltricx.models.node import Info, RoutePlannerStatus, SessionInfo, Stats
from voltricx.models.player import PlayerPayload, PlayerUpdatePayload, SessionUpdatePayload
from voltricx.models.track import Track

__all__ = ["RestClient", "describe_os_error", "validate_snowflake"]

_log = logging.getLogger("voltricx.rest")

T = TypeVar("T")

_encoder = msgspec.json.Encoder()
_ACCEPT_ENCODING = "gzip, deflate"
_error_decoder = msgspec.json.Decoder(ErrorBody)
_info_decoder = msgspec.json.Decoder(Info)
_stats_decoder = msgspec.json.Decoder(Stats)
_track_decoder = msgspec.json.Decoder(Track)
_tracks_decoder = msgspec.json.Decoder(list[Track])
_player_decoder = msgspec.json.Decoder(PlayerPayload)
_players_decoder = msgspec.json.Decoder(list[PlayerPayload])
_session_decoder = msgspec.json.Decoder(SessionInfo)
_planner_decoder = msgspec.json.Decoder(RoutePlannerStatus | None)


class _NullPlanner(msgspec.Struct):
    cls: None = msgspec.field(name="class", default=None)


_null_planner_decoder = msgspec.json.Decoder(_NullPlanner)


class _Flavour(msgspec.Struct):
    is_node_link: bool = msgspec.field(name="isNodeLink", default=False)


_flavour_decoder = msgspec.json.Decoder(_Flavour)
_object_decoder = msgspec.json.Decoder(dict[str, Any])
_objects_decoder = msgspec.json.Decoder(list[dict[str, Any]])


def _decode_player(raw: bytes) -> PlayerPayload:
    """Decode a player object; an empty ``"track": {}`` (a NodeLink bug) reads as no track."""
    try:
        return _player_decoder.decode(raw)
    except msgspec.ValidationError:
        body = _object_decoder.decode(raw)
        if body.get("track") != {}:
            raise
        body["track"] = None
        return msgspec.convert(body, PlayerPayload)


def _decode_players(raw: bytes) -> list[PlayerPayload]:
    """Decode a player list, reading NodeLink's ``"track": {}`` as no track as above."""
    try:
        return _players_decoder.decode(raw)
    except msgspec.ValidationError:
        bodies = _objects_decoder.decode(raw)
        if not any(body.get("track") == {} for body in bodies):
            raise
        for body in bodies:
            if body.get("track") == {}:
                body["track"] = None
        return msgspec.convert(bodies, list[PlayerPayload])


def _deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release; use {new} "
        "(network calls are named fetch_*)",
        DeprecationWarning,
        stacklevel=3,
    )


def describe_os_error(error: OSError) -> str:
    """A short, human reason for a failed TCP connection."""
    code = error.errno
    if isinstance(error, ConnectionRefusedError) or code == errno.ECONNREFUSED:
        return "connection refused"
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "host unreachable"
    if isinstance(error, TimeoutError) or code == errno.ETIMEDOUT:
        return "connection timed out"
    return error.strerror or type(error).__name__


def validate_snowflake(value: int | str, what: str = "guild id") -> str:
    """Return ``value`` as a decimal snowflake string, or raise [`InvalidArgument`][voltricx.InvalidArgument].

    Ids go into URL paths; a non-numeric one must never reach a node (one
    server implementation crashes on it).
    """
    return str(snowflake(value, what))


class RestClient:
    """Typed access to one node's REST API.

    ``session`` is the node's single `aiohttp.ClientSession`; the
    node also opens its websocket through it. ``close()`` closes it.
    """

    __slots__ = (
        "_headers",
        "_ssl",
        "_timeout",
        "base_url",
        "host",
        "is_nodelink",
        "node",
        "port",
        "request_count",
        "session",
    )

    def __init__(
        self,
        *,
        node: str,
        base_url: str,
        password: str,
        client_name: str,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | bool | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.node: str = node
        self.base_url: str = base_url.rstrip("/")
        url = urlsplit(self.base_url)
        self.host: str = url.hostname or "?"
        self.port: int = url.port or (443 if url.scheme == "https" else 80)
        # An empty password sends no Authorization header at all (the node answers 401).
        # Accept-Encoding is explicit so that no session default can turn it into "identity",
        # which NodeLink never answers; aiohttp decodes both codings itself.
        self._headers = {"Client-Name": client_name, "Accept-Encoding": _ACCEPT_ENCODING}
        if password:
            self._headers["Authorization"] = password
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._ssl: ssl.SSLContext | bool = True if ssl_context is None else ssl_context
        self.session: aiohttp.ClientSession = session or aiohttp.ClientSession(timeout=self._timeout)
        #: Number of HTTP requests this client has started (tests and diagnostics).
        self.request_count: int = 0
        #: True once ``/v4/info`` said the server is NodeLink (``"isNodeLink": true``).
        self.is_nodelink = False

    def __repr__(self) -> str:
        return f"<RestClient node={self.node!r} url={self.base_url!r}>"

    @property
    def ssl(self) -> ssl.SSLContext | bool:
        """The TLS setting used for requests and the websocket (True = verify)."""
        return self._ssl

    def auth_headers(self, user_id: int | str | None = None) -> dict[str, str]:
        """Headers for a request (and the websocket handshake when ``user_id`` is given)."""
        headers = dict(self._headers)
        if user_id is not None:
            headers["User-Id"] = str(user_id)
        return headers

    async def close(self) -> None:
        """Close the HTTP session (idempotent)."""
        if not self.session.closed:
            await self.session.close()

    # -- transport -----------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        timeout: float | None = None,
    ) -> tuple[int, bytes]:
        """Send one request; return ``(status, body)`` for 2xx or raise a typed error."""
        url = self.base_url + path
        data: bytes | None = None
        headers = self._headers
        if body is not None:
            data = _encoder.encode(body)
            headers = {**self._headers, "Content-Type": "application/json"}
        self.request_count += 1
        req_timeout = aiohttp.ClientTimeout(total=timeout) if timeout is not None else None
        # The typed error is raised after the ``except`` block, never inside it: aiohttp's
        # errors carry the request headers (the password), and an error raised in an
        # ``except`` block keeps the handled one as ``__context__`` even ``from None``.
        failure: NodeError | None = None
        raw = b""
        status = 0
        try:
            async with self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                ssl=self._ssl,
                timeout=req_timeout or self._timeout,
            ) as response:
                raw = await response.read()
                status = response.status
        except asyncio.CancelledError:
            raise
        except aiohttp.ClientConnectorCertificateError as exc:
            failure = NodeError(
                f"TLS certificate of {self.host}:{self.port} was rejected ({exc.certificate_error}); "
                "fix the certificate, or pass an ssl context that trusts it",
                node=self.node,
            )
        except aiohttp.ClientConnectorError as exc:
            failure = NodeError(
                f"cannot reach node {self.node!r} at {self.host}:{self.port} "
                f"({describe_os_error(exc.os_error)}); is the server running and the port right?",
                node=self.node,
            )
        except TimeoutError:
            failure = NodeError(
                f"node {self.node!r} at {self.host}:{self.port} did not answer {method} {path} in time",
                node=self.node,
            )
        except (aiohttp.ClientError, OSError, ValueError, UnicodeError) as exc:
            # OSError: a socket error aiohttp did not wrap; ValueError/UnicodeError: aiohttp
            # refusing a header or URL it cannot send.
            failure = NodeError(
                f"request {method} {path} to node {self.node!r} at {self.host}:{self.port} failed: "
                f"{type(exc).__name__}",
                node=self.node,
            )
        if failure is not None:
            raise failure
        if status < 300:
            return status, raw
        raise self._error(status, raw, method, path)

    def _error(self, status: int, raw: bytes, method: str, path: str) -> Exception:
        if status in (401, 403):
            return NodeAuthError(
                status,
                node=self.node,
                where=f"{method} {path}",
                password_sent="Authorization" in self._headers,
            )
        try:
            err = _error_decoder.decode(raw) if raw.strip() else ErrorBody()
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            err = ErrorBody(message=raw[:200].decode("utf-8", "replace") or None)
        cls = LavalinkHTTPError
        if status == 404 and path.startswith("/v4/sessions/"):
            text = (err.message or "").lower()
            if "session" in text:
                cls = SessionNotFound
        return cls(
            status,
            message=err.message,
            error=err.error,
            path=err.path or path,
            trace=err.trace,
            node=self.node,
            method=method,
        )

    def _decode(self, decoder: Callable[[bytes], T], raw: bytes, what: str) -> T:
        try:
            return decoder(raw)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise NodeProtocolError(
                f"node {self.node!r} sent a {what} we cannot read: {exc}", node=self.node
            ) from None

    # -- endpoints -----------------------------------------------------------------

    async def version(self) -> str:
        """``GET /version``: the server version string, e.g. ``"4.2.2"``."""
        _, raw = await self.request("GET", "/version")
        return raw.decode("utf-8", "replace").strip()

    async def info(self) -> Info:
        """``GET /v4/info``."""
        _, raw = await self.request("GET", "/v4/info")
        info = self._decode(_info_decoder.decode, raw, "info object")
        try:
            self.is_nodelink = _flavour_decoder.decode(raw).is_node_link
        except msgspec.ValidationError:
            self.is_nodelink: bool = False
        return info

    async def stats(self) -> Stats:
        """``GET /v4/stats`` (never has frame stats)."""
        _, raw = await self.request("GET", "/v4/stats")
        return self._decode(_stats_decoder.decode, raw, "stats object")

    async def load_tracks(self, identifier: str) -> LoadResult:
        """``GET /v4/loadtracks?identifier=...`` (the identifier is URL-encoded)."""
        _, raw = await self.request("GET", "/v4/loadtracks?identifier=" + quote(identifier, safe=""))
        try:
            return decode_load_result(raw)
        except NodeProtocolError as exc:
            exc.node = self.node
            raise

    async def decode_track(self, encoded: str) -> Track:
        """``GET /v4/decodetrack``: the node's decoding of one encoded track."""
        _, raw = await self.request("GET", "/v4/decodetrack?encodedTrack=" + quote(encoded, safe=""))
        return self._decode(_track_decoder.decode, raw, "track")

    async def decode_tracks(self, encoded: Sequence[str]) -> list[Track]:
        """``POST /v4/decodetracks``."""
        _, raw = await self.request("POST", "/v4/decodetracks", body=list(encoded))
        return self._decode(_tracks_decoder.decode, raw, "track list")

    async def fetch_players(self, session_id: str) -> list[PlayerPayload]:
        """``GET /v4/sessions/{sid}/players``."""
        _, raw = await self.request("GET", f"/v4/sessions/{quote(session_id, safe='')}/players")
        return self._decode(_decode_players, raw, "player list")

    async def fetch_player(self, session_id: str, guild_id: int | str) -> PlayerPayload:
        """``GET /v4/sessions/{sid}/players/{guildId}``; 404 when the node has no such player.

        NodeLink answers that route by *creating* an unknown guild's player,
        so there the player is picked from ``GET .../players`` instead: a
        look never leaves a stray player behind on a node.
        """
        gid = validate_snowflake(guild_id)
        players = f"/v4/sessions/{quote(session_id, safe='')}/players"
        if not self.is_nodelink:
            _, raw = await self.request("GET", f"{players}/{gid}")
            return self._decode(_decode_player, raw, "player")
        for player in await self.fetch_players(session_id):
            if player.guild_id == gid:
                return player
        raise LavalinkHTTPError(
            404, message="Player not found", path=f"{players}/{gid}", node=self.node, method="GET"
        )

    async def get_players(self, session_id: str) -> list[PlayerPayload]:
        """Deprecated name of [`fetch_players`][voltricx.rest.RestClient.fetch_players] (it goes to the network)."""
        _deprecated("RestClient.get_players", "RestClient.fetch_players")
        return await self.fetch_players(session_id)

    async def get_player(self, session_id: str, guild_id: int | str) -> PlayerPayload:
        """Deprecated name of [`fetch_player`][voltricx.rest.RestClient.fetch_player] (it goes to the network)."""
        _deprecated("RestClient.get_player", "RestClient.fetch_player")
        return await self.fetch_player(session_id, guild_id)

    async def update_player(
        self,
        session_id: str,
        guild_id: int | str,
        payload: PlayerUpdatePayload,
        *,
        no_replace: bool = False,
    ) -> PlayerPayload:
        """``PATCH /v4/sessions/{sid}/players/{guildId}``; creates the player if needed."""
        gid = validate_snowflake(guild_id)
        path = f"/v4/sessions/{quote(session_id, safe='')}/players/{gid}"
        path += "?noReplace=true" if no_replace else "?noReplace=false"
        _, raw = await self.request("PATCH", path, body=payload)
        return self._decode(_decode_player, raw, "player")

    async def destroy_player(self, session_id: str, guild_id: int | str) -> None:
        """``DELETE /v4/sessions/{sid}/players/{guildId}``."""
        gid = validate_snowflake(guild_id)
        await self.request("DELETE", f"/v4/sessions/{quote(session_id, safe='')}/players/{gid}")

    async def update_session(
        self, session_id: str, *, resuming: bool | None = None, timeout: int | None = None
    ) -> SessionInfo:
        """``PATCH /v4/sessions/{sid}``: switch resuming on/off, set its timeout (seconds)."""
        payload = SessionUpdatePayload()
        if resuming is not None:
            payload.resuming = resuming
        if timeout is not None:
            payload.timeout = timeout
        _, raw = await self.request("PATCH", f"/v4/sessions/{quote(session_id, safe='')}", body=payload)
        return self._decode(_session_decoder.decode, raw, "session object")

    async def routeplanner_status(self) -> RoutePlannerStatus | None:
        """``GET /v4/routeplanner/status``; ``None`` when the node has no route planner.

        A 404 (servers without the route at all, such as NodeLink) also
        means "no route planner".
        """
        try:
            _, raw = await self.request("GET", "/v4/routeplanner/status")
        except LavalinkHTTPError as exc:
            if exc.status == 404:
                return None
            raise
        if not raw.strip():
            return None
        try:
            if _null_planner_decoder.decode(raw).cls is None:
                return None
        except msgspec.ValidationError:
            pass
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise NodeProtocolError(
                f"node {self.node!r} sent a route planner status we cannot read: {exc}",
                node=self.node,
            ) from None
        return self._decode(_planner_decoder.decode, raw, "route planner status")

    async def free_address(self, address: str) -> None:
        """``POST /v4/routeplanner/free/address``: unmark one failing address."""
        await self.request("POST", "/v4/routeplanner/free/address", body={"address": address})

    async def free_all_addresses(self) -> None:
        """``POST /v4/routeplanner/free/all``: unmark every failing address."""
        await self.request("POST", "/v4/routeplanner/free/all")

    async def raw(
        self, method: str, path: str, *, body: Any = None, params: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Any other route (plugin endpoints): returns ``(status, body bytes)``."""
        return await self.request(method, path, body=body, params=params)
