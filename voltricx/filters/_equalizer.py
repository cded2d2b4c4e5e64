"""The 15-band equalizer: bands by index, each with a checked gain.

Unlike the flat filters, Lavalink sends the equalizer as a list of
``{band, gain}`` objects; this builder keeps the bands in the order they
were first set, so a payload read back is sent back the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar, Self

from msgspec import UNSET, UnsetType

from voltricx.errors import FilterError
from voltricx.filters._range import GAIN, check
from voltricx.models.filters import Equalizer

__all__ = ["EqualizerFilter"]


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
        self._bands[band] = check(f"equalizer.gain[{band}]", gain, GAIN)
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
            checked[index] = check(f"equalizer.gain[{index}]", gain, GAIN)
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
