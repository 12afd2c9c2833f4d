"""Acquisition channels: spend -> leads -> customers.

A channel is a small class of parameters with a ``step`` that spends today's
budget, draws leads from what is left of the addressable market and
activates some of them. ``schedule`` is its SimPy calendar: it sets today's
budget. Channels are configured under ``channels.<name>`` with a ``kind``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .stages.activation import activate
from .validation import ConfigError, build, check_choice, param


@dataclass(frozen=True)
class PaidChannel:
    """Paid public-domain media (search, feed, DSP): a daily budget buys leads.

    Expected leads on a day with budget ``B`` follow a Hill response curve,
    scaled by the share of the market still unacquired::

        leads(B) = max_daily_leads * B^h / (B^h + half_saturation_budget^h) * left / size

    ``h = hill_shape`` <= 1 gives diminishing returns from the first unit;
    ``h`` > 1 an S-curve. Leads are Poisson around that mean (drawn by
    inverse CDF from one uniform a day, so a slightly different market leaves
    the draw nearly unchanged); each lead activates with ``activation_prob``.
    The budget is spent in full on every acquisition day.
    """

    name: str
    source: int                                                  # index among acquisition sources
    daily_budget: float = param(1000.0, low=0)                   # currency per day
    max_daily_leads: float = param(500.0, low=0)                 # leads per day at unlimited budget
    half_saturation_budget: float = param(2000.0, low=0, low_open=True)   # budget giving half of max
    hill_shape: float = param(1.0, low=0, low_open=True)
    activation_prob: float = param(0.2, low=0, high=1)           # share of leads who buy
    kind: str = field(default="paid", init=False)

    def expected_leads(self, budget, market_share_left: float = 1.0):
        """Mean leads per day at ``budget`` (scalar or array) with the given market share left."""
        budget = np.asarray(budget, dtype=float) ** self.hill_shape
        return (self.max_daily_leads * budget / (budget + self.half_saturation_budget ** self.hill_shape)
                * market_share_left)

    def schedule(self, env, state):
        """SimPy process: a flat budget on every acquisition day."""
        state.budgets[self.name] = self.daily_budget
        yield env.timeout(state.params.acquisition_days)
        state.budgets[self.name] = 0.0

    def step(self, state, rng: np.random.Generator) -> np.ndarray:
        """Spend today's budget, draw leads, activate some; return the new customers' ids."""
        budget = state.budgets[self.name]
        state.ledger.spend(state.day, self.name, budget)
        mean = self.expected_leads(budget, state.market_left / state.params.market_size)
        # ppf(0) is -1 by scipy's convention; a uniform of exactly 0 means no leads.
        leads = max(int(stats.poisson.ppf(rng.random(), mean)), 0) if mean > 0 else 0
        leads = min(leads, state.market_left)
        state.ledger.record("leads." + self.name, state.day, leads)
        return activate(state, rng.binomial(leads, self.activation_prob), self.source, rng)


#: Channel kinds accepted in ``channels.<name>.kind``.
KINDS = {"paid": PaidChannel}


def build_channel(name: str, spec: Mapping, source: int):
    """Check ``channels.<name>`` and build the channel."""
    path = f"channels.{name}"
    if not isinstance(spec, Mapping):
        raise ConfigError(path, spec, f"must be a mapping with a kind ({', '.join(KINDS)}) "
                          "and its parameters")
    kind = check_choice(f"{path}.kind", spec.get("kind"), KINDS)
    parameters = {key: value for key, value in spec.items() if key != "kind"}
    return build(KINDS[kind], path, parameters, name=name, source=source)
