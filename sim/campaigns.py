"""Campaign calendar: sale days that lift demand for every channel and customer.

A sale day (a mid-year festival, an 11-11 style peak) multiplies the
expected leads of every channel and the daily purchase probability of every
active customer by its ``demand`` while it lasts. Each sale event is a
SimPy process that raises ``state.demand`` at its start and restores it at
its end; overlapping events multiply.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .validation import ConfigError, build, param


@dataclass(frozen=True)
class SaleEvent:
    """One sale period: ``days`` days from ``start`` with demand multiplied by ``demand``."""

    name: str
    start: int = param(0, low=0, integer=True)        # first day of the sale
    days: int = param(1, low=1, integer=True)         # length in days
    demand: float = param(2.0, low=0, low_open=True)  # multiplier on leads and purchase probability

    def process(self, env, state):
        """SimPy process: raise demand for the sale, then restore it."""
        yield env.timeout(self.start)
        state.demand *= self.demand
        yield env.timeout(self.days)
        state.demand /= self.demand


def build_sale_days(spec: object) -> tuple[SaleEvent, ...]:
    """Check ``campaigns.sale_days`` (a list of mappings) and build the events."""
    if not isinstance(spec, Sequence) or isinstance(spec, str):
        raise ConfigError("campaigns.sale_days", spec,
                          "must be a list like [{name: '11-11', start: 313, days: 1, demand: 3.0}]")
    events = []
    for index, item in enumerate(spec):
        path = f"campaigns.sale_days[{index}]"
        if not isinstance(item, Mapping):
            raise ConfigError(path, item, "must be a mapping with name, start, days, demand")
        events.append(build(SaleEvent, path, {k: v for k, v in item.items() if k != "name"},
                            name=str(item.get("name", f"sale {index}"))))
    return tuple(events)


def sale_day_mask(events: Sequence[SaleEvent], n_days: int) -> np.ndarray:
    """True on the days inside any sale event."""
    mask = np.zeros(n_days, dtype=bool)
    for event in events:
        mask[event.start: event.start + event.days] = True
    return mask
