"""Organic acquisition: free adoption from the remaining market (Bass diffusion)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .activation import activate
from .referral import active_members

if TYPE_CHECKING:
    from ..state import State


@dataclass(frozen=True)
class OrganicAdoption:
    """Bass-type adoption at no cost.

    Each remaining prospect adopts on a day with probability
    ``min(1, (innovation + imitation * active / market_size) / 365)``, where
    ``active`` is the number of customers active at the start of the day,
    each paying member (membership policy) counted ``market.member_influence``
    times (so ``active = ordinary + member_influence * members``); with churn
    and channels off and no members the cumulative adopters follow the Bass
    curve ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``, t in years.
    """

    innovation: float      # Bass p, per year
    imitation: float       # Bass q, per year
    market_size: int
    source: int

    def daily_adoption_prob(self, active_at_start: float) -> float:
        return min(1.0, (self.innovation + self.imitation * active_at_start / self.market_size) / 365.0)

    def word_of_mouth(self, state: State, active_at_start: int) -> float:
        """The active count of the Bass rate: ``active_at_start`` plus ``member_influence - 1``
        for each active member (members are never among today's arrivals)."""
        influence = state.params.member_influence
        if influence == 1.0 or not self.imitation:
            return float(active_at_start)
        members = int(active_members(state, state.people.active_ids).sum())
        return active_at_start + (influence - 1.0) * members

    def step(self, state: State, rng: np.random.Generator, active_at_start: int) -> np.ndarray:
        """Draw today's adopters from the remaining market; return their ids."""
        adopters = rng.binomial(state.market_left, self.daily_adoption_prob(self.word_of_mouth(state, active_at_start)))
        return activate(state, adopters, self.source, rng)
