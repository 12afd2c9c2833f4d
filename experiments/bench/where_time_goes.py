"""Where the time goes: a replication profiled by function, or a whole command-line run by part.

    python experiments/bench/where_time_goes.py 1000000            # the reference model at 10^6
    python experiments/bench/where_time_goes.py --command           # `marketing-sim`, default scenario

With a number of customers: one replication of the benchmark's reference
model (reference.py) at that size, validated, simulated and measured;
prints wall time, events per second (purchases, churns and arrivals) and
the top functions by own time under cProfile.

With ``--command``: the default command-line run (``marketing-sim`` with
its default scenario, into a scratch directory) under cProfile, started in
a fresh interpreter so that imports count, split into importing, composing
the config (the check before Hydra starts and Hydra's own), simulating
with metrics, figures, and writing the report and the results.
"""
from __future__ import annotations

import cProfile
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

COMMAND = """
import cProfile, os, sys, time
start = time.perf_counter()
profile = cProfile.Profile()
profile.enable()
import sim.cli
imported = time.perf_counter()
sys.argv = ["marketing-sim", "hydra.run.dir=" + sys.argv[1], "progress=false"]
try:
    sim.cli.main()
finally:
    profile.disable()
    profile.dump_stats(os.environ["PROFILE_TO"])
    print(imported - start, time.perf_counter() - start, file=sys.stderr)
"""
#: Parts of a command-line run after ``import sim.cli``: (label, file, function whose cumulative time it is).
PARTS = [("check before Hydra starts (compose, metric names)", "cli.py", "_check_before_start"),
         ("simulate with metrics", "engine.py", "run"),
         ("figures", "plot.py", "save_all"),
         ("report.html and summary.txt", "run.py", "run_report"),
         ("results (csv, json)", "results.py", "save")]


def reference(customers: int) -> None:
    from reference import engine_overrides

    import sim
    from sim import metrics
    from sim.engine import simulate
    from sim.params import validate
    from sim.randomness import replication_seeds

    cfg = sim.compose("default", engine_overrides(customers))
    seed = replication_seeds(0, 1)[0]

    def one_run():
        state = simulate(validate(cfg), seed)
        metrics.compute(state)
        return state

    start = time.perf_counter()
    state = one_run()
    elapsed = time.perf_counter() - start
    daily = state.ledger.daily
    events = daily["purchases"].sum() + daily["churned"].sum() + state.people.n
    print(f"customers {state.people.n:,}  events {events / 1e6:.2f} M  wall {elapsed:.2f} s  "
          f"{events / elapsed / 1e6:.1f} M events/s")
    profile = cProfile.Profile()
    profile.runcall(one_run)
    pstats.Stats(profile).sort_stats("tottime").print_stats(12)


def command() -> None:
    import os

    with tempfile.TemporaryDirectory() as scratch:
        stats_file = Path(scratch) / "run.prof"
        done = subprocess.run([sys.executable, "-c", COMMAND, str(Path(scratch) / "run")], capture_output=True,
                              text=True, env={**os.environ, "PROFILE_TO": str(stats_file)}, check=True)
        imported, wall = map(float, done.stderr.strip().splitlines()[-1].split())
        stats = pstats.Stats(str(stats_file)).stats
    cumulative = {(Path(file).name, name): total for (file, _, name), (_, _, _, total, _) in stats.items()}
    task = cumulative["cli.py", "_task"]
    hydra = cumulative["main.py", "decorated_main"] - task
    rows = [("import sim.cli", imported)]
    rows += [(label, cumulative.get((file, name), 0.0)) for label, file, name in PARTS[:1]]
    rows += [("Hydra: compose, job set-up, its files", hydra)]
    rows += [(label, cumulative.get((file, name), 0.0)) for label, file, name in PARTS[1:]]
    rows += [("everything else", wall - sum(seconds for _, seconds in rows))]
    print(f"marketing-sim, default scenario: {wall:.2f} s (under cProfile)")
    for label, seconds in rows:
        print(f"  {label:<52} {seconds:6.2f} s  {seconds / wall:5.0%}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--command"]:
        command()
    else:
        reference(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
