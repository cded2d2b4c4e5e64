"""voltricx: a typed, fault-tolerant Lavalink v4 client for Python Discord bots."""

from __future__ import annotations

from voltricx import events
from voltricx.config import NodeConfig
from voltricx.enums import (
    AutoPlayMode,
    LoadType,
    NodeStatus,
    QueueMode,
    RoutePlannerClass,
    Severity,
    TrackEndReason,
)
from voltricx.errors import (
    LavalinkHTTPError,
    LoadError,
    MissingExtraError,
    NodeAuthError,
    NodeError,
    NodeNotFound,
    NodeProtocolError,
    NoNodesAvailable,
    PlayerError,
    SessionNotFound,
    TrackCodecError,
    VoltricxError,
)
from voltricx.events import EventSink
from voltricx.gateway import VoiceGateway
from voltricx.models.track import Track, TrackInfo
from voltricx.node import Node
from voltricx.player import Player
from voltricx.pool import Pool

#: A playable track; the same class as :class:`voltricx.models.Track`.
Playable = Track

__version__ = "0.1.0"

__all__ = [
    "AutoPlayMode",
    "EventSink",
    "LavalinkHTTPError",
    "LoadError",
    "LoadType",
    "MissingExtraError",
    "NoNodesAvailable",
    "Node",
    "NodeAuthError",
    "NodeConfig",
    "NodeError",
    "NodeNotFound",
    "NodeProtocolError",
    "NodeStatus",
    "Playable",
    "Player",
    "PlayerError",
    "Pool",
    "QueueMode",
    "RoutePlannerClass",
    "SessionNotFound",
    "Severity",
    "Track",
    "TrackCodecError",
    "TrackEndReason",
    "TrackInfo",
    "VoiceGateway",
    "VoltricxError",
    "__version__",
    "events",
]
