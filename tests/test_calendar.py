"""Event calendars: the same events as daily Bernoulli draws, at the cost of the events.

The distribution checks compare counts with their exact expectations
within four standard errors (a correct model fails with probability
< 1e-4 per check), with enough customers that a candidate kept after a
rejection, a thinning ratio off by a day or a factor applied twice is many
errors away.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from conftest import compose, homogeneous
from sim.calendar import Calendar, geometric
from sim.engine import simulate
from sim.params import validate
from sim.policies.base import Policy
from sim.randomness import replication_seeds


@pytest.mark.parametrize("largest", [50, 300])
def test_calendar_pops_exactly_what_a_plain_table_of_days_holds(largest):
    # Batches filed day by day (some beyond the horizon), popped in order: the same ids in
    # the same order as a dict of lists, across block edges; with batches of up to 300, the
    # few filed id by id (Calendar.FEW) and the many filed by sorting mix in one bucket.
    rng = np.random.default_rng(1)
    n_days = 100
    calendar, table = Calendar(n_days), {}
    next_id = 0
    for day in range(n_days):
        for _ in range(3):
            size = int(rng.integers(0, largest))
            ids = np.arange(next_id, next_id + size)
            next_id += size
            days = day + rng.integers(0 if _ == 0 else 1, 40, size)
            calendar.add(ids, days)
            for i, d in zip(ids.tolist(), days.tolist()):
                table.setdefault(d, []).append(i)
        np.testing.assert_array_equal(calendar.pop(day), table.get(day, []), err_msg=f"day {day}")


def test_geometric_waiting_times_have_the_geometric_law():
    rng = np.random.default_rng(2)
    prob = np.full(400_000, 0.07)
    trials = geometric(rng.random(prob.size), prob, cap=10 ** 6)
    for k in range(1, 30):
        share = (trials > k).mean()
        expected = (1 - 0.07) ** k
        assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / prob.size), k
    assert trials.min() == 1
    np.testing.assert_array_equal(geometric(rng.random(2), np.array([0.0, 1.0]), cap=50), [50, 1])


@dataclass
class Pulsing(Policy):
    """A test policy whose factors change from day to day: churn x2 on even
    days and x0.5 on odd ones, purchases x3 every third day."""

    kind: ClassVar[str] = "pulsing"
    churn_peak: float = 2.0
    purchase_peak: float = 3.0

    def churn_bound(self):
        return self.churn_peak

    def purchase_bound(self):
        return self.purchase_peak

    def churn_factor(self, day):
        return 2.0 if day % 2 == 0 else 0.5

    def purchase_factor(self, day):
        return 3.0 if day % 3 == 0 else 1.0

    def churn_multiplier(self, state, ids):
        return np.float32(self.churn_factor(state.day))

    def purchase_multiplier(self, state, ids):
        return np.float32(self.purchase_factor(state.day))


CHURN, PURCHASE, N, T = 0.05, 0.1, 200_000, 40


def run_with(policy, period=1):
    params = validate(compose(*homogeneous(churn=CHURN, purchase=PURCHASE), f"population.initial_customers={N}",
                              "horizon.acquisition_days=1", f"horizon.ltv_days={T}",
                              f"retention.period_days={period}"))
    params = dataclasses.replace(params, policies=(policy,))
    return simulate(params, replication_seeds(0, 1)[0])


def test_thinned_churn_and_purchases_follow_the_daily_factors():
    policy = Pulsing(name="pulsing")
    state = run_with(policy)
    people, daily = state.people, state.ledger.daily
    churn_age = np.where(people.ti_churned >= 0, people.ti_churned, 10 ** 6)
    survival = 1.0
    for day in range(1, T):
        survival *= 1 - CHURN * policy.churn_factor(day)
        share = (churn_age > day).mean()
        assert abs(share - survival) < 4 * np.sqrt(survival * (1 - survival) / N), f"survival on day {day}"
        # today's buyers among today's survivors, each with p times today's factor
        buy = PURCHASE * policy.purchase_factor(day)
        survivors = daily["active"][day]
        assert abs(daily["purchases"][day] - survivors * buy) < 4 * np.sqrt(survivors * buy * (1 - buy)), day


def test_thinned_churn_on_a_monthly_period_uses_the_decision_days_factor():
    period = 5
    policy = Pulsing(name="pulsing")
    state = run_with(policy, period=period)
    churn_day = state.people.ti_churned[state.people.ti_churned >= 0]
    assert np.all(churn_day % period == 0)
    survival = 1.0
    for day in range(period, T, period):
        survival *= 1 - CHURN * policy.churn_factor(day)
        share = (state.people.ti_churned < 0).mean() + (churn_day > day).sum() / N
        assert abs(share - survival) < 4 * np.sqrt(survival * (1 - survival) / N), f"survival on day {day}"


def test_a_factor_above_its_declared_bound_is_an_error_not_a_bias():
    with pytest.raises(RuntimeError, match="purchase_bound"):
        run_with(Pulsing(name="pulsing", purchase_peak=1.5))


def test_won_back_customers_buy_at_their_daily_rate_from_the_day_they_return():
    # Every churned customer comes back within 10 days: purchases on each day,
    # won-back days included, are today's active customers times p (no
    # candidate lost while churned, none doubled on return).
    cfg = compose(*homogeneous(churn=CHURN, purchase=PURCHASE), f"population.initial_customers={N // 2}",
                  "horizon.acquisition_days=1", f"horizon.ltv_days={T}",
                  "+policies.churn_warning={recall: 0, false_alarm_rate: 0, winback_every_days: 10, "
                  "winback_window_days: 10, winback_rate: 1, winback_cost: 0}")
    params = validate(cfg)
    state = simulate(params, replication_seeds(0, 1)[0])
    daily = state.ledger.daily
    assert daily["won_back"].sum() > N // 10
    for day in range(1, T):
        active = daily["active"][day]
        assert abs(daily["purchases"][day] - active * PURCHASE) < 4 * np.sqrt(active * PURCHASE * (1 - PURCHASE)), day
