"""The filters object of a player (wire form).

Every key is optional; an absent key means the filter is off. Sending
filters replaces the whole set. [`voltricx.Filters`][voltricx.Filters] builds these
with validated ranges.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "ChannelMix",
    "Distortion",
    "Equalizer",
    "FiltersPayload",
    "Karaoke",
    "LowPass",
    "Rotation",
    "Timescale",
    "Tremolo",
    "Vibrato",
]


class Equalizer(msgspec.Struct, frozen=True):
    """One equalizer band (0-14) and its gain (-0.25 to 1.0)."""

    band: int
    gain: float = 0.0


class Karaoke(msgspec.Struct, rename="camel", omit_defaults=True, frozen=True):
    """Removes a band of frequencies, usually vocals."""

    level: float | UnsetType = UNSET
    mono_level: float | UnsetType = UNSET
    filter_band: float | UnsetType = UNSET
    filter_width: float | UnsetType = UNSET


class Timescale(msgspec.Struct, omit_defaults=True, frozen=True):
    """Changes speed, pitch and rate (1.0 each is neutral)."""

    speed: float | UnsetType = UNSET
    pitch: float | UnsetType = UNSET
    rate: float | UnsetType = UNSET


class Tremolo(msgspec.Struct, omit_defaults=True, frozen=True):
    """Wobbles the volume."""

    frequency: float | UnsetType = UNSET
    depth: float | UnsetType = UNSET


class Vibrato(msgspec.Struct, omit_defaults=True, frozen=True):
    """Wobbles the pitch."""

    frequency: float | UnsetType = UNSET
    depth: float | UnsetType = UNSET


class Rotation(msgspec.Struct, rename="camel", omit_defaults=True, frozen=True):
    """Pans the audio around the listener."""

    rotation_hz: float | UnsetType = UNSET


class Distortion(msgspec.Struct, rename="camel", omit_defaults=True, frozen=True):
    """Distorts the waveform (offsets 0 and scales 1 are neutral)."""

    sin_offset: float | UnsetType = UNSET
    sin_scale: float | UnsetType = UNSET
    cos_offset: float | UnsetType = UNSET
    cos_scale: float | UnsetType = UNSET
    tan_offset: float | UnsetType = UNSET
    tan_scale: float | UnsetType = UNSET
    offset: float | UnsetType = UNSET
    scale: float | UnsetType = UNSET


class ChannelMix(msgspec.Struct, rename="camel", omit_defaults=True, frozen=True):
    """Mixes the left and right channels (each factor 0-1)."""

    left_to_left: float | UnsetType = UNSET
    left_to_right: float | UnsetType = UNSET
    right_to_left: float | UnsetType = UNSET
    right_to_right: float | UnsetType = UNSET


class LowPass(msgspec.Struct, omit_defaults=True, frozen=True):
    """Suppresses high frequencies (effective when smoothing > 1)."""

    smoothing: float | UnsetType = UNSET


class FiltersPayload(msgspec.Struct, rename="camel", omit_defaults=True):
    """The whole filter set of a player as sent to and received from the node."""

    volume: float | UnsetType = UNSET
    equalizer: list[Equalizer] | UnsetType = UNSET
    karaoke: Karaoke | UnsetType = UNSET
    timescale: Timescale | UnsetType = UNSET
    tremolo: Tremolo | UnsetType = UNSET
    vibrato: Vibrato | UnsetType = UNSET
    rotation: Rotation | UnsetType = UNSET
    distortion: Distortion | UnsetType = UNSET
    channel_mix: ChannelMix | UnsetType = UNSET
    low_pass: LowPass | UnsetType = UNSET
    plugin_filters: dict[str, Any] | UnsetType = UNSET
