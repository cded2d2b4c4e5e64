"""Smoke-run the discord.py, nextcord and disnake example bots so they never rot.

Each example runs in its own process (``tests/adapters/_example_harness.py``)
against FakeDiscord and FakeLavalink: it starts, joins voice, plays one
track, sees it start, shuts down cleanly and exits 0. The three run at once.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("discordpy", "nextcord", "disnake")

pytestmark = pytest.mark.timeout(90)


async def run_example(name: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.adapters._example_harness",
        name,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(75):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"example {name} did not finish within 75 s") from None
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def test_example_files_exist() -> None:
    for name in EXAMPLES:
        assert (ROOT / "examples" / name / "bot.py").is_file()
        assert (ROOT / "examples" / name / "README.md").is_file()


async def test_every_example_joins_plays_and_exits_cleanly() -> None:
    results = await asyncio.gather(*(run_example(name) for name in EXAMPLES))
    failures: list[str] = []
    for name, (code, stdout, stderr) in zip(EXAMPLES, results, strict=True):
        lines = stdout.strip().splitlines()
        summary = json.loads(lines[-1]) if lines else None
        if code != 0 or not summary or not summary["ok"]:
            failures.append(f"{name}: exit {code}, summary {summary}\n{stderr[-3000:]}")
        elif "Traceback" in stderr:
            failures.append(f"{name}: an exception was logged\n{stderr[-3000:]}")
    assert not failures, "\n\n".join(failures)
