"""What the steps of ``python -m voltricx check`` learn and share, and how a step reports.

Each step is a coroutine function taking the [`Probe`][voltricx.cli._check_probe.Probe]:
it reads what earlier steps found (the host, port and addresses, the open
websocket), records what later steps need, and returns a
[`Found`][voltricx.cli._check_probe.Found] or raises
[`Failed`][voltricx.cli._check_probe.Failed] with a one-line fix. The probe
also owns the HTTP session, the REST client and the websocket the steps
open, and closes them at the end.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from voltricx._transport import LavalinkSocket
from voltricx.cli._console import Console
from voltricx.config import NodeConfig
from voltricx.errors import NodeError
from voltricx.rest import RestClient

if TYPE_CHECKING:
    from voltricx.cli.check import CheckOptions

__all__ = ["Failed", "Found", "Probe", "display_uri"]


class Failed(Exception):
    """The step fails: what was found, and how to fix it."""

    def __init__(self, detail: str, hint: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.hint = hint


@dataclass(slots=True)
class Found:
    """The step passed: what was found; a ``warn`` hint makes it a warning, ``skip`` not applicable."""

    detail: str
    warn: str | None = None
    extra: list[str] = field(default_factory=list[str])
    skip: bool = False


def display_uri(uri: str) -> str:
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


class Probe:
    """One run's findings and open connections, shared by its steps."""

    def __init__(self, options: CheckOptions, console: Console, *, user_id: int) -> None:
        self.options = options
        self.out = console
        self.user_id = user_id
        """The bot user id sent on the websocket (``--user-id`` or a placeholder)."""
        self.config: NodeConfig | None = None
        self.host = ""
        self.port = 0
        self.tls = False
        self.addresses: list[tuple[int, str]] = []
        self.session: aiohttp.ClientSession | None = None
        self.client: RestClient | None = None
        self.ws: LavalinkSocket | None = None
        self.ready_failure: NodeError | None = None
        self.open_access = False
        self.version_text = ""

    def ssl_context(self) -> ssl.SSLContext:
        """A default TLS context, or one that verifies nothing with ``--insecure``."""
        context = ssl.create_default_context()
        if self.options.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def http(self) -> aiohttp.ClientSession:
        """The run's HTTP session (opened on first use)."""
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.options.timeout))
        return self.session

    def rest(self) -> RestClient:
        """The run's REST client for the node (made on first use, once the URI step passed)."""
        if self.client is None:
            assert self.config is not None
            ssl_setting: ssl.SSLContext | bool = self.ssl_context() if self.tls else True
            self.client = RestClient(
                node="check",
                base_url=self.config.rest_uri,
                password=self.options.password,
                client_name=self.config.client_name,
                timeout=self.options.timeout,
                ssl_context=ssl_setting,
                session=self.http(),
            )
        return self.client

    async def close(self) -> None:
        """Close the websocket and the HTTP session the steps opened."""
        if self.ws is not None:
            await self.ws.close()
        if self.session is not None and not self.session.closed:
            await self.session.close()
