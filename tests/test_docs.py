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
import html as htmllib
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
    "several_bots",
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


@dataclasses.dataclass(frozen=True)
class Build:
    site: Path
    output: str
    returncode: int


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """One strict build of the site for every test that looks at it."""
    site = tmp_path_factory.mktemp("docs") / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return Build(site, result.stdout + result.stderr, result.returncode)


def test_mkdocs_build_strict_has_no_warnings(build: Build) -> None:
    assert build.returncode == 0, build.output
    assert "WARNING" not in build.output, build.output
    assert (build.site / "index.html").is_file()


#: What a Sphinx role looks like once Markdown has rendered it (the
#: backticks became <code>): ``:class:`` followed by the target.
RAW_ROLE = re.compile(
    r":(?:py:)?(?:class|meth|attr|func|data|mod|exc|obj|const|ref|doc):"
    r"|:(?:param|raises?|returns?|rtype|type)\b[^:\n]*:"  # reST field lists
    r"|={4,}[ \t]+={4,}"  # the border of a reST simple table
)


def page_text(html: str) -> str:
    """The prose of a built page: its article without code, tags or entities."""
    match = re.search(r"<article[^>]*>(.*)</article>", html, re.S)
    body = match.group(1) if match else html
    body = re.sub(r"<(pre|code|script|style)\b.*?</\1>", " ", body, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", body))


def raw_markup(text: str) -> list[str]:
    """Raw Sphinx roles, stray ``::`` and unresolved snippet markers in ``text``."""
    found = [m.group(0) for m in RAW_ROLE.finditer(text)]
    found += [text[max(0, m.start() - 30) : m.end()].strip() for m in re.finditer("::", text)]
    if "--8<--" in text:
        found.append("--8<--")
    return found


def test_raw_markup_detector_catches_roles_and_stray_colons() -> None:
    html = (
        "<article><p>Returns a :class:<code>Player</code>; see below::</p>"
        "<p>:param size: most entries kept</p>"
        "<p>=====  =====</p>"
        "<pre><code>x = {'a': 1}  # :meth: in code is fine ::1</code></pre></article>"
    )
    found = raw_markup(page_text(html))
    assert found[:3] == [":class:", ":param size:", "=====  ====="]
    assert len(found) == 4 and found[3].endswith("below::")
    assert raw_markup(page_text("<article><p>[Player][voltricx.Player] is fine</p></article>")) == []


def test_rendered_pages_have_no_raw_roles_or_stray_colons(build: Build) -> None:
    assert build.returncode == 0, build.output
    problems = {}
    for page in sorted(build.site.rglob("*.html")):
        found = raw_markup(page_text(page.read_text(encoding="utf-8")))
        if found:
            problems[str(page.relative_to(build.site))] = found[:5]
    assert problems == {}, "use [Name][voltricx.Name] cross-references and fenced code blocks"


def test_site_publishes_diagrams_and_no_snippet_sources(build: Build) -> None:
    assert build.returncode == 0, build.output
    for name in ("architecture", "node-states", "failover-timeline", "voice-flow", "benchmarks"):
        svg = (build.site / "img" / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    states = (build.site / "img" / "node-states.svg").read_text(encoding="utf-8")
    for status in voltricx.NodeStatus:
        assert f">{status.value}<" in states
    assert not (build.site / "snippets").exists()
    assert list(build.site.rglob("pyrightconfig.json")) == []


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


async def test_check_output_on_the_page_is_the_real_output() -> None:
    """docs/lavalink.md and the home page quote ``python -m voltricx check``."""
    documented = (SNIPPETS / "check_output.txt").read_text(encoding="utf-8")
    plugins = [(name, version) for name, version in
               re.findall(r"([\w-]+-plugin) ([\d.]+)", documented)]
    assert [name for name, _ in plugins] == [
        "youtube-plugin", "lavasrc-plugin", "lavasearch-plugin", "sponsorblock-plugin"]
    async with FakeLavalink("youshallnotpass", plugins=plugins) as fake:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "voltricx", "check", fake.uri,
            "--password", "youshallnotpass", "--query", "ytsearch:lofi beats", "--no-colour",
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        async with asyncio.timeout(60):
            out, _ = await proc.communicate()
    assert proc.returncode == 0

    def same_shape(text: str) -> str:
        text = re.sub(r"\(\d+ ms\)", "(N ms)", text)
        return re.sub(r"session \w+ ", "session ID ", text)

    printed = out.decode().replace(fake.uri.removeprefix("http://"), "127.0.0.1:2333")
    assert same_shape(printed.rstrip("\n")) == same_shape(documented.rstrip("\n"))


async def test_one_node_report_on_the_quickstarts_is_the_real_output(
    fake_factory: FakeFactory, gateway: FakeVoiceGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = await fake_factory()
    config = voltricx.NodeConfig(identifier="main", uri="http://localhost:2333", password=fake_password())
    await voltricx.Pool.connect(client=gateway, nodes=on_fakes([config], [fake]))
    printed = as_documented(capsys.readouterr().out, [config], [fake])
    assert printed == (SNIPPETS / "quickstart_report.txt").read_text(encoding="utf-8")


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
    assert "skipped First Song" in capsys.readouterr().out


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
