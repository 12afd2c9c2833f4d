"""The acquisition model: expected new customers a day from spend, and its likelihood.

On day ``d`` (from the history's first date), with ``b_{c,d}`` channel
``c``'s spend that day,

.. math::
    \\mu_d = L\\, g^{d/365} \\exp\\big(\\textstyle\\sum_k \\alpha_k \\cos\\tfrac{2\\pi k d}{7}
             + \\beta_k \\sin\\tfrac{2\\pi k d}{7} + \\gamma_k \\cos\\tfrac{2\\pi k d}{365.25}
             + \\delta_k \\sin\\tfrac{2\\pi k d}{365.25}\\big)
             + \\sum_c \\frac{A_c}{1 + (K_c / s_{c,d})^{h_c}},\\qquad
    s_{c,d} = \\lambda_c s_{c,d-1} + (1 - \\lambda_c) b_{c,d},\\ s_{c,-1} = 0,

the ``baseline`` channel's rate plus each paid channel's Hill curve of its
geometric adstock (or, with ``adstock="delayed"``, the delayed adstock
``s_{c,d} = sum_{l < L} w_l b_{c,d-l}``, ``w_l ∝ lambda_c^((l - theta_c)^2)``,
with a peak delay ``theta_c`` in ``[0, L - 1]`` fitted per channel and
``L = max_lag``), computed by the engine's own ``PaidChannel`` (so the fit
is the simulator's response, with ``max_daily_leads · precision ·
activation_prob = A_c``: only that product is identified). A period's
expected KPI is the sum of its days' ``mu``. The count ``y_i`` of period
``i`` is negative binomial with mean ``m_i`` and dispersion ``phi``
(variance ``m + m^2 / phi``), or Poisson. A lift test ``j`` on channel
``c`` over days ``[t_0, t_1]`` adds ``-(Delta_j - I_j)^2 / (2 se_j^2)`` to
the log-likelihood, with ``Delta_j`` the model's change in expected
customers *inside the window* when the channel's spend on each of its days
changes by ``spend_change / (t_1 - t_0 + 1)`` (carry-over within the window
included; what the change carries past the window is not counted).

Parameters are fitted on unconstrained scales: log for the positive ones,
``logit(lambda / 0.999)`` for the carry-over, ``logit(theta / (L - 1))`` for
the peak delay, the amplitudes as they are.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy.special import expit, gammaln

from ...channels import PaidChannel
from ...channels.baseline import MOST_AMPLITUDE, MOST_GROWTH, WEEK, YEAR, fourier_basis
from .history import History, LiftTests

#: Largest carry-over the engine accepts (``PaidChannel.carryover``'s declared upper bound).
MOST_CARRYOVER = next(f for f in fields(PaidChannel) if f.name == "carryover").metadata["high"]
#: Range of the Hill shape searched (the engine accepts (0, 10]).
HILL_SHAPES = (0.1, 10.0)
#: Range of the negative-binomial dispersion searched (at the top, practically Poisson).
DISPERSIONS = (1e-2, 1e8)
#: Bound of the logit of the carry-over share: carry-over within about 1e-4 of 0 or of MOST_CARRYOVER.
LOGIT_BOUND = 9.0
#: The channel parameters, in the order of the parameter vector (a delayed adstock adds peak_delay).
CHANNEL_PARAMETERS = ("max_customers", "half_saturation_budget", "hill_shape", "carryover")
#: Parameters fitted as a logit share of their range's top (MOST_CARRYOVER, max_lag - 1).
LOGIT_TOPS = ("carryover", "peak_delay")
ADSTOCKS = ("geometric", "delayed")
LIKELIHOODS = ("negative_binomial", "poisson")


@dataclass(frozen=True)
class Model:
    """The parameter layout of one fit: its channels, harmonics and likelihood."""

    channels: tuple
    weekly: int               # weekly harmonics of the baseline
    yearly: int               # yearly harmonics of the baseline
    likelihood: str           # one of LIKELIHOODS
    adstock: str = "geometric"  # or "delayed": each channel also has a peak_delay in [0, max_lag - 1]
    max_lag: int = 14         # lags of a delayed adstock

    @property
    def channel_parameters(self) -> tuple:
        """A channel's parameters, in the order of the parameter vector."""
        return CHANNEL_PARAMETERS + (("peak_delay",) if self.adstock == "delayed" else ())

    def names(self) -> list[tuple[str, str]]:
        """(group, parameter) of each entry of the parameter vector: channels, ``baseline``, ``likelihood``."""
        baseline = ["level", "growth"] + [f"{cycle}_{wave}_{k}" for cycle, count in
                                          (("weekly", self.weekly), ("yearly", self.yearly))
                                          for k in range(1, count + 1) for wave in ("cos", "sin")]
        return ([(c, p) for c in self.channels for p in self.channel_parameters]
                + [("baseline", p) for p in baseline]
                + ([("likelihood", "dispersion")] if self.likelihood == "negative_binomial" else []))

    def values(self, theta: np.ndarray) -> np.ndarray:
        """The parameters on their natural scale from the unconstrained vector ``theta``."""
        kinds = self._kinds()
        return np.where(kinds == "logit", self._tops() * expit(theta),
                        np.where(kinds == "log", np.exp(theta), theta))

    def derivatives(self, theta: np.ndarray) -> np.ndarray:
        """d value / d theta of each parameter (for the delta method)."""
        kinds = self._kinds()
        share = expit(theta)
        return np.where(kinds == "logit", self._tops() * share * (1 - share),
                        np.where(kinds == "log", np.exp(theta), 1.0))

    def _kinds(self) -> np.ndarray:
        return np.array(["logit" if p in LOGIT_TOPS else "identity" if p.startswith(("weekly_", "yearly_"))
                         else "log" for _, p in self.names()])

    def _tops(self) -> np.ndarray:
        """The upper end of each logit-scaled parameter's range (1 for the others)."""
        tops = {"carryover": MOST_CARRYOVER, "peak_delay": self.max_lag - 1.0}
        return np.array([tops.get(p, 1.0) for _, p in self.names()])

    def bounds(self, history: History) -> list[tuple[float, float]]:
        """Box on ``theta`` searched by the optimiser (a fit at its edge is not identified)."""
        top = np.log(history.daily_spend().max(axis=0))
        scale = np.log(max(history.kpi.max() / history.period, 1.0))
        box = {"max_customers": (scale - 14, scale + 14), "hill_shape": tuple(np.log(HILL_SHAPES)),
               "carryover": (-LOGIT_BOUND, LOGIT_BOUND), "peak_delay": (-LOGIT_BOUND, LOGIT_BOUND),
               "level": (scale - 14, scale + 4),
               "growth": (-np.log(MOST_GROWTH), np.log(MOST_GROWTH)), "dispersion": tuple(np.log(DISPERSIONS))}
        index = {c: i for i, c in enumerate(self.channels)}
        return [(top[index[g]] - 7, top[index[g]] + 7) if p == "half_saturation_budget"
                else box.get(p, (-MOST_AMPLITUDE, MOST_AMPLITUDE)) for g, p in self.names()]

    def start(self, history: History, carryover: float) -> np.ndarray:
        """A rough start: the channels share half the mean KPI, ``K`` at the mean spend, ``h`` = 1."""
        daily = history.kpi.mean() / history.period
        spend = history.daily_spend().mean(axis=0)
        per_channel = {"max_customers": np.log(daily / len(self.channels)), "hill_shape": 0.0,
                       "carryover": np.log(carryover / (MOST_CARRYOVER - carryover)),
                       "peak_delay": np.log(1 / 3)}        # a quarter of the way to max_lag - 1
        first = {"level": np.log(daily / 2), "growth": 0.0, "dispersion": np.log(10.0)}
        index = {c: i for i, c in enumerate(self.channels)}
        return np.array([np.log(spend[index[g]]) if p == "half_saturation_budget"
                         else per_channel.get(p, first.get(p, 0.0)) for g, p in self.names()])

    def unpack(self, values: np.ndarray) -> dict:
        """``{group: {parameter: value}}`` from the natural-scale vector."""
        out: dict = {}
        for (group, name), value in zip(self.names(), values.tolist()):
            out.setdefault(group, {})[name] = value
        return out


