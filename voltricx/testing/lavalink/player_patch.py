"""``FakeLavalink``'s ``PATCH /v4/sessions/{id}/players/{guild}``: the player update."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import msgspec
from aiohttp import web
from msgspec import UNSET, UnsetType

from voltricx.codec import decode as decode_track
from voltricx.errors import TrackCodecError
from voltricx.models.filters import FiltersPayload
from voltricx.models.load import EmptyResult, ErrorResult, PlaylistResult, SearchResult
from voltricx.models.player import VoiceState
from voltricx.models.track import Track
from voltricx.testing.lavalink._wire import (
    NODELINK_BAD_VOICE,
    NODELINK_BAD_VOLUME,
    NODELINK_NO_VOICE,
    NODELINK_NOT_PLAYING,
    NON_NULLABLE_FILTERS,
    HTTPError,
    PatchReq,
    patch_decoder,
    raw_decoder,
)
from voltricx.testing.lavalink.players import (
    FakePlayer,
    FakeSession,
    RecordedRequest,
)
from voltricx.testing.lavalink.sessions import SessionsMixin

__all__: list[str] = []

_log = logging.getLogger("voltricx.testing")


class PlayerPatchMixin(SessionsMixin):
    """Applies a player PATCH the way the simulated server does."""

    def _player_body(self, player: FakePlayer) -> bytes:
        """The player object as this server's profile shows it."""
        payload = player.payload()
        if self.profile.filters_echoed_only_when_playing and player.track is None:
            payload.filters = FiltersPayload()
        voice = player.voice
        if self.profile.null_voice_on_new_player and not (voice.token or voice.endpoint):
            body: dict[str, Any] = msgspec.to_builtins(payload)
            body["voice"] = {"token": None, "endpoint": None, "sessionId": None}
            return self._enc.encode(body)
        return self._enc.encode(payload)

    def _decode(self, encoded: str) -> Track:
        try:
            decoded = decode_track(encoded)
        except TrackCodecError as exc:
            raise HTTPError(400, f"Failed to decode track: {exc}") from None
        return Track(encoded=encoded, info=decoded.info)

    async def _patch_player(
        self, request: web.BaseRequest, session: FakeSession, gid: str, rec: RecordedRequest
    ) -> web.Response:
        req = self._decode_patch(rec)
        encoded, identifier, user_data = self._requested_track(req)
        self._check_ranges(req)
        voice = self._requested_voice(req)
        self._check_filters_enabled(req, rec)
        # Resolve the new track (if any) before changing anything.
        new_track = self._resolve_track(encoded, identifier, user_data)

        player = session.players.get(gid)
        if player is None:
            player = FakePlayer(gid, session.session_id, self._clock)
            session.players[gid] = player
        await self._before_playing(session, player, req, voice, new_track)

        profile = self.profile
        now = self._clock.now()
        frames: list[tuple[FakeSession, bytes]] = []
        send_update = False
        no_replace = (
            request.query.get("noReplace", "false").lower() == "true" and profile.honour_no_replace
        )
        ignored = no_replace and isinstance(new_track, Track) and player.track is not None
        user_data_bug = (
            profile.user_data_bug
            and isinstance(new_track, Track)
            and not isinstance(user_data, UnsetType)
        )
        if profile.voice_required_to_play and voice is None and not player.connected:
            if isinstance(req.paused, bool) and not isinstance(new_track, Track):
                raise HTTPError(400, NODELINK_NO_VOICE)
            if isinstance(new_track, Track):
                # Cached until a voice server arrives; nothing plays, no events.
                player.pending = (
                    new_track,
                    req.position if isinstance(req.position, int) else 0,
                    req.end_time if isinstance(req.end_time, int) else None,
                    req.paused if isinstance(req.paused, bool) else False,
                )
                new_track = UNSET
        if (
            profile.stop_needs_track
            and new_track is None
            and player.track is None
            and not player.ever_played
        ):
            raise HTTPError(400, NODELINK_NOT_PLAYING)
        if (
            voice is not None
            and not self.voice_handshake
            and player.pending is not None
            and isinstance(new_track, UnsetType)
        ):
            track, position, end_time, paused = player.pending
            player.pending = None
            player.voice = voice
            frames += self._start_track(
                session, player, track, now, position=position, end_time=end_time, paused=paused
            )

        if voice is not None:
            player.voice = voice
        if isinstance(req.volume, int):
            player.volume = req.volume
        if not isinstance(req.filters, UnsetType):
            will_play = isinstance(new_track, Track) or (
                isinstance(new_track, UnsetType) and player.track is not None
            )
            if will_play or not profile.drop_idle_filters:
                player.filters = req.filters
            send_update = player.track is not None

        if not ignored:
            started, moved = self._apply_track(session, player, req, new_track, user_data, now)
            frames += started
            send_update = send_update or moved

        payload = self._player_body(player)
        if user_data_bug:
            body = raw_decoder.decode(payload)
            body["track"] = {}
            payload = self._enc.encode(body)
        self._notify()
        await self._send_events(frames)
        if send_update and player.track is not None:
            await self._deliver(session, self._update_frame(player, now), droppable=True)
        return self._json(payload)

    def _decode_patch(self, rec: RecordedRequest) -> PatchReq:
        try:
            return patch_decoder.decode(self._null_filters_off(rec.body or b"{}"))
        except msgspec.DecodeError as exc:
            raise HTTPError(400, f"JSON decode error: {exc}") from None

    def _requested_track(
        self, req: PatchReq
    ) -> tuple[str | UnsetType | None, str | UnsetType, dict[str, Any] | UnsetType]:
        """The ``encoded``, ``identifier`` and ``userData`` a PATCH asks for (``track`` or legacy)."""
        lenient = self.profile.lenient_player_patch
        encoded: str | UnsetType | None = UNSET
        identifier: str | UnsetType = UNSET
        user_data: dict[str, Any] | UnsetType = UNSET
        if not isinstance(req.track, UnsetType):
            if not lenient and (
                not isinstance(req.encoded_track, UnsetType)
                or not isinstance(req.identifier, UnsetType)
            ):
                raise HTTPError(400, "Cannot specify both track and encodedTrack/identifier")
            encoded, identifier, user_data = (
                req.track.encoded,
                req.track.identifier,
                req.track.user_data,
            )
        else:
            encoded, identifier = req.encoded_track, req.identifier
        if not isinstance(encoded, UnsetType) and not isinstance(identifier, UnsetType):
            raise HTTPError(400, "Cannot specify both encoded and identifier")
        return encoded, identifier, user_data

    def _check_ranges(self, req: PatchReq) -> None:
        """Refuse an end time, volume or position out of range (NodeLink ignores a bad end time)."""
        profile = self.profile
        if isinstance(req.end_time, int) and req.end_time <= 0:
            if not profile.lenient_player_patch:
                raise HTTPError(400, "End time must be greater than 0")
            req.end_time = UNSET  # NodeLink accepts and ignores it
        if isinstance(req.volume, int) and not 0 <= req.volume <= 1000:
            if profile.name == "nodelink":
                raise HTTPError(400, NODELINK_BAD_VOLUME)
            raise HTTPError(400, "Volume must be between 0 and 1000")
        if isinstance(req.position, int) and req.position < 0:
            raise HTTPError(400, "Position must be greater than or equal to 0")

    def _requested_voice(self, req: PatchReq) -> VoiceState | None:
        """The voice state a PATCH carries, checked the way the profile's server checks it."""
        if isinstance(req.voice, UnsetType):
            return None
        v = req.voice
        if not (
            isinstance(v.token, str)
            and v.token
            and isinstance(v.endpoint, str)
            and v.endpoint
            and isinstance(v.session_id, str)
            and v.session_id
        ):
            if self.profile.name == "nodelink":
                raise HTTPError(400, NODELINK_BAD_VOICE)
            raise HTTPError(400, "Partial Lavalink voice state")
        if isinstance(v.channel_id, UnsetType) and self.require_channel_id:
            raise HTTPError(
                400,
                "JSON decode error: Field 'channelId' is required for type with "
                "serial name 'dev.arbjerg.lavalink.protocol.v4.VoiceState', "
                "but it was missing",
            )
        return VoiceState(
            token=v.token,
            endpoint=v.endpoint,
            session_id=v.session_id,
            channel_id=None if isinstance(v.channel_id, UnsetType) else v.channel_id,
        )

    def _check_filters_enabled(self, req: PatchReq, rec: RecordedRequest) -> None:
        if isinstance(req.filters, UnsetType):
            return
        keys = self._filter_keys(rec.body)
        disabled = [k for k in keys if k != "pluginFilters" and k not in self.enabled_filters]
        if disabled:
            raise HTTPError(
                400, f"Following filters are disabled in the config: {', '.join(disabled)}"
            )

    def _resolve_track(
        self,
        encoded: str | UnsetType | None,
        identifier: str | UnsetType,
        user_data: dict[str, Any] | UnsetType,
    ) -> Track | UnsetType | None:
        """The track to play (``None``: stop; unset: leave the current one)."""
        if isinstance(encoded, str):
            decoded = self._decode(encoded)
            return Track(
                encoded=encoded,
                info=msgspec.structs.replace(decoded.info, position=0),
                plugin_info=self._plugin_info_of(decoded),
                user_data={} if isinstance(user_data, UnsetType) else user_data,
            )
        if encoded is None:
            return None
        if not isinstance(identifier, str):
            return UNSET
        result = self.catalogue.load(identifier)
        if isinstance(result, PlaylistResult | SearchResult):
            raise HTTPError(400, "Cannot play a playlist or search result")
        if isinstance(result, EmptyResult | ErrorResult) and self.profile.lenient_player_patch:
            return UNSET  # NodeLink answers 200 and plays nothing
        if isinstance(result, EmptyResult):
            raise HTTPError(400, f"No matches found for identifier '{identifier}'")
        if isinstance(result, ErrorResult):
            raise HTTPError(500, f"Failed to load track: {result.data.message}")
        return Track(
            encoded=result.data.encoded,
            info=result.data.info,
            plugin_info=result.data.plugin_info,
            user_data={} if isinstance(user_data, UnsetType) else user_data,
        )

    async def _before_playing(
        self,
        session: FakeSession,
        player: FakePlayer,
        req: PatchReq,
        voice: VoiceState | None,
        new_track: Track | UnsetType | None,
    ) -> None:
        """The waits a PATCH may need first: an injected hang, the voice handshake."""
        gid = player.guild_id
        if self._hang_after_timescale:
            if not isinstance(req.filters, UnsetType) and not isinstance(
                req.filters.timescale, UnsetType
            ):
                self._timescale_guilds.add(gid)
            if isinstance(new_track, Track) and gid in self._timescale_guilds:
                _log.debug("FakeLavalink %s: play after timescale never answered", self.port)
                await asyncio.Event().wait()
        if not self.voice_handshake:
            return
        retry = player.handshake is None or (
            player.handshake.done() and player.voice_connected is False
        )
        if voice is not None and (voice != player.voice or retry):
            self._begin_handshake(session, player, voice)
        handshake = player.handshake
        if handshake is not None and (isinstance(new_track, Track) or isinstance(req.paused, bool)):
            # NodeLink answers a play only once voice is up (or has failed).
            await asyncio.wait({handshake})
        if (
            self.profile.voice_required_to_play
            and isinstance(new_track, Track)
            and player.voice_connected is False
            and player.voice.token
        ):
            raise HTTPError(400, NODELINK_NO_VOICE)

    def _apply_track(
        self,
        session: FakeSession,
        player: FakePlayer,
        req: PatchReq,
        new_track: Track | UnsetType | None,
        user_data: dict[str, Any] | UnsetType,
        now: float,
    ) -> tuple[list[tuple[FakeSession, bytes]], bool]:
        """Start, stop or adjust playback; returns the event frames and whether the position moved."""
        frames: list[tuple[FakeSession, bytes]] = []
        if isinstance(new_track, Track):
            paused = req.paused if isinstance(req.paused, bool) else False
            position = req.position if isinstance(req.position, int) else 0
            end_time = req.end_time if isinstance(req.end_time, int) else None
            frames += self._start_track(
                session, player, new_track, now, position=position, end_time=end_time, paused=paused
            )
            return frames, False
        if new_track is None:
            if player.track is not None:
                frames.append(self._end_track(session, player, now, "stopped"))
            if isinstance(req.paused, bool):
                player.paused = req.paused
            return frames, False
        moved = False
        if isinstance(user_data, dict) and player.track is not None:
            player.track.user_data = user_data
        if player.track is not None and (
            isinstance(req.position, int)
            or not isinstance(req.end_time, UnsetType)
            or isinstance(req.paused, bool)
        ):
            player.rebase(now)
            if isinstance(req.position, int):
                player.rebase(now, min(req.position, player.end_position))
                moved = True
            if not isinstance(req.end_time, UnsetType):
                player.end_time = req.end_time
            if isinstance(req.paused, bool):
                player.paused = req.paused
            self._schedule(player)
        elif isinstance(req.paused, bool):
            player.paused = req.paused
        return frames, moved

    def _null_filters_off(self, body: bytes) -> bytes:
        """Lavalink reads ``"karaoke": null`` as "filter off": drop such keys before decoding.

        ``volume`` and ``equalizer`` keep their ``null`` (Lavalink refuses it with 400).
        """
        if b"null" not in body:
            return body
        try:
            raw = raw_decoder.decode(body)
        except msgspec.DecodeError:
            return body
        filters = raw.get("filters")
        if not isinstance(filters, dict):
            return body
        given = cast(dict[str, Any], filters)
        off = [k for k, v in given.items() if v is None and k not in NON_NULLABLE_FILTERS]
        if not off:
            return body
        for key in off:
            del given[key]
        return self._enc.encode(raw)

    @staticmethod
    def _filter_keys(body: bytes) -> list[str]:
        try:
            raw = raw_decoder.decode(body)
        except msgspec.DecodeError:
            return []
        filters = raw.get("filters")
        if not isinstance(filters, dict):
            return []
        return [str(k) for k in cast(dict[str, Any], filters)]
