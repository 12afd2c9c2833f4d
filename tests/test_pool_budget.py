"""The pool's budget: reach bought with diminishing returns, its money in profit, and allocation over it."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from omegaconf import OmegaConf

import sim
from sim import metrics
from sim.params import validate
from sim.response import hill
from sim.validation import ConfigError
from conftest import compose, final_state, homogeneous

DAYS = 60


def pool_world(budget, n=5000, lift=2.0, unsubscribe=0.0, per_member=0.0):
    """n members on day 0, no one acquired later, the pool operating for DAYS days, touching every 2."""
    return [*homogeneous(churn=0.0, purchase=0.05), f"population.initial_customers={n}",
            f"horizon.acquisition_days={DAYS}", f"horizon.ltv_days={DAYS}",
            f"+policies.pool={{join_prob: 1, touch_every_days: 2, touch_purchase_lift: {lift}, "
            f"unsubscribe_prob: {unsubscribe}, fatigue_unsubscribe_prob: 0, daily_budget: {budget}, "
            f"max_reach: 1, half_reach_budget: 50, monthly_cost_per_member: {per_member}}}"]


def test_reach_and_purchases_grow_with_the_pool_budget_with_diminishing_returns():
    budgets = (0, 50, 100, 150)
    states = [final_state(compose(*pool_world(b))) for b in budgets]
    n, touch_days = 5000, len(range(2, DAYS, 2))            # members are in the pool from day 1 on
    reach = np.array([s.ledger.daily["pool_touches"][2:DAYS:2].sum() / (n * touch_days) for s in states])
    np.testing.assert_allclose(reach, hill(np.array(budgets, float), 1.0, 50.0), atol=0.01)
    purchases = np.array([s.ledger.daily["purchases"][1:].sum() for s in states])
    gains = np.diff(purchases)
    assert np.all(gains > 0) and gains[0] > 2 * gains[1] > 0 and gains[1] > gains[2], purchases
    repeat = [metrics.compute(s).metrics["repeat_purchase_rate"] for s in states]
    members = [s.ledger.daily["pool_touches"].sum() for s in states]
    assert repeat == sorted(repeat) and members == sorted(members)


def test_what_the_pool_spends_is_acquisition_spend_in_profit_and_profit_npv():
    # With a lift of 1 and no unsubscribes, reach changes nothing a customer does:
    # the only difference a budget makes is the money itself.
    free, paid = (final_state(compose(*pool_world(b, lift=1.0, per_member=3.0))) for b in (0, 100))
    spent = paid.ledger.daily["spend.pool"].sum()
    n = 5000          # members from day 0's arrivals on; day 0's spend comes before them
    assert spent == pytest.approx(100 * DAYS + 3.0 / 30 * n * (DAYS - 1))
    assert free.ledger.daily["spend.pool"].sum() == pytest.approx(3.0 / 30 * n * (DAYS - 1))
    m0, m1 = metrics.compute(free).metrics, metrics.compute(paid).metrics
    assert m1["spend.pool"] == pytest.approx(spent)
    assert m1["acquisition_spend"] - m0["acquisition_spend"] == pytest.approx(100 * DAYS)
    assert m1["profit"] - m0["profit"] == pytest.approx(-100 * DAYS)
    assert m1["profit_npv"] - m0["profit_npv"] == pytest.approx(-100 * DAYS)
    np.testing.assert_array_equal(free.people.value, paid.people.value)
    assert not paid.ledger.daily["spend.pool"][DAYS:].any()          # only on acquisition days


ALLOCATED = ["allocation.total_daily_budget=2100"]


def budgets(*overrides):
    params = validate(compose(*ALLOCATED, *overrides, scenario="private_domain"))
    return {"feed_ads": params.channels[0].daily_budget, "pool": params.policies[0].daily_budget}


@pytest.mark.parametrize("weights, bounds", [
    ("{feed_ads: 1400, pool: 700}", "{}"),
    ("{feed_ads: 1, pool: 1}", "{pool: [0, 500]}"),
    ("{feed_ads: 1, pool: 0}", "{pool: [200, 500]}"),
    ("{feed_ads: 0.01, pool: 1}", "{feed_ads: [1000, 2100], pool: [0, 1050]}"),
    ("{feed_ads: 3, pool: 1}", "{feed_ads: [0, 1200], pool: [600, 2100]}"),
])
def test_allocation_over_channels_and_the_pool_keeps_the_total_and_the_bounds(weights, bounds):
    split = budgets(f"allocation.weights={weights}", f"allocation.bounds={bounds}")
    assert sum(split.values()) == pytest.approx(2100, rel=1e-12)
    limits = validate(compose(*ALLOCATED, f"allocation.weights={weights}", f"allocation.bounds={bounds}",
                              scenario="private_domain")).config["allocation"]["bounds"]
    for item, (low, high) in limits.items():
        assert low - 1e-9 <= split[item] <= high + 1e-9, (item, split)
    if bounds == "{}":
        assert split == {"feed_ads": 1400, "pool": 700}


def test_bounds_in_multiples_of_today_scale_each_items_own_budget_and_the_run_reproduces():
    """private_domain spends 2,000 on feed ads and 100 on the pool today: [0.5, 1.05] and [0, 2]
    times those are [1,000, 2,100] and [0, 200]; equal weights pin the pool at 200."""
    cfg = compose(*ALLOCATED, "allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds_unit=today",
                  "allocation.bounds={feed_ads: [0.5, 1.05], pool: [0, 2]}", scenario="private_domain")
    checked = validate(cfg).config
    assert checked["allocation"]["bounds"] == {"feed_ads": [1000.0, 2100.0], "pool": [0.0, 200.0]}
    assert checked["allocation"]["bounds_unit"] == "currency"
    assert budgets("allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds_unit=today",
                   "allocation.bounds={feed_ads: [0.5, 1.05], pool: [0, 2]}") == {"feed_ads": 1900, "pool": 200}
    # the checked config holds currency bounds, so validating it again gives the same split
    again = validate(OmegaConf.create(checked)).config
    assert again["channels"]["feed_ads"]["daily_budget"] == 1900
    assert again["policies"]["pool"]["daily_budget"] == 200


def test_allocated_pool_budget_is_what_the_pool_spends():
    cfg = compose(*ALLOCATED, "allocation.weights={feed_ads: 1400, pool: 700}", "replications=1",
                  "horizon.acquisition_days=20", "horizon.ltv_days=30", scenario="private_domain")
    state = final_state(cfg)
    members = np.concatenate([[0], state.ledger.daily["pool_size"][:19]])
    assert state.ledger.daily["spend.pool"].sum() == pytest.approx(700 * 20 + 0.1 / 30 * members.sum())


@pytest.mark.parametrize("overrides, path, words", [
    (["allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds={pool: [600, 500]}"],
     "allocation.bounds.pool", "0 <= low <= high"),
    (["allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds={pool: [-1, 500]}"],
     "allocation.bounds.pool", "0 <= low <= high"),
    (["allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds={pool: 500}"],
     "allocation.bounds.pool", "[low, high]"),
    (["allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds={pool: [2000, 2100], feed_ads: [500, 900]}"],
     "allocation.bounds", "the lows add up to 2500"),
    (["allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds={pool: [0, 100], feed_ads: [0, 1000]}"],
     "allocation.bounds", "the highs add up to 1100"),
    (["allocation.weights={feed_ads: 1, pool: 0}", "allocation.bounds={feed_ads: [0, 1000]}"],
     "allocation.weights", "infeasible"),
    (["allocation.weights={feed_ads: 1}", "allocation.bounds={pool: [0, 1]}"],
     "allocation.bounds.pool", "must be an item of allocation.weights"),
    (["allocation.weights={feed_ads: 1, membership: 1}", "+policies.membership={}"],
     "allocation.weights.membership", "has no daily budget"),
    (["allocation.weights={feed_ads: 1, poool: 1}"], "allocation.weights.poool", "did you mean 'pool'"),
    (["allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds_unit=todays"],
     "allocation.bounds_unit", "did you mean 'today'"),
    (["allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds={pool: [2, 1]}", "allocation.bounds_unit=today"],
     "allocation.bounds.pool", "multiples of the item's own daily_budget"),
])
def test_bad_allocation_is_refused_in_one_line_naming_the_field(overrides, path, words):
    with pytest.raises(ConfigError) as error:
        budgets(*overrides)
    message = str(error.value)
    assert message.startswith(f"{path} = ") and words in message and "\n" not in message


def test_bounds_need_a_total():
    with pytest.raises(ConfigError, match=r"^allocation.total_daily_budget = None: needed when allocation.bounds"):
        validate(compose("allocation.bounds={feed_ads: [0, 1]}"))


def test_the_command_line_refuses_infeasible_bounds_in_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "sim", "scenario=private_domain", *ALLOCATED,
                          "allocation.weights={feed_ads: 1, pool: 1}", "allocation.bounds={pool: [2200, 2300]}",
                          f"hydra.run.dir={tmp_path}"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "error: allocation.bounds = {'pool': [2200, 2300]}: infeasible: the lows add up to 2200, "
        "more than allocation.total_daily_budget (2100)"]
