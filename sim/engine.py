"""The engine: SimPy's calendar and the day step that calls the stages.

SimPy owns time. Calendar processes (channels' budget schedules, campaign
sale days, later policy schedules) fire at the start of a day, on whole
times; the day step runs at mid-day (``day + 0.5``), so whatever a process
sets for day ``t`` is in place before the customers of day ``t`` act. The
per-customer work is vectorised inside the step; there is never one SimPy
process per customer. The step runs the phases of :data:`DAY_PLAN` in
order; ``python -m sim.engine --plan`` prints them.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import simpy

from . import campaigns
from . import metrics
from . import parallel
from . import uncertainty
from .params import Params, validate
from .progress import Progress
from .randomness import replication_seeds
from .results import Result
from .validation import ConfigError
from .stages.activation import activate
from .population import ID
from .state import Components, State


@dataclass
class Today:
    """What the phases of one day hand on to the later ones."""

    existing: int = 0
    """Customers active when the day step starts (won-back ones included)."""
    first_new: int = 0
    """Id of the first customer to arrive today."""
    arrivals: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=ID))
    """Today's new customers (empty after the acquisition window)."""
    buyers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    """Today's repeat buyers, in calendar order."""
    amounts: np.ndarray = field(default_factory=lambda: np.empty(0))
    """What each of ``buyers`` paid."""


def every_day(state: State) -> bool:
    """every day"""
    return True


def acquisition_day(state: State) -> bool:
    """acquisition days"""
    return state.day < state.params.acquisition_days


def first_day(state: State) -> bool:
    """day 0"""
    return state.day == 0 and acquisition_day(state)


def with_policies(state: State) -> bool:
    """every day, with a policy"""
    return bool(state.policies)


@dataclass(frozen=True)
class Phase:
    """One step of the day: run ``step(state, parts, today)`` on the days ``when`` holds."""

    number: str
    """Its number in docs/model.md, *A day, in order*."""
    name: str
    when: Callable[[State], bool]
    """Whether the phase runs today; its docstring says when, for :func:`describe_day`."""
    does: str
    """One line on what it does."""
    step: Callable[[State, Components, Today], None]

    def describe(self) -> str:
        return f"{self.number:<4} {self.name} ({self.when.__doc__}): {self.does}"


def _resume_won_back(state: State, parts: Components, today: Today) -> None:
    state.purchasers_today, state.amounts_today = [], []
    won_back = state.people.take_reactivated()
    if won_back.size:
        parts.retention.resume(state, won_back)
        parts.revenue.resume(state, won_back)
    today.existing, today.first_new = state.people.n_active, state.people.n


def _initial_base(state: State, parts: Components, today: Today) -> None:
    activate(state, state.params.initial_customers, state.params.source_index("initial"))


def _referral_arrivals(state: State, parts: Components, today: Today) -> None:
    parts.referral.arrive(state)


def _channels(state: State, parts: Components, today: Today) -> None:
    for channel in state.channels:
        channel.step(state, state.random("channel/" + channel.name))


def _organic(state: State, parts: Components, today: Today) -> None:
    parts.organic.step(state, state.random("organic"), today.existing)


def _policies_see_arrivals(state: State, parts: Components, today: Today) -> None:
    today.arrivals = np.arange(today.first_new, state.people.n, dtype=ID)
    for policy in state.policies:
        policy.on_arrivals(state, today.arrivals)


def _retention(state: State, parts: Components, today: Today) -> None:
    parts.retention.step(state, today.arrivals)


def _revenue(state: State, parts: Components, today: Today) -> None:
    today.buyers, today.amounts = parts.revenue.step(state, today.arrivals)


def _commissions(state: State, parts: Components, today: Today) -> None:
    for channel in state.channels:
        channel.on_purchases(state, today.buyers, today.amounts)


def _policies_see_purchases(state: State, parts: Components, today: Today) -> None:
    buyers, amounts = np.concatenate(state.purchasers_today), np.concatenate(state.amounts_today)
    for policy in state.policies:
        policy.on_purchases(state, buyers, amounts)


def _invitations(state: State, parts: Components, today: Today) -> None:
    parts.referral.invite(state)


def _end_of_day(state: State, parts: Components, today: Today) -> None:
    state.ledger.record("active", state.day, state.people.n_active)
    for policy in state.policies:
        policy.end_of_day(state)


