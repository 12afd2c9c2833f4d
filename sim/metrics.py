"""Metrics: CAC, LTV, payback and the funnel, computed from a finished run.

Everything here reads the ledger and the customer arrays after the run; the
definitions (docs/model.md, "Metrics") live in this one module. A ratio whose
denominator is zero is NaN (reported as null).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .population import CHURNED
from .validation import check_finite

COHORT_DAYS = 30
"""Width of an acquisition cohort in the cohort table, in days."""
RETENTION_MARKS = (30, 90, 180, 365)
"""Ages (days after activation) at which retention is reported, when within the LTV window."""


@dataclass
class Outcome:
    """What one replication measured."""

    metrics: dict      # name -> number
    daily: dict        # series name -> one value per day
    cohorts: dict      # column -> one value per acquisition cohort
    retention: np.ndarray   # share of acquired customers active at each age 0..ltv_days-1
    response: dict = field(default_factory=dict)   # channel -> response-curve table (column -> values)


def ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / denominator if denominator else float("nan")


def mean_where(values: np.ndarray, mask: np.ndarray) -> float:
    """Mean of ``values`` where ``mask`` holds; NaN if it never does."""
    return float(np.mean(values[mask])) if mask.any() else float("nan")


def per_source(source: np.ndarray, values, n_sources: int) -> np.ndarray:
    """Sum of ``values`` (one per customer, or one for all) per source index: ``np.bincount``'s
    sums, added in the same order, without its copy of ``source`` as 8-byte integers (as much
    memory as the state of 8 B per customer, at the end of a run of millions)."""
    total = np.zeros(n_sources, dtype=np.result_type(values, np.int64))
    np.add.at(total, source, values)
    return total


def payback_days(contribution_by_age: np.ndarray, customers: int, cac: float) -> float:
    """First age (days after activation) at which cumulative contribution per customer reaches CAC."""
    if not customers or np.isnan(cac):
        return float("nan")
    reached = np.flatnonzero(np.cumsum(contribution_by_age) / customers >= cac)
    return float(reached[0]) if reached.size else float("nan")


def compute(state) -> Outcome:
    """Measure one finished replication (an :class:`sim.engine.State`)."""
    params, people, ledger = state.params, state.people, state.ledger
    daily = ledger.daily
    sources = params.sources
    initial = params.source_index("initial")
    channel_names = [c.name for c in state.channels]
    acquired = people.source != initial
    n_by_source = per_source(people.source, 1, len(sources))
    value_by_source = per_source(people.source, people.value, len(sources))
    spend_by_source = {s: daily["spend." + s].sum() if "spend." + s in daily else 0.0 for s in sources}
    first_margin = {s: params.gross_margin * daily["first_revenue." + s].sum() for s in sources}

    customers = int(acquired.sum())
    spend = float(daily["acquisition_spend"].sum())
    leads = sum(daily["leads." + c].sum() for c in channel_names)
    paid_customers = int(sum(n_by_source[params.source_index(c)] for c in channel_names))
    cac = ratio(spend, customers)
    ltv = ratio(people.value[acquired].sum(), customers)
    acquired_by_age = np.delete(ledger.contribution_by_age, initial, axis=0).sum(axis=0)
    m = {
        "customers": customers,
        "acquisition_spend": spend,
        "leads": leads,
        "cac": cac,
        "cac_paid": ratio(sum(spend_by_source[c] for c in channel_names), paid_customers),
        "cpa": ratio(spend, leads),
        "ltv": ltv,
        "ltv_cac": ratio(ltv, cac),
        "payback_days": payback_days(acquired_by_age, customers, cac),
        "roi_first_purchase": ratio(sum(first_margin[s] for s in sources if s != "initial"), spend),
        "roi_ltv": ratio(ltv * customers, spend),
        "revenue": float(daily["revenue"].sum()),
        "gross_profit": float(daily["revenue"].sum() - daily["cogs"].sum()),
        # every customer account with its sign, less acquisition spend: undiscounted, whole run
        "profit": float(sum(sign * daily[account].sum() for account, sign in ledger.accounts.items())
                        - spend),
        # on LTV's terms: each customer's discounted contribution in its LTV window, less the spend
        "profit_npv": float(people.value.sum() - spend),
    }
    for index, s in enumerate(sources):
        n = int(n_by_source[index])
        m["customers." + s] = n
        m["ltv." + s] = ratio(value_by_source[index], n)
        if s == "initial":
            continue
        source_cac = ratio(spend_by_source[s], n)
        m["cac." + s] = source_cac
        m["ltv_cac." + s] = ratio(m["ltv." + s], source_cac)
        m["payback_days." + s] = payback_days(ledger.contribution_by_age[index], n, source_cac)
        if s in channel_names:
            m["spend." + s] = spend_by_source[s]
            m["leads." + s] = float(daily["leads." + s].sum())
            m["cpa." + s] = ratio(spend_by_source[s], m["leads." + s])
            m["roi_first_purchase." + s] = ratio(first_margin[s], spend_by_source[s])
            m["roi_ltv." + s] = ratio(m["ltv." + s] * n, spend_by_source[s])
            m["valid_leads." + s] = float(daily["valid_leads." + s].sum())
    for channel in state.channels:
        m["marginal_cac." + channel.name] = channel.marginal_cac(state)

    m.update(_funnel(people, acquired, customers, leads, paid_customers, params))
    m["referral_share"] = ratio(m["customers.referral"], customers)
    m["k_factor"] = ratio(m["customers.referral"], people.n)
    retention = _retention_curve(people, acquired, params.ltv_days)
    for age in RETENTION_MARKS:
        if age < params.ltv_days:
            m[f"retention.d{age}"] = float(retention[age]) if customers else float("nan")

    series = {"day": np.arange(params.n_days, dtype=float), **daily,
              "gross_profit": daily["revenue"] - daily["cogs"]}
    for policy in state.policies:
        m.update(policy.metrics(state))
    response = {c.name: c.response_table(state) for c in state.channels if hasattr(c, "response_table")}
    for name, value in m.items():     # NaN is a defined "undefined"; infinity never is
        source = name.partition(".")[2]
        check_finite(f"metric {name}", 0.0 if np.isnan(value) else value,
                     f"channels.{source}" if source in channel_names
                     else "the budgets, population.spend and the policies' money")
    return Outcome(m, series, _cohorts(people, acquired, params, daily), retention, response)


def _funnel(people, acquired, customers, leads, paid_customers, params) -> dict:
    """Counts and rates per AARRR stage, over customers acquired in the run."""
    repeat = int((people.n_purchases[acquired] >= 2).sum())
    referrers = np.unique(people.referrer[people.referrer >= 0])
    churned_in_window = acquired & (people.stage == CHURNED) & (
        people.ti_churned - people.ti_activated < params.ltv_days)
    return {
        "funnel.leads": leads,
        "funnel.activated": customers,
        "funnel.repeat": repeat,
        "funnel.referrers": int(acquired[referrers].sum()),
        "funnel.churned": int(churned_in_window.sum()),
        "activation_rate": ratio(paid_customers, leads),
        "repeat_purchase_rate": ratio(repeat, customers),
        "churn_rate": ratio(int(churned_in_window.sum()), customers),
    }


def _retention_curve(people, acquired, ltv_days: int) -> np.ndarray:
    """Share of acquired customers still active at each age 0..ltv_days-1."""
    n = int(acquired.sum())
    if not n:
        return np.full(ltv_days, np.nan)
    churned = acquired & (people.stage == CHURNED)
    churn_age = (people.ti_churned - people.ti_activated)[churned]
    churn_age = churn_age[churn_age < ltv_days]
    return 1.0 - np.cumsum(np.bincount(churn_age, minlength=ltv_days)[:ltv_days]) / n


def _cohorts(people, acquired, params, daily) -> dict:
    """One row per acquisition cohort of COHORT_DAYS days."""
    n_cohorts = -(-params.acquisition_days // COHORT_DAYS)
    cohort = people.ti_activated[acquired] // COHORT_DAYS
    size = np.bincount(cohort, minlength=n_cohorts).astype(float)

    def per_customer(values):
        return np.divide(np.bincount(cohort, weights=values, minlength=n_cohorts), size,
                         out=np.full(n_cohorts, np.nan), where=size > 0)

    table = {
        "cohort_start_day": np.arange(n_cohorts, dtype=float) * COHORT_DAYS,
        "customers": size,
        "ltv": per_customer(people.value[acquired]),
        "revenue_per_customer": per_customer(people.revenue[acquired]),
        "purchases_per_customer": per_customer(people.n_purchases[acquired]),
        "repeat_rate": per_customer(people.n_purchases[acquired] >= 2),
    }
    spend = np.add.reduceat(daily["acquisition_spend"][: params.acquisition_days],
                            np.arange(0, params.acquisition_days, COHORT_DAYS))
    table["acquisition_spend"] = spend
    table["cac"] = np.divide(spend, size, out=np.full(n_cohorts, np.nan), where=size > 0)
    lifetime = np.where(people.stage[acquired] == CHURNED,
                        people.ti_churned[acquired] - people.ti_activated[acquired], np.iinfo(np.int32).max)
    for age in RETENTION_MARKS:
        if age < params.ltv_days:
            table[f"retention_d{age}"] = per_customer(lifetime > age)
    for month in range(1, params.ltv_days // COHORT_DAYS + 1):
        table[f"active_m{month}"] = per_customer(lifetime > month * COHORT_DAYS - 1)
    return table
