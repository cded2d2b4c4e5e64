"""Specification of voltricx.playlist.Playlist."""

from __future__ import annotations

from typing import Any

import msgspec

from voltricx.models.load import PlaylistData, PlaylistInfo, PlaylistResult, decode_load_result
from voltricx.models.track import Track, TrackInfo
from voltricx.playlist import Playlist


def make_track(n: int) -> Track:
    return Track(
        encoded=f"enc-{n}",
        info=TrackInfo(
            identifier=f"id{n}",
            is_seekable=True,
            author=f"artist {n}",
            length=1000 * (n + 1),
            is_stream=False,
            position=0,
            title=f"song {n}",
            source_name="youtube",
        ),
    )


def make_data(
    count: int = 3, selected: int = -1, plugin_info: dict[str, Any] | None = None
) -> PlaylistData:
    return PlaylistData(
        info=PlaylistInfo(name="mix", selected_track=selected),
        tracks=[make_track(n) for n in range(count)],
        plugin_info=plugin_info or {},
    )


LAVASRC_INFO: dict[str, Any] = {
    "type": "album",
    "url": "https://open.spotify.com/album/x",
    "artworkUrl": "https://i.scdn.co/image/x",
    "author": "Someone",
    "totalTracks": 12,
}


def test_from_data_copies_name_tracks_and_plugin_info() -> None:
    data = make_data(3, plugin_info={"k": 1})
    playlist = Playlist.from_data(data)
    assert playlist.name == "mix"
    assert playlist.tracks == data.tracks
    assert playlist.plugin_info == {"k": 1}


def test_tracks_list_is_independent_of_the_data() -> None:
    data = make_data(3)
    playlist = Playlist.from_data(data)
    playlist.tracks.pop()
    assert len(data.tracks) == 3


def test_selected_is_the_track_at_selected_index() -> None:
    playlist = Playlist.from_data(make_data(3, selected=1))
    assert playlist.selected_track == make_track(1) and playlist.selected == 1  # wavelink: an index
    assert playlist.selected_index == 1


def test_selected_is_none_when_index_is_minus_one() -> None:
    assert Playlist.from_data(make_data(3, selected=-1)).selected_track is None


def test_selected_is_none_when_index_is_out_of_range() -> None:
    assert Playlist.from_data(make_data(3, selected=7)).selected_track is None


def test_lavasrc_fields_are_typed_properties() -> None:
    playlist = Playlist.from_data(make_data(2, plugin_info=LAVASRC_INFO))
    assert playlist.type == "album"
    assert playlist.url == "https://open.spotify.com/album/x"
    assert playlist.artwork_url == "https://i.scdn.co/image/x"
    assert playlist.author == "Someone"
    assert playlist.total_tracks == 12


def test_lavasrc_fields_are_none_when_absent() -> None:
    playlist = Playlist.from_data(make_data(2))
    assert playlist.type is None
    assert playlist.url is None
    assert playlist.artwork_url is None
    assert playlist.author is None
    assert playlist.total_tracks is None


def test_lavasrc_fields_are_none_when_of_the_wrong_type() -> None:
    playlist = Playlist.from_data(
        make_data(1, plugin_info={"type": 3, "url": None, "totalTracks": "12"})
    )
    assert playlist.type is None
    assert playlist.url is None
    assert playlist.total_tracks is None


def test_total_tracks_rejects_booleans() -> None:
    assert Playlist.from_data(make_data(1, plugin_info={"totalTracks": True})).total_tracks is None


def test_len_counts_tracks() -> None:
    assert len(Playlist.from_data(make_data(4))) == 4


def test_iter_yields_tracks_in_order() -> None:
    assert list(Playlist.from_data(make_data(3))) == [make_track(n) for n in range(3)]


def test_getitem_returns_a_track() -> None:
    assert Playlist.from_data(make_data(3))[2] == make_track(2)


def test_getitem_with_slice_returns_a_list() -> None:
    result = Playlist.from_data(make_data(4))[1:3]
    assert result == [make_track(1), make_track(2)]
    assert isinstance(result, list)


def test_contains_checks_tracks() -> None:
    playlist = Playlist.from_data(make_data(2))
    assert make_track(1) in playlist
    assert make_track(5) not in playlist


def test_length_sums_track_lengths() -> None:
    assert Playlist.from_data(make_data(3)).length == 1000 + 2000 + 3000


def test_to_data_round_trips() -> None:
    data = make_data(3, selected=2, plugin_info=LAVASRC_INFO)
    assert Playlist.from_data(data).to_data() == data


def test_equal_playlists_compare_equal() -> None:
    assert Playlist.from_data(make_data(2)) == Playlist.from_data(make_data(2))
    assert Playlist.from_data(make_data(2)) != Playlist.from_data(make_data(3))


def test_repr_names_playlist_and_size() -> None:
    text = repr(Playlist.from_data(make_data(2, selected=0)))
    assert "mix" in text
    assert "tracks=2" in text


def test_playlist_has_slots() -> None:
    playlist = Playlist("x")
    assert not hasattr(playlist, "__dict__")


def test_builds_from_a_decoded_load_result() -> None:
    body = msgspec.json.encode(
        {
            "loadType": "playlist",
            "data": {
                "info": {"name": "mix", "selectedTrack": 0},
                "pluginInfo": LAVASRC_INFO,
                "tracks": [msgspec.to_builtins(make_track(0))],
            },
        }
    )
    result = decode_load_result(body)
    assert isinstance(result, PlaylistResult)
    playlist = Playlist.from_data(result.data)
    assert playlist.selected_track == make_track(0)
    assert playlist.total_tracks == 12
