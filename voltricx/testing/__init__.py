"""Test helpers for voltricx and for bots built on it.

:class:`FakeLavalink` is a real Lavalink v4 server (REST + websocket) on
127.0.0.1 with a simulated playback clock, a deterministic track catalogue
and fault injection (kill, restart, stall, auth changes, delays, injected
error answers, garbage frames). Importing this package never imports a
Discord library.
"""

from __future__ import annotations

from voltricx.testing._catalogue import STREAM_LENGTH, Catalogue, CatalogueEntry, PlayBehaviour
from voltricx.testing._profile import PROFILES, Profile
from voltricx.testing._state import FakePlayer, FakeSession, RecordedRequest
from voltricx.testing.fake_lavalink import KEEP, EmittedEvent, FakeLavalink

__all__ = [
    "KEEP",
    "PROFILES",
    "STREAM_LENGTH",
    "Catalogue",
    "CatalogueEntry",
    "EmittedEvent",
    "FakeLavalink",
    "FakePlayer",
    "FakeSession",
    "PlayBehaviour",
    "Profile",
    "RecordedRequest",
]
