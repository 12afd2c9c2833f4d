"""Reports to send on: ``report.html`` and ``summary.txt`` of a run, a comparison or a sweep.

    marketing-sim report RUN_DIR          # rebuild both from what the directory holds

The HTML is one self-contained file: styles inline, figures embedded as PNG
data, no script and no address outside it, so it opens the same from an
e-mail attachment, a shared drive or a browser with no network. It reads,
top to bottom, as a strategist would ask:

1. the question, from the scenario's (or named sweep's) header comment;
2. the headline metrics with their 90 % intervals and what each means in
   words, and the enabled policies' metrics;
3. the assumptions sheet: every input that differs from the ``base``
   scenario, the uncertain inputs with the range of their draws, and every
   input of the run folded away below;
4. the figures the directory holds.

``summary.txt`` beside it holds the table the command printed. Nothing here
simulates: a report is built from a Result (or a collected sweep) and the
files of its directory.
"""
from __future__ import annotations

import base64
import datetime
import functools
import html
import json
import math
import os
import re
import sys
from pathlib import Path

import numpy as np

from .config import DISPLAY_KEYS, compose, scenario_files, sweep_files
from .results import SUMMARY_ROWS, Result, format_number

REPORT = "report.html"
SUMMARY = "summary.txt"
"""The summary table a run prints, saved beside its report."""

#: Headline metrics of a report, each with the sentence that says what it means
#: (``{value}`` and ``{interval}`` are filled in, ``{currency}`` and ``{ltv_days}`` from the run).
MEANINGS = {
    "cac": "Acquiring one customer costs {value} {currency}, blended over every source, free organic and "
           "referred customers included{interval}.",
    "cac_paid": "A customer from the paid channels costs {value} {currency}{interval}.",
    "ltv": "A customer brings {value} {currency} of discounted net contribution in its first "
           "{ltv_days} days{interval}.",
    "ltv_cac": "Each {currency} spent on acquisition comes back as {value} {currency} of contribution "
               "within each customer's first {ltv_days} days{interval}; below 1 the customers do not pay "
               "for themselves.",
    "payback_days": "A cohort earns its acquisition cost back {value} days after activation{interval}.",
    "customers": "{value} customers are acquired over the acquisition window{interval}.",
    "acquisition_spend": "{value} {currency} are spent on acquisition{interval}{pool}.",
    "profit": "The whole run makes a profit of {value} {currency}{interval}.",
    "profit_npv": "Discounted to each customer's activation, LTV less acquisition spend is "
                  "{value} {currency}{interval}.",
    "repeat_purchase_rate": "{value} of customers buy again within the LTV window{interval}.",
    "churn_rate": "{value} of customers churn within the LTV window{interval}.",
}
#: Metrics read as shares, shown as percentages in sentences.
SHARES = ("repeat_purchase_rate", "churn_rate", "referral_share", "activation_rate")
#: Figures in the order a report shows them, with their captions; other PNGs follow.
FIGURES = {
    "cac_ltv": "CAC beside LTV, blended and per acquisition source (bars: 90 % interval).",
    "funnel": "The funnel, stage by stage.",
    "daily": "Active customers and new customers a day over the run.",
    "channels": "Spend and new customers per channel and day.",
    "response_curves": "Customers against each channel's daily budget (circle: this run's budget).",
    "retention": "Share of customers still active by days since activation.",
    "cohorts": "Retention by monthly acquisition cohort.",
    "cac_ltv_by_cohort": "CAC and LTV of each monthly acquisition cohort.",
    "uncertainty": "Where the interval comes from: uncertain inputs against simulation noise.",
    "pool": "The private pool: size, contacts and unsubscribes.",
    "membership": "Paid membership: members and renewals.",
    "referral": "Referred customers by level.",
}


def run_report(directory, result: Result | None = None, scenario: str | None = None) -> Path:
    """Write ``report.html`` and ``summary.txt`` of the run in ``directory``; return the report's path.

    ``result`` defaults to the run the directory holds (``Result.load``) and
    ``scenario`` to the name Hydra recorded (``.hydra/hydra.yaml``). Raise
    FileNotFoundError if the directory holds no complete run and no
    ``result`` is given.
    """
    directory = Path(directory)
    result = Result.load(directory) if result is None else result
    scenario = scenario or _recorded_scenario(directory) or "default"
    title = f"scenario {scenario}"
    _write(directory / SUMMARY, result.summary(title=title) + "\n")
    body = [_header(f"marketing-sim: {title}", _run_line(result)),
            _question(scenario),
            _headline(result),
            _policies(result),
            _by_source(result),
            _assumptions(result.config, _reference(), result),
            _figures(directory)]
    return _write(directory / REPORT, _page(title, body))


