"""The shifted-beta-geometric (sBG) model of contractual retention."""
from __future__ import annotations

import numpy as np
from scipy.special import betaln

from .mle import Fit, maximise


class ShiftedBetaGeometric:
    r"""Churn probability ``c ~ Beta(a, b)`` per period, constant per customer.

    A customer churns in period ``k = 1, 2, ...`` with probability
    ``P(T = k) = B(a + 1, b + k - 1) / B(a, b)`` and survives ``k`` periods
    with ``S(k) = B(a, b + k) / B(a, b)`` [1]. From a cohort's survivor
    counts ``S_0, S_1, ..., S_K`` the log-likelihood is

    .. math:: \sum_{k=1}^{K} (S_{k-1} - S_k) \ln P(T = k) + S_K \ln S(K).

    This is the simulator's retention with ``population.churn_prob =
    {dist: beta, a, b}`` and ``retention.period_days`` = the period length.

    [1] Fader & Hardie (2007), "How to project customer retention",
    Journal of Interactive Marketing 21(1), eq. (4)-(6).
    """

    names = ("a", "b")

    def fit(self, survivors) -> Fit:
        survivors = np.asarray(survivors, dtype=float)
        if survivors.ndim != 1 or survivors.size < 3 or np.any(np.diff(survivors) > 0) or survivors[-1] < 0:
            raise ValueError("survivors must be a non-increasing sequence of counts, "
                             "survivors[0] = cohort size, with at least 2 periods after it")
        churned = -np.diff(survivors)
        periods = np.arange(1, survivors.size)

        def loglik(params):
            a, b = params
            return float(churned @ (betaln(a + 1, b + periods - 1) - betaln(a, b))
                         + survivors[-1] * (betaln(a, b + periods[-1]) - betaln(a, b)))

        return maximise(loglik, self.names, (1.0, 1.0))

    @staticmethod
    def survival(a: float, b: float, periods) -> np.ndarray:
        """``S(k) = B(a, b + k) / B(a, b)`` for each ``k`` in ``periods``."""
        return np.exp(betaln(a, b + np.asarray(periods)) - betaln(a, b))
