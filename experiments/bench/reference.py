"""The benchmark's reference model, shared by every implementation.

A base of ``customers`` activated on day 0 plus one paid channel and
referral, all AARRR stages on, heterogeneous traits, 366 days (365
acquisition days and the LTV day). Each day, in order: new customers from
the channel (Poisson leads, mean ``customers / 1000``, each activating with
0.2) and from yesterday's converted referrals arrive and make a first
purchase; every customer active before today churns with its daily
probability, survivors buy with theirs; every purchase invites with 0.05,
an invitation converts with 0.2 and arrives tomorrow (only while new
customers may still arrive).
"""
from __future__ import annotations

DAYS = 366
ACQUISITION_DAYS = 365
PURCHASE = dict(shape=0.5, scale=0.02)      # gamma, daily purchase probability (capped at 1)
CHURN = dict(a=1.0, b=200.0)                 # beta, daily churn probability
SPEND = dict(shape=4.0, scale=12.5)          # gamma, revenue per purchase
REFERRAL_PROB = 0.05
CONVERSION_PROB = 0.2
ACTIVATION_PROB = 0.2


def daily_leads(customers: int) -> float:
    return customers / 1000


def engine_overrides(customers: int, acquisition_days: int = ACQUISITION_DAYS) -> list[str]:
    """The same model as a marketing-sim config (a Hill curve saturated to the lead mean);
    ``acquisition_days`` other than 365 stretches or shortens it, for the scaling in days."""
    return [
        "replications=1", "seed=0", f"population.initial_customers={customers}",
        f"market.size={customers * 1000}", "market.innovation=0", "market.imitation=0",
        f"horizon.acquisition_days={acquisition_days}", f"horizon.ltv_days={DAYS - ACQUISITION_DAYS}",
        f"population.daily_purchase_prob={{dist: gamma, shape: {PURCHASE['shape']}, scale: {PURCHASE['scale']}}}",
        f"population.churn_prob={{dist: beta, a: {CHURN['a']}, b: {CHURN['b']}}}",
        f"population.spend={{dist: gamma, shape: {SPEND['shape']}, scale: {SPEND['scale']}}}",
        f"population.referral_prob={{dist: constant, value: {REFERRAL_PROB}}}",
        f"referral.conversion_prob={CONVERSION_PROB}", "referral.quality={}",
        "channels={}",
        # a budget 10^9 times the half-saturation point gives max_daily_leads almost exactly
        f"+channels.ads={{kind: paid, daily_budget: 1000000000, half_saturation_budget: 1, "
        f"max_daily_leads: {daily_leads(customers)}, activation_prob: {ACTIVATION_PROB}}}",
    ]