def comparison_report(directory, comparison=None, table: str | None = None) -> Path:
    """Write ``report.html`` and ``summary.txt`` of the comparison in ``directory``; return the report's path.

    ``comparison`` defaults to the one the directory holds (``Comparison.load``),
    ``table`` to its printed table (``sim.comparison.comparison_table``).
    """
    from .comparison import Comparison, comparison_table

    directory = Path(directory)
    comparison = Comparison.load(directory) if comparison is None else comparison
    table = comparison_table(comparison) if table is None else table
    _write(directory / SUMMARY, table + "\n")
    baseline, variant = comparison.baseline, comparison.variant
    labels = comparison.labels
    line = (f"baseline: {labels['baseline']} · variant: {labels['variant']} · {baseline.replications} paired "
            f"replications on common random numbers · amounts in {variant.currency}")
    scenario = labels["variant"].split()[0]
    body = [_header("marketing-sim: what the variant changes", line),
            _question(scenario),
            _differences(comparison),
            _assumptions(variant.config, ("baseline", baseline.config), variant, side="variant"),
            "<h2>Figures</h2>\n" + "\n".join(
                figure(_drawn(draw, result), f"{caption}, {side}")
                for side, result in (("baseline", baseline), ("variant", variant))
                for draw, caption in _comparison_figures())]
    return _write(directory / REPORT, _page("comparison", body))


def _differences(comparison) -> str:
    """Each metric the comparison shows: both means, the paired difference with its interval, and whether
    it is real."""
    currency = comparison.variant.currency
    cells = []
    for key in comparison.metrics():
        diff = float(np.mean(comparison.difference[key]))
        low, high = comparison.interval(key)
        if not (math.isfinite(low) and math.isfinite(high)):
            words = "not defined in every replication"
        elif low <= 0 <= high:
            words = "within simulation noise: the interval holds zero"
        else:
            size = (f"{abs(diff) * 100:.2g} percentage points" if key in SHARES else
                    f"{_number(abs(diff))} {currency}" if key in MONEY else
                    f"{_number(abs(diff))} days" if key.startswith("payback_days") else _number(abs(diff)))
            words = f"{'raises' if diff > 0 else 'lowers'} it by {size}, the interval excludes zero"
        cells.append([_label(key), comparison.baseline.shown(key, comparison.baseline.metrics[key]),
                      comparison.variant.shown(key, comparison.variant.metrics[key]),
                      _number(diff), f"{_number(low)} to {_number(high)}", words])
    return ("<h2>What the variant changes</h2>\n"
            + _table(["metric", "baseline", "variant", "difference", "90 % interval", "in words"], cells)
            + "<p class=meta>Differences are taken replication by replication on common random numbers; the "
              "interval is their 5th to 95th percentile.</p>" + _profits(comparison))


def _profits(comparison) -> str:
    """A warning when the two profit measures disagree, saying what each counts."""
    signs = {}
    for key in ("profit", "profit_npv"):
        if key in comparison.difference:
            low, high = comparison.interval(key)
            signs[key] = 0 if not (low > 0 or high < 0) else (1 if low > 0 else -1)
    if len(signs) < 2 or signs["profit"] == signs["profit_npv"]:
        return ""
    return ("<p class=warning>The two profits disagree. <i>Profit (whole run)</i> counts every sale to the end "
            "of the run, after each customer's LTV window too, undiscounted; <i>profit, discounted (LTV "
            "window)</i> counts only each customer's first {days} days, discounted. A change whose gain comes "
            "late (a pool or a membership that keeps customers longer) shows in the first and not the "
            "second: decide on the horizon the business plans for.</p>").format(
        days=comparison.variant.config.get("horizon", {}).get("ltv_days"))


#: Metrics counted in money, so a sentence names the currency.
MONEY = ("cac", "ltv", "profit", "profit_npv", "acquisition_spend")


