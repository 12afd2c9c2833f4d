"""Holdout validation: replay a data set's customers in the simulator and track its forecast.

The calibrated population is simulated for exactly the customers in the
data, each entering on its observed first-purchase day (a cohort channel),
through the holdout end. Repeat purchases are counted by week and set
against what the customers actually did and against the BG/NBD forecast.
"""
from __future__ import annotations

import numpy as np

from .. import metrics
from ..engine import simulate
from ..params import validate
from ..randomness import replication_seeds
from ..results import Result
from . import Calibration, DataError, check_replay_length
from .bgnbd import BetaGeometricNBD


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
        "retention": {"period_days": calibration.period, "repeats_from_first_decision": calibration.period > 1},
        "channels": {"customers": {"kind": "cohort", "arrivals": arrivals}},
    }


def run_with_parameter_draws(calibration: Calibration, cfg: dict, replications: int, seed: int = 0,
                             draw_parameters: bool = True) -> tuple[Result, list]:
    """Run ``cfg`` ``replications`` times; with ``draw_parameters`` each replication first draws
    the purchase/churn parameters from the fit's asymptotic distribution (parameter uncertainty).

    Returns the aggregated Result and the final states.
    """
    rng = np.random.default_rng(seed)
    outcomes, states = [], []
    for replication_seed in replication_seeds(seed, replications):
        params = calibration.purchase_churn.draw(rng) if draw_parameters else None
        population = {**cfg["population"], **{k: v for k, v in calibration.population(params).items()
                                              if k in ("daily_purchase_prob", "churn_prob")}}
        state = simulate(validate({**cfg, "population": population}), replication_seed)
        states.append(state)
        outcomes.append(metrics.compute(state))
    return Result.from_outcomes(outcomes, cfg), states


def forecast(calibration: Calibration, holdout_end, replications: int = 20, seed: int = 0) -> dict:
    """Cumulative repeat transactions by week: actual, simulated (mean, 5th and 95th
    percentile with parameter uncertainty; ``noise_p05``/``noise_p95`` with the
    parameters fixed) and BG/NBD.
    """
    tx, summary = calibration.transactions, calibration.summary
    last_day = tx.day_of(holdout_end, "holdout_end")
    if last_day <= calibration.calibration_end:
        raise DataError(f"holdout_end = {holdout_end!r}: must come after the calibration end")
    weeks = np.arange(1, (last_day + 1) // 7 + 1)
    week_ends = weeks * 7 - 1
    cfg = replay_config(calibration, last_day, seed=seed)

    def weekly(states):
        return np.array([np.cumsum(s.ledger.daily["purchases"] - s.ledger.daily["new_customers"])[week_ends]
                         for s in states])

    total = weekly(run_with_parameter_draws(calibration, cfg, replications, seed)[1])
    noise = weekly(run_with_parameter_draws(calibration, cfg, replications, seed, draw_parameters=False)[1])

    first_day = np.full(tx.ids.size, np.iinfo(np.int64).max)
    np.minimum.at(first_day, tx.customer, tx.day)
    customer_first = first_day[tx.customer]
    repeat = (tx.day > customer_first) & (customer_first <= calibration.calibration_end)
    actual = np.cumsum(np.bincount(tx.day[repeat], minlength=last_day + 1)[: last_day + 1])[week_ends]

    ages = (week_ends[:, None] - summary.first_day[None, :]) / 7.0
    bgnbd = BetaGeometricNBD.expected_repeats(calibration.reference.params, ages).sum(axis=1)
    return {
        "week": weeks.astype(float),
        "actual": actual.astype(float),
        "simulated": total.mean(axis=0),
        "simulated_p05": np.percentile(total, 5, axis=0),
        "simulated_p95": np.percentile(total, 95, axis=0),
        "noise_p05": np.percentile(noise, 5, axis=0),
        "noise_p95": np.percentile(noise, 95, axis=0),
        "bgnbd": bgnbd,
        "calibration_weeks": float(calibration.calibration_end + 1) / 7.0,
    }
