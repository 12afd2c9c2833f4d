"""Report an Optuna budget optimisation: the best split against the starting one.

    python experiments/optimise/report.py multirun/budget_split [replications]

Reads the sweep's optimization_results.yaml, rebuilds the starting config
(the scenario and overrides of a complete job of the sweep's plan, with the
starting weights) and the best one, and runs
both on common random numbers with ``replications`` (default 10).
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

import sim


def configs(sweep_dir: Path, replications: int):
    """(start, best) configs of a finished budget_split sweep."""
    best = yaml.safe_load((sweep_dir / "optimization_results.yaml").read_text())["best_params"]
    job = sweep_dir / next(row["run"] for row in sim.collect(sweep_dir) if row["status"] == "complete") / ".hydra"
    base = [o for o in yaml.safe_load((job / "overrides.yaml").read_text())
            if not o.startswith("allocation.weights.")]
    scenario = yaml.safe_load((job / "hydra.yaml").read_text())["hydra"]["runtime"]["choices"]["scenario"]
    shared = [o for o in base if not o.startswith("replications=")] + [f"replications={replications}"]
    start = sim.compose(scenario, shared)
    variant = sim.compose(scenario, [*shared, *(f"{k}={v}" for k, v in best.items())])
    return start, variant


def main(sweep_dir: str, replications: int = 10) -> sim.compare:
    start, best = configs(Path(sweep_dir), replications)
    comparison = sim.compare(start, best)
    total = start.allocation.total_daily_budget
    print(f"daily budget {total:,.0f} split over channels (start -> best):")
    for channel in start.allocation.weights:
        share = lambda cfg: cfg.allocation.weights[channel] / sum(cfg.allocation.weights.values())
        print(f"  {channel:<12}{total * share(start):>10,.0f} -> {total * share(best):>10,.0f}")
    print(f"\n{replications} paired replications, common random numbers (baseline = start, variant = best)")
    print(comparison.summary())
    return comparison


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