def _label(key: str) -> str:
    return dict((k, label) for label, k in SUMMARY_ROWS).get(key, key.replace("_", " "))


def _comparison_figures():
    from . import plot
    return ((plot.cac_ltv, "CAC beside LTV"),)


def _drawn(draw, result) -> bytes:
    """PNG bytes of ``draw(result, ax)`` on a new figure."""
    import io

    from matplotlib.figure import Figure

    canvas = Figure(figsize=(7, 4), layout="constrained")
    draw(result, canvas.add_subplot())
    buffer = io.BytesIO()
    canvas.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def sweep_report(directory) -> Path:
    """Write ``report.html`` and ``summary.txt`` of the sweep in ``directory`` (its plan.json and
    job directories, ``sim.collect``); return the report's path.

    The report names the best job on the sweep's objective and says when that
    job's swept value lies on the edge of the grid (the optimum may lie beyond
    it) and when its interval overlaps the runner-up's (the grid does not
    tell them apart).
    """
    import yaml

    from .collection import collect

    directory = Path(directory)
    table = collect(directory)
    plan = json.loads((directory / "plan.json").read_text()) if (directory / "plan.json").exists() else {}
    recorded = yaml.safe_load((directory / "multirun.yaml").read_text()) if \
        (directory / "multirun.yaml").exists() else {}
    choices = (recorded or {}).get("hydra", {}).get("runtime", {}).get("choices", {})
    objective = (recorded or {}).get("objective", "profit")
    grid = swept(table, plan)
    best = best_job(table, objective, plan.get("direction"))
    findings = sweep_findings(table, best, objective, grid, plan)
    name = choices.get("sweep") or choices.get("scenario") or directory.name
    counts = table.counts()
    job = _first_config(directory, table)
    replications = job.get("replications")
    currency = (job.get("config", {}).get("economics") or {}).get("currency")
    if replications is not None and replications < ENOUGH_REPLICATIONS:
        findings.append(f"Each job ran {replications} replication(s): its interval is rough. Run the jobs "
                        f"that matter with replications={ENOUGH_REPLICATIONS} or more before deciding.")
    line = (f"{len(table)} jobs: " + ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items() if n)
            + f" · scenario {choices.get('scenario', 'default')} · objective {objective}"
            + (f" · {replications} replication(s) a job" if replications else "")
            + (f" · amounts in {currency}" if currency else ""))
    _write(directory / SUMMARY, sweep_summary(table, objective, grid, best, findings) + "\n")
    sweep_file = sweep_files().get(choices.get("sweep")) if choices.get("sweep") else None
    body = [_header(f"marketing-sim sweep: {name}", line),
            _about(sweep_file, "sweep") if sweep_file else _question(choices.get("scenario", "default")),
            _best(table, best, objective, findings, grid),
            _grid(grid),
            _jobs(table, objective, grid),
            _sweep_figures(table, objective, grid, job.get("config"))]
    return _write(directory / REPORT, _page(f"sweep {name}", body))


#: Metrics a sweep's best job minimises; any other objective is maximised.
LOWER_IS_BETTER = ("cac", "cac_paid", "cpa", "payback_days", "churn_rate", "acquisition_spend")


def swept(table, plan: dict) -> dict:
    """Swept key -> its values in job order (keys whose value changes from job to job)."""
    from .collection import _columns

    jobs = [_columns(job) for job in plan.get("jobs", [])]
    keys = list(dict.fromkeys(k for job in jobs for k in job)) if jobs else list(plan.get("search_space", {}))
    values = {key: [row.get(key) for row in table] for key in keys}
    return {key: list(dict.fromkeys(v for v in vals if v is not None)) for key, vals in values.items()
            if len({json.dumps(v, sort_keys=True, default=str) for v in vals}) > 1}


def best_job(table, objective: str, direction: str | None = None) -> dict | None:
    """The complete job with the best mean ``objective`` (lowest for :data:`LOWER_IS_BETTER`), or None."""
    rows = [r for r in table if r["status"] == "complete" and _finite(r.get(objective))]
    if not rows:
        return None
    lower = direction == "minimize" or (direction is None and objective.split(".")[0] in LOWER_IS_BETTER)
    return (min if lower else max)(rows, key=lambda r: r[objective])


