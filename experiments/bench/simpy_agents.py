"""The reference model with SimPy alone: one process per customer."""
from __future__ import annotations

import random

import simpy

from reference import (ACQUISITION_DAYS, ACTIVATION_PROB, CHURN, CONVERSION_PROB, DAYS, PURCHASE,
                       REFERRAL_PROB, SPEND, daily_leads)


def run(customers: int, seed: int = 0) -> dict:
    rng = random.Random(seed)
    env = simpy.Environment()
    totals = {"customers": 0, "active": 0, "purchases": 0, "revenue": 0.0}
    pending = [0]

    def invite():
        if rng.random() < REFERRAL_PROB and rng.random() < CONVERSION_PROB and env.now + 1 < ACQUISITION_DAYS:
            pending[0] += 1

    def customer():
        p = min(rng.gammavariate(PURCHASE["shape"], PURCHASE["scale"]), 1.0)
        c = rng.betavariate(CHURN["a"], CHURN["b"])
        s = rng.gammavariate(SPEND["shape"], SPEND["scale"])
        totals["customers"] += 1
        totals["active"] += 1
        totals["purchases"] += 1
        totals["revenue"] += s
        invite()
        while True:
            yield env.timeout(1)
            if env.now >= DAYS:
                return
            if rng.random() < c:
                totals["active"] -= 1
                return
            if rng.random() < p:
                totals["purchases"] += 1
                totals["revenue"] += s
                invite()

    def acquisition():
        for _ in range(customers):
            env.process(customer())
        for day in range(ACQUISITION_DAYS):
            leads = _poisson(rng, daily_leads(customers))
            arriving = pending[0] + sum(rng.random() < ACTIVATION_PROB for _ in range(leads))
            pending[0] = 0
            for _ in range(arriving):
                env.process(customer())
            yield env.timeout(1)

    env.process(acquisition())
    env.run(until=DAYS)
    return totals


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count
