"""Figures from a Result. No simulation here.

Each function draws on ``ax`` (a new figure's axes if None) and returns the
axes, so figures compose in notebooks; :func:`save_all` writes the standard
set of PNGs into a run directory.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")   # long tick labels stay inside
    return ax


def _error(result, keys):
    """Asymmetric error bars (5th-95th percentile) for ``keys``."""
    means = np.array([result.metrics[k] for k in keys], dtype=float)
    low = np.array([result.intervals[k][0] for k in keys], dtype=float)
    high = np.array([result.intervals[k][1] for k in keys], dtype=float)
    return means, np.vstack([means - low, high - means])


def funnel(result, ax=None):
    """Customers at each AARRR stage (acquired customers; leads for paid channels)."""
    ax = _axes(ax)
    stages = [("Leads", "funnel.leads"), ("Activated", "funnel.activated"),
              ("Repeat buyers", "funnel.repeat"), ("Referrers", "funnel.referrers"),
              ("Churned\n(in LTV window)", "funnel.churned")]
    means, errors = _error(result, [k for _, k in stages])
    ax.bar([label for label, _ in stages], means, yerr=errors, capsize=4,
           color=["#9ecae1", "#4292c6", "#2171b5", "#08519c", "#bdbdbd"])
    ax.set_ylabel("customers")
    ax.set_title("Funnel (mean, 5-95 % interval)")
    return ax


def cac_ltv(result, ax=None):
    """CAC next to LTV, blended and per acquisition source, with intervals."""
    ax = _axes(ax)
    sources = ["blended"] + [k.split(".", 1)[1] for k in result.metrics
                             if k.startswith("cac.") and result.metrics.get("customers." + k[4:], 0) > 0]
    cac_keys = ["cac" if s == "blended" else "cac." + s for s in sources]
    ltv_keys = ["ltv" if s == "blended" else "ltv." + s for s in sources]
    x = np.arange(len(sources))
    for offset, keys, label, color in ((-0.2, cac_keys, "CAC", "#de2d26"),
                                       (0.2, ltv_keys, "LTV", "#31a354")):
        means, errors = _error(result, keys)
        ax.bar(x + offset, np.nan_to_num(means), 0.4, yerr=np.nan_to_num(errors),
               capsize=4, label=label, color=color)
    ax.set_xticks(x, sources)
    ax.set_ylabel("currency per customer")
    ax.set_title("CAC vs LTV (LTV: discounted net contribution)")
    ax.legend()
    return ax


def retention(result, ax=None):
    """Share of acquired customers still active by days since activation."""
    ax = _axes(ax)
    ax.plot(np.arange(result.retention.size), result.retention, color="#3182bd")
    ax.set_xlabel("days since activation")
    ax.set_ylabel("share still active")
    ax.set_ylim(0, 1.02)
    ax.set_title("Retention curve")
    ax.grid(alpha=0.3)
    return ax


def daily(result, ax=None):
    """Active customers (left axis) and new customers a day (right axis) over the run."""
    ax = _axes(ax)
    day = result.daily["day"]
    ax.plot(day, result.daily["active"], color="#08519c", label="active customers")
    ax.set_xlabel("day")
    ax.set_ylabel("active customers")
    twin = ax.twinx()
    twin.plot(day, result.daily["new_customers"], color="#fd8d3c", lw=0.8, label="new customers / day")
    twin.set_ylabel("new customers per day")
    ax.set_title("Customers over the run")
    lines = ax.get_lines() + twin.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="upper left")
    return ax


def channels_over_time(result, axes=None, window: int = 7):
    """Spend (top) and new customers (bottom) per channel and day, as ``window``-day moving averages."""
    if axes is None:
        import matplotlib.pyplot as plt
        _, axes = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    spend_ax, customers_ax = axes
    day = result.daily["day"]
    kernel = np.ones(window) / window
    for name in _channel_names(result):
        for ax, series in ((spend_ax, "spend."), (customers_ax, "new.")):
            ax.plot(day, np.convolve(result.daily[series + name], kernel, mode="same"), label=name)
    acquisition_days = result.config.get("horizon", {}).get("acquisition_days")
    if acquisition_days:
        customers_ax.set_xlim(0, acquisition_days)
    spend_ax.set_ylabel("spend per day")
    customers_ax.set_ylabel("new customers per day")
    customers_ax.set_xlabel("day")
    spend_ax.set_title(f"Channels over time ({window}-day average)")
    spend_ax.legend(fontsize="small")
    return axes


def response_curves(result, ax=None):
    """Customers against budget per channel (expected, from each response curve), current budget marked."""
    ax = _axes(ax)
    for name, table in result.response.items():
        line, = ax.plot(table["daily_budget"], table["customers"], marker=".", label=name)
        current = table["scale"] == 1.0
        ax.plot(table["daily_budget"][current], table["customers"][current], "o", ms=9,
                mfc="none", color=line.get_color())
    ax.set_xlabel("daily budget (currency)")
    ax.set_ylabel("customers over the acquisition window")
    ax.set_title("Response curves (circle: current budget)")
    if result.response:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def holdout_tracking(forecast: dict, ax=None):
    """Cumulative repeat transactions by report period: actual, simulated with its 90 % band,
    every closed-form model, end of calibration marked (``sim.calibrate.holdout.forecast``)."""
    ax = _axes(ax)
    time = forecast["time"]
    ax.fill_between(time, forecast["simulated_p05"], forecast["simulated_p95"], color="#9ecae1",
                    alpha=0.6, label="simulated, 90 % interval")
    ax.plot(time, forecast["simulated"], color="#08519c", label="simulated (mean)")
    for (name, series), style in zip(forecast["closed_forms"].items(), ("--", "-.", ":", (0, (5, 1)))):
        ax.plot(time, series, ls=style, lw=1.2, label=name)
    ax.plot(time, forecast["actual"], color="black", lw=1.5, label="actual")
    ax.axvline(forecast["calibration_time"], color="grey", ls=":", label="end of calibration")
    every = forecast["every"]
    ax.set_xlabel({1: "day", 7: "week", 30: "month (30 days)", 365: "year"}.get(every, f"period of {every} days"))
    ax.set_ylabel("cumulative repeat transactions")
    ax.set_title("Holdout tracking")
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(alpha=0.3)
    return ax


def cohort_heatmap(result, ax=None):
    """Share of each monthly acquisition cohort still active, by months since activation."""
    ax = _axes(ax)
    months = sorted((k for k in result.cohorts if k.startswith("active_m")), key=lambda k: int(k[8:]))
    if not months:
        ax.text(0.5, 0.5, "LTV window shorter than a month: no monthly retention", ha="center",
                va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    grid = np.array([result.cohorts[k] for k in months]).T
    image = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0, vmax=1, origin="upper",
                      extent=(0.5, len(months) + 0.5, grid.shape[0] - 0.5, -0.5))
    ax.figure.colorbar(image, ax=ax, label="share still active")
    ax.set_xlabel("months since activation")
    ax.set_ylabel("acquisition cohort (month of the run)")
    ax.set_title("Retention by cohort")
    return ax


def cac_ltv_over_time(result, ax=None):
    """CAC and LTV of each monthly acquisition cohort, with 90 % bands across replications."""
    ax = _axes(ax)
    start = result.cohorts["cohort_start_day"]
    for column, label, color in (("cac", "CAC", "#de2d26"), ("ltv", "LTV", "#31a354")):
        ax.plot(start, result.cohorts[column], color=color, marker=".", label=label)
        if "cohorts." + column in result.bands:
            low, high = result.bands["cohorts." + column]
            ax.fill_between(start, low, high, color=color, alpha=0.2)
    ax.set_xlabel("cohort start (day of the run)")
    ax.set_ylabel("currency per customer")
    ax.set_title("CAC and LTV by acquisition cohort")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def sweep_lines(table, x: str, metric: str, by: str | None = None, ax=None):
    """A metric against a swept key (one line per value of ``by``), with its 90 % interval.

    ``table`` is a collected sweep (``sim.collect``); failed runs are left out.
    """
    ax = _axes(ax)
    rows = [r for r in table if r["status"] == "complete"]
    groups = sorted({r.get(by) for r in rows}, key=str) if by else [None]
    for group in groups:
        mine = sorted((r for r in rows if by is None or r.get(by) == group), key=lambda r: r[x])
        xs = [r[x] for r in mine]
        ax.plot(xs, [r[metric] for r in mine], marker="o", label=f"{by} = {group}" if by else metric)
        if mine and metric + "_p05" in mine[0]:
            ax.fill_between(xs, [r[metric + "_p05"] for r in mine], [r[metric + "_p95"] for r in mine], alpha=0.2)
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} across the sweep (band: 90 % interval)")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def sweep_heatmap(table, x: str, y: str, metric: str, ax=None):
    """Mean of a metric over a two-key sweep grid."""
    ax = _axes(ax)
    rows = [r for r in table if r["status"] == "complete"]
    xs, ys = sorted({r[x] for r in rows}), sorted({r[y] for r in rows})
    grid = np.full((len(ys), len(xs)), np.nan)
    for r in rows:
        grid[ys.index(r[y]), xs.index(r[x])] = r[metric]
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    ax.figure.colorbar(image, ax=ax, label=metric)
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [str(v) for v in ys])
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, _short(value), ha="center", va="center", color="white", fontsize="small")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{metric} over the sweep")
    return ax


def tornado(sensitivity: dict, metric: str, ax=None):
    """One-at-a-time sensitivity: change in ``metric`` when each input moves to its low and high value."""
    ax = _axes(ax)
    rows = sorted(sensitivity["rows"], key=lambda r: abs(r[metric + "_high"] - r[metric + "_low"]))
    base = sensitivity["base"][metric]
    y = np.arange(len(rows))
    ax.barh(y, [r[metric + "_low"] - base for r in rows], color="#6baed6", label="low value")
    ax.barh(y, [r[metric + "_high"] - base for r in rows], color="#fd8d3c", label="high value")
    ax.set_yticks(y, [f"{r['input']} [{r['low']:g}, {r['high']:g}]" for r in rows], fontsize="small")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"change in {metric} from {_short(base)}")
    ax.set_title(f"What moves {metric}: one input at a time")
    ax.legend(fontsize="small")
    return ax


def sobol_indices(indices: dict, ax=None):
    """First-order and total Sobol indices per input, with bootstrap 90 % intervals."""
    ax = _axes(ax)
    names = indices["inputs"]
    y = np.arange(len(names))
    for offset, key, label in ((-0.2, "first", "first order"), (0.2, "total", "total")):
        low, high = indices[key + "_p05"], indices[key + "_p95"]
        ax.barh(y + offset, indices[key], 0.4, label=label,
                xerr=np.vstack([indices[key] - low, high - indices[key]]).clip(0), capsize=3)
    ax.set_yticks(y, names, fontsize="small")
    ax.set_xlabel(f"share of the variance of {indices['metric']}")
    ax.set_title("Global sensitivity (Sobol)")
    ax.legend(fontsize="small")
    return ax


#: Metrics whose variance split the uncertainty figure shows.
SPLIT_METRICS = ("cac", "ltv", "ltv_cac", "payback_days", "profit")


def variance_split(result, ax=None):
    """Per headline metric, the share of its variance across replications from the uncertain inputs."""
    ax = _axes(ax)
    names = [m for m in SPLIT_METRICS if m in result.variance]
    shares = np.array([result.variance[m]["input_share"] for m in names], dtype=float)
    y = np.arange(len(names))
    known = np.nan_to_num(shares)
    ax.barh(y, known, color="#fd8d3c", label="uncertain inputs")
    ax.barh(y, np.where(np.isfinite(shares), 1 - known, 0), left=known, color="#bdbdbd",
            label="simulation noise")
    ax.set_yticks(y, [m + ("" if np.isfinite(s) else " (n/a)") for m, s in zip(names, shares)])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the variance across replications")
    ax.set_title("Where the interval comes from")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    return ax


def metric_against_inputs(result, axes, metric: str = "ltv_cac"):
    """``metric`` of each replication against each uncertain input's draw (one input per axes)."""
    values = result.per_replication[metric]
    for ax, (path, drawn) in zip(np.atleast_1d(axes), result.inputs.items()):
        ax.scatter(drawn, values, s=14, color="#3182bd")
        ax.set_xlabel(path, fontsize="small")
        ax.set_ylabel(metric)
    return axes


