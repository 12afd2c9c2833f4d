"""Acquisition fit on synthetic histories: parameter recovery, interval coverage and a holdout forecast.

    python experiments/validation/acquisition_holdout.py               # 20 histories, about 2 minutes
    python experiments/validation/acquisition_holdout.py --histories 5

Each history is two years of daily data made here with plain numpy from the
model's equations (geometric adstock, Hill curve, a baseline with growth and
weekly and yearly seasons, negative binomial counts), independent of the
fitter's code. For each history:

* recovery: ``fit_acquisition`` on the whole history (default harmonics);
  each parameter's estimate and se against the truth, and whether the 90 %
  intervals (estimate +- 1.645 se; the report's draws for the customers a
  day and the marginal CAC at today's spend) hold it;
* holdout: the fit on the first 80 % of the days forecasts the last 20 %
  with ``.predict`` (carry-over from the fitted part included), scored per
  week (MAPE, bias) and in total against the observed counts and against
  the true expected counts, beside a naive forecast (the mean daily count
  of the fitted part's last 28 days, held flat).

The numbers in docs/validation.md, *Acquisition fit: recovery and holdout*, come from here.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from sim.calibrate import DataWarning, fit_acquisition
from sim.calibrate.acquisition.report import cac_table

TRUE = {"search": {"max_customers": 400.0, "half_saturation_budget": 2000.0, "hill_shape": 1.5, "carryover": 0.5},
        "social": {"max_customers": 250.0, "half_saturation_budget": 1000.0, "hill_shape": 1.0, "carryover": 0.8}}
BASELINE = {"level": 150.0, "growth": 1.2, "weekly": (0.1, 0.05), "yearly": (0.2, -0.1)}
DISPERSION, DAYS, FITTED_SHARE, NAIVE_DAYS = 50.0, 730, 0.8, 28
ORIGIN = np.datetime64("2024-01-01")
Z90 = 1.6449


def generate(seed: int, days: int = DAYS) -> tuple[dict, dict]:
    """(table with date, search, social, new_customers; ``{channel or "baseline": true expected customers a day}``)."""
    rng = np.random.default_rng(seed)
    day = np.arange(days)
    table, truth = {"date": (ORIGIN + day).astype(str)}, {}
    for name, p in TRUE.items():
        blocks = days // 14 + 1                 # two-week flights, 0.1 to 8 half-saturation budgets, 1 in 4 dark
        level = p["half_saturation_budget"] * np.exp(rng.uniform(np.log(0.1), np.log(8), blocks))
        table[name] = np.where(rng.random(blocks) < 0.25, 0.0, level).repeat(14)[:days]
        stock, adstock = 0.0, np.empty(days)
        for t, spend in enumerate(table[name]):
            stock = p["carryover"] * stock + (1 - p["carryover"]) * spend
            adstock[t] = stock
        power = adstock ** p["hill_shape"]
        truth[name] = p["max_customers"] * power / (power + p["half_saturation_budget"] ** p["hill_shape"])
    week, year = 2 * np.pi * day / 7, 2 * np.pi * day / 365.25
    truth["baseline"] = BASELINE["level"] * BASELINE["growth"] ** (day / 365) * np.exp(
        BASELINE["weekly"][0] * np.cos(week) + BASELINE["weekly"][1] * np.sin(week)
        + BASELINE["yearly"][0] * np.cos(year) + BASELINE["yearly"][1] * np.sin(year))
    mean = sum(truth.values())
    table["new_customers"] = rng.negative_binomial(DISPERSION, DISPERSION / (DISPERSION + mean))
    return table, truth


def true_marginal_cac(channel: str, spend: float) -> float:
    """1 / slope of the true steady-spend curve ``A b^h / (b^h + K^h)`` at ``spend``."""
    p = TRUE[channel]
    a, k, h = p["max_customers"], p["half_saturation_budget"], p["hill_shape"]
    return (spend ** h + k ** h) ** 2 / (a * h * k ** h * spend ** (h - 1))


def true_customers(channel: str, spend: float) -> float:
    p = TRUE[channel]
    return p["max_customers"] / (1 + (p["half_saturation_budget"] / spend) ** p["hill_shape"])


def recovery(table: dict, truth: dict) -> list[tuple]:
    """(quantity, true, estimate, se or None, the 90 % interval holds the truth) for one history.

    Parameters with their se; a channel's customers a day and marginal CAC
    at today's (average) spend and each source's share of the history's
    customers with the report's intervals (``cac_table``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        fit = fit_acquisition(table)
    rows = []
    for group, values in [*TRUE.items(), ("baseline", {k: BASELINE[k] for k in ("level", "growth")}),
                         ("likelihood", {"dispersion": DISPERSION})]:
        for name, value in values.items():
            estimate, se = fit.params[group][name], fit.se[group][name]
            rows.append((f"{group}.{name}", value, estimate, se, abs(estimate - value) < Z90 * se))
    whole = sum(values.sum() for values in truth.values())
    for row in cac_table(fit):
        checks = [("share of customers", truth[row.channel].sum() / whole, row.share)]
        if row.channel in TRUE:
            checks[:0] = [("customers a day at today's spend", true_customers(row.channel, row.spend), row.customers),
                          ("marginal CAC at today's spend", true_marginal_cac(row.channel, row.spend),
                           row.marginal_cac)]
        rows += [(f"{row.channel}: {label}", value, estimate.value, None, estimate.low < value < estimate.high)
                 for label, value, estimate in checks]
    return rows


