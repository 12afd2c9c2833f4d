"""Loyalty policies: effects of the right direction and size, costs booked once, KPIs from counts."""
from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import metrics
from conftest import compose, final_state, homogeneous


def base_world(n=20000, days=120, churn=0.0, purchase=0.05, spend=10.0):
    """A homogeneous base of n customers on day 0, followed for ``days`` days."""
    return [*homogeneous(churn=churn, purchase=purchase, spend=spend), f"population.initial_customers={n}",
            "horizon.acquisition_days=1", f"horizon.ltv_days={days}"]


def assert_rate(successes, trials, p, label):
    """A binomial share within four standard errors of p."""
    se = np.sqrt(p * (1 - p) / trials)
    assert abs(successes / trials - p) < 4 * se + 1e-12, f"{label}: {successes / trials:.4f} vs {p}"


# --- the engine's guarantees with policies ---------------------------------------------

def test_a_neutral_policy_leaves_everything_else_bit_identical():
    # A pool nobody joins, at no cost, whose factors are all 1: the
    # calendars draw their candidates at the same bound, so every draw matches.
    base = sim.run(compose("replications=2"))
    neutral = sim.run(compose("replications=2", "+policies.pool={join_prob: 0, daily_budget: 0, "
                                                "touch_purchase_lift: 1, trust_churn_multiplier: 1}"))
    for name, values in base.per_replication.items():
        np.testing.assert_array_equal(values, neutral.per_replication[name], err_msg=name)


def test_comparing_a_config_with_itself_gives_zero_differences():
    cfg = compose("replications=3", "+policies.membership={}")
    comparison = sim.compare(cfg, cfg)
    assert all(np.all(d[np.isfinite(d)] == 0) for d in comparison.difference.values())


def test_every_fee_and_cost_is_booked_once():
    # Everyone arrives on day 0 with discounting off, so every customer's
    # window is days 0..ltv-1: per-customer values add up to the signed
    # daily totals of every customer account over those days.
    days = 200
    cfg = compose(*base_world(n=5000, days=days, churn=0.01), "+policies.pool={incentive: 2}",
                  "+policies.membership={min_purchases: 2, fee: 30}",
                  "+policies.churn_warning={}")
    state = final_state(cfg)
    ledger, people = state.ledger, state.people
    booked = sum(sign * ledger.daily[account][:days].sum() for account, sign in ledger.accounts.items())
    assert people.value.sum() == pytest.approx(booked, rel=1e-6)
    assert min(ledger.daily[a].sum() for a in ("pool_cost", "membership_fee", "membership_discount",
                                               "warning_cost", "winback_cost")) > 0


# --- private pool ------------------------------------------------------------------------

def test_pool_join_rate_follows_join_prob_and_channel_quality():
    state = final_state(compose("horizon.acquisition_days=60", "horizon.ltv_days=1", "replications=1",
                                "+policies.pool={join_prob: 0.3}",
                                "+channels.feed_ads.quality={pool_join: 2.0}"))
    people, params = state.people, state.params
    for source, expected in (("feed_ads", 0.6), ("organic", 0.3)):
        mine = people.source == params.source_index(source)
        assert_rate(people.pool_member[mine].sum(), mine.sum(), expected, source)


