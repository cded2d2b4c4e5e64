"""Saving players to a [`PlayerStore`][voltricx.PlayerStore] and bringing them back: the pool's entry points.

``Pool.connect(store=...)`` reads the store first
([`load_or_none()`][voltricx._restore.load_or_none]: a store that cannot be
read now never stops the pool), brings the saved players back with a
[`Restorer`][voltricx._restore_connect.Restorer] and then starts a
[`Persister`][voltricx._restore_persister.Persister], which saves them while
the pool runs; ``Pool.close()`` calls [`shutdown()`][voltricx._restore.shutdown].
The work itself lives in four rooms:

| Module | One idea |
|---|---|
| ``_restore_records.py`` | a player as a saved record, and a record put back into a fresh player |
| ``_restore_persister.py`` | the persister: save what changed, in batches, with backoff |
| ``_restore_connect.py`` | the restore at connect: sessions, players rebuilt, re-synced or re-created, voice re-joined |
| ``_restore_handoff.py`` | handing players over between two processes of one bot (fencing) |

All of them reach a [`Player`][voltricx.Player] through its public methods only.
"""

from __future__ import annotations

import asyncio
import logging

from voltricx._restore_connect import REJOIN_TIMEOUT, Restorer
from voltricx._restore_persister import DRIFT_MS, RETRY_FIRST, RETRY_MAX, SAVE_INTERVAL, Persister
from voltricx._restore_records import home_id, take_snapshot
from voltricx._state import Runtime, runtime
from voltricx.errors import VoltricxError
from voltricx.store import PlayerStore, StoredState, StoreError

__all__ = [
    "DRIFT_MS",
    "LOAD_TIMEOUT",
    "REJOIN_TIMEOUT",
    "RETRY_FIRST",
    "RETRY_MAX",
    "SAVE_INTERVAL",
    "Persister",
    "Restorer",
    "active_persister",
    "home_id",
    "load_or_none",
    "shutdown",
    "take_snapshot",
]

_log = logging.getLogger("voltricx.store")

LOAD_TIMEOUT = 5.0
"""Seconds ``Pool.connect`` waits for the store's first read before going on without it."""


def active_persister(owner: Runtime | None = None) -> Persister | None:
    """The persister of the pool whose runtime is ``owner`` (default: the default pool), if it has a store."""
    return (owner or runtime).persister


async def shutdown(owner: Runtime | None = None) -> None:
    """Write a last batch (playback stopped now), stop saving and close the store of ``owner``'s pool."""
    rt = owner or runtime
    persister, rt.persister = rt.persister, None
    if persister is not None:
        await persister.close()


async def load_or_none(store: PlayerStore) -> StoredState | None:
    """The store's saved state, or ``None`` (logged) when the store cannot be read now.

    A store that is down (Redis not started yet, a network cut) never stops
    the pool from connecting: the caller goes on without the saved players
    and the [`Persister`][voltricx._restore_persister.Persister] reads them later.
    """
    limit = max(LOAD_TIMEOUT, float(getattr(store, "load_timeout", LOAD_TIMEOUT)))
    try:
        async with asyncio.timeout(limit):
            return await store.load()
    except TimeoutError:
        problem = f"no answer within {limit:g}s"
    except StoreError as exc:
        problem = str(exc)
    except VoltricxError:
        raise  # a setup error (a missing extra, a closed store): the caller must fix it
    except Exception as exc:
        problem = f"the store raised {type(exc).__name__}: {exc}"
    _log.warning(
        "store: cannot read the saved players (%s); the pool connects without them and "
        "tries the store again in the background",
        problem,
    )
    return None
