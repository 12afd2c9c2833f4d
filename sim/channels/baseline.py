"""An organic baseline: customers who arrive whatever is spent, with growth and seasons.

What ``sim.calibrate.fit_acquisition`` fits beside the paid channels (the
arrivals that no spend explains) runs here as a channel of its own, so a
calibrated scenario reproduces the history's level, growth and seasons.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..declarations import declare, redeclare
from ..validation import ConfigError, check_number, param
from .base import Channel

if TYPE_CHECKING:
    from ..state import State

#: Days of the weekly and yearly cycles.
WEEK, YEAR = 7.0, 365.25
#: Largest harmonics of each cycle (a weekly harmonic above 3 aliases a lower one on daily data).
MOST_HARMONICS = {"weekly": 3, "yearly": 10}
#: Largest yearly growth factor of the level.
MOST_GROWTH = 100.0
#: Largest magnitude of an amplitude: ``exp(±5)`` is a factor of about 150 either way.
MOST_AMPLITUDE = 5.0


def fourier_basis(days, harmonics: int, period: float) -> np.ndarray:
    """(days, 2 * harmonics): ``cos(2 pi k d / P), sin(2 pi k d / P)`` for k = 1..harmonics, interleaved."""
    angle = 2.0 * np.pi * np.outer(np.asarray(days, dtype=float), np.arange(1, harmonics + 1)) / period
    return np.stack([np.cos(angle), np.sin(angle)], axis=2).reshape(angle.shape[0], 2 * harmonics)


def seasonality(days, amplitudes, period: float) -> np.ndarray:
    """The log-seasonal term ``sum_k a_k cos(2 pi k d / P) + b_k sin(2 pi k d / P)`` on each day ``d``.

    ``amplitudes`` is the flat list ``[a_1, b_1, a_2, b_2, ...]``; an empty list gives 0.
    """
    amplitudes = np.asarray(amplitudes, dtype=float)
    return fourier_basis(days, amplitudes.size // 2, period) @ amplitudes


@dataclass
class BaselineChannel(Channel, kind="baseline"):
    """Organic arrivals with a trend and weekly and yearly seasons, at no cost.

    On day ``t`` (from the run's day 0)::

        expected_leads = level * growth^(t / 365)
                         * exp(seasonality(t, weekly, 7) + seasonality(t, yearly, 365.25))

    and, at the default ``activation_prob`` and ``precision`` of 1, every lead
    is a customer. Like every channel it draws from the market left.
    """

    level: float = param(10.0, low=0, unit="customers per day",
                         doc="expected arrivals a day on day 0, before the seasons, demand and market depletion")
    growth: float = param(1.0, low=0, low_open=True, high=MOST_GROWTH, unit="factor per year",
                          doc="yearly growth factor of the level: `level · growth^(t/365)` on day `t`; 1: flat")
    weekly: tuple = declare((), unit=f"list `[a_1, b_1, …]`, at most {MOST_HARMONICS['weekly']} pairs, "
                                     f"each in [−{MOST_AMPLITUDE:g}, {MOST_AMPLITUDE:g}]",
                            doc="weekly log-seasonal amplitudes: `Σ_k a_k cos(2πkt/7) + b_k sin(2πkt/7)`")
    yearly: tuple = declare((), unit=f"list `[a_1, b_1, …]`, at most {MOST_HARMONICS['yearly']} pairs, "
                                     f"each in [−{MOST_AMPLITUDE:g}, {MOST_AMPLITUDE:g}]",
                            doc="yearly log-seasonal amplitudes, the same on a 365.25-day cycle")
    activation_prob: float = redeclare(Channel, "activation_prob", 1.0,
                                       doc="share of valid leads who make a first purchase; 1: leads are "
                                           "customers")

    budgeted: ClassVar[bool] = False

    @classmethod
    def structured(cls, path: str, spec: Mapping) -> dict:
        return {**super().structured(path, spec),
                **{key: _amplitudes(f"{path}.{key}", spec.get(key, ()), MOST_HARMONICS[key])
                   for key in MOST_HARMONICS}}

    @staticmethod
    def shifted(spec: Mapping, days: int) -> dict:
        """A baseline spec (with its ``level`` and ``growth``) whose day 0 is day ``days`` of ``spec``'s:
        the same rate from then on.

        ``level`` grows by ``growth^(days/365)``, and each harmonic's pair
        turns by its phase ``phi = 2 pi k days / P``:
        ``a' = a cos(phi) + b sin(phi)``, ``b' = b cos(phi) - a sin(phi)``
        (``a cos(x + phi) + b sin(x + phi) = a' cos(x) + b' sin(x)``).
        """
        def turned(pairs, period):
            pairs = np.asarray(pairs, dtype=float).reshape(-1, 2)
            phase = 2.0 * np.pi * np.arange(1, len(pairs) + 1) * days / period
            cos, sin = np.cos(phase), np.sin(phase)
            return np.column_stack([pairs[:, 0] * cos + pairs[:, 1] * sin,
                                    pairs[:, 1] * cos - pairs[:, 0] * sin]).ravel().tolist()
        return {**spec, "level": spec["level"] * spec["growth"] ** (days / 365.0),
                "weekly": turned(spec.get("weekly", ()), WEEK), "yearly": turned(spec.get("yearly", ()), YEAR)}

    def rate(self, days) -> np.ndarray:
        """Expected leads on each of ``days``, before demand and market depletion."""
        days = np.asarray(days, dtype=float)
        log_rate = (np.log(self.growth) * days / 365.0
                    + seasonality(days, self.weekly, WEEK) + seasonality(days, self.yearly, YEAR))
        return self.level * np.exp(log_rate)

    def expected_leads(self, state: State, budget: float) -> float:
        return float(self.rate([state.day])[0])

    def most_customers(self, acquisition_days: int, demand: float) -> float:
        return float(self.rate(np.arange(acquisition_days)).sum()) * demand * self.precision * self.activation_prob


def _amplitudes(path: str, spec, most_pairs: int) -> tuple:
    """Check a flat list of amplitude pairs: numbers in [-MOST_AMPLITUDE, MOST_AMPLITUDE], even length."""
    if not isinstance(spec, (list, tuple)) or len(spec) % 2 or len(spec) > 2 * most_pairs:
        raise ConfigError(path, spec, f"must be a list [a_1, b_1, a_2, b_2, ...] of at most {most_pairs} "
                                      "cosine/sine amplitude pairs")
    return tuple(check_number(f"{path}[{i}]", value, low=-MOST_AMPLITUDE, high=MOST_AMPLITUDE)
                 for i, value in enumerate(spec))
