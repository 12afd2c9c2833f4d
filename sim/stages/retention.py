"""Retention: churn decided once per retention period of each customer."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..calendar import Calendar, capped, geometric, thin
from ..limits import batches, parts

if TYPE_CHECKING:
    from ..state import State


class Retention:
    """Churn with each customer's own probability per period.

    A customer activated on day ``a`` faces a churn decision on days
    ``a + k * period_days`` (k >= 1): 1 = daily, 30 = monthly, 365 = annual
    contracts. With per-customer churn ``c`` the chance to be active after
    k periods is ``(1 - c)^k``; with ``c ~ Beta(a, b)`` across customers the
    surviving share is ``B(a, b + k) / B(a, b)`` (shifted-beta-geometric).

    Only the decisions that may end in churn are visited: the number of
    periods to the next candidate is geometric with ``min(1, c * bound)``,
    where ``bound`` is the largest product of the policies' churn factors;
    a candidate churns with the day's actual ``min(1, c * factors)`` over
    that (see ``sim.calendar``).
    """

    def __init__(self, period_days: int, n_days: int, bound: float = 1.0):
        self.period_days = period_days
        self.bound = bound
        self.calendar = Calendar(n_days)

    def resume(self, state: State, ids: np.ndarray) -> None:
        """Put customers reactivated today back on the calendar, on their own
        period grid: the first decision is on the first grid day from today."""
        activated = state.people.ti_activated[ids]
        first = activated + -(-(state.day - activated) // self.period_days) * self.period_days
        for part in parts(ids.size):
            self._schedule(state, ids[part], first[part], "retention/resume")

    def step(self, state: State, arrivals: np.ndarray) -> None:
        """Churn today's accepted candidates; survivors and today's ``arrivals``
        wait for their next candidate, one period from now or later."""
        people, day = state.people, state.day
        due = self.calendar.pop(day)
        if state.policies:
            churn_prob = people.churn_prob[due].astype(np.float64)
            actual = capped(churn_prob, state.churn_factor(due))
            churns = thin(state.uniforms("retention/accept", due), actual, capped(churn_prob, self.bound), "churn")
        else:
            churns = np.ones(due.size, dtype=bool)
        for waiting in batches([due[~churns], arrivals]):
            self._schedule(state, waiting, day + self.period_days, "retention")
        churned = due[churns]
        people.churn(churned, day)
        state.ledger.record("churned", day, churned.size)

    def _schedule(self, state: State, ids, first_day, draw: str) -> None:
        """Draw the decision day that may churn ``ids`` among ``first_day + k * period_days``
        (one day, or one per id) with uniforms ``draw``; ``ids`` are at most PART_CUSTOMERS
        (``sim.limits.batches``), to bound the temporaries of a day-0 base of millions."""
        churn_prob = state.people.churn_prob[ids].astype(np.float64)
        periods = geometric(state.uniforms(draw, ids), capped(churn_prob, self.bound), cap=self.calendar.n_days)
        self.calendar.add(ids, first_day + (periods - 1) * self.period_days)
