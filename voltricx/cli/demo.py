"""``python -m voltricx demo``: fake nodes, players in several regions, a node killed, failover.

Everything runs in this process on 127.0.0.1: three
[`FakeLavalink`][voltricx.testing.FakeLavalink] servers (US, EU, Asia), a
[`FakeVoiceGateway`][voltricx.testing.FakeVoiceGateway] in place of Discord, and
the real [`Pool`][voltricx.Pool], nodes and players. Every figure printed is
read from them (node status, penalty, player counts and positions, the
[`Failover`][voltricx.events.Failover] events); nothing is scripted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass

import voltricx
from voltricx._tasks import TaskTracker
from voltricx.cli._console import Console, track_length
from voltricx.enums import NodeStatus
from voltricx.errors import VoltricxError
from voltricx.events import Event, Failover, TrackEnd
from voltricx.models.load import SearchResult
from voltricx.models.track import Track
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

__all__ = ["NODE_LAYOUT", "DemoOptions", "run_demo"]

#: (identifier, region) of the demo's nodes, in order; ``--nodes N`` takes the first N.
NODE_LAYOUT: tuple[tuple[str, str], ...] = (
    ("US", "us"),
    ("EU", "eu"),
    ("Asia", "asia"),
    ("SA", "sa"),
    ("OC", "oc"),
    ("AF", "af"),
)

_PASSWORD = "demo-password"
_QUERIES = (
    "night drive synthwave",
    "rainy day lofi",
    "northern lights ambient",
    "tokyo city pop",
    "desert road blues",
    "harbour jazz trio",
    "mountain folk song",
    "neon arcade chiptune",
)
_GUILD_BASE = 1001
_CHANNEL_BASE = 2001


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """Settings of one demo run.

    Attributes:
        nodes: How many fake nodes (1-6; US, EU, Asia, ...).
        players: How many players to create.
        kill: Kill EU (the second node) and show the failover.
        duration: Approximate run time in seconds.
        speed: Playback clock multiplier of the fake nodes.
        refresh: Seconds between status refreshes.
        resume_grace: Seconds a dropped node gets to come back before failover.
    """

    nodes: int = 3
    players: int = 6
    kill: bool = True
    duration: float = 20.0
    speed: float = 4.0
    refresh: float = 0.5
    resume_grace: float = 1.5

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> DemoOptions:
        """Options from the parsed command line (``--fast`` picks quick settings)."""
        fast = bool(args.fast)
        duration = args.duration if args.duration is not None else (3.0 if fast else 20.0)
        speed = args.speed if args.speed is not None else (20.0 if fast else 4.0)
        return cls(
            nodes=int(args.nodes),
            players=max(0, int(args.players)),
            kill=not args.no_kill,
            duration=float(duration),
            speed=float(speed),
            refresh=0.25 if fast else 0.5,
            resume_grace=0.3 if fast else 1.5,
        )


@dataclass(slots=True)
class _Moved:
    guild_id: int
    old: str
    new: str
    position: int
    title: str
    after: float


class _DemoGateway(FakeVoiceGateway):
    """The fake Discord side, plus what the demo shows: failovers and the next track."""

    def __init__(self) -> None:
        super().__init__()
        self.moved: list[_Moved] = []
        self.playlists: dict[int, list[Track]] = {}
        self.killed_at: float | None = None
        self.tasks = TaskTracker("demo")

    def emit(self, event: Event) -> None:
        if isinstance(event, Failover):
            after = time.monotonic() - self.killed_at if self.killed_at is not None else 0.0
            for player in event.players:
                title = player.current.title if player.current is not None else "(nothing)"
                self.moved.append(
                    _Moved(
                        player.guild_id,
                        event.old_node.identifier,
                        event.new_node.identifier,
                        player.position,
                        title,
                        after,
                    )
                )
        elif isinstance(event, TrackEnd) and event.may_start_next:
            self.tasks.spawn(self._next(event), name="demo:next-track")
        super().emit(event)

    async def _next(self, event: TrackEnd) -> None:
        tracks = self.playlists.get(event.player.guild_id)
        if not tracks:
            return
        tracks.append(tracks.pop(0))
        with contextlib.suppress(VoltricxError):  # moving or gone; the status lines show it
            await event.player.play(tracks[0])

    async def cancel_tasks(self) -> None:
        await self.tasks.cancel_all()


def _clock(ms: int) -> str:
    seconds = max(ms, 0) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class _Demo:
    def __init__(self, options: DemoOptions, console: Console) -> None:
        self.options = options
        self.out = console
        self.layout = NODE_LAYOUT[: options.nodes]
        self.fakes: dict[str, FakeLavalink] = {}
        self.gateway = _DemoGateway()
        self.started = time.monotonic()
        self._drawn = 0
        self._last_block = 0.0

    # -- output ------------------------------------------------------------------------

    def _status_colour(self, status: NodeStatus) -> str:
        return {
            NodeStatus.CONNECTED: "green",
            NodeStatus.CONNECTING: "yellow",
            NodeStatus.DISCONNECTED: "red",
        }[status]

    def status_lines(self) -> list[str]:
        """One line per node, read from the live Pool."""
        lines: list[str] = []
        elapsed = time.monotonic() - self.started
        out = self.out
        for node in voltricx.Pool.nodes().values():
            status = out.paint(f"{node.status.value:<12}", self._status_colour(node.status))
            penalty = "-" if node.status is not NodeStatus.CONNECTED else f"{node.penalty:6.1f}"
            players = sorted(node.players.values(), key=lambda p: p.guild_id)
            playing = "  ".join(
                f"{p.guild_id} {_clock(p.position)}" if p.current is not None else f"{p.guild_id} idle"
                for p in players
            )
            lines.append(
                f"  {out.paint(f'{node.identifier:<5}', 'bold')} {status} players {len(players):>2}"
                f"  penalty {penalty:>6}  {out.paint('|', 'dim')} {playing}"
            )
        parked = voltricx.Pool.players().keys() - {
            gid for node in voltricx.Pool.nodes().values() for gid in node.players
        }
        if parked:
            lines.append(f"  waiting for a node: {' '.join(str(g) for g in sorted(parked))}")
        lines.insert(0, out.paint(f"  t+{elapsed:5.1f}s", "dim"))
        return lines

    def draw(self, *, force: bool = False) -> None:
        """Refresh the status block (in place on a terminal; appended otherwise)."""
        now = time.monotonic()
        if not self.out.colour and not force and now - self._last_block < max(2.0, self.options.refresh):
            return  # without a terminal, print a block every couple of seconds only
        self._last_block = now
        self._drawn = self.out.rewrite(self.status_lines(), self._drawn if self.out.colour else 0)

    def end_block(self) -> None:
        """The next output starts below the status block instead of overwriting it."""
        self._drawn = 0

    async def watch(self, seconds: float, until: Callable[[], bool] | None = None) -> bool:
        """Show live status for ``seconds`` (or until ``until()`` is true, re-checked on events)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        self.draw(force=True)
        while True:
            if until is not None and until():
                self.draw(force=True)
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                self.draw(force=True)
                return until is None
            try:
                step = min(self.options.refresh, remaining)
                if until is not None:
                    await self.gateway.wait_until(until, timeout=step)
                else:
                    await asyncio.sleep(step)  # a display timer, not synchronisation
            except TimeoutError:
                pass
            self.draw()

    # -- phases ------------------------------------------------------------------------

    async def start_nodes(self) -> list[voltricx.NodeConfig]:
        opts = self.options
        self.out.section(f"Starting {len(self.layout)} fake Lavalink node(s) on 127.0.0.1")
        configs: list[voltricx.NodeConfig] = []
        for identifier, region in self.layout:
            fake = FakeLavalink(
                _PASSWORD,
                speed=opts.speed,
                stats_interval=max(opts.refresh, 0.5),
                player_update_interval=0.2,
            )
            await fake.start()
            self.fakes[identifier] = fake
            self.out.line(f"  {identifier:<5} {fake.uri}  region={region}  Lavalink {fake.version}")
            configs.append(
                voltricx.NodeConfig(
                    identifier=identifier,
                    uri=fake.uri,
                    password=_PASSWORD,
                    region=region,
                    resume_grace=opts.resume_grace,
                    resume_timeout=5,
                    stats_interval=max(opts.refresh, 0.5),
                    retry_base=0.2,
                    retry_cap=1.0,
                    connect_timeout=5.0,
                    heartbeat=5.0,
                )
            )
        self.out.line(
            f"  playback clock x{opts.speed:g}, resume grace {opts.resume_grace:g}s; "
            "voice comes from a fake Discord gateway"
        )
        return configs

    async def connect(self, configs: list[voltricx.NodeConfig]) -> None:
        self.out.section("Connecting the pool")
        if self.out.colour:
            await voltricx.Pool.connect(client=self.gateway, nodes=configs, report_stream=self.out.stream)
            return
        # The pool colours its report when the stream is a terminal; without colour, the
        # report goes through a plain buffer first.
        buffer = io.StringIO()
        await voltricx.Pool.connect(client=self.gateway, nodes=configs, report_stream=buffer)
        for text in buffer.getvalue().splitlines():
            self.out.line(text)

    async def create_players(self) -> None:
        count = self.options.players
        self.out.section(f"Creating {count} player(s), each in the region of a node")
        for index in range(count):
            _, region = self.layout[index % len(self.layout)]
            guild_id = _GUILD_BASE + index
            await self.create_player(guild_id, region, _QUERIES[index % len(_QUERIES)])

    async def create_player(self, guild_id: int, region: str, query: str) -> None:
        player = voltricx.Player(guild_id, region=region)
        await player.connect(_CHANNEL_BASE + (guild_id - _GUILD_BASE))
        result = await player.node.rest.load_tracks(f"ytsearch:{query}")
        if not isinstance(result, SearchResult) or not result.data:
            self.out.line(f"  guild {guild_id}: search for {query!r} found nothing")
            return
        tracks = list(result.data)
        self.gateway.playlists[guild_id] = tracks
        track = await player.play(tracks[0])
        self.out.line(
            f"  guild {guild_id} region={region:<4} -> node {player.node.identifier:<5} "
            f"playing {track.title!r} ({track_length(track.length, is_stream=track.is_stream)})"
        )

    async def kill_and_fail_over(self, victim: str) -> None:
        node = voltricx.Pool.get_node(victim)
        fake = self.fakes[victim]
        on_victim = sorted(node.players.values(), key=lambda p: p.guild_id)
        self.out.section(f"Killing {victim} (like SIGKILL: connections dropped, no close frame, new ones refused)")
        for player in on_victim:
            self.out.line(f"  guild {player.guild_id} on {victim} at {_clock(player.position)}")
        self.gateway.killed_at = time.monotonic()
        attempts = node.connection_attempts
        fake.kill()
        victims = {p.guild_id for p in on_victim}

        def settled() -> bool:
            moved = {m.guild_id for m in self.gateway.moved if m.old == victim}
            return all(gid in moved for gid in victims if voltricx.Pool.get_player(gid) is not None)

        done = await self.watch(
            max(10.0, self.options.resume_grace + 8.0),
            until=lambda: not victims or settled(),
        )
        self.end_block()
        moved = [m for m in self.gateway.moved if m.old == victim]
        self.out.section(f"Failover from {victim}")
        if not victims:
            self.out.line(f"  {victim} had no players; nothing to move")
            return
        if not done:
            self.out.line(self.out.paint("  failover did not finish in time", "red"))
        arrow = self.out.symbol("→", "->")
        for m in sorted(moved, key=lambda m: m.guild_id):
            server = self.fakes[m.new].player(m.guild_id)
            remote = f"node {m.new} reports {_clock(server.position)}" if server is not None else ""
            self.out.line(
                f"  guild {m.guild_id}  {m.old} {arrow} {m.new:<5} at {_clock(m.position)}  "
                f"{m.title!r}  after {m.after:.2f}s  ({remote})"
            )
        self.out.line(
            f"  {len(moved)} of {len(victims)} player(s) moved without a single request to "
            f"{victim}; it refused {node.connection_attempts - attempts} reconnect attempt(s) meanwhile"
        )

    async def bring_back(self, victim: str) -> None:
        node = voltricx.Pool.get_node(victim)
        self.out.section(f"Bringing {victim} back")
        await self.fakes[victim].restart()
        try:
            await node.wait_for_status(NodeStatus.CONNECTED, timeout=10.0)
        except TimeoutError:
            self.out.line(self.out.paint(f"  {victim} did not reconnect within 10s", "red"))
            return
        self.out.line(
            f"  {victim} reconnected ({node.connection_attempts} connection attempts in all); players "
            "of its region move back to it, new players may use it again"
        )
        region = dict(self.layout)[victim]
        guild_id = _GUILD_BASE + self.options.players
        await self.create_player(guild_id, region, _QUERIES[guild_id % len(_QUERIES)])

    async def close(self) -> int:
        self.out.section("Closing")
        await self.gateway.cancel_tasks()
        await voltricx.Pool.close()
        for fake in self.fakes.values():
            await fake.close()
        current = asyncio.current_task()
        left = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        if left:
            # Give tasks that are finishing right now one loop turn, then look again.
            await asyncio.sleep(0)
            left = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        if left:
            names = ", ".join(sorted(t.get_name() for t in left))
            self.out.line(self.out.paint(f"  {len(left)} task(s) still running: {names}", "red"))
            return 1
        self.out.line(
            f"  pool closed, {len(self.fakes)} fake node(s) stopped, no background task left "
            f"({time.monotonic() - self.started:.1f}s in total)"
        )
        return 0


