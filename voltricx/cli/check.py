"""``python -m voltricx check URI``: why won't my node connect?

Walks the path from the URI to a working session one step at a time and
prints each step as soon as it finishes: ✓ (fine), ! (works, but look at
this), ✗ (fails, with a one-line fix) or - (not applicable), with its time.

1. URI: scheme, host, port, a ``/v4`` or other path mistake
2. DNS: the host name resolves
3. TCP: something accepts connections on the port
4. TLS: the certificate is valid (``https://`` only; errors explained)
5. HTTP: ``GET /version`` answers like Lavalink (not a web page, not a 404)
6. Password: ``GET /version`` with the password (401 missing or, when one was
   given, rejected; 403 wrong)
7. Version: Lavalink v4 (v3 refused; older than 4.2.0 warned about DAVE), or
   NodeLink (warned about what it lacks)
8. Websocket: the upgrade with ``Authorization``, ``User-Id``, ``Client-Name``
9. Ready: the first frame is ``ready`` with a session id
10. Info: version, source managers, plugins, filters
11. Route planner: its status
12. Search: a test load of ``--query`` (skipped without it)

The run stops at the first failing step (later steps depend on it). The
exit code is 0 only when the node is usable. The password is sent only in
the ``Authorization`` header and never printed.

Over 500 lines as one idea: the ``check`` diagnosis, one step per
layer (URI, DNS, TCP, TLS, HTTP, password, version, websocket, ready,
info, route planner, search), each with its own hints.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import html
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from voltricx._transport import LavalinkSocket, open_socket
from voltricx.cli._console import Console, track_length
from voltricx.config import NodeConfig
from voltricx.errors import (
    LavalinkHTTPError,
    NodeAuthError,
    NodeConnectError,
    NodeError,
    NodeProtocolError,
    VoltricxError,
)
from voltricx.models.load import EmptyResult, ErrorResult, PlaylistResult, SearchResult, TrackResult
from voltricx.models.node import Info
from voltricx.rest import RestClient, describe_os_error

__all__ = ["DEFAULT_USER_ID", "CheckOptions", "Outcome", "StepResult", "run_check"]

#: User id sent on the websocket when ``--user-id`` is not given (any non-zero snowflake works).
DEFAULT_USER_ID = 100000000000000001

_NODELINK_LACKS = (
    "NodeLink has no session resuming (after any drop voltricx rebuilds the players on a new "
    "session) and no route planner"
)
_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What to check and how.

    Attributes:
        uri: The node's address, as it would go into ``NodeConfig.uri``.
        password: The node's password (empty: none). Never shown.
        query: Identifier for a test search, e.g. ``ytsearch:lofi``; ``None`` skips it.
        user_id: Bot user id for the websocket handshake (``None``: a placeholder).
        timeout: Seconds allowed for each step.
        insecure: Skip TLS certificate verification.
    """

    uri: str
    password: str = field(default="", repr=False)
    query: str | None = None
    user_id: int | None = None
    timeout: float = 5.0
    insecure: bool = False


