"""``FakeDiscord``'s REST routes and the scripted users' actions (messages, voice moves)."""

from __future__ import annotations

import logging
from typing import cast

from aiohttp import web

from voltricx.testing.discord._wire import JSON, json_response
from voltricx.testing.discord.chat import FakeUser, SentMessage
from voltricx.testing.discord.shards import ShardsMixin

__all__: list[str] = []

_log = logging.getLogger("voltricx.testing.discord")


class RestMixin(ShardsMixin):
    """Answers the REST API a library calls, and lets a test act as a human user."""

    async def _echo_message(self, message: object) -> None:
        """Discord also sends the bot its own new message as MESSAGE_CREATE."""
        if isinstance(message, dict):
            payload = cast(JSON, message)
            guild_id = payload.get("guild_id")
            if isinstance(guild_id, str):
                await self._dispatch_guild(int(guild_id), [("MESSAGE_CREATE", dict(payload))])

    def _not_found(self, request: web.Request) -> web.Response:
        _log.warning(
            "fake Discord: no route for %s %s; answering 404", request.method, request.path
        )
        self._unhandled.append((request.method, request.path))
        return json_response({"message": "404: Not Found", "code": 0}, status=404)

    def _route(
        self, method: str, parts: list[str], body: object = None
    ) -> tuple[int, object] | None:
        bot = str(self.bot_id)
        match method, parts:
            case "GET", ["users", "@me"]:
                return 200, self._own_user_payload()
            case "GET", ["users", user_id] if user_id == bot:
                return 200, self._user_payload()
            case "GET", ["oauth2", "applications", "@me"] | ["applications", "@me"]:
                return 200, self._application_payload()
            case "GET", ["gateway"]:
                return 200, {"url": self.gateway_url}
            case "GET", ["gateway", "bot"]:
                return 200, self._gateway_bot_payload()
            case (("GET" | "PUT"), ["applications", _, "commands"]):
                return 200, []
            case (("GET" | "PUT"), ["applications", _, "guilds", _, "commands"]):
                return 200, []
            case "GET", ["guilds", guild_id, *rest]:
                return self._guild_route(guild_id, rest)
            case "GET", ["channels", channel_id]:
                return self._channel_route(channel_id)
            case _, ["channels", channel_id, *rest] if rest and channel_id.isdigit():
                guild = self._guild_of_channel(int(channel_id))
                if guild is None or guild.id not in self._member_of:
                    return None
                return self.chat.route(method, int(channel_id), rest, body, guild.id, self.bot_id)
            case _:
                return None

    def _guild_route(self, raw_id: str, rest: list[str]) -> tuple[int, object] | None:
        guild = self._all_guilds.get(int(raw_id)) if raw_id.isdigit() else None
        if guild is None or guild.id not in self._member_of:
            return 404, {"message": "Unknown Guild", "code": 10004}
        match rest:
            case []:
                return 200, self._guild_payload(guild)
            case ["channels"]:
                return 200, self._channels_payload(guild)
            case ["roles"]:
                return 200, self._roles_payload(guild)
            case ["members", user_id]:
                if user_id == str(self.bot_id):
                    return 200, self._member_payload(guild)
                user = self.chat.users.get(int(user_id)) if user_id.isdigit() else None
                if user is not None:
                    return 200, user.member_payload()
                return 404, {"message": "Unknown Member", "code": 10007}
            case _:
                return None

    def _channel_route(self, raw_id: str) -> tuple[int, object]:
        if raw_id.isdigit():
            for guild_id in self._member_of:
                guild = self._all_guilds[guild_id]
                for channel in self._channels_payload(guild):
                    if channel["id"] == raw_id:
                        return 200, channel
        return 404, {"message": "Unknown Channel", "code": 10003}

    def add_user(self, name: str = "listener", *, bot: bool = False) -> FakeUser:
        """Create a user (human unless ``bot``) who is a member of every guild.

        Add users before the bot logs in so its GUILD_CREATE lists them; users
        added later reach the bot with their first message or voice move.
        """
        user = self.chat.add_user(name, bot=bot)
        self._notify()
        return user

    @property
    def messages(self) -> tuple[SentMessage, ...]:
        """Every message in the fake's channels (the bot's and the posted ones), oldest first."""
        return tuple(self.chat.messages)

    def bot_messages(self, channel_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (optionally in one channel), oldest first."""
        return [
            m
            for m in self.chat.messages
            if m.author_id == self.bot_id and (channel_id is None or m.channel_id == channel_id)
        ]

    async def post_message(
        self,
        user: FakeUser,
        content: str,
        *,
        channel_id: int | None = None,
        guild_id: int | None = None,
    ) -> SentMessage:
        """``user`` writes ``content`` in a text channel (default: the first guild's): MESSAGE_CREATE.

        A bot's prefix command is just such a message (``"!play song"``).
        """
        guild = self._all_guilds[guild_id] if guild_id is not None else self.guild
        channel = channel_id if channel_id is not None else guild.text_channel_id
        message = self.chat.post(channel, user.id, content)
        await self._dispatch_guild(
            guild.id, [("MESSAGE_CREATE", self.chat.message_payload(message, guild.id))]
        )
        self._notify()
        return message

    async def post_command(
        self, user: FakeUser, command: str, *args: str, prefix: str = "!"
    ) -> SentMessage:
        """``user`` types a prefix command: ``post_command(user, "play", "song")`` posts ``!play song``."""
        return await self.post_message(user, " ".join([prefix + command, *args]))

    async def move_user(
        self, user: FakeUser, channel_id: int | None, *, guild_id: int | None = None
    ) -> None:
        """Put ``user`` in voice channel ``channel_id`` (``None``: out of voice): VOICE_STATE_UPDATE."""
        guild = self._all_guilds[guild_id] if guild_id is not None else self.guild
        if channel_id is not None and channel_id not in guild.voice_channel_ids:
            raise ValueError(f"{channel_id} is not a voice channel of guild {guild.id}")
        if channel_id is None:
            self._user_voice.pop((guild.id, user.id), None)
        else:
            self._user_voice[(guild.id, user.id)] = channel_id
        payload = self._user_voice_payload(guild, user, channel_id)
        await self._dispatch_guild(guild.id, [("VOICE_STATE_UPDATE", payload)])
        self._notify()

    def user_voice_channel(self, user: FakeUser, guild_id: int | None = None) -> int | None:
        """The voice channel ``user`` is in, as the fake last told the bot."""
        guild = guild_id if guild_id is not None else self.guild.id
        return self._user_voice.get((guild, user.id))

    async def remove_from_guild(self, guild_id: int) -> None:
        """Remove the bot from a guild: GUILD_DELETE, and later logins omit the guild.

        Raises:
            RuntimeError: The bot is not a member of that guild.
        """
        if guild_id not in self._member_of:
            raise RuntimeError(f"the bot is not a member of guild {guild_id}")
        await self._dispatch_guild(guild_id, [("GUILD_DELETE", {"id": str(guild_id)})])
        self._member_of.discard(guild_id)
        self._voice.pop(guild_id, None)
        self._notify()
