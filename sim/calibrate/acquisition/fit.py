"""Fit the acquisition model to a spend history by maximum likelihood (:func:`fit_acquisition`)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import optimize

from ...channels.baseline import MOST_HARMONICS
from ...channels.paid import MOST_LAG
from ..data import DataError, DataWarning, _dates
from ..mle import inverse_hessian
from .history import History, LiftTests, _check_dates, _numbers, load_history, load_lift_tests, read
from .model import ADSTOCKS, LIKELIHOODS, Model, Terms, baseline_design, baseline_rate
from .scenario import to_config

#: Carry-overs the optimiser starts from (the best of the fits is kept): the likelihood can have a
#: local optimum for each timescale of the response.
STARTING_CARRYOVERS = (0.2, 0.8)
#: A parameter within this distance of its box on the unconstrained scale is at the edge.
EDGE = 1e-3
#: Names a channel may not have: the baseline's and the likelihood's parameter groups.
RESERVED = ("baseline", "likelihood")


def fit_acquisition(table, kpi: str = "new_customers", lift_tests=None, *, channels=None,
                    likelihood: str = "negative_binomial", weekly: int | None = None,
                    yearly: int | None = None, adstock: str = "geometric", max_lag: int = 14) -> AcquisitionFit:
    """Fit the paid channels' response curves and the organic baseline to a spend history.

    ``table`` is a CSV path or a mapping of columns (a dict, a pandas
    DataFrame) with ``date``, one spend column per channel (``channels``,
    else every other column) and the KPI column ``kpi`` (new customers per
    row, all sources); ``lift_tests`` the same for a table of lift tests
    (``sim.calibrate.acquisition.history``). Rows are days or weeks; a
    week's spend and KPI are the totals of the seven days from its date,
    and the model runs on days with each week's spend spread evenly over
    them (daily budget = weekly spend / 7). The model is
    ``sim.calibrate.acquisition.model``; ``weekly`` and ``yearly`` are the
    baseline's harmonics (defaults: 3 weekly with daily data, else none; 2
    yearly when the history spans a year or more, else none).
    ``likelihood`` is ``negative_binomial`` or ``poisson``; ``adstock``
    ``geometric`` or ``delayed`` (each channel's effect peaking ``peak_delay``
    days after the spend, within ``max_lag`` days, ``max_lag`` >= 2).

    The parameters maximise the likelihood (L-BFGS-B from each of
    STARTING_CARRYOVERS, the best kept); their covariance is the inverse
    Hessian of the negative log-likelihood on the unconstrained scale, mapped
    back by the delta method. Raise DataError for a bad history or lift test
    (one line naming the column and row), fewer rows than parameters, a
    channel named ``baseline`` or ``likelihood``, or harmonics the data
    cannot carry; warn (DataWarning) for spend that barely varies or is
    collinear between channels, and for each parameter the fit leaves at the
    edge of its range (the data do not determine it).
    """
    if likelihood not in LIKELIHOODS:
        raise DataError(f"likelihood = {likelihood!r}: must be one of {', '.join(LIKELIHOODS)}")
    if adstock not in ADSTOCKS:
        raise DataError(f"adstock = {adstock!r}: must be one of {', '.join(ADSTOCKS)}")
    if not (isinstance(max_lag, int) and 2 <= max_lag <= MOST_LAG):
        raise DataError(f"max_lag = {max_lag!r}: must be a whole number of days in [2, {MOST_LAG}]")
    history = load_history(table, kpi, channels)
    clash = [c for c in history.channels if c in RESERVED]
    if clash:
        raise DataError(f"column {clash[0]}: a channel may not be named {' or '.join(RESERVED)}; rename it")
    lifts = load_lift_tests(lift_tests, history) if lift_tests is not None else None
    weekly = (3 if history.period == 1 else 0) if weekly is None else weekly
    yearly = (2 if history.days >= 365 else 0) if yearly is None else yearly
    if weekly and history.period != 1:
        raise DataError(f"weekly = {weekly}: weekly seasonality needs daily rows; the history is weekly")
    for cycle, harmonics in (("weekly", weekly), ("yearly", yearly)):
        if not 0 <= harmonics <= MOST_HARMONICS[cycle]:
            raise DataError(f"{cycle} = {harmonics}: the baseline channel takes 0 to {MOST_HARMONICS[cycle]} "
                            f"{cycle} harmonics")
    model = Model(history.channels, weekly, yearly, likelihood, adstock, max_lag)
    if history.kpi.size <= len(model.names()):
        raise DataError(f"the history has {history.kpi.size} rows for {len(model.names())} parameters; "
                        "a fit needs many more rows than parameters")
    terms = Terms(model, history, lifts)
    bounds = model.bounds(history)

    def negative(theta):
        value = -terms.loglik(theta)
        return value if np.isfinite(value) else 1e300

    best = min((optimize.minimize(negative, np.clip(model.start(history, carryover), *np.transpose(bounds)),
                                  method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000})
                for carryover in STARTING_CARRYOVERS), key=lambda result: result.fun)
    fit = AcquisitionFit(history, model, lifts, best.x, inverse_hessian(negative, best.x), -float(best.fun),
                         _at_edge(model, best.x, bounds))
    for group, name in fit.at_edge:
        warnings.warn(DataWarning(f"{group}.{name} = {fit.params[group][name]:.4g}: at the edge of the range "
                                  "searched; the data do not determine it"), stacklevel=2)
    return fit


def _at_edge(model: Model, theta: np.ndarray, bounds) -> tuple:
    low, high = np.transpose(bounds)
    edge = (theta - low < EDGE) | (high - theta < EDGE)
    return tuple(name for name, flag in zip(model.names(), edge) if flag)


@dataclass(frozen=True)
class AcquisitionFit:
    """A fitted acquisition model: its parameters, their uncertainty and what they predict."""

    history: History
    model: Model
    lifts: LiftTests | None
    theta: np.ndarray          # the estimate on the unconstrained scale
    cov: np.ndarray            # its covariance (inverse Hessian; NaN if singular)
    loglik: float
    at_edge: tuple             # (group, parameter) left at the edge of the range searched

    @cached_property
    def params(self) -> dict:
        """``{channel or "baseline" or "likelihood": {parameter: estimate}}``.

        A channel's ``max_customers`` (customers a day at unlimited spend),
        ``half_saturation_budget`` (adstocked daily spend giving half of it),
        ``hill_shape`` and ``carryover`` (share of the adstock kept a day);
        the baseline's ``level`` (customers a day on the first date),
        ``growth`` (factor a year) and its amplitudes; the likelihood's
        ``dispersion`` (negative binomial only).
        """
        return self.model.unpack(self.model.values(self.theta))

    @cached_property
    def se(self) -> dict:
        """Standard errors, laid out as :attr:`params` (delta method; NaN where the Hessian is singular
        or not positive definite)."""
        return self.model.unpack(np.abs(self.model.derivatives(self.theta)) * self._sd())

    @cached_property
    def dispersion(self) -> float:
        """The negative-binomial dispersion ``phi`` (variance ``m + m^2 / phi``); inf for Poisson."""
        return self.params.get("likelihood", {}).get("dispersion", np.inf)

    def log_sd(self) -> dict:
        """sd of each parameter's unconstrained value (log scale for the positive ones), laid out as :attr:`params`."""
        return self.model.unpack(self._sd())

    def _sd(self) -> np.ndarray:
        """sd of each unconstrained value; NaN where the Hessian gives no positive variance."""
        variance = np.diag(self.cov)
        return np.sqrt(np.where(variance > 0, variance, np.nan))

    @cached_property
    def contributions(self) -> dict:
        """``{channel or "baseline": expected customers per period over the history}``."""
        terms = Terms(self.model, self.history, None)
        daily = terms.daily_channels(self.params, terms.spend)
        per_period = {c: daily[:, i] for i, c in enumerate(self.model.channels)}
        per_period["baseline"] = baseline_rate(self.params["baseline"], terms.design)
        return {name: values.reshape(-1, self.history.period).sum(axis=1) for name, values in per_period.items()}

    def expected(self) -> np.ndarray:
        """Expected KPI per period over the history."""
        return np.sum(list(self.contributions.values()), axis=0)

    def predict(self, spend_table) -> np.ndarray:
        """Expected new customers per period of a spend plan.

        ``spend_table`` has the history's columns (``date`` and every
        channel's spend; a KPI column is ignored), rows evenly spaced by the
        history's period. The baseline continues its growth and seasons from
        the history's first date. A plan that starts after the history's
        last day starts from the adstock the history left, decayed over any
        days between them at zero spend; a plan that starts earlier (the
        history itself, or a run from day 0 of the history) starts from no
        adstock, as a simulation does. Raise DataError for missing columns,
        bad dates or spacing, or spend that is not a number >= 0.
        """
        history = self.history
        first, daily = self.plan_days(spend_table)
        days = np.arange(first, first + daily.shape[0])
        if first >= history.days:
            gap = np.zeros((first - history.days, len(history.channels)))
            daily = np.concatenate([history.daily_spend(), gap, daily])
        terms = Terms(self.model, history, None)
        paid = terms.daily_channels(self.params, daily)[-days.size:].sum(axis=1)
        total = paid + baseline_rate(self.params["baseline"], baseline_design(self.model, days))
        return total.reshape(-1, history.period).sum(axis=1)

    def plan_days(self, spend_table) -> tuple[int, np.ndarray]:
        """``(first, daily)`` of a spend plan with the history's columns: its first date as days from
        the history's first, and its spend per day and channel (a period's spend spread evenly over
        its days). Raise DataError as :meth:`predict` states."""
        history = self.history
        columns = read(spend_table, "spend plan")
        missing = [c for c in ("date", *history.channels) if c not in columns]
        if missing:
            raise DataError(f"spend plan: column(s) {', '.join(missing)} missing; it needs date and "
                            f"{', '.join(history.channels)}")
        dates = _dates(columns["date"])
        if dates.size > 1:
            _check_dates(dates, columns["date"], history.period)
        spend = np.column_stack([_numbers(columns[c], c, "spend must be a number >= 0")
                                 for c in history.channels])
        first = int((dates[0] - history.origin).astype(int))
        return first, np.repeat(spend / history.period, history.period, axis=0)

    def spend_level(self, channel: str, at: str = "average") -> float:
        """A channel's daily spend over the history: ``average`` or in its ``last`` period."""
        daily = self.history.daily_spend()[:, self.model.channels.index(channel)]
        if at not in ("average", "last"):
            raise ValueError(f"at = {at!r}: must be 'average' or 'last'")
        return float(daily.mean() if at == "average" else daily[-1])

    def marginal_cac(self, channel: str, at: str = "average") -> float:
        """Cost of one more customer at a steady daily spend ``b`` (the history's ``average`` or ``last``).

        At a constant spend the adstock is ``b``, so customers a day are
        ``A hill(b)`` and the marginal CAC is

        .. math:: \\left(\\frac{d}{db} \\frac{A}{1 + (K/b)^h}\\right)^{-1}
                  = \\frac{(b^h + K^h)^2}{A h K^h b^{h-1}}.

        At no spend it is the formula's limit (:func:`marginal_cac_at`). Raise
        KeyError for a channel the fit does not have.
        """
        return marginal_cac_at(self.params[channel], self.spend_level(channel, at))

    def describe(self) -> list[str]:
        """One line per channel and one for the baseline: estimates with their standard errors."""
        def line(group):
            return f"{group}: " + ", ".join(
                f"{name} = {value:.4g}" + (" (at the edge)" if (group, name) in self.at_edge
                                           else f" (se {self.se[group][name]:.2g})")
                for name, value in self.params[group].items())
        return [line(group) for group in self.params]

    def to_config(self, budget: str = "average", uncertainty: bool = True, plan=None) -> dict:
        """``{"channels": ..., "uncertainty": ...}``: the fit as the simulator runs it (:mod:`.scenario`);
        ``budget`` is ``average`` or ``last`` (:meth:`spend_level`), ``uncertainty`` whether to map the
        fit's uncertainty (else ``{}``). With a spend ``plan`` (a table as :meth:`predict` takes) the
        channels follow it from its first date instead, with the adstock the history left
        (:func:`.scenario.to_config`), and ``horizon.acquisition_days`` is its length."""
        return to_config(self, budget, uncertainty, plan)


def marginal_cac_at(params: dict, spend: float) -> float:
    """``1 / slope`` of a channel's steady-spend curve at daily ``spend``:
    ``(b^h + K^h)^2 / (A h K^h b^(h-1))``, in numpy floats so that no spend gives the
    limit (inf for ``h > 1``, ``K / A`` for ``h = 1``, 0 for ``h < 1``) instead of an error."""
    a, k, h, b = params["max_customers"], params["half_saturation_budget"], params["hill_shape"], np.float64(spend)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((b ** h + k ** h) ** 2 / (a * h * k ** h * b ** (h - 1)))
