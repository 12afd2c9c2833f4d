"""The order of events inside a day, as small exact traces."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np

from conftest import compose, final_state, homogeneous
from sim import engine


def test_calendar_processes_fire_before_the_days_step():
    log = []

    def watcher(env, state):
        while True:
            day = int(env.now)
            log.append((env.now, state.budgets.get("feed_ads"), state.ledger.daily["purchases"][day]))
            yield env.timeout(1)

    cfg = compose("horizon.acquisition_days=2", "horizon.ltv_days=2", "replications=1")
    state = final_state(cfg, processes=[watcher])
    # At each day's start the budget for that day is set and nobody has bought yet.
    assert log == [(0, 2000, 0), (1, 2000, 0), (2, 0.0, 0), (3, 0.0, 0)]
    # ... and by the end of each acquisition day the new customers have bought.
    assert np.all(state.ledger.daily["purchases"][:2] >= state.ledger.daily["new_customers"][:2])
    assert state.ledger.daily["new_customers"][:2].min() > 0


def test_referrals_arrive_the_next_day_and_only_on_acquisition_days():
    # Everyone refers on every purchase and nobody buys twice or churns:
    # each day's new customers bring the same number the next day.
    base, days = 100, 5
    cfg = compose(*homogeneous(churn=0, purchase=0, spend=10), "population.initial_customers=100",
                  "population.referral_prob={dist: constant, value: 1}", "referral.conversion_prob=1",
                  f"horizon.acquisition_days={days}", "horizon.ltv_days=3")
    state = final_state(cfg)
    daily, people = state.ledger.daily, state.people
    np.testing.assert_array_equal(daily["new.initial"], [base, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(daily["new.referral"], [0, base, base, base, base, 0, 0, 0])
    # a customer activated on day t buys on day t, and that purchase invites
    np.testing.assert_array_equal(daily["purchases"], daily["new_customers"])
    np.testing.assert_array_equal(daily["invitations"], daily["purchases"])
    # invitations on the last acquisition day are counted but not converted
    np.testing.assert_array_equal(daily["referrals_converted"], [base] * (days - 1) + [0] * 4)
    referred = people.referrer >= 0
    np.testing.assert_array_equal(people.ti_activated[referred],
                                  people.ti_activated[people.referrer[referred]] + 1)
    np.testing.assert_array_equal(people.referral_depth, people.ti_activated)


def test_todays_new_customers_face_churn_only_from_tomorrow():
    cfg = compose(*homogeneous(churn=1, purchase=1, spend=10), "population.initial_customers=50",
                  "horizon.acquisition_days=1", "horizon.ltv_days=3")
    daily = final_state(cfg).ledger.daily
    # day 0: 50 arrive and buy; day 1: all churn before they could buy again
    np.testing.assert_array_equal(daily["purchases"], [50, 0, 0, 0])
    np.testing.assert_array_equal(daily["churned"], [0, 50, 0, 0])
    np.testing.assert_array_equal(daily["active"], [50, 0, 0, 0])


def test_each_days_demand_is_the_product_of_the_sales_covering_it():
    # Two overlapping sales of small demand: multiplying in and dividing back left 1.0000000000000002
    # after them (and 0 for the rest of the run where the product underflowed).
    seen = []

    def watcher(env, state):
        yield env.timeout(0.25)          # after the day's calendar processes, before its step
        while True:
            seen.append(state.demand)
            yield env.timeout(1)

    sales = "campaigns.sale_days=[{start: 2, days: 3, demand: 1e-5}, {start: 3, days: 3, demand: 3e-6}]"
    cfg = compose(sales, "horizon.acquisition_days=5", "horizon.ltv_days=5", "replications=1")
    final_state(cfg, processes=[watcher])
    assert seen == [1, 1, 1e-5, 1e-5 * 3e-6, 1e-5 * 3e-6, 3e-6, 1, 1, 1, 1]


def test_the_day_step_runs_its_plan_in_order_on_the_days_each_phase_applies(monkeypatch):
    log = []

    def traced(phase):
        def step(state, parts, today):
            log.append((state.day, phase.name))
            phase.step(state, parts, today)
        return dataclasses.replace(phase, step=step)

    monkeypatch.setattr(engine, "DAY_PLAN", tuple(traced(phase) for phase in engine.DAY_PLAN))
    final_state(compose("horizon.acquisition_days=2", "horizon.ltv_days=1", "+policies.pool={}"))
    every_day = ["win-back resumes", "retention", "revenue", "channel commissions", "policies see purchases",
                 "referral invitations", "end of day"]
    acquisition = ["referral arrivals", "channels", "organic adoption", "policies see arrivals"]
    assert log == [(0, name) for name in [every_day[0], "initial base", *acquisition, *every_day[1:]]] \
        + [(1, name) for name in [every_day[0], *acquisition, *every_day[1:]]] \
        + [(2, name) for name in every_day]


def test_without_a_policy_no_policy_phase_runs(monkeypatch):
    ran = []
    plan = tuple(dataclasses.replace(phase, step=lambda state, parts, today, name=phase.name: ran.append(name))
                 for phase in engine.DAY_PLAN if phase.name == "policies see purchases")
    monkeypatch.setattr(engine, "DAY_PLAN", plan)
    final_state(compose("horizon.acquisition_days=1", "horizon.ltv_days=1", "policies={}"))
    assert ran == []


def test_the_printed_plan_is_the_plan_the_loop_runs_and_the_one_in_the_docs():
    text = engine.describe_day()
    lines = text.splitlines()
    assert [line.split(" (")[0].split(maxsplit=1)[1] for line in lines[2:]] == [p.name for p in engine.DAY_PLAN]
    printed = subprocess.run([sys.executable, "-m", "sim.engine", "--plan"], capture_output=True, text=True,
                             check=True).stdout
    assert printed == text + "\n"
    model = (Path(__file__).parents[1] / "docs" / "model.md").read_text()
    assert f"```\n{text}\n```" in model, "docs/model.md, A day, in order: paste `python -m sim.engine --plan`"
