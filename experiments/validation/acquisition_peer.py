"""Peer: pymc-marketing's MMM beside ``fit_acquisition`` on history 1 (seed 0) of acquisition_holdout.py.

Optional and manual, never part of the tests or CI. It needs pymc-marketing,
which must not enter the project's environment; use a separate venv:

    python3 -m venv /tmp/peer
    /tmp/peer/bin/pip install pymc-marketing    # or: pip install -e '.[peer]'
    /tmp/peer/bin/pip install -e .
    /tmp/peer/bin/python experiments/validation/acquisition_peer.py                   # NUTS, 2 chains x 500 + 500 tune
    /tmp/peer/bin/python experiments/validation/acquisition_peer.py --method map      # MAP only, quicker

Both fits see the same two-year daily history (``generate(0)``). Our fit runs
with its defaults. pymc-marketing's ``MMM`` (``pymc_marketing.mmm``) runs
with ``GeometricAdstock(l_max=28)``, ``HillSaturation`` (its default priors),
``yearly_seasonality=2`` and, as control columns, a linear trend and 3 weekly
harmonics (its MMM has no weekly season or growth of its own; without them
the baseline's growth and weekday pattern would be left to the noise), its
default Normal likelihood on the max-scaled target. Its spend columns get
SPEND_FLOOR (0.001 a day) added, see there.

Compared with the truth, per channel: the total contribution over the
history, the customers a day and the marginal cost of a customer at the
channel's average daily spend (steady spend; for pymc-marketing the
posterior-mean Hill curve, target_scale * beta * hill(b / channel_scale),
averaged over the draws, and its slope by central differences at b +- 1 %),
and the carryover (pymc-marketing's adstock alpha, the same normalised
geometric weights as ours), and each fit's wall time.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from sim.calibrate import DataWarning, fit_acquisition
from sim.calibrate.acquisition.report import cac_table

from acquisition_holdout import TRUE, generate, true_customers, true_marginal_cac

L_MAX, WEEKLY, YEARLY = 28, 3, 2
# pymc-marketing 0.19's Hill curve has a NaN gradient in its slope where the adstock is exactly 0
# (x ** slope * log x at x = 0: the first dark flight, and 28 dark days in a row), and NUTS then stops
# with "0 < alpha <= 1"; a thousandth of a spend unit a day on every day keeps the adstock above 0.
SPEND_FLOOR = 1e-3


def ours(table: dict) -> dict:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        fit = fit_acquisition(table)
    out = {"wall": time.perf_counter() - start}
    rows = {row.channel: row for row in cac_table(fit)}
    for c in TRUE:
        out[c] = {"total": float(fit.contributions[c].sum()), "customers": rows[c].customers.value,
                  "marginal_cac": rows[c].marginal_cac.value, "carryover": fit.params[c]["carryover"]}
    return out


def frame(table: dict):
    import pandas as pd

    df = pd.DataFrame({"date": pd.to_datetime(table["date"]), **{c: np.asarray(table[c]) + SPEND_FLOOR for c in TRUE}})
    day = np.arange(len(df))
    df["trend"] = day / len(df)
    for k in range(1, WEEKLY + 1):
        df[f"week_sin{k}"] = np.sin(2 * np.pi * k * day / 7)
        df[f"week_cos{k}"] = np.cos(2 * np.pi * k * day / 7)
    return df, pd.Series(np.asarray(table["new_customers"], dtype=float), name="new_customers")


def peer(table: dict, method: str, chains: int, draws: int, tune: int, seed: int) -> dict:
    import pymc as pm
    from pymc_marketing.mmm import MMM, GeometricAdstock, HillSaturation

    X, y = frame(table)
    controls = [c for c in X.columns if c not in ("date", *TRUE)]
    mmm = MMM(date_column="date", channel_columns=list(TRUE), control_columns=controls,
              adstock=GeometricAdstock(l_max=L_MAX), saturation=HillSaturation(),
              yearly_seasonality=YEARLY,
              sampler_config={"chains": chains, "draws": draws, "tune": tune, "cores": min(chains, 2)})
    start = time.perf_counter()
    names = ["adstock_alpha", "saturation_beta", "saturation_slope", "saturation_kappa"]
    if method == "nuts":
        idata = mmm.fit(X, y, random_seed=seed, progressbar=False)
        post = idata.posterior
        draw = {n: post[n].stack(sample=("chain", "draw")).transpose("sample", "channel").values for n in names}
        contribution = post["channel_contribution_original_scale"].mean(("chain", "draw"))
        contribution = contribution.transpose("date", "channel").values
        summary = __import__("arviz").summary(idata, var_names=names)
        diagnostics = f"max r_hat {summary['r_hat'].max():.3f}, min ess_bulk {summary['ess_bulk'].min():.0f}, " \
                      f"divergences {int(idata.sample_stats['diverging'].sum())}"
    else:
        mmm.build_model(X, y)
        with mmm.model:
            point = pm.find_MAP(progressbar=False, seed=seed)
        draw = {n: np.atleast_2d(point[n]) for n in names}
        contribution = np.asarray(point["channel_contribution_original_scale"])
        diagnostics = "MAP (find_MAP, L-BFGS-B)"
    wall = time.perf_counter() - start
    target_scale = float(mmm.target_scale)
    channel_scale = np.asarray(mmm.channel_scale, dtype=float).reshape(-1)
    out = {"wall": wall, "diagnostics": diagnostics, "target_scale": target_scale,
           "channel_scale": channel_scale}
    for i, c in enumerate(TRUE):
        beta, slope, kappa = (draw[n][:, i] for n in names[1:])

        def curve(b):   # posterior mean customers a day at steady daily spend b
            x = b / channel_scale[i]
            return float(np.mean(target_scale * beta * x ** slope / (x ** slope + kappa ** slope)))

        b = float(np.mean(table[c]))
        slope_at = (curve(1.01 * b) - curve(0.99 * b)) / (0.02 * b)
        out[c] = {"total": float(contribution[:, i].sum()), "customers": curve(b), "marginal_cac": 1 / slope_at,
                  "carryover": float(np.mean(draw["adstock_alpha"][:, i])),
                  "half_saturation_budget": float(np.mean(kappa)) * channel_scale[i],
                  "hill_shape": float(np.mean(slope)), "max_customers": float(np.mean(beta)) * target_scale}
    return out


QUANTITIES = [("total contribution over the history", "total", ".0f"),
              ("customers a day at average spend", "customers", ".1f"),
              ("marginal CAC at average spend", "marginal_cac", ".2f"), ("carryover", "carryover", ".3f")]


def truths(table: dict, truth: dict, c: str) -> dict:
    spend = float(np.mean(table[c]))
    return {"total": truth[c].sum(), "customers": true_customers(c, spend),
            "marginal_cac": true_marginal_cac(c, spend), "carryover": TRUE[c]["carryover"]}


def main(method: str, chains: int, draws: int, tune: int, histories: int) -> None:
    import pymc
    import pymc_marketing
    import pytensor

    setting = f"NUTS {chains} chains x {draws} draws + {tune} tune" if method == "nuts" else "MAP"
    print(f"pymc-marketing {pymc_marketing.__version__}, pymc {pymc.__version__}, pytensor {pytensor.__version__}; "
          f"{setting}")
    runs = []
    for seed in range(histories):
        table, truth = generate(seed)
        a, b = ours(table), peer(table, method, chains, draws, tune, seed=1)
        runs.append(({c: truths(table, truth, c) for c in TRUE}, a, b))
        print(f"history {seed + 1} (seed {seed}): fit_acquisition {a['wall']:.1f} s; pymc-marketing {b['wall']:.1f} s; "
              f"{b['diagnostics']}")
    true, a, b = runs[0]
    table, _ = generate(0)
    print("\nhistory 1 (seed 0), 730 days\n| channel | quantity | true | fit_acquisition | pymc-marketing |"
          "\n|---|---|---:|---:|---:|")
    for c in TRUE:
        for label, key, fmt in QUANTITIES:
            value, ea, eb = true[c][key], a[c][key], b[c][key]
            if key != "total" and key != "carryover":
                label += f" ({np.mean(table[c]):,.0f} a day)"
            print(f"| {c} | {label} | {value:{fmt}} | {ea:{fmt}} ({100 * (ea - value) / value:+.1f} %) | "
                  f"{eb:{fmt}} ({100 * (eb - value) / value:+.1f} %) |")
    print("| both | wall time (s) | | {:.1f} | {:.1f} |".format(a["wall"], b["wall"]))
    print("\npymc-marketing's Hill parameters in spend and customer units (posterior means, or the MAP): " + "; ".join(
        f"{c} max {b[c]['max_customers']:.0f}, half-saturation {b[c]['half_saturation_budget']:.0f}, "
        f"shape {b[c]['hill_shape']:.2f}" for c in TRUE)
        + f" (target_scale {b['target_scale']:.0f}, channel_scale {np.round(b['channel_scale']).tolist()})")
    if histories > 1:
        print(f"\nover {histories} histories (seeds 0-{histories - 1}): mean error (estimate - true) / true and "
              "mean |error|, in %\n| channel | quantity | fit_acquisition mean | fit_acquisition mean abs | "
              "pymc-marketing mean | pymc-marketing mean abs |\n|---|---|---:|---:|---:|---:|")
        for c in TRUE:
            for label, key, _ in QUANTITIES:
                cells = []
                for k in (1, 2):
                    errors = np.array([100 * (r[k][c][key] - r[0][c][key]) / r[0][c][key] for r in runs])
                    cells += [f"{errors.mean():+.1f}", f"{np.abs(errors).mean():.1f}"]
                print(f"| {c} | {label} | " + " | ".join(cells) + " |")
        print("| both | mean wall time (s) | {:.1f} | | {:.1f} | |".format(
            np.mean([r[1]["wall"] for r in runs]), np.mean([r[2]["wall"] for r in runs])))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", choices=("nuts", "map"), default="nuts")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--histories", type=int, default=1, help="synthetic histories (seeds 0, 1, ...); 1 = history 1")
    args = parser.parse_args()
    main(args.method, args.chains, args.draws, args.tune, args.histories)
