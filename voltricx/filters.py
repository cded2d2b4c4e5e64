"""The [`Filters`][voltricx.Filters] builder: audio filters with validated ranges and presets.

A [`Filters`][voltricx.Filters] holds one builder per Lavalink filter. Each builder
is off until you set something on it; only filters that are on are sent:

```python
filters = voltricx.Filters()
filters.timescale.set(speed=1.2, pitch=1.2)
filters.equalizer.set_band(0, 0.25).set_band(1, 0.2)
filters.volume = 0.8
await player.set_filters(filters)

filters.timescale.reset()       # one filter off
filters.reset()                 # every filter off

filters = voltricx.Filters.nightcore()   # a preset, a new instance
```

``set(...)`` changes only the fields you pass (the others keep their
values) and returns the builder, so calls chain. Every value is checked
when it is set; a bad one raises [`FilterError`][voltricx.FilterError]
naming the filter, field, value and the valid range, and changes nothing.

Valid ranges (Lavalink v4; ``x`` is the value):

|  |  |
|---|---|
| ``volume`` | ``0.0 <= x <= 5.0`` (1.0 is 100 %; above 1.0 may clip) |
| ``equalizer`` | bands ``0..14``, gain ``-0.25 <= x <= 1.0`` (0 is neutral) |
| ``karaoke`` | ``level``, ``mono_level``: ``0 <= x <= 1``; ``filter_band`` (Hz), ``filter_width``: ``x >= 0`` |
| ``timescale`` | ``speed``, ``pitch``, ``rate``: ``0 < x <= 10`` (see [`MAX_TIMESCALE`][voltricx.filters.MAX_TIMESCALE]) |
| ``tremolo`` | ``frequency > 0``; ``0 < depth <= 1`` |
| ``vibrato`` | ``0 < frequency <= 14``; ``0 < depth <= 1`` |
| ``rotation`` | ``rotation_hz``: any number (negative turns the other way) |
| ``distortion`` | every field any number (offsets 0, scales 1 are neutral) |
| ``channel_mix`` | each factor ``0 <= x <= 1`` (neutral 1, 0, 0, 1) |
| ``low_pass`` | ``smoothing >= 1.0`` (1.0 changes nothing; 20 is soft) |
| ``plugin_filters`` | a free JSON object per plugin filter name |

NaN and infinities are refused everywhere (JSON cannot carry them).

Presets are class methods that return a new instance: [`Filters.nightcore()`][voltricx.filters.Filters.nightcore],
[`Filters.vaporwave()`][voltricx.filters.Filters.vaporwave], [`Filters.vocal_removal()`][voltricx.filters.Filters.vocal_removal] (karaoke),
[`Filters.eight_d()`][voltricx.filters.Filters.eight_d] (rotation), [`Filters.bass_boost()`][voltricx.filters.Filters.bass_boost],
[`Filters.pulsate()`][voltricx.filters.Filters.pulsate] (tremolo) and [`Filters.soft()`][voltricx.filters.Filters.soft] (low pass). The
karaoke and tremolo presets are not called ``karaoke()``/``tremolo()``
because ``filters.karaoke`` and ``filters.tremolo`` are the builders.

A player keeps a [`Filters`][voltricx.Filters] and sends [`Filters.to_payload()`][voltricx.filters.Filters.to_payload] in
its update; [`Filters.from_payload()`][voltricx.filters.Filters.from_payload] reads one back. For any valid
payload without empty filter objects or repeated equalizer bands,
``Filters.from_payload(p).to_payload() == p``.

Over 500 lines as one idea: the filter builder, one small validated
setter per Lavalink filter field plus the presets.
"""

from __future__ import annotations

import copy as _copy
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Self, TypeVar, cast

import msgspec
from msgspec import UNSET, UnsetType

from voltricx.errors import FilterError
from voltricx.models.filters import (
    ChannelMix,
    Distortion,
    Equalizer,
    FiltersPayload,
    Karaoke,
    LowPass,
    Rotation,
    Timescale,
    Tremolo,
    Vibrato,
)

