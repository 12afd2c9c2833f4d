"""Command line: calibrate a scenario's acquisition channels from a spend history.

    python -m sim.calibrate.acquisition HISTORY.csv --kpi new_customers [--lift-tests LIFT.csv] \\
        --out scenarios/my_media.yaml
    marketing-sim scenario=my_media

The scenario runs the history's length of acquisition days with the fitted
paid channels at their average daily spend (``--budget last``: the last
period's) and the fitted ``baseline`` channel (``.scenario``); its header
documents the data and the fitted values with their standard errors, and
its ``uncertainty`` mapping the fit's parameter uncertainty
(``--no-uncertainty`` leaves it out). The fit cannot see the size of the
market, so ``market.size`` is set to MARKET_FACTOR times the customers the
scenario expects: the market's depletion then lowers reach by under 1 %,
as the fit assumed. With ``--plan PLAN.csv`` (a dated spend plan with the
history's columns and spacing) the scenario runs that plan instead, from
its first date, each channel on a ``plan`` schedule carrying the adstock the
history left (``AcquisitionFit.to_config(plan=...)``), for the plan's
length. Before anything is written the text is read back as
marketing-sim reads a scenario and checked by ``sim.params.validate``.

Beside the scenario the command writes what a strategist reads of the fit
(``.report``) into ``--report DIR`` (default: the scenario's path without
``.yaml`` plus ``_fit``, e.g. ``scenarios/my_media_fit/``): the table
``acquisition_fit.txt`` (marginal CAC, CAC and share of customers per
channel with 90 % intervals, also printed) and the figures
``response_curves.png`` and ``contributions.png`` (``--no-figures`` leaves
them out).

Exit status: 0 written; 2 bad input, nothing written; 1 writing ``--out``
or the report failed; 130 interrupted. Every failure is one line on stderr
starting with ``error:``.
"""
from __future__ import annotations

import argparse
import math
import sys
import warnings
from datetime import date
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from ...params import validate
from ...validation import ConfigError
from ..__main__ import _check_out, _comment, _dump, _fail, write_whole
from ..data import DataError, DataWarning
from . import fit_acquisition
from .model import ADSTOCKS, LIKELIHOODS
from .report import TABLE, write_report

#: Market size over the customers a scenario expects (depletion under 1 %), its LTV days and replications.
MARKET_FACTOR, LTV_DAYS, REPLICATIONS = 100, 365, 10


def scenario_config(fit, budget: str = "average", with_uncertainty: bool = True, plan=None) -> dict:
    """The scenario: the fit's channels over the history's days (or a spend ``plan``'s, carrying the
    history's adstock), in a market that barely depletes."""
    history = fit.history
    config = fit.to_config(budget, with_uncertainty, plan)
    expected = expected_customers(fit, budget, plan)
    days = config.get("horizon", {}).get("acquisition_days", history.days)
    return {"seed": 0, "replications": REPLICATIONS,
            "horizon": {"acquisition_days": days, "ltv_days": LTV_DAYS},
            "market": {"size": max(1_000_000, math.ceil(MARKET_FACTOR * expected)), "innovation": 0.0,
                       "imitation": 0.0},
            "channels": config["channels"],
            **({"uncertainty": config["uncertainty"]} if with_uncertainty else {})}


def expected_customers(fit, budget: str = "average", plan=None) -> float:
    """Customers the fit expects of the scenario's spend: the ``plan``, or the flat ``budget`` over the history's days."""
    history = fit.history
    if plan is None:
        plan = {"date": (history.origin + np.arange(0, history.days, history.period)).astype(str),
                **{c: np.full(history.kpi.size, fit.spend_level(c, budget) * history.period)
                   for c in history.channels}}
    return float(fit.predict(plan).sum())