def weekly(values: np.ndarray) -> np.ndarray:
    """Sums over the whole weeks from the first day (a trailing part week dropped)."""
    weeks = values.size // 7
    return values[: 7 * weeks].reshape(weeks, 7).sum(axis=1)


def scores(forecast: np.ndarray, target: np.ndarray) -> dict:
    """Weekly MAPE and bias (mean of (forecast - target) / target, in %) and the total's error (%)."""
    f, t = weekly(forecast), weekly(target)
    return {"weekly MAPE": 100 * np.mean(np.abs(f - t) / t), "weekly bias": 100 * np.mean((f - t) / t),
            "total error": 100 * (forecast.sum() - target.sum()) / target.sum()}


def holdout(table: dict, mean: np.ndarray) -> dict:
    """{(forecast, against): scores} for the fitted model's and the naive forecast of the last 20 %."""
    cut = int(FITTED_SHARE * DAYS)
    head = {k: np.asarray(v)[:cut] for k, v in table.items()}
    tail = {k: np.asarray(v)[cut:] for k, v in table.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        fit = fit_acquisition(head)
    forecasts = {"fitted model": fit.predict(tail),
                 "naive (last 28 days' mean)": np.full(DAYS - cut, head["new_customers"][-NAIVE_DAYS:].mean())}
    targets = {"observed": tail["new_customers"].astype(float), "true expected": mean[cut:]}
    return {(name, against): scores(forecast, target)
            for name, forecast in forecasts.items() for against, target in targets.items()}


def print_recovery(results: list[list[tuple]]) -> None:
    print("\nrecovery: history 1's truth and estimate (± se), then over all histories the mean and sd of "
          "(estimate - true) / true and the share of 90 % intervals holding the truth")
    print("| quantity | true (history 1) | fitted (history 1) | mean error | sd of error | 90 % coverage |"
          "\n|---|---:|---:|---:|---:|---:|")
    for i, (label, truth, estimate, se, _) in enumerate(results[0]):
        errors = [100 * (r[i][2] - r[i][1]) / r[i][1] for r in results]
        covered = np.mean([r[i][4] for r in results])
        first = f"{estimate:.4g}" + ("" if se is None else f" ± {se:.2g}")
        print(f"| {label} | {truth:.4g} | {first} | {np.mean(errors):+.1f} % | {np.std(errors):.1f} % | "
              f"{100 * covered:.0f} % |")


def print_holdout(results: list[dict]) -> None:
    print(f"\nholdout: days {int(FITTED_SHARE * DAYS) + 1}-{DAYS} forecast from a fit on the first "
          f"{int(FITTED_SHARE * DAYS)}; history 1, then the mean over the histories (error %)")
    print("| forecast | against | weekly MAPE | weekly bias | total error | mean weekly MAPE | mean abs total error |"
          "\n|---|---|---:|---:|---:|---:|---:|")
    for key, first in results[0].items():
        mape = np.mean([r[key]["weekly MAPE"] for r in results])
        total = np.mean([abs(r[key]["total error"]) for r in results])
        print(f"| {key[0]} | {key[1]} | {first['weekly MAPE']:.1f} | {first['weekly bias']:+.1f} | "
              f"{first['total error']:+.1f} | {mape:.1f} | {total:.1f} |")


def main(histories: int) -> None:
    start = time.perf_counter()
    recovered, forecasts = [], []
    for seed in range(histories):
        table, truth = generate(seed)
        recovered.append(recovery(table, truth))
        forecasts.append(holdout(table, sum(truth.values())))
    print(f"{histories} synthetic histories of {DAYS} days, fitted in {time.perf_counter() - start:.0f} s")
    print_recovery(recovered)
    print_holdout(forecasts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--histories", type=int, default=20, help="synthetic histories (seeds 0, 1, ...)")
    main(parser.parse_args().histories)
