"""Replications, and a sensitivity analysis's runs, on one process and on every core, side by side,
with the numbers checked identical.

    python experiments/bench/parallel_replications.py            # median of 3 per setting
    python experiments/bench/parallel_replications.py --repeat 1

Runs ``sim.run`` on the default scenario (10 replications) and on the
reference model at 10^5 customers (4 replications), then a one-at-a-time
analysis (3 uncertain inputs, 7 runs of 4 replications) and a Sobol
analysis (2 uncertain inputs, 8 samples: 32 runs of 1 replication) of the
default scenario, each with ``workers=1`` and ``workers=<cores>``,
alternating (the runs' configs composed beforehand). Prints the median wall
time of each, the speed-up, and whether every number came out identical
(metrics, intervals and per-replication values; the analyses' whole
results).
"""
from __future__ import annotations

import pickle
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import engine_overrides  # noqa: E402

import sim  # noqa: E402
from sim import sensitivity  # noqa: E402
from sim.parallel import usable_cores  # noqa: E402

RUNS = {
    "default scenario, 10 replications": ("default", ["replications=10"]),
    "reference model, 10^5 customers, 4 replications": (
        "default", [o for o in engine_overrides(100_000) if o != "replications=1"] + ["replications=4"]),
}
UNSURE = ("+uncertainty={economics.gross_margin: {dist: beta, a: 20, b: 30}, "
          "channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}, "
          "channels.feed_ads.half_saturation_budget: {dist: uniform, low: 2000, high: 4000}}")
ANALYSES = {
    "one at a time, 3 inputs: 7 runs of 4 replications": (
        sensitivity.one_at_a_time, ["replications=4", UNSURE], {"metrics": ("ltv", "cac")}),
    "Sobol, 2 inputs, 8 samples: 32 runs of 1": (
        sensitivity.sobol, ["replications=1", UNSURE.replace(
            ", channels.feed_ads.half_saturation_budget: {dist: uniform, low: 2000, high: 4000}", "")],
        {"metric": "ltv", "samples": 8}),
}


def numbers(result) -> bytes:
    return pickle.dumps((result.metrics, result.intervals, result.per_replication))


def cases(cores: int) -> dict:
    """name -> {workers: a call returning the case's numbers as bytes}."""
    found = {}
    for name, (scenario, overrides) in RUNS.items():
        configs = {w: sim.compose(scenario, [*overrides, "progress=false", f"workers={w}"]) for w in (1, cores)}
        found[name] = {w: (lambda cfg=cfg: numbers(sim.run(cfg))) for w, cfg in configs.items()}
    for name, (analysis, overrides, options) in ANALYSES.items():
        found[name] = {w: (lambda w=w, analysis=analysis, overrides=overrides, options=options: pickle.dumps(
            analysis("default", overrides=[*overrides, f"workers={w}"], progress=False, **options)))
            for w in (1, cores)}
    return found


def main(repeat: int) -> None:
    cores = usable_cores()
    print(f"{cores} usable cores; median of {repeat}")
    print(f"{'case':<52} {'workers=1 s':>12} {f'workers={cores} s':>12} {'speed-up':>9} {'identical':>10}")
    warnings.simplefilter("ignore")           # 8 Sobol samples: unstable indices, warned about
    for name, calls in cases(cores).items():
        times, outputs = {w: [] for w in calls}, {}
        for _ in range(repeat):
            for workers, call in calls.items():
                start = time.perf_counter()
                outputs[workers] = call()
                times[workers].append(time.perf_counter() - start)
        serial, parallel = (statistics.median(times[w]) for w in (1, cores))
        print(f"{name:<52} {serial:>12.2f} {parallel:>12.2f} {serial / parallel:>8.2f}x "
              f"{str(outputs[1] == outputs[cores]):>10}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[arguments.index("--repeat") + 1]) if "--repeat" in arguments else 3)
