"""Players and the queue: the code of docs/guide/players.md (run by tests/test_docs.py)."""

from __future__ import annotations

import voltricx
from voltricx import AutoPlayMode, QueueMode
from voltricx.playlist import Playlist


# --8<-- [start:join]
async def join(guild_id: int, channel_id: int) -> voltricx.Player:
    # Framework-neutral; in a bot, your library's adapter does this for you.
    # best node in "eu" (or anywhere)
    player = voltricx.Player(guild_id, region="eu")
    # returns once the node has the voice credentials
    await player.connect(channel_id, self_deaf=True)
    return player
# --8<-- [end:join]


# --8<-- [start:play]
async def play_query(player: voltricx.Player, query: str) -> str:
    # plain text -> "ytsearch:<query>"
    result = await voltricx.Pool.fetch_tracks(query)
    if isinstance(result, Playlist):
        # every track of the playlist
        player.queue.put(result)
        first = player.queue.get()
    elif result:
        # a search: take the best match
        first = result[0]
    else:
        return f"Nothing found for {query!r}."
    if player.current is None:
        await player.play(first)
    else:
        player.queue.put(first)
    return f"Queued {first.title} by {first.author}"
# --8<-- [end:play]


# --8<-- [start:controls]
async def controls(player: voltricx.Player) -> None:
    # or player.pause(False) / player.resume()
    await player.pause()
    await player.resume()
    await player.seek(30_000)         # milliseconds
    await player.set_volume(80)       # 0-1000, 100 is unchanged
    print(player.current, player.position, player.paused)
    print(player.volume, player.ping)
    # stop; with autoplay on: the next queued track
    previous = await player.skip()
    print(f"skipped {previous}")
# --8<-- [end:controls]


# --8<-- [start:queue]
def manage_queue(player: voltricx.Player) -> None:
    queue = player.queue
    print(len(queue), queue.count, queue.is_empty)    # upcoming tracks only
    if queue:
        # next track, not removed
        upcoming = queue.peek()
        # insert at a position (0 plays next)
        queue.put_at(0, upcoming)
        queue.delete(0)                                # remove by position
    queue.shuffle()
    # normal, loop (one track), loop_all
    queue.mode = QueueMode.LOOP_ALL
    # played tracks, oldest first
    print(list(queue.history))
    queue.mode = QueueMode.NORMAL
    # play queued tracks when one ends
    player.autoplay = AutoPlayMode.PARTIAL
# --8<-- [end:queue]


# --8<-- [start:leave]
async def leave(player: voltricx.Player) -> None:
    await player.disconnect()   # leaves voice, destroys the player on its node
# --8<-- [end:leave]
