"""Command line: calibrate a scenario from a transaction log.

    python -m sim.calibrate DATA.csv --calibration-end 1997-09-30 --out scenarios/my_shop.yaml
    marketing-sim scenario=my_shop

The scenario replays the data's customers from their first-purchase days
(a cohort channel) with the fitted population; its header documents the
data, the dates and the fitted values with their standard errors.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from datetime import date
from pathlib import Path

import yaml

from . import DataError, from_transactions
from .data import DataWarning


def scenario_text(calibration, source: str, name: str) -> str:
    """YAML of a ready-to-run scenario, with its documentation as comments."""
    tx, summary = calibration.transactions, calibration.summary
    end_date = tx.origin + calibration.calibration_end
    spend = calibration.spend.describe() if calibration.spend else "too few repeat buyers; mean amount"
    header = [
        f"{name}: customers calibrated from {source}.",
        "",
        "Question: what are these customers worth (LTV) and how do they churn, if",
        "the business keeps them as it did? Add channels or policies to ask more.",
        "",
        f"Data: {tx.ids.size} customers, {tx.day.size} purchase days, {tx.origin} to "
        f"{tx.origin + int(tx.day.max())}; calibrated on purchases up to {end_date}.",
        f"Written by `python -m sim.calibrate` on {date.today().isoformat()}.",
        "Daily BG/BB (purchase ~ Beta(alpha, beta), churn ~ Beta(gamma, delta) per day):",
        f"  {calibration.purchase_churn.describe()}; log-likelihood {calibration.purchase_churn.loglik:.1f}",
        f"Gamma-Gamma spend: {spend}",
        f"BG/NBD reference (weeks): {calibration.reference.describe()}",
    ]
    config = {
        "replications": 10,
        "horizon": {"acquisition_days": len(calibration.arrivals()), "ltv_days": 365},
        "market": {"size": int(summary.first_day.size), "innovation": 0.0, "imitation": 0.0},
        "population": calibration.population(),
        "retention": {"period_days": 1},
        "channels": {"customers": {"kind": "cohort", "arrivals": calibration.arrivals()}},
    }
    body = yaml.safe_dump(config, sort_keys=False, default_flow_style=None, width=100)
    return "".join(f"# {line}".rstrip() + "\n" for line in header) + body


def main(arguments=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="CSV with columns customer_id, date, amount")
    parser.add_argument("--calibration-end", required=True, help="last day of the calibration period (YYYY-MM-DD)")
    parser.add_argument("--out", required=True, help="scenario file to write, e.g. scenarios/my_shop.yaml")
    options = parser.parse_args(arguments)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            calibration = from_transactions(options.data, options.calibration_end)
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(scenario_text(calibration, Path(options.data).name, out.stem))
    print(f"wrote {out}")
    print(f"  purchase/churn: {calibration.purchase_churn.describe()}")
    print(f"  run it: marketing-sim scenario={out.stem}" if out.parent.name == "scenarios" else "")


if __name__ == "__main__":
    main()