def _short(value) -> str:
    return "" if not np.isfinite(value) else f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _channel_names(result) -> list[str]:
    return [key.split(".", 1)[1] for key in result.daily if key.startswith("budget.")]


FIGURES = {"funnel": funnel, "cac_ltv": cac_ltv, "retention": retention, "daily": daily,
           "response_curves": response_curves, "cohorts": cohort_heatmap, "cac_ltv_by_cohort": cac_ltv_over_time}


def save_all(result, directory) -> list[Path]:
    """Write every standard figure as PNG into ``directory``; return the paths."""
    from matplotlib.figure import Figure

    paths = []
    for name, draw in FIGURES.items():
        figure = Figure(figsize=(7, 4), layout="constrained")
        draw(result, figure.add_subplot())
        paths.append(_save(figure, directory, name))
    if _channel_names(result):
        figure = Figure(figsize=(8, 6), layout="constrained")
        channels_over_time(result, figure.subplots(2, 1, sharex=True))
        paths.append(_save(figure, directory, "channels"))
    if result.inputs:
        shown = list(result.inputs)[:MAX_INPUT_PANELS]
        figure = Figure(figsize=(3.2 * (len(shown) + 1), 3.6), layout="constrained")
        axes = figure.subplots(1, len(shown) + 1, squeeze=False)[0]
        variance_split(result, axes[0])
        metric_against_inputs(result, axes[1:])
        paths.append(_save(figure, directory, "uncertainty"))
    return paths


#: Uncertain inputs drawn in uncertainty.png beside the variance split; replications.csv has all.
MAX_INPUT_PANELS = 4


def _save(figure, directory, name: str) -> Path:
    path = Path(directory) / f"{name}.png"
    figure.savefig(path, dpi=110)
    return path

