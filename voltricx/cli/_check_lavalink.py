"""The Lavalink steps of ``python -m voltricx check``: from ``GET /version`` to a test search.

HTTP (does Lavalink answer, not a web page or a proxy), password, version
(v4; older than 4.2.0 warned about DAVE; NodeLink warned about what it
lacks), websocket upgrade, the ``ready`` frame, info, route planner and,
with ``--query``, a test load. The websocket is opened through the same
transport as a [`Node`][voltricx.Node]'s, so the check sees what the pool
would see.
"""

from __future__ import annotations

import html
import re
import ssl
import time

import aiohttp

from voltricx._transport import open_socket
from voltricx.cli._check_probe import Failed, Found, Probe
from voltricx.cli._console import track_length
from voltricx.errors import (
    LavalinkHTTPError,
    NodeAuthError,
    NodeConnectError,
    NodeError,
    NodeProtocolError,
)
from voltricx.models.load import EmptyResult, ErrorResult, PlaylistResult, SearchResult, TrackResult
from voltricx.models.node import Info

__all__ = [
    "check_auth",
    "check_http",
    "check_info",
    "check_ready",
    "check_route_planner",
    "check_search",
    "check_version",
    "check_websocket",
]

_NODELINK_LACKS = (
    "NodeLink has no session resuming (after any drop voltricx rebuilds the players on a new "
    "session) and no route planner"
)
_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _looks_like_html(content_type: str, body: bytes) -> bool:
    head = body.lstrip()[:20].lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype", b"<html", b"<"))


def _page_title(body: bytes) -> str:
    match = _TITLE_RE.search(body[:4096].decode("utf-8", "replace"))
    if match is None:
        return ""
    return " ".join(html.unescape(match.group(1)).split())[:60]


async def check_http(probe: Probe) -> Found:
    """Step 5: ``GET /version`` answers like Lavalink, not a web page, a redirect or a 404."""
    assert probe.config is not None
    url = probe.config.rest_uri + "/version"
    ssl_setting: ssl.SSLContext | bool = probe.ssl_context() if probe.tls else True
    try:
        async with probe.http().get(url, ssl=ssl_setting, allow_redirects=False) as response:
            body = await response.content.read(65536)
            status = response.status
            content_type = response.headers.get("Content-Type", "")
            api = response.headers.get("Lavalink-Api-Version")
            location = response.headers.get("Location", "")
    except aiohttp.ClientError as exc:
        hint = "if the node uses TLS, use https://" if not probe.tls else "check the node's log"
        raise Failed(f"no valid HTTP answer from GET /version ({type(exc).__name__})", hint) from None
    api_note = f", Lavalink-Api-Version: {api}" if api else ""
    if _looks_like_html(content_type, body):
        title = _page_title(body)
        titled = f" ({title!r})" if title else ""
        if status == 403:
            raise Failed(
                f"403 with a web page{titled}: a proxy or CDN refuses the request",
                "let the proxy pass requests to the node (e.g. Cloudflare's bot protection "
                "blocks clients), or connect to the node directly",
            )
        raise Failed(
            f"not Lavalink: GET /version answered {status} with a web page{titled}",
            f"another web server answers on port {probe.port}; Lavalink listens on 2333 unless "
            "server.port says otherwise (or add the proxy's path prefix to the URI)",
        )
    if status in (301, 302, 303, 307, 308):
        raise Failed(
            f"GET /version is redirected ({status}) to {location or '?'}",
            "use the address it redirects to (often https://) as the URI",
        )
    if status == 401:
        return Found(f"answers like Lavalink: /version needs a password (401){api_note}")
    if status == 403:
        return Found(f"answers 403 without a password{api_note} (a proxy may be in front)")
    if status == 404:
        raise Failed(
            "GET /version answered 404: not a Lavalink server, or a path prefix is missing",
            "check the port (Lavalink: 2333); behind a reverse proxy add its path prefix to the URI",
        )
    if status >= 500:
        hint = (
            "the reverse proxy cannot reach the node: is Lavalink running behind it?"
            if status in (502, 503, 504)
            else "the server failed; check its log"
        )
        raise Failed(f"GET /version answered {status}", hint)
    if 200 <= status < 300:
        probe.open_access = True
        text = body.decode("utf-8", "replace").strip()
        return Found(f"GET /version answered {text[:40]!r} without a password{api_note}")
    raise Failed(f"GET /version answered {status}{api_note}", "this does not look like Lavalink")

