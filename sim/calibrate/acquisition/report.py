"""What a strategist reads of an acquisition fit: response curves, marginal CAC, contributions.

* :func:`response_curves`: expected customers a day at a steady daily spend,
  over 0 to ``upto`` times today's spend, with a band from the parameter
  uncertainty;
* :func:`cac_table`: per channel, the marginal CAC and the (average) CAC at
  today's spend and the channel's share of the history's customers, each
  with its interval; :func:`format_table` as text;
* :func:`plot_response_curve`, :func:`plot_contributions`: free functions
  drawing on an ``Axes``; :func:`write_report` the PNGs and the table.

Intervals come from parameter vectors drawn from the fit's asymptotic
normal on the unconstrained scale (:func:`parameter_draws`): each quantity
is computed for every draw and its interval is the central ``level`` of
them. At a steady daily spend ``b`` the adstock equals ``b``, so a channel
brings ``A / (1 + (K / b)^h)`` customers a day, its CAC is ``b`` over that
and its marginal CAC the inverse of the curve's slope. Figures are drawn on
``matplotlib.figure.Figure`` (the Agg canvas), never through pyplot.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ...response import hill
from .fit import marginal_cac_at

#: Central share of the draws an interval holds, the draws made, and their seed (not the simulator's).
LEVEL, DRAWS, SEED = 0.9, 1000, 0
#: The response curve's grid: 0 to UPTO times today's spend in POINTS steps.
UPTO, POINTS = 3.0, 61
#: Files :func:`write_report` writes.
TABLE, CURVES, CONTRIBUTIONS = "acquisition_fit.txt", "response_curves.png", "contributions.png"


def parameter_draws(fit, draws: int = DRAWS, seed: int = SEED) -> list:
    """``draws`` copies of ``fit`` at parameter vectors drawn from ``N(fit.theta, fit.cov)``.

    Drawn on the unconstrained scale, so every draw's ``params`` lie in
    their ranges; each copy answers ``params`` and ``contributions`` at its
    own vector. Where the covariance is not finite
    or not positive semi-definite (the Hessian gives no interval) every
    draw's vector is NaN, and so is every interval computed from them.
    """
    rng = np.random.default_rng(seed)
    cov = fit.cov
    usable = bool(np.all(np.isfinite(cov))) and np.linalg.eigvalsh(cov).min() >= -1e-12 * np.abs(cov).max()
    thetas = (rng.multivariate_normal(fit.theta, cov, size=draws, method="eigh") if usable
              else np.full((draws, fit.theta.size), np.nan))
    return [replace(fit, theta=theta) for theta in thetas]


def _interval(values: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` of ``values`` along the first axis (NaN if a value is NaN; infinite values give inf or NaN)."""
    tail = 50 * (1 - level)
    with np.errstate(invalid="ignore"):
        return np.percentile(values, tail, axis=0), np.percentile(values, 100 - tail, axis=0)


def _curve(params: dict, spend) -> np.ndarray:
    """A channel's customers a day at steady daily spend ``spend`` (``A / (1 + (K / b)^h)``)."""
    return hill(spend, params["max_customers"], params["half_saturation_budget"], params["hill_shape"])


@dataclass(frozen=True)
class ResponseCurve:
    """One channel's steady-spend response: ``expected`` customers a day at each daily ``spend``."""

    channel: str
    spend: np.ndarray       # daily spend, 0 to UPTO x today's
    expected: np.ndarray    # at the estimate
    low: np.ndarray         # the band's lower edge (percentile 100 (1 - level) / 2 of the draws)
    high: np.ndarray        # its upper edge
    today: float            # today's daily spend (fit.spend_level)
    level: float            # central share of the draws the band holds


