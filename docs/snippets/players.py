"""Players and the queue: the code of docs/guide/players.md (run by tests/test_docs.py)."""

from __future__ import annotations

import voltricx
from voltricx import AutoPlayMode, QueueMode
from voltricx.playlist import Playlist


# --8<-- [start:join]
async def join(guild_id: int, channel_id: int) -> voltricx.Player:
    # Framework-neutral; in a bot, your library's adapter does this for you.
    player = voltricx.Player(guild_id, region="eu")   # best node in "eu" (or anywhere)
    await player.connect(channel_id, self_deaf=True)  # returns once the node has the voice credentials
    return player
# --8<-- [end:join]


# --8<-- [start:play]
async def play_query(player: voltricx.Player, query: str) -> str:
    result = await voltricx.Pool.fetch_tracks(query)      # plain text -> "ytsearch:<query>"
    if isinstance(result, Playlist):
        player.queue.put(result)                          # every track of the playlist
        first = player.queue.get()
    elif result:
        first = result[0]                                 # a search: take the best match
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
    await player.pause()              # or player.pause(False) / player.resume()
    await player.resume()
    await player.seek(30_000)         # milliseconds
    await player.set_volume(80)       # 0-1000, 100 is unchanged
    print(player.current, player.position, player.paused, player.volume, player.ping)
    previous = await player.skip()    # stop; with autoplay on: the next queued track
    print(f"skipped {previous}")
# --8<-- [end:controls]


# --8<-- [start:queue]
def manage_queue(player: voltricx.Player) -> None:
    queue = player.queue
    print(len(queue), queue.count, queue.is_empty)    # upcoming tracks only
    if queue:
        upcoming = queue.peek()                        # next track, not removed
        queue.put_at(0, upcoming)                      # insert at a position (0 plays next)
        queue.delete(0)                                # remove by position
    queue.shuffle()
    queue.mode = QueueMode.LOOP_ALL                    # normal, loop (one track), loop_all
    print(list(queue.history))                         # played tracks, oldest first
    queue.mode = QueueMode.NORMAL
    player.autoplay = AutoPlayMode.PARTIAL             # play queued tracks when one ends
# --8<-- [end:queue]


# --8<-- [start:leave]
async def leave(player: voltricx.Player) -> None:
    await player.disconnect()   # leaves voice, destroys the player on its node
# --8<-- [end:leave]