def test_pool_touches_lift_purchases_on_touch_days():
    # The pool operates on acquisition days (here 61, with no one acquired):
    # a budget at the half-reach point reaches half of max_reach on each touch day.
    p, lift, days = 0.05, 2.0, 61
    world = [f if not f.startswith("horizon.acquisition_days") else f"horizon.acquisition_days={days}"
             for f in base_world(purchase=p, days=days)]
    state = final_state(compose(*world, f"+policies.pool={{join_prob: 1, touch_every_days: 2, "
                                f"touch_purchase_lift: {lift}, unsubscribe_prob: 0, fatigue_unsubscribe_prob: 0, "
                                "daily_budget: 50, half_reach_budget: 50, max_reach: 1, monthly_cost_per_member: 0}"))
    purchases = state.ledger.daily["purchases"][1:days]
    touch_days = np.arange(1, days) % 2 == 0
    n = state.people.n
    assert_rate(state.ledger.daily["pool_touches"][2:days:2].sum(), n * touch_days.sum(), 0.5, "reach")
    assert_rate(purchases[touch_days].sum(), n * touch_days.sum(), p * (1 + lift) / 2, "touch days")
    assert_rate(purchases[~touch_days].sum(), n * (~touch_days).sum(), p, "other days")
    assert state.ledger.daily["spend.pool"].sum() == pytest.approx(50 * days)


def test_pool_trust_lowers_churn_and_fatigue_unsubscribes():
    c, trust = 0.02, 0.5
    people = final_state(compose(*base_world(churn=c, days=60),
                                 f"+policies.pool={{join_prob: 0.5, trust_churn_multiplier: {trust}, "
                                 "unsubscribe_prob: 0, fatigue_unsubscribe_prob: 0}")).people
    joined = people.ti_pool_joined >= 0
    alive_at_30 = lambda mask: ((people.ti_churned[mask] < 0) | (people.ti_churned[mask] > 30)).sum()
    assert_rate(alive_at_30(~joined), (~joined).sum(), (1 - c) ** 30, "non-members")
    assert_rate(alive_at_30(joined), joined.sum(), (1 - c * trust) ** 30, "members")
    # 10 touches a month against a tolerance of 4: 0.001 + 0.01 * 6 per touch
    world = [f if not f.startswith("horizon.acquisition_days") else "horizon.acquisition_days=31"
             for f in base_world(churn=0, days=31)]
    daily = final_state(compose(*world, "+policies.pool={join_prob: 1, touch_every_days: 3, max_reach: 1, "
                                "daily_budget: 1e9, "
                                "unsubscribe_prob: 0.001, fatigue_unsubscribe_prob: 0.01}")).ledger.daily
    touches, leaving = daily["pool_touches"].sum(), daily["pool_unsubscribes"].sum()
    assert_rate(leaving, touches, 0.061, "unsubscribes per touch")


# --- membership ----------------------------------------------------------------------------

def test_membership_kpis_match_counts_and_fees():
    fee = 50
    cfg = compose("replications=1", "horizon.acquisition_days=200", "horizon.ltv_days=400",
                  f"+policies.membership={{fee: {fee}, term_days: 90}}")
    state = final_state(cfg)
    daily, m = state.ledger.daily, sim.metrics.compute(state).metrics
    joins, renewals = daily["membership_joins"].sum(), daily["membership_renewals"].sum()
    assert m["membership_fee_income"] == pytest.approx(fee * (joins + renewals))
    assert m["membership_conversion"] == pytest.approx(joins / daily["membership_offers"].sum())
    assert 0 < m["membership_renewal_rate"] < 1 and m["membership_renewal_rate"] == pytest.approx(
        renewals / (renewals + daily["membership_lapses"].sum()))
    offered = state.people.membership_offered
    assert np.all(state.people.n_purchases[offered] >= 2)
    assert 0 < m["membership_penetration"] < 1
    assert m["value_per_member"] > m["value_per_non_member"]


def test_the_membership_fee_adds_exactly_its_income_to_profit():
    # The fee changes no draw, and valued far above either fee the membership
    # is bought and renewed by the same customers: on the same seed the only
    # difference is the fee itself, income to the company, value to the members' LTV.
    world = [*base_world(n=5000, days=200, churn=0.005),
             "+policies.membership={min_purchases: 2, other_benefit_value: 1e6}"]
    free, paid = (final_state(compose(*world, f"policies.membership.fee={fee}")) for fee in (0, 99))
    income = paid.ledger.daily["membership_fee"].sum()
    assert income > 0 and free.ledger.daily["membership_fee"].sum() == 0
    profit = [metrics.compute(state).metrics["profit"] for state in (free, paid)]
    assert profit[1] - profit[0] == pytest.approx(income, rel=1e-9)
    members = paid.people.ti_member_joined >= 0
    np.testing.assert_array_equal(members, free.people.ti_member_joined >= 0)
    assert np.all(paid.people.value[members] > free.people.value[members])
    np.testing.assert_array_equal(paid.people.value[~members], free.people.value[~members])


