"""Enumerations used across voltricx; each value is the wire string."""

from __future__ import annotations

import enum

__all__ = [
    "AutoPlayMode",
    "LoadType",
    "NodeStatus",
    "QueueMode",
    "RoutePlannerClass",
    "Severity",
    "TrackEndReason",
]


class NodeStatus(enum.StrEnum):
    """Connection state of a node: ``connecting -> connected -> disconnected -> ...``.

    The lower-case spellings (``NodeStatus.connected``) are aliases of the same
    members, so ``NodeStatus.connected is NodeStatus.CONNECTED``.
    """

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    connecting = "connecting"
    connected = "connected"
    disconnected = "disconnected"


class LoadType(enum.StrEnum):
    """The ``loadType`` of ``GET /v4/loadtracks``."""

    TRACK = "track"
    PLAYLIST = "playlist"
    SEARCH = "search"
    EMPTY = "empty"
    ERROR = "error"


class Severity(enum.StrEnum):
    """How bad a track exception is, as Lavalink judges it."""

    COMMON = "common"
    SUSPICIOUS = "suspicious"
    FAULT = "fault"


class TrackEndReason(enum.StrEnum):
    """Why a track ended (``TrackEndEvent.reason``)."""

    FINISHED = "finished"
    LOAD_FAILED = "loadFailed"
    STOPPED = "stopped"
    REPLACED = "replaced"
    CLEANUP = "cleanup"

    @property
    def may_start_next(self) -> bool:
        """True when a queue should advance: the track finished or failed to load."""
        return self in (TrackEndReason.FINISHED, TrackEndReason.LOAD_FAILED)


class RoutePlannerClass(enum.StrEnum):
    """The route planner implementations Lavalink can run."""

    ROTATING_IP = "RotatingIpRoutePlanner"
    NANO_IP = "NanoIpRoutePlanner"
    ROTATING_NANO_IP = "RotatingNanoIpRoutePlanner"
    BALANCING_IP = "BalancingIpRoutePlanner"


class QueueMode(enum.StrEnum):
    """Loop behaviour of a [`Queue`][voltricx.Queue].

    wavelink's spellings (``QueueMode.loop``, ``loop_all``, ``normal``) are
    aliases of the same members.
    """

    NORMAL = "normal"
    LOOP = "loop"
    LOOP_ALL = "loop_all"
    normal = "normal"
    loop = "loop"
    loop_all = "loop_all"


class AutoPlayMode(enum.StrEnum):
    """What a player does when a track ends (see [Player.autoplay][voltricx.player.Player.autoplay]).

    wavelink's spellings (``AutoPlayMode.enabled``, ``partial``, ``disabled``)
    are aliases of the same members.
    """

    ENABLED = "enabled"
    PARTIAL = "partial"
    DISABLED = "disabled"
    enabled = "enabled"
    partial = "partial"
    disabled = "disabled"
