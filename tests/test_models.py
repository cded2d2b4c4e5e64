"""Wire models: every websocket op and event, load results, planners, PATCH bodies."""

from __future__ import annotations

import msgspec
import pytest

import voltricx
from voltricx.models import (
    EmptyResult,
    Equalizer,
    FiltersPayload,
    Info,
    PlayerPayload,
    PlayerUpdatePayload,
    PlaylistResult,
    RoutePlannerStatus,
    SearchResult,
    Timescale,
    TrackResult,
    UpdatePlayerTrack,
    decode_load_result,
)
from voltricx.models.ws import (
    EventFrame,
    PlayerUpdateOp,
    ReadyOp,
    StatsOp,
    TrackEndEvent,
    TrackExceptionEvent,
    TrackStartEvent,
    TrackStuckEvent,
    UnknownEvent,
    UnknownOp,
    WebSocketClosedEvent,
    decode_event,
    decode_message,
)

TRACK = (
    b'{"encoded":"QAAA","info":{"identifier":"x","isSeekable":true,"author":"A","length":1000,'
    b'"isStream":false,"position":0,"title":"T","uri":null,"artworkUrl":null,"isrc":null,'
    b'"sourceName":"youtube","futureField":1},"pluginInfo":{},"userData":{"k":1}}'
)


def event(kind: str, extra: bytes) -> bytes:
    return b'{"op":"event","type":"' + kind.encode() + b'","guildId":"42"' + extra + b"}"


def test_ready() -> None:
    msg = decode_message(b'{"op":"ready","resumed":true,"sessionId":"abc"}')
    assert msg == ReadyOp(session_id="abc", resumed=True)


def test_player_update() -> None:
    msg = decode_message(b'{"op":"playerUpdate","guildId":"42","state":{"time":1,"position":2,"connected":true,"ping":3}}')
    assert isinstance(msg, PlayerUpdateOp) and msg.state.position == 2 and msg.state.ping == 3


def test_stats_with_and_without_frame_stats() -> None:
    base = b'"players":1,"playingPlayers":1,"uptime":5,"memory":{"free":1,"used":2,"allocated":3,"reservable":4},"cpu":{"cores":2,"systemLoad":0.5,"lavalinkLoad":0.1}'
    with_frames = decode_message(b'{"op":"stats",' + base + b',"frameStats":{"sent":1,"nulled":2,"deficit":3}}')
    without = decode_message(b'{"op":"stats",' + base + b"}")
    nulled = decode_message(b'{"op":"stats",' + base + b',"frameStats":null}')
    assert isinstance(with_frames, StatsOp) and with_frames.frame_stats is not None
    assert isinstance(without, StatsOp) and without.frame_stats is None
    assert isinstance(nulled, StatsOp) and nulled.frame_stats is None


@pytest.mark.parametrize(
    ("kind", "extra", "cls"),
    [
        ("TrackStartEvent", b',"track":' + TRACK, TrackStartEvent),
        ("TrackEndEvent", b',"track":' + TRACK + b',"reason":"finished"', TrackEndEvent),
        (
            "TrackExceptionEvent",
            b',"track":' + TRACK + b',"exception":{"message":"m","severity":"common","cause":"c","causeStackTrace":"x"}',
            TrackExceptionEvent,
        ),
        ("TrackStuckEvent", b',"track":' + TRACK + b',"thresholdMs":123', TrackStuckEvent),
        ("WebSocketClosedEvent", b',"code":4014,"reason":"bye","byRemote":true', WebSocketClosedEvent),
    ],
)
def test_every_known_event(kind: str, extra: bytes, cls: type) -> None:
    frame = event(kind, extra)
    head = decode_message(frame)
    assert isinstance(head, EventFrame) and head.type == kind and head.guild_id == "42"
    assert isinstance(decode_event(frame, head), cls)


def test_websocket_closed_without_code_or_reason() -> None:
    frame = event("WebSocketClosedEvent", b',"byRemote":true')
    head = decode_message(frame)
    assert isinstance(head, EventFrame)
    closed = decode_event(frame, head)
    assert isinstance(closed, WebSocketClosedEvent) and closed.code == 0 and closed.by_remote


def test_unknown_event_type_is_kept_raw() -> None:
    frame = event("SegmentSkipped", b',"segment":{"category":"sponsor","start":1,"end":2}')
    head = decode_message(frame)
    assert isinstance(head, EventFrame)
    plugin = decode_event(frame, head)
    assert isinstance(plugin, UnknownEvent) and plugin.raw["segment"]["category"] == "sponsor"


def test_unknown_op_is_kept_raw() -> None:
    msg = decode_message(b'{"op":"pluginHello","x":[1,2]}')
    assert isinstance(msg, UnknownOp) and msg.op == "pluginHello" and msg.raw["x"] == [1, 2]


@pytest.mark.parametrize(
    "frame",
    [b"", b"not json", b"[1,2]", b'{"no":"op"}', b'{"op":5}', b'{"op":"playerUpdate","guildId":"1"}'],
)
def test_malformed_frames_raise_protocol_errors(frame: bytes) -> None:
    with pytest.raises(voltricx.NodeProtocolError):
        decode_message(frame)