def sweep_findings(table, best: dict | None, objective: str, grid: dict, plan: dict | None = None) -> list[str]:
    """What to know before reading the best job as an optimum, in sentences.

    The edge of a grid is its lowest and highest value (three values or more);
    for an optimiser's ``interval(low, high)``, the best value within 5 % of
    the interval's width from either end.
    """
    if best is None:
        return ["No job completed with a finite objective: there is no best job."]
    findings = []
    for key, (low, high, near) in edges(grid, plan or {}).items():
        value = best.get(key)
        if _finite(value) and (value - low <= near or high - value <= near):
            findings.append(f"The best {key} = {format_number(value)} is on the edge of the grid "
                            f"({format_number(low)} to {format_number(high)}): the optimum may lie beyond "
                            "it; widen the grid before deciding.")
    others = [r for r in table if r is not best and r["status"] == "complete" and _finite(r.get(objective))]
    low, high = best.get(objective + "_p05"), best.get(objective + "_p95")
    if others and _finite(low) and _finite(high):
        close = [r for r in others if _finite(r.get(objective + "_p05"))
                 and r[objective + "_p05"] <= high and r[objective + "_p95"] >= low]
        if close:
            named = "; ".join(f"{r['run']} (" + ", ".join(f"{k} = {_cell(r.get(k))}" for k in grid) + ")"
                              if grid else r["run"] for r in close)
            findings.append(f"{len(close)} other job(s) have a 90 % interval of {objective} that overlaps the "
                            f"best one's: {named}. With these replications the sweep does not tell them apart; add "
                            "replications (common random numbers make the paired difference sharper: "
                            "marketing-sim-compare).")
    return findings


#: Share of an optimiser's interval next to either end that counts as its edge.
EDGE_SHARE = 0.05


def edges(grid: dict, plan: dict) -> dict:
    """Swept key -> (lowest, highest, how near an end counts as on it), for numeric keys with an edge."""
    bounds = {}
    for key, text in (plan.get("search_space") or {}).items():
        match = re.fullmatch(r"\s*(?:tag\([^)]*\)\s*,\s*)?interval\(\s*([^,]+),\s*([^)]+)\)\s*", str(text))
        if match:
            low, high = float(match[1]), float(match[2])
            bounds[key] = (low, high, EDGE_SHARE * (high - low))
    for key, values in grid.items():
        numbers = sorted(v for v in values if _finite(v))
        if key not in bounds and len(numbers) > 2 and len(numbers) == len(values):
            bounds[key] = (numbers[0], numbers[-1], 0.0)
    return bounds


def sweep_summary(table, objective: str, grid: dict, best: dict | None, findings: list[str]) -> str:
    """The sweep as text: one line per job (swept values, status, objective with its interval), the best job."""
    keys = list(grid)
    head = ["run", *keys, "status", objective, "5%", "95%"]
    rows = [[r["run"], *(_cell(r.get(k)) for k in keys), r["status"],
             *(format_number(r.get(objective + s)) if _finite(r.get(objective + s)) else "n/a"
               for s in ("", "_p05", "_p95"))] for r in table]
    widths = [max(len(str(x)) for x in column) + 2 for column in zip(head, *rows)]
    lines = ["".join(f"{c:>{w}}" for c, w in zip(line, widths)) for line in [head, *rows]]
    if best is not None:
        lines.append(f"\nbest on {objective}: {best['run']} (" +
                     ", ".join(f"{k} = {_cell(best.get(k))}" for k in keys) + ")")
    lines += findings
    return "\n".join(lines)


def _best(table, best, objective: str, findings: list[str], grid: dict) -> str:
    parts = ["<h2>Best job</h2>"]
    if best is not None:
        low, high = best.get(objective + "_p05"), best.get(objective + "_p95")
        interval = f" (90 % interval {format_number(low)} to {format_number(high)})" if _finite(low) else ""
        where = ", ".join(f"{k} = {_cell(best.get(k))}" for k in grid)
        parts.append(f"<p>On {_e(_label(objective))}, the best job is <b>{_e(best['run'])}</b>"
                     + (f" (<b>{_e(where)}</b>)" if where else "")
                     + f": {_e(format_number(best[objective]))}{_e(interval)}.</p>")
    parts += [f"<p class=warning>{_e(f)}</p>" for f in findings]
    failed = table.failed()
    if failed:
        parts.append(f"<p class=warning>{len(failed)} job(s) did not complete: "
                     + _e(", ".join(f"{r['run']} ({r['status']})" for r in failed)) + ".</p>")
    return "\n".join(parts)


