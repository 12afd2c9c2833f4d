"""Limits: memory the machine does not have, very long horizons, extreme parameters."""
from __future__ import annotations

import os

import numpy as np
import pytest

import sim
from conftest import compose, final_state, homogeneous
from sim import limits
from sim.engine import simulate
from sim.params import validate
from sim.population import ONE_TIME, People
from sim.randomness import replication_seeds


def test_a_base_that_cannot_fit_is_refused_before_any_work_with_the_estimate(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 5 * 10 ** 8)      # 0.5 GB, 0.4 usable
    alone = ["channels={}", "market.innovation=0", "market.imitation=0", "replications=1", "market.size=10000000",
             "population.referral_prob={dist: constant, value: 0}"]
    need = 5e6 * limits.PEAK_BYTES_PER_CUSTOMER / 1e9
    with pytest.raises(limits.MemoryLimitError, match=r"population.initial_customers = 5000000: "
                                                      rf"needs about {need:.1f} GB .* more than the 0.4 GB"):
        validate(compose("population.initial_customers=5000000", *alone))
    validate(compose("population.initial_customers=1000000", *alone))   # a fifth of that fits


def test_a_market_adopting_beyond_memory_is_refused_up_front_naming_what_drives_it():
    # 10^12 prospects adopting at 300 a year: numpy used to fail allocating the traits of day 0.
    with pytest.raises(limits.MemoryLimitError, match=rf"^market.size = 1000000000000: needs about "
                                                      rf"{1e3 * limits.PEAK_BYTES_PER_CUSTOMER:,.1f} GB"):
        validate(compose("market.size=1000000000000", "market.innovation=300"))
    # many small sources that fill a large market together: the market is named
    many = [f"+channels.c{i}={{kind: partner, daily_leads: 1e6, activation_prob: 1}}" for i in range(12)]
    with pytest.raises(limits.MemoryLimitError, match=rf"^market.size = 2000000000: needs about "
                                                      rf"{2 * limits.PEAK_BYTES_PER_CUSTOMER:.1f} GB"):
        validate(compose("market.size=2000000000", "market.innovation=0", "market.imitation=0", *many))


def test_replications_times_horizon_are_counted_and_named():
    with pytest.raises(limits.MemoryLimitError, match=r"^replications = 100000: needs about [\d,.]+ GB"):
        validate(compose("replications=100000", "horizon.ltv_days=30000"))


def test_a_channel_that_could_bring_too_many_customers_is_named():
    cfg = compose("market.size=100000000000", "channels.feed_ads.max_daily_leads=1e9", "market.innovation=0",
                  "market.imitation=0")
    with pytest.raises(limits.MemoryLimitError, match=r"^channels.feed_ads = '.* customers at its full response'"):
        validate(cfg)


@pytest.mark.parametrize("scenario", ["default", "public_only", "referral_fission", "channel_mix"])
def test_the_estimate_is_not_below_the_customers_a_run_brings(scenario):
    cfg = compose("replications=2", scenario=scenario)
    expected = limits.estimate(validate(cfg)).customers
    result = sim.run(cfg)
    arrived = result.per_replication["customers"] + result.per_replication["customers.initial"]
    assert arrived.max() <= expected


def test_customers_arriving_beyond_the_memory_left_stop_the_run_with_a_clear_error(monkeypatch):
    # Arrivals past the estimate (here: memory lost after the check) stop at growth instead.
    cfg = compose("replications=1", "market.size=10000000", "horizon.acquisition_days=30", "horizon.ltv_days=1",
                  "channels.feed_ads.max_daily_leads=200000", "channels.feed_ads.activation_prob=1",
                  "channels.feed_ads.daily_budget=1e9")
    params = validate(cfg)
    monkeypatch.setattr(limits, "available_memory", lambda: 2 * 10 ** 7)  # 20 MB
    with pytest.raises(limits.MemoryLimitError,
                       match=r"market.size = '[\d,]+ customers reached': room for [\d,]+ needs about"):
        simulate(params, replication_seeds(params.seed, 1)[0])


