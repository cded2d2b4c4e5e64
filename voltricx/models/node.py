"""Node-level payloads: info, stats, version, session and route planner."""

from __future__ import annotations

import datetime

import msgspec

from voltricx.enums import RoutePlannerClass

__all__ = [
    "Cpu",
    "FailingAddress",
    "FrameStats",
    "Git",
    "Info",
    "IpBlock",
    "Memory",
    "Plugin",
    "RoutePlannerDetails",
    "RoutePlannerStatus",
    "SessionInfo",
    "Stats",
    "Version",
]


def _from_ms(value: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(value / 1000, tz=datetime.UTC)


class Version(msgspec.Struct, rename="camel", frozen=True):
    """The server version. NodeLink sends the numeric parts as strings; both are accepted."""

    semver: str
    major: int | str = 0
    minor: int | str = 0
    patch: int | str = 0
    pre_release: str | None = None
    build: str | None = None

    def as_tuple(self) -> tuple[int, int, int]:
        """``(major, minor, patch)`` as integers, whatever type the server sent."""

        def num(value: int | str) -> int:
            try:
                return int(value)
            except ValueError:
                return 0

        return (num(self.major), num(self.minor), num(self.patch))


class Git(msgspec.Struct, rename="camel", frozen=True):
    """Git details of the server build."""

    branch: str = ""
    commit: str = ""
    commit_time_ms: int = msgspec.field(default=0, name="commitTime")
    """The commit time as the node sends it: epoch milliseconds."""

    @property
    def commit_time(self) -> datetime.datetime:
        """When the commit was made (aware, UTC), as wavelink gives it."""
        return _from_ms(self.commit_time_ms)


class Plugin(msgspec.Struct, frozen=True):
    """A plugin the server has loaded."""

    name: str
    version: str = ""


class Info(msgspec.Struct, rename="camel", frozen=True):
    """``GET /v4/info``: what the server is and what it can do."""

    version: Version
    build_time_ms: int = msgspec.field(default=0, name="buildTime")
    """The build time as the node sends it: epoch milliseconds."""
    git: Git = Git()
    jvm: str = ""
    lavaplayer: str = ""
    source_managers: list[str] = msgspec.field(default_factory=list[str])
    filters: list[str] = msgspec.field(default_factory=list[str])
    plugins: list[Plugin] = msgspec.field(default_factory=list[Plugin])

    @property
    def build_time(self) -> datetime.datetime:
        """When the server was built (aware, UTC), as wavelink gives it."""
        return _from_ms(self.build_time_ms)

    def has_plugin(self, name: str) -> bool:
        """True when a plugin of that name (case-insensitive) is loaded."""
        wanted = name.lower()
        return any(plugin.name.lower() == wanted for plugin in self.plugins)


class Memory(msgspec.Struct, frozen=True):
    """Memory figures of the node, in bytes."""

    free: int = 0
    used: int = 0
    allocated: int = 0
    reservable: int = 0


class Cpu(msgspec.Struct, rename="camel", frozen=True):
    """CPU figures of the node; loads are fractions from 0.0 to 1.0."""

    cores: int = 1
    system_load: float = 0.0
    lavalink_load: float = 0.0


class FrameStats(msgspec.Struct, frozen=True):
    """Audio frames of the last minute: sent, nulled (no data) and deficit (missing)."""

    sent: int = 0
    nulled: int = 0
    deficit: int = 0


class Stats(msgspec.Struct, rename="camel", frozen=True):
    """Load figures of a node (websocket ``stats`` op or ``GET /v4/stats``)."""

    players: int = 0
    playing_players: int = 0
    uptime: int = 0
    memory: Memory = Memory()
    cpu: Cpu = Cpu()
    frame_stats: FrameStats | None = None


class SessionInfo(msgspec.Struct, frozen=True):
    """Answer to ``PATCH /v4/sessions/{id}``."""

    resuming: bool = False
    timeout: int = 60


class IpBlock(msgspec.Struct, frozen=True):
    """The IP block a route planner rotates through (size is a decimal string)."""

    type: str
    size: str


class FailingAddress(msgspec.Struct, rename="camel", frozen=True):
    """An address the route planner has marked as failing."""

    failing_address: str
    failing_timestamp: int
    failing_time: str


class RoutePlannerDetails(msgspec.Struct, rename="camel", frozen=True):
    """Route planner details; fields not used by a planner class stay ``None``.

    Numbers are strings on the wire (IPv6 blocks exceed 64 bits) and are
    kept as strings.
    """

    ip_block: IpBlock
    failing_addresses: list[FailingAddress] = msgspec.field(default_factory=list[FailingAddress])
    rotate_index: str | None = None
    ip_index: str | None = None
    current_address: str | None = None
    current_address_index: str | None = None
    block_index: str | None = None


class RoutePlannerStatus(msgspec.Struct, frozen=True):
    """``GET /v4/routeplanner/status`` when a planner is configured."""

    cls: str = msgspec.field(name="class")
    details: RoutePlannerDetails

    @property
    def planner_class(self) -> RoutePlannerClass | None:
        """The planner class as an enum, or ``None`` for a class this version does not know."""
        try:
            return RoutePlannerClass(self.cls)
        except ValueError:
            return None
