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

The steps live in ``_check_network.py`` (URI to TLS) and
``_check_lavalink.py`` (HTTP to search) and share a ``_check_probe.Probe``;
this module runs them in order and prints each result.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from voltricx.cli import _check_lavalink as lavalink
from voltricx.cli import _check_network as network
from voltricx.cli._check_probe import Failed, Found, Probe, display_uri
from voltricx.cli._console import Console

__all__ = ["DEFAULT_USER_ID", "CheckOptions", "Outcome", "StepResult", "run_check"]

#: User id sent on the websocket when ``--user-id`` is not given (any non-zero snowflake works).
DEFAULT_USER_ID = 100000000000000001


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



_Step = Callable[[Probe], Awaitable[Found]]

#: The steps in order: name, the step, and the hint shown when it times out.
_STEPS: list[tuple[str, _Step, str]] = [
    ("URI", network.check_uri, ""),
    ("DNS", network.check_dns, "the resolver did not answer; check this machine's DNS settings"),
    ("TCP", network.check_tcp, "a firewall may drop the packets, or the host is down"),
    ("TLS", network.check_tls, "the port accepted TCP but never finished a TLS handshake"),
    ("HTTP", lavalink.check_http, "the port accepted a connection but sent no HTTP answer"),
    ("Password", lavalink.check_auth, "the server did not answer GET /version in time"),
    ("Version", lavalink.check_version, "the server did not answer GET /v4/info in time"),
    ("Websocket", lavalink.check_websocket, "the upgrade hangs: a proxy may not forward websockets"),
    ("Ready", lavalink.check_ready, "the websocket opened but no ready frame came"),
    ("Info", lavalink.check_info, "the server did not answer GET /v4/info in time"),
    ("Route planner", lavalink.check_route_planner, "GET /v4/routeplanner/status did not answer"),
    ("Search", lavalink.check_search, "the search took too long: the source may be slow or blocked"),
]


class _Checker:
    """One run: the steps in order, each result printed as soon as it is known."""

    def __init__(self, options: CheckOptions, console: Console) -> None:
        self.options = options
        self.out = console
        self.results: list[StepResult] = []
        user_id = options.user_id if options.user_id is not None else DEFAULT_USER_ID
        self.probe = Probe(options, console, user_id=user_id)

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

    async def step(self, name: str, action: _Step, *, timeout_hint: str) -> bool:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self.options.timeout):
                found = await action(self.probe)
        except Failed as exc:
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
        shown = display_uri(opts.uri)
        password = "given" if opts.password else "none"
        out.line(f"{out.paint('voltricx check', 'bold')} {shown}  (password: {password})")
        steps = _STEPS
        try:
            for name, action, timeout_hint in steps:
                if not await self.step(name, action, timeout_hint=timeout_hint):
                    remaining = len(steps) - len(self.results)
                    if remaining:
                        out.line(out.paint(f"  ({remaining} later step(s) not run: they need this one)", "dim"))
                    break
        finally:
            await self.probe.close()
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


async def run_check(options: CheckOptions, console: Console) -> int:
    """Run every step against ``options.uri``, printing as it goes; 0 when the node is usable."""
    return await _Checker(options, console).run()
