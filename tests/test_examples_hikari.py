"""Smoke run of examples/hikari/bot.py: a real process on FakeDiscord + FakeLavalink.

The example starts from its environment variables, joins a voice channel and
plays a track when told to by chat messages, and exits 0 on SIGINT after
leaving voice and closing the pool.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, FakeFactory
from voltricx.testing import FakeLavalink
from voltricx.testing.discord.gateway import FakeDiscord

pytest.importorskip("hikari")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "hikari" / "bot.py"
TIMEOUT = 20.0
_ids = itertools.count(1)


def message_payload(fake: FakeDiscord, content: str) -> dict[str, Any]:
    """A MESSAGE_CREATE from a (non-bot) member in the guild's text channel."""
    n = next(_ids)
    guild = fake.guild
    user_id = fake.owner_id
    return {
        "id": str(fake.bot_id + 1000 + n),
        "channel_id": str(guild.text_channel_id),
        "guild_id": str(guild.id),
        "author": {
            "id": str(user_id),
            "username": "listener",
            "global_name": "Listener",
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
        },
        "member": {
            "roles": [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        },
        "content": content,
        "timestamp": "2024-01-01T00:00:00.000000+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
    }


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(max_lifetime=60.0) as fake:
        yield fake


async def test_example_starts_joins_plays_and_exits_cleanly(
    discord: FakeDiscord, fake_factory: FakeFactory, tmp_path: Path
) -> None:
    lavalink: FakeLavalink = await fake_factory()
    env = {
        **os.environ,
        "DISCORD_TOKEN": discord.bot_token,
        "DISCORD_API_URL": discord.api_url,
        "LAVALINK_URI": lavalink.uri,
        "LAVALINK_PASSWORD": PASSWORD,
        "PYTHONPATH": os.pathsep.join([str(EXAMPLE.parents[2]), os.environ.get("PYTHONPATH", "")]),
    }
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(EXAMPLE), env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
        try:
            guild, channel = discord.guild_id, discord.voice_channel_ids[0]
            # Started: logged in, and the pool connected to the node.
            await lavalink.wait_for(lambda f: f.sessions, timeout=TIMEOUT)
            await discord.wait_for(lambda: discord.connected_shards == {0}, timeout=TIMEOUT)

            await discord.dispatch("MESSAGE_CREATE", message_payload(discord, f"!join {channel}"), guild_id=guild)
            player = await lavalink.wait_for(
                lambda f: (p := f.player(guild)) is not None and p.voice.channel_id == str(channel) and p,
                timeout=TIMEOUT,
            )
            state = discord.voice_state(guild)
            assert state is not None and player.voice.session_id == state.session_id
            [request] = discord.voice_requests
            assert request.self_deaf and request.channel_id == channel

            await discord.dispatch("MESSAGE_CREATE", message_payload(discord, "!play ytsearch:smoke test"), guild_id=guild)
            await lavalink.wait_for(lambda f: f.player(guild) is not None and f.player(guild).track is not None, timeout=TIMEOUT)  # pyright: ignore[reportOptionalMemberAccess]
            await lavalink.wait_for(lambda f: any(e.type == "TrackStartEvent" for e in f.events), timeout=TIMEOUT)

            process.send_signal(signal.SIGINT)
            code = await asyncio.wait_for(process.wait(), TIMEOUT)
        except BaseException:
            if process.returncode is None:
                process.kill()
                await process.wait()
            print(log.read_text(errors="replace"))  # shown by pytest on failure
            raise
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert discord.voice_requests[-1].channel_id is None, "left the voice channel on shutdown"
    assert discord.voice_state(guild) is None
    assert lavalink.player(guild) is None
    assert any(r.method == "DELETE" and r.path.endswith(f"/players/{guild}") for r in lavalink.requests)
    assert "Traceback" not in output, output
