"""Text side of ``FakeDiscord``: users, messages, reactions.

A bot's ``ctx.send(...)``, ``message.edit(...)`` and ``message.add_reaction(...)``
reach the fake's REST routes; ``ChatLog`` answers them the way Discord
does and keeps what was sent as ``SentMessage`` records. It also builds
the payloads of human users (members of the scripted guilds) so the fake can
post their messages and move them in and out of voice channels.

Nothing here imports a Discord library.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["ChatLog", "FakeUser", "SentMessage"]

_JSON = dict[str, Any]
_TIMESTAMP: Final = "2026-01-01T00:00:00.000000+00:00"
BOT_AVATAR: Final = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
"""Avatar hash the fake gives the bot user (so ``bot.user.display_avatar`` is a real image URL)."""


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A human user of the fake, member of every scripted guild."""

    id: int
    name: str
    bot: bool = False

    def payload(self) -> _JSON:
        """The Discord user object."""
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.name,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "flags": 0,
            "public_flags": 0,
        }

    def member_payload(self, *, with_user: bool = True) -> _JSON:
        """The guild member object (``with_user=False``: the partial form messages carry)."""
        member: _JSON = {
            "nick": None,
            "avatar": None,
            "roles": [],
            "joined_at": _TIMESTAMP,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if with_user:
            member["user"] = self.payload()
        return member


@dataclass(slots=True)
class SentMessage:
    """A message in a channel of the fake: sent by the bot through REST, or posted for a user.

    ``content`` and ``embeds`` follow edits; ``edits`` counts them and
    ``reactions`` lists the emoji the bot added, in order.
    """

    id: int
    channel_id: int
    author_id: int
    content: str
    embeds: list[_JSON] = field(default_factory=list[_JSON])
    edits: int = 0
    reactions: list[str] = field(default_factory=list[str])
    deleted: bool = False


class ChatLog:
    """Messages and users of one fake; routes the text REST calls a bot makes."""

    def __init__(self, *, bot_user: Callable[[], _JSON], next_id: Callable[[], int]) -> None:
        self._bot_user = bot_user
        self._next_id = next_id
        self._order = itertools.count()
        self.users: dict[int, FakeUser] = {}
        self.messages: list[SentMessage] = []

    def add_user(self, name: str, *, bot: bool = False) -> FakeUser:
        """A new user (human unless ``bot``), member of every guild."""
        user = FakeUser(self._next_id(), name, bot)
        self.users[user.id] = user
        return user

    def find(self, message_id: int) -> SentMessage | None:
        """The message with ``message_id``, if the fake has it."""
        for message in self.messages:
            if message.id == message_id:
                return message
        return None

    def message_payload(self, message: SentMessage, guild_id: int | None) -> _JSON:
        """The Discord message object for ``message``."""
        user = self.users.get(message.author_id)
        author = user.payload() if user is not None else self._bot_user()
        payload: _JSON = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "author": author,
            "content": message.content,
            "timestamp": _TIMESTAMP,
            "edited_timestamp": _TIMESTAMP if message.edits else None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": list(message.embeds),
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            if user is not None:
                payload["member"] = user.member_payload(with_user=False)
        return payload

    def post(self, channel_id: int, author_id: int, content: str, embeds: list[_JSON] | None = None) -> SentMessage:
        """Record a new message."""
        message = SentMessage(self._next_id(), channel_id, author_id, content, list(embeds or []))
        self.messages.append(message)
        return message

    def route(
        self, method: str, channel_id: int, rest: list[str], body: Any, guild_id: int | None, bot_id: int
    ) -> tuple[int, object] | None:
        """Answer a ``/channels/{channel_id}/...`` text call, or ``None`` when it is not one."""
        data: _JSON = dict(body) if isinstance(body, dict) else {}  # pyright: ignore[reportUnknownArgumentType]
        match method, rest:
            case "POST", ["messages"]:
                content = str(data.get("content") or "")
                embeds: list[_JSON] = list(data.get("embeds") or [])
                if data.get("embed"):
                    embeds.append(data["embed"])
                message = self.post(channel_id, bot_id, content, embeds)
                return 200, self.message_payload(message, guild_id)
            case "PATCH", ["messages", raw_id]:
                message = self.find(int(raw_id)) if raw_id.isdigit() else None
                if message is None:
                    return 404, {"message": "Unknown Message", "code": 10008}
                if "content" in data:
                    message.content = str(data["content"] or "")
                if "embeds" in data:
                    message.embeds = list(data["embeds"] or [])
                message.edits += 1
                return 200, self.message_payload(message, guild_id)
            case "DELETE", ["messages", raw_id]:
                message = self.find(int(raw_id)) if raw_id.isdigit() else None
                if message is not None:
                    message.deleted = True
                return 204, None
            case "PUT", ["messages", raw_id, "reactions", emoji, "@me"]:
                message = self.find(int(raw_id)) if raw_id.isdigit() else None
                if message is None:
                    return 404, {"message": "Unknown Message", "code": 10008}
                message.reactions.append(emoji)
                return 204, None
            case "POST", ["typing"]:
                return 204, None
            case _:
                return None
