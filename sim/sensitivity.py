"""Sensitivity: which inputs move CAC and LTV most.

* :func:`one_at_a_time`: each input set to its low and to its high value
  while the others stay put, on common random numbers (the tornado plot);
* :func:`sobol`: first-order and total Sobol indices over all inputs at
  once, by SALib (Saltelli sampling on a scrambled Sobol sequence, the
  Saltelli 2010 first-order and Jansen total-effect estimators, bootstrap
  intervals), with a warning when the sample is too small for stable
  indices.

An input is a config key with a range, ``{"channels.feed_ads.daily_budget":
(1000, 4000), ...}``, or, with ``inputs=None``, an entry of the config's
``uncertainty`` mapping: one-at-a-time then moves it to its 5 % and 95 %
quantiles and Sobol samples it through its distribution, so the indices
share out the variance the stated uncertainty causes, not that of a box.
Every run uses the scenario's seed; an input a run sets is taken out of
the run's ``uncertainty`` mapping, so it is not drawn again per replication.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from omegaconf import OmegaConf, open_dict
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from . import parallel
from .config import compose
from .engine import run
from .params import validate
from .progress import Progress
from .uncertainty import entries
from .validation import ConfigError

#: An index whose whole interval lies within ±NEGLIGIBLE is a stable "this input does not matter".
NEGLIGIBLE = 0.05

#: Interval of the Sobol indices (SALib's normal approximation to the bootstrap).
LEVEL = 0.9

# A scrambled Sobol point may sit on 0, where a beta or gamma quantile is the
# closed end of a support the parameter's range leaves open.
_EDGE = 2.0 ** -32


@dataclass(frozen=True)
class _Input:
    path: str
    ppf: Callable            # uniforms in (0, 1) -> values
    low: float               # one-at-a-time ends
    high: float
    held: float | None       # where it stays while another input moves (None: the scenario's value)
    integer: bool = False


def _inputs(cfg, inputs: dict | None) -> list[_Input]:
    """The explicit ``{path: (low, high)}`` ranges, or the config's uncertainty entries when None."""
    if inputs is not None:
        return [_Input(path, lambda u, lo=float(low), hi=float(high): lo + np.asarray(u) * (hi - lo),
                       low, high, None) for path, (low, high) in inputs.items()]
    found = entries(OmegaConf.to_container(cfg, resolve=True))
    if not found:
        raise ConfigError("uncertainty", {}, "sensitivity with inputs=None reads its inputs from the "
                          "config's uncertainty mapping: give inputs={path: (low, high)} or uncertainty entries")
    return [_Input(e.path, e.ppf, *e.interval(0.9), float(e.ppf(0.5)), e.integer) for e in found]


def _evaluate(base, values: dict, metrics) -> dict:
    cfg = base.copy()
    with open_dict(cfg):
        drawn = cfg.get("uncertainty")
        for key, value in values.items():
            if drawn is not None and key in drawn:
                del drawn[key]             # set here, so not drawn per replication
            if isinstance(OmegaConf.select(cfg, key), int) and not isinstance(value, bool):
                value = int(round(value))  # integer inputs (days, counts) stay integers
            OmegaConf.update(cfg, key, value, merge=False)
    result = run(cfg)
    return {m: result.metrics[m] for m in metrics}


def _evaluate_all(base, runs: list[dict], metrics, label: str, progress: bool | None) -> list[dict]:
    """:func:`_evaluate` of each of ``runs``, in order, the runs spread over processes
    (``sim.parallel.run_workers``: ``workers`` of the config, 0 for one per core), each run's
    replications inside its own; the numbers are those of running them one after another."""
    workers = parallel.run_workers(validate(base), len(runs))
    if workers > 1:
        base = base.copy()
        with open_dict(base):
            base.workers = 1          # a run's replications stay in the process that runs it
    with Progress(len(runs), label, progress) as bar:
        return list(parallel.map_jobs(_evaluate, [(base, values, metrics) for values in runs], workers, bar.step))


def _value(item: _Input, x) -> float | int:
    return int(round(float(x))) if item.integer else float(x)


def one_at_a_time(scenario: str, inputs: dict | None = None, metrics=("cac", "ltv"), overrides=(),
                  progress: bool | None = None) -> dict:
    """Each input at its low and high value, the others held.

    With explicit ``inputs`` the others stay at the scenario's values; with
    ``inputs=None`` the inputs are the config's ``uncertainty`` entries, low
    and high are each one's 5 % and 95 % quantiles, and the others are held
    at their medians (the base run has every one at its median).

    Returns ``{"base": {metric: value}, "held": {path: value}, "rows":
    [{"input", "low", "high", "<metric>_low", "<metric>_high"}, ...]}``, rows
    sorted by the widest swing of the first metric. Raise ConfigError when
    ``inputs`` is None and the config has no uncertainty entries.
    """
    cfg = compose(scenario, list(overrides))
    items = _inputs(cfg, inputs)
    held = {i.path: _value(i, i.held) for i in items if i.held is not None}
    ends = [(item, label, value if item.held is None else _value(item, value))    # explicit ends as given
            for item in items for label, value in (("low", item.low), ("high", item.high))]
    base, *moved = _evaluate_all(cfg, [held, *(held | {item.path: value} for item, _, value in ends)],
                                 metrics, "sensitivity run", progress)
    rows = {item.path: {"input": item.path, "low": item.low, "high": item.high} for item in items}
    for (item, label, _), results in zip(ends, moved):
        rows[item.path].update({f"{metric}_{label}": result for metric, result in results.items()})
    rows = list(rows.values())
    first = metrics[0]
    rows.sort(key=lambda r: -abs(r[f"{first}_high"] - r[f"{first}_low"]))
    return {"base": base, "held": held, "rows": rows}


