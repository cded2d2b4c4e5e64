"""``make conformance``: npm's lavalink-client and Shoukaku, unmodified, against FakeLavalink.

For each client and each server profile this starts a ``FakeDiscordVoice``
and a ``FakeLavalink`` on 127.0.0.1, plus a small control server through
which the client script asks for a kill/restart and reads what the fake
holds. Then it runs ``node CLIENT.mjs`` with the addresses in its
environment. A client script exits 0 when every step matched. Everything
stays on loopback and every run is bounded in time.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
from aiohttp import web

from voltricx.testing import FakeDiscordVoice, FakeLavalink

HERE = Path(__file__).resolve().parent
CLIENTS = tuple(os.environ.get("CONFORMANCE_CLIENTS", "shoukaku,lavalink-client").split(","))
PROFILES = ("lavalink", "nodelink")
PASSWORD = "conformance-pass"
TIMEOUT = 60.0


def control_app(fake: FakeLavalink) -> web.Application:
    async def kill(request: web.Request) -> web.Response:
        fake.kill()
        return web.json_response({"ok": True})

    async def restart(request: web.Request) -> web.Response:
        await fake.restart(keep_sessions=True)
        return web.json_response({"ok": True})

    async def player(request: web.Request) -> web.Response:
        found = fake.player(request.match_info["guild"])
        if found is None:
            return web.json_response(None)
        state: dict[str, Any] = {
            "session": found.session_id,
            "track": found.track.encoded if found.track else None,
            "paused": found.paused,
            "volume": found.volume,
            "position": found.position,
            "connected": found.connected,
            "filters": msgspec.to_builtins(found.filters),
        }
        return web.json_response(state)

    async def sessions(request: web.Request) -> web.Response:
        return web.json_response({sid: len(s.players) for sid, s in fake.sessions.items()})

    app = web.Application()
    app.router.add_post("/kill", kill)
    app.router.add_post("/restart", restart)
    app.router.add_get("/player/{guild}", player)
    app.router.add_get("/sessions", sessions)
    return app


async def run_one(client: str, profile: str) -> tuple[bool, str]:
    async with (
        FakeDiscordVoice() as voice,
        FakeLavalink(
            PASSWORD, profile=profile, route_planner=profile == "lavalink", speed=4.0, voice_handshake=True
        ) as fake,
    ):
        runner = web.AppRunner(control_app(fake), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        env = {
            **os.environ,
            "FAKE_PORT": str(fake.port),
            "FAKE_PASSWORD": PASSWORD,
            "FAKE_PROFILE": profile,
            "FAKE_VERSION": fake.version,
            "VOICE_ENDPOINT": voice.endpoint,
            "CONTROL_URL": f"http://127.0.0.1:{port}",
            "SMALL_PLAYLIST_URL": fake.catalogue.SMALL_PLAYLIST_URL,
        }
        proc = await asyncio.create_subprocess_exec(
            "node", str(HERE / f"{client}.mjs"), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            output, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT)
        except TimeoutError:
            proc.kill()
            output, _ = await proc.communicate()
            return False, output.decode(errors="replace") + f"\n(timed out after {TIMEOUT:g}s)"
        finally:
            await runner.cleanup()
        text = output.decode(errors="replace")
        if proc.returncode == 0 and voice.connection("300000000000000000") is None:
            return False, text + "\n(the client's player never reached the voice server)"
        return proc.returncode == 0, text


async def main() -> int:
    passed = failed = 0
    for client in CLIENTS:
        for profile in PROFILES:
            start = time.perf_counter()
            ok, output = await run_one(client, profile)
            took = time.perf_counter() - start
            print(f"{'PASS' if ok else 'FAIL'} {client} on {profile} ({took:.1f}s)")
            if not ok:
                print("    " + output.strip().replace("\n", "\n    "))
            passed, failed = passed + ok, failed + (not ok)
    print(f"conformance: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
