"""The customer-base models side by side: each fitted to the same customers, with its
log-likelihood, AIC and holdout error (the table ``python -m sim.calibrate`` prints).

Candidates (:data:`MODELS`): the BG/BB on the data's opportunity grid (the simulator's
own process at ``period = 1``), BG/NBD, MBG/NBD and Pareto/NBD in continuous time, on
weeks for daily data and on opportunities for a longer grid.

Log-likelihoods and AICs compare models of one kind only: the BG/BB's is a probability
of the opportunities' outcomes, the continuous models' a density of the purchase times,
so the two are different numbers for the same data. The holdout errors compare them all.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..progress import Progress
from .bgbb import BGBB
from .bgnbd import BetaGeometricNBD
from .mbgnbd import ModifiedBGNBD
from .mle import Fit, distinct
from .pareto_nbd import ParetoNBD

#: Model keys (``--model``, :func:`candidates`) and their names.
MODELS = {"bgbb": "BG/BB", "bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "pareto_nbd": "Pareto/NBD"}
CONTINUOUS = {"bgnbd": BetaGeometricNBD, "mbgnbd": ModifiedBGNBD, "pareto_nbd": ParetoNBD}


def time_scale(period: int) -> float:
    """Opportunities per time unit of the continuous models: a week of days for daily data,
    one opportunity for a longer grid."""
    return 7.0 if period == 1 else 1.0


@dataclass(frozen=True)
class Candidate:
    """One fitted customer-base model and its forecasts, in opportunities of ``period`` days."""

    key: str                  # a key of MODELS
    fit: Fit
    period: int               # days per opportunity of the summary the model was fitted to

    @property
    def label(self) -> str:
        return MODELS[self.key]

    @property
    def discrete(self) -> bool:
        return self.key == "bgbb"

    @property
    def aic(self) -> float:
        return 2 * len(self.fit.names) - 2 * self.fit.loglik

    @property
    def unit(self) -> str:
        """The time unit of the fitted parameters."""
        if self.period == 1:
            return "days" if self.discrete else "weeks"
        return f"opportunities of {self.period} days"

    def expected_repeats(self, opportunities) -> np.ndarray:
        """Expected repeats of a customer ``opportunities`` after its first purchase (0 at or before it)."""
        n = np.maximum(np.asarray(opportunities), 0)
        if self.discrete:
            return BGBB.expected_repeats(self.fit.params, n)
        return CONTINUOUS[self.key].expected_repeats(self.fit.params, n / time_scale(self.period))

    def conditional_expected_repeats(self, opportunities: int, repeats, recency, age) -> np.ndarray:
        """Expected repeats in the next ``opportunities`` of customers with that summary (in opportunities)."""
        if self.discrete:
            return BGBB(self.period).conditional_expected_repeats(self.fit.params, opportunities, repeats,
                                                                  recency, age)
        scale = time_scale(self.period)
        return CONTINUOUS[self.key].conditional_expected_repeats(
            self.fit.params, opportunities / scale, repeats, np.asarray(recency) / scale, np.asarray(age) / scale)

    def expected_holdout_repeats(self, opportunities: int, summary) -> float:
        """Sum over the calibration's customers of their expected repeats in the next ``opportunities``."""
        x, t_x, n, count = distinct(summary.repeats, summary.recency, summary.age)
        each = self.conditional_expected_repeats(opportunities, x.astype(np.int64), t_x.astype(np.int64),
                                                 n.astype(np.int64))
        return float(count @ each)


#: A standard error this many times its estimate leaves the parameter undetermined.
LOOSE = 10.0


def undetermined(fit: Fit) -> tuple:
    """The parameters the data do not determine: at the edge of the range, without a finite
    standard error, or with one over :data:`LOOSE` times the estimate."""
    return tuple(n for n in fit.names if n in fit.at_edge or not np.isfinite(fit.se.get(n, np.nan))
                 or fit.se[n] > LOOSE * fit.params[n])