DAY_PLAN = (
    Phase("0", "win-back resumes", every_day, "customers won back at the start of the day go back on "
          "the event calendars; existing = the customers active now", _resume_won_back),
    Phase("2.1", "initial base", first_day, "population.initial_customers customers activate "
          "(source initial)", _initial_base),
    Phase("2.2", "referral arrivals", acquisition_day, "yesterday's converted invitations activate "
          "(source referral)", _referral_arrivals),
    Phase("2.3", "channels", acquisition_day, "each channel in config order spends today's budget, "
          "draws leads and activates customers", _channels),
    Phase("2.4", "organic adoption", acquisition_day, "the market left adopts at the Bass rate of the "
          "existing customers", _organic),
    Phase("2.5", "policies see arrivals", acquisition_day, "each policy's on_arrivals with all of "
          "today's new customers", _policies_see_arrivals),
    Phase("3", "retention", every_day, "churn decisions due today among the existing customers, "
          "with M_churn", _retention),
    Phase("4.1", "revenue", every_day, "the existing survivors buy with daily_purchase_prob · "
          "M_purchase · demand and pay spend · M_spend", _revenue),
    Phase("4.2", "channel commissions", every_day, "each channel in config order pays commission_rate "
          "of its customers' repeat purchases within commission_days", _commissions),
    Phase("4.3", "policies see purchases", with_policies, "each policy's on_purchases with all of "
          "today's purchases, first purchases first", _policies_see_purchases),
    Phase("5", "referral invitations", every_day, "each purchase invites with referral_prob · M_inv; "
          "conversions (M_conv) arrive tomorrow, if it is an acquisition day", _invitations),
    Phase("6", "end of day", every_day, "the ledger records active; each policy's end_of_day",
          _end_of_day),
)
"""The order of a day (docs/model.md, *A day, in order*): what ``day_step`` runs."""


def describe_day(plan: tuple[Phase, ...] = DAY_PLAN) -> str:
    """The order of a day as text: the calendar processes, then one line per phase of the day step."""
    return "\n".join([
        "1    at the start of day t, the calendar processes (SimPy): campaign demand, channel budgets,",
        "     policy calendars, extra processes; then at mid-day the day step:",
        *(phase.describe() for phase in plan)])


def day_step(state: State, parts: Components) -> None:
    """Advance one day: run the phases of :data:`DAY_PLAN` in order, each on
    the days it applies to (the calendar processes, step 1, have fired)."""
    today = Today()
    for phase in DAY_PLAN:
        if phase.when(state):
            phase.step(state, parts, today)


def simulate(params: Params, seed: np.random.SeedSequence, processes=()) -> State:
    """Run one replication and return its final state (its stages in ``state.components``).

    ``processes`` are extra calendar processes, generator functions of
    ``(env, state)`` started beside the channels' schedules and the sale days.
    """
    state = State(params, seed)
    parts = state.components = Components.build(params)
    env = simpy.Environment()
    for channel in state.channels:
        env.process(channel.calendar(env, state))
    for policy in state.policies:
        env.process(policy.calendar(env, state))
    if params.sale_days:
        env.process(campaigns.calendar(env, state, params.demand))
    for process in processes:
        env.process(process(env, state))
    env.process(_days(env, state, parts))
    env.run(until=params.n_days)
    return state


def _days(env: simpy.Environment, state: State, parts: Components):
    yield env.timeout(0.5)   # mid-day: after the processes that fire at the day's start
    for day in range(state.params.n_days):
        state.day = day
        day_step(state, parts)
        yield env.timeout(1)


def run(cfg, progress: bool = False) -> Result:
    """Check ``cfg``, run its replications and return the aggregated :class:`Result`.

    ``cfg`` is a composed config (``sim.compose``) or the :class:`~sim.params.Params`
    it validated to, which is not checked again. Raise :class:`~sim.validation.ConfigError` before any simulation work if
    the config is invalid. With uncertain inputs (``uncertainty``) each pair
    of replications runs with its own draw of them (``sim.uncertainty``); a
    draw outside its parameter's range raises ConfigError naming it. With
    ``progress`` a bar of the replications done, the elapsed time and the
    time left is drawn on stderr (``sim.progress.Progress``). The
    replications run on ``workers`` processes (``sim.parallel.worker_count``:
    by default one per core when the run is expected to take 2 s or
    more), with numbers identical to running them one after another.
    """
    params = cfg if isinstance(cfg, Params) else validate(cfg)
    seeds = replication_seeds(params.seed, params.replications)
    values = uncertainty.draws(params.uncertainty, seeds)
    workers = parallel.worker_count(params)
    expected = params.estimate.seconds / workers
    with Progress(params.replications, "replication", enabled=progress, expected=expected) as bar:
        outcomes = list(parallel.map_jobs(replicate, [(params, seed, drawn) for seed, drawn in zip(seeds, values)],
                                          workers, bar.step))
    return Result.from_outcomes(outcomes, params.config, inputs=values)


def replicate(params: Params, seed: np.random.SeedSequence, drawn: dict) -> metrics.Outcome:
    """One replication's outcome: ``params`` with the uncertain inputs ``drawn``, simulated from ``seed``."""
    return metrics.compute(simulate(_with_draws(params, drawn), seed))


def _with_draws(params: Params, values: dict) -> Params:
    """``params`` with the uncertain inputs set to ``values`` (``params`` itself when there are none)."""
    if not values:
        return params
    try:
        return validate(uncertainty.apply(params.config, values))
    except ConfigError as error:
        drawn = ", ".join(f"{path}={value:g}" for path, value in values.items())
        raise ConfigError(error.path, error.value, f"{error.allowed} (with the uncertain inputs drawn as "
                          f"{drawn}; narrow their distributions in uncertainty)") from None


def main(argv: list[str] | None = None) -> None:
    """``python -m sim.engine --plan``: print the order of a day."""
    parser = argparse.ArgumentParser(prog="python -m sim.engine", description="The day loop of marketing-sim.")
    parser.add_argument("--plan", action="store_true", help="print the order of a day, phase by phase")
    if parser.parse_args(argv).plan:
        print(describe_day())
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