#: Replications a job needs before its interval is worth reading.
ENOUGH_REPLICATIONS = 10


def _first_config(directory: Path, table) -> dict:
    """``config.json`` of the sweep's first complete job (``{"replications", "config"}``), or {}."""
    for row in table:
        path = directory / row["run"] / "config.json"
        if row["status"] == "complete" and path.exists():
            return json.loads(path.read_text())
    return {}


def _grid(grid: dict) -> str:
    if not grid:
        return ""
    return "<h2>The grid</h2>\n" + _table(["swept input", "values"],
                                           [[k, ", ".join(str(v) for v in vs)] for k, vs in grid.items()])


#: Metrics each job's row shows beside the objective.
SWEEP_COLUMNS = ("customers", "cac", "ltv", "ltv_cac", "payback_days", "profit")


def _jobs(table, objective: str, grid: dict) -> str:
    metrics = list(dict.fromkeys([objective, *SWEEP_COLUMNS]))
    head = ["run", *grid, "status", *(_label(m) for m in metrics)]
    cells = [[r["run"], *(_cell(r.get(k)) for k in grid), r["status"],
              *(format_number(r[m]) if _finite(r.get(m)) else "n/a" for m in metrics)] for r in table]
    return "<h2>Jobs</h2>\n" + _table(head, cells)


def _sweep_figures(table, objective: str, grid: dict, config: dict | None) -> str:
    from . import plot

    numeric = [k for k, vs in grid.items() if all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   for v in vs)]
    if not numeric or not any(r["status"] == "complete" for r in table):
        return ""
    x = numeric[0]
    by = next((k for k in grid if k != x), None)
    pictures = [figure(_drawn(lambda t, ax, m=m: plot.sweep_lines(t, x, m, by=by, ax=ax, config=config), table),
                       f"{_label(m)} against {x}" + (f", one line per {by}" if by else "")
                       + " (band: 90 % interval)")
                for m in dict.fromkeys([objective, "ltv_cac"]) if any(_finite(r.get(m)) for r in table)]
    return "<h2>Figures</h2>\n" + "\n".join(pictures)


def _cell(value) -> str:
    """A swept value as a table shows it: numbers to a readable precision, anything else as written."""
    return format_number(value) if _finite(value) and isinstance(value, float) else str(value)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ---- sections --------------------------------------------------------------------------------

def _header(title: str, line: str) -> str:
    made = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"<h1>{_e(title)}</h1>\n<p class=meta>{_e(line)} · report made {made}</p>"


def _run_line(result: Result) -> str:
    config = result.config
    horizon = config.get("horizon", {})
    start = result.dates([0])[0]
    return (f"{result.replications} replication(s), seed {config.get('seed')} · "
            f"{horizon.get('acquisition_days')} acquisition days from {start} · LTV window "
            f"{horizon.get('ltv_days')} days · amounts in {result.currency}")


def _question(scenario: str) -> str:
    """The scenario file's header comment, its Question paragraph first."""
    path = scenario_files().get(scenario)
    return _about(path, "scenario") if path else ""


