"""The report of one run: its question, headline metrics in words, policies, sources,
assumptions and figures."""
from __future__ import annotations

import math
import re
from pathlib import Path

from ..results import SUMMARY_ROWS, Result, format_number
from .html import REPORT, SUMMARY, figure, html_table, page, write
from .sections import assumptions, header, interval_text, plain, question, reference

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


def run_report(directory, result: Result | None = None, scenario: str | None = None,
               table: str | None = None) -> Path:
    """Write ``report.html`` and ``summary.txt`` of the run in ``directory``; return the report's path.

    ``result`` defaults to the run the directory holds (``Result.load``),
    ``scenario`` to the name Hydra recorded (``.hydra/hydra.yaml``) and
    ``table`` to the summary a run prints (:func:`summary_title`). Raise
    FileNotFoundError if the directory holds no complete run and no
    ``result`` is given.
    """
    directory = Path(directory)
    result = Result.load(directory) if result is None else result
    scenario = scenario or _recorded_scenario(directory) or "default"
    title = summary_title(scenario)
    write(directory / SUMMARY, (table or result.summary(title=title)) + "\n")
    body = [header(f"marketing-sim: {title}", _run_line(result)),
            question(scenario),
            _headline(result),
            _policies(result),
            _by_source(result),
            assumptions(result.config, reference(), result),
            _figures(directory)]
    return write(directory / REPORT, page(title, body))


def summary_title(scenario: str) -> str:
    """The title of a run's summary table and report."""
    return f"scenario {scenario}"


def _run_line(result: Result) -> str:
    config = result.config
    horizon = config.get("horizon", {})
    start = result.dates([0])[0]
    return (f"{result.replications} replication(s), seed {config.get('seed')} · "
            f"{horizon.get('acquisition_days')} acquisition days from {start} · LTV window "
            f"{horizon.get('ltv_days')} days · amounts in {result.currency}")


def _headline(result: Result) -> str:
    """The headline metrics: mean, 90 % interval, share of the variance from inputs, in words."""
    split = bool(result.inputs)
    rows = [(label, key) for label, key in SUMMARY_ROWS if key in MEANINGS and key in result.metrics]
    head = ["metric", "mean", "90 % interval"] + (["from inputs"] if split else []) + ["in words"]
    cells = []
    for label, key in rows:
        row = [label, result.shown(key, result.metrics[key]), interval_text(result, key)]
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
    return "<h2>Headline</h2>\n" + html_table(head, cells) + note


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
        f" (90 % interval {plain(key, low)} to {plain(key, high)})"
    pool = ", the private pool's operating spend included" if "spend.pool" in result.metrics else ""
    return MEANINGS[key].format(value=plain(key, value), interval=interval, currency=result.currency,
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
    return "<h2>Policies</h2>\n" + html_table(["metric", "mean", "90 % interval"], cells)


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
            row += ["n/a (nothing spent)", format_number(result.metrics.get("ltv." + source, math.nan)), "n/a", "n/a"]
        else:
            row += [result.shown(f"{m}.{source}", result.metrics.get(f"{m}.{source}", math.nan))
                    for m in ("cac", "ltv", "ltv_cac", "payback_days")]
        cells.append(row)
    if not cells:
        return ""
    currency = result.currency
    return ("<h2>By acquisition source</h2>\n" + html_table(
        ["source", "customers", f"CAC ({currency})", f"LTV ({currency})", "LTV / CAC", "payback (days)"], cells))


def _figures(directory: Path) -> str:
    pngs = {p.stem: p for p in sorted(Path(directory).glob("*.png"))}
    if not pngs:
        return "<h2>Figures</h2>\n<p>This run wrote no figures (figures=false).</p>"
    order = [name for name in FIGURES if name in pngs] + [name for name in pngs if name not in FIGURES]
    return "<h2>Figures</h2>\n" + "\n".join(
        figure(pngs[name].read_bytes(), FIGURES.get(name, name.replace("_", " "))) for name in order)


def _recorded_scenario(directory: Path) -> str | None:
    """The scenario Hydra recorded for the run in ``directory`` (``.hydra/hydra.yaml``), if any."""
    import yaml

    path = directory / ".hydra" / "hydra.yaml"
    if not path.exists():
        return None
    choices = ((yaml.safe_load(path.read_text()) or {}).get("hydra", {}).get("runtime", {}).get("choices", {}))
    return choices.get("scenario")


