"""Replications on one process and on every core, side by side, with the numbers checked identical.

    python experiments/bench/parallel_replications.py            # median of 3 per setting
    python experiments/bench/parallel_replications.py --repeat 1

Runs ``sim.run`` on the default scenario (10 replications) and on the
reference model at 10^5 customers (4 replications) with ``workers=1`` and
``workers=<cores>``, alternating, the configs composed beforehand. Prints
the median wall time of each, the speed-up, and whether every metric,
interval and per-replication value came out identical.
"""
from __future__ import annotations

import pickle
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import engine_overrides  # noqa: E402

import sim  # noqa: E402
from sim.parallel import usable_cores  # noqa: E402

CASES = {
    "default scenario, 10 replications": ("default", ["replications=10"]),
    "reference model, 10^5 customers, 4 replications": (
        "default", [o for o in engine_overrides(100_000) if o != "replications=1"] + ["replications=4"]),
}


def numbers(result) -> bytes:
    return pickle.dumps((result.metrics, result.intervals, result.per_replication))


def main(repeat: int) -> None:
    cores = usable_cores()
    print(f"{cores} usable cores; median of {repeat}")
    print(f"{'case':<50} {'workers=1 s':>12} {f'workers={cores} s':>12} {'speed-up':>9} {'identical':>10}")
    for name, (scenario, overrides) in CASES.items():
        configs = {w: sim.compose(scenario, [*overrides, "progress=false", f"workers={w}"]) for w in (1, cores)}
        times, outputs = {w: [] for w in configs}, {}
        for _ in range(repeat):
            for workers, cfg in configs.items():
                start = time.perf_counter()
                outputs[workers] = numbers(sim.run(cfg))
                times[workers].append(time.perf_counter() - start)
        serial, parallel = (statistics.median(times[w]) for w in (1, cores))
        print(f"{name:<50} {serial:>12.2f} {parallel:>12.2f} {serial / parallel:>8.2f}x "
              f"{str(outputs[1] == outputs[cores]):>10}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[arguments.index("--repeat") + 1]) if "--repeat" in arguments else 3)
