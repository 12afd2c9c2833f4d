"""Organic acquisition: free adoption from the remaining market (Bass diffusion)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .activation import activate

if TYPE_CHECKING:
    from ..state import State


@dataclass(frozen=True)
class OrganicAdoption:
    """Bass-type adoption at no cost.

    Each remaining prospect adopts on a day with probability
    ``min(1, (innovation + imitation * active / market_size) / 365)``, where
    ``active`` is the number of customers active at the start of the day,
    each weighted by its word of mouth (``State.influence``: a paying member
    counts ``market.member_influence`` customers, a loyal non-member
    ``market.loyal_influence``); with churn
    and channels off and weights 1 the cumulative adopters follow the Bass
    curve ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``, t in years.
    """

    innovation: float      # Bass p, per year
    imitation: float       # Bass q, per year
    market_size: int
    source: int

    def daily_adoption_prob(self, active_at_start: float) -> float:
        return min(1.0, (self.innovation + self.imitation * active_at_start / self.market_size) / 365.0)

    def word_of_mouth(self, state: State, active_at_start: int) -> float:
        """The active count of the Bass rate: ``active_at_start`` plus each active customer's
        ``influence - 1`` (today's arrivals, neither members nor loyal yet, add nothing)."""
        weight = state.influence(state.people.active_ids) if self.imitation else 1.0
        if np.isscalar(weight):
            return float(active_at_start)
        return active_at_start + float((weight - 1.0).sum(dtype=np.float64))

    def step(self, state: State, rng: np.random.Generator, active_at_start: int) -> np.ndarray:
        """Draw today's adopters from the remaining market; return their ids."""
        adopters = rng.binomial(state.market_left, self.daily_adoption_prob(self.word_of_mouth(state, active_at_start)))
        return activate(state, adopters, self.source)
