"""Who the fake Discord is and what it writes down.

The ids and the token it hands out (plausible snowflakes, a token every
library accepts), the scripted guild a bot is a member of, and the frozen
records of what crossed the gateway: opcode 4s received, voice updates sent,
IDENTIFYs and RESUMEs. Tests assert on these records; the rooms of
[`FakeDiscord`][voltricx.testing.FakeDiscord] append to them.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any, Final

DISCORD_EPOCH_MS: Final = 1_420_070_400_000

# 2024-01-01T00:00:00Z, so generated ids look like real, recent snowflakes.
SNOWFLAKE_START_MS: Final = 1_704_067_200_000 - DISCORD_EPOCH_MS

JSON = dict[str, Any]


def hikari_token(bot_id: int, secret: str = "fake") -> str:
    """Return a bot token in the shape hikari accepts for ``bot_id``.

    hikari decodes the part before the first dot as the base64 encoding of the
    bot's user id and rejects tokens where that fails. The other libraries do
    not look inside the token, so the same value works for all of them.
    """
    head = base64.b64encode(str(bot_id).encode()).decode()
    return f"{head}.ZmFrZS1kaXNjb3Jk.{secret}"


class Snowflakes:
    """Generator of plausible, strictly increasing snowflakes."""

    def __init__(self) -> None:
        self._ms = SNOWFLAKE_START_MS
        self._increment = itertools.count()

    def next(self) -> int:
        self._ms += 1
        return (self._ms << 22) | (1 << 17) | (1 << 12) | (next(self._increment) & 0xFFF)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that receives ``guild_id``'s events, as Discord routes them."""
    return (guild_id >> 22) % shard_count


# --------------------------------------------------------------------------
# The guild and the records (public: re-exported by the gateway room)
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FakeGuild:
    """The scripted guild the fake serves: ids of its channels and roles."""

    id: int
    name: str
    text_channel_id: int
    voice_channel_ids: tuple[int, int]
    everyone_role_id: int
    bot_role_id: int

    def shard_id(self, shard_count: int) -> int:
        """Return the shard that receives this guild's events for ``shard_count`` shards."""
        return shard_of(self.id, shard_count)


@dataclass(frozen=True, slots=True)
class VoiceRequest:
    """An opcode 4 (voice state update) the fake received from a client."""

    guild_id: int
    channel_id: int | None
    self_mute: bool
    self_deaf: bool
    shard_id: int
    payload: JSON = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class VoiceStateRecord:
    """A VOICE_STATE_UPDATE for the bot that the fake sent (or the bot's current state)."""

    guild_id: int
    channel_id: int | None
    session_id: str
    self_mute: bool = False
    self_deaf: bool = False


@dataclass(frozen=True, slots=True)
class ServerUpdateRecord:
    """A VOICE_SERVER_UPDATE the fake sent; ``endpoint`` is None for a reallocation notice."""

    guild_id: int
    token: str
    endpoint: str | None


@dataclass(frozen=True, slots=True)
class IdentifyRecord:
    """An IDENTIFY the fake accepted, with the gateway session it started."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    compressed: bool


@dataclass(frozen=True, slots=True)
class ResumeRecord:
    """A RESUME the fake received; ``replayed`` counts the events sent again."""

    session_id: str
    sequence: int | None
    accepted: bool
    replayed: int
    shard_id: int | None
