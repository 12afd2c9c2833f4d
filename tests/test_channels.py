"""Acquisition channels: response curves, schedules, costs and quality."""
from __future__ import annotations

import numpy as np
import pytest

import sim
from conftest import compose, final_state
from sim.channels import PaidChannel
from sim.channels.schedule import Schedule

BUDGETS = np.linspace(0, 20000, 201)
#: A market so large that depletion never moves the reach, for exact comparisons.
HUGE_MARKET = ["market.size=1000000000000", "market.innovation=0", "market.imitation=0"]


def paid(**parameters):
    return PaidChannel("ads", 0, **parameters)


def channel_state(*overrides, scenario="default"):
    return final_state(compose("replications=1", *overrides, scenario=scenario))


# --- response curve ------------------------------------------------------------------

@pytest.mark.parametrize("hill_shape", [0.5, 1.0, 2.0, 3.0])
def test_more_budget_never_fewer_leads_and_saturates(hill_shape):
    channel = paid(half_saturation_budget=3000, hill_shape=hill_shape)
    leads = channel.hill(BUDGETS)
    assert leads[0] == 0
    assert np.all(np.diff(leads) >= 0)
    assert leads[-1] < channel.max_daily_leads
    assert channel.hill(3000) == pytest.approx(channel.max_daily_leads / 2)
    assert channel.hill(1e12) == pytest.approx(channel.max_daily_leads, rel=1e-3)


def test_returns_diminish():
    concave = paid(half_saturation_budget=3000, hill_shape=1.0)
    assert np.all(np.diff(concave.hill(BUDGETS), 2) <= 1e-12)
    # An S-curve has increasing returns at first, diminishing past its inflection.
    s_curve = paid(half_saturation_budget=3000, hill_shape=2.0)
    marginal = np.diff(s_curve.hill(BUDGETS))
    inflection = 3000 * np.sqrt(1 / 3)    # B* = K ((h-1)/(h+1))^(1/h)
    past = BUDGETS[1:-1] > inflection + 100
    assert np.all(np.diff(marginal)[past] <= 1e-12)
    assert np.any(np.diff(marginal)[~past] > 0)


def test_adstock_decays_geometrically_once_spending_stops():
    channel = paid(carryover=0.8)
    budgets = np.r_[np.full(30, 1000.0), np.zeros(20)]
    adstock = channel.adstock_path(budgets)
    np.testing.assert_allclose(adstock[30:], adstock[29] * 0.8 ** np.arange(1, 21))
    # and builds towards the budget while it is spent
    np.testing.assert_allclose(adstock[:30], 1000 * (1 - 0.8 ** np.arange(1, 31)))


def test_simulated_customers_match_the_response_curve_and_rise_with_budget():
    customers = {}
    for budget in (1000, 2000, 4000):
        state = channel_state(*HUGE_MARKET, f"channels.feed_ads.daily_budget={budget}",
                              "channels.feed_ads.carryover=0.6", "channels.feed_ads.precision=0.7",
                              "horizon.acquisition_days=200", "horizon.ltv_days=1")
        channel = state.channels[0]
        daily = state.ledger.daily
        expected_leads = channel.hill(channel.adstock_path(daily["budget.feed_ads"]))[:200].sum()
        # Poisson leads: the total is within 4 standard errors of its mean
        assert abs(daily["leads.feed_ads"].sum() - expected_leads) < 4 * np.sqrt(expected_leads)
        table = channel.response_table(state)
        at_current = table["customers"][table["scale"] == 1][0]
        realised = daily["new.feed_ads"].sum()
        assert abs(realised - at_current) < 4 * np.sqrt(at_current)
        customers[budget] = realised
        assert np.all(np.diff(table["customers"]) > 0) and np.all(np.diff(table["cac"][1:]) > 0)
    assert customers[1000] < customers[2000] < customers[4000]


