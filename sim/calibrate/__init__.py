"""Calibration: fit the simulator's population to data a business has.

* :func:`retention_from_survival`: a cohort's survivor counts -> Beta churn
  (shifted-beta-geometric);
* :func:`from_transactions`: a ``customer_id, date, amount`` log -> the
  population config (daily purchase and churn probabilities, spend), by
  fitting the simulator's own process (daily BG/BB) and a Gamma-Gamma spend
  model, with the textbook BG/NBD fitted beside it as a reference;
* :func:`holdout_forecast`: calibrate, replay the same customers in the
  simulator and compare its forecast with what happened and with BG/NBD;
* :func:`fit_acquisition`: a spend history (and lift tests) -> the paid
  channels' response curves and an organic baseline (:mod:`.acquisition`).

``python -m sim.calibrate DATA.csv --calibration-end DATE --out scenarios/NAME.yaml``
writes a ready-to-run scenario, the fits' parameter uncertainty as its
``uncertainty`` entries (:mod:`.fit_uncertainty`). Models and mappings:
docs/calibration.md.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .. import distributions
from ..limits import MAX_DAYS
from ..validation import LARGEST, SMALLEST
from . import compare, data
from .bgbb import BGBB, DailyBGBB
from .bgnbd import BetaGeometricNBD
from .compare import time_scale
from .acquisition import AcquisitionFit, fit_acquisition
from .data import DataError, DataWarning
from .gamma_gamma import GammaGamma
from .mbgnbd import ModifiedBGNBD
from .mle import Fit
from .pareto_nbd import ParetoNBD
from .sbg import ShiftedBetaGeometric

#: Models :func:`from_transactions` can write as the simulator's population (``--model``).
WRITABLE = ("bgbb", "pareto_nbd")

__all__ = ["WRITABLE", "AcquisitionFit", "Calibration", "DataError", "DataWarning", "check_replay_length", "fit_acquisition",
           "from_transactions",
           "holdout_forecast", "retention_from_survival", "BetaGeometricNBD", "BGBB", "DailyBGBB", "GammaGamma", "ModifiedBGNBD", "ParetoNBD",
           "ShiftedBetaGeometric"]


def retention_from_survival(survivors) -> dict:
    """Fit Beta churn to a cohort's survivor counts (``survivors[k]`` after ``k`` periods).

    Returns ``{"a", "b", "se": {"a", "b"}, "loglik"}``: use
    ``population.churn_prob = {dist: beta, a, b}`` with
    ``retention.period_days`` set to the period length.
    """
    fit = ShiftedBetaGeometric().fit(survivors)
    return {"a": fit.params["a"], "b": fit.params["b"], "se": dict(fit.se), "loglik": fit.loglik}


@dataclass(frozen=True)
class Calibration:
    """Fitted models and the simulator population they imply."""

    transactions: data.Transactions
    summary: data.Summary
    calibration_end: int          # day number of the calibration end
    purchase_churn: Fit           # the written model's fit: BG/BB alpha, beta, gamma, delta; or Pareto/NBD
    spend: Fit | None             # GammaGamma: p, q, gamma (None if too few repeat customers)
    reference: Fit                # BetaGeometricNBD on weeks: r, alpha, a, b
    spend_distribution: dict      # population.spend: from ``spend``, or the mean amount (see _spend)
    period: int = 1               # days per purchase opportunity of ``purchase_churn`` and ``summary``
    model: str = "bgbb"           # the model written as the population: a key of WRITABLE

    def population(self, params: dict | None = None) -> dict:
        """The ``population`` config fragment (optionally for other purchase/churn parameter values).

        BG/BB: churn is ``Beta(gamma, delta)`` per ``retention.period_days = period``, exactly.
        The simulator buys by the day, so with ``period > 1`` a customer's purchase chance per
        opportunity, ``p ~ Beta(alpha, beta)``, becomes ``p / period`` a day, as the Beta with the
        same mean and variance: each customer keeps its expected purchases per opportunity (and
        so revenue and LTV), though it may now buy twice in one. With ``period = 1`` it is
        ``Beta(alpha, beta)`` itself.

        Pareto/NBD: the rates per time unit of ``u`` days become rates a day, ``lambda / u ~
        Gamma(r, scale 1 / (alpha u))`` to buy and ``mu / u ~ Gamma(s, scale 1 / (beta u))`` to
        churn, decided daily: a daily chance for a daily rate, which is exact to first order
        (``1 - exp(-rate)``; under 1 % apart for rates under 0.02 a day).
        """
        p = params or self.purchase_churn.params
        if self.model == "pareto_nbd":
            days = time_scale(self.period) * self.period          # days per time unit of the fit
            return {
                "daily_purchase_prob": {"dist": "gamma", "shape": float(p["r"]), "scale": 1 / (float(p["alpha"]) * days)},
                "churn_prob": {"dist": "gamma", "shape": float(p["s"]), "scale": 1 / (float(p["beta"]) * days)},
                "spend": self.spend_distribution,
                "referral_prob": {"dist": "constant", "value": 0.0},
            }
        alpha, beta = float(p["alpha"]), float(p["beta"])
        if self.period > 1:
            mean = alpha / (alpha + beta) / self.period
            variance = alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)) / self.period ** 2
            concentration = mean * (1 - mean) / variance - 1
            alpha, beta = mean * concentration, (1 - mean) * concentration
        return {
            "daily_purchase_prob": {"dist": "beta", "a": alpha, "b": beta},
            "churn_prob": {"dist": "beta", "a": float(p["gamma"]), "b": float(p["delta"])},
            "spend": self.spend_distribution,
            "referral_prob": {"dist": "constant", "value": 0.0},
        }

    def retention(self) -> dict:
        """The ``retention`` config fragment: churn decided once per opportunity (BG/BB) or daily (Pareto/NBD)."""
        period = 1 if self.model == "pareto_nbd" else self.period
        return {"period_days": period, "repeats_from_first_decision": period > 1}

    def arrivals(self) -> list[int]:
        """New customers per day, from day 0 to the last first purchase (for a cohort channel);
        with ``period > 1``, on the first day of their first opportunity."""
        return np.bincount(self.summary.first_day * self.period).tolist()


def from_transactions(transactions, calibration_end, follow_days: int | None = None,
                      reading: data.Reading = data.Reading(), period: int = 1,
                      allow_edge: bool = False, model: str = "bgbb") -> Calibration:
    """Calibrate on the purchases up to ``calibration_end`` (a date, inclusive), reading the
    data as ``reading`` says (column names, decimals, refunds, time zone: ``data.Reading``),
    with one purchase opportunity every ``period`` days (1: the simulator's daily process),
    writing ``model`` (a key of :data:`WRITABLE`) as the population.

    A purchase-and-churn fit with a parameter at the edge of its range or without finite
    standard errors is a DataError naming the likely cause (data with at most one purchase
    a year fitted by day: use ``period=365``), or, with ``allow_edge``, a DataWarning.

    Raise DataError for malformed data or a calibration end that is not a
    date or lies outside the data; with ``follow_days``, also before any
    fitting if the customers could not be replayed and followed that many
    days after the last first purchase (:func:`check_replay_length`). Warn
    (DataWarning) when a fit the population uses stops at the edge of its
    range (:attr:`Fit.at_edge`) and when spend falls back to the mean amount.
    """
    if model not in WRITABLE:
        raise DataError(f"model = {model!r}: must be one of {', '.join(WRITABLE)}; "
                        f"{', '.join(k for k in compare.MODELS if k not in WRITABLE)} churn at a purchase, which the "
                        "simulator's daily churn does not express (they are compared, not written)")
    end_date = data.parse_date(calibration_end, "calibration_end")     # before reading a large file
    tx = data.load(transactions, reading)
    end = tx.day_of(end_date)
    last = int(tx.day.max())
    if not 0 < end <= last:
        first_date, last_date = tx.origin, tx.origin + np.timedelta64(last, "D")
        raise DataError(f"calibration_end = {calibration_end!r}: must lie after the first date "
                        f"({first_date}) and no later than the last ({last_date}) in the data")
    summary = data.summarise(tx, end, period)
    if follow_days is not None:
        check_replay_length(tx, summary, follow_days)
    purchase_churn = compare.fit(model, summary, period).fit
    _check_purchase_churn(purchase_churn, tx, end, period, allow_edge, model)
    spend, spend_distribution = _spend(tx, summary, end)
    reference = compare.fit("bgnbd", summary, period).fit
    return Calibration(tx, summary, end, purchase_churn, spend, reference, spend_distribution, period, model)


def _check_purchase_churn(fit: Fit, tx: data.Transactions, end: int, period: int, allow_edge: bool,
                          key: str = "bgbb") -> None:
    """DataError (DataWarning with ``allow_edge``) for a purchase/churn fit the data do not determine."""
    grid = "daily " if period == 1 and key == "bgbb" else ""
    model = f"{grid}{compare.MODELS[key]}" + (" (purchase and churn)" if period == 1 else f", one opportunity every {period} days")
    unstable = [n for n in fit.names if not np.isfinite(fit.se.get(n, np.nan))]
    if not fit.at_edge and not unstable:
        return
    detected, share = data.detect_period(tx, end)
    if detected > period:
        cause = (f"at most one purchase every {detected} days in the data ({share:.1%} of customer-periods hold "
                 f"two or more): use --period {detected}")
    elif fit.at_edge:
        values = ", ".join(f"{n} = {fit.params[n]:.3g}" for n in fit.at_edge)
        no_churn = {"bgbb": "delta", "pareto_nbd": "beta"}.get(key) in fit.at_edge
        hint = ", as when no churn is seen: everyone still buying at the end" if no_churn else ""
        cause = (f"{values} at the edge of the fitted range [{SMALLEST:g}, {LARGEST:g}]: the data do not "
                 f"determine {'them' if len(fit.at_edge) > 1 else 'it'}{hint}")
    else:
        cause = f"no finite standard error for {', '.join(unstable)}: the likelihood is flat there"
    message = f"{model}: {cause} (docs/calibration.md, Fits at the edge)"
    if not allow_edge:
        raise DataError(f"{message}; --allow-edge writes the scenario anyway")
    warnings.warn(DataWarning(f"{message}; written anyway (--allow-edge): read its numbers with care"),
                  stacklevel=3)


def check_replay_length(tx: data.Transactions, summary: data.Summary, follow_days: int) -> None:
    """Raise DataError if a run replaying the customers from their first-purchase days and
    following them ``follow_days`` after the last one would exceed ``sim.limits.MAX_DAYS``."""
    span = int(summary.first_day.max()) + 1
    if span + follow_days > MAX_DAYS:
        earliest = tx.ids[tx.customer[np.argmin(tx.day)]]
        raise DataError(
            f"the first purchases span {span:,} days ({tx.origin}, customer {earliest}, to "
            f"{tx.origin + span - 1}); following them {follow_days:,} days past the last makes a "
            f"{span + follow_days:,}-day run, and the simulator runs at most {MAX_DAYS:,} days; "
            f"calibrate on a shorter span of first purchases: drop the early rows (is {tx.origin} "
            f"a placeholder date?) or use an earlier calibration end")


def _spend(tx: data.Transactions, summary: data.Summary, end: int) -> tuple[Fit | None, dict]:
    """The Gamma-Gamma fit and ``population.spend``: the distribution of the customers' mean
    spend it implies or, with a DataWarning saying why, the mean amount of the purchases up
    to the calibration end (fewer than 10 repeat customers, ``q <= 2``, or a distribution
    the simulator would refuse). A count-only log gets one currency unit per purchase, with a
    DataWarning: LTV is then in purchases' worth of spend, for the user to scale."""
    if not tx.has_amounts:
        warnings.warn(DataWarning("spend: the data has no amount column, so spend is not fitted; the scenario's "
                                  "customers spend 1 per purchase (LTV in units of one purchase's spend): "
                                  "set population.spend to your spend per purchase"), stacklevel=3)
        return None, {"dist": "constant", "value": 1.0}
    fit = None
    try:
        fit = GammaGamma().fit(summary.repeats, summary.mean_repeat_amount)
        _warn_at_edge("Gamma-Gamma (spend)", fit)
        distribution = GammaGamma.spend_distribution(**fit.params)
        distributions.from_spec("population.spend", distribution)
        return fit, distribution
    except ValueError as reason:        # ConfigError included
        mean = float(tx.amount[tx.day <= end].mean())
        warnings.warn(DataWarning(f"spend: {reason}; the scenario's customers spend the mean amount, "
                                  f"{mean:.6g}, at every purchase"), stacklevel=3)
        return fit, {"dist": "constant", "value": mean}


def _warn_at_edge(model: str, fit: Fit) -> None:
    if fit.at_edge:
        values = ", ".join(f"{n} = {fit.params[n]:.3g}" for n in fit.at_edge)
        warnings.warn(DataWarning(
            f"{model}: {values} at the edge of the fitted range [{SMALLEST:g}, {LARGEST:g}]: the data do "
            f"not determine {'them' if len(fit.at_edge) > 1 else 'it'} (the likelihood still rises "
            f"towards the edge), so the fit stops there "
            f"(docs/calibration.md, Fits at the edge)"), stacklevel=3)


def holdout_forecast(transactions, calibration_end, holdout_end, period: int = 1, **options) -> dict:
    """Calibrate, replay the customers to ``holdout_end`` and compare them with every model
    every week or ``every`` days (see :func:`.holdout.forecast` for ``options``)."""
    from .holdout import forecast
    return forecast(from_transactions(transactions, calibration_end, period=period), holdout_end, **options)