def fit(key: str, summary, period: int) -> Candidate:
    """Fit model ``key`` to ``summary`` (opportunities of ``period`` days)."""
    if key == "bgbb":
        return Candidate(key, BGBB(period).fit(summary.repeats, summary.recency, summary.age), period)
    scale = time_scale(period)
    model = CONTINUOUS[key]()
    return Candidate(key, model.fit(summary.repeats, summary.recency / scale, summary.age / scale), period)


def candidates(calibration, progress: bool = False) -> list[Candidate]:
    """Every model of :data:`MODELS` fitted to the calibration's customers, reusing its own fits;
    with ``progress`` a bar of the fits left to do on stderr (:class:`~sim.progress.Progress`)."""
    known = {calibration.model: calibration.purchase_churn, "bgnbd": calibration.reference}
    fitted = {key: Candidate(key, own, calibration.period) for key, own in known.items()}
    left = [key for key in MODELS if key not in fitted]
    with Progress(len(left), "model fit", enabled=progress) as bar:
        for key in left:
            fitted[key] = fit(key, calibration.summary, calibration.period)
            bar.step()
    return [fitted[key] for key in MODELS]


def table(calibration, fitted: list[Candidate], forecast: dict | None) -> list[dict]:
    """One row per model (and the simulator, with a ``forecast``): log-likelihood, AIC, and the
    holdout's repeats forecast and their error, from each customer's history (conditional) and
    from the first purchase on (unconditional, as the simulator replays them)."""
    rows = []
    for candidate in fitted:
        row = {"model": candidate.label, "kind": "discrete" if candidate.discrete else "continuous",
               "parameters": len(candidate.fit.names), "loglik": candidate.fit.loglik, "aic": candidate.aic,
               "written": candidate.key == calibration.model, "undetermined": undetermined(candidate.fit)}
        if forecast is not None:
            row["conditional"] = forecast["conditional"][candidate.label]
            row["unconditional"] = forecast["holdout"][candidate.label]
        rows.append(row)
    if forecast is not None:
        holdout = forecast["holdout"]
        rows.append({"model": "simulator", "kind": "replay", "written": False, "unconditional": holdout["simulated"],
                     "interval": (holdout["simulated_p05"], holdout["simulated_p95"])})
        actual = holdout["actual"]
        for row in rows:
            for key in ("conditional", "unconditional"):
                if key in row:
                    row[f"{key}_error"] = row[key] / actual - 1 if actual else float("nan")
    return rows


def format_table(rows: list[dict], actual: float | None) -> str:
    """The table as plain text: one line per model, the written model marked with ``*``."""
    lines = [f"{'model':<13}{'kind':<12}{'k':>3}{'log-lik':>14}{'AIC':>13}"
             + ("" if actual is None else f"{'holdout, each history':>26}{'from first purchase':>24}")]
    for row in rows:
        name = ("* " if row["written"] else "  ") + row["model"]
        fitted = (f"{row['parameters']:>3}{row['loglik']:>14,.1f}{row['aic']:>13,.1f}" if "loglik" in row
                  else f"{'':>3}{'':>14}{'':>13}")
        line = f"{name:<13}{row['kind']:<12}{fitted}"
        if actual is not None:
            conditional = (f"{row['conditional']:>14,.0f} ({row['conditional_error']:+6.1%})" if "conditional" in row
                           else f"{'n/a':>24}")
            line += f"  {conditional}  {row['unconditional']:>14,.0f} ({row['unconditional_error']:+6.1%})"
        if row.get("undetermined"):
            line += f"  not determined by the data: {', '.join(row['undetermined'])}"
        lines.append(line)
    if actual is not None:
        lines.append(f"  {'actual':<11}{'':>54}  {actual:>14,.0f}{'':>11}{actual:>14,.0f}")
        simulator = next(r for r in rows if r["model"] == "simulator")
        low, high = simulator["interval"]
        lines.append(f"simulator: mean of the replications, 90 % interval {low:,.0f} to {high:,.0f}")
    lines.append("log-likelihood and AIC compare models of one kind only (a discrete probability against a "
                 "continuous density); the holdout errors compare all")
    return "\n".join(lines)
