"""The public [`Playlist`][voltricx.Playlist]: a loaded playlist with its tracks.

A playlist load result (``loadType == "playlist"``) carries a name, the
index of the track the link pointed at (``selectedTrack``), the tracks,
and ``pluginInfo``. LavaSrc fills ``pluginInfo`` with ``type``, ``url``,
``artworkUrl``, ``author`` and ``totalTracks``; [`Playlist`][voltricx.Playlist] exposes
those as typed properties that are ``None`` when absent or malformed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from voltricx.extras import Extras, extras_data
from voltricx.models.load import PlaylistData, PlaylistInfo
from voltricx.models.track import Track

__all__ = ["Playlist"]


class Playlist:
    """A playlist: a name, its tracks and the track the link selected.

    Iterating, ``len()`` and indexing work on [`tracks`][voltricx.playlist.Playlist.tracks]; slicing
    returns a list. Pass a playlist to ``Queue.put`` to queue every track.

    [`tracks`][voltricx.playlist.Playlist.tracks] is a list owned by this object (a copy of what it was
    built from), so editing it does not change the load result.
    """

    __slots__ = ("_extras", "name", "plugin_info", "selected_index", "tracks")

    name: str
    """The playlist's name."""
    tracks: list[Track]
    """The tracks, in playlist order."""
    selected_index: int
    """Index of the selected track in [`tracks`][voltricx.playlist.Playlist.tracks]; ``-1`` when none."""
    plugin_info: dict[str, Any]
    """Plugin metadata (LavaSrc puts ``type``, ``url``, ``author``, ... here)."""

    def __init__(
        self,
        name: str,
        tracks: Iterable[Track] = (),
        *,
        selected_index: int = -1,
        plugin_info: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.tracks = list(tracks)
        self.selected_index = selected_index
        self.plugin_info = dict(plugin_info) if plugin_info else {}
        self._extras: dict[str, Any] = {}

    def __str__(self) -> str:
        return self.name

    @property
    def extras(self) -> Extras:
        """JSON-only data of this playlist (wavelink's ``Playlist.extras``).

        Assigning (a dict or an [Extras][voltricx.extras.Extras]) also gives
        every track of the playlist a copy as its ``track.extras``, so it
        reaches the node with each of them. Non-JSON values raise
        [UserDataError][voltricx.errors.UserDataError].
        """
        return Extras(self._extras)

    @extras.setter
    def extras(self, value: Extras | Mapping[str, Any]) -> None:
        data = extras_data(value, "playlist.extras")
        self._extras = data
        for track in self.tracks:
            track.user_data = dict(data)

    @classmethod
    def from_data(cls, data: PlaylistData) -> Playlist:
        """Build a playlist from the ``data`` of a playlist load result."""
        return cls(
            data.info.name,
            data.tracks,
            selected_index=data.info.selected_track,
            plugin_info=data.plugin_info,
        )

    def to_data(self) -> PlaylistData:
        """The wire form of this playlist (the inverse of [`from_data()`][voltricx.playlist.Playlist.from_data])."""
        return PlaylistData(
            info=PlaylistInfo(name=self.name, selected_track=self.selected_index),
            tracks=list(self.tracks),
            plugin_info=dict(self.plugin_info),
        )

    @property
    def selected(self) -> int:
        """Index of the track the link pointed at, ``-1`` when none (wavelink's ``Playlist.selected``).

        The same as ``selected_index``; the track itself is ``selected_track``.
        """
        return self.selected_index

    @property
    def selected_track(self) -> Track | None:
        """The track the link pointed at, or ``None`` when none was selected."""
        index = self.selected_index
        if 0 <= index < len(self.tracks):
            return self.tracks[index]
        return None

    def _plugin_str(self, key: str) -> str | None:
        value = self.plugin_info.get(key)
        return value if isinstance(value, str) else None

    @property
    def type(self) -> str | None:
        """LavaSrc playlist kind: ``album``, ``playlist``, ``artist`` or ``recommendations``."""
        return self._plugin_str("type")

    @property
    def url(self) -> str | None:
        """LavaSrc: link to the playlist, album or artist page."""
        return self._plugin_str("url")

    @property
    def artwork_url(self) -> str | None:
        """LavaSrc: cover art link."""
        return self._plugin_str("artworkUrl")

    @property
    def author(self) -> str | None:
        """LavaSrc: who made the playlist or album."""
        return self._plugin_str("author")

    @property
    def total_tracks(self) -> int | None:
        """LavaSrc: number of tracks the source reports (may exceed ``len(self)``)."""
        value = self.plugin_info.get("totalTracks")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return None

    @property
    def length(self) -> int:
        """Sum of the track lengths in milliseconds (streams count with their reported length)."""
        return sum(track.length for track in self.tracks)

    def __len__(self) -> int:
        return len(self.tracks)

    def __iter__(self) -> Iterator[Track]:
        return iter(self.tracks)

    def __contains__(self, item: object) -> bool:
        return item in self.tracks

    @overload
    def __getitem__(self, index: int) -> Track: ...

    @overload
    def __getitem__(self, index: slice) -> list[Track]: ...

    def __getitem__(self, index: int | slice) -> Track | list[Track]:
        return self.tracks[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Playlist):
            return NotImplemented
        return (
            self.name == other.name
            and self.selected_index == other.selected_index
            and self.tracks == other.tracks
            and self.plugin_info == other.plugin_info
        )

    def __repr__(self) -> str:
        return f"<Playlist name={self.name!r} tracks={len(self.tracks)} selected={self.selected_index}>"
