"""The fake Lavalink node, in rooms.

* ``server`` -- [`FakeLavalink`][voltricx.testing.FakeLavalink]: the listening
  socket, lifecycle, inspection and the websocket;
* ``routes`` -- the REST routes and the player PATCH;
* ``faults`` -- fault injection (kill, restart, stall, injected answers);
* ``players`` -- sessions, players and the playback clock;
* ``catalogue`` -- the deterministic tracks a search or URL resolves to;
* ``profiles`` -- what differs between the servers it simulates (Lavalink, NodeLink);
* ``plugins`` -- the plugin routes (lyrics, search, SponsorBlock);
* ``voice_link`` -- the node side of a Discord voice connection;
* ``_base`` and ``_wire`` -- the state every room shares, and the REST wire
  (request bodies, the wording of error answers).

Nothing here imports a Discord library. Import the public names from
``voltricx.testing``.
"""

from __future__ import annotations

from voltricx.testing.lavalink.catalogue import (
    STREAM_LENGTH,
    Catalogue,
    CatalogueEntry,
    PlayBehaviour,
)
from voltricx.testing.lavalink.players import FakePlayer, FakeSession, RecordedRequest
from voltricx.testing.lavalink.profiles import PROFILES, Profile
from voltricx.testing.lavalink.server import KEEP, EmittedEvent, FakeLavalink

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
