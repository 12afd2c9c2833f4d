"""Calibration: fit the simulator's population to data a business has.

* :func:`retention_from_survival`: a cohort's survivor counts -> Beta churn
  (shifted-beta-geometric);
* :func:`from_transactions`: a ``customer_id, date, amount`` log -> the
  population config (daily purchase and churn probabilities, spend), by
  fitting the simulator's own process (daily BG/BB) and a Gamma-Gamma spend
  model, with the textbook BG/NBD fitted beside it as a reference;
* :func:`holdout_forecast`: calibrate, replay the same customers in the
  simulator and compare its forecast with what happened and with BG/NBD.

``python -m sim.calibrate DATA.csv --calibration-end DATE --out scenarios/NAME.yaml``
writes a ready-to-run scenario. Models and mappings: docs/calibration.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import data
from .bgbb import DailyBGBB
from .bgnbd import BetaGeometricNBD
from .data import DataError
from .gamma_gamma import GammaGamma
from .mle import Fit
from .sbg import ShiftedBetaGeometric

__all__ = ["Calibration", "DataError", "from_transactions", "holdout_forecast",
           "retention_from_survival", "BetaGeometricNBD", "DailyBGBB", "GammaGamma",
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
    purchase_churn: Fit           # DailyBGBB: alpha, beta (purchase), gamma, delta (churn)
    spend: Fit | None             # GammaGamma: p, q, gamma (None if too few repeat customers)
    reference: Fit                # BetaGeometricNBD on weeks: r, alpha, a, b

    def population(self, params: dict | None = None, spend: dict | None = None) -> dict:
        """The ``population`` config fragment (optionally for other parameter values)."""
        p = params or self.purchase_churn.params
        return {
            "daily_purchase_prob": {"dist": "beta", "a": float(p["alpha"]), "b": float(p["beta"])},
            "churn_prob": {"dist": "beta", "a": float(p["gamma"]), "b": float(p["delta"])},
            "spend": spend or self.spend_distribution(),
            "referral_prob": {"dist": "constant", "value": 0.0},
        }

    def spend_distribution(self) -> dict:
        """Spend per purchase from the Gamma-Gamma fit, or the data's mean amount if it has none."""
        if self.spend is not None:
            try:
                return GammaGamma.spend_distribution(**self.spend.params)
            except ValueError:
                pass
        return {"dist": "constant", "value": float(self.transactions.amount.mean())}

    def arrivals(self) -> list[int]:
        """New customers per day, from day 0 to the last first purchase (for a cohort channel)."""
        return np.bincount(self.summary.first_day).tolist()


def from_transactions(transactions, calibration_end) -> Calibration:
    """Calibrate on the purchases up to ``calibration_end`` (a date, inclusive).

    Raise DataError for malformed data or a calibration end outside it.
    """
    tx = data.load(transactions)
    end = tx.day_of(calibration_end)
    last = int(tx.day.max())
    if not 0 < end <= last:
        first_date, last_date = tx.origin, tx.origin + np.timedelta64(last, "D")
        raise DataError(f"calibration_end = {calibration_end!r}: must lie after the first date "
                        f"({first_date}) and no later than the last ({last_date}) in the data")
    summary = data.summarise(tx, end)
    purchase_churn = DailyBGBB().fit(summary.repeats, summary.recency, summary.age)
    try:
        spend = GammaGamma().fit(summary.repeats, summary.mean_repeat_amount)
    except ValueError:
        spend = None
    reference = BetaGeometricNBD().fit(summary.repeats, summary.recency / 7.0, summary.age / 7.0)
    return Calibration(tx, summary, end, purchase_churn, spend, reference)


def holdout_forecast(transactions, calibration_end, holdout_end, **options) -> dict:
    """Calibrate, replay the customers to ``holdout_end`` and compare by week (see :mod:`.holdout`)."""
    from .holdout import forecast
    return forecast(from_transactions(transactions, calibration_end), holdout_end, **options)
