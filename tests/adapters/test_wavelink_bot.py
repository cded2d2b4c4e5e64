"""A wavelink-style music bot, ported by renaming only, driven through FakeDiscord with real discord.py.

The bot (``_wavelink_style_bot.py``) is wavelink 3's documented shape; a user
(``alice``) types its commands in the text channel and joins or leaves voice
through FakeDiscord, and the bot answers through discord.py's real REST calls.
It uses the pytest plugin's fixtures (``voltricx_discord``, ``voltricx_lavalink``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

import voltricx
from voltricx.adapters.discordpy import Player
from voltricx.errors import WrongTypeError
from voltricx.testing import FakeLavalink
from voltricx.testing.discord.chat import BOT_AVATAR
from voltricx.testing.discord.gateway import FakeDiscord, FakeUser, SentMessage

from ._wavelink_style_bot import MusicBot

TIMEOUT = 15.0


class Session:
    """The bot logged into the fake, and alice, the human typing commands."""

    def __init__(self, fake: FakeDiscord, lavalink: FakeLavalink, bot: MusicBot, alice: FakeUser) -> None:
        self.fake = fake
        self.lavalink = lavalink
        self.bot = bot
        self.alice = alice

    @property
    def guild(self) -> discord.Guild:
        guild = self.bot.get_guild(self.fake.guild_id)
        assert guild is not None
        return guild

    def player(self) -> Player:
        player = self.guild.voice_client
        assert isinstance(player, Player)
        return player

    async def command(self, text: str) -> SentMessage:
        """alice types ``text``; returns her message once the bot answered (a text reply or a reaction).

        "Now Playing" embeds come from a listener, not as an answer, so they do not count.
        """
        before = len(self.replies())
        message = await self.fake.post_message(self.alice, text)
        await self.fake.wait_for(lambda: len(self.replies()) > before or bool(message.reactions), TIMEOUT)
        return message

    def replies(self) -> list[SentMessage]:
        return [m for m in self.fake.bot_messages() if m.content]

    def last_reply(self) -> SentMessage:
        return self.replies()[-1]


@pytest.fixture
async def session(voltricx_discord: FakeDiscord, voltricx_lavalink: FakeLavalink) -> AsyncIterator[Session]:
    fake = voltricx_discord
    alice = fake.add_user("alice")
    await fake.move_user(alice, fake.voice_channel_ids[0])  # before login: in GUILD_CREATE
    bot = fake.discordpy_client(
        MusicBot, uri=voltricx_lavalink.uri, password="youshallnotpass", guild_ready_timeout=0.2
    )

    async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause before a second IDENTIFY."""

    bot.before_identify_hook = identify_now  # type: ignore[method-assign]
    task = asyncio.create_task(bot.start(fake.bot_token))
    await bot.until(lambda: bool(bot.events("ready")), TIMEOUT)
    try:
        yield Session(fake, voltricx_lavalink, bot, alice)
    finally:
        await voltricx.Pool.close()
        await asyncio.wait_for(bot.close(), TIMEOUT)
        await asyncio.wait_for(task, TIMEOUT)


def long_track(lavalink: FakeLavalink, title: str) -> voltricx.Playable:
    return lavalink.catalogue.add(title=title, length=600_000)


async def test_the_bot_plays_queues_pauses_skips_and_leaves(session: Session) -> None:
    fake, bot, lavalink = session.fake, session.bot, session.lavalink
    # Listeners and connect-again in on_ready: node_ready was seen, one node, no error.
    assert [n.identifier for n in bot.events("node_ready")] == ["main"]
    assert list(voltricx.Pool.nodes()) == ["main"]
    assert bot.user is not None and BOT_AVATAR in bot.user.display_avatar.url

    first, second, third = (long_track(lavalink, t) for t in ("First Light", "Second Wind", "Third Rail"))
    await session.command(f"!play {first.uri}")
    assert session.last_reply().content == "Added **`First Light`** to the queue."
    await bot.until(lambda: len(bot.events("track_start")) == 1)
    player = session.player()
    started = bot.events("track_start")[0]
    assert started.original is player.current and started.track == first
    assert player.guild is session.guild  # difference 5
    player.dj = session.guild.get_member(session.alice.id)  # type: ignore[attr-defined]  # your own attributes
    assert player.dj.id == session.alice.id  # type: ignore[attr-defined]
    assert player.current is not None and player.current.requester.id == session.alice.id
    remote = lavalink.player(session.guild.id)
    assert remote is not None and remote.track is not None
    assert remote.track.user_data == {"requester_id": session.alice.id} and remote.volume == 30
    await fake.wait_for(lambda: any(m.embeds for m in fake.bot_messages()), TIMEOUT)
    [now_playing] = [m for m in fake.bot_messages() if m.embeds]
    assert now_playing.embeds[0]["title"] == "Now Playing"
    assert "**First Light**" in now_playing.embeds[0]["description"]

    await session.command(f"!play {second.uri}")
    assert session.last_reply().content == "Added **`Second Wind`** to the queue."
    await session.command("!queue")
    assert session.last_reply().content == "1 in the queue:\n1. Second Wind"

    # Paused is still playing: a play while paused queues and keeps the paused track.
    message = await session.command("!pause")
    assert message.reactions == ["\u2705"] and player.paused and player.playing
    await session.command(f"!play {third.uri}")
    assert session.last_reply().content == "Added **`Third Rail`** to the queue."
    assert player.current == first and list(player.queue) == [second, third]
    await session.command("!resume")
    assert not player.paused

    await session.command("!volume 50")
    assert lavalink.player(session.guild.id).volume == 50  # type: ignore[union-attr]
    await session.command("!nightcore")
    filters = lavalink.player(session.guild.id).filters  # type: ignore[union-attr]
    assert filters.timescale is not None and filters.timescale.pitch == pytest.approx(1.2)

    await session.command("!skip")
    assert player.current == second
    await session.command("!stop")  # wavelink's alias of skip
    assert player.current == third and not player.queue

    await session.command("!loop")
    assert session.last_reply().content == "Loop mode: loop"
    await session.command("!autoplay")
    assert player.autoplay is voltricx.AutoPlayMode.ENABLED

    await session.command("!leave")
    await bot.until(lambda: bool(bot.events("player_destroyed")))
    assert bot.events("player_destroyed")[0].reason == "left"
    await fake.wait_for(lambda: fake.voice_state(session.guild.id) is None, TIMEOUT)
    assert session.guild.voice_client is None
    ends = bot.events("track_end")
    assert ends and all(e.reason in ("stopped", "replaced", "cleanup") for e in ends)


