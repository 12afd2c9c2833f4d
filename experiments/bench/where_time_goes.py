"""Where the engine spends its time: one replication at a given size, profiled by function.

    python experiments/bench/where_time_goes.py 1000000

A base of N customers activated on day 0 is followed for 365 days with the
default traits (heterogeneous daily purchase, churn and spend), referral on
and no channels, so the work is the daily retention, revenue and referral
steps, which follow the events (purchases, churn decisions, invitations). Prints
wall time, customer-days per second
(a customer-day = one active customer on one day) and the top functions.
"""
from __future__ import annotations

import cProfile
import pstats
import sys
import time

import sim
from sim import metrics
from sim.engine import simulate
from sim.params import validate
from sim.randomness import replication_seeds


def main(customers: int) -> None:
    cfg = sim.compose("default", [
        "replications=1", "channels={}", f"population.initial_customers={customers}",
        "horizon.acquisition_days=1", "horizon.ltv_days=365", f"market.size={customers * 100}",
        "population.referral_prob={dist: constant, value: 0.05}"])
    params = validate(cfg)
    seed = replication_seeds(params.seed, 1)[0]
    start = time.perf_counter()
    state = simulate(params, seed)
    simulated = time.perf_counter()
    metrics.compute(state)
    measured = time.perf_counter()
    customer_days = state.ledger.daily["active"].sum()
    print(f"customers {state.people.n:,}  customer-days {customer_days:,.0f}")
    print(f"simulate {simulated - start:.2f} s  metrics {measured - simulated:.2f} s  "
          f"{customer_days / (simulated - start) / 1e6:.1f} M customer-days/s  "
          f"{state.people.nbytes_per_customer} bytes of state per customer")
    profile = cProfile.Profile()
    profile.runcall(simulate, params, seed)
    pstats.Stats(profile).sort_stats("tottime").print_stats(10)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
