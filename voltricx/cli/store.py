"""``python -m voltricx store inspect REDIS_URL``: who owns which shard, and how many players each has.

What an operator looks at when a deploy misbehaves: for every shard under
the prefix, the live owner (and how long its lease still runs), the fencing
token, the last owner, and the number of saved players; then the saved node
sessions of each owner. Nothing is written.
"""

from __future__ import annotations

import importlib
from typing import Any

from voltricx.cli._console import Console
from voltricx.errors import MissingExtraError
from voltricx.redis_store import shard_of
from voltricx.store import decode_rows

__all__ = ["inspect_store"]


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


async def inspect_store(url: str, prefix: str, shard_count: int | None, console: Console) -> int:
    """Print owners, leases, tokens and player counts per shard; return the exit code."""
    try:
        redis: Any = importlib.import_module("redis.asyncio")
        errors: Any = importlib.import_module("redis.exceptions")
    except ModuleNotFoundError as exc:
        raise MissingExtraError("redis", "redis") from exc
    client = redis.Redis.from_url(url)
    try:
        tokens: dict[int, int] = {}
        async for key in client.scan_iter(match=f"{prefix}:token:*"):
            shard = _text(key).rsplit(":", 1)[1]
            if shard.isdigit():
                tokens[int(shard)] = int(await client.get(key) or 0)
        players = decode_rows((await client.hgetall(f"{prefix}:players")).items())
        sessions = [_text(k) async for k in client.scan_iter(match=f"{prefix}:sessions:*")]
        count = shard_count or (max(tokens) + 1 if tokens else 1)
        console.line(f"prefix {prefix!r}: {len(players)} saved players, {count} shards")
        console.line(f"{'shard':>5}  {'token':>5}  {'players':>7}  {'lease':>7}  owner (last owner)")
        for shard in range(count):
            lease = await client.get(f"{prefix}:lease:{shard}")
            left = await client.pttl(f"{prefix}:lease:{shard}") if lease is not None else -2
            last = await client.get(f"{prefix}:owner:{shard}")
            held = sum(1 for g in players if shard_of(g, count) == shard)
            owner = _text(lease) if lease is not None else "-"
            ttl = f"{left / 1000:.1f}s" if left >= 0 else "free"
            console.line(
                f"{shard:>5}  {tokens.get(shard, 0):>5}  {held:>7}  {ttl:>7}  {owner} "
                f"({_text(last) if last is not None else '-'})"
            )
        for key in sorted(sessions):
            saved = {_text(k): _text(v) for k, v in (await client.hgetall(key)).items()}
            console.line(f"sessions of {key.split(':sessions:', 1)[1]}: {saved}")
        return 0
    except errors.RedisError as exc:
        console.line(f"cannot read Redis: {exc}")
        return 1
    finally:
        await client.aclose()
