"""Benchmark: the engine against plain numpy, event-driven numpy, SimPy processes and Mesa agents, in one run.

    pip install -e '.[bench]'
    python experiments/bench/run.py                 # 10^4 .. 10^7 customers (a few minutes)
    python experiments/bench/run.py --quick         # 10^4 and 10^5 only

Every implementation runs the same reference model (reference.py) with one
core. The engine's time covers validating its config, simulating and
computing every metric (its config is composed beforehand). The
customer-days (active customers summed over days) of the engine's run at
each size are the common unit of work; events (purchases, churns and
arrivals, from each implementation's own totals) are the second. Prints
wall time, customer-days and events per second, peak traced memory per
customer, the ratios to the engine measured side by side, a check that
the implementations agree on the aggregates, and the log-log slope of
time against size.
"""
from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import event_driven  # noqa: E402
import plain_numpy  # noqa: E402
import simpy_agents  # noqa: E402
from reference import engine_overrides  # noqa: E402

import sim  # noqa: E402
from sim import metrics  # noqa: E402
from sim.engine import simulate  # noqa: E402
from sim.params import validate  # noqa: E402
from sim.randomness import replication_seeds  # noqa: E402


def engine(customers: int, seed: int = 0, config=None) -> dict:
    params = validate(engine.configs[customers] if config is None else config)
    state = simulate(params, replication_seeds(seed, 1)[0], processes=[_probe_calendars])
    metrics.compute(state)
    daily = state.ledger.daily
    engine.customer_days = float(daily["active"].sum())
    engine.state_bytes = state.people.nbytes_per_customer
    return {"customers": state.people.n, "active": int(state.people.active_ids.size),
            "purchases": float(daily["purchases"].sum()), "revenue": float(daily["revenue"].sum())}


def events(totals: dict) -> float:
    """Purchases (first ones included), churns and arrivals; nobody comes back, so churns = customers - active."""
    return totals["purchases"] + (totals["customers"] - totals["active"]) + totals["customers"]


def _probe_calendars(env, state):
    """At mid-year, the calendars' bytes per customer (pending events are 4 bytes each)."""
    yield env.timeout(182)
    calendars = state.components.retention.calendar, state.components.revenue.calendar
    engine.calendar_bytes = sum(calendar.nbytes for calendar in calendars) / state.people.n


def measure(function, customers: int, trace: bool) -> tuple[float, dict, float]:
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    totals = function(customers)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else float("nan")
    if trace:
        tracemalloc.stop()
    return elapsed, totals, peak


def main(sizes, slow_sizes, days_customers) -> None:
    implementations = {"engine": engine, "plain numpy": plain_numpy.run, "event-driven": event_driven.run,
                       "simpy processes": simpy_agents.run}
    try:
        import mesa_agents
        implementations["mesa agents"] = mesa_agents.run
    except ImportError:
        print("mesa not installed: pip install -e '.[bench]' for the Mesa comparison")
    # configs are composed before timing: Hydra's composition is set-up, not simulation
    engine.configs = {n: sim.compose("default", engine_overrides(n)) for n in sizes}
    rows, times = [], {}
    for customers in sizes:
        for name, function in implementations.items():
            if name in ("simpy processes", "mesa agents") and customers not in slow_sizes:
                continue
            elapsed, totals, _ = measure(function, customers, trace=False)
            if name == "engine":
                work = engine.customer_days
                _, _, peak = measure(function, customers, trace=True)
            elif name in ("plain numpy", "event-driven"):
                _, _, peak = measure(function, customers, trace=True)
            else:
                peak = float("nan")
            times[name, customers] = elapsed
            rows.append((customers, name, elapsed, work / elapsed / 1e6, events(totals) / elapsed / 1e6,
                         peak / customers, totals))
    print(f"{'customers':>10} {'implementation':<16} {'time s':>8} {'M cust-days/s':>14} {'M events/s':>11} "
          f"{'peak B/cust':>11} {'revenue/cust':>12} {'active share':>12}")
    for customers, name, elapsed, rate, event_rate, per_customer, totals in rows:
        print(f"{customers:>10,} {name:<16} {elapsed:>8.2f} {rate:>14.1f} {event_rate:>11.{1 if event_rate >= 1 else 3}f} {per_customer:>11.0f} "
              f"{totals['revenue'] / totals['customers']:>12.2f} {totals['active'] / totals['customers']:>12.3f}")
    print(f"\nengine state: {engine.state_bytes} bytes per customer in arrays plus "
          f"{engine.calendar_bytes:.1f} per customer in the event calendars (mid-year, largest run)")
    print("\nratios of customer-days per second, engine / other, same run:")
    for customers in sizes:
        for name in implementations:
            if name != "engine" and (name, customers) in times:
                ratio = times[name, customers] / times["engine", customers]
                print(f"  {customers:>10,}  engine / {name}: {ratio:.{1 if ratio >= 1 else 2}f}x")
    engine_sizes = [n for n in sizes if ("engine", n) in times]
    if len(engine_sizes) > 1:
        print()
        print_fits("customers", engine_sizes, [times["engine", n] for n in engine_sizes])
    scaling_in_days(days_customers, [91, 182, 365, 730])


def scaling_in_days(customers: int, horizons: list[int]) -> None:
    """Engine time against the number of acquisition days at a fixed base."""
    configs = [sim.compose("default", engine_overrides(customers, days)) for days in horizons]
    runs = []
    for days, config in zip(horizons, configs):
        start = time.perf_counter()
        engine(customers, config=config)
        runs.append((days, time.perf_counter() - start, engine.customer_days))
    print(f"\nscaling in days at {customers:,} customers:")
    print(f"{'days':>6} {'time s':>8} {'M cust-days':>12} {'M cust-days/s':>14}")
    for days, elapsed, work in runs:
        print(f"{days:>6} {elapsed:>8.2f} {work / 1e6:>12.1f} {work / elapsed / 1e6:>14.1f}")
    days, elapsed, work = (np.array(column, dtype=float) for column in zip(*runs))
    print_fits("days", days, elapsed)
    print_fits("customer-days", work, elapsed)


def print_fits(name: str, sizes, elapsed) -> None:
    """Time against size: a straight line (fixed cost + cost per unit) and the log-log slope."""
    sizes, elapsed = np.asarray(sizes, dtype=float), np.asarray(elapsed, dtype=float)
    per_unit, fixed = np.polyfit(sizes, elapsed, 1)
    residual = elapsed - (fixed + per_unit * sizes)
    r_squared = 1 - residual @ residual / ((elapsed - elapsed.mean()) @ (elapsed - elapsed.mean()))
    slope = np.polyfit(np.log(sizes), np.log(elapsed), 1)[0]
    print(f"engine time = {fixed:.3f} s + {per_unit:.3g} s x {name} (linear fit, R^2 {r_squared:.4f}); "
          f"log-log slope {slope:.2f}; worst point off the line by {np.max(np.abs(residual)):.3f} s")


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:]
    main(sizes=[10_000, 100_000] if quick else [10_000, 100_000, 1_000_000, 10_000_000],
         slow_sizes=[10_000] if quick else [10_000, 100_000],
         days_customers=100_000 if quick else 1_000_000)
