"""The paid channel's response curve."""
from __future__ import annotations

import numpy as np
import pytest

import sim
from conftest import compose
from sim.channels import PaidChannel

BUDGETS = np.linspace(0, 20000, 201)


@pytest.mark.parametrize("hill_shape", [0.5, 1.0, 2.0, 3.0])
def test_more_budget_never_fewer_leads_in_expectation(hill_shape):
    channel = PaidChannel("ads", 0, half_saturation_budget=3000, hill_shape=hill_shape)
    leads = channel.hill(BUDGETS)
    assert leads[0] == 0
    assert np.all(np.diff(leads) >= 0)
    assert leads[-1] < channel.max_daily_leads


def test_returns_diminish():
    concave = PaidChannel("ads", 0, half_saturation_budget=3000, hill_shape=1.0)
    assert np.all(np.diff(concave.hill(BUDGETS), 2) <= 1e-12)
    # An S-curve has increasing returns at first, diminishing past its inflection.
    s_curve = PaidChannel("ads", 0, half_saturation_budget=3000, hill_shape=2.0)
    marginal = np.diff(s_curve.hill(BUDGETS))
    inflection = 3000 * np.sqrt(1 / 3)    # B* = K ((h-1)/(h+1))^(1/h)
    past = BUDGETS[1:-1] > inflection + 100
    assert np.all(np.diff(marginal)[past] <= 1e-12)
    assert np.any(np.diff(marginal)[~past] > 0)


def test_simulated_leads_follow_the_curve_and_rise_with_budget():
    results = {}
    for budget in (1000, 2000, 4000):
        res = sim.run(compose(f"channels.feed_ads.daily_budget={budget}", "market.size=100000000",
                              "replications=4", "horizon.acquisition_days=100", "horizon.ltv_days=1"))
        results[budget] = res.metrics["leads.feed_ads"] / 100
        channel = PaidChannel("feed_ads", 0, daily_budget=budget, max_daily_leads=600,
                              half_saturation_budget=3000)
        expected = float(channel.hill(budget))
        # Poisson daily leads: 4 x 100 days, standard error sqrt(mean / 400)
        assert abs(results[budget] - expected) < 4 * np.sqrt(expected / 400)
    assert results[1000] < results[2000] < results[4000]
    # and the cost per lead rises with budget
    assert 1000 / results[1000] < 2000 / results[2000] < 4000 / results[4000]
