"""The state every room of ``FakeDiscord`` shares: guilds, records, sessions, dispatch."""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from aiohttp import web

from voltricx._tasks import TaskTracker
from voltricx.testing.discord._records import (
    FakeGuild,
    IdentifyRecord,
    ResumeRecord,
    ServerUpdateRecord,
    Snowflakes,
    VoiceRequest,
    VoiceStateRecord,
    hikari_token,
)
from voltricx.testing.discord._wire import API_VERSION, JSON, OP_DISPATCH, Connection, Session
from voltricx.testing.discord.chat import BOT_AVATAR, ChatLog

if TYPE_CHECKING:
    from voltricx.testing.discord.clients import (
        LibraryPatch,
    )


_log = logging.getLogger("voltricx.testing.discord")


class DiscordState:
    """Guilds, users, gateway sessions and what was recorded, for one fake Discord.

    The rooms of [`FakeDiscord`][voltricx.testing.FakeDiscord] build on it in one line
    (payloads, voice states, shards, REST, gateway); each room may call only
    the rooms below it.
    """

    def __init__(
        self,
        *,
        guild_count: int = 1,
        guild_ids: Sequence[int] | None = None,
        shard_count: int = 1,
        heartbeat_interval: int = 41_250,
        max_lifetime: float | None = 300.0,
        voice_endpoint: str | None = None,
        bot_name: str = "voltricx-test-bot",
    ) -> None:
        if shard_count < 1:
            raise ValueError("shard_count must be at least 1")
        ids = Snowflakes()
        # Guild ids first and back to back, so their shards alternate.
        chosen = (
            list(guild_ids) if guild_ids is not None else [ids.next() for _ in range(guild_count)]
        )
        if not chosen:
            raise ValueError("the fake needs at least one guild")
        self.bot_id: Final[int] = ids.next()
        """The bot's user id (also its application id)."""
        self.application_id: Final[int] = self.bot_id
        self.owner_id: Final[int] = ids.next()
        self.bot_name: Final = bot_name
        self.shard_count: int = shard_count
        """Shard count advertised by ``GET /gateway/bot``; may be changed between logins."""
        self.heartbeat_interval: Final = heartbeat_interval
        self._token = hikari_token(self.bot_id, secrets.token_urlsafe(18))
        self._max_lifetime = max_lifetime
        self._voice_endpoint = voice_endpoint

        self._all_guilds: dict[int, FakeGuild] = {}
        for n, guild_id in enumerate(chosen, start=1):
            self._all_guilds[guild_id] = FakeGuild(
                id=guild_id,
                name=f"Fake Guild {n}",
                text_channel_id=ids.next(),
                voice_channel_ids=(ids.next(), ids.next()),
                everyone_role_id=guild_id,
                bot_role_id=ids.next(),
            )
        self._member_of: set[int] = set(self._all_guilds)
        self.chat: ChatLog = ChatLog(bot_user=self._user_payload, next_id=ids.next)
        """Users and messages (text side); see ``add_user`` and ``post_message``."""
        self._user_voice: dict[tuple[int, int], int] = {}

        self._counter = itertools.count(1)
        self._voice: dict[int, VoiceStateRecord] = {}
        self._sessions: dict[str, Session] = {}
        self._connections: set[Connection] = set()
        self._patches: list[LibraryPatch] = []
        self._reverse_order = False

        self._identifies: list[IdentifyRecord] = []
        self._resumes: list[ResumeRecord] = []
        self._voice_requests: list[VoiceRequest] = []
        self._state_updates: list[VoiceStateRecord] = []
        self._server_updates: list[ServerUpdateRecord] = []
        self._ended_voice: list[VoiceStateRecord] = []
        self._rest_requests: list[tuple[str, str]] = []
        self._unhandled: list[tuple[str, str]] = []
        self._heartbeats = 0

        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._tasks = TaskTracker("FakeDiscord")
        """Owns the lifetime watchdog; cancelled and awaited on close."""
        self._closing: asyncio.Future[None] | None = None

    @property
    def bot_token(self) -> str:
        """The bot token clients must log in with (accepted by all four libraries)."""
        return self._token

    @property
    def guild(self) -> FakeGuild:
        """The first guild."""
        return next(iter(self._all_guilds.values()))

    @property
    def guilds(self) -> tuple[FakeGuild, ...]:
        """All configured guilds, including ones the bot was removed from."""
        return tuple(self._all_guilds.values())

    @property
    def guild_id(self) -> int:
        """Id of the first guild."""
        return self.guild.id

    @property
    def text_channel_id(self) -> int:
        """Id of the first guild's text channel."""
        return self.guild.text_channel_id

    @property
    def voice_channel_ids(self) -> tuple[int, int]:
        """Ids of the first guild's two voice channels."""
        return self.guild.voice_channel_ids

    def get_guild(self, guild_id: int) -> FakeGuild:
        """Return the configured guild ``guild_id`` (KeyError if unknown)."""
        return self._all_guilds[guild_id]

    @property
    def port(self) -> int:
        """The TCP port the fake listens on (0 before [`start()`][voltricx.testing.FakeDiscord.start])."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        self._require_started()
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """The REST base URL, ``http://127.0.0.1:PORT/api/v10``."""
        return f"{self.base_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """The gateway URL, ``ws://127.0.0.1:PORT/``."""
        self._require_started()
        return f"ws://127.0.0.1:{self._port}/"

    def _require_started(self) -> None:
        if self._runner is None:
            raise RuntimeError("FakeDiscord is not started; call start() or use 'async with'")

    @property
    def identifies(self) -> tuple[IdentifyRecord, ...]:
        """Every IDENTIFY accepted, oldest first."""
        return tuple(self._identifies)

    @property
    def resumes(self) -> tuple[ResumeRecord, ...]:
        """Every RESUME received (accepted or not), oldest first."""
        return tuple(self._resumes)

    @property
    def voice_requests(self) -> tuple[VoiceRequest, ...]:
        """Every opcode 4 received, oldest first."""
        return tuple(self._voice_requests)

    @property
    def voice_state_updates(self) -> tuple[VoiceStateRecord, ...]:
        """Every VOICE_STATE_UPDATE sent for the bot, oldest first."""
        return tuple(self._state_updates)

    @property
    def server_updates(self) -> tuple[ServerUpdateRecord, ...]:
        """Every VOICE_SERVER_UPDATE sent, oldest first."""
        return tuple(self._server_updates)

    @property
    def ended_voice_states(self) -> tuple[VoiceStateRecord, ...]:
        """The bot's voice states ended by a fresh IDENTIFY of their shard, oldest first.

        Each is the state the bot had when its gateway session was replaced;
        no event was sent for it (the session that would have received one
        is gone).
        """
        return tuple(self._ended_voice)

    @property
    def rest_requests(self) -> tuple[tuple[str, str], ...]:
        """``(method, path)`` of every REST request, oldest first."""
        return tuple(self._rest_requests)

    @property
    def unhandled_requests(self) -> tuple[tuple[str, str], ...]:
        """``(method, path)`` of REST requests answered with a 404 because no route exists."""
        return tuple(self._unhandled)

    @property
    def heartbeats(self) -> int:
        """How many heartbeats clients have sent."""
        return self._heartbeats

    @property
    def connected_shards(self) -> frozenset[int]:
        """Shard ids with a live, identified or resumed connection."""
        return frozenset(
            session.shard_id
            for session in self._sessions.values()
            if session.valid and session.connection is not None and not session.connection.ws.closed
        )

    @property
    def session_ids(self) -> tuple[str, ...]:
        """Ids of the gateway sessions that can still be resumed."""
        return tuple(sid for sid, session in self._sessions.items() if session.valid)

    def voice_state(self, guild_id: int) -> VoiceStateRecord | None:
        """The bot's current voice state in ``guild_id``, or None when it is not in voice."""
        return self._voice.get(guild_id)

    def last_server_update(self, guild_id: int) -> ServerUpdateRecord | None:
        """The most recent VOICE_SERVER_UPDATE sent for ``guild_id``."""
        for update in reversed(self._server_updates):
            if update.guild_id == guild_id:
                return update
        return None

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` is true, re-checking after every change of the fake.

        Raises:
            TimeoutError: The predicate stayed false for ``timeout`` seconds.
        """
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"FakeDiscord condition not met within {timeout}s "
                f"(identifies={len(self._identifies)}, resumes={len(self._resumes)}, "
                f"voice requests={len(self._voice_requests)}, "
                f"shards={sorted(self.connected_shards)})"
            ) from None

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    #
    # Everything that touches a Discord library lives in
    # voltricx.testing.discord.clients; these methods delegate to it.

    def keep_patch(self, patch: LibraryPatch) -> LibraryPatch:
        """Undo ``patch`` when this fake closes (or on [`undo_patches()`][voltricx.testing.FakeDiscord.undo_patches]); returns it."""
        self._patches.append(patch)
        return patch

    def undo_patches(self) -> None:
        """Undo every library patch made by this fake's client builders."""
        while self._patches:
            self._patches.pop().undo()

    def _user_payload(self) -> JSON:
        return {
            "id": str(self.bot_id),
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": BOT_AVATAR,
            "bot": True,
            "system": False,
            "flags": 0,
            "public_flags": 0,
            "premium_type": 0,
        }

    async def _emit(self, session: Session, event: str, data: object) -> None:
        """Send a dispatch on ``session``; the caller holds ``session.lock``."""
        session.seq += 1
        payload: JSON = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(payload)
        if session.connection is not None:
            await session.connection.send(payload)

    def _session_for_guild(self, guild_id: int) -> Session | None:
        for session in reversed(self._sessions.values()):
            if session.valid and session.owns(guild_id):
                return session
        return None

    async def _dispatch_guild(self, guild_id: int, events: list[tuple[str, JSON]]) -> bool:
        """Send ``events`` in order, back to back, to the session owning ``guild_id``."""
        session = self._session_for_guild(guild_id)
        if session is None:
            _log.warning(
                "no gateway session for guild %d; dropping %s", guild_id, [e for e, _ in events]
            )
            return False
        async with session.lock:
            for name, data in events:
                await self._emit(session, name, data)
        return True

    def _voice_guild(self, guild_id: int) -> tuple[FakeGuild, VoiceStateRecord]:
        state = self._voice.get(guild_id)
        if state is None:
            raise RuntimeError(f"the bot is not in a voice channel in guild {guild_id}")
        return self._all_guilds[guild_id], state

    def _guild_of_channel(self, channel_id: int) -> FakeGuild | None:
        for guild in self._all_guilds.values():
            if channel_id == guild.text_channel_id or channel_id in guild.voice_channel_ids:
                return guild
        return None

    def _live_sessions(self, shard_id: int | None) -> list[Session]:
        return [
            session
            for session in self._sessions.values()
            if session.valid
            and session.connection is not None
            and (shard_id is None or session.shard_id == shard_id)
        ]