def _about(path: Path, kind: str) -> str:
    paragraphs = header_comment(path)
    if not paragraphs:
        return ""
    question = [p for p in paragraphs if p.startswith("Question:")]
    rest = [p for p in paragraphs if not p.startswith("Question:")]
    parts = [f"<h2>The question</h2>"]
    parts += [f"<p class=question>{_prose(_capitalised(p.removeprefix('Question:').strip()))}</p>"
              for p in question]
    parts += [f"<p>{_prose(p)}</p>" for p in rest]
    parts.append(f"<p class=meta>From the header of the {kind} file {_e(str(path))}.</p>")
    return "\n".join(parts)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _prose(text: str) -> str:
    """Escaped text with its `backticked` words as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def header_comment(path: Path) -> list[str]:
    """The paragraphs of the comment a YAML file starts with (blank comment lines split them)."""
    paragraphs, current = [], []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if text:
            current.append(text)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _headline(result: Result) -> str:
    """The headline metrics: mean, 90 % interval, share of the variance from inputs, in words."""
    split = bool(result.inputs)
    rows = [(label, key) for label, key in SUMMARY_ROWS if key in MEANINGS and key in result.metrics]
    head = ["metric", "mean", "90 % interval"] + (["from inputs"] if split else []) + ["in words"]
    cells = []
    for label, key in rows:
        row = [label, result.shown(key, result.metrics[key]), _interval(result, key)]
        if split:
            share = result.variance[key]["input_share"]
            row.append("n/a" if not math.isfinite(share) else f"{share:.0%}")
        row.append(meaning(result, key))
        cells.append(row)
    note = (f"<p class=meta>Intervals are the 5th to 95th percentile across {result.replications} replications"
            + (", and hold both input uncertainty and simulation noise; 'from inputs' is the share of the "
               "variance the uncertain inputs explain." if split else
               "; with no uncertain inputs they show simulation noise only.")
            + "</p>") if result.replications > 1 else \
        "<p class=meta>One replication: no interval. Run with replications=10 or more before deciding.</p>"
    free = [s for s in ("organic", "referral") if result.metrics.get("customers." + s, 0) > 0
            and result.cost_free("cac." + s)]
    if free and any(k.startswith("spend.") for k in result.metrics):
        share = sum(result.metrics["customers." + s] for s in free) / result.metrics["customers"]
        note += (f"<p class=warning>The blended CAC, LTV/CAC and payback count the {' and '.join(free)} "
                 f"customers ({share:.0%} of all), who cost nothing: judge a channel by its own CAC, "
                 "LTV/CAC and payback under <i>By acquisition source</i>.</p>")
    return "<h2>Headline</h2>\n" + _table(head, cells) + note


def meaning(result: Result, key: str) -> str:
    """What metric ``key`` of ``result`` means, in one sentence with its value and interval."""
    value = result.metrics[key]
    if key in ("cac", "payback_days") and result.cost_free("cac"):
        return "Nothing was spent on acquisition: there is no acquisition cost to earn back."
    if not math.isfinite(value):
        return {"payback_days": "The cohorts do not earn their acquisition cost back within the LTV window.",
                "ltv_cac": "Not defined: the run spent nothing on acquisition."}.get(key, "Not defined in this run.")
    if key == "payback_days" and value < 1:
        return "A cohort's first purchases pay its acquisition cost back on the day it is acquired."
    low, high = result.intervals[key]
    interval = "" if result.replications == 1 or not (math.isfinite(low) and math.isfinite(high)) else \
        f" (90 % interval {_plain(key, low)} to {_plain(key, high)})"
    pool = ", the private pool's operating spend included" if "spend.pool" in result.metrics else ""
    return MEANINGS[key].format(value=_plain(key, value), interval=interval, currency=result.currency,
                                ltv_days=result.config.get("horizon", {}).get("ltv_days"), pool=pool)


def _policies(result: Result) -> str:
    """Each enabled policy's summary rows; amounts carry the currency, rates read as percentages."""
    rows = result.policy_rows()
    if not rows:
        return ""
    cells = []
    for label, key in rows:
        words = set(re.findall(r"[a-z]+", label.split(": ", 1)[-1]))
        low, high = result.intervals[key]
        if words & RATE_WORDS:
            shown = [f"{v:.1%}" if math.isfinite(v) else "n/a" for v in (result.metrics[key], low, high)]
        else:
            shown = [format_number(v) for v in (result.metrics[key], low, high)]
            label += f" ({result.currency})" if words & MONEY_WORDS else ""
        bounded = result.replications > 1 and math.isfinite(low) and math.isfinite(high)
        cells.append([label, shown[0], f"{shown[1]} to {shown[2]}" if bounded else ""])
    return "<h2>Policies</h2>\n" + _table(["metric", "mean", "90 % interval"], cells)


#: Words of a policy's summary label (its kind's ``SUMMARY``) that mark an amount of money ...
MONEY_WORDS = {"cost", "spend", "income", "value", "paid"}
#: ... and a share of customers, shown as a percentage.
RATE_WORDS = {"rate", "penetration", "conversion", "reach", "share"}


