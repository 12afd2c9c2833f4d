"""Offline ground promotion and store traffic: a daily cost and a local reach cap."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

from ..declarations import redeclare
from ..validation import param
from .base import Channel

if TYPE_CHECKING:
    from ..state import State


@dataclass
class OfflineChannel(Channel, kind="offline"):
    """Ground promotion, flyers, store traffic within one catchment area.

    Costs ``daily_budget`` a day (staff, rent, materials) whatever it
    brings. It reaches only the ``catchment`` prospects near the store:
    expected leads are ``daily_leads * catchment_left / catchment``, so the
    local pool dries up as it is converted, independently of the budget.
    """

    daily_budget: float = param(800.0, low=0, unit="currency per day",
                                doc="fixed running cost (staff, rent, materials), paid whatever it brings")
    daily_leads: float = param(60.0, low=0, unit="leads per day",
                               doc="expected walk-ins a day with the catchment untouched, before demand and "
                                   "market depletion")
    catchment: int = param(50_000, low=1, integer=True, unit="prospects", doc="prospects within reach of the store")
    activation_prob: float = redeclare(Channel, "activation_prob", 0.3)

    # Assumption: face-to-face customers are a little stickier and talk to neighbours.
    DEFAULT_QUALITY: ClassVar[dict] = {"churn_prob": 0.9, "referral_prob": 1.2}

    def reset(self) -> None:
        self.catchment_left = self.catchment

    def expected_leads(self, state: State, budget: float) -> float:
        return self.daily_leads * self.catchment_left / self.catchment if budget > 0 else 0.0

    def most_leads(self) -> float:
        return self.daily_leads

    def most_customers(self, acquisition_days: int, demand: float) -> float:
        return min(float(self.catchment), super().most_customers(acquisition_days, demand))

    def step(self, state: State, rng):
        ids = super().step(state, rng)
        self.catchment_left = max(self.catchment_left - ids.size, 0)
        return ids
