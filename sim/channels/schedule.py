"""Budget schedules: how much a channel may spend on each acquisition day.

A schedule turns a channel's ``daily_budget`` into a planned budget per day
(flat, flights, pulses or events, with an optional boost on sale days) and
then applies an optional total-budget cap with pacing. Its SimPy process
sets ``state.budgets[channel]`` at the start of every day; a channel spends
exactly that, so spend never exceeds the plan nor the cap.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..declarations import declare, record
from ..validation import ConfigError, build, check_choice, check_number, param

if TYPE_CHECKING:
    from ..state import State

KINDS = ("flat", "flights", "pulses", "events", "plan")
PACINGS = ("even", "asap")


@dataclass(frozen=True)
class Schedule:
    """When and how much a channel spends.

    * ``flat``: the daily budget on every acquisition day;
    * ``flights``: the daily budget inside the ``flights`` ranges ``[start, end)``, nothing outside;
    * ``pulses``: the daily budget, times ``pulse_multiplier`` for ``pulse_days`` days
      every ``every_days`` days from ``first_day``;
    * ``events``: the daily budget only on one day every ``every_days`` days from
      ``first_day`` (e.g. a live-stream fee), nothing on other days;
    * ``plan``: a dated spend plan, one amount per day from day 0 (``plan``):
      ``daily_budget * plan[t] / mean(plan)`` on day ``t``, nothing after the
      plan. The channel's ``daily_budget`` defaults to the plan's mean, so the
      plan is spent as written; a larger one (say, from ``allocation``) scales
      every day of it alike.

    On campaign sale days the planned budget is multiplied by ``sale_day_multiplier``.
    With ``total_budget`` the plan is capped: ``even`` pacing scales every
    remaining day's plan down by the same factor so the cap lasts to the end;
    ``asap`` spends the plan until the cap is used up.
    """

    kind: str = declare("flat", unit="—", doc="`flat`, `flights`, `pulses`, `events` or `plan`")
    flights: tuple = declare((), unit="list of `[start, end)` day pairs, integers, 0 ≤ start < end",
                             doc="spending periods; required and non-empty for `flights`")
    plan: tuple = declare((), unit="list of amounts ≥ 0, currency per day, day 0 first, not all 0",
                          doc="the spend on each day of a `plan`; required for `plan`")
    every_days: int = param(7, low=1, integer=True, unit="days", doc="cycle length of `pulses` and `events`")
    first_day: int = param(0, low=0, integer=True, unit="day",
                           doc="first day of the first cycle of `pulses` and `events`")
    pulse_days: int = param(1, low=1, integer=True, unit="days", doc="length of a pulse")
    pulse_multiplier: float = param(3.0, low=0, unit="multiple of `daily_budget`", doc="budget multiple during a pulse")
    sale_day_multiplier: float = param(1.0, low=0, unit="multiple", doc="budget multiple on sale days")
    total_budget: float = param(float("inf"), low=0, unit="currency over the run",
                                doc="cap on the channel's budgets over the acquisition window; not given = no cap")
    pacing: str = declare("even", unit="—", doc="how the cap is applied: `even` or `asap`")

    def record(self) -> dict:
        """The schedule as a plain mapping, every key given but an unlimited ``total_budget``."""
        return record(self)

    def planned(self, daily_budget: float, acquisition_days: int, sale_days: np.ndarray) -> np.ndarray:
        """Planned budget for each acquisition day, before the cap."""
        day = np.arange(acquisition_days)
        if self.kind == "flat":
            plan = np.ones(acquisition_days)
        elif self.kind == "plan":
            plan = np.zeros(acquisition_days)
            shown = np.asarray(self.plan[:acquisition_days], dtype=float)
            plan[: shown.size] = shown / np.mean(self.plan)
        elif self.kind == "flights":
            plan = np.zeros(acquisition_days)
            for start, end in self.flights:
                plan[start:end] = 1.0
        else:
            since = day - self.first_day
            cycle = np.where(since >= 0, since % self.every_days, -1)
            if self.kind == "pulses":
                plan = np.where((cycle >= 0) & (cycle < self.pulse_days), self.pulse_multiplier, 1.0)
            else:
                plan = (cycle == 0).astype(float)
        boost = np.where(sale_days[:acquisition_days], self.sale_day_multiplier, 1.0)
        return daily_budget * plan * boost

    def largest_factor(self) -> float:
        """Largest multiple of the daily budget the plan releases on a day."""
        if self.kind == "pulses":
            peak = self.pulse_multiplier
        elif self.kind == "plan":
            peak = max(self.plan) / np.mean(self.plan)
        else:
            peak = 1.0
        return max(1.0, peak) * max(1.0, self.sale_day_multiplier)

    def budgets(self, planned: np.ndarray) -> np.ndarray:
        """Budget actually released each day: the plan under the total-budget cap."""
        if not np.isfinite(self.total_budget) or planned.sum() <= self.total_budget:
            return planned
        if self.pacing == "asap":
            spent_before = np.concatenate([[0.0], np.cumsum(planned)[:-1]])
            return np.clip(self.total_budget - spent_before, 0.0, planned)
        return planned * (self.total_budget / planned.sum())

    def process(self, env, state: State, channel):
        """SimPy process: set the channel's budget at the start of each acquisition day."""
        params = state.params
        budgets = self.budgets(self.planned(channel.daily_budget, params.acquisition_days, state.sale_days))
        for budget in budgets:
            state.budgets[channel.name] = float(budget)
            yield env.timeout(1)
        state.budgets[channel.name] = 0.0


