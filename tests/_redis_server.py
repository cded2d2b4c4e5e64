"""A throwaway ``redis-server`` on 127.0.0.1 for the store tests (skipped when not installed)."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

__all__ = ["redis_url"]

REDIS_SERVER = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def redis_url(tmp_path: Path) -> AsyncIterator[str]:
    """Start ``redis-server`` (no persistence, temp dir, free port); yield its URL; stop it."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not on PATH (install redis-server to run the Redis store tests)")
    pytest.importorskip("redis", reason="the redis extra (redis-py) is not installed")
    port = _free_port()
    workdir = tmp_path / "redis"
    workdir.mkdir()
    proc = await asyncio.create_subprocess_exec(
        REDIS_SERVER,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(workdir),
        "--save", "",
        "--appendonly", "no",
        "--protected-mode", "yes",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    seen: list[bytes] = []
    drain: asyncio.Future[bytes] | None = None
    try:
        async with asyncio.timeout(15):
            while True:
                line = await proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"redis-server exited: {b''.join(seen).decode(errors='replace')}")
                seen.append(line)
                if b"Ready to accept connections" in line:
                    break
        drain = asyncio.ensure_future(proc.stdout.read())
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                async with asyncio.timeout(10):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if drain is not None:
            await drain
