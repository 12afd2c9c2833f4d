"""Maximum likelihood with standard errors, shared by the models.

Parameters are optimised on the log scale (they are all positive), inside
``[SMALLEST, LARGEST]``: the range of a number the simulator's config
accepts (``sim.validation``), so a fitted value written into a scenario
passes its checks. Where the data do not determine a parameter (the
likelihood keeps rising towards 0 or infinity: no churn seen, the same
amount at every purchase) the fit stops at that edge and :attr:`Fit.at_edge`
names it. The covariance is the inverse of the numerical Hessian of the
negative log-likelihood at the optimum, mapped back by the delta method.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..validation import LARGEST, SMALLEST

#: A parameter within this factor of SMALLEST or LARGEST is at the edge of the fitted range.
EDGE_FACTOR = 10.0


@dataclass(frozen=True)
class Fit:
    """A fitted model's parameters with standard errors and log-likelihood."""

    names: tuple
    params: dict              # name -> estimate
    se: dict                  # name -> standard error
    loglik: float
    log_cov: np.ndarray       # covariance of the log-parameters

    @property
    def at_edge(self) -> tuple:
        """Names of the parameters the fit left at (within EDGE_FACTOR of) the edge of its range."""
        return tuple(n for n in self.names
                     if not SMALLEST * EDGE_FACTOR < self.params[n] < LARGEST / EDGE_FACTOR)

    def draw(self, rng: np.random.Generator) -> dict:
        """One parameter set from the estimate's asymptotic (log-normal) distribution, inside the fitted range."""
        mean = np.log([self.params[n] for n in self.names])
        draw = np.clip(np.exp(rng.multivariate_normal(mean, self.log_cov)), SMALLEST, LARGEST)
        return dict(zip(self.names, draw.tolist()))

    def describe(self) -> str:
        return ", ".join(f"{n} = {self.params[n]:.4g} "
                         + ("(at the edge)" if n in self.at_edge else f"(se {self.se[n]:.2g})")
                         for n in self.names)


def distinct(*columns, weights=None) -> tuple:
    """The distinct rows of ``columns`` and how many customers each stands for.

    Customers with the same summary (say, repeats, recency and age) have
    the same likelihood, so a log-likelihood summed over the distinct rows,
    each weighted by its count, is the same number for a fraction of the
    work: one-time buyers differ only by age. With ``weights`` (customers
    per row, for a binned summary such as "1,203 donors repeated twice")
    a row's count is the sum of its weights; a weight must be >= 0
    (ValueError otherwise).
    """
    rows, inverse, counts = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True, return_counts=True)
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != columns[0].shape or not np.all(np.isfinite(weights) & (weights >= 0)):
            raise ValueError("weights: one finite number >= 0 per customer row")
        counts = np.bincount(inverse.ravel(), weights=weights, minlength=len(rows))
    return (*rows.T, counts)


def maximise(loglik, names, start) -> Fit:
    """Maximise ``loglik(params_array)`` over parameters in [SMALLEST, LARGEST] from ``start``."""
    def negative(log_params):
        value = -loglik(np.exp(log_params))
        return value if np.isfinite(value) else 1e300

    bounds = [(np.log(SMALLEST), np.log(LARGEST))] * len(names)
    # Nelder-Mead finds the basin from a rough start; L-BFGS-B then converges on
    # the gradient, so the simplex need not shrink to the last digit (on flat
    # likelihoods that took tens of thousands of evaluations).
    result = optimize.minimize(negative, np.clip(np.log(start), *bounds[0]), method="Nelder-Mead",
                               bounds=bounds, options={"xatol": 1e-4, "fatol": 1e-6, "maxfev": 5000})
    result = optimize.minimize(negative, result.x, method="L-BFGS-B", bounds=bounds)
    log_params = result.x
    log_cov = inverse_hessian(negative, log_params)
    params = np.clip(np.exp(log_params), SMALLEST, LARGEST)
    se = params * np.sqrt(np.clip(np.diag(log_cov), 0, None))
    return Fit(tuple(names), dict(zip(names, params.tolist())), dict(zip(names, se.tolist())),
               -float(result.fun), log_cov)


def inverse_hessian(f, x, step=1e-4) -> np.ndarray:
    """The inverse of the numerical Hessian of ``f`` at ``x``, all NaN if it is singular.

    With ``f`` a negative log-likelihood and ``x`` its minimum, the
    asymptotic covariance of the estimate ``x`` (on the scale ``f`` takes).
    """
    hessian = _hessian(f, np.asarray(x, dtype=float), step)
    try:
        return np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.full_like(hessian, np.nan)


def _hessian(f, x, step=1e-4) -> np.ndarray:
    n = x.size
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            e_i, e_j = np.eye(n)[i] * step, np.eye(n)[j] * step
            h[i, j] = h[j, i] = (f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j)
                                 + f(x - e_i - e_j)) / (4 * step * step)
    return h


class RecencyFrequencyModel:
    """A model of customers summarised by ``(repeats, recency, age)``: a subclass gives ``names``,
    a ``start`` for the search and ``loglik(params, x, t_x, T)``, each customer's log-likelihood."""

    names: tuple = ()
    start: tuple = ()

    def fit(self, repeats, recency, age, weights=None) -> Fit:
        """Fit to customers' ``repeats``, ``recency`` and ``age`` (``weights``: customers per row)."""
        x, t_x, big_t, count = distinct(*(np.asarray(v, dtype=float) for v in (repeats, recency, age)),
                                        weights=weights)
        return maximise(lambda params: float(count @ self.loglik(params, x, t_x, big_t)), self.names, self.start)
