"""Holdout validation: replay a data set's customers in the simulator and track its forecast.

The calibrated population is simulated for exactly the customers in the
data, each entering on its observed first-purchase day (a cohort channel),
through the holdout end. Repeat purchases are counted every week (or
any multiple of the purchase-opportunity period) and set against what the
customers actually did and against every closed-form model's forecast
(:mod:`.compare`).
"""
from __future__ import annotations

import numpy as np

from .. import metrics
from ..engine import simulate
from ..params import validate
from ..progress import Progress
from ..randomness import replication_seeds
from ..results import Result
from . import Calibration, DataError, check_replay_length, data
from .compare import candidates


def replay_config(calibration: Calibration, last_day: int, population: dict | None = None,
                  seed: int = 0) -> dict:
    """A config simulating the data's customers, entering on their first-purchase days, to ``last_day``.

    Raise DataError if that run would be longer than the simulator allows
    (:func:`~sim.calibrate.check_replay_length`).
    """
    arrivals = calibration.arrivals()
    check_replay_length(calibration.transactions, calibration.summary, last_day + 1 - len(arrivals))
    return {
        "seed": seed, "replications": 1,
        "horizon": {"acquisition_days": len(arrivals), "ltv_days": last_day + 1 - len(arrivals)},
        "market": {"size": int(sum(arrivals)), "innovation": 0.0, "imitation": 0.0},
        "population": population or calibration.population(),
        "retention": calibration.retention(),
        "channels": {"customers": {"kind": "cohort", "arrivals": arrivals}},
    }


def run_with_parameter_draws(calibration: Calibration, cfg: dict, replications: int, seed: int = 0,
                             draw_parameters: bool = True, progress: bool = False) -> tuple[Result, list]:
    """Run ``cfg`` ``replications`` times; with ``draw_parameters`` each replication first draws
    the purchase/churn parameters from the fit's asymptotic distribution (parameter uncertainty).

    Returns the aggregated Result and the final states. With ``progress`` a
    bar of the replications is drawn on stderr (:class:`~sim.progress.Progress`).
    """
    rng = np.random.default_rng(seed)
    outcomes, states = [], []
    label = f"holdout replay, parameters {'drawn' if draw_parameters else 'fixed'}"
    with Progress(replications, label, enabled=progress) as bar:
        for replication_seed in replication_seeds(seed, replications):
            params = calibration.purchase_churn.draw(rng) if draw_parameters else None
            population = {**cfg["population"], **{k: v for k, v in calibration.population(params).items()
                                                  if k in ("daily_purchase_prob", "churn_prob")}}
            state = simulate(validate({**cfg, "population": population}), replication_seed)
            states.append(state)
            outcomes.append(metrics.compute(state))
            bar.step()
    return Result.from_outcomes(outcomes, cfg), states


def forecast(calibration: Calibration, holdout_end, replications: int = 20, seed: int = 0,
             every: int | None = None, fitted: list | None = None, progress: bool = False) -> dict:
    """Cumulative repeat transactions every ``every`` days (default a week, or one opportunity
    of a longer period) to ``holdout_end``: actual, simulated (mean, 5th and 95th percentile
    with parameter uncertainty; ``noise_p05``/``noise_p95`` with the parameters fixed) and each
    closed form of ``fitted`` (default every model, ``compare.candidates``) from the first
    purchase on; and, between the calibration end and ``holdout_end``, each series' repeats
    (``holdout``) and each closed form's from every customer's own history (``conditional``).

    With ``progress`` the fits and the replays draw their bars on stderr. Repeats are
    counted in opportunities (purchase days for daily data). Raise DataError if
    ``holdout_end`` is not a date after the calibration's last whole opportunity or ``every``
    is not a multiple of the period.
    """
    tx, summary, period = calibration.transactions, calibration.summary, calibration.period
    last_day = tx.day_of(holdout_end, "holdout_end")
    last = data.last_opportunity(calibration.calibration_end, period)
    end = data.last_opportunity(last_day, period)
    if end <= last:
        raise DataError(f"holdout_end = {holdout_end!r}: must come at least one whole opportunity "
                        f"({period} day{'s' if period > 1 else ''}) after the calibration end")
    every = every if every is not None else (7 if period == 1 else period)
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < period or every % period:
        raise DataError(f"every = {every!r}: must be a whole multiple of the period, {period} days")
    points = np.arange(every // period - 1, end + 1, every // period)
    if not points.size:
        raise DataError(f"every = {every}: longer than the {(end + 1) * period} days to holdout_end")
    marks = np.concatenate([points, [last, end]])                 # report points, then the holdout's ends
    fitted = fitted if fitted is not None else candidates(calibration, progress)

    cfg = replay_config(calibration, last_day, seed=seed)
    mark_days = (marks + 1) * period - 1

    def cumulative(states):
        return np.array([np.cumsum(s.ledger.daily["purchases"] - s.ledger.daily["new_customers"])[mark_days]
                         for s in states])

    total = cumulative(run_with_parameter_draws(calibration, cfg, replications, seed, progress=progress)[1])
    noise = cumulative(run_with_parameter_draws(calibration, cfg, replications, seed, draw_parameters=False,
                                                progress=progress)[1])

    opportunity = tx.day // period
    first = np.full(tx.ids.size, np.iinfo(np.int64).max)
    np.minimum.at(first, tx.customer, opportunity)
    repeat = (opportunity > first[tx.customer]) & (first[tx.customer] <= last) & (opportunity <= end)
    pairs = np.unique(tx.customer[repeat].astype(np.int64) * (end + 1) + opportunity[repeat])
    per_opportunity = np.bincount(pairs % (end + 1), minlength=end + 1)
    actual = np.cumsum(per_opportunity)[marks].astype(float)

    firsts, cohort = np.unique(summary.first_day, return_counts=True)
    closed_forms = {c.label: c.expected_repeats(marks[:, None] - firsts[None, :]) @ cohort for c in fitted}
    series = {"actual": actual, "simulated": total.mean(axis=0), **closed_forms}
    holdout_draws = total[:, -1] - total[:, -2]
    report = slice(0, points.size)
    return {
        "time": (points + 1) * period / every,
        "every": every,
        **{name: values[report] for name, values in series.items() if name not in closed_forms},
        "simulated_p05": np.percentile(total, 5, axis=0)[report],
        "simulated_p95": np.percentile(total, 95, axis=0)[report],
        "noise_p05": np.percentile(noise, 5, axis=0)[report],
        "noise_p95": np.percentile(noise, 95, axis=0)[report],
        "closed_forms": {name: values[report] for name, values in closed_forms.items()},
        "holdout": {**{name: float(values[-1] - values[-2]) for name, values in series.items()},
                    "simulated_p05": float(np.percentile(holdout_draws, 5)),
                    "simulated_p95": float(np.percentile(holdout_draws, 95))},
        "conditional": {c.label: c.expected_holdout_repeats(end - last, summary) for c in fitted},
        "calibration_time": (last + 1) * period / every,
    }