__all__ = [
    "FILTER_NAMES",
    "MAX_TIMESCALE",
    "ChannelMixFilter",
    "DistortionFilter",
    "EqualizerFilter",
    "Filters",
    "KaraokeFilter",
    "LowPassFilter",
    "PluginFilters",
    "RotationFilter",
    "TimescaleFilter",
    "TremoloFilter",
    "VibratoFilter",
]

MAX_TIMESCALE = 10.0
"""Upper bound voltricx accepts for timescale speed, pitch and rate.

Lavalink sets no upper limit, but beyond 10x the result is noise and the
node spends more CPU resampling; no preset or bot command needs more.
"""

FILTER_NAMES: tuple[str, ...] = (
    "volume",
    "equalizer",
    "karaoke",
    "timescale",
    "tremolo",
    "vibrato",
    "rotation",
    "distortion",
    "channelMix",
    "lowPass",
)
"""Wire names of the built-in Lavalink filters (as listed in ``Info.filters``)."""


W = TypeVar("W", bound=msgspec.Struct)


@dataclass(frozen=True, slots=True)
class _Range:
    """An interval of valid values; ``None`` bounds are open-ended."""

    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True

    def contains(self, value: float) -> bool:
        if self.low is not None and (
            value < self.low or (value == self.low and not self.low_inclusive)
        ):
            return False
        return not (
            self.high is not None
            and (value > self.high or (value == self.high and not self.high_inclusive))
        )

    def describe(self, name: str = "x") -> str:
        parts: list[str] = []
        if self.low is not None:
            parts.append(f"{self.low} {'<=' if self.low_inclusive else '<'}")
        parts.append(name)
        if self.high is not None:
            parts.append(f"{'<=' if self.high_inclusive else '<'} {self.high}")
        if len(parts) == 1:
            return "any finite number"
        return " ".join(parts)


_ANY = _Range()
_UNIT = _Range(0.0, 1.0)
_NON_NEGATIVE = _Range(0.0)
_DEPTH = _Range(0.0, 1.0, low_inclusive=False)
_VOLUME = _Range(0.0, 5.0)
_GAIN = _Range(-0.25, 1.0)
_TIMESCALE = _Range(0.0, MAX_TIMESCALE, low_inclusive=False)


def _check(where: str, value: object, valid: _Range) -> float:
    """Return ``value`` as a float, or raise FilterError naming ``where`` and ``valid``."""
    field = where.rpartition(".")[2]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FilterError(
            f"{where} must be a number, not {value!r}; valid: {valid.describe(field)}"
        )
    number = float(value)
    if not math.isfinite(number) or not valid.contains(number):
        raise FilterError(f"{where}={value!r} is out of range; valid: {valid.describe(field)}")
    return number


class _FieldFilter(Generic[W]):
    """Shared logic of the filters that are a flat object of float fields.

    A subclass names its wire Struct in ``_wire_type``; the fields of the
    Struct and of ``_fields`` are the same.
    """

    __slots__ = ("_values",)

    _name: ClassVar[str]
    _fields: ClassVar[dict[str, _Range]]
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
            field: _check(f"{self._name}.{field}", value, self._fields[field])
            for field, value in values.items()
            if value is not None
        }
        self._values.update(checked)

    def _load(self, wire: msgspec.Struct) -> None:
        values: dict[str, float] = {}
        for field, valid in self._fields.items():
            value = getattr(wire, field)
            if value is not UNSET:
                values[field] = _check(f"{self._name}.{field}", value, valid)
        self._values = values

    def _wire_values(self) -> dict[str, float]:
        return dict(self._values)

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
        return self._values == cast("_FieldFilter[W]", other)._values

    def _fields_text(self) -> str:
        return ", ".join(
            f"{field}={self._values[field]!r}" for field in self._fields if field in self._values
        )

    def describe(self) -> str:
        """Short text form, e.g. ``timescale(speed=1.2, pitch=1.2)``."""
        return f"{self._name}({self._fields_text()})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._fields_text() or '(off)'}>"


