"""Command line: calibrate a scenario from a transaction log.

    python -m sim.calibrate DATA.csv --calibration-end 1997-09-30 --out scenarios/my_shop.yaml
    marketing-sim scenario=my_shop

The scenario replays the data's customers from their first-purchase days
(a cohort channel) with the fitted population; its header documents the
data, the dates and the fitted values with their standard errors. Its
``uncertainty`` mapping carries the fits' parameter uncertainty, one entry
per fitted population number (``sim.calibrate.fit_uncertainty``), so each
replication runs with its own draw; ``--no-uncertainty`` leaves it out. Before
anything is written its text is read back as marketing-sim reads a
scenario and checked by ``sim.params.validate``, the gate every config
passes; it is then written whole or not at all.

Exit status: 0 written; 2 bad input, nothing written (the arguments, the
data file or its contents, ``--calibration-end``, an ``--out`` that names a
directory or lies under a file, a scenario marketing-sim would refuse); 1
writing ``--out`` failed or memory ran out, nothing written; 130
interrupted (Ctrl-C), nothing written. Every failure is one line on stderr
starting with ``error:``, never a traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import warnings
from datetime import date
from pathlib import Path
from typing import NoReturn

import yaml
from omegaconf import OmegaConf

from ..config import EconomicsConfig
from ..params import validate
from ..results import write_csv
from ..validation import ConfigError
from . import WRITABLE, DataError, DataWarning, compare, data, from_transactions
from .fit_uncertainty import uncertainty
from .holdout import forecast as run_holdout
from .holdout import replay_config

#: Days the scenario follows each customer after the last first purchase by default (--ltv-days), and its replications.
LTV_DAYS, REPLICATIONS = 365, 10


def scenario_config(calibration, gross_margin: float | None = None, ltv_days: int = LTV_DAYS) -> dict:
    """The scenario: the data's customers replayed, followed ``ltv_days`` after the last one arrives,
    with ``economics.gross_margin`` when given (else the simulator's default).

    Raise DataError if the first purchases span too many days for a run (see ``replay_config``).
    """
    last_day = len(calibration.arrivals()) - 1 + ltv_days
    margin = {} if gross_margin is None else {"economics": {"gross_margin": gross_margin}}
    return {**replay_config(calibration, last_day), **margin, "replications": REPLICATIONS}


#: The simulator's gross margin when a scenario sets none (``EconomicsConfig.gross_margin``).
DEFAULT_MARGIN = next(f.default for f in dataclasses.fields(EconomicsConfig) if f.name == "gross_margin")


#: Comment above the written ``uncertainty`` mapping.
UNCERTAINTY_NOTE = """\
Parameter uncertainty of the fits: replications run with drawn values of these
(sim.uncertainty). Each is the fitted value's marginal uncertainty from the fit's
covariance (inverse Hessian on the log scale, delta method for the spend): a
lognormal with mean = estimate * exp(sigma^2 / 2), so that its median is the
point estimate above; the spend's sigma (at most 4) a normal truncated evenly
about the estimate. Correlations between the parameters are not carried, so
intervals from independent draws can be wider or narrower than the joint fit's.
Without this mapping (or with uncertainty={}) a run is the point forecast;
python -m sim.calibrate --no-uncertainty leaves it out. docs/calibration.md"""


def scenario_text(calibration, source: str, name: str, with_uncertainty: bool = True,
                  gross_margin: float | None = None, ltv_days: int = LTV_DAYS, refunds: str = "netted") -> str:
    """YAML of a ready-to-run scenario, with its documentation as comments.

    With ``with_uncertainty`` it ends with the fits' ``uncertainty`` mapping
    (a DataWarning for each entry left out, see ``fit_uncertainty``). Raise
    DataError if the data's first purchases span too many days for a run,
    ConfigError if marketing-sim would refuse the scenario: the text is read
    back as a scenario file is read and checked by ``sim.params.validate``.
    """
    tx, summary = calibration.transactions, calibration.summary
    end_date = tx.origin + calibration.calibration_end
    spend = calibration.spend.describe() if calibration.spend else "not fitted"
    if not tx.has_amounts:
        spend += ": the data has no amounts; population.spend is 1 per purchase, set it to your own"
    elif calibration.spend_distribution["dist"] == "constant":
        spend += "; population.spend is the mean amount instead (docs/calibration.md)"
    header = [
        f"{name}: customers calibrated from {source}.",
        "",
        "Question: what are these customers worth (LTV) and how do they churn, if",
        "the business keeps them as it did? Add channels or policies to ask more.",
        "",
        f"Data: {tx.ids.size} customers, {tx.day.size} purchase days, {tx.origin} to "
        f"{tx.origin + int(tx.day.max())}; calibrated on purchases up to {end_date}.",
        *([f"Refunds: {tx.refunds} row(s), {tx.refunded:,.2f} in all, {refunds} (--refunds)."] if tx.refunds else []),
        f"Written by `python -m sim.calibrate` on {date.today().isoformat()}.",
        *_purchase_churn_lines(calibration),
        f"Gamma-Gamma spend: {spend}",
        f"BG/NBD reference ({'weeks' if calibration.period == 1 else 'opportunities'}): "
        f"{calibration.reference.describe()}",
        f"Gross margin: {gross_margin:g} (--gross-margin)" if gross_margin is not None else
        f"Gross margin: not given, the simulator's default {DEFAULT_MARGIN:g} (--gross-margin sets it; LTV is "
        "proportional to it)",
    ]
    body = _dump(scenario_config(calibration, gross_margin, ltv_days))
    text = _comment(header) + body
    if with_uncertainty:
        text += _comment(UNCERTAINTY_NOTE.splitlines()) + _dump({"uncertainty": uncertainty(calibration)},
                                                                width=1000)
    validate(OmegaConf.create(text))
    return text


def _purchase_churn_lines(calibration) -> list[str]:
    """The header's lines on the purchase-and-churn fit and, for a period, how it maps to days."""
    fit, period = calibration.purchase_churn, calibration.period
    if calibration.model == "pareto_nbd":
        unit = "week" if period == 1 else f"opportunity of {period} days"
        return [f"Pareto/NBD (--model pareto_nbd; purchase rate ~ Gamma(r, alpha), churn rate ~ Gamma(s, beta) a {unit}):",
                f"  {fit.describe()}; log-likelihood {fit.loglik:.1f}. The simulator decides both daily, with the",
                "  rates a day as daily chances (docs/calibration.md, Choosing the model)."]
    if period == 1:
        return ["Daily BG/BB (purchase ~ Beta(alpha, beta), churn ~ Beta(gamma, delta) per day):",
                f"  {fit.describe()}; log-likelihood {fit.loglik:.1f}"]
    return [f"BG/BB with one opportunity every {period} days (--period; purchase ~ Beta(alpha, beta) per",
            f"opportunity, churn ~ Beta(gamma, delta) at the start of each): {fit.describe()};",
            f"log-likelihood {fit.loglik:.1f}. Churn is decided every {period} days (retention.period_days);",
            f"the simulator buys by the day, so daily_purchase_prob is p / {period} as the Beta of the same mean",
            "and variance: the expected purchases per opportunity (and LTV) are the fit's, but a customer",
            "may buy twice in one opportunity. Arrivals are on the first day of their first opportunity."]


def _dump(config: dict, width: int = 100) -> str:
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=None, width=width)