def test_ids_are_32_bit_and_customers_past_what_they_number_are_refused_before_any_room_is_made():
    from sim.population import MAX_CUSTOMERS

    people = People()
    assert people.add(3).dtype == np.int32 == people.referrer.dtype
    with pytest.raises(limits.MemoryLimitError, match=r"market.size = '3 customers reached': [\d,]+ more would "
                                                      r"pass the 2,147,483,647 customers a run can number"):
        people.reserve(MAX_CUSTOMERS - 2)
    assert people._capacity == 1024            # refused before any room was made
    people.reserve(1000)


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


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux's /proc")
def test_room_for_customers_costs_no_memory_until_they_arrive():
    """Room for 5 * 10^7 customers (3.4 GB of arrays) is reserved, not resident; customers added
    after growing past it get every field's fill value."""
    before = _resident_bytes()
    people = People(capacity=50_000_000)
    assert _resident_bytes() - before < 50 * 2 ** 20
    small = People(capacity=2)
    small.add(3, source=np.array([1, 2, 3], dtype=np.int16), ti_activated=0)
    assert small.source.tolist() == [1, 2, 3] and small.ti_churned.tolist() == [-1, -1, -1]
    assert small.stage.tolist() == [ONE_TIME] * 3 and small.value.tolist() == [0.0] * 3
    del people


BASE_ONLY = ["channels={}", "market.innovation=0", "market.imitation=0",
             "population.referral_prob={dist: constant, value: 0.05}"]


@pytest.mark.parametrize("scenario", ["default", "membership", "churn_warning"])
def test_a_base_handled_in_parts_gives_the_run_it_gives_whole(monkeypatch, scenario):
    """Traits, draw keys, calendars, referrals and policy bookings of a day-0 base drawn in
    parts of 256 are those drawn whole: integers and traits exactly, sums to rounding."""
    cfg = compose("population.initial_customers=3000", "horizon.acquisition_days=30", "horizon.ltv_days=60",
                  *BASE_ONLY, scenario=scenario)
    whole = final_state(cfg)
    monkeypatch.setattr(limits, "PART_CUSTOMERS", 256)
    cut = final_state(cfg)
    assert cut.people.n == whole.people.n > 3000
    for name in whole.people.fields:
        if name in ("value", "revenue"):
            np.testing.assert_allclose(getattr(cut.people, name), getattr(whole.people, name), rtol=1e-12)
        else:
            np.testing.assert_array_equal(getattr(cut.people, name), getattr(whole.people, name), err_msg=name)
    for name, series in whole.ledger.daily.items():
        np.testing.assert_allclose(cut.ledger.daily[name], series, rtol=1e-12, atol=1e-9, err_msg=name)


def test_a_base_of_many_parts_needs_little_memory_beyond_its_arrays(monkeypatch):
    """Day 0 of a base of 200,000 in parts of 4096: the run's traced peak over the population's
    arrays is the day's ids and the calendars (about 24 B a customer), not the ~70 B of
    temporaries the base would take drawn, booked and filed whole."""
    import tracemalloc

    params = validate(compose("population.initial_customers=200000", "horizon.acquisition_days=1",
                              "horizon.ltv_days=30", *BASE_ONLY))
    monkeypatch.setattr(limits, "PART_CUSTOMERS", 4096)
    tracemalloc.start()
    try:
        state = simulate(params, replication_seeds(0, 1)[0])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    arrays = state.people._capacity * state.people.nbytes_per_customer
    assert (peak - arrays) / 200_000 < 35


def test_fields_only_some_policies_read_are_kept_only_for_them():
    """Recency and the next purchase day cost 8 B a customer and a write per purchase: kept
    with the churn warning (and tiering), not without; winning a customer back without the
    revenue calendar's day is an error, not a silent loss of its purchases."""
    plain = final_state(compose("replications=1", "horizon.acquisition_days=20", "horizon.ltv_days=20")).people
    assert not plain.keeps("ti_last_purchase") and not plain.keeps("next_purchase_day")
    warned = final_state(compose("replications=1", "horizon.acquisition_days=20", "horizon.ltv_days=20",
                                 scenario="churn_warning")).people
    assert warned.keeps("ti_last_purchase") and warned.keeps("next_purchase_day")
    bought = warned.n_purchases > 0
    assert (warned.ti_last_purchase[bought] >= warned.ti_activated[bought]).all()
    assert warned.nbytes_per_customer - plain.nbytes_per_customer >= 8
    people = People()
    people.add(2, source=np.zeros(2, dtype=np.int16), ti_activated=0, ti_last_purchase=0)
    people.churn(np.array([0]), 1)
    with pytest.raises(RuntimeError, match="keep\\('next_purchase_day'\\)"):
        people.reactivate(np.array([0]))
