"""The ids voltricx accepts: Discord snowflakes and Lavalink session ids.

A snowflake (guild, channel or user id) is a positive integer below
``2**64``. It may arrive as an ``int`` or as its decimal string (the form
Discord's JSON and Lavalink use). Anything else is refused with a typed
argument error before it reaches a node, a store or a URL path.

A session id goes back to the node as an HTTP header (``Session-Id``) and
into URL paths, so only non-empty printable ASCII is usable.
"""

from __future__ import annotations

from voltricx.errors import InvalidArgument, WrongTypeError

__all__ = ["SNOWFLAKE_LIMIT", "snowflake", "valid_session_id"]

#: Every snowflake is below this (Discord ids are unsigned 64-bit integers).
SNOWFLAKE_LIMIT = 2**64


def snowflake(value: object, what: str = "guild id") -> int:
    """``value`` as an int snowflake, or raise [`InvalidArgument`][voltricx.InvalidArgument].

    Non-int, non-str values (and ``bool``) raise
    [`WrongTypeError`][voltricx.WrongTypeError].
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WrongTypeError(
            f"{what} must be a Discord snowflake (an int or its digits), not {type(value).__name__}"
        )
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 20:
            raise InvalidArgument(f"{what} must be a Discord snowflake (digits only), got {value[:40]!r}")
        number = int(value)
    else:
        number = int(value)
    if not 0 < number < SNOWFLAKE_LIMIT:
        raise InvalidArgument(
            f"{what} must be a Discord snowflake, a positive integer below 2**64, got {number}"
        )
    return number


def valid_session_id(value: object) -> bool:
    """True for a usable Lavalink session id: non-empty printable ASCII, at most 256 characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= 256
        and value.isascii()
        and value.isprintable()
        and value.strip() == value
    )