def response_curves(fit, at: str = "average", upto: float = UPTO, points: int = POINTS, level: float = LEVEL,
                    draws: list | None = None) -> dict[str, ResponseCurve]:
    """``{channel: ResponseCurve}`` over ``points`` daily spends from 0 to ``upto`` x today's.

    Today's spend is ``fit.spend_level(channel, at)`` (``at`` is ``average``
    or ``last``; ValueError otherwise); ``draws`` from
    :func:`parameter_draws` (made here if None). The curve is 0 at no spend
    and rises with it.
    """
    draws = parameter_draws(fit) if draws is None else draws
    curves = {}
    for channel in fit.model.channels:
        today = fit.spend_level(channel, at)
        spend = np.linspace(0.0, upto * today, points)
        low, high = _interval(np.array([_curve(d.params[channel], spend) for d in draws]), level)
        curves[channel] = ResponseCurve(channel, spend, _curve(fit.params[channel], spend), low, high, today, level)
    return curves


@dataclass(frozen=True)
class Estimate:
    """A number with its interval (``low``, ``high``; NaN where the fit gives none)."""

    value: float
    low: float
    high: float

    @classmethod
    def of(cls, value: float, draws, level: float = LEVEL) -> Estimate:
        low, high = _interval(np.asarray(draws, dtype=float), level)
        return cls(float(value), float(low), float(high))


@dataclass(frozen=True)
class ChannelRow:
    """A line of :func:`cac_table`; a paid channel's numbers at today's steady spend."""

    channel: str
    spend: float | None           # today's daily spend (None for the baseline)
    customers: Estimate | None    # customers a day at that spend
    cac: Estimate | None          # spend / customers
    marginal_cac: Estimate | None  # cost of one more customer a day there
    share: Estimate               # share of the history's expected customers


def cac_table(fit, at: str = "average", level: float = LEVEL, draws: list | None = None) -> list[ChannelRow]:
    """One row per paid channel and one for the baseline (its ``share`` only).

    ``at`` and ``draws`` as in :func:`response_curves`. The share is the
    channel's contribution over the history over the total expected
    customers; the draws' shares come from the fit's ``contributions``
    recomputed at each drawn parameter vector.
    """
    draws = parameter_draws(fit) if draws is None else draws
    shares = [_shares(draw) for draw in draws]
    estimate = _shares(fit)
    rows = []
    for channel in fit.model.channels:
        b = fit.spend_level(channel, at)
        customers = np.array([_curve(d.params[channel], b) for d in draws], dtype=float)
        expected = float(_curve(fit.params[channel], b))
        with np.errstate(divide="ignore", invalid="ignore"):
            cac = np.divide(b, [expected, *customers])   # NaN at no spend
        rows.append(ChannelRow(
            channel, b, Estimate.of(expected, customers, level), Estimate.of(cac[0], cac[1:], level),
            Estimate.of(marginal_cac_at(fit.params[channel], b), [marginal_cac_at(d.params[channel], b) for d in draws],
                        level),
            Estimate.of(estimate[channel], [s[channel] for s in shares], level)))
    rows.append(ChannelRow("baseline", None, None, None, None,
                           Estimate.of(estimate["baseline"], [s["baseline"] for s in shares], level)))
    return rows


def _shares(fit) -> dict:
    """``{channel or "baseline": share of the history's expected customers}``."""
    totals = {name: float(values.sum()) for name, values in fit.contributions.items()}
    whole = sum(totals.values())
    return {name: total / whole for name, total in totals.items()}


