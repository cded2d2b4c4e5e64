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

The builders live in private modules of this package, one idea each:
the value ranges and their check (``_range``), the flat filters of
numbers (``_fields``), the equalizer (``_equalizer``) and the plugin
filters (``_plugin``); every public name is imported from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from msgspec import UNSET, UnsetType

from voltricx.filters._equalizer import EqualizerFilter
from voltricx.filters._fields import (
    ChannelMixFilter,
    DistortionFilter,
    FieldFilter,
    KaraokeFilter,
    LowPassFilter,
    RotationFilter,
    TimescaleFilter,
    TremoloFilter,
    VibratoFilter,
)
from voltricx.filters._plugin import PluginFilters
from voltricx.filters._range import MAX_TIMESCALE, UNIT, VOLUME, check
from voltricx.models.filters import FiltersPayload

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

_Builder = FieldFilter[Any] | EqualizerFilter | PluginFilters


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
        self._volume = None if value is None else check("volume", value, VOLUME)

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

    def _builders(self) -> tuple[_Builder, ...]:
        """Every builder, in the order of ``FILTER_NAMES`` (after volume), plugin filters last."""
        return (
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
        )

    @property
    def enabled(self) -> list[str]:
        """Wire names of the filters that are on, then the names of plugin filters that are set."""
        names = ["volume"] if self._volume is not None else []
        builtin = zip(FILTER_NAMES[1:], self._builders()[:-1], strict=True)
        names.extend(name for name, builder in builtin if builder.enabled)
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
        for builder in self._builders():
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
        return self._volume == other._volume and self._builders() == other._builders()

    def __repr__(self) -> str:
        parts: list[str] = []
        if self._volume is not None:
            parts.append(f"volume={self._volume!r}")
        parts.extend(builder.describe() for builder in self._builders() if builder.enabled)
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
        strength = check("bass_boost.level", level, UNIT)
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
