"""Connecting nodes: the code of docs/guide/nodes.md (run by tests/test_docs.py)."""

from __future__ import annotations

from typing import Any

import voltricx

# --8<-- [start:configs]
NODES = [
    voltricx.NodeConfig(
        identifier="US",
        uri="http://us.node:2333",
        password="youshallnotpass",
        region="us",
    ),
    voltricx.NodeConfig(
        identifier="EU",
        uri="http://eu.node:2333",
        password="youshallnotpass",
        region="eu",
    ),
    voltricx.NodeConfig(
        identifier="Asia",
        uri="http://asia.node:2333",
        password="youshallnotpass",
        region="asia",
    ),
]
# --8<-- [end:configs]


# --8<-- [start:connect]
async def connect_nodes(
    bot: Any, nodes: list[voltricx.NodeConfig] = NODES
) -> None:
    # `bot`: your discord.py / nextcord / disnake / hikari bot, logged in.
    nodes_by_id = await voltricx.Pool.connect(client=bot, nodes=nodes)
    # The report is printed now.
    # nodes_by_id is {"US": <Node ...>, "EU": ..., "Asia": ...}.
    assert set(nodes_by_id) == {config.identifier for config in nodes}
# --8<-- [end:connect]
