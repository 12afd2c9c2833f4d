"""Sweep throughput: the reference model at 10^5 customers, 200 seeds, serial and on 2 cores.

    pip install -e '.[bench]'
    python experiments/bench/sweep_throughput.py              # 200 runs each way
    python experiments/bench/sweep_throughput.py --runs 20

Runs ``marketing-sim -m`` twice over ``seed=range(0, runs)``: with Hydra's
basic launcher (one process, one run after the other) and with the joblib
launcher on 2 worker processes. Each run writes its run directory without
figures (``figures=false``). Prints wall time, runs per minute, the
speed-up, and checks that both sweeps wrote the same metrics.
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


def sweep(runs: int, launcher: list[str], directory: Path) -> tuple[float, list[dict]]:
    overrides = [o for o in engine_overrides(CUSTOMERS) if not o.startswith("seed=")]
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
        for name, launcher in LAUNCHERS.items():
            timings[name], outputs[name] = sweep(runs, launcher, Path(scratch) / name.split()[0].strip(","))
    serial = timings["serial (basic launcher)"]
    print(f"{runs} runs of the reference model at {CUSTOMERS:,} customers, 365 days, one replication each")
    print(f"{'launcher':<26} {'wall s':>8} {'runs/min':>9} {'speed-up':>9}")
    for name, elapsed in timings.items():
        print(f"{name:<26} {elapsed:>8.1f} {runs / elapsed * 60:>9.1f} {serial / elapsed:>8.2f}x")
    same = outputs["serial (basic launcher)"] == outputs["joblib, 2 workers"]
    print(f"both sweeps wrote identical metrics: {same}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[arguments.index("--runs") + 1]) if "--runs" in arguments else 200)