def _by_source(result: Result) -> str:
    """Customers, CAC, LTV, LTV/CAC and payback of each source that brought customers."""
    cells = []
    for source in [k.split(".", 1)[1] for k in result.metrics if k.startswith("customers.")]:
        if not result.metrics["customers." + source] > 0:
            continue
        row = [source, format_number(result.metrics["customers." + source])]
        if result.cost_free("cac." + source):
            row += ["n/a (nothing spent)", _number(result.metrics.get("ltv." + source, math.nan)), "n/a", "n/a"]
        else:
            row += [result.shown(f"{m}.{source}", result.metrics.get(f"{m}.{source}", math.nan))
                    for m in ("cac", "ltv", "ltv_cac", "payback_days")]
        cells.append(row)
    if not cells:
        return ""
    currency = result.currency
    return ("<h2>By acquisition source</h2>\n" + _table(
        ["source", "customers", f"CAC ({currency})", f"LTV ({currency})", "LTV / CAC", "payback (days)"], cells))


def _assumptions(config: dict, reference: tuple[str, dict] | None, result: Result | None = None,
                 side: str = "this run") -> str:
    """Inputs that differ from the reference config, the uncertain inputs, then every input folded."""
    flat = flatten({k: v for k, v in config.items() if k not in DISPLAY_KEYS})
    parts = ["<h2>Assumptions</h2>"]
    if reference is not None:
        name, base = reference
        base_flat = flatten({k: v for k, v in base.items() if k not in DISPLAY_KEYS})
        changed = [[path, _value(base_flat.get(path)), _value(value)] for path, value in flat.items()
                   if base_flat.get(path) != value]
        changed += [[path, _value(value), "(none)"] for path, value in base_flat.items() if path not in flat]
        parts.append(f"<h3>Inputs that differ from the {_e(name)}</h3>")
        parts.append(_table(["input", name, side], changed) if changed else
                     f"<p>None: this run's inputs are those of the {_e(name)}.</p>")
    assumed = _assumed(config, flat)
    if assumed:
        parts.append("<h3>Assumptions the model makes</h3>\n<p>Parameters declared as assumptions (no "
                     "figure in the sources): their value in this run, whatever the base scenario says.</p>")
        parts.append(_table(["input", "value", "meaning"], assumed))
    uncertain = config.get("uncertainty") or {}
    if uncertain:
        parts.append("<h3>Uncertain inputs</h3>")
        cells = []
        for path, spec in uncertain.items():
            drawn = (result.inputs.get(path) if result is not None else None)
            seen = "" if drawn is None or not len(drawn) else \
                f"{format_number(float(np.min(drawn)))} to {format_number(float(np.max(drawn)))}"
            cells.append([path, _value(spec), seen])
        parts.append(_table(["input", "distribution", "drawn, lowest to highest"], cells))
    parts.append("<details><summary>Every input of the run</summary>\n"
                 + _table(["input", "value"], [[p, _value(v)] for p, v in flat.items()]) + "</details>")
    return "\n".join(parts)


def _assumed(config: dict, flat: dict) -> list[list[str]]:
    """[path, value, meaning] of each input of ``config`` whose declaration calls it an assumption."""
    from .uncertainty import declared_at
    from .validation import ConfigError

    rows = []
    for path, value in flat.items():
        try:
            doc = declared_at(path, config).get("doc", "")
        except ConfigError:         # not a numeric parameter: no declaration to read
            continue
        if "assumption" in doc:
            rows.append([path, _value(value), doc])
    return rows


