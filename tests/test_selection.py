"""The penalty formulas, checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from voltricx.models.node import Cpu, FrameStats, Stats
from voltricx.selection import (
    DISCONNECTED_PENALTY,
    cpu_penalty,
    deficit_penalty,
    nulled_penalty,
    player_penalty,
    stats_penalty,
)

# 1.05 ** 50 = 11.467399785753...; 1.03 ** 50 = 4.383906018...
CPU_HALF_LOAD = 11.467399785753 * 10 - 10  # 104.674
DEFICIT_300 = 4.3839060187 * 300 - 300  # 1015.17


def test_idle_cpu_costs_nothing() -> None:
    assert cpu_penalty(0.0) == 0.0


def test_cpu_penalty_at_half_load() -> None:
    assert math.isclose(cpu_penalty(0.5), CPU_HALF_LOAD, rel_tol=1e-9)


def test_cpu_penalty_at_full_load() -> None:
    # 1.05 ** 100 = 131.5012578...
    assert math.isclose(cpu_penalty(1.0), 1305.012578, rel_tol=1e-6)


def test_deficit_penalty_uses_300_scale() -> None:
    assert math.isclose(deficit_penalty(300), DEFICIT_300, rel_tol=1e-8)


def test_nulled_penalty_is_double_the_deficit_shape() -> None:
    assert math.isclose(nulled_penalty(300), 2 * DEFICIT_300, rel_tol=1e-8)


def test_player_penalty_is_one_and_a_half_per_playing_player() -> None:
    assert player_penalty(10) == 15.0


def test_missing_frame_stats_count_as_zero() -> None:
    stats = Stats(playing_players=4, cpu=Cpu(system_load=0.5))
    assert math.isclose(stats_penalty(stats), 6.0 + CPU_HALF_LOAD, rel_tol=1e-9)


def test_total_penalty_sums_every_term() -> None:
    stats = Stats(
        playing_players=2,
        cpu=Cpu(system_load=0.5),
        frame_stats=FrameStats(sent=0, nulled=300, deficit=300),
    )
    expected = 3.0 + CPU_HALF_LOAD + DEFICIT_300 + 2 * DEFICIT_300
    assert math.isclose(stats_penalty(stats), expected, rel_tol=1e-8)


def test_no_stats_at_all_is_zero() -> None:
    assert stats_penalty(None) == 0.0


def test_disconnected_penalty_value() -> None:
    assert pytest.approx(9e30) == DISCONNECTED_PENALTY


def test_raw_load_average_is_divided_by_cores() -> None:
    # NodeLink reports the load average (4.0 on 8 cores: half busy); Lavalink a fraction.
    nodelink = Stats(players=0, playing_players=0, uptime=1, cpu=Cpu(cores=8, system_load=4.0))
    lavalink = Stats(players=0, playing_players=0, uptime=1, cpu=Cpu(cores=8, system_load=0.5))
    assert math.isclose(stats_penalty(nodelink), CPU_HALF_LOAD, rel_tol=1e-9)
    assert math.isclose(stats_penalty(lavalink), CPU_HALF_LOAD, rel_tol=1e-9)
    # A fraction (<= 1.0) is never divided: 0.87 stays 0.87 whatever the cores.
    fraction = Stats(players=0, playing_players=0, uptime=1, cpu=Cpu(cores=4, system_load=0.87))
    assert math.isclose(stats_penalty(fraction), cpu_penalty(0.87), rel_tol=1e-9)
