"""Campaign calendar: sale days that lift demand for every channel and customer.

A sale day (a mid-year festival, an 11-11 style peak) multiplies the
expected leads of every channel and the daily purchase probability of every
active customer by its ``demand`` while it lasts; overlapping events
multiply. The campaign calendar is one SimPy process that sets
``state.demand`` at the start of every day from :func:`demand_by_day`, so
each day's demand is the product of the events covering it, whatever the
events before it did.
"""
from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .validation import LARGEST, SMALLEST, ConfigError, build, check_date, param

if TYPE_CHECKING:
    from .state import State


@dataclass(frozen=True)
class SaleEvent:
    """One sale period: ``days`` days from ``start`` with demand multiplied by ``demand``."""

    name: str
    start: int = param(0, low=0, integer=True)        # first day of the sale (a date is turned into its day)
    days: int = param(1, low=1, integer=True)         # length in days
    demand: float = param(2.0, low=0, low_open=True)  # multiplier on leads and purchase probability


def build_sale_days(spec: object, n_days: int, start_date: datetime.date) -> tuple[SaleEvent, ...]:
    """Check ``campaigns.sale_days`` (a list of mappings) and build the events.

    A sale's ``start`` is a day of the run or a date (YYYY-MM-DD), counted
    from ``start_date``, the date of day 0. Raise ConfigError for a bad
    date, a sale that does not lie inside the run's
    ``n_days`` days, or for overlapping sales whose combined demand on a day
    leaves [SMALLEST, LARGEST].
    """
    if not isinstance(spec, Sequence) or isinstance(spec, str):
        raise ConfigError("campaigns.sale_days", spec,
                          "must be a list like [{name: '11-11', start: 2027-11-11, days: 1, demand: 3.0}]")
    events = []
    for index, item in enumerate(spec):
        path = f"campaigns.sale_days[{index}]"
        if not isinstance(item, Mapping):
            raise ConfigError(path, item, "must be a mapping with name, start, days, demand")
        given = {k: v for k, v in item.items() if k != "name"}
        if isinstance(given.get("start"), (str, datetime.date)):
            given["start"] = day_of(f"{path}.start", given["start"], start_date)
        event = build(SaleEvent, path, given,
                      name=str(item.get("name", f"sale {index}")))
        if event.start + event.days > n_days:
            raise ConfigError(f"{path}.start", event.start, f"the sale ({event.days} days) must end "
                              f"by the run's last day, {n_days - 1} (acquisition_days + ltv_days - 1)")
        events.append(event)
    demand = demand_by_day(events, n_days)
    for bad, limit in ((demand > LARGEST, f"<= {LARGEST:g}"), (demand < SMALLEST, f">= {SMALLEST:g}")):
        if bad.any():
            day = int(np.argmax(bad))
            raise ConfigError("campaigns.sale_days", f"demand {demand[day]:g} on day {day}",
                              f"overlapping sales multiply their demand; the product must be {limit}")
    return tuple(events)


def day_of(path: str, value: object, start_date: datetime.date) -> int:
    """The day of the run on which date ``value`` falls (day 0 is ``start_date``); ConfigError if before it."""
    date = check_date(path, value)
    if date < start_date:
        raise ConfigError(path, value, f"must be on or after calendar.start_date ({start_date.isoformat()})")
    return (date - start_date).days


def demand_by_day(events: Sequence[SaleEvent], n_days: int) -> np.ndarray:
    """Campaign demand multiplier of each day: the product of the sales covering it, 1 elsewhere."""
    demand = np.ones(n_days)
    for event in events:
        demand[event.start: event.start + event.days] *= event.demand
    return demand


def calendar(env, state: State, demand: np.ndarray):
    """SimPy process: set ``state.demand`` to each day's ``demand`` at the start of the day."""
    for value in demand:
        state.demand = float(value)
        yield env.timeout(1)


def sale_day_mask(events: Sequence[SaleEvent], n_days: int) -> np.ndarray:
    """True on the days inside any sale event."""
    mask = np.zeros(n_days, dtype=bool)
    for event in events:
        mask[event.start: event.start + event.days] = True
    return mask
