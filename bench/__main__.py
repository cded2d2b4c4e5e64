"""``python -m bench``: run every registered metric, print one table, write results.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.core import REGISTRY, RunConfig, load_metrics, render_table, run_all, write_json

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.json"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; the exit status is 1 when a full run misses a target."""
    load_metrics()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smoke mode: few repetitions, never fails on timings"
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"JSON file (default {DEFAULT_OUTPUT})"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(REGISTRY),
        help="run only this metric (repeatable)",
    )
    args = parser.parse_args(argv)

    config = RunConfig.make(quick=args.quick)
    results = run_all(config, args.only)
    print(render_table(results, quick=config.quick), end="")
    write_json(results, args.output, config=config)
    print(f"results written to {args.output}")
    if config.quick:
        return 0
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