class KaraokeFilter(_FieldFilter[Karaoke]):
    """Removes a band of frequencies, usually the voice (``level``/``mono_level`` 0-1)."""

    __slots__ = ()
    _name = "karaoke"
    _wire_type = Karaoke
    _fields = {
        "level": _UNIT,
        "mono_level": _UNIT,
        "filter_band": _NON_NEGATIVE,
        "filter_width": _NON_NEGATIVE,
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


class TimescaleFilter(_FieldFilter[Timescale]):
    """Changes speed, pitch and rate; each ``0 < x <= MAX_TIMESCALE``, 1.0 neutral."""

    __slots__ = ()
    _name = "timescale"
    _wire_type = Timescale
    _fields = {"speed": _TIMESCALE, "pitch": _TIMESCALE, "rate": _TIMESCALE}

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


class TremoloFilter(_FieldFilter[Tremolo]):
    """Wobbles the volume: ``frequency > 0`` Hz, ``0 < depth <= 1``."""

    __slots__ = ()
    _name = "tremolo"
    _wire_type = Tremolo
    _fields = {"frequency": _Range(0.0, low_inclusive=False), "depth": _DEPTH}

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


class VibratoFilter(_FieldFilter[Vibrato]):
    """Wobbles the pitch: ``0 < frequency <= 14`` Hz, ``0 < depth <= 1``."""

    __slots__ = ()
    _name = "vibrato"
    _wire_type = Vibrato
    _fields = {"frequency": _Range(0.0, 14.0, low_inclusive=False), "depth": _DEPTH}

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


class RotationFilter(_FieldFilter[Rotation]):
    """Pans the audio around the listener (the "8D" effect); 0.2 Hz is gentle."""

    __slots__ = ()
    _name = "rotation"
    _wire_type = Rotation
    _fields = {"rotation_hz": _ANY}

    def set(self, *, rotation_hz: float | None = None) -> Self:
        """Set the rotation speed in turns per second."""
        self._update(rotation_hz=rotation_hz)
        return self

    @property
    def rotation_hz(self) -> float | None:
        """Turns per second."""
        return self._values.get("rotation_hz")


class DistortionFilter(_FieldFilter[Distortion]):
    """Distorts the waveform; any finite values (offsets 0 and scales 1 are neutral)."""

    __slots__ = ()
    _name = "distortion"
    _wire_type = Distortion
    _fields = {
        "sin_offset": _ANY,
        "sin_scale": _ANY,
        "cos_offset": _ANY,
        "cos_scale": _ANY,
        "tan_offset": _ANY,
        "tan_scale": _ANY,
        "offset": _ANY,
        "scale": _ANY,
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


class ChannelMixFilter(_FieldFilter[ChannelMix]):
    """Mixes left and right channels; each factor 0-1 (all 0.5 is mono)."""

    __slots__ = ()
    _name = "channel_mix"
    _wire_type = ChannelMix
    _fields = {
        "left_to_left": _UNIT,
        "left_to_right": _UNIT,
        "right_to_left": _UNIT,
        "right_to_right": _UNIT,
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


class LowPassFilter(_FieldFilter[LowPass]):
    """Suppresses high frequencies; ``smoothing >= 1.0`` (1.0 does nothing, 20 is soft)."""

    __slots__ = ()
    _name = "low_pass"
    _wire_type = LowPass
    _fields = {"smoothing": _Range(1.0)}

    def set(self, *, smoothing: float | None = None) -> Self:
        """Set the smoothing factor."""
        self._update(smoothing=smoothing)
        return self

    @property
    def smoothing(self) -> float | None:
        """Smoothing factor; higher is more muffled."""
        return self._values.get("smoothing")


class EqualizerFilter:
    """A 15-band equalizer: band ``0..14``, gain ``-0.25..1.0`` (0 is neutral).

    Bands are sent in the order they were first set; a band set to 0.0
    stays in the payload until [`reset_band()`][voltricx.filters.EqualizerFilter.reset_band] or [`reset()`][voltricx.filters.EqualizerFilter.reset].
    """

    __slots__ = ("_bands",)

    BAND_COUNT: ClassVar[int] = 15
    """Number of bands."""
    FREQUENCIES: ClassVar[tuple[int, ...]] = (
        25, 40, 63, 100, 160, 250, 400, 630, 1000, 1600, 2500, 4000, 6300, 10000, 16000,
    )  # fmt: skip
    """Centre frequency in Hz of each band, by index."""

    def __init__(self) -> None:
        self._bands: dict[int, float] = {}

    @staticmethod
    def _check_band(band: object) -> int:
        if isinstance(band, bool) or not isinstance(band, int) or not 0 <= band <= 14:
            raise FilterError(f"equalizer.band={band!r} is out of range; valid: integer 0 <= x <= 14")
        return band

    @property
    def enabled(self) -> bool:
        """True when at least one band is set (the filter is sent)."""
        return bool(self._bands)

    @property
    def bands(self) -> dict[int, float]:
        """A copy of the set bands: ``{band: gain}``."""
        return dict(self._bands)

    def gain(self, band: int) -> float:
        """The gain of ``band`` (0.0 when it is not set)."""
        return self._bands.get(self._check_band(band), 0.0)

    def set_band(self, band: int, gain: float) -> Self:
        """Set one band's gain (-0.25 mutes it, 0.25 roughly doubles it)."""
        band = self._check_band(band)
        self._bands[band] = _check(f"equalizer.gain[{band}]", gain, _GAIN)
        return self

    def set_bands(self, gains: Mapping[int, float] | Sequence[float]) -> Self:
        """Set several bands: ``{band: gain}``, or a sequence of gains from band 0 up.

        All values are checked before any is applied.
        """
        pairs: Iterable[tuple[int, float]] = (
            gains.items() if isinstance(gains, Mapping) else enumerate(gains)
        )
        checked: dict[int, float] = {}
        for band, gain in pairs:
            index = self._check_band(band)
            checked[index] = _check(f"equalizer.gain[{index}]", gain, _GAIN)
        self._bands.update(checked)
        return self

    def reset_band(self, band: int) -> Self:
        """Unset one band (back to neutral and out of the payload)."""
        self._bands.pop(self._check_band(band), None)
        return self

    def reset(self) -> Self:
        """Turn the equalizer off."""
        self._bands.clear()
        return self

    def to_wire(self) -> list[Equalizer] | UnsetType:
        """The wire list, or ``UNSET`` when no band is set."""
        if not self._bands:
            return UNSET
        return [Equalizer(band=band, gain=gain) for band, gain in self._bands.items()]

    @classmethod
    def from_wire(cls, wire: Iterable[Equalizer] | UnsetType) -> Self:
        """A builder holding the bands of a wire list (validated; a repeated band keeps the last gain)."""
        built = cls()
        if not isinstance(wire, UnsetType):
            for entry in wire:
                built.set_band(entry.band, entry.gain)
        return built

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EqualizerFilter):
            return NotImplemented
        return self._bands == other._bands

    def describe(self) -> str:
        """Short text form, e.g. ``equalizer(0=0.25, 1=0.2)``."""
        bands = ", ".join(f"{band}={gain!r}" for band, gain in self._bands.items())
        return f"equalizer({bands})"

    def __repr__(self) -> str:
        return f"<EqualizerFilter {self._bands!r}>"


class PluginFilters:
    """Filters provided by node plugins: a free JSON object per plugin filter name.

    ``filters.plugin_filters.set("echo", {"delay": 0.5, "decay": 0.3})``.
    voltricx cannot validate these; the node answers 400 for bad ones.
    """

    __slots__ = ("_filters",)

    def __init__(self) -> None:
        self._filters: dict[str, Any] = {}

    @property
    def enabled(self) -> bool:
        """True when any plugin filter is set."""
        return bool(self._filters)

    @property
    def names(self) -> list[str]:
        """Names of the plugin filters that are set."""
        return list(self._filters)

    def set(self, name: str, settings: Mapping[str, Any]) -> Self:
        """Set (replace) the settings of plugin filter ``name`` (a copy is kept)."""
        if not isinstance(name, str) or not name:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise FilterError(f"plugin_filters name={name!r} is invalid; valid: a non-empty string")
        if not isinstance(settings, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise FilterError(
                f"plugin_filters[{name!r}]={settings!r} is invalid; valid: a mapping of settings"
            )
        self._filters[name] = _copy.deepcopy(dict(settings))
        return self

    def get(self, name: str) -> Any:
        """A copy of the settings of ``name``, or ``None`` when it is not set."""
        return _copy.deepcopy(self._filters.get(name))

    def remove(self, name: str) -> Self:
        """Turn plugin filter ``name`` off (no error when it was not set)."""
        self._filters.pop(name, None)
        return self

    def reset(self) -> Self:
        """Turn every plugin filter off."""
        self._filters.clear()
        return self

    def to_wire(self) -> dict[str, Any] | UnsetType:
        """A copy of the wire object, or ``UNSET`` when none is set."""
        return _copy.deepcopy(self._filters) if self._filters else UNSET

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any] | UnsetType) -> Self:
        """A holder of a copy of the wire object."""
        built = cls()
        if not isinstance(wire, UnsetType):
            built._filters = _copy.deepcopy(dict(wire))
        return built

    def __contains__(self, name: object) -> bool:
        return name in self._filters

    def __len__(self) -> int:
        return len(self._filters)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PluginFilters):
            return NotImplemented
        return self._filters == other._filters

    def describe(self) -> str:
        """Short text form, e.g. ``plugin_filters({'echo': {'delay': 0.5}})``."""
        return f"plugin_filters({self._filters!r})"

    def __repr__(self) -> str:
        return f"<PluginFilters {self._filters!r}>"


