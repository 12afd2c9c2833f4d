"""Benchmark: peak resident memory per customer of one replication of the reference model.

    python experiments/bench/memory.py                       # 10^6 and 10^7 customers
    python experiments/bench/memory.py 100000000             # 10^8: about 3 minutes, 10 GB
    python experiments/bench/memory.py 10000000 --phases     # where on day 0 the memory goes

Each size runs in a fresh interpreter: the config is composed and
validated, then the replication is simulated and measured
(``metrics.compute``). Prints the customers in all, the wall time, the
peak resident memory (``resource.getrusage``) over the interpreter's just
before simulating, per customer, and the bytes of state per customer
slot. With ``--phases``: the resident and peak memory per customer of the
base after each phase of day 0 and day 1, at the end of the run and after
the metrics.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ONE_RUN = """
import dataclasses, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
from reference import engine_overrides
import sim
from sim import engine, metrics
from sim.params import validate
from sim.randomness import replication_seeds

size, phases = int(sys.argv[2]), sys.argv[3] == "phases"
params = validate(sim.compose("default", engine_overrides(size)))
page = os.sysconf("SC_PAGE_SIZE")

def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * page

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def shown(where):
    print(f"  {where:36s} resident {(resident() - base) / size:6.1f} B  peak {(peak() - base) / size:6.1f} B")

def watched(phase):
    def step(state, parts, today):
        phase.step(state, parts, today)
        if state.day < 2:
            shown(f"day {state.day}, {phase.name}")
    return dataclasses.replace(phase, step=step)

if phases:
    engine.DAY_PLAN = tuple(watched(phase) for phase in engine.DAY_PLAN)
base = peak()
start = time.perf_counter()
state = engine.simulate(params, replication_seeds(0, 1)[0])
if phases:
    shown("end of the run")
metrics.compute(state)
if phases:
    shown("after the metrics")
n = state.people.n
print(f"{size:>12,} {n:>14,} {time.perf_counter() - start:8.1f} s {(peak() - base) / n:9.1f} B "
      f"{state.people.nbytes_per_customer:6d} B")
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10 ** 6, 10 ** 7], help="customers in the base")
    parser.add_argument("--phases", action="store_true", help="memory after each phase of days 0 and 1")
    arguments = parser.parse_args(argv)
    print(f"{'base':>12} {'customers':>14} {'wall':>10} {'peak/cust':>11} {'state':>8}")
    for size in arguments.sizes:
        subprocess.run([sys.executable, "-c", ONE_RUN, str(HERE), str(size),
                        "phases" if arguments.phases else "total"], check=True)


if __name__ == "__main__":
    main()