def build_schedule(path: str, spec: object, default: Schedule) -> Schedule:
    """Check a ``schedule`` mapping and build it; keys not given keep the channel's ``default``."""
    if not isinstance(spec, Mapping):
        raise ConfigError(path, spec, f"must be a mapping with a kind ({', '.join(KINDS)})")
    kind = check_choice(f"{path}.kind", spec.get("kind", default.kind), KINDS)
    pacing = check_choice(f"{path}.pacing", spec.get("pacing", default.pacing), PACINGS)
    flights = spec.get("flights", default.flights)
    if kind == "flights":
        if not isinstance(flights, Sequence) or not flights or not all(
                isinstance(f, Sequence) and len(f) == 2
                and all(isinstance(d, int) and not isinstance(d, bool) for d in f)
                and 0 <= f[0] < f[1] for f in flights):
            raise ConfigError(f"{path}.flights", flights,
                              "must be a list of [start, end) day pairs with 0 <= start < end, "
                              "e.g. [[0, 60], [120, 180]]")
    plan = spec.get("plan", default.plan)
    if kind == "plan":
        plan = check_plan(f"{path}.plan", plan)
    rest = {k: v for k, v in spec.items() if k not in ("kind", "pacing", "flights", "plan")}
    checked = build(Schedule, path, rest, kind=kind, pacing=pacing, flights=tuple(tuple(f) for f in flights),
                    plan=tuple(plan))
    return dataclasses.replace(default, kind=kind, pacing=pacing, flights=checked.flights, plan=checked.plan,
                               **{k: getattr(checked, k) for k in rest})


def check_plan(path: str, plan) -> tuple:
    """A ``plan``: a non-empty list of finite amounts >= 0, not all 0."""
    rule = "must be a non-empty list of daily amounts >= 0, not all 0, e.g. [1000, 1200, 0, 800]"
    if not isinstance(plan, Sequence) or isinstance(plan, str) or not plan:
        raise ConfigError(path, plan, rule)
    amounts = tuple(check_number(f"{path}[{i}]", value, low=0) for i, value in enumerate(plan))
    if not any(amounts):
        raise ConfigError(path, list(plan), rule)
    return amounts
