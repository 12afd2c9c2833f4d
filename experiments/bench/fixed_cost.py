"""Benchmark: the per-run fixed cost, and how long ``import sim`` takes.

    python experiments/bench/fixed_cost.py

Times ``sim.run`` (validation, simulation, metrics; the config composed
beforehand) of the reference model at 10^3 customers over 366 days and of
the default scenario with one replication: the median of 7 runs after a
warm-up run. The same model with a single customer shows what the day plan
costs with next to nothing to do each day, and validation is timed alone:
together they are the floor of a run's fixed cost. ``import sim`` is timed
in a fresh interpreter, 5 times.
"""
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sim  # noqa: E402
from reference import engine_overrides  # noqa: E402
from sim.params import validate  # noqa: E402

IMPORT = "import time; t = time.perf_counter(); import sim; print(time.perf_counter() - t)"


def median_seconds(call, cfg, repeats: int = 7) -> float:
    call(cfg)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call(cfg)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    imports = [float(subprocess.run([sys.executable, "-c", IMPORT], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(5)]
    print(f"import sim: median {statistics.median(imports) * 1000:.0f} ms over 5 fresh interpreters")
    configs = {"reference model, 10^3 customers": sim.compose("default", overrides=engine_overrides(1000)),
               "reference model, 1 customer": sim.compose("default", overrides=engine_overrides(1)),
               "default scenario, 1 replication": sim.compose("default", overrides=["replications=1"])}
    for name, cfg in configs.items():
        print(f"{name}: median {median_seconds(sim.run, cfg) * 1000:.0f} ms a run")
    validation = median_seconds(validate, configs["reference model, 10^3 customers"])
    print(f"validation of the reference model's config alone: median {validation * 1000:.1f} ms")


if __name__ == "__main__":
    main()
