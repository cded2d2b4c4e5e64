"""The filters that are one flat object of numbers: karaoke to low pass.

Eight of Lavalink's filters are a JSON object whose every field is a
number with a valid range. ``FieldFilter`` holds what they share (the set
fields, checking, the wire object both ways, equality and text forms);
each subclass names its fields with their ranges and gives them a typed
``set()`` and one documented property per field. Tremolo and vibrato
differ only in their ranges, so they share ``WobbleFilter``.
"""

from __future__ import annotations

from typing import ClassVar, Generic, Self, TypeVar, cast

import msgspec
from msgspec import UNSET, UnsetType

from voltricx.filters._range import ANY, DEPTH, NON_NEGATIVE, TIMESCALE, UNIT, Range, check
from voltricx.models.filters import (
    ChannelMix,
    Distortion,
    Karaoke,
    LowPass,
    Rotation,
    Timescale,
    Tremolo,
    Vibrato,
)

__all__ = [
    "ChannelMixFilter",
    "DistortionFilter",
    "FieldFilter",
    "KaraokeFilter",
    "LowPassFilter",
    "RotationFilter",
    "TimescaleFilter",
    "TremoloFilter",
    "VibratoFilter",
    "WobbleFilter",
]

W = TypeVar("W", bound=msgspec.Struct)


class FieldFilter(Generic[W]):
    """Shared logic of the filters that are a flat object of float fields.

    A subclass names its wire Struct in ``_wire_type``; the fields of the
    Struct and of ``_fields`` are the same.
    """

    __slots__ = ("_values",)

    _name: ClassVar[str]
    _fields: ClassVar[dict[str, Range]]
    _wire_type: ClassVar[type[msgspec.Struct]]

    def __init__(self) -> None:
        self._values: dict[str, float] = {}

    @property
    def enabled(self) -> bool:
        """True when at least one field is set (the filter is sent)."""
        return bool(self._values)

    def reset(self) -> Self:
        """Turn this filter off (unset every field)."""
        self._values.clear()
        return self

    def _update(self, **values: float | None) -> None:
        checked = {
            field: check(f"{self._name}.{field}", value, self._fields[field])
            for field, value in values.items()
            if value is not None
        }
        self._values.update(checked)

    def _load(self, wire: msgspec.Struct) -> None:
        values: dict[str, float] = {}
        for field, valid in self._fields.items():
            value = getattr(wire, field)
            if value is not UNSET:
                values[field] = check(f"{self._name}.{field}", value, valid)
        self._values = values

    def to_wire(self) -> W | UnsetType:
        """The wire object, or ``UNSET`` when the filter is off."""
        if not self._values:
            return UNSET
        return cast("W", self._wire_type(**self._values))

    @classmethod
    def from_wire(cls, wire: W | UnsetType) -> Self:
        """A builder holding the fields of a wire object (validated)."""
        built = cls()
        if not isinstance(wire, UnsetType):
            built._load(wire)
        return built

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values == cast("FieldFilter[W]", other)._values

    def _fields_text(self) -> str:
        return ", ".join(
            f"{field}={self._values[field]!r}" for field in self._fields if field in self._values
        )

    def describe(self) -> str:
        """Short text form, e.g. ``timescale(speed=1.2, pitch=1.2)``."""
        return f"{self._name}({self._fields_text()})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._fields_text() or '(off)'}>"


class KaraokeFilter(FieldFilter[Karaoke]):
    """Removes a band of frequencies, usually the voice (``level``/``mono_level`` 0-1)."""

    __slots__ = ()
    _name = "karaoke"
    _wire_type = Karaoke
    _fields = {
        "level": UNIT,
        "mono_level": UNIT,
        "filter_band": NON_NEGATIVE,
        "filter_width": NON_NEGATIVE,
    }

    def set(
        self,
        *,
        level: float | None = None,
        mono_level: float | None = None,
        filter_band: float | None = None,
        filter_width: float | None = None,
    ) -> Self:
        """Set the given fields; ``filter_band`` is in Hz (Lavalink's default 220)."""
        self._update(
            level=level, mono_level=mono_level, filter_band=filter_band, filter_width=filter_width
        )
        return self

    @property
    def level(self) -> float | None:
        """Effect level, 0-1."""
        return self._values.get("level")

    @property
    def mono_level(self) -> float | None:
        """Mono level, 0-1."""
        return self._values.get("mono_level")

    @property
    def filter_band(self) -> float | None:
        """Centre of the removed band in Hz."""
        return self._values.get("filter_band")

    @property
    def filter_width(self) -> float | None:
        """Width of the removed band."""
        return self._values.get("filter_width")


class TimescaleFilter(FieldFilter[Timescale]):
    """Changes speed, pitch and rate; each ``0 < x <= MAX_TIMESCALE``, 1.0 neutral."""

    __slots__ = ()
    _name = "timescale"
    _wire_type = Timescale
    _fields = {"speed": TIMESCALE, "pitch": TIMESCALE, "rate": TIMESCALE}

    def set(
        self, *, speed: float | None = None, pitch: float | None = None, rate: float | None = None
    ) -> Self:
        """Set the given fields (1.0 is unchanged; 1.2 is 20 % faster/higher)."""
        self._update(speed=speed, pitch=pitch, rate=rate)
        return self

    @property
    def speed(self) -> float | None:
        """Playback speed (tempo without pitch change)."""
        return self._values.get("speed")

    @property
    def pitch(self) -> float | None:
        """Pitch factor."""
        return self._values.get("pitch")

    @property
    def rate(self) -> float | None:
        """Rate factor (speed and pitch together)."""
        return self._values.get("rate")