def scenario_text(fit, source: str, name: str, budget: str = "average", with_uncertainty: bool = True,
                  plan=None, plan_source: str = "") -> str:
    """YAML of the scenario with its documentation as comments; ConfigError if marketing-sim would refuse it."""
    history = fit.history
    last = history.origin + history.days - 1
    question = (["Question: what does the spend plan of " + plan_source + " bring, carrying the",
                 "history's adstock? Its first date is day 0; the channels follow it day by day."]
                if plan is not None else
                ["Question: what do the channels bring at the history's spend, and what would",
                 "another budget bring? Change channels.<name>.daily_budget to ask."])
    header = [f"{name}: acquisition calibrated from {source}.", "", *question, "",
              f"Data: {history.kpi.size} {'daily' if history.period == 1 else 'weekly'} rows, {history.origin} "
              f"to {last}, KPI {history.kpi_name} (total {int(history.kpi.sum())}); "
              f"{fit.lifts.size if fit.lifts else 0} lift test(s).",
              f"Written by `python -m sim.calibrate.acquisition` on {date.today().isoformat()}; day 0 is "
              f"{plan_start(fit, plan) if plan is not None else history.origin}.",
              f"Fit ({fit.model.likelihood}, log-likelihood {fit.loglik:.1f}); daily_budget = the {budget} "
              "daily spend:",
              *(f"  {line}" for line in fit.describe()),
              f"The fit expects {expected_customers(fit, budget, plan):,.0f} customers of this scenario's spend "
              f"(the history had {int(history.kpi.sum()):,}: a flat budget and a flighted one on the same",
              "saturating curves bring different numbers).",
              f"market.size = {MARKET_FACTOR} x the expected customers (the fit assumes no depletion).",
              "docs/calibration.md, Acquisition from spend history and lift tests"]
    text = _comment(header) + _dump(scenario_config(fit, budget, with_uncertainty, plan), width=1000)
    validate(OmegaConf.create(text))
    return text


def plan_start(fit, plan) -> np.datetime64:
    """The first date of a spend ``plan``."""
    return fit.history.origin + fit.plan_days(plan)[0]


def main(arguments=None) -> None:
    """Fit, check and write the scenario (exit status: see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m sim.calibrate.acquisition",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("history", help="CSV with date, one spend column per channel and the KPI")
    parser.add_argument("--kpi", default="new_customers", help="the KPI column (new customers per row)")
    parser.add_argument("--channels", help="comma-separated spend columns (default: all but date and the KPI)")
    parser.add_argument("--lift-tests", help="CSV with channel, start, end, spend_change, incremental_customers, se")
    parser.add_argument("--likelihood", choices=LIKELIHOODS, default="negative_binomial")
    parser.add_argument("--adstock", choices=ADSTOCKS, default="geometric",
                        help="geometric (carryover a day) or delayed (a fitted peak delay within --max-lag days)")
    parser.add_argument("--max-lag", type=int, default=14, help="days a delayed adstock spans (default 14)")
    parser.add_argument("--budget", choices=("average", "last"), default="average",
                        help="daily budget of the scenario's channels: the history's average or last period's")
    parser.add_argument("--plan", metavar="PLAN.csv",
                        help="a dated spend plan (date and each channel's spend, the history's spacing): the "
                             "scenario runs it from its first date, carrying the history's adstock")
    parser.add_argument("--out", required=True, help="scenario file to write, e.g. scenarios/my_media.yaml")
    parser.add_argument("--no-uncertainty", dest="uncertainty", action="store_false",
                        help="leave out the fit's parameter uncertainty (the uncertainty mapping)")
    parser.add_argument("--report", metavar="DIR",
                        help="folder for the fit's table and figures (default: beside --out, NAME_fit/)")
    parser.add_argument("--no-figures", dest="figures", action="store_false",
                        help="write the table only, not response_curves.png and contributions.png")
    parser.error = lambda message: _fail(f"{message} (see python -m sim.calibrate.acquisition --help)", 2)
    options = parser.parse_args(arguments)
    out = Path(options.out)
    _check_out(out)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            fit = fit_acquisition(options.history, options.kpi, options.lift_tests,
                                  channels=options.channels.split(",") if options.channels else None,
                                  likelihood=options.likelihood, adstock=options.adstock,
                                  max_lag=options.max_lag)
            text = scenario_text(fit, Path(options.history).name, out.stem, options.budget, options.uncertainty,
                                 options.plan, Path(options.plan).name if options.plan else "")
        write_whole(out, text)
    except KeyboardInterrupt:
        _fail("interrupted; nothing written", 130)
    except DataError as error:
        _fail(str(error), 2)
    except ConfigError as error:
        _fail(f"the calibrated scenario would not pass marketing-sim's checks: {error}; nothing written", 2)
    except OSError as error:
        _fail(f"cannot write {out}: {error.strerror or error}; nothing written", 1)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    print(f"wrote {out}")
    for line in fit.describe():
        print(f"  {line}")
    if out.parent.name == "scenarios":
        print(f"  run it: marketing-sim scenario={out.stem}")
    report = Path(options.report) if options.report else out.with_name(f"{out.stem}_fit")
    try:
        written = write_report(fit, report, options.budget, options.figures)
    except KeyboardInterrupt:
        _fail(f"interrupted; the scenario is written, the report in {report} may be incomplete", 130)
    except OSError as error:
        _fail(f"cannot write the report into {report}: {error.strerror or error}; the scenario is written", 1)
    print(f"\nwrote {', '.join(str(path) for path in written)}\n")
    print((report / TABLE).read_text(encoding="utf-8"), end="")


if __name__ == "__main__":
    main()
