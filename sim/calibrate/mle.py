"""Maximum likelihood with standard errors, shared by the models.

Parameters are optimised on the log scale (they are all positive); the
covariance is the inverse of the numerical Hessian of the negative
log-likelihood at the optimum, mapped back by the delta method.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize


@dataclass(frozen=True)
class Fit:
    """A fitted model's parameters with standard errors and log-likelihood."""

    names: tuple
    params: dict              # name -> estimate
    se: dict                  # name -> standard error
    loglik: float
    log_cov: np.ndarray       # covariance of the log-parameters

    def draw(self, rng: np.random.Generator) -> dict:
        """One parameter set from the estimate's asymptotic (log-normal) distribution."""
        mean = np.log([self.params[n] for n in self.names])
        return dict(zip(self.names, np.exp(rng.multivariate_normal(mean, self.log_cov))))

    def describe(self) -> str:
        return ", ".join(f"{n} = {self.params[n]:.4g} (se {self.se[n]:.2g})" for n in self.names)


def distinct(*columns) -> tuple:
    """The distinct rows of ``columns`` and how many times each occurs.

    Customers with the same summary (say, repeats, recency and age) have
    the same likelihood, so a log-likelihood summed over the distinct rows,
    each weighted by its count, is the same number for a fraction of the
    work: one-time buyers differ only by age.
    """
    rows, counts = np.unique(np.stack(columns, axis=1), axis=0, return_counts=True)
    return (*rows.T, counts)


def maximise(loglik, names, start) -> Fit:
    """Maximise ``loglik(params_array)`` over positive parameters from ``start``."""
    def negative(log_params):
        value = -loglik(np.exp(log_params))
        return value if np.isfinite(value) else 1e300

    # Nelder-Mead finds the basin from a rough start; BFGS then converges on the
    # gradient, so the simplex need not shrink to the last digit (on flat
    # likelihoods that took tens of thousands of evaluations).
    result = optimize.minimize(negative, np.log(start), method="Nelder-Mead",
                               options={"xatol": 1e-4, "fatol": 1e-6, "maxfev": 5000})
    result = optimize.minimize(negative, result.x, method="BFGS")
    log_params = result.x
    hessian = _hessian(negative, log_params)
    try:
        log_cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        log_cov = np.full_like(hessian, np.nan)
    params = np.exp(log_params)
    se = params * np.sqrt(np.clip(np.diag(log_cov), 0, None))
    return Fit(tuple(names), dict(zip(names, params)), dict(zip(names, se)), -float(result.fun), log_cov)


def _hessian(f, x, step=1e-4) -> np.ndarray:
    n = x.size
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            e_i, e_j = np.eye(n)[i] * step, np.eye(n)[j] * step
            h[i, j] = h[j, i] = (f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j)
                                 + f(x - e_i - e_j)) / (4 * step * step)
    return h
