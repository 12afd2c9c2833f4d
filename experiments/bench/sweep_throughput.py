"""Sweep throughput: the reference model at 10^5 customers, serial and on 2 cores, against a plain process pool.

    pip install -e '.[bench]'
    python experiments/bench/sweep_throughput.py                    # 200 runs each way
    python experiments/bench/sweep_throughput.py --runs 20
    python experiments/bench/sweep_throughput.py --runs 50 --more 150

Runs ``marketing-sim -m`` three times over ``seed=range(0, runs)``: with
the basic launcher (one process, one run after the other), with the joblib
launcher on 2 worker processes and with marketing-sim's launcher on 2
forked workers (``hydra/launcher=marketing_sim``). Each run writes its run directory without
figures (``figures=false``). Beside them, the floor: a
``multiprocessing.Pool(2)`` whose jobs each compose their config with
``sim.compose``, call ``sim.run`` and save the result (``Result.save``),
in a fresh interpreter like the sweeps. Prints wall time, runs per minute,
the speed-up over serial, each launcher's wall time over the pool's, and
checks that every way wrote the same metrics. With ``--more M`` every way
runs M seeds too, and the time per job is read from the difference
(M − runs jobs), without what a sweep pays once (starting the
interpreters and workers, the sweep's report): each way's cost per job
over the pool's is the per-job overhead.
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
    "forked, 2 workers": ["hydra/launcher=marketing_sim", "hydra.launcher.n_jobs=2"],
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


def main(runs: int, more: int | None = None) -> None:
    timings, outputs = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, launcher in [*LAUNCHERS.items(), (POOL, None)]:
            for size in (runs, more) if more else (runs,):
                timings[name, size], outputs[name, size] = sweep(size, launcher,
                                                                 Path(scratch) / f"{name.split()[0].strip(',(')}-{size}")
    ways = [*LAUNCHERS, POOL]
    serial, pool = timings[ways[0], runs], timings[POOL, runs]
    print(f"{runs} runs of the reference model at {CUSTOMERS:,} customers, 365 days, one replication each")
    print(f"{'launcher':<26} {'wall s':>8} {'runs/min':>9} {'speed-up':>9} {'/ pool':>7}")
    for name in ways:
        elapsed = timings[name, runs]
        print(f"{name:<26} {elapsed:>8.1f} {runs / elapsed * 60:>9.1f} {serial / elapsed:>8.2f}x "
              f"{elapsed / pool:>6.2f}x")
    if more:
        per_job = {name: (timings[name, more] - timings[name, runs]) / (more - runs) for name in ways}
        print(f"\nper job, from {runs} and {more} runs")
        print(f"{'launcher':<26} {'s a job':>8} {'/ pool':>7} {'once':>7}")
        for name in ways:
            print(f"{name:<26} {per_job[name]:>8.3f} {per_job[name] / per_job[POOL]:>6.2f}x "
                  f"{timings[name, runs] - runs * per_job[name]:>6.1f}s")
    same = all(metrics[:runs] == outputs[POOL, runs] for metrics in outputs.values())
    print(f"every way wrote identical metrics: {same}")


if __name__ == "__main__":
    arguments = sys.argv[1:]

    def number(flag: str, default):
        return int(arguments[arguments.index(flag) + 1]) if flag in arguments else default

    main(number("--runs", 200), number("--more", None))
