"""Figures from a Result. No simulation here.

Each function draws on ``ax`` (or ``axes``; a new figure's if None) and
returns it, so figures compose in notebooks; :func:`save_all` writes the
standard set of PNGs into a run directory. Figures speak to a reader of the
business: inputs and metrics are labelled in words with their units
(:func:`parameter_label`, :func:`metric_label`), amounts in the run's
currency code, numbers with thousands separators, days of the run as dates.
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np

from .results import SUMMARY_ROWS, format_number

#: Metrics that are amounts of money, labelled with the currency code.
MONEY_METRICS = ("cac", "cac_paid", "cpa", "ltv", "acquisition_spend", "profit", "profit_npv",
                 "marginal_cac", "revenue", "gross_profit")

#: Units that say nothing a label needs.
_NO_UNIT = ("", "—", "dimensionless")


def parameter_label(path: str, config: dict | None = None, currency: str | None = None) -> str:
    """A config path in words with its declared unit: ``channels.feed_ads.daily_budget`` ->
    ``"feed_ads daily budget (CNY per day)"``.

    The unit is the ``unit`` of the parameter's declaration (:func:`sim.validation.param`),
    "currency" replaced by ``currency`` (default: ``config``'s ``economics.currency``, else
    :attr:`sim.config.EconomicsConfig.currency`). A channel's or policy's kind is read from
    ``config`` (:func:`sim.uncertainty.declared_at`); without it the unit is shown only if every
    kind declaring the key agrees on it. A path declared with no unit (a population trait's
    distribution parameter) or not declared numeric in ``config`` gets words alone.
    """
    parts = path.split(".")
    if parts[0] in ("channels", "policies") and len(parts) >= 3:
        words = [parts[1]] + [part.replace("_", " ") for part in parts[2:]]   # the name as configured
    else:                       # the section's name only where the key alone is one word (market size)
        words = [part.replace("_", " ") for part in (parts[1:] if "_" in parts[-1] else parts)]
    units = {_in_currency(unit, _currency(config, currency)) for unit in _declared_units(path, config)}
    shown = units.pop() if len(units) == 1 else ""
    said = shown in _NO_UNIT or words[-1].endswith(" " + shown)             # "ltv days", not "(days)" again
    return " ".join(words) + ("" if said else f" ({shown})")


def metric_label(metric: str, currency: str = "") -> str:
    """A metric in words, as the summary table names it (``ltv_cac`` -> ``"LTV / CAC"``), with
    ``currency`` for amounts of money; a per-source metric (``cac.feed_ads``) is prefixed by its source."""
    base, _, source = metric.partition(".")
    label = dict((key, text) for text, key in SUMMARY_ROWS).get(base, base.replace("_", " "))
    if source:
        label = f"{source}: " + label.replace(" (blended)", "")
    if currency and base in MONEY_METRICS:
        label = label[:-1] + f", {currency})" if label.endswith(")") else f"{label} ({currency})"
    return label


def _currency(config: dict | None, currency: str | None) -> str:
    from .config import EconomicsConfig
    return currency or ((config or {}).get("economics") or {}).get("currency") or EconomicsConfig.currency


def _in_currency(unit: str, currency: str) -> str:
    return re.sub(r"\bcurrency( units?)?\b", currency, unit)


def _declared_units(path: str, config: dict | None) -> list[str]:
    """The ``unit`` of each declaration that may hold ``path`` (:func:`sim.uncertainty.declared_at`,
    "" for one without a unit): the one ``config`` declares, or without a config, for a channel or
    policy, that of every kind declaring the key. None where nothing numeric is declared there."""
    from .channels import KINDS as CHANNELS
    from .policies import KINDS as POLICIES
    from .uncertainty import declared_at
    from .validation import ConfigError

    section, _, rest = path.partition(".")
    name = rest.partition(".")[0]
    kinds = {"channels": CHANNELS, "policies": POLICIES}.get(section, ()) if config is None else ()
    configs = [{section: {name: {"kind": kind}}} for kind in kinds] or [config or {}]
    units = []
    for each in configs:
        try:
            units.append(declared_at(path, each).get("unit", ""))
        except ConfigError:     # this kind (or config) declares nothing numeric there: no unit to show
            pass
    return units


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")   # long tick labels stay inside
    return ax


def _panels(axes, rows: int, height: float = 6):
    if axes is None:
        import matplotlib.pyplot as plt
        _, axes = plt.subplots(rows, 1, figsize=(8, height), sharex=True, layout="constrained")
    return axes


def _plain_numbers(*axes_of_numbers) -> None:
    """Tick labels of these axes (``ax.xaxis``, ``ax.yaxis``) with thousands separators and as
    many decimals as the ticks' spacing needs, so matplotlib never moves a factor such as ``1e6``
    or an offset such as ``+1`` into an offset text, and close ticks never read alike."""
    from matplotlib.ticker import Formatter

    class Plain(Formatter):
        ticks = ()

        def set_locs(self, locs):           # the axis passes every tick before labelling each
            self.ticks = locs

        def __call__(self, value, pos=None):
            step = np.min(np.abs(np.diff(self.ticks))) if len(self.ticks) > 1 else 0
            decimals = max(0, int(-np.floor(np.log10(step)))) if step > 0 else (0 if abs(value) >= 100 else 3)
            return f"{value:,.{decimals}f}"

    for axis in axes_of_numbers:
        axis.set_major_formatter(Plain())


def _acquisition_end(result, *axes) -> None:
    """A dotted line on ``axes`` at the first day after the acquisition window, labelled on the
    first: past it no customer arrives, so flows that drop there are the horizon, not the market."""
    days = (result.config.get("horizon") or {}).get("acquisition_days")
    if not days or days >= len(result.daily["day"]):
        return
    end = result.dates([days])[0]
    for ax in axes:
        ax.axvline(end, color="grey", ls=":", lw=1)
    axes[0].annotate("end of acquisition", (end, 1), xycoords=("data", "axes fraction"), xytext=(3, -3),
                     textcoords="offset points", ha="left", va="top", fontsize="x-small", color="grey")


def _date_axis(ax) -> None:
    """Dates on the x axis, labelled as concisely as their span allows."""
    import matplotlib.dates as mdates
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def moving_average(values, window: int) -> np.ndarray:
    """Centred ``window``-day mean of ``values``; near the ends, the mean of the days that exist
    (so a constant series stays that constant at every day)."""
    values = np.asarray(values, dtype=float)
    kernel = np.ones(window)
    return np.convolve(values, kernel, mode="same") / np.convolve(np.ones(values.size), kernel, mode="same")


def _error(result, keys):
    """Asymmetric error bars (5th-95th percentile) for ``keys``."""
    means = np.array([result.metrics[k] for k in keys], dtype=float)
    low = np.array([result.intervals[k][0] for k in keys], dtype=float)
    high = np.array([result.intervals[k][1] for k in keys], dtype=float)
    return means, np.vstack([means - low, high - means])


def _summed(result, keys) -> tuple[float, tuple[float, float]]:
    """Mean and 5-95 % interval of the sum of metrics ``keys``: the interval from the
    replications where the Result has them, else none (NaN)."""
    mean = float(sum(result.metrics[k] for k in keys))
    if keys and all(k in result.per_replication for k in keys):
        total = sum(result.per_replication[k] for k in keys)
        return mean, tuple(float(q) for q in np.percentile(total, [5, 95]))
    if len(keys) == 1:
        return mean, result.intervals[keys[0]]
    return mean, (np.nan, np.nan)


def funnel(result, ax=None):
    """Two funnels that each count one population: the channels' own (their leads, then the
    customers the channels activated: ``customers.<channel>``) and that of every customer
    acquired in the run, whatever the source (activated, repeat buyers, referrers, churned in
    the LTV window). Bars are means with 5-95 % intervals; without channels only the second."""
    ax = _axes(ax)
    channels = _channel_names(result)
    bars = []                                 # (label, mean, (low, high), colour)
    if channels:
        bars.append(("leads", result.metrics["funnel.leads"], result.intervals["funnel.leads"], "#9ecae1"))
        bars.append(("activated", *_summed(result, ["customers." + c for c in channels]), "#4292c6"))
    for label, key, colour in (("activated", "funnel.activated", "#4292c6"),
                               ("repeat buyers", "funnel.repeat", "#2171b5"),
                               ("referrers", "funnel.referrers", "#08519c"),
                               ("churned\n(LTV window)", "funnel.churned", "#bdbdbd")):
        bars.append((label, result.metrics[key], result.intervals[key], colour))
    gap = 0.6 if channels else 0.0            # between the two funnels
    x = np.array([i + (gap if channels and i >= 2 else 0) for i in range(len(bars))])
    means = np.array([b[1] for b in bars], dtype=float)
    bounds = np.array([b[2] for b in bars], dtype=float)
    errors = np.nan_to_num(np.vstack([means - bounds[:, 0], bounds[:, 1] - means]))
    ax.bar(x, means, yerr=errors, capsize=4, color=[b[3] for b in bars])
    ax.set_xticks(x, [b[0] for b in bars])
    groups = ([("from channels", x[:2])] if channels else []) + [("all acquired customers", x[-4:])]
    for text, where in groups:
        ax.annotate(text, xy=(where.mean(), 0), xycoords=("data", "axes fraction"), xytext=(0, -34),
                    textcoords="offset points", ha="center", va="top", fontweight="bold")
    if channels:
        ax.axvline(x[1] + (1 + gap) / 2, color="grey", lw=0.8, ls=":")
    ax.set_ylabel("customers (leads: prospects)")
    _plain_numbers(ax.yaxis)
    ax.set_title("Funnel (mean, 5-95 % interval)")
    return ax


def cac_ltv(result, ax=None):
    """CAC next to LTV, blended and per acquisition source that brought customers, with
    intervals; a source with no acquisition spend (organic, unrewarded referral) has its
    CAC bar left out and marked "CAC n/a"."""
    ax = _axes(ax)
    sources = ["blended"] + [k.split(".", 1)[1] for k in result.metrics
                             if k.startswith("cac.") and result.metrics.get("customers." + k[4:], 0) > 0]
    x = np.arange(len(sources))
    paid = np.array([not result.cost_free("cac" if s == "blended" else "cac." + s) for s in sources])
    for offset, metric, label, colour, shown in ((-0.2, "cac", "CAC", "#de2d26", paid),
                                                  (0.2, "ltv", "LTV", "#31a354", np.ones_like(paid))):
        keys = [metric if s == "blended" else f"{metric}.{s}" for s in np.array(sources)[shown]]
        if not keys:
            continue                           # no source with spend: no CAC bar, nor its legend entry
        means, errors = _error(result, keys)
        ax.bar(x[shown] + offset, np.nan_to_num(means), 0.4, yerr=np.nan_to_num(errors),
               capsize=4, label=label, color=colour)
    for position in x[~paid]:
        ax.annotate("CAC\nn/a", xy=(position - 0.2, 0), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize="small", color="#de2d26")
    ax.set_xticks(x, sources)
    ax.set_xlim(-0.5, len(sources) - 0.5)       # room for every CAC slot, drawn or marked n/a
    ax.set_ylabel(f"{result.currency} per customer")
    _plain_numbers(ax.yaxis)
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
    """Active customers (left axis) and new customers a day (right axis) by date; the legend
    sits above the axes, beside the title, so it never covers a line."""
    ax = _axes(ax)
    dates = result.dates()
    ax.plot(dates, result.daily["active"], color="#08519c", label="active customers")
    ax.set_ylabel("active customers")
    twin = ax.twinx()
    twin.plot(dates, result.daily["new_customers"], color="#fd8d3c", lw=0.8, label="new customers / day")
    twin.set_ylabel("new customers per day")
    _plain_numbers(ax.yaxis, twin.yaxis)
    _date_axis(ax)
    ax.set_title("Customers over the run", loc="left")
    lines = ax.get_lines() + twin.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="lower right", bbox_to_anchor=(1, 1),
              ncols=2, frameon=False, fontsize="small", borderaxespad=0.2)
    _acquisition_end(result, ax)
    return ax


def channels_over_time(result, axes=None, window: int = 7):
    """Spend (top) and new customers (bottom) per channel by date over the acquisition window,
    as centred ``window``-day moving averages (:func:`moving_average`) of its days."""
    spend_ax, customers_ax = _panels(axes, 2)
    # Channels act only in the acquisition window: averaging the days after it in would make
    # a flat spend seem to fall off at its end.
    days = result.config.get("horizon", {}).get("acquisition_days") or result.daily["day"].size
    dates = result.dates()[:days]
    for name in _channel_names(result):
        for ax, series in ((spend_ax, "spend."), (customers_ax, "new.")):
            ax.plot(dates, moving_average(result.daily[series + name][:days], window), label=name)
    spend_ax.set_ylim(bottom=0)
    customers_ax.set_ylim(bottom=0)
    spend_ax.set_ylabel(f"spend ({result.currency} per day)")
    customers_ax.set_ylabel("new customers per day")
    _plain_numbers(spend_ax.yaxis, customers_ax.yaxis)
    _date_axis(customers_ax)
    spend_ax.set_title(f"Channels over time ({window}-day average)")
    spend_ax.legend(fontsize="small")
    return spend_ax, customers_ax


def marginal_cac(table: dict) -> tuple[np.ndarray, np.ndarray]:
    """The marginal CAC along a response-curve table: between consecutive budgets, the extra
    spend over the extra customers it brings, placed at the midpoint budget (NaN where the
    extra spend brings no customer)."""
    order = np.argsort(table["daily_budget"])
    budget, spend, customers = (np.asarray(table[k], dtype=float)[order]
                                for k in ("daily_budget", "spend", "customers"))
    extra = np.diff(customers)
    cost = np.divide(np.diff(spend), extra, out=np.full(extra.size, np.nan), where=extra > 0)
    return (budget[1:] + budget[:-1]) / 2, cost


def response_curves(result, axes=None):
    """Per ``paid``/``content`` channel, from its response-curve table: expected customers against
    daily budget (top; circle: the current budget) and the marginal CAC (bottom,
    :func:`marginal_cac`) with its break-even line at the channel's LTV (``ltv.<channel>``, else
    the run's ``ltv``): a budget whose marginal CAC lies above the line buys its last own
    customers for more than their LTV. The curve holds only the channel's own customers, not the
    referred and word-of-mouth customers they bring, so the line understates what the last
    budget buys where referral or imitation is on: compare budgets on common random numbers
    (``marketing-sim-compare``) before cutting."""
    curve_ax, marginal_ax = _panels(axes, 2, height=6)
    currency = result.currency
    if not result.response:
        curve_ax.text(0.5, 0.5, "no paid or content channel: no response curve", ha="center",
                      va="center", transform=curve_ax.transAxes)
        for ax in (curve_ax, marginal_ax):
            ax.set_axis_off()
        return curve_ax, marginal_ax
    for name, table in result.response.items():
        line, = curve_ax.plot(table["daily_budget"], table["customers"], marker=".", label=name)
        colour = line.get_color()
        current = table["scale"] == 1.0
        curve_ax.plot(table["daily_budget"][current], table["customers"][current], "o", ms=9,
                      mfc="none", color=colour)
        budget, cost = marginal_cac(table)
        marginal_ax.plot(budget, cost, marker=".", color=colour, label=f"{name}: marginal CAC")
        ltv = result.metrics.get("ltv." + name, result.metrics.get("ltv", np.nan))
        if np.isfinite(ltv):
            marginal_ax.axhline(ltv, color=colour, ls="--", lw=1, label=f"{name}: break-even (LTV {format_number(ltv)})")
    curve_ax.set_ylabel("customers over the\nacquisition window")
    marginal_ax.set_ylabel(f"{currency} per extra customer")
    marginal_ax.set_xlabel(f"daily budget ({currency} per day)")
    _plain_numbers(curve_ax.xaxis, curve_ax.yaxis, marginal_ax.yaxis)
    curve_ax.set_title("Response curves (circle: current budget)")
    # the channel's own customers only: the referrals and word of mouth they bring are not in the curve,
    # so crossing the line is a prompt to compare budgets, not a verdict
    marginal_ax.set_title("Marginal CAC of the channel's own customers against their LTV (dashed)\n"
                          "referrals and word of mouth they bring are not counted: compare budgets "
                          "before cutting", fontsize="small")
    curve_ax.legend(fontsize="small")
    marginal_ax.legend(fontsize="small")
    for ax in (curve_ax, marginal_ax):
        ax.grid(alpha=0.3)
    return curve_ax, marginal_ax


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
    _plain_numbers(ax.yaxis)
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
    """CAC and LTV of each monthly acquisition cohort against its start date, with 90 % bands
    across replications."""
    ax = _axes(ax)
    start = result.dates(result.cohorts["cohort_start_day"])
    for column, label, colour in (("cac", "CAC", "#de2d26"), ("ltv", "LTV", "#31a354")):
        ax.plot(start, result.cohorts[column], color=colour, marker=".", label=label)
        if "cohorts." + column in result.bands:
            low, high = result.bands["cohorts." + column]
            ax.fill_between(start, low, high, color=colour, alpha=0.2)
    acquisition_days = result.config.get("horizon", {}).get("acquisition_days")
    if acquisition_days:                       # the window cohorts start in; a single cohort has no span of its own
        ax.set_xlim(*result.dates([0, acquisition_days]))
    ax.set_xlabel("cohort start")
    ax.set_ylabel(f"{result.currency} per customer")
    _plain_numbers(ax.yaxis)
    _date_axis(ax)
    ax.set_title("CAC and LTV by acquisition cohort")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def _sweep_currency(rows, currency: str | None) -> str:
    """The currency of a sweep: its ``economics.currency`` column where it swept one, else ``currency``."""
    swept = next((r["economics.currency"] for r in rows if r.get("economics.currency")), None)
    return _currency(None, swept or currency)


def sweep_lines(table, x: str, metric: str, by: str | None = None, ax=None,
                config: dict | None = None, currency: str | None = None):
    """A metric against a swept key (one line per value of ``by``), with its 90 % interval.

    ``table`` is a collected sweep (``sim.collect``); failed runs are left out. Keys and the
    metric are labelled in words (:func:`parameter_label` with ``config``, the sweep's base
    config if given; :func:`metric_label`), amounts in the sweep's currency (:func:`_sweep_currency`).
    """
    ax = _axes(ax)
    rows = [r for r in table if r["status"] == "complete"]
    currency = _sweep_currency(rows, currency)
    groups = sorted({r.get(by) for r in rows}, key=str) if by else [None]
    for group in groups:
        mine = sorted((r for r in rows if by is None or r.get(by) == group), key=lambda r: r[x])
        xs = [r[x] for r in mine]
        label = f"{parameter_label(by, config, currency)} = {_value_text(group)}" if by else None
        ax.plot(xs, [r[metric] for r in mine], marker="o", label=label)
        if mine and metric + "_p05" in mine[0]:
            ax.fill_between(xs, [r[metric + "_p05"] for r in mine], [r[metric + "_p95"] for r in mine], alpha=0.2)
    ax.set_xlabel(parameter_label(x, config, currency))
    ax.set_ylabel(metric_label(metric, currency))
    _plain_numbers(ax.xaxis, ax.yaxis)
    ax.set_title(f"{metric_label(metric)} across the sweep (band: 90 % interval)")
    if by:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def sweep_heatmap(table, x: str, y: str, metric: str, ax=None,
                  config: dict | None = None, currency: str | None = None):
    """Mean of a metric over a two-key sweep grid, labelled as :func:`sweep_lines` labels."""
    ax = _axes(ax)
    rows = [r for r in table if r["status"] == "complete"]
    currency = _sweep_currency(rows, currency)
    xs, ys = sorted({r[x] for r in rows}), sorted({r[y] for r in rows})
    grid = np.full((len(ys), len(xs)), np.nan)
    for r in rows:
        grid[ys.index(r[y]), xs.index(r[x])] = r[metric]
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    colorbar = ax.figure.colorbar(image, ax=ax, label=metric_label(metric, currency))
    _plain_numbers(colorbar.ax.yaxis)
    ax.set_xticks(range(len(xs)), [_value_text(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_value_text(v) for v in ys])
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, format_number(value), ha="center", va="center", color="white", fontsize="small")
    ax.set_xlabel(parameter_label(x, config, currency))
    ax.set_ylabel(parameter_label(y, config, currency))
    ax.set_title(f"{metric_label(metric)} over the sweep")
    return ax


def _value_text(value) -> str:
    return format_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


#: Characters per line of an input's label beside a horizontal bar.
LABEL_WIDTH = 28


def _input_labels(paths, config, currency, ranges=None) -> list[str]:
    """Inputs in words, wrapped to :data:`LABEL_WIDTH`, each with its ``[low, high]`` range if given."""
    labels = [textwrap.fill(parameter_label(p, config, currency), LABEL_WIDTH) for p in paths]
    if ranges is not None:
        labels = [f"{label}\n[{format_number(low)}, {format_number(high)}]" for label, (low, high) in zip(labels, ranges)]
    return labels


def _room_for_rows(ax, labels) -> None:
    """Make ``ax``'s figure tall enough that each of the bar ``labels`` (small type) has room
    for its lines beside its bar; a taller figure is left as it is."""
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    needed = 1.4 + len(labels) * 0.16 * lines
    if ax.figure.get_figheight() < needed:
        ax.figure.set_figheight(needed)


def tornado(sensitivity: dict, metric: str, ax=None, config: dict | None = None, currency: str | None = None):
    """One-at-a-time sensitivity: change in ``metric`` when each input moves to its low and high
    value. Inputs are labelled in words with units (:func:`parameter_label`; ``config``, the
    scenario's, gives each channel's kind), wrapped, with their range; the figure grows as
    tall as its rows need (:func:`_room_for_rows`)."""
    rows = sorted(sensitivity["rows"], key=lambda r: abs(r[metric + "_high"] - r[metric + "_low"]))
    currency = _currency(config, currency)
    labels = _input_labels([r["input"] for r in rows], config, currency, [(r["low"], r["high"]) for r in rows])
    ax = _axes(ax)
    _room_for_rows(ax, labels)
    base = sensitivity["base"][metric]
    y = np.arange(len(rows))
    ax.barh(y, [r[metric + "_low"] - base for r in rows], color="#6baed6", label="low value")
    ax.barh(y, [r[metric + "_high"] - base for r in rows], color="#fd8d3c", label="high value")
    ax.set_yticks(y, labels, fontsize="small")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"change in {metric_label(metric, currency)} from {format_number(base)}")
    _plain_numbers(ax.xaxis)
    ax.set_title(f"What moves {metric_label(metric)}: one input at a time")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def sobol_indices(indices: dict, ax=None, config: dict | None = None, currency: str | None = None):
    """First-order and total Sobol indices per input, with bootstrap 90 % intervals; inputs
    labelled as :func:`tornado` labels them."""
    names = indices["inputs"]
    labels = _input_labels(names, config, _currency(config, currency))
    ax = _axes(ax)
    _room_for_rows(ax, labels)
    y = np.arange(len(names))
    for offset, key, label in ((-0.2, "first", "first order"), (0.2, "total", "total")):
        low, high = indices[key + "_p05"], indices[key + "_p95"]
        ax.barh(y + offset, indices[key], 0.4, label=label,
                xerr=np.vstack([indices[key] - low, high - indices[key]]).clip(0), capsize=3)
    ax.set_yticks(y, labels, fontsize="small")
    ax.set_xlabel(f"share of the variance of {metric_label(indices['metric'])}")
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
    ax.set_yticks(y, [metric_label(m) + ("" if np.isfinite(s) else " (n/a)") for m, s in zip(names, shares)])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the variance across replications")
    ax.set_title("Where the interval comes from")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    return ax


def metric_against_inputs(result, axes, metric: str | None = None):
    """``metric`` of each replication against each uncertain input's draw (one input per axes).

    By default ``ltv_cac``, or ``ltv`` where ``ltv_cac`` is undefined in every replication
    (a run without acquisition spend), so the panels are not empty.
    """
    if metric is None:
        metric = "ltv_cac" if np.isfinite(result.per_replication["ltv_cac"]).any() else "ltv"
    values = result.per_replication[metric]
    for ax, (path, drawn) in zip(np.atleast_1d(axes), result.inputs.items()):
        ax.scatter(drawn, values, s=14, color="#3182bd")
        ax.set_xlabel(textwrap.fill(parameter_label(path, result.config), LABEL_WIDTH), fontsize="small")
        ax.set_ylabel(metric_label(metric, result.currency))
        _plain_numbers(ax.xaxis)
    return axes


def pool(result, axes=None, window: int = 7):
    """The private pool by date: its size (top), touches sent a day (middle), and joins and
    unsubscribes a day (bottom), the daily flows as ``window``-day moving averages."""
    size_ax, touches_ax, flows_ax = _panels(axes, 3, height=7)
    dates = result.dates()
    size_ax.plot(dates, result.daily["pool_size"], color="#08519c")
    size_ax.set_ylabel("members")
    touches_ax.plot(dates, moving_average(result.daily["pool_touches"], window), color="#6baed6")
    touches_ax.set_ylabel("touches per day")
    for series, label, colour in (("pool_joined", "joins", "#31a354"), ("pool_unsubscribes", "unsubscribes", "#de2d26")):
        flows_ax.plot(dates, moving_average(result.daily[series], window), color=colour, label=label)
    flows_ax.set_ylabel("members per day")
    flows_ax.legend(fontsize="small")
    _date_axis(flows_ax)
    _acquisition_end(result, size_ax, touches_ax, flows_ax)
    size_ax.set_title(f"Private pool (daily flows: {window}-day average)")
    for ax in (size_ax, touches_ax, flows_ax):
        _plain_numbers(ax.yaxis)
        ax.grid(alpha=0.3)
    return size_ax, touches_ax, flows_ax


def membership(result, axes=None):
    """Paid membership by date: members (top), penetration, members over active customers
    (middle), and the renewal rate so far, renewals over terms ended to date (bottom, dashed:
    the run's ``membership_renewal_rate``; empty until a first term ends)."""
    members_ax, share_ax, renewal_ax = _panels(axes, 3, height=7)
    dates, daily = result.dates(), result.daily
    members_ax.plot(dates, daily["members"], color="#08519c")
    members_ax.set_ylabel("members")
    active = daily["active"]
    share_ax.plot(dates, np.divide(daily["members"], active, out=np.full(active.size, np.nan), where=active > 0),
                  color="#6baed6")
    share_ax.set_ylabel("share of active\ncustomers")
    renewals = np.cumsum(daily["membership_renewals"])
    ended = renewals + np.cumsum(daily["membership_lapses"])
    renewal_ax.plot(dates, np.divide(renewals, ended, out=np.full(ended.size, np.nan), where=ended > 0),
                    color="#31a354")
    if np.isfinite(result.metrics.get("membership_renewal_rate", np.nan)):
        renewal_ax.axhline(result.metrics["membership_renewal_rate"], color="#31a354", ls="--", lw=1)
    renewal_ax.set_ylabel("renewal rate\nto date")
    share_ax.set_ylim(bottom=0)
    renewal_ax.set_ylim(0, 1.02)
    _plain_numbers(members_ax.yaxis)
    _date_axis(renewal_ax)
    _acquisition_end(result, members_ax, share_ax, renewal_ax)
    members_ax.set_title("Membership")
    for ax in (members_ax, share_ax, renewal_ax):
        ax.grid(alpha=0.3)
    return members_ax, share_ax, renewal_ax


def referral(result, axes=None, window: int = 7):
    """The referral programme by date: invitations and referred customers a day (top), and
    what it paid a day, rewards and commissions (bottom), as ``window``-day moving averages.

    The daily series do not split referred customers by level: the lines count every level
    together (commissions are levels 1 and 2 summed), and a note gives the run's referred
    customers by level (``referred_level_1``, ``referred_level_2``, ``referred_deeper``).
    """
    people_ax, money_ax = _panels(axes, 2)
    dates, daily = result.dates(), result.daily
    for series, label, colour in (("invitations", "invitations", "#9ecae1"),
                                  ("new.referral", "referred customers (all levels)", "#08519c")):
        people_ax.plot(dates, moving_average(daily[series], window), color=colour, label=label)
    people_ax.set_ylabel("per day")
    levels = [result.metrics.get(k, np.nan) for k in ("referred_level_1", "referred_level_2", "referred_deeper")]
    people_ax.text(0.99, 0.95, "referred customers by level: 1: {}, 2: {}, deeper: {}".format(
        *(format_number(n) for n in levels)), transform=people_ax.transAxes, ha="right", va="top",
        fontsize="small", bbox={"facecolor": "white", "edgecolor": "#bbbbbb", "alpha": 0.9})
    for series, label, colour in (("referral_rewards", "rewards", "#fd8d3c"),
                                  ("referral_commissions", "commissions (levels 1 + 2)", "#de2d26")):
        money_ax.plot(dates, moving_average(daily[series], window), color=colour, label=label)
    money_ax.set_ylabel(f"{result.currency} per day")
    _date_axis(money_ax)
    _acquisition_end(result, people_ax, money_ax)
    people_ax.set_title(f"Referral programme ({window}-day average)")
    for ax in (people_ax, money_ax):
        _plain_numbers(ax.yaxis)
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
    return people_ax, money_ax


def _channel_names(result) -> list[str]:
    return [key.split(".", 1)[1] for key in result.daily if key.startswith("budget.")]


#: Figures of one axes each: file name -> drawing function.
FIGURES = {"funnel": funnel, "cac_ltv": cac_ltv, "retention": retention, "daily": daily,
           "cohorts": cohort_heatmap, "cac_ltv_by_cohort": cac_ltv_over_time}

#: Figures of stacked panels sharing their x axis: file name -> (drawing function, panels,
#: height in inches, the daily series whose presence says the figure applies: its channel or policy).
PANEL_FIGURES = {"response_curves": (response_curves, 2, 6, None),
                 "channels": (channels_over_time, 2, 6, "budget."),
                 "pool": (pool, 3, 7, "pool_size"),
                 "membership": (membership, 3, 7, "members"),
                 "referral": (referral, 2, 6, "referral_rewards")}


def save_all(result, directory) -> list[Path]:
    """Write every standard figure that applies to ``result`` as PNG into ``directory``
    (channels.png with channels; pool.png, membership.png and referral.png with their policy;
    uncertainty.png with uncertain inputs); return the paths.

    The figures are drawn on the usable cores, at least two figures a process
    (``sim.parallel``), each by the same code in whichever process, so the files are the
    same as drawn one after another. They are drawn in this process with ``workers: 1`` in
    the run's config, when this process is itself a worker (a joblib launcher's job), or
    where workers cannot be forked: a spawned one would import Matplotlib for longer than
    its figures take.
    """
    from . import parallel

    names = figure_names(result)
    workers = parallel.forked_workers(result.config.get("workers", 0), len(names) // 2)
    shares = [(result, directory, names[worker::workers]) for worker in range(workers)]
    drawn = {}
    for paths in parallel.map_jobs(_save_figures, shares, workers, lambda: None):
        drawn.update((path.stem, path) for path in paths)
    return [drawn[name] for name in names]


def figure_names(result) -> list[str]:
    """The standard figures that apply to ``result``, in the order :func:`save_all` returns them."""
    panels = [name for name, (*_, needs) in PANEL_FIGURES.items()
              if needs is None or any(key.startswith(needs) for key in result.daily)]
    return [*FIGURES, *panels, *(["uncertainty"] if result.inputs else [])]


def _save_figures(result, directory, names: list[str]) -> list[Path]:
    """Draw and write the figures ``names`` of ``result`` into ``directory``."""
    import matplotlib

    # Titles at the top of their axes: no figure here has tick labels or a label above its
    # axes, so there is nothing to lift them over, and searching for it costs every draw.
    with matplotlib.rc_context({"axes.titley": 1.0}):
        return [_save(_draw(result, name), directory, name) for name in names]


def _draw(result, name: str):
    """The figure ``name`` of ``result``, drawn."""
    from matplotlib.figure import Figure

    if name in FIGURES:
        figure = Figure(figsize=(7, 4), dpi=DPI, layout="constrained")
        FIGURES[name](result, figure.add_subplot())
    elif name in PANEL_FIGURES:
        draw, panels, height, _ = PANEL_FIGURES[name]
        figure = Figure(figsize=(8, height), dpi=DPI, layout="constrained")
        draw(result, figure.subplots(panels, 1, sharex=True))
    else:
        shown = list(result.inputs)[:MAX_INPUT_PANELS]
        figure = Figure(figsize=(3.2 * (len(shown) + 1), 3.6), dpi=DPI, layout="constrained")
        axes = figure.subplots(1, len(shown) + 1, squeeze=False)[0]
        variance_split(result, axes[0])
        metric_against_inputs(result, axes[1:])
    return figure


#: Uncertain inputs drawn in uncertainty.png beside the variance split; replications.csv has all.
MAX_INPUT_PANELS = 4


#: Pixels per inch of the PNGs.
DPI = 110

#: zlib level of the PNGs: level 1 writes them several times faster than the default 6
#: for files about 10 % larger; the pixels are the same.
PNG_COMPRESSION = 1


def _save(figure, directory, name: str) -> Path:
    """Lay ``figure`` out once, at the dpi it is written at, and write it: savefig would
    otherwise draw it a second time, without rendering, only to lay it out."""
    path = Path(directory) / f"{name}.png"
    figure.get_layout_engine().execute(figure)
    figure.set_layout_engine("none")
    figure.savefig(path, dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESSION})
    return path