class Outcome(enum.StrEnum):
    """How a step went."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(slots=True)
class StepResult:
    """One step: its name, outcome, what was found, how to fix it, and how long it took."""

    name: str
    outcome: Outcome
    detail: str
    hint: str | None = None
    elapsed: float | None = None
    extra: list[str] = field(default_factory=list[str])


class _Failed(Exception):
    def __init__(self, detail: str, hint: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.hint = hint


@dataclass(slots=True)
class _Found:
    detail: str
    warn: str | None = None  # a hint makes the step a warning
    extra: list[str] = field(default_factory=list[str])
    skip: bool = False


def _looks_like_html(content_type: str, body: bytes) -> bool:
    head = body.lstrip()[:20].lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype", b"<html", b"<"))


def _page_title(body: bytes) -> str:
    match = _TITLE_RE.search(body[:4096].decode("utf-8", "replace"))
    if match is None:
        return ""
    return " ".join(html.unescape(match.group(1)).split())[:60]


def _cert_explanation(error: ssl.SSLCertVerificationError, host: str) -> tuple[str, str]:
    code = error.verify_code
    message = error.verify_message or str(error)
    alternative = (
        "or trust it explicitly: NodeConfig(ssl=ssl.create_default_context(cafile='node.pem')); "
        "--insecure skips verification for this check"
    )
    if code == 18:
        return (
            "the certificate is self-signed, so nobody vouches for it",
            f"use a certificate from a public CA (e.g. Let's Encrypt), {alternative}",
        )
    if code == 19:
        return (
            "the certificate chain ends in a self-signed root that is not trusted here",
            f"use a certificate from a public CA, {alternative}",
        )
    if code == 10:
        return ("the certificate has expired", "renew the node's certificate (certbot renew, ...)")
    if code == 9:
        return ("the certificate is not valid yet", "check the clocks of this machine and the node")
    if code == 62:
        return (
            f"the certificate is not issued for {host!r}",
            "connect with the host name the certificate names, or reissue it for this name",
        )
    if code in (20, 21):
        return (
            "the certificate's issuer is not trusted here (incomplete chain or private CA)",
            "serve the full chain (fullchain.pem, not cert.pem) on the node or proxy; on macOS "
            f"run Python's 'Install Certificates.command'; {alternative}",
        )
    return (f"certificate rejected: {message}", f"fix the node's certificate, {alternative}")


class _Checker:
    def __init__(self, options: CheckOptions, console: Console) -> None:
        self.options = options
        self.out = console
        self.results: list[StepResult] = []
        self.config: NodeConfig | None = None
        self.host = ""
        self.port = 0
        self.tls = False
        self.addresses: list[tuple[int, str]] = []
        self.session: aiohttp.ClientSession | None = None
        self.rest: RestClient | None = None
        self.ws: LavalinkSocket | None = None
        self.ready_failure: NodeError | None = None
        self.open_access = False
        self.version_text = ""

    # -- running -----------------------------------------------------------------------

    def _symbol(self, outcome: Outcome) -> str:
        out = self.out
        return {
            Outcome.OK: out.paint(out.symbol("✓", "OK"), "green", "bold"),
            Outcome.WARN: out.paint("!" if out.unicode else "WARN", "yellow", "bold"),
            Outcome.FAIL: out.paint(out.symbol("✗", "FAIL"), "red", "bold"),
            Outcome.SKIP: out.paint("-" if out.unicode else "SKIP", "dim"),
        }[outcome]

    def _show(self, result: StepResult) -> None:
        out = self.out
        timing = f"  {out.paint(f'({result.elapsed * 1000:.0f} ms)', 'dim')}" if result.elapsed is not None else ""
        detail = result.detail if result.outcome is not Outcome.SKIP else out.paint(result.detail, "dim")
        out.line(f"  {self._symbol(result.outcome)} {result.name:<13} {detail}{timing}")
        for extra in result.extra:
            out.line(f"      {extra}")
        if result.hint:
            label = "fix" if result.outcome is Outcome.FAIL else "note"
            colour = "red" if result.outcome is Outcome.FAIL else "yellow"
            out.line(f"      {out.paint(label + ':', colour)} {result.hint}")

    async def step(self, name: str, action: Callable[[], Awaitable[_Found]], *, timeout_hint: str) -> bool:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self.options.timeout):
                found = await action()
        except _Failed as exc:
            result = StepResult(name, Outcome.FAIL, exc.detail, exc.hint)
        except TimeoutError:
            result = StepResult(name, Outcome.FAIL, f"no answer within {self.options.timeout:g}s", timeout_hint)
        else:
            if found.skip:
                outcome = Outcome.SKIP
            elif found.warn:
                outcome = Outcome.WARN
            else:
                outcome = Outcome.OK
            result = StepResult(name, outcome, found.detail, found.warn, extra=found.extra)
        if result.outcome is not Outcome.SKIP:
            result.elapsed = time.perf_counter() - start
        self.results.append(result)
        self._show(result)
        return result.outcome is not Outcome.FAIL

    async def run(self) -> int:
        opts = self.options
        out = self.out
        shown = self._display_uri(opts.uri)
        password = "given" if opts.password else "none"
        out.line(f"{out.paint('voltricx check', 'bold')} {shown}  (password: {password})")
        steps: list[tuple[str, Callable[[], Awaitable[_Found]], str]] = [
            ("URI", self.check_uri, ""),
            ("DNS", self.check_dns, "the resolver did not answer; check this machine's DNS settings"),
            ("TCP", self.check_tcp, "a firewall may drop the packets, or the host is down"),
            ("TLS", self.check_tls, "the port accepted TCP but never finished a TLS handshake"),
            ("HTTP", self.check_http, "the port accepted a connection but sent no HTTP answer"),
            ("Password", self.check_auth, "the server did not answer GET /version in time"),
            ("Version", self.check_version, "the server did not answer GET /v4/info in time"),
            ("Websocket", self.check_websocket, "the upgrade hangs: a proxy may not forward websockets"),
            ("Ready", self.check_ready, "the websocket opened but no ready frame came"),
            ("Info", self.check_info, "the server did not answer GET /v4/info in time"),
            ("Route planner", self.check_route_planner, "GET /v4/routeplanner/status did not answer"),
            ("Search", self.check_search, "the search took too long: the source may be slow or blocked"),
        ]
        try:
            for name, action, timeout_hint in steps:
                if not await self.step(name, action, timeout_hint=timeout_hint):
                    remaining = len(steps) - len(self.results)
                    if remaining:
                        out.line(out.paint(f"  ({remaining} later step(s) not run: they need this one)", "dim"))
                    break
        finally:
            await self.close()
        return self.summary()

    def summary(self) -> int:
        out = self.out
        failed = [r for r in self.results if r.outcome is Outcome.FAIL]
        warnings = [r for r in self.results if r.outcome is Outcome.WARN]
        out.line()
        if failed:
            first = failed[0]
            out.line(out.paint(f"{out.symbol('✗', 'FAIL')} not usable: {first.name}: {first.detail}", "red", "bold"))
            return 1
        note = f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else ""
        out.line(out.paint(f"{out.symbol('✓', 'OK')} node is usable{note}", "green", "bold"))
        return 0

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.session is not None and not self.session.closed:
            await self.session.close()

    @staticmethod
    def _display_uri(uri: str) -> str:
        """The URI without any ``user:password@`` part."""
        parts = urlsplit(uri)
        if parts.username is None and parts.password is None:
            return uri
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        try:
            port = parts.port
        except ValueError:
            port = None
        if port is not None:
            netloc += f":{port}"
        return parts._replace(netloc=netloc).geturl()

    # -- steps -------------------------------------------------------------------------

    async def check_uri(self) -> _Found:
        uri = self.options.uri.strip()
        if "://" not in uri:
            raise _Failed(
                f"{self._display_uri(uri)!r} has no scheme",
                f"write it as http://{uri.rstrip('/')} (or https:// when the node uses TLS)",
            )
        parts = urlsplit(uri)
        scheme = parts.scheme.lower()
        if scheme in ("ws", "wss"):
            fixed = "https" if scheme == "wss" else "http"
            raise _Failed(
                f"{scheme}:// is the websocket address",
                f"give the server root, {fixed}://{parts.hostname}:{parts.port or 2333}; "
                "voltricx derives the websocket address (/v4/websocket) itself",
            )
        if scheme not in ("http", "https"):
            raise _Failed(f"unknown scheme {scheme!r}", "use http:// or https://")
        if not parts.hostname:
            raise _Failed("no host name", "write it as http://HOST:PORT, e.g. http://localhost:2333")
        try:
            port = parts.port
        except ValueError:
            raise _Failed(
                f"the port in {parts.netloc!r} is not a number from 1 to 65535",
                "write it as http://HOST:PORT; Lavalink listens on 2333 unless server.port says otherwise",
            ) from None
        path = parts.path.rstrip("/")
        lowered = path.lower()
        for wrong in ("/v4/websocket", "/v4", "/v3/websocket", "/v3", "/websocket", "/version"):
            if lowered.endswith(wrong):
                prefix = path[: len(path) - len(wrong)]
                raise _Failed(
                    f"the URI ends in {path[len(prefix):]!r}",
                    f"use the server root: {scheme}://{parts.netloc}{prefix}; voltricx adds "
                    "/v4/... to every request itself",
                )
        if parts.username is not None or parts.password is not None:
            raise _Failed(
                "the URI contains user:password@",
                "Lavalink takes its password in the Authorization header: remove it from the URI "
                "and pass --password (NodeConfig.password)",
            )
        if parts.query or parts.fragment:
            raise _Failed("the URI has a query or fragment", f"use {scheme}://{parts.netloc}{path}")
        try:
            self.config = NodeConfig(identifier="check", uri=uri, password=self.options.password)
        except VoltricxError as exc:
            raise _Failed(str(exc)) from None
        self.host = parts.hostname
        self.tls = scheme == "https"
        self.port = port if port is not None else (443 if self.tls else 80)
        arrow = self.out.symbol("→", "->")
        found = _Found(f"{self._display_uri(self.config.rest_uri)} {arrow} {self.config.websocket_uri}")
        if path:
            found.extra.append(f"path prefix {path!r} (a reverse proxy?) is kept on every request")
        if port is None:
            found.warn = (
                f"no port given, so {self.port} is used; Lavalink's default is 2333 "
                "(fine if a proxy listens on this port)"
            )
        return found

    async def check_dns(self) -> _Found:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            pass
        else:
            self.addresses = [(socket.AF_INET6 if ":" in self.host else socket.AF_INET, self.host)]
            return _Found(f"{self.host} is an IP address; nothing to look up")
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise _Failed(
                f"cannot resolve {self.host!r} ({exc.strerror})",
                "check the spelling; in Docker Compose use the service name; 'localhost' only "
                "works when the node runs on this machine (or in this container)",
            ) from None
        seen: list[tuple[int, str]] = []
        for family, _, _, _, sockaddr in infos:
            entry = (int(family), str(sockaddr[0]))
            if entry not in seen:
                seen.append(entry)
        self.addresses = seen
        return _Found(f"{self.host} {self.out.symbol('→', '->')} {', '.join(a for _, a in seen)}")

    async def check_tcp(self) -> _Found:
        errors: list[str] = []
        refused = False
        for _, address in self.addresses:
            try:
                _, writer = await asyncio.open_connection(address, self.port)
            except OSError as exc:
                refused = refused or isinstance(exc, ConnectionRefusedError)
                errors.append(f"{address}: {describe_os_error(exc)}")
                continue
            writer.close()
            await writer.wait_closed()
            shown = f"[{address}]" if ":" in address else address
            return _Found(f"connected to {shown}:{self.port}")
        reason = "; ".join(errors) or "no address to connect to"
        if refused:
            hint = (
                f"nothing listens on port {self.port}: is Lavalink running, and is server.port "
                f"{self.port} in its application.yml? In Docker, publish the port (-p "
                f"{self.port}:{self.port}) and set server.address to 0.0.0.0"
            )
        else:
            hint = "a firewall or the network blocks the connection; check the host and port"
        raise _Failed(f"cannot connect ({reason})", hint)

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.options.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    async def check_tls(self) -> _Found:
        if not self.tls:
            if self.port == 443:
                return _Found("plain http:// on port 443, where TLS is usual", warn="use https:// if the node expects TLS")
            return _Found("plain http://, no TLS", skip=True)
        address = self.addresses[0][1]
        try:
            _, writer = await asyncio.open_connection(
                address, self.port, ssl=self._ssl_context(), server_hostname=self.host
            )
        except ssl.SSLCertVerificationError as exc:
            detail, hint = _cert_explanation(exc, self.host)
            raise _Failed(detail, hint) from None
        except ssl.SSLError as exc:
            text = f"{exc.reason or ''} {exc}".upper()
            if "WRONG_VERSION_NUMBER" in text or "RECORD_LAYER" in text or "PACKET_LENGTH" in text:
                raise _Failed(
                    "the port answers plain HTTP, not TLS",
                    f"use http://{self.host}:{self.port}, or enable TLS on the node/proxy",
                ) from None
            raise _Failed(f"TLS handshake failed ({exc.reason or exc})", "check the node's TLS setup") from None
        except (ConnectionResetError, asyncio.IncompleteReadError) as exc:
            raise _Failed(
                f"the connection closed during the TLS handshake ({type(exc).__name__})",
                "the port may not speak TLS; try http://",
            ) from None
        except OSError as exc:
            raise _Failed(f"TLS connection failed ({describe_os_error(exc)})") from None
        try:
            sslobj = writer.get_extra_info("ssl_object")
            version = sslobj.version() if isinstance(sslobj, ssl.SSLObject) else "TLS"
            cert = sslobj.getpeercert() if isinstance(sslobj, ssl.SSLObject) else None
        finally:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()
        if self.options.insecure:
            return _Found(
                f"{version}; certificate NOT verified (--insecure)",
                warn="voltricx verifies certificates unless NodeConfig(ssl=False) or a custom ssl context",
            )
        subject = ""
        expires = ""
        if cert:
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        subject = f", certificate for {value}"
            not_after = cert.get("notAfter")
            if isinstance(not_after, str):
                expires = f", valid until {not_after}"
        return _Found(f"{version}{subject}{expires}")

    def _http(self) -> aiohttp.ClientSession:
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.options.timeout))
        return self.session

    def _rest(self) -> RestClient:
        if self.rest is None:
            assert self.config is not None
            ssl_setting: ssl.SSLContext | bool = self._ssl_context() if self.tls else True
            self.rest = RestClient(
                node="check",
                base_url=self.config.rest_uri,
                password=self.options.password,
                client_name=self.config.client_name,
                timeout=self.options.timeout,
                ssl_context=ssl_setting,
                session=self._http(),
            )
        return self.rest

    async def check_http(self) -> _Found:
        assert self.config is not None
        url = self.config.rest_uri + "/version"
        ssl_setting: ssl.SSLContext | bool = self._ssl_context() if self.tls else True
        try:
            async with self._http().get(url, ssl=ssl_setting, allow_redirects=False) as response:
                body = await response.content.read(65536)
                status = response.status
                content_type = response.headers.get("Content-Type", "")
                api = response.headers.get("Lavalink-Api-Version")
                location = response.headers.get("Location", "")
        except aiohttp.ClientError as exc:
            hint = "if the node uses TLS, use https://" if not self.tls else "check the node's log"
            raise _Failed(f"no valid HTTP answer from GET /version ({type(exc).__name__})", hint) from None
        api_note = f", Lavalink-Api-Version: {api}" if api else ""
        if _looks_like_html(content_type, body):
            title = _page_title(body)
            titled = f" ({title!r})" if title else ""
            if status == 403:
                raise _Failed(
                    f"403 with a web page{titled}: a proxy or CDN refuses the request",
                    "let the proxy pass requests to the node (e.g. Cloudflare's bot protection "
                    "blocks clients), or connect to the node directly",
                )
            raise _Failed(
                f"not Lavalink: GET /version answered {status} with a web page{titled}",
                f"another web server answers on port {self.port}; Lavalink listens on 2333 unless "
                "server.port says otherwise (or add the proxy's path prefix to the URI)",
            )
        if status in (301, 302, 303, 307, 308):
            raise _Failed(
                f"GET /version is redirected ({status}) to {location or '?'}",
                "use the address it redirects to (often https://) as the URI",
            )
        if status == 401:
            return _Found(f"answers like Lavalink: /version needs a password (401){api_note}")
        if status == 403:
            return _Found(f"answers 403 without a password{api_note} (a proxy may be in front)")
        if status == 404:
            raise _Failed(
                "GET /version answered 404: not a Lavalink server, or a path prefix is missing",
                "check the port (Lavalink: 2333); behind a reverse proxy add its path prefix to the URI",
            )
        if status >= 500:
            hint = (
                "the reverse proxy cannot reach the node: is Lavalink running behind it?"
                if status in (502, 503, 504)
                else "the server failed; check its log"
            )
            raise _Failed(f"GET /version answered {status}", hint)
        if 200 <= status < 300:
            self.open_access = True
            text = body.decode("utf-8", "replace").strip()
            return _Found(f"GET /version answered {text[:40]!r} without a password{api_note}")
        raise _Failed(f"GET /version answered {status}{api_note}", "this does not look like Lavalink")

    async def check_auth(self) -> _Found:
        try:
            self.version_text = await self._rest().version()
        except NodeAuthError as exc:
            if exc.status == 401 and self.options.password:
                raise _Failed(
                    "password rejected (401)",
                    "it must equal the node's password (Lavalink: lavalink.server.password in "
                    "application.yml; NodeLink: server.password in config.js)",
                ) from None
            if exc.status == 401:
                raise _Failed(
                    "missing password (401)",
                    "pass --password (or set LAVALINK_PASSWORD): lavalink.server.password in the "
                    "node's application.yml",
                ) from None
            raise _Failed(
                "wrong password (403)",
                "it must equal lavalink.server.password in the node's application.yml "
                "(a proxy in front of the node can also answer 403)",
            ) from None
        except NodeError as exc:
            raise _Failed(f"GET /version with the password failed: {exc}") from None
        if self.open_access and not self.options.password:
            return _Found("the server accepts requests without a password")
        return _Found("password accepted")

    async def check_version(self) -> _Found:
        text = self.version_text
        match = _VERSION_RE.match(text)
        if match is None:
            raise _Failed(
                f"/version answered {text[:40]!r}, which is not a version number: not Lavalink",
                "point the URI at the Lavalink server (default port 2333)",
            )
        major, minor = int(match.group(1)), int(match.group(2))
        patch = int(match.group(3) or 0)
        if major == 4:
            if (minor, patch) < (2, 0):
                return _Found(
                    f"Lavalink {text} (v4)",
                    warn=(
                        "older than 4.2.0: Discord's DAVE voice encryption needs Lavalink 4.2.0+; "
                        "upgrade before voice stops working"
                    ),
                )
            return _Found(f"Lavalink {text} (v4)")
        if major > 4:
            return _Found(f"version {text}", warn="a newer major version than voltricx knows; it may still work")
        # Not 4.x: a v4-compatible server (NodeLink numbers its own versions) answers /v4/info.
        try:
            _, raw = await self._rest().request("GET", "/v4/info")
        except LavalinkHTTPError as exc:
            if exc.status == 404:
                old = "v3" if major == 3 else f"v{major}"
                raise _Failed(
                    f"Lavalink {text} is {old}: it has no /v4 API (GET /v4/info answered 404)",
                    "voltricx speaks Lavalink v4 only: upgrade the server to Lavalink 4.2 or newer",
                ) from None
            raise _Failed(f"version {text}, and GET /v4/info answered {exc.status}") from None
        except NodeError as exc:
            raise _Failed(f"version {text}, and GET /v4/info failed: {exc}") from None
        if b"isNodeLink" in raw:
            return _Found(f"NodeLink {text}, speaks the v4 API", warn=_NODELINK_LACKS)
        return _Found(f"server {text}, speaks the v4 API")

    async def check_websocket(self) -> _Found:
        assert self.config is not None
        user_id = self.options.user_id if self.options.user_id is not None else DEFAULT_USER_ID
        headers = self._rest().auth_headers(user_id)
        try:
            # The step's own timeout comes first; the transport's is a backstop.
            self.ws = await open_socket(
                self._http(),
                self.config.websocket_uri,
                headers=headers,
                ssl_context=self._rest().ssl,
                timeout=self.options.timeout * 2,
                password_sent=bool(self.options.password),
            )
        except NodeAuthError as exc:
            raise _Failed(
                f"the websocket refused the password ({exc.status}) although REST accepted it",
                "a proxy in front of the node may strip the Authorization header on upgrades",
            ) from None
        except NodeConnectError as exc:
            status = exc.status
            if status is None and exc.reason is not None and exc.reason.startswith("websocket closed before ready"):
                self.ready_failure = exc  # the upgrade worked; the Ready step reports it
            elif status == 400:
                raise _Failed(
                    "handshake refused (400): the User-Id or Client-Name header was not accepted",
                    "pass --user-id with your bot's user id (not 0)",
                ) from None
            elif status == 404:
                raise _Failed(
                    "no websocket at /v4/websocket (404)",
                    "not a Lavalink v4 server, or the proxy's path prefix is missing from the URI",
                ) from None
            elif status is not None:
                raise _Failed(
                    f"the websocket upgrade failed ({status}: {exc.detail})",
                    "a reverse proxy must forward websocket upgrades (nginx: proxy_http_version 1.1; "
                    'proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade")',
                ) from None
            else:
                raise _Failed(f"the websocket could not be opened ({exc.reason})") from None
        except NodeProtocolError as exc:
            self.ready_failure = exc  # the upgrade worked; the Ready step reports it
        shown = "User-Id, Client-Name" + ("" if self.options.user_id is not None else " (placeholder user id)")
        return _Found(f"upgraded with Authorization, {shown}")

    async def check_ready(self) -> _Found:
        failure = self.ready_failure
        if isinstance(failure, NodeProtocolError):
            raise _Failed(f"{failure.reason or failure}", "this is not a Lavalink v4 server") from None
        if failure is not None:
            raise _Failed(
                f"the {failure.reason}",
                "check the node's log for the reason (a rejected Client-Name or User-Id?)",
            ) from None
        ws = self.ws
        assert ws is not None
        ready = ws.ready
        return _Found(f"session {ready.session_id} (resumed={str(ready.resumed).lower()})")

    async def check_info(self) -> _Found:
        try:
            info: Info = await self._rest().info()
        except NodeError as exc:
            raise _Failed(f"GET /v4/info failed: {exc}") from None
        built = ""
        if info.build_time_ms > 0:
            built = time.strftime(", built %Y-%m-%d", time.gmtime(info.build_time_ms / 1000))
        runtime = f", JVM {info.jvm}" if info.jvm and info.jvm != "0.0.0" else ""
        lavaplayer = f", lavaplayer {info.lavaplayer}" if info.lavaplayer and info.lavaplayer != "0.0.0" else ""
        server = "NodeLink" if self._rest().is_nodelink else "Lavalink"
        found = _Found(f"{server} {info.version.semver}{built}{runtime}{lavaplayer}")
        sources = ", ".join(info.source_managers) or "none"
        plugins = ", ".join(f"{p.name} {p.version}".strip() for p in info.plugins) or "none"
        filters = ", ".join(info.filters) or "none"
        found.extra = [f"sources: {sources}", f"plugins: {plugins}", f"filters: {filters}"]
        if not info.source_managers:
            found.warn = "no source managers: nothing can be loaded; enable sources in application.yml"
        return found

    async def check_route_planner(self) -> _Found:
        try:
            status = await self._rest().routeplanner_status()
        except NodeError as exc:
            return _Found("could not read the status", warn=str(exc))
        if status is None:
            return _Found("none configured (fine unless YouTube rate-limits this node)")
        details = status.details
        failing = len(details.failing_addresses)
        size = f", block {details.ip_block.type} of {details.ip_block.size}"
        current = f", current {details.current_address}" if details.current_address else ""
        found = _Found(f"{status.cls}{size}{current}, {failing} failing address(es)")
        return found

    async def check_search(self) -> _Found:
        query = self.options.query
        if not query:
            return _Found("skipped: pass --query 'ytsearch:...' to try a search", skip=True)
        try:
            result = await self._rest().load_tracks(query)
        except NodeError as exc:
            raise _Failed(f"loading {query!r} failed: {exc}") from None
        if isinstance(result, TrackResult):
            track = result.data
            shown = track_length(track.length, is_stream=track.is_stream)
            return _Found(f"track {track.title!r} by {track.author} ({shown})")
        if isinstance(result, PlaylistResult):
            return _Found(f"playlist {result.data.info.name!r} with {len(result.data.tracks)} track(s)")
        if isinstance(result, SearchResult):
            if not result.data:
                return _Found(f"no results for {query!r}", warn="try another query")
            first = result.data[0]
            return _Found(f"{len(result.data)} result(s), first {first.title!r} by {first.author}")
        if isinstance(result, EmptyResult):
            hint = (
                "nothing matched; a bare query needs a search prefix such as ytsearch: or scsearch:"
                if ":" not in query
                else "nothing matched; try another query"
            )
            return _Found(f"nothing found for {query!r}", warn=hint)
        assert isinstance(result, ErrorResult)
        error = result.data
        detail = f"loading failed ({error.severity}): {error.message or error.cause}"
        if error.severity == "common":
            # An expected failure (video unavailable, private, region-locked): the node works.
            return _Found(detail, warn="this item cannot be played; the node itself answered normally")
        raise _Failed(
            detail,
            "the source behind this query is broken or missing (YouTube needs the youtube-source "
            "plugin); see the node's log",
        )


async def run_check(options: CheckOptions, console: Console) -> int:
    """Run every step against ``options.uri``, printing as it goes; 0 when the node is usable."""
    return await _Checker(options, console).run()
