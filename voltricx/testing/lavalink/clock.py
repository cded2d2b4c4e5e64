"""``FakeLavalink``'s playback clock: starting and ending tracks, the ticker, stats."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import time
from typing import Any, cast

import msgspec

from voltricx.models.node import (
    Cpu,
    FrameStats,
    Memory,
    Stats,
)
from voltricx.models.track import Track
from voltricx.testing.lavalink._base import NODELINK_LOAD_AVERAGE, STUCK_THRESHOLD_MS, ServerState
from voltricx.testing.lavalink.players import (
    FakePlayer,
    FakeSession,
)

__all__: list[str] = []


class PlaybackClockMixin(ServerState):
    """Plays tracks on a simulated clock and reports it (player updates, stats)."""

    @property
    def speed(self) -> float:
        """Playback clock multiplier."""
        return self._clock.speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value <= 0:
            raise ValueError("speed must be positive")
        now = self._clock.now()
        players = self.players
        for p in players:
            p.rebase(now)
        self._clock.speed = value
        self._reschedule_all()

    async def push_stats(self) -> None:
        """Send a ``stats`` op to every websocket now."""
        frame = self._stats_body(websocket=True)
        for session in list(self._sessions.values()):
            await self._deliver(session, frame, droppable=True)

    async def push_player_updates(self) -> None:
        """Send a ``playerUpdate`` for every player with a track, now."""
        now = self._clock.now()
        for session in list(self._sessions.values()):
            if session.ws is None:
                continue
            for player in list(session.players.values()):
                if player.track is not None:
                    await self._deliver(session, self._update_frame(player, now), droppable=True)

    def _stats_body(self, *, websocket: bool) -> bytes:
        profile = self.profile
        stats = self._stats(frame_stats=websocket or profile.rest_frame_stats)
        if websocket and profile.ws_stats_players_are_playing:
            stats = msgspec.structs.replace(stats, players=stats.playing_players)
        if profile.lavalink_load_zero:
            cpu = msgspec.structs.replace(stats.cpu, lavalink_load=0.0)
            stats = msgspec.structs.replace(stats, cpu=cpu)
        body: dict[str, Any] = msgspec.to_builtins(stats)
        if websocket:
            body["op"] = "stats"
        elif not profile.rest_frame_stats:
            body.pop("frameStats", None)  # Lavalink leaves the key out of GET /v4/stats
        frames = body.get("frameStats")
        if isinstance(frames, dict) and profile.name == "nodelink":
            frames["expected"] = cast(int, frames["sent"]) + cast(int, frames["deficit"])
        return self._enc.encode(body)

    def _periodic_copies(self) -> int:
        """How many times each periodic frame goes out (NodeLink's leaked timers)."""
        if self.profile.leaky_periodic_timers:
            return max(1, self._timer_sets)
        return 1

    def _stats(self, *, frame_stats: bool) -> Stats:
        o = self._stats_override
        all_players = self.players
        players = int(o.get("players", len(all_players) + self._stale_players))
        playing = int(
            o.get("playing_players", sum(1 for p in all_players if p.playing) + self._stale_playing)
        )
        frames: FrameStats | None = None
        totals = self.profile.frame_stats_always
        if frame_stats and (
            playing > 0
            or self.profile.rest_frame_stats
            or totals
            or any(k in o for k in ("sent", "nulled", "deficit"))
        ):
            # Lavalink: per-player averages over the last minute (3000 frames of 20 ms),
            # null while nothing plays; NodeLink: totals, always present.
            frames = FrameStats(
                sent=int(o.get("sent", playing * 3000 if totals else 3000 if playing else 0)),
                nulled=int(o.get("nulled", 0)),
                deficit=int(o.get("deficit", 0)),
            )
        return Stats(
            players=players,
            playing_players=playing,
            uptime=int((time.monotonic() - self._started_at) * 1000),
            memory=Memory(
                free=180_000_000, used=120_000_000, allocated=300_000_000, reservable=4_000_000_000
            ),
            cpu=Cpu(
                cores=int(o.get("cores", 4)),
                system_load=float(
                    o.get(
                        "system_load",
                        NODELINK_LOAD_AVERAGE if self.profile.raw_system_load else 0.05,
                    )
                ),
                lavalink_load=float(o.get("lavalink_load", 0.01)),
            ),
            frame_stats=frames,
        )

    def _plugin_info_of(self, track: Track) -> dict[str, Any]:
        entry = self.catalogue.get(track.info.identifier)
        if entry is not None and entry.track.encoded == track.encoded:
            return dict(entry.track.plugin_info)
        return {}

    def _start_track(
        self,
        session: FakeSession,
        player: FakePlayer,
        track: Track,
        now: float,
        *,
        position: int,
        end_time: int | None,
        paused: bool,
    ) -> list[tuple[FakeSession, bytes]]:
        gid = player.guild_id
        frames: list[tuple[FakeSession, bytes]] = []
        replacing = player.track is not None
        if replacing:
            frames.append(self._end_track(session, player, now, "replaced"))
        player.ever_played = True
        player.pending = None
        player.track = track
        player.end_time = end_time
        player.paused = paused
        player.set_stuck(False, now)
        player.rebase(now, min(position, player.end_position))
        frames.append(self._event(session, gid, "TrackStartEvent", track=player.track_now(now)))
        if replacing and self.profile.duplicate_start_on_replace:
            # NodeLink: one start when the request is handled, another when audio flows.
            frames.append(self._event(session, gid, "TrackStartEvent", track=player.track_now(now)))
        behaviour = self.catalogue.behaviour_of(track)
        if behaviour == "exception":
            current = player.track_now(now)
            frames.append(
                self._event(
                    session,
                    gid,
                    "TrackExceptionEvent",
                    track=current,
                    exception={
                        "message": "Something broke when playing the track.",
                        "severity": "fault",
                        "cause": "java.lang.IllegalStateException: simulated playback failure",
                    },
                )
            )
            frames.append(self._end_track(session, player, now, "loadFailed"))
        elif behaviour == "stuck":
            player.set_stuck(True, now)
            frames.append(
                self._event(
                    session,
                    gid,
                    "TrackStuckEvent",
                    track=player.track_now(now),
                    thresholdMs=STUCK_THRESHOLD_MS,
                )
            )
        self._schedule(player)
        return frames

    def _end_track(
        self, session: FakeSession, player: FakePlayer, now: float, reason: str
    ) -> tuple[FakeSession, bytes]:
        track = player.track_now(now)
        player.track = None
        player.end_time = None
        player.set_stuck(False, now)
        player.rebase(now, 0)
        return self._event(session, player.guild_id, "TrackEndEvent", track=track, reason=reason)

    def _schedule(self, player: FakePlayer) -> None:
        due = player.deadline()
        if due is None:
            return
        heapq.heappush(self._heap, (due, next(self._seq), player, player.token))
        if self._heap[0][2] is player:
            self._wake.set()

    def _reschedule_all(self) -> None:
        self._heap = []
        for player in self.players:
            player.token += 1
            self._schedule(player)
        self._wake.set()

    def _reset_clocks(self) -> None:
        # A (re)started process: uptime and the counters start again.
        self._stale_players = self._stale_playing = 0
        now = time.monotonic()
        self._started_at = now
        self._next_update = now + self.player_update_interval
        self._next_stats = now + self.stats_interval
        self._wake.set()

    async def _run_ticker(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if not self._down:
                await self._finish_due(now)
                if now >= self._next_update:
                    self._next_update = now + self.player_update_interval
                    if not self._stalled:
                        for _ in range(self._periodic_copies()):
                            await self.push_player_updates()
                if now >= self._next_stats:
                    self._next_stats = now + self.stats_interval
                    if not self._stalled:
                        for _ in range(self._periodic_copies()):
                            await self.push_stats()
                wake_at: float | None = min(self._next_update, self._next_stats)
                if self._heap:
                    wake_at = min(wake_at, self._heap[0][0])
            else:
                wake_at = None
            self._wake.clear()
            if wake_at is not None and wake_at <= loop.time():
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(wake_at):
                    await self._wake.wait()

    async def _finish_due(self, now: float) -> None:
        frames: list[tuple[FakeSession, bytes]] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, player, token = heapq.heappop(heap)
            if token != player.token or player.track is None:
                continue
            session = self._sessions.get(player.session_id)
            if session is None or session.players.get(player.guild_id) is not player:
                continue
            due = player.deadline()
            if due is not None and due > now:  # rescheduled meanwhile
                heapq.heappush(heap, (due, next(self._seq), player, player.token))
                continue
            frames.append(self._end_track(session, player, now, "finished"))
        await self._send_events(frames)
