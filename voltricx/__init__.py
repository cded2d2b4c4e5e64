"""voltricx: a typed, fault-tolerant Lavalink v4 client for Python Discord bots."""

from __future__ import annotations

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
    NoNodesAvailable,
    NodeAuthError,
    NodeError,
    NodeNotFound,
    NodeProtocolError,
    PlayerError,
    SessionNotFound,
    TrackCodecError,
    VoltricxError,
)

__version__ = "0.1.0"

__all__ = [
    "AutoPlayMode",
    "LavalinkHTTPError",
    "LoadError",
    "LoadType",
    "MissingExtraError",
    "NoNodesAvailable",
    "NodeAuthError",
    "NodeError",
    "NodeNotFound",
    "NodeProtocolError",
    "NodeStatus",
    "PlayerError",
    "QueueMode",
    "RoutePlannerClass",
    "SessionNotFound",
    "Severity",
    "TrackCodecError",
    "TrackEndReason",
    "VoltricxError",
    "__version__",
]
