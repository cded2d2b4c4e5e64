"""Filters: the code of docs/guide/filters.md (run by tests/test_docs.py)."""

from __future__ import annotations

import voltricx
from voltricx.errors import FilterError
from voltricx.filters import Filters


# --8<-- [start:build]
async def make_it_nightcore(player: voltricx.Player) -> None:
    filters = Filters()
    filters.timescale.set(speed=1.25, pitch=1.25)
    filters.equalizer.set_band(0, 0.2).set_band(1, 0.15)
    filters.volume = 0.9                    # 1.0 is 100 %
    # seek=True applies it at once
    await player.set_filters(filters, seek=True)
    # <Filters volume=0.9 equalizer(...) timescale(...)>
    print(filters)
# --8<-- [end:build]


# --8<-- [start:presets]
async def presets(player: voltricx.Player) -> None:
    await player.set_filters(Filters.bass_boost(0.3))
    await player.set_filters(Filters.eight_d())
    await player.set_filters(Filters.vaporwave())
    await player.set_filters(Filters())     # every filter off
# --8<-- [end:presets]


# --8<-- [start:validate]
def bad_value() -> None:
    filters = Filters()
    try:
        filters.timescale.set(speed=0)
    except FilterError as exc:              # also a ValueError
        # names the filter, field, value and range
        print(exc)
# --8<-- [end:validate]


# --8<-- [start:check]
async def tweak_current(player: voltricx.Player) -> None:
    # the player's own builder, edited in place
    player.filters.timescale.set(speed=1.1)
    try:
        # sends it (called with no argument, it turns every filter off)
        await player.set_filters(player.filters)
    # e.g. a filter this node does not allow
    except FilterError as exc:
        print(exc)
    print(player.node.info.filters if player.node.info else "no /v4/info yet")
# --8<-- [end:check]
