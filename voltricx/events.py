"""Events the core emits, and [`EventSink`][voltricx.EventSink], the Protocol that receives them.

Each event is a small frozen, slotted dataclass with exactly what a
listener needs. ``name`` is the stable snake_case name adapters build
native names from: the discord.py family dispatches
``on_voltricx_<name>``, hikari gets one ``hikari.Event`` subclass per event.

| event | when |
|---|---|
| ``NodeReady`` | a node's websocket is ready (every connect and reconnect) |
| ``NodeDisconnected`` | a node's websocket was lost (or the node was closed) |
| ``NodeStats`` | a node sent its periodic load figures |
| ``Failover`` | players moved from a lost node to another one |
| ``NodeDraining`` | a node stopped taking players and is being emptied |
| ``NodeRemoved`` | a node left the pool (closed and forgotten) |
| ``PlayersMoved`` | players moved between two healthy nodes (drain, switch, ...) |
| ``TrackStart`` | a track started playing |
| ``TrackEnd`` | a track ended (``reason``, ``may_start_next``) |
| ``TrackException`` | playback of a track failed |
| ``TrackStuck`` | a track produced no audio for ``threshold_ms`` |
| ``VoiceClosed`` | the node's Discord voice connection closed |
| ``PlayerUpdate`` | the node reported a player's position |
| ``PlayerDestroyed`` | a player was destroyed (left, kicked, or closed) |
| ``InactivePlayer`` | a player has played nothing for ``inactive_timeout`` |
| ``PluginEvent`` | a node event of a type this version does not know |
| ``LyricsFound`` | LavaLyrics: lyrics for the current track were found |
| ``LyricsNotFound`` | LavaLyrics: no lyrics for the current track |
| ``LyricsLine`` | LavaLyrics: a lyrics line is being sung now |
| ``SegmentsLoaded`` | SponsorBlock: the current track's segments are known |
| ``SegmentSkipped`` | SponsorBlock: a segment was skipped |
| ``ChaptersLoaded`` | SponsorBlock: the current track's chapters are known |
| ``ChapterStarted`` | SponsorBlock: a new chapter started |
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from reprlib import recursive_repr
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    from voltricx.models.common import LavalinkException
    from voltricx.models.node import Stats
    from voltricx.models.player import PlayerState
    from voltricx.models.track import Track
    from voltricx.node import Node
    from voltricx.player import Player
    from voltricx.plugins.models import Chapter, LyricLine, Lyrics, Segment

__all__ = [
    "ChapterStarted",
    "ChaptersLoaded",
    "Event",
    "EventSink",
    "Failover",
    "InactivePlayer",
    "LyricsFound",
    "LyricsLine",
    "LyricsNotFound",
    "NodeDisconnected",
    "NodeDraining",
    "NodeReady",
    "NodeRemoved",
    "NodeStats",
    "OwnershipLost",
    "PlayerDestroyed",
    "PlayerUpdate",
    "PlayersMoved",
    "PluginEvent",
    "SegmentSkipped",
    "SegmentsLoaded",
    "TrackEnd",
    "TrackException",
    "TrackStart",
    "TrackStuck",
    "VoiceClosed",
]


class Event:
    """Base class of every core event."""

    __slots__ = ()
    name: ClassVar[str] = "event"

    def args(self) -> tuple[Any, ...]:
        """Positional arguments an adapter passes to a native listener."""
        return (self,)

    # Every event is a frozen dataclass whose repr, == and hash are these three,
    # written once instead of generated and compiled per class at import time;
    # they give what the generated ones would.

    @recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _shown(type(self)))
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _compared(self) == _compared(cast("Event", other))

    def __hash__(self) -> int:
        return hash(_compared(self))


_names: dict[tuple[type[Event], str], tuple[str, ...]] = {}


def _field_names(cls: type[Event], aspect: str) -> tuple[str, ...]:
    """Names of the dataclass fields of ``cls`` that take part in ``aspect`` (``repr`` or ``compare``)."""
    key = (cls, aspect)
    names = _names.get(key)
    if names is None:
        found = fields(cast("Any", cls)) if is_dataclass(cls) else ()
        names = _names[key] = tuple(f.name for f in found if getattr(f, aspect))
    return names


def _shown(cls: type[Event]) -> tuple[str, ...]:
    return _field_names(cls, "repr")


def _compared(event: Event) -> tuple[Any, ...]:
    return tuple(getattr(event, name) for name in _field_names(type(event), "compare"))


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class NodeReady(Event):
    """A node is ready: its websocket is open and ``session_id`` is valid."""

    name: ClassVar[str] = "node_ready"
    node: Node
    resumed: bool
    session_id: str

    def args(self) -> tuple[Any, ...]:
        return (self.node,)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class NodeDisconnected(Event):
    """A node's websocket was lost; ``code`` is the close code when there was one."""

    name: ClassVar[str] = "node_disconnected"
    node: Node
    code: int | None = None
    reason: str = ""

    def args(self) -> tuple[Any, ...]:
        return (self.node,)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class NodeStats(Event):
    """``node`` sent new ``stats`` (about once a minute); ``node.penalty`` now uses them."""

    name: ClassVar[str] = "node_stats"
    node: Node
    stats: Stats

    def args(self) -> tuple[Any, ...]:
        return (self.node, self.stats)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class Failover(Event):
    """``players`` were rebuilt on ``new_node`` after ``old_node`` was lost."""

    name: ClassVar[str] = "failover"
    old_node: Node
    new_node: Node
    players: tuple[Player, ...]

    def args(self) -> tuple[Any, ...]:
        return (self.old_node, self.new_node, list(self.players))


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class NodeDraining(Event):
    """``node`` stopped taking new players; its players are being moved to other nodes."""

    name: ClassVar[str] = "node_draining"
    node: Node

    def args(self) -> tuple[Any, ...]:
        return (self.node,)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class NodeRemoved(Event):
    """``node`` was closed and removed from the pool; it holds no player any more."""

    name: ClassVar[str] = "node_removed"
    node: Node

    def args(self) -> tuple[Any, ...]:
        return (self.node,)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class OwnershipLost(Event):
    """Another process took over ``shards`` (a newer fencing token in the store).

    This process stopped saving them and dropped their ``players`` here
    without sending any request for them (the new owner has them now).
    """

    name: ClassVar[str] = "ownership_lost"
    shards: tuple[int, ...]
    shard_count: int
    players: tuple[Player, ...]


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class PlayersMoved(Event):
    """``players`` moved from ``old_node`` to ``new_node`` while both could be reached.

    ``reason`` says why: ``"switch"`` ([Player.switch_node][voltricx.player.Player.switch_node]),
    ``"drain"`` ([Pool.drain][voltricx.pool.Pool.drain]), ``"remove"``
    ([Pool.remove_node][voltricx.pool.Pool.remove_node]) or ``"move_back"`` (back to a
    node of the player's own region).
    """

    name: ClassVar[str] = "players_moved"
    old_node: Node
    new_node: Node
    players: tuple[Player, ...]
    reason: str

    def args(self) -> tuple[Any, ...]:
        return (self.old_node, self.new_node, list(self.players), self.reason)


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class TrackStart(Event):
    """``track`` started playing on ``player``.

    ``track`` is the node's copy; ``original`` is the very object the bot
    passed to ``play()`` (with its ``requester`` and attributes), or ``None``
    when the node started a track the bot did not play (wavelink's
    ``TrackStartEventPayload.original``). ``track.recommended`` says whether
    autoplay picked it.
    """

    name: ClassVar[str] = "track_start"
    player: Player
    track: Track
    original: Track | None = None


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class TrackEnd(Event):
    """``track`` ended; ``reason`` is a [`TrackEndReason`][voltricx.TrackEndReason] value.

    ``original`` is the object the bot played (with its ``requester``), or
    ``None`` when it is not known (wavelink's ``TrackEndEventPayload.original``).
    """

    name: ClassVar[str] = "track_end"
    player: Player
    track: Track
    reason: str
    original: Track | None = None

    @property
    def may_start_next(self) -> bool:
        """True when the queue should advance (finished or failed to load)."""
        return self.reason in ("finished", "loadFailed")


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class TrackException(Event):
    """Playback of ``track`` failed with ``exception`` (severity, message, cause)."""

    name: ClassVar[str] = "track_exception"
    player: Player
    track: Track
    exception: LavalinkException


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class TrackStuck(Event):
    """``track`` produced no audio for ``threshold_ms`` milliseconds."""

    name: ClassVar[str] = "track_stuck"
    player: Player
    track: Track
    threshold_ms: int


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class VoiceClosed(Event):
    """The node's voice connection for ``player`` closed (a Discord voice close code)."""

    name: ClassVar[str] = "voice_closed"
    player: Player
    code: int
    reason: str
    by_remote: bool


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class PlayerUpdate(Event):
    """The node reported ``player``'s playback state."""

    name: ClassVar[str] = "player_update"
    player: Player
    state: PlayerState


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class PlayerDestroyed(Event):
    """``player`` was destroyed; ``reason`` says why.

    ``left`` (the bot called ``disconnect()``), ``inactivity`` (``disconnect()``
    of a player that was inactive: an ``inactive_player`` was emitted and
    nothing played since), ``kicked`` (someone else disconnected the bot),
    ``node_removed`` (reserved for a player whose node is removed from the pool), ``closed``
    (``Pool.close()``), and adapter reasons such as ``guild_removed``.
    """

    name: ClassVar[str] = "player_destroyed"
    player: Player
    reason: str


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class InactivePlayer(Event):
    """``player`` has played nothing for its inactivity timeout; the bot decides what to do."""

    name: ClassVar[str] = "inactive_player"
    player: Player


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class PluginEvent(Event):
    """A node event of a type voltricx does not model, delivered raw (``data``)."""

    name: ClassVar[str] = "plugin_event"
    node: Node
    player: Player | None
    type: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class LyricsFound(Event):
    """LavaLyrics found ``lyrics`` for ``player``'s track (after ``subscribe_lyrics``)."""

    name: ClassVar[str] = "lyrics_found"
    player: Player
    lyrics: Lyrics


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class LyricsNotFound(Event):
    """LavaLyrics found no lyrics for ``player``'s track."""

    name: ClassVar[str] = "lyrics_not_found"
    player: Player


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class LyricsLine(Event):
    """Line ``line_index`` is being sung; ``skipped`` when it was reached by seeking."""

    name: ClassVar[str] = "lyrics_line"
    player: Player
    line_index: int
    line: LyricLine
    skipped: bool


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class SegmentsLoaded(Event):
    """SponsorBlock loaded the ``segments`` of ``player``'s track."""

    name: ClassVar[str] = "segments_loaded"
    player: Player
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class SegmentSkipped(Event):
    """SponsorBlock skipped ``segment``."""

    name: ClassVar[str] = "segment_skipped"
    player: Player
    segment: Segment


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class ChaptersLoaded(Event):
    """SponsorBlock loaded the ``chapters`` of ``player``'s track."""

    name: ClassVar[str] = "chapters_loaded"
    player: Player
    chapters: tuple[Chapter, ...]


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class ChapterStarted(Event):
    """A new ``chapter`` of ``player``'s track started."""

    name: ClassVar[str] = "chapter_started"
    player: Player
    chapter: Chapter


@runtime_checkable
class EventSink(Protocol):
    """Receives every event the core emits. Adapters implement it; so does the testing kit."""

    def emit(self, event: Event) -> None:
        """Deliver ``event``; must not block and should not raise."""
        ...