def format_table(rows: list[ChannelRow], fit, level: float = LEVEL) -> str:
    """:func:`cac_table` (made at ``level``) as aligned text: a header naming the data and the interval,
    one line a row."""
    history, level = fit.history, round(100 * level)

    def shown(estimate: Estimate | None, digits: str = ",.1f", scale: float = 1.0) -> str:
        if estimate is None:
            return ""
        value, low, high = (scale * x for x in (estimate.value, estimate.low, estimate.high))
        band = f" [{low:{digits}}, {high:{digits}}]" if np.isfinite(low) and np.isfinite(high) else " [n/a]"
        return f"{value:{digits}}{band}"

    header = ("channel", "daily spend", "customers/day", "CAC", "marginal CAC", "share of customers %")
    lines = [header] + [(row.channel, "" if row.spend is None else f"{row.spend:,.0f}", shown(row.customers),
                         shown(row.cac, ",.2f"), shown(row.marginal_cac, ",.2f"), shown(row.share, ".1f", 100.0))
                        for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                      for i, (cell, width) in enumerate(zip(line, widths))).rstrip() for line in lines]
    last = history.origin + history.days - 1
    return "\n".join([f"Acquisition fit: {history.kpi_name}, {history.origin} to {last}, "
                      f"{int(history.kpi.sum()):,} customers; [{level} % interval] from the parameter uncertainty.",
                      "At today's steady daily spend: CAC = spend / customers, marginal CAC = cost of one more "
                      "customer; share = of the history's expected customers.", "", *text]) + "\n"


def _axes(ax):
    """``ax``, or the axes of a new Agg figure."""
    if ax is None:
        from matplotlib.figure import Figure
        ax = Figure(figsize=(6, 4)).subplots()
    return ax


def plot_response_curve(curve: ResponseCurve, ax=None):
    """Draw one channel's curve, its band and today's spend on ``ax`` (a new figure's if None); return ``ax``."""
    ax = _axes(ax)
    ax.fill_between(curve.spend, curve.low, curve.high, color="#9ecae1", alpha=0.6,
                    label=f"{round(100 * curve.level)} % interval")
    ax.plot(curve.spend, curve.expected, color="#08519c", label="fitted")
    at_today = float(np.interp(curve.today, curve.spend, curve.expected))
    ax.axvline(curve.today, color="#de2d26", linestyle="--", linewidth=1)
    ax.plot([curve.today], [at_today], "o", color="#de2d26", label=f"today: {curve.today:,.0f} a day")
    ax.set_title(curve.channel)
    ax.set_xlabel("steady daily spend")
    ax.set_ylabel("expected customers per day")
    ax.set_xlim(0, curve.spend[-1])
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_contributions(fit, ax=None):
    """Stacked expected customers per period (baseline, then each channel) with the KPI as points; return ``ax``."""
    ax = _axes(ax)
    history = fit.history
    dates = history.origin + np.arange(0, history.days, history.period)
    names = ["baseline", *fit.model.channels]
    ax.stackplot(dates, [fit.contributions[name] for name in names], labels=names, alpha=0.8)
    ax.plot(dates, history.kpi, ".", color="black", markersize=2, label=history.kpi_name)
    ax.set_ylabel(f"{history.kpi_name} per {'day' if history.period == 1 else 'week'}")
    ax.set_title("Expected customers by source over the history")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def write_report(fit, directory, at: str = "average", figures: bool = True) -> list[Path]:
    """Write TABLE (and, with ``figures``, CURVES and CONTRIBUTIONS) into ``directory``; return the paths.

    ``directory`` is made if missing; ``at`` is today's spend as in
    :func:`response_curves`. Raise OSError if a file cannot be written.
    """
    from matplotlib.figure import Figure

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    draws = parameter_draws(fit)
    table = directory / TABLE
    table.write_text(format_table(cac_table(fit, at, draws=draws), fit), encoding="utf-8")
    if not figures:
        return [table]
    curves = response_curves(fit, at, draws=draws)
    figure = Figure(figsize=(5 * len(curves), 4), layout="constrained")
    for curve, ax in zip(curves.values(), np.atleast_1d(figure.subplots(1, len(curves)))):
        plot_response_curve(curve, ax)
    figure.savefig(directory / CURVES, dpi=100)
    figure = Figure(figsize=(10, 4), layout="constrained")
    plot_contributions(fit, figure.subplots())
    figure.savefig(directory / CONTRIBUTIONS, dpi=100)
    return [table, directory / CURVES, directory / CONTRIBUTIONS]
