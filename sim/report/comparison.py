"""The report of a comparison: what the variant changes, on common random numbers, and whether it is noise."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..plot import metric_label
from ..results import format_number
from .html import REPORT, SUMMARY, drawn, figure, html_table, page, write
from .sections import MONEY, SHARES, assumptions, header, question

def comparison_report(directory, comparison=None, table: str | None = None) -> Path:
    """Write ``report.html`` and ``summary.txt`` of the comparison in ``directory``; return the report's path.

    ``comparison`` defaults to the one the directory holds (``Comparison.load``),
    ``table`` to its printed table (``sim.comparison.comparison_table``).
    """
    from ..comparison import Comparison, comparison_table

    directory = Path(directory)
    comparison = Comparison.load(directory) if comparison is None else comparison
    table = comparison_table(comparison) if table is None else table
    write(directory / SUMMARY, table + "\n")
    baseline, variant = comparison.baseline, comparison.variant
    labels = comparison.labels
    line = (f"baseline: {labels['baseline']} · variant: {labels['variant']} · {baseline.replications} paired "
            f"replications on common random numbers · amounts in {variant.currency}")
    scenario = labels["variant"].split()[0]
    body = [header("marketing-sim: what the variant changes", line),
            question(scenario),
            _differences(comparison),
            assumptions(variant.config, ("baseline", baseline.config), variant, side="variant"),
            "<h2>Figures</h2>\n" + "\n".join(
                figure(drawn(draw, result), f"{caption}, {side}")
                for side, result in (("baseline", baseline), ("variant", variant))
                for draw, caption in _comparison_figures())]
    return write(directory / REPORT, page("comparison", body))


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
                    f"{format_number(abs(diff))} {currency}" if key in MONEY else
                    f"{format_number(abs(diff))} days" if key.startswith("payback_days") else format_number(abs(diff)))
            words = f"{'raises' if diff > 0 else 'lowers'} it by {size}, the interval excludes zero"
        cells.append([metric_label(key), comparison.baseline.shown(key, comparison.baseline.metrics[key]),
                      comparison.variant.shown(key, comparison.variant.metrics[key]),
                      format_number(diff), f"{format_number(low)} to {format_number(high)}", words])
    return ("<h2>What the variant changes</h2>\n"
            + html_table(["metric", "baseline", "variant", "difference", "90 % interval", "in words"], cells)
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


def _comparison_figures():
    from .. import plot
    return ((plot.cac_ltv, "CAC beside LTV"),)