class WobbleFilter(FieldFilter[W]):
    """What tremolo and vibrato share: a ``frequency`` and a ``depth``; they differ in the ranges."""

    __slots__ = ()

    def set(self, *, frequency: float | None = None, depth: float | None = None) -> Self:
        """Set the given fields."""
        self._update(frequency=frequency, depth=depth)
        return self

    @property
    def frequency(self) -> float | None:
        """Wobbles per second."""
        return self._values.get("frequency")

    @property
    def depth(self) -> float | None:
        """How strong the wobble is, 0-1."""
        return self._values.get("depth")


class TremoloFilter(WobbleFilter[Tremolo]):
    """Wobbles the volume: ``frequency > 0`` Hz, ``0 < depth <= 1``."""

    __slots__ = ()
    _name = "tremolo"
    _wire_type = Tremolo
    _fields = {"frequency": Range(0.0, low_inclusive=False), "depth": DEPTH}


class VibratoFilter(WobbleFilter[Vibrato]):
    """Wobbles the pitch: ``0 < frequency <= 14`` Hz, ``0 < depth <= 1``."""

    __slots__ = ()
    _name = "vibrato"
    _wire_type = Vibrato
    _fields = {"frequency": Range(0.0, 14.0, low_inclusive=False), "depth": DEPTH}


class RotationFilter(FieldFilter[Rotation]):
    """Pans the audio around the listener (the "8D" effect); 0.2 Hz is gentle."""

    __slots__ = ()
    _name = "rotation"
    _wire_type = Rotation
    _fields = {"rotation_hz": ANY}

    def set(self, *, rotation_hz: float | None = None) -> Self:
        """Set the rotation speed in turns per second."""
        self._update(rotation_hz=rotation_hz)
        return self

    @property
    def rotation_hz(self) -> float | None:
        """Turns per second."""
        return self._values.get("rotation_hz")


class DistortionFilter(FieldFilter[Distortion]):
    """Distorts the waveform; any finite values (offsets 0 and scales 1 are neutral)."""

    __slots__ = ()
    _name = "distortion"
    _wire_type = Distortion
    _fields = {
        "sin_offset": ANY,
        "sin_scale": ANY,
        "cos_offset": ANY,
        "cos_scale": ANY,
        "tan_offset": ANY,
        "tan_scale": ANY,
        "offset": ANY,
        "scale": ANY,
    }

    def set(
        self,
        *,
        sin_offset: float | None = None,
        sin_scale: float | None = None,
        cos_offset: float | None = None,
        cos_scale: float | None = None,
        tan_offset: float | None = None,
        tan_scale: float | None = None,
        offset: float | None = None,
        scale: float | None = None,
    ) -> Self:
        """Set the given fields."""
        self._update(
            sin_offset=sin_offset,
            sin_scale=sin_scale,
            cos_offset=cos_offset,
            cos_scale=cos_scale,
            tan_offset=tan_offset,
            tan_scale=tan_scale,
            offset=offset,
            scale=scale,
        )
        return self

    @property
    def sin_offset(self) -> float | None:
        """Offset of the sine term."""
        return self._values.get("sin_offset")

    @property
    def sin_scale(self) -> float | None:
        """Scale of the sine term."""
        return self._values.get("sin_scale")

    @property
    def cos_offset(self) -> float | None:
        """Offset of the cosine term."""
        return self._values.get("cos_offset")

    @property
    def cos_scale(self) -> float | None:
        """Scale of the cosine term."""
        return self._values.get("cos_scale")

    @property
    def tan_offset(self) -> float | None:
        """Offset of the tangent term."""
        return self._values.get("tan_offset")

    @property
    def tan_scale(self) -> float | None:
        """Scale of the tangent term."""
        return self._values.get("tan_scale")

    @property
    def offset(self) -> float | None:
        """Overall offset."""
        return self._values.get("offset")

    @property
    def scale(self) -> float | None:
        """Overall scale."""
        return self._values.get("scale")


class ChannelMixFilter(FieldFilter[ChannelMix]):
    """Mixes left and right channels; each factor 0-1 (all 0.5 is mono)."""

    __slots__ = ()
    _name = "channel_mix"
    _wire_type = ChannelMix
    _fields = {
        "left_to_left": UNIT,
        "left_to_right": UNIT,
        "right_to_left": UNIT,
        "right_to_right": UNIT,
    }

    def set(
        self,
        *,
        left_to_left: float | None = None,
        left_to_right: float | None = None,
        right_to_left: float | None = None,
        right_to_right: float | None = None,
    ) -> Self:
        """Set the given factors."""
        self._update(
            left_to_left=left_to_left,
            left_to_right=left_to_right,
            right_to_left=right_to_left,
            right_to_right=right_to_right,
        )
        return self

    @property
    def left_to_left(self) -> float | None:
        """Share of the left input in the left output."""
        return self._values.get("left_to_left")

    @property
    def left_to_right(self) -> float | None:
        """Share of the left input in the right output."""
        return self._values.get("left_to_right")

    @property
    def right_to_left(self) -> float | None:
        """Share of the right input in the left output."""
        return self._values.get("right_to_left")

    @property
    def right_to_right(self) -> float | None:
        """Share of the right input in the right output."""
        return self._values.get("right_to_right")


class LowPassFilter(FieldFilter[LowPass]):
    """Suppresses high frequencies; ``smoothing >= 1.0`` (1.0 does nothing, 20 is soft)."""

    __slots__ = ()
    _name = "low_pass"
    _wire_type = LowPass
    _fields = {"smoothing": Range(1.0)}

    def set(self, *, smoothing: float | None = None) -> Self:
        """Set the smoothing factor."""
        self._update(smoothing=smoothing)
        return self

    @property
    def smoothing(self) -> float | None:
        """Smoothing factor; higher is more muffled."""
        return self._values.get("smoothing")
