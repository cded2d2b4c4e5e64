"""The documentation site builds cleanly and its code snippets work.

* ``mkdocs build --strict`` must pass with zero warnings (into a temp dir).
* Every Python file in ``docs/snippets/`` is type-checked with pyright
  (basic mode, ``docs/snippets/pyrightconfig.json``).
* Snippets run for real against
  ``FakeLavalink`` + ``FakeVoiceGateway`` (the fake gateway stands in for the bot),
  or ``FakeDiscord`` with the real discord.py; the quickstarts (which need a
  token) are type-checked only.
* Console output quoted on a page (``docs/snippets/*.txt``) must equal what
  the code really prints, after swapping the fakes' addresses for the
  addresses shown in the docs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import voltricx
from voltricx.testing import FakeLavalink
from voltricx.testing.voice import FakeVoiceGateway

from .conftest import FakeFactory

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SNIPPETS = DOCS / "snippets"
BIN = Path(sys.executable).parent

#: Snippets run against the fakes by a test below.
RUN = {
    "connect",
    "nodes",
    "players",
    "filters",
    "failover",
    "node_operations",
    "testing_recipes",
    "testing_discord",
}
#: Snippets that need a Discord library (or a real node): compiled and type-checked only.
TYPECHECK_ONLY = {
    "events",
    "quickstart_discordpy",
    "quickstart_nextcord",
    "quickstart_disnake",
    "quickstart_hikari",
}

FAST = {"retry_base": 0.05, "retry_cap": 0.5, "resume_grace": 0.5, "connect_timeout": 5.0}


def load_snippet(name: str) -> ModuleType:
    """Import ``docs/snippets/<name>.py`` as a fresh module."""
    path = SNIPPETS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"voltricx_docs_snippet_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def on_fakes(configs: list[voltricx.NodeConfig], fakes: list[FakeLavalink]) -> list[voltricx.NodeConfig]:
    """The docs' node configs pointed at the fakes, with fast retry timings."""
    return [dataclasses.replace(c, uri=f.uri, **FAST) for c, f in zip(configs, fakes, strict=True)]


def as_documented(text: str, configs: list[voltricx.NodeConfig], fakes: list[FakeLavalink]) -> str:
    """Swap each fake's address back for the address the docs show."""
    for config, fake in zip(configs, fakes, strict=True):
        text = text.replace(fake.uri, config.uri)
    return text


# -- the site ---------------------------------------------------------------------------


def test_mkdocs_build_strict_has_no_warnings(tmp_path: Path) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output, output
    assert (tmp_path / "site" / "index.html").is_file()


def test_every_snippet_is_run_or_type_checked() -> None:
    found = {path.stem for path in SNIPPETS.glob("*.py")}
    assert found == RUN | TYPECHECK_ONLY, "add new snippets to RUN or TYPECHECK_ONLY"


def test_every_snippet_is_used_by_a_page() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    used = set(re.findall(r'--8<-- "snippets/([\w.]+?)(?::[\w-]+)?"', pages))
    files = {p.name for p in SNIPPETS.iterdir() if p.suffix in (".py", ".txt")}
    assert files - used == set(), "snippet files no page includes"


