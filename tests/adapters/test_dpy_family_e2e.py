"""discord.py, nextcord and disnake adapters end to end: FakeDiscord + FakeLavalink.

Each library logs into FakeDiscord, the pool connects to FakeLavalink
servers, and the bot joins voice the library's own way
(``channel.connect(cls=...)``). The tests then walk through every voice
pitfall of the dpy family (see docs: discord-voice.md) and check both what
the node received and what the library's own listeners saw.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

import voltricx
from voltricx._state import runtime
from voltricx.testing import FakeLavalink
from voltricx.testing.discord.gateway import FakeDiscord

from ..conftest import FakeFactory, node_config
from ._dpy_bot import DPY_LIBRARIES, DpyBot
from ._drivers import issued_voice

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=DPY_LIBRARIES)
async def bot(request: pytest.FixtureRequest, fake: FakeDiscord) -> AsyncIterator[DpyBot]:
    harness = DpyBot(fake, request.param)
    try:
        yield harness
    finally:
        await voltricx.Pool.close()
        await harness.close()


def patches(node_fake: FakeLavalink) -> list[dict[str, Any]]:
    return [
        r.json
        for r in node_fake.requests
        if r.method == "PATCH" and "/players/" in r.path and isinstance(r.json, dict)
    ]


def voice_patches(node_fake: FakeLavalink) -> list[dict[str, Any]]:
    return [body["voice"] for body in patches(node_fake) if "voice" in body]


async def node_has_voice(node_fake: FakeLavalink, guild_id: int, **expected: str) -> None:
    def matches(f: FakeLavalink) -> bool:
        player = f.player(guild_id)
        if player is None:
            return False
        voice = player.voice
        return all(getattr(voice, key) == value for key, value in expected.items())

    await node_fake.wait_for(matches, timeout=10)


async def start_pool(bot: DpyBot, *fakes: FakeLavalink) -> None:
    await bot.start()
    configs = [node_config(f, f"N{i}") for i, f in enumerate(fakes)]
    await voltricx.Pool.connect(client=bot.client, nodes=configs, report=False)


async def join(bot: DpyBot, index: int = 0, **options: Any) -> Any:
    """``channel.connect(cls=...)`` the way each library takes deaf/mute."""
    channel = bot.channel(index)
    factory_options = {k: v for k, v in options.items() if k not in ("self_deaf", "self_mute")}
    connect_options: dict[str, Any] = {}
    if bot.library == "discord":
        connect_options = {k: v for k, v in options.items() if k in ("self_deaf", "self_mute")}
    else:
        factory_options.update({k: v for k, v in options.items() if k in ("self_deaf", "self_mute")})
    cls = functools.partial(bot.Player, **factory_options) if factory_options else bot.Player
    return await channel.connect(cls=cls, **connect_options)


# ---------------------------------------------------------------------------
# End to end, one per library
# ---------------------------------------------------------------------------


async def test_join_play_failover_move_reallocate_resume_kick_close(
    bot: DpyBot, fake: FakeDiscord, fake_factory: FakeFactory
) -> None:
    gid, (ch0, ch1) = fake.guild_id, fake.voice_channel_ids
    first, second = await fake_factory(), await fake_factory()
    await start_pool(bot, first, second)
    adapter = bot.adapter.adapt(bot.client)
    assert adapter is bot.adapter.adapt(bot.client) is runtime.gateway
    assert adapter.user_id == fake.bot_id
    [(ready_node,), _] = await bot.wait_event("node_ready", count=2)
    assert isinstance(ready_node, voltricx.Node)

    # Join the library's way; the object is a voltricx.Player and the library's voice client.
    home = object()
    player = await join(bot, self_deaf=True, node=voltricx.Pool.get_node("N0"), home=home)
    assert isinstance(player, voltricx.Player)
    assert isinstance(player, bot.lib.VoiceProtocol)
    assert bot.guild().voice_client is player
    assert voltricx.Pool.get_player(gid) is player
    assert player.home is home and player.channel.id == ch0
    [request] = fake.voice_requests
    assert (request.channel_id, request.self_deaf, request.self_mute) == (ch0, True, False)
    # The node got exactly what FakeDiscord issued, in one voice update.
    assert voice_patches(first) == [issued_voice(fake)]

    # Play; the library's listener sees the track start.
    result = await player.node.rest.load_tracks("ytsearch:dpy family")
    assert isinstance(result.data, list)
    await player.play(result.data[0])
    [(started,)] = await bot.wait_event("track_start")
    assert started.player is player and started.track.encoded == result.data[0].encoded

    # Kill the node: the listener gets on_voltricx_failover(old, new, players).
    mark = len(bot.observed.events)
    first.kill()
    [(old, new, moved)] = await bot.wait_event("failover", mark)
    assert (old.identifier, new.identifier) == ("N0", "N1")
    assert moved == [player] and player.node is new
    assert bot.events("node_disconnected", mark)[0][0] is old
    # Rebuilt on the new node in one update, with the same voice credentials.
    await node_has_voice(second, gid, session_id=issued_voice(fake)["sessionId"])
    assert voice_patches(second) == [issued_voice(fake)]
    assert second.player(gid).track is not None  # type: ignore[union-attr]

    # A moderator moves the bot: the protocol's channel follows, the node gets the channel.
    await fake.move_bot(gid, ch1)
    await node_has_voice(second, gid, channel_id=str(ch1))
    assert player.channel.id == ch1 and player.channel_id == ch1
    assert bot.guild().voice_client is player

    # Reallocation: the null endpoint is never forwarded, the new server is.
    final = await fake.reallocate(gid)
    await node_has_voice(second, gid, token=final.token, endpoint=final.endpoint)
    assert all(v["endpoint"] for v in voice_patches(second))

    # Gateway reconnect (op 7 -> RESUME): voice stays registered and keeps flowing.
    mark = len(bot.observed.events)
    await fake.force_reconnect()
    await bot.wait_event("resumed", mark)
    assert bot.guild().voice_client is player
    later = await fake.send_server_update(gid)
    await node_has_voice(second, gid, token=later.token, endpoint=later.endpoint)
    assert len(fake.identifies) == 1

    # Kick: destroyed on the node, gone from the pool and from the library.
    mark = len(bot.observed.events)
    await fake.kick_bot(gid)
    [(destroyed,)] = await bot.wait_event("player_destroyed", mark)
    assert destroyed.player is player and destroyed.reason == "kicked"
    assert second.player(gid) is None
    assert voltricx.Pool.get_player(gid) is None
    assert bot.guild().voice_client is None
    assert len(fake.voice_requests) == 1, "a kick needs no op 4"

    # Clean shutdown.
    await voltricx.Pool.close()
    await bot.close()
    await fake.wait_for(lambda: not fake.connected_shards)
    assert fake.unhandled_requests == ()


async def test_node_operations_arrive_as_native_events(
    bot: DpyBot, fake: FakeDiscord, fake_factory: FakeFactory
) -> None:
    gid = fake.guild_id
    first, second = await fake_factory(), await fake_factory()
    await start_pool(bot, first, second)
    await bot.wait_event("node_ready", count=2)
    n0, n1 = voltricx.Pool.get_node("N0"), voltricx.Pool.get_node("N1")
    player = await join(bot, node=n0)
    result = await player.node.rest.load_tracks("ytsearch:node operations")
    assert isinstance(result.data, list)
    await player.play(result.data[0])

    # switch_node: on_voltricx_players_moved(old, new, players, reason); the old copy is gone.
    mark = len(bot.observed.events)
    await player.switch_node(n1)
    [(old, new, moved, reason)] = await bot.wait_event("players_moved", mark)
    assert (old, new, moved, reason) == (n0, n1, [player], "switch")
    assert first.player(gid) is None and second.player(gid) is not None

    # drain: on_voltricx_node_draining(node), then the move with reason "drain".
    mark = len(bot.observed.events)
    await voltricx.Pool.drain("N1")
    [(draining,)] = await bot.wait_event("node_draining", mark)
    [(old, new, moved, reason)] = await bot.wait_event("players_moved", mark)
    assert draining is n1 and (old, new, moved, reason) == (n1, n0, [player], "drain")

    # remove_node: its players stay with the library; on_voltricx_node_removed(node).
    voltricx.Pool.undrain("N1")
    mark = len(bot.observed.events)
    await voltricx.Pool.remove_node("N1")
    [(removed,)] = await bot.wait_event("node_removed", mark)
    assert removed is n1 and player.node is n0 and bot.guild().voice_client is player
    assert first.held_guilds() == {gid: 1} and second.held_guilds() == {}


async def test_reversed_order_and_a_plain_core_player(
    bot: DpyBot, fake: FakeDiscord, fake_factory: FakeFactory
) -> None:
    gid, (ch0, ch1) = fake.guild_id, fake.voice_channel_ids
    node_fake = await fake_factory()
    fake.set_reverse_order(True)
    await start_pool(bot, node_fake)

    # A framework-neutral player: the adapter registers a protocol before op 4,
    # otherwise the library would drop the voice server update.
    plain = voltricx.Player(gid)
    await plain.connect(ch0)
    relay = bot.guild().voice_client
    assert relay is not None and not isinstance(relay, voltricx.Player)
    assert voice_patches(node_fake) == [issued_voice(fake)]
    await plain.move_to(ch1)
    await node_has_voice(node_fake, gid, channel_id=str(ch1))
    assert relay.channel.id == ch1

    # Leaving removes the relay, so the library lets us connect again.
    mark = len(bot.observed.events)
    await plain.disconnect()
    [(destroyed,)] = await bot.wait_event("player_destroyed", mark)
    assert destroyed.reason == "left"
    assert bot.guild().voice_client is None
    await fake.wait_for(lambda: fake.voice_state(gid) is None)

    # Server update first, state second, each in its own library task: still exact.
    node_fake.clear_requests()
    player = await join(bot, 1)
    assert bot.guild().voice_client is player
    assert voice_patches(node_fake) == [issued_voice(fake)]
    await player.disconnect()
    assert bot.guild().voice_client is None
    assert node_fake.player(gid) is None


async def test_failed_join_leaves_voice_and_unregisters(
    bot: DpyBot, fake: FakeDiscord, fake_factory: FakeFactory
) -> None:
    gid, ch0 = fake.guild_id, fake.voice_channel_ids[0]
    node_fake = await fake_factory()
    await start_pool(bot, node_fake)
    node_fake.fail_next(400, path="/v4/sessions/*/players/*", method="PATCH")
    with pytest.raises(voltricx.VoltricxError):
        await join(bot, 0)
    # Nothing is left registered, and the bot does not stay in the channel.
    assert bot.guild().voice_client is None and voltricx.Pool.get_player(gid) is None
    await fake.wait_for(lambda: fake.voice_requests[-1].channel_id is None)
    # Joining again works at once, even if the answer to that leave arrives late.
    player = await join(bot, 0)
    assert bot.guild().voice_client is player
    assert fake.voice_requests[-1].channel_id == ch0
    await node_has_voice(node_fake, gid, **_voice_attrs(issued_voice(fake)))

    # Closing the client before the pool: the library disconnects the player, which
    # destroys it on the node too (a closed client gets no more events).
    mark = len(bot.observed.events)
    await bot.close()
    await node_fake.wait_for(lambda f: f.player(gid) is None)
    assert voltricx.Pool.get_player(gid) is None
    assert bot.events("player_destroyed", mark) == []


def _voice_attrs(voice: dict[str, Any]) -> dict[str, str]:
    return {
        "token": voice["token"],
        "endpoint": voice["endpoint"],
        "session_id": voice["sessionId"],
        "channel_id": voice["channelId"],
    }


@pytest.mark.parametrize("reverse", [False, True], ids=["state-first", "server-first"])
async def test_fresh_identify_rejoins_with_the_new_voice_session_and_guild_removal_cleans_up(
    bot: DpyBot, fake: FakeDiscord, fake_factory: FakeFactory, reverse: bool
) -> None:
    gid, ch0 = fake.guild_id, fake.voice_channel_ids[0]
    node_fake = await fake_factory()
    await start_pool(bot, node_fake)
    player = await join(bot, 0, self_mute=True)
    old_guild = bot.guild()
    result = await player.node.rest.load_tracks("ytsearch:fresh identify")
    assert isinstance(result.data, list)
    track = result.data[0]
    await player.play(track)
    await bot.wait_event("track_start")
    before = issued_voice(fake)
    assert voice_patches(node_fake) == [before]
    fake.set_reverse_order(reverse)

    # Session invalidated: the library re-identifies and silently empties its voice map,
    # and Discord ends the voice session. The adapter notices the new ready,
    # re-registers the same player and rejoins: a fresh join, answered with a new
    # voice session id and a new server.
    mark, servers = len(bot.observed.events), len(fake.server_updates)
    await fake.invalidate_session(resumable=False)
    await fake.wait_for(lambda: len(fake.server_updates) > servers, timeout=20)
    assert len(fake.identifies) == 2 and bot.observed.count("ready") == 2
    [ended] = fake.ended_voice_states
    assert ended.session_id == before["sessionId"]
    [_, rejoin] = fake.voice_requests
    assert (rejoin.channel_id, rejoin.self_mute) == (ch0, True)
    state, [server] = fake.voice_state(gid), fake.server_updates[servers:]
    assert state is not None and server.endpoint is not None
    after = {
        "token": server.token,
        "endpoint": server.endpoint,
        "sessionId": state.session_id,
        "channelId": str(ch0),
    }
    assert after["sessionId"] != before["sessionId"] and after["token"] != before["token"]
    assert after["endpoint"] != before["endpoint"]
    await node_has_voice(node_fake, gid, **_voice_attrs(after))
    # One update with every new value at once: never the new session with the old server.
    assert voice_patches(node_fake) == [before, after]
    guild = bot.guild()
    assert guild is not old_guild and guild.voice_client is player
    assert player.channel.guild is guild

    # Playback survives: same player and track, nothing destroyed.
    await runtime.tasks.wait_idle(timeout=10)
    assert bot.events("player_destroyed", mark) == []
    assert voltricx.Pool.get_player(gid) is player and player.current == track
    remote = node_fake.player(gid)
    assert remote is not None and remote.track is not None
    assert remote.track.encoded == track.encoded
    assert not any(r.method == "DELETE" for r in node_fake.requests)

    # Voice events reach the player again: a region change gets to the node.
    final = await fake.reallocate(gid)
    await node_has_voice(node_fake, gid, token=final.token, endpoint=final.endpoint)

    # The bot is removed from the guild: player destroyed, nothing left registered.
    mark = len(bot.observed.events)
    await fake.remove_from_guild(gid)
    [(destroyed,)] = await bot.wait_event("player_destroyed", mark)
    assert destroyed.player is player and destroyed.reason == "guild_removed"
    assert voltricx.Pool.get_player(gid) is None and node_fake.player(gid) is None
    assert bot.client.voice_clients == []


# ---------------------------------------------------------------------------
# Small checks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("library", DPY_LIBRARIES)
async def test_pool_connect_before_login_asks_to_log_in_first(
    library: str, fake: FakeDiscord, fake_factory: FakeFactory
) -> None:
    harness = DpyBot(fake, library)
    node_fake = await fake_factory()
    with pytest.raises(voltricx.VoltricxError, match="not logged in"):
        await voltricx.Pool.connect(client=harness.client, nodes=[node_config(node_fake, "N")])
    assert runtime.gateway is None


_BLOCKER = """
import importlib, pkgutil, sys
BLOCKED = {"discord", "nextcord", "disnake", "hikari"}
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"core module imported {name}")
        return None