def test_membership_acceptance_rises_with_purchase_frequency():
    # frequent buyers expect more discounts and rebates, so more of them value it above the fee
    state = final_state(compose("replications=1", "horizon.acquisition_days=300", "horizon.ltv_days=100",
                                "+policies.membership={fee: 40, other_benefit_value: 10}"))
    people = state.people
    offered = people.membership_offered
    frequent = offered & (people.daily_purchase_prob > np.median(people.daily_purchase_prob[offered]))
    joined = people.ti_member_joined >= 0
    assert joined[frequent].mean() > 1.5 * joined[offered & ~frequent].mean()


def test_membership_benefits_have_their_stated_size():
    uplift, discount, rebate = 1.5, 0.1, 0.03
    state = final_state(compose(*base_world(n=3000, days=60, purchase=0.1),
                                f"+policies.membership={{min_purchases: 1, fee: 0, "
                                f"exclusive_spend_uplift: {uplift}, "
                                f"price_discount: {discount}, rebate_rate: {rebate}, "
                                "custom_offer_purchase_lift: 1, phases: [{start: 30, price_discount: 0.2}]}"))
    daily, n = state.ledger.daily, state.people.n
    # every customer joins at its first purchase (spend 10); later purchases cost 15
    assert daily["revenue"].sum() == pytest.approx(10 * n + 10 * uplift * (daily["purchases"].sum() - n))
    member_revenue = daily["revenue"].copy()
    member_revenue[0] = 0
    np.testing.assert_allclose(daily["membership_rebate"], rebate * member_revenue)
    np.testing.assert_allclose(daily["membership_discount"][:30], discount * member_revenue[:30])
    np.testing.assert_allclose(daily["membership_discount"][30:], 0.2 * member_revenue[30:])


# --- referral rewards ----------------------------------------------------------------------

@pytest.mark.parametrize("levels", [1, 2])
def test_the_programme_pays_down_to_its_levels_and_deeper_referrals_are_plain_word_of_mouth(levels):
    state = final_state(compose("replications=1", "horizon.acquisition_days=120", "horizon.ltv_days=1",
                                "population.referral_prob={dist: constant, value: 0.5}",
                                f"+policies.referral={{levels: {levels}, referrer_reward: 3, referee_reward: 2}}"))
    people, daily = state.people, state.ledger.daily
    depth = people.referral_depth[:people.n]
    assert (depth > levels).sum() > 100                       # word of mouth goes on past the programme
    rewarded = ((depth >= 1) & (depth <= levels)).sum()
    assert daily["referral_rewards"].sum() == pytest.approx(5 * rewarded)


@pytest.mark.parametrize("levels", [1, 2])
def test_a_programme_with_nothing_to_pay_changes_nothing(levels):
    """No rewards and no commissions: the same customers, bit for bit, as without the programme."""
    shared = ["replications=1", "horizon.acquisition_days=90", "horizon.ltv_days=30",
              "population.referral_prob={dist: constant, value: 0.3}"]
    without = sim.run(compose(*shared)).metrics
    neutral = sim.run(compose(*shared, f"+policies.referral={{levels: {levels}, referrer_reward: 0, "
                                       "referee_reward: 0}")).metrics
    for metric in ("customers", "customers.referral", "revenue", "profit_npv"):
        assert neutral[metric] == without[metric], metric


