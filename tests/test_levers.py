"""Levers that respond: referral rewards, coupons and members' word of mouth move behaviour.

Runs on one lever compare configs that differ only in that lever, with the
same seed (common random numbers), so the differences are the lever's.
"""
from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.policies.churn_warning import ChurnWarning
from sim.policies.referral import ReferralRewards
from sim.response import hill_through
from conftest import compose

REWARDS = (0, 5, 10, 20, 40, 80)


def fission(*overrides, replications=3):
    return sim.run(compose("scenario=referral_fission", f"replications={replications}", *overrides)).metrics


@pytest.fixture(scope="module")
def reward_grid():
    """referral_fission's metrics at each referrer reward of REWARDS."""
    return {r: fission(f"policies.referral.referrer_reward={r}") for r in REWARDS}


def test_referral_share_and_invitations_rise_with_the_referrer_reward(reward_grid):
    share = [reward_grid[r]["referral_share"] for r in REWARDS]
    invitations = [reward_grid[r]["invitations"] for r in REWARDS]
    assert np.all(np.diff(share) > 0), share
    assert np.all(np.diff(invitations) > 0), invitations
    # saturating: each unit of reward buys less share than the one before
    slopes = np.diff(share) / np.diff(REWARDS)
    assert np.all(np.diff(slopes) < 0), slopes


def test_profit_has_an_interior_optimum_over_the_referrer_reward(reward_grid):
    profit = [reward_grid[r]["profit"] for r in REWARDS]
    best = int(np.argmax(profit))
    assert 0 < best < len(REWARDS) - 1, dict(zip(REWARDS, profit))


def test_conversion_rises_with_the_referee_reward():
    rates = []
    for reward in (0, 10, 40):
        m = fission(f"policies.referral.referee_reward={reward}", replications=2)
        rates.append(m["referrals_converted"] / m["invitations"])
    assert np.all(np.diff(rates) > 0), rates
    # the scenario's curve doubles conversion at 10 (invitations past the depth
    # cap or the acquisition window convert at 0 whatever the reward)
    assert rates[1] / rates[0] == pytest.approx(2.0, rel=0.1)


def test_the_reward_curves_are_set_from_an_ab_test_of_two_reward_sizes():
    # test: referee reward 10 lifted conversion by 50 %, 30 by 75 %
    lift, half = hill_through("policies.referral", (10, 0.5), (30, 0.75))
    policy = ReferralRewards("referral", referee_reward=30, conversion_max_lift=lift, conversion_half_reward=half)
    assert policy.conversion_factor() == pytest.approx(1.75)
    assert ReferralRewards("referral", referrer_reward=0, referee_reward=0).invitation_factor() == 1.0
    assert ReferralRewards("referral", referee_reward=0).conversion_factor() == 1.0


# --- coupons with warnings and win-back ------------------------------------------------

def warned(**policy):
    spec = ", ".join(f"{k}: {v}" for k, v in policy.items())
    return sim.run(compose(
        "replications=1", "population.daily_purchase_prob={dist: constant, value: 0.05}",
        "population.churn_prob={dist: constant, value: 0.01}", "population.spend={dist: constant, value: 10}",
        "population.initial_customers=20000", "horizon.acquisition_days=1", "horizon.ltv_days=200",
        f"+policies.churn_warning={{{spec}}}")).metrics


def test_a_bigger_coupon_saves_and_wins_back_more_at_more_cost():
    runs = [warned(save_offer=size, winback_offer=size) for size in (0, 10, 40)]
    save = [m["warning_save_rate"] for m in runs]
    winback = [m["winback_success_rate"] for m in runs]
    assert np.all(np.diff(save) > 0), save
    assert np.all(np.diff(winback) > 0), winback
    assert np.all(np.diff([m["cost_per_saved"] for m in runs]) > 0)
    # a zero-size offer is the plain contact: save_rate and winback_rate (0.3 and 0.05)
    assert save[0] == pytest.approx(0.3, abs=0.03)
    assert winback[0] == pytest.approx(0.05, abs=0.02)
    expected = ChurnWarning("w", save_offer=40).save_prob()
    assert save[2] == pytest.approx(expected, abs=0.03)


# --- coupons for joining the pool, points programmes ------------------------------------

def loyal_world(policy: str, days: int = 200):
    """20,000 existing customers buying 10 with 0.02 a day, no churn, and one ``policy``."""
    return sim.run(compose(
        "replications=1", "population.daily_purchase_prob={dist: constant, value: 0.02}",
        "population.churn_prob={dist: constant, value: 0}", "population.spend={dist: constant, value: 10}",
        "population.initial_customers=20000", "horizon.acquisition_days=1", f"horizon.ltv_days={days}",
        policy)).metrics


