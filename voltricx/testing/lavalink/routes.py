"""``FakeLavalink``'s REST routes (everything but the player PATCH)."""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import msgspec
from aiohttp import web
from msgspec import UnsetType

from voltricx.codec import encode_info
from voltricx.models.common import LavalinkException
from voltricx.models.load import ErrorResult
from voltricx.models.node import (
    Git,
    Info,
    SessionInfo,
    Version,
)
from voltricx.models.track import Track
from voltricx.testing.lavalink._wire import (
    API_HEADER,
    NO_ROUTE,
    NODELINK_NO_GUILD,
    NODELINK_NO_SESSION,
    RP_BLOCK,
    URL_CHECK_TIMEOUT,
    HTTPError,
    free_decoder,
    info_decoder,
    infos_decoder,
    session_decoder,
    strings_decoder,
)
from voltricx.testing.lavalink.catalogue import details_for
from voltricx.testing.lavalink.faults import FaultsMixin
from voltricx.testing.lavalink.players import (
    FakePlayer,
    FakeSession,
    RecordedRequest,
)
from voltricx.testing.lavalink.plugins import PluginError

__all__: list[str] = []

_log = logging.getLogger("voltricx.testing")

T = TypeVar("T")


class RoutesMixin(FaultsMixin):
    """Routes REST requests and answers them as the simulated server does."""

    async def _route(self, request: web.BaseRequest, rec: RecordedRequest) -> web.StreamResponse:
        parts = request.path.strip("/").split("/")
        method = request.method
        if parts == ["version"]:
            self._allow(method, "GET")
            headers = API_HEADER if self.profile.version_api_header else None
            return web.Response(text=self.version, content_type="text/plain", headers=headers)
        if not parts or parts[0] != "v4":
            raise HTTPError(404, self._not_found)
        rest = parts[1:]
        nodelink = self.profile.name == "nodelink"
        if nodelink and rest == ["info"] and method != "GET":
            raise HTTPError(405, "Request method must be GET")
        if not self.profile.resuming_supported and len(rest) == 2 and rest[0] == "sessions":
            raise HTTPError(404, NO_ROUTE)
        if not self.profile.route_planner_supported and rest[:1] == ["routeplanner"]:
            raise HTTPError(404, NO_ROUTE)
        match rest:
            case ["info"]:
                self._allow(method, "GET")
                return self._json(self._info_body())
            case ["stats"]:
                self._allow(method, "GET")
                return self._json(self._stats_body(websocket=False))
            case ["loadtracks"]:
                self._allow(method, "GET")
                identifier = request.query.get("identifier")
                if identifier is None:
                    raise HTTPError(400, "Required parameter 'identifier' is not present")
                loaded = self.plugin_routes.load(identifier)
                if loaded is None and self.profile.checks_loopback_urls:
                    loaded = await self._check_loopback_url(identifier)
                if loaded is None:
                    loaded = self.catalogue.load(identifier)
                return self._json(self._enc.encode(loaded))
            case ["decodetrack"]:
                self._allow(method, "GET")
                encoded = request.query.get("encodedTrack")
                if not encoded and self.profile.decode_track_alias:
                    encoded = request.query.get("track")
                if not encoded:
                    raise HTTPError(400, "No track to decode provided")
                return self._json(self._decoded_body([self._decode(encoded)])[0])
            case ["decodetracks"]:
                self._allow(method, "POST")
                items = self._body(strings_decoder.decode, rec.body)
                if not items:
                    raise HTTPError(400, "No tracks to decode provided")
                bodies = self._decoded_body([self._decode(e) for e in items])
                return self._json(b"[" + b",".join(bodies) + b"]")
            case ["encodetrack"] if self.profile.encode_routes:
                self._allow(method, "GET")  # NodeLink's extension: a GET with a JSON body
                info = self._body(info_decoder.decode, rec.body)
                return self._json(self._enc.encode(encode_info(info, details=details_for(info))))
            case ["encodetracks"] if self.profile.encode_routes:
                self._allow(method, "POST")
                infos = self._body(infos_decoder.decode, rec.body)
                encoded = [encode_info(i, details=details_for(i)) for i in infos]
                return self._json(self._enc.encode(encoded))
            case ["sessions", sid]:
                self._allow(method, "PATCH")
                return self._patch_session(self._session(sid), rec)
            case ["sessions", sid, "players"]:
                self._allow(method, "GET")
                session = self._session(sid)
                bodies = b",".join(self._player_body(p) for p in session.players.values())
                return self._json(b"[" + bodies + b"]")
            case ["sessions", sid, "players", gid]:
                if len(gid) < self.profile.min_guild_id_length:
                    raise HTTPError(404, NO_ROUTE)
                self._allow(method, "GET", "PATCH", "DELETE")
                if not gid.isdigit():
                    if self.profile.crash_on_bad_guild_id:
                        self._crash(f"non-numeric guild id {gid!r} in {method} {request.path}")
                    raise HTTPError(400, f"Invalid guild id: {gid}")
                session = self._session(sid)
                if method == "GET":
                    player = session.players.get(gid)
                    if player is None:
                        if not self.profile.get_creates_player:
                            raise HTTPError(404, "Player not found")
                        player = FakePlayer(gid, session.session_id, self._clock)
                        session.players[gid] = player
                        self._notify()
                    return self._json(self._player_body(player))
                if method == "DELETE":
                    if nodelink and gid not in session.players:
                        raise HTTPError(404, NODELINK_NO_GUILD)
                    self._destroy_player(session, gid)
                    return web.Response(status=204, headers=API_HEADER)
                return await self._patch_player(request, session, gid, rec)
            case ["routeplanner", "status"]:
                self._allow(method, "GET")
                return self._json(self._enc.encode(self._rp_status()))
            case ["routeplanner", "free", "address"]:
                self._allow(method, "POST")
                return self._rp_free(rec.body)
            case ["routeplanner", "free", "all"]:
                self._allow(method, "POST")
                self._rp_require()
                self._rp_failing.clear()
                return web.Response(status=204, headers=API_HEADER)
            case _:
                try:
                    answer = await self.plugin_routes.route(request, rec.body, rest)
                except PluginError as exc:
                    raise HTTPError(exc.status, exc.message) from None
                if answer is None:
                    raise HTTPError(404, self._not_found)
                return answer

    @staticmethod
    def _body(decode: Callable[[bytes], T], body: bytes) -> T:
        try:
            return decode(body)
        except msgspec.DecodeError as exc:
            raise HTTPError(400, f"Invalid request body: {exc}") from None

    @property
    def _not_found(self) -> str:
        return NO_ROUTE if self.profile.name == "nodelink" else "Not Found"

    def _allow(self, method: str, *allowed: str) -> None:
        if method not in allowed:
            if self.profile.name == "nodelink":
                raise HTTPError(405, f"Request method must be {' or '.join(allowed)}")
            raise HTTPError(405, f"Request method '{method}' is not supported")

    def _crash(self, why: str) -> None:
        """Die the way NodeLink does on an unhandled exception in a request handler."""
        _log.debug("FakeLavalink %s crashed: %s", self.port, why)
        self.crashed: bool = True
        self.kill()
        raise HTTPError(500, f"server crashed: {why}")

    def _session(self, sid: str) -> FakeSession:
        session = self._sessions.get(sid)
        if session is None:
            if self.profile.name == "nodelink":
                raise HTTPError(404, NODELINK_NO_SESSION)
            raise HTTPError(404, "Session not found")
        return session

    async def _check_loopback_url(self, identifier: str) -> ErrorResult | None:
        """NodeLink's look at a URL before it loads it (loopback hosts only): ``None`` if playable."""
        parts = urlsplit(identifier)
        if parts.scheme not in ("http", "https") or parts.hostname is None:
            return None
        host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
        try:
            if not ipaddress.ip_address(host).is_loopback:
                return None
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return None
        timeout = aiohttp.ClientTimeout(total=URL_CHECK_TIMEOUT)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.head(identifier, allow_redirects=True) as response,
            ):
                playable = response.ok and response.content_type.startswith("audio/")
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            reason = (
                "ECONNREFUSED"
                if isinstance(exc, aiohttp.ClientConnectorError)
                else type(exc).__name__
            )
            return ErrorResult(
                LavalinkException(
                    severity="fault",
                    message=f"Not possible to connect to the URL: connect {reason} {host}:{port}",
                    cause="Unknown",
                )
            )
        if playable:
            return None
        return ErrorResult(
            LavalinkException(
                severity="common", message="URL is not a playable stream.", cause="Invalid URL"
            )
        )

    def _decoded_body(self, tracks: list[Track]) -> list[bytes]:
        """Decoded tracks as this profile shows them (NodeLink: no pluginInfo/userData)."""
        if not self.profile.bare_decoded_tracks:
            return [self._enc.encode(t) for t in tracks]
        return [self._enc.encode({"encoded": t.encoded, "info": t.info}) for t in tracks]

    def _info(self) -> Info:
        core = self.version.split("-", 1)
        nums = [*core[0].split("."), "0", "0", "0"][:3]
        major, minor, patch = (int(n) if n.isdigit() else 0 for n in nums)
        return Info(
            version=Version(
                semver=self.version,
                major=major,
                minor=minor,
                patch=patch,
                pre_release=core[1] if len(core) > 1 else None,
                build=None,
            ),
            build_time_ms=1_767_225_600_000,
            git=Git(branch="main", commit="f4ke1a7", commit_time_ms=1_767_225_600_000),
            jvm="21.0.5",
            lavaplayer="2.2.4",
            source_managers=list(self.profile.source_managers),
            filters=list(self.enabled_filters),
            plugins=list(self.plugins),
        )

    def _info_body(self) -> bytes:
        info = self._info()
        if not (self.profile.string_version_parts or self.profile.nodelink_info):
            return self._enc.encode(info)
        body: dict[str, Any] = msgspec.to_builtins(info)
        version = body["version"]
        if self.profile.string_version_parts:
            for key in ("major", "minor", "patch"):
                version[key] = str(version[key])
            version["preRelease"] = version.get("preRelease") or ""
            version.pop("build", None)
        if self.profile.nodelink_info:
            body.update(buildTime=-1, jvm="0.0.0", lavaplayer="0.0.0", isNodeLink=True)
            body["git"] = {"branch": "main", "commit": "unknown", "commitTime": -1}
            body["nodejs"] = "v20.20.2"
        return self._enc.encode(body)

    def _rp_require(self) -> None:
        if not self.route_planner:
            raise HTTPError(500, "Can't access disabled route planner")

    def _rp_status(self) -> dict[str, Any]:
        if not self.route_planner:
            return {"class": None, "details": None}
        failing = [
            {
                "failingAddress": addr,
                "failingTimestamp": ts,
                "failingTime": time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(ts / 1000)),
            }
            for addr, ts in self._rp_failing.items()
        ]
        return {
            "class": "RotatingIpRoutePlanner",
            "details": {
                "ipBlock": {"type": "Inet6Address", "size": str(RP_BLOCK.num_addresses)},
                "failingAddresses": failing,
                "rotateIndex": "0",
                "ipIndex": "1",
                "currentAddress": str(RP_BLOCK.network_address + 1),
            },
        }

    def _rp_free(self, body: bytes) -> web.Response:
        self._rp_require()
        try:
            address = ipaddress.ip_address(free_decoder.decode(body).address)
        except (msgspec.DecodeError, ValueError) as exc:
            raise HTTPError(400, f"Invalid address: {exc}") from None
        if address not in RP_BLOCK:
            raise HTTPError(400, f"Address {address} is not in the configured block")
        self._rp_failing.pop(str(address), None)
        self._notify()
        return web.Response(status=204, headers=API_HEADER)

    def _patch_session(self, session: FakeSession, rec: RecordedRequest) -> web.Response:
        req = self._body(session_decoder.decode, rec.body or b"{}")
        if not isinstance(req.resuming, UnsetType):
            session.resuming = req.resuming
        if not isinstance(req.timeout, UnsetType):
            if req.timeout < 0:
                raise HTTPError(400, "Timeout must be positive")
            session.timeout = req.timeout
        self._notify()
        return self._json(
            self._enc.encode(SessionInfo(resuming=session.resuming, timeout=session.timeout))
        )
