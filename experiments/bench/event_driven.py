"""The reference model event by event with numpy: no loop over days.

The model is reference.py's. A customer arriving on day ``a`` makes a first
purchase that day; from day ``a + 1`` on, each day it churns with its
probability ``c`` and, if it survives, buys with its probability ``p``.
So its churn day is ``a + G`` with ``G`` geometric on 1, 2, ... with
parameter ``c`` (still active at the end if that is past the last day), and
its later purchases fall on ``a + g1``, ``a + g1 + g2``, ... with geometric
gaps of parameter ``p``, strictly before the churn day and the horizon.
Both are drawn by inversion of a uniform, floor(log(u) / log1p(-q)) + 1,
which is exact. Channel arrivals are drawn per acquisition day (Poisson
leads, each activating with 0.2). Every purchase invites with 0.05 and an
invitation converts with 0.2, arriving the next day while that is still an
acquisition day; the referred arrivals of one generation of customers come
from its purchases counted by day, and make up the next generation, until
one brings no arrivals.

Each customer costs a few draws for its traits and lifetime, and each
purchase one draw for the gap to the next, so the work is O(customers +
purchases), against O(customer-days) for a Bernoulli draw per customer and
day (plain_numpy.py).
"""
from __future__ import annotations

import time

import numpy as np

from reference import (ACQUISITION_DAYS, ACTIVATION_PROB, CHURN, CONVERSION_PROB, DAYS, PURCHASE,
                       REFERRAL_PROB, SPEND, daily_leads)

CHUNK = 1 << 16  # customers drawn at a time: the arrays stay small and their memory is reused


def _geometric(rng: np.random.Generator, log_q: np.ndarray) -> np.ndarray:
    """Trials up to the first success, 1, 2, ..., given log(1 - prob); capped at DAYS + 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        trials = np.floor(np.log1p(-rng.random(log_q.size)) / log_q) + 1  # log1p(-u): u in (0, 1]
    return np.fmin(trials, DAYS + 1).astype(np.int64)  # prob 0 gives nan or inf: never


def run(customers: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    channel = rng.binomial(rng.poisson(daily_leads(customers), ACQUISITION_DAYS), ACTIVATION_PROB)
    arrival_days = np.concatenate([np.zeros(customers, np.int64),
                                   np.repeat(np.arange(ACQUISITION_DAYS), channel)])
    totals = {"customers": 0, "active": 0, "purchases": 0, "revenue": 0.0}
    while arrival_days.size:  # one generation: the base and channel, then each round of referrals
        by_day = np.zeros(DAYS, np.int64)  # the generation's purchases per day, first ones included
        for start in range(0, arrival_days.size, CHUNK):
            by_day += _customers(rng, arrival_days[start:start + CHUNK], totals)
        totals["purchases"] += int(by_day.sum())
        referred = rng.binomial(rng.binomial(by_day, REFERRAL_PROB), CONVERSION_PROB)
        # a purchase on day t brings an arrival on t + 1 < ACQUISITION_DAYS
        arrival_days = np.repeat(np.arange(1, ACQUISITION_DAYS), referred[:ACQUISITION_DAYS - 1])
    churns = totals["customers"] - totals["active"]
    totals["churns"] = churns
    totals["events"] = totals["purchases"] + churns + totals["customers"]
    return totals


def _customers(rng: np.random.Generator, arrival_days: np.ndarray, totals: dict) -> np.ndarray:
    """Traits, lifetimes and purchases of customers arriving on ``arrival_days``; their purchases per day."""
    count = arrival_days.size
    p = np.minimum(rng.gamma(PURCHASE["shape"], PURCHASE["scale"], count), 1)
    c = rng.beta(CHURN["a"], CHURN["b"], count)
    spend = rng.gamma(SPEND["shape"], SPEND["scale"], count)
    end = np.minimum(arrival_days + _geometric(rng, np.log1p(-c)), DAYS)  # churn day or horizon
    totals["customers"] += count
    totals["active"] += int(np.count_nonzero(end == DAYS))  # a churn day past the last day: active
    totals["revenue"] += float(spend.sum())
    by_day = np.bincount(arrival_days, minlength=DAYS)
    # walk later purchases gap by gap, keeping the customers with one more to come
    who, day, log_q = np.arange(count), arrival_days, np.log1p(-p)
    while who.size:
        day = day + _geometric(rng, log_q)
        keep = day < end[who]
        who, day, log_q = who[keep], day[keep], log_q[keep]
        totals["revenue"] += float(spend[who].sum())
        by_day += np.bincount(day, minlength=DAYS)
    return by_day


if __name__ == "__main__":
    for customers in (100_000, 1_000_000, 10_000_000):
        times = []
        for seed in range(3):
            start = time.perf_counter()
            totals = run(customers, seed)
            times.append(time.perf_counter() - start)
        elapsed = float(np.median(times))
        print(f"{customers:>10,} customers: {elapsed:.3f} s (median of 3), {totals['events'] / 1e6:.1f} M events, "
              f"{totals['events'] / elapsed / 1e6:.1f} M events/s, revenue/customer "
              f"{totals['revenue'] / totals['customers']:.2f}, active share {totals['active'] / totals['customers']:.3f}")