def paid_channel(name: str, params: dict, max_lag: int = 14) -> PaidChannel:
    """The engine's channel with the fitted response (activation and precision 1, no cost inflation);
    a delayed adstock when ``params`` has a ``peak_delay``."""
    delayed = {"adstock": "delayed", "peak_delay": params["peak_delay"], "max_lag": max_lag} \
        if "peak_delay" in params else {}
    return PaidChannel(name=name, source=0, max_daily_leads=params["max_customers"],
                       half_saturation_budget=params["half_saturation_budget"], hill_shape=params["hill_shape"],
                       carryover=params["carryover"], activation_prob=1.0, precision=1.0, cost_inflation=0.0,
                       **delayed)


class Terms:
    """What the likelihood needs of a history, computed once: the baseline's design and the counts."""

    def __init__(self, model: Model, history: History, lifts: LiftTests | None):
        self.model, self.history, self.lifts = model, history, lifts
        self.spend = history.daily_spend()
        self.design = baseline_design(model, np.arange(history.days))
        self.log_factorial = gammaln(history.kpi + 1.0)

    def daily_channels(self, params: dict, spend: np.ndarray) -> np.ndarray:
        """(days, channels): each channel's expected customers a day on the spend path ``spend``."""
        return np.column_stack([paid_channel(c, params[c], self.model.max_lag).expected_customers(spend[:, i], 1.0)
                                for i, c in enumerate(self.model.channels)])

    def loglik(self, theta: np.ndarray) -> float:
        """Log-likelihood of the history (and lift tests) at the unconstrained parameters ``theta``."""
        model, history = self.model, self.history
        params = model.unpack(model.values(theta))
        daily = baseline_rate(params["baseline"], self.design) + self.daily_channels(params, self.spend).sum(axis=1)
        mean = np.maximum(daily.reshape(-1, history.period).sum(axis=1), 1e-300)
        y = history.kpi
        if model.likelihood == "poisson":
            value = np.sum(y * np.log(mean) - mean - self.log_factorial)
        else:
            phi = params["likelihood"]["dispersion"]
            value = np.sum(gammaln(y + phi) - gammaln(phi) - self.log_factorial
                           + phi * np.log(phi / (phi + mean)) + y * np.log(mean / (phi + mean)))
        if self.lifts is not None and self.lifts.size:
            effect = lift_effects(self, params)
            value -= 0.5 * np.sum(((effect - self.lifts.incremental) / self.lifts.se) ** 2)
        return float(value)


