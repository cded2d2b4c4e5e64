"""JSON-only data that travels with a track: ``Extras`` and ``check_json``.

``track.extras`` is an attribute namespace over ``track.user_data``, the
``userData`` object Lavalink keeps with a playing track and sends back in
its events:

```python
track.extras.requester_id = 1234
track.extras = {"requester_id": 1234, "note": "from the web panel"}
dict(track.extras)   # {'requester_id': 1234, 'note': 'from the web panel'}
```

Everything in it must be JSON (``str``, ``int``, ``float``, ``bool``,
``None``, lists and ``str``-keyed dicts of those). A value that is not is
refused when it is set, with a [UserDataError][voltricx.errors.UserDataError]
naming it; anything local (a ``Member``, a ``User``) belongs on
``track.requester`` or your own attributes instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from voltricx.errors import UserDataError

__all__ = ["Extras", "check_json", "extras_data", "json_problem"]


def json_problem(value: Any, path: str = "") -> str | None:
    """Where ``value`` stops being plain JSON (a path and what is there), or ``None`` when it is JSON."""
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path or 'the value'} is {value!r} (not finite)"
    if isinstance(value, list | tuple):
        items: list[Any] | tuple[Any, ...] = value  # pyright: ignore[reportUnknownVariableType]
        for index, item in enumerate(items):
            problem = json_problem(item, f"{path}[{index}]")
            if problem is not None:
                return problem
        return None
    if isinstance(value, dict):
        mapping: dict[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
        for key, item in mapping.items():
            if not isinstance(key, str):
                return f"{path or 'the dict'} has the non-string key {key!r}"
            problem = json_problem(item, f"{path}[{key!r}]")
            if problem is not None:
                return problem
        return None
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return f"{path or 'the value'} is a {type(value).__name__} ({shown})"


def check_json(value: Any, what: str) -> None:
    """Raise [UserDataError][voltricx.errors.UserDataError] unless ``value`` is plain JSON.

    ``what`` names the field in the message (``"track.extras"``).
    """
    problem = json_problem(value)
    if problem is not None:
        raise UserDataError(
            f"{what} only holds JSON values (str, int, float, bool, None, lists, dicts with "
            f"str keys): {problem}. Keep local objects on track.requester or your own "
            "attributes, or store an id (e.g. member.id)"
        )


class Extras:
    """Attribute access to a track's ``user_data`` (wavelink's ``track.extras``).

    Reading a missing name raises ``AttributeError``; ``dict(extras)`` and
    iterating give the ``(name, value)`` pairs; setting a name checks the
    value is JSON first. Built by ``Playable.extras``;
    it writes straight into the track's ``user_data``.
    """

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: dict[str, Any] | None = None, /, **values: Any) -> None:
        object.__setattr__(self, "_data", data if data is not None else {})
        for name, value in values.items():
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"the track's extras have no {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        check_json(value, f"track.extras.{name}")
        self._data[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._data[name]
        except KeyError:
            raise AttributeError(f"the track's extras have no {name!r}") from None

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(list(self._data.items()))

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Extras):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)  # pyright: ignore[reportUnknownArgumentType]
        return NotImplemented

    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._data.items())
        return f"Extras({inner})"


def extras_data(value: Extras | Mapping[str, Any], what: str) -> dict[str, Any]:
    """A checked, private copy of ``value`` to keep as ``user_data``."""
    data = dict(value)
    check_json(data, what)
    return data
