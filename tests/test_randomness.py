"""Determinism and common random numbers (DESIGN.md, "Randomness")."""
from __future__ import annotations

import numpy as np

import sim
from conftest import compose, final_state
from scipy import stats

from sim.randomness import KeyedUniforms, Stream, replication_seeds


def test_same_seed_same_numbers_different_seed_different_numbers():
    first = sim.run(compose("replications=2", "seed=3"))
    again = sim.run(compose("replications=2", "seed=3"))
    other = sim.run(compose("replications=2", "seed=4"))
    for name in first.per_replication:
        np.testing.assert_array_equal(first.per_replication[name], again.per_replication[name])
    for series in first.daily:
        np.testing.assert_array_equal(first.daily[series], again.daily[series])
    assert first.metrics["ltv"] != other.metrics["ltv"]
    assert first.metrics["customers"] != other.metrics["customers"]
    # Replications are independent draws, not copies.
    assert len(set(first.per_replication["ltv"])) == 2


def test_streams_are_named_stable_and_cut_into_days():
    seed = replication_seeds(0, 2)
    draws = Stream(seed[0], "channel/a").on(3).random(5)
    np.testing.assert_array_equal(draws, Stream(seed[0], "channel/a").on(3).random(5))
    assert not np.array_equal(draws, Stream(seed[0], "channel/b").on(3).random(5))
    assert not np.array_equal(draws, Stream(seed[1], "channel/a").on(3).random(5))
    assert not np.array_equal(draws, Stream(seed[0], "channel/a").on(4).random(5))
    # However much was drawn on earlier days, day 3 starts at the same place.
    used = Stream(seed[0], "channel/a")
    used.on(1).random(1000)
    used.on(2).gamma(0.5, size=37)
    np.testing.assert_array_equal(draws, used.on(3).random(5))


def test_adding_a_channel_leaves_the_first_channels_draws_unchanged():
    # The channels interact only through the market share left; in a market
    # of 10^15 the second channel's customers change it by 1e-11, too little
    # to move a count, so any difference would come from shared random numbers.
    base = ["replications=1", "market.size=1000000000000", "market.innovation=0"]
    alone = final_state(compose(*base))
    paired = final_state(compose(*base, "+channels.search={kind: paid, daily_budget: 1500}"))
    for series in ("leads.feed_ads", "new.feed_ads", "first_revenue.feed_ads"):
        np.testing.assert_array_equal(alone.ledger.daily[series], paired.ledger.daily[series])
    # The feed_ads customers are the same people, with the same traits.
    mine = lambda state: state.people.source == state.params.source_index("feed_ads")
    for trait in ("daily_purchase_prob", "churn_prob", "spend", "referral_prob", "ti_activated"):
        np.testing.assert_array_equal(getattr(alone.people, trait)[mine(alone)],
                                      getattr(paired.people, trait)[mine(paired)])
    # ... and they live the same lives: their purchases and churn are drawn by customer, not by
    # their place among the day's buyers, which the search customers change.
    for outcome in ("n_purchases", "ti_churned", "revenue"):
        np.testing.assert_array_equal(getattr(alone.people, outcome)[mine(alone)],
                                      getattr(paired.people, outcome)[mine(paired)])
    assert paired.ledger.daily["new.search"].sum() > 0


def test_a_customers_keyed_uniform_does_not_depend_on_who_is_drawn_with_it():
    keyed = KeyedUniforms(replication_seeds(0, 1)[0], "revenue")
    keys = np.arange(1000, dtype=np.uint64) << np.uint64(32)
    everyone = keyed.on(5, keys)
    some = np.random.default_rng(0).permutation(1000)[:300]
    np.testing.assert_array_equal(keyed.on(5, keys[some]), everyone[some])
    assert not np.array_equal(keyed.on(6, keys), everyone)
    assert not np.array_equal(KeyedUniforms(replication_seeds(0, 1)[0], "retention").on(5, keys), everyone)
    assert not np.array_equal(KeyedUniforms(replication_seeds(1, 1)[0], "revenue").on(5, keys), everyone)


