"""The reference model written plainly with numpy: struct of arrays, one generator, alive indices only."""
from __future__ import annotations

import numpy as np

from reference import (ACQUISITION_DAYS, ACTIVATION_PROB, CHURN, CONVERSION_PROB, DAYS, PURCHASE,
                       REFERRAL_PROB, SPEND, daily_leads)


def run(customers: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    capacity = int(customers * 1.3) + 1000
    p = np.empty(capacity, np.float32)
    c = np.empty(capacity, np.float32)
    s = np.empty(capacity, np.float32)
    n = 0
    alive = np.empty(0, np.int64)
    revenue = purchases = 0.0
    pending = 0

    def arrive(count):
        nonlocal n, alive, revenue, purchases
        ids = np.arange(n, n + count)
        p[ids] = np.minimum(rng.gamma(PURCHASE["shape"], PURCHASE["scale"], count), 1)
        c[ids] = rng.beta(CHURN["a"], CHURN["b"], count)
        s[ids] = rng.gamma(SPEND["shape"], SPEND["scale"], count)
        n += count
        revenue += float(s[ids].sum())
        purchases += count
        return ids

    for day in range(DAYS):
        existing = alive
        new = []
        if day == 0:
            new.append(arrive(customers))
        if day < ACQUISITION_DAYS:
            new.append(arrive(pending + rng.binomial(rng.poisson(daily_leads(customers)), ACTIVATION_PROB)))
        survivors = existing[rng.random(existing.size, dtype=np.float32) >= c[existing]]
        buyers = survivors[rng.random(survivors.size, dtype=np.float32) < p[survivors]]
        revenue += float(s[buyers].sum())
        purchases += buyers.size
        arrivals = np.concatenate(new) if new else np.empty(0, np.int64)
        alive = np.concatenate([survivors, arrivals])
        invitations = rng.binomial(buyers.size + arrivals.size, REFERRAL_PROB)
        pending = rng.binomial(invitations, CONVERSION_PROB) if day + 1 < ACQUISITION_DAYS else 0
    return {"customers": n, "active": int(alive.size), "purchases": purchases, "revenue": revenue}
