"""Benchmark: what the engine's per-event obligations cost in bulk, beside the hand-written reference.

    python experiments/bench/generality_floor.py            # 10^6 customers, median of 5
    python experiments/bench/generality_floor.py 100000 --repeat 9

The engine keeps, for every event of the reference model, work that the
hand-written event-driven version (event_driven.py) leaves out: a uniform
keyed to the customer, so that comparisons pair customers (common random
numbers); the waiting time filed on an event calendar, so that policies
can thin candidates day by day; and each purchase booked into the
customer's own accounts and the per-source, per-age table that payback is
read from. This script does exactly that work for the event counts of the
hand-written run at the same size, with the engine's own functions, but in
bulk: one call per array, no day loop, no Python per day, no phases. It is
a lower bound on any numpy engine that keeps those obligations, however
its day loop is arranged (compiled code, numba say, is not bound by it).

Prints, alternating with the hand-written run in this process, the median
seconds of each part and of the whole, the events per second each way, and
their ratio.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import event_driven  # noqa: E402
from reference import CHURN, DAYS, PURCHASE, REFERRAL_PROB, SPEND  # noqa: E402
from sim.calendar import Calendar, geometric  # noqa: E402
from sim.distributions import Distribution  # noqa: E402
from sim.randomness import KeyedUniforms  # noqa: E402

SOURCES = 3     # initial base, channel, referral


def obligations(totals: dict, rng: np.random.Generator) -> dict[str, float]:
    """Seconds of each per-event obligation for the events counted in ``totals`` (a hand-written run's)."""
    customers, purchases = totals["customers"], totals["purchases"]
    # who waits and from which day (not timed): every arrival files its first churn candidate,
    # every purchase, first ones included, its next purchase candidate
    waits = np.concatenate([np.arange(customers), rng.integers(0, customers, purchases)])
    buyers = waits[customers:]
    days = rng.integers(0, DAYS, waits.size)
    seconds = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    traits = [Distribution("gamma", PURCHASE), Distribution("beta", CHURN), Distribution("gamma", SPEND),
              Distribution("constant", {"value": REFERRAL_PROB})]
    purchase_prob, churn_prob, spend, _ = (trait.sample(rng, customers) for trait in traits)
    np.minimum(purchase_prob, 1.0, out=purchase_prob)
    activated = np.zeros(customers, np.int32)
    source = np.zeros(customers, np.int16)
    draw_key = np.arange(customers, dtype=np.uint64) + np.uint64(1 << 52)
    lap("traits and draw keys at arrival")

    keyed = KeyedUniforms(np.random.SeedSequence(0), "floor")
    uniforms = keyed.on(1, draw_key[waits])
    invitations = keyed.on(2, draw_key[buyers]) < REFERRAL_PROB
    lap("keyed uniforms (waits, invitations)")

    prob = np.concatenate([churn_prob, purchase_prob[buyers]]).astype(np.float64)
    due = days + geometric(uniforms, prob, cap=DAYS)
    lap("geometric waiting times")

    calendar = Calendar(DAYS)
    calendar.add(waits[:customers], due[:customers])     # arrivals, then the purchases' waits
    calendar.add(waits[customers:], due[customers:])
    popped = sum(calendar.pop(day).size for day in range(DAYS))
    lap("calendar: file and pop")

    amounts = spend[buyers].astype(np.float64)
    age = days[customers:] - activated[buyers]
    ltv_days = DAYS - 1
    inside = age < ltv_days
    contribution = amounts * 0.6 * ((1.1) ** (-np.arange(DAYS) / 365.0))[age]
    contribution *= inside
    value = np.bincount(buyers, contribution, customers)
    revenue = np.bincount(buyers, amounts * inside, customers)
    n_purchases = np.bincount(buyers, inside, customers).astype(np.int32)
    by_age = np.bincount(source[buyers].astype(np.int64) * DAYS + age, contribution, SOURCES * DAYS)
    lap("booking purchases")
    assert popped <= waits.size and invitations.size == purchases
    assert value.size == revenue.size == n_purchases.size == customers and by_age.size == SOURCES * DAYS
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customers", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    hand_written, parts, totals = [], [], {}
    for repeat in range(args.repeat + 1):           # the first round warms up, untimed
        start = time.perf_counter()
        totals = event_driven.run(args.customers, seed=repeat)
        elapsed = time.perf_counter() - start
        seconds = obligations(totals, np.random.default_rng(repeat))
        if repeat:
            hand_written.append(elapsed)
            parts.append(seconds)
    events = totals["events"]
    whole = statistics.median(sum(seconds.values()) for seconds in parts)
    reference = statistics.median(hand_written)
    print(f"{args.customers:,} customers, {events / 1e6:.2f} M events, median of {args.repeat}")
    for name in parts[0]:
        print(f"  {name:<40} {statistics.median(seconds[name] for seconds in parts):.3f} s")
    print(f"  {'obligations in bulk, in all':<40} {whole:.3f} s   {events / whole / 1e6:5.1f} M events/s")
    print(f"  {'hand-written event-driven run':<40} {reference:.3f} s   {events / reference / 1e6:5.1f} M events/s")
    print(f"  obligations / hand-written: {whole / reference:.2f}x")


if __name__ == "__main__":
    main()
