"""Server-side state of [`FakeLavalink`][voltricx.testing.FakeLavalink]: sessions, players, requests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from voltricx.models.filters import FiltersPayload
from voltricx.models.player import PlayerPayload, PlayerState, VoiceState
from voltricx.models.track import Track

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["FakePlayer", "FakeSession", "PlaybackClock", "RecordedRequest"]

_json_decode = msgspec.json.decode
_UNBOUNDED = (1 << 63) - 1


class _NoJson:
    pass


_NO_JSON = _NoJson()


class RecordedRequest:
    """One HTTP request the fake received (websocket upgrades included).

    ``time`` is `time.monotonic()` at arrival. ``headers`` is
    case-insensitive. ``json`` is the decoded body, or ``None`` when the body
    is empty or not JSON.
    """

    __slots__ = ("_json", "body", "headers", "method", "path", "query", "time", "websocket")

    def __init__(
        self,
        *,
        method: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
        time: float,
        websocket: bool,
    ) -> None:
        self.method: str = method
        self.path: str = path
        self.query: dict[str, str] = query
        self.headers: Mapping[str, str] = headers
        self.body: bytes = body
        self.time: float = time
        self.websocket: bool = websocket
        self._json: Any = _NO_JSON

    @property
    def json(self) -> Any:
        """The body decoded as JSON (``None`` if empty or invalid)."""
        if self._json is _NO_JSON:
            try:
                self._json = _json_decode(self.body) if self.body else None
            except msgspec.DecodeError:
                self._json = None
        return self._json

    def __repr__(self) -> str:
        kind = " websocket" if self.websocket else ""
        return f"<RecordedRequest{kind} {self.method} {self.path}>"


class PlaybackClock:
    """Shared clock of every simulated player: speed multiplier and freezing."""

    __slots__ = ("frozen", "speed")

    def __init__(self, speed: float) -> None:
        self.speed: float = speed
        self.frozen: bool = False

    @staticmethod
    def now() -> float:
        """Monotonic seconds."""
        return time.monotonic()


class FakePlayer:
    """A simulated player of one guild in one session.

    The position advances with real time multiplied by the server's
    ``speed`` while a track is loaded and not paused. Attributes are for
    inspection; change state through the REST API (or the helpers on the
    server) so that events are emitted.
    """

    __slots__ = (
        "_anchor_pos",
        "_anchor_t",
        "_clock",
        "_stuck",
        "end_time",
        "ever_played",
        "filters",
        "guild_id",
        "handshake",
        "link",
        "paused",
        "pending",
        "ping",
        "session_id",
        "token",
        "track",
        "voice",
        "voice_connected",
        "volume",
    )

    def __init__(self, guild_id: str, session_id: str, clock: PlaybackClock) -> None:
        self.guild_id: str = guild_id
        self.session_id: str = session_id
        self._clock = clock
        self.track: Track | None = None
        self.paused: bool = False
        self.volume: int = 100
        self.filters: FiltersPayload = FiltersPayload()
        self.voice: VoiceState = VoiceState(token="", endpoint="", session_id="", channel_id=None)
        self.end_time: int | None = None
        self.ping: int = 25
        """The ping reported while voice is connected (ms)."""
        self.token: int = 0
        self.ever_played: bool = False
        """True once a track was started on this player."""
        self.pending: tuple[Track, int, int | None, bool] | None = None
        """NodeLink profile: a track cached until voice arrives (track, position, end, paused)."""
        self.voice_connected: bool | None = None
        """With a voice handshake: whether it succeeded (``None``: no handshake, credentials decide)."""
        self.handshake: asyncio.Task[None] | None = None
        """The running voice handshake/connection of this player, if any."""
        self.link: Any = None
        """The open voice connection (a ``VoiceLink``) once the handshake succeeded."""
        self._anchor_pos = 0.0
        self._anchor_t = clock.now()
        self._stuck = False

    # ------------------------------------------------------------------ clock

    @property
    def advancing(self) -> bool:
        """True when the position moves: a track is loaded, not paused, not stuck."""
        return (
            self.track is not None
            and not self.paused
            and not self._stuck
            and not self._clock.frozen
        )

    @property
    def end_position(self) -> int:
        """Where the current track ends (its length, or the end marker if earlier)."""
        if self.track is None:
            return 0
        length = self.track.info.length
        if length < 0:  # unknown length (NodeLink's http/local tracks): plays until stopped
            length = _UNBOUNDED
        if self.end_time is not None and self.end_time < length:
            return self.end_time
        return length

    def position_at(self, now: float) -> int:
        """The simulated position (ms) at monotonic time ``now``."""
        if self.track is None:
            return 0
        pos = self._anchor_pos
        if self.advancing:
            pos += (now - self._anchor_t) * 1000.0 * self._clock.speed
        return max(0, min(int(pos), self.end_position))

    @property
    def position(self) -> int:
        """The simulated position (ms) now."""
        return self.position_at(self._clock.now())

    def rebase(self, now: float, position: float | None = None) -> None:
        """Re-anchor the clock (before any change of speed, pause or track)."""
        self._anchor_pos = float(self.position_at(now) if position is None else position)
        self._anchor_t = now
        self.token += 1

    def deadline(self) -> float | None:
        """Monotonic time at which the track reaches its end, ``None`` if it never will."""
        if not self.advancing or self.track is None or self.track.info.is_stream:
            return None
        if self.end_position >= _UNBOUNDED:
            return None
        remaining = self.end_position - self._anchor_pos
        return self._anchor_t + max(0.0, remaining) / (1000.0 * self._clock.speed)

    def set_stuck(self, stuck: bool, now: float) -> None:
        """Stop (or restart) the position from advancing."""
        self.rebase(now)
        self._stuck = stuck

    # ------------------------------------------------------------------ views

    @property
    def connected(self) -> bool:
        """True when the player has full voice credentials (and, with a handshake, it succeeded)."""
        v = self.voice
        credentials = bool(v.token and v.endpoint and v.session_id)
        if self.voice_connected is None:
            return credentials
        return credentials and self.voice_connected

    @property
    def playing(self) -> bool:
        """True when a track is loaded and not paused (Lavalink's ``playingPlayers``)."""
        return self.track is not None and not self.paused

    def state(self, now: float | None = None) -> PlayerState:
        """The ``state`` object of a player / ``playerUpdate``."""
        when = self._clock.now() if now is None else now
        connected = self.connected
        return PlayerState(
            time=int(time.time() * 1000),
            position=self.position_at(when),
            connected=connected,
            ping=self.ping if connected else -1,
        )

    def track_now(self, now: float | None = None) -> Track | None:
        """The current track with ``info.position`` set to the current position."""
        track = self.track
        if track is None:
            return None
        when = self._clock.now() if now is None else now
        info = msgspec.structs.replace(track.info, position=self.position_at(when))
        return Track(
            encoded=track.encoded,
            info=info,
            plugin_info=track.plugin_info,
            user_data=track.user_data,
        )

    def payload(self) -> PlayerPayload:
        """The player object as the REST API returns it."""
        now = self._clock.now()
        return PlayerPayload(
            guild_id=self.guild_id,
            track=self.track_now(now),
            volume=self.volume,
            paused=self.paused,
            state=self.state(now),
            voice=self.voice,
            filters=self.filters,
        )

    def __repr__(self) -> str:
        title = self.track.info.title if self.track else None
        return f"<FakePlayer guild={self.guild_id} track={title!r} paused={self.paused}>"


@dataclass(eq=False)
class FakeSession:
    """One Lavalink session: a websocket (or none while waiting to be resumed) and its players."""

    session_id: str
    user_id: str
    client_name: str | None
    players: dict[str, FakePlayer] = field(default_factory=dict[str, FakePlayer])
    resuming: bool = False
    timeout: int = 60
    """Resume timeout in seconds."""
    queued: list[bytes] = field(default_factory=list[bytes])
    """Event frames waiting for a resume."""
    ws: web.WebSocketResponse | None = None
    expiry: asyncio.TimerHandle | None = None

    @property
    def connected(self) -> bool:
        """True while a websocket is attached."""
        return self.ws is not None

    def __repr__(self) -> str:
        return (
            f"<FakeSession {self.session_id} connected={self.connected} "
            f"resuming={self.resuming} players={len(self.players)}>"
        )