async def check_auth(probe: Probe) -> Found:
    """Step 6: ``GET /version`` with the password is accepted (401 missing or rejected, 403 wrong)."""
    try:
        probe.version_text = await probe.rest().version()
    except NodeAuthError as exc:
        if exc.status == 401 and probe.options.password:
            raise Failed(
                "password rejected (401)",
                "it must equal the node's password (Lavalink: lavalink.server.password in "
                "application.yml; NodeLink: server.password in config.js)",
            ) from None
        if exc.status == 401:
            raise Failed(
                "missing password (401)",
                "pass --password (or set LAVALINK_PASSWORD): lavalink.server.password in the "
                "node's application.yml",
            ) from None
        raise Failed(
            "wrong password (403)",
            "it must equal lavalink.server.password in the node's application.yml "
            "(a proxy in front of the node can also answer 403)",
        ) from None
    except NodeError as exc:
        raise Failed(f"GET /version with the password failed: {exc}") from None
    if probe.open_access and not probe.options.password:
        return Found("the server accepts requests without a password")
    return Found("password accepted")

async def check_version(probe: Probe) -> Found:
    """Step 7: the server speaks Lavalink v4 (v3 refused; before 4.2.0 and NodeLink warned about)."""
    text = probe.version_text
    match = _VERSION_RE.match(text)
    if match is None:
        raise Failed(
            f"/version answered {text[:40]!r}, which is not a version number: not Lavalink",
            "point the URI at the Lavalink server (default port 2333)",
        )
    major, minor = int(match.group(1)), int(match.group(2))
    patch = int(match.group(3) or 0)
    if major == 4:
        if (minor, patch) < (2, 0):
            return Found(
                f"Lavalink {text} (v4)",
                warn=(
                    "older than 4.2.0: Discord's DAVE voice encryption needs Lavalink 4.2.0+; "
                    "upgrade before voice stops working"
                ),
            )
        return Found(f"Lavalink {text} (v4)")
    if major > 4:
        return Found(f"version {text}", warn="a newer major version than voltricx knows; it may still work")
    # Not 4.x: a v4-compatible server (NodeLink numbers its own versions) answers /v4/info.
    try:
        _, raw = await probe.rest().request("GET", "/v4/info")
    except LavalinkHTTPError as exc:
        if exc.status == 404:
            old = "v3" if major == 3 else f"v{major}"
            raise Failed(
                f"Lavalink {text} is {old}: it has no /v4 API (GET /v4/info answered 404)",
                "voltricx speaks Lavalink v4 only: upgrade the server to Lavalink 4.2 or newer",
            ) from None
        raise Failed(f"version {text}, and GET /v4/info answered {exc.status}") from None
    except NodeError as exc:
        raise Failed(f"version {text}, and GET /v4/info failed: {exc}") from None
    if b"isNodeLink" in raw:
        return Found(f"NodeLink {text}, speaks the v4 API", warn=_NODELINK_LACKS)
    return Found(f"server {text}, speaks the v4 API")

async def check_websocket(probe: Probe) -> Found:
    """Step 8: the websocket upgrade with ``Authorization``, ``User-Id`` and ``Client-Name``."""
    assert probe.config is not None
    user_id = probe.user_id
    headers = probe.rest().auth_headers(user_id)
    try:
        # The step's own timeout comes first; the transport's is a backstop.
        probe.ws = await open_socket(
            probe.http(),
            probe.config.websocket_uri,
            headers=headers,
            ssl_context=probe.rest().ssl,
            timeout=probe.options.timeout * 2,
            password_sent=bool(probe.options.password),
        )
    except NodeAuthError as exc:
        raise Failed(
            f"the websocket refused the password ({exc.status}) although REST accepted it",
            "a proxy in front of the node may strip the Authorization header on upgrades",
        ) from None
    except NodeConnectError as exc:
        status = exc.status
        if status is None and exc.reason is not None and exc.reason.startswith("websocket closed before ready"):
            probe.ready_failure = exc  # the upgrade worked; the Ready step reports it
        elif status == 400:
            raise Failed(
                "handshake refused (400): the User-Id or Client-Name header was not accepted",
                "pass --user-id with your bot's user id (not 0)",
            ) from None
        elif status == 404:
            raise Failed(
                "no websocket at /v4/websocket (404)",
                "not a Lavalink v4 server, or the proxy's path prefix is missing from the URI",
            ) from None
        elif status is not None:
            raise Failed(
                f"the websocket upgrade failed ({status}: {exc.detail})",
                "a reverse proxy must forward websocket upgrades (nginx: proxy_http_version 1.1; "
                'proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade")',
            ) from None
        else:
            raise Failed(f"the websocket could not be opened ({exc.reason})") from None
    except NodeProtocolError as exc:
        probe.ready_failure = exc  # the upgrade worked; the Ready step reports it
    shown = "User-Id, Client-Name" + ("" if probe.options.user_id is not None else " (placeholder user id)")
    return Found(f"upgraded with Authorization, {shown}")