def _comment(lines) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in lines)


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all.

    The text goes to a temporary file beside ``path``, renamed over it
    (``os.replace``) once complete; on any failure the temporary file is
    removed and ``path`` is left as it was. Raise OSError if it cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def main(arguments=None) -> None:
    """Calibrate, check and write the scenario (exit status: see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m sim.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="CSV with columns customer_id, date, amount (amount optional; "
                                     "other names through --columns)")
    parser.add_argument("--calibration-end", required=True, help="last day of the calibration period (YYYY-MM-DD)")
    parser.add_argument("--out", required=True, help="scenario file to write, e.g. scenarios/my_shop.yaml")
    parser.add_argument("--no-uncertainty", dest="uncertainty", action="store_false",
                        help="leave out the fits' parameter uncertainty (the uncertainty mapping)")
    parser.add_argument("--gross-margin", type=float, metavar="M",
                        help=f"share of revenue kept after cost of goods, in [0, 1] (default: the simulator's "
                             f"{DEFAULT_MARGIN:g}, with a warning)")
    parser.add_argument("--ltv-days", type=int, default=LTV_DAYS, metavar="N",
                        help=f"days the scenario follows each customer after the last arrives (default {LTV_DAYS}): "
                             "the LTV window")
    parser.add_argument("--period", type=int, metavar="DAYS",
                        help="days per purchase opportunity: 1 (the simulator's daily process), 7, 30, 365 for data "
                             "with at most one purchase a week, month, year (default: 1, an error when the data "
                             "show a longer grid)")
    parser.add_argument("--model", choices=WRITABLE, default="bgbb",
                        help="the model written as the scenario's population: bgbb, the simulator's own process "
                             "(default), or pareto_nbd; every model is fitted and compared")
    parser.add_argument("--holdout-end", metavar="DATE",
                        help="last day of the holdout the models are compared on (default: the data's last date, "
                             "when it lies after the calibration end)")
    parser.add_argument("--no-holdout", dest="holdout", action="store_false",
                        help="compare the models' fits only, without replaying the holdout")
    parser.add_argument("--every", type=int, metavar="DAYS",
                        help="days between the points of the holdout report (default 7, or the period)")
    parser.add_argument("--report", metavar="DIR",
                        help="folder for the comparison (models.csv), the holdout by report period "
                             "(holdout.csv) and its tracking plot (holdout.png)")
    parser.add_argument("--allow-edge", action="store_true",
                        help="write the scenario even when the purchase/churn fit stops at the edge of its range "
                             "(a loud warning instead of an error)")
    parser.add_argument("--columns", metavar="MAP",
                        help="the data's own column names, e.g. customer=customer_email,date=created_at,"
                             "amount=total_price")
    parser.add_argument("--decimal", choices=data.DECIMALS, default="auto",
                        help="decimal separator of the amounts (default: read from them)")
    parser.add_argument("--refunds", choices=data.REFUNDS, default="refuse",
                        help="negative amounts: refuse them (default), drop the rows, or net them off the "
                             "customer's latest purchase")
    parser.add_argument("--timezone", metavar="ZONE",
                        help="IANA time zone (e.g. Europe/Paris) for timestamps with a UTC offset; without it "
                             "they keep the date as written")
    parser.error = lambda message: _fail(f"{message} (see python -m sim.calibrate --help)", 2)
    options = parser.parse_args(arguments)
    if options.gross_margin is not None and not 0 <= options.gross_margin <= 1:
        _fail(f"--gross-margin = {options.gross_margin:g}: must be a share of revenue in [0, 1]", 2)
    if options.period is not None and options.period < 1:
        _fail(f"--period = {options.period}: must be a whole number of days >= 1", 2)
    if options.ltv_days < 1:
        _fail(f"--ltv-days = {options.ltv_days}: must be a whole number of days >= 1", 2)
    try:
        reading = data.Reading(data.Reading.parse_columns(options.columns) if options.columns else {},
                               options.decimal, options.refunds, options.timezone)
    except DataError as error:
        _fail(str(error), 2)
    try:
        calibration = _calibrate(options.data, options.calibration_end, Path(options.out), options.uncertainty,
                                 options.gross_margin, options.ltv_days, reading, options.period,
                                 options.allow_edge, options.model)
        _compare(calibration, options.holdout_end if options.holdout else None, options.holdout, options.every,
                 Path(options.report) if options.report else None)
    except KeyboardInterrupt:
        _fail("interrupted; nothing written", 130)


def _calibrate(source: str, calibration_end: str, out: Path, with_uncertainty: bool,
               gross_margin: float | None = None, ltv_days: int = LTV_DAYS,
               reading: data.Reading = data.Reading(), period: int | None = None, allow_edge: bool = False,
               model: str = "bgbb"):
    """Calibrate and write the scenario (or exit with an error line); return the calibration."""
    _check_out(out)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            calibration = from_transactions(source, calibration_end, follow_days=ltv_days, reading=reading,
                                            period=period or 1, allow_edge=allow_edge, model=model)
            detected, share = data.detect_period(calibration.transactions, calibration.calibration_end)
            if detected > calibration.period:
                grid = (f"at most one purchase every {detected} days in the data ({share:.1%} of customer-periods "
                        f"hold two or more)")
                if period is None:
                    raise DataError(f"{grid}: fitted by day, the model is not the data's and its forecast is off; "
                                    f"use --period {detected} (or --period 1 to fit by day anyway)")
                warnings.warn(DataWarning(f"{grid}: --period {detected} fits that model"))
            text = scenario_text(calibration, Path(source).name, out.stem, with_uncertainty, gross_margin, ltv_days,
                                 {"net": "netted", "drop": "dropped"}.get(reading.refunds, ""))
            if gross_margin is None:
                warnings.warn(DataWarning(f"economics.gross_margin: not given, the scenario uses the simulator's "
                                          f"default {DEFAULT_MARGIN:g}; pass --gross-margin (LTV is proportional "
                                          "to it)"))
    except DataError as error:
        _fail(str(error), 2)
    except ConfigError as error:
        _fail(f"the calibrated scenario would not pass marketing-sim's checks: {error}; nothing written", 2)
    except MemoryError:
        _fail(f"not enough memory to calibrate on {source}; nothing written", 1)
    try:
        write_whole(out, text)
    except OSError as error:
        _fail(f"cannot write {out}: {error.strerror or error}; nothing written", 1)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    print(f"wrote {out}")
    print(f"  purchase/churn: {calibration.purchase_churn.describe()}")
    tx = calibration.transactions
    if tx.refunds:
        print(f"  refunds: {tx.refunds} row(s), {tx.refunded:,.2f} in all, {reading.refunds}")
    if out.parent.name == "scenarios":
        print(f"  run it: marketing-sim scenario={out.stem}")
    return calibration


def _compare(calibration, holdout_end: str | None, holdout: bool, every: int | None, report: Path | None) -> None:
    """Fit every model, replay the holdout (when there is one) and print the comparison;
    with ``report``, write it there with the holdout by report period and its plot."""
    tx = calibration.transactions
    last_date = tx.origin + int(tx.day.max())
    period = calibration.period
    beyond = data.last_opportunity(int(tx.day.max()), period) > data.last_opportunity(calibration.calibration_end, period)
    if holdout and holdout_end is None and beyond:
        holdout_end = str(last_date)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            shown = sys.stderr.isatty()       # bars for a person watching, none in a log
            fitted = compare.candidates(calibration, progress=shown)
            forecast = None
            if holdout_end is not None:
                forecast = run_holdout(calibration, holdout_end, replications=REPLICATIONS, every=every, fitted=fitted,
                                       progress=shown)
    except DataError as error:
        _fail(f"{error} (the scenario is written; --no-holdout skips the comparison's holdout)", 2)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    rows = compare.table(calibration, fitted, forecast)
    end_date = tx.origin + calibration.calibration_end
    if forecast is None:
        print(f"\nthe models on the calibration (no holdout: "
              f"{'--no-holdout' if not holdout else f'the data end at {last_date}'}):")
        print(compare.format_table(rows, None))
    else:
        print(f"\nthe models on the calibration, and their repeat purchases after {end_date} to {holdout_end} "
              f"({REPLICATIONS} replications of the simulator):")
        print(compare.format_table(rows, forecast["holdout"]["actual"]))
    if report is not None:
        _write_report(report, rows, forecast)


def _write_report(folder: Path, rows: list[dict], forecast: dict | None) -> None:
    """models.csv, and with a holdout holdout.csv (one row per report point) and holdout.png."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        columns = ["model", "kind", "parameters", "loglik", "aic", "conditional", "conditional_error",
                   "unconditional", "unconditional_error"]
        write_csv(folder / "models.csv", {c: [row.get(c) for row in rows] for c in columns})
        written = [folder / "models.csv"]
        if forecast is not None:
            series = {"actual": forecast["actual"], "simulated": forecast["simulated"],
                      "simulated_p05": forecast["simulated_p05"], "simulated_p95": forecast["simulated_p95"],
                      **forecast["closed_forms"]}
            write_csv(folder / "holdout.csv", {f"end_of_period_{forecast['every']}d": forecast["time"], **series})
            from matplotlib.figure import Figure
            from .. import plot
            figure = Figure(figsize=(8, 4.5), layout="constrained")
            plot.holdout_tracking(forecast, figure.add_subplot())
            figure.savefig(folder / "holdout.png", dpi=110)
            written += [folder / "holdout.csv", folder / "holdout.png"]
    except OSError as error:
        _fail(f"cannot write the report in {folder}: {error.strerror or error} (the scenario is written)", 1)
    print(f"report: {', '.join(str(p) for p in written)}")


def _check_out(out: Path) -> None:
    """Refuse (exit 2) an ``--out`` that names a directory or lies under a file, before any work."""
    if out.is_dir() or not out.name:
        _fail(f"--out {out}: is a directory; name the scenario file, e.g. {out / 'my_shop.yaml'}", 2)
    folder = next(p for p in out.parents if p.exists())
    if not folder.is_dir():
        _fail(f"--out {out}: {folder} is a file, not a directory", 2)


def _fail(message: str, status: int) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    main()