def test_more_than_two_levels_needs_the_flag_and_warns():
    with pytest.warns(UserWarning, match="legal risk"):
        sim.run(compose("replications=1", "horizon.acquisition_days=10", "horizon.ltv_days=1",
                        "+policies.referral={levels: 3, allow_more_than_two_levels: true}"))


def test_referral_rewards_and_commissions_are_the_referral_sources_cac():
    rr, re, c1, c2 = 7.0, 3.0, 0.1, 0.05
    cfg = compose(*homogeneous(churn=0, purchase=0, spend=20), "population.initial_customers=2000",
                  "population.referral_prob={dist: constant, value: 1}", "referral.conversion_prob=0.5",
                  "horizon.acquisition_days=6", "horizon.ltv_days=2",
                  f"+policies.referral={{referrer_reward: {rr}, referee_reward: {re}, "
                  f"level1_commission: {c1}, level2_commission: {c2}}}")
    state = final_state(cfg)
    people, daily = state.people, state.ledger.daily
    referred = people.referrer >= 0
    paid = referred & (people.referral_depth <= 2)          # the programme's two levels; deeper: word of mouth
    second_level = paid & (people.referrer[np.maximum(people.referrer, 0)] >= 0)
    assert (referred & ~paid).sum() > 0
    # only first purchases (purchase probability 0): commission on each paid referral's 20
    expected = (rr + re) * paid.sum() + c1 * 20 * paid.sum() + c2 * 20 * second_level.sum()
    assert daily["spend.referral"].sum() == pytest.approx(expected)
    m = sim.metrics.compute(state).metrics
    assert m["cac.referral"] == pytest.approx(expected / referred.sum())
    assert m["referral_rewards"] == pytest.approx((rr + re) * paid.sum())


def test_rewards_lift_referrals():
    base = ["replications=2", "population.referral_prob={dist: constant, value: 0.1}"]
    without = sim.run(compose(*base)).metrics
    with_rewards = sim.run(compose(*base, "+policies.referral={referee_reward: 10}")).metrics
    assert with_rewards["customers.referral"] > 1.5 * without["customers.referral"]
    assert with_rewards["k_factor"] > without["k_factor"]


# --- churn early warning and win-back ----------------------------------------------------

def test_warning_flags_with_its_recall_and_saves_customers():
    cfg = base_world(churn=0.01, days=150, purchase=0.05)
    warned = final_state(compose(*cfg, "+policies.churn_warning={recall: 0.7, false_alarm_rate: 0.05, "
                                 "save_rate: 1, saved_churn_multiplier: 0, winback_rate: 0}"))
    daily = warned.ledger.daily
    assert_rate(daily["flagged_at_risk"].sum(), daily["at_risk"].sum(), 0.7, "recall")
    m = sim.metrics.compute(warned).metrics
    assert m["cost_per_saved"] == pytest.approx(m["warning_cost"] / m["saved_by_warning"])
    # with a churn multiplier of 0, nobody churns while protected
    people = warned.people
    saved = people.ti_protected_until >= 0
    last_save = people.ti_protected_until[saved] - 60 + 1
    churn_day = people.ti_churned[saved]
    assert saved.sum() > 500
    assert not np.any((churn_day >= last_save) & (churn_day <= people.ti_protected_until[saved]))
    baseline = final_state(compose(*cfg))
    assert warned.ledger.daily["churned"].sum() < baseline.ledger.daily["churned"].sum()


def test_winback_reactivates_at_its_rate():
    state = final_state(compose(*base_world(churn=0.02, days=200),
                                "+policies.churn_warning={recall: 0, false_alarm_rate: 0, winback_rate: 0.25}"))
    daily, people = state.ledger.daily, state.people
    assert_rate(daily["won_back"].sum(), daily["winback_contacts"].sum(), 0.25, "win-back")
    assert daily["reactivated"].sum() == daily["won_back"].sum() > 0
    np.testing.assert_array_equal(people.active_ids.size, (people.stage != 3).sum())


