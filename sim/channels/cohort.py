"""A known cohort: customers arriving on given days, e.g. replayed from data."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..declarations import declare
from ..stages.activation import activate
from ..validation import ConfigError
from .base import Channel

if TYPE_CHECKING:
    from ..state import State


@dataclass
class CohortChannel(Channel, kind="cohort"):
    """Exactly ``arrivals[d]`` new customers on day ``d`` (within what is left of the market).

    No leads, no cost: the customers are given, as when a data set's
    customers are replayed from their first-purchase days (``sim.calibrate``).
    """

    arrivals: tuple = declare((), unit="list of customers per day from day 0, integers ≥ 0, at most "
                                       "`horizon.acquisition_days` long", doc="new customers on each day")

    budgeted: ClassVar[bool] = False

    @classmethod
    def config_keys(cls) -> tuple[str, ...]:
        """Given customers: no leads, no costs to configure."""
        return ("arrivals", "quality")

    @classmethod
    def structured(cls, path: str, spec: Mapping) -> dict:
        return {**super().structured(path, spec),
                "arrivals": _arrivals(f"{path}.arrivals", spec.get("arrivals", ()))}

    def most_customers(self, acquisition_days: int, demand: float) -> float:
        return float(sum(self.arrivals))

    def step(self, state: State, rng: np.random.Generator) -> np.ndarray:
        count = self.arrivals[state.day] if state.day < len(self.arrivals) else 0
        ids = activate(state, min(count, state.market_left), self.source)
        state.ledger.record("leads." + self.name, state.day, ids.size)
        state.ledger.record("valid_leads." + self.name, state.day, ids.size)
        return ids


def _arrivals(path: str, spec) -> tuple:
    if not isinstance(spec, (list, tuple)) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in spec):
        raise ConfigError(path, spec, "must be a list of customer counts >= 0, one per day from day 0")
    return tuple(spec)
