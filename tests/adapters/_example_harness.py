"""Run one dpy-family example bot against FakeDiscord + FakeLavalink (a subprocess entry point).

``python -m tests.adapters._example_harness discordpy`` starts both fakes,
points the library at FakeDiscord, sets the example's environment variables
(token, node, and the scripted-session query), runs the example's ``main()``
and checks that the bot joined voice, the node received the voice update and
a track, and the bot logged out. It prints one JSON line and exits 0 on success.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from voltricx.testing import FakeLavalink
from voltricx.testing.discord.gateway import (
    FakeDiscord,
    LibraryPatch,
    configure_discordpy,
    configure_disnake,
    configure_nextcord,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIGURE = {
    "discordpy": configure_discordpy,
    "nextcord": configure_nextcord,
    "disnake": configure_disnake,
}
QUERY = "ytsearch:voltricx example"


def load_example(name: str) -> Any:
    path = ROOT / "examples" / name / "bot.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def run(name: str) -> dict[str, Any]:
    async with FakeDiscord(max_lifetime=60) as discord_fake, FakeLavalink("example-pass") as node:
        patch: LibraryPatch = CONFIGURE[name](discord_fake)
        try:
            os.environ.update(
                DISCORD_TOKEN=discord_fake.bot_token,
                LAVALINK_NODES=node.uri,
                LAVALINK_PASSWORD="example-pass",
                VOLTRICX_EXAMPLE_SCRIPT=QUERY,
            )
            example = load_example(name)
            await asyncio.wait_for(example.main(), 45)
            # The example returned after logging out; the fake sees the socket close.
            await discord_fake.wait_for(lambda: not discord_fake.connected_shards, timeout=10)
        finally:
            patch.undo()
        played = [
            r.json["track"]["encoded"]
            for r in node.requests
            if r.method == "PATCH" and isinstance(r.json, dict) and "track" in r.json
        ]
        voices = [
            r.json["voice"]
            for r in node.requests
            if r.method == "PATCH" and isinstance(r.json, dict) and "voice" in r.json
        ]
        state = discord_fake.voice_state_updates[0]
        server = discord_fake.server_updates[0]
        expected_voice = {
            "token": server.token,
            "endpoint": server.endpoint,
            "sessionId": state.session_id,
            "channelId": str(state.channel_id),
        }
        result = {
            "joined": [r.channel_id for r in discord_fake.voice_requests],
            "voice_ok": voices[:1] == [expected_voice],
            "played": len(played),
            "started": sum(1 for e in node.events if e.type == "TrackStartEvent"),
            "shards_left": sorted(discord_fake.connected_shards),
            "sessions_left": len(node.sessions),
        }
        checks = [
            result["joined"][:1] == [discord_fake.voice_channel_ids[0]],
            result["voice_ok"],
            result["played"] == 1,
            result["started"] >= 1,
            result["shards_left"] == [],
        ]
        result["ok"] = all(checks)
        return result


def main() -> int:
    result = asyncio.run(run(sys.argv[1]))
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
