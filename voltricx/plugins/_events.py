"""Typed events for the node events of known plugins (LavaLyrics, SponsorBlock).

`plugin_event()` turns an event the core does not model into the
plugin's typed event, or returns ``None`` so the player emits it raw as
[`PluginEvent`][voltricx.node.PluginEvent]. A malformed plugin event is also
delivered raw rather than dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from voltricx.events import (
    ChaptersLoaded,
    ChapterStarted,
    Event,
    LyricsFound,
    LyricsLine,
    LyricsNotFound,
    SegmentSkipped,
    SegmentsLoaded,
)
from voltricx.models.ws import UnknownEvent
from voltricx.plugins.models import Chapter, LyricLine, Lyrics, Segment

if TYPE_CHECKING:
    from voltricx.player import Player

__all__ = ["PLUGIN_EVENT_TYPES", "plugin_event"]

_log = logging.getLogger("voltricx.plugins")


def _lyrics_found(player: Player, raw: dict[str, Any]) -> Event:
    return LyricsFound(player, msgspec.convert(raw["lyrics"], Lyrics))


def _lyrics_not_found(player: Player, raw: dict[str, Any]) -> Event:
    return LyricsNotFound(player)


def _lyrics_line(player: Player, raw: dict[str, Any]) -> Event:
    return LyricsLine(
        player,
        int(raw["lineIndex"]),
        msgspec.convert(raw["line"], LyricLine),
        bool(raw.get("skipped", False)),
    )


def _segments_loaded(player: Player, raw: dict[str, Any]) -> Event:
    return SegmentsLoaded(player, tuple(msgspec.convert(raw.get("segments", []), list[Segment])))


def _segment_skipped(player: Player, raw: dict[str, Any]) -> Event:
    return SegmentSkipped(player, msgspec.convert(raw["segment"], Segment))


def _chapters_loaded(player: Player, raw: dict[str, Any]) -> Event:
    return ChaptersLoaded(player, tuple(msgspec.convert(raw.get("chapters", []), list[Chapter])))


def _chapter_started(player: Player, raw: dict[str, Any]) -> Event:
    return ChapterStarted(player, msgspec.convert(raw["chapter"], Chapter))


_BUILDERS: dict[str, Callable[[Player, dict[str, Any]], Event]] = {
    "LyricsFoundEvent": _lyrics_found,
    "LyricsNotFoundEvent": _lyrics_not_found,
    "LyricsLineEvent": _lyrics_line,
    "SegmentsLoaded": _segments_loaded,
    "SegmentSkipped": _segment_skipped,
    "ChaptersLoaded": _chapters_loaded,
    "ChapterStarted": _chapter_started,
}

PLUGIN_EVENT_TYPES = frozenset(_BUILDERS)
"""Event ``type`` strings that become typed events."""


def plugin_event(player: Player, event: UnknownEvent) -> Event | None:
    """The typed event for ``event``, or ``None`` to deliver it raw."""
    builder = _BUILDERS.get(event.type)
    if builder is None:
        return None
    try:
        return builder(player, event.raw)
    except (KeyError, TypeError, ValueError, msgspec.ValidationError) as exc:
        _log.warning("guild %s: malformed %s delivered raw: %s", player.guild_id, event.type, exc)
        return None