def test_marginal_cac_of_a_hill_curve_has_its_closed_form():
    # h = 1, no carry-over, no inflation, reach constant: customers c B / (B + K), so
    # marginal CAC = (B + K)^2 / (c K) = average CAC * (B + K) / K.
    budget, half = 2000, 3000
    state = channel_state(*HUGE_MARKET, f"channels.feed_ads.daily_budget={budget}",
                          f"channels.feed_ads.half_saturation_budget={half}")
    table = state.channels[0].response_table(state)
    average = table["cac"][table["scale"] == 1][0]
    assert state.channels[0].marginal_cac(state) == pytest.approx(average * (budget + half) / half, rel=1e-3)


# --- costs and budgets ---------------------------------------------------------------

def test_cost_inflation_raises_cac_at_constant_budget():
    base = [*HUGE_MARKET, "horizon.acquisition_days=730", "horizon.ltv_days=1", "replications=2"]
    flat = sim.run(compose(*base)).metrics
    rising = sim.run(compose(*base, "channels.feed_ads.cost_inflation=0.3")).metrics
    assert rising["acquisition_spend"] == flat["acquisition_spend"]
    assert rising["cac.feed_ads"] > flat["cac.feed_ads"] * 1.1
    # and within one run, the second year's budget buys fewer leads than the first
    leads = channel_state(*base[:-1], "channels.feed_ads.cost_inflation=0.3").ledger.daily["leads.feed_ads"]
    assert leads[365:730].sum() < 0.9 * leads[:365].sum()


def test_a_smaller_market_raises_cac():
    large = sim.run(compose("market.size=1000000", "replications=2")).metrics
    small = sim.run(compose("market.size=40000", "replications=2")).metrics
    assert small["cac.feed_ads"] > 1.2 * large["cac.feed_ads"]


def test_zero_budget_means_no_paid_customers_and_no_spend():
    m = sim.run(compose("channels.feed_ads.daily_budget=0", "replications=1")).metrics
    assert m["customers.feed_ads"] == 0 and m["spend.feed_ads"] == 0 and m["leads.feed_ads"] == 0
    assert m["customers.organic"] > 0


def test_partner_cost_is_exactly_its_payouts():
    # Commission on every purchase inside the LTV window, customers from day 0 only.
    state = channel_state("horizon.acquisition_days=1", "horizon.ltv_days=90", "channels={}",
                          "+channels.partner={kind: partner, daily_leads: 3000, activation_prob: 0.5, "
                          "cost_per_customer: 7, commission_rate: 0.1, commission_days: 89}")
    people, daily = state.people, state.ledger.daily
    mine = people.source == 0
    assert mine.sum() > 1000
    payouts = 7 * mine.sum() + 0.1 * people.revenue[mine].sum()
    assert daily["spend.partner"].sum() == pytest.approx(payouts, rel=1e-5)
    assert daily["budget.partner"].sum() == 0


def test_livestream_spends_its_fee_on_event_days_only():
    state = channel_state("channels={}", "horizon.acquisition_days=30", "horizon.ltv_days=10",
                          "+channels.live={kind: livestream, daily_budget: 5000, commission_rate: 0.2, "
                          "schedule: {kind: events, every_days: 7, first_day: 2}}")
    daily = state.ledger.daily
    events = np.flatnonzero(daily["budget.live"])
    np.testing.assert_array_equal(events, [2, 9, 16, 23])
    assert np.all(daily["budget.live"][events] == 5000)
    assert np.all(daily["leads.live"][np.setdiff1d(np.arange(40), events)] == 0)
    commission = 0.2 * daily["first_revenue.live"]
    np.testing.assert_allclose(daily["spend.live"], daily["budget.live"] + commission)


def test_offline_reach_is_capped_by_its_catchment():
    state = channel_state("channels={}", "horizon.acquisition_days=200", "horizon.ltv_days=1",
                          "+channels.store={kind: offline, daily_leads: 200, catchment: 3000, "
                          "activation_prob: 0.5}")
    new = state.ledger.daily["new.store"]
    assert new.sum() <= 3000
    assert new[:20].sum() > 3 * new[-20:].sum()      # the local pool dries up
    assert state.ledger.daily["spend.store"][:200].sum() == 800 * 200