def test_snippets_pass_pyright() -> None:
    result = subprocess.run(
        [str(BIN / "pyright"), "-p", str(SNIPPETS / "pyrightconfig.json"), "--pythonpath", sys.executable],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- connecting nodes ---------------------------------------------------------------------


async def test_connection_report_on_the_page_is_the_real_output(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    snippet = load_snippet("connect")
    fakes = [await fake_factory() for _ in snippet.NODES]
    await snippet.connect_nodes(gateway, on_fakes(snippet.NODES, fakes))
    printed = as_documented(capsys.readouterr().out, snippet.NODES, fakes)
    assert printed == (SNIPPETS / "connect_report.txt").read_text(encoding="utf-8")
    assert printed.startswith("[Lavalink] Node connection report (3/3 connected)\n")


async def test_failure_report_on_the_page_is_the_real_output(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    snippet = load_snippet("connect")
    us = await fake_factory()
    eu = await fake_factory(password="a-different-password")
    asia = await fake_factory()
    await asia.close()  # nothing listens on its port any more: connection refused
    fakes = [us, eu, asia]
    await snippet.connect_nodes(gateway, on_fakes(snippet.NODES, fakes))
    printed = as_documented(capsys.readouterr().out, snippet.NODES, fakes)
    assert printed == (SNIPPETS / "connect_failed_report.txt").read_text(encoding="utf-8")


async def test_nodes_snippets_run(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    connect = load_snippet("connect")
    nodes = load_snippet("nodes")
    fakes = [await fake_factory(route_planner=True), await fake_factory(), await fake_factory()]
    fakes[0].set_stats(system_load=0.05)
    fakes[1].set_stats(system_load=0.50)
    fakes[2].set_stats(system_load=0.90)
    await connect.connect_nodes(gateway, on_fakes(connect.NODES, fakes))
    capsys.readouterr()

    nodes.choose_nodes()
    await nodes.check_status()
    await nodes.show_node_info()
    await nodes.manage_route_planner()
    nodes.list_nodes()
    out = capsys.readouterr().out
    assert "US EU EU" in out
    assert "US is healthy" in out
    assert "4.2.2" in out
    assert "RotatingIpRoutePlanner" in out
    assert "US: connected region=us players=0" in out
    status = await voltricx.Pool.get_node("US").fetch_routeplanner_status()
    assert status is not None and status.details.failing_addresses == []

    await nodes.shut_down()
    assert voltricx.Pool.nodes() == {}
    await nodes.shut_down()  # idempotent


# -- players, filters, failover, testing recipes -------------------------------------------


async def _one_node(fake_factory: FakeFactory, gateway: FakeVoiceGateway, **fake_options: Any) -> FakeLavalink:
    fake = await fake_factory(**fake_options)
    config = voltricx.NodeConfig(identifier="EU", uri=fake.uri, password=fake_password(), region="eu", **FAST)
    await voltricx.Pool.connect(client=gateway, nodes=[config], report=False)
    return fake


def fake_password() -> str:
    from .conftest import PASSWORD

    return PASSWORD


async def test_players_snippets_run(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    snippet = load_snippet("players")
    fake = await _one_node(fake_factory, gateway)
    player = await snippet.join(4242, 99)
    assert gateway.joins == [(4242, 99)]
    assert await snippet.play_query(player, "first song") == "Queued " + player.current.title + " by " + player.current.author
    message = await snippet.play_query(player, "second song")
    assert message.startswith("Queued ") and len(player.queue) == 1
    assert await snippet.play_query(player, "nomatch") == "Nothing found for 'nomatch'."
    await fake.wait_for(lambda f: (p := f.player(4242)) is not None and p.track is not None)
    await snippet.controls(player)
    assert player.volume == 80
    snippet.manage_queue(player)
    await snippet.leave(player)
    assert voltricx.Pool.get_player(4242) is None
    assert "skipped <Track" in capsys.readouterr().out


async def test_filters_snippets_run(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    snippet = load_snippet("filters")
    fake = await _one_node(fake_factory, gateway)
    player = voltricx.Player(4243)
    await player.connect(98)
    await snippet.make_it_nightcore(player)
    fake_player = fake.player(4243)
    assert fake_player is not None
    assert fake_player.filters.timescale is not None
    await snippet.presets(player)
    snippet.bad_value()
    await snippet.tweak_current(player)
    out = capsys.readouterr().out
    assert "timescale" in out and "speed" in out


async def test_failover_snippet_runs(capsys: pytest.CaptureFixture[str]) -> None:
    snippet = load_snippet("failover")
    await snippet.watch_a_failover()
    out = capsys.readouterr().out
    assert "US -> EU: 1 player(s) moved" in out
    assert "True 70" in out


async def test_node_operations_snippets_run(capsys: pytest.CaptureFixture[str]) -> None:
    import voltricx.regions

    snippet = load_snippet("node_operations")
    await snippet.upgrade_a_node()
    assert "US-2 {} {1234: 1}" in capsys.readouterr().out
    await snippet.remove_and_move()
    out = capsys.readouterr().out
    assert "OLD -> NEW switch" in out and "['NEW'] NEW" in out
    saved = dict(voltricx.regions.VOICE_REGIONS)
    try:
        snippet.name_your_regions()
    finally:
        voltricx.regions.VOICE_REGIONS.clear()
        voltricx.regions.VOICE_REGIONS.update(saved)
    assert capsys.readouterr().out.strip() == "eu-central"


async def test_testing_recipes_run() -> None:
    snippet = load_snippet("testing_recipes")
    for test in (snippet.test_a_track_plays_to_the_end, snippet.test_voice_changes_reach_the_node):
        async with FakeLavalink("test", speed=50) as fake:
            gateway = FakeVoiceGateway()
            await voltricx.Pool.connect(
                client=gateway,
                report=False,
                nodes=[voltricx.NodeConfig(identifier="test", uri=fake.uri, password="test")],
            )
            try:
                await test(fake, gateway)
            finally:
                await voltricx.Pool.close()


async def test_fake_discord_recipe_runs_with_real_discordpy() -> None:
    snippet = load_snippet("testing_discord")
    async with asyncio.timeout(30):
        await snippet.test_bot_joins_and_plays()