def test_a_bigger_joining_coupon_brings_more_members_along_its_curve():
    """Join rate = join_prob + incentive_join_lift * I / (I + half_incentive), a binomial share of 20,000."""
    coupons = (0, 2, 5, 20)
    runs = [loyal_world(f"+policies.pool={{join_prob: 0.2, incentive: {c}}}", days=30) for c in coupons]
    rates = [m["pool_joined"] / (20000 + m["customers"]) for m in runs]   # the existing base joins on day 0 too
    assert np.all(np.diff(rates) > 0), rates
    for coupon, rate in zip(coupons, rates):
        expected = 0.2 + 0.5 * coupon / (coupon + 5)
        assert rate == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / 20000)), coupon


def test_a_richer_points_programme_lifts_purchases_more_with_diminishing_returns():
    """Reward rates 0, 0.5 %, 1 %, 4 % (point_value at 1 point per unit): revenue rises, by less per point of rate."""
    rates = (0.0, 0.005, 0.01, 0.04)
    revenue = [loyal_world(f"+policies.points={{point_value: {r}, monthly_breakage: 0}}")["revenue"] for r in rates]
    assert np.all(np.diff(revenue) > 0), revenue
    slopes = np.diff(revenue) / np.diff(rates)
    assert np.all(np.diff(slopes) < 0), slopes
    # a customer holds points from its first purchase on (balances of 10 points,
    # refreshed by later purchases, rarely fall below 1): purchases over 200 days
    # are P(first by 200) + 0.02 * L * E[days after the first], L = 1.08 at 4 %
    # and 1 without points
    p, days = 0.02, 200
    first = 1 - (1 - p) ** days
    after = days - (1 - (1 - p) ** days) / -np.log(1 - p)
    expected = (first + p * 1.08 * after) / (first + p * after)
    assert revenue[-1] / revenue[0] == pytest.approx(expected, abs=0.01)


# --- loyal customers' word of mouth ------------------------------------------------------

@pytest.mark.parametrize("weight", [1, 3])
def test_loyal_customers_word_of_mouth_weighs_loyal_influence_in_bass_imitation(weight):
    """10,000 existing customers who buy every day are loyal (two purchases) from day 2 on:
    day 2's organic adopters are Binomial(market left, q / 365 * W / M) with
    W = loyal_influence * 10,000 + day 1's adopters (one purchase each, ordinary)."""
    daily = sim.run(compose(
        "replications=1", "population.daily_purchase_prob={dist: constant, value: 1}",
        "population.churn_prob={dist: constant, value: 0}", "population.initial_customers=10000",
        "market.innovation=0", "market.imitation=36.5", "horizon.acquisition_days=4", "horizon.ltv_days=10",
        f"market.loyal_influence={weight}", "channels={}")).daily
    size, day_one, day_two = 1_000_000, daily["new.organic"][1], daily["new.organic"][2]
    left, prob = size - 10000 - day_one, 36.5 / 365 * (weight * 10000 + day_one) / size
    assert day_two == pytest.approx(left * prob, abs=4 * np.sqrt(left * prob * (1 - prob)))


# --- super users ------------------------------------------------------------------------

def word_of_mouth(m):
    return m["customers.organic"] + m["customers.referral"]


def test_more_super_users_bring_more_ordinary_customers():
    """The super-user measurement: raise members' penetration by about a
    point (a lower fee) and report the change in customers acquired by word
    of mouth (organic adoption and referral), with members' word of mouth
    at its declared strength and at 1 (as ordinary customers)."""
    effect = {}
    for influence in (3, 1):
        base, more = (sim.run(compose("scenario=super_user", "replications=2",
                                      f"market.member_influence={influence}", *extra)).metrics
                      for extra in ([], ["policies.membership.fee=89"]))
        points = 100 * (more["membership_penetration"] - base["membership_penetration"])
        assert points > 0, "membership take-up must rise when the fee falls"
        gain = 100 * (word_of_mouth(more) / word_of_mouth(base) - 1)
        effect[influence] = gain / points
        print(f"member_influence {influence}: members +{points:.2f} points of the base -> word-of-mouth "
              f"customers {gain:+.2f} % ({effect[influence]:+.2f} % per point), all customers "
              f"{100 * (more['customers'] / base['customers'] - 1):+.2f} %")
    assert effect[3] > 0
    assert effect[3] > effect[1]
