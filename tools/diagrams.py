"""The documentation's pictures, drawn from the code they describe.

``make docs`` (through ``tools/mkdocs_hooks.py``) calls [render_all][] and
publishes the SVGs under ``img/``. Names and numbers come from voltricx
itself where the code has them: the node states are the members of
``voltricx.NodeStatus``, the failover timeline uses ``NodeConfig``'s
defaults and the pool's wait for a healthy node, and the benchmark chart
reads ``bench/results.json`` as ``make bench`` writes it.

Run ``python tools/diagrams.py OUTDIR`` to write the files somewhere to
look at them.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from svg import ACCENT, INK, MUTED, Drawing

import voltricx
from voltricx import _state

ROOT = Path(__file__).resolve().parent.parent
#: Fresh figures from ``make bench``; the published copy is used when there are none.
BENCH_RESULTS = ROOT / "bench" / "results.json"
BENCH_PUBLISHED = ROOT / "bench" / "published-results.json"


def architecture() -> str:
    d = Drawing(760, 330, "How a voltricx bot is wired: bot, adapter, core, Lavalink, Discord")
    y, h = 120, 78
    d.box(20, y, 140, h, ["Your bot", "discord.py, nextcord,", "disnake or hikari"], fill="bot")
    d.box(220, y, 140, h, ["Adapter", "voltricx.adapters"], fill="bot")
    d.box(420, y, 140, h, ["voltricx core", "Pool, Node, Player"], fill="core")
    d.box(620, y, 125, h, ["Lavalink", "Java audio server"], fill="server")
    d.arrow(160, y + 39, 220, y + 39, both=True)
    d.arrow(360, y + 39, 420, y + 39, both=True)
    d.text(390, y + h + 16, "VoiceGateway,", size=11, colour=MUTED)
    d.text(390, y + h + 30, "EventSink", size=11, colour=MUTED)
    d.arrow(560, y + 39, 620, y + 39, both=True)
    d.text(590, y + h + 16, "REST +", size=11, colour=MUTED)
    d.text(590, y + h + 30, "websocket", size=11, colour=MUTED)
    # Sources above Lavalink.
    d.box(560, 18, 185, 56, ["Audio sources", "YouTube, SoundCloud, HTTP"],
          fill="plain", size=13)
    d.arrow(682, 74, 682, y, "", colour=MUTED)
    d.text(674, 97, "fetch", size=11, colour=MUTED, anchor="end")
    # Discord below.
    d.box(20, 262, 345, 52, ["Discord gateway", "commands, voice state and voice server events"],
          fill="discord", size=13)
    d.box(485, 262, 260, 52, ["Discord voice server", "audio for the voice channel"],
          fill="discord", size=13)
    d.arrow(95, y + h, 95, 262, both=True)
    d.text(103, 240, "login, messages, voice joins", size=11, colour=MUTED, anchor="start")
    d.arrow(682, y + h, 682, 262, "")
    d.text(674, 250, "Opus audio (DAVE)", size=11, colour=MUTED, anchor="end")
    d.text(20, 30, "The bot never touches audio.", size=13, anchor="start", weight="600")
    d.text(20, 52, "It tells Lavalink what to play; Lavalink", size=12, anchor="start",
           colour=MUTED)
    d.text(20, 70, "streams it to Discord's voice server.", size=12, anchor="start",
           colour=MUTED)
    return d.render()


#: How a node moves between the states of ``voltricx.NodeStatus``.
TRANSITIONS: list[tuple[str, str, str]] = [
    ("connecting", "connected", "ready op|session id"),
    ("connected", "disconnected", "closed, no pong|or stalled"),
    ("connecting", "disconnected", "refused, 401, timeout"),
    ("disconnected", "connecting", "retry with backoff"),
]


def node_states() -> str:
    states = [s.value for s in voltricx.NodeStatus]
    known = [s for s in ("connecting", "connected", "disconnected") if s in states]
    others = [s for s in states if s not in known]
    d = Drawing(760, 300 + 70 * math.ceil(len(others) / 4), "Node status machine")
    pos = {"connecting": (130.0, 110.0), "connected": (390.0, 110.0), "disconnected": (650.0, 110.0)}
    w, h = 130, 50
    for state in known:
        x, y = pos[state]
        d.box(x - w / 2, y - h / 2, w, h, [state], fill="core" if state == "connected" else "plain")
    d.text(20, 24, "voltricx.NodeStatus", size=13, anchor="start", weight="600")
    d.parts.append(f'<circle cx="30" cy="110" r="7" fill="{INK}"/>')
    d.arrow(37, 110, 130 - w / 2, 110, "")
    d.text(22, 140, "Pool.connect", size=11, anchor="start", colour=MUTED)
    for src, dst, label in TRANSITIONS:
        if src not in pos or dst not in pos:
            continue
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        if (src, dst) in (("connecting", "connected"), ("connected", "disconnected")):
            above, _, below = label.partition("|")
            d.arrow(x1 + w / 2, y1, x2 - w / 2, y2)
            d.text((x1 + x2) / 2, y1 - 12, above, size=12)
            d.text((x1 + x2) / 2, y1 + 14, below, size=12)
        elif (src, dst) == ("connecting", "disconnected"):
            d.path_arrow(f"M{x1},{y1 - h / 2} C{x1},{20} {x2},{20} {x2},{y2 - h / 2}",
                         label, at=((x1 + x2) / 2, 30))
        else:  # disconnected -> connecting, underneath
            d.path_arrow(f"M{x1},{y1 + h / 2} C{x1},{230} {x2},{230} {x2},{y2 + h / 2}",
                         label, at=((x1 + x2) / 2, 203))
    d.text(390, 225, "first retry within retry_base / 2 s (a chance to resume), "
           "then doubling up to retry_cap", size=11, colour=MUTED)
    d.text(390, 262, "Node.close() ends it from any state; players then fail over "
           "to the other nodes.", size=12, colour=INK)
    for i, state in enumerate(others):
        x = 20 + (i % 4) * 185
        y = 300 + 70 * (i // 4)
        d.box(x, y, 170, 44, [state], fill="warn")
    return d.render()


def failover_timeline() -> str:
    config = voltricx.NodeConfig(identifier="x", uri="http://127.0.0.1:2333", password="x")
    grace = config.resume_grace
    wait = _state.FAILOVER_WAIT
    first_retry = config.retry_base / 2
    end = grace + wait
    d = Drawing(760, 290, "Failover timeline with the default settings")
    left, right = 60.0, 720.0

    def at(t: float) -> float:
        return left + (right - left) * t / end

    axis_y = 240
    d.line(left, axis_y, right, axis_y, colour=INK, width=1.4)
    for t in range(int(end) + 1):
        d.line(at(t), axis_y - 4, at(t), axis_y + 4, colour=INK)
        d.text(at(t), axis_y + 18, f"{t} s", size=11, colour=MUTED)
    # Bands.
    def band(t0: float, t1: float, y: float, lines: list[str], fill: str) -> None:
        d.box(at(t0), y, at(t1) - at(t0), 46, lines, fill=fill, size=12, rx=4)

    band(0, grace, 120, [f"grace period: resume_grace = {grace:g} s",
                         "(none if refused); resumed: nothing moves"], "server")
    band(grace, end, 120, [f"only if no node is healthy: wait up to {wait:g} s",
                           "players stay parked until a node is ready"], "warn")
    d.box(at(0), 182, max(at(first_retry) - at(0), 4), 20, [""], fill="core", rx=2)
    d.text(at(first_retry) + 6, 192, f"first reconnect within retry_base / 2 = {first_retry:g} s, "
           "with the old session id", size=11, anchor="start", colour=MUTED)
    # Events.
    def event(t: float, lines: list[str], anchor: str) -> None:
        d.line(at(t), 58, at(t), axis_y, colour=ACCENT, dashed=True)
        dx = 6 if anchor == "start" else -6
        for i, line in enumerate(lines):
            d.text(at(t) + dx, 24 + 17 * i, line, size=12 if i else 13,
                   weight="600" if i == 0 else "400", anchor=anchor,
                   colour=INK if i == 0 else MUTED)

    event(0, ["node drops", "node_disconnected event;", "player positions freeze"], "start")
    event(grace, ["players fail over", "parked, moved to the best healthy node,",
                  "one request each; failover event"], "start")
    return d.render()


def voice_flow() -> str:
    lanes = ["Discord gateway", "your bot + adapter", "voltricx Player", "Lavalink node",
             "Discord voice"]
    d = Drawing(760, 420, "How the voice credentials reach Lavalink")
    xs = [82.0 + i * 148 for i in range(len(lanes))]
    for x, name in zip(xs, lanes, strict=True):
        d.box(x - 70, 14, 140, 40, [name], fill="discord" if "Discord" in name else "core", size=12)
        d.line(x, 54, x, 405, dashed=True)
    steps: list[tuple[int, int, str]] = [
        (2, 1, "player.connect(channel)"),
        (1, 0, "op 4 voice state update (join)"),
        (0, 1, "VOICE_STATE_UPDATE: session id"),
        (1, 2, "on_voice_state(...)"),
        (0, 1, "VOICE_SERVER_UPDATE: token, endpoint"),
        (1, 2, "on_voice_server(...)"),
        (2, 3, "PATCH player: voice {token, endpoint, sessionId, channelId}"),
        (3, 4, "audio, DAVE-encrypted"),
    ]
    y = 86.0
    for src, dst, label in steps:
        x1, x2 = xs[src], xs[dst]
        if abs(dst - src) == 1 and len(label) * 6.2 > abs(x2 - x1) - 10:
            anchor = "start" if x2 > x1 else "end"
            lx = min(x1, x2) + 6 if anchor == "start" else max(x1, x2) - 6
            d.arrow(x1, y, x2, y)
            d.text(lx, y - 11, label, size=12, anchor=anchor)
        else:
            d.arrow(x1, y, x2, y, label, label_dy=-11)
        y += 42
    d.text(380, 410, "The player waits for both Discord events, then sends them to the node "
           "in one request.", size=12, colour=MUTED)
    return d.render()


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        for scale, name in ((1, "s"), (1e-3, "ms"), (1e-6, "\u00b5s"), (1e-9, "ns")):
            if value >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value:.3g} s"
    if unit == "bytes":
        return f"{value / 1024:.0f} KiB"
    return f"{value:.3g} {unit}"


def load_bench() -> dict[str, Any]:
    path = BENCH_RESULTS if BENCH_RESULTS.is_file() else BENCH_PUBLISHED
    return json.loads(path.read_text(encoding="utf-8"))


def benchmark_chart() -> str:
    results = load_bench()
    metrics: list[dict[str, Any]] = results["metrics"]
    row_h = 64
    top = 64
    d = Drawing(760, top + row_h * len(metrics) + 40, "Benchmark figures against baselines")
    bar_left, bar_right = 220.0, 600.0
    title = (f"make bench, Python {results.get('python', '?')}, "
             f"{'quick run' if results.get('quick') else 'full run'}")
    d.text(20, 22, "voltricx (purple) against its baselines (grey); shorter is faster",
           size=13, anchor="start", weight="600")
    d.text(20, 42, title, size=11, anchor="start", colour=MUTED)
    for i, metric in enumerate(metrics):
        y = top + i * row_h
        unit = metric.get("unit", "s")
        bars: list[tuple[str, float, bool]] = [("voltricx", float(metric["ours"]), True)]
        bars += [(name, float(v), False) for name, v in (metric.get("baselines") or {}).items()]
        target = metric.get("target") or {}
        limit: float | None = None
        if target.get("kind") == "max_value":
            limit = float(target["value"])
        biggest = max([v for _, v, _ in bars] + ([limit] if limit else []))
        d.text(20, y + 10, metric["name"], size=12, anchor="start", weight="600")
        passed = metric.get("passed")
        d.text(20, y + 28, f"target {target.get('text', '-')}", size=11, anchor="start",
               colour=MUTED)
        d.text(20, y + 44, "PASS" if passed else "MISS", size=11, anchor="start",
               colour="#2e7d32" if passed else "#c62828", weight="600")
        bh = min(14.0, (row_h - 12) / len(bars))
        for j, (name, value, ours) in enumerate(bars):
            by = y + 2 + j * (bh + 2)
            width = max(2.0, (bar_right - bar_left) * value / biggest) if biggest else 2.0
            d.parts.append(
                f'<rect x="{bar_left}" y="{by}" width="{width:.1f}" height="{bh:.1f}" rx="2" '
                f'fill="{ACCENT if ours else "#9e9e9e"}"/>'
            )
            d.text(bar_left + width + 6, by + bh / 2, f"{name} {_fmt(value, unit)}", size=11,
                   anchor="start", colour=INK if ours else MUTED)
        if limit:
            lx = bar_left + (bar_right - bar_left) * limit / biggest
            d.line(lx, y - 2, lx, y + row_h - 14, colour="#c62828", dashed=True)
            d.text(lx - 4, y + row_h - 12, "target", size=10, anchor="end", colour="#c62828")
        d.line(20, y + row_h - 6, 740, y + row_h - 6, colour="#e0e0e0")
    return d.render()


#: File name under ``img/`` -> the function that draws it.
DIAGRAMS: dict[str, Callable[[], str]] = {
    "architecture.svg": architecture,
    "node-states.svg": node_states,
    "failover-timeline.svg": failover_timeline,
    "voice-flow.svg": voice_flow,
    "benchmarks.svg": benchmark_chart,
}


def render_all() -> dict[str, str]:
    """Every picture, by file name."""
    return {name: draw() for name, draw in DIAGRAMS.items()}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "site-img")
    out.mkdir(parents=True, exist_ok=True)
    for name, content in render_all().items():
        (out / name).write_text(content, encoding="utf-8")
