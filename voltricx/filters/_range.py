"""The valid range of a filter value, and the one check every setter runs.

A value is accepted when it is a finite ``int`` or ``float`` (not a
``bool``) inside its ``Range``; otherwise [`FilterError`][voltricx.FilterError]
names the filter, the field, the value and the valid range, so a bad
command from a bot user reads as a sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from voltricx.errors import FilterError

__all__ = [
    "ANY",
    "DEPTH",
    "GAIN",
    "MAX_TIMESCALE",
    "NON_NEGATIVE",
    "TIMESCALE",
    "UNIT",
    "VOLUME",
    "Range",
    "check",
]

MAX_TIMESCALE = 10.0
"""Upper bound voltricx accepts for timescale speed, pitch and rate.

Lavalink sets no upper limit, but beyond 10x the result is noise and the
node spends more CPU resampling; no preset or bot command needs more.
"""


@dataclass(frozen=True, slots=True)
class Range:
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


ANY = Range()
UNIT = Range(0.0, 1.0)
NON_NEGATIVE = Range(0.0)
DEPTH = Range(0.0, 1.0, low_inclusive=False)
VOLUME = Range(0.0, 5.0)
GAIN = Range(-0.25, 1.0)
TIMESCALE = Range(0.0, MAX_TIMESCALE, low_inclusive=False)


def check(where: str, value: object, valid: Range) -> float:
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
