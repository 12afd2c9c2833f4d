"""Customer tiering: periodic RFM tiers that other policies can target."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..validation import ConfigError, param
from .base import Policy

if TYPE_CHECKING:
    from ..state import State


@dataclass
class Tiering(Policy, kind="tiering"):
    """RFM tiers recomputed every ``every_days`` days.

    Each active customer gets percentile ranks ``r`` (recency: fewer days
    since the last purchase ranks higher), ``f`` (purchases) and ``m``
    (revenue), in (0, 1]; its score is their weighted mean and its tier
    ``min(floor(score * tiers), tiers - 1)``: 0 is the lowest, ``tiers - 1``
    the top. Customers not yet scored, and churned ones, keep their last
    tier (-1 = never scored). A policy with ``target_tiers: [...]`` recruits
    and contacts only customers in those tiers.
    """

    every_days: int = param(90, low=1, integer=True, unit="days", doc="days between recomputations")
    tiers: int = param(4, low=2, high=100, integer=True, unit="tiers", doc="number of tiers, `0 … tiers − 1`")
    recency_weight: float = param(1.0, low=0, unit="weight", doc="weight of recency in the score")
    frequency_weight: float = param(1.0, low=0, unit="weight", doc="weight of purchase count")
    monetary_weight: float = param(1.0, low=0, unit="weight", doc="weight of revenue")

    COUNTS: ClassVar[tuple] = ()

    def check_among(self, kinds: Sequence[str]) -> None:
        path = f"policies.{self.name}"
        if self.target_tiers:
            raise ConfigError(f"{path}.target_tiers", list(self.target_tiers),
                              "the tiering policy assigns tiers to everyone; it cannot target them")
        if not self.recency_weight + self.frequency_weight + self.monetary_weight > 0:
            raise ConfigError(f"{path}.recency_weight", self.recency_weight,
                              "at least one of the recency, frequency and monetary weights must be > 0")

    def init(self, state: State) -> None:
        super().init(state)
        state.people.add_field("tier", np.int8, -1)
        state.people.keep("ti_last_purchase")      # recency is one of the ranks
        state.ledger.declare(f"tier_{t}" for t in range(self.tiers))

    def calendar(self, env, state: State):
        while True:
            yield env.timeout(self.every_days)
            self.assign(state, int(env.now))

    def assign(self, state: State, day: int) -> None:
        people = state.people
        active = people.active_ids
        if not active.size:
            return
        weights = np.array([self.recency_weight, self.frequency_weight, self.monetary_weight])
        ranks = np.vstack([_rank(-(day - people.ti_last_purchase[active])),
                           _rank(people.n_purchases[active]),
                           _rank(people.revenue[active])]) / active.size
        score = weights @ ranks / weights.sum()
        people.tier[active] = np.minimum((score * self.tiers).astype(np.int8), self.tiers - 1)
        counts = np.bincount(people.tier[active], minlength=self.tiers)
        for tier, count in enumerate(counts):
            state.ledger.record(f"tier_{tier}", day, int(count))

    def metrics(self, state: State) -> dict:
        people = state.people
        active = people.active_ids
        shares = np.bincount(people.tier[active][people.tier[active] >= 0], minlength=self.tiers)
        return {f"tier_share.{t}": float(shares[t] / max(active.size, 1)) for t in range(self.tiers)}


def _rank(values: np.ndarray) -> np.ndarray:
    """Each value's rank from 1, ties sharing the highest (``scipy.stats.rankdata(method="max")``):
    how many values are at most it."""
    return np.searchsorted(np.sort(values), values, side="right")
