"""CDNOW holdout validation: the simulator's forecast against what happened and against BG/NBD.

    python experiments/validation/cdnow_holdout.py                 # full data, 50 replications
    python experiments/validation/cdnow_holdout.py --sample        # the 1/10 sample, quicker
    python experiments/validation/cdnow_holdout.py --out DIR       # where the plot goes (default runs/validation)

Calibrates on the first 39 weeks (to 1997-09-30), replays the same
customers from their first-purchase days through week 78 (1998-06-30),
prints the holdout error table and the LTV intervals (simulation noise
alone, and with parameter uncertainty), and saves the tracking plot in a
run folder (``--out``, default ``runs/validation/``), never over a tracked
file: docs/figures/cdnow_tracking.png is a copy of one such run. The
numbers in docs/validation.md come from here.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from matplotlib.figure import Figure

from sim import calibrate, plot
from sim.calibrate.holdout import replay_config, run_with_parameter_draws

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "cdnow"


def main(sample: bool, replications: int = 50, out: Path = Path("runs/validation")) -> None:
    path = DATA / ("cdnow_sample.csv" if sample else "cdnow_master.csv")
    start = time.perf_counter()
    calibration = calibrate.from_transactions(path, "1997-09-30")
    print(f"data: {path.name}, {calibration.summary.first_day.size} customers")
    print(f"daily BG/BB: {calibration.purchase_churn.describe()}")
    print(f"Gamma-Gamma: {calibration.spend.describe()}")
    print(f"BG/NBD:      {calibration.reference.describe()}")
    forecast = calibrate.holdout.forecast(calibration, "1998-06-30", replications=replications)
    calibration_week = 39

    holdout = forecast["holdout"]
    actual = holdout["actual"]
    rows = [("actual", actual), ("simulated (mean of replications)", holdout["simulated"]),
            *((name, holdout[name]) for name in forecast["closed_forms"])]
    print("\nrepeat transactions in the holdout (weeks 40-78)")
    print("| forecast | transactions | error |\n|---|---:|---:|")
    for label, value in rows:
        error = "" if label == "actual" else f"{100 * (value - actual) / actual:+.1f} %"
        print(f"| {label} | {value:,.0f} | {error} |")
    print("\ncumulative repeat transactions at week 39 / 78: "
          f"actual {forecast['actual'][38]:,.0f} / {forecast['actual'][-1]:,.0f}, "
          f"simulated {forecast['simulated'][38]:,.0f} / {forecast['simulated'][-1]:,.0f}, "
          
          + ", ".join(f"{name} {series[38]:,.0f} / {series[-1]:,.0f}" for name, series in forecast["closed_forms"].items()))
    print("90 % interval at week 78: simulation noise only "
          f"[{forecast['noise_p05'][-1]:,.0f}, {forecast['noise_p95'][-1]:,.0f}], "
          f"with parameter uncertainty [{forecast['simulated_p05'][-1]:,.0f}, {forecast['simulated_p95'][-1]:,.0f}]")

    # LTV of these customers over one year after activation (margin 0.4, 10 % a year)
    cfg = replay_config(calibration, last_day=83 + 365)
    cfg["horizon"] = {"acquisition_days": 84, "ltv_days": 365}
    print("\none-year LTV per customer (gross margin 0.4, discount 10 %/year), mean [5th, 95th percentile]")
    for label, draw in (("simulation noise only", False), ("with parameter uncertainty", True)):
        result, _ = run_with_parameter_draws(calibration, cfg, replications, draw_parameters=draw)
        low, high = result.intervals["ltv"]
        print(f"  {label}: {result.metrics['ltv']:.2f} [{low:.2f}, {high:.2f}]")

    figure = Figure(figsize=(8, 4.5), layout="constrained")
    plot.holdout_tracking(forecast, figure.add_subplot())
    out.mkdir(parents=True, exist_ok=True)
    path = out / ("cdnow_sample_tracking.png" if sample else "cdnow_tracking.png")
    figure.savefig(path, dpi=110)
    print(f"\nsaved {path}; {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", action="store_true", help="the 1/10 sample instead of the full data")
    parser.add_argument("--out", type=Path, default=Path("runs/validation"), help="folder for the plot")
    options = parser.parse_args()
    main(options.sample, out=options.out)
