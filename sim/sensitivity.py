"""Sensitivity: which inputs move CAC and LTV most.

* :func:`one_at_a_time`: each input set to its low and to its high value
  while the others stay at the scenario's, on common random numbers (the
  tornado plot);
* :func:`sobol`: first-order and total Sobol indices over all inputs at
  once, by the Saltelli sampling scheme on a scrambled Sobol sequence
  (``scipy.stats.qmc``) with the Jansen estimators, and bootstrap intervals.

An input is a config key with a range, ``{"channels.feed_ads.daily_budget":
(1000, 4000), ...}``; every run uses the same seed.
"""
from __future__ import annotations

import numpy as np
from omegaconf import OmegaConf
from scipy.stats import qmc

from .config import compose
from .engine import run
from .progress import Progress


def _evaluate(base, values: dict, metrics) -> dict:
    cfg = base.copy()
    for key, value in values.items():
        if isinstance(OmegaConf.select(cfg, key), int) and not isinstance(value, bool):
            value = int(round(value))      # integer inputs (days, counts) stay integers
        OmegaConf.update(cfg, key, value, merge=False)
    result = run(cfg)
    return {m: result.metrics[m] for m in metrics}


def one_at_a_time(scenario: str, inputs: dict, metrics=("cac", "ltv"), overrides=(),
                  progress: bool | None = None) -> dict:
    """Each input at its low and high value, the rest at the scenario's.

    Returns ``{"base": {metric: value}, "rows": [{"input", "low", "high",
    "<metric>_low", "<metric>_high"}, ...]}``, rows sorted by the widest swing
    of the first metric.
    """
    cfg = compose(scenario, list(overrides))
    rows = []
    with Progress(1 + 2 * len(inputs), "sensitivity run", progress) as bar:
        base = _evaluate(cfg, {}, metrics)
        bar.step()
        for key, (low, high) in inputs.items():
            row = {"input": key, "low": low, "high": high}
            for label, value in (("low", low), ("high", high)):
                for metric, result in _evaluate(cfg, {key: value}, metrics).items():
                    row[f"{metric}_{label}"] = result
                bar.step()
            rows.append(row)
    first = metrics[0]
    rows.sort(key=lambda r: -abs(r[f"{first}_high"] - r[f"{first}_low"]))
    return {"base": base, "rows": rows}


def sobol(scenario: str, inputs: dict, metric: str = "ltv", samples: int = 64, overrides=(),
          seed: int = 0, bootstrap: int = 500, progress: bool | None = None) -> dict:
    """First-order and total Sobol indices of ``metric`` over the ``inputs`` ranges.

    Costs ``samples * (len(inputs) + 2)`` runs (``samples`` a power of 2).
    Estimators (Saltelli 2010; Jansen 1999), with A, B two independent
    sample matrices and AB_i = A with column i from B::

        V   = Var(f(A), f(B))
        S_i = mean(f(B) * (f(AB_i) - f(A))) / V
        T_i = mean((f(A) - f(AB_i))^2) / (2 V)
    """
    names = list(inputs)
    k = len(names)
    low = np.array([inputs[n][0] for n in names], dtype=float)
    high = np.array([inputs[n][1] for n in names], dtype=float)
    unit = qmc.Sobol(2 * k, scramble=True, seed=seed).random(samples)
    a, b = qmc.scale(unit[:, :k], low, high), qmc.scale(unit[:, k:], low, high)

    cfg = compose(scenario, list(overrides))
    with Progress(samples * (k + 2), "sobol run", progress) as bar:
        def f(matrix):
            values = []
            for row in matrix:
                values.append(_evaluate(cfg, dict(zip(names, map(float, row))), [metric])[metric])
                bar.step()
            return np.array(values)

        f_a, f_b = f(a), f(b)
        f_ab = []
        for i in range(k):
            mixed = a.copy()
            mixed[:, i] = b[:, i]
            f_ab.append(f(mixed))
    f_ab = np.array(f_ab)

    def indices(rows):
        fa, fb, fab = f_a[rows], f_b[rows], f_ab[:, rows]
        variance = np.var(np.concatenate([fa, fb]))
        return (np.mean(fb * (fab - fa), axis=1) / variance,
                np.mean((fa - fab) ** 2, axis=1) / (2 * variance))

    first, total = indices(np.arange(samples))
    rng = np.random.default_rng(seed)
    draws = [indices(rng.integers(0, samples, samples)) for _ in range(bootstrap)]
    first_draws, total_draws = np.array([d[0] for d in draws]), np.array([d[1] for d in draws])
    return {"inputs": names, "metric": metric, "first": first, "total": total,
            "first_p05": np.percentile(first_draws, 5, axis=0), "first_p95": np.percentile(first_draws, 95, axis=0),
            "total_p05": np.percentile(total_draws, 5, axis=0), "total_p95": np.percentile(total_draws, 95, axis=0)}
