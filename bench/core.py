"""The metric registry, the timing loop and the report.

A metric is a function that measures something and returns a
:class:`Measurement` (our median and the medians of the baselines measured
in the same run). It is registered with :func:`metric` together with its
:class:`Target`; :func:`run_all` runs the registered metrics, and
:func:`render_table` / :func:`write_json` report them. Adding a metric
(failover time, websocket dispatch, RSS per idle player, import time, ...)
is one decorated function in ``bench.metrics`` (or in a new module listed
in :data:`METRIC_MODULES`).
"""

from __future__ import annotations

import gc
import importlib
import json
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "REGISTRY",
    "Measurement",
    "Metric",
    "MetricResult",
    "RunConfig",
    "Target",
    "format_value",
    "load_metrics",
    "metric",
    "render_table",
    "run_all",
    "time_calls",
    "write_json",
]


@dataclass(frozen=True)
class RunConfig:
    """How hard to measure: ``quick`` is a smoke run with a few repetitions."""

    quick: bool = False
    repeats: int = 25
    min_sample_seconds: float = 0.005

    @classmethod
    def make(cls, *, quick: bool) -> RunConfig:
        """The standard full or quick configuration."""
        if quick:
            return cls(quick=True, repeats=3, min_sample_seconds=0.0)
        return cls()


@dataclass(frozen=True)
class Target:
    """What a metric must achieve.

    * ``max_ratio``: ours / reference baseline must be at most ``value``;
    * ``min_speedup``: reference baseline / ours must be at least ``value``;
    * ``max_value``: ours itself (in the metric's unit) must be at most ``value``;
    * ``max_excess``: ours minus the reference baseline must be at most ``value``.
    """

    kind: Literal["max_ratio", "min_speedup", "max_value", "max_excess"]
    value: float
    reference: str | None = None

    @classmethod
    def max_ratio(cls, value: float, reference: str) -> Target:
        """Ours may take at most ``value`` times the reference baseline."""
        return cls("max_ratio", value, reference)

    @classmethod
    def min_speedup(cls, value: float, reference: str) -> Target:
        """Ours must be at least ``value`` times faster than the reference baseline."""
        return cls("min_speedup", value, reference)

    @classmethod
    def max_value(cls, value: float) -> Target:
        """Ours must be at most ``value`` (an absolute bound)."""
        return cls("max_value", value)

    @classmethod
    def max_excess(cls, value: float, reference: str) -> Target:
        """Ours may exceed the reference baseline by at most ``value`` (in the metric's unit)."""
        return cls("max_excess", value, reference)

    def ratio(self, ours: float, baselines: dict[str, float]) -> float | None:
        """The number compared with ``value``."""
        if self.kind == "max_value":
            return ours
        assert self.reference is not None
        base = baselines[self.reference]
        if self.kind == "max_excess":
            return ours - base
        if self.kind == "max_ratio":
            return ours / base if base > 0 else math.inf
        return base / ours if ours > 0 else math.inf

    def met(self, ratio: float | None) -> bool:
        """Whether ``ratio`` satisfies the target."""
        if ratio is None:
            return False
        if self.kind == "min_speedup":
            return ratio >= self.value
        return ratio <= self.value

    def describe(self, unit: str = "s") -> str:
        """Short human text, e.g. ``ours/orjson <= 1.20``."""
        if self.kind == "max_ratio":
            return f"ours/{self.reference} <= {self.value:.2f}"
        if self.kind == "min_speedup":
            return f"{self.reference}/ours >= {self.value:.2f}"
        if self.kind == "max_excess":
            return f"ours - {self.reference} <= {format_value(self.value, unit)}"
        return f"ours <= {format_value(self.value, unit)}"


@dataclass
class Measurement:
    """What a metric function returns: medians, in the metric's unit."""

    ours: float
    baselines: dict[str, float] = field(default_factory=dict[str, float])
    samples: int = 0
    notes: dict[str, Any] = field(default_factory=dict[str, Any])


@dataclass(frozen=True)
class Metric:
    """A registered metric."""

    name: str
    description: str
    target: Target
    measure: Callable[[RunConfig], Measurement]
    unit: str = "s"


@dataclass
class MetricResult:
    """A metric's outcome in one run."""

    metric: Metric
    measurement: Measurement
    ratio: float | None
    passed: bool
    seconds: float

    def as_json(self) -> dict[str, Any]:
        """The JSON-ready form written to ``results.json``."""
        m = self.measurement
        return {
            "name": self.metric.name,
            "description": self.metric.description,
            "unit": self.metric.unit,
            "ours": m.ours,
            "baselines": m.baselines,
            "ratio": self.ratio,
            "target": {
                "kind": self.metric.target.kind,
                "value": self.metric.target.value,
                "reference": self.metric.target.reference,
                "text": self.metric.target.describe(self.metric.unit),
            },
            "passed": self.passed,
            "samples": m.samples,
            "notes": m.notes,
            "wall_seconds": self.seconds,
        }


REGISTRY: dict[str, Metric] = {}

