"""Sweep throughput: the reference model at 10^5 customers, 200 seeds, serial and on 2 cores, against a plain process pool.

    pip install -e '.[bench]'
    python experiments/bench/sweep_throughput.py              # 200 runs each way
    python experiments/bench/sweep_throughput.py --runs 20

Runs ``marketing-sim -m`` twice over ``seed=range(0, runs)``: with Hydra's
basic launcher (one process, one run after the other) and with the joblib
launcher on 2 worker processes. Each run writes its run directory without
figures (``figures=false``). Beside them, the floor: a
``multiprocessing.Pool(2)`` whose jobs each compose their config with
``sim.compose``, call ``sim.run`` and save the result (``Result.save``),
in a fresh interpreter like the sweeps. Prints wall time, runs per minute,
the speed-up over serial, each launcher's wall time over the pool's, and
checks that every way wrote the same metrics.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import engine_overrides  # noqa: E402

CUSTOMERS = 100_000
LAUNCHERS = {
    "serial (basic launcher)": [],
    "joblib, 2 workers": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
}
POOL = "Pool(2) calling sim.run"
POOL_SCRIPT = """
import multiprocessing, sys
from pathlib import Path
import sim

def job(arguments):
    seed, overrides, directory = arguments
    sim.run(sim.compose("default", [*overrides, f"seed={seed}"])).save(Path(directory) / str(seed))

if __name__ == "__main__":
    runs, directory, overrides = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    with multiprocessing.Pool(2) as pool:
        pool.map(job, [(seed, overrides, directory) for seed in range(runs)], chunksize=1)
"""


def sweep(runs: int, launcher: list[str] | None, directory: Path) -> tuple[float, list[dict]]:
    """Wall time and metrics of ``runs`` seeds: a Hydra sweep with ``launcher``, or (None) the plain pool."""
    overrides = [o for o in engine_overrides(CUSTOMERS) if not o.startswith("seed=")]
    if launcher is None:
        command = [sys.executable, "-c", POOL_SCRIPT, str(runs), str(directory), *overrides, "progress=false"]
    else:
        command = [sys.executable, "-m", "sim", "-m", *overrides, "figures=false", "progress=false",
                   f"seed=range(0,{runs})", f"hydra.sweep.dir={directory}", *launcher]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    results = [json.loads((directory / str(job) / "metrics.json").read_text()) for job in range(runs)]
    return elapsed, results


def main(runs: int) -> None:
    timings, outputs = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, launcher in [*LAUNCHERS.items(), (POOL, None)]:
            timings[name], outputs[name] = sweep(runs, launcher, Path(scratch) / name.split()[0].strip(",("))
    serial, pool = timings["serial (basic launcher)"], timings[POOL]
    print(f"{runs} runs of the reference model at {CUSTOMERS:,} customers, 365 days, one replication each")
    print(f"{'launcher':<26} {'wall s':>8} {'runs/min':>9} {'speed-up':>9} {'/ pool':>7}")
    for name, elapsed in timings.items():
        print(f"{name:<26} {elapsed:>8.1f} {runs / elapsed * 60:>9.1f} {serial / elapsed:>8.2f}x "
              f"{elapsed / pool:>6.2f}x")
    same = all(metrics == outputs[POOL] for metrics in outputs.values())
    print(f"every way wrote identical metrics: {same}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[arguments.index("--runs") + 1]) if "--runs" in arguments else 200)