def sobol(scenario: str, inputs: dict | None = None, metric: str = "ltv", samples: int = 64, overrides=(),
          seed: int = 0, bootstrap: int = 500, progress: bool | None = None) -> dict:
    """First-order and total Sobol indices of ``metric`` over the inputs.

    Explicit ``inputs`` are sampled uniformly over their ranges; with
    ``inputs=None`` each of the config's ``uncertainty`` entries is sampled
    through its own distribution (unit samples mapped by its inverse CDF).
    Costs ``samples * (len(inputs) + 2)`` runs (``samples`` a power of 2).
    SALib's estimators (Saltelli et al. 2010; Jansen 1999),
    with A, B two independent sample matrices and AB_i = A with column i
    from B::

        V   = Var(f(A), f(B))
        S_i = mean(f(B) * (f(AB_i) - f(A))) / V
        T_i = mean((f(A) - f(AB_i))^2) / (2 V)

    Returns ``{"inputs", "metric", "samples", "first", "total", "first_p05",
    "first_p95", "total_p05", "total_p95", "unstable"}``: the ``_p05``/``_p95``
    ends are the index ∓ SALib's 90 % bootstrap half-width (``bootstrap``
    resamples, seeded by ``seed``); the same seed gives the same indices.
    ``unstable`` lists the inputs warned about (see :func:`_unstable`).
    Raise ConfigError when ``inputs`` is None and the config has no
    uncertainty entries.
    """
    cfg = compose(scenario, list(overrides))
    items = _inputs(cfg, inputs)
    names = [i.path for i in items]
    problem = {"num_vars": len(items), "names": names, "bounds": [[0.0, 1.0]] * len(items)}
    unit = np.clip(sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed), _EDGE, 1 - _EDGE)
    columns = [item.ppf(unit[:, j]) for j, item in enumerate(items)]

    runs = [{item.path: _value(item, column[row]) for item, column in zip(items, columns)}
            for row in range(len(unit))]
    outputs = np.array([found[metric] for found in _evaluate_all(cfg, runs, [metric], "sobol run", progress)],
                       dtype=float)

    if np.ptp(outputs) == 0:
        warnings.warn(f"{metric} is the same in every Sobol run: there is no variance to share, "
                      "all indices are 0", stacklevel=2)
        zero = np.zeros(len(items))
        first = first_conf = total = total_conf = zero
    else:
        # SALib resamples from numpy's global generator when its seed is 0 (falsy): never pass 0.
        found = sobol_analyze.analyze(problem, outputs, calc_second_order=False, num_resamples=bootstrap,
                                      conf_level=LEVEL, seed=seed + 1)
        first, first_conf, total, total_conf = (np.asarray(found[k], dtype=float)
                                                for k in ("S1", "S1_conf", "ST", "ST_conf"))
    unstable = []
    for j, name in enumerate(names):
        why = _unstable(first[j], first_conf[j], total[j], total_conf[j])
        if why:
            unstable.append(name)
            warnings.warn(f"Sobol indices of {metric} for {name} are not stable with samples={samples}: "
                          f"{why}; rerun with more samples (4x halves the intervals)", stacklevel=2)
    return {"inputs": names, "metric": metric, "samples": samples, "first": first, "total": total,
            "first_p05": first - first_conf, "first_p95": first + first_conf,
            "total_p05": total - total_conf, "total_p95": total + total_conf, "unstable": unstable}


def _unstable(first: float, first_half: float, total: float, total_half: float) -> str:
    """Why one input's indices are too noisy to read, or "" when they are not.

    Too noisy: the first-order index exceeds the total index (which it
    cannot, in truth) by more than the wider interval's half-width, or an
    index's interval is wider than the index itself; not when both intervals
    lie within ±NEGLIGIBLE (a stable "does not matter", whatever the order of
    two noise-sized numbers).
    """
    if abs(first) + first_half <= NEGLIGIBLE and abs(total) + total_half <= NEGLIGIBLE:
        return ""
    if first - total > max(first_half, total_half):
        return f"first order {first:.2f} above total {total:.2f}"
    for label, index, half in (("first order", first, first_half), ("total", total, total_half)):
        if 2 * half > abs(index) and abs(index) + half > NEGLIGIBLE:
            return f"{label} {index:.2f} ± {half:.2f}, an interval wider than the index"
    return ""
