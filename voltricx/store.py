"""Player persistence: the [`PlayerStore`][voltricx.PlayerStore] Protocol, saved-state Structs and [`SQLiteStore`][voltricx.SQLiteStore].

Pass a store to [`voltricx.Pool.connect()`][voltricx.pool.Pool.connect] (``store=voltricx.SQLiteStore("players.db")``)
and voltricx keeps, per guild, everything needed to bring a player back
after the bot restarts ([`PlayerSnapshot`][voltricx.PlayerSnapshot]), plus each node's
session id so the restarted bot can resume its Lavalink sessions.

Writing is batched: a background pass collects every player whose state
changed (and players whose position no longer follows the saved one,
after a seek or a pause) and hands them to [`PlayerStore.save()`][voltricx.store.PlayerStore.save] in one
call. A ``playerUpdate`` frame never causes a write by itself.

Implement [`PlayerStore`][voltricx.PlayerStore] to keep players elsewhere; the encoded
form of a snapshot ([`encode_snapshot()`][voltricx.store.encode_snapshot] / [`decode_snapshot()`][voltricx.store.decode_snapshot]) is
a compact msgpack blob that any key-value store can hold.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

import msgspec

from voltricx._ids import snowflake, valid_session_id
from voltricx.enums import AutoPlayMode, QueueMode
from voltricx.errors import StoreDataLost, StoreError, VoltricxError
from voltricx.models.filters import FiltersPayload
from voltricx.models.track import Track

if TYPE_CHECKING:
    # Imported where a SQLiteStore first needs it: most bots never open one.
    import sqlite3

__all__ = [
    "SNAPSHOT_VERSION",
    "PlayerSnapshot",
    "PlayerStore",
    "SQLiteStore",
    "ShardedStore",
    "StoreDataLost",
    "StoreError",
    "StoredState",
    "decode_snapshot",
    "encode_snapshot",
]

_log = logging.getLogger("voltricx.store")

T = TypeVar("T")

SNAPSHOT_VERSION = 1
"""Format version written into every [`PlayerSnapshot`][voltricx.PlayerSnapshot]."""


class PlayerSnapshot(msgspec.Struct, kw_only=True):
    """Everything voltricx saves about one guild's player.

    Attributes:
        guild_id: The guild.
        node: Identifier of the node the player was on.
        session_id: That node's session id when the snapshot was taken (``None`` if unknown).
        channel_id: The voice channel the bot was in.
        track: The track playing (or paused), with its ``encoded`` blob and ``user_data``.
        position: Playback position in ms when it was read.
        read_at: Wall-clock time (``time.time()``) of that reading.
        frozen: True when playback was not advancing at ``read_at`` (node lost, or the
            pool closed and destroyed the player); the position is then not extrapolated.
        paused: Whether the player was paused.
        volume: Player volume (0-1000).
        filters: The filter set in wire form.
        queue: Upcoming tracks, next first.
        history: Played tracks, oldest first (``history[-1]`` is the queue's current track).
        history_limit: The queue's history cap (``None``: unlimited).
        queue_mode: The queue's loop mode.
        autoplay: The player's autoplay mode.
        home: ``Player.home`` as an int id: its ``.id`` when it has one, itself when it is
            an int, else ``None``. It is given back as an int.
        requester_ids: ``track.requester`` of the track, the queue and the history (in
            that order) as int ids (``.id``, or the int itself; ``None`` otherwise). The
            adapter turns them back into members or users on restore.
        version: Format version ([`SNAPSHOT_VERSION`][voltricx.store.SNAPSHOT_VERSION]).
    """

    guild_id: int
    node: str
    session_id: str | None = None
    channel_id: int | None = None
    track: Track | None = None
    position: int = 0
    read_at: float = 0.0
    frozen: bool = False
    paused: bool = False
    volume: int = 100
    filters: FiltersPayload = msgspec.field(default_factory=FiltersPayload)
    queue: list[Track] = msgspec.field(default_factory=list[Track])
    history: list[Track] = msgspec.field(default_factory=list[Track])
    history_limit: int | None = 100
    queue_mode: QueueMode = QueueMode.NORMAL
    autoplay: AutoPlayMode = AutoPlayMode.PARTIAL
    home: int | None = None
    requester_ids: list[int | None] = msgspec.field(default_factory=list[int | None])
    version: int = SNAPSHOT_VERSION

    def position_at(self, when: float) -> int:
        """The position (ms) at wall-clock ``when``, as if playback had gone on since ``read_at``.

        Paused, frozen and track-less snapshots do not advance. The result
        may pass the end of the track; compare it with ``track.length``.
        """
        if self.track is None:
            return 0
        if self.paused or self.frozen or when <= self.read_at:
            return self.position
        return self.position + int((when - self.read_at) * 1000)


class StoredState(msgspec.Struct, kw_only=True):
    """What [`PlayerStore.load()`][voltricx.store.PlayerStore.load] returns: saved players and node session ids."""

    players: dict[int, PlayerSnapshot] = msgspec.field(default_factory=dict[int, PlayerSnapshot])
    sessions: dict[str, str] = msgspec.field(default_factory=dict[str, str])


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(PlayerSnapshot)


def encode_snapshot(snapshot: PlayerSnapshot) -> bytes:
    """The compact (msgpack) form of ``snapshot`` that stores keep.

    Raises [StoreError][voltricx.StoreError] when a value cannot be encoded.
    """
    try:
        return _encoder.encode(snapshot)
    except (TypeError, ValueError, OverflowError) as exc:
        raise StoreError(
            f"the player of guild {snapshot.guild_id} could not be saved: {exc}"
        ) from None


def decode_snapshot(data: bytes) -> PlayerSnapshot:
    """Read a blob written by [`encode_snapshot()`][voltricx.store.encode_snapshot]; raises [`StoreError`][voltricx.StoreError] when it is not one."""
    try:
        return _decoder.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, TypeError, ValueError) as exc:
        raise StoreError(f"a saved player could not be read: {exc}") from exc


@runtime_checkable
class PlayerStore(Protocol):
    """Where voltricx keeps players between runs of the bot.

    Each call is a batch; voltricx never calls a store concurrently with
    itself, and never once per ``playerUpdate``.
    """

    async def save(self, players: Sequence[PlayerSnapshot], sessions: Mapping[str, str]) -> None:
        """Insert or replace ``players`` (by guild) and the node session ids in ``sessions``.

        Called once per save pass, with an empty batch when nothing changed, so
        a store that can tell it lost its data (a restarted Redis) raises
        [`StoreDataLost`][voltricx.StoreDataLost]; voltricx then saves everything again.
        """
        ...

    async def load(self) -> StoredState:
        """Every saved player and node session id (an empty state when there is none)."""
        ...

    async def delete(self, guild_ids: Iterable[int]) -> None:
        """Forget the players of ``guild_ids`` (unknown ids are ignored)."""
        ...

    async def close(self) -> None:
        """Release connections and files. Safe to call more than once."""
        ...


@runtime_checkable
class ShardedStore(Protocol):
    """A store that owns shards with fencing ([`RedisStore`][voltricx.RedisStore]).

    The pool tells it which shards this process runs (from the adapter)
    and asks it before every request for a guild.
    """

    def use_shards(self, shard_ids: Iterable[int], shard_count: int) -> None:
        """The shards this process runs (ignored when the store was given its own)."""
        ...

    def owns(self, guild_id: int) -> bool:
        """False once another process owns the guild's shard."""
        ...

    async def check(self, guild_id: int) -> None:
        """Raise [`OwnershipLostError`][voltricx.OwnershipLostError] when another process owns the guild."""
        ...


def decode_rows(rows: Iterable[tuple[object, object]]) -> dict[int, PlayerSnapshot]:
    """Decode ``(guild_id, blob)`` rows, skipping (and logging, with the row's key) unreadable ones."""
    players: dict[int, PlayerSnapshot] = {}
    for key, blob in rows:
        if not isinstance(blob, bytes | bytearray):
            _log.warning(
                "skipping saved player %r: its data is a %s, not the bytes voltricx wrote",
                key,
                type(blob).__name__,
            )
            continue
        try:
            snapshot = decode_snapshot(bytes(blob))
            snowflake(snapshot.guild_id, "saved guild id")
        except VoltricxError as exc:
            _log.warning("skipping saved player %r: %s", key, exc)
            continue
        players[snapshot.guild_id] = snapshot
    return players


def decode_sessions(rows: Iterable[tuple[object, object]]) -> dict[str, str]:
    """Decode ``(node, session id)`` rows, skipping (and logging) any that could never be used.

    A session id is sent back to the node as an HTTP header, so only
    printable ASCII passes; bytes must be UTF-8.
    """
    sessions: dict[str, str] = {}
    for key, value in rows:
        node, session = _text(key), _text(value)
        if node is None or session is None:
            _log.warning("skipping saved session of node %r: it is not UTF-8 text", _shown(key))
            continue
        if not valid_session_id(session):
            _log.warning(
                "skipping saved session of node %r: %r is not a valid session id",
                node,
                session[:40],
            )
            continue
        sessions[node] = session
    return sessions


def _text(value: object) -> str | None:
    """``value`` as text (bytes must be UTF-8), or ``None`` when it is not text at all."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode()
        except UnicodeDecodeError:
            return None
    return None


def _shown(value: object) -> object:
    """A row key for a log line: bytes that are UTF-8 shown as text, anything else as it is."""
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            return value
    return value


def sql_guild_id(guild_id: int) -> int:
    """``guild_id`` as SQLite's signed 64-bit INTEGER holds it (ids from 2**63 wrap to negative)."""
    return guild_id - 2**64 if guild_id >= 2**63 else guild_id


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS voltricx_players (guild_id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS voltricx_sessions (node TEXT PRIMARY KEY, session_id TEXT NOT NULL)",
)


class SQLiteStore:
    """A [`PlayerStore`][voltricx.PlayerStore] in one SQLite file (stdlib ``sqlite3``, WAL journal).

    Every database call runs on one worker thread owned by the store, so
    the event loop never waits on disk. Good for a bot in one process;
    bots sharded across processes or machines want [`voltricx.RedisStore`][voltricx.RedisStore]
    (or one file per process).

    Args:
        path: The database file (created with its tables when missing).
    """

    def __init__(self, path: str | Path) -> None:
        self.path: Path = Path(path)
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<SQLiteStore path={str(self.path)!r}>"

    # -- the worker thread ------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None:
            import sqlite3  # lazy: keeps ``import voltricx`` lean

            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None)
            try:
                # Text comes back as bytes: a damaged or foreign row must not fail the whole read.
                conn.text_factory = bytes
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                for statement in _SCHEMA:
                    conn.execute(statement)
            except BaseException:
                # A damaged file fails here; the next call opens it afresh.
                conn.close()
                raise
            self._conn = conn
        return conn

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        import sqlite3  # lazy: keeps ``import voltricx`` lean

        if self._closed:
            raise StoreError(f"{self!r} is closed")
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="voltricx-sqlite"
            )

        def job() -> T:
            return work(self._open())

        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, job)
        except sqlite3.Error as exc:
            raise StoreError(
                f"SQLite store {str(self.path)!r}: {exc}; if the file is damaged, move it away "
                "(voltricx starts a new one) or restore it from a backup"
            ) from exc
        except (OSError, OverflowError) as exc:
            raise StoreError(
                f"SQLite store {str(self.path)!r}: {type(exc).__name__}: {exc}; check that the "
                "path is a file in a writable directory"
            ) from exc

    # -- PlayerStore ----------------------------------------------------------------------

    async def save(self, players: Sequence[PlayerSnapshot], sessions: Mapping[str, str]) -> None:
        """Write ``players`` and ``sessions`` in one transaction."""
        rows = [(sql_guild_id(p.guild_id), encode_snapshot(p)) for p in players]
        session_rows = list(sessions.items())
        if not rows and not session_rows:
            return

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.executemany(
                    "INSERT OR REPLACE INTO voltricx_players (guild_id, data) VALUES (?, ?)", rows
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO voltricx_sessions (node, session_id) VALUES (?, ?)",
                    session_rows,
                )

        await self._run(work)

    async def load(self) -> StoredState:
        """Read every saved player and session id."""

        def work(
            conn: sqlite3.Connection,
        ) -> tuple[list[tuple[object, object]], list[tuple[object, object]]]:
            players = conn.execute("SELECT guild_id, data FROM voltricx_players").fetchall()
            sessions = conn.execute("SELECT node, session_id FROM voltricx_sessions").fetchall()
            return players, sessions

        rows, session_rows = await self._run(work)
        return StoredState(players=decode_rows(rows), sessions=decode_sessions(session_rows))

    async def delete(self, guild_ids: Iterable[int]) -> None:
        """Remove the players of ``guild_ids``."""
        ids = [(sql_guild_id(int(g)),) for g in guild_ids]
        if not ids:
            return

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.executemany("DELETE FROM voltricx_players WHERE guild_id = ?", ids)

        await self._run(work)

    async def close(self) -> None:
        """Close the database and stop the worker thread."""
        if self._closed:
            return
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is None:
            return

        def shut() -> None:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

        try:
            await asyncio.get_running_loop().run_in_executor(executor, shut)
        finally:
            executor.shutdown(wait=False)


class _transaction:
    """``BEGIN`` ... ``COMMIT`` (``ROLLBACK`` on error) for an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._conn.execute("COMMIT" if kind is None else "ROLLBACK")
