"""``python -m voltricx demo``: the real report, players, a node killed and the failover shown."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from voltricx.cli import main

ANSI = re.compile(r"\033\[")


class TerminalBuffer(io.StringIO):
    """A StringIO that says it is a terminal (to see the colour and in-place refresh)."""

    def isatty(self) -> bool:
        return True


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("NO_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "voltricx", "demo", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env=env,
    )


def test_fast_demo_shows_report_players_and_failover() -> None:
    done = run_module("--fast")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    lines = out.splitlines()
    assert "[Lavalink] Node connection report (3/3 connected)" in lines
    for identifier, region in (("US", "us"), ("EU", "eu"), ("Asia", "asia")):
        assert any(
            re.fullmatch(rf"\[CONNECTED\] {identifier} http://127\.0\.0\.1:\d+ region={region}", line)
            for line in lines
        ), identifier
    # Six players, each in the region of a node: 1002 and 1005 are the EU ones.
    created = dict(re.findall(r"guild (\d+) region=\w+\s+-> node (\w+)", out))
    assert created == {
        "1001": "US", "1002": "EU", "1003": "Asia", "1004": "US", "1005": "EU", "1006": "Asia", "1007": "EU"
    }
    failover = out[out.index("Failover from EU") :]
    moved = dict(re.findall(r"guild (\d+)\s+EU → (US|Asia)\s+at \d+:\d\d", failover))
    assert set(moved) == {"1002", "1005"}
    assert "2 of 2 player(s) moved" in failover
    assert "EU reconnected" in out
    assert "no background task left" in out
    assert not ANSI.search(out), "no colour without a terminal"
    assert done.stderr == ""


def test_no_kill_runs_without_failover() -> None:
    out = io.StringIO()
    code = main(["demo", "--no-kill", "--nodes", "2", "--players", "3", "--duration", "0.5"], stdout=out)
    text = out.getvalue()
    assert code == 0, text
    assert "[Lavalink] Node connection report (2/2 connected)" in text
    assert "guild 1003 region=us" in text
    assert "Killing" not in text and "Failover" not in text
    assert re.search(r"US\s+connected\s+players\s+2", text)
    assert "no background task left" in text


def test_single_node_skips_the_kill_and_colours_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = TerminalBuffer()
    code = main(["demo", "--nodes", "1", "--players", "1", "--duration", "0.3"], stdout=out)
    text = out.getvalue()
    assert code == 0, text
    assert "failover needs at least two nodes" in text
    assert "\033[32m[CONNECTED]\033[0m US" in text  # the pool's own report, coloured on a terminal
    assert "\033[2K" in text  # status lines are redrawn in place


def test_no_colour_flag_wins_over_a_terminal() -> None:
    out = TerminalBuffer()
    code = main(["demo", "--nodes", "1", "--players", "0", "--duration", "0.2", "--no-colour"], stdout=out)
    text = out.getvalue()
    assert code == 0, text
    assert "\033[" not in text.replace("\033[32m[CONNECTED]\033[0m", "")
