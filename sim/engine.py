"""The engine: SimPy's calendar and the day step that calls the stages.

SimPy owns time. Calendar processes (channels' budget schedules, campaign
sale days, later policy schedules) fire at the start of a day, on whole
times; the day step runs at mid-day (``day + 0.5``), so whatever a process
sets for day ``t`` is in place before the customers of day ``t`` act. The
per-customer work is vectorised inside the step; there is never one SimPy
process per customer.
"""
from __future__ import annotations

import numpy as np
import simpy

from . import metrics
from . import campaigns
from . import uncertainty
from .limits import estimate
from .params import Params, validate
from .progress import Progress
from .randomness import replication_seeds
from .results import Result
from .validation import ConfigError
from .stages.activation import activate
from .state import Components, State


def day_step(state: State, parts: Components) -> None:
    """Advance one day, in the order fixed by the design:

    1. scheduled processes have fired (SimPy, at the start of the day);
    2. acquisition, on acquisition days only: the initial base (day 0),
       yesterday's converted referrals, each channel in config order, then
       organic adoption; every new customer makes its first purchase today;
       policies see the new customers (e.g. the private pool invites them);
    3. every customer active before today: churn is decided when a retention
       period ends (times the policies' churn factors), then survivors buy
       with their daily purchase probability (times today's campaign demand
       and the policies' factors); channels take their commissions and
       policies see all of today's purchases;
    4. today's purchases make referral invitations, converted ones arrive tomorrow;
    5. end-of-day counts.
    """
    people, day, rng = state.people, state.day, state.random
    state.purchasers_today, state.amounts_today = [], []
    won_back = people.take_reactivated()
    if won_back.size:
        parts.retention.resume(state, won_back)
        parts.revenue.resume(state, won_back)
    active_before = people.n_active
    first_new = people.n
    arrivals = np.empty(0, dtype=np.int64)
    if day < state.params.acquisition_days:
        if day == 0:
            activate(state, state.params.initial_customers,
                     state.params.source_index("initial"), rng("initial"))
        parts.referral.arrive(state, rng("referral/arrivals"))
        for channel in state.channels:
            channel.step(state, rng("channel/" + channel.name))
        parts.organic.step(state, rng("organic"), active_before)
        arrivals = np.arange(first_new, people.n)
        for policy in state.policies:
            policy.on_arrivals(state, arrivals)
    parts.retention.step(state, arrivals)
    buyers, amounts = parts.revenue.step(state, arrivals)
    for channel in state.channels:
        channel.on_purchases(state, buyers, amounts)
    if state.policies:
        all_buyers, all_amounts = np.concatenate(state.purchasers_today), np.concatenate(state.amounts_today)
        for policy in state.policies:
            policy.on_purchases(state, all_buyers, all_amounts)
    parts.referral.invite(state, rng("referral/invitations"))
    state.ledger.record("active", day, people.n_active)
    for policy in state.policies:
        policy.end_of_day(state)


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

    Raise :class:`~sim.validation.ConfigError` before any simulation work if
    the config is invalid. With uncertain inputs (``uncertainty``) each pair
    of replications runs with its own draw of them (``sim.uncertainty``); a
    draw outside its parameter's range raises ConfigError naming it. With
    ``progress`` a replication counter with the elapsed time is shown on stderr.
    """
    params = validate(cfg)
    seeds = replication_seeds(params.seed, params.replications)
    values = uncertainty.draws(params.uncertainty, seeds)
    outcomes = []
    expected = estimate(params).seconds
    with Progress(params.replications, "replication", enabled=progress, expected=expected) as bar:
        for seed, drawn in zip(seeds, values):
            outcomes.append(metrics.compute(simulate(_with_draws(params, drawn), seed)))
            bar.step()
    return Result.from_outcomes(outcomes, params.config, inputs=values)


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
