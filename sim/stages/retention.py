"""Retention: churn decided once per retention period of each customer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Retention:
    """Churn with each customer's own probability per period.

    A customer activated on day ``a`` faces a churn decision on days
    ``a + k * period_days`` (k >= 1): 1 = daily, 30 = monthly, 365 = annual
    contracts. With per-customer churn ``c`` the chance to be active after
    k periods is ``(1 - c)^k``; with ``c ~ Beta(a, b)`` across customers the
    surviving share is ``B(a, b + k) / B(a, b)`` (shifted-beta-geometric).
    """

    period_days: int

    def step(self, state, customers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Decide churn among ``customers`` due today; return the survivors."""
        people, day = state.people, state.day
        if self.period_days == 1:
            due = customers
        else:
            due_mask = (day - people.ti_activated[customers]) % self.period_days == 0
            due = customers[due_mask]
        churn_prob = people.churn_prob[due]
        if state.policies:
            churn_prob = churn_prob * state.multiplier("churn_multiplier", due)
        churns = rng.random(due.size, dtype=np.float32) < churn_prob
        if self.period_days == 1:
            survivors = due[~churns]
        else:
            keep = np.ones(customers.size, dtype=bool)
            keep[np.flatnonzero(due_mask)[churns]] = False
            survivors = customers[keep]
        # the active list is `customers` followed by today's arrivals
        arrivals = people.active_ids[customers.size:]
        churned = due[churns]
        people.churn(churned, day, still_active=np.concatenate([survivors, arrivals]))
        state.ledger.record("churned", day, churned.size)
        return survivors
