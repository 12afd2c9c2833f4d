"""The fits' parameter uncertainty as a scenario's ``uncertainty`` entries.

Each config number the calibrated population sets from a fit (the Beta
parameters of ``population.daily_purchase_prob`` and ``churn_prob``, the
lognormal ``population.spend``) gets one entry: the distribution of the
value it may take given the fit's covariance. The config value is a
function of the fit's parameters, computed by the same mapping that writes
the point estimate (``Calibration.population``,
``GammaGamma.spend_distribution``); its log-sd is that of the delta method
on the log-parameter scale the fit's covariance is on,

.. math::
    \\operatorname{sd}(\\log v) = \\sqrt{g^\\top \\Sigma g},\\quad
    g = \\partial \\log v / \\partial \\log \\theta,

with ``g`` by central differences, so a value that *is* a fitted parameter
(the Beta parameters) gets ``sqrt(Sigma_ii)`` and a conversion such as
``1/theta`` the same log-sd. A value unbounded above is a lognormal whose
median is the point estimate (``mean = estimate * exp(sigma^2 / 2)``); one
with an upper bound (the spend's ``sigma`` <= 4) a normal with the delta
method's sd, truncated symmetrically about the estimate inside its range,
so its median is the estimate too. Only the marginal sds are carried,
not the correlations between parameters.

An entry is left out, with a DataWarning naming it, when its variance is
not available (a singular or indefinite Hessian), when a parameter it
depends on is at the edge of the fitted range (the data do not determine
it), or when its draws could leave the range a config number may take,
``[SMALLEST, LARGEST]``: a replication would then be refused.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from functools import partial

import numpy as np

from ..distributions import FAMILIES
from ..validation import LARGEST, SMALLEST
from .data import DataWarning
from .gamma_gamma import GammaGamma
from .mle import Fit

#: Step of the central differences on the log-parameter scale.
LOG_STEP = 1e-6

#: Standard normal quantile of the most extreme draw: ``sim.uncertainty`` draws from a uniform
#: at least 2^-54 away from 0 and 1, and Phi^-1(2^-54) = -8.29.
EXTREME_Z = 8.3


def uncertainty(calibration) -> dict:
    """``{config path: distribution}`` for each fitted number of ``calibration.population()``.

    Warn (DataWarning) for each entry left out and why (module docstring).
    """
    entries = {}
    for fit, mapping in _fitted(calibration):
        point = mapping(fit.params)
        for trait, spec in point.items():
            for key, estimate in spec.items():
                if key == "dist":
                    continue
                path = f"population.{trait}.{key}"
                entry = _entry(fit, partial(_value_at, mapping, trait, key), spec["dist"], key, estimate, path)
                if entry is not None:
                    entries[path] = entry
    return entries


def log_sd(fit: Fit, value: Callable[[dict], float]) -> tuple[float, tuple]:
    """Delta-method sd of ``log value(params)`` under ``fit``'s log-scale covariance, and the
    names of the parameters ``value`` depends on (nonzero gradient)."""
    x = np.log([fit.params[n] for n in fit.names])
    gradient = np.zeros(x.size)
    for i in range(x.size):
        step = np.eye(x.size)[i] * LOG_STEP
        up, down = (value(dict(zip(fit.names, np.exp(x + s).tolist()))) for s in (step, -step))
        gradient[i] = (math.log(up) - math.log(down)) / (2 * LOG_STEP)
    used = np.flatnonzero(gradient)
    cov = fit.log_cov[np.ix_(used, used)]
    variance = float(gradient[used] @ cov @ gradient[used]) if used.size else 0.0
    return (math.sqrt(variance) if variance >= 0 else math.nan), tuple(fit.names[i] for i in used)


def _fitted(calibration) -> Iterator[tuple[Fit, Callable[[dict], dict]]]:
    """Each fit the population takes values from, with the mapping from its parameters to them."""
    def purchase_churn(params):
        population = calibration.population(params)
        return {trait: population[trait] for trait in ("daily_purchase_prob", "churn_prob")}

    yield calibration.purchase_churn, purchase_churn
    if calibration.spend is not None and calibration.spend_distribution["dist"] != "constant":
        yield calibration.spend, lambda params: {"spend": GammaGamma.spend_distribution(**params)}


def _value_at(mapping: Callable[[dict], dict], trait: str, key: str, params: dict) -> float:
    return mapping(params)[trait][key]


def _entry(fit: Fit, value, family: str, key: str, estimate: float, path: str) -> dict | None:
    sigma, used = log_sd(fit, value)
    at_edge = [n for n in used if n in fit.at_edge]
    low, _, high = FAMILIES[family][key]
    edge = f"{', '.join(at_edge)} at the edge of the fitted range, the data do not determine it" if at_edge else ""
    return entry(path, estimate, estimate * sigma, sigma, low, high, edge=edge)


#: Share of the distance to an open lower bound a truncated normal may reach (its support stays inside).
OPEN_SHARE = 0.999


def entry(path: str, estimate: float, sd: float, log_sd: float, low: float, high: float,
          low_open: bool = False, edge: str = "") -> dict | None:
    """The ``uncertainty`` entry of config number ``path`` fitted at ``estimate`` (sd ``sd``, sd of
    its log ``log_sd``) with range ``[low, high]``: a lognormal with median ``estimate`` when
    ``high`` is unbounded, else a normal truncated evenly about it inside the range (short of an
    open ``low``). None, with a DataWarning giving the reason, when ``edge`` says the fit left it
    at an edge, its variance is not finite, or its draws could leave ``[SMALLEST, LARGEST]``.
    """
    if edge:
        return _left_out(path, edge)
    if not (math.isfinite(sd) and math.isfinite(log_sd)):
        return _left_out(path, "its variance is not available (the Hessian of the fit is singular or "
                               "not positive definite there)")
    if high >= LARGEST:
        centre, spread = math.log(estimate), EXTREME_Z * log_sd
        if not (math.log(SMALLEST) <= centre - spread and centre + spread <= math.log(LARGEST)):
            return _left_out(path, f"log-sd {log_sd:.3g} about {estimate:.3g}, so wide that its draws "
                                   f"could leave [{SMALLEST:g}, {LARGEST:g}], the range of a config number")
        return {"dist": "lognormal", "mean": estimate * math.exp(log_sd ** 2 / 2), "sigma": log_sd}
    half_width = min((estimate - low) * (OPEN_SHARE if low_open else 1.0), high - estimate)
    return {"dist": "normal", "mean": estimate, "sd": sd, "low": estimate - half_width,
            "high": estimate + half_width}


def _left_out(path: str, reason: str) -> None:
    warnings.warn(DataWarning(f"uncertainty: {path} left out: {reason}; the scenario treats it as known"),
                  stacklevel=4)