async def test_a_broken_track_reaches_the_exception_listener(session: Session) -> None:
    broken = session.lavalink.catalogue.add(title="Broken", behaviour="exception")
    await session.command(f"!play {broken.uri}")
    await session.bot.until(lambda: bool(session.bot.events("track_exception")))
    [event] = session.bot.events("track_exception")
    assert event.track == broken and event.exception.severity and event.exception.message
    await session.bot.until(lambda: any(e.reason == "loadFailed" for e in session.bot.events("track_end")))


async def test_play_without_joining_voice_asks_to_join(session: Session) -> None:
    await session.fake.move_user(session.alice, None)
    await session.command("!play anything")
    assert session.last_reply().content == "Please join a voice channel first before using this command."


async def test_alone_in_voice_the_bot_leaves_after_three_tracks(session: Session) -> None:
    fake, bot, lavalink = session.fake, session.bot, session.lavalink
    await session.command(f"!play {long_track(lavalink, 'With Alice').uri}")
    await bot.until(lambda: len(bot.events("track_start")) == 1)  # counted with alice in voice
    player = session.player()
    assert player.inactive_channel_tokens == 3
    player.queue.put([lavalink.catalogue.add(title=f"Short {i}", length=300) for i in range(5)])
    await fake.move_user(session.alice, None)  # nobody but the bot hears it now
    await session.command("!skip")  # after the voice update on the same gateway: alice is gone
    await bot.until(lambda: bool(bot.events("player_destroyed")), TIMEOUT)
    assert bot.events("player_destroyed")[0].reason == "inactivity"
    assert len(bot.events("inactive_player")) == 1
    # The first start had alice in the channel; the third start without her fired the event.
    assert [e.track.title for e in bot.events("track_start")] == ["With Alice", "Short 0", "Short 1", "Short 2"]
    assert any("inactive" in m.content for m in fake.bot_messages())


async def test_kicked_bot_rejoins_when_asked_and_reports_kicked_otherwise(session: Session) -> None:
    fake, bot, lavalink = session.fake, session.bot, session.lavalink
    await session.command(f"!play {long_track(lavalink, 'Stays').uri}")
    player = session.player()
    player.auto_rejoin = True
    requests = len(fake.voice_requests)
    await fake.kick_bot(session.guild.id)
    await fake.wait_for(lambda: fake.voice_state(session.guild.id) is not None, TIMEOUT)
    assert len(fake.voice_requests) == requests + 1
    assert fake.voice_requests[-1].channel_id == fake.voice_channel_ids[0]
    assert not player.destroyed and session.guild.voice_client is player
    player.auto_rejoin = False
    await fake.kick_bot(session.guild.id)
    await bot.until(lambda: bool(bot.events("player_destroyed")), TIMEOUT)
    assert bot.events("player_destroyed")[0].reason == "kicked"


async def test_library_neutral_player_class_is_refused_with_the_adapter_name(session: Session) -> None:
    channel = session.bot.get_channel(session.fake.voice_channel_ids[0])
    assert isinstance(channel, discord.VoiceChannel)
    with pytest.raises(WrongTypeError, match=r"voltricx\.adapters\.discordpy\.Player"):
        await channel.connect(cls=voltricx.Player)  # type: ignore[arg-type]
    assert session.guild.voice_client is None


async def test_adapter_counts_humans_and_resolves_requesters(session: Session) -> None:
    adapter: Any = voltricx._state.runtime.gateway  # pyright: ignore[reportPrivateUsage]
    guild_id, voice = session.guild.id, session.fake.voice_channel_ids[0]
    assert adapter.humans_in_voice(guild_id, voice) == 1
    member = adapter.resolve_user(guild_id, session.alice.id)  # cached while she is in voice
    assert isinstance(member, discord.Member) and member.id == session.alice.id
    assert adapter.resolve_user(guild_id, 42) == 42  # unknown: the id itself
    robot = session.fake.add_user("robot", bot=True)
    alice_left = asyncio.ensure_future(
        session.bot.wait_for("voice_state_update", check=lambda m, b, a: m.id == session.alice.id, timeout=TIMEOUT)
    )
    await session.fake.move_user(robot, voice)
    await session.fake.move_user(session.alice, None)
    await alice_left  # the robot's update came first on the same gateway
    assert adapter.humans_in_voice(guild_id, voice) == 0
