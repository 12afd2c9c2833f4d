"""What every acquisition channel shares.

A channel is a dataclass of parameters plus a little per-replication state
(an adstock, a catchment). Each acquisition day its ``step``:

1. spends today's budget (set by its schedule's SimPy process);
2. draws leads: Poisson around ``expected_leads`` times today's campaign
   demand times the share of the market not yet acquired, by inverse CDF
   from one uniform so a slightly different market barely moves the count;
3. keeps the valid ones (``precision``) and activates some of those
   (``activation_prob``), with the channel's ``quality`` multipliers on the
   new customers' traits;
4. pays ``cost_per_customer`` for each new customer and ``commission_rate``
   on their first purchase; ``on_purchases`` pays commission on repeat
   purchases made within ``commission_days`` of activation.

All of it is acquisition spend of the channel (counted in CAC).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy import stats

from ..stages.activation import activate
from ..validation import param
from .schedule import Schedule


@dataclass
class Channel:
    name: str
    source: int                                                    # index among acquisition sources
    activation_prob: float = param(0.2, low=0, high=1)             # share of valid leads who buy
    precision: float = param(1.0, low=0, high=1)                   # share of leads that are valid
    cost_per_customer: float = param(0.0, low=0)                   # paid per new customer (CPA payout, subsidy)
    commission_rate: float = param(0.0, low=0, high=1)             # share of its customers' purchases paid out
    commission_days: int = param(0, low=0, integer=True)           # purchases this many days after activation still earn it
    quality: dict = field(default_factory=dict)                    # trait -> multiplier on the population's draws
    schedule: Schedule = field(default_factory=Schedule)

    kind: ClassVar[str] = ""
    budgeted: ClassVar[bool] = True
    """Whether the channel spends a daily budget set by its schedule."""
    DEFAULT_QUALITY: ClassVar[dict] = {}
    """Trait multipliers of the kind, before the ones given in config."""
    linear_cost: ClassVar[bool] = False
    """Whether cost grows in step with customers (per-customer or per-event pricing)."""

    def __post_init__(self):
        self.quality = {**self.DEFAULT_QUALITY, **self.quality}
        self.reset()

    def reset(self) -> None:
        """Clear per-replication state."""

    def expected_leads(self, state, budget: float) -> float:
        """Mean leads today before demand and market depletion."""
        raise NotImplementedError

    def most_leads(self) -> float:
        """Largest expected leads a day before demand and market depletion (for the up-front estimate)."""
        raise NotImplementedError

    def most_customers(self, acquisition_days: int, demand: float) -> float:
        """Largest expected customers over the acquisition days at a campaign demand of at most ``demand``."""
        return self.most_leads() * demand * self.precision * self.activation_prob * acquisition_days

    def calendar(self, env, state):
        """SimPy process setting today's budget (none for unbudgeted channels)."""
        if self.budgeted:
            yield from self.schedule.process(env, state, self)

    def step(self, state, rng: np.random.Generator) -> np.ndarray:
        """Spend, draw leads, activate; return the new customers' ids."""
        ledger, day = state.ledger, state.day
        budget = state.budgets.get(self.name, 0.0)
        if budget:
            ledger.spend(day, self.name, budget)
            ledger.record("budget." + self.name, day, budget)
        reach = state.demand * state.market_left / state.params.market_size
        ledger.record("reach." + self.name, day, reach)
        mean = self.expected_leads(state, budget) * reach
        # ppf(0) is -1 by scipy's convention; a uniform of exactly 0 means no leads.
        leads = min(max(int(stats.poisson.ppf(rng.random(), mean)), 0), state.market_left) if mean > 0 else 0
        valid = rng.binomial(leads, self.precision)
        ledger.record("leads." + self.name, day, leads)
        ledger.record("valid_leads." + self.name, day, valid)
        ids = activate(state, rng.binomial(valid, self.activation_prob), self.source, rng)
        cost = self.cost_per_customer * ids.size + self.commission_rate * float(state.people.spend[ids].sum())
        if cost:
            ledger.spend(day, self.name, cost)
        return ids

    def on_purchases(self, state, buyers: np.ndarray, amounts: np.ndarray) -> None:
        """Pay commission on today's repeat purchases (``amounts`` paid) by this channel's customers."""
        if not (self.commission_rate and self.commission_days):
            return
        people = state.people
        mine = (people.source[buyers] == self.source) & (
            state.day - people.ti_activated[buyers] <= self.commission_days)
        if mine.any():
            state.ledger.spend(state.day, self.name, self.commission_rate * float(amounts[mine].sum()))

    def marginal_cac(self, state) -> float:
        """Cost of one more customer at the current plan.

        Where cost grows in step with customers it is the average cost per
        customer; where cost does not buy reach (a fixed running cost) it is NaN.
        """
        daily = state.ledger.daily
        customers = daily["new." + self.name].sum()
        if not (self.linear_cost and customers):
            return float("nan")
        return float(daily["spend." + self.name].sum() / customers)