async def run_demo(options: DemoOptions, console: Console) -> int:
    """Run the demo, writing to ``console``; returns the exit code (0 on success)."""
    demo = _Demo(options, console)
    out = console
    out.line(out.paint("voltricx demo", "bold", "magenta") + " - fake Lavalink nodes, real client")
    code = 1
    try:
        configs = await demo.start_nodes()
        await demo.connect(configs)
        await demo.create_players()
        victim = demo.layout[1][0] if len(demo.layout) > 1 else None
        kill = options.kill and victim is not None
        out.section("Live status (every node: status, players, penalty | guild position)")
        await demo.watch(options.duration * (0.35 if kill else 0.8))
        demo.end_block()
        if options.kill and victim is None:
            out.line("  (failover needs at least two nodes; not killing anything)")
        if kill and victim is not None:
            await demo.kill_and_fail_over(victim)
            out.section("Live status after failover")
            await demo.watch(options.duration * 0.3)
            demo.end_block()
            await demo.bring_back(victim)
            out.section("Live status")
            await demo.watch(options.duration * 0.2)
            demo.end_block()
        code = 0
    except VoltricxError as exc:
        out.line(out.paint(f"demo failed: {exc}", "red"))
    finally:
        closed = await demo.close()
        code = code or closed
    return code