def baseline_design(model: Model, days: np.ndarray) -> np.ndarray:
    """(days, 1 + 2 * harmonics): the day in years, then the weekly and yearly Fourier columns."""
    return np.column_stack([days / 365.0, fourier_basis(days, model.weekly, WEEK),
                            fourier_basis(days, model.yearly, YEAR)])


def amplitudes(baseline: dict) -> list:
    """The baseline's Fourier amplitudes in the design's order: weekly pairs, then yearly pairs."""
    return [value for name, value in baseline.items() if name.startswith(("weekly_", "yearly_"))]


def baseline_rate(baseline: dict, design: np.ndarray) -> np.ndarray:
    """The baseline's expected customers on the design's days (``BaselineChannel.rate``, vectorised)."""
    coefficients = np.array([np.log(baseline["growth"]), *amplitudes(baseline)])
    return baseline["level"] * np.exp(design @ coefficients)


def lift_effects(terms: Terms, params: dict) -> np.ndarray:
    """Each lift test's change in expected customers inside its window (module docstring)."""
    lifts, spend = terms.lifts, terms.spend
    effects = np.empty(lifts.size)
    for j in range(lifts.size):
        c, start, end = lifts.channel[j], lifts.start[j], lifts.end[j]
        channel = paid_channel(terms.model.channels[c], params[terms.model.channels[c]])
        changed = spend[: end + 1, c].copy()
        changed[start:] = np.maximum(changed[start:] + lifts.spend_change[j] / (end + 1 - start), 0.0)
        effects[j] = (channel.expected_customers(changed, 1.0)[start:]
                      - channel.expected_customers(spend[: end + 1, c], 1.0)[start:]).sum()
    return effects
