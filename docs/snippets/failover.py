"""Failover and resuming, shown with the testing kit: docs/guide/failover.md (run by tests/test_docs.py)."""

from __future__ import annotations

import voltricx
from voltricx.events import Failover, TrackStart
from voltricx.testing import FakeLavalink, FakeVoiceGateway


# --8<-- [start:watch]
async def watch_a_failover() -> None:
    async with FakeLavalink() as us, FakeLavalink() as eu:
        # stands in for the Discord bot
        gateway = FakeVoiceGateway()
        password = "youshallnotpass"
        await voltricx.Pool.connect(client=gateway, report=False, nodes=[
            voltricx.NodeConfig(identifier="US", uri=us.uri,
                                password=password, region="us",
                                resume_grace=1.0),
            voltricx.NodeConfig(identifier="EU", uri=eu.uri,
                                password=password, region="eu"),
        ])
        player = voltricx.Player(1234, region="us")
        await player.connect(5678)
        found = await voltricx.Pool.fetch_tracks("ytsearch:failover demo")
        [track, *_] = found
        await player.play(track, start=60_000, volume=70)
        await gateway.wait_for(TrackStart)

        # the US node dies without a word
        us.kill()
        event = await gateway.wait_for(Failover, timeout=10)
        print(f"{event.old_node.identifier} -> {event.new_node.identifier}: "
              f"{len(event.players)} player(s) moved")
        # what the EU node now plays
        moved = eu.player(1234)
        assert moved is not None and moved.track is not None
        print(moved.track.info.title, moved.position >= 60_000, moved.volume)
        await voltricx.Pool.close()
# --8<-- [end:watch]
