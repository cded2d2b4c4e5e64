"""Using nodes once they are connected: the code of docs/guide/nodes.md (run by tests/test_docs.py)."""

from __future__ import annotations

from typing import Any

import voltricx
from voltricx import NodeStatus


# --8<-- [start:choose]
def choose_nodes() -> None:
    # lowest penalty among connected nodes
    best = voltricx.Pool.get_node()
    # by identifier (NodeNotFound if unknown)
    eu = voltricx.Pool.get_node("EU")
    # lowest penalty in region "eu"
    local = voltricx.Pool.get_node(region="eu")
    print(best.identifier, eu.identifier, local.identifier)
# --8<-- [end:choose]


# --8<-- [start:status]
async def check_status() -> None:
    node = voltricx.Pool.get_node("US")
    if node.status is NodeStatus.CONNECTED:  # also: node.available
        print(f"{node.identifier} is healthy, penalty {node.penalty:.2f}")
    else:
        # Wait (bounded) instead of polling; raises TimeoutError when
        # the node does not come up.
        await node.wait_for_status(NodeStatus.CONNECTED, timeout=10)
# --8<-- [end:status]


# --8<-- [start:info]
async def show_node_info() -> None:
    node = voltricx.Pool.get_node("US")

    # GET /v4/info (also kept in node.info)
    info = await node.fetch_info()
    print(info.version.semver)              # "4.2.2"
    print(info.source_managers)             # ["youtube", "soundcloud", ...]
    print([plugin.name for plugin in info.plugins])
    print(info.has_plugin("lavasrc-plugin"))

    stats = await node.fetch_stats()        # GET /v4/stats
    print(stats.players, stats.playing_players, f"{stats.cpu.system_load:.0%}")

    version = await node.fetch_version()    # GET /version, a plain string
    print(version)
# --8<-- [end:info]


# --8<-- [start:routeplanner]
async def manage_route_planner() -> None:
    node = voltricx.Pool.get_node("US")
    status = await node.fetch_routeplanner_status()
    if status is None:
        print("no route planner configured on this node")
        return
    print(status.cls)                        # "RotatingIpRoutePlanner"
    # RoutePlannerClass.ROTATING_IP (None if unknown)
    print(status.planner_class)
    for failing in status.details.failing_addresses:
        print(failing.failing_address, failing.failing_time)
        await node.free_address(failing.failing_address)  # unmark one address
    await node.free_all_addresses()                       # or unmark them all
# --8<-- [end:routeplanner]


# --8<-- [start:list]
def list_nodes() -> None:
    for identifier, node in voltricx.Pool.nodes().items():
        print(f"{identifier}: {node.status} region={node.region} "
              f"players={len(node.players)} penalty={node.penalty:.2f}")
        for guild_id, player in node.players.items():
            print(f"  guild {guild_id}: playing={player.playing}")
# --8<-- [end:list]


# --8<-- [start:home]
def remember_home(player: voltricx.Player, text_channel: Any) -> None:
    # Any object you like; voltricx keeps it on the player across failovers.
    player.home = text_channel
# --8<-- [end:home]


# --8<-- [start:close]
async def shut_down() -> None:
    # Destroys every player (bounded to 5 s), closes websockets and
    # HTTP sessions.
    # Safe to call twice; call it from your bot's close()/shutdown hook.
    await voltricx.Pool.close()
# --8<-- [end:close]