class Filters:
    """Every audio filter of a player, each with validated values; see the module docs.

    Equality compares what is set (equalizer band order does not matter).
    The instance is mutable and therefore not hashable; use [`copy()`][voltricx.filters.Filters.copy]
    to keep a snapshot.
    """

    __slots__ = (
        "_channel_mix",
        "_distortion",
        "_equalizer",
        "_karaoke",
        "_low_pass",
        "_plugin_filters",
        "_rotation",
        "_timescale",
        "_tremolo",
        "_vibrato",
        "_volume",
    )

    def __init__(self) -> None:
        self._volume: float | None = None
        self._equalizer = EqualizerFilter()
        self._karaoke = KaraokeFilter()
        self._timescale = TimescaleFilter()
        self._tremolo = TremoloFilter()
        self._vibrato = VibratoFilter()
        self._rotation = RotationFilter()
        self._distortion = DistortionFilter()
        self._channel_mix = ChannelMixFilter()
        self._low_pass = LowPassFilter()
        self._plugin_filters = PluginFilters()

    # -- the builders --------------------------------------------------------

    @property
    def volume(self) -> float | None:
        """Filter volume, 0.0-5.0 (1.0 is 100 %); ``None`` is off.

        Separate from the player volume (0-1000): this one is applied in
        the filter chain and can amplify (and clip) above 1.0.
        """
        return self._volume

    @volume.setter
    def volume(self, value: float | None) -> None:
        self._volume = None if value is None else _check("volume", value, _VOLUME)

    @property
    def equalizer(self) -> EqualizerFilter:
        """The 15-band equalizer."""
        return self._equalizer

    @property
    def karaoke(self) -> KaraokeFilter:
        """Vocal removal."""
        return self._karaoke

    @property
    def timescale(self) -> TimescaleFilter:
        """Speed, pitch and rate."""
        return self._timescale

    @property
    def tremolo(self) -> TremoloFilter:
        """Volume wobble."""
        return self._tremolo

    @property
    def vibrato(self) -> VibratoFilter:
        """Pitch wobble."""
        return self._vibrato

    @property
    def rotation(self) -> RotationFilter:
        """Stereo rotation ("8D audio")."""
        return self._rotation

    @property
    def distortion(self) -> DistortionFilter:
        """Waveform distortion."""
        return self._distortion

    @property
    def channel_mix(self) -> ChannelMixFilter:
        """Left/right channel mixing."""
        return self._channel_mix

    @property
    def low_pass(self) -> LowPassFilter:
        """Low-pass (muffle) filter."""
        return self._low_pass

    @property
    def plugin_filters(self) -> PluginFilters:
        """Filters provided by node plugins."""
        return self._plugin_filters

    # -- whole set -----------------------------------------------------------

    def _named(self) -> list[tuple[str, bool]]:
        return [
            ("volume", self._volume is not None),
            ("equalizer", self._equalizer.enabled),
            ("karaoke", self._karaoke.enabled),
            ("timescale", self._timescale.enabled),
            ("tremolo", self._tremolo.enabled),
            ("vibrato", self._vibrato.enabled),
            ("rotation", self._rotation.enabled),
            ("distortion", self._distortion.enabled),
            ("channelMix", self._channel_mix.enabled),
            ("lowPass", self._low_pass.enabled),
        ]

    @property
    def enabled(self) -> list[str]:
        """Wire names of the filters that are on, then the names of plugin filters that are set."""
        names = [name for name, on in self._named() if on]
        names.extend(self._plugin_filters.names)
        return names

    def unsupported(self, allowed: Iterable[str]) -> list[str]:
        """Names of filters that are on but not in ``allowed`` (the node's ``Info.filters``).

        Sending these would make the node answer 400. Plugin filters are
        checked by their name, as the node lists them.
        """
        allowed_set = set(allowed)
        return [name for name in self.enabled if name not in allowed_set]

    def reset(self) -> Self:
        """Turn every filter off."""
        self._volume = None
        for builder in (
            self._equalizer,
            self._karaoke,
            self._timescale,
            self._tremolo,
            self._vibrato,
            self._rotation,
            self._distortion,
            self._channel_mix,
            self._low_pass,
            self._plugin_filters,
        ):
            builder.reset()
        return self

    def to_payload(self) -> FiltersPayload:
        """The wire filters object; filters that are off are left out."""
        return FiltersPayload(
            volume=UNSET if self._volume is None else self._volume,
            equalizer=self._equalizer.to_wire(),
            karaoke=self._karaoke.to_wire(),
            timescale=self._timescale.to_wire(),
            tremolo=self._tremolo.to_wire(),
            vibrato=self._vibrato.to_wire(),
            rotation=self._rotation.to_wire(),
            distortion=self._distortion.to_wire(),
            channel_mix=self._channel_mix.to_wire(),
            low_pass=self._low_pass.to_wire(),
            plugin_filters=self._plugin_filters.to_wire(),
        )

    @classmethod
    def from_payload(cls, payload: FiltersPayload) -> Self:
        """Build filters from a wire object (e.g. a player's ``filters`` from the node).

        Raises:
            FilterError: a value is outside the ranges this module accepts.
        """
        built = cls()
        if not isinstance(payload.volume, UnsetType):
            built.volume = payload.volume
        built._equalizer = EqualizerFilter.from_wire(payload.equalizer)
        built._karaoke = KaraokeFilter.from_wire(payload.karaoke)
        built._timescale = TimescaleFilter.from_wire(payload.timescale)
        built._tremolo = TremoloFilter.from_wire(payload.tremolo)
        built._vibrato = VibratoFilter.from_wire(payload.vibrato)
        built._rotation = RotationFilter.from_wire(payload.rotation)
        built._distortion = DistortionFilter.from_wire(payload.distortion)
        built._channel_mix = ChannelMixFilter.from_wire(payload.channel_mix)
        built._low_pass = LowPassFilter.from_wire(payload.low_pass)
        built._plugin_filters = PluginFilters.from_wire(payload.plugin_filters)
        return built

    def copy(self) -> Self:
        """An independent copy (changing one does not change the other)."""
        return type(self).from_payload(self.to_payload())

    def __copy__(self) -> Self:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self.copy()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Filters):
            return NotImplemented
        return (
            self._volume == other._volume
            and self._equalizer == other._equalizer
            and self._karaoke == other._karaoke
            and self._timescale == other._timescale
            and self._tremolo == other._tremolo
            and self._vibrato == other._vibrato
            and self._rotation == other._rotation
            and self._distortion == other._distortion
            and self._channel_mix == other._channel_mix
            and self._low_pass == other._low_pass
            and self._plugin_filters == other._plugin_filters
        )

    def __repr__(self) -> str:
        parts: list[str] = []
        if self._volume is not None:
            parts.append(f"volume={self._volume!r}")
        for builder in (
            self._equalizer,
            self._karaoke,
            self._timescale,
            self._tremolo,
            self._vibrato,
            self._rotation,
            self._distortion,
            self._channel_mix,
            self._low_pass,
            self._plugin_filters,
        ):
            if builder.enabled:
                parts.append(builder.describe())
        return f"<Filters {' '.join(parts)}>" if parts else "<Filters (none)>"

    # -- presets -------------------------------------------------------------

    @classmethod
    def nightcore(cls, *, speed: float = 1.25, pitch: float = 1.25) -> Self:
        """Faster and higher: timescale speed and pitch 1.25."""
        built = cls()
        built._timescale.set(speed=speed, pitch=pitch)
        return built

    @classmethod
    def vaporwave(cls, *, speed: float = 0.85, pitch: float = 0.8) -> Self:
        """Slower and lower with a little extra bass: timescale 0.85/0.8, bands 0-1 +0.3."""
        built = cls()
        built._timescale.set(speed=speed, pitch=pitch)
        built._equalizer.set_bands({0: 0.3, 1: 0.3})
        return built

    @classmethod
    def vocal_removal(cls, *, level: float = 1.0, mono_level: float = 1.0) -> Self:
        """The karaoke filter: removes the voice band (220 Hz, width 100)."""
        built = cls()
        built._karaoke.set(level=level, mono_level=mono_level, filter_band=220.0, filter_width=100.0)
        return built

    @classmethod
    def eight_d(cls, *, rotation_hz: float = 0.2) -> Self:
        """The rotation filter ("8D audio"): the sound circles the listener every 5 s."""
        built = cls()
        built._rotation.set(rotation_hz=rotation_hz)
        return built

    @classmethod
    def bass_boost(cls, level: float = 0.25) -> Self:
        """Boosts the lowest five bands (25-160 Hz), tapering upwards.

        ``level`` (0-1) is the gain of band 0; 0.25 is a clear but clean boost.
        """
        strength = _check("bass_boost.level", level, _UNIT)
        built = cls()
        shares = (1.0, 0.85, 0.65, 0.4, 0.15)
        built._equalizer.set_bands([round(strength * share, 4) for share in shares])
        return built

    @classmethod
    def pulsate(cls, *, frequency: float = 4.0, depth: float = 0.5) -> Self:
        """The tremolo filter: the volume pulses four times a second at half depth."""
        built = cls()
        built._tremolo.set(frequency=frequency, depth=depth)
        return built

    @classmethod
    def soft(cls, *, smoothing: float = 20.0) -> Self:
        """The low-pass filter: muffles high frequencies (smoothing 20)."""
        built = cls()
        built._low_pass.set(smoothing=smoothing)
        return built