def test_malformed_known_event_is_a_protocol_error() -> None:
    frame = event("TrackStartEvent", b',"track":{"encoded":5}')
    head = decode_message(frame)
    assert isinstance(head, EventFrame)
    with pytest.raises(voltricx.NodeProtocolError):
        decode_event(frame, head)


def test_track_ignores_unknown_fields_and_keeps_user_data() -> None:
    result = decode_load_result(b'{"loadType":"track","data":' + TRACK + b"}")
    assert isinstance(result, TrackResult) and result.data.user_data == {"k": 1}
    assert result.data.title == "T" and result.data.is_seekable


def test_nodelink_extension_load_types_decode_by_shape() -> None:
    album = decode_load_result(
        b'{"loadType":"album","data":{"info":{"name":"LP","selectedTrack":-1},"pluginInfo":{},"tracks":[' + TRACK + b"]}}"
    )
    assert isinstance(album, PlaylistResult) and album.load_type == "album" and len(album.data.tracks) == 1
    short = decode_load_result(b'{"loadType":"short","data":' + TRACK + b"}")
    assert isinstance(short, TrackResult)
    many = decode_load_result(b'{"loadType":"station","data":[' + TRACK + b"]}")
    assert isinstance(many, SearchResult)
    odd = decode_load_result(b'{"loadType":"mystery","data":{}}')
    assert isinstance(odd, EmptyResult)


def test_load_result_garbage_is_a_protocol_error() -> None:
    with pytest.raises(voltricx.NodeProtocolError):
        decode_load_result(b"<html>")


def test_info_accepts_string_version_parts() -> None:
    info = msgspec.json.decode(
        b'{"version":{"semver":"2.3.0","major":"2","minor":"3","patch":"0","preRelease":""},'
        b'"buildTime":-1,"git":{"branch":"main","commit":"unknown","commitTime":-1},"jvm":"0.0.0",'
        b'"lavaplayer":"0.0.0","sourceManagers":[],"filters":[],"plugins":[],"isNodeLink":true}',
        type=Info,
    )
    assert info.version.as_tuple() == (2, 3, 0)


@pytest.mark.parametrize(
    ("cls", "details"),
    [
        ("RotatingIpRoutePlanner", b'"rotateIndex":"1","ipIndex":"2","currentAddress":"1.2.3.4"'),
        ("NanoIpRoutePlanner", b'"currentAddressIndex":"5"'),
        ("RotatingNanoIpRoutePlanner", b'"blockIndex":"0","currentAddressIndex":"7"'),
        ("BalancingIpRoutePlanner", b'"unused":null'),
    ],
)
def test_every_route_planner_class(cls: str, details: bytes) -> None:
    body = (
        b'{"class":"' + cls.encode() + b'","details":{"ipBlock":{"type":"Inet6Address","size":"1208925819614629174706176"},'
        b'"failingAddresses":[{"failingAddress":"::1","failingTimestamp":1,"failingTime":"t"}],' + details + b"}}"
    )
    status = msgspec.json.decode(body, type=RoutePlannerStatus)
    assert status.planner_class is voltricx.RoutePlannerClass(cls)
    assert status.details.ip_block.size == "1208925819614629174706176"


def test_patch_body_tells_absent_from_null() -> None:
    encode = msgspec.json.encode
    assert encode(PlayerUpdatePayload()) == b"{}"
    assert encode(PlayerUpdatePayload(track=UpdatePlayerTrack(encoded=None))) == b'{"track":{"encoded":null}}'
    assert encode(PlayerUpdatePayload(end_time=None)) == b'{"endTime":null}'
    assert encode(PlayerUpdatePayload(paused=False, volume=100)) == b'{"volume":100,"paused":false}'


def test_filters_payload_omits_disabled_filters() -> None:
    payload = FiltersPayload(timescale=Timescale(speed=1.2), equalizer=[Equalizer(band=0, gain=0.2)])
    assert msgspec.json.encode(payload) == b'{"equalizer":[{"band":0,"gain":0.2}],"timescale":{"speed":1.2}}'
    assert msgspec.json.encode(FiltersPayload()) == b"{}"


def test_player_payload_with_plugin_filters_and_null_channel() -> None:
    body = (
        b'{"guildId":"1","track":null,"volume":100,"paused":false,"state":{"time":0,"position":0,'
        b'"connected":false,"ping":-1},"voice":{"token":"t","endpoint":"e","sessionId":"s","channelId":null},'
        b'"filters":{"pluginFilters":{"echo":{"delay":1}}}}'
    )
    player = msgspec.json.decode(body, type=PlayerPayload)
    assert player.voice.channel_id is None and player.filters.plugin_filters == {"echo": {"delay": 1}}


def test_track_end_reason_may_start_next() -> None:
    reasons = voltricx.TrackEndReason
    assert [r.value for r in reasons if r.may_start_next] == ["finished", "loadFailed"]
