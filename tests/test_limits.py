"""Limits: memory the machine does not have, very long horizons, extreme parameters."""
from __future__ import annotations

import numpy as np
import pytest

import sim
from conftest import compose, final_state, homogeneous
from sim import limits
from sim.params import validate


def test_a_base_that_cannot_fit_is_refused_before_any_work_with_the_estimate(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 10 ** 9)      # 1 GB
    with pytest.raises(limits.MemoryLimitError, match=r"population.initial_customers = 5000000: "
                                                      r"needs about 1.0 GB .* more than the 0.8 GB"):
        validate(compose("population.initial_customers=5000000", "market.size=10000000"))
    validate(compose("population.initial_customers=1000000", "market.size=10000000"))   # 0.2 GB fits


def test_customers_arriving_beyond_the_memory_left_stop_the_run_with_a_clear_error(monkeypatch):
    # Acquisition cannot be known up front: the population refuses to grow instead.
    monkeypatch.setattr(limits, "available_memory", lambda: 2 * 10 ** 7)  # 20 MB
    cfg = compose("replications=1", "market.size=10000000", "horizon.acquisition_days=30", "horizon.ltv_days=1",
                  "channels.feed_ads.max_daily_leads=200000", "channels.feed_ads.activation_prob=1",
                  "channels.feed_ads.daily_budget=1e9")
    with pytest.raises(limits.MemoryLimitError,
                       match=r"market.size = '[\d,]+ customers reached': room for [\d,]+ needs about"):
        sim.run(cfg)


def test_horizons_past_100_years_are_refused_and_long_ones_run():
    with pytest.raises(sim.ConfigError, match="acquisition_days \\+ ltv_days must be <= 36500"):
        validate(compose("horizon.acquisition_days=36000", "horizon.ltv_days=501"))
    state = final_state(compose(*homogeneous(churn=0.001, purchase=0.01), "population.initial_customers=200",
                                "horizon.acquisition_days=1", "horizon.ltv_days=20000"))
    assert state.ledger.daily["purchases"].size == 20001 and state.people.n == 200


def test_churn_one_and_purchase_one_are_exact():
    # churn 1: everyone leaves at the first decision; purchase 1: everyone buys every day until then.
    period = 7
    state = final_state(compose(*homogeneous(churn=1.0, purchase=1.0), "population.initial_customers=1000",
                                "horizon.acquisition_days=1", "horizon.ltv_days=30",
                                f"retention.period_days={period}"))
    people = state.people
    np.testing.assert_array_equal(people.ti_churned, period)
    np.testing.assert_array_equal(people.n_purchases, period)      # days 0 .. period-1


def test_churn_zero_purchase_zero_and_budgets_of_zero_and_a_trillion_run():
    state = final_state(compose(*homogeneous(churn=0.0, purchase=0.0), "population.initial_customers=1000",
                                "horizon.acquisition_days=1", "horizon.ltv_days=60"))
    assert (state.people.ti_churned == -1).all() and (state.people.n_purchases == 1).all()
    for budget in (0, 1e12):
        result = sim.run(compose("replications=1", "horizon.acquisition_days=30", "horizon.ltv_days=30",
                                 f"channels.feed_ads.daily_budget={budget}"))
        assert result.metrics["acquisition_spend"] == pytest.approx(30 * budget)
        assert np.isfinite(result.metrics["customers"])
