"""Server profiles: the behaviours in which Lavalink-compatible servers differ.

Only ``"lavalink"`` is implemented. A profile is a set of switches the
fake consults, so another server's quirks can be added as a new entry.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROFILES", "Profile"]


@dataclass(frozen=True, slots=True)
class Profile:
    """Behaviour switches of a simulated server."""

    name: str
    route_planner_supported: bool = True
    """False: ``/v4/routeplanner/*`` answers 404 (the route does not exist)."""
    require_client_name: bool = False
    """True: a websocket upgrade without ``Client-Name`` is refused with 400."""
    always_trace: bool = False
    """True: error bodies always carry ``trace``."""
    frame_stats_always: bool = False
    """True: ``frameStats`` is an object even with no players."""
    source_managers: tuple[str, ...] = ("youtube", "soundcloud", "http", "twitch")


PROFILES: dict[str, Profile] = {
    "lavalink": Profile(name="lavalink"),
}
