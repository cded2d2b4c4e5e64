"""Filters of node plugins: a free JSON object per filter name, kept as a copy.

voltricx knows nothing of their fields, so it checks only the shape (a
non-empty name, a mapping of settings) and copies on the way in and out,
so a caller's dict and the builder never share state.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Mapping
from typing import Any, Self

from msgspec import UNSET, UnsetType

from voltricx.errors import FilterError

__all__ = ["PluginFilters"]


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
