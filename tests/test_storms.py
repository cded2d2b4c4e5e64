"""Reconnect storms: many nodes refusing connections must not turn into a connection flood.

Each node retries with capped exponential backoff and full jitter in the
upper half: after its k-th failure it waits a random delay in
``[c_k / 2, c_k]`` with ``c_k = min(cap, base * 2 ** (k - 1))``. So within a
window of ``W`` seconds one node can make at most ``1 + max{k : sum(c_i / 2
for i <= k) <= W}`` attempts, whatever the jitter. The test counts every
attempt of 50 refused nodes over a fixed window and compares it with that
analytic bound, and checks that the jitter really spreads the retries.
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import statistics
import time
from collections import defaultdict

import pytest

import voltricx
from voltricx import NodeStatus
from voltricx.testing.voice import FakeVoiceGateway

NODES = 50
BASE = 0.2
CAP = 1.6
WINDOW = 4.0


def closed_ports(count: int) -> list[int]:
    """Loopback ports with nothing listening (bound, then released)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def ceiling(k: int) -> float:
    return min(CAP, BASE * 2 ** (k - 1))


def max_attempts_per_node(window: float) -> int:
    """Most attempts one node can make in ``window`` seconds under the backoff schedule."""
    waited, k = 0.0, 0
    while waited + ceiling(k + 1) / 2 <= window:
        k += 1
        waited += ceiling(k) / 2
    return 1 + k


def min_attempts_per_node(window: float) -> int:
    """Attempts one node makes in ``window`` seconds if every delay is the longest."""
    waited, k = 0.0, 0
    while waited + ceiling(k + 1) <= window:
        k += 1
        waited += ceiling(k)
    return 1 + k


class _Attempts(logging.Handler):
    """Collects the time of every failed attempt per node from voltricx's log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.times: dict[str, list[float]] = defaultdict(list)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.endswith("connection failed: connection refused") and message.startswith("node "):
            self.times[message.split(" ")[1].rstrip(":")].append(record.created)


async def test_refusing_nodes_back_off_with_jitter(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="voltricx.node")
    handler = _Attempts()
    logging.getLogger("voltricx.node").addHandler(handler)
    try:
        configs = [
            voltricx.NodeConfig(
                identifier=f"storm{i}",
                uri=f"http://127.0.0.1:{port}",
                password="pw",
                retry_base=BASE,
                retry_cap=CAP,
                connect_timeout=2.0,
            )
            for i, port in enumerate(closed_ports(NODES))
        ]
        started = time.monotonic()
        out = io.StringIO()
        await voltricx.Pool.connect(client=FakeVoiceGateway(), nodes=configs, report_stream=out)
        assert out.getvalue().splitlines()[0] == f"[Lavalink] Node connection report (0/{NODES} connected)"
        # The observation window is the quantity measured, not a synchronisation.
        await asyncio.sleep(max(0.0, WINDOW - (time.monotonic() - started)))
        nodes = list(voltricx.Pool.nodes().values())
        attempts = sum(node.connection_attempts for node in nodes)
    finally:
        logging.getLogger("voltricx.node").removeHandler(handler)

    upper = NODES * max_attempts_per_node(WINDOW)
    lower = NODES * min_attempts_per_node(WINDOW)
    naive = NODES * int(WINDOW / BASE)
    # Time spent by the loop itself only delays attempts, so only the upper bound is strict.
    message = (
        f"storm: {NODES} refusing nodes, {WINDOW:g}s window: {attempts} connection attempts "
        f"(analytic bound {upper}, all-longest-delays {lower}, fixed {BASE:g}s retry would be {naive})"
    )
    print("\n" + message)
    logging.getLogger("voltricx.tests").info(message)
    assert attempts <= upper
    assert attempts >= NODES * 3
    assert all(node.status is not NodeStatus.CONNECTED for node in nodes)

    # Jitter: the first retry delay differs from node to node.
    first_delays = [times[1] - times[0] for times in handler.times.values() if len(times) >= 2]
    assert len(first_delays) == NODES
    assert all(ceiling(1) / 2 - 0.01 <= d for d in first_delays)
    assert statistics.pstdev(first_delays) > 0.01
    assert max(first_delays) - min(first_delays) > ceiling(1) / 4
