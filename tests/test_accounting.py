"""Conservation of customers and of money."""
from __future__ import annotations

import numpy as np

import sim
from conftest import compose, final_state
from sim.population import STAGE_NAMES


def test_every_customer_is_in_exactly_one_stage(default_state):
    people = default_state.people
    assert set(np.unique(people.stage)) <= set(STAGE_NAMES)
    counts = {name: int((people.stage == code).sum()) for code, name in STAGE_NAMES.items()}
    assert sum(counts.values()) == people.n
    assert counts["churned"] == int(default_state.ledger.daily["churned"].sum())
    # The active list is exactly the non-churned customers.
    np.testing.assert_array_equal(people.active_ids, np.flatnonzero(people.stage != 3))


def test_activated_customers_add_up_over_sources(default_state):
    state, daily = default_state, default_state.ledger.daily
    by_source = {s: daily["new." + s].sum() for s in state.params.sources}
    assert sum(by_source.values()) == daily["new_customers"].sum() == state.people.n
    assert state.market_left + state.people.n == state.params.market_size
    # active at the end of each day = arrivals so far - churned so far + won back so far
    np.testing.assert_array_equal(daily["active"], np.cumsum(daily["new_customers"])
                                  - np.cumsum(daily["churned"]) + np.cumsum(daily["reactivated"]))


def test_initial_base_and_all_sources_are_counted_in_the_metrics():
    cfg = compose("population.initial_customers=500", "replications=1",
                  "population.referral_prob={dist: constant, value: 0.2}")
    res = sim.run(cfg)
    m = res.metrics
    sources = ("feed_ads", "organic", "referral")
    assert m["customers"] == sum(m["customers." + s] for s in sources)
    assert m["customers.initial"] == 500
    assert min(m["customers." + s] for s in sources) > 0


def test_spend_never_exceeds_budget_and_stops_after_acquisition(default_state):
    daily, params = default_state.ledger.daily, default_state.params
    budget = params.channels[0].daily_budget
    spend = daily["spend.feed_ads"]
    assert np.all(spend <= budget)
    assert np.all(spend[params.acquisition_days:] == 0)
    assert spend.sum() == budget * params.acquisition_days
    assert np.all(daily["new_customers"][params.acquisition_days:] == 0)


def test_cac_times_customers_is_acquisition_spend():
    cfg = compose("replications=3", "+channels.search={kind: paid, daily_budget: 700}")
    m = sim.run(cfg).per_replication   # the identity holds in every replication
    assert np.allclose(m["cac"] * m["customers"], m["acquisition_spend"])
    for channel in ("feed_ads", "search"):
        assert np.allclose(m["cac." + channel] * m["customers." + channel], m["spend." + channel])
    assert np.allclose(m["acquisition_spend"], m["spend.feed_ads"] + m["spend.search"])


def test_customer_money_reconciles_with_the_ledger():
    # Everyone arrives on day 0, so every LTV window is days 0..ltv_days-1:
    # the per-customer values add up to the ledger's daily totals over those
    # days, and the last day of the run (age ltv_days) is outside every window.
    ltv_days = 200
    cfg = compose("horizon.acquisition_days=1", f"horizon.ltv_days={ltv_days}", "replications=1",
                  "economics.discount_rate=0", "population.initial_customers=2000")
    state = final_state(cfg)
    daily, people, margin = state.ledger.daily, state.people, state.params.gross_margin
    window = slice(0, ltv_days)
    assert daily["revenue"][ltv_days] > 0
    assert np.isclose(people.revenue.sum(), daily["revenue"][window].sum(), rtol=1e-5)
    assert np.isclose(people.value.sum(), margin * daily["revenue"][window].sum(), rtol=1e-5)
    assert people.n_purchases.sum() == daily["purchases"][window].sum()
    assert np.isclose(state.ledger.contribution_by_age.sum(), people.value.sum())


def test_discounting_lowers_value_by_the_stated_rate():
    base = ["horizon.acquisition_days=1", "horizon.ltv_days=365", "replications=1",
            "population.initial_customers=3000"]
    undiscounted = final_state(compose(*base, "economics.discount_rate=0")).people
    discounted = final_state(compose(*base, "economics.discount_rate=0.5")).people
    # Same seed and draws: each customer's value shrinks, by at most 1/1.5 (money at age 365).
    assert np.all(discounted.value <= undiscounted.value + 1e-9)
    assert np.all(discounted.value >= undiscounted.value / 1.5 - 1e-9)
    assert discounted.value.sum() < undiscounted.value.sum()


def test_payback_is_reached_exactly_when_ltv_covers_cac():
    for budget, reached in ((500, True), (200000, False)):
        m = sim.run(compose(f"channels.feed_ads.daily_budget={budget}", "replications=1")).metrics
        assert (m["ltv_cac"] >= 1) == reached
        assert np.isnan(m["payback_days"]) != reached


def test_profit_npv_peaks_where_marginal_cac_meets_ltv():
    """One paid channel, nothing else: d(profit_npv)/dB = 0 exactly where the
    cost of one more customer (marginal_cac) equals what it is worth (its LTV).
    The Hill curve puts the crossing near 7,400 a day (max_daily_leads 3,000,
    K 3,000, activation 0.2, LTV about 60); the grid's neighbours of it lose
    more than 3 % of profit_npv, far beyond the noise of 3 replications."""
    base = ["market.imitation=0", "market.innovation=0", "market.size=100000000",
            "population.referral_prob={dist: constant, value: 0}", "horizon.acquisition_days=120",
            "channels.feed_ads.max_daily_leads=3000", "replications=3"]
    budgets = np.array([2500, 5000, 7500, 10000, 15000], dtype=float)
    profit, gap = [], []
    for budget in budgets:
        metrics = sim.run(sim.compose("default", [*base, f"channels.feed_ads.daily_budget={budget}"])).metrics
        profit.append(metrics["profit_npv"])
        gap.append(metrics["marginal_cac.feed_ads"] - metrics["ltv.feed_ads"])
    gap = np.array(gap)
    assert gap[0] < 0 < gap[-1] and np.all(np.diff(gap) > 0)      # marginal CAC rises through LTV
    crossing = np.interp(0.0, gap, budgets)
    assert budgets[int(np.argmax(profit))] == budgets[np.argmin(abs(budgets - crossing))]
