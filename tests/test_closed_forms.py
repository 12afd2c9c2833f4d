"""The model against closed forms (DESIGN.md, "Order of events inside day t").

Each check compares a sample mean with its expectation within four standard
errors of the sample, so a correct model fails with probability < 1e-4 per
check while an off-by-one day or a wrong rate is many errors away.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import betaln

from conftest import compose, final_state, homogeneous

# High churn and purchase rates over a short window with 200,000 customers:
# one day more or less in the window or in the churn schedule moves the
# mean revenue by more than four standard errors.
CHURN, PURCHASE, SPEND, T, N = 0.1, 0.5, 10.0, 20, 200_000
HOMOGENEOUS = homogeneous(CHURN, PURCHASE, SPEND)


def expected_revenue_per_customer(churn, purchase, spend, days):
    """s * (1 + p * sum_{k=1..T-1} (1-c)^k): first purchase, then daily survival and purchase."""
    k = np.arange(1, days)
    return spend * (1 + purchase * np.sum((1 - churn) ** k))


def assert_mean_close(sample, expected, label):
    sample = np.asarray(sample, dtype=float)
    standard_error = sample.std(ddof=1) / np.sqrt(sample.size)
    assert abs(sample.mean() - expected) < 4 * standard_error, (
        f"{label}: sample mean {sample.mean():.4f} vs expected {expected:.4f} "
        f"(4 SE = {4 * standard_error:.4f})")


@pytest.mark.parametrize("arrival", ["initial base", "paid channel"])
def test_homogeneous_cohort_revenue_matches_closed_form(arrival):
    if arrival == "initial base":
        extra = [f"population.initial_customers={N}", "horizon.acquisition_days=1"]
    else:  # customers arrive over 20 days; each is followed for exactly T days
        extra = ["horizon.acquisition_days=20", "+channels.ads={kind: paid, daily_budget: 1000, "
                 f"max_daily_leads: {N // 10}, half_saturation_budget: 1000, activation_prob: 1.0}}"]
    state = final_state(compose(*HOMOGENEOUS, f"horizon.ltv_days={T}", *extra))
    people = state.people
    assert people.n > N * 0.45
    expected = expected_revenue_per_customer(CHURN, PURCHASE, SPEND, T)
    assert_mean_close(people.revenue, expected, "revenue per customer")
    # With margin 1 and no discounting, value (LTV per customer) is revenue.
    np.testing.assert_allclose(people.value, people.revenue, rtol=1e-5)


def test_homogeneous_survival_is_geometric():
    state = final_state(compose(*HOMOGENEOUS, f"horizon.ltv_days={T}",
                                f"population.initial_customers={N}", "horizon.acquisition_days=1"))
    people = state.people
    churn_age = np.where(people.ti_churned >= 0, people.ti_churned - people.ti_activated, 10 ** 6)
    for age in range(1, T):
        assert_mean_close(churn_age > age, (1 - CHURN) ** age, f"survival at age {age}")
    # Churn decisions start the day after activation.
    assert churn_age.min() >= 1


def test_beta_churn_with_monthly_periods_follows_shifted_beta_geometric():
    a, b, period, periods = 1.5, 6.0, 30, 12
    cfg = compose(*HOMOGENEOUS, f"population.churn_prob={{dist: beta, a: {a}, b: {b}}}",
                  f"retention.period_days={period}", f"horizon.ltv_days={period * periods}",
                  "population.initial_customers=40000", "horizon.acquisition_days=1")
    people = final_state(cfg).people
    churn_age = np.where(people.ti_churned >= 0, people.ti_churned - people.ti_activated, 10 ** 6)
    # Churn only ever happens when a period ends.
    churned = churn_age[churn_age < 10 ** 6]
    assert np.all(churned % period == 0)
    for k in range(1, periods):
        expected = np.exp(betaln(a, b + k) - betaln(a, b))   # B(a, b+k) / B(a, b)
        assert_mean_close(churn_age > k * period, expected, f"survival after {k} periods")


def bass_share(t_years, p, q):
    """Cumulative adopter share of the Bass model."""
    decay = np.exp(-(p + q) * t_years)
    return (1 - decay) / (1 + q / p * decay)


def test_organic_adoption_follows_the_bass_curve():
    p, q, size, years, replications = 0.03, 0.38, 10000, 10, 8
    cfg = compose("channels={}", f"market.innovation={p}", f"market.imitation={q}",
                  f"market.size={size}", f"horizon.acquisition_days={365 * years}",
                  "horizon.ltv_days=1", "population.churn_prob={dist: constant, value: 0}",
                  "population.referral_prob={dist: constant, value: 0}")
    states = [final_state(cfg, replication=r) for r in range(replications)]
    year_ends = np.arange(1, years + 1) * 365 - 1
    adopters = np.array([np.cumsum(s.ledger.daily["new.organic"])[year_ends] for s in states])
    expected = size * bass_share(np.arange(1, years + 1), p, q)
    standard_error = adopters.std(axis=0, ddof=1) / np.sqrt(replications)
    # Daily steps differ from the continuous curve by < 0.1 % of the market.
    assert np.all(np.abs(adopters.mean(axis=0) - expected) < 4 * standard_error + 0.001 * size)
    for state, count in zip(states, adopters[:, -1]):
        assert state.market_left == size - count
