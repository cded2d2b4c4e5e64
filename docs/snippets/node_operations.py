"""Node operations, shown with the testing kit: docs/node-operations.md (run by tests/test_docs.py)."""

from __future__ import annotations

import voltricx
import voltricx.regions
from voltricx.events import PlayersMoved
from voltricx.testing import FakeLavalink, FakeVoiceGateway


# --8<-- [start:drain]
async def upgrade_a_node() -> None:
    async with FakeLavalink() as us1, FakeLavalink() as us2:
        gateway = FakeVoiceGateway()  # stands in for the Discord bot
        await voltricx.Pool.connect(client=gateway, report=False, nodes=[
            voltricx.NodeConfig(identifier="US-1", uri=us1.uri,
                                password="youshallnotpass", region="us"),
            voltricx.NodeConfig(identifier="US-2", uri=us2.uri,
                                password="youshallnotpass", region="us"),
        ])
        player = voltricx.Player(1234, node=voltricx.Pool.get_node("US-1"))
        await player.connect(5678)
        query = "ytsearch:rolling upgrade"
        [track, *_] = await voltricx.Pool.fetch_tracks(query)
        await player.play(track, start=60_000)

        # returns once US-1 holds no player
        await voltricx.Pool.drain("US-1")
        print(player.node.identifier, us1.held_guilds(), us2.held_guilds())
        # ... stop US-1, upgrade Lavalink, start it again ...
        # new players may go there again
        voltricx.Pool.undrain("US-1")
        await voltricx.Pool.close()
# --8<-- [end:drain]


# --8<-- [start:remove]
async def remove_and_move() -> None:
    async with FakeLavalink() as old, FakeLavalink() as new:
        gateway = FakeVoiceGateway()
        await voltricx.Pool.connect(client=gateway, report=False, nodes=[
            voltricx.NodeConfig(identifier="OLD", uri=old.uri,
                                password="youshallnotpass"),
            voltricx.NodeConfig(identifier="NEW", uri=new.uri,
                                password="youshallnotpass"),
        ])
        player = voltricx.Player(1234, node=voltricx.Pool.get_node("OLD"))
        await player.connect(5678)
        [track, *_] = await voltricx.Pool.fetch_tracks("ytsearch:moving day")
        await player.play(track)

        # one player, now
        await player.switch_node(voltricx.Pool.get_node("NEW"))
        moved = await gateway.wait_for(PlayersMoved)
        print(moved.old_node.identifier, "->", moved.new_node.identifier,
              moved.reason)
        await player.switch_node(voltricx.Pool.get_node("OLD"))   # and back

        await voltricx.Pool.remove_node("OLD")        # its players move first
        print(sorted(voltricx.Pool.nodes()), player.node.identifier)
        await voltricx.Pool.close()
# --8<-- [end:remove]


# --8<-- [start:regions]
def name_your_regions() -> None:
    # Nodes named after the map's values need nothing; other names, map them:
    voltricx.regions.VOICE_REGIONS.update(
        {"fra": "eu-central", "ams": "eu-central"}
    )
    endpoint = "c-fra12-8a4f1c2e.discord.media:443"
    print(voltricx.regions.region_from_endpoint(endpoint))
# --8<-- [end:regions]