def test_a_customer_is_won_back_at_most_once_and_keeps_its_first_churn_day():
    # High churn and a generous win-back: many won-back customers churn again.
    state = final_state(compose(*base_world(churn=0.1, days=200),
                                "+policies.churn_warning={recall: 0, false_alarm_rate: 0, winback_every_days: 10, "
                                "winback_window_days: 10, winback_rate: 0.5}"))
    daily, people = state.ledger.daily, state.people
    contacted = people.ti_winback_contacted >= 0
    assert daily["winback_contacts"].sum() == contacted.sum()
    assert daily["won_back"].sum() > 1000
    # the first churn precedes the contact, also for those who churned again after it
    assert np.all(people.ti_churned[contacted] <= people.ti_winback_contacted[contacted])
    assert np.all(people.ti_churned[contacted] >= people.ti_winback_contacted[contacted] - 10)


# --- tiering and points --------------------------------------------------------------------

def test_rfm_tiers_rank_customers_and_target_policies():
    state = final_state(compose("replications=1", "horizon.acquisition_days=200", "horizon.ltv_days=100",
                                "+policies.tiering={every_days: 30, tiers: 4}",
                                "+policies.membership={target_tiers: [3], fee: 30}"))
    people = state.people
    active = people.active_ids
    tier = people.tier[active]
    revenue = [people.revenue[active][tier == t].mean() for t in range(4)]
    purchases = [people.n_purchases[active][tier == t].mean() for t in range(4)]
    assert revenue == sorted(revenue) and purchases == sorted(purchases)
    joined = people.ti_member_joined >= 0
    assert joined.sum() > 100
    assert people.ti_member_joined[joined].min() >= 30      # nobody is tiered before day 30
    # offers go to the top tier only, so members sit high in the ranking
    assert np.mean(people.tier[joined] >= 2) > 0.9


@pytest.mark.parametrize("override, words", [
    ("+policies.membership={target_tiers: [1]}", "needs the tiering policy"),
    ("+policies.tiering={tiers: 3}", None),
])
def test_targeting_needs_tiering(override, words):
    if words is None:   # a tier beyond the configured ones
        with pytest.raises(sim.ConfigError, match="tiers run from 0 to 2"):
            sim.run(compose(override, "+policies.membership={target_tiers: [3]}"))
    else:
        with pytest.raises(sim.ConfigError, match=words):
            sim.run(compose(override))


def test_points_are_conserved_and_costed():
    value = 0.02
    state = final_state(compose("replications=1", "horizon.acquisition_days=100", "horizon.ltv_days=200",
                                f"+policies.points={{point_value: {value}, monthly_burn_rate: 0.3, "
                                "monthly_breakage: 0.1}"))
    daily, people = state.ledger.daily, state.people
    issued, redeemed, expired = (daily[k].sum() for k in ("points_issued", "points_redeemed", "points_expired"))
    assert issued == pytest.approx(redeemed + expired + people.points.sum(), rel=1e-9)
    assert daily["points_cost"].sum() == pytest.approx(value * redeemed)
    assert issued == pytest.approx(daily["revenue"].sum())      # one point per currency unit


def test_referred_customers_by_level_sum_to_the_referral_source_and_each_level_is_fed_by_the_one_above():
    result = sim.run(compose("replications=1", "horizon.acquisition_days=120", "horizon.ltv_days=1",
                             "population.referral_prob={dist: constant, value: 0.5}",
                             "+policies.referral={levels: 2, referrer_reward: 3, referee_reward: 2}"))
    m = result.metrics
    levels = [m["referred_level_1"], m["referred_level_2"], m["referred_deeper"]]
    assert sum(levels) == m["customers.referral"]
    assert all(n > 0 for n in levels)                 # with 0.5 invitations a purchase the tree grows deep
    assert m["referred_level_1"] > m["referred_level_2"]   # a level's referrers are the level above: fewer, later