sys.meta_path.insert(0, Blocker())
import voltricx
names = ["voltricx"]
for info in pkgutil.walk_packages(voltricx.__path__, "voltricx."):
    if info.name.startswith("voltricx.adapters.") or info.name == "voltricx.__main__":
        continue
    importlib.import_module(info.name)
    names.append(info.name)
import voltricx.adapters
print(len(names))
"""


def test_core_modules_import_no_discord_library() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _BLOCKER], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 20


@pytest.mark.parametrize(
    ("module", "library"),
    [
        ("voltricx.adapters.discordpy", "discord"),
        ("voltricx.adapters.nextcord", "nextcord"),
        ("voltricx.adapters.disnake", "disnake"),
    ],
)
def test_an_adapter_imports_only_its_own_library(module: str, library: str) -> None:
    code = (
        f"import sys, {module}\n"
        "libs = {'discord', 'nextcord', 'disnake', 'hikari'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & libs))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == repr([library])


def test_every_core_event_has_a_row_in_the_listener_table() -> None:
    from pathlib import Path

    from voltricx.events import Event

    doc = (Path(__file__).resolve().parents[2] / "docs" / "adapters" / "dpy-family.md").read_text()
    pending: list[type[Event]] = list(Event.__subclasses__())
    missing: list[str] = []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if f"| `{cls.__name__}` | `on_voltricx_{cls.name}` |" not in doc:
            missing.append(f"{cls.__name__} -> on_voltricx_{cls.name}")
    assert not missing, f"add these rows to docs/adapters/dpy-family.md: {missing}"
