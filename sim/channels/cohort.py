"""A known cohort: customers arriving on given days, e.g. replayed from data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..stages.activation import activate
from .base import Channel


@dataclass
class CohortChannel(Channel):
    """Exactly ``arrivals[d]`` new customers on day ``d`` (within what is left of the market).

    No leads, no cost: the customers are given, as when a data set's
    customers are replayed from their first-purchase days (``sim.calibrate``).
    """

    arrivals: tuple = ()        # new customers per day from day 0

    kind: ClassVar[str] = "cohort"
    budgeted: ClassVar[bool] = False

    def most_customers(self, acquisition_days: int, demand: float) -> float:
        return float(sum(self.arrivals))

    def step(self, state, rng: np.random.Generator) -> np.ndarray:
        count = self.arrivals[state.day] if state.day < len(self.arrivals) else 0
        ids = activate(state, min(count, state.market_left), self.source, rng)
        state.ledger.record("leads." + self.name, state.day, ids.size)
        state.ledger.record("valid_leads." + self.name, state.day, ids.size)
        return ids