METRIC_MODULES: tuple[str, ...] = ("bench.metrics", "bench.metrics_node", "bench.metrics_runtime")
"""Modules whose import registers metrics; add new metric modules here."""


def load_metrics() -> dict[str, Metric]:
    """Import every metric module (registering its metrics) and return the registry."""
    for module in METRIC_MODULES:
        importlib.import_module(module)
    return REGISTRY


def metric(
    name: str, *, description: str, target: Target, unit: str = "s"
) -> Callable[[Callable[[RunConfig], Measurement]], Callable[[RunConfig], Measurement]]:
    """Register the decorated function as the metric ``name``."""

    def register(func: Callable[[RunConfig], Measurement]) -> Callable[[RunConfig], Measurement]:
        if name in REGISTRY:
            raise ValueError(f"metric {name!r} is registered twice")
        REGISTRY[name] = Metric(name, description, target, func, unit)
        return func

    return register


# --------------------------------------------------------------------------
# timing


def _sample(func: Callable[[], object], number: int) -> float:
    """Seconds per call over ``number`` calls, with the cyclic GC out of the way.

    A full collection runs first so garbage from earlier samples is not
    charged to this one, and the collector is paused while the clock runs
    (as :mod:`timeit` does), so a collection triggered by one function's
    allocations does not land in another's sample.
    """
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            func()
        elapsed = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed / number


def _calls_per_sample(func: Callable[[], object], config: RunConfig) -> int:
    once = _sample(func, 1)  # also the warm-up call
    if config.min_sample_seconds <= 0 or once >= config.min_sample_seconds:
        return 1
    return max(1, math.ceil(config.min_sample_seconds / max(once, 1e-9)))


def time_calls(
    config: RunConfig,
    ours: Callable[[], object],
    baselines: dict[str, Callable[[], object]],
    *,
    notes: dict[str, Any] | None = None,
) -> Measurement:
    """Median seconds per call of ``ours`` and each baseline.

    Samples are interleaved (ours, baseline 1, baseline 2, ours, ...) with
    the starting function rotating, so drift in machine load hits every
    contender alike.
    """
    contenders: list[tuple[str, Callable[[], object]]] = [("ours", ours), *baselines.items()]
    numbers = {name: _calls_per_sample(func, config) for name, func in contenders}
    samples: dict[str, list[float]] = {name: [] for name, _ in contenders}
    for rep in range(config.repeats):
        shift = rep % len(contenders)
        for name, func in contenders[shift:] + contenders[:shift]:
            samples[name].append(_sample(func, numbers[name]))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return Measurement(
        ours=medians.pop("ours"),
        baselines=medians,
        samples=config.repeats,
        notes={"calls_per_sample": numbers, **(notes or {})},
    )


# --------------------------------------------------------------------------
# running and reporting


def run_all(config: RunConfig, names: list[str] | None = None) -> list[MetricResult]:
    """Run the registered metrics (or only ``names``) in registration order."""
    selected = [REGISTRY[n] for n in names] if names else list(REGISTRY.values())
    results: list[MetricResult] = []
    for item in selected:
        start = time.perf_counter()
        measurement = item.measure(config)
        seconds = time.perf_counter() - start
        ratio = item.target.ratio(measurement.ours, measurement.baselines)
        results.append(MetricResult(item, measurement, ratio, item.target.met(ratio), seconds))
    return results


def format_value(value: float, unit: str) -> str:
    """Human form of a measured value: adaptive time units for seconds."""
    if value < 0:
        return "-" + format_value(-value, unit)
    if unit != "s":
        return f"{value:.4g} {unit}"
    for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if value >= scale:
            return f"{value / scale:.3g} {suffix}"
    return f"{value / 1e-9:.3g} ns"


def render_table(results: list[MetricResult], *, quick: bool = False) -> str:
    """One plain-text table of every result."""
    headers = ["metric", "ours", "baselines (median)", "ratio", "target", "result"]
    rows: list[list[str]] = []
    for r in results:
        unit = r.metric.unit
        baselines = ", ".join(
            f"{name} {format_value(value, unit)}" for name, value in r.measurement.baselines.items()
        )
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        if r.metric.target.kind == "max_value":
            ratio = format_value(r.ratio or 0.0, unit)
        elif r.metric.target.kind == "max_excess":
            excess = r.ratio or 0.0
            ratio = ("+" if excess >= 0 else "") + format_value(excess, unit)
        rows.append(
            [
                r.metric.name,
                format_value(r.measurement.ours, unit),
                baselines or "-",
                ratio,
                r.metric.target.describe(unit),
                "PASS" if r.passed else "FAIL",
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)]
    if quick:
        out.append("(quick smoke run: few repetitions, timings are indicative only)")
    return "\n".join(out).rstrip() + "\n"


def write_json(results: list[MetricResult], path: Path, *, config: RunConfig) -> None:
    """Write every result plus the run's environment to ``path``."""
    payload = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "quick": config.quick,
        "repeats": config.repeats,
        "passed": all(r.passed for r in results),
        "metrics": [r.as_json() for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
