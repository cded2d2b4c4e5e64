"""Websocket messages, decoded straight from the frame's bytes.

The top level is a tagged union on ``op``. ``playerUpdate`` and ``stats``
(the frequent ones) decode in a single pass. For ``op == "event"`` the
first pass reads only ``type`` and ``guildId``; `decode_event()`
then decodes the full event Struct for that type. Event types we do not
know (plugins add many) come back as `UnknownEvent` with the raw
payload, so they are never dropped. An unknown ``op`` becomes
[`UnknownOp`][voltricx.node.UnknownOp].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from voltricx.errors import NodeProtocolError
from voltricx.models.common import LavalinkException
from voltricx.models.node import Stats
from voltricx.models.player import PlayerState
from voltricx.models.track import Track

__all__ = [
    "EventFrame",
    "EventPayload",
    "PlayerUpdateOp",
    "ReadyOp",
    "StatsOp",
    "TrackEndEvent",
    "TrackExceptionEvent",
    "TrackStartEvent",
    "TrackStuckEvent",
    "UnknownEvent",
    "UnknownOp",
    "WebSocketClosedEvent",
    "WsMessage",
    "decode_event",
    "decode_message",
]


class ReadyOp(msgspec.Struct, tag_field="op", tag="ready", rename="camel", frozen=True):
    """First frame of a session: the Lavalink session id and whether it resumed."""

    session_id: str
    resumed: bool = False


class PlayerUpdateOp(
    msgspec.Struct, tag_field="op", tag="playerUpdate", rename="camel", frozen=True, gc=False
):
    """Periodic position report of one player."""

    guild_id: str
    state: PlayerState


class StatsOp(Stats, tag_field="op", tag="stats", frozen=True):
    """Periodic load report of the node: a [`Stats`][voltricx.node.Stats] with its op tag."""


class EventFrame(msgspec.Struct, tag_field="op", tag="event", rename="camel", frozen=True):
    """First-pass view of an ``event`` op: only its type and guild."""

    type: str
    guild_id: str = ""


WsMessage = ReadyOp | PlayerUpdateOp | StatsOp | EventFrame


class UnknownOp(msgspec.Struct, frozen=True):
    """A frame whose ``op`` this version does not know; ``raw`` is the decoded JSON."""

    op: str
    raw: dict[str, Any]


class TrackStartEvent(msgspec.Struct, rename="camel", frozen=True):
    """A track started playing."""

    guild_id: str
    track: Track


class TrackEndEvent(msgspec.Struct, rename="camel", frozen=True):
    """A track ended; ``reason`` is the wire string (see ``TrackEndReason``)."""

    guild_id: str
    track: Track
    reason: str


class TrackExceptionEvent(msgspec.Struct, rename="camel", frozen=True):
    """Playback of a track failed."""

    guild_id: str
    track: Track
    exception: LavalinkException


class TrackStuckEvent(msgspec.Struct, rename="camel", frozen=True):
    """No audio frames arrived for ``threshold_ms``."""

    guild_id: str
    track: Track
    threshold_ms: int = 0


class WebSocketClosedEvent(msgspec.Struct, rename="camel", frozen=True):
    """The node's Discord voice connection closed (NodeLink may omit code and reason)."""

    guild_id: str
    code: int = 0
    reason: str = ""
    by_remote: bool = False


class UnknownEvent(msgspec.Struct, frozen=True):
    """An event type this version does not model (usually a plugin's); kept raw."""

    type: str
    guild_id: str
    raw: dict[str, Any]


EventPayload = (
    TrackStartEvent
    | TrackEndEvent
    | TrackExceptionEvent
    | TrackStuckEvent
    | WebSocketClosedEvent
    | UnknownEvent
)

_message_decoder: msgspec.json.Decoder[WsMessage] = msgspec.json.Decoder(WsMessage)
_raw_decoder = msgspec.json.Decoder(dict[str, Any])
_event_decoders: dict[str, msgspec.json.Decoder[Any]] = {
    "TrackStartEvent": msgspec.json.Decoder(TrackStartEvent),
    "TrackEndEvent": msgspec.json.Decoder(TrackEndEvent),
    "TrackExceptionEvent": msgspec.json.Decoder(TrackExceptionEvent),
    "TrackStuckEvent": msgspec.json.Decoder(TrackStuckEvent),
    "WebSocketClosedEvent": msgspec.json.Decoder(WebSocketClosedEvent),
}


decode_known_message: Callable[[bytes | str], WsMessage] = _message_decoder.decode
"""One frame of a known op, in a single C call: the hot path of ``Node.dispatch``.

It raises msgspec's errors (see `FRAME_ERRORS`) for anything else; the
caller then asks `decode_message()`, which tells an unknown op from a bad frame.
"""

FRAME_ERRORS: tuple[type[Exception], ...] = (msgspec.MsgspecError, UnicodeDecodeError, RecursionError)
"""What `decode_known_message` raises for a frame it cannot decode (msgspec reports bad UTF-8 as ``UnicodeDecodeError``)."""


def decode_message(frame: bytes | str) -> WsMessage | UnknownOp:
    """Decode one websocket frame.

    Raises [`NodeProtocolError`][voltricx.NodeProtocolError] for frames that are
    not JSON objects with a string ``op``, or whose known op is malformed.
    """
    try:
        return _message_decoder.decode(frame)
    except msgspec.ValidationError as exc:
        # Either an op we do not know, or a known op with a bad shape.
        try:
            raw = _raw_decoder.decode(frame)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as inner:
            raise NodeProtocolError(f"malformed websocket frame: {inner}") from inner
        op = raw.get("op")
        if isinstance(op, str) and op not in ("ready", "playerUpdate", "stats", "event"):
            return UnknownOp(op=op, raw=raw)
        raise NodeProtocolError(f"malformed websocket frame: {exc}") from exc
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        # msgspec reports invalid UTF-8 inside a string as UnicodeDecodeError.
        raise NodeProtocolError(f"malformed websocket frame: {exc}") from exc


def decode_event(frame: bytes | str, head: EventFrame) -> EventPayload:
    """Second pass for an ``event`` op: the full Struct for its ``type``.

    Unknown types come back as `UnknownEvent`. Raises
    [`NodeProtocolError`][voltricx.NodeProtocolError] when a known type is malformed.
    """
    decoder = _event_decoders.get(head.type)
    try:
        if decoder is None:
            return UnknownEvent(type=head.type, guild_id=head.guild_id, raw=_raw_decoder.decode(frame))
        event: EventPayload = decoder.decode(frame)
        return event
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise NodeProtocolError(f"malformed {head.type}: {exc}") from exc