def test_schedules_plan_flights_pulses_and_events():
    demand = np.ones(20)
    flights = Schedule(kind="flights", flights=((2, 5), (10, 12)))
    np.testing.assert_array_equal(np.flatnonzero(flights.planned(100, 20, demand)), [2, 3, 4, 10, 11])
    pulses = Schedule(kind="pulses", every_days=5, pulse_days=2, pulse_multiplier=3)
    np.testing.assert_array_equal(pulses.planned(100, 10, demand), [300, 300, 100, 100, 100] * 2)
    events = Schedule(kind="events", every_days=4, first_day=1)
    np.testing.assert_array_equal(np.flatnonzero(events.planned(100, 12, demand)), [1, 5, 9])
    sale = demand.copy()
    sale[7] = 3.0
    assert Schedule(sale_day_multiplier=2).planned(100, 10, sale)[7] == 200


@pytest.mark.parametrize("pacing", ["even", "asap"])
def test_a_total_budget_cap_is_never_exceeded(pacing):
    state = channel_state(f"+channels.feed_ads.schedule={{total_budget: 150000, pacing: {pacing}}}")
    spend = state.ledger.daily["spend.feed_ads"]
    assert spend.sum() == pytest.approx(150000)
    assert np.all(spend <= 2000 + 1e-9)
    if pacing == "even":     # spread over the whole year
        assert np.ptp(spend[:365]) < 1e-6 and spend[0] == pytest.approx(150000 / 365)
    else:                    # full budget until it runs out
        assert spend[0] == 2000 and spend[75] == 0


def test_sale_days_lift_leads_and_purchases():
    sale = "campaigns.sale_days=[{name: peak, start: 100, days: 5, demand: 3.0}]"
    base = ["replications=1", *HUGE_MARKET]
    quiet, busy = channel_state(*base).ledger.daily, channel_state(*base, sale).ledger.daily
    window = slice(100, 105)
    assert busy["leads.feed_ads"][window].sum() > 2 * quiet["leads.feed_ads"][window].sum()
    assert busy["purchases"][window].sum() > 1.5 * quiet["purchases"][window].sum()
    np.testing.assert_array_equal(busy["leads.feed_ads"][:100], quiet["leads.feed_ads"][:100])


# --- quality and totals ---------------------------------------------------------------

def test_channel_quality_scales_the_traits_it_brings():
    state = channel_state("+channels.feed_ads.quality={churn_prob: 0.5, spend: 2.0}",
                          "horizon.acquisition_days=100", "horizon.ltv_days=1")
    people, params = state.people, state.params
    ads = people.source == 0
    organic = people.source == params.source_index("organic")
    assert ads.sum() > 4000 and organic.sum() > 1000
    for trait, factor in (("churn_prob", 0.5), ("spend", 2.0)):
        ratio = getattr(people, trait)[ads].mean() / params.traits[trait].mean
        assert ratio == pytest.approx(factor, rel=0.05), trait
    assert people.daily_purchase_prob[ads].mean() == pytest.approx(
        params.traits["daily_purchase_prob"].mean, rel=0.1)


def test_channel_totals_add_up_in_the_mix():
    m = sim.run(compose("replications=2", scenario="channel_mix")).per_replication
    channels = ["search", "feed_ads", "livestream", "content", "partner"]
    np.testing.assert_allclose(sum(m["spend." + c] for c in channels), m["acquisition_spend"])
    np.testing.assert_allclose(sum(m["customers." + c] for c in channels)
                               + m["customers.organic"] + m["customers.referral"], m["customers"])
    # quality differs, so LTV differs by channel: live-stream buyers are worth less
    assert np.all(m["ltv.livestream"] < m["ltv.search"])


def test_a_partial_schedule_keeps_the_kinds_default_schedule():
    state = channel_state("channels={}", "horizon.acquisition_days=30", "horizon.ltv_days=1",
                          "+channels.live={kind: livestream, schedule: {every_days: 10}}")
    np.testing.assert_array_equal(np.flatnonzero(state.ledger.daily["budget.live"]), [0, 10, 20])


