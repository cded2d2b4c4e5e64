"""voltricx: a typed, fault-tolerant Lavalink v4 client for Python Discord bots."""

from __future__ import annotations

from voltricx import autoplay, codec, events, plugins, search
from voltricx.bot_pool import BotPool
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
    FilterError,
    InvalidArgument,
    InvalidIndex,
    LavalinkHTTPError,
    LoadError,
    MissingExtraError,
    NodeAuthError,
    NodeConnectError,
    NodeError,
    NodeNotFound,
    NodeProtocolError,
    NoNodesAvailable,
    OwnershipLostError,
    PlayerError,
    PluginNotAvailable,
    QueueEmpty,
    SessionNotFound,
    StoreDataLost,
    TrackCodecError,
    UserDataError,
    VoltricxError,
    WrongTypeError,
)
from voltricx.events import EventSink
from voltricx.extras import Extras
from voltricx.filters import Filters
from voltricx.gateway import PlayerFactory, VoiceGateway
from voltricx.models.track import Track, TrackInfo
from voltricx.node import Node
from voltricx.player import Player
from voltricx.playlist import Playlist
from voltricx.pool import Pool
from voltricx.queue import Queue
from voltricx.redis_store import RedisStore
from voltricx.search import LoadedTracks, TrackSource
from voltricx.store import PlayerSnapshot, PlayerStore, SQLiteStore, StoreError

#: A playable track; the same class as :class:`voltricx.models.Track`.
Playable = Track

#: What a load gives (wavelink's ``Search``): a list of tracks or a playlist.
Search = LoadedTracks

__version__ = "0.1.0"

__all__ = [
    "AutoPlayMode",
    "BotPool",
    "EventSink",
    "Extras",
    "FilterError",
    "Filters",
    "InvalidArgument",
    "InvalidIndex",
    "LavalinkHTTPError",
    "LoadError",
    "LoadType",
    "MissingExtraError",
    "NoNodesAvailable",
    "Node",
    "NodeAuthError",
    "NodeConfig",
    "NodeConnectError",
    "NodeError",
    "NodeNotFound",
    "NodeProtocolError",
    "NodeStatus",
    "OwnershipLostError",
    "Playable",
    "Player",
    "PlayerError",
    "PlayerFactory",
    "PlayerSnapshot",
    "PlayerStore",
    "Playlist",
    "PluginNotAvailable",
    "Pool",
    "Queue",
    "QueueEmpty",
    "QueueMode",
    "RedisStore",
    "RoutePlannerClass",
    "SQLiteStore",
    "Search",
    "SessionNotFound",
    "Severity",
    "StoreDataLost",
    "StoreError",
    "Track",
    "TrackCodecError",
    "TrackEndReason",
    "TrackInfo",
    "TrackSource",
    "UserDataError",
    "VoiceGateway",
    "VoltricxError",
    "WrongTypeError",
    "__version__",
    "autoplay",
    "codec",
    "events",
    "plugins",
    "search",
]
