"""The network steps of ``python -m voltricx check``: URI, DNS, TCP and TLS.

Before anything speaks HTTP: is the URI the server root (not the
websocket address, no ``/v4``, no ``user:password@``), does the host
resolve, does something accept connections on the port, and (``https://``
only) does its certificate verify, each failure with the fix for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from voltricx.cli._check_probe import Failed, Found, Probe, display_uri
from voltricx.config import NodeConfig
from voltricx.errors import VoltricxError
from voltricx.rest import describe_os_error

__all__ = ["check_dns", "check_tcp", "check_tls", "check_uri"]


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


async def check_uri(probe: Probe) -> Found:
    """Step 1: the URI is a server root with a scheme, a host and a port (no ``/v4``, no credentials)."""
    uri = probe.options.uri.strip()
    if "://" not in uri:
        raise Failed(
            f"{display_uri(uri)!r} has no scheme",
            f"write it as http://{uri.rstrip('/')} (or https:// when the node uses TLS)",
        )
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme in ("ws", "wss"):
        fixed = "https" if scheme == "wss" else "http"
        raise Failed(
            f"{scheme}:// is the websocket address",
            f"give the server root, {fixed}://{parts.hostname}:{parts.port or 2333}; "
            "voltricx derives the websocket address (/v4/websocket) itself",
        )
    if scheme not in ("http", "https"):
        raise Failed(f"unknown scheme {scheme!r}", "use http:// or https://")
    if not parts.hostname:
        raise Failed("no host name", "write it as http://HOST:PORT, e.g. http://localhost:2333")
    try:
        port = parts.port
    except ValueError:
        raise Failed(
            f"the port in {parts.netloc!r} is not a number from 1 to 65535",
            "write it as http://HOST:PORT; Lavalink listens on 2333 unless server.port says otherwise",
        ) from None
    path = parts.path.rstrip("/")
    lowered = path.lower()
    for wrong in ("/v4/websocket", "/v4", "/v3/websocket", "/v3", "/websocket", "/version"):
        if lowered.endswith(wrong):
            prefix = path[: len(path) - len(wrong)]
            raise Failed(
                f"the URI ends in {path[len(prefix):]!r}",
                f"use the server root: {scheme}://{parts.netloc}{prefix}; voltricx adds "
                "/v4/... to every request itself",
            )
    if parts.username is not None or parts.password is not None:
        raise Failed(
            "the URI contains user:password@",
            "Lavalink takes its password in the Authorization header: remove it from the URI "
            "and pass --password (NodeConfig.password)",
        )
    if parts.query or parts.fragment:
        raise Failed("the URI has a query or fragment", f"use {scheme}://{parts.netloc}{path}")
    try:
        probe.config = NodeConfig(identifier="check", uri=uri, password=probe.options.password)
    except VoltricxError as exc:
        raise Failed(str(exc)) from None
    probe.host = parts.hostname
    probe.tls = scheme == "https"
    probe.port = port if port is not None else (443 if probe.tls else 80)
    arrow = probe.out.symbol("→", "->")
    found = Found(f"{display_uri(probe.config.rest_uri)} {arrow} {probe.config.websocket_uri}")
    if path:
        found.extra.append(f"path prefix {path!r} (a reverse proxy?) is kept on every request")
    if port is None:
        found.warn = (
            f"no port given, so {probe.port} is used; Lavalink's default is 2333 "
            "(fine if a proxy listens on this port)"
        )
    return found

async def check_dns(probe: Probe) -> Found:
    """Step 2: the host name resolves (an IP address needs no lookup)."""
    try:
        ipaddress.ip_address(probe.host)
    except ValueError:
        pass
    else:
        probe.addresses = [(socket.AF_INET6 if ":" in probe.host else socket.AF_INET, probe.host)]
        return Found(f"{probe.host} is an IP address; nothing to look up")
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(probe.host, probe.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Failed(
            f"cannot resolve {probe.host!r} ({exc.strerror})",
            "check the spelling; in Docker Compose use the service name; 'localhost' only "
            "works when the node runs on this machine (or in this container)",
        ) from None
    seen: list[tuple[int, str]] = []
    for family, _, _, _, sockaddr in infos:
        entry = (int(family), str(sockaddr[0]))
        if entry not in seen:
            seen.append(entry)
    probe.addresses = seen
    return Found(f"{probe.host} {probe.out.symbol('→', '->')} {', '.join(a for _, a in seen)}")

async def check_tcp(probe: Probe) -> Found:
    """Step 3: something accepts TCP connections on the port, at one of the addresses."""
    errors: list[str] = []
    refused = False
    for _, address in probe.addresses:
        try:
            _, writer = await asyncio.open_connection(address, probe.port)
        except OSError as exc:
            refused = refused or isinstance(exc, ConnectionRefusedError)
            errors.append(f"{address}: {describe_os_error(exc)}")
            continue
        writer.close()
        await writer.wait_closed()
        shown = f"[{address}]" if ":" in address else address
        return Found(f"connected to {shown}:{probe.port}")
    reason = "; ".join(errors) or "no address to connect to"
    if refused:
        hint = (
            f"nothing listens on port {probe.port}: is Lavalink running, and is server.port "
            f"{probe.port} in its application.yml? In Docker, publish the port (-p "
            f"{probe.port}:{probe.port}) and set server.address to 0.0.0.0"
        )
    else:
        hint = "a firewall or the network blocks the connection; check the host and port"
    raise Failed(f"cannot connect ({reason})", hint)


async def check_tls(probe: Probe) -> Found:
    """Step 4 (``https://`` only): the TLS handshake works and the certificate verifies."""
    if not probe.tls:
        if probe.port == 443:
            return Found("plain http:// on port 443, where TLS is usual", warn="use https:// if the node expects TLS")
        return Found("plain http://, no TLS", skip=True)
    address = probe.addresses[0][1]
    try:
        _, writer = await asyncio.open_connection(
            address, probe.port, ssl=probe.ssl_context(), server_hostname=probe.host
        )
    except ssl.SSLCertVerificationError as exc:
        detail, hint = _cert_explanation(exc, probe.host)
        raise Failed(detail, hint) from None
    except ssl.SSLError as exc:
        text = f"{exc.reason or ''} {exc}".upper()
        if "WRONG_VERSION_NUMBER" in text or "RECORD_LAYER" in text or "PACKET_LENGTH" in text:
            raise Failed(
                "the port answers plain HTTP, not TLS",
                f"use http://{probe.host}:{probe.port}, or enable TLS on the node/proxy",
            ) from None
        raise Failed(f"TLS handshake failed ({exc.reason or exc})", "check the node's TLS setup") from None
    except (ConnectionResetError, asyncio.IncompleteReadError) as exc:
        raise Failed(
            f"the connection closed during the TLS handshake ({type(exc).__name__})",
            "the port may not speak TLS; try http://",
        ) from None
    except OSError as exc:
        raise Failed(f"TLS connection failed ({describe_os_error(exc)})") from None
    try:
        sslobj = writer.get_extra_info("ssl_object")
        version = sslobj.version() if isinstance(sslobj, ssl.SSLObject) else "TLS"
        cert = sslobj.getpeercert() if isinstance(sslobj, ssl.SSLObject) else None
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
    if probe.options.insecure:
        return Found(
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
    return Found(f"{version}{subject}{expires}")