def test_keyed_uniforms_are_uniform_and_independent_across_customers_days_and_decisions():
    # 10^6 keys laid out as draw keys are: (source, day, place). Kolmogorov–Smirnov at the 0.1 %
    # level, and correlations within 4 standard errors (1/sqrt(n)) of 0: between neighbouring
    # customers, between one day and the next, between two decisions on the same day.
    n, seed = 1_000_000, replication_seeds(7, 1)[0]
    keys = np.uint64(2 << 52 | 3 << 32) + np.arange(n, dtype=np.uint64)
    revenue, retention = KeyedUniforms(seed, "revenue"), KeyedUniforms(seed, "retention")
    today, tomorrow, other = revenue.on(10, keys), revenue.on(11, keys), retention.on(10, keys)
    assert 0 < today.min() and today.max() < 1
    for u in (today, tomorrow, other):
        assert stats.kstest(u, "uniform").pvalue > 1e-3
    for a, b in ((today[:-1], today[1:]), (today, tomorrow), (today, other)):
        assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(n)


def test_the_kth_arrival_of_a_source_gets_the_same_traits_however_many_arrive():
    # Each trait has its own stream, so a day with one customer more leaves the others' traits.
    small, large = (final_state(compose("replications=1", "horizon.acquisition_days=3", "horizon.ltv_days=3",
                                        f"population.initial_customers={n}")) for n in (500, 501))
    first = small.people.source == small.params.source_index("initial")
    for trait in ("daily_purchase_prob", "churn_prob", "spend", "referral_prob", "draw_key"):
        np.testing.assert_array_equal(getattr(small.people, trait)[first],
                                      getattr(large.people, trait)[: first.sum()])


def test_day_blocks_are_uncorrelated():
    # The sum of one uniform per day over a year has variance 365/12 when the
    # days are independent; correlated day blocks (e.g. offsets by 2**64 in
    # PCG64) inflate it by half. 400 replications: 4 standard errors of the
    # standard deviation is 14 % of it.
    sums = [sum(stream.on(day).random() for day in range(365))
            for stream in (Stream(seed, "x") for seed in replication_seeds(0, 400))]
    expected = np.sqrt(365 / 12)
    assert abs(np.std(sums) - expected) < 4 * expected / np.sqrt(2 * 400)


def test_names_that_collide_in_crc32_get_their_own_streams():
    import zlib
    assert zlib.crc32(b"channel/plumless") == zlib.crc32(b"channel/buckeroo")     # the pair CRC-32 confused
    replication = replication_seeds(0, 1)[0]
    draws = {name: Stream(replication, name).on(3).random(8)
             for name in ("channel/plumless", "channel/buckeroo", "channel/\x00a", "channel/a", "channel/广告")}
    assert len({values.tobytes() for values in draws.values()}) == len(draws)


def test_two_channels_whose_names_collided_draw_different_customers():
    both = {"kind": "paid", "daily_budget": 2000, "max_daily_leads": 600, "half_saturation_budget": 3000}
    spec = "{" + ", ".join(f"{k}: {v}" for k, v in both.items()) + "}"
    state = final_state(compose("channels={}", f"+channels.plumless={spec}", f"+channels.buckeroo={spec}",
                                "replications=1", "horizon.acquisition_days=30", "horizon.ltv_days=5",
                                "market.size=100000000"))
    leads = state.ledger.daily
    assert not np.array_equal(leads["leads.plumless"], leads["leads.buckeroo"])


def test_a_days_seed_mixed_in_python_integers_is_the_arrays_mix():
    from sim.randomness import _mix, _mix_word

    words = np.random.default_rng(7).integers(0, 2 ** 64, size=20_000, dtype=np.uint64)
    words[:2] = 0, 2 ** 64 - 1
    assert [_mix_word(int(w)) for w in words] == [int(m) for m in _mix(words.copy())]
