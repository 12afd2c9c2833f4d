"""The budget at a target LTV/CAC (sim.target): the crossing, its bracket, and its errors."""
from __future__ import annotations

import subprocess
import sys

import pytest

from sim.target import budget_at, scaled
from sim.params import validate
from sim.validation import ConfigError
from conftest import compose, homogeneous

MAX_LEADS, HALF, ACTIVATION = 5000.0, 2000.0, 0.2


def one_channel(*overrides):
    """One paid channel on a homogeneous world: customers a day = 5,000 · 0.2 · B / (B + 2,000)."""
    return compose(*homogeneous(), "replications=2", "market.size=1000000000",   # no depletion "horizon.acquisition_days=60", "horizon.ltv_days=120",
                   f"+channels.ads={{kind: paid, daily_budget: 1000, max_daily_leads: {MAX_LEADS}, "
                   f"half_saturation_budget: {HALF}, activation_prob: {ACTIVATION}}}", *overrides)


def test_the_budget_at_a_target_is_where_the_closed_form_ltv_over_cac_crosses_it():
    """CAC = B / (max_leads · activation · B / (B + half)) = (B + half) / 1,000 and LTV does not
    depend on B (same traits), so LTV/CAC = r at B* = 1,000 · LTV / r − half (LTV ≈ 32
    here: B* ≈ 2,000 at r = 8; 60,000 customers from a market too large to deplete)."""
    outcome = budget_at(one_channel(), ltv_cac=8, show_progress=False)
    ltv = outcome.result.metrics["ltv"]
    crossing = MAX_LEADS * ACTIVATION * ltv / 8 - HALF
    assert outcome.bracketed and outcome.total == pytest.approx(crossing, rel=0.03)
    assert outcome.result.metrics["ltv_cac"] >= 8
    # the bracket: every total tried above the answer misses the target, every one at or below reaches it
    for total, ratio in outcome.trials:
        assert (ratio >= 8) == (total <= outcome.total), (total, ratio)
    assert outcome.budgets == {"ads": pytest.approx(outcome.total)}
    # with no customer but the channel's, its own ratio is the blended one, so a search on it
    # (metric="ltv_cac.ads", whose path the next test takes) meets the same answer
    assert outcome.result.metrics["ltv_cac.ads"] == outcome.result.metrics["ltv_cac"]


def test_the_blended_ratio_credits_free_customers_and_a_channels_own_ratio_does_not():
    """On default, organic adoption brings customers at no spend: the blended target allows more
    spend than feed ads' own ratio at the same target."""
    cfg = compose("replications=2", "horizon.acquisition_days=180", "horizon.ltv_days=180")
    blended = budget_at(cfg, ltv_cac=1.5, steps=3, show_progress=False)
    own = budget_at(cfg, ltv_cac=1.5, steps=3, show_progress=False, metric="ltv_cac.feed_ads")
    assert own.total < blended.total
    assert own.result.metrics["ltv_cac.feed_ads"] >= 1.5 > blended.result.metrics["ltv_cac.feed_ads"]


def test_an_allocation_keeps_its_shares_and_bounds_while_the_total_scales():
    cfg = compose("allocation.total_daily_budget=2100", "allocation.weights={feed_ads: 1, pool: 1}",
                  "allocation.bounds={pool: [0, 300]}", scenario="private_domain")
    checked = validate(scaled(cfg, 4000)).config
    assert checked["policies"]["pool"]["daily_budget"] == 300
    assert checked["channels"]["feed_ads"]["daily_budget"] == pytest.approx(3700)
    # without an allocation, the channels keep their shares of today's total
    new_pull = validate(scaled(compose(scenario="new_pull"), 8000)).config["channels"]
    today = validate(compose(scenario="new_pull")).config["channels"]
    total = sum(today[c]["daily_budget"] for c in ("feed_ads", "livestream"))
    for channel in ("feed_ads", "livestream"):
        assert new_pull[channel]["daily_budget"] == pytest.approx(8000 * today[channel]["daily_budget"] / total)


def test_a_target_out_of_reach_is_refused_naming_it():
    with pytest.raises(ConfigError, match=r"^ltv_cac = 1000: is not reached: ltv_cac is .* even at"):
        budget_at(one_channel(), ltv_cac=1000, show_progress=False)
    with pytest.raises(ConfigError, match=r"^ltv_cac = -1: must be a number > 0"):
        budget_at(one_channel(), ltv_cac=-1, show_progress=False)
    with pytest.raises(ConfigError, match=r"^metric = 'cac': must be one of ltv_cac, ltv_cac.ads"):
        budget_at(one_channel(), ltv_cac=2, show_progress=False, metric="cac")


def test_the_command_refuses_a_config_without_budget_in_one_line():
    run = subprocess.run([sys.executable, "-m", "sim.target", "default", "channels={}", "--ltv-cac", "3"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "error: channels = []: no channel has a daily budget > 0 to scale; give allocation.weights"]
