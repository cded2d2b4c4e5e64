"""Shapes shared by REST and websocket payloads."""

from __future__ import annotations

import msgspec

__all__ = ["ErrorBody", "LavalinkException"]


class LavalinkException(msgspec.Struct, frozen=True):
    """The exception object of a failed load or a ``TrackExceptionEvent``."""

    severity: str = "fault"
    message: str | None = None
    cause: str = ""


class ErrorBody(msgspec.Struct, frozen=True):
    """Lavalink's (Spring style) REST error body. Every field may be missing."""

    status: int | None = None
    error: str | None = None
    message: str | None = None
    path: str | None = None
    timestamp: int | None = None
    trace: str | None = None
