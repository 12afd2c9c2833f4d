"""Media bought with a daily budget: paid ads and organic content / SEO."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..declarations import declare, redeclare
from ..validation import ConfigError, check_choice, check_number, param
from .base import Channel

if TYPE_CHECKING:
    from ..state import State

#: Adstock shapes a paid channel may take.
ADSTOCKS = ("geometric", "delayed")
#: Longest lag of a delayed adstock, days.
MOST_LAG = 365
#: Budget multiples at which the response-curve table is read.
RESPONSE_SCALES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)


@dataclass
class PaidChannel(Channel, kind="paid"):
    """Paid public-domain media (search, feed/social, DSP display).

    Each day the budget ``B_t`` is deflated by the rising price of traffic,
    ``b_t = B_t / (1 + cost_inflation)^(t/365)``, carried over by a
    geometric adstock ``s_t = carryover * s_{t-1} + (1 - carryover) * b_t``
    (at a constant budget ``s`` tends to ``b``; ``s_{-1} = initial_adstock``,
    the carryover of spend before the run), and turned into leads by a
    Hill curve::

        expected_leads = max_daily_leads * s^h / (s^h + half_saturation_budget^h)

    ``h = hill_shape`` <= 1 gives diminishing returns from the first unit,
    ``h`` > 1 an S-curve.

    With ``adstock: delayed`` the effect of spend peaks ``peak_delay`` days
    later instead of at once (the delayed adstock of Jin et al. 2017, Google
    "Bayesian methods for media mix modeling with carryover and shape
    effects"): ``s_t = sum_l w_l b_{t-l}`` over lags ``l = 0 .. max_lag - 1``
    with ``w_l ∝ carryover^((l - peak_delay)^2)``, normalised to sum 1 (so
    again ``s`` tends to ``b`` at a constant budget). Its carryover from
    before the run is ``spend_before``, the deflated spend of the days
    before day 0 (the last one last), not ``initial_adstock``.
    """

    daily_budget: float = param(1000.0, low=0, unit="currency per day",
                                doc="budget on every day the schedule plans a budget (times the plan's multiplier)")
    max_daily_leads: float = param(500.0, low=0, unit="leads per day",
                                   doc="expected leads per day at unlimited budget, before demand and market "
                                       "depletion")
    half_saturation_budget: float = param(2000.0, low=0, low_open=True, unit="currency per day",
                                          doc="adstocked, deflated budget that gives half of `max_daily_leads`")
    hill_shape: float = param(1.0, low=0, low_open=True, high=10, unit="dimensionless",
                              doc="Hill exponent `h`: ≤ 1 gives diminishing returns from the first unit, > 1 an "
                                  "S-curve; above 10 the curve is a step")
    carryover: float = param(0.0, low=0, high=0.999, unit="share per day", doc="share of yesterday's adstock kept")
    cost_inflation: float = param(0.0, low=0, high=10, unit="per year", doc="yearly rise in the price of reach")
    initial_adstock: float = param(0.0, low=0, unit="currency per day",
                                   doc="adstock on the day before day 0: carryover from spend before the run "
                                       "(the acquisition fit sets it from the history); `geometric` only")
    adstock: str = declare("geometric", unit="—", doc="`geometric` (`carryover` a day) or `delayed` (a peak "
                                                       "`peak_delay` days after the spend, within `max_lag` days)")
    peak_delay: float = param(0.0, low=0, high=MOST_LAG - 1, unit="days",
                              doc="`delayed`: lag of the largest weight, at most `max_lag − 1`")
    max_lag: int = param(14, low=1, high=MOST_LAG, integer=True, unit="days",
                         doc="`delayed`: days a unit of spend acts, from its own day on")
    spend_before: tuple = declare((), unit="list of amounts ≥ 0, currency per day, the day before day 0 last",
                                  doc="`delayed`: spend of the days before the run, its carryover (the last "
                                      "`max_lag − 1` used)")


    @classmethod
    def structured(cls, path: str, spec: Mapping) -> dict:
        given = super().structured(path, spec)
        if "adstock" in spec:
            given["adstock"] = check_choice(f"{path}.adstock", spec["adstock"], ADSTOCKS)
        if "spend_before" in spec:
            before = spec["spend_before"]
            if not isinstance(before, Sequence) or isinstance(before, str):
                raise ConfigError(f"{path}.spend_before", before, "must be a list of daily amounts >= 0")
            given["spend_before"] = tuple(check_number(f"{path}.spend_before[{i}]", value, low=0)
                                          for i, value in enumerate(before))
        return given

    def __post_init__(self):
        path = f"channels.{self.name}"
        if self.adstock == "delayed":
            if self.peak_delay > self.max_lag - 1:
                raise ConfigError(f"{path}.peak_delay", self.peak_delay,
                                  f"must be at most max_lag - 1 = {self.max_lag - 1}")
            if self.initial_adstock:
                raise ConfigError(f"{path}.initial_adstock", self.initial_adstock,
                                  "is for the geometric adstock; a delayed one carries spend_before")
        elif self.spend_before:
            raise ConfigError(f"{path}.spend_before", list(self.spend_before),
                              "is for the delayed adstock; a geometric one carries initial_adstock")
        super().__post_init__()

    def lag_weights(self) -> np.ndarray:
        """The delayed adstock's weight of each lag ``0 .. max_lag - 1``, summing to 1."""
        lag = np.arange(self.max_lag, dtype=float)
        with np.errstate(divide="ignore"):
            log_w = (lag - self.peak_delay) ** 2 * np.log(self.carryover) if self.carryover > 0 else \
                np.where(lag == round(self.peak_delay), 0.0, -np.inf)
        w = np.exp(log_w - log_w.max())
        return w / w.sum()

    def reset(self) -> None:
        self.adstock_value = self.initial_adstock
        if self.adstock == "delayed":           # the deflated spend of the last max_lag days, today's first
            self.weights = self.lag_weights()
            before = np.asarray(self.spend_before[::-1][: self.max_lag - 1], dtype=float)
            self.recent = np.zeros(self.max_lag)
            self.recent[1: 1 + before.size] = before

    def hill(self, adstock):
        """Mean leads per day at an adstocked, deflated budget (scalar or array)."""
        # 1 / (1 + (K/s)^h): no power of a large budget is ever formed; s = 0 gives 0
        with np.errstate(divide="ignore", over="ignore"):
            ratio = self.half_saturation_budget / np.asarray(adstock, dtype=float)
            return self.max_daily_leads / (1.0 + ratio ** self.hill_shape)

    def most_leads(self) -> float:
        return self.max_daily_leads

    def purchasing_power(self, day):
        """What one unit of money buys on ``day`` relative to day 0."""
        return (1.0 + self.cost_inflation) ** (-np.asarray(day, dtype=float) / 365.0)

    def expected_leads(self, state: State, budget: float) -> float:
        effective = budget * self.purchasing_power(state.day)
        if self.adstock == "delayed":
            self.recent = np.roll(self.recent, 1)
            self.recent[0] = effective
            self.adstock_value = float(self.weights @ self.recent)
        else:
            self.adstock_value = self.carryover * self.adstock_value + (1.0 - self.carryover) * effective
        return float(self.hill(self.adstock_value))

    def adstock_path(self, budgets: np.ndarray) -> np.ndarray:
        """Adstock on each day of a budget path starting from day 0 (what ``step`` accumulates), with
        the carryover from before the run: geometric, ``s_t = carryover^(t+1) * initial_adstock +
        filtered budgets``; delayed, the weights over ``spend_before`` then the path."""
        effective = np.asarray(budgets, dtype=float) * self.purchasing_power(np.arange(len(budgets)))
        if self.adstock == "delayed":
            before = np.asarray(self.spend_before[max(0, len(self.spend_before) - self.max_lag + 1):]
                                if self.max_lag > 1 else (), dtype=float)
            path = np.concatenate([before, effective])
            return np.convolve(path, self.lag_weights())[before.size: path.size]
        carried = self.initial_adstock * self.carryover ** np.arange(1, len(effective) + 1)
        return _geometric_filter(effective, self.carryover) + carried

    def expected_customers(self, budgets: np.ndarray, reach: np.ndarray) -> np.ndarray:
        """Expected new customers per day for a budget path, along a given reach path.

        The same response as ``step`` (deflation, adstock, Hill, precision,
        activation), computed for a whole path at once.
        """
        return self.hill(self.adstock_path(budgets)) * reach * self.precision * self.activation_prob

    def response_table(self, state: State, scales=RESPONSE_SCALES) -> dict:
        """Budget -> customers -> CAC, scaling this run's budget path by each of ``scales``.

        ``daily_budget`` is the scaled path's mean over the acquisition days.

        Holds the run's reach (demand and market share left) fixed, so it
        answers "what if this channel alone had spent s times as much".
        Per-customer costs and commissions are added at this run's rate per customer.
        """
        daily = state.ledger.daily
        budgets, reach = daily["budget." + self.name], daily["reach." + self.name]
        customers = daily["new." + self.name].sum()
        extra_per_customer = ((daily["spend." + self.name].sum() - budgets.sum()) / customers
                              if customers else self.cost_per_customer)
        mean_budget = budgets[: state.params.acquisition_days].mean()
        rows = {"scale": [], "daily_budget": [], "spend": [], "customers": [], "cac": []}
        for scale in scales:
            expected = float(self.expected_customers(scale * budgets, reach).sum())
            spend = scale * budgets.sum() + extra_per_customer * expected
            rows["scale"].append(scale)
            rows["daily_budget"].append(scale * mean_budget)
            rows["spend"].append(spend)
            rows["customers"].append(expected)
            rows["cac"].append(spend / expected if expected else float("nan"))
        return {k: np.array(v, dtype=float) for k, v in rows.items()}

    marginal_from_curve: ClassVar[bool] = True

    def marginal_cac(self, state: State) -> float:
        """d spend / d customers at this run's budget, from the response curve (1 % step)."""
        table = self.response_table(state, scales=(0.995, 1.005))
        extra = np.diff(table["customers"])[0]
        return float(np.diff(table["spend"])[0] / extra) if extra > 0 else float("nan")


@dataclass
class ContentChannel(PaidChannel, kind="content"):
    """Organic content / SEO: a running cost that builds reach slowly.

    The same response as paid media with a long carry-over: at a constant
    running cost the adstock (the body of content) takes about
    ``1 / (1 - carryover)`` days to build (100 days at the default 0.99)
    and decays at the same pace when spending stops. Content traffic is not
    auctioned, so there is no cost inflation by default.
    """

    daily_budget: float = redeclare(PaidChannel, "daily_budget", 300.0)
    max_daily_leads: float = redeclare(PaidChannel, "max_daily_leads", 150.0)
    half_saturation_budget: float = redeclare(PaidChannel, "half_saturation_budget", 500.0)
    carryover: float = redeclare(PaidChannel, "carryover", 0.99)

    # Assumption: search and content visitors come with intent (docs/domain.md §3:
    # audience precision lowers CAC more than cheap reach) and stay longer.
    DEFAULT_QUALITY: ClassVar[dict] = {"churn_prob": 0.85, "daily_purchase_prob": 1.1}


def _geometric_filter(values: np.ndarray, carryover: float) -> np.ndarray:
    """``s_t = (1 - carryover) * x_t + carryover * s_(t-1)`` from ``s_(-1) = 0``, the same operations in
    the same order as ``scipy.signal.lfilter([1 - c], [1, -c], x)``, which costs 0.5 s to import."""
    gain, level, out = 1.0 - carryover, 0.0, []
    for value in values.tolist():
        level = gain * value + carryover * level
        out.append(level)
    return np.array(out, dtype=float)
