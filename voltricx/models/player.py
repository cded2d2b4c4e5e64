"""Player payloads: the player object and the PATCH bodies we send.

In request bodies ``msgspec.UNSET`` means "leave the key out" and ``None``
means JSON ``null``: ``UpdatePlayerTrack(encoded=None)`` stops playback,
while leaving ``track`` UNSET leaves playback alone.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from voltricx.models.filters import FiltersPayload
from voltricx.models.track import Track

__all__ = [
    "PlayerPayload",
    "PlayerState",
    "PlayerUpdatePayload",
    "SessionUpdatePayload",
    "UpdatePlayerTrack",
    "VoiceState",
]


class PlayerState(msgspec.Struct, frozen=True, gc=False):
    """Sampled playback state: server time, position (ms), voice connected, ping (ms)."""

    time: int = 0
    position: int = 0
    connected: bool = False
    ping: int = -1


class VoiceState(msgspec.Struct, rename="camel", frozen=True):
    """Discord voice credentials relayed to the node (``channelId`` is needed from 4.2)."""

    token: str | None = None
    endpoint: str | None = None
    session_id: str | None = None
    channel_id: str | None = None


class PlayerPayload(msgspec.Struct, rename="camel"):
    """The player object of ``GET``/``PATCH .../players/{guildId}``."""

    guild_id: str
    track: Track | None = None
    volume: int = 100
    paused: bool = False
    state: PlayerState = PlayerState()
    voice: VoiceState = VoiceState()
    filters: FiltersPayload = msgspec.field(default_factory=FiltersPayload)


class UpdatePlayerTrack(msgspec.Struct, rename="camel", omit_defaults=True):
    """The ``track`` key of a player update: ``encoded=None`` stops playback."""

    encoded: str | UnsetType | None = UNSET
    identifier: str | UnsetType = UNSET
    user_data: dict[str, Any] | UnsetType = UNSET


class PlayerUpdatePayload(msgspec.Struct, rename="camel", omit_defaults=True):
    """Body of ``PATCH .../players/{guildId}``; every key is optional."""

    track: UpdatePlayerTrack | UnsetType = UNSET
    position: int | UnsetType = UNSET
    end_time: int | UnsetType | None = UNSET
    volume: int | UnsetType = UNSET
    paused: bool | UnsetType = UNSET
    filters: FiltersPayload | UnsetType = UNSET
    voice: VoiceState | UnsetType = UNSET


class SessionUpdatePayload(msgspec.Struct, omit_defaults=True):
    """Body of ``PATCH /v4/sessions/{id}``: resuming on/off and its timeout in seconds."""

    resuming: bool | UnsetType = UNSET
    timeout: int | UnsetType = UNSET
