"""The fake node's REST wire: what a client sends, and the words of an error answer.

The request bodies the routes decode (msgspec Structs, so a malformed body
is a 400 as on Lavalink), the messages of the error answers (NodeLink's own
wording where the profile says so), and `HTTPError`, which a route raises to
answer with one of them.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Final

import msgspec
from msgspec import UNSET, UnsetType

from voltricx.models.filters import FiltersPayload
from voltricx.models.player import PlayerUpdatePayload
from voltricx.models.track import TrackInfo

API_HEADER: Final = {"Lavalink-Api-Version": "4"}
RP_BLOCK: Final = ipaddress.ip_network("2001:db8:1d::/64")
CLIENT_NAME: Final = re.compile(r"[^\s/]+/[^\s/()]+( \(.*\))?")
NO_ROUTE: Final = "The requested route was not found."
NODELINK_NO_SESSION: Final = "The provided session Id doesn't exist."
NODELINK_NOT_PLAYING: Final = "The player is not playing."
NODELINK_NO_VOICE: Final = "The player is not connected to a voice server."
NODELINK_NO_GUILD: Final = "The provided guildId doesn't exist."
NODELINK_BAD_VOLUME: Final = "The volume must be between 0 and 1000."
NODELINK_BAD_VOICE: Final = "Invalid voice object."
#: NodeLink error bodies without an ``error`` key.
NODELINK_BARE_ERRORS: Final = frozenset(
    {
        NODELINK_NO_SESSION,
        NODELINK_NOT_PLAYING,
        NODELINK_NO_VOICE,
        NODELINK_NO_GUILD,
        NODELINK_BAD_VOLUME,
        NODELINK_BAD_VOICE,
    }
)
#: Filters whose ``null`` is a 400 (the others' ``null`` means "off").
NON_NULLABLE_FILTERS: Final = frozenset({"volume", "equalizer"})
URL_CHECK_TIMEOUT: Final = 5.0
GOOD_ENCODINGS: Final = ("br", "gzip", "deflate")


# ---------------------------------------------------------------------- request bodies


class TrackReq(msgspec.Struct, rename="camel"):
    encoded: str | UnsetType | None = UNSET
    identifier: str | UnsetType = UNSET
    user_data: dict[str, Any] | UnsetType = UNSET


class VoiceReq(msgspec.Struct, rename="camel"):
    token: str | UnsetType | None = UNSET
    endpoint: str | UnsetType | None = UNSET
    session_id: str | UnsetType | None = UNSET
    channel_id: str | UnsetType | None = UNSET


class PatchReq(msgspec.Struct, rename="camel"):
    track: TrackReq | UnsetType = UNSET
    encoded_track: str | UnsetType | None = UNSET
    identifier: str | UnsetType = UNSET
    position: int | UnsetType = UNSET
    end_time: int | UnsetType | None = UNSET
    volume: int | UnsetType = UNSET
    paused: bool | UnsetType = UNSET
    filters: FiltersPayload | UnsetType = UNSET
    voice: VoiceReq | UnsetType = UNSET


class SessionReq(msgspec.Struct):
    resuming: bool | UnsetType = UNSET
    timeout: int | UnsetType = UNSET


class FreeAddressReq(msgspec.Struct):
    address: str


patch_decoder = msgspec.json.Decoder(PatchReq)
session_decoder = msgspec.json.Decoder(SessionReq)
free_decoder = msgspec.json.Decoder(FreeAddressReq)
strings_decoder = msgspec.json.Decoder(list[str])
raw_decoder = msgspec.json.Decoder(dict[str, Any])
info_decoder = msgspec.json.Decoder(TrackInfo)
infos_decoder = msgspec.json.Decoder(list[TrackInfo])

# PlayerUpdatePayload is what clients send; keep the name referenced so the
# request shape above stays in step with it when fields are added.
CLIENT_SHAPE = PlayerUpdatePayload

class HTTPError(Exception):
    """Answer the request with ``status`` and an error body saying ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