@pytest.mark.parametrize("override, key, words", [
    ("+channels.p={kind: partner, schedule: {kind: flat}}", "channels.p.schedule", "allowed keys"),
    ("campaigns.sale_days=[{start: 3, demand: 0}]", "campaigns.sale_days[0].demand", "(0, 1e+12]"),
    ("+channels.feed_ads.schedule={kind: flights, flights: [[5, 2]]}", "channels.feed_ads.schedule.flights",
     "start < end"),
    ("+channels.feed_ads.quality={loyalty: 2}", "channels.feed_ads.quality.loyalty", "pool_join"),
])
def test_bad_channel_input_is_reported(override, key, words):
    with pytest.raises(sim.ConfigError) as caught:
        sim.run(compose(override))
    assert key in str(caught.value) and words in str(caught.value), str(caught.value)


# --- delayed adstock ----------------------------------------------------------------

def delayed_weights(carryover, peak, lags):
    """Jin et al. (2017), eq. (2): w_l = alpha^((l - theta)^2), normalised over l = 0 .. L-1."""
    w = np.array([carryover ** ((lag - peak) ** 2) for lag in range(lags)])
    return w / w.sum()


def test_a_delayed_adstock_spreads_a_pulse_over_its_weights_and_keeps_a_constant_budget():
    channel = paid(adstock="delayed", carryover=0.7, peak_delay=3.0, max_lag=10)
    pulse = np.zeros(20)
    pulse[0] = 1000.0
    path = channel.adstock_path(pulse)
    np.testing.assert_allclose(path[:10], 1000 * delayed_weights(0.7, 3.0, 10))
    assert np.argmax(path) == 3 and not path[10:].any()
    np.testing.assert_allclose(channel.adstock_path(np.full(30, 500.0))[9:], 500.0)


def test_a_delayed_adstock_carries_the_spend_before_the_run():
    before = [800.0, 0.0, 1200.0, 400.0]
    channel = paid(adstock="delayed", carryover=0.5, peak_delay=2.0, max_lag=6, spend_before=tuple(before))
    w = delayed_weights(0.5, 2.0, 6)
    # day t sees day -k (before[-k]) at lag t + k; only lags < 6 count
    expected = [sum(w[t + k] * before[-k] for k in range(1, 5) if t + k < 6) for t in range(8)]
    np.testing.assert_allclose(channel.adstock_path(np.zeros(8)), expected)


def test_simulated_leads_follow_the_delayed_response():
    state = channel_state(*HUGE_MARKET, "+channels.feed_ads.adstock=delayed", "channels.feed_ads.carryover=0.6",
                          "+channels.feed_ads.peak_delay=4", "+channels.feed_ads.max_lag=12",
                          "channels.feed_ads.schedule={kind: pulses, every_days: 20, pulse_days: 3, "
                          "pulse_multiplier: 5}", "horizon.acquisition_days=200", "horizon.ltv_days=1")
    channel, daily = state.channels[0], state.ledger.daily
    expected = channel.hill(channel.adstock_path(daily["budget.feed_ads"]))[:200]
    assert abs(daily["leads.feed_ads"][:200].sum() - expected.sum()) < 4 * np.sqrt(expected.sum())
    # the leads peak 4 days after each pulse starts, not on it
    folded = daily["leads.feed_ads"][:200].reshape(10, 20).sum(axis=0)
    assert 4 <= int(np.argmax(folded)) <= 6


@pytest.mark.parametrize("spec, path, words", [
    ("adstock: delayed, peak_delay: 14, max_lag: 14", "peak_delay", "at most max_lag - 1 = 13"),
    ("adstock: delayed, initial_adstock: 5", "initial_adstock", "carries spend_before"),
    ("spend_before: [1, 2]", "spend_before", "carries initial_adstock"),
    ("adstock: delayd", "adstock", "did you mean 'delayed'"),
    ("adstock: delayed, spend_before: [1, -2]", "spend_before[1]", "must be a number in [0, "),
])
def test_a_bad_adstock_is_one_line_naming_it(spec, path, words):
    with pytest.raises(sim.ConfigError) as error:
        sim.run(compose(f"+channels.extra={{kind: paid, {spec}}}"))
    message = str(error.value)
    assert message.startswith(f"channels.extra.{path} = ") and words in message and "\n" not in message
