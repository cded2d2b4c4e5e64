"""The benchmark harness runs end to end in quick mode (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # ``bench`` lives at the repository root, beside ``tests``
    sys.path.insert(0, str(ROOT))

from bench.__main__ import main  # noqa: E402
from bench.core import load_metrics  # noqa: E402

EXPECTED_METRICS = {
    "parse.playlist_1000",
    "parse.search_10",
    "codec.decode_10k",
    "ws.dispatch_unknown_100k",
    "ws.dispatch_live_100k",
    "memory.idle_players_1000",
    "import.voltricx",
    "failover.players_1000",
    "failover.crash_to_playing",
}


def test_quick_mode_prints_one_table_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "results.json"
    assert main(["--quick", "--output", str(output)]) == 0

    printed = capsys.readouterr().out
    header = [line for line in printed.splitlines() if line.startswith("metric ")]
    assert len(header) == 1
    for name in EXPECTED_METRICS:
        assert name in printed

    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["quick"] is True
    metrics = {m["name"]: m for m in results["metrics"]}
    assert set(metrics) >= EXPECTED_METRICS
    for m in metrics.values():
        assert m["ours"] > 0
        assert isinstance(m["passed"], bool)
        assert m["target"]["text"]
    assert set(metrics["parse.playlist_1000"]["baselines"]) == {"json", "orjson"}
    assert set(metrics["codec.decode_10k"]["baselines"]) == {"naive"}
    for name in ("ws.dispatch_unknown_100k", "ws.dispatch_live_100k"):
        assert set(metrics[name]["baselines"]) == {"orjson"}
    assert metrics["ws.dispatch_live_100k"]["notes"]["players"] == 1000
    assert set(metrics["import.voltricx"]["baselines"]) == {"aiohttp"}
    assert metrics["import.voltricx"]["target"]["kind"] == "max_excess"
    assert metrics["memory.idle_players_1000"]["unit"] == "KiB"
    assert metrics["failover.players_1000"]["notes"]["players"] > 0


def test_every_registered_metric_names_a_baseline_it_measures(tmp_path: Path) -> None:
    output = tmp_path / "one.json"
    assert main(["--quick", "--only", "parse.search_10", "--output", str(output)]) == 0
    (only,) = json.loads(output.read_text(encoding="utf-8"))["metrics"]
    assert only["target"]["reference"] in only["baselines"]
    for item in load_metrics().values():
        assert item.description


def test_python_dash_m_bench_runs_as_a_subprocess(tmp_path: Path) -> None:
    output = tmp_path / "sub.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--only",
            "parse.search_10",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "parse.search_10" in proc.stdout
    assert output.exists()
