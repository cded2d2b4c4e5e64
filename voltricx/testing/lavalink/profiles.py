"""Server profiles: the behaviours in which Lavalink-compatible servers differ.

A profile is a set of switches the fake consults. ``"lavalink"`` is
Lavalink 4.x as documented; ``"nodelink"`` reproduces what NodeLink 2.3.0
was measured to do (``design/nodelink.md``): no resuming, no route
planner, a strict handshake, string version parts, duplicate events and
periodic frames, plain-text 401s, a crash on a non-numeric guild id, a
real voice handshake before ``connected``, unprobed lengths, and more. Each switch names one behaviour so tests can reason about them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROFILES", "Profile"]


@dataclass(frozen=True, slots=True)
class Profile:
    """Behaviour switches of a simulated server."""

    name: str
    default_version: str = "4.2.2"
    """Version reported when ``FakeLavalink(version=...)`` is not given."""
    route_planner_supported: bool = True
    """False: ``/v4/routeplanner/*`` answers 404 (the route does not exist)."""
    require_client_name: bool = False
    """True: a websocket upgrade without ``Client-Name`` is refused with 400."""
    strict_client_name: bool = False
    """True: ``Client-Name`` must be ``NAME/VERSION`` (optionally `` (comment)``), else 400."""
    user_id_lengths: tuple[int, ...] | None = None
    """Accepted digit counts of ``User-Id`` (``None``: any non-zero id); others get 400."""
    always_trace: bool = False
    """True: error bodies always carry ``trace``."""
    error_field_always: bool = True
    """False: some error bodies (unknown session, player not playing) have no ``error`` key."""
    frame_stats_always: bool = False
    """True: ``frameStats`` is an object even with no players."""
    rest_frame_stats: bool = False
    """True: ``GET /v4/stats`` carries ``frameStats`` too (with ``expected``)."""
    ws_stats_players_are_playing: bool = False
    """True: the websocket ``stats`` op fills ``players`` from the playing counter."""
    lavalink_load_zero: bool = False
    """True: ``cpu.lavalinkLoad`` is always 0."""
    source_managers: tuple[str, ...] = ("youtube", "soundcloud", "http", "twitch")
    resuming_supported: bool = True
    """False: ``PATCH/GET /v4/sessions/{id}`` are 404, ``Session-Id`` is ignored and a
    session's players are destroyed as soon as its websocket closes."""
    session_resumed_header: bool = True
    """False: the upgrade response has no ``Session-Resumed`` header."""
    string_version_parts: bool = False
    """True: ``/v4/info`` sends ``major``/``minor``/``patch`` as strings."""
    nodelink_info: bool = False
    """True: ``/v4/info`` adds ``isNodeLink``/``nodejs`` and reports -1 build times, JVM 0.0.0."""
    plain_text_unauthorized: bool = False
    """True: a missing or wrong password is ``401 text/plain "Unauthorized"`` without the API header."""
    closed_event_has_code: bool = True
    """False: ``WebSocketClosedEvent`` has no ``code`` and ``reason``."""
    duplicate_start_on_replace: bool = False
    """True: replacing a playing track sends ``TrackStartEvent`` twice."""
    honour_no_replace: bool = True
    """False: ``?noReplace=true`` is ignored (the track is always replaced)."""
    leaky_periodic_timers: bool = False
    """True: every time the client count goes 0 -> 1 another stats/playerUpdate timer starts;
    none is ever stopped, so frames repeat once per reconnect."""
    crash_on_bad_guild_id: bool = False
    """True: a player route with a non-numeric guild id kills the whole server."""
    get_creates_player: bool = False
    """True: ``GET .../players/{unknown}`` creates the player (200) instead of 404."""
    min_guild_id_length: int = 1
    """Guild ids shorter than this are an unknown route (404)."""
    voice_required_to_play: bool = False
    """True: without voice a new track is only cached (``track: null``, no events) and
    pausing is refused with 400."""
    stop_needs_track: bool = False
    """True: ``track.encoded: null`` on a player that never played is 400."""
    filters_echoed_only_when_playing: bool = False
    """True: the player object shows ``filters: {}`` while nothing plays."""
    strict_accept_encoding: bool = False
    """True: a request whose ``Accept-Encoding`` names none of br/gzip/deflate never gets
    an answer (NodeLink only writes a body for those or for no header at all)."""
    compressed_answers: bool = False
    """True: REST answers (not the 401s, not ``/version``) come gzip- or deflate-encoded when
    ``Accept-Encoding`` asks for it; without the header they come plain with
    ``Connection: close``. (NodeLink also answers ``br``; the fake, without Brotli, answers
    a ``br``-only request uncompressed.)"""
    user_data_bug: bool = False
    """True: a PATCH with ``track.userData`` answers ``"track": {}`` (NodeLink reads the
    user data from the wrong place and leaves an empty object)."""
    voice_handshake: bool = False
    """True: a player is ``connected`` only after the server's own voice handshake with the
    endpoint succeeds (``FakeLavalink(voice_handshake=...)`` overrides it)."""
    require_channel_id: bool = True
    """True: a voice object without ``channelId`` is 400 (``FakeLavalink(require_channel_id=...)``
    overrides it); False: it is accepted."""
    unknown_length_sources: bool = False
    """True: ``http`` and ``local:`` loads are not probed: length -1, ``"unknown"`` metadata."""
    drop_idle_filters: bool = False
    """True: filters sent while nothing plays are dropped (the next track plays without them)."""
    lenient_player_patch: bool = False
    """True: ``endTime: 0``, ``track`` together with ``encodedTrack`` and a ``track.identifier``
    that does not resolve are accepted with 200 and ignored."""
    decode_track_alias: bool = True
    """True: ``/v4/decodetrack`` also takes the ``track`` parameter; False: only ``encodedTrack``."""
    version_api_header: bool = True
    """True: ``GET /version`` carries the ``Lavalink-Api-Version`` header."""
    null_voice_on_new_player: bool = False
    """True: a new player's voice is ``{"token": null, "endpoint": null, "sessionId": null}``."""
    bare_decoded_tracks: bool = False
    """True: ``decodetrack``/``decodetracks`` items have no ``pluginInfo``/``userData``."""
    encode_routes: bool = False
    """True: ``GET /v4/encodetrack`` with a track's ``info`` as JSON body answers its encoded
    string (``POST`` is 405 "Request method must be GET") and ``POST /v4/encodetracks``
    a list of them. False: neither route exists (404), as on Lavalink."""
    raw_system_load: bool = False
    """True: ``cpu.systemLoad`` is the raw load average (can exceed 1), not a 0-1 fraction."""
    checks_loopback_urls: bool = False
    """True: loading an ``http(s)`` URL on a loopback host first sends it a ``HEAD`` request,
    as NodeLink does: refused or not ``audio/*`` with a 2xx status gives ``loadType: error``.
    URLs on other hosts are never contacted."""
    sticky_player_counters: bool = False
    """True: players destroyed with their session stay counted in ``players``/``playingPlayers``
    (an idle NodeLink once reported 15/7 after many reconnects)."""


PROFILES: dict[str, Profile] = {
    "lavalink": Profile(name="lavalink"),
    "nodelink": Profile(
        name="nodelink",
        default_version="2.3.0",
        route_planner_supported=False,
        require_client_name=True,
        strict_client_name=True,
        user_id_lengths=(18, 19),
        always_trace=True,
        error_field_always=False,
        frame_stats_always=True,
        rest_frame_stats=True,
        ws_stats_players_are_playing=True,
        lavalink_load_zero=True,
        source_managers=("bandcamp", "http", "local", "pandora"),
        resuming_supported=False,
        session_resumed_header=False,
        string_version_parts=True,
        nodelink_info=True,
        plain_text_unauthorized=True,
        closed_event_has_code=False,
        duplicate_start_on_replace=True,
        honour_no_replace=False,
        leaky_periodic_timers=True,
        crash_on_bad_guild_id=True,
        get_creates_player=True,
        min_guild_id_length=2,
        voice_required_to_play=True,
        stop_needs_track=True,
        filters_echoed_only_when_playing=True,
        strict_accept_encoding=True,
        compressed_answers=True,
        user_data_bug=True,
        voice_handshake=True,
        require_channel_id=False,
        unknown_length_sources=True,
        drop_idle_filters=True,
        lenient_player_patch=True,
        decode_track_alias=False,
        version_api_header=False,
        null_voice_on_new_player=True,
        bare_decoded_tracks=True,
        encode_routes=True,
        raw_system_load=True,
        sticky_player_counters=True,
        checks_loopback_urls=True,
    ),
}
