"""Report an Optuna budget optimisation: the best split against the starting one.

    python experiments/optimise/report.py multirun/budget_split [replications]
    python experiments/optimise/report.py multirun/pool_budget_split [replications]

Reads the sweep's optimization_results.yaml, rebuilds the starting config
(the scenario and overrides of a complete job of the sweep's plan, with the
starting weights) and the best one, and runs
both on common random numbers with ``replications`` (default 10). The
items split are channels or policy budgets (the pool); with
``allocation.bounds`` the budgets printed are the ones the run uses,
clipped to the bounds.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

import sim
from sim.params import validate


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


def budgets(cfg) -> dict:
    """Item -> daily budget the allocation of ``cfg`` gives (bounds applied)."""
    config = validate(cfg).config
    return {item: (config["channels"].get(item) or config["policies"].get(item))["daily_budget"]
            for item in config["allocation"]["weights"]}


def main(sweep_dir: str, replications: int = 10) -> sim.compare:
    start, best = configs(Path(sweep_dir), replications)
    comparison = sim.compare(start, best)
    total = start.allocation.total_daily_budget
    before, after = budgets(start), budgets(best)
    print(f"daily budget {total:,.0f} split over channels and policies (start -> best):")
    for item in start.allocation.weights:
        print(f"  {item:<12}{before[item]:>10,.0f} -> {after[item]:>10,.0f}")
    print(f"\n{replications} paired replications, common random numbers (baseline = start, variant = best)")
    print(comparison.summary())
    return comparison


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
