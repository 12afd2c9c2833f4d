"""Revenue: repeat purchases by active customers."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..calendar import Calendar, capped, geometric, thin
from ..limits import batches
from ..population import CHURNED, REPEAT

if TYPE_CHECKING:
    from ..state import State


class Revenue:
    """Each active customer buys on a day with its daily purchase probability
    times the day's campaign demand and the policies' factors (capped at 1).

    A purchase brings the customer's spend per purchase (times the policies'
    spend factors) as revenue, booked with its cost of goods, and makes the
    customer a repeat buyer.

    Only candidate days are visited: the days to the next candidate are
    geometric with ``min(1, p * bound)``, where ``bound`` is the largest
    product of demand and policy factors; a candidate buys with the day's
    actual probability over that (see ``sim.calendar``).
    """

    def __init__(self, n_days: int, bound: float = 1.0, first_gap: int = 0):
        self.bound = bound
        self.first_gap = first_gap
        """Days after the first purchase without a repeat candidate (``period_days − 1`` with
        ``retention.repeats_from_first_decision``: repeats start on the first churn decision day)."""
        self.calendar = Calendar(n_days)

    def resume(self, state: State, ids: np.ndarray) -> None:
        """Put customers reactivated today back on the calendar.

        A candidate drawn before the churn and still ahead stays: waiting
        times are memoryless, so it is as good as a fresh draw. The others
        get a first candidate from today on.
        """
        for lapsed in batches([ids[state.people.next_purchase_day[ids] < state.day]]):
            self._schedule(state, lapsed, state.day - 1, "revenue/resume")

    def step(self, state: State, arrivals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Book today's purchases; return the buyers and what each paid.

        Today's candidates and ``arrivals`` (who made their first purchase
        today) get their next candidate day after today (arrivals after ``first_gap`` more).
        """
        people, day = state.people, state.day
        due = self.calendar.pop(day)
        due = due[people.stage[due] != CHURNED]
        # arrivals wait first_gap days more than today's candidates (filed together when none)
        waiting = [([due], day), ([arrivals], day + self.first_gap)] if self.first_gap else [([due, arrivals], day)]
        for arrays, after_day in waiting:
            for batch in batches(arrays):
                self._schedule(state, batch, after_day, "revenue")
        if state.policies or state.demand != 1.0 or self.bound != 1.0:
            purchase_prob = people.daily_purchase_prob[due].astype(np.float64)
            factors = state.demand * state.purchase_factor(due)
            actual = capped(purchase_prob, factors)
            buyers = due[thin(state.uniforms("revenue/accept", due), actual, capped(purchase_prob, self.bound),
                              "purchase")]
        else:
            buyers = due
        amounts = people.spend[buyers]
        if state.policies:
            amounts = amounts * state.spend_factor(buyers)
        people.stage[buyers] = REPEAT
        if people.keeps("ti_last_purchase"):
            people.ti_last_purchase[buyers] = day
        state.ledger.purchases(day, buyers, amounts)
        state.purchasers_today.append(buyers)
        state.amounts_today.append(amounts)
        return buyers, amounts

    def _schedule(self, state: State, ids: np.ndarray, after_day: int, draw: str) -> None:
        """Draw the next candidate purchase day of ``ids`` after ``after_day`` with uniforms ``draw``;
        ``ids`` are at most PART_CUSTOMERS (``sim.limits.batches``), to bound the temporaries of a
        day-0 base of millions."""
        prob = capped(state.people.daily_purchase_prob[ids].astype(np.float64), self.bound)
        days = after_day + geometric(state.uniforms(draw, ids), prob, cap=self.calendar.n_days)
        if state.people.keeps("next_purchase_day"):
            state.people.next_purchase_day[ids] = np.minimum(days, self.calendar.n_days)
        self.calendar.add(ids, days)