async def check_ready(probe: Probe) -> Found:
    """Step 9: the first frame is ``ready`` with a session id."""
    failure = probe.ready_failure
    if isinstance(failure, NodeProtocolError):
        raise Failed(f"{failure.reason or failure}", "this is not a Lavalink v4 server") from None
    if failure is not None:
        raise Failed(
            f"the {failure.reason}",
            "check the node's log for the reason (a rejected Client-Name or User-Id?)",
        ) from None
    ws = probe.ws
    assert ws is not None
    ready = ws.ready
    return Found(f"session {ready.session_id} (resumed={str(ready.resumed).lower()})")

async def check_info(probe: Probe) -> Found:
    """Step 10: ``GET /v4/info``: version, source managers, plugins and filters."""
    try:
        info: Info = await probe.rest().info()
    except NodeError as exc:
        raise Failed(f"GET /v4/info failed: {exc}") from None
    built = ""
    if info.build_time_ms > 0:
        built = time.strftime(", built %Y-%m-%d", time.gmtime(info.build_time_ms / 1000))
    runtime = f", JVM {info.jvm}" if info.jvm and info.jvm != "0.0.0" else ""
    lavaplayer = f", lavaplayer {info.lavaplayer}" if info.lavaplayer and info.lavaplayer != "0.0.0" else ""
    server = "NodeLink" if probe.rest().is_nodelink else "Lavalink"
    found = Found(f"{server} {info.version.semver}{built}{runtime}{lavaplayer}")
    sources = ", ".join(info.source_managers) or "none"
    plugins = ", ".join(f"{p.name} {p.version}".strip() for p in info.plugins) or "none"
    filters = ", ".join(info.filters) or "none"
    found.extra = [f"sources: {sources}", f"plugins: {plugins}", f"filters: {filters}"]
    if not info.source_managers:
        found.warn = "no source managers: nothing can be loaded; enable sources in application.yml"
    return found

async def check_route_planner(probe: Probe) -> Found:
    """Step 11: the route planner's status (none configured is fine)."""
    try:
        status = await probe.rest().routeplanner_status()
    except NodeError as exc:
        return Found("could not read the status", warn=str(exc))
    if status is None:
        return Found("none configured (fine unless YouTube rate-limits this node)")
    details = status.details
    failing = len(details.failing_addresses)
    size = f", block {details.ip_block.type} of {details.ip_block.size}"
    current = f", current {details.current_address}" if details.current_address else ""
    found = Found(f"{status.cls}{size}{current}, {failing} failing address(es)")
    return found

async def check_search(probe: Probe) -> Found:
    """Step 12: a test load of ``--query`` (skipped without it)."""
    query = probe.options.query
    if not query:
        return Found("skipped: pass --query 'ytsearch:...' to try a search", skip=True)
    try:
        result = await probe.rest().load_tracks(query)
    except NodeError as exc:
        raise Failed(f"loading {query!r} failed: {exc}") from None
    if isinstance(result, TrackResult):
        track = result.data
        shown = track_length(track.length, is_stream=track.is_stream)
        return Found(f"track {track.title!r} by {track.author} ({shown})")
    if isinstance(result, PlaylistResult):
        return Found(f"playlist {result.data.info.name!r} with {len(result.data.tracks)} track(s)")
    if isinstance(result, SearchResult):
        if not result.data:
            return Found(f"no results for {query!r}", warn="try another query")
        first = result.data[0]
        return Found(f"{len(result.data)} result(s), first {first.title!r} by {first.author}")
    if isinstance(result, EmptyResult):
        hint = (
            "nothing matched; a bare query needs a search prefix such as ytsearch: or scsearch:"
            if ":" not in query
            else "nothing matched; try another query"
        )
        return Found(f"nothing found for {query!r}", warn=hint)
    assert isinstance(result, ErrorResult)
    error = result.data
    detail = f"loading failed ({error.severity}): {error.message or error.cause}"
    if error.severity == "common":
        # An expected failure (video unavailable, private, region-locked): the node works.
        return Found(detail, warn="this item cannot be played; the node itself answered normally")
    raise Failed(
        detail,
        "the source behind this query is broken or missing (YouTube needs the youtube-source "
        "plugin); see the node's log",
    )