def _reference() -> tuple[str, dict] | None:
    """The checked config of the ``base`` scenario the strategy scenarios start from, if there is one."""
    base = scenario_files().get("base")
    return None if base is None else ("base scenario", _checked_base(base, base.stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _checked_base(path: Path, mtime: int) -> dict:
    """``validate(compose("base")).config``, once per version of the file (a sweep's jobs share it)."""
    from .params import validate

    return validate(compose("base")).config


def _figures(directory: Path) -> str:
    pngs = {p.stem: p for p in sorted(Path(directory).glob("*.png"))}
    if not pngs:
        return "<h2>Figures</h2>\n<p>This run wrote no figures (figures=false).</p>"
    order = [name for name in FIGURES if name in pngs] + [name for name in pngs if name not in FIGURES]
    return "<h2>Figures</h2>\n" + "\n".join(
        figure(pngs[name].read_bytes(), FIGURES.get(name, name.replace("_", " "))) for name in order)


def figure(png: bytes, caption: str) -> str:
    """One figure, its PNG embedded."""
    data = base64.b64encode(png).decode("ascii")
    return (f"<figure><img alt=\"{_e(caption)}\" src=\"data:image/png;base64,{data}\">"
            f"<figcaption>{_e(caption)}</figcaption></figure>")


# ---- pieces ----------------------------------------------------------------------------------

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 62rem;
       margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
.meta { color: #666; font-size: .9rem; } .question { font-size: 1.1rem; font-weight: 600; }
.warning { background: #fff4e5; border-left: 4px solid #f0a030; padding: .5rem .8rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid #e5e5e5; padding: .25rem .6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.2rem 0; } img { max-width: 100%; } figcaption { color: #555; font-size: .9rem; }
details { margin: .8rem 0; } summary { cursor: pointer; color: #08519c; }
"""


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(part for part in body if part)
            + "\n<p class=meta>Made by marketing-sim. Every figure of a scenario is an input the scenario "
              "states, not a measurement, unless the scenario says where it was calibrated.</p>"
            + "\n</body></html>\n")


def _table(head: list[str], rows: list[list[str]]) -> str:
    def cell(text, tag="td"):
        numeric = tag == "td" and _is_number(text)
        return f"<{tag}{' class=n' if numeric else ''}>{_e(str(text))}</{tag}>"
    lines = ["<table><thead><tr>" + "".join(cell(h, "th") for h in head) + "</tr></thead><tbody>"]
    lines += ["<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows]
    return "\n".join(lines) + "</tbody></table>"


def _is_number(text) -> bool:
    text = str(text).replace(",", "").replace(" to ", "").replace("%", "").replace("-", "").replace(".", "")
    return text.isdigit()


def _interval(result: Result, key: str) -> str:
    if result.replications == 1:
        return ""
    low, high = result.intervals[key]
    return f"{result.shown(key, low)} to {result.shown(key, high)}"


def _number(value: float) -> str:
    return format_number(value)


def _plain(key: str, value: float) -> str:
    return f"{value:.1%}" if key in SHARES else format_number(value)


def _value(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def flatten(data: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` as ``{"a.b": 1}``; lists and distribution specs (mappings with ``dist``)
    stay whole, and an empty mapping (no channels, no policies) holds no input."""
    flat = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and "dist" not in value:
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _recorded_scenario(directory: Path) -> str | None:
    """The scenario Hydra recorded for the run in ``directory`` (``.hydra/hydra.yaml``), if any."""
    import yaml

    path = directory / ".hydra" / "hydra.yaml"
    if not path.exists():
        return None
    choices = ((yaml.safe_load(path.read_text()) or {}).get("hydra", {}).get("runtime", {}).get("choices", {}))
    return choices.get("scenario")


def _write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` under a temporary name renamed once whole."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


# ---- the command -----------------------------------------------------------------------------

USAGE = """usage: marketing-sim report DIR

Rebuild report.html and summary.txt in DIR: a run directory (metrics.json), a comparison
directory (comparison.json) or a sweep directory (plan.json)."""


def main(arguments: list[str]) -> None:
    """``marketing-sim report DIR``: rebuild the report of a run, comparison or sweep directory.

    Exit 2 with one line for bad usage or a directory that holds none of them.
    """
    if len(arguments) != 1 or arguments[0].startswith("-"):
        print(USAGE, file=sys.stderr if arguments[:1] not in (["-h"], ["--help"]) else sys.stdout)
        sys.exit(0 if arguments[:1] in (["-h"], ["--help"]) else 2)
    from .comparison import COMPARISON

    directory = Path(arguments[0])
    if (directory / "metrics.json").exists():
        path = run_report(directory)
    elif (directory / COMPARISON).exists():
        path = comparison_report(directory)
    elif (directory / "plan.json").exists():
        path = sweep_report(directory)
    else:
        print(f"error: {directory}: not a complete run (no metrics.json), comparison (no comparison.json) "
              "or sweep (no plan.json)", file=sys.stderr)
        sys.exit(2)
    print(f"report: {path}")
